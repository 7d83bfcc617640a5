"""The matrix-function table: functions of a square matrix by its power series or Jordan
form, not entry by entry — expm, logm (principal logarithm), sqrtm (principal square root)
— and the node of their Fréchet derivatives.

Contract: `MATRIX_FUNCTIONS` holds one frozen `MatrixFunctionEntry` per function; nothing
else lists their names. `matrix_function(name, X)` builds f(X); `frechet(name, X, E)` builds
L_f(X, E), the Fréchet derivative of f at X in the direction E (d f(X) = L_f(X, dX)), or
its closed form f′(X) c when E = c I (f′(X) commutes with X). Values: SciPy, imported when
first used; the Fréchet derivative by the block identity
f([[X, E], [0, X]]) = [[f(X), L_f(X, E)], [0, f(X)]] (Higham, Functions of Matrices, 2008,
§3.2). At a symmetric S = U diag(λ) Uᵀ, `daleckii_krein(name, S, E)` writes it as
U (F ∘ (Uᵀ E U)) Uᵀ with the Loewner matrix F = `Loewner(name, S)` of divided differences
f[λᵢ, λⱼ] (Daleckiĭ & Kreĭn, 1965; Bhatia, Matrix Analysis, 1997, Theorem V.3.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import sympy
from sympy import Basic, MatrixExpr
from sympy.core.symbol import Str

from .errors import ShapeError
from .nodes import _OfOneMatrix, matmul, sympified
from .registry import InMatcalcNotation


@dataclass(frozen=True)
class MatrixFunctionEntry:
    """One matrix function f.

    name: its name in the input syntax and in Python (matcalc.expm).
    scipy: the function of scipy.linalg computing it.
    derivative: M -> f′(M) as a matrix expression (L_f(M, I) = f′(M)).
    text, latex: how f(A) prints ("{}" stands for the argument; not e^{A} or A^{1/2},
    which read back as entrywise exp and a matrix power).
    code: backend -> the function generated code calls (None: the backend has none).
    divided: (a, b) -> f[a, b] = (f(a) − f(b))/(a − b), f′(a) where a = b, entrywise on NumPy
    arrays, in a form without cancellation; divided_code: the same lines in generated code
    ({xp} the backend's array module; a, b given, `return` the value).
    principal: defined (principal branch) only without eigenvalues on the closed negative
    real axis.
    """
    name: str
    scipy: str
    derivative: Callable
    text: str
    latex: str
    code: dict
    divided: Callable
    divided_code: tuple
    principal: bool = False


class MatrixFunction(InMatcalcNotation, _OfOneMatrix, MatrixExpr):
    """f(A) for a square A as a matrix function (expm, logm, sqrtm); `entry` is set on each
    subclass."""

    entry: MatrixFunctionEntry | None = None

    @cached_property
    def shape(self):
        return self.arg.shape

    def _eval_transpose(self):
        """f(A)ᵀ = f(Aᵀ)"""
        return type(self)(sympy.Transpose(self.arg))


class _FrechetDerivative(InMatcalcNotation, MatrixExpr):
    """A Fréchet derivative of f at X: args (name, X, directions…), of X's shape."""

    def __new__(cls, name, X, *directions):
        name = Str(str(name))  # a name, not a Symbol: no free symbol
        X, *directions = (sympified(a) for a in (X, *directions))
        if not all(isinstance(a, MatrixExpr) for a in (X, *directions)):
            raise ShapeError(f"the Fréchet derivative of {name} takes matrices")
        return Basic.__new__(cls, name, X, *directions)

    @property
    def entry(self) -> MatrixFunctionEntry:
        return BY_NAME[str(self.args[0])]

    @property
    def X(self):
        return self.args[1]

    @cached_property
    def shape(self):
        return self.X.shape

    def _eval_transpose(self):
        """L_f(X, E)ᵀ = L_f(Xᵀ, Eᵀ), and so for L²_f"""
        return type(self)(self.entry.name, *[sympy.Transpose(a) for a in self.args[1:]])


class Frechet(_FrechetDerivative):
    """L_f(X, E): the Fréchet derivative of the matrix function f at X in the direction E.
    Built, it is 0 for E = 0 and f′(X) E where E commutes with X (see `frechet`), also when
    the rewrite rules rebuild it."""

    def __new__(cls, name, X, E):
        closed = _closed_form(str(name), sympified(X), sympified(E))
        return closed if closed is not None else super().__new__(cls, name, X, E)

    @property
    def E(self):
        return self.args[2]


class SecondFrechet(_FrechetDerivative):
    """L²_f(X; E, F): the second Fréchet derivative of f at X in the directions E and F,
    d L_f(X, E) = L_f(X, dE) + L²_f(X; E, dX); symmetric in E and F."""


class Loewner(InMatcalcNotation, MatrixExpr):
    """F_f(S), the Loewner matrix of f at a symmetric S = U diag(λ) Uᵀ: F_ij = f[λᵢ, λⱼ], the
    divided difference (f(λᵢ) − f(λⱼ))/(λᵢ − λⱼ), f′(λᵢ) where λᵢ = λⱼ; λ ascending, as in
    U(S). Symmetric."""

    def __new__(cls, name, S):
        S = sympified(S)
        if not isinstance(S, MatrixExpr):
            raise ShapeError(f"the Loewner matrix of {name} takes a matrix")
        return Basic.__new__(cls, Str(str(name)), S)

    @property
    def entry(self) -> MatrixFunctionEntry:
        return BY_NAME[str(self.args[0])]

    @property
    def arg(self):
        return self.args[1]

    @property
    def name(self) -> str:
        """F_expm, F_logm, F_sqrtm: as it prints (and in messages)."""
        return f"F_{self.entry.name}"

    @cached_property
    def shape(self):
        return self.arg.shape

    def _eval_transpose(self):
        return self


def daleckii_krein(name: str, S, E):
    """L_f(S, E) = U (F ∘ (Uᵀ E U)) Uᵀ at a symmetric S = U diag(λ) Uᵀ, F = F_f(S)
    Daleckiĭ & Kreĭn (1965); Bhatia, Matrix Analysis (1997), Theorem V.3.3."""
    from .spectra import Eigenvectors
    U = Eigenvectors(S)
    inner = matmul(sympy.Transpose(U), E, U)
    return matmul(U, sympy.HadamardProduct(Loewner(name, S), inner), sympy.Transpose(U))


def _divided_exp(a, b):
    """e^max(a,b) (1 − e^−|a−b|)/|a−b|: no overflow before the result, no cancellation"""
    import numpy as np
    gap = np.abs(a - b)
    safe = np.where(gap > 0, gap, 1.0)
    return np.exp(np.maximum(a, b)) * np.where(gap > 0, -np.expm1(-gap) / safe, 1.0)


def _divided_log(a, b):
    """(log a − log b)/(a − b) = (2/(a + b)) atanh(q)/q, q = (a − b)/(a + b), for a, b > 0"""
    import numpy as np
    q = (a - b) / (a + b)
    safe = np.where(q != 0, q, 1.0)
    return 2 / (a + b) * np.where(q != 0, np.arctanh(q) / safe, 1.0)


def _divided_sqrt(a, b):
    """(√a − √b)/(a − b) = 1/(√a + √b)"""
    import numpy as np
    return 1 / (np.sqrt(a) + np.sqrt(b))


def _inverse_square_root(M):
    return matmul(sympy.Rational(1, 2), sympy.Inverse(matrix_function("sqrtm", M)))


#: The table. L_f(M, I) = f′(M): expm′ = expm, logm′(M) = M⁻¹, sqrtm′(M) = ½ sqrtm(M)⁻¹.
MATRIX_FUNCTIONS: tuple = (
    MatrixFunctionEntry("expm", "expm", lambda M: matrix_function("expm", M), "expm({})",
                        r"\operatorname{{expm}}\left({}\right)",
                        {"numpy": "_expm", "jax": "jax.scipy.linalg.expm",
                         "torch": "torch.linalg.matrix_exp"}, _divided_exp,
                        ("gap = {xp}.abs(a - b)", "safe = {xp}.where(gap > 0, gap, 1.0)",
                         "return {xp}.exp({xp}.maximum(a, b)) * {xp}.where(gap > 0, "
                         "-{xp}.expm1(-gap) / safe, 1.0)")),
    MatrixFunctionEntry("logm", "logm", lambda M: sympy.Inverse(M), "logm({})",
                        r"\operatorname{{logm}}\left({}\right)",
                        {"numpy": "_logm", "jax": None, "torch": None}, _divided_log,
                        ("q = (a - b) / (a + b)", "safe = {xp}.where(q != 0, q, 1.0)",
                         "return 2 / (a + b) * {xp}.where(q != 0, {xp}.arctanh(q) / safe, 1.0)"),
                        principal=True),
    MatrixFunctionEntry("sqrtm", "sqrtm", _inverse_square_root, "sqrtm({})",
                        r"\operatorname{{sqrtm}}\left({}\right)",
                        {"numpy": "_sqrtm", "jax": None, "torch": None}, _divided_sqrt,
                        ("return 1 / ({xp}.sqrt(a) + {xp}.sqrt(b))",), principal=True),
)

BY_NAME = {f.name: f for f in MATRIX_FUNCTIONS}

#: One node class per function (Expm, Logm, Sqrtm), as SymPy has one class per function.
NODES = {f.name: type(f.name.capitalize(), (MatrixFunction,), {"entry": f})
         for f in MATRIX_FUNCTIONS}


def matrix_function(name: str, X):
    """f(X) for the matrix function called `name` (expm, logm, sqrtm)."""
    return NODES[name](X)


def frechet(name: str, X, E):
    """L_f(X, E); 0 for E = 0; its closed form f′(X) E where E commutes with X (E = c I,
    X⁻¹, Xᵏ, g(X), their products and sums), since then L_f(X, E) = Σₖ aₖ k Xᵏ⁻¹ E."""
    return Frechet(name, X, E)


def _closed_form(name: str, X, E):
    """0, f′(X) c or f′(X) E for the cases of `frechet`; None otherwise."""
    if isinstance(E, sympy.ZeroMatrix):
        return sympy.ZeroMatrix(*X.shape)
    coeff, factors = (E.as_coeff_matrices() if isinstance(E, sympy.MatMul)
                      else (sympy.S.One, [E]))
    if len(factors) == 1 and isinstance(factors[0], sympy.Identity):
        return matmul(coeff, BY_NAME[name].derivative(X))
    if commutes_with(E, X):
        return matmul(BY_NAME[name].derivative(X), E)
    return None


def commutes_with(E, X) -> bool:
    """True when E is built from X alone (so E X = X E): X, I, X⁻¹, Xᵏ, g(X) for a matrix
    function g, and products, sums and scalar multiples of those."""
    if E == X or isinstance(E, sympy.Identity):
        return True
    if isinstance(E, sympy.Transpose):  # Eᵀ X = X Eᵀ when E Xᵀ = Xᵀ E
        return commutes_with(E.arg, X.arg if isinstance(X, sympy.Transpose) else
                             sympy.Transpose(X))
    if isinstance(E, (sympy.Inverse, sympy.MatPow)):
        return commutes_with(E.args[0], X)
    if isinstance(E, MatrixFunction):
        return commutes_with(E.arg, X)
    if isinstance(E, sympy.MatMul):
        return all(commutes_with(f, X) for f in E.as_coeff_matrices()[1])
    if isinstance(E, sympy.MatAdd):
        return all(commutes_with(t, X) for t in E.args)
    return False


def second_frechet(name: str, X, E, F):
    """L²_f(X; E, F); 0 when a direction is 0."""
    if isinstance(E, sympy.ZeroMatrix) or isinstance(F, sympy.ZeroMatrix):
        return sympy.ZeroMatrix(*X.shape)
    return SecondFrechet(name, X, E, F)


def _python_function(name: str):
    def apply(X):
        """f(X) of a square matrix X (not entrywise)."""
        return matrix_function(name, X)
    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"{name}(X): the matrix function {name} of a square matrix X."
    return apply


#: matcalc.expm, matcalc.logm, matcalc.sqrtm.
PYTHON_FUNCTIONS = {f.name: _python_function(f.name) for f in MATRIX_FUNCTIONS}

#: Helper functions generated NumPy code defines (the module then imports scipy.linalg):
#: f of each matrix in a batch (..., n, n), real for real matrices.
HELPERS = {"numpy": {f"_{f.scipy}": f'def _{f.scipy}(X):\n    """scipy.linalg.{f.scipy} of '
                     f'each matrix of X (..., n, n)."""\n'
                     f"    f = np.vectorize(scipy.linalg.{f.scipy}, signature='(m,m)->(m,m)')\n"
                     f"    return np.real(f(X))\n"
                     for f in MATRIX_FUNCTIONS},
           "jax": {}, "torch": {}}
