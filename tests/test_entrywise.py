"""Entrywise and structural operators — Hadamard products and powers, entrywise functions,
Kronecker products, vec, diag, norms, adjugate — each rule verified against central
finite differences, by matrix, vector and scalar variables."""

import numpy as np
import pytest
import sympy
from helpers import A, B, C, R, W, X, a, assert_verified, b, m, n, t, x
from sympy import (DiagMatrix, DiagonalMatrix, DiagonalOf, HadamardPower, HadamardProduct,
                   Identity, KroneckerProduct, OneMatrix, Trace, exp, log)

import matcalc
from matcalc import Adjugate, Norm, Unvec, Vec, elementwise, sigmoid, softplus

ones = OneMatrix(1, n)
ones_n = OneMatrix(n, 1)


def total(M):
    """1ᵀ M 1, the sum of the entries of M."""
    return OneMatrix(1, M.shape[0]) * M * OneMatrix(M.shape[1], 1)


FUNCTIONS = [sympy.exp, sympy.sin, sympy.cos, sympy.tanh, sympy.atan, sigmoid, softplus]
POSITIVE_FUNCTIONS = [sympy.log, sympy.sqrt]  # applied to 𝟏 + X∘X, which is positive


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
def test_entrywise_function_chain_rule(fn):
    """d f(A) = f′(A) ∘ dA, by a matrix and by a vector."""
    assert_verified(total(elementwise(fn, A * X)), X)
    assert_verified(ones * elementwise(fn, A * x + b), x)


@pytest.mark.parametrize("fn", POSITIVE_FUNCTIONS, ids=lambda f: f.__name__)
def test_entrywise_function_of_positive_entries(fn):
    assert_verified(total(elementwise(fn, OneMatrix(n, n) + HadamardProduct(X, X))), X)


def test_entrywise_abs_away_from_zero():
    values = {"x": np.array([1.0, -2.0, 0.5])}
    assert_verified(ones * elementwise(sympy.Abs, x), x, values=values)


def test_entrywise_function_derivatives_print_as_a_person_writes_them():
    G = matcalc.grad(ones * elementwise(sigmoid, A * x), x)
    assert matcalc.text(G) == "Aᵀ (σ(A x) ∘ σ(-A x))"
    assert matcalc.text(matcalc.grad(Trace(elementwise(sympy.sin, X)), X)) == "cos(X) ∘ I"


def test_logistic_loss_gradient_and_hessian_use_the_sigmoid():
    Z, y, w = sympy.MatrixSymbol("Z", m, n), sympy.MatrixSymbol("y", m, 1), x
    u = -HadamardProduct(y, Z * w)
    loss = OneMatrix(1, m) * elementwise(log, OneMatrix(m, 1) + elementwise(exp, u))
    G = assert_verified(loss, w)
    assert matcalc.text(G) == "-Zᵀ (σ(-(Z x) ∘ y) ∘ y)"
    H = matcalc.hessian(loss, w)
    assert matcalc.text(H) == "Zᵀ diag(σ(-(Z x) ∘ y) ∘ σ((Z x) ∘ y) ∘ y^∘2) Z"
    assert matcalc.check(G, w, derivative=H).ok


def test_hadamard_product_and_power():
    """d(A ∘ B) = dA ∘ B + A ∘ dB;  d(A^∘k) = k A^∘(k−1) ∘ dA."""
    assert_verified(Trace(HadamardProduct(X, A * X) * B), X)
    assert_verified(total(HadamardPower(X, 3)), X)
    assert_verified(total(HadamardPower(OneMatrix(n, n) + HadamardProduct(X, X),
                                        sympy.Rational(-1, 2))), X)
    assert_verified(ones * HadamardProduct(a, x, x), x)


def test_hadamard_power_with_a_varying_exponent():
    """d(A^∘t) = A^∘t ∘ log(A) dt."""
    assert_verified(total(HadamardPower(OneMatrix(n, n) + HadamardProduct(A, A), t)), t)


def test_hadamard_division():
    """A ⊘ B is A ∘ B^∘−1."""
    quotient = HadamardProduct(A * X, HadamardPower(OneMatrix(n, n) + HadamardProduct(X, X),
                                                    -1))
    assert_verified(total(quotient), X)


def test_kronecker_product_rules():
    """d(A ⊗ B) = dA ⊗ B + A ⊗ dB, pulled back through traces, determinants, inverses."""
    assert matcalc.text(matcalc.grad(Trace(KroneckerProduct(A, X)), X)) == "tr(A) I"
    assert_verified(Trace(KroneckerProduct(X, A * X)), X)
    assert_verified(sympy.log(sympy.Determinant(KroneckerProduct(A, X))), X)
    assert_verified(Trace(KroneckerProduct(A, X).I * KroneckerProduct(B, C)), X)
    assert_verified(Trace(KroneckerProduct(X, A) * KroneckerProduct(B, X.T)), X)


