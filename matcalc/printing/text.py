"""Readable Unicode text: tr(X⁻¹), det(X) X⁻ᵀ, (A + Aᵀ) x, −X⁻¹ ⊠ X⁻ᵀ.

Contract: `text(obj)` returns one line; it never changes obj. Products are written by
juxtaposition (a space), transposes and inverses as superscripts, a 1 x 1 matrix used as
a scalar without "tr".
"""

from __future__ import annotations

import sympy
from sympy.printing.str import StrPrinter

from ..limits import MAX_RESULT_DEPTH, bounded, spend
from ..nodes import is_one_by_one, sympified
from ..tensor4 import FourthOrder, SquareProduct
from .common import (FUNCTION_NAMES, is_base, is_operand, join_signed, norm_subscript,
                     ordered_terms, written_after_d)

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUMS = (sympy.MatAdd,)
_PRODUCTS = (sympy.HadamardProduct, sympy.KroneckerProduct, sympy.DiagonalMatrix)


def superscript(k, printed: str | None = None) -> str:
    """ᵏ for integers (X⁻²), ^k for a symbol, ^(…) otherwise (X^(1/2), X^(tr(S) - 1))."""
    s = str(k) if printed is None else printed
    if str(k).lstrip("-").isdigit():
        return str(k).translate(_SUPERSCRIPT)
    return "^" + (s if sympy.sympify(k).is_Symbol else f"({s})")


class TextPrinter(StrPrinter):
    """StrPrinter with mathematical notation for matrix expressions."""

    def _print(self, expr, **kwargs) -> str:
        spend("printing")
        return super()._print(expr, **kwargs)

    def _wrap(self, e) -> str:
        """e as an operand of a product: parenthesised unless it binds tighter."""
        s = self._print(e)
        return s if is_operand(e) else f"({s})"

    def _base(self, e) -> str:
        """e as the base of a superscript: parenthesised unless atomic (no A⁻¹²)."""
        s = self._print(e)
        return s if is_base(e) else f"({s})"

    def _print_MatrixSymbol(self, e):
        return e.name

    def _print_Transpose(self, e):
        A = e.arg
        if isinstance(A, sympy.Inverse) and isinstance(A.arg, sympy.MatrixSymbol):
            return self._print(A.arg) + "⁻ᵀ"
        return self._base(A) + "ᵀ"

    def _print_Inverse(self, e):
        A = e.arg
        if isinstance(A, sympy.Transpose) and isinstance(A.arg, sympy.MatrixSymbol):
            return self._print(A.arg) + "⁻ᵀ"
        return self._base(A) + "⁻¹"

    def _print_MatPow(self, e):
        A, k = e.args
        power = superscript(k, self._print(k))
        if isinstance(A, sympy.Transpose) and isinstance(A.arg, sympy.MatrixSymbol):
            return f"({self._print(A.arg)}{power})ᵀ"
        return self._base(A) + power

    def _print_Identity(self, e):
        return "I"

    def _print_ZeroMatrix(self, e):
        return "0"

    def _print_OneMatrix(self, e):
        """𝟏, and 𝟏ᵀ for a row of ones."""
        return "𝟏ᵀ" if e.shape[0] == 1 and e.shape[1] != 1 else "𝟏"

    def _print_Trace(self, e):
        if is_one_by_one(e.arg):  # a 1 x 1 matrix used as a scalar: (xᵀ A x)
            return f"({self._print(e.arg)})"
        return f"tr({self._print(e.arg)})"

    def _print_Function(self, e):
        """f(…) already brackets its arguments: exp(aᵀ X b), not exp((aᵀ X b))."""
        args = [self._print(a.arg) if isinstance(a, sympy.Trace) and is_one_by_one(a.arg)
                else self._print(a) for a in e.args]
        return f"{e.func.__name__}({', '.join(args)})"

    def _print_ImaginaryUnit(self, e):
        return "i"

    def _print_Determinant(self, e):
        return f"det({self._print(e.arg)})"

    def _print_DifferentialOf(self, e):
        """d tr(X⁻¹), d(X⁻¹): a differential not yet expanded (in a derivation)."""
        u = e.arg
        if written_after_d(u):
            return f"d {self._print(u)}"
        return f"d({self._print(u)})"

    _print_MatrixDifferentialOf = _print_DifferentialOf

    def _print_DoubleDot(self, e):
        A, B = e.args  # binds looser than products: only sums need parentheses
        return f"{self._sum_wrap(A)} : {self._sum_wrap(B)}"

    def _sum_wrap(self, e) -> str:
        s = self._print(e)
        return f"({s})" if isinstance(e, sympy.MatAdd) else s

    def _print_Vec(self, e):
        return f"vec({self._print(e.arg)})"

    def _print_CommutationMatrix(self, e):
        m, n = e.args
        return f"K_({m},{n})"

    def _print_Elementwise(self, e):
        """f(A), applied entry by entry (the README states the convention)."""
        name = e.function.__name__
        if name == "Abs":
            return f"|{self._print(e.arg)}|"
        return f"{FUNCTION_NAMES.get(name, name)}({self._print(e.arg)})"

    def _print_sigmoid(self, e):
        return f"σ({self._print(e.args[0])})"

    def _print_Norm(self, e):
        sub = "₂" if norm_subscript(e.arg) == "2" else "_F"
        return f"‖{self._print(e.arg)}‖{sub}"

    def _print_Adjugate(self, e):
        return f"adj({self._print(e.arg)})"

    def _print_Unvec(self, e):
        return f"vec⁻¹({self._print(e.arg)})"

    def _print_DiagMatrix(self, e):
        return f"diag({self._print(e.args[0])})"

    def _print_DiagonalOf(self, e):
        return f"diag({self._print(e.arg)})"

    def _print_DiagonalMatrix(self, e):
        return f"I ∘ {self._wrap(e.arg)}"

    def _print_HadamardProduct(self, e):
        return " ∘ ".join(self._wrap(a) for a in e.args)

    def _print_HadamardPower(self, e):
        k = e.exp
        power = self._print(k) if k.is_Integer and k > 0 else f"({self._print(k)})"
        return f"{self._base(e.base)}^∘{power}"

    def _print_KroneckerProduct(self, e):
        return " ⊗ ".join(self._wrap(a) for a in e.args)

    def _print_MatMul(self, e):
        coeff, factors = e.as_coeff_matrices()
        grouping = _SUMS if len(factors) == 1 else _SUMS + _PRODUCTS
        body = " ".join(self._wrap(f) if isinstance(f, grouping) else self._print(f)
                        for f in factors)
        return _with_coefficient(self, coeff, body, len(factors))

    def _print_MatAdd(self, e):
        return _join_terms(self, e.args)

    def _print_Pow(self, e, rational=False):
        base, k = e.args
        if k.is_Integer and k > 0:
            return self.parenthesize(base, sympy.printing.precedence.PRECEDENCE["Pow"]) + \
                superscript(k)
        return super()._print_Pow(e, rational).replace("**", "^")

    def _print_Mul(self, e):
        return super()._print_Mul(e).replace("*", " ")


