"""Input validation: shapes of products, sums and square-only operations.

SymPy checks shapes when `*` and `+` build an expression, but not when nodes are built
directly (`MatMul(A, B)`). `validate` walks a whole expression once, innermost node
first, and runs each operator's `shape` row (and the square check of the operators whose
argument must be square); it raises `ShapeError` naming both shapes and never changes
the expression.
"""

from __future__ import annotations

import sympy
from sympy import MatrixExpr

from .errors import NoRuleError, ShapeError
from .registry import row


def describe(M) -> str:
    """M with its shape: "X (n x m)"."""
    return f"{M} ({dims_text(M.shape)})"


def dims_text(shape) -> str:
    return " x ".join(str(s) for s in shape)


def differ(a, b) -> bool:
    """True when the dimensions a and b are certainly different."""
    return bool(sympy.simplify(a - b) != 0) if (a - b).free_symbols else a != b


def validate(expr) -> None:
    """Raise `ShapeError` if any node of `expr` combines shapes that do not fit."""
    for node in sympy.postorder_traversal(expr):  # the innermost mismatch first
        op = row(node)
        if op is None:
            continue
        if op.square_argument:
            arg = node.args[0]
            if isinstance(arg, MatrixExpr) and differ(*arg.shape):
                raise ShapeError(f"{op.name} of the non-square matrix {describe(arg)}")
        if op.shape is not None:
            op.shape(node)


def refuse_matrix_argument(e) -> None:
    """A scalar function or power of a matrix that is not 1 x 1 is a matrix function, which
    matcalc does not take: NoRuleError (the entrywise function is matcalc.elementwise)."""
    M = next((a for a in e.args if isinstance(a, MatrixExpr) and tuple(a.shape) != (1, 1)),
             None)
    if M is not None:
        raise NoRuleError(
            f"{e}: a scalar function of the matrix {describe(M)}; matrix functions (power "
            "series such as sin(X), Matrix Cookbook (128)) are not supported; for the "
            "function applied to each entry use matcalc.elementwise",
            construct=f"matrix function {type(e).__name__}")
