"""The differential engine: f  ->  df, an expression linear in the differential dX.

Contract: `differentiate(f, X, dX)` returns df, of f's shape, in which dX (or dt for a
scalar variable t) occurs only linearly. The rules live with their operators
(`matcalc.ops`, the `d` row); a rule takes one step and calls `d` for its arguments, the
driver recurses and memoises. Subexpressions free of X get an explicit zero before any
rule is looked up; a node without a rule raises `NoRuleError` naming it.
"""

from __future__ import annotations

import sympy
from sympy import MatrixExpr

from ..core.errors import NoRuleError
from ..core.limits import spend
from ..core.nodes import matadd
from ..core.registry import rule_of


def differentiate(f, X, dX):
    """df: the differential of f with respect to the variable X, written in dX."""
    memo: dict = {}

    def d(e):
        if not e.has(X):
            return zero_like(e)
        if e == X:
            return dX
        if e not in memo:
            spend("differentiating")
            memo[e] = d_rule(e, d)
        return memo[e]

    return d(f)


def d_rule(e, d):
    """One step of the differential of node e: its operator's rule, with `d` for the
    differentials of its arguments."""
    return rule_of(e, "d", "differential rule")(e, d)


def rule_name(e) -> str:
    """The name of the differential rule for node e ("inverse", "product rule", …)."""
    return rule_of(e, "rule", "differential rule")


def zero_like(e):
    """The zero of e's kind: ZeroMatrix of e's shape, or scalar 0."""
    if isinstance(e, MatrixExpr):
        return sympy.ZeroMatrix(*e.shape)
    return sympy.S.Zero


def depends(a, d) -> bool:
    """True when a's differential is not identically zero (a contains the variable)."""
    da = d(a)
    return not (da == 0 or isinstance(da, sympy.ZeroMatrix))


def product_rule(args, d, product, shape=None):
    """d(a₁ ⋆ … ⋆ aₖ) = Σᵢ a₁ ⋆ … ⋆ daᵢ ⋆ … ⋆ aₖ for a product ⋆ linear in each factor
    (matrix, scalar, Hadamard and Kronecker products); `product` builds a₁ ⋆ … ⋆ aₖ."""
    return matadd([product(*args[:i], d(a), *args[i + 1:]) for i, a in enumerate(args)
                   if depends(a, d)], shape)


def constant_exponent(k, e, d) -> None:
    """NoRuleError unless the exponent k of the power e is constant."""
    if depends(k, d):
        raise NoRuleError(f"no differential rule for {e}: the exponent {k} of the matrix "
                          "power varies with the variable",
                          construct="matrix power with a varying exponent")
