"""Code export: a matcalc expression or result as a NumPy, JAX or PyTorch function.

    expression ──canonical──▶ DAG ──lower (matcalc.plan orders every chain)──▶ statements
      ──backend──▶ module source

Contract: the generated function computes what `matcalc.evaluate` computes for the same
values (matrices 2-D, vectors (n, 1) columns, 1 x 1 results as scalars, fourth-order
results as (p, q, r, s) arrays with [i, j, k, l] = ∂F_ij/∂X_kl), by a cheaper plan:

- chains are multiplied in the cheapest order (vectors first), a sum inside a product is
  distributed when that is cheaper ((A + Aᵀ)x → Ax + Aᵀx);
- an inverse that is only multiplied is a `solve`; an inverse needed more than once is
  formed once; log det is `slogdet`; a trace or a diagonal of a product never forms the
  product (tr(AB) = Σ A ∘ Bᵀ);
- det Xᵏ is (det X)ᵏ and log det Xᵏ is k·log|det X| (also through transposes and
  inverses): Xᵏ is never formed for them;
- diag(v)·M is broadcasting, I and 1 are never formed inside products; fourth-order
  results are `einsum`s, never Kronecker products;
- every shared subexpression is computed once and named.

Names are data, never code (matcalc.printing.code_names): one `Namespace` per module gives
out every identifier, a symbol's own name appears only in docstrings, escaped like every
string in generated code by `python_literal`, and `check_module` refuses (as a bug) a module
that is anything but its imports and functions.

JAX computes in float32 unless its 64-bit mode is on: generated JAX code raises then (it
never changes JAX's configuration), and `lambdify` runs it in JAX's thread-local 64-bit mode.
"""

from __future__ import annotations

import linecache
import re
from dataclasses import dataclass, fields, replace
from functools import singledispatchmethod

import sympy
from sympy import MatrixExpr, MatrixSymbol, Symbol

from .. import plan
from ..errors import MatcalcError, NoRuleError, OptionError, VariableError
from ..limits import MAX_RESULT_DEPTH, bounded, spend
from ..nodes import (Adjugate, CommutationMatrix, DoubleDot, Elementwise, Norm, Unvec, Vec,
                     power_of_base,
                     is_one_by_one, normalise, sigmoid, softplus)
from ..tensor4 import DyadicProduct, FourthOrder, SquareProduct, map_factors
from .code_names import (CHECK_LOCALS, CHECK_PARAMETERS, FIXED_NAMES, Namespace, check_module,
                         python_fstring, python_literal)

# Operator precedence of generated Python, low to high.
ADD, MUL, UNARY, POW, ATOM = 1, 2, 3, 4, 5

# Value kinds: a scalar, a dense array, a diagonal matrix kept as its 1-D diagonal, and the
# scaled identity, ones and zero matrices kept as their scalar factor.
SCALAR, DENSE, DIAG, EYE, ONES, ZERO = "scalar", "dense", "diag", "eye", "ones", "zero"

#: Integer matrix powers up to this are written as products (so the plan sees them).
MAX_EXPANDED_POWER = 4


@dataclass(frozen=True)
class Value:
    """Generated code for one node: its text, its kind and shape (() for scalars), the
    precedence of its outermost operator, and, for Mᵀ, the Value of M."""
    code: str
    kind: str
    shape: tuple = ()
    prec: int = ATOM
    transpose_of: Value | None = None
    column: str | None = None   # for a diagonal read off a column v: the code of v

    def wrapped(self, prec: int) -> str:
        return self.code if self.prec >= prec else f"({self.code})"

    def as_column(self) -> str:
        """A diagonal's vector as an (n, 1) column."""
        return self.column or f"{self.wrapped(ATOM)}[:, None]"


def join_product(values, op: str = "*") -> str:
    """a * b * (c * d): Python's * and @ group to the left, so later operands of the same
    precedence are parenthesised."""
    return f" {op} ".join(v.wrapped(MUL) if i == 0 else v.wrapped(MUL + 1)
                          for i, v in enumerate(values))


# --------------------------------------------------------------------------- backends

class NumPyBackend:
    """NumPy: the reference backend. Each method returns code text."""
    name = "numpy"
    xp = "np"
    imports = "import numpy as np"
    keepdims = "keepdims"
    dtype = ""  # the dtype argument of eye / ones / zeros
    #: JAX on CPU multiplies Aᵀv far slower than (vᵀA)ᵀ: rewrite such products.
    transpose_thin_products = False

    def asarray(self, x):
        return f"np.asarray({x}, dtype=float)"

    def scalar_arg(self, x):
        return f"float({x})"

    def eye(self, n):
        return f"{self.xp}.eye({n}{self.dtype})"

    def ones(self, r, c):
        return f"{self.xp}.ones(({r}, {c}){self.dtype})"

    def zeros(self, r, c):
        return f"{self.xp}.zeros(({r}, {c}){self.dtype})"

    def call(self, fn, *args):
        return f"{self.xp}.{fn}({', '.join(args)})"

    def linalg(self, fn, *args):
        return f"{self.xp}.linalg.{fn}({', '.join(args)})"

    def sum_of_products(self, a, b):
        """Σᵢⱼ aᵢⱼ bᵢⱼ (code for two operands already wrapped for a product)."""
        return f"{self.xp}.vdot({a}, {b})"

    def sum_axis(self, x, axis):
        return f"{x}.sum({axis}, {self.keepdims}=True)"

    def diagonal(self, M):
        return f"{self.xp}.diagonal({M})"

    def eigen_power(self):
        return _EIGEN_POWER.format(xp=self.xp)

    def function(self, fn) -> str | None:
        """The name of an entrywise function, or None."""
        if fn is sigmoid:
            return "_sigmoid"
        if fn is softplus:
            return "_softplus"
        return _NUMPY_NAMES.get(fn) and f"{self.xp}.{_NUMPY_NAMES[fn]}"

    def helpers(self) -> dict:
        return {"_sigmoid": _SIGMOID_NUMPY, "_softplus": "def _softplus(x):\n"
                "    return np.logaddexp(0.0, x)\n"}

    def preconditions(self, function: str) -> list[str]:
        """Lines that refuse to run where results could not match NumPy's float64."""
        return []


class JaxBackend(NumPyBackend):
    """JAX computes in float32 unless 64-bit mode is on, ~1e-7 from NumPy: the generated
    functions refuse to run then (saying how to turn it on) rather than change JAX's
    process-wide configuration; `lambdify` runs them in JAX's thread-local 64-bit scope."""
    name = "jax"
    xp = "jnp"
    imports = "import jax\nimport jax.numpy as jnp\nimport numpy as np"
    transpose_thin_products = True

    def asarray(self, x):
        return f"jnp.asarray({x}, dtype=jnp.float64)"

    def scalar_arg(self, x):
        return self.asarray(x)

    def preconditions(self, function):
        # Read when the function runs or is traced: under jax.jit that is at tracing, and
        # JAX keys its compilation cache on the 64-bit mode.
        message = (f"{function} computes in float64, as NumPy does, but JAX is in 32-bit mode "
                   "(results would differ by about 1e-7): run "
                   'jax.config.update("jax_enable_x64", True) at startup, or call '
                   f"{function} inside `with jax.enable_x64(True):`")
        return ["if jax.dtypes.canonicalize_dtype(jnp.float64) != jnp.float64:",
                f"    raise RuntimeError({python_literal(message)})"]

    def function(self, fn):
        if fn is sigmoid:
            return "jax.nn.sigmoid"
        if fn is softplus:
            return "jax.nn.softplus"
        return super().function(fn)

    def helpers(self):
        return {}


class TorchBackend(NumPyBackend):
    name = "torch"
    xp = "torch"
    imports = "import torch"
    keepdims = "keepdim"
    dtype = ", dtype=torch.float64"

    def asarray(self, x):
        return f"torch.as_tensor({x}, dtype=torch.float64)"

    def sum_of_products(self, a, b):
        return f"torch.sum({a} * {b})"

    def scalar_arg(self, x):
        return self.asarray(x)

    def function(self, fn):
        if fn is sigmoid:
            return "torch.sigmoid"
        if fn is softplus:
            return "torch.nn.functional.softplus"
        name = _NUMPY_NAMES.get(fn)
        return name and "torch." + {"arcsin": "asin", "arccos": "acos",
                                    "arctan": "atan"}.get(name, name)

    def helpers(self):
        return {}


