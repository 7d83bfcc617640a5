"""Fourth-order results: J_ijkl = ∂F_ij/∂X_kl as a sum of square and dyadic products.

Index conventions (stated once, here and in the README):

    (A ⊠ B)_ijkl = A_ik B_jl          square product:  d F = A dX Bᵀ
    𝕋_ijkl       = δ_il δ_jk          transposer:      𝕋 : dX = dXᵀ
    ((A ⊠ B) : 𝕋)_ijkl = A_il B_jk    d F = A dXᵀ Bᵀ
    (M ⊗ K)_ijkl = M_ij K_kl          dyadic product:  d F = M ⟨K, dX⟩
    (𝕀ₛ)_ijkl    = ½(δ_ik δ_jl + δ_il δ_jk)            symmetric identity
    𝔻_ijkl       = δ_ik δ_jl δ_kl                      diagonal projector: 𝔻 : dX = I ∘ dX
    (P : Q)_ijkl = Σ_mn P_ijmn Q_mnkl

`from_linear_terms` turns the forward normal form of dF (matcalc.calculus.forward) into a
`FourthOrder`; `project` composes it on the right with 𝕀ₛ (symmetric X), 2𝕀ₛ − 𝔻 (the
independent entries of a symmetric X) or 𝔻 (diagonal X). A `FourthOrder` is
immutable; printing (text, LaTeX, index form) and evaluation live in later stages and are
reached through its methods.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy
from sympy import Expr, MatrixExpr

from ..core.errors import ExpressionError
from ..core.nodes import CommutationMatrix, Vec, kronecker, matadd, matmul
from ..core.registry import run_stage
from ..rewrite.driver import simplify
from .forward import DXTerm, DXTTerm


@dataclass(frozen=True)
class SquareProduct:
    """coeff · (A ⊠ B), or coeff · (A ⊠ B) : 𝕋 when `transposed`."""
    coeff: Expr
    A: MatrixExpr
    B: MatrixExpr
    transposed: bool = False


@dataclass(frozen=True)
class DyadicProduct:
    """coeff · (M ⊗ K):  components M_ij K_kl."""
    coeff: Expr
    M: MatrixExpr
    K: MatrixExpr


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
        parts = []
        for t in self.terms:
            if isinstance(t, SquareProduct):
                kron = kronecker(t.B, t.A)
                if t.transposed:
                    kron = matmul(kron, CommutationMatrix(r, s))
                parts.append(matmul(t.coeff, kron))
            else:
                parts.append(matmul(t.coeff, Vec(t.M), sympy.Transpose(Vec(t.K))))
        J = matadd(parts, (p * q, r * s))
        if self.projection:
            J = matmul(J, _projector_matrix(self.projection, r))
        if self.left:
            J = matmul(_projector_matrix(self.left, p), J)
        return J

    def matrix_symbols(self) -> set:
        """The MatrixSymbols of F, X and every factor."""
        found = set(self.X.atoms(sympy.MatrixSymbol)) | set(self.F.atoms(sympy.MatrixSymbol))
        for t in self.terms:
            for M in _factors_of(t)[:2]:
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
        (A ⊠ B) : V = A V Bᵀ, ((A ⊠ B) : 𝕋) : V = A Vᵀ Bᵀ, (M ⊗ K) : V = M ⟨K, V⟩."""
        if not isinstance(V, MatrixExpr) or tuple(V.shape) != tuple(self.shape[2:]):
            return NotImplemented
        V = _projected(V, self.projection)
        parts = []
        for t in self.terms:
            if isinstance(t, SquareProduct):
                middle = sympy.Transpose(V) if t.transposed else V
                parts.append(matmul(t.coeff, t.A, middle, sympy.Transpose(t.B)))
            else:
                parts.append(matmul(t.coeff * sympy.Trace(matmul(sympy.Transpose(t.K), V)),
                                    t.M))
        return simplify(_projected(matadd(parts, self.shape[:2]), self.left))

    def __rmatmul__(self, W):
        """W : J = Σ_ij W_ij J_ijkl, a matrix of X's shape (W of F's shape):
        W : (A ⊠ B) = Aᵀ W B, W : ((A ⊠ B) : 𝕋) = Bᵀ Wᵀ A, W : (M ⊗ K) = ⟨M, W⟩ K."""
        if not isinstance(W, MatrixExpr) or tuple(W.shape) != tuple(self.shape[:2]):
            return NotImplemented
        W = _projected(W, self.left)
        parts = []
        for t in self.terms:
            if isinstance(t, SquareProduct):
                parts.append(matmul(t.coeff, sympy.Transpose(t.B), sympy.Transpose(W), t.A)
                             if t.transposed else
                             matmul(t.coeff, sympy.Transpose(t.A), W, t.B))
            else:
                parts.append(matmul(t.coeff * sympy.Trace(matmul(sympy.Transpose(t.M), W)),
                                    t.K))
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

    A dX B -> A ⊠ Bᵀ;  A dXᵀ B -> (A ⊠ Bᵀ) : 𝕋;  M s -> M ⊗ ∇s, with
    `scalar_gradient(s)` the gradient K of the scalar s, ⟨K, dX⟩ = s.
    """
    out = []
    for t in terms:
        if isinstance(t, (DXTerm, DXTTerm)):
            coeff, A = _split_coeff(t.A)
            out.append(SquareProduct(coeff, A, sympy.Transpose(t.B), isinstance(t, DXTTerm)))
        else:
            coeff, M = _split_coeff(t.M)
            out.append(DyadicProduct(coeff, M, scalar_gradient(t.s)))
    return FourthOrder(tuple(out), (*F.shape, *X.shape), None, F, X)


def _split_coeff(M):
    if isinstance(M, sympy.MatMul):
        coeff, factors = M.as_coeff_matrices()
        return coeff, matmul(*factors)
    return sympy.S.One, M


def map_factors(J: FourthOrder, f) -> FourthOrder:
    """J with f applied to every matrix factor (used to simplify them)."""
    terms = []
    for t in J.terms:
        if isinstance(t, SquareProduct):
            (ca, A), (cb, B) = _split_coeff(f(t.A)), _split_coeff(f(t.B))
            terms.append(SquareProduct(t.coeff * ca * cb, A, B, t.transposed))
        else:
            (cm, M), (ck, K) = _split_coeff(f(t.M)), _split_coeff(f(t.K))
            terms.append(DyadicProduct(t.coeff * cm * ck, M, K))
    return replace(J, terms=tuple(terms))


def collect(J: FourthOrder) -> FourthOrder:
    """Merge terms with equal factors (adding coefficients) and drop zero terms."""
    merged: dict = {}
    for t in J.terms:
        key = (type(t), *_factors_of(t))
        merged[key] = merged.get(key, 0) + t.coeff
    terms = []
    for (kind, *factors), coeff in merged.items():
        if coeff == 0 or any(isinstance(f, sympy.ZeroMatrix) for f in factors[:2]):
            continue
        if kind is SquareProduct:
            terms.append(SquareProduct(coeff, factors[0], factors[1], factors[2]))
        else:
            terms.append(DyadicProduct(coeff, *factors))
    return replace(J, terms=tuple(terms))


def _factors_of(t):
    if isinstance(t, SquareProduct):
        return (t.A, t.B, t.transposed)
    return (t.M, t.K)


def project(J: FourthOrder, projection: str) -> FourthOrder:
    """J : 𝕀ₛ, J : (2𝕀ₛ − 𝔻) or J : 𝔻.  Since 𝕋 : 𝕀ₛ = 𝕀ₛ and 𝕋 : 𝔻 = 𝔻, a transposed
    square product loses its 𝕋 under each of them."""
    assert projection in PROJECTIONS, projection
    terms = tuple(SquareProduct(t.coeff, t.A, t.B, False) if isinstance(t, SquareProduct)
                  else t for t in J.terms)
    return collect(replace(J, terms=terms, projection=projection))


def project_left(J: FourthOrder, projection: str) -> FourthOrder:
    """L : J for L = 𝕀ₛ, 2𝕀ₛ − 𝔻 or 𝔻 (acting on the indices i, j of F)."""
    assert projection in PROJECTIONS, projection
    return replace(J, left=projection)
