"""Bad input gets a one-line MatcalcError that says what and where."""

import numpy as np
import pytest
import sympy
from helpers import A, R, X, t, x
from sympy import Determinant, MatMul, MatrixSymbol, Trace

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


# --- regressions found by an adversarial review -------------------------------------


def test_scalar_plus_one_by_one_matrix_points_to_trace():
    f = sympy.Add(x.T * x, 1, evaluate=False)
    with pytest.raises(matcalc.ShapeError, match=r"write Trace\(x.T\*x\)"):
        matcalc.grad(f, x)


def test_another_symbol_with_the_variables_name_is_rejected():
    with pytest.raises(matcalc.VariableError, match="another symbol named X"):
        matcalc.grad(Trace(X.I), MatrixSymbol("X", 3, 3))


def test_differential_symbol_name_clash_is_rejected():
    with pytest.raises(matcalc.VariableError, match="already uses the name dX"):
        matcalc.differential(Trace(MatrixSymbol("dX", *X.shape) * X), X)
    with pytest.raises(matcalc.VariableError, match="already uses the name dt"):
        matcalc.differential(sympy.Symbol("dt") * t**2, t)


@pytest.mark.parametrize("expr, values, message", [
    (sympy.log(sympy.sqrt(Determinant(X))), {"X": -np.eye(3)}, "complex"),
    ((sympy.sqrt(Determinant(X)) + 1) ** sympy.Rational(1, 3), {"X": -np.eye(3)}, "complex"),
    (Trace(X), {"X": "abc"}, "must be numbers"),
    (Trace(X), {"X": [[1.0, 2.0], [3.0]]}, "not an array"),
    (Trace(X), {"X": 1j * np.eye(3)}, "complex"),
    (Trace(X), {"X": np.zeros((0, 0))}, "empty"),
    (t * Trace(X), {"t": np.nan, "X": np.eye(2)}, "non-finite"),
    (t * Trace(X), {"t": None, "X": np.eye(2)}, "must be numbers"),
    (sympy.Trace(sympy.Identity(sympy.Symbol("n"))), {"n": -1}, "positive integer"),
    (sympy.Trace(sympy.Identity(sympy.Symbol("n"))), {"n": 2.5}, "positive integer"),
    (sympy.exp(Trace(X)), {"X": 1e4 * np.eye(2)}, "not finite"),
])
def test_evaluate_rejects_bad_values_with_an_evaluation_error(expr, values, message):
    with pytest.raises(matcalc.EvaluationError, match=message):
        matcalc.evaluate(expr, values)


def test_evaluate_validates_shapes_before_computing():
    W = MatrixSymbol("W", sympy.Symbol("n"), sympy.Symbol("m"))
    with pytest.raises(matcalc.ShapeError):
        matcalc.evaluate(MatMul(W, X, evaluate=False), {"X": np.eye(3), "W": np.ones((3, 2))})
    with pytest.raises(matcalc.ShapeError, match="trace of the non-square"):
        matcalc.evaluate(Trace(W), {"W": np.ones((3, 2))})


def test_evaluate_needs_a_mapping_and_an_expression():
    with pytest.raises(matcalc.EvaluationError, match="mapping"):
        matcalc.evaluate(Trace(X), None)
    with pytest.raises(matcalc.MatcalcError, match="not a SymPy expression"):
        matcalc.evaluate(None, {})


def test_check_rejects_bad_dimensions():
    with pytest.raises(matcalc.EvaluationError, match="positive integer"):
        matcalc.check(Trace(X.T * X), X, dims={"n": -1})


def test_missing_dimension_message_says_how_to_pass_it():
    J = matcalc.jacobian(X.T, X)
    with pytest.raises(matcalc.EvaluationError, match=r"pass it by name, e.g. \{'n': 3\}"):
        matcalc.evaluate(J.kronecker(), {"X": np.eye(3)})


# --- the second reliability pass (issue 14) -------------------------------------------


def test_a_variable_given_by_name_is_looked_up_among_the_symbols():
    f = Trace(A * X) + sympy.log(Determinant(X))
    assert matcalc.grad(f, "X") == matcalc.grad(f, X)
    assert matcalc.jacobian(X.I, "X") == matcalc.jacobian(X.I, X)
    assert matcalc.hessian(x.T * A * x, "x") == matcalc.hessian(x.T * A * x, x)
    assert matcalc.differential(Trace(X.I), "X") == matcalc.differential(Trace(X.I), X)
    assert matcalc.derive(Trace(X.I), "X").result == matcalc.grad(Trace(X.I), X)
    assert matcalc.check(f, "X").ok


def test_a_dimension_given_by_name_is_not_a_variable():
    with pytest.raises(matcalc.VariableError, match="dimension"):
        matcalc.grad(Trace(X), "n")


def test_a_non_expression_is_an_expression_error_with_a_one_line_message():
    for call in (lambda: matcalc.grad(object(), X), lambda: matcalc.check(object(), X),
                 lambda: matcalc.evaluate(object(), {}),
                 lambda: matcalc.check(matcalc.jacobian(X.I, X), X)):
        with pytest.raises(matcalc.ExpressionError) as e:
            call()
        assert len(_one_line(e)) < 200
