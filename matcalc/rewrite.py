"""Simplification to the compact matrix form a person writes.

Contract: `simplify(expr, symmetric=...)` returns an expression of the same shape and the
same value for every value of its symbols (and every symmetric value of the symbols
declared symmetric). Each rule is a named function that returns a new node or None; the
driver rebuilds the tree bottom-up with SymPy's canonical constructors (which merge
powers, X X⁻¹ -> I, collect equal terms and move scalars to the front) and applies the
rules at every node until nothing changes, at most `MAX_PASSES` times.

Canonical form: transposes sit on the leaves, inside inverses and powers (X⁻ᵀ is
Inverse(Transpose(X)), (X⁻²)ᵀ is MatPow(Transpose(X), -2)); printers render them as X⁻ᵀ.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sympy
from sympy import MatrixExpr

from .nodes import matadd, matmul

MAX_PASSES = 50


@dataclass(frozen=True)
class Context:
    """What a rule may assume: the matrix symbols declared symmetric."""
    symmetric: frozenset = field(default_factory=frozenset)


# --- rules: each returns a new expression or None ------------------------------------


def push_transpose(e, ctx):
    """(AB)ᵀ -> BᵀAᵀ, (A+B)ᵀ -> Aᵀ+Bᵀ, (Aᵀ)ᵀ -> A, (A⁻¹)ᵀ -> (Aᵀ)⁻¹, (Aᵏ)ᵀ -> (Aᵀ)ᵏ,
    Iᵀ -> I, Sᵀ -> S for S declared symmetric.
    Terminates: every step moves a transpose one level nearer the leaves or removes it."""
    if not isinstance(e, sympy.Transpose):
        return None
    A = e.arg
    if isinstance(A, sympy.Transpose):
        return A.arg
    if isinstance(A, sympy.MatMul):
        coeff, factors = A.as_coeff_matrices()
        return matmul(coeff, *[sympy.Transpose(f) for f in reversed(factors)])
    if isinstance(A, sympy.MatAdd):
        return matadd([sympy.Transpose(t) for t in A.args])
    if isinstance(A, sympy.Inverse):
        return sympy.Inverse(sympy.Transpose(A.arg))
    if isinstance(A, sympy.MatPow):
        return sympy.MatPow(sympy.Transpose(A.args[0]), A.args[1])
    if isinstance(A, (sympy.Identity, sympy.ZeroMatrix, sympy.OneMatrix)):
        return sympy.ZeroMatrix(*reversed(A.shape)) if isinstance(A, sympy.ZeroMatrix) else (
            A if isinstance(A, sympy.Identity) else sympy.OneMatrix(*reversed(A.shape)))
    if isinstance(A, sympy.HadamardProduct):
        return sympy.HadamardProduct(*[sympy.Transpose(t) for t in A.args])
    if A in ctx.symmetric:
        return A
    return None


def trace_of_transpose(e, ctx):
    """tr(Aᵀ) -> tr(A).  Shrinks: removes a transpose."""
    if isinstance(e, sympy.Trace) and isinstance(e.arg, sympy.Transpose):
        return sympy.Trace(e.arg.arg)
    return None


def trace_of_scalar_multiple(e, ctx):
    """tr(c A) -> c tr(A) for a scalar c.  Terminates: moves a scalar out of a trace."""
    if isinstance(e, sympy.Trace) and isinstance(e.arg, sympy.MatMul):
        coeff, factors = e.arg.as_coeff_matrices()
        if coeff != 1:
            return coeff * sympy.Trace(matmul(*factors))
    return None


def factor_common(e, ctx):
    """A C + B C -> (A + B) C and C A + C B -> C (A + B), for terms of two or more factors.
    Shrinks: one occurrence of the common factor replaces several."""
    if not isinstance(e, sympy.MatAdd):
        return None
    for side in (-1, 0):
        groups = defaultdict(list)
        for t in e.args:
            coeff, factors = _as_factors(t)
            if len(factors) >= 2:
                groups[factors[side]].append(t)
        for common, terms in groups.items():
            if len(terms) < 2:
                continue
            rests = []
            for t in terms:
                coeff, factors = _as_factors(t)
                rest = factors[:-1] if side == -1 else factors[1:]
                rests.append(matmul(coeff, *rest))
            inner = matadd(rests)
            merged = matmul(inner, common) if side == -1 else matmul(common, inner)
            others = [t for t in e.args if t not in terms]
            return matadd([merged, *others])
    return None


def factor_scalar(e, ctx):
    """c A + c B -> c (A + B) when every term has the same scalar coefficient c ≠ ±1.
    Shrinks: one coefficient replaces several."""
    if not isinstance(e, sympy.MatAdd):
        return None
    coeffs = {_as_factors(t)[0] for t in e.args}
    if len(coeffs) != 1:
        return None
    (c,) = coeffs
    if c in (1, -1):
        return None
    return sympy.MatMul(c, sympy.MatAdd(*[matmul(*_as_factors(t)[1]) for t in e.args]))


def hadamard_scalars_out(e, ctx):
    """(c A) ∘ B -> c (A ∘ B).  Terminates: moves scalars out of a Hadamard product."""
    if not isinstance(e, sympy.HadamardProduct):
        return None
    coeffs, plain = [], []
    for a in e.args:
        c, factors = _as_factors(a)
        coeffs.append(c)
        plain.append(matmul(*factors) if factors else a)
    if all(c == 1 for c in coeffs):
        return None
    return matmul(sympy.Mul(*coeffs), sympy.HadamardProduct(*plain))


def hadamard_power_of_identity(e, ctx):
    """I∘I∘…∘I = I^∘k -> I.  Shrinks: removes a power."""
    if isinstance(e, sympy.HadamardPower) and isinstance(e.base, sympy.Identity):
        return e.base
    return None


def _as_factors(t):
    if isinstance(t, sympy.MatMul):
        coeff, factors = t.as_coeff_matrices()
        return coeff, list(factors)
    return sympy.S.One, [t]


RULES = (push_transpose, trace_of_transpose, trace_of_scalar_multiple, factor_common,
         factor_scalar, hadamard_scalars_out, hadamard_power_of_identity)


# --- driver ---------------------------------------------------------------------------


def simplify(expr, symmetric=()):
    """The compact form of a matrix or scalar expression (same shape, same value).

    symmetric: matrix symbols that may be assumed symmetric (Sᵀ = S).

    >>> import sympy
    >>> from matcalc import simplify
    >>> A, X = sympy.MatrixSymbol("A", 3, 3), sympy.MatrixSymbol("X", 3, 3)
    >>> simplify(sympy.Transpose(A * X.I) + sympy.Transpose(X.I) * A.T)
    2*X.T**(-1)*A.T
    """
    ctx = Context(frozenset(symmetric))
    for _ in range(MAX_PASSES):
        new = _pass(expr, ctx)
        if new == expr:
            return new
        expr = new
    return expr


def _pass(e, ctx):
    if not e.args or isinstance(e, (sympy.MatrixSymbol, sympy.Symbol, sympy.Number)):
        return e
    args = [_pass(a, ctx) for a in e.args]
    e = _rebuild(e, args)
    for rule in RULES:
        new = rule(e, ctx)
        if new is not None:
            return new
    return e


def _rebuild(e, args):
    if all(a is b for a, b in zip(args, e.args, strict=True)):
        return e
    if isinstance(e, sympy.MatMul):
        return matmul(*args)
    if isinstance(e, sympy.MatAdd):
        return matadd(args)
    if isinstance(e, MatrixExpr) and not isinstance(e, (sympy.MatPow,)):
        return e.func(*args)
    if isinstance(e, sympy.MatPow):
        return sympy.MatPow(*args).doit(deep=False) if not isinstance(e, sympy.Inverse) \
            else sympy.Inverse(*args)
    return e.func(*args)
