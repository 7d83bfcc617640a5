"""Bounded work: pathological but valid inputs finish or fail with a clear MatcalcError.

Only "finishes" is asserted here; benchmarks/pathological.py measures the times.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import sympy
from helpers import A, X
from sympy import Determinant, Trace

import matcalc
from matcalc.limits import MAX_DEPTH, MAX_TEXT, depth

BIG = 1_000_000


def test_a_millionth_power_by_the_power_rule_without_expansion():
    assert matcalc.grad(Trace(X**BIG), X) == BIG * (X.T) ** (BIG - 1)
    assert matcalc.grad(Determinant(X**BIG), X) == BIG * Determinant(X**BIG) * X.T.I
    assert matcalc.grad(sympy.log(Determinant(X**BIG)), X) == BIG * X.T.I
    assert matcalc.text(matcalc.parse("tr(X^1000000)")) == "tr(X¹⁰⁰⁰⁰⁰⁰)"
    value = matcalc.evaluate(Trace(X**BIG), {"X": 0.5 * np.eye(2) + np.ones((2, 2)) / 4})
    assert np.isfinite(value)  # by repeated squaring: 20 products, not a million


@pytest.mark.parametrize("make", [
    lambda: matcalc.jacobian(X**BIG, X),
    lambda: matcalc.grad(Trace(A * X**BIG), X),
    lambda: matcalc.hessian(Trace(X**BIG), X),
])
def test_a_millionth_power_that_needs_the_expanded_sum_says_so(make):
    with pytest.raises(matcalc.NoRuleError, match=r"has \d+ terms, and matcalc writes") as err:
        make()
    assert err.value.construct == "matrix power, |k| > 64"


def _nested(k):
    """tr((A (A (… (A X)ᵀ …)ᵀ)ᵀ): 2k + 2 levels deep, with a small gradient. SymPy itself
    needs a raised recursion limit to build it (its `shape` recurses)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)
    try:
        e = X
        for _ in range(k):
            e = sympy.Transpose(sympy.MatMul(A, e))
        return Trace(e)
    finally:
        sys.setrecursionlimit(limit)


def test_depth_is_counted_without_recursion():
    assert depth(X) == 1 and depth(Trace(X.I)) == 3 and depth(_nested(5)) == 12
    assert depth(_nested(200)) == MAX_DEPTH + 1  # counting stops past the bound


@pytest.mark.parametrize("use", [
    lambda f: matcalc.grad(f, X), lambda f: matcalc.jacobian(f, X),
    lambda f: matcalc.simplify(f), lambda f: matcalc.text(f), lambda f: matcalc.latex(f),
    lambda f: matcalc.evaluate(f, {"X": np.eye(2), "A": np.eye(2)}),
    lambda f: matcalc.check(f, X), lambda f: matcalc.derive(f, X),
    lambda f: matcalc.syntax(f), lambda f: matcalc.codegen(f, [X, A]),
], ids=["grad", "jacobian", "simplify", "text", "latex", "evaluate", "check", "derive",
        "syntax", "codegen"])
def test_nesting_depth_1000_is_a_limit_error_not_a_recursion_error(use):
    with pytest.raises(matcalc.LimitError, match=r"nested more than \d+ levels deep"):
        use(_nested(500))


def test_deep_text_is_a_limit_error_and_deep_parentheses_are_fine():
    with pytest.raises(matcalc.LimitError, match="nested more than"):
        matcalc.parse("exp(" * 1000 + "tr(X)" + ")" * 1000)
    assert matcalc.parse("tr(" + "(" * 1000 + "X" + ")" * 1000 + ")") == \
        matcalc.parse("tr(X)")
    assert matcalc.parse("tr(" + "inv(" * 1000 + "X" + ")" * 1000 + ")") == \
        matcalc.parse("tr(X)")
    assert matcalc.parse("tr(X" + "'" * 1001 + ")") == matcalc.parse("tr(X')")


