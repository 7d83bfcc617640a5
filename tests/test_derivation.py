"""matcalc.derive: derivations written out. Every line of a derivation is checked to equal
the directional derivative of f along a random direction, by finite differences."""

import numpy as np
import pytest
import sympy
from sympy import MatrixSymbol

import matcalc
from matcalc import derive, parse
from matcalc.calculus.differentiation import differentiate
from matcalc.calculus.fourth_order import FourthOrder
from matcalc.core.nodes import (DifferentialOf, DoubleDot, MatrixDifferentialOf, differential_of,
                                is_matrix)
from matcalc.numeric.checking import random_point

CASES = [  # (text, variable, options)
    ("tr(inv(X))", "X", {}),
    ("log(det(X))", "X", {}),
    ("C: symmetric n x n; logdet(C)", "C", {}),
    ("log(det(X))", "X", {"symmetric": "entries"}),
    ("x'*A*x", "x", {}),
    ("sum(log(exp(-y.*(X*w)) + vector(1)))", "w", {}),
    ("det(X)*tr(A*X)", "X", {}),
    ("norm2(A*x - y)^2", "x", {}),
    ("tr(X^3) + tr(A*X.*X)", "X", {}),
    ("t: scalar; tr(exp(t*A))", "t", {}),
    ("inv(X)", "X", {}),
    ("A*x", "x", {}),
    ("tr(X)", "X", {"diagonal": True}),
]


def _variable(f, name):
    return next(s for s in f.free_symbols if getattr(s, "name", None) == name)


def _directional(f, X, point, V, eps=1e-6):
    """(f(X + εV) − f(X − εV)) / 2ε."""
    def at(sign):
        shifted = dict(point, **{X.name: point[X.name] + sign * eps * V})
        return np.asarray(matcalc.evaluate(f, shifted), dtype=float)
    return (at(1) - at(-1)) / (2 * eps)


def _value_of_line(expr, X, dX, point, V):
    """A line of df (pending differentials expanded in full) at the point, dX = V."""
    expanded = expr.xreplace({p: differentiate(p.arg, X, dX)
                              for p in expr.atoms(DifferentialOf, MatrixDifferentialOf)})
    return np.asarray(matcalc.evaluate(expanded, dict(point, **{dX.name: V})), dtype=float)


def _paired(G, dX, point, V):
    """⟨G, V⟩ for a gradient line (G : dX)."""
    g = np.asarray(matcalc.evaluate(G, point), dtype=float)
    return float(np.sum(g.reshape(np.shape(V)) * V)) if np.ndim(V) else float(g * V)


@pytest.mark.parametrize("text, name, options", CASES)
def test_every_line_equals_the_directional_derivative(text, name, options):
    f = parse(text)
    X = _variable(f, name)
    D = derive(f, X, **options)
    structure = options.get("symmetric") or options.get("diagonal")
    symmetric = bool(options.get("symmetric")) or isinstance(X, matcalc.SymmetricMatrixSymbol)
    point = random_point([f, X], X, symmetric=symmetric, seed=3)
    rng = np.random.default_rng(4)
    V = rng.standard_normal(np.shape(point[X.name])) if is_matrix(X) else 0.7
    if symmetric:
        V = (V + V.T) / 2
    dX = differential_of(X)
    expected = _directional(f, X, point, V)
    lines_before_identification = []
    for step in D.steps:
        if step.lhs:
            break
        lines_before_identification.append(step.expr)
    for line in [D.start] + lines_before_identification:
        if isinstance(line, DoubleDot):
            value = _paired(line.args[0], dX, point, V)
        else:
            value = _value_of_line(line, X, dX, point, V)
        np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6, err_msg=str(line))
    if not structure:  # the identified derivative paired with V is the same number
        result = D.result
        if not isinstance(result, FourthOrder) and not is_matrix(f):
            np.testing.assert_allclose(_paired(result, dX, point, V), expected, rtol=1e-5,
                                       atol=1e-6)


