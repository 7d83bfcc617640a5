import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

import matcalc

sys.path.insert(0, str(Path(__file__).parent))

# Profiles: "dev" explores new examples on every run; "ci" replays the same ones (a red CI
# means a regression); "soak" runs many (MATCALC_HYPOTHESIS=soak python -m pytest ...).
# Hypothesis prints the failing example either way.
settings.register_profile("dev", max_examples=100)
settings.register_profile("ci", max_examples=100, derandomize=True, print_blob=True)
settings.register_profile("soak", max_examples=2000)
settings.load_profile(os.environ.get("MATCALC_HYPOTHESIS", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def generous_budget():
    """Tests run under a 60 s work budget rather than the default 8 s: on a loaded machine a
    large random example may take longer, which is no failure of what a test checks. Tests
    of the budget set their own."""
    with matcalc.budget(seconds=60):
        yield
