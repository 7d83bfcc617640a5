"""SymPy's canonical matrix product and sum, built directly where canonicalisation is only
bookkeeping.

`sympy.MatMul(*fs).doit(deep=False)` and `sympy.MatAdd(*ts).doit(deep=False)` run a
rule strategy to a fixed point and re-validate every shape on each step; on the long
products of a gradient (tr(A₁X…A_kX) has k terms of 2k − 1 factors) that is most of a
derivation's time. In the common cases the result is known in one linear pass:

- a product whose factors are plain matrices — after flattening nested products, dropping
  identities and moving scalars to the front, no two neighbours share a base (X X,
  X X⁻¹, Xᵀ X⁻ᵀ) and none is a zero, ones or explicit matrix — is `MatMul(c, F₁, …, F_m)`;
- a sum is its terms flattened, zeros dropped, equal matrix parts collected
  (c A + d A -> (c + d) A) and sorted by `default_sort_key`.

Anything else goes to SymPy, so `matmul` and `matadd` return exactly what SymPy's `doit`
returns; `tests/test_canonical.py` compares the two on every product and sum a
derivation builds.
"""

from __future__ import annotations

import sympy
from sympy import Basic, Expr, MatrixExpr
from sympy.core.sorting import default_sort_key
from sympy.matrices.exceptions import NonInvertibleMatrixError

# Factors SymPy's product rules rewrite (zeros, 𝟏 𝟏ᵀ, explicit and permutation matrices):
# a product holding one goes to SymPy. Identities are dropped here, as SymPy drops them.
_SPECIAL = (sympy.Identity, sympy.ZeroMatrix, sympy.OneMatrix, sympy.MatrixBase,
            sympy.PermutationMatrix, sympy.matrices.expressions.special.GenericIdentity)
_WRAPPERS = (sympy.Transpose, sympy.MatPow)  # Inverse is a MatPow
# Matrix symbols whose transpose and inverse SymPy leaves as they are (a symmetric one's
# transpose evaluates to itself).
_PLAIN_SYMBOLS = (sympy.MatrixSymbol,)


def matmul(*factors):
    """The canonical product (scalars first, identities dropped, powers merged)."""
    factors = [f for f in factors if not (isinstance(f, (int, sympy.Integer)) and f == 1)]
    if not factors:
        return sympy.S.One
    if len(factors) == 1:
        return factors[0]
    if not any(isinstance(f, MatrixExpr) for f in factors):
        return sympy.Mul(*factors)
    quick = _plain_product(factors)
    if quick is not None:
        return quick
    try:
        return sympy.MatMul(*factors).doit(deep=False)
    except TypeError:  # see _is_zero: SymPy's zero test of the scalars failed
        return _scalars_apart(factors)


def matadd(terms, shape=None):
    """The canonical sum of matrix (or scalar) terms; `shape` gives the zero of an empty sum."""
    terms = list(terms)
    if not terms:
        if shape is None:
            return sympy.S.Zero
        return sympy.ZeroMatrix(*shape)
    if len(terms) == 1:
        return terms[0]
    if not any(isinstance(t, MatrixExpr) for t in terms):
        return sympy.Add(*terms)
    quick = _collected_sum(terms)
    if quick is not None:
        return quick
    return sympy.MatAdd(*terms).doit(deep=False)


def _core(f):
    """The matrix under a factor's transposes and powers: X for X, Xᵀ, X⁻¹, (X²)ᵀ, X⁻ᵀ."""
    while isinstance(f, _WRAPPERS):
        f = f.args[0]
    return f


def _plain_product(factors):
    """SymPy's canonical product of `factors` when it only flattens and gathers scalars;
    None when one of its other rules might apply."""
    outer = [f for f in factors if isinstance(f, MatrixExpr)]
    if any((_nested(p) or _nested(q)) and _merge(p, q)
           for p, q in zip(outer, outer[1:], strict=False)):
        return None  # SymPy merges before it flattens: (A B)(A B) -> (A B)²
    scalars, matrices, identities, chain = [], [], [], []
    for f in factors:
        for a in (f.args if isinstance(f, sympy.MatMul) else (f,)):
            if not isinstance(a, Basic):
                return None
            if a.is_Matrix:
                chain.append(a)
                if isinstance(a, sympy.Identity):
                    identities.append(a)  # A I B = A B
                    continue
                if isinstance(a, _SPECIAL + (sympy.MatMul,)) or not isinstance(a, MatrixExpr) \
                        or (isinstance(a, sympy.Inverse) and isinstance(a.arg, sympy.MatMul)):
                    return None
                matrices.append(a)
            else:
                scalars.append(a)
    if not matrices:
        if not identities or any(i != identities[0] for i in identities):
            return None
        matrices = identities[:1]  # c I I = c I
    coeff = sympy.Mul(*scalars)
    if _is_zero(coeff) or coeff.is_commutative is False:
        return None  # 0 A is a zero matrix; SymPy refuses a noncommuting scalar
    if coeff.is_Rational and coeff != 1 and len(matrices) == 1 and \
            isinstance(matrices[0], sympy.MatAdd):
        return None  # SymPy distributes a rational over a sum: 2 (A + B) -> 2 A + 2 B
    shapes = [m.shape for m in (chain if identities else matrices)]
    if any(p[1] != q[0] for p, q in zip(shapes, shapes[1:], strict=False)):
        return None  # SymPy raises the shape error (identities included)
    cores = [_core(m) for m in matrices]
    for i in range(len(matrices) - 1):
        a, b = cores[i], cores[i + 1]
        if (hash(a) == hash(b) and a == b or _inverts_itself(_base(matrices[i + 1]))) \
                and _merge(matrices[i], matrices[i + 1]):
            return None  # X X, X X⁻¹, Xᵀ X⁻ᵀ, (A⁻¹ ⊗ B⁻¹)(A ⊗ B) … merge
    if coeff == 1:
        return matrices[0] if len(matrices) == 1 else Basic.__new__(sympy.MatMul, *matrices)
    return Basic.__new__(sympy.MatMul, coeff, *matrices)


