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
from .limits import spend
from .nodes import (Adjugate, Elementwise, Norm, Unvec, Vec, hadamard, hadamard_power, kronecker,
                    lift, matadd, matmul)

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
            spend("differentiating")
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
        "extend matcalc.differentials.d_rule",
        construct=f"differential of {type(e).__name__}")


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
    Matrix Cookbook (40), (59)."""
    A_inv = e
    return matmul(sympy.S.NegativeOne, A_inv, d(e.arg), A_inv)


@d_rule.register(sympy.MatPow)
def d_matpow(e, d):
    """d(Aᵏ) = Σᵢ Aⁱ dA Aᵏ⁻¹⁻ⁱ (k > 0);  d(A⁻ᵏ) = Σᵢ A⁻ⁱ d(A⁻¹) A⁻⁽ᵏ⁻¹⁻ⁱ⁾
    The product rule over the k factors of the power."""
    A, k = e.args
    _constant_exponent(k, e, d)
    if not (k.is_Integer):
        raise NoRuleError(f"no differential rule for the power {e} with a non-integer exponent "
                          f"{k} (only tr({e}) and det({e}) have one)",
                          construct="matrix power with a non-integer exponent")
    k = int(k)
    if abs(k) > MAX_EXPANDED_POWER:
        raise NoRuleError(
            f"no differential rule for the power {e}: d(Aᵏ) = Σᵢ Aⁱ dA Aᵏ⁻¹⁻ⁱ has {abs(k)} "
            f"terms, and matcalc writes it out for |k| ≤ {MAX_EXPANDED_POWER} only "
            "(tr(Aᵏ) and det(Aᵏ) have compact rules for every k)",
            construct=f"matrix power, |k| > {MAX_EXPANDED_POWER}")
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
    """d tr(A) = tr(dA);  d tr(Aᵏ) = k tr(Aᵏ⁻¹ dA) for any exponent k (trace cyclicity)
    Matrix Cookbook (36), (121)."""
    A = e.arg
    if isinstance(A, sympy.MatPow) and not isinstance(A, sympy.Inverse):
        B, k = A.args
        _constant_exponent(k, e, d)
        return k * sympy.Trace(matmul(sympy.MatPow(B, k - 1).doit(deep=False), d(B)))
    return sympy.Trace(d(A))


def _constant_exponent(k, e, d):
    if _depends(k, d):
        raise NoRuleError(f"no differential rule for {e}: the exponent {k} of the matrix "
                          "power varies with the variable",
                          construct="matrix power with a varying exponent")


@d_rule.register(sympy.Determinant)
def d_determinant(e, d):
    """d det(A) = det(A) tr(A⁻¹ dA);  d det(Aᵏ) = k det(Aᵏ) tr(A⁻¹ dA)
    Matrix Cookbook (42), (58)."""
    A = e.arg
    k = sympy.S.One
    if isinstance(A, sympy.MatPow) and not isinstance(A, sympy.Inverse):
        A, k = A.args
        _constant_exponent(k, e, d)
    return k * e * sympy.Trace(matmul(sympy.Inverse(A), d(A)))


@d_rule.register(Adjugate)
def d_adjugate(e, d):
    """d adj(A) = d(det(A) A⁻¹) = det(A) (tr(A⁻¹ dA) A⁻¹ − A⁻¹ dA A⁻¹)   (A invertible)
    Matrix Cookbook (41), adj(A) = det(A) A⁻¹."""
    A = e.arg
    return d(matmul(sympy.Determinant(A), sympy.Inverse(A)))


@d_rule.register(Norm)
def d_norm(e, d):
    """d‖A‖_F = tr(Aᵀ dA)/‖A‖_F   (d‖x‖₂ = xᵀdx/‖x‖₂)
    Matrix Cookbook (131), (129)."""
    A = e.arg
    return sympy.Trace(matmul(sympy.Transpose(A), d(A))) / e


# --- entrywise operations ------------------------------------------------------------


@d_rule.register(sympy.HadamardProduct)
def d_hadamard(e, d):
    """d(A ∘ B) = dA ∘ B + A ∘ dB
    Matrix Cookbook (38)."""
    args = e.args
    terms = [hadamard(*args[:i], d(a), *args[i + 1:])
             for i, a in enumerate(args) if _depends(a, d)]
    return matadd(terms, e.shape)


@d_rule.register(sympy.HadamardPower)
def d_hadamard_power(e, d):
    """d(A^∘k) = k A^∘(k−1) ∘ dA;  for k varying, + A^∘k ∘ log(A) dk"""
    A, k = e.base, e.exp
    terms = []
    if _depends(A, d):
        terms.append(matmul(k, hadamard(hadamard_power(A, k - 1), d(A))))
    if _depends(k, d):
        log_A = lift(sympy.log(_X), _X, A)
        terms.append(matmul(d(k), hadamard(e, log_A)))
    return matadd(terms, e.shape)


_X = sympy.Dummy("x", real=True)


@d_rule.register(Elementwise)
def d_elementwise(e, d):
    """d f(A) = f′(A) ∘ dA   (f applied entrywise; f′ from SymPy, written entrywise)"""
    derivative = e.function(_X).diff(_X)
    if derivative.has(sympy.Derivative, sympy.Subs, sympy.DiracDelta):
        raise NoRuleError(f"no differential rule for {e.function} applied entrywise (in {e}): "
                          f"its derivative is {derivative}",
                          construct=f"entrywise {e.function} without a derivative")
    return hadamard(lift(derivative, _X, e.arg), d(e.arg))


@d_rule.register(sympy.KroneckerProduct)
def d_kronecker(e, d):
    """d(A ⊗ B) = dA ⊗ B + A ⊗ dB
    Matrix Cookbook (39)."""
    args = e.args
    terms = [kronecker(*args[:i], d(a), *args[i + 1:])
             for i, a in enumerate(args) if _depends(a, d)]
    return matadd(terms, e.shape)


@d_rule.register(Vec)
def d_vec(e, d):
    """d vec(A) = vec(dA)"""
    return Vec(d(e.arg))


@d_rule.register(Unvec)
def d_unvec(e, d):
    """d vec⁻¹(v) = vec⁻¹(dv)"""
    return Unvec(d(e.arg), *e.shape)


@d_rule.register(sympy.DiagMatrix)
def d_diag_matrix(e, d):
    """d diag(v) = diag(dv)   (vector -> diagonal matrix)"""
    return sympy.DiagMatrix(d(e.args[0]))


@d_rule.register(sympy.DiagonalOf)
def d_diagonal_of(e, d):
    """d diag(A) = diag(dA)   (matrix -> vector of its diagonal)"""
    return sympy.DiagonalOf(d(e.arg))


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
            raise NoRuleError(f"no differential rule for the function {e.func} (in {e})",
                              construct=f"function {e.func} without a derivative")
        terms.append(partial * du)
    return sympy.Add(*terms)


#: What a derivation (matcalc.derive) calls each rule; keyed by the rule's function name.
RULE_NAMES = {
    "d_sum": "linearity", "d_product": "product rule", "d_transpose": "transpose",
    "d_inverse": "inverse", "d_matpow": "matrix power", "d_trace": "linearity of the trace",
    "d_determinant": "Jacobi's formula", "d_adjugate": "adjugate", "d_norm": "norm",
    "d_hadamard": "Hadamard product rule", "d_hadamard_power": "Hadamard power",
    "d_elementwise": "entrywise chain rule", "d_kronecker": "Kronecker product rule",
    "d_vec": "vec is linear", "d_unvec": "vec^-1 is linear", "d_diag_matrix": "diag is linear",
    "d_diagonal_of": "diag is linear", "d_pow": "power rule", "d_function": "chain rule",
}


def rule_name(e) -> str:
    """The name of the differential rule for node e ("inverse", "product rule", …)."""
    name = d_rule.dispatch(type(e)).__name__
    return RULE_NAMES.get(name, name.removeprefix("d_").replace("_", " "))
