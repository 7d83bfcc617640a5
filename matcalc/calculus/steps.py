r"""Derivations written out: every step from d f to ∂f/∂X, each naming its rule.

    d f ──one differential rule at a time──▶ df ──simplify──▶ tr(Gᵀ dX) ──▶ G : dX
        ⇒ ∂f/∂X = G ──symmetric projection──▶ the result of `grad` (or `jacobian`)

Contract: `derive(f, X, ...)` returns a `Derivation` whose `result` is what `grad` (or
`jacobian`, `hessian`) returns for the same arguments, and whose lines are equal in value
one to the next (the tests check each line numerically). The differential rules are those
of matcalc.ops (the `d` rows), applied one node at a time, outermost first; a subexpression
whose differential is not yet expanded is a `DifferentialOf` node, printed d(…).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import MatrixExpr, MatrixSymbol

from ..core.limits import bounded
from ..core.nodes import (DifferentialOf, DoubleDot, MatrixDifferentialOf, as_scalar,
                          differential_of, is_matrix, is_one_by_one, matmul, pending_differential)
from ..core.registry import run_stage
from ..rewrite.driver import simplify
from . import gradients
from .differentiation import d_rule, differentiate, rule_name, zero_like
from .fourth_order import FourthOrder

#: Beyond this many rule applications the rest of the differential is one step.
MAX_RULE_STEPS = 200

_PENDING = (DifferentialOf, MatrixDifferentialOf)

#: The structure of X: (the rule's name, its formula).
_PROJECTIONS = {
    True: ("symmetric projection", "X symmetric: sym(G) = (G + Gᵀ)/2"),
    "entries": ("independent entries", "X symmetric: G + Gᵀ − I ∘ G"),
    "diagonal": ("diagonal projection", "X diagonal: G ∘ I"),
}


@dataclass(frozen=True)
class Step:
    """One line of a derivation: `expr` after the rule named `rule` (plain ASCII words).

    identity: the rewrite the step made, (before, after), as in d(X⁻¹) = −X⁻¹ dX X⁻¹.
    formula: the rule as a formula in text, where there is no identity.
    lhs: set where a new left-hand side starts ("derivative": ∂f/∂X, "hessian").
    """

    rule: str
    expr: object
    identity: tuple | None = None
    formula: str | None = None
    lhs: str | None = None

    def explanation(self) -> str:
        """The rule and what it did, in Unicode text."""
        if self.identity:
            return f"{self.rule}: {text(self.identity[0])} = {text(self.identity[1])}"
        return f"{self.rule}: {self.formula}" if self.formula else self.rule


class Derivation:
    """The steps from d f to the derivative of f with respect to X (see `derive`)."""

    def __init__(self, f, X, start, steps, result):
        self.f, self.X, self.start = f, X, start
        self.steps: list[Step] = steps
        self.result = result

    def __repr__(self) -> str:
        return f"<Derivation of {self.f} by {self.X}: {len(self.steps)} steps>"

    def _names(self):
        f = "F" if is_matrix(self.f) and not is_one_by_one(self.f) else "f"
        d = "∂" if isinstance(self.X, MatrixExpr) else "d"
        return f, d, self.X.name

    def lhs_text(self, kind: str) -> str:
        f, d, x = self._names()
        if kind == "hessian":
            return f"{d}²{f}/{d}{x}²"
        return f"{d}{f}/{d}{x}" + (f" ({kind} {x})" if kind != "derivative" else "")

    def lhs_latex(self, kind: str) -> str:

        f, d, x = self._names()
        d = r"\partial" if d == "∂" else r"\mathrm{d}"
        x = latex(sympy.Symbol(x))  # matcalc's printer: the name escaped
        if kind == "hessian":
            return rf"\frac{{{d}^2 {f}}}{{{d} {x}^2}}"
        where = rf"\ \left({x} \text{{ {kind}}}\right)" if kind != "derivative" else ""
        return rf"\frac{{{d} {f}}}{{{d} {x}}}" + where

    def text(self) -> str:
        """The derivation as aligned Unicode lines, each with its rule in brackets."""

        rows = []
        lhs, previous = text(self.start), None
        for step in self.steps:
            printed = text(step.expr)
            if printed == previous and not step.lhs:
                continue  # a rule that changes nothing the reader sees is not a step
            if step.lhs:
                lhs = "⇒ " + self.lhs_text(step.lhs)
            rows.append((lhs, printed, step.explanation()))
            lhs, previous = "", printed
        width = max(len(r[0]) for r in rows)
        body = max(len(r[1]) for r in rows)
        return "\n".join(f"{a:>{width}} = {b:<{body}}   [{c}]" for a, b, c in rows)

    __str__ = text

    def latex(self, annotate: bool = True) -> str:
        r"""The derivation as a LaTeX align* block (amsmath), ready to paste into a paper.

        annotate: name each rule in a tag at the right margin (\tag*{…}), which amsmath
        moves below a line too wide for it. A sum too wide for a 10pt article column is
        broken before + and −."""
        return "\\begin{align*}\n" + self._rows(annotate, paper=True) + "\n\\end{align*}"

    def _rows(self, annotate: bool, paper: bool = False) -> str:
        visible, previous = [], None  # (lhs, step) of each printed row
        lhs = latex(self.start)
        for step in self.steps:
            printed = latex(step.expr)
            if printed == previous and not step.lhs:
                continue  # as in text(): no step identical to the one before
            if step.lhs:
                lhs = r"\Rightarrow\quad " + self.lhs_latex(step.lhs)
            visible.append((lhs, step))
            lhs, previous = "", printed
        rows = []
        own_line = paper and run_stage("latex width", visible[0][0]) > START_WIDTH
        if own_line:  # a long d f stands on a line of its own, so that the = of every row
            visible[0] = ("", visible[0][1])  # aligns a short way in: d(…) \\ = …
        # the right-hand sides start after the widest left-hand side (which the measure
        # underestimates: ⇒, \frac, \text)
        room = COLUMN - 2 - max(run_stage("latex width", lhs) for lhs, _ in visible)
        if own_line:
            lines = run_stage("latex lines", self.start, width=room)
            rows.append("& " + " \\\\\n &\\quad ".join(lines))
        for lhs, step in visible:
            lines = run_stage("latex lines", step.expr, width=room) if paper \
                else [latex(step.expr)]
            row = f"{lhs} &= " + " \\\\\n &\\quad ".join(lines)
            if annotate:
                rule = _latex_text(step.rule)
                row += rf" \tag*{{{rule}}}" if paper else rf" && \text{{{rule}}}"
            rows.append(row)
        return " \\\\\n".join(rows)

    def _repr_latex_(self) -> str:
        """Jupyter / IPython: the derivation as display math."""
        return "$\\displaystyle \\begin{aligned}" + self._rows(True) + "\\end{aligned}$"


#: The width of a line of a derivation, in characters as matcalc.printing.tex.typeset_width
#: counts them: a 10pt article column holds about 60 beside the left-hand side.
COLUMN = 58
#: The widest d f (typeset characters) that begins the first row; a wider one has its own.
START_WIDTH = 16


def _latex_text(s: str) -> str:
    """Plain text for \\text{…}: TeX's special characters escaped."""
    for char, escaped in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"),
                          ("#", r"\#"), ("_", r"\_"), ("$", r"\$"), ("^", r"\^{}"),
                          ("{", r"\{"), ("}", r"\}")):
        s = s.replace(char, escaped)
    return s


