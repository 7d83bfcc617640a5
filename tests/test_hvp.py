"""Hessian-vector products: matcalc.hvp, and codegen / lambdify with hvp=X."""

import importlib.util

import numpy as np
import pytest
import sympy
from helpers import A, B, X, n, spd, x
from sympy import Determinant, MatrixSymbol, Trace, log

import matcalc

W = MatrixSymbol("W", n, 2)
S = matcalc.SymmetricMatrixSymbol("S", n)
y = MatrixSymbol("y", n, 1)

CASES = [
    (x.T * A * x, x, {}),
    (log(Determinant(X)), X, {}),
    (Trace(X.I * A), X, {}),
    (matcalc.logsumexp(A * x) - (y.T * A * x)[0, 0], x, {}),
    (log(sympy.Trace(sympy.OneMatrix(1, n) * matcalc.exp(x))), x, {}),
    (Trace(matcalc.softplus(W.T * A * W)), W, {}),
    (matcalc.Norm(X * B - A) ** 2, X, {}),
    (Trace(A * matcalc.expm(X)), X, {}),
    (log(Determinant(S)) + Trace(S * S * A), S, {"symmetric": True}),
    (Trace(X.I), X, {"diagonal": True}),
]


def _values(f, var, options, seed=0):
    from matcalc.numeric.checking import random_point
    symmetric = options.get("symmetric", matcalc.core.nodes.is_symmetric_symbol(var))
    return random_point([f], var, symmetric=symmetric, diagonal=options.get("diagonal", False),
                        seed=seed, domain_of=f)


def _direction(var, values, options, seed=1):
    shape = np.shape(values[var.name])
    V = np.random.default_rng(seed).standard_normal(shape)
    if options.get("symmetric") or matcalc.core.nodes.is_symmetric_symbol(var):
        V = (V + V.T) / 2
    if options.get("diagonal"):
        V = np.diag(np.diag(V))
    return V


@pytest.mark.parametrize("f, var, options", CASES, ids=[str(c[0]) for c in CASES])
def test_the_hvp_is_the_derivative_of_the_gradient_along_v(f, var, options):
    """H[V] against central differences of the gradient, and against H : V from hessian."""
    HV = matcalc.hvp(f, var, **options)
    G = matcalc.grad(f, var, **options)
    values = _values(f, var, options)
    V = _direction(var, values, options)
    direction = matcalc.calculus.gradients.direction_for(f, var).name
    exact = matcalc.evaluate(HV, {**values, direction: V})
    eps = 1e-6
    shifted = [matcalc.evaluate(G, {**values, var.name: values[var.name] + s * eps * V})
               for s in (1, -1)]
    numeric = (shifted[0] - shifted[1]) / (2 * eps)
    np.testing.assert_allclose(exact, numeric, rtol=1e-5, atol=1e-6)
    H = matcalc.evaluate(matcalc.hessian(f, var, **options), values)
    contracted = np.tensordot(H, V, axes=V.ndim) if H.ndim == 4 else H @ V
    np.testing.assert_allclose(exact, contracted.reshape(exact.shape), rtol=1e-8, atol=1e-10)


def test_the_hvp_prints_as_a_matrix_expression():
    assert matcalc.text(matcalc.hvp(x.T * A * x, x)) == "(A + Aᵀ) v"
    assert matcalc.text(matcalc.hvp(log(Determinant(X)), X)) == "-X⁻ᵀ Vᵀ X⁻ᵀ"
    V1 = MatrixSymbol("V", n, n)  # the name V is taken: the direction is V1
    assert "V1" in matcalc.text(matcalc.hvp(Trace(V1 * X * X), X))


def test_bad_directions_and_conventions_are_refused():
    with pytest.raises(matcalc.VariableError, match="shape"):
        matcalc.hvp(log(Determinant(X)), X, x)
    with pytest.raises(matcalc.VariableError, match="entries"):
        matcalc.hvp(log(Determinant(S)), S, symmetric="entries")
    with pytest.raises(matcalc.OptionError, match="not both"):
        matcalc.lambdify(x.T * A * x, [A, x], grad=x, hvp=x)


def _installed(name):
    return importlib.util.find_spec(name) is not None


@pytest.mark.parametrize("backend", ["numpy", *[pytest.param(b, marks=pytest.mark.skipif(
    not _installed(b), reason=f"{b} is not installed")) for b in ("jax", "torch")]])
@pytest.mark.parametrize("f, var, options", CASES[:7], ids=[str(c[0]) for c in CASES[:7]])
def test_generated_hvp_agrees_with_evaluate_and_never_forms_the_hessian(f, var, options,
                                                                       backend):
    args = sorted(f.atoms(MatrixSymbol), key=lambda s: s.name)
    source = matcalc.codegen(f, args, backend, hvp=var, **options)
    assert "->ijkl" not in source and "def f_hvp(" in source  # no fourth-order array
    values = _values(f, var, options)
    V = _direction(var, values, options)
    fn = matcalc.lambdify(f, args, backend, hvp=var, **options)
    inputs = [values[a.name] for a in args] + [V]
    if backend == "torch":
        import torch
        inputs = [torch.as_tensor(np.asarray(v, dtype=float)) for v in inputs]
    direction = matcalc.calculus.gradients.direction_for(f, var).name
    expected = matcalc.evaluate(matcalc.hvp(f, var, **options), {**values, direction: V})
    np.testing.assert_allclose(np.asarray(fn(*inputs)).reshape(np.shape(expected)), expected,
                               rtol=1e-8, atol=1e-10)


def test_the_hvp_of_log_sum_exp_is_finite_at_large_logits():
    fn = matcalc.lambdify(log(sympy.Trace(sympy.OneMatrix(1, 3) * matcalc.exp(
        MatrixSymbol("z", 3, 1)))), [MatrixSymbol("z", 3, 1)], hvp=MatrixSymbol("z", 3, 1))
    z, v = np.array([[800.0], [799.0], [0.0]]), np.array([[1.0], [-1.0], [0.5]])
    p = np.exp(z - 800.0) / np.sum(np.exp(z - 800.0))
    np.testing.assert_allclose(fn(z, v), (np.diag(p[:, 0]) - p @ p.T) @ v, rtol=1e-12)


def test_spd_values_give_finite_hvps_of_log_det():
    fn = matcalc.lambdify(log(Determinant(S)), [S], hvp=S)
    S0, V = spd(4), np.eye(4)
    np.testing.assert_allclose(fn(S0, V), -np.linalg.inv(S0) @ np.linalg.inv(S0), rtol=1e-10)
