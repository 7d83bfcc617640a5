"""The scalar-function table: every function matcalc applies to scalars or entrywise.

Contract: `FUNCTIONS` holds one frozen `ScalarFunction` per function; nothing else in
matcalc lists function names. The parser reads `name` and `aliases`, the printers `text`
and `latex`, the input-syntax printer `name`, the differential rule `derivative`,
evaluation `numpy` and `domain`, code generation `code`. `lookup(f)` finds the entry of a
SymPy function class, `by_name(s)` the entry of a name in the input syntax.

sigmoid and softplus, which SymPy lacks, are defined here as SymPy functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy

from .registry import InMatcalcNotation


class sigmoid(InMatcalcNotation, sympy.Function):  # noqa: N801  (named like SymPy's own functions)
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


class softplus(InMatcalcNotation, sympy.Function):  # noqa: N801
    """softplus(x) = log(1 + eˣ);  softplus′(x) = σ(x)."""

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sympy.log(1 + sympy.exp(x))

    def _eval_is_real(self):
        return self.args[0].is_real


@dataclass(frozen=True)
class Domain:
    """Where a function is real: `holds(values)` entrywise, `outside` names the rest
    ("a non-positive" value for log)."""
    holds: Callable
    outside: str


POSITIVE = Domain(lambda a: a > 0, "a non-positive")
UNIT_INTERVAL = Domain(lambda a: np.abs(a) <= 1, "an out-of-range (|x| > 1)")


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


def _sigmoid(x):
    """σ(x) without overflow: e^{min(x,0)} / (1 + e^{−|x|})."""
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


def _softplus(x):
    return np.logaddexp(0, x)


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
                   "|{}|", r"\left|{}\right|", nonnegative=True),
    ScalarFunction("sign", sympy.sign, lambda x: sympy.S.Zero, np.sign, _same("sign"),
                   _call("sign"), _operatorname("sign")),
)

#: Helper functions generated code defines for NumPy (name -> source).
NUMPY_HELPERS = {
    "_sigmoid": 'def _sigmoid(x):\n    """σ(x) = 1/(1 + e⁻ˣ) without overflow."""\n'
                "    return np.exp(np.minimum(x, 0.0)) / (1.0 + np.exp(-np.abs(x)))\n",
    "_softplus": "def _softplus(x):\n    return np.logaddexp(0.0, x)\n",
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
