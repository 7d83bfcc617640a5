"""The numerics pass of code generation: an expression rewritten, before it is lowered, into
forms equal in exact arithmetic that do not overflow where the value is finite.

    log(1 + eᵘ)               -> softplus(u)              (logaddexp(0, u))
    log σ(u)                  -> −softplus(−u)
    log(𝟏ᵀ exp(U) 𝟏)          -> logsumexp(U)             (shifted by the largest entry)
    exp(U) / (𝟏ᵀ exp(U) 𝟏)    -> softmax(U)               (also exp(U)ᵀ, diag(exp(U)) and
                                                           exp(U) ∘ M, in a product with
                                                           a power of the sum)

Entrywise forms (log(exp(U) + 𝟏) -> softplus(U)) are rewritten the same way. σ and softplus
are already stable in every backend (matcalc.core.functions); log det is slogdet and an
inverse only multiplied is a solve (matcalc.code.lowering). Contract: `stabilised(e)` has
e's shape and value.
"""

from __future__ import annotations

import sympy

from ..core.functions import sigmoid, softplus
from ..core.nodes import Elementwise, LogSumExp, Softmax, elementwise, matadd, matmul


def stabilised(e):
    """e with every rewrite of the module applied, bottom-up."""
    if not isinstance(e, sympy.Basic) or not e.args or isinstance(
            e, (sympy.MatrixSymbol, sympy.Symbol, sympy.Number)):
        return e
    args = tuple(stabilised(a) for a in e.args)
    if args != e.args:
        e = matmul(*args) if isinstance(e, sympy.MatMul) else \
            matadd(args, e.shape) if isinstance(e, sympy.MatAdd) else e.func(*args)
    for rule in (_softplus, _log_sigmoid, _logsumexp, _softmax):
        new = rule(e)
        if new is not None:
            return new
    return e


def _exponent(e):
    """u for eᵘ (scalar) or exp(U) (entrywise), else None."""
    if isinstance(e, sympy.exp):
        return e.args[0]
    if isinstance(e, Elementwise) and e.function is sympy.exp:
        return e.arg
    return None


def _is_log(e) -> bool:
    return isinstance(e, sympy.log) or (isinstance(e, Elementwise) and e.function is sympy.log)


def _argument(e):
    return e.arg if isinstance(e, Elementwise) else e.args[0]


def _softplus(e):
    """log(1 + eᵘ) -> softplus(u); log(exp(U) + 𝟏) -> softplus(U)"""
    if not _is_log(e):
        return None
    terms = _argument(e).args if isinstance(_argument(e), (sympy.Add, sympy.MatAdd)) else ()
    if len(terms) != 2:
        return None
    for one, power in (terms, terms[::-1]):
        u = _exponent(power)
        if u is not None and (one == 1 or isinstance(one, sympy.OneMatrix)):
            return softplus(u) if isinstance(e, sympy.log) else elementwise(softplus, u)
    return None


def _log_sigmoid(e):
    """log σ(u) = −softplus(−u)"""
    if not _is_log(e):
        return None
    inner = _argument(e)
    if isinstance(inner, sigmoid):
        return -softplus(-inner.args[0])
    if isinstance(inner, Elementwise) and inner.function is sigmoid:
        return matmul(-1, elementwise(softplus, matmul(-1, inner.arg)))
    return None


def summed_exponent(S):
    """U when S is the sum of the entries of exp(U) (𝟏ᵀ exp(U) 𝟏, 𝟏ᵀ exp(u), as a trace or
    a 1 x 1 product; exp(Uᵀ) counts as exp(U)), else None."""
    if isinstance(S, sympy.Trace):
        S = S.arg
    if not isinstance(S, sympy.MatMul):
        return None
    coeff, factors = S.as_coeff_matrices()
    if coeff != 1:
        return None
    ones = [f for f in factors if isinstance(f, sympy.OneMatrix)]
    rest = [f for f in factors if not isinstance(f, sympy.OneMatrix)]
    if len(rest) != 1 or len(ones) != len(factors) - 1:
        return None
    E = rest[0]
    U = _exponent(E)
    if U is None:
        return None
    left = factors[0] if isinstance(factors[0], sympy.OneMatrix) else None
    right = factors[-1] if isinstance(factors[-1], sympy.OneMatrix) else None
    rows, cols = E.shape
    covers_rows = rows == 1 or (left is not None and left.shape == (1, rows))
    covers_cols = cols == 1 or (right is not None and right.shape == (cols, 1))
    if not (covers_rows and covers_cols and len(ones) == (left is not None) + (right is not None)):
        return None
    return U.arg if isinstance(U, sympy.Transpose) else U


