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

import sympy
from sympy.printing.conventions import split_super_sub
from sympy.printing.latex import LatexPrinter, translate

from ..errors import OptionError
from ..limits import MAX_RESULT_DEPTH, bounded, spend
from ..nodes import MatrixDifferential, is_one_by_one, sympified
from ..tensor4 import FourthOrder, SquareProduct
from .common import (LATEX_FUNCTION_NAMES, is_base, is_operand, norm_subscript, ordered_terms,
                     written_after_d)

_MARKS = {"top": r"\top", "T": "T", "intercal": r"\intercal"}

#: TeX's special characters, written in math mode so that they print as themselves.
_TEX_ESCAPES = {"\\": r"\backslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                "#": r"\#", "%": r"\%", "_": r"\_", "^": r"\text{\textasciicircum}",
                "~": r"\text{\textasciitilde}"}


def tex_name(name: str) -> str:
    r"""name as math-mode TeX that prints its characters literally and runs no command.

    TeX's special characters are escaped; a character Python would not print (a newline, a
    NUL) is written as its Python escape, \n, \x00 (the ^^ notation could spell a command).

    >>> from matcalc.printing.latex import tex_name
    >>> print(tex_name(r"\input{a_b}"))
    \backslash{}input\{a\_b\}
    """
    return "".join(_TEX_ESCAPES.get(c) or (c if c.isprintable() else
                                           _TEX_ESCAPES["\\"] + repr(c)[2:-1])
                   for c in name)