@bounded
def derive(f, X, *, symmetric=None, diagonal=False, hessian: bool = False) -> Derivation:
    """The derivation of ∂f/∂X, step by step, each step naming its rule.

    Arguments as for `grad` (f scalar) or `jacobian` (f matrix-valued); hessian=True adds
    the Hessian (the Jacobian of the gradient) as the last line. `.steps` lists the
    steps, `.result` the derivative, `.text()` and `.latex()` (an align* block) print it.

    >>> import sympy
    >>> from matcalc import derive
    >>> X = sympy.MatrixSymbol("X", sympy.Symbol("n"), sympy.Symbol("n"))
    >>> print(derive(sympy.Trace(X.I), X))
    d tr(X⁻¹) = tr(d(X⁻¹))        [linearity of the trace: d tr(X⁻¹) = tr(d(X⁻¹))]
              = tr(-X⁻¹ dX X⁻¹)   [inverse: d(X⁻¹) = -X⁻¹ dX X⁻¹]
              = -tr(X⁻¹ dX X⁻¹)   [simplification]
              = -tr(X⁻² dX)       [cyclic permutation of the trace]
              = -(X⁻²)ᵀ : dX      [Frobenius product: A : B = tr(Aᵀ B)]
      ⇒ ∂f/∂X = -(X⁻²)ᵀ           [identification: df = G : dX ⇒ ∂f/∂X = G]
    """
    f, X = gradients._prepare(f, X)
    sym, diag = gradients._structure(X, symmetric, diagonal)
    dX = differential_of(X)
    start = _lazy_d(X, dX)(f)
    steps = _expand(start, X, dX)
    df = steps[-1].expr if steps else start
    tidy = simplify(df)
    if tidy != df:
        steps.append(Step("simplification", tidy))
    if is_matrix(f) and not is_one_by_one(f):
        steps += _jacobian_steps(f, X, sym, diag)
        return Derivation(f, X, start, steps, steps[-1].expr)
    G = simplify(gradients._gradient_of(differentiate(f, X, dX), X, dX))
    steps += _gradient_steps(G, X, dX, previous=steps[-1].expr if steps else start)
    result = gradients.grad(f, X, symmetric=sym, diagonal=diag)
    structure = "diagonal" if diag else sym
    if structure:  # the projection, simplified: sym(G) for symmetric G is G, not G/2 + G/2
        rule, formula = _PROJECTIONS[structure]
        steps.append(Step(rule, result, formula=formula,
                          lhs="diagonal" if diag else "symmetric"))
    if hessian:
        H = gradients.hessian(f, X, symmetric=sym, diagonal=diag)
        steps.append(Step("Hessian", H, formula="the Jacobian of the gradient", lhs="hessian"))
        result = H
    return Derivation(f, X, start, steps, result)


