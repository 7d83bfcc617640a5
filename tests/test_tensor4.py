"""Fourth-order results: square products, transposer, dyads, Kronecker form, evaluation."""

import numpy as np
import pytest
import sympy
from helpers import A, B, C, R, W, X, a, assert_verified, n, numeric_values, spd, t, x
from sympy import DiagMatrix, Determinant, HadamardPower, HadamardProduct, Identity, Trace

import matcalc
from matcalc import Unvec, Vec
from matcalc.core.nodes import kronecker

JACOBIAN_CASES = [
    ("inverse", X.I),
    ("transpose", X.T),
    ("two-sided product", A * X * B),
    ("product with transpose", X * A * X.T),
    ("scalar times matrix", Trace(X) * A),
    ("determinant times inverse", Determinant(X) * X.I),
    ("power", X**3),
    ("negative power", X**-2),
    ("rectangular result", R * X),
    ("rectangular variable", W.T * A * W),
    ("sum", X + X.T + A * X.I),
]


@pytest.mark.parametrize("name, F", JACOBIAN_CASES, ids=[c[0] for c in JACOBIAN_CASES])
def test_jacobian_matches_finite_differences(name, F):
    var = W if F.has(W) else X
    assert_verified(F, var)


@pytest.mark.parametrize("name, F", JACOBIAN_CASES[:8], ids=[c[0] for c in JACOBIAN_CASES[:8]])
def test_symmetric_jacobian_matches_finite_differences(name, F):
    assert_verified(F, X, symmetric=True)


@pytest.mark.parametrize("name, F", JACOBIAN_CASES, ids=[c[0] for c in JACOBIAN_CASES])
def test_kronecker_form_agrees_with_the_fourth_order_array(name, F):
    var = W if F.has(W) else X
    J = matcalc.jacobian(F, var)
    vals = numeric_values(seed=2, W=np.random.default_rng(1).standard_normal((3, 2)),
                          R=np.random.default_rng(2).standard_normal((2, 3)), m=2, n=3)
    array = matcalc.evaluate(J, vals)
    p, q, r, s = array.shape
    kron = matcalc.evaluate(J.kronecker(), vals)
    np.testing.assert_allclose(kron, array.reshape(p * q, r * s, order="F"), atol=1e-12)


def test_kronecker_form_of_a_symmetric_result_applies_the_symmetriser():
    J = matcalc.jacobian(C.I, C, symmetric=True)
    vals = {"C": spd(3)}
    array = matcalc.evaluate(J, vals)
    np.testing.assert_allclose(matcalc.evaluate(J.kronecker(), vals),
                               array.reshape(9, 9, order="F"), atol=1e-12)


def test_kronecker_form_of_a_two_sided_product_is_B_transpose_kron_A():
    J = matcalc.jacobian(A * X * B, X)
    K = J.kronecker()
    assert isinstance(K, sympy.KroneckerProduct) and K.args == (B.T, A)


def test_evaluated_shape_is_F_shape_then_X_shape():
    J = matcalc.jacobian(R * X, X)
    vals = {"R": np.ones((4, 3)), "X": np.eye(3)}
    assert matcalc.evaluate(J, vals).shape == (4, 3, 3, 3)


def test_vector_by_vector_jacobian_is_a_matrix():
    J = assert_verified(A * x, x)
    assert J == A
    J = assert_verified(Trace(A * x * x.T) * a + A * X * x, x)
    assert isinstance(J, sympy.MatrixExpr) and J.shape == (n, n)


def test_matrix_by_scalar_is_a_matrix():
    J = assert_verified(t * A + t**2 * B + (Identity(n) + t * A).I, t)
    assert isinstance(J, sympy.MatrixExpr)


def test_scalar_function_by_jacobian_is_its_gradient():
    assert matcalc.jacobian(Trace(X.I), X) == matcalc.grad(Trace(X.I), X)


def test_transposer_disappears_under_symmetric_projection():
    J = matcalc.jacobian(X.T, X, symmetric=True)
    assert all(not term.transposed for term in J.terms)
    assert matcalc.text(J) == "I ⊠ I : 𝕀ₛ"


def test_like_terms_are_collected():
    J = matcalc.jacobian(X + X, X)
    assert len(J.terms) == 1 and J.terms[0].coeff == 2