class MatrixLatexPrinter(LatexPrinter):
    """SymPy's LatexPrinter with the notation of matrix-calculus papers."""

    def _print(self, expr, **kwargs) -> str:
        spend("printing")
        return super()._print(expr, **kwargs)

    def __init__(self, transpose: str = "top", bold: bool = False):
        if transpose not in _MARKS:
            raise OptionError(f"transpose={transpose!r}: use one of {sorted(_MARKS)}")
        super().__init__()
        self.mark = _MARKS[transpose]
        self.bold = bold

    def print_node(self, e, **options) -> str:
        """e by this printer's _print_<Class> method (for the `_latex` hooks of matcalc's
        nodes, which SymPy's printers call first; `exp=` for a power of a function)."""
        for cls in type(e).__mro__:
            method = getattr(self, "_print_" + cls.__name__, None)
            if method is not None:
                return method(e, **options)
        return self.emptyPrinter(e)

    def _deal_with_super_sub(self, string: str, style: str = "plain") -> str:
        r"""A name as SymPy writes it (alpha -> \alpha, x_1^2 -> x^{2}_{1}), each piece
        escaped by `tex_name` before SymPy's `translate` reads it: the one place where
        symbols, matrix symbols, dimensions and function names become LaTeX."""
        base, supers, subs = split_super_sub(string)
        name = translate(tex_name(base))
        if style == "bold":
            name = rf"\mathbf{{{name}}}"
        for mark, pieces in (("^", supers), ("_", subs)):
            if pieces:
                name += mark + "{" + " ".join(translate(tex_name(p)) for p in pieces) + "}"
        return name

    def _matrix_name(self, name: str) -> str:
        s = self._print(sympy.Symbol(name))
        if "^" in s:  # X__a -> {X^{a}}: a base of ^{-1} or ^{\top}, not a double superscript
            s = f"{{{s}}}"
        return rf"\mathbf{{{s}}}" if self.bold else s

    def _wrap(self, e) -> str:
        """e as an operand of a product: parenthesised unless it binds tighter."""
        s = self._print(e)
        return s if is_operand(e) else rf"\left({s}\right)"

    def _base(self, e) -> str:
        """e as the base of a superscript: parenthesised unless atomic (no A^{-1}^{T})."""
        s = self._print(e)
        return s if is_base(e) else rf"\left({s}\right)"

    def _print_MatrixSymbol(self, e):
        if isinstance(e, MatrixDifferential):
            return r"\mathrm{d}" + self._matrix_name(e.name[1:])
        return self._matrix_name(e.name)

    def _print_Transpose(self, e):
        A = e.arg
        if isinstance(A, sympy.Inverse) and isinstance(A.arg, sympy.MatrixSymbol):
            return f"{self._print(A.arg)}^{{-{self.mark}}}"
        return f"{self._base(A)}^{{{self.mark}}}"

    def _print_Inverse(self, e):
        A = e.arg
        if isinstance(A, sympy.Transpose) and isinstance(A.arg, sympy.MatrixSymbol):
            return f"{self._print(A.arg)}^{{-{self.mark}}}"
        return f"{self._base(A)}^{{-1}}"

    def _print_MatPow(self, e):
        A, k = e.args
        if isinstance(A, sympy.Transpose) and isinstance(A.arg, sympy.MatrixSymbol):
            return rf"\left({self._print(A.arg)}^{{{self._print(k)}}}\right)^{{{self.mark}}}"
        return f"{self._base(A)}^{{{self._print(k)}}}"

    def _print_Identity(self, e):
        return r"\mathbf{I}" if self.bold else "I"

    def _print_ZeroMatrix(self, e):
        return r"\mathbf{0}" if self.bold else "0"

    def _print_OneMatrix(self, e):
        """𝟏, and 𝟏ᵀ for a row of ones."""
        if e.shape[0] == 1 and e.shape[1] != 1:
            return rf"\mathbf{{1}}^{{{self.mark}}}"
        return r"\mathbf{1}"

    def _print_Trace(self, e):
        if is_one_by_one(e.arg):  # a 1 x 1 matrix used as a scalar
            return rf"\left({self._print(e.arg)}\right)"
        return rf"\operatorname{{tr}}\left({self._print(e.arg)}\right)"

    def _print_Determinant(self, e):
        return rf"\det\left({self._print(e.arg)}\right)"

    def _print_DifferentialOf(self, e):
        """d tr(X⁻¹), d(X⁻¹): a differential not yet expanded (in a derivation)."""
        u = e.arg
        if written_after_d(u):
            return rf"\mathrm{{d}}\,{self._print(u)}"
        return rf"\mathrm{{d}}\left({self._print(u)}\right)"

    _print_MatrixDifferentialOf = _print_DifferentialOf

    def _print_DoubleDot(self, e):
        A, B = e.args  # binds looser than products: only sums need parentheses
        return rf"{self._sum_wrap(A)} : {self._sum_wrap(B)}"

    def _sum_wrap(self, e) -> str:
        s = self._print(e)
        return rf"\left({s}\right)" if isinstance(e, sympy.MatAdd) else s

    def _print_Vec(self, e):
        return rf"\operatorname{{vec}}\left({self._print(e.arg)}\right)"

    def _print_CommutationMatrix(self, e):
        m, n = e.args
        return f"K_{{{self._print(m)},{self._print(n)}}}"

    def _print_Elementwise(self, e):
        """f(A), applied entry by entry (the README states the convention)."""
        name = e.function.__name__
        arg = self._print(e.arg)
        if name == "Abs":
            return rf"\left|{arg}\right|"
        return rf"{self._function_name(name)}\left({arg}\right)"

    def _function_name(self, name: str) -> str:
        return LATEX_FUNCTION_NAMES.get(name) or rf"\operatorname{{{tex_name(name)}}}"

    def _print_sigmoid(self, e, exp=None):
        s = rf"\sigma\left({self._print(e.args[0])}\right)"
        return s if exp is None else f"{s}^{{{exp}}}"

    def _print_softplus(self, e, exp=None):
        s = rf"\operatorname{{softplus}}\left({self._print(e.args[0])}\right)"
        return s if exp is None else f"{s}^{{{exp}}}"

    def _print_Norm(self, e):
        return rf"\left\lVert {self._print(e.arg)} \right\rVert_{{{norm_subscript(e.arg)}}}"

    def _print_Adjugate(self, e):
        return rf"\operatorname{{adj}}\left({self._print(e.arg)}\right)"

    def _print_Unvec(self, e):
        return rf"\operatorname{{vec}}^{{-1}}\left({self._print(e.arg)}\right)"

    def _print_DiagMatrix(self, e):
        return rf"\operatorname{{diag}}\left({self._print(e.args[0])}\right)"

    def _print_DiagonalOf(self, e):
        return rf"\operatorname{{diag}}\left({self._print(e.arg)}\right)"

    def _print_DiagonalMatrix(self, e):
        return rf"I \odot {self._wrap(e.arg)}"

    def _print_HadamardProduct(self, e):
        return r" \odot ".join(self._wrap(a) for a in e.args)

    def _print_HadamardPower(self, e):
        return rf"{self._base(e.base)}^{{\circ {self._print(e.exp)}}}"

    def _print_KroneckerProduct(self, e):
        return r" \otimes ".join(self._wrap(a) for a in e.args)

    def _print_MatMul(self, e):
        coeff, factors = e.as_coeff_matrices()
        grouping = (sympy.MatAdd,) if len(factors) == 1 else (
            sympy.MatAdd, sympy.HadamardProduct, sympy.KroneckerProduct, sympy.DiagonalMatrix)
        printed = [self._wrap(f) if isinstance(f, grouping) else self._print(f)
                   for f in factors]
        body = printed[0]
        for prev, f, s in zip(factors, factors[1:], printed[1:], strict=False):
            # a thin space sets off a differential: X^{-1} \, dX \, X^{-1}
            body += r" \, " if _is_differential(prev) or _is_differential(f) else " "
            body += s
        return self.with_coefficient(coeff, body)

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
        return f"{c} {body}"

    def _print_MatAdd(self, e):
        out = ""
        for i, t in enumerate(ordered_terms(e.args)):
            s = self._print(t)
            if i and s.startswith("- "):
                out += " - " + s[2:]
            elif i:
                out += " + " + s
            else:
                out = s
        return out