@pytest.mark.parametrize("text, name, options", CASES)
def test_result_is_what_grad_or_jacobian_returns(text, name, options):
    f = parse(text)
    X = _variable(f, name)
    D = derive(f, X, **options)
    api = matcalc.jacobian(f, X, **options) if is_matrix(f) and f.shape != (1, 1) \
        else matcalc.grad(f, X, **options)
    assert D.result == api


def test_seed_derivation_names_its_rules():
    X = MatrixSymbol("X", sympy.Symbol("n"), sympy.Symbol("n"))
    D = derive(sympy.Trace(X.I), X)
    rules = [s.rule for s in D.steps]
    assert rules[:2] == ["linearity of the trace", "inverse"]
    assert "cyclic permutation of the trace" in rules
    assert rules[-1] == "identification"
    assert matcalc.text(D.steps[1].identity[1]) == "-X⁻¹ dX X⁻¹"
    assert matcalc.text(D.steps[-2].expr) == "-(X⁻²)ᵀ : dX"
    assert matcalc.text(D.result) == "-(X⁻²)ᵀ"


def test_symmetric_projection_is_a_step():
    """The projection is one step showing its simplified result (sym(G) of a symmetric G is
    G itself, never G/2 + G/2)."""
    C = matcalc.SymmetricMatrixSymbol("C", sympy.Symbol("n"))
    D = derive(sympy.log(sympy.Determinant(C)), C)
    assert D.steps[-1].rule == "symmetric projection" and D.steps[-1].expr == D.result
    assert matcalc.text(D.result) == "C⁻¹"


def test_the_gaussian_process_derivation_reads_as_a_paper_would_write_it():
    """Issue 16's first example: no d((…)), no step identical to the one before (only a
    new left-hand side, ⇒ ∂f/∂K, may repeat a form), the inverse rule kept whole, the
    projection not padded."""
    D = derive(matcalc.parse("K: symmetric n x n; y'*inv(K)*y + logdet(K)"), "K")
    text = D.text()
    lines = [(line.split(" = ", 1)[0].strip(), line.split(" = ", 1)[1].split("   [")[0].strip())
             for line in text.splitlines()]
    for (_, before), (lhs, after) in zip(lines, lines[1:], strict=False):
        assert after != before or lhs.startswith("⇒"), text
    assert "d((" not in text and "(-K⁻¹ dK K⁻¹)" in text and "K⁻¹/2" not in text
    assert r"\mathrm{d}\left(\left(" not in D.latex()


def test_hessian_line():
    x = MatrixSymbol("x", 3, 1)
    A = MatrixSymbol("A", 3, 3)
    D = derive(x.T * A * x, x, hessian=True)
    assert D.steps[-1].lhs == "hessian"
    assert D.result == matcalc.hessian(x.T * A * x, x)


def test_latex_is_an_align_block_with_one_row_per_step():
    X = MatrixSymbol("X", 3, 3)
    D = derive(sympy.Trace(X.I), X)
    tex = D.latex()
    assert tex.startswith("\\begin{align*}") and tex.endswith("\\end{align*}")
    assert tex.count("\\\\\n") == len(D.steps) - 1
    assert tex.count("&=") == len(D.steps)
    assert "\\tag*{inverse}" in tex
    assert "\\tag" not in D.latex(annotate=False)


def test_long_derivations_are_bounded(monkeypatch):
    monkeypatch.setattr(matcalc.calculus.steps, "MAX_RULE_STEPS", 2)
    X = MatrixSymbol("X", 3, 3)
    D = derive(sympy.Trace(X * X.T * X.I * X), X)
    assert any(s.rule == "the remaining rules" for s in D.steps)
    assert D.result == matcalc.grad(sympy.Trace(X * X.T * X.I * X), X)


def test_a_scalar_variable_is_named_in_its_rules():
    """df = g ds ⇒ df/ds = g for a variable s, not a generic t."""
    f = matcalc.parse("s: scalar; tr(exp(s*A))")
    s = next(v for v in f.free_symbols if v.name == "s")
    text = matcalc.derive(f, s).text()
    assert "df = g ds ⇒ df/ds = g" in text and "dt" not in text
