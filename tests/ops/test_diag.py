"""Diagonals (matcalc/ops/diag.py)."""

import pytest
from helpers import A, B, X, assert_verified, n, x
from sympy import DiagMatrix, DiagonalMatrix, DiagonalOf, OneMatrix, Trace

import matcalc
from ops._examples import check_example, example_id

ones = OneMatrix(1, n)

EXAMPLES = [
    (Trace(DiagMatrix(x) * A * DiagMatrix(x)), x, {}),            # diag of a vector
    (OneMatrix(1, n) * DiagonalOf(X * X), X, {}),                 # diagonal of a matrix
    (Trace(DiagonalMatrix(X) * A), X, {}),                        # I ∘ X
    (DiagMatrix(x) * A * x, x, {}),                               # Jacobian through diag
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_diag_examples_match_finite_differences(example):
    check_example(example)


# --- moved from tests/test_entrywise.py -----------------------------------------------


def test_diag_of_a_vector_and_of_a_matrix():
    assert_verified(Trace(A * DiagMatrix(x) * B * DiagMatrix(x)), x)
    assert_verified(ones * DiagonalOf(X * A * X), X)
    assert_verified(Trace(A * DiagonalMatrix(X * X)), X)
    assert matcalc.text(matcalc.grad(ones * DiagonalOf(X), X)) == "I"
