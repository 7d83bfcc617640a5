"""The double-dot pass: adjoint rules (gradients) and the forward normal form (Jacobians)."""

import numpy as np
import pytest
import sympy
from helpers import A, B, X, assert_verified, numeric_values
from sympy import Identity, MatAdd, MatrixSymbol, Trace, Transpose

import matcalc
from matcalc.calculus.forward import DXTerm, DXTTerm, ScalarTerm, linear_terms
from matcalc.calculus.pullback import pullback
from matcalc.core.nodes import CommutationMatrix, MatrixDifferential, Norm, Unvec, Vec, kronecker

dX = MatrixDifferential.of(X)


def _pulled(D):
    return matcalc.simplify(MatAdd(*pullback(D, sympy.S.One, dX)).doit(deep=False))


@pytest.mark.parametrize("D, G", [
    (Trace(A * dX * B), Transpose(A) * Transpose(B)),         # ⟨I, A L B⟩ = ⟨AᵀBᵀ, L⟩
    (Trace(A * dX.T * B), B * A),                             # tr(A dXᵀ B) = ⟨BA, dX⟩
    (Trace(dX) * Trace(A), Trace(A) * Identity(X.shape[0])),  # scalar coefficient
    (Trace(A * dX) + Trace(dX * B), Transpose(A) + Transpose(B)),
])
def test_adjoint_rules_give_the_identified_gradient(D, G):
    assert _pulled(D) == matcalc.simplify(G)


def test_pullback_is_the_adjoint_of_the_linear_map_numerically():
    """⟨G, V⟩ = D(V) for a random direction V: the defining property of the pass."""
    D = 2 * Trace(A * dX.T * B * X) + Trace(dX) * Trace(A * X)
    G = _pulled(D)
    vals = numeric_values(seed=4, dX=np.random.default_rng(9).standard_normal((3, 3)))
    lhs = np.sum(matcalc.evaluate(G, vals) * vals["dX"])
    assert abs(lhs - matcalc.evaluate(D, vals)) < 1e-10


def test_forward_normal_form_kinds():
    terms = linear_terms(A * dX * B + (A * dX).T + Trace(dX) * B, dX)
    kinds = sorted(type(t).__name__ for t in terms)
    assert kinds == ["DXTTerm", "DXTerm", "ScalarTerm"]
    by_kind = {type(t): t for t in terms}
    assert by_kind[DXTerm].A == A and by_kind[DXTerm].B == B
    assert by_kind[ScalarTerm].M == B


def test_terms_are_frozen_dataclasses():
    t = DXTTerm(A, B)
    with pytest.raises(AttributeError):
        t.A = B


@pytest.mark.parametrize("make", [
    lambda W, Q, V: Trace(Vec(W).T * kronecker(Q, X) * Vec(W)),        # = tr(Wᵀ X W Qᵀ)
    lambda W, Q, V: Trace(Vec(V).T * kronecker(X, Q) * Vec(W)),        # X in first place
    lambda W, Q, V: Trace(Vec(W).T * kronecker(Q, X.T * A) * Vec(W + V)),
    lambda W, Q, V: Norm(Unvec(kronecker(A, X) * Vec(A), *A.shape)),   # seed vec(·)vec(A)ᵀ
], ids=["second factor", "first factor", "product inside, sum seed", "norm of unvec"])
def test_kronecker_adjoint_with_an_outer_product_seed(make):
    """⟨u vᵀ, A ⊗ B⟩ = tr(Uᵀ B V Aᵀ): the seed u vᵀ is no Kronecker product of the
    factors' shapes (found by the fuzzer: a NoRuleError before)."""
    m = sympy.Symbol("m")
    W, V = MatrixSymbol("W", X.shape[0], m), MatrixSymbol("V", X.shape[0], m)
    f = make(W, MatrixSymbol("Q", m, m), V)
    assert_verified(f, X)


@pytest.mark.parametrize("make", [
    lambda: Unvec(CommutationMatrix(*X.shape) * Vec(A * X), *X.shape),   # (A X)ᵀ
    lambda: Unvec(kronecker(A, B) * Vec(X.I), *X.shape),                 # B X⁻¹ Aᵀ
    lambda: Unvec(Vec(X * X), *X.shape),
], ids=["commutation", "kronecker", "vec"])
def test_jacobian_through_unvec(make):
    """vec⁻¹((A ⊗ B) vec(L)) = B L Aᵀ and vec⁻¹(K vec(L)) = Lᵀ in the forward pass."""
    assert_verified(make(), X)
    assert_verified(make(), X, symmetric=True)


def test_kronecker_seed_with_a_diagonal_matrix_inside():
    """SymPy's combine_kronecker rebuilds DiagMatrix without its vector (found by the
    fuzzer: AttributeError '_vector' from deep inside SymPy)."""
    m = sympy.Symbol("m")
    c = MatrixSymbol("c", m, 1)
    f = Trace(kronecker(Unvec(kronecker(X, X) * Vec(A), *X.shape), sympy.DiagMatrix(c)))
    assert_verified(f, X, symmetric=True)
    G = matcalc.grad(f, X, symmetric=True)
    assert_verified(G, X, symmetric=True, derivative=matcalc.hessian(f, X, symmetric=True))


def test_kronecker_seed_combined_with_diagonal_matrices():
    """The same SymPy traversal breaks a DiagMatrix's shape while combining products."""
    S = matcalc.SymmetricMatrixSymbol("S", *X.shape)
    P = matcalc.SymmetricMatrixSymbol("P", *X.shape)
    U = Unvec(kronecker(P, X) * Vec(S), *X.shape)
    D = sympy.DiagMatrix(sympy.DiagonalOf(U))
    f = sympy.log(sympy.Determinant(D * A * A.T * D + Identity(X.shape[0])))
    assert_verified(f, X, symmetric="entries")


def test_kronecker_seed_with_scalar_factors_keeps_them_whole():
    """A seed s t (diag(diag(b bᵀ))) through vec⁻¹((X ⊗ S) vec X): combining its Kronecker
    products rebuilt the scalar product s t without its commutativity (an AttributeError
    found by the soak)."""
    n = X.shape[0]
    b, y, x = (MatrixSymbol(name, n, 1) for name in "byx")
    S = matcalc.SymmetricMatrixSymbol("S", n)
    s, t = sympy.symbols("s t")
    inner = Trace(y.T * A * x) * Unvec(kronecker(X, S) * Vec(X), n, n)
    f = s * t * Trace(b.T * sympy.DiagMatrix(sympy.DiagonalOf(inner)) * b)
    for convention in (False, True, "entries"):
        assert_verified(f, X, symmetric=convention)
