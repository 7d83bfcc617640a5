"""Bounded work: pathological but valid inputs finish or fail with a clear MatcalcError,
within the work budget; the depth bound comes from the recursion headroom, which matcalc
never changes.

Only "finishes" (or "ends with a LimitError") is asserted here; benchmarks/pathological.py
measures the times.
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
from matcalc.core.limits import MAX_DEPTH, MAX_TEXT, depth, depth_bound

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
    """Parentheses do not nest the expression; calls and postfix operators do, and text
    nested deeper than the recursion headroom allows is a LimitError."""
    for deep in ("exp(" * 1000 + "tr(X)" + ")" * 1000,
                 "tr(" + "inv(" * 1000 + "X" + ")" * 1000 + ")",
                 "tr(X" + "'" * 1001 + ")"):
        with pytest.raises(matcalc.LimitError, match="nested"):
            matcalc.parse(deep)
    assert matcalc.parse("tr(" + "(" * 1000 + "X" + ")" * 1000 + ")") == \
        matcalc.parse("tr(X)")
    assert matcalc.parse("tr(" + "inv(" * 150 + "X" + ")" * 150 + ")") == \
        matcalc.parse("tr(X)")
    assert matcalc.parse("tr(X" + "'" * 151 + ")") == matcalc.parse("tr(X')")


def test_text_longer_than_the_bound_is_refused_before_reading_it():
    with pytest.raises(matcalc.LimitError, match="characters long"):
        matcalc.parse("X+" * (MAX_TEXT // 2) + "X")


def test_the_deepest_accepted_expression_runs_in_a_fresh_process():
    """At the depth bound of a fresh interpreter (its default recursion limit, which
    matcalc leaves as it is): a gradient, its printing and evaluation, no RecursionError
    and no crash of the interpreter's stack; one level deeper is a LimitError."""
    script = textwrap.dedent(f"""
        import sys, numpy as np, sympy, matcalc
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_limits import _nested, X, A
        from matcalc.core.limits import depth, depth_bound
        limit = sys.getrecursionlimit()
        bound = depth_bound()
        assert bound >= 100, bound
        f = _nested((bound - 2) // 2)
        assert depth(f) in (bound - 1, bound), (depth(f), bound)
        G = matcalc.grad(f, X)
        values = {{"X": np.eye(2) + 0.1, "A": np.eye(2) - 0.1}}
        assert np.isfinite(matcalc.evaluate(f, values))
        matcalc.text(f), matcalc.latex(f), matcalc.syntax(f), matcalc.simplify(f)
        assert matcalc.check(f, X, values=values).ok
        try:
            matcalc.grad(_nested(bound // 2 + 1), X)
            raise SystemExit("no LimitError past the bound")
        except matcalc.LimitError as err:
            assert "nested more than" in str(err) and "sys.setrecursionlimit" in str(err)
        assert sys.getrecursionlimit() == limit
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_program_that_raises_the_recursion_limit_gets_deeper_expressions():
    limit = sys.getrecursionlimit()
    assert depth_bound() < MAX_DEPTH
    sys.setrecursionlimit(20_000)
    try:
        assert depth_bound() == MAX_DEPTH
        f = _nested((MAX_DEPTH - 2) // 2)
        assert matcalc.text(matcalc.grad(f, X))
    finally:
        sys.setrecursionlimit(limit)


def test_a_sum_of_ten_thousand_terms():
    """Large, and slow on a slow machine (7.5 s here): not a test of the budget."""
    text = " + ".join(f"tr(A{i}*X)" for i in range(10_000))
    f = matcalc.parse(text)
    X_ = next(s for s in f.free_symbols if s.name == "X")
    with matcalc.budget(seconds=None):
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
    evaluating and simplifying take results up to MAX_RESULT_DEPTH levels when the
    program's recursion limit leaves room for them."""
    from matcalc.core.limits import MAX_RESULT_DEPTH
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        layers = 90
        f = matcalc.parse("x'*" + "tanh(A*" * layers + "x" + ")" * layers)
        x_ = next(s for s in f.free_symbols if s.name == "x")
        G = matcalc.grad(f, x_)
        assert depth(f) <= MAX_DEPTH < depth(G, MAX_RESULT_DEPTH) <= MAX_RESULT_DEPTH
        assert matcalc.text(G) and matcalc.latex(G) and matcalc.syntax(G)
        values = {"x": np.ones((3, 1)), "A": np.eye(3) / 2}
        assert np.all(np.isfinite(matcalc.evaluate(G, values)))
    finally:
        sys.setrecursionlimit(limit)


# --- the work budget -------------------------------------------------------------------


HANGS = [  # inputs that ran for minutes before the budget; each ends within it now
    ("x'*(x*x'+A)^64*x", "x", matcalc.hessian),
    ("logdet(X^64+X^63)", "X", matcalc.hessian),
    ("tr(inv(X^64+A)*B*inv(X^64+A))", "X", matcalc.hessian),
]


@pytest.mark.parametrize("text, name, derive", HANGS, ids=[h[0] for h in HANGS])
def test_large_results_end_with_a_limit_error_naming_the_stage(text, name, derive):
    f = matcalc.parse(text)
    with matcalc.budget(seconds=0.5), pytest.raises(matcalc.LimitError) as err:
        derive(f, name)
    message = str(err.value)
    assert "time budget of 0.5 s ran out while" in message and "nodes visited" in message
    assert "matcalc.budget" in message and "\n" not in message


@pytest.mark.parametrize("nested", [
    lambda k: "sum(" + "(" * k + "x" + ").^2" * k + ")",       # doubled per level before
    lambda k: "sum(" + "sqrt(" * k + "x" + ")" * k + ")",
    lambda k: "norm2(" + "sqrt(" * k + "x" + ")" * k + ")",
], ids=["nested squares", "nested square roots", "norm of nested roots"])
def test_shared_subexpressions_keep_nested_inputs_linear(nested):
    """Each of these took time doubling with every level (20 levels: 12 to 49 s); with
    40 levels they finish well within the default budget (and are right, checked where
    the values stay finite)."""
    assert matcalc.text(matcalc.grad(matcalc.parse(nested(40)), "x"))
    f = matcalc.parse(nested(5))
    assert matcalc.check(f, "x", values={"x": np.array([[0.9], [1.0], [1.1]])}).ok


def test_powers_of_powers_are_one_power():
    """(X²)² … nested 40 deep is X^(2^40): one power for the power rule (nested, its
    differential had 2^40 terms)."""
    f = matcalc.parse("tr(" + "(" * 40 + "X" + ")^2" * 40 + ")")
    k = sympy.Integer(2) ** 40
    assert f == Trace(sympy.MatPow(next(iter(f.atoms(sympy.MatrixSymbol))), k))
    X_ = next(iter(f.atoms(sympy.MatrixSymbol)))
    assert matcalc.grad(f, X_) == k * sympy.MatPow(X_.T, k - 1)
    assert matcalc.parse("(X^-1)^2") == sympy.MatPow(X_, -2) and \
        matcalc.parse("(X^0.5)^2").args[0] != X_  # (X^½)² is X, (X²)^½ need not be


def test_a_node_budget_is_deterministic():
    f = Trace(X * A * X * A * X)
    with matcalc.budget(seconds=None, nodes=10):
        with pytest.raises(matcalc.LimitError, match="budget of 10 node visits ran out"):
            matcalc.grad(f, X)
    with matcalc.budget(seconds=None, nodes=10_000):
        assert matcalc.grad(f, X) == matcalc.grad(f, X)


def test_nested_calls_share_one_budget_and_the_budget_is_restored():
    with matcalc.budget(seconds=None, nodes=50):
        with pytest.raises(matcalc.LimitError, match=r"^check: "):
            matcalc.check(Trace(X * A * X * A * X), X)  # grad and evaluate inside it
    assert matcalc.core.limits.current_budget() == matcalc.Budget(seconds=60)  # conftest's
    assert matcalc.check(Trace(X * A * X * A * X), X).ok


@pytest.mark.parametrize("bad", [{"seconds": 0}, {"seconds": -1}, {"nodes": 0},
                                 {"nodes": "many"}, {"seconds": True}])
def test_a_budget_takes_positive_numbers(bad):
    with pytest.raises(matcalc.OptionError, match="budget"):
        with matcalc.budget(**bad):
            pass