def test_kronecker_product_of_vectors():
    """x ⊗ l = vec(l xᵀ):  aᵀ (x ⊗ b), (b ⊗ x)ᵀ (a ⊗ a)."""
    c = sympy.MatrixSymbol("c", n * n, 1)
    assert_verified(c.T * KroneckerProduct(x, b), x)
    assert_verified(c.T * KroneckerProduct(b, x), x)
    assert_verified(c.T * KroneckerProduct(x, x), x)


def test_kronecker_product_with_a_general_seed_raises_no_rule():
    M = sympy.MatrixSymbol("M", n * n, n * n)
    with pytest.raises(matcalc.NoRuleError, match="Kronecker"):
        matcalc.grad(Trace(M * KroneckerProduct(A, X)), X)


def test_vec_and_its_inverse():
    """vec(X)ᵀ (A ⊗ B) vec(X) = tr(Xᵀ B X Aᵀ): the gradient in matrix form."""
    G = assert_verified(Vec(X).T * KroneckerProduct(A, B) * Vec(X), X)
    assert "vec" not in matcalc.text(G)
    M = sympy.MatrixSymbol("M", n * n, n * n)
    G = assert_verified(Vec(X).T * M * Vec(X), X)
    assert "vec⁻¹" in matcalc.text(G)
    assert_verified(Trace(A * Unvec(M * Vec(X), n, n)), X)


def test_diag_of_a_vector_and_of_a_matrix():
    assert_verified(Trace(A * DiagMatrix(x) * B * DiagMatrix(x)), x)
    assert_verified(ones * DiagonalOf(X * A * X), X)
    assert_verified(Trace(A * DiagonalMatrix(X * X)), X)
    assert matcalc.text(matcalc.grad(ones * DiagonalOf(X), X)) == "I"


def test_norms():
    """d‖A‖_F = tr(Aᵀ dA)/‖A‖_F; ‖·‖² has no square root."""
    assert_verified(Norm(A * X - B), X)
    assert_verified(Norm(R * W), W)
    assert_verified(Norm(A * x - b), x)
    assert matcalc.text(matcalc.grad(Norm(X) ** 2, X)) == "2 X"
    assert matcalc.text(matcalc.grad(Norm(x), x)) == "x/‖x‖₂"


def test_adjugate():
    """adj(X) = det(X) X⁻¹ (Matrix Cookbook (41))."""
    assert_verified(Trace(A * Adjugate(X)), X)
    assert_verified(Trace(Adjugate(X)), X)


def test_determinant_of_a_power():
    """d det(Xᵏ) = k det(Xᵏ) tr(X⁻¹ dX) (Matrix Cookbook (58))."""
    assert_verified(sympy.Determinant(sympy.MatPow(X, 4)), X)


def test_scalar_sigmoid_and_softplus():
    assert_verified(sigmoid(Trace(A * X)) + softplus(Trace(B * X)), X)
    assert matcalc.text(matcalc.grad(log(1 + exp(-t)), t)) == "-σ(-t)"


def test_sympy_applyfunc_is_accepted():
    f = total(X.applyfunc(sympy.exp))
    assert matcalc.text(matcalc.grad(f, X)) == "exp(X)"


def test_scalar_function_of_a_matrix_is_rejected_with_a_hint():
    with pytest.raises(matcalc.NoRuleError, match="elementwise"):
        matcalc.grad(sympy.exp(X), X)


def test_entrywise_function_without_a_derivative_raises_no_rule():
    f = sympy.Function("f")  # SymPy knows no derivative of an undefined function
    with pytest.raises(matcalc.NoRuleError, match="f applied entrywise"):
        matcalc.grad(ones * elementwise(f, x), x)


def test_hessian_of_the_one_norm_is_zero_away_from_zero():
    """d sign(x) = 0 where x ≠ 0: the Hessian of Σ|xᵢ| is the zero matrix."""
    H = matcalc.hessian(ones * elementwise(sympy.Abs, x), x)
    assert isinstance(H, sympy.ZeroMatrix) and H.shape == (x.shape[0], x.shape[0])


def test_matrix_valued_hadamard_jacobian_by_a_matrix_is_not_yet_supported():
    with pytest.raises(matcalc.NoRuleError, match="Hadamard"):
        matcalc.jacobian(HadamardProduct(A, X), X)


