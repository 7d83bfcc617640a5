"""Numeric evaluation with NumPy: `evaluate(obj, values)`.

Contract: `values` maps symbol names (str) to arrays or numbers; symbolic dimensions are
read off the arrays (and must agree). Matrices evaluate to 2-D float arrays, scalars to
floats, a `FourthOrder` J to an array of shape F.shape + X.shape with [i, j, k, l] =
∂F_ij/∂X_kl. Each operator owns its rule (`matcalc.ops`, the `evaluate` row); a node without one
raises `NoRuleError`. Evaluation never changes the expression.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy
from sympy import MatrixExpr, MatrixSymbol

from ..calculus.fourth_order import FourthOrder
from ..core.errors import EvaluationError
from ..core.limits import MAX_RESULT_DEPTH, bounded, spend
from ..core.nodes import SymmetricMatrixSymbol, is_spd_symbol, normalise, sympified
from ..core.registry import STAGES, rule_of
from ..core.shapes import validate


class Env:
    """Numeric values of symbols and of the dimensions bound from their shapes."""

    def __init__(self, values: Mapping, expr_symbols):
        if not isinstance(values, Mapping):
            raise EvaluationError("values must be a mapping from names to arrays or numbers; "
                                  f"got {type(values).__name__}")
        self.values: dict = {}
        self.dims: dict = {}
        self.memo: dict = {}  # node -> value
        for name, value in values.items():
            self.values[str(name)] = value
        for M in sorted(expr_symbols, key=lambda s: s.name):
            self._bind(M)
        for d, (size, source) in list(self.dims.items()):  # n given and read off a shape
            if d.name in self.values and dimension_size(d.name, self.values[d.name]) != size:
                raise EvaluationError(f"dimension {d} is {size} (from {source}) but "
                                      f"{d} = {self.values[d.name]!r} was given")

    def _bind(self, M: MatrixSymbol) -> None:
        if M.name not in self.values:
            return
        a = matrix_value(M, self.values[M.name])
        if isinstance(M, SymmetricMatrixSymbol) and not np.allclose(a, a.T, rtol=1e-10,
                                                                     atol=1e-12):
            raise EvaluationError(f"{M.name} is declared symmetric; its value is not")
        if is_spd_symbol(M) and a.size and np.linalg.eigvalsh((a + a.T) / 2)[0] <= 0:
            raise EvaluationError(f"{M.name} is declared spd (symmetric positive definite); "
                                  "its value is not positive definite")
        for dim, size in zip(M.shape, a.shape, strict=False):
            self._bind_dim(dim, size, M, a.shape)
        self.values[M.name] = a

    def _bind_dim(self, dim, size, M, shape=None) -> None:
        dim = sympy.sympify(dim)
        if dim.is_Integer:
            if int(dim) != size:
                raise EvaluationError(f"{M.name} is {_dims(M.shape)}; got {size} for {dim}")
            return
        if dim.is_Symbol:
            bound = self.dims.get(dim)
            if bound is not None and bound[0] != size:
                if bound[1] == M.name:  # X is n x n, the value is 2 x 3
                    raise EvaluationError(f"{M.name} is {_dims(M.shape)}; its value has shape "
                                          f"{shape}")
                raise EvaluationError(
                    f"dimension {dim} is {bound[0]} (from {bound[1]}) but {size} from {M.name}")
            self.dims[dim] = (size, M.name)
            return
        known = self.dim(dim)
        if known != size:
            raise EvaluationError(f"{M.name} is {_dims(M.shape)} = {known}; got {size}")

    def dim(self, d) -> int:
        d = sympy.sympify(d)
        for s in d.free_symbols - set(self.dims):
            if s.name in self.values:
                self.dims[s] = (dimension_size(s.name, self.values[s.name]), s.name)
        missing = [s for s in d.free_symbols if s not in self.dims]
        if missing:
            raise EvaluationError(
                f"dimension {missing[0]} is not known from the values given; "
                f"pass it by name, e.g. {{'{missing[0]}': 3}}")
        return int(d.subs({s: v for s, (v, _) in self.dims.items()}))

    def ev(self, e):
        """The value of the subexpression e."""
        return ev(e, self)

    def scalar(self, name: str) -> float:
        """The value given for the scalar symbol `name`; for a dimension used as a number
        (tr(X)/n), its size read off the shapes, as generated code reads it."""
        if name not in self.values:
            size = next((size for d, (size, _) in self.dims.items() if d.name == name), None)
            if size is not None:
                return float(size)
        v = as_real_array(name, self.value(name))
        if v.ndim != 0:
            raise EvaluationError(f"{name} is a scalar; got an array of shape {v.shape}")
        return float(v)

    def value(self, name: str):
        if name not in self.values:
            raise EvaluationError(f"no value given for {name}")
        return self.values[name]


def _dims(shape) -> str:
    return " x ".join(map(str, shape))


def as_real_array(name: str, value) -> np.ndarray:
    """value as a finite real float array, or EvaluationError saying what is wrong."""
    try:
        a = np.asarray(value)
    except Exception as err:  # ragged nesting and the like
        raise EvaluationError(f"the value of {name} is not an array: {err}") from None
    if a.dtype.kind == "c":
        raise EvaluationError(f"the value of {name} is complex; matcalc evaluates real values")
    if a.dtype.kind not in "biuf":
        raise EvaluationError(f"the value of {name} must be numbers; got {a.dtype} data")
    a = a.astype(float)
    if not np.all(np.isfinite(a)):
        raise EvaluationError(f"the value of {name} has non-finite entries (NaN or inf)")
    return a


def matrix_value(M: MatrixSymbol, value) -> np.ndarray:
    """The value of M as a 2-D real array; a 1-D array is a column (or a row, for a row
    vector M), a number a 1 x 1 matrix."""
    a = as_real_array(M.name, value)
    if a.size == 0:
        raise EvaluationError(f"{M.name} is empty (shape {a.shape})")
    if a.ndim == 1 and M.shape[1] == 1:
        a = a.reshape(-1, 1)
    elif a.ndim == 1 and M.shape[0] == 1:
        a = a.reshape(1, -1)
    elif a.ndim == 0 and M.shape == (1, 1):
        a = a.reshape(1, 1)
    if a.ndim != 2:
        raise EvaluationError(f"{M.name} is a {_dims(M.shape)} matrix; "
                              f"got an array of shape {a.shape}")
    return a


def dimension_size(name: str, value) -> int:
    """A dimension given by name: a positive integer."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) and not (
            isinstance(value, float) and value.is_integer()):
        raise EvaluationError(f"dimension {name} must be a positive integer; got {value!r}")
    if int(value) < 1:
        raise EvaluationError(f"dimension {name} must be a positive integer; got {value!r}")
    return int(value)


