"""matcalc: symbolic matrix calculus on SymPy, verified by finite differences.

    >>> import sympy, matcalc
    >>> X = sympy.MatrixSymbol("X", sympy.Symbol("n"), sympy.Symbol("n"))
    >>> matcalc.text(matcalc.grad(sympy.Trace(X.I), X))
    '-(X⁻²)ᵀ'
"""

from .derivation import Derivation, Step, derive
from .derivative import differential, grad, hessian, jacobian
from .errors import (
                     EvaluationError,
                     ExpressionError,
                     LimitError,
                     MatcalcError,
                     MatcalcSyntaxError,
                     NoRuleError,
                     NotScalarError,
                     OptionError,
                     ShapeError,
                     VariableError,
)
from .nodes import (
                     Adjugate,
                     CommutationMatrix,
                     Norm,
                     SymmetricMatrixSymbol,
                     Unvec,
                     Vec,
                     elementwise,
                     sigmoid,
                     softplus,
)
from .limits import Budget, budget
from .numeric import evaluate
from .parser import parse
from .printing import codegen, index, lambdify, latex, syntax, text
from .rewrite import simplify
from .tensor4 import DyadicProduct, FourthOrder, SquareProduct
from .verify import CheckResult, check

__version__ = "0.1.0"

__all__ = [
    "Adjugate", "Budget", "CheckResult", "CommutationMatrix", "Derivation", "DyadicProduct",
    "EvaluationError", "ExpressionError", "FourthOrder", "LimitError", "MatcalcError",
    "MatcalcSyntaxError", "NoRuleError", "Norm", "NotScalarError", "OptionError", "ShapeError",
    "SquareProduct", "Step", "SymmetricMatrixSymbol", "Unvec", "VariableError", "Vec", "budget",
    "check", "codegen", "derive", "differential", "elementwise", "evaluate", "grad", "hessian",
    "index", "jacobian", "lambdify", "latex", "parse", "sigmoid", "simplify", "softplus",
    "syntax", "text",
]
