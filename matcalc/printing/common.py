"""What every printer agrees on: which nodes print without parentheses, term order."""

from __future__ import annotations

import sympy

from ..nodes import Adjugate, DifferentialOf, Elementwise, MatrixDifferentialOf, Norm, Unvec, Vec

#: Nodes that never need parentheses as operands or as bases of a superscript: symbols,
#: and nodes printed like a function call, f(…).
ATOMS = (sympy.MatrixSymbol, sympy.Identity, sympy.ZeroMatrix, sympy.OneMatrix, Elementwise,
         Adjugate, Unvec, Vec, sympy.DiagMatrix, sympy.DiagonalOf, Norm, MatrixDifferentialOf)

#: Arguments written after d without parentheses: d tr(X⁻¹), d log(det X), but d(X⁻¹).
CALL_LIKE = (sympy.Trace, sympy.Determinant, sympy.Function, Norm, Elementwise, Vec,
             DifferentialOf)

#: Names of entrywise functions where the printed name differs from SymPy's.
FUNCTION_NAMES = {"sigmoid": "σ"}
LATEX_FUNCTION_NAMES = {"exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos",
                        "tan": r"\tan", "tanh": r"\tanh", "sinh": r"\sinh", "cosh": r"\cosh",
                        "sigmoid": r"\sigma", "atan": r"\arctan"}


def norm_subscript(A) -> str:
    """F for the Frobenius norm of a matrix, 2 for the Euclidean norm of a vector."""
    return "2" if 1 in tuple(A.shape) else "F"


def is_leaf_power(e) -> bool:
    """X⁻¹, X⁻ᵀ, Xᵀ, Xᵏ, (Xᵀ)ᵏ of a symbol X: printed without parentheses."""
    if isinstance(e, (sympy.Transpose, sympy.Inverse, sympy.MatPow)):
        inner = e.args[0]
        if isinstance(inner, sympy.Transpose):
            inner = inner.arg
        return isinstance(inner, sympy.MatrixSymbol)
    return False


#: Postfix operations bind tightest: (A B)ᵀ, (A + B)⁻¹, X² need no further parentheses.
POSTFIX = (sympy.Transpose, sympy.Inverse, sympy.MatPow, sympy.HadamardPower)


def is_operand(e) -> bool:
    """True when e prints as an operand of a product or ⊠ without parentheses."""
    return isinstance(e, ATOMS + POSTFIX) or _is_scalar_of_one_by_one(e)


def is_base(e) -> bool:
    """True when e may carry a superscript (ᵀ, ⁻¹, ᵏ) without parentheses: X, I."""
    return isinstance(e, ATOMS)


def _is_scalar_of_one_by_one(e) -> bool:
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
    return isinstance(u, CALL_LIKE) and not _is_scalar_of_one_by_one(u)