BACKENDS = {"numpy": NumPyBackend(), "jax": JaxBackend(), "torch": TorchBackend()}

_NUMPY_NAMES = {
    sympy.exp: "exp", sympy.log: "log", sympy.sin: "sin", sympy.cos: "cos",
    sympy.tan: "tan", sympy.tanh: "tanh", sympy.sinh: "sinh", sympy.cosh: "cosh",
    sympy.Abs: "abs", sympy.sqrt: "sqrt", sympy.sign: "sign", sympy.atan: "arctan",
    sympy.asin: "arcsin", sympy.acos: "arccos",
}

_SIGMOID_NUMPY = '''def _sigmoid(x):
    """σ(x) = 1/(1 + e⁻ˣ) without overflow."""
    return np.exp(np.minimum(x, 0.0)) / (1.0 + np.exp(-np.abs(x)))
'''

_EIGEN_POWER = '''def _power(A, k):
    """Aᵏ = V diag(λᵏ) V⁻¹, the principal power (real positive eigenvalues)."""
    w, V = {xp}.linalg.eig(A)
    return ((V * w ** k) @ {xp}.linalg.inv(V)).real
'''

_COMMUTATION = '''def _commutation(m, n):
    """K with K vec(A) = vec(Aᵀ) for m x n A."""
    K = {xp}.zeros((m * n, m * n){dtype})
    rows = {xp}.arange(m * n)
    cols = (rows % n) * m + rows // n
    {set}
    return K
'''

_PROJECT = '''def _project(J, projection, axes):
    """J composed with 𝕀ₛ ("symmetric"), 2𝕀ₛ − 𝔻 ("entries") or 𝔻 ("diagonal") on axes."""
    swapped = {xp}.swapaxes(J, *axes)
    shape = [1] * J.ndim
    shape[axes[0]] = shape[axes[1]] = J.shape[axes[0]]
    mask = {xp}.eye(J.shape[axes[0]]{dtype}).reshape(shape)
    if projection == "symmetric":
        return 0.5 * (J + swapped)
    if projection == "entries":
        return J + swapped - mask * J
    return mask * J
'''


def _templated(template, backend):
    setter = "K = K.at[rows, cols].set(1.0)" if backend.name == "jax" else "K[rows, cols] = 1.0"
    return template.format(xp=backend.xp, dtype=backend.dtype, set=setter)


# --------------------------------------------------------------------------- lowering

def canonical(e):
    """Transposes outside inverses and powers, so (Xᵀ)⁻¹ and (X⁻¹)ᵀ share X⁻¹."""
    e = e.replace(lambda u: isinstance(u, sympy.Inverse) and isinstance(u.arg, sympy.Transpose),
                  lambda u: sympy.Transpose(sympy.Inverse(u.arg.arg)))
    return e.replace(
        lambda u: isinstance(u, sympy.MatPow) and isinstance(u.args[0], sympy.Transpose),
        lambda u: sympy.Transpose(sympy.MatPow(u.args[0].arg, u.args[1])))


def _small_power(e):
    """(M, k) for M^k with an integer 0 < |k| ≤ MAX_EXPANDED_POWER, else None."""
    if isinstance(e, sympy.MatPow) and e.args[1].is_Integer and \
            0 < abs(int(e.args[1])) <= MAX_EXPANDED_POWER:
        return e.args[0], int(e.args[1])
    return None


def chain_factors(factors) -> list:
    """The factors of a product with small powers written out: X⁻² → X⁻¹, X⁻¹; (X²)ᵀ →
    Xᵀ, Xᵀ. Nested products are flattened."""
    out = []
    for f in factors:
        transposed = isinstance(f, sympy.Transpose)
        inner = f.arg if transposed else f
        power = _small_power(inner)
        if power is not None:
            M, k = power
            base = sympy.Inverse(M) if k < 0 else M
            out += [sympy.Transpose(base) if transposed else base] * abs(k)
        elif isinstance(f, sympy.MatMul):
            coeff, mats = f.as_coeff_matrices()
            assert coeff == 1, f  # SymPy keeps coefficients at the front of a product
            out += chain_factors(mats)
        else:
            out.append(f)
    return out


def _inverse_in_chain(f):
    """(M, transposed) when the chain factor f is M⁻¹ or M⁻ᵀ."""
    if isinstance(f, sympy.Inverse):
        return f.arg, False
    if isinstance(f, sympy.Transpose) and isinstance(f.arg, sympy.Inverse):
        return f.arg.arg, True
    return None


class Survey:
    """Counts of how often each node is used, and of the uses of each inverse, so the
    lowering names shared values and forms an inverse only when it pays."""

    def __init__(self, roots):
        self.uses: dict = {}
        self.inverse_in_chains: dict = {}
        self.inverse_alone: set = set()
        for r in roots:
            self.visit(r)

    def visit(self, e):
        self.uses[e] = self.uses.get(e, 0) + 1
        if self.uses[e] > 1:
            return
        if isinstance(e, sympy.MatMul):
            coeff, matrices = e.as_coeff_matrices()
            for f in chain_factors(matrices):
                found = _inverse_in_chain(f)
                if found:
                    M = found[0]
                    self.inverse_in_chains[M] = self.inverse_in_chains.get(M, 0) + 1
                    self.visit(M)
                else:
                    self.visit(f)
            self.visit(coeff)
            return
        if isinstance(e, sympy.Inverse):
            self.inverse_alone.add(e.arg)
        for a in e.args:
            if isinstance(a, sympy.Basic):
                self.visit(a)

    def form_inverse(self, M) -> bool:
        return M in self.inverse_alone or self.inverse_in_chains.get(M, 0) >= 2


