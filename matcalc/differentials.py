"""Differential rules: f  ->  df, an expression linear in the differential dX.

Contract: `differentiate(f, X, dX)` returns df, of f's shape, in which dX (or dt for a
scalar variable t) occurs only linearly. One rule per node type, registered on the
`d_rule` dispatch table; a rule takes one step and calls `d` for its arguments, the driver
recurses and memoises. Subexpressions free of X get an explicit zero before any rule is
looked up; a node without a rule raises `NoRuleError` naming it.

(The module is not called `differential.py`: that is the public function's name.)
"""

from __future__ import annotations

from functools import singledispatch

import sympy
from sympy import MatrixExpr

from .errors import NoRuleError
from .nodes import matadd, matmul

#: Largest |k| for which d(Xᵏ) is written out as a sum of k products.
MAX_EXPANDED_POWER = 64


def differentiate(f, X, dX):
    """df: the differential of f with respect to the variable X, written in dX."""
    memo: dict = {}

    def d(e):
        if not e.has(X):
            return zero_like(e)
        if e == X:
            return dX
        if e not in memo:
            memo[e] = d_rule(e, d)
        return memo[e]

    return d(f)


def zero_like(e):
    """The zero of e's kind: ZeroMatrix of e's shape, or scalar 0."""
    if isinstance(e, MatrixExpr):
        return sympy.ZeroMatrix(*e.shape)
    return sympy.S.Zero


@singledispatch
def d_rule(e, d):
    raise NoRuleError(
        f"no differential rule for {type(e).__name__} (in {e}); "
        "extend matcalc.differentials.d_rule")


# --- sums and products ------------------------------------------------------------


@d_rule.register(sympy.MatAdd)
@d_rule.register(sympy.Add)
def d_sum(e, d):
    """d(A + B) = dA + dB"""
    return matadd([d(a) for a in e.args], getattr(e, "shape", None))


@d_rule.register(sympy.MatMul)
@d_rule.register(sympy.Mul)
def d_product(e, d):
    """d(A B) = dA B + A dB   (product rule; scalar factors included)"""
    args = e.args
    terms = []
    for i, a in enumerate(args):
        if _depends(a, d):
            terms.append(matmul(*args[:i], d(a), *args[i + 1:]))
    return matadd(terms, getattr(e, "shape", None))


def _depends(a, d) -> bool:
    """True when a's differential is not identically zero (a contains the variable)."""
    da = d(a)
    return not (da == 0 or isinstance(da, sympy.ZeroMatrix))


# --- matrix operations ------------------------------------------------------------


@d_rule.register(sympy.Transpose)
def d_transpose(e, d):
    """d(Aᵀ) = (dA)ᵀ"""
    return sympy.Transpose(d(e.arg))


@d_rule.register(sympy.Inverse)
def d_inverse(e, d):
    """d(A⁻¹) = −A⁻¹ dA A⁻¹
    Matrix Cookbook (59)."""
    A_inv = e
    return matmul(sympy.S.NegativeOne, A_inv, d(e.arg), A_inv)


@d_rule.register(sympy.MatPow)
def d_matpow(e, d):
    """d(Aᵏ) = Σᵢ Aⁱ dA Aᵏ⁻¹⁻ⁱ (k > 0);  d(A⁻ᵏ) = Σᵢ A⁻ⁱ d(A⁻¹) A⁻⁽ᵏ⁻¹⁻ⁱ⁾
    The product rule over the k factors of the power."""
    A, k = e.args
    if not (k.is_Integer):
        raise NoRuleError(f"no differential rule for the power {e} with a non-integer exponent {k}")
    k = int(k)
    if abs(k) > MAX_EXPANDED_POWER:
        raise NoRuleError(
            f"no differential rule for the power {e}: exponents beyond ±{MAX_EXPANDED_POWER} "
            "are not expanded")
    base = A if k > 0 else sympy.Inverse(A)
    d_base = d(A) if k > 0 else d_inverse(base, d)
    m = abs(k)
    return matadd([matmul(_power(base, i), d_base, _power(base, m - 1 - i)) for i in range(m)],
                  e.shape)


def _power(B, i):
    if i == 0:
        return sympy.Identity(B.shape[0])
    return B if i == 1 else sympy.MatPow(B, i).doit(deep=False)


@d_rule.register(sympy.Trace)
def d_trace(e, d):
    """d tr(A) = tr(dA)
    Matrix Cookbook (36)."""
    return sympy.Trace(d(e.arg))


@d_rule.register(sympy.Determinant)
def d_determinant(e, d):
    """d det(A) = det(A) tr(A⁻¹ dA)
    Matrix Cookbook (46)."""
    A = e.arg
    return e * sympy.Trace(matmul(sympy.Inverse(A), d(A)))


# --- scalar functions -------------------------------------------------------------


@d_rule.register(sympy.Pow)
def d_pow(e, d):
    """d(uᵃ) = a uᵃ⁻¹ du  (a constant);  d(uᵛ) = uᵛ (log(u) dv + v du / u)"""
    u, a = e.args
    du, da = d(u), d(a)
    if da == 0:
        return a * u ** (a - 1) * du
    return e * (sympy.log(u) * da + a * du / u)


@d_rule.register(sympy.Function)
def d_function(e, d):
    """d f(u₁,…,uₘ) = Σᵢ ∂ᵢf(u) duᵢ   (SymPy's own fdiff gives ∂ᵢf: log, exp, sin, …)"""
    terms = []
    for i, u in enumerate(e.args, start=1):
        du = d(u)
        if du == 0:
            continue
        partial = e.fdiff(i)
        if partial.has(sympy.Derivative, sympy.Subs):
            raise NoRuleError(f"no differential rule for the function {e.func} (in {e})")
        terms.append(partial * du)
    return sympy.Add(*terms)
