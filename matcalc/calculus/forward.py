"""The forward normal form of a matrix-valued differential: D -> terms A dX B, A dXᵀ B, M s.

`linear_terms(D, dX)`: D is linear in dX; returns a list of `DXTerm` (A dX B), `DXTTerm`
(A dXᵀ B) and `ScalarTerm` (M s, s a scalar linear in dX) whose sum is D, from which
`fourth_order` builds fourth-order results. One forward rule per linear node, on the
`forward` table. It never changes the value of D.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Expr, MatrixExpr

from ..core.limits import spend
from ..core.registry import rule_of


@dataclass(frozen=True)
class DXTerm:
    """A·dX·B"""
    A: MatrixExpr
    B: MatrixExpr


@dataclass(frozen=True)
class DXTTerm:
    """A·dXᵀ·B"""
    A: MatrixExpr
    B: MatrixExpr


@dataclass(frozen=True)
class ScalarTerm:
    """M·s with s a scalar linear in dX (M constant)."""
    M: MatrixExpr
    s: Expr


def linear_terms(D, dX) -> list:
    """The forward normal form of a matrix-valued D linear in dX (see module docstring)."""
    spend("extracting the derivative")
    if not D.has(dX):
        return []
    if D == dX:
        rows, cols = dX.shape
        return [DXTerm(sympy.Identity(rows), sympy.Identity(cols))]
    return forward(D, dX)


def forward(D, dX) -> list:
    """One step of the forward form through the linear node D: its operator's rule."""
    return rule_of(D, "forward", "forward rule")(D, dX)
