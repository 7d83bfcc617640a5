"""What every printer agrees on, decided once: when a node needs parentheses, term order.

How a node binds is its operator's `binds` fact (matcalc.core.registry): leaves and calls
f(…) never need parentheses, postfix forms (Xᵀ, X⁻¹, X², X^∘2) need none as operands but
do as bases of a further superscript, infix forms (sums, products) need them inside a
tighter operator. A 1 x 1 matrix used as a scalar prints in parentheses, (xᵀ A x).
"""

from __future__ import annotations

import sympy

from ..calculus.fourth_order import DyadicProduct, SquareProduct
from ..core.limits import spend
from ..core.registry import CALL, LEAF, POSTFIX, row


def binds(e) -> str | None:
    op = row(e)
    if op is None:
        return None
    return op.binds(e) if callable(op.binds) else op.binds


def norm_subscript(A) -> str:
    """F for the Frobenius norm of a matrix, 2 for the Euclidean norm of a vector."""
    return "2" if 1 in tuple(A.shape) else "F"


def is_operand(e) -> bool:
    """True when e prints as an operand of a product or ⊠ without parentheses."""
    return binds(e) in (LEAF, CALL, POSTFIX) or is_scalar_of_one_by_one(e)


def is_base(e) -> bool:
    """True when e may carry a superscript (ᵀ, ⁻¹, ᵏ) without parentheses: X, I, f(X)."""
    return binds(e) in (LEAF, CALL) and not is_scalar_of_one_by_one(e)


def is_scalar_of_one_by_one(e) -> bool:
    return isinstance(e, sympy.Trace) and tuple(e.arg.shape) == (1, 1)


def ordered_terms(terms) -> list:
    """Terms in a stable reading order: SymPy's sort order, positive terms first."""
    terms = sorted(terms, key=sympy.default_sort_key)
    negative = [is_negative(t) for t in terms]
    return [t for t, neg in zip(terms, negative, strict=True) if not neg] + \
        [t for t, neg in zip(terms, negative, strict=True) if neg]


def is_negative(t) -> bool:
    """True when the term prints with a leading minus sign."""
    if isinstance(t, sympy.MatMul):
        return t.as_coeff_matrices()[0].could_extract_minus_sign()
    return t.could_extract_minus_sign()


def join_signed(printed) -> str:
    """Printed terms joined into a sum: "a + b", and "a - b" where b prints as "-b"."""
    out = ""
    for i, s in enumerate(printed):
        if i == 0:
            out = s
        elif s.startswith("-"):
            out += " - " + s[1:]
        else:
            out += " + " + s
    return out


def written_after_d(u) -> bool:
    """True when d u needs no parentheses: d tr(X⁻¹), d log(det X), but d(X⁻¹), d(xᵀ x)."""
    return binds(u) == CALL and not is_scalar_of_one_by_one(u)


class Notation:
    """The part every printer shares, mixed in before SymPy's printer class: a node with an
    operator prints by that operator's row (`text` or `latex`, after the printer's
    `style`), anything else as SymPy prints it; and what the rows may ask of a printer."""

    style = ""  # the row the printer reads: "text" or "latex"

    def _print(self, expr, **kwargs) -> str:
        spend("printing")
        op = row(expr)
        if op is None:
            return super()._print(expr, **kwargs)
        self._print_level += 1  # as SymPy's Printer._print counts (Floats read it)
        try:
            s = getattr(op, self.style)(self, expr)
        finally:
            self._print_level -= 1
        exp = kwargs.get("exp")  # SymPy's LaTeX of a power of a function: f(x)^{2}
        if exp is None:
            return s
        return f"{s}^{{{exp}}}" if s.endswith(r"\right)") else rf"\left({s}\right)^{{{exp}}}"

    def print(self, e) -> str:
        return self._print(e)

    def sympy_form(self, e, **options) -> str:
        """e as SymPy's own printer writes it (numbers, scalar sums and products), at the
        nesting level SymPy would see (this call already counted one)."""
        self._print_level -= 1
        try:
            return super()._print(e, **options)
        finally:
            self._print_level += 1

    def has_own_method(self, e) -> bool:
        """True when SymPy's printer has a method for e's own class (Heaviside)."""
        return hasattr(type(self), f"_print_{type(e).__name__}")

    def wrap(self, e) -> str:
        """e as an operand of a product: parenthesised unless it binds tighter."""
        s = self._print(e)
        return s if is_operand(e) else self.parenthesised(s)

    def base(self, e) -> str:
        """e as the base of a superscript: parenthesised unless atomic (no A⁻¹²)."""
        s = self._print(e)
        return s if is_base(e) else self.parenthesised(s)

    def fourth_order(self, J) -> str:
        """A FourthOrder J as a sum of square (⊠) and dyadic (⊗) products, composed with
        its projections, in the printer's `TENSOR` symbols."""
        if not J.terms:
            return "0"
        symbol = self.TENSOR
        parts = [self.with_coefficient(t.coeff, self._tensor_term(t)) for t in J.terms]
        s = " + ".join(parts).replace("+ - ", "- ").replace("+ -", "- ")
        if (J.projection or J.left) and (len(parts) > 1 or (J.left and s.startswith("-"))):
            s = self.parenthesised(s)
        if J.projection:
            s = f"{s} : {symbol[J.projection]}"
        if J.left:
            s = f"{symbol[J.left]} : {s}"
        return s

    def _tensor_term(self, t) -> str:
        """One term without its coefficient: A ⊠ B, (A ⊠ B) : 𝕋, M ⊗ K, and a staged
        product (A ⊠ B) : S(L) with the stage's own notation (G ∘ L, 𝔻(G) for G ∘ (I ⊠ I))."""
        symbol = self.TENSOR
        if isinstance(t, SquareProduct):
            body = f"{self.wrap(t.A)} {symbol['square']} {self.wrap(t.B)}"
            return f"{self.parenthesised(body)} : {symbol['transposer']}" if t.transposed \
                else body
        if isinstance(t, DyadicProduct):
            return f"{self.wrap(t.M)} {symbol['dyadic']} {self.wrap(t.K)}"
        inner = t.inner
        atomic = isinstance(inner, SquareProduct) and not inner.transposed and \
            _is_identity(inner.A) and _is_identity(inner.B)
        body = t.stage.notation(self, None if atomic else
                                self.parenthesised(self._tensor_term(inner)))
        if t.is_plain():
            return body
        outer = []
        if not (_is_identity(t.A) and _is_identity(t.B)):
            outer.append(self.parenthesised(
                f"{self.wrap(t.A)} {symbol['square']} {self.wrap(t.B)}"))
        if t.transposed:
            outer.append(symbol["transposer"])
        return " : ".join([*outer, body if atomic else self.parenthesised(body)])

    binds = staticmethod(binds)
    is_scalar_of_one_by_one = staticmethod(is_scalar_of_one_by_one)
    is_negative = staticmethod(is_negative)
    ordered_terms = staticmethod(ordered_terms)
    written_after_d = staticmethod(written_after_d)


def _is_identity(M) -> bool:
    return isinstance(M, sympy.Identity)
