r"""Paper-ready LaTeX: \operatorname{tr}, \det, X^{-1}, X^{-\top}, \odot, \otimes, \boxtimes.

Contract: `latex(obj, transpose="top", bold=False)` returns LaTeX math (no $…$); it never
changes obj. `transpose` chooses the transpose mark (`"top"` -> ^{\top}, `"T"` -> ^{T},
`"intercal"` -> ^{\intercal}); `bold=True` sets matrices in \mathbf.

Names print as themselves, never as TeX: SymPy's conventions stay (alpha -> \alpha,
x_1 -> x_{1}, xhat -> \hat{x}), but every character TeX reads as markup is escaped
(\input{f} -> \backslash{}input\{f\}), including in a name with braces, which SymPy
would paste verbatim as raw LaTeX. Every name (matrices, scalars, dimensions, functions)
passes through `MatrixLatexPrinter._deal_with_super_sub` and `tex_name`.
"""

from __future__ import annotations

import re

import sympy
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter, translate

from ..calculus.fourth_order import FourthOrder
from ..core.errors import OptionError
from ..core.limits import MAX_RESULT_DEPTH, bounded
from ..core.nodes import is_one_by_one, sympified
from ..core.registry import STAGES
from .notation import Notation

_MARKS = {"top": r"\top", "T": "T", "intercal": r"\intercal"}

#: A factor ending in a delimiter (f(X), (A + B), |a|, ‖x‖₂, with its scripts) or beginning
#: with one or with a function's name: set off from its neighbour by a thin space.
_DELIMITED_END = re.compile(r"\\right\S*?(_\{[^{}]*\})?(\^\{[^{}]*\})?$")
_DELIMITED_START = re.compile(r"\\(left|operatorname|mathrm|det|log|exp|sin|cos|tan|sinh|"
                              r"cosh|tanh|arcsin|arccos|arctan|sigma\\left|sqrt)(?![A-Za-z])")

#: TeX's special characters, written in math mode so that they print as themselves.
_TEX_ESCAPES = {"\\": r"\backslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                "#": r"\#", "%": r"\%", "_": r"\_", "^": r"\text{\textasciicircum}",
                "~": r"\text{\textasciitilde}"}


def tex_name(name: str) -> str:
    r"""name as math-mode TeX that prints its characters literally and runs no command.

    TeX's special characters are escaped; a character Python would not print (a newline, a
    NUL) is written as its Python escape, \n, \x00 (the ^^ notation could spell a command).

    >>> from matcalc.printing.tex import tex_name
    >>> print(tex_name(r"\input{a_b}"))
    \backslash{}input\{a\_b\}
    """
    return "".join(_TEX_ESCAPES.get(c) or (c if c.isprintable() else
                                           _TEX_ESCAPES["\\"] + repr(c)[2:-1])
                   for c in name)


class MatrixLatexPrinter(Notation, LatexPrinter):
    """SymPy's LatexPrinter with the notation of matrix-calculus papers."""

    style = "latex"
    TENSOR = {"square": r"\boxtimes", "dyadic": r"\otimes", "transposer": r"\mathbb{T}",
              "symmetric": r"\mathbb{I}_s", "entries": r"\left(2 \mathbb{I}_s - \mathbb{D}\right)",
              "diagonal": r"\mathbb{D}", "hadamard": r"\odot", "kronecker": r"\otimes",
              "vec": r"\operatorname{vec}", "unvec": r"\operatorname{vec}^{-1}",
              "frechet": r"L_{{\operatorname{{{}}}}}",
              "second frechet": r"L^{{2}}_{{\operatorname{{{}}}}}"}

    def __init__(self, transpose: str = "top", bold: bool = False):
        if transpose not in _MARKS:
            raise OptionError(f"transpose={transpose!r}: use one of {sorted(_MARKS)}")
        super().__init__()
        self.mark = _MARKS[transpose]
        self.bold = bold

    def _deal_with_super_sub(self, string: str, style: str = "plain") -> str:
        r"""A name as SymPy writes it (alpha -> \alpha, x_1^2 -> x^{2}_{1}), each piece
        escaped by `tex_name` before SymPy's `translate` reads it: the one place where
        symbols, matrix symbols, dimensions and function names become LaTeX."""
        base, supers, subs = split_super_sub(string)
        name = translate(tex_name(base))
        if len(base) > 1 and base.isascii() and base.isalpha() and name == base:
            name = rf"\mathit{{{name}}}"  # foo, which reads back as one name, not f o o
        if style == "bold":
            name = rf"\mathbf{{{name}}}"
        for mark, pieces in (("^", supers), ("_", subs)):
            if pieces:
                name += mark + "{" + " ".join(translate(tex_name(p)) for p in pieces) + "}"
        return name

    def _hprint_Function(self, func: str) -> str:
        r"""A function's name as SymPy writes it: \operatorname{foo}, not \mathit{foo}."""
        name = super()._hprint_Function(func)
        if name.startswith(r"\mathit{") and name.endswith("}") and name.count("{") == 1:
            return rf"\operatorname{{{name[8:-1]}}}"
        return name

    def _matrix_name(self, name: str) -> str:
        s = self._print(sympy.Symbol(name))
        if "^" in s:  # X__a -> {X^{a}}: a base of ^{-1} or ^{\top}, not a double superscript
            s = f"{{{s}}}"
        return rf"\mathbf{{{s}}}" if self.bold else s

    @staticmethod
    def parenthesised(s: str) -> str:
        return rf"\left({s}\right)"

    @staticmethod
    def juxtaposed(left: str, right: str) -> str:
        r"""Two factors side by side, a thin space between them where one is delimited
        or named: \det\left(X\right) \, X^{-\top}, A \, \left(B + C\right), but A X."""
        spaced = _DELIMITED_END.search(left) or _DELIMITED_START.match(right)
        return f"{left} \\, {right}" if spaced else f"{left} {right}"

    def matrix_name(self, name: str) -> str:
        return self._matrix_name(name)

    def operator_name(self, name: str) -> str:
        r"""\operatorname{name}, the name escaped (a function outside matcalc's table)."""
        return rf"\operatorname{{{tex_name(name)}}}"

    def with_coefficient(self, coeff, body: str) -> str:
        if coeff == 1:
            return body
        if coeff == -1:
            return "- " + body
        if coeff.could_extract_minus_sign():
            return "- " + self.with_coefficient(-coeff, body)
        c = self._print(coeff)
        if isinstance(coeff, sympy.Add):
            c = rf"\left({c}\right)"
        return self.juxtaposed(c, body)