class Lowering:
    """Turns SymPy nodes into statements and Values for one backend. `value(e)` is
    memoised: a node used twice is computed once and named."""

    def __init__(self, backend, names: dict, dims: dict, survey: Survey, scope: Namespace,
                 shared_products: dict | None = None):
        self.b = backend
        self.product_requests: dict = {}   # product key -> how often it was asked for
        self.shared_products = shared_products or {}
        self.products: dict = {}
        self.names = names      # symbol -> identifier
        self.dims = dims        # dimension symbol -> identifier
        self.survey = survey
        self.lines: list[str] = []
        self.memo: dict = {}
        self.helpers: set = set()
        self.scope = scope      # where temporaries are named

    # ---- statements and names
    def bind(self, v: Value, hint: str | None = None) -> Value:
        """v named: a temporary t0, t1, … or the hint (inv_X) made free in the scope."""
        if re.fullmatch(r"[A-Za-z_]\w*|-?[.\d]+(e[-+]?\d+)?", v.code):
            return v
        name = self.scope.temporary() if hint is None else self.scope.fresh(hint)
        self.lines.append(f"{name} = {v.code}")
        return replace(v, code=name, prec=ATOM, transpose_of=None, column=None)

    def dim(self, d) -> str:
        d = sympy.sympify(d)
        if d.is_Integer:
            return str(int(d))
        if d in self.dims:
            return self.dims[d]
        if d.free_symbols <= set(self.dims):
            return "(" + _dim_code(d, self.dims) + ")"
        raise MatcalcError(f"the dimension {d} is not fixed by any argument")

    # ---- the memoised entry point
    def value(self, e) -> Value:
        v = self.memo.get(e)
        if v is None:
            spend("generating code")
            v = self.lower(e)
            if self.survey.uses.get(e, 0) > 1 and v.kind != ZERO:
                v = self.bind(v)
            self.memo[e] = v
        return v

    def dense(self, v: Value) -> Value:
        """v as a dense array (forming a diagonal, identity or ones matrix)."""
        r, c = (self.dim(s) for s in v.shape) if v.shape else (None, None)
        if v.kind == DENSE or v.kind == SCALAR:
            return v
        if v.kind == DIAG:
            return Value(f"{self.b.xp}.diag({v.code})", DENSE, v.shape)
        base = {EYE: self.b.eye(r), ONES: self.b.ones(r, c), ZERO: self.b.zeros(r, c)}[v.kind]
        formed = Value(base, DENSE, v.shape)
        return formed if v.kind == ZERO else scale(v.code, formed)

    @singledispatchmethod
    def lower(self, e) -> Value:
        raise NoRuleError(f"no code rule for {type(e).__name__} (in {e}); "
                          "extend matcalc.printing.code.Lowering.lower",
                          construct=f"code for {type(e).__name__}")

    # ---- leaves
    @lower.register(MatrixSymbol)
    @lower.register(Symbol)
    def _symbol(self, e):
        if e in self.dims and e not in self.names:  # a dimension used as a number
            return Value(self.dims[e], SCALAR)
        if e not in self.names:
            raise VariableError(f"{e} is not among the arguments of the generated function")
        return Value(self.names[e], DENSE if isinstance(e, MatrixExpr) else SCALAR,
                     tuple(e.shape) if isinstance(e, MatrixExpr) else ())

    @lower.register(sympy.Number)
    @lower.register(sympy.NumberSymbol)
    def _number(self, e):
        x = float(e)
        if e.is_Integer:
            return Value(str(int(e)), SCALAR, (), ATOM if e >= 0 else UNARY)
        return Value(repr(x), SCALAR, (), ATOM if x >= 0 else UNARY)

    @lower.register(sympy.Identity)
    def _identity(self, e):
        return Value("1", EYE, tuple(e.shape))

    @lower.register(sympy.ZeroMatrix)
    def _zero(self, e):
        return Value("0", ZERO, tuple(e.shape))

    @lower.register(sympy.OneMatrix)
    def _ones(self, e):
        return Value("1", ONES, tuple(e.shape))

    # ---- scalars
    @lower.register(sympy.Add)
    def _add(self, e):
        return join_sum([self.value(a) for a in _ordered(e.args)])

    @lower.register(sympy.Mul)
    def _mul(self, e):
        coeff, rest = e.as_coeff_Mul()
        factors = [self.value(a) for a in sympy.Mul.make_args(rest)]
        code = join_product(factors)
        v = Value(code, SCALAR, (), MUL if len(factors) > 1 else factors[0].prec)
        return scale(self.value(coeff).code, v) if coeff != 1 else v

    @lower.register(sympy.Pow)
    def _pow(self, e):
        base, k = e.args
        if isinstance(base, Norm) and k.is_even:  # ‖M‖² = M : M, no square root
            M = self.dense(self.value(base.arg))
            sq = self.sum_of_products(M, M)
            return sq if k == 2 else power(sq, self.value(k / 2))
        if k == sympy.S.Half:
            return Value(self.b.call("sqrt", self.value(base).code), SCALAR)
        if k == -1:
            return Value(f"1 / {self.value(base).wrapped(POW)}", SCALAR, (), MUL)
        return power(self.value(base), self.value(k))

    @lower.register(sympy.Function)
    def _function(self, e):
        if e.func is sympy.log and isinstance(e.args[0], sympy.Determinant):
            return self.log_det(e.args[0].arg)
        name = self.b.function(e.func)
        if name is None or len(e.args) != 1:
            raise NoRuleError(f"no code rule for the function {e.func} (in {e})",
                              construct=f"code for {e.func}")
        self._need(name)
        return Value(f"{name}({self.value(e.args[0]).code})", SCALAR)

    def _need(self, name):
        if name in self.b.helpers():
            self.helpers.add(name)

    @lower.register(sympy.Trace)
    def _trace(self, e):
        M = e.arg
        if isinstance(M, sympy.MatAdd):
            return join_sum([self.value(sympy.Trace(t)) for t in M.args])
        if isinstance(M, sympy.MatMul):
            coeff, factors = M.as_coeff_matrices()
            return scale_by(self, coeff, self.chain_contraction(factors, trace=True))
        v = self.value(M)
        if v.kind == DIAG:
            return Value(self.b.call("sum", v.code), SCALAR)
        if v.kind in (EYE, ONES):
            return scale(v.code, Value(self.dim(M.shape[0]), SCALAR))
        if v.kind == ZERO:
            return Value("0.0", SCALAR)
        return Value(self.b.call("trace", v.code), SCALAR)

    @lower.register(sympy.Determinant)
    def _det(self, e):
        base, k = power_of_base(e.arg)
        if base == e.arg:
            return Value(self.b.linalg("det", self.dense(self.value(e.arg)).code), SCALAR)
        det = self.value(sympy.Determinant(base))
        if k == 1:
            return det
        if k == -1:
            return Value(f"1 / {det.wrapped(POW)}", SCALAR, (), MUL)
        return power(det, self.value(sympy.Integer(k)))

    def log_det(self, M) -> Value:
        """log det M from slogdet: log|det M| + log(sign) (NaN for a negative determinant);
        for M = Bᵏ (up to transposes): k·log|det B| + log(signᵏ), never forming Bᵏ."""
        base, k = power_of_base(M)
        s = self.slogdet(base)
        magnitude = scale(str(k), Value(f"{s.code}[1]", SCALAR))
        if k % 2 == 0:  # signᵏ = 1
            return magnitude
        return join_sum([magnitude, Value(f"{self.b.xp}.log({s.code}[0])", SCALAR)])

    def slogdet(self, M) -> Value:
        """(sign, log|det M|) of M, computed once and named."""
        key = ("slogdet", M)
        if key not in self.memo:
            self.memo[key] = self.bind(
                Value(self.b.linalg("slogdet", self.dense(self.value(M)).code), SCALAR),
                self._hint("slogdet", M))
        return self.memo[key]

    def _hint(self, prefix, M) -> str | None:
        return f"{prefix}_{self.names[M]}" if M in self.names else None

    @lower.register(Norm)
    def _norm(self, e):
        return Value(self.b.linalg("norm", self.dense(self.value(e.arg)).code), SCALAR)

    @lower.register(DoubleDot)
    def _double_dot(self, e):
        A, B = (self.dense(self.value(a)) for a in e.args)
        return self.sum_of_products(A, B)

    def sum_of_products(self, A: Value, B: Value) -> Value:
        """A : B = Σᵢⱼ AᵢⱼBᵢⱼ"""
        if A == B:
            A = B = self.bind(A)
        return Value(self.b.sum_of_products(A.wrapped(MUL), B.wrapped(MUL + 1)), SCALAR)

    # ---- matrices
    @lower.register(sympy.MatAdd)
    def _matadd(self, e):
        terms = [self.value(t) for t in _ordered(e.args)]
        terms = [t for t in terms if t.kind != ZERO]
        if not terms:
            return Value("0", ZERO, tuple(e.shape))
        kinds = {t.kind for t in terms}
        if kinds <= {DIAG, EYE}:
            if kinds == {EYE}:
                return Value(join_sum([Value(t.code, SCALAR, (), t.prec)
                                       for t in terms]).code, EYE, tuple(e.shape), ATOM)
            return Value(join_sum([Value(t.code, DENSE, t.shape, t.prec) for t in terms])
                         .code, DIAG, tuple(e.shape), ADD)
        if kinds == {ONES}:
            total = join_sum([Value(t.code, SCALAR, (), t.prec) for t in terms])
            return Value(f"({total.code})" if total.prec < ATOM else total.code, ONES,
                         tuple(e.shape))
        parts = []
        for t in terms:
            if t.kind == ONES and (DENSE in kinds):  # + c·1: broadcasting adds c
                parts.append(Value(t.code, SCALAR, (), t.prec))
            else:
                parts.append(self.dense(t))
        out = join_sum(parts)
        return replace(out, kind=DENSE, shape=tuple(e.shape))

    @lower.register(sympy.MatMul)
    def _matmul(self, e):
        coeff, factors = e.as_coeff_matrices()
        return self.chain(coeff, list(factors))

    @lower.register(sympy.Transpose)
    def _transpose(self, e):
        v = self.value(e.arg)
        shape = tuple(e.shape)
        if v.kind == DENSE:
            return Value(f"{v.wrapped(ATOM)}.T", DENSE, shape, ATOM, v)
        return replace(v, shape=shape)  # diagonal, I, 1 and 0 need no transposing

    @lower.register(sympy.Inverse)
    def _inverse(self, e):
        M = self.value(e.arg)
        if M.kind == DIAG:
            return Value(f"1 / {M.wrapped(POW)}", DIAG, tuple(e.shape), MUL)
        if M.kind == EYE:
            return Value(f"1 / {M.wrapped(POW)}", EYE, tuple(e.shape), MUL)
        return self.bind(Value(self.b.linalg("inv", self.dense(M).code), DENSE,
                               tuple(e.shape)), self._hint("inv", e.arg))

    @lower.register(sympy.MatPow)
    def _matpow(self, e):
        M, k = e.args
        if _small_power(e):
            return self.chain(sympy.S.One, [e])
        if k.is_Integer:
            base = self.value(sympy.Inverse(M)) if k < 0 else self.dense(self.value(M))
            return Value(self.b.linalg("matrix_power", base.code, str(abs(int(k)))), DENSE,
                         tuple(e.shape))
        self.helpers.add("_power")
        return Value(f"_power({self.dense(self.value(M)).code}, {self.value(k).code})",
                     DENSE, tuple(e.shape))

    @lower.register(sympy.HadamardProduct)
    def _hadamard(self, e):
        shape = tuple(e.shape)
        chains = [a for a in e.args if isinstance(a, sympy.MatMul)]
        if any(isinstance(a, sympy.Identity) for a in e.args) and len(e.args) == 2 and chains:
            coeff, factors = chains[0].as_coeff_matrices()  # I ∘ (A B): diag of a product
            return scale_by(self, coeff, self.chain_contraction(factors, trace=False))
        values = [self.value(a) for a in e.args]
        if any(v.kind == ZERO for v in values):
            return Value("0", ZERO, shape)
        factor = "1"
        keep = []
        for v in values:
            if v.kind == ONES:
                factor = _times(factor, v.code)
            else:
                keep.append(v)
        if not keep:
            return Value(factor, ONES, shape)
        if any(v.kind in (EYE, DIAG) for v in keep):  # the product is diagonal
            parts = []
            for v in keep:
                if v.kind == EYE:
                    factor = _times(factor, v.code)
                elif v.kind == DIAG:
                    parts.append(v)
                else:
                    parts.append(Value(self.b.diagonal(v.code), DENSE))
            if not parts:
                return Value(factor, EYE, shape)
            out = Value(join_product(parts), DIAG, shape,
                        MUL if len(parts) > 1 else parts[0].prec)
            return scale(factor, out) if factor != "1" else out
        out = Value(join_product(keep), DENSE, shape,
                    MUL if len(keep) > 1 else keep[0].prec)
        return scale(factor, out) if factor != "1" else out

    @lower.register(sympy.HadamardPower)
    def _hadamard_power(self, e):
        return replace(power(self.dense(self.value(e.base)), self.value(e.exp)), kind=DENSE,
                       shape=tuple(e.shape))

    @lower.register(Elementwise)
    def _elementwise(self, e):
        name = self.b.function(e.function)
        if name is None:
            raise NoRuleError(f"no code rule for {e.function} applied entrywise (in {e})",
                              construct=f"code for {e.function} entrywise")
        self._need(name)
        return Value(f"{name}({self.dense(self.value(e.arg)).code})", DENSE, tuple(e.shape))

    @lower.register(Adjugate)
    def _adjugate(self, e):
        det = self.value(sympy.Determinant(e.arg))
        inv = self.value(sympy.Inverse(e.arg))
        return scale(det.wrapped(MUL), inv)

    @lower.register(Vec)
    def _vec(self, e):
        M = self.dense(self.value(e.arg))
        return Value(f"{M.wrapped(ATOM)}.T.reshape(-1, 1)", DENSE, tuple(e.shape))

    @lower.register(Unvec)
    def _unvec(self, e):
        v = self.dense(self.value(e.arg))
        m, n = (self.dim(d) for d in e.shape)
        return Value(f"{v.wrapped(ATOM)}.reshape({n}, {m}).T", DENSE, tuple(e.shape))

    @lower.register(CommutationMatrix)
    def _commutation(self, e):
        self.helpers.add("_commutation")
        m, n = (self.dim(d) for d in e.args)
        return Value(f"_commutation({m}, {n})", DENSE, tuple(e.shape))

    @lower.register(sympy.DiagMatrix)
    def _diag_matrix(self, e):
        v = self.dense(self.value(e.args[0]))
        if e.args[0].shape[1] == 1:
            return Value(f"{v.wrapped(ATOM)}[:, 0]", DIAG, tuple(e.shape), column=v.code
                         if v.prec == ATOM else f"({v.code})")
        return Value(f"{v.wrapped(ATOM)}[0, :]", DIAG, tuple(e.shape))

    @lower.register(sympy.DiagonalOf)
    def _diagonal_of(self, e):
        M = e.arg
        if isinstance(M, sympy.MatMul):
            coeff, factors = M.as_coeff_matrices()
            v = scale_by(self, coeff, self.chain_contraction(factors, trace=False))
        else:
            v = self.value(M)
            if v.kind == DENSE:
                v = Value(self.b.diagonal(v.code), DIAG, tuple(M.shape))
            elif v.kind != DIAG:
                v = Value(f"{v.code} * {self.b.ones(self.dim(M.shape[0]), 1)}[:, 0]", DIAG,
                          tuple(M.shape), MUL)
        return Value(v.as_column(), DENSE, tuple(e.shape))

    @lower.register(sympy.KroneckerProduct)
    def _kronecker(self, e):
        out = self.dense(self.value(e.args[0]))
        for a in e.args[1:]:
            out = Value(self.b.call("kron", out.code, self.dense(self.value(a)).code), DENSE)
        return replace(out, shape=tuple(e.shape))

    # ---- products
    def operands(self, coeff, factors):
        """The chain's factors as (plan.Operand, payload) and the scalar coefficient; None
        when a factor is zero. Identities fold into the coefficient."""
        ops = []
        scalars = [self.value(coeff)] if coeff != 1 else []
        for f in chain_factors(factors):
            found = _inverse_in_chain(f)
            rows, cols = (plan.size(d) for d in f.shape)
            if found and not self.survey.form_inverse(found[0]):
                M, transposed = found
                ops.append((plan.Operand(plan.INV, rows, cols),
                            (self.dense(self.value(M)), transposed, M)))
                continue
            v = self.value(f)
            if v.kind == ZERO:
                return None, None
            if v.kind == EYE:
                if v.code != "1":
                    scalars.append(Value(v.code, SCALAR, (), v.prec))
                continue
            if v.kind == ONES and v.code != "1":
                scalars.append(Value(v.code, SCALAR, (), v.prec))
                v = Value("1", ONES, v.shape)
            ops.append((plan.Operand({DENSE: plan.DENSE, DIAG: plan.DIAG, ONES: plan.ONES}
                                     [v.kind], rows, cols), replace(v, shape=tuple(f.shape))))
        return ops, scalars

    def chain(self, coeff, factors) -> Value:
        """coeff · A₁ ⋯ A_k in the cheapest order (matcalc.plan)."""
        shape = (factors[0].shape[0], factors[-1].shape[1])
        gram = self.gram(coeff, factors)
        if gram is not None:
            return gram
        distributed = self.distribute(coeff, factors)
        if distributed is not None:
            return distributed
        ops, scalars = self.operands(coeff, factors)
        if ops is None:
            return Value("0", ZERO, shape)
        if not ops:
            return Value(_product_code(scalars), EYE, shape)
        tree, _ = plan.chain_order([o for o, _ in ops])
        out = self.multiply(tree, ops)
        if out.kind == ONES:
            out = self.dense(out)
        return _apply_scalars(out, scalars)

    def gram(self, coeff, factors):
        """Mᵀ diag(d) M with d ≥ 0 entrywise as Bᵀ B, B = √d ∘ M: a symmetric product, which
        BLAS computes in half the flops (NumPy calls syrk when both operands are one
        array). None when the chain is not of that form."""
        if len(factors) != 3 or not isinstance(factors[1], sympy.DiagMatrix):
            return None
        Mt = sympy.Transpose(factors[2])
        if factors[0] not in (Mt, Mt.doit()):
            return None
        d = factors[1].args[0]
        if d.shape[1] != 1 or not nonnegative(d):
            return None
        root = Value(self.b.call("sqrt", self.dense(self.value(d)).code), DENSE, d.shape)
        M = self.dense(self.value(factors[2]))
        B = self.bind(Value(f"{root.wrapped(MUL)} * {M.wrapped(MUL + 1)}", DENSE,
                            tuple(factors[2].shape), MUL))
        out = Value(f"{B.code}.T @ {B.code}", DENSE, (factors[0].shape[0],
                                                      factors[2].shape[1]), MUL)
        return scale_by(self, coeff, out)

    def distribute(self, coeff, factors):
        """c · L (S₁ + S₂) R as c·L S₁ R + c·L S₂ R when that is cheaper (a sum multiplied
        by something thin), else None."""
        if len(factors) < 2:
            return None
        result_size = plan.size(factors[0].shape[0]) * plan.size(factors[-1].shape[1])
        for i, f in enumerate(factors):
            if not isinstance(f, sympy.MatAdd) or len(f.args) > 4 or \
                    self.survey.uses.get(f, 0) > 1:  # a shared sum is formed anyway
                continue
            if plan.size(f.shape[0]) * plan.size(f.shape[1]) <= result_size:
                continue
            formed = plan.chain_order(_planned(factors))[1] + \
                plan.entrywise_cost(len(f.args), plan.size(f.shape[0]) * plan.size(f.shape[1])) \
                + sum(_estimate(t) for t in f.args)
            spread = 0.0
            for t in f.args:
                spread += plan.chain_order(_planned(
                    factors[:i] + _split(t)[1] + factors[i + 1:]))[1] + \
                    plan.entrywise_cost(2, result_size)
            if spread < formed:
                terms = [self.chain(c, factors[:i] + mats + factors[i + 1:])
                         for c, mats in (_split(t) for t in _ordered(f.args))]
                total = replace(join_sum([self.dense(t) for t in terms]), kind=DENSE,
                                shape=(factors[0].shape[0], factors[-1].shape[1]))
                return scale_by(self, coeff, total)
        return None

    def multiply(self, tree, ops) -> Value:
        """The product a plan tree describes (a Value with its shape); the same product of
        the same factors, wherever it is needed, is computed once."""
        if isinstance(tree, int):
            return self._multiply(tree, ops)
        key = _product_key(tree, ops)
        self.product_requests[key] = self.product_requests.get(key, 0) + 1
        v = self.products.get(key)
        if v is None:
            v = self._multiply(tree, ops)
            if self.shared_products.get(key, 0) > 1:
                v = self.bind(v)
            self.products[key] = v
        return v

    def _multiply(self, tree, ops) -> Value:
        if isinstance(tree, int):
            op, payload = ops[tree]
            if op.kind == plan.INV:
                _, transposed, M = payload
                inv = replace(self.value(sympy.Inverse(M)), shape=tuple(M.shape))
                return Value(f"{inv.wrapped(ATOM)}.T", DENSE, inv.shape, ATOM, inv) \
                    if transposed else inv
            return payload
        left = self.multiply(tree[0], ops) if not _is_inv_leaf(tree[0], ops) else None
        right = self.multiply(tree[1], ops) if not _is_inv_leaf(tree[1], ops) else None
        if left is None and right is None:  # M⁻¹ N⁻¹: form one, solve with the other
            right = self._multiply(tree[1], ops)
        if left is None:  # M⁻¹ R = solve(M, R)
            M, transposed, _ = ops[tree[0]][1]
            A = M.wrapped(ATOM) + ".T" if transposed else M.code
            return Value(self.b.linalg("solve", A, self.dense(right).code), DENSE, right.shape)
        if right is None:  # L M⁻¹ = solve(Mᵀ, Lᵀ)ᵀ
            M, transposed, _ = ops[tree[1]][1]
            A = M.code if transposed else M.wrapped(ATOM) + ".T"
            L = self.dense(left)
            return Value(f"{self.b.linalg('solve', A, L.wrapped(ATOM) + '.T')}.T", DENSE,
                         left.shape)
        return self.product(left, right)

    def product(self, L: Value, R: Value) -> Value:
        """L · R for two formed operands."""
        shape = (L.shape[0], R.shape[1])
        if L.kind == ONES and R.kind == ONES:  # 1 1 = q 1
            return Value(self.dim(L.shape[1]), ONES, shape)
        if ONES in (L.kind, R.kind) and DIAG in (L.kind, R.kind):
            L, R = (self.dense(v) if v.kind == DIAG else v for v in (L, R))
        if L.kind == DIAG and R.kind == DIAG:
            return Value(join_product([L, R]), DIAG, shape, MUL)
        if L.kind == DIAG:
            return Value(f"{L.as_column()} * {R.wrapped(MUL + 1)}", DENSE, shape, MUL)
        if R.kind == DIAG:
            return Value(f"{L.wrapped(MUL)} * {R.wrapped(ATOM)}[None, :]", DENSE, shape, MUL)
        if L.kind == ONES:  # 1 R: every row is the column sums of R
            sums = Value(self.b.sum_axis(R.wrapped(ATOM), 0), DENSE, shape)
            return sums if L.shape[0] == 1 else \
                Value(f"{self.b.ones(self.dim(L.shape[0]), 1)} * {sums.code}", DENSE, shape, MUL)
        if R.kind == ONES:  # L 1: every column is the row sums of L
            sums = Value(self.b.sum_axis(L.wrapped(ATOM), 1), DENSE, shape)
            return sums if R.shape[1] == 1 else \
                Value(f"{sums.code} * {self.b.ones(1, self.dim(R.shape[1]))}", DENSE, shape, MUL)
        if self.b.transpose_thin_products and L.transpose_of is not None and \
                sympy.sympify(R.shape[1]).is_Integer:
            # Aᵀ v as (vᵀ A)ᵀ: XLA on the CPU multiplies a transposed matrix by a thin
            # one several times slower
            Rt = R.transpose_of.code if R.transpose_of is not None else f"{R.wrapped(ATOM)}.T"
            return Value(f"({Rt} @ {L.transpose_of.wrapped(MUL + 1)}).T", DENSE, shape)
        return Value(f"{L.wrapped(MUL)} @ {R.wrapped(MUL + 1)}", DENSE, shape, MUL)

    def chain_contraction(self, factors, trace: bool) -> Value:
        """tr(A₁ ⋯ A_k) (a scalar) or the diagonal of A₁ ⋯ A_k (a DIAG vector), without
        forming the product: Σ L ∘ Rᵀ over a split chosen by the plan."""
        ops, scalars = self.operands(sympy.S.One, list(factors))
        n = self.dim(factors[0].shape[0])
        if ops is None:
            return Value("0.0", SCALAR) if trace else Value("0", DIAG)
        if not ops:
            one = Value(n, SCALAR) if trace else Value(self.b.ones(n, 1) + "[:, 0]", DIAG)
            return _apply_scalars(one, scalars)
        if len(ops) == 1:
            v = self.multiply(0, ops)
            v = self.dense(v) if v.kind != DIAG else v
            if v.kind == DIAG:
                out = Value(self.b.call("sum", v.code), SCALAR) if trace else v
            else:
                out = Value(self.b.call("trace", v.code), SCALAR) if trace else \
                    Value(self.b.diagonal(v.code), DIAG)
            return _apply_scalars(out, scalars)
        s, _ = plan.trace_split([o for o, _ in ops])
        L = self.multiply(plan.chain_order([o for o, _ in ops[:s]])[0], ops[:s])
        R = self.multiply(_shift(plan.chain_order([o for o, _ in ops[s:]])[0], s), ops)
        if L.kind == ONES or R.kind == ONES:  # tr(1 R) = Σ R; diag(1 R) = column sums of R
            other = self.dense(R if L.kind == ONES else L)
            if trace:
                out = Value(self.b.call("sum", other.code), SCALAR)
            else:
                axis = 0 if L.kind == ONES else 1
                out = Value(f"{other.wrapped(ATOM)}.sum({axis})", DIAG)
            return _apply_scalars(out, scalars)
        L, R = self.dense(L), self.dense(R)
        if trace:
            out = Value(self.b.sum_of_products(L.wrapped(MUL), f"{R.wrapped(ATOM)}.T"), SCALAR)
        else:
            out = Value(self.b.call("sum", f"{L.wrapped(MUL)} * {R.wrapped(ATOM)}.T", "1"),
                        DIAG)
        return _apply_scalars(out, scalars)


