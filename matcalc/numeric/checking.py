"""Numeric verification of derivatives by central finite differences: `check`.

Contract: `check(f, X, ...)` evaluates a derivative (matcalc's own, or one you pass) at
random well-conditioned values and compares it entry by entry with central differences
(f(X + εV) − f(X − εV)) / 2ε along basis directions V, improved by one Richardson step
(4 D(ε/2) − D(ε)) / 3, whose error is O(ε⁴). It never changes its inputs.

Directions: E_kl for a general X; for symmetric X the symmetric basis
(E_kl + E_lk)/2 (k ≠ l) and E_kk for `symmetric=True` — whose differences equal sym(G)_kl
— and E_kl + E_lk, E_kk for `symmetric="entries"`, whose differences are the partial
derivatives by the independent entries; E_kk alone for `diagonal=True` (the other
entries of the difference quotient are zero).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy
from sympy import MatrixExpr, MatrixSymbol, Symbol

from ..calculus.fourth_order import FourthOrder
from ..calculus.gradients import grad, jacobian, variable
from ..calculus.symmetric import convention
from ..core.errors import EvaluationError, ShapeError, VariableError
from ..core.limits import bounded
from ..core import functions
from ..core.nodes import Elementwise, MatrixDifferential, Norm, is_symmetric_symbol, sympified
from .evaluation import dimension_size, evaluate, matrix_value

#: Sizes given to symbolic dimensions, in order of their names (distinct, to catch
#: transposition mistakes that square inputs of one size would hide).
DEFAULT_SIZES = (3, 4, 2, 5, 6)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of `check`: the largest error and whether it is within tolerance."""
    max_error: float          # max |derivative − finite difference|
    scale: float              # max(1, max |finite difference|)
    tolerance: float
    derivative: object        # the derivative that was checked
    values: dict = field(repr=False)   # the point: name -> array

    @property
    def relative_error(self) -> float:
        return self.max_error / self.scale

    @property
    def ok(self) -> bool:
        return self.relative_error <= self.tolerance

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "MISMATCH"
        return (f"{verdict}: max error {self.max_error:.2e} "
                f"(relative {self.relative_error:.2e}, tolerance {self.tolerance:.0e})")


@bounded
def check(f, X, *, symmetric=None, diagonal=False, derivative=None, values=None, dims=None,
          seed: int = 0, eps: float = 1e-4, tolerance: float = 1e-6,
          domain_of=None) -> CheckResult:
    """Compare a derivative of f by X with central finite differences at random values.

    f: scalar (checks a gradient) or matrix (checks a Jacobian).
    symmetric: as for `grad`/`jacobian`; X then gets a symmetric positive definite value.
    diagonal: as for `grad`/`jacobian`; only the diagonal of X is perturbed.
    derivative: the formula to check; default: matcalc's own `grad`/`jacobian`.
    values: fixed values for some symbols (name -> array); the rest are random.
    dims: sizes for symbolic dimensions (name or Symbol -> int).
    seed, eps, tolerance: random seed, step, and relative tolerance.
    domain_of: another expression whose domain the random values respect too (for a
    Hessian, checked as the Jacobian of the gradient: the function itself).
    The random values keep the arguments of abs, sign, relu and step away from 0, their
    kink, where the derivative is taken as 0 and differences would straddle the kink.

    >>> import sympy
    >>> from matcalc import check
    >>> X = sympy.MatrixSymbol("X", 3, 3)
    >>> check(sympy.log(sympy.Determinant(X)), X).ok
    True
    """
    f = sympified(f, "check's f")
    X = variable(f, X)
    if not isinstance(X, (MatrixSymbol, Symbol)):
        raise VariableError(f"check: the variable must be a MatrixSymbol, a Symbol or a "
                            f"name; got {type(X).__name__}")
    mode = convention(is_symmetric_symbol(X) if symmetric is None else symmetric, X)
    if derivative is not None and not isinstance(derivative, FourthOrder):
        derivative = sympified(derivative, "check's derivative")
    if derivative is None:
        derive = jacobian if _is_matrix_valued(f) else grad
        derivative = derive(f, X, symmetric=mode, diagonal=diagonal)
    point = random_point([f, derivative, X], X, symmetric=mode, diagonal=diagonal,
                         values=values, dims=dims, seed=seed, domain_of=domain_of,
                         margin=KINK_MARGIN_STEPS * eps)
    analytic = np.asarray(evaluate(derivative, point), dtype=float)
    numeric = _finite_differences(f, X, point, "diagonal" if diagonal else mode, eps)
    analytic = _as_layout(analytic, numeric.shape)
    err = float(np.max(np.abs(analytic - numeric))) if numeric.size else 0.0
    scale = max(1.0, float(np.max(np.abs(numeric))) if numeric.size else 1.0)
    return CheckResult(err, scale, tolerance, derivative, point)