def _merge(A, B) -> bool:
    """Whether SymPy's `combine_powers` merges neighbours A B (into a power or I): both
    square, with the same base or the base of A the inverse of the base of B."""
    if A.is_square is False or B.is_square is False:
        return False
    a, b = _base(A), _base(B)
    if a == b:
        return True
    if isinstance(b, sympy.MatMul) and not (isinstance(a, sympy.MatMul) and
                                            len(a.args) == len(b.args)):
        return False  # (P Q)⁻¹ = Q⁻¹ P⁻¹ has as many factors: no need to form it
    try:
        return b.inverse() == a
    except NonInvertibleMatrixError:
        return False
    except Exception:  # SymPy raises it: leave the product to SymPy
        return True


def _scalars_apart(factors):
    """c · (SymPy's canonical product of the matrices alone), for scalars SymPy cannot
    test for zero."""
    scalars, matrices = [], []
    for f in factors:
        for a in (f.args if isinstance(f, sympy.MatMul) else (f,)):
            (matrices if getattr(a, "is_Matrix", False) else scalars).append(a)
    M = sympy.MatMul(*matrices).doit(deep=False) if len(matrices) > 1 else matrices[0]
    if isinstance(M, sympy.ZeroMatrix):
        return M
    c, rest = M.as_coeff_matrices() if isinstance(M, sympy.MatMul) else (sympy.S.One, [M])
    coeff = sympy.Mul(*scalars) * c
    if coeff == 1:
        return rest[0] if len(rest) == 1 else Basic.__new__(sympy.MatMul, *rest)
    return Basic.__new__(sympy.MatMul, coeff, *rest)


def _is_zero(c) -> bool:
    """c.is_zero, where SymPy's assumption queries on a scalar that holds a matrix sum
    (1 − tanh(log det(I + W Wᵀ))²) can raise TypeError ("Mix of Matrix and Scalar
    symbols"); such a scalar is taken as not known to be zero, as an unknown one is."""
    try:
        return bool(c.is_zero)
    except TypeError:
        return False


def _nested(M) -> bool:
    """A product, or a power of one: SymPy compares it whole with its neighbours."""
    return isinstance(_base(M), sympy.MatMul)


def _base(M):
    """The base of M as `combine_powers` reads it: X for Xᵏ and X⁻¹, else M."""
    return M.args[0] if isinstance(M, sympy.MatPow) else M


def _inverts_itself(M) -> bool:
    """True for a node whose inverse SymPy rewrites (a product, a Kronecker product, a
    block diagonal…): its inverse may equal a neighbour that shares no base with it."""
    return type(M)._eval_inverse is not MatrixExpr._eval_inverse


def _split(term):
    """(c, M) with term = c M: SymPy's `as_coeff_mmul`, without re-validating M."""
    if isinstance(term, sympy.MatMul):
        scalars = [a for a in term.args if not a.is_Matrix]
        if scalars:
            matrices = [a for a in term.args if a.is_Matrix]
            coeff = sympy.Mul(*scalars)
            return coeff, matrices[0] if len(matrices) == 1 else \
                Basic.__new__(sympy.MatMul, *matrices)
    return sympy.S.One, term


