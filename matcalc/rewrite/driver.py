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

import sympy
from sympy import MatrixExpr

from ..core.limits import MAX_RESULT_DEPTH, bounded, note_size, spend
from ..core.nodes import matadd, matmul, sympified
from .rules import RULES, Context, size

MAX_PASSES = 50
_UNCHANGED = object()  # a memo's entry for "the node itself", whichever equal copy it is

@bounded(bound=MAX_RESULT_DEPTH)
def simplify(expr, symmetric=()):
    """The compact form of a matrix or scalar expression (same shape, same value).

    symmetric: matrix symbols that may be assumed symmetric (Sᵀ = S).

    >>> import sympy
    >>> from matcalc import simplify
    >>> A, X = sympy.MatrixSymbol("A", 3, 3), sympy.MatrixSymbol("X", 3, 3)
    >>> simplify(sympy.Transpose(A * X.I) + sympy.Transpose(X.I) * A.T)
    2*X.T**(-1)*A.T
    """
    ctx = Context(frozenset(symmetric), simplify)
    expr = sympified(expr)
    note_size(size(expr))
    return _present(_fixed_point(expr, ctx), ctx, {})


def _fixed_point(expr, ctx):
    for _ in range(MAX_PASSES):
        new = _pass(expr, ctx, {})
        if new == expr:
            return new
        expr = new
    return expr


def _present(e, ctx, done: dict):
    """The last, presentation pass: a sum of transposed products is written as the
    transpose of a sum, BᵀXᵀ + XᵀBᵀ -> (XB + BX)ᵀ, when that saves at least two nodes
    (Aᵀ − (X⁻²)ᵀ stays as it is), or one for a row, xᵀ − μᵀ -> (x − μ)ᵀ. The fixed
    point pushes transposes to the leaves, so
    this runs once, after it; `done` memoises it over shared subtrees."""
    if not e.args or isinstance(e, (sympy.MatrixSymbol, sympy.Symbol, sympy.Number)):
        return e
    out = done.get(e)
    if out is not None:
        return e if out is _UNCHANGED else out  # e itself: its parent needs no rebuilding
    spend("simplifying")
    args = [_present(a, ctx, done) for a in e.args]
    if isinstance(e, sympy.MatAdd) and any(a is not b for a, b in zip(args, e.args, strict=True)):
        out = sympy.MatAdd(*args)  # no doit(): it would push (x − μ)ᵀ back into xᵀ − μᵀ
    else:
        out = _rebuild(e, args)
    if isinstance(out, sympy.MatAdd) and sum(map(_transposed_factors, out.args)) >= 2:
        candidate = sympy.Transpose(_fixed_point(sympy.Transpose(out), ctx))
        saved = size(out) - size(candidate)
        if saved >= 2 or (saved == 1 and out.shape[0] == 1):  # rows: (x − μ)ᵀ, not xᵀ − μᵀ
            out = candidate
    done[e] = _UNCHANGED if out is e else out
    return out


def _transposed_factors(term) -> int:
    """How many factors of a term are transposed (Xᵀ, X⁻ᵀ, (X²)ᵀ): transposing a sum
    saves at most that many nodes, so fewer than two in all cannot save two."""
    factors = term.args if isinstance(term, sympy.MatMul) else (term,)
    return sum(isinstance(f, sympy.Transpose) or (isinstance(f, sympy.MatPow) and
               isinstance(f.args[0], sympy.Transpose)) for f in factors)


def _pass(e, ctx, done: dict):
    """One bottom-up pass; `done` memoises it, so a subtree shared by many terms (the
    long products of a gradient) is rewritten once per pass, and `ctx.stable` holds the
    subtrees already in normal form, so later passes skip them."""
    if not e.args or isinstance(e, (sympy.MatrixSymbol, sympy.Symbol, sympy.Number)):
        return e
    if e in ctx.stable:
        return e
    out = done.get(e)
    if out is not None:
        return out  # rewritten earlier in this pass (unchanged ones are in ctx.stable)
    spend("simplifying")
    args = [_pass(a, ctx, done) for a in e.args]
    out = _rebuild(e, args)
    for rule in RULES:
        new = rule(out, ctx)
        if new is not None:
            out = new
            break
    if out is e:  # no rule applies here or below: none will in a later pass
        ctx.stable.add(e)
    done[e] = out
    return out


def _rebuild(e, args):
    if all(a is b for a, b in zip(args, e.args, strict=True)):
        return e
    if isinstance(e, sympy.MatMul):
        return matmul(*args)
    if isinstance(e, sympy.MatAdd):
        return matadd(args)
    if isinstance(e, sympy.HadamardProduct):
        return sympy.HadamardProduct(*args).doit(deep=False)
    if isinstance(e, MatrixExpr) and not isinstance(e, (sympy.MatPow,)):
        return e.func(*args)
    if isinstance(e, sympy.MatPow):
        return sympy.MatPow(*args).doit(deep=False) if not isinstance(e, sympy.Inverse) \
            else sympy.Inverse(*args)
    return e.func(*args)
