"""Property tests: random well-typed expressions -> derivatives match finite differences.

Leaves get near-identity values (matcalc.numeric.checking.random_point), and the generator only
combines them by sums, products, transposes, inverses, small powers and positive scalar
multiples, so inverses exist and determinants are positive wherever they are taken.
Scalars of them include traces and determinants, Kronecker, vec and adjugate forms and
norms. A second generator adds the entrywise operators (Hadamard products and powers,
bounded entrywise functions, diag) and norms, kept out of inverses and determinants;
gradients, Jacobians and Hessians of both are checked.
"""

import numpy as np
import sympy
from helpers import A, B, X, a, n, x
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from sympy import (Determinant, DiagMatrix, DiagonalOf, HadamardPower, HadamardProduct,
                   KroneckerProduct, OneMatrix, Rational, Trace, log)

import matcalc
from matcalc.numeric.checking import random_point

SETTINGS = settings(deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _checked(f, symmetric=False):
    """matcalc.check at a point where f is defined (the generator keeps most expressions
    well conditioned, but a deep sum can still have a negative determinant)."""
    values = random_point([f], X, symmetric=symmetric, seed=0)
    try:
        matcalc.evaluate(f, values)
    except matcalc.EvaluationError:
        assume(False)
    return _check(f, X, symmetric=symmetric, values=values)


def _check(f, var, **options):
    """matcalc.check, repeated with a ten times smaller step when the first disagrees:
    random compositions (sin of a cubic) can curve too fast for the default step, while a
    wrong formula disagrees at every step."""
    result = matcalc.check(f, var, **options)
    return result if result.ok else matcalc.check(f, var, eps=1e-5, **options)

leaves = st.sampled_from([X, X, X, A, B])
UNARY = {
    "transpose": lambda M: M.T,
    "inverse": lambda M: M.I,
    "square": lambda M: M**2,
    "half": lambda M: Rational(1, 2) * M,
    "triple": lambda M: 3 * M,
}
BINARY = {"sum": lambda M, N: M + N, "product": lambda M, N: M * N}


@st.composite
def matrices(draw, depth=None):
    """An n x n expression of the given depth (drawn from 1..4 at the top)."""
    if depth is None:
        depth = draw(st.integers(1, 4))
    if depth == 0:
        return draw(leaves)
    below = st.integers(0, depth - 1)
    op = draw(st.sampled_from(sorted(UNARY) + sorted(BINARY) * 2))
    if op in UNARY:
        return UNARY[op](draw(matrices(depth - 1)))
    left = draw(matrices(depth - 1))
    return BINARY[op](left, draw(matrices(draw(below))))


def _scalar_of(M):
    return st.sampled_from([
        Trace(M), Determinant(M), log(Determinant(M)), (x.T * M * x),
        Trace(KroneckerProduct(A, M)), matcalc.Vec(M).T * KroneckerProduct(A, B) * matcalc.Vec(M),
        Trace(matcalc.Adjugate(M) * A), matcalc.Norm(M),
    ])


scalars = matrices().flatmap(_scalar_of)
scalar_combinations = st.one_of(
    scalars,
    st.tuples(scalars, scalars).map(lambda p: _scalar(p[0]) + _scalar(p[1])),
    st.tuples(scalars, scalars).map(lambda p: _scalar(p[0]) * _scalar(p[1])),
)


def _scalar(f):
    return Trace(f) if isinstance(f, sympy.MatrixExpr) else f


@SETTINGS
@given(scalar_combinations)
def test_gradient_of_random_expression_matches_finite_differences(f):
    assume(f.has(X))
    event(f"operations: {sympy.count_ops(f) // 5 * 5}+")
    result = _checked(f)
    assert result.ok, f"{f}: {result}; G = {result.derivative}"


@SETTINGS
@given(scalar_combinations, st.sampled_from([True, "entries"]))
def test_symmetric_gradient_of_random_expression(f, convention):
    assume(f.has(X))
    result = _checked(f, symmetric=convention)
    assert result.ok, f"{f} ({convention}): {result}; G = {result.derivative}"


@SETTINGS
@given(matrices(), st.booleans())
def test_jacobian_of_random_expression_matches_finite_differences(F, symmetric):
    assume(F.has(X))
    result = _checked(F, symmetric=symmetric)
    assert result.ok, f"{F} (symmetric={symmetric}): {result}; J = {result.derivative}"


ENTRYWISE_UNARY = {
    "transpose": lambda M: M.T,
    "sin": lambda M: matcalc.elementwise(sympy.sin, M),
    "tanh": lambda M: matcalc.elementwise(sympy.tanh, M),
    "sigmoid": lambda M: matcalc.elementwise(matcalc.sigmoid, M),
    "softplus": lambda M: matcalc.elementwise(matcalc.softplus, M),
    "hadamard square": lambda M: HadamardPower(M, 2),
    "diagonal": lambda M: DiagMatrix(DiagonalOf(M)),
    "half": lambda M: Rational(1, 2) * M,
}
ENTRYWISE_BINARY = {"sum": lambda M, N: M + N, "product": lambda M, N: M * N,
                    "hadamard": lambda M, N: HadamardProduct(M, N)}


@st.composite
def entrywise_matrices(draw, depth=None):
    """An n x n expression with entrywise operators, over well-conditioned subexpressions."""
    if depth is None:
        depth = draw(st.integers(1, 3))
    if depth == 0:
        return draw(st.one_of(leaves, matrices(1)))
    op = draw(st.sampled_from(sorted(ENTRYWISE_UNARY) + sorted(ENTRYWISE_BINARY) * 2))
    if op in ENTRYWISE_UNARY:
        return ENTRYWISE_UNARY[op](draw(entrywise_matrices(depth - 1)))
    left = draw(entrywise_matrices(depth - 1))
    return ENTRYWISE_BINARY[op](left, draw(entrywise_matrices(draw(st.integers(0, depth - 1)))))


def _entrywise_scalar_of(M):
    ones = OneMatrix(n, 1)
    return st.sampled_from([Trace(M), ones.T * M * ones, matcalc.Norm(M) ** 2,
                            matcalc.Norm(M), x.T * M * x,
                            matcalc.sigmoid(Trace(M) / 4), a.T * M * x])


entrywise_scalars = entrywise_matrices().flatmap(_entrywise_scalar_of)


@SETTINGS
@given(entrywise_scalars)
def test_gradient_of_random_entrywise_expression(f):
    assume(f.has(X))
    result = _checked(f)
    assert result.ok, f"{f}: {result}; G = {result.derivative}"


@SETTINGS
@given(entrywise_scalars, st.sampled_from([True, "entries"]))
def test_symmetric_and_diagonal_gradients_of_random_entrywise_expression(f, convention):
    assume(f.has(X))
    values = random_point([f], X, symmetric=convention, seed=0)
    assert _check(f, X, symmetric=convention, values=values).ok
    assert _check(f, X, diagonal=True).ok


def _vector_function(M):
    """A scalar function of x built over the n x n expression M (free of x)."""
    ones = OneMatrix(1, n)
    u = M * x + a
    return st.tuples(st.just(M), st.sampled_from([
        x.T * M * x,
        ones * matcalc.elementwise(matcalc.softplus, u),
        ones * matcalc.elementwise(sympy.sin, u),
        matcalc.Norm(u) ** 2,
        log(1 + Trace(x.T * M.T * M * x)),
        ones * HadamardProduct(u, u, matcalc.elementwise(matcalc.sigmoid, u)),
    ]))


@SETTINGS
@given(st.one_of(matrices(), entrywise_matrices()).flatmap(_vector_function))
def test_hessian_by_a_vector_of_random_expression(M_and_f):
    M, f = M_and_f
    values = random_point([f], x, seed=0)
    # sin((3X)⁸ x) oscillates faster than any finite-difference step resolves
    assume(np.abs(matcalc.evaluate(M, values)).max() < 100)
    H = matcalc.hessian(f, x)
    result = _check(matcalc.grad(f, x), x, derivative=H, values=values)
    assert result.ok, f"{f}: {result}; H = {matcalc.text(H)}"


@SETTINGS
@given(scalar_combinations, st.sampled_from([False, True, "entries"]))
def test_hessian_by_a_matrix_of_random_expression(f, convention):
    assume(f.has(X))
    values = random_point([f], X, symmetric=convention, seed=0)
    try:
        matcalc.evaluate(f, values)
    except matcalc.EvaluationError:
        assume(False)
    H = matcalc.hessian(f, X, symmetric=convention)
    G = matcalc.grad(f, X, symmetric=convention)
    result = _check(G, X, symmetric=convention, derivative=H, values=values)
    assert result.ok, f"{f} ({convention}): {result}; H = {matcalc.text(H)}"


@SETTINGS
@given(st.one_of(matrices(), entrywise_matrices()))
def test_simplify_preserves_value(M):
    values = random_point([M], X, seed=7)
    before = matcalc.evaluate(M, values)
    after = matcalc.evaluate(matcalc.simplify(M), values)
    np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-9)


@SETTINGS
@given(matrices())
def test_simplify_with_declared_symmetry_preserves_value_at_symmetric_points(M):
    values = random_point([M], X, symmetric=True, seed=3)
    before = matcalc.evaluate(M, values)
    after = matcalc.evaluate(matcalc.simplify(M, symmetric=[X]), values)
    np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-9)


@SETTINGS
@given(matrices())
def test_simplify_is_idempotent(M):
    once = matcalc.simplify(M)
    assert matcalc.simplify(once) == once
