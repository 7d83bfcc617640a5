"""Symbols and constants: matrix and scalar symbols, numbers, I, 0, 𝟏.

The driver gives a leaf its differential, zero (or dX for the variable), before any rule;
a leaf reaches its own rule only when the variable is one of its dimensions, which is
refused. The parser reads `eye`, `vector(c)` and `matrix(c)` (c times a vector or matrix of ones, of
whatever size the context needs) and reserves the name I, which is how the identity prints.
"""

from __future__ import annotations

import numpy as np
import sympy
from sympy import MatrixExpr

from ..code.values import ATOM, DENSE, EYE, ONES, SCALAR, UNARY, ZERO, Value
from ..core.errors import NoRuleError, VariableError
from ..core.nodes import SymmetricMatrixSymbol
from ..core.registry import INFIX, LEAF, Operator, ParseEntry, refused, register


def d_constant(e, d):
    """d C = 0 for a constant C (a symbol other than the variable, a number, I, 𝟏, 0)
    The driver gives that zero before looking up a rule; a leaf reaches this rule only when
    the variable is one of its dimensions, and a dimension is no variable."""
    raise NoRuleError(f"{e} depends on the variable only through its shape: matcalc does "
                      "not differentiate by a dimension", construct="derivative by a dimension")


# --- symbols --------------------------------------------------------------------------


def ev_symbol(e, env):
    return env.value(e.name) if isinstance(e, MatrixExpr) else env.scalar(e.name)


def lower_symbol(low, e):
    if e in low.dims and e not in low.names:  # a dimension used as a number
        return Value(low.dims[e], SCALAR)
    if e not in low.names:
        raise VariableError(f"{e} is not among the arguments of the generated function")
    if isinstance(e, MatrixExpr):
        return Value(low.names[e], DENSE, tuple(e.shape))
    return Value(low.names[e], SCALAR)


def transpose_matrix_symbol(A, ctx):
    """Sᵀ = S for S declared symmetric (a SymmetricMatrixSymbol, or by the caller)."""
    return A if isinstance(A, SymmetricMatrixSymbol) or A in ctx.symmetric else None


def syntax_symbol(p, e):
    return p.name(e), p.ATOM


register(Operator(
    "matrix symbol", (sympy.MatrixSymbol,), d=d_constant, rule="constant",
    evaluate=ev_symbol, text=lambda p, e: p.letters(e.name),
    latex=lambda p, e: p.matrix_name(e.name), syntax=syntax_symbol, lower=lower_symbol,
    transpose=transpose_matrix_symbol, binds=LEAF))

register(Operator(
    "scalar symbol", (sympy.Symbol,), d=d_constant, rule="constant", evaluate=ev_symbol,
    text=lambda p, e: p.sympy_form(e) if isinstance(e, sympy.Dummy) else p.letters(e.name),
    latex=lambda p, e: p.sympy_form(e),
    syntax=syntax_symbol, lower=lower_symbol, binds=LEAF))


# --- numbers --------------------------------------------------------------------------


def syntax_number(p, e):
    if e is sympy.pi:
        return "pi", p.ATOM
    if e is sympy.E:
        return "exp(1)", p.ATOM
    if isinstance(e, sympy.Integer):
        return str(e), (p.ATOM if e >= 0 else p.UNARY)
    if isinstance(e, sympy.Rational):
        return f"{e.p}/{e.q}", (p.PRODUCT if e > 0 else p.UNARY)
    if isinstance(e, sympy.Float):
        return repr(float(e)), (p.ATOM if e >= 0 else p.UNARY)
    raise NoRuleError(f"no input syntax for the number {e}", construct="input syntax of "
                      f"{type(e).__name__}")


def lower_number(low, e):
    x = float(e)
    if e.is_Integer:
        return Value(str(int(e)), SCALAR, (), ATOM if e >= 0 else UNARY)
    return Value(repr(x), SCALAR, (), ATOM if x >= 0 else UNARY)


register(Operator(
    "number", (sympy.Number, sympy.NumberSymbol), d=d_constant, rule="constant",
    evaluate=lambda e, env: float(e),
    text=lambda p, e: "π" if e is sympy.pi else p.sympy_form(e),
    latex=lambda p, e: p.sympy_form(e), syntax=syntax_number, lower=lower_number, binds=LEAF))

register(Operator(
    "imaginary unit", (sympy.core.numbers.ImaginaryUnit,), d=d_constant, rule="constant",
    evaluate=lambda e, env: 1j, text=lambda p, e: "i", latex=lambda p, e: p.sympy_form(e),
    syntax=refused("input syntax of the imaginary unit", "results are real"),
    lower=refused("code for the imaginary unit", "generated code computes real values"),
    binds=LEAF))


