"""Numeric evaluation: dimensions read off arrays, every node's NumPy rule."""

import numpy as np
import pytest
import sympy
from helpers import A, R, X, a, n, numeric_values, t, x
from sympy import Determinant, HadamardProduct, Identity, KroneckerProduct, Trace, log

import matcalc
from matcalc import CommutationMatrix, Vec


def test_nodes_evaluate_to_their_numpy_values():
    v = numeric_values(seed=1)
    Xv, Av, xv = v["X"], v["A"], v["x"]
    cases = [
        (X * A.T, Xv @ Av.T),
        (X.I, np.linalg.inv(Xv)),
        (X**-2, np.linalg.inv(Xv @ Xv)),
        (X**3, Xv @ Xv @ Xv),
        (Trace(X), np.trace(Xv)),
        (Determinant(X), np.linalg.det(Xv)),
        (log(Determinant(X)), np.log(np.linalg.det(Xv))),
        (HadamardProduct(X, A), Xv * Av),
        (KroneckerProduct(X, A), np.kron(Xv, Av)),
        (Vec(X), Xv.reshape(-1, 1, order="F")),
        (x.T * A * x, xv.T @ Av @ xv),
        (2 * X + Identity(n), 2 * Xv + np.eye(3)),
        (sympy.sin(Trace(X)) * sympy.exp(Trace(A)), np.sin(np.trace(Xv)) * np.exp(np.trace(Av))),
    ]
    for expr, expected in cases:
        np.testing.assert_allclose(matcalc.evaluate(expr, v), expected, rtol=1e-12,
                                   err_msg=str(expr))


def test_commutation_matrix_transposes_vec():
    M = np.arange(6.0).reshape(2, 3)
    K = matcalc.evaluate(CommutationMatrix(2, 3), {})
    np.testing.assert_array_equal(K @ M.reshape(-1, 1, order="F"), M.T.reshape(-1, 1, order="F"))


def test_dimensions_are_read_off_arrays_and_by_name():
    assert matcalc.evaluate(Trace(Identity(n)), {"n": 4}) == 4.0
    assert matcalc.evaluate(R * X * a, {"R": np.ones((2, 5)), "X": np.eye(5),
                                        "a": np.ones((5, 1))}).shape == (2, 1)


def test_one_dimensional_arrays_are_taken_as_columns():
    assert matcalc.evaluate(x.T * x, {"x": np.array([1.0, 2.0, 2.0])}) == pytest.approx(9.0)


def test_scalars_evaluate_to_floats():
    value = matcalc.evaluate(t**2 * Trace(X), {"t": 3, "X": np.eye(2)})
    assert isinstance(value, float) and value == 18.0


def test_complex_results_are_reported():
    with pytest.raises(matcalc.EvaluationError, match="complex"):
        matcalc.evaluate(sympy.sqrt(Trace(X)), {"X": -np.eye(2)})


def test_det_of_a_power_is_the_power_of_det():
    """det(X⁶⁴) formed from X⁶⁴ loses every digit (and det(X)⁶⁴ spans 1e±30 here)."""
    rng = np.random.default_rng(3)
    value = np.eye(4) + 0.3 * rng.standard_normal((4, 4))
    exact = np.linalg.det(value) ** 64
    assert np.isclose(matcalc.evaluate(Determinant(X**64), {"X": value}), exact, rtol=1e-12)
    assert np.isclose(matcalc.evaluate(Determinant(X**-3), {"X": value}),
                      np.linalg.det(value) ** -3, rtol=1e-12)
    assert np.isclose(matcalc.evaluate(sympy.log(Determinant(X**64)), {"X": value}),
                      64 * np.linalg.slogdet(value)[1], rtol=1e-12)
    assert matcalc.check(Determinant(X**64), X).ok
    assert matcalc.check(sympy.log(Determinant(X**64)), X).ok


def test_log_det_never_forms_the_determinant():
    """det of this 200 x 200 matrix is 3^200 > 1e95, of its 4th power > 1e381: beyond
    float64, while log det is 200 log 3 (4 · 200 log 3)."""
    value = 3.0 * np.eye(200)
    assert np.isclose(matcalc.evaluate(sympy.log(Determinant(X)), {"X": value}),
                      200 * np.log(3.0))
    assert np.isclose(matcalc.evaluate(sympy.log(Determinant(X**4)), {"X": value}),
                      800 * np.log(3.0))
    odd = np.diag([-1.0, 2.0, 3.0])  # det X < 0: log det X undefined, log det X² is not
    assert np.isclose(matcalc.evaluate(sympy.log(Determinant(X**2)), {"X": odd}),
                      2 * np.log(6.0))
    with pytest.raises(matcalc.EvaluationError, match="non-positive determinant"):
        matcalc.evaluate(sympy.log(Determinant(X**3)), {"X": odd})


def test_shared_subexpressions_are_evaluated_once():
    """The gradient of 40 nested squares refers to each inner square many times: its tree
    has hundreds of nodes, of which only about 80 are distinct; evaluation visits each
    distinct node once."""
    f = matcalc.parse("sum(" + "(" * 40 + "x" + ").^2" * 40 + ")")
    G = matcalc.grad(f, "x")
    distinct = len(set(sympy.preorder_traversal(G)))
    assert sum(1 for _ in sympy.preorder_traversal(G)) > 5 * distinct
    with matcalc.budget(seconds=None, nodes=distinct):
        value = matcalc.evaluate(G, {"x": np.full((3, 1), 0.999)})
    assert value.shape == (3, 1) and np.all(np.isfinite(value))


def test_det_of_the_inverse_of_a_singular_matrix_is_an_evaluation_error():
    with pytest.raises(matcalc.EvaluationError, match="singular"):
        matcalc.evaluate(Determinant(X.I), {"X": np.zeros((3, 3))})
    with pytest.raises(matcalc.EvaluationError, match="non-positive determinant"):
        matcalc.evaluate(log(Determinant(X**-3)), {"X": np.zeros((3, 3))})


def test_a_dimension_used_as_a_number_takes_its_value_from_the_shapes_everywhere():
    """(n + 1) log det X: evaluate, check and generated code all read n off X's shape
    (evaluate asked for n by name before); a different n given by name is an error."""
    f = matcalc.parse("X: n x n; (n+1)*logdet(X)")
    X = next(s for s in f.free_symbols if s.name == "X")
    value = {"X": 2 * np.eye(3)}
    expected = 4 * np.log(8)
    assert np.isclose(matcalc.evaluate(f, value), expected)
    assert np.isclose(matcalc.lambdify(f, [X])(value["X"]), expected)
    assert matcalc.check(f, X).ok
    with pytest.raises(matcalc.EvaluationError, match="dimension n is 3"):
        matcalc.evaluate(f, {**value, "n": 5})
