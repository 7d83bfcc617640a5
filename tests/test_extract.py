"""The double-dot pass: adjoint rules (gradients) and the forward normal form (Jacobians)."""

import numpy as np
import pytest
import sympy
from helpers import A, B, X, numeric_values
from sympy import Identity, MatAdd, Trace, Transpose

import matcalc
from matcalc.extract import (DXTerm, DXTTerm, ScalarTerm, adjoint, forward, linear_terms,
                             pullback)
from matcalc.nodes import MatrixDifferential

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


def test_every_linear_node_has_an_adjoint_and_a_forward_rule():
    """Registry test: a linear node added to one table must be added to the other."""
    matrix_linear = {sympy.MatAdd, sympy.MatMul, sympy.Transpose}
    scalar_linear = {sympy.Add, sympy.Mul, sympy.Trace}
    assert matrix_linear | scalar_linear <= set(adjoint.registry)
    assert matrix_linear <= set(forward.registry)


def test_terms_are_frozen_dataclasses():
    t = DXTTerm(A, B)
    with pytest.raises(AttributeError):
        t.A = B
