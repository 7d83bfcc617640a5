"""Gradient extraction, the double-dot pass: a linear differential -> derivative terms.

`pullback(D, H, dX)`: D is linear in dX and H (the adjoint seed) has D's shape; returns
the list of terms of G with ⟨H, D⟩ = ⟨G, dX⟩ = tr(Gᵀ dX). With D = df and H = 1 this is
the gradient in denominator layout. It is a backward pass through the linear map
dX -> D: one adjoint rule per *linear* node on the `adjoint` table,

    ⟨H, A L B⟩ = ⟨Aᵀ H Bᵀ, L⟩      ⟨H, Lᵀ⟩ = ⟨Hᵀ, L⟩      ⟨h, tr L⟩ = ⟨h I, L⟩
    ⟨H, c L⟩   = ⟨c H, L⟩         ⟨H, s M⟩ = ⟨⟨H, M⟩, s⟩  (s scalar, linear in dX)
    ⟨H, B ∘ L⟩ = ⟨H ∘ B, L⟩        ⟨h, vec L⟩ = ⟨vec⁻¹ h, L⟩   ⟨H, diag l⟩ = ⟨diag H, l⟩
    ⟨P ⊗ Q, A ⊗ L⟩ = ⟨P, A⟩ ⟨Q, L⟩ (the seed split into Kronecker factors)

`linear_terms(D, dX)`: the forward normal form of a matrix-valued D, a list of
`DXTerm` (A dX B), `DXTTerm` (A dXᵀ B) and `ScalarTerm` (M s, s a scalar linear in dX),
from which `tensor4` builds fourth-order results. Neither function changes the value of D.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

import sympy
from sympy import Expr, MatrixExpr
from sympy.matrices.expressions.kronecker import (kronecker_mat_add, kronecker_mat_mul,
                                                  kronecker_mat_pow)
from sympy.strategies import condition, exhaust, typed
from sympy.strategies.traverse import bottom_up
from sympy.strategies.util import basic_fns

from .errors import NoRuleError
from .limits import spend
from .nodes import (CommutationMatrix, Unvec, Vec, as_scalar, hadamard, is_matrix, is_one_by_one,
                    matadd, matmul, transpose)


def pullback(D, H, dX) -> list:
    """Terms of G with ⟨H, D⟩ = ⟨G, dX⟩, for D linear in dX."""
    spend("extracting the derivative")
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
        f"no adjoint rule for {type(D).__name__} (in {D}); extend matcalc.extract.adjoint",
        construct=f"adjoint of {type(D).__name__}")


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


@adjoint.register(sympy.HadamardProduct)
def adj_hadamard(D, H, dX):
    """⟨H, B ∘ L⟩ = ⟨H ∘ B, L⟩
    Since tr(Aᵀ(B ∘ C)) = Σᵢⱼ AᵢⱼBᵢⱼCᵢⱼ = tr((A ∘ B)ᵀ C)."""
    i = _only_linear_factor(D.args, dX, D)
    others = D.args[:i] + D.args[i + 1:]
    if is_matrix(H):
        seed = hadamard(H, *others)
    else:  # a scalar seed on a 1 x 1 product
        seed = matmul(H, *others)
    return pullback(D.args[i], seed, dX)


@adjoint.register(Vec)
def adj_vec(D, H, dX):
    """⟨h, vec L⟩ = ⟨vec⁻¹ h, L⟩;  vec⁻¹((A ⊗ B) vec M) = B M Aᵀ
    Since vec(A X B) = (Bᵀ ⊗ A) vec X (Magnus & Neudecker)."""
    L = D.arg
    return pullback(L, unvec_seed(H, *L.shape), dX)


def unvec_seed(h, m, n):
    """vec⁻¹(h) as an m x n matrix, reading (A ⊗ B) vec(M) as vec(B M Aᵀ) and
    K vec(M) as vec(Mᵀ)."""
    if not is_matrix(h):
        return matmul(h, sympy.Identity(1)) if (m, n) == (1, 1) else Unvec(h, m, n)
    h = h.doit()  # (Mᵀ)ᵀ -> M, (A ⊗ B)ᵀ -> Aᵀ ⊗ Bᵀ
    if isinstance(h, sympy.MatAdd):
        return matadd([unvec_seed(t, m, n) for t in h.args])
    if isinstance(h, Vec) and tuple(h.arg.shape) == (m, n):
        return h.arg
    if isinstance(h, sympy.MatMul):
        coeff, factors = h.as_coeff_matrices()
        if len(factors) == 1 and coeff != 1:
            return matmul(coeff, unvec_seed(factors[0], m, n))
        if len(factors) == 2 and isinstance(factors[0], sympy.KroneckerProduct) \
                and len(factors[0].args) == 2 and isinstance(factors[1], Vec):
            A, B = factors[0].args
            M = factors[1].arg
            if tuple(B.shape) == (m, M.shape[0]) and tuple(A.shape) == (n, M.shape[1]):
                return matmul(coeff, B, M, sympy.Transpose(A))
        if len(factors) == 2 and isinstance(factors[0], CommutationMatrix) \
                and isinstance(factors[1], Vec) and tuple(factors[1].arg.shape) == \
                tuple(factors[0].args) and tuple(factors[0].args) == (n, m):
            return matmul(coeff, sympy.Transpose(factors[1].arg))
    if (m, n) == tuple(h.shape):
        return h
    return Unvec(h, m, n)


@adjoint.register(Unvec)
def adj_unvec(D, H, dX):
    """⟨H, vec⁻¹ l⟩ = ⟨vec H, l⟩"""
    return pullback(D.arg, Vec(H) if is_matrix(H) else H, dX)


@adjoint.register(sympy.DiagMatrix)
def adj_diag_matrix(D, H, dX):
    """⟨H, diag(l)⟩ = ⟨diag(H), l⟩   (l a column or a row vector)"""
    l = D.args[0]
    seed = sympy.DiagonalOf(H) if is_matrix(H) else H
    if l.shape[0] == 1 and l.shape[1] != 1:
        seed = sympy.Transpose(seed)
    return pullback(l, seed, dX)


@adjoint.register(sympy.DiagonalOf)
def adj_diagonal_of(D, H, dX):
    """⟨h, diag(L)⟩ = ⟨diag(h), L⟩   (L square: diag(h) is the diagonal matrix of h)"""
    L = D.arg
    if L.shape[0] != L.shape[1]:
        raise NoRuleError(f"no adjoint rule for the diagonal of the non-square {L} (in {D})",
                          construct="adjoint of the diagonal of a non-square matrix")
    if not is_matrix(H):
        return pullback(L, H, dX)
    return pullback(L, sympy.DiagMatrix(H), dX)


@adjoint.register(sympy.KroneckerProduct)
def adj_kronecker(D, H, dX):
    """⟨P ⊗ Q ⊗ R, A ⊗ L ⊗ B⟩ = ⟨P, A⟩ ⟨R, B⟩ ⟨Q, L⟩, the seed H split into Kronecker
    factors of the same shapes (mixed products, transposes, inverses and identities
    combined first by the mixed-product rule (A ⊗ B)(C ⊗ D) = AC ⊗ BD); for vectors,
    x ⊗ l = vec(l xᵀ) and l ⊗ y = vec(y lᵀ); for a seed of outer products u vᵀ,
    ⟨u vᵀ, A ⊗ B⟩ = tr(Uᵀ B V Aᵀ) with U = vec⁻¹(u), V = vec⁻¹(v)."""
    i = _only_linear_factor(D.args, dX, D)
    shapes = [tuple(a.shape) for a in D.args]
    split = kronecker_split(H, shapes)
    if split is None:
        return _vector_kronecker(D, H, dX, i)
    seeds = []
    for coeff, parts in split:
        factor = coeff
        for k, (P, A) in enumerate(zip(parts, D.args, strict=True)):
            if k != i:
                factor = factor * inner(P, A)
        seeds.append(matmul(factor, parts[i]))
    return pullback(D.args[i], matadd(seeds, D.args[i].shape), dX)


def kronecker_split(H, shapes):
    """H as a list of (c, [P₁, P₂, …]) with H = Σ c P₁ ⊗ P₂ ⊗ …, Pₖ of shape shapes[k];
    None when H has no such form that matcalc can see."""
    if not is_matrix(H):
        return None
    H = _combine_kronecker(sympy.sympify(H).doit())
    if isinstance(H, sympy.MatAdd):
        out = []
        for t in H.args:
            part = kronecker_split(t, shapes)
            if part is None:
                return None
            out.extend(part)
        return out
    if isinstance(H, sympy.MatMul):
        coeff, factors = H.as_coeff_matrices()
        if len(factors) == 1:
            inner_split = kronecker_split(factors[0], shapes)
            return None if inner_split is None else [(coeff * c, p) for c, p in inner_split]
        return None
    if isinstance(H, sympy.ZeroMatrix):
        return []
    if isinstance(H, sympy.Identity) and all(r == c for r, c in shapes):
        return [(sympy.S.One, [sympy.Identity(r) for r, _ in shapes])]
    if isinstance(H, sympy.OneMatrix):
        return [(sympy.S.One, [sympy.OneMatrix(r, c) for r, c in shapes])]
    if isinstance(H, sympy.KroneckerProduct) and \
            [tuple(a.shape) for a in H.args] == shapes:
        return [(sympy.S.One, list(H.args))]
    return None


def _combine_kronecker(H):
    """SymPy's combine_kronecker ((A ⊗ B)(C ⊗ D) = AC ⊗ BD, …), traversing with DiagMatrix
    and scalar nodes built by their own constructors (`_rebuild`): SymPy's traversal
    rebuilds nodes with Basic.__new__, which leaves a DiagMatrix without its vector and
    shape and a scalar product without its commutativity."""
    def has_kronecker(e):
        return isinstance(e, MatrixExpr) and e.has(sympy.KroneckerProduct)

    rule = exhaust(bottom_up(exhaust(condition(has_kronecker, typed(
        {sympy.MatAdd: kronecker_mat_add, sympy.MatMul: kronecker_mat_mul,
         sympy.MatPow: kronecker_mat_pow}))), _TRAVERSAL))
    return rule(H).doit()


def _rebuild(cls, *args):
    """A node from new arguments: matrix nodes as SymPy's traversal builds them, but
    DiagMatrix and scalar nodes (Mul, Trace of …) by their own constructors, which set what
    Basic.__new__ leaves out (DiagMatrix's vector and shape, Mul's commutativity)."""
    if cls is sympy.DiagMatrix or not issubclass(cls, MatrixExpr):
        return cls(*args)
    return sympy.Basic.__new__(cls, *args)


_TRAVERSAL = {**basic_fns, "new": _rebuild}


def _vector_kronecker(D, H, dX, i):
    """x ⊗ l = vec(l xᵀ) and l ⊗ y = vec(y lᵀ) for column vectors; otherwise no rule."""
    if len(D.args) == 2 and all(a.shape[1] == 1 for a in D.args):
        x, y = D.args
        U = unvec_seed(H, y.shape[0], x.shape[0])  # H = vec(U), U of the shape of y xᵀ
        if i == 1:
            return pullback(y, matmul(U, x), dX)
        return pullback(x, matmul(sympy.Transpose(U), y), dX)
    outer = outer_products(H)
    if len(D.args) == 2 and outer is not None:
        return _outer_product_kronecker(D, outer, dX, i)
    raise NoRuleError(
        f"no adjoint rule for the Kronecker product {D} with the seed {H}: the seed is not "
        "a sum of Kronecker products of the same shapes; extend matcalc.extract.adjoint",
        construct="adjoint of a Kronecker product with a seed of another form")


def outer_products(H):
    """H as a list of (u, v) with H = Σ u vᵀ, u and v columns (u may carry a scalar
    factor); None when H is not written as such a sum."""
    H = sympy.sympify(H).doit()
    if isinstance(H, sympy.MatAdd):
        parts = [outer_products(t) for t in H.args]
        return None if any(p is None for p in parts) else [uv for p in parts for uv in p]
    if isinstance(H, sympy.MatMul):
        coeff, factors = H.as_coeff_matrices()
        for k in range(1, len(factors)):
            if factors[k - 1].shape[1] == 1:
                return [(matmul(coeff, *factors[:k]), transpose(matmul(*factors[k:])))]
    return None


def _outer_product_kronecker(D, outer, dX, i):
    """⟨u vᵀ, A ⊗ B⟩ = uᵀ vec(B V Aᵀ) = tr(Uᵀ B V Aᵀ) = ⟨U A Vᵀ, B⟩ = ⟨Uᵀ B V, A⟩,
    U = vec⁻¹(u) (rows B x rows A), V = vec⁻¹(v) (cols B x cols A)."""
    A, B = D.args
    seeds = []
    for u, v in outer:
        U = unvec_seed(u, B.shape[0], A.shape[0])
        V = unvec_seed(v, B.shape[1], A.shape[1])
        seeds.append(matmul(U, A, transpose(V)) if i == 1 else
                     matmul(transpose(U), B, V))
    return pullback(D.args[i], matadd(seeds, D.args[i].shape), dX)


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
    spend("extracting the derivative")
    if not D.has(dX):
        return []
    if D == dX:
        rows, cols = dX.shape
        return [DXTerm(sympy.Identity(rows), sympy.Identity(cols))]
    return forward(D, dX)


@singledispatch
def forward(D, dX):
    raise NoRuleError(
        f"no forward rule for {type(D).__name__} (in {D}); extend matcalc.extract.forward",
        construct=f"Jacobian through {type(D).__name__}")


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


@forward.register(sympy.HadamardProduct)
def fwd_hadamard(D, dX):
    """b ∘ l = diag(b) l for columns, l diag(b) for rows (a matrix-valued B ∘ L has no
    normal form yet)"""
    i = _only_linear_factor(D.args, dX, D)
    others = D.args[:i] + D.args[i + 1:]
    b = others[0] if len(others) == 1 else sympy.HadamardProduct(*others)
    if D.shape[1] == 1:
        return linear_terms(matmul(sympy.DiagMatrix(b), D.args[i]), dX)
    if D.shape[0] == 1:
        return linear_terms(matmul(D.args[i], sympy.DiagMatrix(b)), dX)
    raise NoRuleError(
        f"no forward rule for the matrix-valued Hadamard product {D}: derivatives of "
        "F ∘ G by a matrix are not yet written as fourth-order terms",
        construct="Jacobian through a matrix-valued Hadamard product")


@forward.register(Vec)
def fwd_vec(D, dX):
    """vec(l) = l for a column vector l"""
    if D.arg.shape[1] != 1:
        raise NoRuleError(f"no forward rule for vec of the matrix {D.arg} (in {D})",
                          construct="Jacobian through vec of a matrix")
    return linear_terms(D.arg, dX)


@forward.register(Unvec)
def fwd_unvec(D, dX):
    """vec⁻¹((A ⊗ B) vec(L)) = B L Aᵀ, vec⁻¹(K vec(L)) = Lᵀ, vec⁻¹(vec(L)) = L"""
    M = unvec_seed(D.arg, *D.shape)
    if isinstance(M, Unvec):
        raise NoRuleError(f"no forward rule for {D}: vec⁻¹ of a column that is not "
                          "(A ⊗ B) vec(L), K vec(L) or vec(L)",
                          construct="Jacobian through Unvec of another form")
    return linear_terms(M, dX)


@forward.register(sympy.MatMul)
def fwd_matmul(D, dX):
    """c P L Q: the terms of L with P on the left and Q on the right; s M: one ScalarTerm;
    P diag(l) q = P diag(q) l for a column vector q"""
    coeff, factors = D.as_coeff_matrices()
    if coeff.has(dX):
        return [ScalarTerm(matmul(*factors), coeff)]
    i = _only_linear_factor(factors, dX, D)
    P, Q = factors[:i], factors[i + 1:]
    if isinstance(factors[i], sympy.DiagMatrix) and Q and matmul(*Q).shape[1] == 1 \
            and factors[i].args[0].shape[1] == 1:
        return linear_terms(matmul(coeff, *P, sympy.DiagMatrix(matmul(*Q)),
                                   factors[i].args[0]), dX)
    out = []
    for t in linear_terms(factors[i], dX):
        if isinstance(t, ScalarTerm):
            out.append(ScalarTerm(matmul(coeff, *P, t.M, *Q), t.s))
        else:
            out.append(type(t)(matmul(coeff, *P, t.A), matmul(t.B, *Q)))
    return out
