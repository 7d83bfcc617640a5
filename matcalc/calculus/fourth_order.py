"""Fourth-order results: J_ijkl = ∂F_ij/∂X_kl as a sum of square and dyadic products.

Index conventions (stated once, here and in the README):

    (A ⊠ B)_ijkl = A_ik B_jl          square product:  d F = A dX Bᵀ
    𝕋_ijkl       = δ_il δ_jk          transposer:      𝕋 : dX = dXᵀ
    ((A ⊠ B) : 𝕋)_ijkl = A_il B_jk    d F = A dXᵀ Bᵀ
    (M ⊗ K)_ijkl = M_ij K_kl          dyadic product:  d F = M ⟨K, dX⟩
    (𝕀ₛ)_ijkl    = ½(δ_ik δ_jl + δ_il δ_jk)            symmetric identity
    𝔻_ijkl       = δ_ik δ_jl δ_kl                      diagonal projector: 𝔻 : dX = I ∘ dX
    (G ∘ L)_ijkl = G_ij L_ijkl                         entrywise: (G ∘ L) : dX = G ∘ (L : dX)
    D(G)         = G ∘ (I ⊠ I),  D(G)_ijkl = G_ij δ_ik δ_jl    d F = G ∘ dX (so 𝔻 = D(I))
    (P : Q)_ijkl = Σ_mn P_ijmn Q_mnkl

A term is a `SquareProduct`, a `DyadicProduct` or a `StagedProduct` (A ⊠ B) : S : L, a
linear map S (G ∘ ·, vec, vec⁻¹, K ⊗ ·; see `Stage`) between a square product and a term.
Each term kind holds its rows (contraction on either side, the Kronecker matrix, value).

`from_linear_terms` turns the forward normal form of dF (matcalc.calculus.forward) into a
`FourthOrder`; `project` composes it on the right with 𝕀ₛ (symmetric X), 2𝕀ₛ − 𝔻 (the
independent entries of a symmetric X) or 𝔻 (diagonal X). A `FourthOrder` is
immutable; printing (text, LaTeX, index form) and evaluation live in later stages and are
reached through its methods.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

import sympy
from sympy import Expr, MatrixExpr

from ..core.errors import ExpressionError
from ..core.nodes import CommutationMatrix, Vec, kronecker, matadd, matmul
from ..core.registry import run_stage
from ..rewrite.driver import simplify
from .forward import DXTerm, DXTTerm, ScalarTerm


class Stage(Protocol):
    """A linear map S between matrices inside a fourth-order term, defined by the operator
    family that owns it (G ∘ · in matcalc.ops.entrywise; vec, vec⁻¹ and K ⊗ · in
    matcalc.ops.kronecker). Rows:

    shape(inner_shape)        the shape of S(M) for M of inner_shape
    apply(M)                  S(M)
    pull(W, inner_shape)      the adjoint S*(W): ⟨W, S(M)⟩ = ⟨S*(W), M⟩
    matrix(inner_shape)       the matrix of S on vec: vec S(M) = matrix · vec M
    transposed()              S′ with S(M)ᵀ = S′(Mᵀ), or None
    merged(term)              the forward term S(term) as one MapTerm, or None
    factors(), with_factors(fs)  its matrices
    key(), combine(c, other, c_other)  stages with equal keys add: c S + c′ S′ = g S″,
                              returned as (g, S″)
    notation(p, inner)        the printed form around the printed inner term
    index(p, entry, i, j, inner)  the index form at (i, j); inner(a, b) prints the inner
    evaluate(T, ev, dim)      S on the first two axes of the array T (ev: a matrix's value,
                              dim: a dimension's)
    lower(low, T, inner_shape, rs)  the same as code, T the code of the array
    """


@dataclass(frozen=True)
class SquareProduct:
    """coeff · (A ⊠ B), or coeff · (A ⊠ B) : 𝕋 when `transposed`."""
    coeff: Expr
    A: MatrixExpr
    B: MatrixExpr
    transposed: bool = False

    def factors(self) -> tuple:
        return (self.A, self.B)

    def key(self) -> tuple:
        return (SquareProduct, self.A, self.B, self.transposed)

    def out_shape(self) -> tuple:
        return (self.A.shape[0], self.B.shape[0])

    def mapped(self, f):
        (ca, A), (cb, B) = _split_coeff(f(self.A)), _split_coeff(f(self.B))
        return SquareProduct(self.coeff * ca * cb, A, B, self.transposed)

    def contract(self, V):
        """(A ⊠ B) : V = A V Bᵀ, ((A ⊠ B) : 𝕋) : V = A Vᵀ Bᵀ (without coeff)"""
        return matmul(self.A, sympy.Transpose(V) if self.transposed else V,
                      sympy.Transpose(self.B))

    def pull(self, W):
        """W : (A ⊠ B) = Aᵀ W B, W : ((A ⊠ B) : 𝕋) = Bᵀ Wᵀ A (without coeff)"""
        if self.transposed:
            return matmul(sympy.Transpose(self.B), sympy.Transpose(W), self.A)
        return matmul(sympy.Transpose(self.A), W, self.B)

    def vec_matrix(self, r, s):
        """A ⊠ B -> B ⊗ A, (A ⊠ B) : 𝕋 -> (B ⊗ A) K_{r,s}"""
        kron = kronecker(self.B, self.A)
        return matmul(kron, CommutationMatrix(r, s)) if self.transposed else kron

    def untransposed(self):
        return replace(self, transposed=False)

    def evaluate(self, ev, dim, r, s):
        pattern = "il,jk->ijkl" if self.transposed else "ik,jl->ijkl"
        return np.einsum(pattern, ev(self.A), ev(self.B))


@dataclass(frozen=True)
class DyadicProduct:
    """coeff · (M ⊗ K):  components M_ij K_kl."""
    coeff: Expr
    M: MatrixExpr
    K: MatrixExpr

    def factors(self) -> tuple:
        return (self.M, self.K)

    def key(self) -> tuple:
        return (DyadicProduct, self.M, self.K)

    def out_shape(self) -> tuple:
        return tuple(self.M.shape)

    def mapped(self, f):
        (cm, M), (ck, K) = _split_coeff(f(self.M)), _split_coeff(f(self.K))
        return DyadicProduct(self.coeff * cm * ck, M, K)

    def contract(self, V):
        """(M ⊗ K) : V = M ⟨K, V⟩"""
        return matmul(sympy.Trace(matmul(sympy.Transpose(self.K), V)), self.M)

    def pull(self, W):
        """W : (M ⊗ K) = ⟨M, W⟩ K"""
        return matmul(sympy.Trace(matmul(sympy.Transpose(self.M), W)), self.K)

    def vec_matrix(self, r, s):
        """M ⊗ K -> vec(M) vec(K)ᵀ"""
        return matmul(Vec(self.M), sympy.Transpose(Vec(self.K)))

    def untransposed(self):
        return self

    def evaluate(self, ev, dim, r, s):
        return np.einsum("ij,kl->ijkl", ev(self.M), ev(self.K))


@dataclass(frozen=True)
class StagedProduct:
    """coeff · (A ⊠ B) : S : L, or coeff · (A ⊠ B) : 𝕋 : S : L when `transposed`: the
    stage S (a linear map such as G ∘ ·) between the square product A ⊠ B and the term L
    (a SquareProduct or StagedProduct of coefficient 1). dF = A S(L : dX) Bᵀ.
    With A, B identities and S = G ∘ ·: G ∘ L, J_ijkl = G_ij L_ijkl."""
    coeff: Expr
    A: MatrixExpr
    B: MatrixExpr
    stage: object
    inner: object
    transposed: bool = False

    def factors(self) -> tuple:
        return (self.A, self.B, *self.stage.factors(), *self.inner.factors())

    def key(self) -> tuple:
        """Terms of equal keys add (`plus`): the same square product, the same inner term
        (exactly: coefficient 1), and stages that combine (G ∘ · with G ∘ ·)."""
        return (StagedProduct, self.A, self.B, self.transposed, self.stage.key(), self.inner)

    def out_shape(self) -> tuple:
        return (self.A.shape[0], self.B.shape[0])

    def is_plain(self) -> bool:
        """True without a square product around the stage (A, B identities, no 𝕋)."""
        return not self.transposed and isinstance(self.A, sympy.Identity) and \
            isinstance(self.B, sympy.Identity)

    def mapped(self, f):
        (ca, A), (cb, B) = _split_coeff(f(self.A)), _split_coeff(f(self.B))
        inner = self.inner.mapped(f)
        stage = self.stage.with_factors([f(M) for M in self.stage.factors()])
        return StagedProduct(self.coeff * ca * cb * inner.coeff, A, B, stage,
                             replace(inner, coeff=sympy.S.One), self.transposed)

    def _outer(self, M):
        M = sympy.Transpose(M) if self.transposed else M
        return matmul(self.A, M, sympy.Transpose(self.B))

    def contract(self, V):
        """A S(L : V)[ᵀ] Bᵀ"""
        return self._outer(self.stage.apply(self.inner.contract(V)))

    def pull(self, W):
        """L*(S*(Aᵀ W B [ᵀ]))"""
        W = matmul(sympy.Transpose(self.A), W, self.B)
        if self.transposed:
            W = sympy.Transpose(W)
        return self.inner.pull(self.stage.pull(W, self.inner.out_shape()))

    def vec_matrix(self, r, s):
        """(B ⊗ A) [K] M_S M_L, with M_S the stage's matrix and M_L the inner term's."""
        shape = self.stage.shape(self.inner.out_shape())
        parts = [kronecker(self.B, self.A)]
        if self.transposed:
            parts.append(CommutationMatrix(*shape))
        parts += [self.stage.matrix(self.inner.out_shape()), self.inner.vec_matrix(r, s)]
        return matmul(*parts)

    def untransposed(self):
        return replace(self, inner=self.inner.untransposed())

    def evaluate(self, ev, dim, r, s):
        T = self.stage.evaluate(self.inner.evaluate(ev, dim, r, s), ev, dim)
        if self.transposed:
            T = T.swapaxes(0, 1)
        if self.is_plain():
            return T
        return np.einsum("im,mnkl,jn->ijkl", ev(self.A), T, ev(self.B))

    def plus(self, other):
        """self + other for terms of the same key."""
        if self.stage == other.stage:
            return replace(self, coeff=self.coeff + other.coeff)
        coeff, stage = self.stage.combine(self.coeff, other.stage, other.coeff)
        return replace(self, coeff=coeff, stage=stage)


TERMS = (SquareProduct, DyadicProduct, StagedProduct)


#: The projections a FourthOrder may be composed with on the right, by name.
PROJECTIONS = ("symmetric", "entries", "diagonal")


@dataclass(frozen=True)
class FourthOrder:
    """J = (L :) Σ terms (: P): the derivative of F (p x q) by X (r x s).

    `shape` is (p, q, r, s); J_ijkl = ∂F_ij/∂X_kl. `projection` P is None, "symmetric"
    (: 𝕀ₛ), "entries" (: (2𝕀ₛ − 𝔻)) or "diagonal" (: 𝔻); `left` L the same on the
    left (Hessians by a structured matrix). `F` and `X` record what was differentiated
    (for printing and for reading dimensions off values).
    """
    terms: tuple
    shape: tuple
    projection: str | None = None
    F: MatrixExpr | None = None
    X: MatrixExpr | None = None
    left: str | None = None

    # Presentation and evaluation are later stages, reached through the registry.
    def text(self) -> str:
        return run_stage("text", self)

    def latex(self, **style) -> str:
        return run_stage("latex", self, **style)

    def index(self, style: str = "latex") -> str:
        """The index form, e.g. -C^{-1}_{ik} C^{-1}_{lj}."""
        return run_stage("index", self, style=style)

    def kronecker(self) -> MatrixExpr:
        """∂ vec F / ∂ (vec X)ᵀ: A ⊠ B -> B ⊗ A, (A ⊠ B) : 𝕋 -> (B ⊗ A) K_{r,s},
        M ⊗ K -> vec(M) vec(K)ᵀ; : 𝕀ₛ -> · ½(I + K_{n,n}), : 𝔻 -> · diag(vec I)."""
        p, q, r, s = self.shape
        J = matadd([matmul(t.coeff, t.vec_matrix(r, s)) for t in self.terms], (p * q, r * s))
        if self.projection:
            J = matmul(J, _projector_matrix(self.projection, r))
        if self.left:
            J = matmul(_projector_matrix(self.left, p), J)
        return J

    def matrix_symbols(self) -> set:
        """The MatrixSymbols of F, X and every factor."""
        found = set(self.X.atoms(sympy.MatrixSymbol)) | set(self.F.atoms(sympy.MatrixSymbol))
        for t in self.terms:
            for M in t.factors():
                found |= M.atoms(sympy.MatrixSymbol)
        return found

    def evaluate(self, values):
        return run_stage("evaluate", self, values=values)

    # --- arithmetic: J is a linear map dX -> dF, and behaves like one ---------------------

    def __mul__(self, c) -> FourthOrder:
        """c J for a scalar c."""
        c = _scalar(c, "a fourth-order result times")
        if c is None:
            return NotImplemented
        return collect(replace(self, terms=tuple(replace(t, coeff=c * t.coeff)
                                                 for t in self.terms),
                               F=_times(c, self.F)))

    __rmul__ = __mul__

    def __truediv__(self, c) -> FourthOrder:
        c = _scalar(c, "a fourth-order result divided by")
        return NotImplemented if c is None else self * (1 / c)

    def __neg__(self) -> FourthOrder:
        return self * -1

    def __add__(self, other) -> FourthOrder:
        """J₁ + J₂, both derivatives by the same variable with the same projections."""
        if isinstance(other, (int, sympy.Integer)) and other == 0:  # sum() starts at 0
            return self
        if not isinstance(other, FourthOrder):
            return NotImplemented
        if tuple(other.shape) != tuple(self.shape) or other.X != self.X or \
                (other.projection, other.left) != (self.projection, self.left):
            raise ExpressionError(
                f"cannot add fourth-order results of shapes {self.shape} and {other.shape} "
                f"with projections {(self.left, self.projection)} and "
                f"{(other.left, other.projection)}: add derivatives of the same variable "
                "in the same convention")
        F = matadd([self.F, other.F]) if self.F is not None and other.F is not None else None
        return collect(replace(self, terms=self.terms + other.terms, F=F))

    __radd__ = __add__

    def __sub__(self, other) -> FourthOrder:
        if not isinstance(other, FourthOrder):
            return NotImplemented
        return self + (-other)

    def __matmul__(self, V):
        """J : V = Σ_kl J_ijkl V_kl, the differential dF for dX = V (a matrix of X's shape):
        (A ⊠ B) : V = A V Bᵀ, ((A ⊠ B) : 𝕋) : V = A Vᵀ Bᵀ, (M ⊗ K) : V = M ⟨K, V⟩,
        (G ∘ L) : V = G ∘ (L : V)."""
        if not isinstance(V, MatrixExpr) or tuple(V.shape) != tuple(self.shape[2:]):
            return NotImplemented
        V = _projected(V, self.projection)
        parts = [matmul(t.coeff, t.contract(V)) for t in self.terms]
        return simplify(_projected(matadd(parts, self.shape[:2]), self.left))

    def __rmatmul__(self, W):
        """W : J = Σ_ij W_ij J_ijkl, a matrix of X's shape (W of F's shape):
        W : (A ⊠ B) = Aᵀ W B, W : ((A ⊠ B) : 𝕋) = Bᵀ Wᵀ A, W : (M ⊗ K) = ⟨M, W⟩ K,
        W : (G ∘ L) = (W ∘ G) : L."""
        if not isinstance(W, MatrixExpr) or tuple(W.shape) != tuple(self.shape[:2]):
            return NotImplemented
        W = _projected(W, self.left)
        parts = [matmul(t.coeff, t.pull(W)) for t in self.terms]
        return simplify(_projected(matadd(parts, self.shape[2:]), self.projection))

    def __str__(self) -> str:
        return self.text()

    def _repr_latex_(self) -> str:
        return "$\\displaystyle " + self.latex() + "$"


def _scalar(c, what: str):
    """c as a SymPy scalar; None when c is no scalar (the operation is then not defined)."""
    if isinstance(c, FourthOrder) or isinstance(c, str):
        return None
    try:
        c = sympy.sympify(c, strict=True)
    except (sympy.SympifyError, TypeError):
        return None
    if isinstance(c, MatrixExpr):
        raise ExpressionError(f"{what} a matrix ({c}): contract it with @ (J @ V is J : V)")
    return c


def _times(c, M):
    return None if M is None else matmul(c, M)


def _projected(V, projection):
    """V composed with 𝕀ₛ, 2𝕀ₛ − 𝔻 or 𝔻: (V + Vᵀ)/2, V + Vᵀ − I ∘ V, I ∘ V."""
    if projection is None:
        return V
    n = V.shape[0]
    diagonal = sympy.HadamardProduct(sympy.Identity(n), V)
    if projection == "symmetric":
        return matmul(sympy.Rational(1, 2), matadd([V, sympy.Transpose(V)]))
    if projection == "entries":
        return matadd([V, sympy.Transpose(V), matmul(-1, diagonal)])
    return diagonal


def _projector_matrix(projection, n):
    """The n² x n² matrix of 𝕀ₛ, 2𝕀ₛ − 𝔻 or 𝔻 acting on vec: ½(I + K), I + K − diag(vec I),
    diag(vec I)."""
    diagonal = sympy.DiagMatrix(Vec(sympy.Identity(n)))
    swap = matadd([sympy.Identity(n * n), CommutationMatrix(n, n)])
    if projection == "symmetric":
        return matmul(sympy.Rational(1, 2), swap)
    if projection == "entries":
        return matadd([sympy.Identity(n * n), CommutationMatrix(n, n), matmul(-1, diagonal)])
    return diagonal


def from_linear_terms(terms, F, X, scalar_gradient) -> FourthOrder:
    """The FourthOrder of dF given as the forward normal form `terms` (matcalc.calculus.forward).

    A dX B -> A ⊠ Bᵀ;  A dXᵀ B -> (A ⊠ Bᵀ) : 𝕋;  A S(L) B -> (A ⊠ Bᵀ) : S : L;
    M s -> M ⊗ ∇s, with
    `scalar_gradient(s)` the gradient K of the scalar s, ⟨K, dX⟩ = s.
    """
    out = []
    for t in terms:
        if isinstance(t, ScalarTerm):
            coeff, M = _split_coeff(t.M)
            out.append(DyadicProduct(coeff, M, scalar_gradient(t.s)))
        else:
            out.append(linear_term(t))
    return FourthOrder(tuple(out), (*F.shape, *X.shape), None, F, X)


def linear_term(t):
    """A dX B -> A ⊠ Bᵀ, A dXᵀ B -> (A ⊠ Bᵀ) : 𝕋, A S(L) B -> (A ⊠ Bᵀ) : S : L."""
    coeff, A = _split_coeff(t.A)
    B = sympy.Transpose(t.B)
    if isinstance(t, (DXTerm, DXTTerm)):
        return SquareProduct(coeff, A, B, isinstance(t, DXTTerm))
    inner = linear_term(t.inner)
    return StagedProduct(coeff * inner.coeff, A, B, t.stage,
                         replace(inner, coeff=sympy.S.One), t.transposed)


def _split_coeff(M):
    if isinstance(M, sympy.MatMul):
        coeff, factors = M.as_coeff_matrices()
        return coeff, matmul(*factors)
    return sympy.S.One, M


def map_factors(J: FourthOrder, f) -> FourthOrder:
    """J with f applied to every matrix factor (used to simplify them)."""
    return replace(J, terms=tuple(t.mapped(f) for t in J.terms))


def collect(J: FourthOrder) -> FourthOrder:
    """Merge terms with equal factors (adding coefficients) and drop zero terms."""
    merged: dict = {}
    for t in J.terms:
        key = t.key()
        if key not in merged:
            merged[key] = t
        elif isinstance(t, StagedProduct):
            merged[key] = merged[key].plus(t)
        else:
            merged[key] = replace(t, coeff=merged[key].coeff + t.coeff)
    terms = tuple(t for t in merged.values() if t.coeff != 0 and not any(
        isinstance(M, sympy.ZeroMatrix) for M in t.factors()))
    return replace(J, terms=terms)


def project(J: FourthOrder, projection: str) -> FourthOrder:
    """J : 𝕀ₛ, J : (2𝕀ₛ − 𝔻) or J : 𝔻.  Since 𝕋 : 𝕀ₛ = 𝕀ₛ and 𝕋 : 𝔻 = 𝔻, a transposed
    square product loses its 𝕋 under each of them."""
    assert projection in PROJECTIONS, projection
    terms = tuple(t.untransposed() for t in J.terms)
    return collect(replace(J, terms=terms, projection=projection))


def project_left(J: FourthOrder, projection: str) -> FourthOrder:
    """L : J for L = 𝕀ₛ, 2𝕀ₛ − 𝔻 or 𝔻 (acting on the indices i, j of F)."""
    assert projection in PROJECTIONS, projection
    return replace(J, left=projection)
