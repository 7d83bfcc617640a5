"""The few expression nodes SymPy lacks, and small helpers on SymPy matrix expressions.

- `MatrixDifferential`: the differential dX of a matrix variable X; a `MatrixSymbol` of X's
  shape named "d" + X's name that never equals a user's symbol of the same name.
- `ScalarDifferential`: the same for a scalar variable t (dt).
- `Vec`: vec(A), the columns of A stacked into one column (m n x 1).
- `CommutationMatrix`: K_{m,n}, the mn x mn permutation with K_{m,n} vec(A) = vec(Aᵀ)
  for A of shape m x n (Magnus & Neudecker).

Nothing here changes the value of an expression.
"""

from __future__ import annotations

import sympy
from sympy import Basic, Expr, MatrixExpr, MatrixSymbol, Symbol


class MatrixDifferential(MatrixSymbol):
    """dX: the differential of the matrix variable X (shape of X, name "d" + X.name)."""

    @classmethod
    def of(cls, X: MatrixSymbol) -> MatrixDifferential:
        return cls("d" + X.name, *X.shape)


class ScalarDifferential(Symbol):
    """dt: the differential of a scalar variable t."""

    @classmethod
    def of(cls, t: Symbol) -> ScalarDifferential:
        return cls("d" + t.name, commutative=True)


def differential_of(X):
    """dX for a matrix variable X, dt for a scalar variable t."""
    if isinstance(X, MatrixSymbol):
        return MatrixDifferential.of(X)
    return ScalarDifferential.of(X)


class Vec(MatrixExpr):
    """vec(A): the columns of A (m x n) stacked into one column of length m n."""

    def __new__(cls, arg):
        arg = sympy.sympify(arg)
        if not isinstance(arg, MatrixExpr):
            raise TypeError("vec takes a matrix expression")
        return Basic.__new__(cls, arg)

    @property
    def arg(self):
        return self.args[0]

    @property
    def shape(self):
        m, n = self.arg.shape
        return (m * n, sympy.S.One)


class CommutationMatrix(MatrixExpr):
    """K_{m,n}: the mn x mn permutation with K_{m,n} vec(A) = vec(Aᵀ), A of shape m x n."""

    def __new__(cls, m, n):
        return Basic.__new__(cls, sympy.sympify(m), sympy.sympify(n))

    @property
    def shape(self):
        m, n = self.args
        return (m * n, m * n)


def is_matrix(expr) -> bool:
    """True for a SymPy matrix expression (including 1 x 1 ones)."""
    return isinstance(expr, MatrixExpr)


def is_one_by_one(expr) -> bool:
    return is_matrix(expr) and tuple(expr.shape) == (1, 1)


def as_scalar(M: MatrixExpr) -> Expr:
    """A 1 x 1 matrix expression as a scalar: tr(M) (printers show it without "tr")."""
    assert is_one_by_one(M), M
    if isinstance(M, sympy.Identity):
        return sympy.S.One
    if isinstance(M, sympy.ZeroMatrix):
        return sympy.S.Zero
    return sympy.Trace(M)


def matmul(*factors):
    """The canonical product (scalars first, identities dropped, powers merged)."""
    factors = [f for f in factors if not (isinstance(f, (int, sympy.Integer)) and f == 1)]
    if not factors:
        return sympy.S.One
    if len(factors) == 1:
        return factors[0]
    if not any(is_matrix(f) for f in factors):
        return sympy.Mul(*factors)
    return sympy.MatMul(*factors).doit(deep=False)


def matadd(terms, shape=None):
    """The canonical sum of matrix (or scalar) terms; `shape` gives the zero of an empty sum."""
    terms = list(terms)
    if not terms:
        if shape is None:
            return sympy.S.Zero
        return sympy.ZeroMatrix(*shape)
    if len(terms) == 1:
        return terms[0]
    if not any(is_matrix(t) for t in terms):
        return sympy.Add(*terms)
    return sympy.MatAdd(*terms).doit(deep=False)


def transpose(M):
    """Mᵀ for a matrix, M itself for a scalar."""
    return sympy.Transpose(M) if is_matrix(M) else M