@bounded
def check_hvp(f, X, HV, V, *, symmetric=None, diagonal=False, seed: int = 0,
              eps: float = 1e-4, tolerance: float = 1e-6) -> CheckResult:
    """Compare a Hessian-vector product H[V] (`matcalc.hvp`, in the direction symbol V)
    with central differences of the gradient of f along a random direction V (symmetric or
    diagonal where X is), at random values."""
    f = sympified(f, "check's f")
    X = variable(f, X)
    mode = convention(is_symmetric_symbol(X) if symmetric is None else symmetric, X)
    G = grad(f, X, symmetric=mode, diagonal=diagonal)
    point = random_point([f, G, X], X, symmetric=mode, diagonal=diagonal, seed=seed,
                         domain_of=f, margin=KINK_MARGIN_STEPS * eps)
    x0 = np.asarray(point[X.name], dtype=float)
    direction = np.random.default_rng(seed + 1).standard_normal(x0.shape)
    if diagonal:
        direction = np.diag(np.diag(direction))
    elif mode and x0.ndim == 2 and x0.shape[0] == x0.shape[1] and x0.shape[0] > 1:
        direction = (direction + direction.T) / 2
    if isinstance(X, Symbol):
        x0, direction = float(x0), float(direction)
    analytic = np.asarray(evaluate(HV, {**point, V.name: direction}), dtype=float)
    shifted = [np.asarray(evaluate(G, {**point, X.name: x0 + s * eps * direction}), dtype=float)
               for s in (1, -1)]
    numeric = (shifted[0] - shifted[1]) / (2 * eps)
    analytic = _as_layout(analytic, numeric.shape)
    err = float(np.max(np.abs(analytic - numeric))) if numeric.size else 0.0
    scale = max(1.0, float(np.max(np.abs(numeric))) if numeric.size else 1.0)
    return CheckResult(err, scale, tolerance, HV, point)


#: A random point keeps the arguments of abs, sign, relu and step (and of a norm, as a
#: whole) at least this many steps ε away from their kink at 0 (where the differences would
#: straddle it), redrawing at most KINK_DRAWS times.
KINK_MARGIN_STEPS = 100
KINK_DRAWS = 50


def _kink_arguments(f) -> list:
    """(u, whole) for each kink in f: the argument u of abs, sign, relu or step (whole False:
    no entry of u may be near 0) and of a norm (whole True: u itself may not be near 0)."""
    found = []
    for node in sympy.preorder_traversal(f):
        if isinstance(node, Norm):
            found.append((node.arg, True))
            continue
        if isinstance(node, Elementwise):
            function, u = node.function, node.arg
        elif isinstance(node, sympy.Function) and len(node.args) == 1:
            function, u = node.func, node.args[0]
        else:
            continue
        entry = functions.lookup(function)
        if entry is not None and entry.kink:
            found.append((u, False))
    return found


def _domains(f) -> dict:
    """Symbols that are the argument of a function defined on part of the line (log, arcsin,
    a fractional power): symbol -> the interval to draw its entries from."""
    found = {}
    if f is None:
        return found
    for node in sympy.preorder_traversal(f):
        if isinstance(node, sympy.HadamardPower) or (isinstance(node, sympy.Pow) and
                                                     not isinstance(node, MatrixExpr)):
            u, k = node.args
            domain = functions.POSITIVE if k.is_integer is not True else None
        elif isinstance(node, Elementwise):
            u, domain = node.arg, getattr(functions.lookup(node.function), "domain", None)
        elif isinstance(node, sympy.Function) and len(node.args) == 1:
            u, domain = node.args[0], getattr(functions.lookup(node.func), "domain", None)
        else:
            continue
        if domain is not None and isinstance(u, (MatrixSymbol, Symbol)):
            found[u] = domain.sample
    return found