@bounded(bound=MAX_RESULT_DEPTH)
def evaluate(obj, values: Mapping):
    """The numeric value of an expression or a FourthOrder at `values` (name -> array).

    Dimensions are read off the arrays; a dimension no array fixes may be given by name
    ({"n": 3}). Vectors are columns of shape (n, 1) (1-D arrays are taken as columns).

    >>> import numpy as np, sympy
    >>> from matcalc import evaluate
    >>> X = sympy.MatrixSymbol("X", sympy.Symbol("n"), sympy.Symbol("n"))
    >>> evaluate(sympy.Trace(X.I), {"X": np.diag([1.0, 2.0, 4.0])})
    1.75
    """
    if not isinstance(obj, FourthOrder):
        obj = sympified(obj, "evaluate's argument")
        validate(obj)
        obj = normalise(obj)
    symbols = _matrix_symbols(obj)
    _check_unique_names(symbols | _scalar_symbols(obj))
    env = Env(values, symbols)
    with np.errstate(all="ignore"):  # non-finite results are reported below, as errors
        try:
            result = _ev_fourth_order(obj, env) if isinstance(obj, FourthOrder) else \
                ev(obj, env)
        except OverflowError:
            raise EvaluationError("the value overflows floating point") from None
        except EvaluationError:  # matcalc's own, already saying what and where
            raise
        except (np.linalg.LinAlgError, TypeError, ValueError) as err:  # NumPy's own errors
            raise EvaluationError(f"numeric evaluation failed: {err}") from None
    if not isinstance(result, np.ndarray):
        result = _real(result)
    elif np.iscomplexobj(result):
        if np.any(np.abs(result.imag) > 1e-12 * max(1.0, float(np.max(np.abs(result))))):
            raise EvaluationError("the value is complex; check the domain (e.g. the square "
                                  "root or log of a negative value)")
        result = result.real
    if not np.all(np.isfinite(result)):
        raise EvaluationError("the value is not finite (overflow, or an undefined operation "
                              "such as 0/0)")
    return result


def _scalar_symbols(obj) -> set:
    return set() if isinstance(obj, FourthOrder) else obj.free_symbols - obj.atoms(MatrixSymbol)


def _check_unique_names(symbols) -> None:
    seen: dict = {}
    for s in symbols:
        other = seen.setdefault(s.name, s)
        if other != s:
            raise EvaluationError(f"two different symbols are named {s.name} "
                                  f"({_describe(other)} and {_describe(s)}); values are "
                                  "given by name")


def _describe(s) -> str:
    return _dims(s.shape) if isinstance(s, MatrixExpr) else "scalar"


def _matrix_symbols(obj):
    if isinstance(obj, FourthOrder):
        return obj.matrix_symbols()
    return sympy.sympify(obj).atoms(MatrixSymbol)


def _ev_fourth_order(J: FourthOrder, env: Env):
    p, q, r, s = (env.dim(d) for d in J.shape)
    out = np.zeros((p, q, r, s))
    for t in J.terms:
        out += _real(ev(t.coeff, env)) * t.evaluate(lambda M: ev(M, env), env.dim, r, s)
    out = _project(out, J.projection, (2, 3))
    return _project(out, J.left, (0, 1))


def _project(out, projection, axes):
    """out composed with 𝕀ₛ, 2𝕀ₛ − 𝔻 or 𝔻 on the two given axes."""
    if projection is None:
        return out
    swapped = out.swapaxes(*axes)
    shape = [1] * out.ndim
    shape[axes[0]] = shape[axes[1]] = out.shape[axes[0]]
    mask = np.eye(out.shape[axes[0]]).reshape(shape)  # δ on the two axes
    if projection == "symmetric":
        return 0.5 * (out + swapped)
    if projection == "entries":
        return out + swapped - mask * out
    return mask * out


def _real(x):
    x = complex(x) if not isinstance(x, (float, int)) else x
    if isinstance(x, complex):
        if abs(x.imag) > 1e-12 * max(1.0, abs(x.real)):
            raise EvaluationError(f"the value is complex ({x}); check the domain (e.g. log of "
                                  "a negative determinant)")
        x = x.real
    return float(x)


def ev(e, env: Env):
    """The value of the node e (array for matrices, number for scalars) by its operator's
    `evaluate` row; memoised, so a subexpression shared by many terms of a derivative is
    computed once."""
    value = env.memo.get(e)
    if value is None:
        spend("evaluating")
        value = env.memo[e] = rule_of(e, "evaluate", "numeric rule")(e, env)
    return value


def real(x) -> float:
    """x as a float; EvaluationError when it has an imaginary part."""
    return _real(x)


STAGES["evaluate"] = evaluate

__all__ = ["evaluate"]