@bounded(bound=MAX_RESULT_DEPTH)
def latex(obj, *, transpose: str = "top", bold: bool = False) -> str:
    r"""LaTeX of an expression or a FourthOrder.

    >>> import sympy
    >>> from matcalc import latex, grad
    >>> X = sympy.MatrixSymbol("X", 3, 3)
    >>> latex(grad(sympy.log(sympy.Determinant(X)), X))
    'X^{-\\top}'
    >>> latex(grad(sympy.Determinant(X), X), bold=True, transpose="T")
    '\\det\\left(\\mathbf{X}\\right) \\, \\mathbf{X}^{-T}'
    """
    p = MatrixLatexPrinter(transpose=transpose, bold=bold)
    if isinstance(obj, FourthOrder):
        return p.fourth_order(obj)
    obj = sympified(obj)
    if isinstance(obj, sympy.Trace) and is_one_by_one(obj.arg):
        obj = obj.arg  # standing alone, x^T A x needs no parentheses
    return p.doprint(obj)


def _latex_of_node(e, printer=None, **options) -> str:
    """A matcalc node inside SymPy's own `latex()` (the `_latex` hook of its classes)."""
    p = printer if isinstance(printer, MatrixLatexPrinter) else MatrixLatexPrinter()
    return p._print(e, **options)


def typeset_width(tex: str) -> int:
    """About how many characters wide tex typesets: a command counts as one symbol (\\det
    and its kin as three letters, \\quad and ⇒ as two), braces and scripts' marks as
    nothing, a binary operator (+ − = : ⊙ ⊗) as two for the space around it, \\left,
    \\right and thin spaces as a third each. A measure for breaking lines, not TeX's."""
    spaced = len(re.findall(r" [-+=:] | \\(odot|otimes|boxtimes|cdot) ", tex)) \
        + len(re.findall(r"\\(left|right)(?![A-Za-z])|\\,", tex)) // 3
    tex = re.sub(r"\\(left|right|mathrm|operatorname|mathbf)(?![A-Za-z])|\\[,;!]", "", tex)
    tex = re.sub(r"\\(quad|Rightarrow)(?![A-Za-z])", "xx", tex)
    tex = re.sub(r"\\(det|log|exp|sin|cos|tan|tanh|sinh|cosh|tr)(?![A-Za-z])", "xxx", tex)
    tex = re.sub(r"\\[A-Za-z]+", "x", tex)
    return len(re.sub(r"[{}\s^_&]", "", tex)) + spaced


def latex_lines(obj, *, width: int) -> list[str]:
    """The LaTeX of obj as lines at most `width` wide (see `typeset_width`) where it can
    be broken: before the + or − of a sum, else before a ⊙, ⊗ or :, else between the
    factors of a product; inside parentheses too, which then continue with \\right. and
    \\left.; one line when obj fits."""
    return break_latex(latex(obj), width)


#: Where a line may break, loosest first: the terms of a sum, the operands of ⊙ ⊗ :,
#: the factors of a product.
_BREAKS = ((" + ", " - "), (r" \odot ", r" \otimes ", " : "), (r" \, ", " "))


