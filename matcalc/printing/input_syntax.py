"""matcalc's input syntax (matrixcalculus.org's): text that `matcalc.parse` reads back.

Contract: `syntax(obj, declare=False)` returns one line such that `parse` gives back an
expression equal to obj (same tree up to SymPy's flattening of n-ary products); it never
changes obj. `declare=True` puts declarations of the symbols first ("X: n x n; tr(X)"),
so the text stands alone without a `symbols=` mapping. Each operator writes itself (its
`syntax` row); a name is written only when the parser reads it back as the same symbol.
"""

from __future__ import annotations

import re

import sympy
from sympy import MatrixSymbol, Symbol

from ..core import functions
from ..core.errors import NoRuleError, short
from ..core.limits import MAX_RESULT_DEPTH, bounded, spend
from ..core.nodes import MatrixDifferential, SPDMatrixSymbol, SymmetricMatrixSymbol, sympified
from ..core.registry import CONSTANTS, PARSE_ENTRIES, rule_of
from .notation import join_signed, ordered_terms


class SyntaxPrinter:
    """Writes nodes as (text, level): the level says how tightly the text binds."""

    # Binding strength of the grammar's levels (matcalc.parser.GRAMMAR); as in MATLAB,
    # powers and transposes share a level and read left to right.
    SUM, PRODUCT, UNARY, POWER, ATOM = range(5)

    def print(self, e) -> tuple[str, int]:
        spend("printing")
        return rule_of(e, "syntax", "input syntax")(self, e)

    def wrap(self, e, level) -> str:
        s, own = self.print(e)
        return s if own >= level else f"({s})"

    def call(self, name, *args) -> tuple[str, int]:
        return f"{name}({', '.join(self.print(a)[0] for a in args)})", self.ATOM

    def exponent(self, k) -> str:
        """An exponent is an atom, maybe signed: X^2, X^-1, X^(1/2), X^-(1/2)."""
        if k.is_Number and k.is_negative:
            return "-" + self.wrap(-k, self.ATOM)
        return self.wrap(k, self.ATOM)

    def terms(self, e) -> str:
        return join_signed([self.wrap(t, self.SUM) for t in ordered_terms(e.args)])

    @staticmethod
    def name(s) -> str:
        return written_name(s)


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
    body = SyntaxPrinter().print(obj)[0]
    if not declare:
        return body
    return "".join(f"{d}; " for d in declarations(obj)) + body


def declarations(obj) -> list[str]:
    """One declaration per symbol of obj, "A: n x m" / "S: symmetric n x n" / "t: scalar"."""
    lines = []
    # a dimension of a declared matrix is read as that number; any other symbol, even the
    # size of an eye, is declared a scalar (else 2^(-n) det(eye) reads n as a vector)
    shape_symbols = {t for M in obj.atoms(MatrixSymbol) if not isinstance(M, MatrixDifferential)
                     for d in M.shape for t in sympy.sympify(d).free_symbols}
    for s in sorted(obj.atoms(MatrixSymbol, Symbol), key=lambda s: s.name):
        if isinstance(s, MatrixSymbol):
            if isinstance(s, MatrixDifferential):
                continue
            r, c = (_dimension(d, s) for d in s.shape)
            kind = "spd " if isinstance(s, SPDMatrixSymbol) else \
                "symmetric " if isinstance(s, SymmetricMatrixSymbol) else ""
            lines.append(f"{written_name(s)}: {kind}{r} x {c}")
        elif s not in shape_symbols and s in _symbols_outside_shapes(obj):
            lines.append(f"{written_name(s)}: scalar")
    return lines


def _dimension(d, s) -> str:
    if not (d.is_Integer or d.is_Symbol):
        raise NoRuleError(f"cannot declare {s.name}: dimension {d} is neither a number nor a "
                          "name", construct="input syntax of a compound dimension")
    return str(d) if d.is_Integer else written_name(d)


def _symbols_outside_shapes(obj) -> set:
    """The scalar symbols of obj used as values, not only as sizes (of eye, 𝟏, 0)."""
    found, pending = set(), [obj]
    while pending:
        e = pending.pop()
        if isinstance(e, Symbol):
            found.add(e)
        elif not isinstance(e, (MatrixSymbol, sympy.Identity, sympy.ZeroMatrix,
                                sympy.OneMatrix)):
            pending.extend(e.args)
    return found


def is_function_name(name: str) -> bool:
    """True for a name the parser reads as a function or a reserved word, not a symbol."""
    return name in PARSE_ENTRIES or functions.by_name(name) is not None or name in CONSTANTS


def written_name(s) -> str:
    """A symbol's name, when the syntax can write it: a name the parser reads as this symbol
    (a letter, then letters, digits and _; no function or reserved name). Anything else
    would read back as another expression ('x y', "x'*x"), so it is refused."""
    name = s.name
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or is_function_name(name):
        raise NoRuleError(f"the name {short(repr(name))} cannot be written in the input "
                          "syntax, which reads it as something else (names are a letter "
                          "followed by letters, digits and _, and no function's name)",
                          construct="input syntax for the name")
    return name
