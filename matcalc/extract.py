"""Gradient extraction, the double-dot pass: a linear differential -> derivative terms.

`pullback(D, H, dX)`: D is linear in dX and H (the adjoint seed) has D's shape; returns
the list of terms of G with ⟨H, D⟩ = ⟨G, dX⟩ = tr(Gᵀ dX). With D = df and H = 1 this is
the gradient in denominator layout. It is a backward pass through the linear map
dX -> D: one adjoint rule per *linear* node on the `adjoint` table,

    ⟨H, A L B⟩ = ⟨Aᵀ H Bᵀ, L⟩      ⟨H, Lᵀ⟩ = ⟨Hᵀ, L⟩      ⟨h, tr L⟩ = ⟨h I, L⟩
    ⟨H, c L⟩   = ⟨c H, L⟩         ⟨H, s M⟩ = ⟨⟨H, M⟩, s⟩  (s scalar, linear in dX)

`linear_terms(D, dX)`: the forward normal form of a matrix-valued D, a list of
`DXTerm` (A dX B), `DXTTerm` (A dXᵀ B) and `ScalarTerm` (M s, s a scalar linear in dX),
from which `tensor4` builds fourth-order results. Neither function changes the value of D.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

import sympy
from sympy import Expr, MatrixExpr

from .errors import NoRuleError
from .nodes import as_scalar, is_matrix, is_one_by_one, matmul, transpose


def pullback(D, H, dX) -> list:
    """Terms of G with ⟨H, D⟩ = ⟨G, dX⟩, for D linear in dX."""
    if not D.has(dX):
        return []
    if D == dX:
        return [_fit(H, dX)]
    return adjoint(D, H, dX)


def _fit(H, dX):
    """H as a value of dX's kind: a scalar seed on a 1 x 1 matrix becomes H·I₁."""
    if is_matrix(dX) and not is_matrix(H):
        assert is_one_by_one(dX)
        return matmul(H, sympy.Identity(1))
    if not is_matrix(dX) and is_matrix(H):
        return as_scalar(H)
    return H


def inner(H, M):
    """⟨H, M⟩ = tr(Hᵀ M) as a scalar (H may be a scalar seed when M is 1 x 1)."""
    if not is_matrix(M):
        return H * M
    if not is_matrix(H):
        return H * as_scalar(M)
    if isinstance(H, sympy.Identity):
        return sympy.Trace(M)
    return sympy.Trace(matmul(sympy.Transpose(H), M))


@singledispatch
def adjoint(D, H, dX):
    raise NoRuleError(
        f"no adjoint rule for {type(D).__name__} (in {D}); extend matcalc.extract.adjoint")


@adjoint.register(sympy.MatAdd)
@adjoint.register(sympy.Add)
def adj_sum(D, H, dX):
    """⟨H, L₁ + L₂⟩ = ⟨H, L₁⟩ + ⟨H, L₂⟩"""
    return [g for term in D.args for g in pullback(term, H, dX)]


@adjoint.register(sympy.MatMul)
def adj_matmul(D, H, dX):
    """⟨H, c A L B⟩ = ⟨c Aᵀ H Bᵀ, L⟩;  ⟨H, s M⟩ = ⟨⟨H, M⟩, s⟩ for a scalar s linear in dX"""
    coeff, factors = D.as_coeff_matrices()
    if coeff.has(dX):
        return pullback(coeff, inner(H, matmul(*factors)), dX)
    i = _only_linear_factor(factors, dX, D)
    left = [sympy.Transpose(f) for f in reversed(factors[:i])]
    right = [sympy.Transpose(f) for f in reversed(factors[i + 1:])]
    return pullback(factors[i], matmul(coeff, *left, H, *right), dX)


@adjoint.register(sympy.Mul)
def adj_mul(D, H, dX):
    """⟨h, c s⟩ = ⟨c h, s⟩  (scalar product, exactly one factor linear in dX)"""
    i = _only_linear_factor(D.args, dX, D)
    rest = sympy.Mul(*(D.args[:i] + D.args[i + 1:]))
    return pullback(D.args[i], matmul(rest, H), dX)


@adjoint.register(sympy.Transpose)
def adj_transpose(D, H, dX):
    """⟨H, Lᵀ⟩ = ⟨Hᵀ, L⟩"""
    return pullback(D.arg, transpose(H), dX)


@adjoint.register(sympy.Trace)
def adj_trace(D, H, dX):
    """⟨h, tr L⟩ = ⟨h I, L⟩"""
    L = D.arg
    seed = H if is_one_by_one(L) else matmul(H, sympy.Identity(L.shape[0]))
    return pullback(L, seed, dX)


def _only_linear_factor(factors, dX, D) -> int:
    hits = [i for i, f in enumerate(factors) if f.has(dX)]
    assert len(hits) == 1, f"differential not linear in {dX}: {D}"
    return hits[0]


# --- forward normal form for fourth-order results ----------------------------------


@dataclass(frozen=True)
class DXTerm:
    """A·dX·B"""
    A: MatrixExpr
    B: MatrixExpr


@dataclass(frozen=True)
class DXTTerm:
    """A·dXᵀ·B"""
    A: MatrixExpr
    B: MatrixExpr


@dataclass(frozen=True)
class ScalarTerm:
    """M·s with s a scalar linear in dX (M constant)."""
    M: MatrixExpr
    s: Expr


def linear_terms(D, dX) -> list:
    """The forward normal form of a matrix-valued D linear in dX (see module docstring)."""
    if not D.has(dX):
        return []
    if D == dX:
        rows, cols = dX.shape
        return [DXTerm(sympy.Identity(rows), sympy.Identity(cols))]
    return forward(D, dX)


@singledispatch
def forward(D, dX):
    raise NoRuleError(
        f"no forward rule for {type(D).__name__} (in {D}); extend matcalc.extract.forward")


@forward.register(sympy.MatAdd)
def fwd_sum(D, dX):
    """L₁ + L₂: the terms of each"""
    return [t for term in D.args for t in linear_terms(term, dX)]


@forward.register(sympy.Transpose)
def fwd_transpose(D, dX):
    """(A dX B)ᵀ = Bᵀ dXᵀ Aᵀ,  (A dXᵀ B)ᵀ = Bᵀ dX Aᵀ,  (M s)ᵀ = Mᵀ s"""
    out = []
    for t in linear_terms(D.arg, dX):
        if isinstance(t, DXTerm):
            out.append(DXTTerm(sympy.Transpose(t.B), sympy.Transpose(t.A)))
        elif isinstance(t, DXTTerm):
            out.append(DXTerm(sympy.Transpose(t.B), sympy.Transpose(t.A)))
        else:
            out.append(ScalarTerm(sympy.Transpose(t.M), t.s))
    return out


@forward.register(sympy.MatMul)
def fwd_matmul(D, dX):
    """c P L Q: the terms of L with P on the left and Q on the right; s M: one ScalarTerm"""
    coeff, factors = D.as_coeff_matrices()
    if coeff.has(dX):
        return [ScalarTerm(matmul(*factors), coeff)]
    i = _only_linear_factor(factors, dX, D)
    P, Q = factors[:i], factors[i + 1:]
    out = []
    for t in linear_terms(factors[i], dX):
        if isinstance(t, ScalarTerm):
            out.append(ScalarTerm(matmul(coeff, *P, t.M, *Q), t.s))
        else:
            out.append(type(t)(matmul(coeff, *P, t.A), matmul(t.B, *Q)))
    return out
