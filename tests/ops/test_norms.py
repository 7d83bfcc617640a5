"""Norms (matcalc/ops/norms.py)."""

import pytest
from helpers import A, W, X, x
from sympy import Trace

from ops._examples import check_example, example_id

import matcalc
from matcalc import Norm

EXAMPLES = [
    (Norm(X), X, {}),                                             # Frobenius norm
    (Norm(A * x) ** 2 + Norm(x), x, {}),                          # Euclidean norm
    (Norm(W) * Trace(X), W, {}),                                  # non-square
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_norm_examples_match_finite_differences(example):
    check_example(example)


def test_sum_and_norm1_are_products_and_entrywise_functions():
    f = matcalc.parse("norm1(X) + sum(X)", {"X": X})
    assert matcalc.text(f) == "𝟏ᵀ |X| 𝟏 + 𝟏ᵀ X 𝟏"
    check_example((f, X, {}))
