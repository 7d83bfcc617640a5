"""Kronecker products, vec, vec⁻¹ and the commutation matrix (matcalc/ops/kronecker.py)."""

import pytest
import sympy
from helpers import A, B, C, X, assert_hessian_verified, assert_verified, b, n, x
from sympy import HadamardProduct, KroneckerProduct, Trace

import matcalc
from matcalc import CommutationMatrix, Unvec, Vec
from matcalc.core.nodes import kronecker
from ops._examples import check_example, example_id

EXAMPLES = [
    (Trace(kronecker(A, X) * kronecker(B, C)), X, {}),            # Kronecker product
    (Trace(Vec(X).T * kronecker(A, B) * Vec(X)), X, {}),          # vec
    (Trace(Unvec(kronecker(A, B) * Vec(X), n, n) * C), X, {}),    # vec⁻¹
    (Trace(Vec(A).T * CommutationMatrix(n, n) * Vec(X)), X, {}),  # commutation matrix
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_kronecker_examples_match_finite_differences(example):
    check_example(example)


# --- Jacobians by a matrix: the stages K ⊗ ·, · ⊗ K, vec and vec⁻¹ ---------------------

JACOBIAN_EXAMPLES = [
    (kronecker(A, X), X, {}),                                     # K ⊗ X
    (kronecker(X, X), X, {}),                                     # both factors vary
    (kronecker(A, X * B, C), X, {}),                              # a factor in the middle
    (kronecker(A, X).T * kronecker(B, C), X, {}),                 # transposed, then a product
    (kronecker(b, X * A), X, {}),                                 # a column factor: (b ⊗ I) X A
    (kronecker(X, b.T), X, {}),                                   # a row factor: X (I ⊗ bᵀ)
    (kronecker(A, X, b), X, {}),                                  # a column, then a stage
    (kronecker(b.T, X, A), X, {}),                                # a stage, then a row
    (Vec(A * X * B), X, {}),                                      # vec of a matrix
    (Vec(X).T * kronecker(A, B), X, {}),                          # a row of vec
    (Unvec(Vec(X * A) + kronecker(A, B) * Vec(X.T), n, n), X, {}),  # vec⁻¹ it reads back
    (Unvec(kronecker(A, B) * Vec(X) + kronecker(X, A) * Vec(B), n, n), X,
     {}),                                                          # vec⁻¹ of another column
    (Vec(x * b.T), x, {}),                                        # vec by a vector
    (Unvec(CommutationMatrix(n, n) * Vec(X * A), n, n), X, {}),   # K vec(L) = vec(Lᵀ)
    (kronecker(A, HadamardProduct(B + X, X)), X, {}),             # terms of unlike stages
]
EXAMPLES += JACOBIAN_EXAMPLES


@pytest.mark.parametrize("example", JACOBIAN_EXAMPLES, ids=example_id)
def test_jacobians_by_a_matrix_through_kronecker_products_and_vec(example):
    check_example(example)


def test_a_kronecker_jacobian_prints_as_a_stage():
    assert matcalc.text(matcalc.jacobian(kronecker(A, X), X)) == "A ⊗ (I ⊠ I)"
    assert matcalc.text(matcalc.jacobian(Vec(A * X * B), X)) == "vec(A ⊠ Bᵀ)"


def test_index_notation_through_a_reshape_is_refused_by_name():
    J = matcalc.jacobian(kronecker(A, X), X)
    with pytest.raises(matcalc.NoRuleError, match="index notation .* Kronecker product"):
        matcalc.index(J)


@pytest.mark.parametrize("f", [Trace(kronecker(X, X) * kronecker(A, B)),
                               Trace(Vec(X * X).T * kronecker(A, B) * Vec(X)),
                               Trace(Unvec(kronecker(X, A) * Vec(B), n, n) * X)], ids=str)
def test_hessians_by_a_matrix_through_kronecker_products_and_vec(f):
    assert_hessian_verified(f, X)


# --- moved from tests/test_entrywise.py -----------------------------------------------


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


def test_unvec_shapes_are_checked():
    with pytest.raises(matcalc.ShapeError, match="vec⁻¹"):
        matcalc.grad(Trace(Unvec(x, 2, 2)), x)


def test_kronecker_factor_with_a_scalar_coefficient():
    """Found by the property tests: SymPy's KroneckerProduct.doit fails on (A ⊗ ½ X A)."""
    f = Trace(X / 2) * Trace(KroneckerProduct(A, X * A / 2))
    assert_verified(f, X)


def test_kronecker_factor_that_sympy_would_distribute():
    """Found by the soak run: SymPy's doit distributes A ⊗ ((A + X)/2 X) over the sum and
    fails; matcalc's Kronecker keeps its factors."""
    assert_verified(Trace(KroneckerProduct(A, (A / 2 + X / 2) * X)) * Trace(X.T), X)
