"""Jupyter / IPython rendering: results, differentials, fourth-order results and
derivations carry `_repr_latex_`, and SymPy's own `latex()` (what `sympy.init_printing()`
uses) writes matcalc's nodes in matcalc's notation."""

import sympy

import matcalc

n = sympy.Symbol("n")
X = sympy.MatrixSymbol("X", n, n)


def _math(s: str) -> str:
    assert s.startswith("$\\displaystyle ") and s.endswith("$"), s
    return s[len("$\\displaystyle "):-1]


def test_gradients_render_as_latex():
    G = matcalc.grad(sympy.Trace(X.I), X)
    assert _math(G._repr_latex_()) == sympy.latex(G)
    assert "X" in sympy.latex(G) and "-" in sympy.latex(G)


def test_matcalc_nodes_render_in_matcalc_notation_under_sympy_latex():
    sympy.init_printing(use_latex=True)
    G = matcalc.grad(matcalc.Norm(X) ** 2 + sympy.Trace(matcalc.elementwise(sympy.exp, X)), X)
    shown = _math(G._repr_latex_())
    assert "\\exp\\left(X\\right)" in shown and "Elementwise" not in shown
    assert sympy.latex(matcalc.Norm(X)) == "\\left\\lVert X \\right\\rVert_{F}"
    assert sympy.latex(matcalc.Vec(X)) == "\\operatorname{vec}\\left(X\\right)"
    assert sympy.latex(matcalc.sigmoid(sympy.Symbol("a"))) == "\\sigma\\left(a\\right)"


def test_differentials_render():
    dF = matcalc.differential(sympy.Trace(X.I), X)
    assert "\\mathrm{d}X" in _math(dF._repr_latex_())


def test_fourth_order_results_render():
    J = matcalc.jacobian(X.I, X)
    assert _math(J._repr_latex_()) == "- X^{-1} \\boxtimes X^{-\\top}" == matcalc.latex(J)


def test_derivations_render_as_aligned_math():
    D = matcalc.derive(sympy.Trace(X.I), X)
    shown = _math(D._repr_latex_())
    assert shown.startswith("\\begin{aligned}") and shown.endswith("\\end{aligned}")
    assert shown.count("&=") == len(D.steps)
    assert "\\frac{\\partial f}{\\partial X}" in shown