def _is_differential(M) -> bool:
    """dX or dXᵀ."""
    return isinstance(M.arg if isinstance(M, sympy.Transpose) else M, MatrixDifferential)


@bounded(bound=MAX_RESULT_DEPTH)
def latex(obj, *, transpose: str = "top", bold: bool = False) -> str:
    r"""LaTeX of an expression or a FourthOrder.

    >>> import sympy
    >>> from matcalc import latex, grad
    >>> X = sympy.MatrixSymbol("X", 3, 3)
    >>> latex(grad(sympy.log(sympy.Determinant(X)), X))
    'X^{-\\top}'
    >>> latex(grad(sympy.Determinant(X), X), bold=True, transpose="T")
    '\\det\\left(\\mathbf{X}\\right) \\mathbf{X}^{-T}'
    """
    p = MatrixLatexPrinter(transpose=transpose, bold=bold)
    if isinstance(obj, FourthOrder):
        return fourth_order_latex(p, obj)
    obj = sympified(obj)
    if isinstance(obj, sympy.Trace) and is_one_by_one(obj.arg):
        obj = obj.arg  # standing alone, x^T A x needs no parentheses
    return p.doprint(obj)


def fourth_order_latex(p: MatrixLatexPrinter, J: FourthOrder) -> str:
    if not J.terms:
        return "0"
    parts = []
    for t in J.terms:
        if isinstance(t, SquareProduct):
            body = rf"{_factor(p, t.A)} \boxtimes {_factor(p, t.B)}"
            if t.transposed:
                body = rf"\left({body}\right) : \mathbb{{T}}"
        else:
            body = rf"{_factor(p, t.M)} \otimes {_factor(p, t.K)}"
        parts.append(p.with_coefficient(t.coeff, body))
    s = " + ".join(parts).replace("+ - ", "- ")
    names = {"symmetric": r"\mathbb{I}_s", "entries": r"\left(2 \mathbb{I}_s - \mathbb{D}\right)",
             "diagonal": r"\mathbb{D}"}
    if J.projection or J.left:
        wrap = len(parts) > 1 or (J.left and s.startswith("-"))
        s = rf"\left({s}\right)" if wrap else s
    if J.projection:
        s = f"{s} : {names[J.projection]}"
    if J.left:
        s = f"{names[J.left]} : {s}"
    return s


def _factor(p, M) -> str:
    return p._wrap(M)
