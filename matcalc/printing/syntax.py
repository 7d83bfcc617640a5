"""matcalc's input syntax (matrixcalculus.org's): text that `matcalc.parse` reads back.

Contract: `syntax(obj, declare=False)` returns one line such that `parse` gives back an
expression equal to obj (same tree up to SymPy's flattening of n-ary products); it never
changes obj. `declare=True` puts declarations of the symbols first ("X: n x n; tr(X)"),
so the text stands alone without a `symbols=` mapping.
"""

from __future__ import annotations

import re

import sympy
from sympy import MatrixSymbol, Symbol

from ..errors import NoRuleError
from ..extract import unvec_seed
from ..limits import MAX_RESULT_DEPTH, bounded, spend
from ..nodes import (Adjugate, Elementwise, Kronecker, MatrixDifferential, Norm,
                     SymmetricMatrixSymbol, Unvec, Vec, short, sigmoid, softplus, sympified)
from ..parser import ENTRYWISE, FUNCTIONS, RESERVED
from .common import join_signed, ordered_terms

# Binding strength of the grammar's levels (matcalc.parser.GRAMMAR); as in MATLAB, powers
# and transposes share a level and read left to right.
SUM, PRODUCT, UNARY, POWER, ATOM = range(5)

#: Scalar functions (and entrywise ones) by SymPy class -> the name in the syntax.
FUNCTION_NAMES = {
    sympy.exp: "exp", sympy.log: "log", sympy.sin: "sin", sympy.cos: "cos",
    sympy.tan: "tan", sympy.tanh: "tanh", sigmoid: "sigmoid", softplus: "softplus",
    sympy.Abs: "abs", sympy.asin: "arcsin", sympy.acos: "arccos", sympy.atan: "arctan",
}


@bounded(bound=MAX_RESULT_DEPTH)
def syntax(obj, declare: bool = False) -> str:
    """obj in the syntax `matcalc.parse` reads.

    >>> import sympy
    >>> from matcalc import parse, syntax
    >>> x, A = sympy.MatrixSymbol("x", 3, 1), sympy.MatrixSymbol("A", 3, 3)
    >>> syntax(x.T * A.I * x)
    "x'*inv(A)*x"
    >>> syntax(x.T * A.I * x, declare=True)
    "A: 3 x 3; x: 3 x 1; x'*inv(A)*x"
    >>> parse(_) == x.T * A.I * x
    True
    """
    obj = sympified(obj)
    body = _print(obj)[0]
    if not declare:
        return body
    return "".join(f"{d}; " for d in declarations(obj)) + body


def declarations(obj) -> list[str]:
    """One declaration per symbol of obj, "A: n x m" / "S: symmetric n x n" / "t: scalar"."""
    lines = []
    for s in sorted(obj.atoms(MatrixSymbol, Symbol), key=lambda s: s.name):
        if isinstance(s, MatrixSymbol):
            if isinstance(s, MatrixDifferential):
                continue
            r, c = (_dimension(d, s) for d in s.shape)
            kind = "symmetric " if isinstance(s, SymmetricMatrixSymbol) else ""
            lines.append(f"{_name(s)}: {kind}{r} x {c}")
        elif not _is_dimension(s, obj):
            lines.append(f"{_name(s)}: scalar")
    return lines


def _dimension(d, s) -> str:
    if not (d.is_Integer or d.is_Symbol):
        raise NoRuleError(f"cannot declare {s.name}: dimension {d} is neither a number nor a "
                          "name", construct="input syntax of a compound dimension")
    return str(d) if d.is_Integer else _name(d)


def _is_dimension(s, obj) -> bool:
    return any(s in sympy.sympify(d).free_symbols for M in sympy.preorder_traversal(obj)
               if isinstance(M, sympy.MatrixExpr) for d in M.shape)


def _wrap(e, level) -> str:
    s, own = _print(e)
    return s if own >= level else f"({s})"


def _call(name, *args) -> tuple[str, int]:
    return f"{name}({', '.join(_print(a)[0] for a in args)})", ATOM


def _name(s) -> str:
    """A symbol's name, when the syntax can write it: a name the parser reads as this symbol
    (a letter, then letters, digits and _; no function or reserved name). Anything else
    would read back as another expression ('x y', "x'*x"), so it is refused."""
    name = s.name
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or name in FUNCTIONS or \
            name in ENTRYWISE or name in RESERVED or name == "eye":
        raise NoRuleError(f"the name {short(repr(name))} cannot be written in the input "
                          "syntax, which reads it as something else (names are a letter "
                          "followed by letters, digits and _, and no function's name)",
                          construct="input syntax for the name")
    return name


