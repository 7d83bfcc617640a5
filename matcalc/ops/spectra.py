"""Spectral functions: eigmax, eigmin (symmetric S), normspec (the spectral norm) and normnuc
(the nuclear norm), and the eigen- and singular vectors their derivatives are made of
(matcalc.core.spectra).

dλ_max = vᵀ dS v for a simple eigenvalue with unit eigenvector v (Magnus & Neudecker, 1999,
Theorem 8.7), so ∂λ_max/∂S = v vᵀ; dσ₁ = u₁ᵀ dX v₁ for a simple top singular value, so
∂‖X‖₂/∂X = u₁ v₁ᵀ; d‖X‖_* = tr(V Uᵀ dX) for X of full rank, so ∂‖X‖_*/∂X = U Vᵀ. At a
repeated eigenvalue or singular value, or a rank-deficient X, there is no derivative:
evaluating one raises NotDifferentiableError saying so. Eigenvectors and singular vectors
are differentiated (dv = (λI − S)⁺ dS v), so Hessians go through eigmax, eigmin and
normspec; the polar factor is not (Hessians through normnuc are refused by name).
"""

from __future__ import annotations

import numpy as np
import sympy

from ..code.values import DENSE, SCALAR, Value
from ..core.errors import EvaluationError, NoRuleError, NotDifferentiableError
from ..core.nodes import matadd, matmul
from ..core.registry import CALL, Operator, ParseEntry, refused, register
from ..core.spectra import (BottomEigenvector, EigMax, EigMin, Eigenvectors,
                            LeftSingularVector, NormNuc, NormSpec, PolarFactor,
                            RightSingularVector, SpectralFunction, SpectralMatrix,
                            TopEigenvector)

#: The gap (relative to the largest magnitude) below which two eigenvalues or singular values
#: count as repeated.
GAP = 1e-9

# --- values -----------------------------------------------------------------------------


def symmetric_eigh(S, e):
    """eigh of the value S of e's argument; EvaluationError unless S is symmetric."""
    scale = max(1.0, float(np.max(np.abs(S)))) if S.size else 1.0
    if not np.allclose(S, S.T, rtol=0, atol=1e-10 * scale):
        raise EvaluationError(f"{e.name} of {e.arg}: the matrix is not symmetric (eigmax, "
                              "eigmin and the Daleckiĭ–Kreĭn form are for symmetric matrices)")
    return np.linalg.eigh((S + S.T) / 2)


def _simple(values, i, e, what):
    """Raise EvaluationError when values[i] (sorted) is repeated: no derivative there."""
    scale = max(1.0, float(np.max(np.abs(values))))
    neighbours = [values[j] for j in (i - 1, i + 1) if 0 <= j < len(values)]
    if any(abs(values[i] - v) <= GAP * scale for v in neighbours):
        raise NotDifferentiableError(f"{what} of {e.arg} is repeated ({values[i]:.6g}): the "
                              f"derivative does not exist there")


def ev_spectral_function(e, env):
    A = env.ev(e.arg)
    if isinstance(e, (EigMax, EigMin)):
        return float(symmetric_eigh(A, e)[0][-1 if isinstance(e, EigMax) else 0])
    singular = np.linalg.svd(A, compute_uv=False)
    return float(singular[0] if isinstance(e, NormSpec) else np.sum(singular))


def ev_spectral_matrix(e, env):
    A = env.ev(e.arg)
    if isinstance(e, Eigenvectors):
        return symmetric_eigh(A, e)[1]
    if isinstance(e, TopEigenvector):  # and BottomEigenvector
        w, V = symmetric_eigh(A, e)
        i = 0 if isinstance(e, BottomEigenvector) else len(w) - 1
        _simple(w, i, e, "the eigenvalue")
        return V[:, i:i + 1]
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    if isinstance(e, PolarFactor):
        if s[-1] <= GAP * max(1.0, s[0]):
            raise NotDifferentiableError(f"{e.arg} is rank deficient: the nuclear norm has no "
                                  "derivative there")
        return U @ Vh
    _simple(s, 0, e, "the largest singular value")
    return U[:, :1] if isinstance(e, LeftSingularVector) else Vh[:1, :].T


# --- spectral functions ------------------------------------------------------------------


def d_spectral_function(e, d):
    """dλ = vᵀ dS v;  dσ₁ = u₁ᵀ dX v₁;  d‖X‖_* = tr(polar(X)ᵀ dX)
    Magnus & Neudecker (1999), Theorem 8.7."""
    A, dA = e.arg, d(e.arg)
    if isinstance(e, EigMax):
        return sympy.Trace(matmul(sympy.Transpose(TopEigenvector(A)), dA, TopEigenvector(A)))
    if isinstance(e, EigMin):
        v = BottomEigenvector(A)
        return sympy.Trace(matmul(sympy.Transpose(v), dA, v))
    if isinstance(e, NormSpec):
        return sympy.Trace(matmul(sympy.Transpose(LeftSingularVector(A)), dA,
                                  RightSingularVector(A)))
    return sympy.Trace(matmul(sympy.Transpose(PolarFactor(A)), dA))


def _parse(cls, square: bool):
    def parse(b, t, where):
        b.matrix(t, cls.name, where)
        if square:
            b.square(t, cls.name, where)
            b.symmetric(t)
        return b.typed(None, lambda: cls(t.build()))
    return ParseEntry(cls.name, 1, parse)


