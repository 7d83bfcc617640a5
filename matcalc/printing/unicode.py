"""Readable Unicode text: tr(X⁻¹), det(X) X⁻ᵀ, (A + Aᵀ) x, −X⁻¹ ⊠ X⁻ᵀ.

Contract: `text(obj)` returns one line; it never changes obj. Products are written by
juxtaposition (a space), transposes and inverses as superscripts, a 1 x 1 matrix used as
a scalar without "tr".
"""

from __future__ import annotations

import sympy
from sympy.printing.str import StrPrinter

from ..calculus.fourth_order import FourthOrder
from ..core.limits import MAX_RESULT_DEPTH, bounded
from ..core.nodes import is_one_by_one, sympified
from ..core.registry import LETTERS, STAGES
from .notation import Notation, join_signed, ordered_terms

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def superscript(k, printed: str | None = None) -> str:
    """ᵏ for integers (X⁻²), ^k for a symbol, ^(…) otherwise (X^(1/2), X^(tr(S) - 1))."""
    s = str(k) if printed is None else printed
    if str(k).lstrip("-").isdigit():
        return str(k).translate(_SUPERSCRIPT)
    return "^" + (s if sympy.sympify(k).is_Symbol else f"({s})")


class TextPrinter(Notation, StrPrinter):
    """StrPrinter with mathematical notation for matrix expressions."""

    style = "text"
    TENSOR = {"square": "⊠", "dyadic": "⊗", "transposer": "𝕋", "symmetric": "𝕀ₛ",
              "entries": "(2𝕀ₛ - 𝔻)", "diagonal": "𝔻", "hadamard": "∘", "kronecker": "⊗",
              "vec": "vec", "unvec": "vec⁻¹",
              "frechet": "L_{}", "second frechet": "L²_{}"}

    @staticmethod
    def parenthesised(s: str) -> str:
        return f"({s})"

    superscript = staticmethod(superscript)

    @staticmethod
    def letters(name: str) -> str:
        """A name as printed: a spelled Greek letter as the letter (lambda -> λ, Sigma_0 ->
        Σ_0), which the parser reads back as the same name."""
        base, underscore, rest = name.partition("_")
        return LETTERS.get(base, base) + underscore + rest

    def with_coefficient(self, coeff, body: str) -> str:
        return _with_coefficient(self, coeff, body, 0)

    def join_terms(self, terms) -> str:
        return _join_terms(self, terms)


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
        den = p.print(denominator)
        if isinstance(denominator, (sympy.Mul, sympy.Add)):
            den = f"({den})"
        return f"{_with_coefficient(p, numerator, body, n_factors)}/{den}"
    c = p.print(coeff)
    if isinstance(coeff, sympy.Add):
        c = f"({c})"
    return f"{c} {body}"


def _join_terms(p, terms) -> str:
    return join_signed([p.print(t) for t in ordered_terms(terms)])


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
        return p.fourth_order(obj)
    obj = sympified(obj)
    if isinstance(obj, sympy.Trace) and is_one_by_one(obj.arg):
        obj = obj.arg  # standing alone, xᵀ A x needs no parentheses
    return p.doprint(obj)






STAGES["text"] = text
