"""The exception hierarchy: every error matcalc raises on purpose is a `MatcalcError`.

User-facing checks raise one of these with a one-line message that names the construct;
`assert` only guards internal invariants.
"""

from __future__ import annotations


class MatcalcError(Exception):
    """Base class of every error matcalc raises for bad input or unsupported constructs."""


class ShapeError(MatcalcError, ValueError):
    """Shapes do not fit: a product, sum or square-only operation (inverse, trace, det)."""


class NoRuleError(MatcalcError, NotImplementedError):
    """A construct has no rule in one of matcalc's tables (differential, adjoint, printer…)."""


class VariableError(MatcalcError, ValueError):
    """The variable of differentiation is not usable (not a symbol, wrong kind, wrong options)."""


class NotScalarError(MatcalcError, ValueError):
    """A scalar expression was required (e.g. by `grad`) but a matrix was given."""


class EvaluationError(MatcalcError, ValueError):
    """Numeric evaluation failed: a value is missing, has the wrong shape, or is singular."""