# --- I, 0, 𝟏 --------------------------------------------------------------------------


def syntax_identity(p, e):
    if e.shape == (1, 1):
        return "1", p.ATOM  # eye would get a dimension of its own, never 1
    return "eye", p.ATOM


def syntax_ones(p, e):
    if e.shape == (1, 1):
        return "1", p.ATOM
    if e.shape[1] == 1:
        return "vector(1)", p.ATOM
    if e.shape[0] == 1:
        return "vector(1)'", p.POWER
    return "vector(1)*vector(1)'", p.PRODUCT  # matrix(1) would be 1 x 1 in a product


def syntax_zero(p, e):
    if e.shape == (1, 1):
        return "0", p.ATOM
    return ("0*vector(1)" if e.shape[1] == 1 else "0*matrix(1)"), p.PRODUCT


def transpose_constant(A, ctx):
    """Iᵀ = I, 0ᵀ = 0, 𝟏ᵀ = 𝟏 (of the transposed shape)"""
    if isinstance(A, sympy.Identity):
        return A
    return type(A)(*reversed(A.shape))


def is_ones_matrix(e) -> bool:
    """True for a matrix of ones that is no vector: it prints as 𝟏 𝟏ᵀ."""
    return 1 not in tuple(e.shape)


def text_ones(p, e):
    """𝟏 (a column of ones), 𝟏ᵀ (a row), 𝟏 𝟏ᵀ (a matrix of ones), as the Cookbook writes
    them; 𝟏 alone always reads back as a vector."""
    if is_ones_matrix(e):
        return "𝟏 𝟏ᵀ"
    return "𝟏ᵀ" if e.shape[0] == 1 and e.shape[1] != 1 else "𝟏"


def latex_ones(p, e):
    row = rf"\mathbf{{1}}^{{{p.mark}}}"
    if is_ones_matrix(e):
        return rf"\mathbf{{1}} {row}"
    return row if e.shape[0] == 1 and e.shape[1] != 1 else r"\mathbf{1}"


def parse_eye(b, where):
    n = b.dims.fresh(contextual=True)
    return b.typed((n, n), lambda: sympy.Identity(b.dims.resolve(n)))


def _times(c, M):
    return M if c == 1 else c * M


def parse_vector(b, t, where):
    """vector(c): c times a column of ones, as long as the context needs"""
    c = b.scalar(t, "vector(c)", where)
    n = b.dims.fresh(contextual=True)
    return b.typed((n, sympy.S.One), lambda: _times(
        c.build(), sympy.OneMatrix(b.dims.resolve(n), 1)))


def parse_matrix(b, t, where):
    """matrix(c): c times a matrix of ones, of the shape the context needs"""
    c = b.scalar(t, "matrix(c)", where)
    n, m = b.dims.fresh(contextual=True), b.dims.fresh(contextual=True)
    return b.typed((n, m), lambda: _times(
        c.build(), sympy.OneMatrix(b.dims.resolve(n), b.dims.resolve(m))))


register(Operator(
    "identity", (sympy.Identity,), d=d_constant, rule="constant",
    evaluate=lambda e, env: np.eye(env.dim(e.shape[0])), text=lambda p, e: "I",
    latex=lambda p, e: r"\mathbf{I}" if p.bold else "I", syntax=syntax_identity,
    lower=lambda low, e: Value("1", EYE, tuple(e.shape)), transpose=transpose_constant,
    parse=(ParseEntry("eye", None, parse_eye), ParseEntry("I", None, parse_eye)), binds=LEAF))

register(Operator(
    "zero matrix", (sympy.ZeroMatrix,), d=d_constant, rule="constant",
    evaluate=lambda e, env: np.zeros((env.dim(e.shape[0]), env.dim(e.shape[1]))),
    text=lambda p, e: "0", latex=lambda p, e: r"\mathbf{0}" if p.bold else "0",
    syntax=syntax_zero, lower=lambda low, e: Value("0", ZERO, tuple(e.shape)),
    transpose=transpose_constant, binds=LEAF))

register(Operator(
    "matrix of ones", (sympy.OneMatrix,), d=d_constant, rule="constant",
    evaluate=lambda e, env: np.ones((env.dim(e.shape[0]), env.dim(e.shape[1]))),
    text=text_ones, latex=latex_ones, syntax=syntax_ones,
    lower=lambda low, e: Value("1", ONES, tuple(e.shape)), transpose=transpose_constant,
    parse=(ParseEntry("vector", 1, parse_vector), ParseEntry("matrix", 1, parse_matrix)),
    binds=lambda e: INFIX if is_ones_matrix(e) else LEAF))
