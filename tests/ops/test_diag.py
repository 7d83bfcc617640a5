"""Diagonals (matcalc/ops/diag.py)."""

import pytest
from helpers import A, X, n, x
from sympy import DiagMatrix, DiagonalMatrix, DiagonalOf, OneMatrix, Trace

from ops._examples import check_example, example_id

EXAMPLES = [
    (Trace(DiagMatrix(x) * A * DiagMatrix(x)), x, {}),            # diag of a vector
    (OneMatrix(1, n) * DiagonalOf(X * X), X, {}),                 # diagonal of a matrix
    (Trace(DiagonalMatrix(X) * A), X, {}),                        # I ∘ X
    (DiagMatrix(x) * A * x, x, {}),                               # Jacobian through diag
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_diag_examples_match_finite_differences(example):
    check_example(example)
