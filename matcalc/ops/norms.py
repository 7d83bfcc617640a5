"""Norms and sums of entries: ‖A‖_F = √tr(AᵀA) (‖x‖₂ for a vector), and the parser's
sum(A) = 𝟏ᵀ A 𝟏 and norm1(A) = sum(|A|), which are products and entrywise functions.
"""

from __future__ import annotations

import numpy as np
import sympy

from ..code.values import SCALAR, Value
from ..core.nodes import Norm, matmul
from ..core.registry import CALL, Operator, ParseEntry, register


def d_norm(e, d):
    """d‖A‖_F = tr(Aᵀ dA)/‖A‖_F   (d‖x‖₂ = xᵀdx/‖x‖₂)
    Matrix Cookbook (131), (129)."""
    A = e.arg
    return sympy.Trace(matmul(sympy.Transpose(A), d(A))) / e


def norm_subscript(A) -> str:
    """F for the Frobenius norm of a matrix, 2 for the Euclidean norm of a vector."""
    return "2" if 1 in tuple(A.shape) else "F"


def text_norm(p, e):
    sub = "₂" if norm_subscript(e.arg) == "2" else "_F"
    return f"‖{p.print(e.arg)}‖{sub}"


def latex_norm(p, e):
    return rf"\left\lVert {p.print(e.arg)} \right\rVert_{{{norm_subscript(e.arg)}}}"


def parse_norm2(b, t, where):
    """norm2(A) = ‖A‖_F, ‖x‖₂ for a vector, |c| for a scalar"""
    if t.is_scalar:
        return b.typed(None, lambda: sympy.Abs(t.build()))
    return b.typed(None, lambda: Norm(t.build()))


def parse_sum(b, t, where):
    """sum(A) = 𝟏ᵀ A 𝟏, the sum of the entries"""
    if t.is_scalar:
        return t
    r, c = t.shape
    return b.typed((sympy.S.One, sympy.S.One), lambda: (
        sympy.OneMatrix(1, b.dims.resolve(r)) * t.build()
        * sympy.OneMatrix(b.dims.resolve(c), 1)))


def parse_norm1(b, t, where):
    """norm1(A) = sum(|A|), the sum of the absolute entries"""
    return parse_sum(b, b.entrywise(sympy.Abs, t, "norm1", where), where)


register(Operator(
    "norm", (Norm,), d=d_norm, rule="norm",
    evaluate=lambda e, env: float(np.linalg.norm(env.ev(e.arg))), text=text_norm,
    latex=latex_norm, syntax=lambda p, e: p.call("norm2", e.arg),
    lower=lambda low, e: Value(low.b.linalg("norm", low.dense(low.value(e.arg)).code),
                               SCALAR),
    parse=(ParseEntry("norm2", 1, parse_norm2), ParseEntry("sum", 1, parse_sum),
           ParseEntry("norm1", 1, parse_norm1)),
    binds=CALL))
