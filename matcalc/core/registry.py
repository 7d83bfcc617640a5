"""The operator registry: every operator's rows, in one record, looked up by node class.

Contract: an `Operator` holds all that matcalc knows of one operator (its SymPy node
classes): the shape check, the differential rule, the adjoint and forward rules of a
linear node, evaluation, the notation rows (text, LaTeX, input syntax), the code lowering,
the parser entries and facts. The families in `matcalc.ops` build the records and
`register` them; the engines (differentiation, pullback, evaluation, printers, code,
parser, simplification) look them up with `row(e)` and never list operators themselves.

A row that cannot exist is not left empty but `refused("what")`: a rule that raises
`NoRuleError` naming the construct (CommutationMatrix has no input syntax, a nonlinear
node has no adjoint). `tests/test_registry.py` walks every record.

The registry also holds the later stages by name (the "text", "latex" and "index"
printers, "evaluate"), registered by the modules that define them, so that results (a
FourthOrder, a Derivation) print and evaluate themselves without importing those stages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import sympy

from .errors import NoRuleError

#: How a node's printed form binds: a leaf or a call f(…) never needs parentheses, a
#: postfix form (Xᵀ, X⁻¹, X², X^∘2) needs none as an operand but does as a base, an infix
#: form (sums, products) needs them as an operand of a tighter operator.
LEAF, CALL, POSTFIX, INFIX = "leaf", "call", "postfix", "infix"


def refused(what: str, why: str = "") -> Callable:
    """A row that cannot exist: a rule raising NoRuleError(construct=what), naming the node
    (the first SymPy argument: rows take the printer or lowering first, d rules the node)."""
    def rule(*args, **options):
        e = next((a for a in args if isinstance(a, sympy.Basic)), None)
        raise NoRuleError(f"no {what} (in {e})" + (f": {why}" if why else ""),
                          construct=what)
    rule.refused = what
    return rule


def is_refused(rule) -> bool:
    return getattr(rule, "refused", None) is not None


@dataclass(frozen=True)
class ParseEntry:
    """A function name of the input syntax: `build(builder, *args, where)` types and
    builds the call (see matcalc.parser) of `arity` arguments; arity None is a name used
    without a call (eye)."""
    name: str
    arity: int | None
    build: Callable


@dataclass(frozen=True)
class Operator:
    """All rows of one operator. Signatures:

    shape(e)                 raise ShapeError when the arguments do not fit
    d(e, d)                  the differential; `d(u)` differentiates an argument
    adjoint(D, H, dX)        terms of G with ⟨H, D⟩ = ⟨G, dX⟩ (D linear in dX)
    forward(D, dX)           D as forward terms A dX B, A dXᵀ B, M s (D linear in dX)
    evaluate(e, env)         the value (NumPy); `env.ev(u)` evaluates an argument
    transpose(A, ctx)        Aᵀ with the transpose moved inside A, or None
    text(p, e), latex(p, e)  the notation; p is the printer (p.print, p.wrap, p.base)
    syntax(p, e)             (text, level) in the input syntax
    lower(low, e)            the code `Value` (matcalc.code.values)
    """
    name: str
    nodes: tuple
    d: Callable
    rule: str
    evaluate: Callable
    text: Callable
    latex: Callable
    syntax: Callable
    lower: Callable
    adjoint: Callable | None = None  # None: refused (the node is not linear)
    forward: Callable | None = None
    shape: Callable | None = None
    transpose: Callable | None = None
    parse: tuple = ()
    binds: str | Callable = CALL  # or node -> how it binds, for a form that depends on it
    square_argument: bool = False  # inverse, trace, det, power, adj: a square argument
    family: str = ""

    def __post_init__(self):
        if self.adjoint is None:
            object.__setattr__(self, "adjoint", refused(f"adjoint rule for {self.name}"))
        if self.forward is None:
            object.__setattr__(self, "forward", refused(f"Jacobian through {self.name}"))


#: node class -> Operator, filled by matcalc.ops.
_BY_NODE: dict = {}
#: name in the input syntax -> ParseEntry.
PARSE_ENTRIES: dict = {}
#: names of numbers the input syntax reads unless declared (pi, as π prints) -> the number.
CONSTANTS: dict = {"pi": sympy.pi}
#: Greek letters as printed or pasted -> the names they stand for (λ is lambda, Σ is
#: Sigma): one symbol whichever way it is written. The text form prints the first letter.
GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron", "π": "pi", "ρ": "rho",
    "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta",
    "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Υ": "Upsilon", "Φ": "Phi",
    "Ψ": "Psi", "Ω": "Omega"}


#: name -> the Greek letter the text form prints for it.
LETTERS = {name: letter for letter, name in reversed(GREEK.items())}

#: every registered Operator, in registration order.
OPERATORS: list = []
#: stage name -> function (obj, **options), filled by matcalc.printing and matcalc.numeric.
STAGES: dict = {}
_CACHE: dict = {}


def register(op: Operator) -> Operator:
    """Add op's rows; a node class or a parser name may be registered once. The family is
    the module that defines the operator's notation (matcalc.ops.<family>)."""
    if not op.family:
        op = replace(op, family=op.text.__module__.rsplit(".", 1)[-1])
    for node in op.nodes:
        assert node not in _BY_NODE, f"{node.__name__} registered twice"
        _BY_NODE[node] = op
    for entry in op.parse:
        assert entry.name not in PARSE_ENTRIES, f"{entry.name} registered twice"
        PARSE_ENTRIES[entry.name] = entry
    OPERATORS.append(op)
    _CACHE.clear()
    return op


def row(e) -> Operator | None:
    """The Operator of node e (by its class, the nearest registered base class first)."""
    cls = type(e)
    if cls not in _CACHE:  # None (no operator) is cached too
        _CACHE[cls] = next((_BY_NODE[c] for c in cls.__mro__ if c in _BY_NODE), None)
    return _CACHE[cls]


def rule_of(e, table: str, what: str):
    """The `table` rule of e's operator; NoRuleError naming `what` when e has none."""
    op = row(e)
    if op is None:
        name = type(e).__name__
        hint = _WHAT_TO_DO.get(name, "write it with the operations the README lists")
        raise NoRuleError(f"no {what} for {name} (in {e}): matcalc has no "
                          f"operator for it; {hint}", construct=f"{what} of {name}")
    return getattr(op, table)


#: What a user can do instead of a node matcalc has no operator for.
_WHAT_TO_DO = {
    "Sum": "write the sum in matrix form (tr X, xᵀ A x, 𝟏ᵀ f(x)), or as a sum over the "
           "entries of same-shaped matrices from 0",
    "MatrixElement": "an entry X[i, j] of a larger matrix has no matrix form; write the "
                     "whole product (xᵀ A x, tr(…)) or use its 1 x 1 element",
}


class InMatcalcNotation:
    """Mixin of matcalc's own nodes: SymPy's `latex()` (and so Jupyter, after
    `sympy.init_printing()`) writes them in matcalc's notation, by the LaTeX printer
    registered as "latex node": exp(X) entrywise, ‖X‖_F, vec(X), adj(X), A : B."""

    def _latex(self, printer=None, **options):
        return STAGES["latex node"](self, printer, **options)


def run_stage(kind: str, obj, /, **options):
    """obj printed (or evaluated) by the function registered for `kind` ("text", "latex",
    "index", "evaluate")."""
    return STAGES[kind](obj, **options)