def _near_a_kink(arguments, point, margin) -> bool:
    for u, whole in arguments:
        try:
            value = np.abs(np.asarray(evaluate(u, point), dtype=float))
        except EvaluationError:
            return False  # reported by the check itself
        if (np.sqrt(np.sum(value ** 2)) if whole else np.min(value, initial=np.inf)) < margin:
            return True
    return False


def _is_matrix_valued(f) -> bool:
    return isinstance(f, MatrixExpr) and tuple(f.shape) != (1, 1)


def _as_layout(analytic, shape):
    """Reshape a vector-by-vector Jacobian matrix (p x r) to the (p, 1, r, 1) layout."""
    if analytic.shape == shape:
        return analytic
    if analytic.size == int(np.prod(shape)):
        return analytic.reshape(shape)
    raise ShapeError(f"the derivative has shape {analytic.shape}; expected {shape} (the "
                     "shape of f followed by the shape of the variable)")


#: Largest matrix a random point is drawn for, and largest variable differentiated
#: numerically (two evaluations per entry).
MAX_ENTRIES = 10**6
MAX_CHECKED_ENTRIES = 2500


def _finite_differences(f, X, point, mode, eps):
    """Central differences of f along the basis directions of X's space (see module doc)."""
    def value(x):
        return np.asarray(evaluate(f, {**point, X.name: x}), dtype=float)

    def derivative_along(x0, V):
        def central(h):
            return (value(x0 + h * V) - value(x0 - h * V)) / (2 * h)
        return (4 * central(eps / 2) - central(eps)) / 3

    x0 = np.asarray(point[X.name], dtype=float)
    if x0.size > MAX_CHECKED_ENTRIES:
        raise EvaluationError(f"{X.name} has {x0.size} entries: too many to differentiate by "
                              f"finite differences (at most {MAX_CHECKED_ENTRIES}); check at "
                              "a smaller size (dims=)")
    if np.ndim(x0) == 0:
        return derivative_along(x0, 1.0)
    out = np.zeros(value(x0).shape + x0.shape)
    rows, cols = x0.shape
    for k in range(rows):
        for l in range(cols):
            if mode == "diagonal" and k != l:
                continue  # not a free entry: the derivative's entry is zero
            out[(...,) + (k, l)] = derivative_along(x0, _direction(k, l, x0.shape, mode))
    return out


def _direction(k, l, shape, mode):
    V = np.zeros(shape)
    if mode is False or mode == "diagonal" or k == l:
        V[k, l] = 1.0
    else:
        w = 0.5 if mode is True else 1.0
        V[k, l] = V[l, k] = w
    return V


def random_point(exprs, X, *, symmetric=False, diagonal=False, values=None, dims=None,
                 seed=0, domain_of=None, margin=KINK_MARGIN_STEPS * 1e-4) -> dict:
    """Random values (name -> array/float) for every symbol in `exprs`, and the sizes
    chosen for symbolic dimensions (name -> int): inside the domains of the functions in
    `exprs` (and in `domain_of`), and at least `margin` away from the kinks of abs, sign,
    relu, step and norms in `exprs` (drawing again, at most KINK_DRAWS times).
    """
    expressions = [e for e in exprs if not isinstance(e, FourthOrder)]
    domains = {}
    for e in [*expressions, domain_of]:
        domains |= _domains(e)
    kinks = [k for e in expressions for k in _kink_arguments(e)]
    for draw in range(KINK_DRAWS if kinks else 1):
        point = _draw(exprs, X, symmetric=symmetric, diagonal=diagonal, values=values,
                      dims=dims, seed=seed + 7919 * draw, domains=domains)
        if not _near_a_kink(kinks, point, margin):
            break
    return point


