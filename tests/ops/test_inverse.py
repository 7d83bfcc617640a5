"""The inverse, determinant and adjugate (matcalc/ops/inverse.py)."""

import pytest
import sympy
from helpers import A, X
from sympy import Determinant, Trace

from ops._examples import check_example, example_id

from matcalc import Adjugate

EXAMPLES = [
    (Trace(X.I * A), X, {}),                                      # inverse
    (X.I, X, {}),                                                 # Jacobian of the inverse
    (sympy.log(Determinant(X)), X, {}),                           # log det
    (Determinant(X ** 3) + Determinant(X.T) ** 2, X, {}),         # det of powers
    (Trace(Adjugate(X) * A), X, {}),                              # adjugate
    (Adjugate(X), X, {}),                                         # Jacobian of adj
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_inverse_examples_match_finite_differences(example):
    check_example(example)
