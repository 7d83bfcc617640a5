"""Spectral functions of a matrix and the vectors their derivatives are made of.

Scalars: eigmax(S), eigmin(S) (the extreme eigenvalues of a symmetric S), normspec(X)
(the largest singular value, the spectral norm) and normnuc(X) (the nuclear norm, the sum
of the singular values). Matrices their derivatives print with: v_max(S), v_min(S) (unit
eigenvectors, n x 1), u₁(X), v₁(X) (the top singular pair, X v₁ = σ₁ u₁) and polar(X) = U Vᵀ
(from the thin SVD X = U Σ Vᵀ; the orthogonal polar factor), and U(S), the eigenvectors of a
symmetric S, that a Daleckiĭ–Kreĭn form prints with. A vector's sign is not fixed;
every derivative uses v vᵀ, u₁ v₁ᵀ, U Vᵀ or U (F ∘ (Uᵀ E U)) Uᵀ, which do not depend on it.
"""

from __future__ import annotations

from functools import cached_property

import sympy
from sympy import Expr, MatrixExpr

from .nodes import _OfOneMatrix
from .registry import InMatcalcNotation


class SpectralFunction(InMatcalcNotation, _OfOneMatrix, Expr):
    """A scalar function of a matrix's spectrum; `name` is set on each subclass."""

    name = ""
    is_commutative = True
    is_real = True


class EigMax(SpectralFunction):
    """λ_max(S), the largest eigenvalue of a symmetric S; dλ = vᵀ dS v (v the unit eigenvector,
    for a simple eigenvalue)."""
    name = "eigmax"


class EigMin(SpectralFunction):
    """λ_min(S), the smallest eigenvalue of a symmetric S; dλ = vᵀ dS v."""
    name = "eigmin"


class NormSpec(SpectralFunction):
    """‖X‖₂ = σ₁(X), the spectral norm; dσ₁ = u₁ᵀ dX v₁ (simple σ₁)."""
    name = "normspec"
    is_nonnegative = True


class NormNuc(SpectralFunction):
    """‖X‖_* = Σ σᵢ(X), the nuclear norm; d‖X‖_* = tr(V Uᵀ dX) (full rank)."""
    name = "normnuc"
    is_nonnegative = True


class SpectralMatrix(InMatcalcNotation, _OfOneMatrix, MatrixExpr):
    """A matrix read off a spectral decomposition of `arg`; `name` is set on each subclass."""

    name = ""


class TopEigenvector(SpectralMatrix):
    """v_max(S), the unit eigenvector of the largest eigenvalue of a symmetric S."""
    name = "v_max"

    @cached_property
    def shape(self):
        return (self.arg.shape[0], sympy.S.One)


class BottomEigenvector(TopEigenvector):
    """v_min(S), the unit eigenvector of the smallest eigenvalue of a symmetric S."""
    name = "v_min"


class LeftSingularVector(SpectralMatrix):
    """u₁(X), the left singular vector of the largest singular value."""
    name = "u₁"

    @cached_property
    def shape(self):
        return (self.arg.shape[0], sympy.S.One)


class RightSingularVector(SpectralMatrix):
    """v₁(X), the right singular vector of the largest singular value."""
    name = "v₁"

    @cached_property
    def shape(self):
        return (self.arg.shape[1], sympy.S.One)


class Eigenvectors(SpectralMatrix):
    """U(S), the orthogonal matrix of unit eigenvectors of a symmetric S = U diag(λ) Uᵀ,
    λ ascending (numpy.linalg.eigh's order)."""
    name = "U"

    @cached_property
    def shape(self):
        return self.arg.shape


class PolarFactor(SpectralMatrix):
    """polar(X) = U Vᵀ from the thin SVD X = U Σ Vᵀ (of X's shape)."""
    name = "polar"

    @cached_property
    def shape(self):
        return self.arg.shape


#: Python functions: matcalc.eigmax, matcalc.eigmin, matcalc.normspec, matcalc.normnuc.
PYTHON_FUNCTIONS = {cls.name: cls for cls in (EigMax, EigMin, NormSpec, NormNuc)}