def _collected_sum(terms):
    """SymPy's canonical sum of matrix `terms` (flattened, zeros dropped, equal matrix parts
    collected, sorted); None when a collected term is rewritten beyond c M or a sum
    cancels."""
    flat = []
    for t in terms:
        flat.extend(t.args if isinstance(t, sympy.MatAdd) else (t,))
    if not all(isinstance(t, MatrixExpr) for t in flat) or \
            any(isinstance(t, (sympy.MatrixBase, sympy.MatAdd)) or isinstance(t, sympy.MatMul)
                and (len(t.args) < 2 or any(isinstance(a, sympy.MatMul) for a in t.args))
                for t in flat):
        return None  # explicit matrices, or terms not in canonical form: SymPy's rules
    shape = flat[0].shape
    if any(t.shape != shape for t in flat):
        return None  # SymPy raises the shape error
    nonzero = [t for t in flat if not isinstance(t, sympy.ZeroMatrix)]
    if not nonzero:
        return flat[0]
    counts: dict = {}
    for t in nonzero:
        coeff, M = _split(t)
        counts[M] = counts[M] + coeff if M in counts else coeff
    collected = []
    for M, coeff in counts.items():
        if coeff == 1:
            collected.append(M)
            continue
        if _is_zero(coeff):
            return None  # A − A: SymPy leaves a zero matrix to drop
        term = _plain_product([coeff, M]) if _settled(coeff) and _settled(M) else None
        if term is None:
            try:
                term = coeff * M  # SymPy's own combine (it also evaluates M)
            except TypeError:  # see _is_zero
                term = _scalars_apart([coeff, M])
        if _split(term) != (coeff, M):
            return None  # evaluating M changed it: it may collect further
        collected.append(term)
    if len(collected) == 1:
        return collected[0]
    return Basic.__new__(sympy.MatAdd, *sorted(collected, key=_sort_key_of_terms()))


def _sort_key_of_terms():
    """default_sort_key for the terms of one sum, each subterm's key computed once.
    SymPy's Expr.sort_key of a matrix expression is (class key, (number of args, the args'
    keys), key of 1, 1), the args of a product ordered by as_ordered_factors (the
    commutative ones sorted, then the matrices in order); it is built here from memoised
    keys for products, transposes, inverses and symbols, and left to SymPy for anything
    else. SymPy's own builds every factor's key anew through default_sort_key, which was
    a sixth of the time of ∂ tr(A₁X…A_kX)/∂X."""
    keys: dict = {}

    def key(e):
        found = keys.get(e)
        if found is None:
            found = keys[e] = _sort_key(e, key)
        return found
    return key


def _sort_key(e, key):
    """Expr.sort_key(e), with `key` for e's args; default_sort_key(e) where e is not a
    matrix expression whose key Expr.sort_key builds this way."""
    if not isinstance(e, MatrixExpr) or type(e).sort_key is not Expr.sort_key or \
            type(e).as_coeff_Mul is not MatrixExpr.as_coeff_Mul or \
            e.is_Pow or e.is_Add or e.is_Dummy or e.is_Atom or \
            e.is_Mul and type(e) is not sympy.MatMul:
        return default_sort_key(e)
    if e.is_Mul:  # Mul.as_ordered_factors
        scalars = sorted((a for a in e.args if a.is_commutative), key=lambda a: a.sort_key())
        args = scalars + [a for a in e.args if not a.is_commutative]
    else:
        args = e.args
    arg_keys = tuple(key(a) for a in args)
    return e.class_key(), (len(arg_keys), arg_keys), _ONE_KEY, sympy.S.One


_ONE_KEY = sympy.S.One.sort_key()


def flip_transpose(M):
    """Mᵀ, with (Aᵀ)ᵀ written A at once (the rule `push_transpose` would in a later pass)."""
    return M.arg if isinstance(M, sympy.Transpose) else Basic.__new__(sympy.Transpose, M)


def _settled(e) -> bool:
    """True when e.doit() is e, known without calling it: numbers and symbols and their
    products and powers; a matrix symbol X; Xᵀ, X⁻¹, X⁻ᵀ, Xᵏ and (Xᵀ)ᵏ of a plain one;
    and a canonical product of those. (SymPy's c * M evaluates M.)"""
    if isinstance(e, (sympy.Number, sympy.Symbol, sympy.MatrixSymbol)):
        return True
    if isinstance(e, (sympy.Mul, sympy.Pow)):
        return all(_settled(a) for a in e.args)
    if isinstance(e, sympy.MatMul):
        return all(_settled_factor(a) for a in e.args) and _plain_product(list(e.args)) == e
    return _settled_factor(e)


def _settled_factor(M) -> bool:
    if isinstance(M, sympy.MatrixSymbol):
        return True
    if isinstance(M, sympy.MatPow) and not (isinstance(M.args[1], sympy.Integer) and
                                            (M.args[1] < -1 or M.args[1] > 1 or
                                             isinstance(M, sympy.Inverse))):
        return False  # X¹ and X⁰ evaluate; so may X^½
    inner = M.args[0] if isinstance(M, sympy.MatPow) else M
    if isinstance(inner, sympy.Transpose):
        inner = inner.arg
    return inner is not M and type(inner) in _PLAIN_SYMBOLS
