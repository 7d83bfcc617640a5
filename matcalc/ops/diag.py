"""Diagonals: diag(v), the diagonal matrix of a vector; diag(A), the vector of a square
matrix's diagonal; and SymPy's DiagonalMatrix(A) = I ∘ A.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import sympy

from ..calculus.forward import MapTerm, ScalarTerm, linear_terms, through
from ..calculus.pullback import pullback
from ..code.values import ATOM, DENSE, DIAG, MUL, Value, scale_by
from ..core.errors import NoRuleError
from ..core.nodes import is_matrix, matmul
from ..core.registry import CALL, INFIX, Operator, ParseEntry, refused, register
from .entrywise import EntrywiseStage


def adj_diag_matrix(D, H, dX):
    """⟨H, diag(l)⟩ = ⟨diag(H), l⟩   (l a column or a row vector)"""
    l = D.args[0]
    seed = sympy.DiagonalOf(H) if is_matrix(H) else H
    if l.shape[0] == 1 and l.shape[1] != 1:
        seed = sympy.Transpose(seed)
    return pullback(l, seed, dX)


def lower_diag_matrix(low, e):
    v = low.dense(low.value(e.args[0]))
    if e.args[0].shape[1] == 1:
        return Value(f"{v.wrapped(ATOM)}[:, 0]", DIAG, tuple(e.shape),
                     column=v.code if v.prec == ATOM else f"({v.code})")
    return Value(f"{v.wrapped(ATOM)}[0, :]", DIAG, tuple(e.shape))


def parse_diag(b, t, where):
    """diag(v): the diagonal matrix of a vector; diag(A): the diagonal of a square matrix"""
    b.matrix(t, "diag", where)
    if b.dims.is_one(t.shape[1]):
        n = t.shape[0]
        return b.typed((n, n), lambda: sympy.DiagMatrix(t.build()))
    b.square(t, "diag (the diagonal)", where)
    return b.typed((t.shape[0], sympy.S.One), lambda: sympy.DiagonalOf(t.build()))


def fwd_diag_matrix(D, dX):
    """diag(l) = I ∘ (l 𝟏ᵀ) for a column l, I ∘ (𝟏 l) for a row"""
    l = D.args[0]
    n = D.shape[0]
    spread = matmul(l, sympy.OneMatrix(1, n)) if l.shape[1] == 1 else \
        matmul(sympy.OneMatrix(n, 1), l)
    return through(EntrywiseStage(sympy.Identity(n)), linear_terms(spread, dX))


def syntax_diag_matrix(p, e):
    """diag(v) of a column; of a row r, diag(r') (the syntax's diag reads columns)"""
    v = e.args[0]
    return p.call("diag", v if v.shape[1] == 1 else sympy.Transpose(v))


def d_diag_matrix(e, d):
    """d diag(v) = diag(dv)   (vector -> diagonal matrix)"""
    return sympy.DiagMatrix(d(e.args[0]))


register(Operator(
    "diagonal matrix", (sympy.DiagMatrix,), d=d_diag_matrix,
    rule="diag is linear", adjoint=adj_diag_matrix, forward=fwd_diag_matrix,
    evaluate=lambda e, env: np.diag(env.ev(e.args[0]).ravel()),
    text=lambda p, e: f"diag({p.print(e.args[0])})",
    latex=lambda p, e: rf"\operatorname{{diag}}\left({p.print(e.args[0])}\right)",
    syntax=syntax_diag_matrix, lower=lower_diag_matrix,
    transpose=lambda A, ctx: A if A.args[0].shape[1] == 1 else None,
    parse=(ParseEntry("diag", 1, parse_diag),), binds=CALL))


def adj_diagonal_of(D, H, dX):
    """⟨h, diag(L)⟩ = ⟨diag(h), L⟩   (L square: diag(h) is the diagonal matrix of h)"""
    L = D.arg
    if L.shape[0] != L.shape[1]:
        raise NoRuleError(f"no adjoint rule for the diagonal of the non-square {L} (in {D})",
                          construct="adjoint of the diagonal of a non-square matrix")
    if not is_matrix(H):
        return pullback(L, H, dX)
    return pullback(L, sympy.DiagMatrix(H), dX)


def lower_diagonal_of(low, e):
    M = e.arg
    if isinstance(M, sympy.MatMul):
        coeff, factors = M.as_coeff_matrices()
        v = scale_by(low, coeff, low.chain_contraction(factors, trace=False))
    else:
        v = low.value(M)
        if v.kind == DENSE:
            v = Value(low.b.diagonal(v.code), DIAG, tuple(M.shape))
        elif v.kind != DIAG:
            v = Value(f"{v.code} * {low.b.ones(low.dim(M.shape[0]), 1)}[:, 0]", DIAG,
                      tuple(M.shape), MUL)
    return Value(v.as_column(), DENSE, tuple(e.shape))


def fwd_diagonal_of(D, dX):
    """diag(L) = (I ∘ L) 𝟏   (L square)"""
    L = D.arg
    if L.shape[0] != L.shape[1]:
        raise NoRuleError(f"no Jacobian through the diagonal of the non-square {L} (in {D})",
                          construct="Jacobian through the diagonal of a non-square matrix")
    n = L.shape[0]
    ones = sympy.OneMatrix(n, 1)
    return [replace(t, B=matmul(t.B, ones)) if isinstance(t, MapTerm) else
            ScalarTerm(matmul(t.M, ones), t.s)
            for t in through(EntrywiseStage(sympy.Identity(n)), linear_terms(L, dX))]


def d_diagonal_of(e, d):
    """d diag(A) = diag(dA)   (matrix -> vector of its diagonal)"""
    return sympy.DiagonalOf(d(e.arg))


register(Operator(
    "diagonal", (sympy.DiagonalOf,), d=d_diagonal_of,
    rule="diag is linear", adjoint=adj_diagonal_of, forward=fwd_diagonal_of,
    evaluate=lambda e, env: np.diag(env.ev(e.arg)).reshape(-1, 1).copy(),
    text=lambda p, e: f"diag({p.print(e.arg)})",
    latex=lambda p, e: rf"\operatorname{{diag}}\left({p.print(e.arg)}\right)",
    syntax=lambda p, e: p.call("diag", e.arg), lower=lower_diagonal_of, binds=CALL))


def _as_hadamard(e):
    return sympy.HadamardProduct(sympy.Identity(e.arg.shape[0]), e.arg)


def d_diagonal_part(e, d):
    """d(I ∘ A) = I ∘ dA"""
    return d(_as_hadamard(e))


register(Operator(
    "diagonal part", (sympy.DiagonalMatrix,), d=d_diagonal_part,
    rule="Hadamard product rule", evaluate=lambda e, env: np.diag(np.diag(env.ev(e.arg))),
    text=lambda p, e: f"I ∘ {p.wrap(e.arg)}", latex=lambda p, e: rf"I \odot {p.wrap(e.arg)}",
    syntax=refused("input syntax of DiagonalMatrix", "write eye .* A"),
    lower=lambda low, e: low.value(_as_hadamard(e)), binds=INFIX))