def test_text_longer_than_the_bound_is_refused_before_reading_it():
    with pytest.raises(matcalc.LimitError, match="characters long"):
        matcalc.parse("X+" * (MAX_TEXT // 2) + "X")


def test_the_deepest_accepted_expression_runs_in_a_fresh_process():
    """At MAX_DEPTH levels (built under a raised recursion limit, as matcalc works): a
    gradient, its printing and evaluation, and no crash of the interpreter's stack."""
    script = textwrap.dedent(f"""
        import sys, numpy as np, sympy, matcalc
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_limits import _nested, X, A
        from matcalc.limits import MAX_DEPTH, depth
        f = _nested((MAX_DEPTH - 2) // 2)
        assert depth(f) == MAX_DEPTH, depth(f)
        G = matcalc.grad(f, X)
        values = {{"X": np.eye(2) + 0.1, "A": np.eye(2) - 0.1}}
        assert np.isfinite(matcalc.evaluate(f, values))
        matcalc.text(f), matcalc.latex(f), matcalc.syntax(f), matcalc.simplify(f)
        assert matcalc.check(f, X, values=values).ok
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_sum_of_ten_thousand_terms():
    text = " + ".join(f"tr(A{i}*X)" for i in range(10_000))
    f = matcalc.parse(text)
    X_ = next(s for s in f.free_symbols if s.name == "X")
    G = matcalc.grad(f, X_)
    assert isinstance(G, sympy.Transpose) and len(G.arg.args) == 10_000  # (Σ A_i)ᵀ
    assert matcalc.text(G).count("+") == 9_999
    mixed = matcalc.parse(" + ".join(["x'*A*x", "tr(X)"] * 5000))  # 1 x 1 and scalars
    assert matcalc.text(mixed) == "5000 (xᵀ A x) + 5000 tr(X)"


def test_a_product_of_500_factors():
    f = matcalc.parse("tr(" + "*".join(f"A{i}" for i in range(499)) + "*X)")
    X_ = next(s for s in f.free_symbols if s.name == "X")
    G = matcalc.grad(f, X_)
    assert isinstance(G, sympy.MatMul) and len(G.args) == 499
    factors = [f"A{i}*X" if i % 20 == 0 else f"A{i}" for i in range(475)]  # 24 X among 499
    f = matcalc.parse("tr(" + "*".join(factors) + ")")
    G = matcalc.grad(f, next(s for s in f.free_symbols if s.name == "X"))
    assert isinstance(G, sympy.Transpose) and len(G.arg.args) == 24  # one term per X


def test_a_long_chain_of_x_in_a_quadratic_form_fails_clearly():
    f = matcalc.parse("x'*" + "*".join("X" for _ in range(498)) + "*x")
    with pytest.raises(matcalc.NoRuleError, match="has 498 terms"):
        matcalc.grad(f, next(s for s in f.free_symbols if s.name == "X"))
    assert matcalc.grad(f, next(s for s in f.free_symbols if s.name == "x")).has(
        sympy.MatPow)  # by x it is (X⁴⁹⁸ + (X⁴⁹⁸)ᵀ) x


def test_a_derivative_deeper_than_the_input_bound_still_prints_and_evaluates():
    """The gradient of xᵀ tanh(A tanh(A … x)) nests deeper than its function: printing,
    evaluating and simplifying take results up to MAX_RESULT_DEPTH levels."""
    from matcalc.limits import MAX_RESULT_DEPTH
    layers = 90
    f = matcalc.parse("x'*" + "tanh(A*" * layers + "x" + ")" * layers)
    x_ = next(s for s in f.free_symbols if s.name == "x")
    G = matcalc.grad(f, x_)
    assert depth(f) <= MAX_DEPTH < depth(G, MAX_RESULT_DEPTH) <= MAX_RESULT_DEPTH
    assert matcalc.text(G) and matcalc.latex(G) and matcalc.syntax(G)
    values = {"x": np.ones((3, 1)), "A": np.eye(3) / 2}
    assert np.all(np.isfinite(matcalc.evaluate(G, values)))
