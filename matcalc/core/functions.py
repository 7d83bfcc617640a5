"""The scalar-function table: every function matcalc applies to scalars or entrywise.

Contract: `FUNCTIONS` holds one frozen `ScalarFunction` per function; nothing else in
matcalc lists function names. The parser reads `name` and `aliases`, the printers `text`
and `latex`, the input-syntax printer `name`, the differential rule `derivative`,
evaluation `numpy` and `domain`, code generation `code`. `lookup(f)` finds the entry of a
SymPy function class, `by_name(s)` the entry of a name in the input syntax.

sigmoid, softplus, relu and step, which SymPy lacks, are defined here as SymPy functions;
applied to a matrix they act entry by entry (relu(X) is the entrywise relu of X).

Kinks: abs, sign, relu and step are not differentiable at 0; their derivative there is
taken as 0 (abs′ = sign, relu′ = step, sign′ = step′ = 0, with sign(0) = step(0) = 0), and
`check` draws its random points away from the kinks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy

from .registry import InMatcalcNotation


class EntrywiseOnMatrices:
    """Mixin of the table's own functions: f(X) of a matrix X is f applied entry by entry."""

    def __new__(cls, *args, **options):
        if len(args) == 1 and isinstance(args[0], sympy.MatrixExpr):
            from .nodes import elementwise
            return elementwise(cls, args[0])
        return super().__new__(cls, *args, **options)


class sigmoid(EntrywiseOnMatrices, InMatcalcNotation, sympy.Function):  # noqa: N801  (named like SymPy's)
    """σ(x) = 1/(1 + e⁻ˣ);  σ′(x) = σ(x)(1 − σ(x)) = σ(x) σ(−x)."""

    def fdiff(self, argindex=1):
        x = self.args[0]
        return sigmoid(x) * sigmoid(-x)

    @classmethod
    def eval(cls, x):
        if x == 0:
            return sympy.Rational(1, 2)
        return None

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sympy.exp(-x))

    def _eval_is_real(self):
        return self.args[0].is_real