def test_declared_symmetric_constants_simplify():
    S = matcalc.SymmetricMatrixSymbol("S", n)
    assert matcalc.text(matcalc.grad(x.T * S * x, x)) == "2 S x"
    assert matcalc.grad(sympy.log(sympy.Determinant(S)), S) == S.I
    assert_verified(Trace(S * X * S * X), X)
    with pytest.raises(matcalc.ShapeError, match="square"):
        matcalc.SymmetricMatrixSymbol("S", n, m)
    with pytest.raises(matcalc.EvaluationError, match="declared symmetric"):
        matcalc.evaluate(Trace(S), {"S": np.arange(4.0).reshape(2, 2)})


@pytest.mark.parametrize("f", [Trace(A * X), sympy.log(sympy.Determinant(X)),
                               total(elementwise(sympy.exp, X))])
def test_diagonal_variables(f):
    """Only the diagonal is free: G ∘ I (Matrix Cookbook (142))."""
    G = assert_verified(f, X, diagonal=True)
    assert isinstance(G, HadamardProduct) and Identity(n) in G.args


def test_symmetric_and_diagonal_options_are_validated():
    with pytest.raises(matcalc.VariableError, match="diagonal"):
        matcalc.grad(Trace(x.T * x), x, diagonal=True)
    with pytest.raises(matcalc.VariableError, match="diagonal"):
        matcalc.grad(Trace(X), X, diagonal="yes")


# --- regressions from an adversarial review --------------------------------------------


def test_varying_exponent_of_a_matrix_power_raises_instead_of_dropping_a_term():
    S = matcalc.SymmetricMatrixSymbol("S", n)
    for f, var in [(Trace(sympy.MatPow(S, t)), t), (sympy.Determinant(sympy.MatPow(S, t)), t),
                   (Trace(sympy.MatPow(S, Trace(S))), S)]:
        with pytest.raises(matcalc.NoRuleError, match="exponent"):
            matcalc.grad(f, var)


def test_unvec_shapes_are_checked():
    with pytest.raises(matcalc.ShapeError, match="vec⁻¹"):
        matcalc.grad(Trace(Unvec(x, 2, 2)), x)


def test_nearly_complex_eigenvalues_in_a_fractional_power_are_an_evaluation_error():
    M = sympy.MatrixSymbol("M", 2, 2)
    value = np.array([[1.0, 1e-13], [-1e-13, 1.0]])
    try:
        out = matcalc.evaluate(sympy.MatPow(M, sympy.Rational(1, 2)), {"M": value})
    except matcalc.EvaluationError:
        return
    assert np.allclose(out @ out, value)


def test_evaluate_and_check_accept_sympy_applyfunc():
    f = Trace(X.applyfunc(sympy.exp) * A)
    assert matcalc.check(f, X).ok


def test_check_uses_dims_for_a_dimension_seen_only_in_an_identity():
    result = matcalc.check(Trace(X) * Trace(Identity(m)), X, dims={"m": 2, "n": 3})
    assert result.ok and result.values["m"] == 2


@pytest.mark.parametrize("expr, expected", [
    (sympy.Rational(1, 2) * HadamardPower(X, sympy.Rational(1, 2)), "X^∘(1/2)/2"),
    (HadamardPower(X, 2) / 5, "X^∘2/5"),
    (HadamardPower(X, t + 1), "X^∘(t + 1)"),
    (sympy.MatPow(X, Trace(X) - 1), "X^(tr(X) - 1)"),
])
def test_exponents_are_bracketed_in_text(expr, expected):
    assert matcalc.text(expr) == expected


def test_hessian_through_a_hadamard_product_of_row_vectors():
    """Found by the property tests: the gradient of 𝟏ᵀ(u ∘ u ∘ σ(u)) holds uᵀ ∘ …, rows."""
    u = sympy.Rational(1, 2) * A * x + a
    f = ones * HadamardProduct(elementwise(sigmoid, u), HadamardPower(u, 2))
    H = matcalc.hessian(f, x)
    assert matcalc.check(matcalc.grad(f, x), x, derivative=H).ok


def test_matrix_nodes_reject_scalars_with_a_shape_error():
    for node in (Norm, Vec, matcalc.Adjugate):
        with pytest.raises(matcalc.ShapeError, match="takes a matrix expression"):
            node(t)


def test_kronecker_factor_with_a_scalar_coefficient():
    """Found by the property tests: SymPy's KroneckerProduct.doit fails on (A ⊗ ½ X A)."""
    f = Trace(X / 2) * Trace(KroneckerProduct(A, X * A / 2))
    assert_verified(f, X)


def test_kronecker_factor_that_sympy_would_distribute():
    """Found by the soak run: SymPy's doit distributes A ⊗ ((A + X)/2 X) over the sum and
    fails; matcalc's Kronecker keeps its factors."""
    assert_verified(Trace(KroneckerProduct(A, (A / 2 + X / 2) * X)) * Trace(X.T), X)
