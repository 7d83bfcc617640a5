"""The Matrix Cookbook, chapter 2: every identity matcalc supports (tests/cookbook.py holds
them with their equation numbers), each checked three ways:

1. matcalc's result agrees with central finite differences (the oracle);
2. it agrees numerically with the Cookbook's own form, at the same random point;
3. it is no larger (SymPy tree nodes) than the Cookbook's form.

The unsupported equations raise NoRuleError.
"""

import numpy as np
import pytest
import sympy
from cookbook import IDENTITIES, UNSUPPORTED, X, Y, size
from sympy import Trace

import matcalc


def _derive(case):
    derive = {"grad": matcalc.grad, "jacobian": matcalc.jacobian,
              "hessian": matcalc.hessian}[case.kind]
    return derive(case.f, case.var, **case.options)


def _check(case, result, seed):
    if case.kind == "hessian":  # the Hessian is the derivative of the gradient
        inner = matcalc.grad(case.f, case.var, **case.options)
        return matcalc.check(inner, case.var, derivative=result, values=case.values,
                             seed=seed, **case.options)
    return matcalc.check(case.f, case.var, derivative=result, values=case.values, seed=seed,
                         **case.options)


@pytest.mark.parametrize("case", IDENTITIES, ids=lambda c: f"{c.eq} {c.f}")
def test_cookbook_identity_matches_finite_differences_and_the_cookbook(case):
    result = _derive(case)
    for seed in (0, 1):
        outcome = _check(case, result, seed)
        assert outcome.ok, f"{case.eq}: {outcome} for {matcalc.text(result)}"
        if case.expected is not None:
            ours = np.asarray(matcalc.evaluate(result, outcome.values), dtype=float)
            theirs = np.asarray(matcalc.evaluate(case.expected, outcome.values), dtype=float)
            assert np.allclose(ours, theirs.reshape(ours.shape), rtol=1e-9, atol=1e-9), \
                f"{case.eq}: {matcalc.text(result)} differs from the Cookbook's form"


@pytest.mark.parametrize("case", [c for c in IDENTITIES if c.expected is not None],
                         ids=lambda c: f"{c.eq} {c.f}")
def test_cookbook_identity_is_as_compact_as_the_cookbook(case):
    result = _derive(case)
    assert size(result) <= size(case.expected), \
        f"{case.eq}: {matcalc.text(result)} ({size(result)} nodes) is larger than the " \
        f"Cookbook's {matcalc.text(case.expected)} ({size(case.expected)} nodes)"


def test_every_supported_chapter_2_equation_is_tested_or_listed_as_unsupported():
    tested = {c.eq for c in IDENTITIES}
    listed = {eq.strip() for key in UNSUPPORTED for eq in key.split(",")}
    # Equations that state a convention, a definition or a rule matcalc applies
    # internally rather than a derivative to compute.
    conventions = {"(32)", "(33)", "(41)", "(47)", "(50)", "(80)", "(94)", "(96)", "(133)",
                   "(134)", "(135)", "(136)", "(137)", "(138)"}
    missing = {f"({i})" for i in range(32, 145)} - tested - listed - conventions
    assert not missing, f"Cookbook equations neither tested nor listed: {sorted(missing)}"


@pytest.mark.parametrize("name, f, var", [
    ("(45) conjugate transpose", Trace(sympy.Adjoint(X)), X),
    ("(55) pseudo-inverse", sympy.log(sympy.Function("pinv")(Y)), Y),
    ("(67) eigenvalue", sympy.Function("eig")(X), X),
    ("(128) matrix function", sympy.sin(X), X),
])
def test_unsupported_cookbook_equations_raise_no_rule(name, f, var):
    with pytest.raises(matcalc.NoRuleError):
        matcalc.grad(f, var)


def test_cookbook_47_the_gradient_of_det_times_x_transposed_is_det_times_identity():
    """(47): Σₖ ∂det X/∂X_ik X_jk = δ_ij det X, i.e. G Xᵀ = det(X) I."""
    G = matcalc.grad(sympy.Determinant(X), X)
    values = {"X": np.eye(4) + 0.3 * np.random.default_rng(0).standard_normal((4, 4))}
    lhs = matcalc.evaluate(G * X.T, values)
    assert np.allclose(lhs, np.linalg.det(values["X"]) * np.eye(4))


def test_cookbook_41_adjugate_form_of_the_determinant_differential():
    """(41): d det X = tr(adj(X) dX), so ∂ det X/∂X = adj(X)ᵀ."""
    G = matcalc.grad(sympy.Determinant(X), X)
    values = {"X": np.eye(3) + 0.3 * np.random.default_rng(1).standard_normal((3, 3))}
    adj_t = matcalc.evaluate(sympy.Transpose(matcalc.Adjugate(X)), values)
    assert np.allclose(matcalc.evaluate(G, values), adj_t)
