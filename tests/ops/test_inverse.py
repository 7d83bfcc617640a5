"""The inverse, determinant and adjugate (matcalc/ops/inverse.py)."""

import pytest
import sympy
from helpers import A, X, assert_verified
from sympy import Determinant, Trace

from matcalc import Adjugate
from ops._examples import check_example, example_id

EXAMPLES = [
    (Trace(X.I * A), X, {}),                                      # inverse
    (X.I, X, {}),                                                 # Jacobian of the inverse
    (sympy.log(Determinant(X)), X, {}),                           # log det
    (Determinant(X ** 3) + Determinant(X.T) ** 2, X, {}),         # det of powers
    (Trace(Adjugate(X) * A), X, {}),                              # adjugate
    (Adjugate(X), X, {}),                                         # Jacobian of adj
    (Determinant(X) * X.I * A, X, {}),                            # … through det
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_inverse_examples_match_finite_differences(example):
    check_example(example)


# --- moved from tests/test_entrywise.py -----------------------------------------------


def test_adjugate():
    """adj(X) = det(X) X⁻¹ (Matrix Cookbook (41))."""
    assert_verified(Trace(A * Adjugate(X)), X)
    assert_verified(Trace(Adjugate(X)), X)


def test_determinant_of_a_power():
    """d det(Xᵏ) = k det(Xᵏ) tr(X⁻¹ dX) (Matrix Cookbook (58))."""
    assert_verified(sympy.Determinant(sympy.MatPow(X, 4)), X)


def test_the_steps_of_the_adjugate_keep_the_inverse_rule_whole():
    import matcalc
    assert "det(X) (-X⁻¹ dX X⁻¹)" in matcalc.derive(Adjugate(X), X).text()
