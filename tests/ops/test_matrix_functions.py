"""Matrix functions expm, logm, sqrtm and their Fréchet derivatives
(matcalc/ops/matrix_functions.py, matcalc/core/matrix_functions.py)."""

import importlib.util

import numpy as np
import pytest
import scipy.linalg
import sympy
from helpers import A, B, C, X, assert_hessian_verified, assert_verified, n, spd
from sympy import Trace

import matcalc
from matcalc.core.matrix_functions import MATRIX_FUNCTIONS, Frechet, SecondFrechet
from ops._examples import check_example, example_id

expm, logm, sqrtm = matcalc.expm, matcalc.logm, matcalc.sqrtm
S = matcalc.SymmetricMatrixSymbol("S", n)

EXAMPLES = [
    (Trace(A * expm(X)), X, {}),                                  # expm
    (Trace(logm(X) * A) + Trace(sqrtm(X)), X, {}),                # logm, sqrtm
    (sympy.log(sympy.Determinant(sqrtm(X))), X, {}),              # through det
    (Trace(A * Frechet("expm", C, X)), X, {}),                    # a Fréchet derivative
    (expm(X), X, {}),                                             # Jacobians
    (A * logm(X).T, X, {}),
    (sqrtm(X) * B, X, {}),
    (Frechet("logm", C, X * A), X, {}),
    (Trace(A * Frechet("expm", X, B)), X, {}),                    # a second derivative
    (Frechet("sqrtm", X, B) * A, X, {}),
    (Trace(A * SecondFrechet("expm", C, X, B)), X, {}),           # a second Fréchet
    (SecondFrechet("logm", C, B, X * A), X, {}),                  # derivative, linear in X
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_matrix_function_examples_match_finite_differences(example):
    check_example(example)


@pytest.mark.parametrize("symmetric", [True, "entries"])
@pytest.mark.parametrize("F", [Trace(A * logm(S)), logm(S), sqrtm(S) * A, Trace(expm(S) * A)],
                         ids=str)
def test_symmetric_variables_in_both_conventions(F, symmetric):
    assert_verified(F, S, symmetric=symmetric)


def _exact_frechet(name, X0, E):
    n0 = X0.shape[0]
    block = np.block([[X0, E], [np.zeros_like(X0), X0]])
    return getattr(scipy.linalg, name)(block)[:n0, n0:].real


@pytest.mark.parametrize(("f", "closed_form"), [
    (expm, "expm(Xᵀ)"), (logm, "X⁻ᵀ"), (sqrtm, "sqrtm(Xᵀ)⁻¹/2")], ids=["expm", "logm", "sqrtm"])
def test_the_gradient_of_a_trace_is_the_derivative_transposed_and_agrees_with_the_block_formula(
        f, closed_form):
    """∂ tr f(X)/∂X = f′(X)ᵀ = L_f(Xᵀ, I): the printed closed form against the Fréchet
    derivative computed from f([[Xᵀ, I], [0, Xᵀ]])."""
    G = matcalc.grad(Trace(f(X)), X)
    assert matcalc.text(G) == closed_form
    X0 = np.eye(3) + 0.3 * np.random.default_rng(0).standard_normal((3, 3))
    exact = _exact_frechet(f.__name__, X0.T, np.eye(3))
    np.testing.assert_allclose(matcalc.evaluate(G, {"X": X0}), exact, rtol=1e-9, atol=1e-12)


def test_a_frechet_derivative_evaluates_to_the_differences_of_f():
    """L_f(X, E) by the block formula against (f(X + hE) − f(X − hE))/2h."""
    rng = np.random.default_rng(1)
    X0, E0 = np.eye(3) + 0.3 * rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    for entry in MATRIX_FUNCTIONS:
        f = getattr(scipy.linalg, entry.scipy)
        h = 1e-5
        differences = ((f(X0 + h * E0) - f(X0 - h * E0)) / (2 * h)).real
        value = matcalc.evaluate(Frechet(entry.name, X, A), {"X": X0, "A": E0})
        np.testing.assert_allclose(value, differences, rtol=1e-6, atol=1e-8)


def test_the_gradient_of_a_trace_with_a_weight_is_a_frechet_derivative_at_the_transpose():
    G = matcalc.grad(Trace(A * expm(X)), X)
    assert matcalc.text(G) == "L_expm(Xᵀ, Aᵀ)"
    assert matcalc.latex(G) == r"L_{\operatorname{expm}}\left(X^{\top}, A^{\top}\right)"


def test_matrix_functions_parse_print_and_read_back():
    e = matcalc.parse("X: 3 x 3; expm(X) + logm(X) - sqrtm(X)")
    assert matcalc.text(e) == "expm(X) + logm(X) - sqrtm(X)"
    assert matcalc.parse(matcalc.syntax(e, declare=True)) == e
    assert matcalc.parse_latex(matcalc.latex(e), {"X": e.atoms(sympy.MatrixSymbol).pop()}) == e
    with pytest.raises(matcalc.ShapeError, match="expm of a non-square"):
        matcalc.parse("W: 3 x 2; expm(W)")


@pytest.mark.parametrize("name", ["logm", "sqrtm"])
def test_the_principal_branch_is_refused_on_the_negative_real_axis(name):
    values = {"X": np.diag([2.0, -1.0, 3.0])}
    with pytest.raises(matcalc.EvaluationError, match="closed negative real axis"):
        matcalc.evaluate(getattr(matcalc, name)(X), values)


@pytest.mark.parametrize("f", [Trace(A * expm(X)), Trace(A * logm(X)),
                               Trace(sqrtm(X) * A * sqrtm(X)), Trace(expm(X) * expm(X).T)],
                         ids=str)
def test_hessians_through_matrix_functions_use_the_second_frechet_derivative(f):
    assert_hessian_verified(f, X)


def test_hessians_print_with_the_second_frechet_derivative():
    assert matcalc.text(matcalc.hessian(Trace(A * expm(X)), X)) == "𝕋 : L²_expm(X; A)"
    # with a closed-form gradient (expm(Xᵀ)) the Hessian is a first derivative
    assert matcalc.text(matcalc.hessian(Trace(expm(X)), X)) == "𝕋 : L_expm(X)"
    H = matcalc.hessian(Trace(A * logm(S)), S, symmetric="entries")
    assert_hessian_verified(Trace(A * logm(S)), S, symmetric="entries")
    assert "L²_logm(S; Aᵀ)" in matcalc.text(H)


def test_a_third_derivative_through_a_matrix_function_is_refused_by_name():
    f = Trace(A * SecondFrechet("expm", X, B, C))
    with pytest.raises(matcalc.NoRuleError, match="third Fréchet derivative of expm"):
        matcalc.grad(f, X)


def _installed(name):
    return importlib.util.find_spec(name) is not None


@pytest.mark.parametrize("backend", ["numpy", *[pytest.param(b, marks=pytest.mark.skipif(
    not _installed(b), reason=f"{b} is not installed")) for b in ("jax", "torch")]])
@pytest.mark.parametrize("F", [Trace(A * expm(X)), expm(X) * A, Trace(logm(X)), sqrtm(X),
                               Trace(A * Frechet("expm", X, B)), Frechet("expm", X, B)],
                         ids=str)
def test_generated_code_agrees_with_evaluate_or_is_refused_by_name(F, backend):
    from test_codegen import arguments, assert_same, run
    derivative = matcalc.jacobian(F, X) if isinstance(F, sympy.MatrixExpr) else \
        matcalc.grad(F, X)
    values = {"X": np.eye(3) + 0.3 * np.random.default_rng(2).standard_normal((3, 3)),
              "A": np.random.default_rng(3).standard_normal((3, 3)),
              "B": np.random.default_rng(4).standard_normal((3, 3)), "n": 3}
    args = arguments(F, derivative)
    written = matcalc.text(derivative)  # Trace(logm(X)) has the derivative X⁻ᵀ
    if backend != "numpy" and ("logm" in written or "sqrtm" in written):
        with pytest.raises(matcalc.NoRuleError, match=f"no {backend} code"):
            matcalc.lambdify(derivative, args, backend)
        return
    assert_same(run(derivative, args, values, backend), matcalc.evaluate(derivative, values),
                f"{F} {backend}")


def test_logm_of_an_spd_matrix_by_itself():
    """∂ logm(S)/∂S for SPD S, symmetric: the Daleckiĭ–Kreĭn stage composed with 𝕀ₛ."""
    J = matcalc.jacobian(logm(S), S)
    assert matcalc.text(J) == "(U(S) ⊠ U(S)) : (F_logm(S) ∘ (U(S)ᵀ ⊠ U(S)ᵀ)) : 𝕀ₛ"
    assert matcalc.check(logm(S), S, values={"S": spd(3)}).ok


# --- the Daleckiĭ–Kreĭn form at a symmetric point ------------------------------------------

NAMES = [f.name for f in MATRIX_FUNCTIONS]


def _rotated(eigenvalues, seed=0):
    """Q diag(eigenvalues) Qᵀ for a random orthogonal Q."""
    Q = np.linalg.qr(np.random.default_rng(seed).standard_normal((len(eigenvalues),) * 2))[0]
    return Q @ np.diag(eigenvalues) @ Q.T


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("eigenvalues", [[0.5, 1.3, 2.9], [1.5, 1.5, 2.5], [1.0, 1.0 + 1e-9, 3.0],
                                         [0.7, 0.7, 0.7]],
                         ids=["distinct", "repeated", "nearly repeated", "scalar"])
def test_the_daleckii_krein_form_agrees_with_the_block_formula(name, eigenvalues):
    """U (F ∘ (Uᵀ E U)) Uᵀ = L_f(S, E), also at repeated and nearly repeated eigenvalues
    (divided differences without cancellation) and for a direction E that is not symmetric."""
    from matcalc.core.matrix_functions import daleckii_krein
    S0 = _rotated(eigenvalues)
    E0 = np.random.default_rng(5).standard_normal((3, 3))
    written = matcalc.evaluate(daleckii_krein(name, S, A), {"S": S0, "A": E0, "n": 3})
    np.testing.assert_allclose(written, _exact_frechet(name, S0, E0), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name", NAMES)
def test_the_loewner_matrix_holds_the_divided_differences(name):
    from matcalc.core.matrix_functions import BY_NAME, Loewner
    w = np.array([0.5, 1.25, 2.0])
    F = matcalc.evaluate(Loewner(name, S), {"S": np.diag(w), "n": 3})
    f = {"expm": np.exp, "logm": np.log, "sqrtm": np.sqrt}[name]
    for i in range(3):
        for j in range(3):
            expected = (f(w[i]) - f(w[j])) / (w[i] - w[j]) if i != j else \
                BY_NAME[name].divided(w[i], w[i])
            assert F[i, j] == pytest.approx(expected, rel=1e-12)
    h = 1e-6  # the diagonal is f′
    assert F[1, 1] == pytest.approx((f(w[1] + h) - f(w[1] - h)) / (2 * h), rel=1e-8)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("symmetric", [True, "entries"])
def test_gradients_at_a_symmetric_point_print_in_daleckii_krein_form(name, symmetric):
    f = Trace(A * getattr(matcalc, name)(S) * B)
    G = assert_verified(f, S, symmetric=symmetric)
    text = matcalc.text(G)
    assert f"F_{name}(S)" in text and "U(S)ᵀ" in text and "L_" not in text, text


def test_the_daleckii_krein_gradient_of_a_weighted_trace():
    """∂ tr(A logm(S))/∂S = U (F ∘ (Uᵀ sym(A) U)) Uᵀ: the two Fréchet derivatives of the
    symmetric projection merge into one (the derivative is linear in its direction)."""
    G = matcalc.grad(Trace(A * logm(S)), S)
    assert matcalc.text(G) == "U(S) (F_logm(S) ∘ (U(S)ᵀ (A + Aᵀ) U(S))) U(S)ᵀ/2"
    assert "\\operatorname{logm}" in matcalc.latex(G) and "\\odot" in matcalc.latex(G)


def test_a_point_that_is_not_symmetric_keeps_the_frechet_derivative():
    assert matcalc.text(matcalc.grad(Trace(A * logm(X)), X)) == "L_logm(Xᵀ, Aᵀ)"
    G = assert_verified(Trace(A * expm(X.T * X)), X)  # XᵀX is symmetric
    assert "F_expm(Xᵀ X)" in matcalc.text(G)


@pytest.mark.parametrize("F", [logm(S), sqrtm(S) * A, expm(S).T * B * expm(S)], ids=str)
def test_jacobians_at_a_symmetric_point_have_kronecker_and_index_forms(F):
    J = assert_verified(F, S)
    values = {"S": spd(3, seed=4), "A": np.random.default_rng(1).standard_normal((3, 3)),
              "B": np.random.default_rng(2).standard_normal((3, 3)), "n": 3}
    array = matcalc.evaluate(J, values)
    np.testing.assert_allclose(matcalc.evaluate(J.kronecker(), values),
                               array.reshape(9, 9, order="F"), atol=1e-12)
    assert "F_" in J.index("text")


def test_the_loewner_matrix_is_refused_where_f_has_no_derivative():
    G = matcalc.grad(Trace(A * logm(S)), S)
    with pytest.raises(matcalc.NotDifferentiableError, match="not positive"):
        matcalc.evaluate(G, {"S": np.diag([2.0, -1.0, 1.0]), "A": np.eye(3), "n": 3})
    from matcalc.core.matrix_functions import Loewner
    with pytest.raises(matcalc.EvaluationError, match="F_expm of X: the matrix is not symm"):
        matcalc.evaluate(Loewner("expm", X), {"X": np.arange(9.0).reshape(3, 3)})


def test_the_hessian_differentiates_the_gradient_before_its_daleckii_krein_form():
    """U(S) has no differential rule: hessian() keeps L_f(S, E) and L²_f."""
    H = assert_hessian_verified(Trace(A * logm(S)), S)
    assert matcalc.text(H) == "L²_logm(S; A + Aᵀ)/2 : 𝕀ₛ"
    with pytest.raises(matcalc.NoRuleError, match="hessian"):
        matcalc.jacobian(matcalc.grad(Trace(A * logm(S)), S), S)


@pytest.mark.parametrize("backend", ["numpy", *[pytest.param(b, marks=pytest.mark.skipif(
    not _installed(b), reason=f"{b} is not installed")) for b in ("jax", "torch")]])
@pytest.mark.parametrize("name", NAMES)
def test_daleckii_krein_gradients_generate_code_in_every_backend(name, backend):
    """eigh and the divided differences: also where the backend has no logm or sqrtm."""
    from test_codegen import arguments, assert_same, run
    G = matcalc.grad(Trace(A * getattr(matcalc, name)(S)), S)
    values = {"S": spd(3, seed=3), "A": np.random.default_rng(3).standard_normal((3, 3)),
              "n": 3}
    assert_same(run(G, arguments(G), values, backend), matcalc.evaluate(G, values),
                f"{name} {backend}")


@pytest.mark.parametrize(("f", "closed_form"), [
    (sympy.Determinant(expm(X)), "det(expm(X)) I"),              # det e^X = e^{tr X}
    (Trace(expm(X) * expm(X)), "2 expm(Xᵀ)²"),
    (sympy.log(sympy.Determinant(sqrtm(X))), "sqrtm(Xᵀ)⁻²/2"),   # = X⁻ᵀ/2
], ids=str)
def test_a_direction_that_commutes_with_the_point_gives_a_closed_form(f, closed_form):
    """L_f(X, E) = f′(X) E when E is built from X alone (E X = X E)."""
    assert matcalc.text(assert_verified(f, X)) == closed_form


def test_a_direction_that_does_not_commute_stays_a_frechet_derivative():
    assert isinstance(Frechet("expm", X, A * X), Frechet)
    assert isinstance(Frechet("expm", X, X.T), Frechet)
    assert not isinstance(Frechet("expm", X, X.I * expm(X) + 2 * X), Frechet)
