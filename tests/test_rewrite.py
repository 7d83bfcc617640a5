"""Simplification rules: each named rule does its rewrite, and the driver reaches the
compact forms the Matrix Cookbook writes."""

import numpy as np
import pytest
import sympy
from helpers import A, B, X, numeric_values, x
from sympy import HadamardPower, HadamardProduct, Identity, Trace, Transpose

import matcalc
from matcalc.rewrite.rules import (RULES, Context, factor_common, factor_scalar,
                                   hadamard_power_of_identity, hadamard_scalars_out, push_transpose,
                                   trace_of_scalar_multiple, trace_of_transpose)

CTX = Context()


def test_push_transpose_moves_transposes_to_the_leaves():
    assert push_transpose(Transpose(A * B), CTX) == B.T * A.T
    assert push_transpose(Transpose(A + B), CTX) == A.T + B.T
    assert push_transpose(Transpose(A.T), CTX) == A
    assert push_transpose(Transpose(X.I), CTX) == sympy.Inverse(X.T)
    assert push_transpose(Transpose(X**3), CTX) == sympy.MatPow(X.T, 3)
    assert push_transpose(Transpose(Identity(3)), CTX) == Identity(3)
    assert push_transpose(Transpose(X), Context(frozenset({X}))) == X
    assert push_transpose(Transpose(X), CTX) is None


def test_trace_rules():
    assert trace_of_transpose(Trace(A.T), CTX) == Trace(A)
    assert trace_of_scalar_multiple(Trace(3 * A), CTX) == 3 * Trace(A)
    assert trace_of_scalar_multiple(Trace(A), CTX) is None


def test_factor_common_factors():
    assert factor_common(A * x + A.T * x, CTX) == (A + A.T) * x
    assert factor_common(X * A + X * B, CTX) == X * (A + B)
    assert factor_common(A + B * x * x.T, CTX) is None


def test_factor_scalar_and_hadamard_rules():
    assert factor_scalar(sympy.Rational(1, 2) * A + sympy.Rational(1, 2) * B, CTX) == \
        sympy.MatMul(sympy.Rational(1, 2), A + B)
    assert hadamard_scalars_out(HadamardProduct(2 * A, B), CTX) == 2 * HadamardProduct(A, B)
    assert hadamard_power_of_identity(HadamardPower(Identity(3), 2), CTX) == Identity(3)


def test_every_rule_documents_its_rewrite_and_why_it_terminates():
    for rule in RULES:
        doc = rule.__doc__ or ""
        assert "->" in doc and any(w in doc for w in ("Shrinks", "Terminates")), rule.__name__


@pytest.mark.parametrize("messy, compact", [
    (X * X.I * A, A),                                                # X X⁻¹ cancels
    (X.I * X.I, X**-2),                                              # powers merge
    (Transpose(X.I) * Transpose(X.I), sympy.MatPow(X.T, -2)),        # (X⁻²)ᵀ
    (Transpose(B * A), A.T * B.T),                                   # AᵀBᵀ
    (A * x + Transpose(x.T * A), (A + A.T) * x),                     # (A + Aᵀ)x
    (Transpose(Transpose(X) * A).T, X.T * A),
])
def test_compact_forms(messy, compact):
    assert matcalc.simplify(messy) == compact
    vals = numeric_values(seed=1)
    np.testing.assert_allclose(matcalc.evaluate(messy, vals), matcalc.evaluate(compact, vals))


def test_declared_symmetry_is_used():
    assert matcalc.simplify(Transpose(X.I) + X.I, symmetric=[X]) == 2 * X.I


def test_common_factors_reach_a_fixed_point(monkeypatch):
    """Found by the property tests: factoring a sum out of coefficients, which SymPy
    rewrites with its numbers distributed, grew c^50 until the pass bound."""
    from matcalc.rewrite import driver as rewrite
    passes = []  # whole-tree passes of each run of the driver

    def counting(expr, ctx):
        for count in range(1, rewrite.MAX_PASSES + 1):  # noqa: B007  (read after the loop)
            new = rewrite._pass(expr, ctx, {})
            if new == expr:
                break
            expr = new
        passes.append(count)
        return expr

    monkeypatch.setattr(rewrite, "_fixed_point", counting)
    X, B = sympy.MatrixSymbol("X", 3, 3), sympy.MatrixSymbol("B", 3, 3)
    f = matcalc.Norm((X**2 / 2 + 3 * X * B).I) * sympy.Trace(3 * B + 3 * X)
    G = matcalc.grad(f, X, symmetric="entries")
    assert matcalc.check(f, X, symmetric="entries", derivative=G).ok
    assert passes and max(passes) < rewrite.MAX_PASSES, passes