def _draw(exprs, X, *, symmetric, diagonal, values, dims, seed, domains) -> dict:
    """One random point (see `random_point`).

    Square matrices get I + ½ R/√n (well conditioned, positive determinant, not symmetric);
    a symmetric variable X and every SymmetricMatrixSymbol get R Rᵀ/n + I (symmetric
    positive definite); a diagonal variable a diagonal in [0.5, 1.5]; other matrices and
    vectors get standard normal entries; scalars are uniform in [0.5, 1.5]. A symbol of
    `domains` (symbol -> (low, high), the argument of log, arcsin, a fractional power) gets
    entries uniform in that interval (plus n I for a square matrix in (0, ∞), which keeps it
    well conditioned; symmetric where it must be).
    """
    rng = np.random.default_rng(seed)
    values = dict(values or {})
    matrices = {X} if isinstance(X, MatrixSymbol) else set()
    scalars = set()
    for e in exprs:
        if isinstance(e, FourthOrder):
            matrices |= e.matrix_symbols()
            continue
        matrices |= e.atoms(MatrixSymbol)
        scalars |= {s for s in e.free_symbols if isinstance(s, Symbol)}
    matrices = {M for M in matrices if not isinstance(M, MatrixDifferential)}
    for M in matrices:  # given values in the form evaluate uses (1-D -> column, …)
        if M.name in values:
            values[M.name] = matrix_value(M, values[M.name])
    sizes = _dimension_sizes(matrices, dims, values)
    given = {str(k): v for k, v in (dims or {}).items()}
    shape_symbols = {s for e in exprs if not isinstance(e, FourthOrder)
                     for node in sympy.preorder_traversal(e) if isinstance(node, MatrixExpr)
                     for d in node.shape for s in sympy.sympify(d).free_symbols}
    for s in sorted(shape_symbols - set(sizes), key=lambda s: s.name):  # only in I(m) & co.
        sizes[s] = dimension_size(s.name, given.get(s.name, DEFAULT_SIZES[0]))
    for s in sorted(scalars - _dimension_symbols(matrices) - shape_symbols,
                    key=lambda s: s.name):
        if s.name not in values:
            values[s.name] = float(rng.uniform(*domains.get(s, (0.5, 1.5))))
    for M in sorted(matrices, key=lambda M: M.name):
        if M.name in values:
            continue
        rows, cols = (int(sympy.sympify(d).subs(sizes)) for d in M.shape)
        if rows * cols > MAX_ENTRIES:
            raise EvaluationError(f"{M.name} is {rows} x {cols}: too large for a numeric "
                                  f"check (at most {MAX_ENTRIES} entries); check at a "
                                  "smaller size")
        R = rng.standard_normal((rows, cols))
        if M in domains and not (M == X and diagonal):
            U = rng.uniform(*domains[M], (rows, cols))
            if (M == X and symmetric is not False) or is_symmetric_symbol(M):
                U = (U + U.T) / 2
            square = rows == cols and rows > 1 and domains[M][0] > 0  # stays in (0, ∞)
            values[M.name] = U + rows * np.eye(rows) if square else U
        elif M == X and diagonal:
            values[M.name] = np.diag(rng.uniform(0.5, 1.5, rows))
        elif (M == X and symmetric is not False) or is_symmetric_symbol(M):
            values[M.name] = R @ R.T / rows + np.eye(rows)
        elif rows == cols and rows > 1:
            values[M.name] = np.eye(rows) + 0.5 * R / np.sqrt(rows)
        else:
            values[M.name] = R
    for d, size in sizes.items():  # so that results free of symbols (I) still evaluate
        values.setdefault(str(d), int(size))
    if isinstance(X, Symbol) and X.name not in values:
        values[X.name] = float(rng.uniform(*domains.get(X, (0.5, 1.5))))
    if isinstance(X, MatrixSymbol) and symmetric is not False:
        x = np.asarray(values[X.name], dtype=float)
        if not np.allclose(x, x.T):
            raise VariableError(f"the value given for {X.name} is not symmetric")
    return values


def _dimension_symbols(matrices) -> set:
    return {s for M in matrices for d in M.shape for s in sympy.sympify(d).free_symbols}


def _dimension_sizes(matrices, dims, values) -> dict:
    given = {sympy.Symbol(str(k)) if isinstance(k, str) else k: dimension_size(str(k), v)
             for k, v in (dims or {}).items()}
    for M in matrices:  # sizes fixed by values given for symbols
        if M.name in values:
            for d, size in zip(M.shape, np.shape(values[M.name]), strict=True):
                if isinstance(d, Symbol):
                    given.setdefault(d, size)
    free = sorted(_dimension_symbols(matrices) - set(given), key=lambda s: s.name)
    for s, size in zip(free, _cycle(DEFAULT_SIZES, len(free)), strict=True):
        given[s] = size
    return given


def _cycle(sizes, k):
    return [sizes[i % len(sizes)] for i in range(k)]
