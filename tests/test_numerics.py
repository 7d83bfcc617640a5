"""The numerics pass of generated code (matcalc/code/numerics.py): finite, accurate values and
gradients at extreme inputs, in every backend, against SciPy's stable references."""

import importlib.util

import numpy as np
import pytest
import scipy.special
import sympy

import matcalc
from matcalc.code.numerics import stabilised, summed_exponent


def _installed(name):
    return importlib.util.find_spec(name) is not None


BACKENDS = ["numpy", *[pytest.param(b, marks=pytest.mark.skipif(
    not _installed(b), reason=f"{b} is not installed")) for b in ("jax", "torch")]]


def _run(text, wrt, values, backend):
    """(f, gradient) from the generated function, as NumPy."""
    f = matcalc.parse(text)
    symbols = {s.name: s for s in f.free_symbols | f.atoms(sympy.MatrixSymbol)}
    args = [symbols[name] for name in values]
    fn = matcalc.lambdify(f, args, backend, grad=symbols[wrt])
    inputs = list(values.values())
    if backend == "torch":
        import torch
        inputs = [torch.as_tensor(np.asarray(v, dtype=float)) for v in inputs]
    value, gradient = fn(*inputs)
    return float(np.asarray(value)), np.asarray(gradient, dtype=float)


def _close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-8, atol=1e-12)


LOGITS = np.array([[800.0], [799.0], [-800.0], [0.5]])


@pytest.mark.parametrize("backend", BACKENDS)
def test_log_sum_exp_and_its_gradient_at_large_logits(backend):
    values = {"x": LOGITS, "y": np.array([[1.0], [0.0], [0.0], [0.0]])}
    f, g = _run("x: vector; y: vector; log(sum(exp(x))) - y'*x", "x", values, backend)
    _close(f, scipy.special.logsumexp(LOGITS) - 800.0)
    _close(g, scipy.special.softmax(LOGITS) - values["y"])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("t", [800.0, -800.0, 3.0])
def test_log_of_one_plus_exp_is_softplus(backend, t):
    f, g = _run("t: scalar; log(1 + exp(t))", "t", {"t": t}, backend)
    _close(f, np.logaddexp(0.0, t))
    _close(g, scipy.special.expit(t))


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_logistic_loss_at_logits_of_800(backend):
    Z = np.array([[800.0, 0.0], [0.0, -800.0], [1.0, 2.0]])
    values = {"Z": Z, "w": np.array([[1.0], [1.0]]), "y": np.array([[-1.0], [-1.0], [1.0]])}
    f, g = _run("sum(log(vector(1) + exp(-y .* (Z*w))))", "w", values, backend)
    margins = -values["y"] * (Z @ values["w"])
    _close(f, np.sum(np.logaddexp(0.0, margins)))
    _close(g, Z.T @ (-values["y"] * scipy.special.expit(margins)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_log_of_a_sigmoid_is_minus_softplus(backend):
    x = np.array([[-800.0], [800.0], [0.3]])
    f, g = _run("x: vector; sum(log(sigmoid(x)))", "x", {"x": x}, backend)
    _close(f, -np.sum(np.logaddexp(0.0, -x)))
    _close(g, scipy.special.expit(-x))


@pytest.mark.parametrize("backend", BACKENDS)
def test_log_det_of_a_matrix_whose_determinant_overflows(backend):
    rng = np.random.default_rng(0)
    Q = np.linalg.qr(rng.standard_normal((200, 200)))[0]
    X = Q @ np.diag(np.linspace(20.0, 60.0, 200)) @ Q.T  # det ≈ 1e300…1e356
    assert np.linalg.slogdet(X)[1] > np.log(1e308)  # det X itself overflows
    f, g = _run("X: 200 x 200; logdet(X)", "X", {"X": X}, backend)
    _close(f, np.linalg.slogdet(X)[1])
    _close(g, np.linalg.inv(X).T)


def test_the_hessian_of_log_sum_exp_is_finite_at_large_logits():
    x = sympy.MatrixSymbol("x", 4, 1)
    H = matcalc.hessian(sympy.log(sympy.Trace(sympy.OneMatrix(1, 4) * matcalc.exp(x))), x)
    fn = matcalc.lambdify(H, [x])
    p = scipy.special.softmax(LOGITS)
    _close(fn(LOGITS), np.diag(p[:, 0]) - p @ p.T)


def test_the_pass_keeps_every_other_form():
    """A sum of exp with a weight, or a log of a sum that is not 1 + eᵘ, is left alone."""
    x = sympy.MatrixSymbol("x", 3, 1)
    t = sympy.Symbol("t")
    ones = sympy.OneMatrix(1, 3)
    for e in (sympy.log(2 * sympy.Trace(ones * matcalc.exp(x))), sympy.log(2 + sympy.exp(t)),
              sympy.log(1 + sympy.exp(t) + t), sympy.Trace(ones * matcalc.exp(x))):
        assert stabilised(e) == e
    assert summed_exponent(sympy.Trace(ones * matcalc.exp(2 * x))) == 2 * x
    W = sympy.MatrixSymbol("W", 3, 2)
    assert summed_exponent(ones * matcalc.exp(W) * sympy.OneMatrix(2, 1)) == W
    assert summed_exponent(ones * matcalc.exp(W)) is None  # a row of sums, not one


def test_a_sum_is_distributed_only_when_every_term_absorbs_the_power():
    """(B₁ + e eᵀ) … (B_m + e eᵀ) / Σ eˣ stays m factors long (no 2^m terms)."""
    x = sympy.MatrixSymbol("x", 3, 1)
    e = matcalc.exp(x)
    total = sympy.Trace(sympy.OneMatrix(1, 3) * e)
    factors = [sympy.MatrixSymbol(f"B{i}", 3, 3) + e * e.T for i in range(10)]
    f = matcalc.core.nodes.normalise(sympy.MatMul(*factors) / total)
    assert stabilised(f).count(sympy.MatAdd) <= 10
    p = matcalc.softmax(x)  # diag(e)/Σ − e eᵀ/Σ²: both terms absorb, so it is distributed
    assert stabilised(matcalc.core.nodes.normalise(
        (sympy.DiagMatrix(e) - e * e.T / total) / total)) == sympy.DiagMatrix(p) - p * p.T