def _print(e) -> tuple[str, int]:
    """(text, level): the level says how tightly the text binds."""
    spend("printing")
    if isinstance(e, (MatrixSymbol, Symbol)):
        return _name(e), ATOM
    if isinstance(e, sympy.Integer):
        return (str(e), ATOM) if e >= 0 else (str(e), UNARY)
    if isinstance(e, sympy.Rational):
        return f"{e.p}/{e.q}", PRODUCT if e > 0 else UNARY
    if isinstance(e, sympy.Float):
        return repr(float(e)), ATOM if e >= 0 else UNARY
    if isinstance(e, (sympy.Add, sympy.MatAdd)):
        return _sum(e), SUM
    if isinstance(e, (sympy.Mul, sympy.MatMul)):
        return _product(e)
    if isinstance(e, sympy.Inverse):  # before MatPow: an Inverse is a MatPow
        return _call("inv", e.arg)
    if isinstance(e, (sympy.Pow, sympy.MatPow)):
        base, k = e.args
        return f"{_wrap(base, POWER)}^{_exponent(k)}", POWER
    if isinstance(e, sympy.Transpose):
        return _wrap(e.arg, POWER) + "'", POWER
    if isinstance(e, sympy.Trace):
        return _call("tr", e.arg)
    if isinstance(e, sympy.Determinant):
        return _call("det", e.arg)
    if isinstance(e, sympy.HadamardProduct):
        return ".*".join(_wrap(a, UNARY) for a in e.args), PRODUCT
    if isinstance(e, sympy.HadamardPower):
        return f"{_wrap(e.base, POWER)}.^{_exponent(e.exp)}", POWER
    if isinstance(e, (Kronecker, sympy.KroneckerProduct)):
        first, *rest = e.args
        return _call("kron", first, rest[0] if len(rest) == 1 else Kronecker(*rest))
    if isinstance(e, Elementwise):
        return _call(FUNCTION_NAMES.get(e.function) or _unknown(e), e.arg)
    if isinstance(e, sympy.Function) and type(e) in FUNCTION_NAMES and len(e.args) == 1:
        return _call(FUNCTION_NAMES[type(e)], e.args[0])
    if isinstance(e, Norm):
        return _call("norm2", e.arg)
    if isinstance(e, Adjugate):
        return _call("adj", e.arg)
    if isinstance(e, Vec):
        return _call("vec", e.arg)
    if isinstance(e, Unvec):  # vec⁻¹((A ⊗ B) vec(M)) = B M Aᵀ, vec⁻¹(K vec(M)) = Mᵀ
        M = unvec_seed(e.arg, *e.shape)
        return _unknown(e) if isinstance(M, Unvec) else _print(M)
    if isinstance(e, (sympy.DiagMatrix, sympy.DiagonalOf)):
        return _call("diag", e.args[0])
    if isinstance(e, (sympy.Identity, sympy.OneMatrix)) and e.shape == (1, 1):
        return "1", ATOM  # eye would get a dimension of its own, never 1
    if isinstance(e, sympy.Identity):
        return "eye", ATOM
    if isinstance(e, sympy.OneMatrix):
        if e.shape[1] == 1:
            return "vector(1)", ATOM
        if e.shape[0] == 1:
            return "vector(1)'", POWER
        return "matrix(1)", ATOM
    if isinstance(e, sympy.ZeroMatrix) and e.shape == (1, 1):
        return "0", ATOM
    if isinstance(e, sympy.ZeroMatrix):
        return ("0*vector(1)" if e.shape[1] == 1 else "0*matrix(1)"), PRODUCT
    return _unknown(e)


def _exponent(k) -> str:
    """An exponent is an atom, maybe signed: X^2, X^-1, X^(1/2), X^-(1/2)."""
    if k.is_Number and k.is_negative:
        return "-" + _wrap(-k, ATOM)
    return _wrap(k, ATOM)


def _unknown(e):
    raise NoRuleError(f"no input syntax for {type(e).__name__} (in {e})",
                      construct=f"input syntax of {type(e).__name__}")


def _sum(e) -> str:
    return join_signed([_wrap(t, SUM) for t in ordered_terms(e.args)])


def _product(e) -> tuple[str, int]:
    if isinstance(e, sympy.MatMul):
        coeff, factors = e.as_coeff_mmul()
        factors = list(factors.args) if isinstance(factors, sympy.MatMul) else [factors]
        coeff_factors = [coeff] if coeff != 1 else []
    else:
        coeff, rest = e.as_coeff_Mul()
        factors = list(rest.args) if isinstance(rest, sympy.Mul) else [rest]
        coeff_factors = [coeff] if coeff != 1 else []
    if coeff_factors and coeff_factors[0] == -1:
        return "-" + "*".join(_wrap(f, UNARY) for f in factors), UNARY
    parts = [_wrap(c, UNARY) for c in coeff_factors] + [_wrap(f, UNARY) for f in factors]
    text = "*".join(parts)
    return text, (UNARY if text.startswith("-") else PRODUCT)
