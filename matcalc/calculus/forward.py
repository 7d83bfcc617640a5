"""The forward normal form of a matrix-valued differential: D -> terms A dX B, A dXᵀ B, M s.

`linear_terms(D, dX)`: D is linear in dX; returns a list of `DXTerm` (A dX B), `DXTTerm`
(A dXᵀ B), `ScalarTerm` (M s, s a scalar linear in dX) and `MapTerm` (A S(L) B: a linear
map S — G ∘ ·, vec, vec⁻¹, K ⊗ · — applied to another term L) whose sum is D, from which
`fourth_order` builds fourth-order results. One forward rule per linear node, on the
`forward` table. It never changes the value of D.

A stage S is an object of the operator family that owns it (matcalc.ops) with the rows
fourth-order results need; its contract is `fourth_order.Stage`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Expr, MatrixExpr

from ..core.limits import spend
from ..core.registry import rule_of


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


@dataclass(frozen=True)
class MapTerm:
    """A·S(L)·B, or A·S(L)ᵀ·B when `transposed`: the stage S applied to the term L."""
    A: MatrixExpr
    stage: object
    inner: object
    B: MatrixExpr
    transposed: bool = False


def shape_of(t) -> tuple:
    """The shape of the matrix a (non-scalar) term stands for."""
    return (t.A.shape[0], t.B.shape[1])


def through(stage, terms) -> list:
    """S(Σ terms) as terms: S(M s) = S(M) s for a scalar term, I·S(L)·I otherwise (two
    entrywise stages in a row merge: G ∘ (H ∘ L) = (G ∘ H) ∘ L, G ∘ (H ∘ L)ᵀ =
    ((Gᵀ ∘ H) ∘ L)ᵀ, also under a scalar c I)."""
    out = []
    for t in terms:
        if isinstance(t, ScalarTerm):
            out.append(ScalarTerm(stage.apply(t.M), t.s))
            continue
        rows, cols = stage.shape(shape_of(t))
        c = _identity_multiple(t.A)  # a term c L: S(c L) = c S(L)
        plain = c is not None and _identity(t.B)
        inside = stage.transposed() if isinstance(t, MapTerm) and t.transposed else stage
        merged = inside.merged(t) if isinstance(t, MapTerm) and plain and inside else None
        if merged is not None:  # G ∘ S(L) = (G ∘ S)(L), G ∘ S(L)ᵀ = ((Gᵀ ∘ S)(L))ᵀ
            out.append(merged)
        elif isinstance(t, DXTTerm) and plain and stage.transposed() is not None:
            # S(dXᵀ) = S′(dX)ᵀ: the transposer outside, G ∘ dXᵀ = (Gᵀ ∘ dX)ᵀ
            dX = DXTerm(sympy.Identity(t.B.shape[0]), sympy.Identity(t.A.shape[0]))
            out.append(MapTerm(_times(c, sympy.Identity(rows)), stage.transposed(), dX,
                               sympy.Identity(cols), True))
        else:
            out.append(MapTerm(sympy.Identity(rows), stage, t, sympy.Identity(cols)))
    return out


def _identity(M) -> bool:
    return isinstance(M, sympy.Identity)


def _identity_multiple(M):
    """c for M = c I (1 for I), else None."""
    if isinstance(M, sympy.Identity):
        return sympy.S.One
    if isinstance(M, sympy.MatMul):
        c, factors = M.as_coeff_matrices()
        if len(factors) == 1 and isinstance(factors[0], sympy.Identity):
            return c
    return None


def _times(c, M):
    return M if c == 1 else sympy.MatMul(c, M)


def _transpose(M):
    """Mᵀ, an identity kept as it is (so that plain terms stay recognisable)."""
    return M if isinstance(M, sympy.Identity) else sympy.Transpose(M)


def transposed(t):
    """The term of the transpose: (A dX B)ᵀ = Bᵀ dXᵀ Aᵀ, (A dXᵀ B)ᵀ = Bᵀ dX Aᵀ,
    (M s)ᵀ = Mᵀ s, (A S(L) B)ᵀ = Bᵀ S′(Lᵀ) Aᵀ where S(L)ᵀ = S′(Lᵀ), else Bᵀ S(L)ᵀ Aᵀ."""
    if isinstance(t, DXTerm):
        return DXTTerm(_transpose(t.B), _transpose(t.A))
    if isinstance(t, DXTTerm):
        return DXTerm(_transpose(t.B), _transpose(t.A))
    if isinstance(t, ScalarTerm):
        return ScalarTerm(_transpose(t.M), t.s)
    A, B = _transpose(t.B), _transpose(t.A)
    if t.transposed:
        return MapTerm(A, t.stage, t.inner, B)
    stage = t.stage.transposed()
    if stage is None:
        return MapTerm(A, t.stage, t.inner, B, True)
    return MapTerm(A, stage, transposed(t.inner), B)


def linear_terms(D, dX) -> list:
    """The forward normal form of a matrix-valued D linear in dX (see module docstring)."""
    spend("extracting the derivative")
    if not D.has(dX):
        return []
    if D == dX:
        rows, cols = dX.shape
        return [DXTerm(sympy.Identity(rows), sympy.Identity(cols))]
    return forward(D, dX)


def forward(D, dX) -> list:
    """One step of the forward form through the linear node D: its operator's rule."""
    return rule_of(D, "forward", "forward rule")(D, dX)
