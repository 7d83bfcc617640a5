"""Every differential rule, verified against central finite differences."""

import pytest
import sympy
from helpers import A, B, C, R, W, X, Y, a, assert_verified, b, n, s, t, x
from sympy import Determinant, Identity, MatPow, Trace, ZeroMatrix, exp, log, sqrt

import matcalc
from matcalc.ops.products import MAX_EXPANDED_POWER

# d(A + B), d(c A), d(A B), d(Aᵀ), d(A⁻¹), d(Aᵏ), d tr, d det, scalar chain rule
SCALAR_CASES = [
    ("sum", Trace(X) + Trace(A * X)),
    ("scalar multiple", 3 * Trace(A * X)),
    ("product", Trace(A * X * B * X)),
    ("transpose", Trace(A * X.T * B)),
    ("inverse", Trace(A * X.I)),
    ("inverse of a product", Trace((A * X).I * B)),
    ("inverse of a transpose", Trace(X.T.I * A)),
    ("positive power", Trace(A * X**3)),
    ("negative power", Trace(A * X**-2)),
    ("trace", Trace(X) ** 2),
    ("determinant", Determinant(X)),
    ("determinant of a product", Determinant(A * X * B)),
    ("log of a scalar", log(Determinant(X)) * Trace(X)),
    ("power of a scalar", Trace(X * X.T) ** sympy.Rational(3, 2)),
    ("quotient of scalars", Trace(A * X) / Trace(X * X.T)),
    ("exp and sqrt of scalars", exp(Trace(A * X) / 10) + sqrt(Trace(X * X.T))),
    ("symbolic scalar power", Determinant(X) ** (Trace(X * X.T) / 10)),
    ("identity constant", Trace((Identity(n) + X) * A)),
    ("zero constant", Trace(A * X + ZeroMatrix(n, n))),
    ("rectangular factors", Trace(R * X * R.T)),
]


@pytest.mark.parametrize("name, f", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
def test_gradient_rule(name, f):
    assert_verified(f, X)


VECTOR_CASES = [
    ("quadratic form", x.T * A * x),
    ("bilinear form", a.T * X * b),                      # by X below
    ("inner product", x.T * x),
    ("product of 1x1 matrices", (x.T * a) * (b.T * x)),
    ("1x1 matrix times scalar", Trace(A) * (x.T * x)),
    ("affine quadratic", (A * x + a).T * B * (A * x + b)),
]


@pytest.mark.parametrize("name, f", VECTOR_CASES, ids=[c[0] for c in VECTOR_CASES])
def test_gradient_by_a_vector(name, f):
    var = X if f.has(X) else x
    assert_verified(f, var)


def test_gradient_by_a_rectangular_variable():
    assert_verified(Trace(W.T * A * W), W)
    assert_verified(Determinant(W.T * W), W)


def test_gradient_by_a_scalar():
    G = assert_verified(Trace(t * A + t**2 * B), t)
    assert not G.free_symbols & {sympy.Symbol("dt")}
    assert_verified(log(Determinant(Identity(n) + t * A)), t)
    assert_verified(t * s**2, t)


def test_scalar_variable_inside_matrix_inverse():
    assert_verified(Trace((Identity(n) + t * A).I * B), t)


def test_gradient_with_respect_to_a_symbol_absent_from_f_is_zero():
    assert matcalc.grad(Trace(A), X) == ZeroMatrix(n, n)
    assert matcalc.grad(Trace(A), t) == 0


def test_powers_beyond_the_expansion_bound_raise():
    with pytest.raises(matcalc.NoRuleError, match=f"for .k. ≤ {MAX_EXPANDED_POWER} only"):
        matcalc.grad(Trace(A * MatPow(X, MAX_EXPANDED_POWER + 1)), X)


def test_trace_of_any_power_uses_cyclicity():
    """d tr(Xᵏ) = k tr(Xᵏ⁻¹ dX), also for k beyond the expansion bound and symbolic k."""
    k = sympy.Symbol("k")
    assert matcalc.grad(Trace(MatPow(X, k)), X) == k * MatPow(X.T, k - 1)
    assert_verified(Trace(MatPow(X, 100)), X)
    assert_verified(Trace(MatPow(C, k)), C, symmetric=True, values={"k": 2.5})


def test_symbolic_matrix_exponent_outside_a_trace_raises_no_rule():
    k = sympy.Symbol("k")
    with pytest.raises(matcalc.NoRuleError, match="non-integer exponent"):
        matcalc.grad(Trace(A * MatPow(X, k)), X)


def test_undefined_scalar_function_raises_no_rule():
    f = sympy.Function("f")
    with pytest.raises(matcalc.NoRuleError, match="function f"):
        matcalc.grad(f(Trace(X)), X)


def test_node_without_rule_names_it():
    with pytest.raises(matcalc.NoRuleError, match="MatrixElement"):
        matcalc.grad(X[0, 1] * Trace(X), X)


def test_differential_is_linear_in_dX_and_named_after_the_variable():
    df = matcalc.differential(Determinant(X), X)
    assert matcalc.text(df) == "det(X) tr(X⁻¹ dX)"
    assert matcalc.latex(df) == (r"\det\left(X\right) "
                                 r"\operatorname{tr}\left(X^{-1} \, \mathrm{d}X\right)")
    assert matcalc.text(matcalc.differential(Trace(X * Y), Y)) == "tr(X dY)"


def test_det_of_a_scalar_multiple():
    """det(c X) = cⁿ det X (Matrix Cookbook (20)); SymPy's own assumption queries failed on
    the determinant of a multiple inside tanh(log(…)) (a TypeError found by the soak)."""
    from helpers import X, assert_verified
    f = sympy.tanh(sympy.log(sympy.Determinant(2 * X)))
    assert_verified(f, X)
    assert_verified(sympy.Determinant(-3 * X * X), X)
    assert isinstance(matcalc.hessian(f, X), matcalc.FourthOrder)
