"""Gradients by a symmetric matrix: sym(G) = (G + Gᵀ)/2 and the 'entries' convention."""

import numpy as np
import pytest
import sympy
from helpers import A, B, W, X, a, assert_verified, spd, t
from sympy import Determinant, MatrixSymbol, Trace, log

import matcalc

CASES = [
    ("log det", log(Determinant(X))),
    ("det", Determinant(X)),
    ("trace of inverse", Trace(X.I)),
    ("linear", Trace(A * X)),
    ("quadratic", Trace(X * A * X * B)),
    ("bilinear", (a.T * X * X * a)),
]


@pytest.mark.parametrize("name, f", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("convention", [True, "entries"])
def test_symmetric_gradients_match_finite_differences(name, f, convention):
    assert_verified(f, X, symmetric=convention)


@pytest.mark.parametrize("name, f", CASES, ids=[c[0] for c in CASES])
def test_symmetric_gradient_is_symmetric(name, f):
    Xv = spd(4, seed=2)
    vals = {"X": Xv, "A": np.random.default_rng(0).standard_normal((4, 4)),
            "B": np.random.default_rng(1).standard_normal((4, 4)),
            "a": np.random.default_rng(2).standard_normal((4, 1))}
    G = matcalc.evaluate(matcalc.grad(f, X, symmetric=True), vals)
    np.testing.assert_allclose(G, G.T, atol=1e-12)


def test_two_by_two_determinant_example():
    """f = det [[p, q], [q, r]] = p r − q².  ∂f/∂q = −2q; the gradient's entry is −q."""
    S = MatrixSymbol("S", 2, 2)
    p_, q_, r_ = 3.0, 0.5, 2.0
    vals = {"S": np.array([[p_, q_], [q_, r_]])}
    sym = matcalc.evaluate(matcalc.grad(Determinant(S), S, symmetric=True), vals)
    entries = matcalc.evaluate(matcalc.grad(Determinant(S), S, symmetric="entries"), vals)
    np.testing.assert_allclose(sym, [[r_, -q_], [-q_, p_]])
    np.testing.assert_allclose(entries, [[r_, -2 * q_], [-2 * q_, p_]])


def test_an_already_symmetric_gradient_is_left_alone():
    assert matcalc.grad(log(Determinant(X)), X, symmetric=True) == X.I
    assert matcalc.text(matcalc.grad(Trace(A * X), X, symmetric=True)) == "(A + Aᵀ)/2"


def test_entries_convention_text():
    G = matcalc.grad(log(Determinant(X)), X, symmetric="entries")
    assert matcalc.text(G) == "2 X⁻¹ - I ∘ X⁻¹"


@pytest.mark.parametrize("bad", ["yes", 2, "sym", 0.5])
def test_unknown_convention_is_rejected(bad):
    with pytest.raises(matcalc.VariableError, match="symmetric="):
        matcalc.grad(Trace(X), X, symmetric=bad)


@pytest.mark.parametrize("var", [W, t, sympy.MatrixSymbol("v", 3, 1)])
def test_symmetric_needs_a_square_matrix_variable(var):
    f = Trace(var.T * var) if isinstance(var, sympy.MatrixExpr) else var**2
    with pytest.raises(matcalc.VariableError, match="square matrix variable"):
        matcalc.grad(f, var, symmetric=True)


@pytest.mark.parametrize("convention", [True, "entries"])
def test_jacobian_by_a_symmetric_matrix_in_both_conventions(convention):
    """J : 𝕀ₛ and J : (2𝕀ₛ − 𝔻) against differences along (E_kl + E_lk)/2 and E_kl + E_lk."""
    for F in (X.I, X * A * X, Trace(X) * X.T):
        assert_verified(F, X, symmetric=convention)


def test_check_rejects_a_non_symmetric_value_for_a_symmetric_variable():
    with pytest.raises(matcalc.VariableError, match="not symmetric"):
        matcalc.check(Trace(X.I), X, symmetric=True, values={"X": np.arange(9.).reshape(3, 3)})
