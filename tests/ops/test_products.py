"""Sums, products, powers, transpose (matcalc/ops/products.py)."""

import numpy as np
import pytest
import sympy
from helpers import A, B, R, W, X, n, t, x
from sympy import HadamardPower, Trace

import matcalc
from ops._examples import check_example, example_id

EXAMPLES = [
    (Trace(X.T * A * X) - 2 * Trace(B * X), X, {}),               # matrix sum, product
    (Trace(X) ** 3 / Trace(A * X + B), X, {}),                    # scalar power, product
    (Trace(X ** 3 * A), X, {}),                                   # matrix power
    (X ** 2, X, {}),                                              # Jacobian of a power
    (A * X.T * B - X, X, {}),                                     # Jacobian through a transpose
    (Trace(R * W) ** 2 + Trace(W.T * R.T), W, {}),                # non-square
    (x.T * A * x, x, {}),                                         # a vector, 1 x 1 result
    (Trace(X * X.T) ** sympy.Rational(1, 2), X, {}),              # rational power
    (sympy.sqrt(x.T * x), x, {}),                                 # SymPy's sqrt of a 1 x 1
    (sympy.MatPow(x.T * A * x, sympy.Rational(1, 3)), x, {}),     # a 1 x 1 to a rational
    (sympy.MatPow(x.T * x, sympy.Rational(-3, 2)), x, {}),        # … and negative power
    ((Trace(X) ** 2 + Trace(A * X) * Trace(X)) * B, X, {}),       # a Jacobian through scalars
]


@pytest.mark.parametrize("f", [sympy.sqrt(x.T * x), sympy.MatPow(x.T * A * x,
                                                                  sympy.Rational(1, 3))])
def test_a_real_power_of_a_one_by_one_has_a_hessian(f):
    """d(aᵏ) = k aᵏ⁻¹ da for a 1 x 1 a, any constant k: the Hessian checks too."""
    G, H = matcalc.grad(f, x), matcalc.hessian(f, x)
    assert matcalc.check(f, x, derivative=G).ok and matcalc.check(G, x, derivative=H).ok


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_product_examples_match_finite_differences(example):
    check_example(example)


def test_large_matrix_powers_are_refused_by_name():
    with pytest.raises(matcalc.NoRuleError, match="power X"):
        matcalc.jacobian(X ** 100, X)


def test_a_negative_product_inside_a_product_is_parenthesised_in_derivations():
    """The steps of a derivation keep d(X⁻¹) = −X⁻¹ dX X⁻¹ as one factor: A (−X⁻¹ dX X⁻¹) B,
    never A −X⁻¹ dX X⁻¹ B (which reads as a difference)."""
    steps = matcalc.derive(Trace(A * X.I * B), X).text()
    assert "tr(A (-X⁻¹ dX X⁻¹) B)" in steps
    first = matcalc.derive(Trace(X.I * A), X).text()  # a leading factor needs none
    assert "tr(-X⁻¹ dX X⁻¹ A)" in first


# --- moved from tests/test_entrywise.py -----------------------------------------------


def test_varying_exponent_of_a_matrix_power_raises_instead_of_dropping_a_term():
    S = matcalc.SymmetricMatrixSymbol("S", n)
    for f, var in [(Trace(sympy.MatPow(S, t)), t), (sympy.Determinant(sympy.MatPow(S, t)), t),
                   (Trace(sympy.MatPow(S, Trace(S))), S)]:
        with pytest.raises(matcalc.NoRuleError, match="exponent"):
            matcalc.grad(f, var)


def test_nearly_complex_eigenvalues_in_a_fractional_power_are_an_evaluation_error():
    M = sympy.MatrixSymbol("M", 2, 2)
    value = np.array([[1.0, 1e-13], [-1e-13, 1.0]])
    try:
        out = matcalc.evaluate(sympy.MatPow(M, sympy.Rational(1, 2)), {"M": value})
    except matcalc.EvaluationError:
        return
    assert np.allclose(out @ out, value)


@pytest.mark.parametrize("expr, expected", [
    (sympy.Rational(1, 2) * HadamardPower(X, sympy.Rational(1, 2)), "X^∘(1/2)/2"),
    (HadamardPower(X, 2) / 5, "X^∘2/5"),
    (HadamardPower(X, t + 1), "X^∘(t + 1)"),
    (sympy.MatPow(X, Trace(X) - 1), "X^(tr(X) - 1)"),
])
def test_exponents_are_bracketed_in_text(expr, expected):
    assert matcalc.text(expr) == expected
