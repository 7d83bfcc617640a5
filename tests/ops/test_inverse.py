"""The inverse, determinant, adjugate and pseudo-inverse (matcalc/ops/inverse.py)."""

import numpy as np
import pytest
import sympy
from helpers import A, R, W, X, assert_hessian_verified, assert_verified, x
from sympy import Determinant, Trace

import matcalc
from matcalc import Adjugate, Norm, PseudoInverse
from ops._examples import check_example, example_id

EXAMPLES = [
    (Trace(X.I * A), X, {}),                                      # inverse
    (X.I, X, {}),                                                 # Jacobian of the inverse
    (sympy.log(Determinant(X)), X, {}),                           # log det
    (Determinant(X ** 3) + Determinant(X.T) ** 2, X, {}),         # det of powers
    (Trace(Adjugate(X) * A), X, {}),                              # adjugate
    (Adjugate(X), X, {}),                                         # Jacobian of adj
    (Determinant(X) * X.I * A, X, {}),                            # … through det
    (Trace(PseudoInverse(R) * R * A), R, {}),                   # pseudo-inverse, wide
    (Norm(PseudoInverse(W) * x) ** 2, W, {}),                     # … tall
    (PseudoInverse(W) * A, W, {}),                                # its Jacobian
]


def test_the_pseudo_inverse_prints_parses_and_has_a_hessian():
    assert matcalc.text(PseudoInverse(W)) == "W⁺"
    assert matcalc.parse("W: 4 x 2; pinv(W)").shape == (2, 4)
    assert matcalc.parse("W: 4 x 2; (Wᵀ)⁺") == PseudoInverse(matcalc.parse("W: 4 x 2; W'"))
    assert matcalc.pinv is PseudoInverse
    latex = matcalc.latex(PseudoInverse(W * R) * A)
    assert latex == r"\left(W R\right)^{+} \, A"
    assert matcalc.parse_latex(latex, {"W": W, "R": R, "A": A}) == PseudoInverse(W * R) * A
    assert_hessian_verified(Trace(PseudoInverse(R) * R * A), R)


def test_the_pseudo_inverse_of_a_rank_deficient_matrix_is_refused():
    values = {"W": np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])}
    with pytest.raises(matcalc.EvaluationError, match="full column nor full row rank"):
        matcalc.evaluate(PseudoInverse(W), values)


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_inverse_examples_match_finite_differences(example):
    check_example(example)


# --- moved from tests/test_entrywise.py -----------------------------------------------


def test_adjugate():
    """adj(X) = det(X) X⁻¹ (Matrix Cookbook (41))."""
    assert_verified(Trace(A * Adjugate(X)), X)
    assert_verified(Trace(Adjugate(X)), X)


def test_determinant_of_a_power():
    """d det(Xᵏ) = k det(Xᵏ) tr(X⁻¹ dX) (Matrix Cookbook (58))."""
    assert_verified(sympy.Determinant(sympy.MatPow(X, 4)), X)


def test_the_steps_of_the_adjugate_keep_the_inverse_rule_whole():
    import matcalc
    assert "det(X) (-X⁻¹ dX X⁻¹)" in matcalc.derive(Adjugate(X), X).text()


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_the_pseudo_inverse_generates_code_in_every_backend(backend):
    pytest.importorskip(backend)
    from test_codegen import arguments, assert_same, run
    f = Norm(PseudoInverse(W) * x) ** 2
    G = matcalc.grad(f, W)
    rng = np.random.default_rng(5)
    values = {"W": rng.standard_normal((3, 2)), "x": rng.standard_normal((3, 1))}
    for obj in (f, G):
        assert_same(run(obj, arguments(f, obj), values, backend),
                    matcalc.evaluate(obj, values), f"{obj} {backend}")
