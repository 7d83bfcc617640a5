"""Scalar and entrywise functions, Hadamard products and powers (matcalc/ops/entrywise.py),
and every entry of the scalar-function table (matcalc/core/functions.py): each parses
(name and aliases), prints in every printer, differentiates, evaluates and generates code
for every backend."""

import importlib.util

import numpy as np
import pytest
import sympy
from helpers import A, B, X, a, n, t, x
from sympy import HadamardPower, HadamardProduct, OneMatrix, Trace

from ops._examples import check_example, example_id

import matcalc
from matcalc import elementwise, sigmoid
from matcalc.core.functions import FUNCTIONS

ones_row, ones_col = OneMatrix(1, n), OneMatrix(n, 1)

EXAMPLES = [
    (sympy.exp(Trace(A * X)) + sympy.sin(Trace(X)), X, {}),      # scalar functions
    (ones_row * elementwise(sympy.tanh, A * X) * ones_col, X, {}),  # entrywise
    (Trace(HadamardProduct(A, X) * B), X, {}),                    # Hadamard product
    (Trace(HadamardPower(X, 3) * A), X, {}),                      # Hadamard power
    (HadamardProduct(a, x), x, {}),                               # its Jacobian (vectors)
    (elementwise(sympy.exp, x), x, {}),                           # entrywise Jacobian
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_entrywise_examples_match_finite_differences(example):
    check_example(example)


def _inside_domain(f, u):
    """u mapped into f's domain: σ(u) ∈ (0, 1) for log, √, arcsin, arccos."""
    return sigmoid(u) if f.domain is not None else u


def _entrywise_inside_domain(f, U):
    return elementwise(sigmoid, U) if f.domain is not None else U


FUNCTION_IDS = [f.name for f in FUNCTIONS]


@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
def test_each_function_differentiates_as_a_scalar_and_entrywise(f):
    check_example((f.sympy(_inside_domain(f, 2 * t + 1)) * t, t, {}))
    check_example((ones_row * elementwise(f.sympy, _entrywise_inside_domain(f, A * X))
                   * ones_col, X, {}))


@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
def test_each_function_parses_by_its_name_and_aliases(f):
    for name in (f.name, *f.aliases):
        assert matcalc.parse(f"{name}(X)", {"X": X}) == elementwise(f.sympy, X)
        assert matcalc.parse(f"{name}(t)", {"t": t}) == f.sympy(t)


@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
def test_each_function_prints_in_every_printer_and_reads_back(f):
    for e in (elementwise(f.sympy, X), f.sympy(t) * Trace(X)):
        assert matcalc.text(e) and matcalc.latex(e)
        back = matcalc.parse(matcalc.syntax(e, declare=True))
        assert back == e or matcalc.syntax(back) == matcalc.syntax(e)


def _installed(name):
    return importlib.util.find_spec(name) is not None


BACKENDS = ["numpy", *[pytest.param(b, marks=pytest.mark.skipif(
    not _installed(b), reason=f"{b} is not installed")) for b in ("jax", "torch")]]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
def test_each_function_generates_code_that_agrees_with_evaluate(f, backend):
    e = Trace(ones_row * elementwise(f.sympy, _entrywise_inside_domain(f, X)) * ones_col) \
        + f.sympy(_inside_domain(f, t))
    values = {"X": np.array([[0.3, -1.2], [2.0, 0.7]]), "t": 0.4}
    expected = matcalc.evaluate(e, values)
    G = matcalc.grad(e, X)
    fn = matcalc.lambdify(e, [X, t], backend, grad=X)
    inputs = [values["X"], values["t"]]
    if backend == "torch":
        import torch
        inputs = [torch.as_tensor(v, dtype=torch.float64) for v in inputs]
    value, gradient = (np.asarray(v.detach() if hasattr(v, "detach") else v, dtype=float)
                       for v in fn(*inputs))
    assert np.allclose(value, expected, rtol=1e-10)
    expected_G = matcalc.evaluate(G, {**values, "n": 2})  # sign′ = 0: G may be 0 (n x n)
    assert np.allclose(gradient, expected_G, rtol=1e-10, atol=1e-12)


def test_a_function_outside_the_table_without_a_derivative_is_refused():
    g = sympy.Function("g")
    with pytest.raises(matcalc.NoRuleError, match="g applied entrywise"):
        matcalc.grad(ones_row * elementwise(g, x), x)


def test_sign_differentiates_to_zero_away_from_zero():
    """d sign(x) = 0 where x ≠ 0: the Hessian of Σ|xᵢ| is the zero matrix."""
    H = matcalc.hessian(ones_row * elementwise(sympy.Abs, x), x)
    assert H == sympy.ZeroMatrix(n, n)
    assert matcalc.text(matcalc.grad(ones_row * elementwise(sympy.Abs, x), x)) == "sign(x)"