def _product_key(tree, ops):
    """What a product tree computes, independent of how its result is named (with the
    shape: a ones factor is "1" whether it is 𝟏ᵀ or 𝟏𝟏ᵀ)."""
    if isinstance(tree, int):
        op, payload = ops[tree]
        if op.kind == plan.INV:
            return ("inv", payload[0].code, payload[1])
        return (payload.kind, payload.code, tuple(payload.shape))
    return (_product_key(tree[0], ops), _product_key(tree[1], ops))


#: Entrywise functions whose values are never negative.
_NONNEGATIVE_FUNCTIONS = {sympy.exp, sigmoid, softplus, sympy.Abs}


def nonnegative(e) -> bool:
    """True when every entry of e is provably ≥ 0 (even Hadamard powers, exp, σ,
    softplus, |·|, products and sums of such, positive multiples); False when unknown."""
    if isinstance(e, (sympy.OneMatrix, sympy.Identity, sympy.ZeroMatrix)):
        return True
    if isinstance(e, sympy.HadamardPower):
        return bool(e.exp.is_even) or nonnegative(e.base)
    if isinstance(e, Elementwise):
        return e.function in _NONNEGATIVE_FUNCTIONS
    if isinstance(e, (sympy.HadamardProduct, sympy.MatAdd)):
        return all(nonnegative(a) for a in e.args)
    if isinstance(e, sympy.MatMul):
        coeff, mats = e.as_coeff_matrices()
        return bool(coeff.is_nonnegative) and len(mats) == 1 and nonnegative(mats[0])
    return False


