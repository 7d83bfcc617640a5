"""matcalc: symbolic matrix calculus on SymPy, verified by finite differences.

    >>> import sympy, matcalc
    >>> X = sympy.MatrixSymbol("X", sympy.Symbol("n"), sympy.Symbol("n"))
    >>> matcalc.text(matcalc.grad(sympy.Trace(X.I), X))
    '-(X⁻²)ᵀ'
"""

from .derivative import differential, grad, jacobian
from .errors import (EvaluationError, MatcalcError, NoRuleError, NotScalarError,
                     ShapeError, VariableError)
from .nodes import CommutationMatrix, Vec
from .numeric import evaluate
from .printing import index, latex, text
from .rewrite import simplify
from .tensor4 import DyadicProduct, FourthOrder, SquareProduct
from .verify import CheckResult, check

__version__ = "0.1.0"

__all__ = [
    "CheckResult", "CommutationMatrix", "DyadicProduct", "EvaluationError", "FourthOrder",
    "MatcalcError", "NoRuleError", "NotScalarError", "ShapeError", "SquareProduct",
    "VariableError", "Vec", "check", "differential", "evaluate", "grad", "index",
    "jacobian", "latex", "simplify", "text",
]
