"""Input validation: shapes of products, sums and square-only operations.

SymPy checks shapes when `*` and `+` build an expression, but not when nodes are built
directly (`MatMul(A, B)`). `validate` walks a whole expression once and raises
`ShapeError` naming both shapes; it never changes the expression.
"""

from __future__ import annotations

import sympy
from sympy import MatrixExpr

from .errors import NoRuleError, ShapeError
from .nodes import Unvec


def _text(M) -> str:
    return f"{M} ({_dims(M.shape)})"


def _dims(shape) -> str:
    return " x ".join(str(s) for s in shape)


def _differ(a, b) -> bool:
    """True when the dimensions a and b are certainly different."""
    return bool(sympy.simplify(a - b) != 0) if (a - b).free_symbols else a != b


def _check_node(e) -> None:
    if isinstance(e, (sympy.Function, sympy.Pow)) and any(
            isinstance(a, MatrixExpr) and tuple(a.shape) != (1, 1) for a in e.args):
        M = next(a for a in e.args if isinstance(a, MatrixExpr))
        raise NoRuleError(
            f"{e}: a scalar function of the matrix {_text(M)}; matrix functions (power "
            "series such as sin(X), Matrix Cookbook (128)) are not supported; for the "
            "function applied to each entry use matcalc.elementwise",
            construct=f"matrix function {type(e).__name__}")
    if type(e) is sympy.Add and any(isinstance(a, MatrixExpr) for a in e.args):
        M = next(a for a in e.args if isinstance(a, MatrixExpr))
        raise ShapeError(f"sum of a scalar and the matrix {_text(M)}; "
                         f"for a 1 x 1 matrix write Trace({M}) to use it as a scalar")
    if isinstance(e, sympy.MatMul):
        mats = [a for a in e.args if isinstance(a, MatrixExpr)]
        for left, right in zip(mats, mats[1:], strict=False):
            if _differ(left.shape[1], right.shape[0]):
                raise ShapeError(
                    f"product {_text(left)} * {_text(right)}: "
                    f"{left.shape[1]} columns meet {right.shape[0]} rows")
    elif isinstance(e, (sympy.MatAdd, sympy.HadamardProduct)):
        first = e.args[0]
        what = "sum" if isinstance(e, sympy.MatAdd) else "Hadamard product"
        for other in e.args[1:]:
            if any(_differ(a, b) for a, b in zip(first.shape, other.shape, strict=True)):
                raise ShapeError(f"{what} of {_text(first)} and {_text(other)}: shapes differ")
    elif isinstance(e, Unvec):
        v, (m, n) = e.arg, e.shape
        if _differ(v.shape[1], sympy.S.One) or _differ(v.shape[0], m * n):
            raise ShapeError(f"vec⁻¹ of {_text(v)} into {_dims((m, n))}: needs a column "
                             f"of length {m * n}")
    elif isinstance(e, (sympy.Inverse, sympy.Trace, sympy.Determinant, sympy.MatPow)):
        arg = e.args[0]
        if isinstance(arg, MatrixExpr) and _differ(*arg.shape):
            name = {sympy.Inverse: "inverse", sympy.Trace: "trace",
                    sympy.Determinant: "determinant", sympy.MatPow: "power"}[type(e)]
            raise ShapeError(f"{name} of the non-square matrix {_text(arg)}")


def validate(expr) -> None:
    """Raise `ShapeError` if any node of `expr` combines shapes that do not fit."""
    for node in sympy.postorder_traversal(expr):  # the innermost mismatch first
        _check_node(node)
