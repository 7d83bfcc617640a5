"""Symbols and constants (matcalc/ops/leaves.py)."""

import pytest
import sympy
from helpers import A, X, n, t, x
from sympy import Identity, MatAdd, MatMul, OneMatrix, Trace, ZeroMatrix

from ops._examples import check_example, example_id

EXAMPLES = [
    (Trace(A * X), X, {}),                                        # matrix symbol
    (t ** 2 * Trace(X) + sympy.Rational(1, 2) * t, t, {}),        # scalar symbol, numbers
    (Trace((X + Identity(n)) * A), X, {}),                        # identity
    (OneMatrix(1, n) * X * OneMatrix(n, 1), X, {}),               # ones
    (Trace(MatMul(MatAdd(X, ZeroMatrix(n, n)), A)), X, {}),       # zero, kept by the constructors
    (x.T * OneMatrix(n, 1) * sympy.pi, x, {}),                    # a number symbol
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_leaf_examples_match_finite_differences(example):
    check_example(example)


def test_constants_have_an_explicit_zero_differential():
    import matcalc
    assert matcalc.differential(Trace(A), X) == 0
    assert matcalc.differential(A, X) == ZeroMatrix(n, n)


def test_a_dimension_is_no_variable_even_inside_an_identity():
    """d/dn (n + tr Iₙ) is not 1: a dimension is refused as a variable wherever it occurs."""
    import matcalc
    with pytest.raises(matcalc.VariableError, match="dimension"):
        matcalc.grad(n + Trace(Identity(n)), n)