def _with_coefficient(p, coeff, body, n_factors) -> str:
    """coeff · body, written as a person would: -A, 2 A, (A + Aᵀ)/2, tr(X) A, 2 x/(xᵀ x)."""
    if coeff == 1:
        return body
    if coeff == -1:
        return "-" + body
    if coeff.could_extract_minus_sign():
        return "-" + _with_coefficient(p, -coeff, body, n_factors)
    numerator, denominator = sympy.fraction(coeff)
    if denominator != 1:  # the matrix goes to the numerator: 2 x/(xᵀ x)², (A + Aᵀ)/2
        den = p._print(denominator)
        if isinstance(denominator, (sympy.Mul, sympy.Add)):
            den = f"({den})"
        return f"{_with_coefficient(p, numerator, body, n_factors)}/{den}"
    c = p._print(coeff)
    if isinstance(coeff, sympy.Add):
        c = f"({c})"
    return f"{c} {body}"


def _join_terms(p, terms) -> str:
    return join_signed([p._print(t) for t in ordered_terms(terms)])


@bounded(bound=MAX_RESULT_DEPTH)
def text(obj) -> str:
    """Unicode text of an expression or a FourthOrder.

    >>> import sympy
    >>> from matcalc import text, grad
    >>> X = sympy.MatrixSymbol("X", 3, 3)
    >>> text(grad(sympy.Trace(X.I), X))
    '-(X⁻²)ᵀ'
    """
    p = TextPrinter()
    if isinstance(obj, FourthOrder):
        return fourth_order_text(p, obj)
    obj = sympified(obj)
    if isinstance(obj, sympy.Trace) and is_one_by_one(obj.arg):
        obj = obj.arg  # standing alone, xᵀ A x needs no parentheses
    return p.doprint(obj)


def fourth_order_text(p, J: FourthOrder) -> str:
    if not J.terms:
        return "0"
    parts = []
    for t in J.terms:
        if isinstance(t, SquareProduct):
            body = f"{_factor(p, t.A)} ⊠ {_factor(p, t.B)}"
            if t.transposed:
                body = f"({body}) : 𝕋"
        else:
            body = f"{_factor(p, t.M)} ⊗ {_factor(p, t.K)}"
        parts.append(_with_coefficient(p, t.coeff, body, 2))
    s = " + ".join(parts).replace("+ -", "- ")
    names = {"symmetric": "𝕀ₛ", "entries": "(2𝕀ₛ - 𝔻)", "diagonal": "𝔻"}
    if J.projection or J.left:
        s = f"({s})" if len(parts) > 1 or (J.left and s.startswith("-")) else s
    if J.projection:
        s = f"{s} : {names[J.projection]}"
    if J.left:
        s = f"{names[J.left]} : {s}"
    return s


def _factor(p, M) -> str:
    s = p._print(M)
    return s if is_operand(M) else f"({s})"


