"""The fuzzer's fast profile: random well-typed expressions over every operator (see
tests/fuzzing.py), each derivative either agrees with finite differences or is a counted
NoRuleError; never a wrong answer, never another exception. The soak run is
`python benchmarks/soak.py` (20,000 examples, counts by outcome and operator).

Printing is part of correctness: the parseable syntax reads back to the same values, and a
fourth-order result evaluates to its Kronecker form.
"""

import numpy as np
import pytest
import sympy
from fuzzing import FAILURES, cases, classify, matrix, scalar
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import matcalc
from matcalc.numeric.checking import random_point

FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck))


def _assert_never_wrong(case):
    outcome = classify(case)
    event(outcome.kind)
    if outcome.kind == "no rule":
        event(f"no rule: {outcome.construct}")
    assert outcome.kind not in FAILURES, f"{case}\n{outcome.kind}: {outcome.detail}"


@FUZZ
@given(cases(tasks=("grad",)))
def test_gradients_are_right_or_say_there_is_no_rule(case):
    _assert_never_wrong(case)


@FUZZ
@given(cases(tasks=("jacobian",)))
def test_jacobians_are_right_or_say_there_is_no_rule(case):
    _assert_never_wrong(case)


@FUZZ
@given(cases(tasks=("hessian",)))
def test_hessians_are_right_or_say_there_is_no_rule(case):
    _assert_never_wrong(case)


SHAPES = [(sympy.Symbol("n"), sympy.Symbol("n")), (sympy.Symbol("n"), sympy.Symbol("m")),
          (sympy.Symbol("n"), sympy.S.One)]


def _expressions():
    return st.one_of(st.integers(1, 5).flatmap(scalar),
                     st.tuples(st.sampled_from(SHAPES), st.integers(1, 5)).flatmap(
                         lambda p: matrix(*p)))


def _values_at(e, values):
    try:
        return np.asarray(matcalc.evaluate(e, values), dtype=float)
    except matcalc.EvaluationError:
        return None


@FUZZ
@given(_expressions())
def test_syntax_reads_back_to_the_same_values(e):
    """parse(syntax(e)) = e in value (SymPy may reorder or regroup it)."""
    back = matcalc.parse(matcalc.syntax(e, declare=True))
    values = random_point([e], None, seed=5)
    expected = _values_at(e, values)
    if expected is None:
        event("undefined at the point")
        return
    np.testing.assert_allclose(_values_at(back, values), expected, rtol=1e-9, atol=1e-9)
    assert matcalc.text(e) and matcalc.latex(e)


@FUZZ
@given(cases(tasks=("jacobian",)))
def test_fourth_order_results_evaluate_to_their_kronecker_form(case):
    try:
        J = matcalc.jacobian(case.f, case.variable, symmetric=case.symmetric,
                             diagonal=case.diagonal)
    except matcalc.NoRuleError:
        return
    if not isinstance(J, matcalc.FourthOrder):
        return
    values = random_point([J], case.variable, symmetric=case.mode, diagonal=case.diagonal,
                          seed=2)
    array = _values_at(J, values)
    if array is None:
        event("undefined at the point")
        return
    p, q, r, s = array.shape
    scale = max(1.0, float(np.max(np.abs(array)))) if array.size else 1.0
    try:
        K = J.kronecker()
    except matcalc.NoRuleError as err:  # through L_f at a point that is not symmetric
        event(f"no Kronecker form: {err.construct}")
        return
    np.testing.assert_allclose(matcalc.evaluate(K, values),
                               array.reshape(p * q, r * s, order="F"), rtol=1e-9,
                               atol=1e-12 * scale)  # the entries' rounding grows with them


@pytest.mark.parametrize("expected", ["correct", "no rule"])
def test_the_oracle_tells_right_from_wrong(expected, monkeypatch):
    """classify finds a wrong gradient (a test that cannot fail is no test)."""
    from fuzzing import Case, X
    case = Case(sympy.Trace(X.I), X, "grad")
    assert classify(case).kind == "correct"
    if expected == "correct":
        monkeypatch.setattr(matcalc, "grad", lambda f, v, **o: -X.I.T)  # sign of X⁻² lost
        outcome = classify(case)
        assert outcome.kind == "wrong" and "relative error" in outcome.detail
    else:
        def no_rule(f, v, **o):
            raise matcalc.NoRuleError("none", construct="a construct")
        monkeypatch.setattr(matcalc, "grad", no_rule)
        assert (classify(case).kind, classify(case).construct) == ("no rule", "a construct")
        monkeypatch.setattr(matcalc, "grad", lambda f, v, **o: 1 / 0)
        assert classify(case).kind == "crash"


@FUZZ
@given(cases(tasks=("grad",)))
def test_generated_numpy_code_agrees_with_evaluate(case):
    """matcalc.lambdify's f_and_grad gives the values matcalc.evaluate gives."""
    f, v = case.f, case.variable
    try:
        G = matcalc.grad(f, v, symmetric=case.symmetric, diagonal=case.diagonal)
    except matcalc.NoRuleError:
        return
    values = random_point([f, G], v, seed=4)
    expected_f, expected_G = _values_at(f, values), _values_at(G, values)
    if expected_f is None or expected_G is None:
        event("undefined at the point")
        return
    symbols = sorted(f.free_symbols | G.free_symbols | {v}, key=lambda s: s.name)
    args = [s for s in symbols if s.name not in ("n", "m")]
    f_and_grad = matcalc.lambdify(f, args, grad=v, symmetric=case.symmetric,
                                  diagonal=case.diagonal)
    f_value, G_value = f_and_grad(*[values[s.name] for s in args])
    np.testing.assert_allclose(np.asarray(f_value, dtype=float).reshape(expected_f.shape),
                               expected_f, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(np.asarray(G_value, dtype=float).reshape(expected_G.shape),
                               expected_G, rtol=1e-8, atol=1e-10)


def test_the_oracle_resolves_fast_oscillation():
    """log det(cos((tC)^∘9) cos((tCᵀ)^∘9) + I) by t: right, but only steps of 1e-6 and less
    resolve it (the soak's one "wrong", a false alarm; 50-digit mpmath agrees)."""
    from fuzzing import C, Case, t
    u = sympy.HadamardPower(sympy.HadamardPower(t * C, 3), 3)
    cos = matcalc.elementwise(sympy.cos, u)
    f = sympy.log(sympy.Determinant(cos * cos.T + sympy.Identity(C.shape[0])))
    assert classify(Case(f, t, "grad")).kind == "correct"