def test_fourth_order_renders_in_jupyter():
    J = matcalc.jacobian(X.I, X)
    assert J._repr_latex_() == r"$\displaystyle - X^{-1} \boxtimes X^{-\top}$"
    assert str(J) == "-X⁻¹ ⊠ X⁻ᵀ"


def test_scalar_coefficients_built_from_matrices_are_kept_as_they_are():
    """Regression: simplifying such coefficients crashed or hung inside SymPy."""
    Q = sympy.MatrixSymbol("Q", 3, 3)
    q = sympy.MatrixSymbol("q", 3, 1)
    assert_verified(Determinant(2 * Identity(n) + A) * X + X, X)
    assert_verified(sympy.exp(Trace(q.T * Q * q) / 10) * Q, Q)
    assert_verified(4 * sympy.exp(sympy.exp(Trace(q.T * Q * q) / 10) / 10) * Q.T, Q,
                    symmetric=True)


def _random_values(names, seed=0):
    rng = np.random.default_rng(seed)
    return {k: np.eye(3) + 0.3 * rng.standard_normal((3, 3)) for k in names}


@pytest.mark.parametrize("make", [
    lambda X, A: matcalc.jacobian(X.I, X),
    lambda X, A: matcalc.jacobian(A * X.T * X, X),
    lambda X, A: matcalc.jacobian(X * sympy.Trace(A * X), X),
    lambda X, A: matcalc.hessian(sympy.log(sympy.Determinant(X)), X, symmetric=True),
    lambda X, A: matcalc.hessian(sympy.Trace(X * A * X), X, symmetric="entries"),
    lambda X, A: matcalc.hessian(sympy.Trace(X * A * X), X, diagonal=True),
], ids=["inverse", "transposed", "dyadic", "symmetric", "entries", "diagonal"])
def test_fourth_order_arithmetic_and_contractions_agree_with_the_arrays(make):
    """2H − H/2 − H, H : V (H @ V) and W : H (W @ H) against the same operations on the
    evaluated arrays: J_ijkl V_kl and W_ij J_ijkl."""
    X, A, V, W = (sympy.MatrixSymbol(k, 3, 3) for k in "XAVW")
    H = make(X, A)
    values = _random_values("XAVW")
    J = matcalc.evaluate(H, values)
    assert np.allclose(matcalc.evaluate(2 * H - H / 2 - H, values), J / 2)
    assert np.allclose(matcalc.evaluate(H + H, values), 2 * J)
    assert np.allclose(matcalc.evaluate(H @ V, values), np.einsum("ijkl,kl->ij", J, values["V"]))
    assert np.allclose(matcalc.evaluate(W @ H, values), np.einsum("ij,ijkl->kl", values["W"], J))
    assert np.allclose(matcalc.evaluate(-H, values), -J)
    assert matcalc.text(-H) != matcalc.text(H) and matcalc.latex(3 * H)


def test_fourth_order_results_of_different_variables_or_conventions_do_not_add():
    X, Y = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("Y", 3, 3)
    with pytest.raises(matcalc.ExpressionError, match="same variable"):
        matcalc.jacobian(X.I, X) + matcalc.jacobian(Y.I, Y)
    with pytest.raises(matcalc.ExpressionError, match="contract it with @"):
        matcalc.jacobian(X.I, X) * X
    assert sum([matcalc.jacobian(X.I, X)] * 2) == 2 * matcalc.jacobian(X.I, X)


# --- staged products: (A ⊠ B) : S : L with S = G ∘ ·, K ⊗ ·, vec, vec⁻¹ --------------------


def _total(M):
    return sympy.OneMatrix(1, M.shape[0]) * M * sympy.OneMatrix(M.shape[1], 1)