def break_latex(tex: str, width: int) -> list[str]:
    """tex as lines at most `width` wide where it can be broken (see `latex_lines`); each
    line's \\left and \\right balance."""
    if typeset_width(tex) <= width:
        return [tex]
    for separators in _BREAKS:
        pieces = _split_outside_groups(tex, separators)
        if len(pieces) > 1:
            return _pack(pieces, width)
    fraction = re.fullmatch(r"(- )?\\frac\{(.*)\}\{(\d+)\}", tex)
    if fraction and _balanced(fraction[2]):  # \frac{tr(…)}{2} as \frac{1}{2} tr(…)
        sign, numerator, denominator = fraction.groups()
        return break_latex(rf"{sign or ''}\frac{{1}}{{{denominator}}} \, {numerator}", width)
    group = _outer_group(tex)
    if group is None:
        return [tex]
    before, inner, after = group
    lines = break_latex(inner, width - 2)
    if len(lines) == 1:
        return [tex]
    return ([rf"{before}\left({lines[0]} \right."]
            + [rf"\left. {line} \right." for line in lines[1:-1]]
            + [rf"\left. {lines[-1]} \right){after}"])


def _pack(pieces: list, width: int) -> list[str]:
    """(separator, text) pieces packed greedily into lines, a line beginning with the
    separator that broke it (− b, \\odot B); a piece wider than a line broken in turn."""
    lines: list[str] = []
    for separator, piece in pieces:
        glue = separator.strip()
        candidate = f"{lines[-1]}{separator}{piece}" if lines else piece
        if lines and typeset_width(candidate) <= width:
            lines[-1] = candidate
            continue
        start = f"{glue} {piece}" if lines and glue and glue != r"\," else piece
        if typeset_width(start) <= width:
            lines.append(start)
        elif lines and typeset_width(lines[-1]) <= width // 4:  # − 2 stays with what it
            first, *rest = break_latex(piece, width - typeset_width(lines[-1]) - 1)
            lines[-1] = f"{lines[-1]}{separator}{first}"  # multiplies: − 2 tr(…
            lines.extend(rest)
        else:
            lines.extend(break_latex(start, width))
    return lines


def _split_outside_groups(tex: str, separators) -> list:
    """[(separator, piece), …]: tex split at the separators that stand outside every
    \\left…\\right pair and brace (the first piece's separator is "")."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(tex):
        step = _delimiter(tex, i)
        if step:
            depth += step
        elif tex[i] == "{" and tex[i - 1:i] != "\\":
            depth += 1
        elif tex[i] == "}" and tex[i - 1:i] != "\\":
            depth -= 1
        elif depth == 0 and i > start:
            found = next((s for s in separators if tex.startswith(s, i)), None)
            if found is not None and not _is_sign_of(tex, i, start):
                pieces.append(tex[start:i])
                pieces.append(found)
                start = i + len(found)
                i = start
                continue
        i += 1
    pieces.append(tex[start:])
    separators_found = [""] + pieces[1::2]
    return [(sep, piece) for sep, piece in zip(separators_found, pieces[0::2], strict=True)
            if piece.strip()]


def _balanced(tex: str) -> bool:
    """True when tex's braces pair up (it is one argument, not several)."""
    depth = 0
    for i, c in enumerate(tex):
        if c in "{}" and tex[i - 1:i] != "\\":
            depth += 1 if c == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def _delimiter(tex: str, i: int) -> int:
    """+1 where tex has \\left at i, −1 where it has \\right, else 0."""
    if tex.startswith(r"\left", i) and not tex[i + 5:i + 6].isalpha():
        return 1
    if tex.startswith(r"\right", i) and not tex[i + 6:i + 7].isalpha():
        return -1
    return 0


def _is_sign_of(tex: str, i: int, start: int) -> bool:
    """True when the text before position i is only a leading minus sign (− A X)."""
    return tex[start:i].strip() in ("", "-")


def _outer_group(tex: str):
    """(before, inside, after) of the widest \\left( … \\right) of tex, where before
    and after hold no other group; else None."""
    open_at = tex.find(r"\left(")
    before = tex[:open_at].replace(r"\{", "").replace(r"\}", "")
    if open_at < 0 or before.count("{") != before.count("}"):  # inside \frac{…}: no
        return None
    depth = 0
    for i in range(open_at, len(tex)):
        step = _delimiter(tex, i)
        depth += step
        if step < 0 and depth == 0:  # the \right that closes the first \left(
            if not tex.startswith(r"\right)", i) or r"\left" in tex[i + 7:]:
                return None
            return tex[:open_at], tex[open_at + 6:i], tex[i + 7:]
    return None


STAGES["latex"] = latex
STAGES["latex lines"] = latex_lines
STAGES["latex width"] = typeset_width
STAGES["latex node"] = _latex_of_node
