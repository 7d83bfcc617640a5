"""matcalc: symbolic matrix calculus on SymPy, verified by finite differences.

    >>> import sympy, matcalc
    >>> X = sympy.MatrixSymbol("X", sympy.Symbol("n"), sympy.Symbol("n"))
    >>> matcalc.text(matcalc.grad(sympy.Trace(X.I), X))
    '-(X⁻²)ᵀ'
"""

from . import ops  # noqa: F401  (registers every operator)
from .calculus.fourth_order import DyadicProduct, FourthOrder, SquareProduct, StagedProduct
from .calculus.gradients import differential, grad, hessian, hvp, jacobian
from .calculus.steps import Derivation, Step, derive
from .core.errors import (EvaluationError, ExpressionError, LimitError, MatcalcError,
                          MatcalcSyntaxError, NoRuleError, NotDifferentiableError, NotScalarError,
                          OptionError, ShapeError, VariableError)
from .core.functions import PYTHON_FUNCTIONS
from .core.matrix_functions import PYTHON_FUNCTIONS as MATRIX_FUNCTIONS
from .core.spectra import PYTHON_FUNCTIONS as SPECTRAL_FUNCTIONS
from .core.limits import Budget, budget
from .core.nodes import (Adjugate, CommutationMatrix, LogSumExp, Norm, PseudoInverse, Softmax,
                         SPDMatrixSymbol, SymmetricMatrixSymbol, Unvec, Vec, elementwise)
from .exporting import codegen, lambdify
from .numeric.checking import CheckResult, check
from .latex_reader import parse_latex
from .numeric.evaluation import evaluate
from .parser import parse
from .printing import index, latex, syntax, text
from .rewrite.driver import simplify

__version__ = "0.1.0"

#: matcalc.exp, matcalc.sin, matcalc.relu, …: the scalar-function table's functions, which
#: apply entrywise to a matrix (matcalc.relu(X)).
globals().update(PYTHON_FUNCTIONS)
#: matcalc.expm, matcalc.logm, matcalc.sqrtm: matrix functions (not entrywise).
globals().update(MATRIX_FUNCTIONS)
#: matcalc.eigmax, matcalc.eigmin, matcalc.normspec, matcalc.normnuc.
globals().update(SPECTRAL_FUNCTIONS)
pinv = PseudoInverse  # matcalc.pinv(A), as the syntax's pinv(A)
logsumexp, softmax = LogSumExp, Softmax  # over every entry, as the syntax's

__all__ = [
    "Adjugate", "Budget", "CheckResult", "CommutationMatrix", "Derivation", "DyadicProduct",
    "EvaluationError", "ExpressionError", "FourthOrder", "LimitError", "MatcalcError",
    "MatcalcSyntaxError", "NoRuleError", "Norm", "NotDifferentiableError", "NotScalarError",
    "OptionError",
    "PseudoInverse", "SPDMatrixSymbol", "ShapeError",
    "SquareProduct", "StagedProduct", "Step", "SymmetricMatrixSymbol", "Unvec", "VariableError",
    "Vec", "budget",
    "check", "codegen", "derive", "differential", "elementwise", "evaluate", "grad", "hessian",
    "hvp", "index", "jacobian", "lambdify", "latex", "parse", "parse_latex", "simplify", "syntax",
    "text",
    *sorted(name for name in PYTHON_FUNCTIONS if name != "abs"),  # abs: not over the builtin
    *sorted(MATRIX_FUNCTIONS), *sorted(SPECTRAL_FUNCTIONS), "pinv", "logsumexp", "softmax",
]
