"""Hessians — the Jacobian of the gradient — against finite differences of the gradient,
for scalar, vector and matrix variables, symmetric and not."""

import numpy as np
import pytest
import sympy
from helpers import A, B, C, X, a, assert_hessian_verified, b, m, n, t, x
from sympy import Determinant, MatrixSymbol, OneMatrix, Trace, log

import matcalc
from matcalc import Norm, elementwise


def test_hessian_by_a_vector_is_a_compact_matrix():
    """xᵀAx -> A + Aᵀ (Matrix Cookbook (98)); ‖Ax − b‖² -> 2AᵀA."""
    assert assert_hessian_verified(x.T * A * x, x) == A + A.T
    Am, bm = MatrixSymbol("A", m, n), MatrixSymbol("b", m, 1)
    assert matcalc.text(assert_hessian_verified(Norm(Am * x - bm) ** 2, x)) == "2 Aᵀ A"


@pytest.mark.parametrize("f", [
    log(Trace(x.T * A * x)),
    Trace(x.T * A * x) ** 2,
    sympy.exp(Trace(a.T * x)) * Trace(b.T * x),
    OneMatrix(1, n) * elementwise(sympy.tanh, A * x),
    Norm(x - a),
    Trace(x.T * A * x) / Trace(x.T * x),
], ids=str)
def test_hessian_by_a_vector(f):
    assert_hessian_verified(f, x)


@pytest.mark.parametrize("f", [
    Trace(X.T * A * X),
    log(Determinant(X)),
    Trace(X.I),
    Trace(A * X * B * X),
    Determinant(X),
    Trace(X * X.T) ** 2,
], ids=str)
@pytest.mark.parametrize("symmetric", [False, True, "entries"])
def test_hessian_by_a_matrix(f, symmetric):
    H = assert_hessian_verified(f, X, symmetric=symmetric)
    assert isinstance(H, matcalc.FourthOrder)


def test_hessian_by_a_diagonal_matrix():
    assert_hessian_verified(Trace(A * X * B * X), X, diagonal=True)
    assert_hessian_verified(log(Determinant(X)), X, diagonal=True)


def test_hessian_by_a_matrix_prints_in_square_products():
    assert matcalc.text(matcalc.hessian(Trace(X.T * A * X), X)) == "(A + Aᵀ) ⊠ I"
    assert matcalc.text(matcalc.hessian(log(Determinant(C)), C, symmetric=True)) == \
        "-C⁻¹ ⊠ C⁻¹ : 𝕀ₛ"


def test_hessian_evaluates_to_an_r_s_r_s_array():
    W = MatrixSymbol("W", n, m)
    H = matcalc.hessian(Trace(W.T * A * W), W)
    rng = np.random.default_rng(0)
    values = {"W": rng.standard_normal((3, 2)), "A": rng.standard_normal((3, 3))}
    array = matcalc.evaluate(H, values)
    assert array.shape == (3, 2, 3, 2)
    expected = np.einsum("ik,jl->ijkl", values["A"] + values["A"].T, np.eye(2))
    assert np.allclose(array, expected)


def test_hessian_by_a_scalar():
    """d²/dt² det(A + tB) (Matrix Cookbook (48)) and of scalar functions."""
    assert_hessian_verified(Determinant(A + t * B), t)
    assert matcalc.hessian(t**3, t) == 6 * t


def test_hessian_of_a_symmetric_variable_is_symmetric_on_both_sides():
    S = matcalc.SymmetricMatrixSymbol("S", n)
    H = assert_hessian_verified(Trace(S * A * S), S)
    assert H.projection == "symmetric"
    values = {"S": np.eye(3) + 0.1 * np.ones((3, 3)), "A": np.arange(9.0).reshape(3, 3)}
    array = matcalc.evaluate(H, values)
    assert np.allclose(array, array.transpose(1, 0, 2, 3))  # 𝕀ₛ on the left
    assert np.allclose(array, array.transpose(0, 1, 3, 2))  # 𝕀ₛ on the right


def test_hessian_needs_a_scalar():
    with pytest.raises(matcalc.NotScalarError, match="hessian"):
        matcalc.hessian(X * A, X)


def test_hessian_with_projections_on_both_sides_prints_unambiguously():
    H = matcalc.hessian(log(Determinant(X)), X, symmetric="entries")
    assert matcalc.text(H) == "(2𝕀ₛ - 𝔻) : (-X⁻¹ ⊠ X⁻¹) : (2𝕀ₛ - 𝔻)"
    assert matcalc.latex(H).startswith(r"\left(2 \mathbb{I}_s - \mathbb{D}\right) : \left(- ")
    values = {"X": 2 * np.eye(3) + 0.1 * np.ones((3, 3))}
    vec_form = matcalc.evaluate(H.kronecker(), {**values, "n": 3})
    array = matcalc.evaluate(H, values)
    assert np.allclose(array, vec_form.reshape(3, 3, 3, 3, order="F").transpose(1, 0, 3, 2))