def _is_inv_leaf(tree, ops) -> bool:
    return isinstance(tree, int) and ops[tree][0].kind == plan.INV


def _shift(tree, s):
    if isinstance(tree, int):
        return tree + s
    return _shift(tree[0], s), _shift(tree[1], s)


def _split(t):
    if isinstance(t, sympy.MatMul):
        coeff, mats = t.as_coeff_matrices()
        return coeff, list(mats)
    return sympy.S.One, [t]


def _planned(factors) -> list:
    """The plan's view of a chain before lowering (every factor dense or an inverse)."""
    return [plan.Operand(plan.INV if _inverse_in_chain(f) else plan.DENSE,
                         plan.size(f.shape[0]), plan.size(f.shape[1]))
            for f in chain_factors(factors)]


def _estimate(e) -> float:
    """A rough cost of computing e on its own (for deciding whether to distribute)."""
    if isinstance(e, sympy.MatMul):
        return plan.chain_order(_planned(e.as_coeff_matrices()[1]))[1]
    if isinstance(e, MatrixSymbol):
        return 0.0
    if isinstance(e, sympy.Transpose):
        return _estimate(e.arg)
    if isinstance(e, MatrixExpr):
        return plan.size(e.shape[0]) * plan.size(e.shape[1]) + sum(
            _estimate(a) for a in e.args if isinstance(a, MatrixExpr))
    return 0.0