def lower_spectral_function(low, e):
    A = low.dense(low.value(e.arg)).code
    if isinstance(e, (EigMax, EigMin)):
        index = "-1" if isinstance(e, EigMax) else "0"
        return Value(f"{low.b.linalg('eigvalsh', A)}[{index}]", SCALAR)
    order = "2" if isinstance(e, NormSpec) else "'nuc'"
    return Value(low.b.linalg("norm", A, order), SCALAR)


register(Operator(
    "spectral function", (SpectralFunction,), d=d_spectral_function,
    rule="derivative of an eigenvalue", evaluate=ev_spectral_function,
    text=lambda p, e: f"{e.name}({p.print(e.arg)})",
    latex=lambda p, e: rf"\operatorname{{{e.name}}}\left({p.print(e.arg)}\right)",
    syntax=lambda p, e: p.call(e.name, e.arg), lower=lower_spectral_function,
    parse=(_parse(EigMax, True), _parse(EigMin, True), _parse(NormSpec, False),
           _parse(NormNuc, False)), binds=CALL))


# --- the vectors of the derivatives ------------------------------------------------------


def lower_spectral_matrix(low, e):
    A = low.dense(low.value(e.arg)).code
    if isinstance(e, Eigenvectors):
        code = f"{low.b.linalg('eigh', A)}[1]"
    elif isinstance(e, TopEigenvector):
        columns = ":1" if isinstance(e, BottomEigenvector) else "-1:"
        code = f"{low.b.linalg('eigh', A)}[1][:, {columns}]"
    elif isinstance(e, PolarFactor):
        svd = low.b.linalg("svd", A, "full_matrices=False")
        code = f"({svd}[0] @ {svd}[2])"  # one operand: polar(X)ᵀ is (U @ Vh).T
    elif isinstance(e, LeftSingularVector):
        code = f"{low.b.linalg('svd', A)}[0][:, :1]"
    else:
        code = f"{low.b.linalg('svd', A)}[2][:1, :].T"
    return Value(code, DENSE, tuple(e.shape))


def _latex_vector(p, e):
    head = {"U": "U", "v_max": r"v_{\max}", "v_min": r"v_{\min}", "u₁": "u_{1}", "v₁": "v_{1}",
            "polar": r"\operatorname{polar}"}[e.name]
    return rf"{head}\left({p.print(e.arg)}\right)"


def _on_complement(M, v, w):
    """M⁺ w for a symmetric M whose null space is spanned by the unit vector v:
    M⁺ = (M + v vᵀ)⁻¹ − v vᵀ (v is an eigenvector of M + v vᵀ with eigenvalue 1)."""
    vvT = matmul(v, sympy.Transpose(v))
    return matadd([matmul(sympy.Inverse(matadd([M, vvT])), w), -matmul(vvT, w)])


def d_spectral_vector(e, d):
    """dv = (λI − S)⁺ dS v (v the unit eigenvector of a simple λ);
    du₁ = (σ²I − X Xᵀ)⁺ (σ dX v₁ + X dXᵀ u₁),  dv₁ = (σ²I − Xᵀ X)⁺ (σ dXᵀ u₁ + Xᵀ dX v₁)
    (u₁, v₁ eigenvectors of X Xᵀ and Xᵀ X for σ² = σ₁²)
    Magnus & Neudecker (1999), Theorem 8.9."""
    A, dA = e.arg, d(e.arg)
    if isinstance(e, TopEigenvector):  # and BottomEigenvector
        lam = (EigMin if isinstance(e, BottomEigenvector) else EigMax)(A)
        M = matadd([matmul(lam, sympy.Identity(A.shape[0])), -A])
        return _on_complement(M, e, matmul(dA, e))
    if isinstance(e, (LeftSingularVector, RightSingularVector)):
        sigma, u, v = NormSpec(A), LeftSingularVector(A), RightSingularVector(A)
        if isinstance(e, RightSingularVector):  # the left vector of Aᵀ
            A, dA, u, v = sympy.Transpose(A), sympy.Transpose(dA), v, u
        M = matadd([matmul(sigma ** 2, sympy.Identity(A.shape[0])),
                    -matmul(A, sympy.Transpose(A))])
        w = matadd([matmul(sigma, dA, v), matmul(A, sympy.Transpose(dA), u)])
        return _on_complement(M, u, w)
    what = "U(S) of a Daleckiĭ–Kreĭn form" if isinstance(e, Eigenvectors) else \
        "the polar factor (second derivatives of normnuc)"
    hint = "take second derivatives with hessian(), which keeps L_f(S, E)" \
        if isinstance(e, Eigenvectors) else "not written yet"
    raise NoRuleError(f"no differential rule for {what} (in {e}): {hint}",
                      construct="differential rule for an eigen- or singular vector")


register(Operator(
    "spectral vector", (SpectralMatrix,), d=d_spectral_vector,
    rule="spectral vector", evaluate=ev_spectral_matrix,
    text=lambda p, e: f"{e.name}({p.print(e.arg)})", latex=_latex_vector,
    syntax=refused("input syntax of an eigen- or singular vector",
                   "it is part of a derivative"),
    lower=lower_spectral_matrix, binds=CALL))
