"""Diagonals (matcalc/ops/diag.py)."""

import pytest
from helpers import A, B, X, assert_hessian_verified, assert_verified, n, x
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


# --- Jacobians by a matrix: diag(l) = I ∘ (l 𝟏ᵀ), diag(L) = (I ∘ L) 𝟏 --------------------

JACOBIAN_EXAMPLES = [
    (DiagMatrix(x) * A, x, {}),                                   # diag(x) A = (x 𝟏ᵀ) ∘ A
    (A * DiagMatrix(x), x, {}),                                   # A diag(x) = A ∘ (𝟏 xᵀ)
    (DiagMatrix(X * x), X, {}),                                   # diag of a vector
    (DiagMatrix((X * x).T), X, {}),                               # diag of a row
    (A * DiagMatrix(X * x) * B, X, {}),                           # inside a product
    (DiagonalOf(X), X, {}),                                       # the diagonal
    (DiagonalOf(A * X * B), X, {}),                               # of a product
    (DiagMatrix(DiagonalOf(X)) * A, X, {}),                       # both
    (DiagonalMatrix(X * A), X, {}),                               # I ∘ (X A)
]
EXAMPLES += JACOBIAN_EXAMPLES


@pytest.mark.parametrize("example", JACOBIAN_EXAMPLES, ids=example_id)
def test_jacobians_by_a_matrix_through_diagonals(example):
    check_example(example)


def test_the_jacobian_of_diag_x_times_a_reads_like_the_identity():
    """∂(diag(x) A)_ij/∂x_k = A_ij δ_ik."""
    J = matcalc.jacobian(DiagMatrix(x) * A, x)
    assert matcalc.text(J) == "A ∘ (I ⊠ 𝟏)"
    assert matcalc.index(J, style="text") == "A_ij δ_ik"


@pytest.mark.parametrize("f", [Trace(DiagMatrix(X * x) * A * DiagMatrix(X * x)),
                               ones * DiagonalOf(X * A * X) * Trace(X),
                               Trace(DiagMatrix(DiagonalOf(X * X)) * A)], ids=str)
def test_hessians_by_a_matrix_through_diagonals(f):
    assert_hessian_verified(f, X)


# --- moved from tests/test_entrywise.py -----------------------------------------------


def test_diag_of_a_vector_and_of_a_matrix():
    assert_verified(Trace(A * DiagMatrix(x) * B * DiagMatrix(x)), x)
    assert_verified(ones * DiagonalOf(X * A * X), X)
    assert_verified(Trace(A * DiagonalMatrix(X * X)), X)
    assert matcalc.text(matcalc.grad(ones * DiagonalOf(X), X)) == "I"