def _ordered(args):
    """Terms with positive ones first, so a sum prints as a - b rather than -b + a."""
    return sorted(args, key=lambda t: (t.could_extract_minus_sign(), sympy.default_sort_key(t)))


def _dim_code(d, dims) -> str:
    if d.is_Integer:
        return str(int(d))
    if d.is_Symbol:
        return dims[d]
    if d.is_Pow:
        return f"{_dim_code(d.base, dims)} ** {_dim_code(d.exp, dims)}" if d.base.is_Atom \
            else f"({_dim_code(d.base, dims)}) ** {_dim_code(d.exp, dims)}"
    op = " + " if d.is_Add else " * "
    return op.join(_dim_code(a, dims) if a.is_Atom else f"({_dim_code(a, dims)})"
                   for a in d.args)


def _times(a: str, b: str) -> str:
    if a == "1":
        return b
    if b == "1":
        return a
    return f"{a} * {b}"


def scale(c: str, v: Value) -> Value:
    """c · v for a scalar factor given as code."""
    if c == "1":
        return v
    if c in ("-1", "(-1)"):
        return replace(v, code=f"-{v.wrapped(POW)}", prec=UNARY, transpose_of=None, column=None)
    if v.kind in (EYE, ONES):
        return replace(v, code=_times(c, v.code), prec=MUL)
    if c.startswith("-") and not c[1:].replace(".", "").isdigit():
        c = f"({c})"
    return replace(v, code=f"{c} * {v.wrapped(MUL + 1)}", prec=MUL, transpose_of=None,
                   column=None)


def scale_by(lowering: Lowering, coeff, v: Value) -> Value:
    if coeff == 1:
        return v
    c = lowering.value(coeff)
    return scale(c.code if c.code == "-1" else c.wrapped(MUL), v)


def power(base: Value, k: Value) -> Value:
    return Value(f"{base.wrapped(POW + 1)} ** {k.wrapped(POW)}", base.kind, base.shape, POW)


def join_sum(parts: list[Value]) -> Value:
    """a + b - c from Values (a leading unary minus becomes subtraction)."""
    if len(parts) == 1:
        return parts[0]
    code = parts[0].wrapped(ADD)
    for p in parts[1:]:
        if p.prec == UNARY and p.code.startswith("-"):
            code += f" - {p.code[1:]}"
        else:
            code += f" + {p.wrapped(ADD + 1) if p.prec == ADD else p.code}"
    return Value(code, parts[0].kind, parts[0].shape, ADD)


def _product_code(scalars) -> str:
    if not scalars:
        return "1"
    return " * ".join(s.wrapped(MUL) for s in scalars)


def _apply_scalars(out: Value, scalars) -> Value:
    for s in scalars:
        out = scale(s.code if s.code == "-1" else s.wrapped(MUL), out)
    return out


# --------------------------------------------------------------------------- modules


@dataclass(frozen=True)
class Output:
    """One value a generated function returns."""
    obj: object
    label: str


def _roots(obj) -> list:
    if isinstance(obj, FourthOrder):
        out = []
        for t in obj.terms:
            out += [t.coeff, t.A, t.B] if isinstance(t, SquareProduct) else [t.coeff, t.M, t.K]
        return out
    return [obj]


def _prepare(obj):
    if hasattr(obj, "result") and hasattr(obj, "steps"):  # a Derivation
        obj = obj.result
    if isinstance(obj, FourthOrder):
        return map_factors(obj, lambda e: canonical(normalise(e)))
    try:
        e = sympy.sympify(obj, strict=True)
    except (sympy.SympifyError, TypeError):
        raise MatcalcError(f"not a SymPy expression or matcalc result: {obj!r}") from None
    e = canonical(normalise(e))
    if is_one_by_one(e):  # 1 x 1 results are scalars, as everywhere in matcalc
        e = sympy.Trace(e)
    return e


def _symbols_of(obj) -> set:
    if isinstance(obj, FourthOrder):
        out = set()
        for r in _roots(obj):
            out |= r.free_symbols
        return out
    return obj.free_symbols


def _function_names(name: str) -> tuple:
    """The names of the functions a module may define: name, {name}_and_grad and
    check_{name}_and_grad, each free of FIXED_NAMES."""
    if not (isinstance(name, str) and name.isascii() and name.isidentifier()):
        raise OptionError(f"function name {name!r} is not a Python identifier (ASCII letters, "
                          "digits and _, not starting with a digit)")
    names = (name, f"{name}_and_grad", f"check_{name}_and_grad")
    for n in names:
        if n in FIXED_NAMES:
            raise OptionError(f"function name {name!r} cannot be used: {n} is "
                              f"{FIXED_NAMES[n]}")
    return names


