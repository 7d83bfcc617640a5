"""Kronecker products, vec, vec⁻¹ and the commutation matrix (matcalc/ops/kronecker.py)."""

import pytest
from helpers import A, B, C, X, n
from sympy import Trace

from ops._examples import check_example, example_id

from matcalc import CommutationMatrix, Unvec, Vec
from matcalc.core.nodes import kronecker

EXAMPLES = [
    (Trace(kronecker(A, X) * kronecker(B, C)), X, {}),            # Kronecker product
    (Trace(Vec(X).T * kronecker(A, B) * Vec(X)), X, {}),          # vec
    (Trace(Unvec(kronecker(A, B) * Vec(X), n, n) * C), X, {}),    # vec⁻¹
    (Trace(Vec(A).T * CommutationMatrix(n, n) * Vec(X)), X, {}),  # commutation matrix
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_kronecker_examples_match_finite_differences(example):
    check_example(example)


def test_a_jacobian_through_a_kronecker_product_is_refused_by_name():
    import matcalc
    with pytest.raises(matcalc.NoRuleError, match="Kronecker product"):
        matcalc.jacobian(kronecker(A, X), X)
