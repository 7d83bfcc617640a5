"""The nodes of a derivation (matcalc.derive): the differential dX of a matrix variable,
and d(u), a differential written but not yet expanded.

dX evaluates by its name (a direction, as in tests of the pullback); d(u) only prints:
it is a step of a derivation, not an expression to compute.
"""

from __future__ import annotations

from ..core.nodes import DifferentialOf, MatrixDifferential, MatrixDifferentialOf
from ..core.registry import CALL, LEAF, Operator, refused, register
from .leaves import d_constant, ev_symbol, lower_symbol, syntax_symbol

register(Operator(
    "matrix differential", (MatrixDifferential,), d=d_constant, rule="constant",
    evaluate=ev_symbol, text=lambda p, e: e.name,
    latex=lambda p, e: r"\mathrm{d}" + p.matrix_name(e.name[1:]), syntax=syntax_symbol,
    lower=lower_symbol, binds=LEAF))


def text_pending(p, e):
    """d tr(X⁻¹), d(X⁻¹), d(xᵀ A x): a differential not yet expanded."""
    u = e.arg
    if p.is_scalar_of_one_by_one(u):  # (xᵀ A x) brings its own parentheses
        return f"d{p.print(u)}"
    return f"d {p.print(u)}" if p.written_after_d(u) else f"d({p.print(u)})"


def latex_pending(p, e):
    u = e.arg
    if p.is_scalar_of_one_by_one(u):
        return rf"\mathrm{{d}}{p.print(u)}"
    if p.written_after_d(u):
        return rf"\mathrm{{d}}\,{p.print(u)}"
    return rf"\mathrm{{d}}\left({p.print(u)}\right)"


register(Operator(
    "pending differential", (DifferentialOf, MatrixDifferentialOf),
    d=refused("differential of a pending differential", "expand it first"),
    rule="differential", evaluate=refused("value of a pending differential", "expand it"),
    text=text_pending, latex=latex_pending,
    syntax=refused("input syntax of a pending differential"),
    lower=refused("code for a pending differential"), binds=CALL))