class ModuleWriter:
    """Writes the functions of one generated module for one backend, argument list and
    function name. Every identifier comes from its `namespace`: the arguments' (`names`),
    the dimensions' (`dimension_names`) and each function's temporaries; `written` records
    each function's parameters and the names it may bind, for `check_module`."""

    def __init__(self, args, backend: str, name: str = "f"):
        if backend not in BACKENDS:
            raise MatcalcError(f"unknown backend {backend!r}: use one of "
                               f"{', '.join(BACKENDS)}")
        self.b = BACKENDS[backend]
        self.args = list(args)
        for a in self.args:
            if not isinstance(a, (MatrixSymbol, Symbol)):
                raise VariableError(f"argument {a} is not a MatrixSymbol or a Symbol")
        if len({a.name for a in self.args}) != len(self.args):
            raise VariableError("two arguments have the same name")
        self.function_names = _function_names(name)
        self.namespace = Namespace(FIXED_NAMES.keys() | set(self.function_names))
        self.names = {a: self.namespace.identifier(a.name, f"arg{i}")
                      for i, a in enumerate(self.args)}
        self.dimension_names: dict = {}  # symbol dimensions of the arguments that are not one
        for M in self.args:
            for d in (M.shape if isinstance(M, MatrixSymbol) else ()):
                d = sympy.sympify(d)
                if d.is_Symbol and d not in self.names and d not in self.dimension_names:
                    self.dimension_names[d] = self.namespace.identifier(
                        d.name, f"dim{len(self.dimension_names)}")
        self.dimension_args = {a for a in self.args if isinstance(a, Symbol) and any(
            a in sympy.sympify(d).free_symbols for m in self.args
            if isinstance(m, MatrixSymbol) for d in m.shape)}
        self.helpers: set = set()
        self.helper_order: list = []
        self.written: dict = {}   # function name -> (parameters, names it may bind)

    def note_dimensions(self, objs) -> None:
        """Symbol arguments that are dimensions somewhere in objs are integers."""
        shape_symbols = set()
        for o in objs:
            exprs = _roots(o) if isinstance(o, FourthOrder) else [o]
            for e in exprs:
                shape_symbols |= {s for node in sympy.preorder_traversal(e)
                                  if isinstance(node, MatrixExpr) for d in node.shape
                                  for s in sympy.sympify(d).free_symbols}
            if isinstance(o, FourthOrder):
                shape_symbols |= {s for d in o.shape for s in sympy.sympify(d).free_symbols}
        self.dimension_args |= {a for a in self.args if a in shape_symbols}

    def dims(self) -> tuple[dict, list]:
        """Dimension symbol -> identifier, and the lines that read them off the arguments."""
        dims = {a: self.names[a] for a in self.args if a in self.dimension_args}
        lines = []
        for M in self.args:
            if not isinstance(M, MatrixSymbol):
                continue
            for axis, d in enumerate(M.shape):
                d = sympy.sympify(d)
                if d.is_Symbol and d not in dims:
                    dims[d] = self.dimension_names[d]
                    lines.append(f"{dims[d]} = {self.names[M]}.shape[{axis}]")
        return dims, lines

    def renamed(self, obj):
        """obj with every argument and dimension renamed to its identifier (for docstrings)."""
        scalars = {s: Symbol(i, **s.assumptions0) for s, i in
                   [*self.dimension_names.items(), *self.names.items()]
                   if isinstance(s, Symbol) and i != s.name}
        subs = dict(scalars)
        for M, i in self.names.items():
            if isinstance(M, MatrixSymbol):
                shape = [sympy.sympify(d).xreplace(scalars) for d in M.shape]
                if i != M.name or shape != list(M.shape):
                    subs[M] = M.func(i, *shape)
        return _substituted(obj, subs) if subs else obj

    def describe(self, obj) -> str:
        """obj as text, in the identifiers of the code."""
        from .text import text
        obj = self.renamed(_prepare_for_doc(obj))
        return obj.text() if isinstance(obj, FourthOrder) else text(obj)

    def renaming_note(self) -> str:
        """A docstring paragraph giving the name of each symbol whose identifier is not its
        name, as a Python literal ("" when there is none)."""
        pairs = [f"{i} is {s.name!r}" for s, i in [*self.names.items(),
                                                     *self.dimension_names.items()]
                 if i != s.name]
        return "\n\n    Symbols renamed: " + "; ".join(pairs) + "." if pairs else ""

    def define(self, name: str, signature: str, summary: str, body: list[str]) -> str:
        """def name(signature): with the docstring summary (and renaming note) and body."""
        doc = python_literal(summary + self.renaming_note(), triple=True)
        return "\n".join([f"def {name}({signature}):", "    " + doc]
                         + ["    " + line for line in body]) + "\n"

    def function(self, name: str, outputs: list[Output], summary: str) -> str:
        objs = [_prepare(o.obj) for o in outputs]
        self.note_dimensions(objs)
        free = set()
        for o in objs:
            free |= _symbols_of(o)
        dims, dim_lines = self.dims()
        for s in sorted(free - set(self.names) - set(dims), key=str):
            if isinstance(s, Symbol) and any(s in o.free_symbols and any(
                    s in sympy.sympify(d).free_symbols for node in sympy.preorder_traversal(o)
                    if isinstance(node, MatrixExpr) for d in node.shape)
                    for o in objs if not isinstance(o, FourthOrder)):
                raise VariableError(f"the dimension {s} is not fixed by any argument; add the "
                                    f"Symbol {s} to the arguments")
            raise VariableError(f"{s} is not among the arguments "
                                f"({', '.join(map(str, self.args))})")
        survey = Survey([r for o in objs for r in _roots(o)])
        # A dry run counts the planned products (sub-chains are not SymPy nodes, so the
        # survey cannot see that f's xᵀ(Ax) and the gradient's Ax + Aᵀx share Ax); the
        # real run names each product needed more than once.
        dry = Lowering(self.b, self.names, dims, survey, self.namespace.scope())
        for o in objs:
            self._output(dry, o)
        scope = self.namespace.scope()
        low = Lowering(self.b, self.names, dims, survey, scope,
                       shared_products=dry.product_requests)
        body = self.b.preconditions(name) + self._arguments(dims, dim_lines)
        results = [self._output(low, o) for o in objs]
        self.helpers |= low.helpers
        body += low.lines
        body.append("return " + ", ".join(results))
        params = [self.names[a] for a in self.args]
        self.written[name] = (params, set(dims.values()) | scope.given)
        return self.define(name, ", ".join(params), summary, body)

    def _arguments(self, dims, dim_lines) -> list[str]:
        lines = []
        for a in self.args:
            x = self.names[a]
            if a in self.dimension_args:
                lines.append(f"{x} = int({x})")
            elif isinstance(a, Symbol):
                lines.append(f"{x} = {self.b.scalar_arg(x)}")
            else:
                lines.append(f"{x} = {self.b.asarray(x)}")
                if a.shape[1] == 1:
                    lines.append(f"{x} = {x}[:, None] if {x}.ndim == 1 else {x}")
                elif a.shape[0] == 1:
                    lines.append(f"{x} = {x}[None, :] if {x}.ndim == 1 else {x}")
        lines += dim_lines
        for a in self.args:
            if isinstance(a, MatrixSymbol):
                x = self.names[a]
                expected = ", ".join(_dim_code(sympy.sympify(d), dims) for d in a.shape)
                text = " x ".join(_dim_code(sympy.sympify(d), dims) for d in a.shape)
                message = python_fstring(f"{x} must be {text}, got ", f"tuple({x}.shape)")
                lines.append(f"assert tuple({x}.shape) == ({expected}), {message}")
        return lines

    def _output(self, low: Lowering, obj) -> str:
        if isinstance(obj, FourthOrder):
            return self._fourth_order(low, obj)
        v = low.value(obj)
        if isinstance(obj, MatrixExpr):
            v = low.dense(v) if v.kind != DIAG else Value(f"{self.b.xp}.diag({v.code})", DENSE)
        return v.code

    def _fourth_order(self, low: Lowering, J: FourthOrder) -> str:
        parts = []
        for t in J.terms:
            c = low.value(t.coeff)
            if isinstance(t, SquareProduct):
                spec = "il,jk->ijkl" if t.transposed else "ik,jl->ijkl"
                A, B = low.dense(low.value(t.A)), low.dense(low.value(t.B))
            else:
                spec = "ij,kl->ijkl"
                A, B = low.dense(low.value(t.M)), low.dense(low.value(t.K))
            term = Value(self.b.call("einsum", python_literal(spec), A.code, B.code), DENSE)
            parts.append(scale(c.wrapped(MUL), term) if t.coeff != 1 else term)
        if not parts:
            p, q, r, s = (low.dim(d) for d in J.shape)
            parts = [Value(f"{self.b.xp}.zeros(({p}, {q}, {r}, {s}))", DENSE)]
        out = join_sum(parts)
        for projection, axes in ((J.projection, "(2, 3)"), (J.left, "(0, 1)")):
            if projection is not None:
                self.helpers.add("_project")
                out = Value(f"_project({out.code}, {python_literal(projection)}, {axes})",
                            DENSE)
        return out.code

    def preamble(self) -> str:
        """The helper functions the written functions call (recorded in `helper_order`)."""
        helpers = self.b.helpers()
        blocks = []
        self.helper_order = []
        for h in sorted(self.helpers):
            if h == "_power":
                blocks.append(self.b.eigen_power())
            elif h == "_commutation":
                blocks.append(_templated(_COMMUTATION, self.b))
            elif h == "_project":
                blocks.append(_templated(_PROJECT, self.b))
            elif h in helpers:
                blocks.append(helpers[h])
            else:
                continue
            self.helper_order.append(h)
        return "\n\n".join(blocks)


def _substituted(obj, subs: dict):
    """obj with symbols replaced: an expression by xreplace, a FourthOrder field by field."""
    if isinstance(obj, sympy.Basic):
        return obj.xreplace(subs)
    if isinstance(obj, tuple):
        return tuple(_substituted(o, subs) for o in obj)
    if isinstance(obj, (FourthOrder, SquareProduct, DyadicProduct)):
        return replace(obj, **{f.name: _substituted(getattr(obj, f.name), subs)
                               for f in fields(obj)})
    return obj


