"""Kronecker products and vectorisation: A ⊗ B, vec A, vec⁻¹ v and the commutation
matrix K_{m,n} (K_{m,n} vec(A) = vec(Aᵀ), Magnus & Neudecker).

The adjoint of a Kronecker product splits the seed into Kronecker factors of the same
shapes (after combining mixed products, (A ⊗ B)(C ⊗ D) = AC ⊗ BD); for vectors and for
seeds of outer products it reads x ⊗ l = vec(l xᵀ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy
from sympy import MatrixExpr
from sympy.matrices.expressions.kronecker import (kronecker_mat_add, kronecker_mat_mul,
                                                  kronecker_mat_pow)
from sympy.strategies import condition, exhaust, typed
from sympy.strategies.traverse import bottom_up
from sympy.strategies.util import basic_fns

from ..calculus.differentiation import product_rule
from ..calculus.forward import DXTerm, DXTTerm, linear_terms, through
from ..calculus.pullback import inner, only_linear_factor, pullback
from ..code.names import python_literal
from ..code.values import ATOM, DENSE, Value
from ..core.errors import NoRuleError, ShapeError
from ..core.nodes import (CommutationMatrix, Kronecker, Unvec, Vec, is_matrix, kronecker, matadd,
                          matmul, transpose, unvec_seed)
from ..core.registry import CALL, INFIX, LEAF, Operator, ParseEntry, refused, register
from ..core.shapes import describe, differ, dims_text
from .leaves import d_constant

# --- Kronecker product ------------------------------------------------------------------


def d_kronecker(e, d):
    """d(A ⊗ B) = dA ⊗ B + A ⊗ dB
    Matrix Cookbook (39)."""
    return product_rule(e.args, d, kronecker, e.shape)


def adj_kronecker(D, H, dX):
    """⟨P ⊗ Q ⊗ R, A ⊗ L ⊗ B⟩ = ⟨P, A⟩ ⟨R, B⟩ ⟨Q, L⟩, the seed H split into Kronecker
    factors of the same shapes (mixed products, transposes, inverses and identities
    combined first by the mixed-product rule (A ⊗ B)(C ⊗ D) = AC ⊗ BD); for vectors,
    x ⊗ l = vec(l xᵀ) and l ⊗ y = vec(y lᵀ); for a seed of outer products u vᵀ,
    ⟨u vᵀ, A ⊗ B⟩ = tr(Uᵀ B V Aᵀ) with U = vec⁻¹(u), V = vec⁻¹(v)."""
    i = only_linear_factor(D.args, dX, D)
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
        "a sum of Kronecker products of the same shapes; matcalc has no rule for it",
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


def ev_kronecker(e, env):
    out = env.ev(e.args[0])
    for a in e.args[1:]:
        out = np.kron(out, env.ev(a))
    return out


def syntax_kronecker(p, e):
    first, *rest = e.args
    return p.call("kron", first, rest[0] if len(rest) == 1 else Kronecker(*rest))


def lower_kronecker(low, e):
    out = low.dense(low.value(e.args[0]))
    for a in e.args[1:]:
        out = Value(low.b.call("kron", out.code, low.dense(low.value(a)).code), DENSE)
    return Value(out.code, DENSE, tuple(e.shape), out.prec)


def parse_kronecker(b, L, R, where):
    if L.is_scalar or R.is_scalar:
        return b.typed(L.shape or R.shape, lambda: L.build() * R.build())
    shape = (L.shape[0] * R.shape[0], L.shape[1] * R.shape[1])
    return b.typed(shape, lambda: kronecker(L.build(), R.build()))


def fwd_kronecker(D, dX):
    """K ⊗ L with one factor L linear in dX: for a column K, (K ⊗ I) L; for a row, L (K ⊗ I);
    likewise L ⊗ K = (I ⊗ K) L or L (I ⊗ K); otherwise the stage K ⊗ · (· ⊗ K). The
    factors after L are taken first, then those before it."""
    i = only_linear_factor(D.args, dX, D)
    L = D.args[i]
    stages = []
    for K, left in ((_product_of(D.args[i + 1:]), False), (_product_of(D.args[:i]), True)):
        if K is None:
            continue
        p, q = L.shape
        if stages or 1 not in K.shape:
            stages.append(KroneckerStage(K, left))
        elif K.shape[1] == 1:
            L = matmul(kronecker(K, sympy.Identity(p)) if left else
                       kronecker(sympy.Identity(p), K), L)
        else:
            L = matmul(L, kronecker(K, sympy.Identity(q)) if left else
                       kronecker(sympy.Identity(q), K))
    terms = linear_terms(L, dX)
    for stage in stages:
        terms = through(stage, terms)
    return terms


def _product_of(factors):
    """⊗ of the factors: None for none, the factor itself for one."""
    if not factors:
        return None
    return factors[0] if len(factors) == 1 else kronecker(*factors)


@dataclass(frozen=True)
class KroneckerStage:
    """The linear map M ↦ K ⊗ M (`left`) or M ↦ M ⊗ K inside a fourth-order term (contract:
    fourth_order.Stage). For K m x n and M p x q (Magnus & Neudecker, Theorem 3.10):
    vec(K ⊗ M) = (I_n ⊗ K_{q,m} ⊗ I_p)(vec K ⊗ I_pq) vec M,
    vec(M ⊗ K) = (I_q ⊗ K_{n,p} ⊗ I_m)(I_pq ⊗ vec K) vec M."""
    K: MatrixExpr
    left: bool

    def shape(self, inner_shape):
        return (self.K.shape[0] * inner_shape[0], self.K.shape[1] * inner_shape[1])

    def apply(self, M):
        return kronecker(self.K, M) if self.left else kronecker(M, self.K)

    def pull(self, W, inner_shape):
        """vec⁻¹(Mᵀ vec W), M the matrix of the stage"""
        return Unvec(matmul(sympy.Transpose(self.matrix(inner_shape)), Vec(W)), *inner_shape)

    def matrix(self, inner_shape):
        (m, n), (p, q) = self.K.shape, inner_shape
        eye = sympy.Identity
        if self.left:
            return matmul(kronecker(eye(n), CommutationMatrix(q, m), eye(p)),
                          kronecker(Vec(self.K), eye(p * q)))
        return matmul(kronecker(eye(q), CommutationMatrix(n, p), eye(m)),
                      kronecker(eye(p * q), Vec(self.K)))

    def transposed(self):
        return KroneckerStage(sympy.Transpose(self.K), self.left)

    def merged(self, t):
        return None

    def factors(self):
        return (self.K,)

    def with_factors(self, factors):
        return KroneckerStage(factors[0], self.left)

    def key(self):
        return (KroneckerStage, self.K, self.left)

    def notation(self, p, inner):
        inner = inner or p.parenthesised(f"I {p.TENSOR['square']} I")
        K = p.wrap(self.K)
        symbol = p.TENSOR["kronecker"]
        return f"{K} {symbol} {inner}" if self.left else f"{inner} {symbol} {K}"

    def index(self, st, entry, i, j, inner):
        raise _no_index("a Kronecker product")

    def evaluate(self, T, ev, dim):
        K = ev(self.K)
        p, q, r, s = T.shape
        if self.left:
            return np.einsum("ab,ijkl->aibjkl", K, T).reshape(
                K.shape[0] * p, K.shape[1] * q, r, s)
        return np.einsum("ijkl,ab->iajbkl", T, K).reshape(p * K.shape[0], q * K.shape[1], r, s)

    def lower(self, low, T, inner_shape, rs):
        K = low.dense(low.value(self.K)).code
        spec = python_literal("ab,ijkl->aibjkl" if self.left else "ijkl,ab->iajbkl")
        operands = (K, T) if self.left else (T, K)
        rows, cols = (low.dim(d) for d in self.shape(inner_shape))
        r, s = (low.dim(d) for d in rs)
        return f"{low.b.call('einsum', spec, *operands)}.reshape({rows}, {cols}, {r}, {s})"


def _no_index(what: str):
    return NoRuleError(f"no index notation for a Jacobian through {what}: its entries are at "
                       "combined indices; use the ⊠ form, or in Python the Kronecker form "
                       "J.kronecker()",
                       construct=f"index notation through {what}")


register(Operator(
    "Kronecker product", (sympy.KroneckerProduct,), d=d_kronecker,
    rule="Kronecker product rule", adjoint=adj_kronecker, forward=fwd_kronecker,
    evaluate=ev_kronecker,
    text=lambda p, e: " ⊗ ".join(p.wrap(a) for a in e.args),
    latex=lambda p, e: r" \otimes ".join(p.wrap(a) for a in e.args),
    syntax=syntax_kronecker, lower=lower_kronecker,
    transpose=lambda A, ctx: kronecker(*[sympy.Transpose(t) for t in A.args]),
    parse=(ParseEntry("kron", 2, parse_kronecker),), binds=INFIX))


# --- vec --------------------------------------------------------------------------------


def adj_vec(D, H, dX):
    """⟨h, vec L⟩ = ⟨vec⁻¹ h, L⟩;  vec⁻¹((A ⊗ B) vec M) = B M Aᵀ
    Since vec(A X B) = (Bᵀ ⊗ A) vec X (Magnus & Neudecker)."""
    L = D.arg
    return pullback(L, unvec_seed(H, *L.shape), dX)


def fwd_vec(D, dX):
    """vec(l) = l for a column vector l; for a column dx, vec(A dx B) = (Bᵀ ⊗ A) dx and
    vec(A dxᵀ B) = (Bᵀ ⊗ A) dx; otherwise the stage vec"""
    if D.arg.shape[1] == 1:
        return linear_terms(D.arg, dX)
    terms = linear_terms(D.arg, dX)
    if dX.shape[1] != 1:
        return through(VecStage(), terms)
    out = []
    for t in terms:
        if isinstance(t, (DXTerm, DXTTerm)):
            out.append(DXTerm(kronecker(sympy.Transpose(t.B), t.A), sympy.Identity(1)))
        else:
            out += through(VecStage(), [t])
    return out


class _Reshape:
    """What the stages vec and vec⁻¹ share: no matrices of their own, no transposed form
    (vec(M)ᵀ is a row: the term keeps a 𝕋), entries at combined indices."""

    def transposed(self):
        return None

    def merged(self, t):
        return None

    def factors(self):
        return ()

    def with_factors(self, factors):
        return self


@dataclass(frozen=True)
class VecStage(_Reshape):
    """The linear map M ↦ vec M inside a fourth-order term (contract: fourth_order.Stage):
    its matrix is the identity, its adjoint vec⁻¹."""

    def shape(self, inner_shape):
        return (inner_shape[0] * inner_shape[1], sympy.S.One)

    def apply(self, M):
        return Vec(M)

    def pull(self, W, inner_shape):
        return unvec_seed(W, *inner_shape)

    def matrix(self, inner_shape):
        return sympy.Identity(inner_shape[0] * inner_shape[1])

    def key(self):
        return (VecStage,)

    def notation(self, p, inner):
        inner = inner or p.parenthesised(f"I {p.TENSOR['square']} I")
        return f"{p.TENSOR['vec']}{inner}"

    def index(self, st, entry, i, j, inner):
        raise _no_index("vec")

    def evaluate(self, T, ev, dim):
        p, q, r, s = T.shape
        return T.swapaxes(0, 1).reshape(p * q, 1, r, s)

    def lower(self, low, T, inner_shape, rs):
        rows = low.dim(inner_shape[0] * inner_shape[1])
        r, s = (low.dim(d) for d in rs)
        swapped = low.b.call("einsum", python_literal("ijkl->jikl"), T)
        return f"{swapped}.reshape({rows}, 1, {r}, {s})"


def lower_vec(low, e):
    M = low.dense(low.value(e.arg))
    return Value(f"{M.wrapped(ATOM)}.T.reshape(-1, 1)", DENSE, tuple(e.shape))


def parse_vec(b, t, where):
    b.matrix(t, "vec", where)
    r, c = t.shape
    return b.typed((r * c, sympy.S.One), lambda: Vec(t.build()))


def d_vec(e, d):
    """d vec(A) = vec(dA)"""
    return Vec(d(e.arg))


register(Operator(
    "vec", (Vec,), d=d_vec, rule="vec is linear", adjoint=adj_vec,
    forward=fwd_vec, evaluate=lambda e, env: env.ev(e.arg).reshape(-1, 1, order="F"),
    text=lambda p, e: f"vec({p.print(e.arg)})",
    latex=lambda p, e: rf"\operatorname{{vec}}\left({p.print(e.arg)}\right)",
    syntax=lambda p, e: p.call("vec", e.arg), lower=lower_vec,
    parse=(ParseEntry("vec", 1, parse_vec),), binds=CALL))


# --- vec⁻¹ ------------------------------------------------------------------------------


def adj_unvec(D, H, dX):
    """⟨H, vec⁻¹ l⟩ = ⟨vec H, l⟩"""
    return pullback(D.arg, Vec(H) if is_matrix(H) else H, dX)


def as_matrix(e, what: str):
    """vec⁻¹((A ⊗ B) vec(L)) = B L Aᵀ, vec⁻¹(K vec(L)) = Lᵀ, vec⁻¹(vec(L)) = L: e as the
    matrix it reads back; NoRuleError naming `what` for a column of another form."""
    M = unvec_seed(e.arg, *e.shape)
    if isinstance(M, Unvec):
        raise NoRuleError(f"no {what} for {e}: vec⁻¹ of a column that is not "
                          "(A ⊗ B) vec(L), K vec(L) or vec(L)", construct=f"{what} of Unvec")
    return M


def fwd_unvec(D, dX):
    """vec⁻¹(…) as the matrix it reads back (see as_matrix), then its forward terms;
    otherwise the stage vec⁻¹"""
    M = unvec_seed(D.arg, *D.shape)
    if not isinstance(M, Unvec):
        return linear_terms(M, dX)
    return through(UnvecStage(*D.shape), linear_terms(D.arg, dX))


@dataclass(frozen=True)
class UnvecStage(_Reshape):
    """The linear map l ↦ vec⁻¹ l (m x n) inside a fourth-order term (contract:
    fourth_order.Stage): its matrix is the identity, its adjoint vec."""
    m: object
    n: object

    def shape(self, inner_shape):
        return (self.m, self.n)

    def apply(self, M):
        return Unvec(M, self.m, self.n)

    def pull(self, W, inner_shape):
        return Vec(W)

    def matrix(self, inner_shape):
        return sympy.Identity(self.m * self.n)

    def key(self):
        return (UnvecStage, self.m, self.n)

    def notation(self, p, inner):
        inner = inner or p.parenthesised(f"I {p.TENSOR['square']} I")
        return f"{p.TENSOR['unvec']}{inner}"

    def index(self, st, entry, i, j, inner):
        raise _no_index("vec⁻¹")

    def evaluate(self, T, ev, dim):
        m, n = dim(self.m), dim(self.n)
        return T.reshape(n, m, *T.shape[2:]).swapaxes(0, 1)

    def lower(self, low, T, inner_shape, rs):
        m, n = low.dim(self.m), low.dim(self.n)
        r, s = (low.dim(d) for d in rs)
        return low.b.call("einsum", python_literal("ijkl->jikl"),
                          f"{T}.reshape({n}, {m}, {r}, {s})")


def shape_unvec(e):
    v, (m, n) = e.arg, e.shape
    if differ(v.shape[1], sympy.S.One) or differ(v.shape[0], m * n):
        raise ShapeError(f"vec⁻¹ of {describe(v)} into {dims_text((m, n))}: needs a column "
                         f"of length {m * n}")


def ev_unvec(e, env):
    m, n = (env.dim(d) for d in e.shape)
    return env.ev(e.arg).reshape(m, n, order="F")


def syntax_unvec(p, e):
    """vec⁻¹(…) written as the matrix it reads back (see as_matrix)."""
    return p.print(as_matrix(e, "input syntax"))


def lower_unvec(low, e):
    v = low.dense(low.value(e.arg))
    m, n = (low.dim(d) for d in e.shape)
    return Value(f"{v.wrapped(ATOM)}.reshape({n}, {m}).T", DENSE, tuple(e.shape))


def d_unvec(e, d):
    """d vec⁻¹(v) = vec⁻¹(dv)"""
    return Unvec(d(e.arg), *e.shape)


register(Operator(
    "vec⁻¹", (Unvec,), d=d_unvec, rule="vec^-1 is linear",
    adjoint=adj_unvec, forward=fwd_unvec, evaluate=ev_unvec,
    text=lambda p, e: f"vec⁻¹({p.print(e.arg)})",
    latex=lambda p, e: rf"\operatorname{{vec}}^{{-1}}\left({p.print(e.arg)}\right)",
    syntax=syntax_unvec, lower=lower_unvec, shape=shape_unvec, binds=CALL))


# --- commutation matrix -----------------------------------------------------------------


def ev_commutation(e, env):
    m, n = env.dim(e.args[0]), env.dim(e.args[1])
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[i * n + j, j * m + i] = 1.0  # vec(Aᵀ)[i n + j] = A_ij = vec(A)[j m + i]
    return K


def lower_commutation(low, e):
    low.helpers.add("_commutation")
    m, n = (low.dim(d) for d in e.args)
    return Value(f"_commutation({m}, {n})", DENSE, tuple(e.shape))


register(Operator(
    "commutation matrix", (CommutationMatrix,), d=d_constant, rule="constant",
    evaluate=ev_commutation, text=lambda p, e: f"K_({e.args[0]},{e.args[1]})",
    latex=lambda p, e: f"K_{{{p.print(e.args[0])},{p.print(e.args[1])}}}",
    syntax=refused("input syntax of the commutation matrix",
                   "write the product it stands for, e.g. vec(X')"),
    lower=lower_commutation, binds=LEAF))