class softplus(EntrywiseOnMatrices, InMatcalcNotation, sympy.Function):  # noqa: N801
    """softplus(x) = log(1 + eˣ);  softplus′(x) = σ(x)."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sympy.log(1 + sympy.exp(x))

    def _eval_is_real(self):
        return self.args[0].is_real


class _NonnegativeOfReal:
    """Mixin: f(x) is real and nonnegative for real x (relu, step)."""

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_nonnegative(self):
        return self.args[0].is_real


class relu(_NonnegativeOfReal, EntrywiseOnMatrices, InMatcalcNotation,  # noqa: N801
           sympy.Function):
    """relu(x) = max(x, 0);  relu′(x) = step(x) (taken as 0 at the kink x = 0)."""

    def fdiff(self, argindex=1):
        return step(self.args[0])

    @classmethod
    def eval(cls, x):
        if x.is_nonnegative:
            return x
        if x.is_nonpositive:
            return sympy.S.Zero
        return None


class step(_NonnegativeOfReal, EntrywiseOnMatrices, InMatcalcNotation,  # noqa: N801
           sympy.Function):
    """step(x) = 1 for x > 0, 0 for x ≤ 0 (the Heaviside step with step(0) = 0);
    step′(x) = 0 (taken as 0 at the kink x = 0 too)."""

    def fdiff(self, argindex=1):
        return sympy.S.Zero

    @classmethod
    def eval(cls, x):
        if x.is_positive:
            return sympy.S.One
        if x.is_nonpositive:
            return sympy.S.Zero
        return None


@dataclass(frozen=True)
class Domain:
    """Where a function is real: `holds(values)` entrywise, `outside` names the rest
    ("a non-positive" value for log); `sample` the interval random checks draw from."""
    holds: Callable
    outside: str
    sample: tuple


POSITIVE = Domain(lambda a: a > 0, "a non-positive", (0.5, 1.5))
UNIT_INTERVAL = Domain(lambda a: np.abs(a) <= 1, "an out-of-range (|x| > 1)", (-0.5, 0.5))


@dataclass(frozen=True)
class ScalarFunction:
    """One scalar function f, applied to a scalar or entrywise to a matrix.

    name: its name in the input syntax; aliases: other names the parser reads.
    sympy: the SymPy function (class) that builds f(x).
    derivative: x -> f′(x), as a SymPy expression (sign′ = 0 away from 0).
    numpy: the NumPy function computing f entrywise (overflow-safe where it matters).
    code: backend -> the name generated code calls (a helper's name starts with _).
    text, latex: how f(u) prints ("{}" stands for the argument).
    latex_scalar: LaTeX of f(u) for a scalar u where papers write it otherwise (e^{u}).
    domain: where f is real (None: everywhere).
    nonnegative: f(x) ≥ 0 for every x (lets code use BᵀB for Mᵀ diag(f) M).
    kink: f is not differentiable at 0 (its derivative there is taken as 0; `check` keeps
    its arguments away from 0).
    """
    name: str
    sympy: Callable
    derivative: Callable
    numpy: Callable
    code: dict
    text: str
    latex: str
    aliases: tuple = ()
    latex_scalar: str | None = None
    domain: Domain | None = None
    nonnegative: bool = False
    kink: bool = False


def _sigmoid(x):
    """σ(x) without overflow: e^{min(x,0)} / (1 + e^{−|x|})."""
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


def _softplus(x):
    return np.logaddexp(0, x)


def _relu(x):
    return np.maximum(x, 0.0)


def _step(x):
    """1 where x > 0, else 0 (step(0) = 0)."""
    return np.heaviside(x, 0.0)


def _same(name: str, numpy_name: str | None = None, torch_name: str | None = None) -> dict:
    """Code names of a function that NumPy, JAX and PyTorch all have."""
    n = numpy_name or name
    return {"numpy": f"np.{n}", "jax": f"jnp.{n}", "torch": f"torch.{torch_name or n}"}


def _call(name: str) -> str:
    return name + "({})"


def _latex_call(command: str) -> str:
    return command + r"\left({}\right)"


def _operatorname(name: str) -> str:
    return _latex_call(rf"\operatorname{{{{{name}}}}}")  # braces doubled for str.format


#: The table. Order is the order of the README's list.
FUNCTIONS: tuple = (
    ScalarFunction("exp", sympy.exp, lambda x: sympy.exp(x), np.exp, _same("exp"),
                   _call("exp"), _latex_call(r"\exp"), latex_scalar="e^{{{}}}",
                   nonnegative=True),
    ScalarFunction("log", sympy.log, lambda x: 1 / x, np.log, _same("log"), _call("log"),
                   _latex_call(r"\log"), domain=POSITIVE),
    ScalarFunction("sin", sympy.sin, lambda x: sympy.cos(x), np.sin, _same("sin"),
                   _call("sin"), _latex_call(r"\sin")),
    ScalarFunction("cos", sympy.cos, lambda x: -sympy.sin(x), np.cos, _same("cos"),
                   _call("cos"), _latex_call(r"\cos")),
    ScalarFunction("tan", sympy.tan, lambda x: sympy.tan(x) ** 2 + 1, np.tan, _same("tan"),
                   _call("tan"), _latex_call(r"\tan")),
    ScalarFunction("sinh", sympy.sinh, lambda x: sympy.cosh(x), np.sinh, _same("sinh"),
                   _call("sinh"), _latex_call(r"\sinh")),
    ScalarFunction("cosh", sympy.cosh, lambda x: sympy.sinh(x), np.cosh, _same("cosh"),
                   _call("cosh"), _latex_call(r"\cosh"), nonnegative=True),
    ScalarFunction("tanh", sympy.tanh, lambda x: 1 - sympy.tanh(x) ** 2, np.tanh,
                   _same("tanh"), _call("tanh"), _latex_call(r"\tanh")),
    ScalarFunction("arcsin", sympy.asin, lambda x: 1 / sympy.sqrt(1 - x ** 2), np.arcsin,
                   _same("arcsin", torch_name="asin"), _call("arcsin"),
                   _latex_call(r"\arcsin"), aliases=("asin",), domain=UNIT_INTERVAL),
    ScalarFunction("arccos", sympy.acos, lambda x: -1 / sympy.sqrt(1 - x ** 2), np.arccos,
                   _same("arccos", torch_name="acos"), _call("arccos"),
                   _latex_call(r"\arccos"), aliases=("acos",), domain=UNIT_INTERVAL),
    ScalarFunction("arctan", sympy.atan, lambda x: 1 / (x ** 2 + 1), np.arctan,
                   _same("arctan", torch_name="atan"), _call("arctan"),
                   _latex_call(r"\arctan"), aliases=("atan",)),
    ScalarFunction("sigmoid", sigmoid, lambda x: sigmoid(x) * sigmoid(-x), _sigmoid,
                   {"numpy": "_sigmoid", "jax": "jax.nn.sigmoid", "torch": "torch.sigmoid"},
                   "σ({})", _latex_call(r"\sigma"), nonnegative=True),
    ScalarFunction("softplus", softplus, lambda x: sigmoid(x), _softplus,
                   {"numpy": "_softplus", "jax": "jax.nn.softplus",
                    "torch": "torch.nn.functional.softplus"},
                   _call("softplus"), _operatorname("softplus"), nonnegative=True),
    ScalarFunction("abs", sympy.Abs, lambda x: sympy.sign(x), np.abs, _same("abs"),
                   "|{}|", r"\left|{}\right|", nonnegative=True, kink=True),
    ScalarFunction("sign", sympy.sign, lambda x: sympy.S.Zero, np.sign, _same("sign"),
                   _call("sign"), _operatorname("sign"), kink=True),
    ScalarFunction("relu", relu, lambda x: step(x), _relu,
                   {"numpy": "_relu", "jax": "jax.nn.relu", "torch": "torch.relu"},
                   _call("relu"), _operatorname("relu"), nonnegative=True, kink=True),
    ScalarFunction("step", step, lambda x: sympy.S.Zero, _step,
                   {"numpy": "_step", "jax": "_step", "torch": "_step"},
                   _call("step"), _operatorname("step"), nonnegative=True, kink=True),
)

#: Helper functions generated code defines, by backend (name -> source).
HELPERS = {
    "numpy": {
        "_sigmoid": 'def _sigmoid(x):\n    """σ(x) = 1/(1 + e⁻ˣ) without overflow."""\n'
                    "    return np.exp(np.minimum(x, 0.0)) / (1.0 + np.exp(-np.abs(x)))\n",
        "_softplus": "def _softplus(x):\n    return np.logaddexp(0.0, x)\n",
        "_relu": "def _relu(x):\n    return np.maximum(x, 0.0)\n",
        "_step": 'def _step(x):\n    """1 where x > 0, else 0."""\n'
                 "    return np.heaviside(x, 0.0)\n",
    },
    "jax": {"_step": 'def _step(x):\n    """1 where x > 0, else 0."""\n'
                     "    return jnp.heaviside(x, 0.0)\n"},
    "torch": {"_step": 'def _step(x):\n    """1 where x > 0, else 0."""\n'
                       "    return (x > 0).to(torch.float64)\n"},
}

_BY_SYMPY = {f.sympy: f for f in FUNCTIONS}
_BY_NAME = {n: f for f in FUNCTIONS for n in (f.name, *f.aliases)}


def lookup(function) -> ScalarFunction | None:
    """The entry of a SymPy function class (sympy.sin, sigmoid), or None."""
    return _BY_SYMPY.get(function)


def by_name(name: str) -> ScalarFunction | None:
    """The entry of a name the input syntax reads (sin, arcsin, asin), or None."""
    return _BY_NAME.get(name)


_BY_TEXT = {f.text.removesuffix("({})"): f for f in FUNCTIONS if f.text.endswith("({})")}


def by_text(name: str) -> ScalarFunction | None:
    """The entry of a name as the text form prints it (σ), or None."""
    return _BY_TEXT.get(name)


def names() -> set:
    """Every name the parser reads as a function of this table (aliases included)."""
    return set(_BY_NAME)


def _python_function(function, name: str):
    """f(u): SymPy's f of a scalar u, f applied entrywise to a matrix u."""
    def apply(u):
        u = sympy.sympify(u)
        if isinstance(u, sympy.MatrixExpr):
            from .nodes import elementwise
            return elementwise(function, u)
        return function(u)
    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = (f"{name}(u): {name} of a scalar u, or of each entry of a matrix u "
                     f"(matcalc.elementwise).")
    return apply


#: The Python functions matcalc exports (matcalc.exp, matcalc.relu, …), one per name and
#: alias of the table, and sqrt (the Hadamard power ½ of a matrix). Our own SymPy classes
#: (sigmoid, softplus, relu, step) act entrywise on matrices themselves.
PYTHON_FUNCTIONS = {
    **{n: f.sympy if issubclass(f.sympy, EntrywiseOnMatrices) else _python_function(f.sympy, n)
       for f in FUNCTIONS for n in (f.name, *f.aliases)},
    "sqrt": _python_function(sympy.sqrt, "sqrt"),
}
