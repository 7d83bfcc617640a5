"""Norms (matcalc/ops/norms.py)."""

import numpy as np
import pytest
from helpers import A, B, R, W, X, a, assert_verified, b, x
from sympy import Trace

import matcalc
from matcalc import Norm
from matcalc.numeric.checking import random_point
from ops._examples import check_example, example_id

EXAMPLES = [
    (Norm(X), X, {}),                                             # Frobenius norm
    (Norm(A * x) ** 2 + Norm(x), x, {}),                          # Euclidean norm
    (Norm(W) * Trace(X), W, {}),                                  # non-square
    (Norm(X) * A * X, X, {}),                                     # a Jacobian through it
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_norm_examples_match_finite_differences(example):
    check_example(example)


def test_sum_and_norm1_are_products_and_entrywise_functions():
    f = matcalc.parse("norm1(X) + sum(X)", {"X": X})
    assert matcalc.text(f) == "𝟏ᵀ |X| 𝟏 + 𝟏ᵀ X 𝟏"
    check_example((f, X, {}))


# --- moved from tests/test_entrywise.py -----------------------------------------------


def test_norms():
    """d‖A‖_F = tr(Aᵀ dA)/‖A‖_F; ‖·‖² has no square root."""
    assert_verified(Norm(A * X - B), X)
    assert_verified(Norm(R * W), W)
    assert_verified(Norm(A * x - b), x)
    assert matcalc.text(matcalc.grad(Norm(X) ** 2, X)) == "2 X"
    assert matcalc.text(matcalc.grad(Norm(x), x)) == "x/‖x‖₂"


def test_check_keeps_the_argument_of_a_norm_away_from_zero():
    """‖x + a‖ has no derivative at x = −a; the first random point is 10⁻⁷ from it, and
    check draws another."""
    f = Norm(x + a)
    x0 = random_point([f], x, values={"a": np.zeros((3, 1))}, seed=0)["x"]
    a0 = 1e-7 - x0
    result = matcalc.check(f, x, values={"a": a0})
    assert result.ok, result
    assert np.linalg.norm(result.values["x"] + a0) > 1e-3