def _logsumexp(e):
    """log(𝟏ᵀ exp(U) 𝟏) -> logsumexp(U)"""
    if isinstance(e, sympy.log):
        U = summed_exponent(e.args[0])
        if U is not None:
            return LogSumExp(U)
    return None


def _sum_powers(scalars):
    """{U: k} for the factors (𝟏ᵀ exp(U) 𝟏)⁻ᵏ among the scalar factors."""
    found = {}
    for f in scalars:
        for g in sympy.Mul.make_args(f):
            if isinstance(g, sympy.Pow) and g.exp.is_Integer and g.exp < 0:
                U = summed_exponent(g.base)
                if U is not None:
                    found[U] = (g, int(-g.exp))
    return found


def _absorbed(M, U):
    """M with one exp(U) replaced by softmax(U) (as itself, transposed, on a diagonal or in
    a Hadamard product), else None."""
    u = _exponent(M)
    if u is not None and u in (U, sympy.Transpose(U), U.T):
        return Softmax(U) if u == U else sympy.Transpose(Softmax(U))
    if isinstance(M, sympy.Transpose):
        inner = _absorbed(M.arg, U)
        return None if inner is None else sympy.Transpose(inner)
    if isinstance(M, sympy.DiagMatrix):
        inner = _absorbed(M.args[0], U)
        return None if inner is None else sympy.DiagMatrix(inner)
    if isinstance(M, sympy.HadamardProduct):
        for i, f in enumerate(M.args):
            inner = _absorbed(f, U)
            if inner is not None:
                return sympy.HadamardProduct(*M.args[:i], inner, *M.args[i + 1:])
    return None


def _absorbed_in(M, U):
    """`_absorbed`, also inside a product or the trace of one (a scalar 𝟏ᵀ(exp(U) ∘ v))."""
    if isinstance(M, sympy.Trace):
        inner = _absorbed_in(M.arg, U)
        return None if inner is None else sympy.Trace(inner)
    if isinstance(M, sympy.MatMul):
        for i, f in enumerate(M.args):
            inner = _absorbed(f, U) if getattr(f, "is_Matrix", False) else None
            if inner is not None:
                return matmul(*M.args[:i], inner, *M.args[i + 1:])
        return None
    return _absorbed(M, U)


def _softmax(e):
    """(𝟏ᵀ exp(U) 𝟏)⁻ᵏ M₁ … Mⱼ -> softmax(U) for up to k factors exp(U) among the Mᵢ (or in a
    scalar factor tr(… exp(U) …)); when no factor absorbs the power directly, a sum whose
    every term can is distributed first (so the code grows by that sum's terms, once).
    For a matrix product and a scalar one alike."""
    if isinstance(e, sympy.MatMul):
        scalars = [g for a in e.args if not getattr(a, "is_Matrix", False)
                   for g in sympy.Mul.make_args(a)]
        matrices = [a for a in e.args if getattr(a, "is_Matrix", False)]
    elif isinstance(e, sympy.Mul):
        scalars, matrices = list(e.args), []
    else:
        return None
    for U, (power, k) in _sum_powers(scalars).items():
        direct = any(_absorbed_in(M, U) is not None for M in matrices)
        for i, M in enumerate(matrices):  # every term absorbs: no sum is distributed twice
            if not direct and isinstance(M, sympy.MatAdd) and all(
                    _absorbed_in(t, U) is not None for t in M.args):
                terms = [matmul(*scalars, *matrices[:i], t, *matrices[i + 1:]) for t in M.args]
                return stabilised(matadd(terms, e.shape))
        factors = [g for g in scalars if g is not power] + matrices
        used = 0
        for i in range(len(factors)):
            while used < k:
                new = _absorbed_in(factors[i], U)
                if new is None:
                    break
                factors[i], used = new, used + 1
        if used:  # S⁻ᵏ Sᵘˢᵉᵈ: the powers absorbed leave the scalar factor
            rest = power.base ** (used - k)
            scalar = sympy.Mul(rest, *[g for g in factors if not getattr(g, "is_Matrix", False)])
            mats = [g for g in factors if getattr(g, "is_Matrix", False)]
            return matmul(scalar, *mats) if isinstance(e, sympy.MatMul) else scalar
    return None
