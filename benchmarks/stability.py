"""Stability of generated code at extreme inputs: each problem's f and gradient from
matcalc's NumPy, JAX (float64) and PyTorch code, against a stable SciPy reference.

    log-sum-exp      log Σ exp(x) − yᵀx by x, logits up to ±800   (scipy.special.logsumexp)
    softplus         log(1 + eᵗ) by t at t = ±800                  (numpy.logaddexp)
    logistic         Σ log(1 + exp(−y ∘ (Zw))) by w, margins ±800  (numpy.logaddexp)
    log-sigmoid      Σ log σ(x) by x at x = ±800                   (numpy.logaddexp)
    log det          log det X by X, X 200 x 200 with det ≈ 1e300+ (numpy.linalg.slogdet)
    quad inverse     xᵀA⁻¹x by x and by A, cond(A) = 1e10          (solve-based formula)

Prints, per backend, the largest relative error of f and of the gradient and whether every
entry is finite. Target: all finite, all within 1e-8 (issue 19).

    python benchmarks/stability.py
"""

from __future__ import annotations

import importlib.util
import platform

import numpy as np
import scipy.special
import sympy

import matcalc

TOLERANCE = 1e-8


def _problem_logsumexp():
    x = np.array([[800.0], [799.0], [-800.0], [0.5]])
    y = np.array([[1.0], [0.0], [0.0], [0.0]])
    return ("log-sum-exp", "x: vector; y: vector; log(sum(exp(x))) - y'*x", "x",
            {"x": x, "y": y},
            scipy.special.logsumexp(x) - 800.0, scipy.special.softmax(x) - y)


def _problems_softplus():
    for t in (800.0, -800.0):
        yield (f"softplus t = {t:g}", "t: scalar; log(1 + exp(t))", "t", {"t": t},
               np.logaddexp(0.0, t), scipy.special.expit(t))


def _problem_logistic():
    Z = np.array([[800.0, 0.0], [0.0, -800.0], [1.0, 2.0]])
    w, y = np.array([[1.0], [1.0]]), np.array([[-1.0], [-1.0], [1.0]])
    margins = -y * (Z @ w)
    return ("logistic", "sum(log(vector(1) + exp(-y .* (Z*w))))", "w", {"Z": Z, "w": w, "y": y},
            np.sum(np.logaddexp(0.0, margins)), Z.T @ (-y * scipy.special.expit(margins)))


def _problem_log_sigmoid():
    x = np.array([[-800.0], [800.0], [0.3]])
    return ("log-sigmoid", "x: vector; sum(log(sigmoid(x)))", "x", {"x": x},
            -np.sum(np.logaddexp(0.0, -x)), scipy.special.expit(-x))


def _problem_logdet():
    rng = np.random.default_rng(0)
    Q = np.linalg.qr(rng.standard_normal((200, 200)))[0]
    X = Q @ np.diag(np.linspace(20.0, 60.0, 200)) @ Q.T
    return (f"log det (det ≈ 1e{int(np.linalg.slogdet(X)[1] / np.log(10))})",
            "X: 200 x 200; logdet(X)", "X", {"X": X}, np.linalg.slogdet(X)[1],
            np.linalg.inv(X).T)


def _problems_quad_inverse():
    rng = np.random.default_rng(1)
    Q = np.linalg.qr(rng.standard_normal((50, 50)))[0]
    A = Q @ np.diag(np.logspace(0, 10, 50)) @ Q.T
    x = rng.standard_normal((50, 1))
    u = np.linalg.solve(A, x)
    yield ("x'A⁻¹x by x, cond 1e10", "A: 50 x 50; x'*inv(A)*x", "x", {"A": A, "x": x},
           float((x.T @ u)[0, 0]), u + np.linalg.solve(A.T, x))
    yield ("x'A⁻¹x by A, cond 1e10", "A: 50 x 50; x'*inv(A)*x", "A", {"A": A, "x": x},
           float((x.T @ u)[0, 0]), -np.linalg.solve(A.T, x) @ u.T)


def problems():
    yield _problem_logsumexp()
    yield from _problems_softplus()
    yield _problem_logistic()
    yield _problem_log_sigmoid()
    yield _problem_logdet()
    yield from _problems_quad_inverse()


def run(text, wrt, values, backend):
    f = matcalc.parse(text)
    symbols = {s.name: s for s in f.free_symbols | f.atoms(sympy.MatrixSymbol)}
    fn = matcalc.lambdify(f, [symbols[name] for name in values], backend, grad=symbols[wrt])
    inputs = list(values.values())
    if backend == "torch":
        import torch
        inputs = [torch.as_tensor(np.asarray(v, dtype=float)) for v in inputs]
    value, gradient = fn(*inputs)
    return float(np.asarray(value)), np.asarray(gradient, dtype=float)


def relative_error(actual, expected) -> float:
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    if not np.all(np.isfinite(actual)):
        return float("inf")
    return float(np.max(np.abs(actual - expected)) / max(1.0, float(np.max(np.abs(expected)))))


def main():
    backends = ["numpy"] + [b for b in ("jax", "torch") if importlib.util.find_spec(b)]
    print(f"## Stability of generated code ({platform.machine()}; float64; relative error "
          f"against the stable reference; target ≤ {TOLERANCE:g}, finite)\n")
    print("| problem | " + " | ".join(f"{b} f | {b} grad" for b in backends) + " |")
    print("|---|" + "---:|" * (2 * len(backends)))
    worst = 0.0
    for name, text, wrt, values, f_ref, g_ref in problems():
        cells = []
        for backend in backends:
            value, gradient = run(text, wrt, values, backend)
            errors = relative_error(value, f_ref), relative_error(gradient, g_ref)
            worst = max(worst, *errors)
            cells += [f"{e:.1e}" if np.isfinite(e) else "not finite" for e in errors]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nworst: {worst:.1e} ({'met' if worst <= TOLERANCE else 'NOT met'})")


if __name__ == "__main__":
    main()
