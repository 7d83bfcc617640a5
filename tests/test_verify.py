"""matcalc.check: it passes right derivatives and, above all, fails wrong ones."""

import numpy as np
import pytest
import sympy
from helpers import A, B, X, x
from sympy import Determinant, Trace, log

import matcalc
from matcalc.numeric.checking import random_point


@pytest.mark.parametrize("f, wrong", [
    (Trace(X.I), -X.I * X.I),                      # missing transpose
    (log(Determinant(X)), X.I),                    # missing transpose
    (Trace(A * X * B), A * B),                     # wrong order
    (x.T * A * x, 2 * A * x),                      # only right for symmetric A
])
def test_wrong_gradients_are_caught(f, wrong):
    var = x if f.has(x) else X
    result = matcalc.check(f, var, derivative=wrong)
    assert not result.ok and not result
    assert "MISMATCH" in str(result)


def test_symmetric_conventions_are_not_interchangeable():
    f = Determinant(X)
    sym = matcalc.grad(f, X, symmetric=True)
    entries = matcalc.grad(f, X, symmetric="entries")
    assert matcalc.check(f, X, symmetric=True, derivative=sym)
    assert not matcalc.check(f, X, symmetric=True, derivative=entries)
    assert matcalc.check(f, X, symmetric="entries", derivative=entries)
    assert not matcalc.check(f, X, symmetric="entries", derivative=sym)


def test_wrong_fourth_order_result_is_caught():
    wrong = matcalc.jacobian(X.I, X)
    assert not matcalc.check(X.T.I, X, derivative=wrong)


def test_given_values_and_dims_are_used():
    result = matcalc.check(Trace(A * X), X, dims={"n": 5}, values={"A": np.eye(5)})
    assert result.ok and result.values["X"].shape == (5, 5)
    np.testing.assert_array_equal(result.values["A"], np.eye(5))


def test_random_point_values_are_well_conditioned_and_symmetric_where_asked():
    point = random_point([Trace(A * X)], X, symmetric=True, seed=2)
    Xv = point["X"]
    np.testing.assert_allclose(Xv, Xv.T)
    assert np.all(np.linalg.eigvalsh(Xv) > 0)
    assert np.linalg.cond(point["A"]) < 100
    assert not np.allclose(point["A"], point["A"].T)


def test_result_reports_relative_error():
    result = matcalc.check(Trace(X.I), X)
    assert result.relative_error <= result.tolerance
    assert str(result).startswith("ok: max error")
    assert isinstance(result.derivative, sympy.MatrixExpr)


def test_a_one_dimensional_vector_value_is_a_column_in_check_too():
    """Regression: check sized an n x 1 symbol from a 1-D value as a row (n = 1)."""
    result = matcalc.check(x.T * A * x, x, values={"x": np.ones(3)})
    assert result.ok and result.values["A"].shape == (3, 3)
