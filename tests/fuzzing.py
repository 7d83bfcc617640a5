"""The fuzzer: random well-typed matrix expressions and the oracle that classifies each
derivative matcalc gives for them. Used by tests/test_fuzz.py (a fast profile) and by
benchmarks/soak.py (tens of thousands of examples, counted by outcome and operator).

Expressions are typed by shape: every node is generated for a requested shape, over
dimensions n, m and 1 (square, rectangular, vectors, rows, scalars), with nesting depth
up to MAX_DEPTH. Every operator matcalc differentiates appears: sums, scalar multiples,
products, transposes, inverses, matrix powers (positive and negative), the adjugate,
trace, determinant and log-determinant, the Frobenius norm, Hadamard products and powers,
entrywise functions, diag of a vector and the diagonal of a matrix, Kronecker products,
vec, vec⁻¹, the commutation matrix, identity and ones, scalar functions of traces, the
matrix functions expm, logm and sqrtm, the pseudo-inverse, the spectral functions
eigmax, eigmin (of symmetric matrices), normspec and normnuc, logsumexp and softmax, and
the forms generated code stabilises (log Σ exp, exp/Σ exp, log(1 + eᵘ)).

Arguments of inverses, determinants, logs and negative powers are drawn from forms that are
invertible, resp. positive, at the random values `matcalc.numeric.checking.random_point` gives
(near-identity squares and I + M Mᵀ), so that most examples can be checked at all.

A case is (expression, variable, task, structure). `classify` derives it and returns an
Outcome: "correct" (agrees with central finite differences), "no rule" (a NoRuleError,
allowed, counted by its construct), "over budget" (a LimitError: the work budget ran out,
allowed, counted), "undefined" (the expression itself cannot be evaluated at three random
points, or its derivative does not exist at the point drawn — a repeated eigenvalue, a
rank-deficient argument of normnuc: not a verdict on matcalc, counted), or a failure:
"wrong" (disagrees at every step size) and "crash" (any other exception).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy
from hypothesis import strategies as st
from sympy import (Determinant, DiagMatrix, DiagonalOf, HadamardPower, HadamardProduct, Identity,
                   MatrixExpr, MatrixSymbol, OneMatrix, Rational, Symbol, Trace)

import matcalc
from matcalc.core.functions import FUNCTIONS, sigmoid, softplus
from matcalc.core.nodes import (Adjugate, CommutationMatrix, Elementwise, Norm,
                                SymmetricMatrixSymbol, Unvec, Vec, elementwise, kronecker)
from matcalc.core.spectra import SpectralFunction
from matcalc.numeric.checking import random_point

MAX_DEPTH = 6

n, m = Symbol("n"), Symbol("m")
ONE = sympy.S.One
SCALAR = None

# Leaves, by shape. Variables (any of which a case may differentiate by) and constants.
X = MatrixSymbol("X", n, n)
S = SymmetricMatrixSymbol("S", n, n)
W = MatrixSymbol("W", n, m)
x = MatrixSymbol("x", n, 1)
y = MatrixSymbol("y", m, 1)
t = Symbol("t")
A, B = MatrixSymbol("A", n, n), MatrixSymbol("B", n, n)
P = SymmetricMatrixSymbol("P", n, n)
Q = MatrixSymbol("Q", m, m)
C, D = MatrixSymbol("C", n, m), MatrixSymbol("D", m, n)
a, b = MatrixSymbol("a", n, 1), MatrixSymbol("b", n, 1)
c = MatrixSymbol("c", m, 1)
s = Symbol("s")

VARIABLES = (X, S, W, x, y, t)
LEAVES = {
    (n, n): [X, X, S, A, B, P],
    (n, m): [W, W, C],
    (m, n): [D],
    (m, m): [Q],
    (n, ONE): [x, x, a, b],
    (m, ONE): [y, c],
}
#: Square leaves whose random values are near I or SPD: safe inside an inverse or det.
NEAR_IDENTITY = [X, X, S, A, B, P]
DIMENSIONS = (n, m, ONE)


# --- generators ---------------------------------------------------------------------


def leaf(draw, shape):
    r, col = shape
    if shape in LEAVES:
        return draw(st.sampled_from(LEAVES[shape]))
    if (col, r) in LEAVES:  # a row vector
        return draw(st.sampled_from(LEAVES[(col, r)])).T
    return OneMatrix(r, col)


SCALES = [Rational(1, 2), Rational(-1, 3), 2, -1, 3]
#: Entrywise functions drawn: the scalar-function table's, but for those with a restricted
#: domain (log, sqrt, arcsin, arccos), a pole (tan), a kink (abs) or exponential growth
#: (exp, sinh, cosh overflow when nested; they are drawn scaled, as scalar functions).
UNBOUNDED = {"exp", "sinh", "cosh", "tan", "abs"}
ENTRYWISE = [f.sympy for f in FUNCTIONS if f.domain is None and f.name not in UNBOUNDED]
SCALAR_FUNCTIONS = {
    "sin": sympy.sin, "tanh": sympy.tanh, "sigmoid": sigmoid, "softplus": softplus,
    "exp": lambda u: sympy.exp(u / 8), "sinh": lambda u: sympy.sinh(u / 8),
    "cosh": lambda u: sympy.cosh(u / 8), "sign": sympy.sign,
    "log": lambda u: sympy.log(1 + u**2),
    "sqrt": lambda u: sympy.sqrt(1 + u**2),
    "reciprocal": lambda u: 1 / (1 + u**2),
    "square": lambda u: u**2,
    "cube": lambda u: u**3,
}


@st.composite
def matrix(draw, shape, depth):
    """A matrix expression of the given shape (rows, cols), nested at most `depth` deep."""
    r, col = shape
    if depth == 0:
        return leaf(draw, shape)
    below = depth - 1
    ops = ["leaf", "sum", "scale", "scalar times", "product", "product", "transpose",
           "hadamard", "hadamard power", "entrywise"]
    if r == col and r != ONE:
        ops += ["inverse", "power", "negative power", "adjugate", "diagonal", "diag of vector",
                "identity", "unvec of kron", "transposed by commutation", "matrix function",
                "pseudo-inverse"]
    if r != col and ONE not in shape:
        ops += ["pseudo-inverse"]
    ops += ["softmax", "softmax form"]
    op = draw(st.sampled_from(ops))
    sub = matrix(shape, below)
    if op == "leaf":
        return leaf(draw, shape)
    if op == "sum":
        return draw(sub) + draw(matrix(shape, draw(st.integers(0, below))))
    if op == "scale":
        return draw(st.sampled_from(SCALES)) * draw(sub)
    if op == "scalar times":
        return draw(scalar(draw(st.integers(0, below)))) * draw(sub)
    if op == "product":
        inner = draw(st.sampled_from(DIMENSIONS))
        left = draw(matrix((r, inner), below))
        return left * draw(matrix((inner, col), draw(st.integers(0, below))))
    if op == "transpose":
        return draw(matrix((col, r), below)).T
    if op == "hadamard":
        return HadamardProduct(draw(sub), draw(matrix(shape, draw(st.integers(0, below)))))
    if op == "hadamard power":
        return HadamardPower(draw(sub), draw(st.sampled_from([2, 3])))
    if op == "entrywise":
        return elementwise(draw(st.sampled_from(ENTRYWISE)), draw(sub))
    if op == "inverse":
        return draw(invertible(r, below)).I
    if op == "power":
        return draw(sub) ** draw(st.sampled_from([2, 3]))
    if op == "negative power":
        return draw(invertible(r, below)) ** -2
    if op == "adjugate":
        return Adjugate(draw(invertible(r, below)))
    if op == "diagonal":
        return DiagMatrix(DiagonalOf(draw(sub)))
    if op == "diag of vector":
        return DiagMatrix(draw(matrix((r, ONE), below)))
    if op == "identity":
        return Identity(r) + draw(sub)
    if op == "unvec of kron":  # vec⁻¹((L ⊗ R) vec(M)) = R M Lᵀ
        L, R = draw(matrix(shape, below // 2)), draw(matrix(shape, below // 2))
        return Unvec(kronecker(L, R) * Vec(draw(matrix(shape, below // 2))), r, col)
    if op == "transposed by commutation":  # vec⁻¹(K vec(M)) = Mᵀ
        return Unvec(CommutationMatrix(r, col) * Vec(draw(sub)), col, r)
    if op == "matrix function":  # arguments near I or SPD: logm and sqrtm are defined there
        f = draw(st.sampled_from([matcalc.expm, matcalc.logm, matcalc.sqrtm]))
        argument = draw(near_identity(min(below, 2)) if r == n else invertible(r, below))
        return f(Rational(1, 2) * argument if f is matcalc.expm else argument)
    if op == "softmax":
        return matcalc.softmax(draw(sub))
    if op == "softmax form":  # exp(M) / Σ exp(M): the numerics pass writes softmax(M)
        M = draw(sub)
        total = Trace(OneMatrix(1, r) * matcalc.exp(M) * OneMatrix(col, 1)) if col != ONE \
            else Trace(OneMatrix(1, r) * matcalc.exp(M))
        return matcalc.exp(M) / total
    if op == "pseudo-inverse":  # of full rank at random values
        if r == col:
            return matcalc.pinv(draw(invertible(r, below)))
        leaves = LEAVES[(col, r)] + [M.T for M in LEAVES[(r, col)]]  # Gaussian: full rank
        return matcalc.pinv(draw(st.sampled_from(leaves)))
    raise AssertionError(op)


@st.composite
def invertible(draw, size, depth):
    """A size x size expression invertible (and of positive determinant) at random values:
    a product, sum or inverse of near-identity leaves, or I + M Mᵀ for any M."""
    if draw(st.booleans()) or size != n:
        k = draw(st.sampled_from(DIMENSIONS))
        M = draw(matrix((size, k), max(depth - 1, 0)))
        return Identity(size) + M * M.T
    return draw(near_identity(min(depth, 2)))


@st.composite
def near_identity(draw, depth):
    if depth == 0:
        return draw(st.sampled_from(NEAR_IDENTITY))
    op = draw(st.sampled_from(["leaf", "sum", "product", "transpose", "inverse", "scale"]))
    if op == "leaf":
        return draw(st.sampled_from(NEAR_IDENTITY))
    M = draw(near_identity(depth - 1))
    if op == "sum":
        return M + draw(near_identity(depth - 1))
    if op == "product":
        return M * draw(near_identity(depth - 1))
    if op == "transpose":
        return M.T
    if op == "inverse":
        return M.I
    return Rational(3, 2) * M


@st.composite
def scalar(draw, depth):
    """A scalar expression nested at most `depth` deep."""
    if depth == 0:
        return draw(st.sampled_from([t, t, s]))
    below = depth - 1
    op = draw(st.sampled_from(["trace", "trace", "quadratic form", "bilinear form", "sum of",
                               "det", "logdet", "norm", "norm squared", "function", "sum",
                               "product", "kron trace", "vec form", "leaf", "spectral",
                               "logsumexp", "logsumexp form", "softplus form"]))
    if op == "leaf":
        return draw(scalar(0))
    if op == "trace":
        return Trace(draw(matrix((n, n), below)))
    if op == "quadratic form":
        u = draw(matrix((n, ONE), below // 2))
        return Trace(u.T * draw(matrix((n, n), below)) * u)
    if op == "bilinear form":
        return Trace(draw(matrix((ONE, m), below // 2)) * draw(matrix((m, n), below))
                     * draw(matrix((n, ONE), below // 2)))
    if op == "sum of":  # 𝟏ᵀ M 𝟏
        M = draw(matrix((n, m), below))
        return Trace(OneMatrix(1, n) * M * OneMatrix(m, 1))
    if op == "det":
        return Determinant(draw(invertible(n, below)))
    if op == "logdet":
        return sympy.log(Determinant(draw(invertible(n, below))))
    if op == "norm":
        return Norm(draw(matrix(draw(st.sampled_from([(n, n), (n, m), (n, ONE)])), below)))
    if op == "norm squared":
        return Norm(draw(matrix((n, m), below))) ** 2
    if op == "function":
        return SCALAR_FUNCTIONS[draw(st.sampled_from(sorted(SCALAR_FUNCTIONS)))](
            draw(scalar(below)))
    if op == "sum":
        return draw(scalar(below)) + draw(scalar(draw(st.integers(0, below))))
    if op == "product":
        return draw(scalar(below)) * draw(scalar(draw(st.integers(0, below))))
    if op == "kron trace":
        half = below // 2
        return Trace(kronecker(draw(matrix((n, n), half)), draw(matrix((m, m), half))))
    if op == "vec form":  # vec(M)ᵀ (L ⊗ R) vec(N)
        half = below // 2
        L, R = draw(matrix((m, m), half)), draw(matrix((n, n), half))
        M, N = draw(matrix((n, m), half)), draw(matrix((n, m), half))
        return Trace(Vec(M).T * kronecker(L, R) * Vec(N))
    if op == "logsumexp":
        return matcalc.logsumexp(draw(matrix(draw(st.sampled_from([(n, n), (n, m), (n, ONE)])),
                                             below)))
    if op == "logsumexp form":  # log Σ exp(M): the numerics pass writes logsumexp(M)
        M = draw(matrix((n, ONE), below))
        return sympy.log(Trace(OneMatrix(1, n) * matcalc.exp(M)))
    if op == "softplus form":  # log(1 + eᵘ): the numerics pass writes softplus(u)
        return sympy.log(1 + sympy.exp(draw(scalar(below))))
    if op == "spectral":
        kind = draw(st.sampled_from(["eigmax", "eigmin", "normspec", "normnuc"]))
        if kind in ("eigmax", "eigmin"):  # of a symmetric matrix
            M = draw(matrix((n, n), below))
            return getattr(matcalc, kind)(draw(st.sampled_from([M + M.T, M.T * M, S, P])))
        return getattr(matcalc, kind)(draw(matrix(draw(st.sampled_from([(n, n), (n, m)])),
                                                  below)))
    raise AssertionError(op)


# --- cases --------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """What to derive: task(f, variable, symmetric=…, diagonal=…)."""
    f: sympy.Basic
    variable: sympy.Basic
    task: str               # "grad", "jacobian" or "hessian"
    symmetric: object = None   # None (the symbol's default), False, True or "entries"
    diagonal: bool = False

    @property
    def mode(self):
        """The symmetric convention in force: False, True or "entries"."""
        default = matcalc.core.nodes.is_symmetric_symbol(self.variable)
        return matcalc.calculus.symmetric.convention(
            default if self.symmetric is None else self.symmetric, self.variable)

    def __str__(self):
        options = "".join([f", symmetric={self.symmetric!r}" if self.symmetric is not None
                           else "", ", diagonal=True" if self.diagonal else ""])
        return f"{self.task}({self.f}, {self.variable}{options})"


@st.composite
def structure(draw, variable):
    """symmetric / diagonal options that fit the variable."""
    if variable == S:
        return draw(st.sampled_from([None, "entries"])), False
    if variable == X:
        choice = draw(st.sampled_from([False, False, True, "entries", "diagonal"]))
        return (None, True) if choice == "diagonal" else (choice, False)
    return None, False


def _variables_in(e):
    return [v for v in VARIABLES if e.has(v)]


@st.composite
def cases(draw, tasks=("grad", "jacobian", "hessian")):
    """A Case: a random expression, one of its variables, a task that fits its shape."""
    task = draw(st.sampled_from(tasks))
    # second derivatives: keep the expression smaller
    depth = draw(st.integers(1, 4 if task == "hessian" else MAX_DEPTH))
    if task == "jacobian":
        shape = draw(st.sampled_from([(n, n), (n, m), (m, n), (n, ONE), (m, ONE), (ONE, n)]))
        f = draw(matrix(shape, depth))
    else:
        f = draw(scalar(depth))
    variables = _variables_in(f)
    if not variables:
        variable = draw(st.sampled_from(VARIABLES))
    else:
        variable = draw(st.sampled_from(variables))
    symmetric, diagonal = draw(structure(variable))
    return Case(f, variable, task, symmetric, diagonal)


# --- the oracle -----------------------------------------------------------------------

FAILURES = ("wrong", "crash")
#: Finite-difference steps tried in turn: a right formula agrees at one of them, a wrong one
#: at none. The small ones are for fast oscillation (cos((tC)^∘9) needs 1e-7: the soak's one
#: "wrong" was this, the formula right to 10 digits against 50-digit mpmath).
STEPS = (1e-4, 1e-5, 1e-3, 1e-6, 1e-7)


@dataclass
class Outcome:
    kind: str  # "correct", "no rule", "over budget", "undefined", "wrong", "crash"
    construct: str = ""          # for "no rule": the NoRuleError's construct
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.kind in FAILURES


def classify(case: Case) -> Outcome:
    """Derive the case and compare with central finite differences (see module doc)."""
    try:
        return _classify(case)
    except matcalc.NoRuleError as err:
        return Outcome("no rule", err.construct, str(err))
    except matcalc.LimitError as err:
        return Outcome("over budget", detail=str(err))
    except Exception as err:  # noqa: BLE001 (anything else is a failure, reported)
        return Outcome("crash", type(err).__name__, f"{type(err).__name__}: {err}")


def _classify(case: Case) -> Outcome:
    f, v = case.f, case.variable
    options = dict(symmetric=case.symmetric, diagonal=case.diagonal)
    point = _point(f, v, case.mode, case.diagonal)
    if point is None:
        return Outcome("undefined", detail="f cannot be evaluated at three random points")
    if case.task == "hessian":
        G = matcalc.grad(f, v, **options)
        H = matcalc.hessian(f, v, **options)
        verdicts = [(f, G), (G, H)]
    else:
        derive = matcalc.jacobian if case.task == "jacobian" else matcalc.grad
        verdicts = [(f, derive(f, v, **options))]
    for of, derivative in verdicts:
        _printable(derivative)
        try:
            error = _best_error(of, v, derivative, point, options)
        except matcalc.NotDifferentiableError as err:  # f is defined here, f′ is not
            return Outcome("undefined", detail=str(err))
        if error is not None:
            return Outcome("wrong", detail=f"relative error {error:.2e} for {derivative}")
    return Outcome("correct")


def _point(f, v, mode, diagonal):
    """Values at which f evaluates to finite numbers of moderate size (or None)."""
    for seed in range(3):
        values = random_point([f], v, symmetric=mode, diagonal=diagonal, seed=seed)
        try:
            value = np.asarray(matcalc.evaluate(f, values), dtype=float)
        except matcalc.EvaluationError:
            continue
        if np.all(np.abs(value) < 1e8):
            return values
    return None


def _best_error(f, v, derivative, point, options):
    """None when the derivative agrees with finite differences at some step; else the
    smallest relative error seen (a wrong formula disagrees at every step)."""
    errors = []
    for eps in STEPS:
        result = matcalc.check(f, v, derivative=derivative, values=point, eps=eps, **options)
        if result.ok:
            return None
        errors.append(result.relative_error)
    return min(errors)


def _printable(derivative):
    """Every result prints in every notation (a missing printer is a failure)."""
    matcalc.text(derivative)
    matcalc.latex(derivative)
    if isinstance(derivative, matcalc.FourthOrder):
        matcalc.index(derivative)


# --- counting -------------------------------------------------------------------------


def operators(e) -> set[str]:
    """The operators in e, named for counting: "Inverse", "entrywise sin", "log", …"""
    names = set()
    for node in sympy.preorder_traversal(e):
        if isinstance(node, Elementwise):
            names.add(f"entrywise {node.function.__name__}")
        elif isinstance(node, sympy.Function):
            names.add(type(node).__name__)
        elif isinstance(node, (MatrixExpr, Norm, SpectralFunction, sympy.Pow, sympy.Add,
                               sympy.Mul)) and \
                not isinstance(node, MatrixSymbol):
            names.add(type(node).__name__)
    return names
