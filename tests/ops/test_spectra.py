"""Spectral functions eigmax, eigmin, normspec, normnuc (matcalc/ops/spectra.py,
matcalc/core/spectra.py)."""

import importlib.util

import numpy as np
import pytest
import sympy
from helpers import A, B, R, W, assert_hessian_verified, assert_verified, n
from sympy import Trace

import matcalc
from matcalc.core.spectra import (BottomEigenvector, LeftSingularVector, RightSingularVector,
                                  TopEigenvector)
from ops._examples import check_example, example_id

eigmax, eigmin, normspec, normnuc = (matcalc.eigmax, matcalc.eigmin, matcalc.normspec,
                                     matcalc.normnuc)
S = matcalc.SymmetricMatrixSymbol("S", n)

EXAMPLES = [
    (eigmax(S), S, {}),                                           # eigmax: v vᵀ
    (eigmin(S + A.T * A) * Trace(S), S, {}),                      # eigmin
    (normspec(W), W, {}),                                         # spectral norm: u₁ v₁ᵀ
    (normnuc(R * W) + normspec(A * W) ** 2, W, {}),               # nuclear norm: polar
    (eigmax(S) * B * S, S, {}),                                   # a Jacobian through it
    (TopEigenvector(S) * TopEigenvector(S).T, S, {}),             # the vectors: v vᵀ
    (Trace(BottomEigenvector(S).T * A * BottomEigenvector(S)), S, {}),
    (A * LeftSingularVector(W) * RightSingularVector(W).T, W, {}),  # u₁ v₁ᵀ (signs agree)
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_spectral_examples_match_finite_differences(example):
    check_example(example)


@pytest.mark.parametrize("symmetric", [True, "entries"])
@pytest.mark.parametrize("f", [eigmax(S), eigmin(S), eigmax(A * S * A.T)], ids=str)
def test_eigenvalues_of_symmetric_variables_in_both_conventions(f, symmetric):
    assert_verified(f, S, symmetric=symmetric)


def test_the_derivatives_print_with_the_vectors_of_the_decomposition():
    assert matcalc.text(matcalc.grad(eigmax(S), S)) == "v_max(S) v_max(S)ᵀ"
    assert matcalc.text(matcalc.grad(normspec(W), W)) == "u₁(W) v₁(W)ᵀ"
    assert matcalc.text(matcalc.grad(normnuc(W), W)) == "polar(W)"
    assert matcalc.latex(matcalc.grad(eigmax(S), S)) == \
        r"v_{\max}\left(S\right) \, v_{\max}\left(S\right)^{\top}"


def test_spectral_functions_parse_print_and_read_back():
    e = matcalc.parse("S: symmetric 3 x 3; W: 3 x 2; eigmax(S) - eigmin(S) + normspec(W) "
                      "+ normnuc(W)")
    assert matcalc.text(e) == "eigmax(S) - eigmin(S) + normnuc(W) + normspec(W)"
    assert matcalc.parse(matcalc.syntax(e, declare=True)) == e
    with pytest.raises(matcalc.ShapeError, match="eigmax of a non-square"):
        matcalc.parse("W: 3 x 2; eigmax(W)")


def test_where_there_is_no_derivative_evaluation_says_why():
    G = matcalc.grad(eigmax(S), S)
    with pytest.raises(matcalc.EvaluationError, match="repeated"):
        matcalc.evaluate(G, {"S": np.diag([3.0, 3.0, 1.0])})
    X = sympy.MatrixSymbol("X", 3, 3)
    with pytest.raises(matcalc.EvaluationError, match="not symmetric"):
        matcalc.evaluate(eigmax(X), {"X": np.arange(9.0).reshape(3, 3)})
    with pytest.raises(matcalc.NotDifferentiableError, match="rank deficient"):
        matcalc.evaluate(matcalc.grad(normnuc(X), X), {"X": np.diag([1.0, 2.0, 0.0])})
    with pytest.raises(matcalc.NotDifferentiableError, match="repeated"):
        matcalc.evaluate(matcalc.grad(eigmin(S), S), {"S": np.diag([3.0, 1.0, 1.0])})


@pytest.mark.parametrize("symmetric", [True, "entries"])
@pytest.mark.parametrize("f", [eigmax(S), eigmin(S) * Trace(S), eigmax(S + A.T * A) ** 2],
                         ids=str)
def test_hessians_through_extreme_eigenvalues_use_the_eigenvector_differential(f, symmetric):
    """dv = (λI − S)⁺ dS v, with (λI − S)⁺ = (λI − S + v vᵀ)⁻¹ − v vᵀ."""
    assert_hessian_verified(f, S, symmetric=symmetric)


@pytest.mark.parametrize("f, var", [(normspec(W), W), (normspec(A * W) ** 2, W),
                                    (normspec(A), A), (normspec(W.T * A), A)], ids=str)
def test_hessians_through_the_spectral_norm_use_the_singular_vector_differentials(f, var):
    assert_hessian_verified(f, var)


def test_a_second_derivative_through_the_nuclear_norm_is_refused_by_name():
    with pytest.raises(matcalc.NoRuleError, match="polar factor"):
        matcalc.hessian(normnuc(W), W)
    with pytest.raises(matcalc.NoRuleError, match="hessian()"):  # U(S) of Daleckiĭ–Kreĭn
        matcalc.jacobian(matcalc.grad(Trace(A * matcalc.logm(S)), S), S)


def _installed(name):
    return importlib.util.find_spec(name) is not None


@pytest.mark.parametrize("backend", ["numpy", *[pytest.param(b, marks=pytest.mark.skipif(
    not _installed(b), reason=f"{b} is not installed")) for b in ("jax", "torch")]])
@pytest.mark.parametrize("f, var", [(eigmax(S) + eigmin(S), S), (normspec(W), W),
                                    (normnuc(W), W), (normnuc(A.T), A)], ids=str)
def test_generated_code_agrees_with_evaluate(f, var, backend):
    from test_codegen import arguments, assert_same, run
    rng = np.random.default_rng(4)
    M = rng.standard_normal((3, 3))
    values = {"S": M + M.T, "W": rng.standard_normal((3, 2)), "A": M}  # polar(Aᵀ)ᵀ
    for obj in (f, matcalc.grad(f, var)):
        args = arguments(f, obj)
        assert_same(run(obj, args, values, backend), matcalc.evaluate(obj, values),
                    f"{obj} {backend}")
