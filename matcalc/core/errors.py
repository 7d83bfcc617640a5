"""The exception hierarchy: every error matcalc raises on purpose is a `MatcalcError`.

User-facing checks raise one of these with a one-line message that names the construct;
`assert` only guards internal invariants. An error about text a user typed (from
`matcalc.parse`) also carries where: `source`, `line` and `column` (1-based), and its
`str` shows the line with a caret under the column.
"""

from __future__ import annotations


class MatcalcError(Exception):
    """Base class of every error matcalc raises for bad input or unsupported constructs."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.__module__ = "matcalc"  # shown as matcalc.ShapeError, where users import it

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 column: int | None = None):
        super().__init__(message)
        self.message = message
        self.source, self.line, self.column = source, line, column

    def caret(self) -> str:
        """The offending source line and a caret under the column ("" if not located)."""
        if self.source is None or self.line is None or self.column is None:
            return ""
        text = self.source.splitlines()[self.line - 1] if self.source.strip() else ""
        return f"  {text}\n  {' ' * (self.column - 1)}^"

    def __str__(self) -> str:
        if self.line is None or self.column is None:
            return self.message
        where = f"line {self.line}, column {self.column}" if self.source and \
            "\n" in self.source.strip() else f"column {self.column}"
        caret = self.caret()
        return f"{self.message} (at {where})" + (f"\n{caret}" if caret else "")


class MatcalcSyntaxError(MatcalcError, ValueError):
    """Text given to `matcalc.parse` is not an expression: where, and what was expected."""


class ShapeError(MatcalcError, ValueError):
    """Shapes do not fit: a product, sum or square-only operation (inverse, trace, det)."""


class NoRuleError(MatcalcError, NotImplementedError):
    """A construct has no rule in one of matcalc's tables (differential, adjoint, printer…).

    `construct` is a short, stable label of what is missing ("matrix power, |k| > 64",
    "Jacobian of a matrix-valued Hadamard product"), for counting and for `except` logic;
    the message says the same with the expression in it.
    """

    def __init__(self, message: str, *, construct: str, **where):
        super().__init__(message, **where)
        self.construct = construct


class ExpressionError(MatcalcError, TypeError):
    """An argument is not an expression the function takes: not a SymPy expression (a
    string, None, an arbitrary object), or a fourth-order result where a matrix or scalar
    expression is needed."""


class VariableError(MatcalcError, ValueError):
    """The variable of differentiation is not usable (not a symbol, wrong kind, wrong options)."""


class NotScalarError(MatcalcError, ValueError):
    """A scalar expression was required (e.g. by `grad`) but a matrix was given."""


class LimitError(MatcalcError, ValueError):
    """An input is beyond one of matcalc's bounds (matcalc.core.limits): nested too deeply,
    text too long."""


class OptionError(MatcalcError, ValueError):
    """An argument has a value matcalc does not take: an unknown style, transpose mark or
    backend, something that is not a function where one is needed."""


class EvaluationError(MatcalcError, ValueError):
    """Numeric evaluation failed: a value is missing, has the wrong shape, or is singular."""


class NotDifferentiableError(EvaluationError):
    """The values are a point where the derivative does not exist (a repeated extreme
    eigenvalue, a rank-deficient matrix under normnuc or pinv, logm′ at a zero eigenvalue),
    though f itself may be defined there."""


def short(text: str, width: int = 60) -> str:
    """text on one line, at most `width` characters."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


MatcalcError.__module__ = "matcalc"
