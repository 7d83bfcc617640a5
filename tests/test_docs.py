"""The README's examples and every script in examples/ run, and say what they promise."""

import doctest
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_readme_examples_run_as_doctests():
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False,
                              optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 20 and result.failed == 0


def test_readme_quick_start_is_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- quickstart -->")[1].split("<!-- /quickstart -->")[0]
    commands = [line for line in block.splitlines() if line and not line.startswith("```")]
    assert len(commands) == 2
    assert "pytest" in commands[1] and "[test]" in commands[1]
    assert 'matcalc "tr(inv(X))" --wrt X' in commands[0] and "--check" in commands[0]


EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
PROMISES = {
    "trace_of_inverse.py": ["-(X⁻²)ᵀ", "-tr(X⁻¹ dX X⁻¹)", r"\left(X^{-2}\right)^{\top}", "ok:"],
    "render_derivation.py": ["inverse: d(X⁻¹) = -X⁻¹ dX X⁻¹", "wrote "],
    "inverse_of_symmetric.py": ["-C⁻¹ ⊠ C⁻ᵀ", "C^{-1}_{ik} C^{-1}_{lj}", "-C⁻¹ ⊠ C⁻¹ : 𝕀ₛ",
                                r"C^{-1}_{il} C^{-1}_{jk}", "= -0.25"],
}


NEEDS_TEX = {"render_derivation.py"}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    args = []
    if script.name in NEEDS_TEX:
        if shutil.which("latex") is None or shutil.which("dvipng") is None:
            if os.environ.get("MATCALC_REQUIRE_TEX") == "1":
                pytest.fail("MATCALC_REQUIRE_TEX=1 but latex or dvipng is missing")
            pytest.skip("needs latex and dvipng")
        args = [str(tmp_path / "derivation.png")]
    out = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                         cwd=ROOT, timeout=300,
                         env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8"))
    assert out.returncode == 0, out.stderr
    for promise in PROMISES.get(script.name, []):
        assert promise in out.stdout, f"{script.name} does not print {promise!r}"
    assert "MISMATCH" not in out.stdout
    if args:  # a PNG of the typeset derivation, as the one in the README
        image = Path(args[0]).read_bytes()
        assert image.startswith(b"\x89PNG") and len(image) > 2000
