"""The two questions matcalc grew from (shared/seeds): every formula, derived and checked."""

import numpy as np
import sympy
from helpers import A, C, X, assert_verified, spd
from sympy import Determinant, Trace, log

import matcalc


def test_gradient_of_trace_of_inverse_is_minus_inverse_squared_transposed():
    G = assert_verified(Trace(X.I), X)
    assert G == -sympy.MatPow(sympy.Transpose(X), -2)          # −(X⁻²)ᵀ, in canonical form
    assert matcalc.text(G) == "-(X⁻²)ᵀ"
    assert matcalc.latex(G) == r"- \left(X^{-2}\right)^{\top}"


def test_differential_of_trace_of_inverse():
    dX = sympy.MatrixSymbol("dX", *X.shape)
    df = matcalc.differential(Trace(X.I), X)
    assert matcalc.text(df) == "-tr(X⁻¹ dX X⁻¹)"
    # the differential evaluates like the directional derivative it stands for
    rng = np.random.default_rng(3)
    Xv, V = np.eye(3) + 0.3 * rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    eps = 1e-6
    fd = (np.trace(np.linalg.inv(Xv + eps * V)) - np.trace(np.linalg.inv(Xv - eps * V))) / (2 * eps)
    value = matcalc.evaluate(df.xreplace({next(iter(df.atoms(sympy.MatrixSymbol) - {X})): dX}),
                             {"X": Xv, "dX": V})
    assert abs(value - fd) < 1e-8


def test_jacobian_of_inverse_in_index_and_square_product_form():
    J = assert_verified(C.I, C)
    assert matcalc.text(J) == "-C⁻¹ ⊠ C⁻ᵀ"
    assert matcalc.index(J) == "- C^{-1}_{ik} C^{-1}_{lj}"


def test_jacobian_of_inverse_of_symmetric_matrix_composes_with_symmetric_identity():
    J = assert_verified(C.I, C, symmetric=True)
    assert matcalc.text(J) == "-C⁻¹ ⊠ C⁻¹ : 𝕀ₛ"
    assert matcalc.index(J) == (r"- \frac{1}{2}\left(C^{-1}_{ik} C^{-1}_{jl} "
                                r"+ C^{-1}_{il} C^{-1}_{jk}\right)")
    # the projected result keeps the symmetry in (k, l) that the seed question missed
    values = matcalc.evaluate(J, {"C": spd(4)})
    np.testing.assert_allclose(values, values.swapaxes(2, 3))
    np.testing.assert_allclose(values, values.swapaxes(0, 1))


def test_symmetric_projection_against_the_components_written_out():
    Cv = spd(3, seed=5)
    Ci = np.linalg.inv(Cv)
    expected = -0.5 * (np.einsum("ik,jl->ijkl", Ci, Ci) + np.einsum("il,jk->ijkl", Ci, Ci))
    J = matcalc.jacobian(C.I, C, symmetric=True)
    np.testing.assert_allclose(matcalc.evaluate(J, {"C": Cv}), expected, rtol=1e-12)


def test_diagonal_matrix_sanity_check_from_the_seed_thread():
    """For C = diag(a, b, c): ∂(C⁻¹)₁₁/∂C₁₁ = −a⁻², in both conventions (not doubled)."""
    a_, b_, c_ = 2.0, 3.0, 5.0
    Cv = np.diag([a_, b_, c_])
    for symmetric in (False, True):
        J = matcalc.evaluate(matcalc.jacobian(C.I, C, symmetric=symmetric), {"C": Cv})
        assert J[0, 0, 0, 0] == -a_ ** -2
        assert J[1, 1, 1, 1] == -b_ ** -2


def test_log_determinant_determinant_and_a_sum_of_traces():
    assert assert_verified(log(Determinant(X)), X) == sympy.Inverse(sympy.Transpose(X))
    G = assert_verified(Determinant(X), X)
    assert matcalc.text(G) == "det(X) X⁻ᵀ"
    G = assert_verified(Trace(A * X) + Trace(X.I), X)
    assert matcalc.text(G) == "Aᵀ - (X⁻²)ᵀ"
    # SymPy 1.14's own diff returns 0 for these; ours are not zero
    assert G != 0 and not isinstance(G, sympy.ZeroMatrix)
