"""Shared symbols and the finite-difference assertion used across the tests."""

import numpy as np
import sympy
from sympy import MatrixSymbol, Symbol

import matcalc

n, m, p = Symbol("n"), Symbol("m"), Symbol("p")
X = MatrixSymbol("X", n, n)
Y = MatrixSymbol("Y", n, n)
A = MatrixSymbol("A", n, n)
B = MatrixSymbol("B", n, n)
C = MatrixSymbol("C", n, n)
R = MatrixSymbol("R", m, n)      # rectangular
W = MatrixSymbol("W", n, m)      # rectangular variable
a = MatrixSymbol("a", n, 1)
b = MatrixSymbol("b", n, 1)
x = MatrixSymbol("x", n, 1)
t = Symbol("t")
s = Symbol("s")


def assert_verified(f, var, **kwargs):
    """matcalc's derivative of f by var agrees with central finite differences."""
    for seed in (0, 1):
        result = matcalc.check(f, var, seed=seed, **kwargs)
        assert result.ok, f"{f} by {var} {kwargs}: {result} for {result.derivative}"
    return result.derivative


def assert_hessian_verified(f, var, **kwargs):
    """matcalc's Hessian of f by var agrees with central finite differences of its gradient
    (itself checked against differences of f by `assert_verified`)."""
    H = matcalc.hessian(f, var, **kwargs)
    G = matcalc.grad(f, var, **kwargs)
    for seed in (0, 1):
        result = matcalc.check(G, var, derivative=H, seed=seed, domain_of=f, **kwargs)
        assert result.ok, f"Hessian of {f} by {var} {kwargs}: {result} for {matcalc.text(H)}"
    return H


def numeric_values(seed=0, size=3, **overrides):
    """Well-conditioned random values for the shared symbols."""
    rng = np.random.default_rng(seed)
    vals = {}
    for name in "XYABC":
        vals[name] = np.eye(size) + 0.5 * rng.standard_normal((size, size)) / np.sqrt(size)
    for name in "abx":
        vals[name] = rng.standard_normal((size, 1))
    vals.update(overrides)
    return vals


def spd(size, seed=0):
    G = np.random.default_rng(seed).standard_normal((size, size))
    return G @ G.T / size + np.eye(size)


__all__ = ["sympy"]
