"""The named rewrite rules of simplification: each returns a new expression or None.

Contract: a rule never changes an expression's shape or value (for symbols declared
symmetric, for every symmetric value); its docstring states the rewrite and why it
terminates. `RULES` is the order the driver (matcalc.rewrite.driver) tries them in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, reduce

import sympy
from sympy import MatrixExpr

from ..core.functions import sigmoid
from ..core.matrix_functions import Frechet, SecondFrechet
from ..core.nodes import (Elementwise, Norm, Unvec, Vec, elementwise, hadamard, hadamard_power,
                          matadd, matmul, unvec_seed)
from ..core.registry import row


@dataclass(frozen=True)
class Context:
    """What a rule may assume: the matrix symbols declared symmetric; and the simplifier
    itself, for a rule that compares simplified parts."""
    symmetric: frozenset = field(default_factory=frozenset)
    simplify: Callable = field(default=lambda e: e, compare=False)
    # subtrees no rule rewrites under these assumptions (the driver's memo across passes)
    stable: set = field(default_factory=set, compare=False, hash=False)


# --- rules: each returns a new expression or None ------------------------------------


def push_transpose(e, ctx):
    """Aᵀ -> A's transpose rule (matcalc.ops, the `transpose` row): (AB)ᵀ -> BᵀAᵀ,
    (A+B)ᵀ -> Aᵀ+Bᵀ, (Aᵀ)ᵀ -> A, (A⁻¹)ᵀ -> (Aᵀ)⁻¹, (Aᵏ)ᵀ -> (Aᵀ)ᵏ, Iᵀ -> I, Sᵀ -> S for S
    declared symmetric, …
    Terminates: every step moves a transpose one level nearer the leaves or removes it."""
    if not isinstance(e, sympy.Transpose):
        return None
    if e.arg in ctx.symmetric:  # any node the caller declares symmetric
        return e.arg
    op = row(e.arg)
    if op is None or op.transpose is None:
        return None
    return op.transpose(e.arg, ctx)


def trace_of_transpose(e, ctx):
    """tr(Aᵀ) -> tr(A).  Shrinks: removes a transpose."""
    if isinstance(e, sympy.Trace) and isinstance(e.arg, sympy.Transpose):
        return sympy.Trace(e.arg.arg)
    return None


def trace_of_scalar_multiple(e, ctx):
    """tr(c A) -> c tr(A) for a scalar c.  Terminates: moves a scalar out of a trace."""
    if isinstance(e, sympy.Trace) and isinstance(e.arg, sympy.MatMul):
        coeff, factors = e.arg.as_coeff_matrices()
        if coeff != 1:
            return coeff * sympy.Trace(matmul(*factors))
    return None


def factor_common(e, ctx):
    """A C + B C -> (A + B) C and C A + C B -> C (A + B), for terms of two or more factors.
    Shrinks: one occurrence of the common factor replaces several."""
    if not isinstance(e, sympy.MatAdd):
        return None
    for side in (-1, 0):
        groups = defaultdict(list)
        for t in e.args:
            coeff, factors = _as_factors(t)
            if len(factors) >= 2:
                groups[factors[side]].append(t)
        for common, terms in groups.items():
            if len(terms) < 2:
                continue
            rests = []
            for t in terms:
                coeff, factors = _as_factors(t)
                rest = factors[:-1] if side == -1 else factors[1:]
                rests.append(matmul(coeff, *rest))
            inner = matadd(rests)
            merged = matmul(inner, common) if side == -1 else matmul(common, inner)
            others = [t for t in e.args if t not in terms]
            return matadd([merged, *others])
    return None


def frechet_is_linear(e, ctx):
    """L_f(X, c E) -> c L_f(X, E) and c L_f(X, E) + d L_f(X, F) -> L_f(X, c E + d F); so in
    each direction of L²_f(X; E, F) (Fréchet derivatives are linear in each direction).
    Shrinks: a scalar moves out, or one node replaces several."""
    if isinstance(e, (Frechet, SecondFrechet)):
        for k in range(2, len(e.args)):
            if isinstance(e.args[k], sympy.MatMul):
                coeff, factors = e.args[k].as_coeff_matrices()
                if coeff != 1:
                    args = (*e.args[:k], matmul(*factors), *e.args[k + 1:])
                    return matmul(coeff, type(e)(*args))
        return None
    if not isinstance(e, sympy.MatAdd):
        return None
    groups = defaultdict(list)
    for t in e.args:
        coeff, factors = _as_factors(t)
        if len(factors) == 1 and isinstance(factors[0], (Frechet, SecondFrechet)):
            L = factors[0]
            for k in range(2, len(L.args)):
                groups[(type(L), L.args[:k], L.args[k + 1:])].append((t, coeff, L.args[k]))
    for (kind, before, after), terms in groups.items():
        if len(terms) >= 2:
            direction = matadd([matmul(coeff, D) for _, coeff, D in terms])
            merged = kind(*before, direction, *after)
            used = [t for t, _, _ in terms]
            return matadd([merged, *(t for t in e.args if t not in used)])
    return None


def _hadamard_factors(t):
    """(c, [F₁, F₂, …]) for a term c F₁ ∘ F₂ ∘ … (a lone matrix is one factor)."""
    coeff, factors = _as_factors(t)
    if len(factors) == 1 and isinstance(factors[0], sympy.HadamardProduct):
        return coeff, list(factors[0].args)
    if coeff == 1:
        return coeff, [t]
    return coeff, [matmul(*factors)] if factors else [t]


def factor_hadamard(e, ctx):
    """A ∘ C + B ∘ C -> (A + B) ∘ C, for terms with a Hadamard factor in common (the
    sum may then collect, (𝟏 − y) ∘ w + y ∘ w -> w).  Shrinks: only applied when the
    result is smaller."""
    if not isinstance(e, sympy.MatAdd):
        return None
    split = [(t, *_hadamard_factors(t)) for t in e.args]
    groups = defaultdict(list)
    for t, coeff, factors in split:
        for f in set(factors):
            groups[f].append((t, coeff, factors))
    for common, members in groups.items():
        if len(members) < 2 or any(len(f) < 2 for _, _, f in members):
            continue  # a lone C would become 𝟏 ∘ C: A − I ∘ A stays as it is
        rests = []
        for _, coeff, factors in members:
            rest = list(factors)
            rest.remove(common)
            rests.append(matmul(coeff, hadamard(*rest)))
        merged = hadamard(matadd(rests), common)
        others = [t for t in e.args if t not in [m[0] for m in members]]
        new = matadd([merged, *others])
        if size(new) < size(e):
            return new
    return None


def sum_of_diagonals(e, ctx):
    """a diag(u) + b diag(v) -> diag(a u + b v).  Shrinks: one diag replaces several."""
    if not isinstance(e, sympy.MatAdd):
        return None
    diagonals = [t for t in e.args if isinstance(_as_factors(t)[1][0], sympy.DiagMatrix)
                 and len(_as_factors(t)[1]) == 1 and _as_factors(t)[1][0].args[0].shape[1] == 1]
    if len(diagonals) < 2:
        return None
    vector = matadd([matmul(_as_factors(t)[0], _as_factors(t)[1][0].args[0])
                     for t in diagonals])
    others = [t for t in e.args if t not in diagonals]
    return matadd([sympy.DiagMatrix(vector), *others])


def factor_scalar(e, ctx):
    """c a A + c b B -> c (a A + b B) for the greatest common factor c ≠ 1 of the
    coefficients (2 W − 2 Y -> 2 (W − Y), det(X) A + det(X) B -> det(X) (A + B),
    −A − B -> −(A + B)).  Shrinks: one coefficient replaces several."""
    if not isinstance(e, sympy.MatAdd):
        return None
    coeffs = [_as_factors(t)[0] for t in e.args]
    common = common_factor(coeffs)
    numerator = sympy.Mul(*[f for f in sympy.Mul.make_args(common)
                            if not (f.is_Pow and f.exp.is_negative)])
    for c in dict.fromkeys((common, numerator)):  # with the denominators, then without
        if all(k.could_extract_minus_sign() for k in coeffs):
            c = -c  # −A − B -> −(A + B)
        if c == 1:
            continue
        inner = [matmul(k / c, *_as_factors(t)[1]) for k, t in zip(coeffs, e.args, strict=True)]
        total = matadd(inner)
        new = sympy.MatMul(c, total) if isinstance(total, sympy.MatAdd) else matmul(c, total)
        if size(new) <= size(e):
            return new
    return None


def hadamard_scalars_out(e, ctx):
    """(c A) ∘ B -> c (A ∘ B), and A ∘ (c B + c C) -> c (A ∘ (B + C)) at once (SymPy
    distributes c over B + C).  Terminates: moves scalars out of a Hadamard product."""
    if not isinstance(e, sympy.HadamardProduct):
        return None
    coeffs, plain = [], []
    for a in e.args:
        c, factors = _as_factors(a)
        if isinstance(a, sympy.MatAdd):
            c, factors = _as_factors(factor_scalar(a, ctx) or a)
        coeffs.append(c)
        plain.append(matmul(*factors) if factors else a)
    if all(c == 1 for c in coeffs):
        return None
    return matmul(sympy.Mul(*coeffs), sympy.HadamardProduct(*plain))


def hadamard_power_of_identity(e, ctx):
    """I∘I∘…∘I = I^∘k -> I.  Shrinks: removes a power."""
    if isinstance(e, sympy.HadamardPower) and isinstance(e.base, sympy.Identity):
        return e.base
    return None


def combine_hadamard_powers(e, ctx):
    """A ∘ A^∘k -> A^∘(k+1), A ∘ A^∘(-1) -> 𝟏 (A^∘(-1) is defined only where A has no zero
    entry, so the value is kept where the expression has one).  Shrinks: one factor
    replaces several."""
    if not isinstance(e, sympy.HadamardProduct):
        return None
    exponents: dict = {}
    for a in e.args:
        base, k = (a.base, a.exp) if isinstance(a, sympy.HadamardPower) else (a, 1)
        exponents[base] = exponents.get(base, 0) + k
    if len(exponents) == len(e.args):
        return None
    factors = [hadamard_power(b, k) for b, k in exponents.items() if k != 0]
    return hadamard(*factors) if factors else sympy.OneMatrix(*e.shape)


def common_factor(coeffs):
    """The greatest common factor of scalar products, read off their factors without
    expanding anything: common_factor([4 a² b, 6 a c]) = 2 a, and for a base only ever in
    denominators the lowest power of it: common_factor([a/b, c/b²]) = 1/b. Positive
    rational part. Sums are not taken as factors: SymPy rewrites c (a + b) in ways that
    need not keep the sum recognisable, and factoring them would not terminate."""
    if any(c == 0 for c in coeffs):
        return sympy.S.One
    numbers, powers = [], []
    for c in coeffs:
        number, rest = c.as_coeff_Mul()
        numbers.append(abs(number))
        found: dict = {}
        for f in sympy.Mul.make_args(rest):
            base, k = f.as_base_exp()
            if k.is_Rational and k != 0 and not isinstance(base, sympy.Add):
                found[base] = found.get(base, 0) + k
        powers.append(found)
    number = reduce(sympy.gcd, numbers) if all(q.is_Rational for q in numbers) else 1
    shared = set(powers[0]).intersection(*powers[1:])
    factors = []
    for b in shared:
        ks = [p[b] for p in powers]
        if all(k > 0 for k in ks):
            factors.append(b ** min(ks))
        elif all(k < 0 for k in ks):  # 1/b divides 1/b and 1/b²
            factors.append(b ** max(ks))
    return sympy.Mul(number, *factors)


def factor_scalar_sum(e, ctx):
    """c a + c b -> c (a + b) for scalars, c the common non-numeric factor
    (det(Y) tr(P)² − det(Y) tr(Q) -> det(Y) (tr(P)² − tr(Q))).  Shrinks: as factor_scalar.
    Numeric factors stay: SymPy distributes them again (2 (a + b) is 2a + 2b)."""
    if not _is_scalar(e, sympy.Add) or not e.has(MatrixExpr):
        return None
    c = common_factor(list(e.args))
    number, c = c.as_coeff_Mul()
    if c == 1:
        return None
    new = sympy.Mul(c, sympy.Add(*[t / c for t in e.args]), evaluate=False)
    return new if size(new) <= size(e) else None


def hadamard_identity_of_transpose(e, ctx):
    """I ∘ Aᵀ -> I ∘ A (the diagonal of Aᵀ is the diagonal of A).  Shrinks: removes a
    transpose."""
    if isinstance(e, sympy.HadamardProduct) and any(isinstance(a, sympy.Identity)
                                                    for a in e.args):
        if any(isinstance(a, sympy.Transpose) for a in e.args):
            return sympy.HadamardProduct(*[a.arg if isinstance(a, sympy.Transpose) else a
                                           for a in e.args]).doit(deep=False)
    return None


def norm_of_gram(e, ctx):
    """‖xᵀx‖ -> xᵀx for a 1 x 1 Gram product (it is not negative).  Shrinks: removes
    the norm."""
    if isinstance(e, Norm) and tuple(e.arg.shape) == (1, 1) and \
            isinstance(e.arg, sympy.MatMul):
        coeff, factors = e.arg.as_coeff_matrices()
        half = len(factors) // 2
        if len(factors) % 2 == 0 and coeff == 1 and \
                [transpose_of(f, ctx) for f in reversed(factors[:half])] == factors[half:]:
            return sympy.Trace(e.arg)
    return None


def transpose_of(M, ctx):
    """Mᵀ with the transpose pushed to the leaves (for comparing factors)."""
    return ctx.simplify(sympy.Transpose(M))


def scalar_out_of_product(e, ctx):
    """A (bᵀ c) D -> (bᵀ c) A D: a 1 x 1 run of factors inside a longer product is a
    scalar, moved to the front.  Terminates: the product loses factors each time."""
    if not isinstance(e, sympy.MatMul):
        return None
    coeff, factors = e.as_coeff_matrices()
    for i, first in enumerate(factors):
        if not _is_one(first.shape[0]):
            continue
        for j in range(i + 1, len(factors)):
            if _is_one(factors[j].shape[1]):
                if j - i + 1 < len(factors):
                    run = matmul(*factors[i:j + 1])
                    return matmul(coeff * sympy.Trace(run), *factors[:i], *factors[j + 1:])
                break
    return None


def _is_one(d) -> bool:  # d == 1 for a dimension without SymPy's == (1 is the one S.One)
    return d is sympy.S.One or (not isinstance(d, sympy.Basic) and d == 1)


def trace_of_identity(e, ctx):
    """tr(Iₙ) -> n, tr(𝟏ₙₓₙ) -> n.  Shrinks: removes a trace."""
    if isinstance(e, sympy.Trace) and isinstance(e.arg, (sympy.Identity, sympy.OneMatrix)):
        return e.arg.shape[0]
    return None


def product_of_ones(e, ctx):
    """𝟏ₘₓₖ 𝟏ₖₓₙ -> k 𝟏ₘₓₙ.  Shrinks: one factor replaces two."""
    def merge(P, Q):
        if isinstance(P, sympy.OneMatrix) and isinstance(Q, sympy.OneMatrix):
            return P.shape[1], sympy.OneMatrix(P.shape[0], Q.shape[1])
        return None
    return _merge_neighbours(e, merge)


def _merge_neighbours(e, merge):
    """A product with its first pair of neighbours P Q that `merge(P, Q)` turns into
    (c, M) replaced by c M; None when there is no such pair."""
    if not isinstance(e, sympy.MatMul):
        return None
    coeff, factors = e.as_coeff_matrices()
    for i in range(len(factors) - 1):
        merged = merge(factors[i], factors[i + 1])
        if merged is not None:
            c, M = merged
            return matmul(coeff * c, *factors[:i], M, *factors[i + 2:])
    return None


def cancel_into_inverse(e, ctx):
    """P Q (R Q)⁻¹ -> P R⁻¹ and (Q R)⁻¹ Q S -> R⁻¹ S, when every factor of the inverted
    product is square (so (R Q)⁻¹ = Q⁻¹ R⁻¹).  Shrinks: removes a factor twice."""
    if not isinstance(e, sympy.MatMul):
        return None
    coeff, factors = e.as_coeff_matrices()
    for i, F in enumerate(factors):
        if not (isinstance(F, sympy.Inverse) and isinstance(F.arg, sympy.MatMul)):
            continue
        c, inner = F.arg.as_coeff_matrices()
        before = i > 0 and factors[i - 1] == inner[-1]
        after = i + 1 < len(factors) and factors[i + 1] == inner[0]
        if c != 1 or not (before or after) or not all(_is_square(Q) for Q in inner):
            continue
        if before:
            return matmul(coeff, *factors[:i - 1], sympy.Inverse(matmul(*inner[:-1])),
                          *factors[i + 1:])
        return matmul(coeff, *factors[:i], sympy.Inverse(matmul(*inner[1:])),
                      *factors[i + 2:])
    return None


def _is_square(M) -> bool:
    rows, cols = M.shape  # dimensions are polynomials in the size symbols
    return rows == cols or sympy.expand(rows - cols) == 0


def product_of_diagonals(e, ctx):
    """diag(a) diag(b) -> diag(a ∘ b).  Shrinks: one factor replaces two."""
    def merge(P, Q):
        if isinstance(P, sympy.DiagMatrix) and isinstance(Q, sympy.DiagMatrix) \
                and P.args[0].shape == Q.args[0].shape:
            product = sympy.HadamardProduct(P.args[0], Q.args[0]).doit(deep=False)
            return sympy.S.One, sympy.DiagMatrix(product)
        return None
    return _merge_neighbours(e, merge)


def diagonal_of_structured(e, ctx):
    """diag(𝟏) -> I, diag(Aᵀ) -> diag(A), diag(I) -> 𝟏 (vector ↔ diagonal matrix).
    Shrinks: removes a node."""
    if isinstance(e, sympy.DiagMatrix) and isinstance(e.args[0], sympy.OneMatrix):
        v = e.args[0]
        return sympy.Identity(v.shape[0] if v.shape[1] == 1 else v.shape[1])
    if isinstance(e, sympy.DiagonalOf):
        if isinstance(e.arg, sympy.Transpose):
            return sympy.DiagonalOf(e.arg.arg)
        if isinstance(e.arg, sympy.Identity):
            return sympy.OneMatrix(e.arg.shape[0], 1)
    if isinstance(e, sympy.DiagonalMatrix):
        return sympy.HadamardProduct(sympy.Identity(e.arg.shape[0]), e.arg)
    return None


def vec_of_unvec(e, ctx):
    """vec(vec⁻¹(v)) -> v, vec⁻¹(vec(A)) -> A, vec(x) -> x for a column x,
    vec⁻¹((A ⊗ B) vec(M)) -> B M Aᵀ, vec⁻¹(K vec(M)) -> Mᵀ.
    Shrinks: removes a node (vec⁻¹ and vec, a Kronecker product becomes a product)."""
    if isinstance(e, Vec):
        if isinstance(e.arg, Unvec):
            return e.arg.arg
        if e.arg.shape[1] == 1:
            return e.arg
    if isinstance(e, Unvec) and isinstance(e.arg, Vec) and e.arg.arg.shape == e.shape:
        return e.arg.arg
    if isinstance(e, Unvec) and isinstance(e.arg, sympy.MatMul):
        M = unvec_seed(e.arg, *e.shape)
        return None if isinstance(M, Unvec) else M
    return None


def sigmoid_of_exp(e, ctx):
    """eᵘ ∘ (𝟏 + eᵘ)^∘−1 -> σ(u), (𝟏 + e⁻ᵘ)^∘−1 -> σ(u) (and the same for scalars).
    Shrinks: one node replaces a quotient of exponentials."""
    if isinstance(e, sympy.HadamardPower) and e.exp == -1:
        u = _one_plus_exp(e.base)
        if u is not None and _as_factors(u)[0].could_extract_minus_sign():
            return elementwise(sigmoid, _negate(u))
    if _is_scalar(e, sympy.Pow) and e.exp == -1:
        u = _one_plus_exp(e.base)
        if u is not None:
            return sigmoid(-u)
    if isinstance(e, sympy.HadamardProduct):
        args = list(e.args)
        for a in args:  # eᵘ ∘ σ(−u) = eᵘ/(1 + eᵘ) = σ(u)
            if isinstance(a, Elementwise) and a.function is sympy.exp:
                partner = elementwise(sigmoid, _negate(a.arg))
                if partner in args:
                    rest = [b for b in args if b not in (a, partner)]
                    return sympy.HadamardProduct(elementwise(sigmoid, a.arg),
                                                 *rest).doit(deep=False)
        for i, a in enumerate(args):
            if isinstance(a, sympy.HadamardPower) and a.exp == -1:
                u = _one_plus_exp(a.base)
                exp_u = elementwise(sympy.exp, u) if u is not None else None
                if exp_u is not None and exp_u in args:
                    rest = [b for j, b in enumerate(args) if j != i and b != exp_u]
                    return sympy.HadamardProduct(elementwise(sigmoid, u), *rest).doit(deep=False)
    if _is_scalar(e, sympy.Mul):
        for a in e.args:
            if isinstance(a, sympy.exp) and sigmoid(-a.args[0]) in e.args:
                rest = [b for b in e.args if b not in (a, sigmoid(-a.args[0]))]
                return sympy.Mul(sigmoid(a.args[0]), *rest)
        for a in e.args:
            if isinstance(a, sympy.Pow) and a.exp == -1:
                u = _one_plus_exp(a.base)
                if u is not None and sympy.exp(u) in e.args:
                    rest = [b for b in e.args if b not in (a, sympy.exp(u))]
                    return sympy.Mul(sigmoid(u), *rest)
    return None


def _negate(M):
    """−M, with a leading −1 removed rather than doubled."""
    coeff, factors = _as_factors(M)
    return matmul(-coeff, *factors)


def _one_plus_exp(Y):
    """u when Y is 1 + exp(u) (scalar) or 𝟏 + exp(u) entrywise; else None."""
    if isinstance(Y, sympy.MatAdd) and len(Y.args) == 2:
        ones = [a for a in Y.args if isinstance(a, sympy.OneMatrix)]
        exps = [a for a in Y.args if isinstance(a, Elementwise) and a.function is sympy.exp]
        if ones and exps:
            return exps[0].arg
    if _is_scalar(Y, sympy.Add) and len(Y.args) == 2 and sympy.S.One in Y.args:
        other = Y.args[0] if Y.args[1] == 1 else Y.args[1]
        if isinstance(other, sympy.exp):
            return other.args[0]
    return None


def sign_over_abs(e, ctx):
    """sign(u) u / |u| -> 1.  Shrinks: removes three factors (u ≠ 0 where f is defined)."""
    if not _is_scalar(e, sympy.Mul):
        return None
    for a in e.args:
        if isinstance(a, sympy.sign):
            u = a.args[0]
            parts = [a, u, 1 / sympy.Abs(u)]
            if all(p in e.args for p in parts):
                return sympy.Mul(*[b for b in e.args if b not in parts])
    return None


def one_minus_sigmoid(e, ctx):
    """1 − σ(u) -> σ(−u), 𝟏 − σ(U) -> σ(−U).  Shrinks: one node replaces a difference."""
    if isinstance(e, sympy.MatAdd) and len(e.args) == 2:
        ones = [a for a in e.args if isinstance(a, sympy.OneMatrix)]
        rest = [a for a in e.args if not isinstance(a, sympy.OneMatrix)]
        if ones and rest:
            coeff, factors = _as_factors(rest[0])
            if coeff == -1 and len(factors) == 1 and isinstance(factors[0], Elementwise) \
                    and factors[0].function is sigmoid:
                return elementwise(sigmoid, matmul(-1, factors[0].arg))
    if _is_scalar(e, sympy.Add) and len(e.args) == 2 and sympy.S.One in e.args:
        other = e.args[0] if e.args[1] == 1 else e.args[1]
        if isinstance(other, sympy.Mul) and other.args[0] == -1 and len(other.args) == 2 \
                and isinstance(other.args[1], sigmoid):
            return sigmoid(-other.args[1].args[0])
    return None


def sigmoid_complement(e, ctx):
    """M ∘ σ(U) + M ∘ σ(−U) -> M and σ(U) + σ(−U) -> 𝟏, after distributing the Hadamard
    products that hold a σ over the sums beside it: (𝟏 − y) ∘ σ(Z w) − y ∘ σ(−Z w) ->
    σ(Z w) − y, the logistic gradient's residual.  Shrinks: only applied when the result
    is smaller."""
    if not isinstance(e, sympy.MatAdd):
        return None
    terms = []  # (coeff, [Hadamard factors]) with the σ-products distributed
    for t in e.args:
        coeff, factors = _hadamard_factors(t)
        sums = [f for f in factors if isinstance(f, sympy.MatAdd)]
        if sums and any(_sigmoid_argument(f) is not None for f in factors):
            rest = list(factors)
            rest.remove(sums[0])
            for s in sums[0].args:
                terms.append(_hadamard_factors(matmul(coeff, hadamard(s, *rest))))
        else:
            terms.append((coeff, factors))
    pairs = _complementary_pairs(terms)
    if not pairs:
        return None
    merged = []
    partners = {j for j, _ in pairs.values()}
    for i, (c, fs) in enumerate(terms):
        if i in partners:
            continue  # merged into its partner
        if i not in pairs:
            merged.append(matmul(c, hadamard(*fs)))
            continue
        k = pairs[i][1]  # only the paired σ(U) goes: M keeps any other σ
        rest = fs[:k] + fs[k + 1:]
        merged.append(matmul(c, hadamard(*rest)) if rest else
                      matmul(c, sympy.OneMatrix(*e.shape)))
    new = matadd(merged, tuple(e.shape))
    return new if size(new) < size(e) else None


def _sigmoid_argument(M):
    """U for an entrywise σ(U), else None."""
    return M.arg if isinstance(M, Elementwise) and M.function is sigmoid else None


def _complementary_pairs(terms) -> dict:
    """{i: (j, k)} for terms i = c M ∘ σ(U) and j = c M ∘ σ(−U), σ(U) being factor k of
    term i; each term in one pair at most, found through a table keyed by the other
    factors: linear in the terms."""
    seen: dict = {}  # (c, other factors, U) -> (a term c M ∘ σ(U) not yet paired, k)
    pairs: dict = {}
    paired: set = set()
    for j, (c, fs) in enumerate(terms):
        for k, f in enumerate(fs):
            U = _sigmoid_argument(f)
            if U is None:
                continue
            rest = tuple(sorted(fs[:k] + fs[k + 1:], key=sympy.default_sort_key))
            found = seen.pop((c, rest, _negate(U)), None)
            if found is not None and found[0] not in paired:
                pairs[found[0]] = (j, found[1])
                paired |= {found[0], j}
                break
            seen.setdefault((c, rest, U), (j, k))
    return pairs


def _is_scalar(e, kind) -> bool:
    """e is a scalar node of the kind (MatAdd and MatMul subclass SymPy's Add and Mul)."""
    return isinstance(e, kind) and not isinstance(e, MatrixExpr)


def _as_factors(t):
    if isinstance(t, sympy.MatMul):
        coeff, factors = t.as_coeff_matrices()
        return coeff, list(factors)
    return sympy.S.One, [t]


RULES = (push_transpose, trace_of_transpose, trace_of_scalar_multiple, trace_of_identity,
         product_of_ones, scalar_out_of_product, cancel_into_inverse, product_of_diagonals,
         diagonal_of_structured, vec_of_unvec, sigmoid_of_exp,
         one_minus_sigmoid, sign_over_abs, hadamard_identity_of_transpose, norm_of_gram,
         frechet_is_linear, factor_common, factor_scalar_sum, factor_scalar, hadamard_scalars_out,
         combine_hadamard_powers, hadamard_power_of_identity, sum_of_diagonals,
         sigmoid_complement, factor_hadamard)


@lru_cache(maxsize=1 << 16)
def size(e) -> int:
    """The number of nodes of an expression tree, a symbol or number counting one: the
    measure of compactness (X⁻ᵀ is 3, BᵀXᵀ + XᵀBᵀ is 11, (XB + BX)ᵀ is 8). Memoised:
    rules compare sizes at every node."""
    if isinstance(e, (sympy.MatrixSymbol, sympy.Symbol, sympy.Number, sympy.Identity,
                      sympy.OneMatrix, sympy.ZeroMatrix)):
        return 1
    return 1 + sum(size(a) for a in e.args)
