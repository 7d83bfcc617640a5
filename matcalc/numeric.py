"""Numeric evaluation with NumPy: `evaluate(obj, values)`.

Contract: `values` maps symbol names (str) to arrays or numbers; symbolic dimensions are
read off the arrays (and must agree). Matrices evaluate to 2-D float arrays, scalars to
floats, a `FourthOrder` J to an array of shape F.shape + X.shape with [i, j, k, l] =
∂F_ij/∂X_kl. One rule per node on the `ev_rule` table; a node without one raises
`NoRuleError`. Evaluation never changes the expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import singledispatch

import numpy as np
import sympy
from sympy import MatrixExpr, MatrixSymbol

from .errors import EvaluationError, NoRuleError
from .limits import MAX_RESULT_DEPTH, bounded, spend
from .nodes import (Adjugate, CommutationMatrix, DoubleDot, Elementwise, Norm,
                    SymmetricMatrixSymbol, Unvec, Vec, normalise, power_of_base, sigmoid,
                    softplus, sympified)
from .shapes import validate
from .tensor4 import FourthOrder, SquareProduct


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

    def _bind(self, M: MatrixSymbol) -> None:
        if M.name not in self.values:
            return
        a = matrix_value(M, self.values[M.name])
        if isinstance(M, SymmetricMatrixSymbol) and not np.allclose(a, a.T, rtol=1e-10,
                                                                     atol=1e-12):
            raise EvaluationError(f"{M.name} is declared symmetric; its value is not")
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
        c = _real(ev(t.coeff, env))
        if isinstance(t, SquareProduct):
            A, B = ev(t.A, env), ev(t.B, env)
            pattern = "il,jk->ijkl" if t.transposed else "ik,jl->ijkl"
            out += c * np.einsum(pattern, A, B)
        else:
            out += c * np.einsum("ij,kl->ijkl", ev(t.M, env), ev(t.K, env))
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
    """The value of the node e (array for matrices, number for scalars); memoised, so a
    subexpression shared by many terms of a derivative is computed once."""
    value = env.memo.get(e)
    if value is None:
        spend("evaluating")
        value = env.memo[e] = ev_rule(e, env)
    return value


@singledispatch
def ev_rule(e, env):
    raise NoRuleError(f"no numeric rule for {type(e).__name__} (in {e}); "
                      "extend matcalc.numeric.ev_rule",
                      construct=f"evaluation of {type(e).__name__}")


@ev_rule.register(MatrixSymbol)
def ev_matrix_symbol(e, env):
    return env.value(e.name)


@ev_rule.register(sympy.Symbol)
def ev_symbol(e, env):
    v = as_real_array(e.name, env.value(e.name))
    if v.ndim != 0:
        raise EvaluationError(f"{e.name} is a scalar; got an array of shape {v.shape}")
    return float(v)


@ev_rule.register(sympy.Number)
@ev_rule.register(sympy.NumberSymbol)
def ev_number(e, env):
    return float(e)


@ev_rule.register(sympy.core.numbers.ImaginaryUnit)
def ev_imaginary_unit(e, env):
    return 1j


@ev_rule.register(sympy.Identity)
def ev_identity(e, env):
    return np.eye(env.dim(e.shape[0]))


@ev_rule.register(sympy.ZeroMatrix)
def ev_zero(e, env):
    return np.zeros((env.dim(e.shape[0]), env.dim(e.shape[1])))


@ev_rule.register(sympy.OneMatrix)
def ev_ones(e, env):
    return np.ones((env.dim(e.shape[0]), env.dim(e.shape[1])))


@ev_rule.register(sympy.MatAdd)
@ev_rule.register(sympy.Add)
def ev_sum(e, env):
    return sum(ev(a, env) for a in e.args)


@ev_rule.register(sympy.MatMul)
def ev_matmul(e, env):
    coeff, factors = e.as_coeff_matrices()
    mats = [ev(f, env) for f in factors]
    product = mats[0] if len(mats) == 1 else np.linalg.multi_dot(mats)
    return ev(coeff, env) * product


@ev_rule.register(sympy.Mul)
def ev_mul(e, env):
    out = 1.0
    for a in e.args:
        out = out * ev(a, env)
    return out


@ev_rule.register(sympy.Pow)
def ev_pow(e, env):
    base, exp = ev(e.base, env), ev(e.exp, env)
    if _is_real(base) and _is_real(exp):
        if base == 0 and exp < 0:
            raise EvaluationError(f"division by zero in {e}")
        if base < 0 and not float(exp).is_integer():
            return complex(base) ** exp
        return float(base) ** float(exp)
    return complex(base) ** complex(exp)


def _is_real(v) -> bool:
    return not isinstance(v, complex)


@ev_rule.register(sympy.Transpose)
def ev_transpose(e, env):
    return ev(e.arg, env).T


@ev_rule.register(sympy.Inverse)
def ev_inverse(e, env):
    return _inv(ev(e.arg, env), e.arg)


def _inv(A, expr):
    if np.linalg.cond(A) > 1e14:
        raise EvaluationError(f"{expr} is singular (or nearly so) at the given values")
    return np.linalg.inv(A)


@ev_rule.register(sympy.MatPow)
def ev_matpow(e, env):
    A = ev(e.args[0], env)
    k = _real(ev(e.args[1], env))
    if k.is_integer():
        k = int(k)
        return np.linalg.matrix_power(_inv(A, e.args[0]) if k < 0 else A, abs(k))
    return _fractional_power(A, k, e)


def _fractional_power(A, k, e):
    """Aᵏ = V diag(λᵏ) V⁻¹ for non-integer k: the principal power, real eigenvalues > 0."""
    eigenvalues, V = np.linalg.eig(A)
    if np.any(np.abs(eigenvalues.imag) > 1e-12) or np.any(eigenvalues.real <= 0):
        raise EvaluationError(f"{e}: a non-integer power needs real positive eigenvalues")
    V = V.real
    if np.linalg.cond(V) > 1e12:
        raise EvaluationError(f"{e}: the matrix is not diagonalisable at the given values")
    return (V * eigenvalues.real ** k) @ np.linalg.inv(V)


@ev_rule.register(sympy.Trace)
def ev_trace(e, env):
    return float(np.trace(ev(e.arg, env)))


@ev_rule.register(sympy.Determinant)
def ev_determinant(e, env):
    """det(Aᵏ) = det(A)ᵏ: the power is never formed (det of X⁶⁴ formed loses every digit)."""
    A, k = power_of_base(e.arg)
    det = float(np.linalg.det(ev(A, env)))
    if det == 0 and k < 0:
        raise EvaluationError(f"{A} is singular at the given values")
    return det ** k


def log_det(M, env) -> float:
    """log det M from slogdet, log det(Aᵏ) = k log det A: no overflow of det itself."""
    A, k = power_of_base(M)
    sign, log_abs = np.linalg.slogdet(ev(A, env))
    if sign < 0 and k % 2 == 0:
        sign = 1.0  # det(A)ᵏ > 0 for even k
    if sign <= 0:
        raise EvaluationError(f"log of a non-positive determinant in log({sympy.sstr(M)})")
    return float(k * log_abs)


@ev_rule.register(sympy.HadamardProduct)
def ev_hadamard(e, env):
    out = ev(e.args[0], env)
    for a in e.args[1:]:
        out = out * ev(a, env)
    return out


@ev_rule.register(sympy.HadamardPower)
def ev_hadamard_power(e, env):
    return ev(e.base, env) ** ev(e.exp, env)


@ev_rule.register(Adjugate)
def ev_adjugate(e, env):
    A = ev(e.arg, env)
    return np.linalg.det(A) * _inv(A, e.arg)


@ev_rule.register(DoubleDot)
def ev_double_dot(e, env):
    """A : B = Σᵢⱼ Aᵢⱼ Bᵢⱼ"""
    return float(np.sum(np.asarray(ev(e.args[0], env)) * np.asarray(ev(e.args[1], env))))


@ev_rule.register(Norm)
def ev_norm(e, env):
    return float(np.linalg.norm(ev(e.arg, env)))


@ev_rule.register(Elementwise)
def ev_elementwise(e, env):
    A = ev(e.arg, env)
    fn = _NUMPY_FUNCTIONS.get(e.function)
    if fn is None:
        raise NoRuleError(f"no numeric rule for {e.function} applied entrywise (in {e})",
                          construct=f"evaluation of {e.function} entrywise")
    if e.function is sympy.log and np.any(A <= 0):
        raise EvaluationError(f"log of a non-positive entry in {e}")
    if e.function is sympy.sqrt and np.any(A < 0):
        raise EvaluationError(f"square root of a negative entry in {e}")
    return fn(A)


@ev_rule.register(Unvec)
def ev_unvec(e, env):
    m, n = (env.dim(d) for d in e.shape)
    return ev(e.arg, env).reshape(m, n, order="F")


@ev_rule.register(sympy.DiagMatrix)
def ev_diag_matrix(e, env):
    return np.diag(ev(e.args[0], env).ravel())


@ev_rule.register(sympy.DiagonalOf)
def ev_diagonal_of(e, env):
    return np.diag(ev(e.arg, env)).reshape(-1, 1).copy()


@ev_rule.register(sympy.DiagonalMatrix)
def ev_diagonal_matrix(e, env):
    return np.diag(np.diag(ev(e.arg, env)))


@ev_rule.register(sympy.KroneckerProduct)
def ev_kronecker(e, env):
    out = ev(e.args[0], env)
    for a in e.args[1:]:
        out = np.kron(out, ev(a, env))
    return out


@ev_rule.register(Vec)
def ev_vec(e, env):
    return ev(e.arg, env).reshape(-1, 1, order="F")


@ev_rule.register(CommutationMatrix)
def ev_commutation(e, env):
    m, n = env.dim(e.args[0]), env.dim(e.args[1])
    K = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            K[i * n + j, j * m + i] = 1.0  # vec(Aᵀ)[i n + j] = A_ij = vec(A)[j m + i]
    return K


def _sigmoid(x):
    """σ(x) without overflow: e^{min(x,0)} / (1 + e^{−|x|})."""
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


#: NumPy for the common scalar functions (also applied entrywise); others, on scalars only,
#: go through SymPy's own evaluation.
_NUMPY_FUNCTIONS = {
    sympy.exp: np.exp, sympy.log: np.log, sympy.sin: np.sin, sympy.cos: np.cos,
    sympy.tan: np.tan, sympy.tanh: np.tanh, sympy.Abs: np.abs, sympy.sqrt: np.sqrt,
    sympy.sign: np.sign, sigmoid: _sigmoid, softplus: lambda x: np.logaddexp(0, x),
    sympy.sinh: np.sinh, sympy.cosh: np.cosh, sympy.atan: np.arctan, sympy.asin: np.arcsin,
    sympy.acos: np.arccos,
}


@ev_rule.register(sympy.Function)
def ev_function(e, env):
    """Scalar functions: NumPy's where it has them (σ, softplus, exp, log, …), else SymPy's."""
    return _ev_function(e, env)


def _ev_function(e, env):
    if e.func is sympy.log and len(e.args) == 1 and isinstance(e.args[0], sympy.Determinant):
        return log_det(e.args[0].arg, env)
    args = [ev(a, env) for a in e.args]
    if not all(_is_real(a) for a in args):
        raise EvaluationError(f"{e} has a complex argument; check the domain (e.g. the square "
                              "root or log of a negative value)")
    if e.func is sympy.log and len(args) == 1 and args[0] <= 0:
        raise EvaluationError(f"log of a non-positive value in {e} ({args[0]:.3g})")
    fn = _NUMPY_FUNCTIONS.get(e.func)
    if fn is not None and len(args) == 1:
        return fn(args[0])
    value = e.func(*[sympy.Float(a) for a in args]).evalf()
    if not value.is_number:
        raise NoRuleError(f"no numeric rule for the function {e.func} (in {e})",
                          construct=f"evaluation of {e.func}")
    if not value.is_real:
        raise EvaluationError(f"{e} is complex here ({complex(value):.3g}); check the domain")
    return float(value)


__all__ = ["evaluate"]

