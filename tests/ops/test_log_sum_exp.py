"""The log-sum-exp and the softmax (matcalc/ops/log_sum_exp.py)."""

import importlib.util

import numpy as np
import pytest
import scipy.special
import sympy
from helpers import A, W, X, assert_hessian_verified, n, x
from sympy import Trace

import matcalc
from ops._examples import check_example, example_id

logsumexp, softmax = matcalc.logsumexp, matcalc.softmax
y = sympy.MatrixSymbol("y", n, 1)

EXAMPLES = [
    (logsumexp(x), x, {}),                                        # softmax(x)
    (logsumexp(A * x) - (y.T * A * x)[0, 0], x, {}),              # cross-entropy
    (logsumexp(X * A), X, {}),                                    # over every entry
    (Trace(A * softmax(X)), X, {}),                               # softmax ∘ dX − …
    (softmax(x), x, {}),                                          # diag(s) − s sᵀ
    (A * softmax(W), W, {}),                                      # a Jacobian by a matrix
    (logsumexp(softmax(x)), x, {}),
    (logsumexp(X) * A + softmax(X.T), X, {}),                     # through both, by a matrix
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_softmax_examples_match_finite_differences(example):
    check_example(example)


def test_the_gradient_of_logsumexp_is_the_softmax():
    assert matcalc.text(matcalc.grad(logsumexp(x), x)) == "softmax(x)"
    H = assert_hessian_verified(logsumexp(x), x)
    assert matcalc.text(H) == "diag(softmax(x)) - softmax(x) softmax(xᵀ)"  # as exp(xᵀ)
    assert_hessian_verified(logsumexp(X), X, symmetric=True)


def test_values_are_shifted_by_the_largest_entry():
    values = {"x": np.array([[800.0], [799.0], [-800.0]])}
    assert matcalc.evaluate(logsumexp(x), values) == pytest.approx(
        scipy.special.logsumexp(values["x"]), rel=1e-15)
    np.testing.assert_allclose(matcalc.evaluate(softmax(x), values),
                               scipy.special.softmax(values["x"]), rtol=1e-14)


def test_logsumexp_and_softmax_parse_print_and_read_back():
    e = matcalc.parse("x: vector; logsumexp(x) + sum(softmax(x))")
    assert matcalc.text(e) == "logsumexp(x) + (𝟏ᵀ softmax(x))"
    assert matcalc.parse(matcalc.syntax(e, declare=True)) == e
    assert matcalc.parse_latex(matcalc.latex(logsumexp(x)), {"x": x}) == logsumexp(x)
    assert softmax(X).T == softmax(X.T)
    assert matcalc.parse("t: scalar; logsumexp(t) + softmax(t)") == sympy.Symbol("t") + 1


def _installed(name):
    return importlib.util.find_spec(name) is not None


@pytest.mark.parametrize("backend", ["numpy", *[pytest.param(b, marks=pytest.mark.skipif(
    not _installed(b), reason=f"{b} is not installed")) for b in ("jax", "torch")]])
@pytest.mark.parametrize("f, var", [(logsumexp(x), x), (logsumexp(X * A), X),
                                    (Trace(A * softmax(X)), X)], ids=str)
def test_generated_code_agrees_with_evaluate(f, var, backend):
    from test_codegen import arguments, assert_same, run
    rng = np.random.default_rng(5)
    values = {"x": 300 * rng.standard_normal((3, 1)), "X": rng.standard_normal((3, 3)),
              "A": rng.standard_normal((3, 3))}
    for obj in (f, matcalc.grad(f, var)):
        args = arguments(f, obj)
        assert_same(run(obj, args, values, backend), matcalc.evaluate(obj, values),
                    f"{obj} {backend}")