# --------------------------------------------------------------------------- entry points

@bounded(bound=MAX_RESULT_DEPTH)
def codegen(obj, args, backend: str = "numpy", name: str = "f", *, grad=None,
            symmetric=None, diagonal=False) -> str:
    """The source of a Python module computing obj with NumPy, JAX or PyTorch.

    obj: an expression (scalar or matrix), a FourthOrder or a Derivation.
    args: the symbols (MatrixSymbol or Symbol) the function takes, in order; dimensions are
        read off the arrays. A Symbol that is a dimension of an argument is an integer.
        A symbol keeps its name as the parameter's when that is a plain ASCII identifier
        the module does not use otherwise; else it gets one (float → float_, Σ → Sigma,
        anything unspellable → argN), and the docstrings give its name as a literal.
    backend: "numpy", "jax" or "torch" (the module imports it; matcalc does not). JAX code
        computes in float64 and raises RuntimeError in JAX's 32-bit mode (the default).
    name: the function's name, an ASCII identifier that is no builtin or keyword.
    grad: a variable X: the module also defines `{name}_and_grad(...)` returning
        (f, ∂f/∂X) with shared work, and `check_{name}_and_grad(..., eps, seed)`, the
        relative error of ⟨∂f/∂X, V⟩ against central differences along a random V (not
        for symmetric="entries", whose gradient is no directional derivative).
        symmetric / diagonal: as for `matcalc.grad`.

    >>> import sympy, matcalc
    >>> X = sympy.MatrixSymbol("X", sympy.Symbol("n"), sympy.Symbol("n"))
    >>> print(matcalc.codegen(matcalc.grad(sympy.log(sympy.Determinant(X)), X), [X]))
    import numpy as np
    <BLANKLINE>
    <BLANKLINE>
    def f(X):
        \"\"\"f(X) = X⁻ᵀ\"\"\"
        X = np.asarray(X, dtype=float)
        n = X.shape[0]
        assert tuple(X.shape) == (n, n), f"X must be n x n, got {tuple(X.shape)}"
        inv_X = np.linalg.inv(X)
        return inv_X.T
    <BLANKLINE>
    """
    return _generate(obj, args, backend, name, grad, symmetric, diagonal)[0]


def _generate(obj, args, backend, name, grad, symmetric, diagonal):
    """(source, writer) for codegen and lambdify; the source has passed `check_module`."""
    writer = ModuleWriter(args, backend, name)
    sig = ", ".join(writer.names[a] for a in writer.args)
    formula = writer.describe(obj)
    functions = [writer.function(name, [Output(obj, "f")], f"{name}({sig}) = {formula}")]
    if grad is not None:
        from ..derivative import grad as gradient
        G = gradient(obj, grad, symmetric=symmetric, diagonal=diagonal)
        functions.append(writer.function(
            f"{name}_and_grad", [Output(obj, "f"), Output(G, "grad")],
            f"({name}, ∂{name}/∂{writer.describe(grad)}) = ({formula}, {writer.describe(G)})"))
        if symmetric != "entries":  # that gradient is no directional derivative
            functions.append(_check_function(writer, name, grad, symmetric, diagonal))
    preamble = writer.preamble()
    parts = [writer.b.imports + "\n"] + ([preamble] if preamble else []) + functions
    source = "\n\n".join(parts)
    check_module(source, writer)
    return source, writer


def _prepare_for_doc(obj):
    if hasattr(obj, "result") and hasattr(obj, "steps"):
        return obj.result
    return obj


def _check_function(writer: ModuleWriter, name: str, X, symmetric, diagonal) -> str:
    """check_{name}_and_grad: ⟨G, V⟩ against central differences along a random V
    (symmetric V for symmetric=True, diagonal V for diagonal=True). Its parameters and
    locals beyond the arguments are CHECK_PARAMETERS and CHECK_LOCALS."""
    from ..nodes import is_symmetric_symbol
    if X not in writer.names:
        raise VariableError(f"the gradient variable {X} is not among the arguments")
    b, x = writer.b, writer.names[X]
    params = [writer.names[a] for a in writer.args]
    sig = ", ".join(params)
    shape = f"tuple({x}.shape)" if isinstance(X, MatrixSymbol) else "()"
    lines = []
    if isinstance(X, MatrixSymbol):
        lines.append(f"{x} = {b.asarray(x)}")
        if X.shape[1] == 1:
            lines.append(f"{x} = {x}[:, None] if {x}.ndim == 1 else {x}")
    if b.name == "torch":
        lines.append(f"_V = torch.randn({shape}, generator=torch.Generator().manual_seed(seed), "
                     "dtype=torch.float64)")
    else:
        draw = f"np.random.default_rng(seed).standard_normal({shape})"
        lines.append(f"_V = jnp.asarray({draw})" if b.name == "jax" else f"_V = {draw}")
    if diagonal:
        lines.append(f"_V = _V * {b.eye(f'{x}.shape[0]')}")
    elif symmetric or (symmetric is None and is_symmetric_symbol(X)):
        lines.append("_V = (_V + _V.T) / 2")
    step = {sign: ", ".join(f"{x} {sign} eps * _V" if a == X else writer.names[a]
                            for a in writer.args) for sign in "+-"}
    lines += [f"_, _G = {name}_and_grad({sig})",
              f"exact = float({b.xp}.sum(_G * _V))",
              f"numeric = float(({name}({step['+']}) - {name}({step['-']})) / (2 * eps))",
              "return abs(exact - numeric) / max(1.0, abs(exact), abs(numeric))"]
    check = f"check_{name}_and_grad"
    summary = (f"Relative error of ⟨∂{name}/∂{x}, V⟩ against central differences of {name} "
               "along a random\n    direction V; about 1e-8 when the gradient is right.")
    writer.written[check] = (params + list(CHECK_PARAMETERS), set(CHECK_LOCALS))
    return writer.define(check, f"{sig}, eps=1e-6, seed=0", summary,
                         b.preconditions(check) + lines)


@bounded(bound=MAX_RESULT_DEPTH)
def lambdify(obj, args, backend: str = "numpy", *, grad=None, symmetric=None,
             diagonal=False, jit: bool = True):
    """A Python function computing obj (or, with grad=X, returning (f, ∂f/∂X)).

    The function is the one `codegen` writes, compiled from that source; for JAX it is
    `jax.jit`-compiled unless jit=False, and runs in JAX's 64-bit mode, which it sets for
    the call and the calling thread only (JAX's configuration is left as it is). JAX and
    PyTorch are imported only here.

    >>> import numpy as np, sympy, matcalc
    >>> X = sympy.MatrixSymbol("X", sympy.Symbol("n"), sympy.Symbol("n"))
    >>> f = matcalc.lambdify(sympy.Trace(X.I), [X], grad=X)
    >>> value, G = f(np.diag([1.0, 2.0, 4.0]))
    >>> float(value), np.diag(G).tolist()
    (1.75, [-1.0, -0.25, -0.0625])
    """
    source, writer = _generate(obj, args, backend, "f", grad, symmetric, diagonal)
    filename = f"<matcalc-{backend}-{abs(hash(source)):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"__name__": "matcalc_generated"}
    try:
        exec(compile(source, filename, "exec"), namespace)  # our own text, checked
    except ImportError as err:
        raise MatcalcError(f"the {backend} backend needs {err.name}: "
                           f"pip install {err.name}") from None
    fn = namespace[writer.function_names[1 if grad is not None else 0]]
    if backend == "jax":
        import jax
        if jit:
            static = [i for i, a in enumerate(writer.args) if a in writer.dimension_args]
            fn = jax.jit(fn, static_argnums=static)
        fn = _in_64_bit_mode(jax, fn)
    fn.__matcalc_source__ = source
    return fn


def _in_64_bit_mode(jax, fn):
    """fn called in JAX's 64-bit mode, set for the call and the calling thread only: the
    scoped `jax.enable_x64` (JAX ≥ 0.8; `jax.experimental.enable_x64` before), which JAX
    includes in its jit cache key. It wraps the jit-compiled function, since jit reads the
    mode (and casts float64 arguments to float32) before the function's body runs."""
    scoped = getattr(jax, "enable_x64", None)
    if scoped is None:
        from jax.experimental import enable_x64 as scoped
    return scoped(True)(fn)


__all__ = ["codegen", "lambdify"]
