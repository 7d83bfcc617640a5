"""Structured variables and constants across operators: declared-symmetric constants,
diagonal variables, their options, and checks that read dimensions (the operators' own
tests are beside their families, tests/ops/)."""

import numpy as np
import pytest
import sympy
from helpers import A, X, assert_verified, m, n, t, x
from sympy import HadamardProduct, Identity, OneMatrix, Trace

import matcalc
from matcalc import Norm, Vec, elementwise, sigmoid, softplus

ones = OneMatrix(1, n)
ones_n = OneMatrix(n, 1)


def total(M):
    """1ᵀ M 1, the sum of the entries of M."""
    return OneMatrix(1, M.shape[0]) * M * OneMatrix(M.shape[1], 1)


FUNCTIONS = [sympy.exp, sympy.sin, sympy.cos, sympy.tanh, sympy.atan, sigmoid, softplus]
POSITIVE_FUNCTIONS = [sympy.log, sympy.sqrt]  # applied to 𝟏 + X∘X, which is positive


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


def test_check_uses_dims_for_a_dimension_seen_only_in_an_identity():
    result = matcalc.check(Trace(X) * Trace(Identity(m)), X, dims={"m": 2, "n": 3})
    assert result.ok and result.values["m"] == 2


def test_matrix_nodes_reject_scalars_with_a_shape_error():
    for node in (Norm, Vec, matcalc.Adjugate):
        with pytest.raises(matcalc.ShapeError, match="takes a matrix expression"):
            node(t)