def test_unvec_of_a_kronecker_product_times_vec_is_a_product():
    """vec⁻¹((A ⊗ B) vec(X)) = B X Aᵀ and vec⁻¹(K vec(X)) = Xᵀ, checked in value."""
    from matcalc.core.nodes import CommutationMatrix, Unvec, Vec, kronecker
    for e, expected in [(Unvec(kronecker(A, B) * Vec(X), *X.shape), B * X * A.T),
                        (Unvec(CommutationMatrix(*X.shape) * Vec(A * X), *X.shape),
                         X.T * A.T)]:
        assert matcalc.simplify(e) == expected
        vals = numeric_values(seed=3)
        np.testing.assert_allclose(matcalc.evaluate(e, vals),
                                   matcalc.evaluate(expected, vals), atol=1e-12)


def test_any_node_declared_symmetric_loses_its_transpose():
    A = matcalc.Adjugate(sympy.MatrixSymbol("X", 3, 3))
    assert matcalc.simplify(sympy.Transpose(A), symmetric=[A]) == A


def test_hadamard_powers_combine_and_diagonals_and_hadamard_factors_collect():
    from matcalc.rewrite.rules import (Context, combine_hadamard_powers, factor_hadamard,
                                       sum_of_diagonals)
    A, B, C = (sympy.MatrixSymbol(k, 3, 3) for k in "ABC")
    u, v = sympy.MatrixSymbol("u", 3, 1), sympy.MatrixSymbol("v", 3, 1)
    ctx = Context()
    H = sympy.HadamardProduct
    assert combine_hadamard_powers(H(A, sympy.HadamardPower(A, -1)), ctx) == \
        sympy.OneMatrix(3, 3)
    assert combine_hadamard_powers(H(A, B, sympy.HadamardPower(A, 2)), ctx) == \
        H(sympy.HadamardPower(A, 3), B)
    assert sum_of_diagonals(sympy.DiagMatrix(u) + 2 * sympy.DiagMatrix(v), ctx) == \
        sympy.DiagMatrix(u + 2 * v)
    assert factor_hadamard(H(A, C) - H(B, C), ctx) == H(A - B, C)
    assert factor_hadamard(A - H(sympy.Identity(3), A), ctx) is None  # would grow


def test_the_logistic_regression_hessian_is_the_textbook_form():
    """Issue 16: with 0/1 labels, the Hessian is Zᵀ diag(σ(Zw) ∘ σ(−Zw)) Z (σ(−u) = 1 − σ(u))
    and the gradient has no σ ∘ σ⁻¹."""
    f = matcalc.parse("Z: m x n; w: n; y: m; -sum(y .* log(sigmoid(Z*w)) + "
                      "(vector(1) - y) .* log(vector(1) - sigmoid(Z*w)))")
    w = next(s for s in f.free_symbols if s.name == "w")
    G, H = matcalc.grad(f, w), matcalc.hessian(f, w)
    assert matcalc.text(H) == "Zᵀ diag(σ(Z w) ∘ σ(-Z w)) Z"
    assert "^∘(-1)" not in matcalc.text(G)
    assert matcalc.check(f, w, derivative=G).ok
    assert matcalc.check(G, w, derivative=H).ok


def test_a_common_denominator_is_factored_out():
    """Issue 16: ∂² log(xᵀAx)/∂x² was A/(xᵀAx) + Aᵀ/(xᵀAx) − (A + Aᵀ) x xᵀ (A/(xᵀAx)² + …)."""
    f = matcalc.parse("A: n x n; x: n; log(x'*A*x)")
    x = next(s for s in f.free_symbols if s.name == "x")
    H = matcalc.hessian(f, x)
    assert matcalc.text(H) == "(A + Aᵀ - (A + Aᵀ) x xᵀ (A + Aᵀ)/(xᵀ A x))/(xᵀ A x)"
    assert matcalc.check(matcalc.grad(f, x), x, derivative=H).ok
    from matcalc.rewrite.rules import common_factor
    a, b, c = sympy.symbols("a b c")
    assert common_factor([a / b, c / b**2]) == 1 / b
    assert common_factor([a * b, c / b]) == 1


@pytest.mark.parametrize("order", range(4))
def test_sigmoid_complement_removes_only_the_paired_sigmoid(order):
    """M ∘ σ(U) + M ∘ σ(−U) = M also when M holds another σ: σ(B) survives. (The fuzzer
    found σ(B) dropped when the other σ was paired, under some hash seeds.)"""
    sig = matcalc.sigmoid
    first = [sig(X), sig(B), A]
    second = [sig(-X), sig(B), A]
    for _ in range(order):
        first, second = first[1:] + first[:1], second[-1:] + second[:-1]
    e = HadamardProduct(*first) + HadamardProduct(*second)
    simplified = matcalc.simplify(e)
    values = numeric_values()
    np.testing.assert_allclose(matcalc.evaluate(simplified, values),
                               matcalc.evaluate(e, values), rtol=1e-12)
    assert simplified == HadamardProduct(sig(B), A)