STAGED = {
    "entrywise": lambda X, A, x: matcalc.jacobian(HadamardProduct(A, X) * A, X),
    "entrywise of a transpose": lambda X, A, x: matcalc.jacobian(
        A * matcalc.elementwise(sympy.exp, X.T) * X, X),
    "Kronecker": lambda X, A, x: matcalc.jacobian(kronecker(A, X * A), X),
    "vec": lambda X, A, x: matcalc.jacobian(Vec(A * X.T), X),
    "vec⁻¹": lambda X, A, x: matcalc.jacobian(Unvec(DiagMatrix(Vec(X)) * Vec(A), 3, 3), X),
    "diag": lambda X, A, x: matcalc.jacobian(A * DiagMatrix(X * x), X),
    "by a vector": lambda X, A, x: matcalc.jacobian(DiagMatrix(x) * A, x),
    "Hessian": lambda X, A, x: matcalc.hessian(
        _total(matcalc.elementwise(sympy.tanh, A * X)), X),
    "Hessian, symmetric": lambda X, A, x: matcalc.hessian(
        _total(matcalc.elementwise(sympy.tanh, A * X)), X, symmetric=True),
    "Hessian, entries": lambda X, A, x: matcalc.hessian(
        Trace(HadamardPower(X, 3) * A), X, symmetric="entries"),
    "Hessian, diagonal": lambda X, A, x: matcalc.hessian(
        _total(matcalc.elementwise(sympy.exp, X * A)), X, diagonal=True),
}


def _staged_values(H, seed=0):
    rng = np.random.default_rng(seed)
    values = {"X": np.eye(3) + 0.3 * rng.standard_normal((3, 3)),
              "A": rng.standard_normal((3, 3)), "x": rng.standard_normal((3, 1))}
    if H.projection:  # a symmetric (or diagonal) X
        values["X"] = values["X"] + values["X"].T
    return values


@pytest.mark.parametrize("name", STAGED)
def test_staged_results_evaluate_to_their_kronecker_form_and_contract_like_their_arrays(name):
    """The Kronecker form, 2H − H/2 − H, H : V and W : H of each stage against the
    evaluated array (J_ijkl V_kl, W_ij J_ijkl)."""
    X, A, x = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("A", 3, 3), \
        sympy.MatrixSymbol("x", 3, 1)
    H = STAGED[name](X, A, x)
    assert any(isinstance(t, matcalc.StagedProduct) for t in H.terms), H
    values = _staged_values(H)
    J = matcalc.evaluate(H, values)
    p, q, r, s = J.shape
    np.testing.assert_allclose(matcalc.evaluate(H.kronecker(), values),
                               J.reshape(p * q, r * s, order="F"), atol=1e-10)
    np.testing.assert_allclose(matcalc.evaluate(2 * H - H / 2 - H, values), J / 2, atol=1e-10)
    rng = np.random.default_rng(5)
    V, W = sympy.MatrixSymbol("V", r, s), sympy.MatrixSymbol("W", p, q)
    values |= {"V": rng.standard_normal((r, s)), "W": rng.standard_normal((p, q))}
    np.testing.assert_allclose(matcalc.evaluate(H @ V, values),
                               np.einsum("ijkl,kl->ij", J, values["V"]), atol=1e-10)
    np.testing.assert_allclose(matcalc.evaluate(W @ H, values),
                               np.einsum("ij,ijkl->kl", values["W"], J), atol=1e-10)


def test_a_staged_product_prints_in_all_three_forms():
    X, A = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("A", 3, 3)
    J = matcalc.jacobian(matcalc.elementwise(sympy.sin, X) * A, X)
    assert matcalc.text(J) == "(I ⊠ Aᵀ) : 𝔻(cos(X))"
    assert matcalc.latex(J) == (r"\left(I \boxtimes A^{\top}\right) : "
                                r"\mathbb{D}\left(\cos\left(X\right)\right)")
    assert matcalc.index(J, style="text") == "Σ_n A_nj (cos(X))_in δ_ik δ_nl"
    assert matcalc.text(J.kronecker()) == "(Aᵀ ⊗ I) diag(vec(cos(X)))"  # vec(M A)


def test_entrywise_stages_of_like_terms_add_their_weights():
    """c (G ∘ L) + c′ (G′ ∘ L) = (c G + c′ G′) ∘ L: one term, the common factor outside."""
    X = sympy.MatrixSymbol("X", 3, 3)
    H = matcalc.hessian(_total(HadamardPower(matcalc.elementwise(sympy.sin, X), 2)), X)
    assert len(H.terms) == 1 and matcalc.text(H).startswith("2 𝔻(")
