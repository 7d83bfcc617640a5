"""Bad input gets a one-line MatcalcError that says what and where."""

import numpy as np
import pytest
import sympy
from helpers import A, R, X, t
from sympy import Determinant, Inverse, MatMul, MatrixSymbol, Trace

import matcalc


def _one_line(excinfo):
    message = str(excinfo.value)
    assert "\n" not in message and message
    return message


def test_shape_mismatch_in_a_product_names_both_shapes():
    with pytest.raises(matcalc.ShapeError) as e:
        matcalc.grad(Trace(MatMul(A, R, evaluate=False) * 1), A)
    message = _one_line(e)
    assert "A (n x n)" in message and "R (m x n)" in message


def test_non_square_operations_are_rejected():
    Q = MatrixSymbol("Q", 2, 3)
    for build in (lambda: Inverse(Q), lambda: Determinant(Q), lambda: Trace(Q)):
        with pytest.raises(Exception):  # SymPy refuses these at construction
            build()


def test_variable_must_be_a_symbol():
    for bad in (X.T, 2 * X, X * A):
        with pytest.raises(matcalc.VariableError) as e:
            matcalc.grad(Trace(X), bad)
        assert "must be a MatrixSymbol or a scalar Symbol" in _one_line(e)


def test_dimension_symbol_is_not_a_variable():
    with pytest.raises(matcalc.VariableError, match="dimension"):
        matcalc.grad(Trace(X), sympy.Symbol("n"))


def test_grad_needs_a_scalar():
    with pytest.raises(matcalc.NotScalarError) as e:
        matcalc.grad(X.I, X)
    assert "use jacobian" in _one_line(e)


def test_not_an_expression():
    with pytest.raises(matcalc.MatcalcError):
        matcalc.grad(object(), X)


def test_evaluate_reports_missing_values_and_wrong_shapes():
    with pytest.raises(matcalc.EvaluationError, match="no value given for A"):
        matcalc.evaluate(Trace(A * X), {"X": np.eye(3)})
    with pytest.raises(matcalc.EvaluationError, match=r"dimension n is 4 \(from A\) but 3 from X"):
        matcalc.evaluate(Trace(A * X), {"X": np.eye(3), "A": np.eye(4)})
    with pytest.raises(matcalc.EvaluationError, match="got an array of shape"):
        matcalc.evaluate(Trace(X), {"X": np.ones((2, 2, 2))})
    with pytest.raises(matcalc.EvaluationError, match="non-finite"):
        matcalc.evaluate(Trace(X), {"X": np.full((2, 2), np.nan)})


def test_evaluate_reports_singular_matrices_and_log_domain():
    with pytest.raises(matcalc.EvaluationError, match="singular"):
        matcalc.evaluate(Trace(X.I), {"X": np.zeros((3, 3))})
    with pytest.raises(matcalc.EvaluationError, match="log of a non-positive"):
        matcalc.evaluate(sympy.log(Determinant(X)), {"X": -np.eye(3)})


def test_scalar_value_must_be_a_number():
    with pytest.raises(matcalc.EvaluationError, match="t is a scalar"):
        matcalc.evaluate(t * Trace(X), {"t": np.ones(2), "X": np.eye(2)})


def test_all_errors_share_one_base():
    for cls in (matcalc.ShapeError, matcalc.NoRuleError, matcalc.VariableError,
                matcalc.NotScalarError, matcalc.EvaluationError):
        assert issubclass(cls, matcalc.MatcalcError)