def _lazy_d(X, dX):
    """d for one step: 0 for constants, dX for X, otherwise d(u) left unexpanded."""
    def d(u):
        if not u.has(X):
            return zero_like(u)
        if u == X:
            return dX
        return pending_differential(u)
    return d


def _expand(expr, X, dX) -> list[Step]:
    """Apply the differential rules one node at a time, outermost first."""
    d = _lazy_d(X, dX)
    steps = []
    while True:
        pending = next((n for n in sympy.preorder_traversal(expr) if isinstance(n, _PENDING)),
                       None)
        if pending is None:
            return steps
        if len(steps) >= MAX_RULE_STEPS:
            rest = {p: differentiate(p.arg, X, dX) for p in expr.atoms(*_PENDING)}
            steps.append(Step("the remaining rules", expr.xreplace(rest)))
            return steps
        u = pending.arg
        expanded = d_rule(u, d)
        expr = expr.xreplace({pending: expanded})
        steps.append(Step(rule_name(u), expr, identity=(pending, expanded)))


def _gradient_steps(G, X, dX, previous) -> list[Step]:
    """tr(Gᵀ dX) (or gᵀ dx, g dt), G : dX, and the identification ∂f/∂X = G."""
    steps = []
    if isinstance(X, MatrixSymbol):
        Gt = simplify(sympy.Transpose(G))
        coeff, rest = Gt.as_coeff_mmul() if isinstance(Gt, sympy.MatMul) else (1, Gt)
        rest = rest.doit(deep=False) if isinstance(rest, sympy.MatMul) else rest
        product = matmul(rest, dX)
        form = coeff * (as_scalar(product) if X.shape[1] == 1 else sympy.Trace(product))
        rule = "transpose of a scalar" if X.shape[1] == 1 else "cyclic permutation of the trace"
        if form != previous:
            steps.append(Step(rule, form))
        steps.append(Step("Frobenius product", DoubleDot(G, dX), formula="A : B = tr(Aᵀ B)"))
        identification = "df = G : dX ⇒ ∂f/∂X = G"
    else:
        form = G * dX
        if form != previous:
            steps.append(Step(f"collecting d{X.name}", form))
        identification = f"df = g d{X.name} ⇒ df/d{X.name} = g"
    steps.append(Step("identification", G, formula=identification, lhs="derivative"))
    return steps


def _jacobian_steps(F, X, sym, diag) -> list[Step]:
    """The identification dF = J : dX ⇒ ∂F/∂X = J, then the structure of X."""
    J = gradients.jacobian(F, X, symmetric=False)
    kind = ("dF = J : dX ⇒ ∂F/∂X = J" if isinstance(J, FourthOrder)
            else "dF = J dx ⇒ ∂F/∂x = J" if isinstance(X, MatrixSymbol)
            else f"dF = M d{X.name} ⇒ dF/d{X.name} = M")
    steps = [Step("identification", J, formula=kind, lhs="derivative")]
    structure = "diagonal" if diag else sym
    if structure:
        J = gradients.jacobian(F, X, symmetric=sym, diagonal=diag)
        rule, _ = _PROJECTIONS[structure]
        projection = {"symmetric projection": "J : 𝕀ₛ", "independent entries": "J : (2𝕀ₛ − 𝔻)",
                      "diagonal projection": "J : 𝔻"}[rule]
        steps.append(Step(rule, J, formula=projection,
                          lhs="diagonal" if diag else "symmetric"))
    return steps


def text(obj) -> str:
    return run_stage("text", obj)


def latex(obj) -> str:
    return run_stage("latex", obj)
