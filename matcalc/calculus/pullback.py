"""Gradient extraction, the double-dot pass: a linear differential -> gradient terms.

Contract: `pullback(D, H, dX)`: D is linear in dX and H (the adjoint seed) has D's shape;
returns the list of terms of G with ⟨H, D⟩ = ⟨G, dX⟩ = tr(Gᵀ dX). With D = df and H = 1
this is the gradient in denominator layout. It is a backward pass through the linear map
dX -> D; each linear operator owns its adjoint rule (`matcalc.ops`, the `adjoint` row),

    ⟨H, A L B⟩ = ⟨Aᵀ H Bᵀ, L⟩      ⟨H, Lᵀ⟩ = ⟨Hᵀ, L⟩      ⟨h, tr L⟩ = ⟨h I, L⟩
    ⟨H, B ∘ L⟩ = ⟨H ∘ B, L⟩        ⟨h, vec L⟩ = ⟨vec⁻¹ h, L⟩   ⟨H, diag l⟩ = ⟨diag H, l⟩

and a rule takes one step, calling `pullback` for the linear argument. The value of D is
never changed.
"""

from __future__ import annotations

import sympy

from ..core.limits import spend
from ..core.nodes import as_scalar, is_matrix, is_one_by_one, matmul
from ..core.registry import rule_of


def pullback(D, H, dX) -> list:
    """Terms of G with ⟨H, D⟩ = ⟨G, dX⟩, for D linear in dX."""
    spend("extracting the derivative")
    if not D.has(dX):
        return []
    if D == dX:
        return [_fit(H, dX)]
    return adjoint(D, H, dX)


def adjoint(D, H, dX) -> list:
    """One step of the pullback through the linear node D: its operator's adjoint rule."""
    return rule_of(D, "adjoint", "adjoint rule")(D, H, dX)


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


def only_linear_factor(factors, dX, D) -> int:
    """The index of the one factor that holds dX (D is linear in dX)."""
    hits = [i for i, f in enumerate(factors) if f.has(dX)]
    assert len(hits) == 1, f"differential not linear in {dX}: {D}"
    return hits[0]
