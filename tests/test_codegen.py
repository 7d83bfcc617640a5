"""Generated code (matcalc.codegen / matcalc.lambdify) against matcalc.evaluate and finite
differences, on every backend that is installed: the Cookbook corpus, the seeds and
random expressions. JAX and PyTorch tests skip, saying so, where those are not installed
(`pip install ".[jax]"` / `".[torch]"`); NumPy always runs.
"""

import contextlib
import importlib.util
import re

import numpy as np
import pytest
import sympy
from cookbook import IDENTITIES
from helpers import A, B, X, a, n, x
from hypothesis import given
from sympy import Determinant, HadamardProduct, MatrixSymbol, OneMatrix, Symbol, Trace, log
from test_properties import SETTINGS, entrywise_scalars, scalar_combinations

import matcalc
from matcalc.calculus.fourth_order import FourthOrder
from matcalc.code.module import ModuleWriter
from matcalc.numeric.checking import random_point


def _installed(name):
    return importlib.util.find_spec(name) is not None


BACKENDS = [
    "numpy",
    pytest.param("jax", marks=pytest.mark.skipif(
        not _installed("jax"), reason="JAX is not installed (pip install '.[jax]')")),
    pytest.param("torch", marks=pytest.mark.skipif(
        not _installed("torch"), reason="PyTorch is not installed (pip install '.[torch]')")),
]


def _in_64_bit_mode(backend):
    """JAX's 64-bit mode for this thread, for calling a generated JAX module directly
    (`lambdify` sets it itself); nothing for the other backends."""
    if backend == "jax":
        import jax
        return jax.enable_x64(True)
    return contextlib.nullcontext()


def _free(obj):
    if isinstance(obj, FourthOrder):
        return obj.matrix_symbols() | {s for t in obj.terms for s in t.coeff.free_symbols}
    return sympy.sympify(obj).free_symbols


def arguments(*objs):
    """The symbols of objs, by name; a dimension no matrix fixes becomes an argument."""
    symbols = set()
    for o in objs:
        symbols |= _free(o)
    matrices = {s for s in symbols if isinstance(s, MatrixSymbol)}
    dims = {d for M in matrices for dim in M.shape for d in sympy.sympify(dim).free_symbols}
    fixed = {d for M in matrices for d in M.shape if isinstance(d, Symbol)}
    scalars = {s for s in symbols if isinstance(s, Symbol) and s not in dims}
    loose = {s for o in objs if not isinstance(o, FourthOrder)
             for node in sympy.preorder_traversal(o) if isinstance(node, sympy.MatrixExpr)
             for dim in node.shape for s in sympy.sympify(dim).free_symbols} - fixed
    return sorted(matrices | scalars | loose, key=lambda s: s.name)


def _as_numpy(v):
    if hasattr(v, "detach"):
        v = v.detach().numpy()
    return np.asarray(v, dtype=float)


def _value(args, values, name):
    v = values[name]
    return v


def run(obj, args, values, backend="numpy", **kwargs):
    """The generated function called on values (name -> array), as NumPy arrays."""
    fn = matcalc.lambdify(obj, args, backend, **kwargs)
    inputs = [values[s.name] for s in args]
    if backend == "torch":
        import torch
        inputs = [torch.as_tensor(np.asarray(v, dtype=float)) if not isinstance(v, int) else v
                  for v in inputs]
    out = fn(*inputs)
    return tuple(_as_numpy(o) for o in out) if isinstance(out, tuple) else _as_numpy(out)


def assert_same(generated, expected, what):
    expected = np.asarray(expected, dtype=float)
    assert generated.size == expected.size, f"{what}: shape {generated.shape} vs {expected.shape}"
    assert np.allclose(generated.reshape(expected.shape), expected, rtol=1e-8, atol=1e-10), \
        f"{what}: generated code gives\n{generated}\nmatcalc.evaluate gives\n{expected}"


def _derive(case):
    derive = {"grad": matcalc.grad, "jacobian": matcalc.jacobian,
              "hessian": matcalc.hessian}[case.kind]
    return derive(case.f, case.var, **case.options)


def _point(case, result):
    exprs = [case.f] + ([] if isinstance(result, FourthOrder) else [result])
    values = random_point(exprs, case.var, symmetric=bool(case.options.get("symmetric")),
                          diagonal=case.options.get("diagonal", False), seed=3,
                          values=case.values)
    if isinstance(result, FourthOrder):
        for M in result.matrix_symbols():
            if M.name not in values:
                values.update(random_point([M], case.var, values=values, seed=4))
    return values


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", IDENTITIES, ids=lambda c: f"{c.eq} {c.f}")
def test_generated_derivative_of_every_cookbook_identity_equals_evaluate(case, backend):
    result = _derive(case)
    values = _point(case, result)
    args = arguments(case.f, result)
    expected = matcalc.evaluate(result, values)
    assert_same(run(result, args, values, backend), expected, f"{case.eq} {backend}")


GRADIENT_CASES = [c for c in IDENTITIES if c.kind == "grad"
                  and c.options.get("symmetric") != "entries"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", GRADIENT_CASES, ids=lambda c: f"{c.eq} {c.f}")
def test_generated_f_and_grad_matches_evaluate_and_its_own_finite_difference_check(
        case, backend):
    result = _derive(case)
    values = _point(case, result)
    args = arguments(case.f, result)
    f, G = run(case.f, args, values, backend, grad=case.var, **case.options)
    assert_same(f, matcalc.evaluate(case.f, values), f"{case.eq} f")
    assert_same(G, matcalc.evaluate(result, values), f"{case.eq} grad")
    namespace = _module(case.f, args, backend, grad=case.var, **case.options)
    inputs = [_backend_array(values[s.name], backend) for s in args]
    with _in_64_bit_mode(backend):
        error = namespace["check_f_and_grad"](*inputs)
    assert error < 1e-6, f"{case.eq}: the exported finite-difference check says {error}"


def _backend_array(v, backend):
    if backend == "torch" and not isinstance(v, int):
        import torch
        return torch.as_tensor(np.asarray(v, dtype=float))
    return v


def _module(obj, args, backend, **kwargs):
    namespace: dict = {}
    exec(matcalc.codegen(obj, args, backend, **kwargs), namespace)
    return namespace


def test_the_exported_check_catches_a_wrong_gradient():
    source = matcalc.codegen(Trace(X.I), [X], grad=X)
    wrong = source.replace("-(inv_X.T @ inv_X.T)", "-(inv_X @ inv_X)")
    assert wrong != source
    namespace: dict = {}
    exec(wrong, namespace)
    value = np.eye(3) + 0.3 * np.random.default_rng(0).standard_normal((3, 3))
    assert namespace["check_f_and_grad"](value) > 1e-3


SEEDS = [
    (Trace(X.I), X, {}),
    (matcalc.SymmetricMatrixSymbol("C", n).I, matcalc.SymmetricMatrixSymbol("C", n), {}),
    (log(Determinant(X)), X, {}),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("f, var, options", SEEDS, ids=str)
def test_seed_results_generated(f, var, options, backend):
    result = matcalc.jacobian(f, var, **options)
    values = random_point([f], var, seed=1)
    args = arguments(f, result)
    assert_same(run(result, args, values, backend), matcalc.evaluate(result, values),
                f"{f} {backend}")


#: Fourth-order results through each stage: G ∘ ·, K ⊗ ·, vec, vec⁻¹ (and 𝕋 around them).
STAGED = [
    (HadamardProduct(A, X) * A, X, {}),
    (A * matcalc.elementwise(sympy.exp, X.T) * X, X, {}),
    (sympy.KroneckerProduct(A, X * A), X, {}),
    (matcalc.Vec(A * X.T), X, {}),
    (matcalc.Unvec(sympy.DiagMatrix(matcalc.Vec(X)) * matcalc.Vec(A), n, n), X, {}),
    (sympy.DiagMatrix(x) * A, x, {}),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("f, var, options", STAGED, ids=str)
def test_staged_fourth_order_results_generated(f, var, options, backend):
    result = matcalc.jacobian(f, var, **options)
    assert any(isinstance(t, matcalc.StagedProduct) for t in result.terms)
    values = random_point([f], var, seed=1, dims={"n": 3})
    args = arguments(f, result)
    assert_same(run(result, args, {**values, "n": 3}, backend),
                matcalc.evaluate(result, values), f"{f} {backend}")


@SETTINGS
@given(scalar_combinations)
def test_generated_code_of_random_expressions_and_gradients_equals_evaluate(f):
    _compare_with_evaluate(f)


@SETTINGS
@given(entrywise_scalars)
def test_generated_code_of_random_entrywise_expressions_equals_evaluate(f):
    _compare_with_evaluate(f)


def _compare_with_evaluate(f):
    values = random_point([f], X, seed=0)
    try:
        expected_f = matcalc.evaluate(f, values)
    except matcalc.EvaluationError:
        return
    G = matcalc.grad(f, X)
    args = arguments(f, G, X)
    f_value, G_value = run(f, args, values, grad=X)
    assert_same(f_value, expected_f, f"f = {f}")
    assert_same(G_value, matcalc.evaluate(G, values), f"grad {f} = {G}")


# --- the plan: the generated text is the feature here -----------------------------------

def _source(obj, args, backend="numpy"):
    return matcalc.codegen(obj, args, backend)


def test_chains_multiply_vectors_first():
    code = _source(A * B * x, [A, B, x])
    assert "A @ (B @ x)" in code


def test_a_sum_times_a_vector_is_distributed():
    code = _source(matcalc.grad(x.T * A * x, x), [A, x])
    assert "A @ x + A.T @ x" in code and "A + A.T" not in code


def test_a_sum_times_a_square_matrix_is_formed_once():
    code = _source((A + B) * X, [A, B, X])
    assert "(A + B) @ X" in code


#: numpy, and jax and torch where installed.
EVERY_BACKEND = ["numpy", *[pytest.param(b, marks=pytest.mark.skipif(
    importlib.util.find_spec(b) is None, reason=f"{b} is not installed"))
    for b in ("jax", "torch")]]


def test_an_inverse_only_multiplied_is_a_solve_and_a_shared_one_is_formed_once():
    assert "np.linalg.solve(X, a)" in _source(X.I * a, [X, a])
    assert "inv" not in _source(Trace(A * X.I * a * a.T), [A, X, a])
    code = _source(Trace(X.I * A) + Trace(X.I), [A, X])
    assert code.count("_lu_factor(X)") == 1 and code.count("_lu_inverse(lu_X)") == 1, code
    assert "_solve(" not in code and "linalg.inv" not in code


@pytest.mark.parametrize("backend", EVERY_BACKEND)
def test_an_inverse_formed_from_the_lu_factorisation_is_the_inverse(backend):
    """_lu_inverse (U⁻¹ L⁻¹ Pᵀ in NumPy: pivots undone in reverse order) against
    np.linalg.inv, at sizes where pivoting swaps rows and at 1 × 1; a singular matrix
    raises LinAlgError in NumPy, as np.linalg.inv does."""
    fn = matcalc.lambdify(X.I, [X], backend)
    rng = np.random.default_rng(5)
    for size in (1, 2, 5, 40):
        Xv = rng.standard_normal((size, size))
        value = fn(importlib.import_module("torch").as_tensor(Xv) if backend == "torch" else Xv)
        assert np.allclose(np.asarray(value), np.linalg.inv(Xv), rtol=1e-9, atol=1e-12)
    if backend == "numpy":
        with pytest.raises(np.linalg.LinAlgError, match="Singular"), \
                np.errstate(all="ignore"), pytest.warns(Warning):
            fn(np.array([[1.0, 2.0], [2.0, 4.0]]))


@pytest.mark.parametrize("backend", EVERY_BACKEND)
@pytest.mark.parametrize("wrt", ["A", "x"])
def test_a_matrix_solved_with_in_several_products_is_factorised_once(backend, wrt):
    """f and ∂f/∂A of xᵀA⁻¹x: one LU, three solves with vectors, no inverse formed."""
    f = Trace(x.T * A.I * x)
    code = matcalc.codegen(f, [A, x], backend, grad={"A": A, "x": x}[wrt])
    body = code[code.index("def f_and_grad"):]
    assert body.count("_lu_factor(A)") == 1 and "inv" not in body, body
    values = {"A": np.eye(3) + 0.3 * np.random.default_rng(0).standard_normal((3, 3)),
              "x": np.random.default_rng(1).standard_normal((3, 1))}
    _assert_f_and_grad_agree(f, [A, x], {"A": A, "x": x}[wrt], values, backend)


def _assert_f_and_grad_agree(f, args, X, values, backend):
    """The generated f_and_grad against matcalc.evaluate of f and its gradient."""
    generated = matcalc.lambdify(f, args, backend, grad=X)
    inputs = [values[a.name] for a in args]
    if backend == "torch":
        import torch
        inputs = [torch.as_tensor(v) for v in inputs]
    value, gradient = generated(*inputs)
    assert np.allclose(float(np.asarray(value)), matcalc.evaluate(f, values), rtol=1e-12)
    assert np.allclose(np.asarray(gradient), matcalc.evaluate(matcalc.grad(f, X), values),
                       rtol=1e-10)


@pytest.mark.parametrize("backend", EVERY_BACKEND)
@pytest.mark.parametrize("text, wrt", [("logdet(X)", "X"), ("logdet(X) + x'*inv(X)*x", "X"),
                                       ("logdet(X) + x'*inv(X)*x", "x"),
                                       ("logdet(X)*tr(inv(X)*B)", "X"), ("logdet(X')", "X"),
                                       ("logdet(X*X)", "X")])
def test_log_det_and_the_inverse_share_one_lu(backend, text, wrt):
    """log det X and X⁻¹ (formed, or solved with) from one LU: the log det from U's
    diagonal and the pivots' sign, the inverse as U⁻¹ L⁻¹ Pᵀ."""
    f = matcalc.parse(text)
    args = sorted(f.atoms(MatrixSymbol), key=lambda s: s.name)
    var = next(a for a in args if a.name == wrt)
    code = matcalc.codegen(f, args, backend, grad=var)
    body = code[code.index("def f_and_grad"):code.index("def check_f_and_grad")]
    assert body.count("_lu_factor(X)") == 1 and "_lu_slogdet" in body, body
    assert not any(w in body for w in ("linalg.slogdet", "linalg.inv", "linalg.solve")), body
    rng = np.random.default_rng(6)
    for _ in range(3):  # pivoting swaps rows; a row swap below makes det X > 0
        Xv = rng.standard_normal((5, 5))
        if np.linalg.det(Xv) < 0:
            Xv = Xv[[1, 0, 2, 3, 4]]
        values = {"X": Xv, "B": rng.standard_normal((5, 5)), "x": rng.standard_normal((5, 1))}
        _assert_f_and_grad_agree(f, args, var, values, backend)


@pytest.mark.parametrize("backend", EVERY_BACKEND)
def test_an_spd_matrix_is_factorised_once_by_cholesky(backend):
    """log det S + xᵀS⁻¹x by S for S declared spd: one Cholesky for the log det, the
    solves and the inverse; no LU, slogdet or inv."""
    f = matcalc.parse("S: spd n x n; x: vector; logdet(S) + x'*inv(S)*x")
    S_, x_ = sorted(f.atoms(MatrixSymbol), key=lambda s: s.name)
    assert isinstance(S_, matcalc.SPDMatrixSymbol)
    code = matcalc.codegen(f, [S_, x_], backend, grad=S_)
    body = code[code.index("def f_and_grad"):code.index("def check_f_and_grad")]
    assert body.count("_cho_factor(S)") == 1, body
    assert not any(w in body for w in ("slogdet", "linalg.inv", "_lu_", "linalg.solve")), body
    rng_spd = np.random.default_rng(3).standard_normal((4, 4))
    values = {"S": rng_spd @ rng_spd.T / 4 + np.eye(4), "x": np.arange(4.0)[:, None]}
    _assert_f_and_grad_agree(f, [S_, x_], S_, values, backend)
    assert matcalc.check(f, S_).ok


def test_the_spd_declaration_reads_back_and_is_refused_where_it_cannot_hold():
    e = matcalc.parse("S: spd 3 x 3; tr(inv(S))")
    assert matcalc.syntax(e, declare=True) == "S: spd 3 x 3; tr(inv(S))"
    assert matcalc.parse(matcalc.syntax(e, declare=True)) == e
    with pytest.raises(matcalc.EvaluationError, match="not positive definite"):
        matcalc.evaluate(e, {"S": np.diag([-1.0, 2.0, 3.0])})
    for bad, message in (("x: spd vector; x", "a vector cannot be declared spd"),
                         ("W: spd 3 x 2; W", "the spd matrix W must be square")):
        with pytest.raises(matcalc.MatcalcError, match=message):
            matcalc.parse(bad)


def test_log_det_is_slogdet():
    assert "np.linalg.slogdet(X)" in _source(log(Determinant(X)), [X])


def test_a_trace_of_a_product_never_forms_the_product():
    code = _source(Trace(A * B), [A, B])
    assert 'np.einsum("ij,ji->", A, B)' in code and "@" not in code
    code = _source(sympy.DiagonalOf(A * B), [A, B])
    assert 'np.einsum("ij,ji->i", A, B)' in code and "@" not in code


@pytest.mark.parametrize("backend", EVERY_BACKEND)
def test_traces_and_diagonals_of_products_are_right_in_any_memory_order(backend):
    """tr(X⁻¹B) and diag(X⁻¹B) with X⁻¹ Fortran-ordered (from LAPACK) and B in either order."""
    Xs, Bs = MatrixSymbol("X", 4, 4), MatrixSymbol("B", 4, 4)
    rng = np.random.default_rng(3)
    Xv, Bv = np.eye(4) + 0.3 * rng.standard_normal((4, 4)), rng.standard_normal((4, 4))
    expected = np.linalg.inv(Xv) @ Bv
    for order in ("C", "F"):
        values = (np.asarray(Xv, order=order), np.asarray(Bv, order=order))
        trace = matcalc.lambdify(Trace(Xs.I * Bs), [Xs, Bs], backend)(*values)
        diagonal = matcalc.lambdify(sympy.DiagonalOf(Xs.I * Bs), [Xs, Bs], backend)(*values)
        assert np.isclose(float(trace), np.trace(expected), rtol=1e-12)
        assert np.allclose(np.asarray(diagonal), np.diag(expected)[:, None], rtol=1e-12)


def test_diagonal_matrices_and_ones_are_broadcasting():
    v = MatrixSymbol("v", n, 1)
    code = _source(sympy.DiagMatrix(v) * A, [A, v])
    assert "np.diag" not in code and "v * A" in code
    code = _source(OneMatrix(1, n) * A * x, [A, x])
    assert "np.ones" not in code


@pytest.mark.parametrize("backend", EVERY_BACKEND)
def test_a_diagonal_added_to_a_fresh_result_is_one_pass_and_never_touches_an_input(backend):
    """diag(v) + M: NumPy adds v on the diagonal of M in place when M is an operation's
    result (the log-sum-exp Hessian diag(p) − p pᵀ); an argument M is never updated."""
    v = MatrixSymbol("v", n, 1)
    rng = np.random.default_rng(4)
    values = {"A": rng.standard_normal((4, 4)), "B": rng.standard_normal((4, 4)),
              "v": rng.standard_normal((4, 1))}
    cases = [(sympy.DiagMatrix(v) + A * B, [A, B, v], True),  # A @ B: a fresh array
             (sympy.DiagMatrix(v) - A, [A, v], True),             # -A: a fresh array
             (A - 2 * sympy.DiagMatrix(v) + 3 * sympy.Identity(n), [A, v], False),  # A itself
             (sympy.Identity(n) + B, [B], False)]
    for f, args, fresh in cases:
        code = matcalc.codegen(f, args, backend)
        assert (".flat[::" in code) == (backend == "numpy" and fresh), code
        inputs = {a.name: values[a.name].copy() for a in args}
        assert_same(run(f, args, inputs, backend), matcalc.evaluate(f, values), str(f))
        assert all(np.array_equal(inputs[a.name], values[a.name]) for a in args), code


def test_the_log_sum_exp_hessian_is_one_softmax_an_outer_product_and_a_diagonal():
    p = MatrixSymbol("p", n, 1)
    H = matcalc.hessian(matcalc.logsumexp(p), p)
    code = matcalc.codegen(H, [p])
    assert code.count("_softmax(") == 2 and "np.diag(" not in code, code  # def + one call
    assert "-t0 * t0.T" in code and ".flat[::n + 1] += t0[:, 0]" in code, code
    values = {"p": np.random.default_rng(5).standard_normal((6, 1))}
    assert np.allclose(run(H, [p], values), matcalc.evaluate(H, values), rtol=1e-12)


def test_an_outer_product_is_broadcasting_not_a_matrix_product():
    y = MatrixSymbol("y", n, 1)
    assert "x * y.T" in _source(x * y.T, [x, y]) and "@" not in _source(x * y.T, [x, y])


def test_fourth_order_results_are_einsums_not_kronecker_products():
    code = _source(matcalc.jacobian(X.I, X), [X])
    assert '"ik,jl->ijkl"' in code and "kron" not in code


def test_shared_subexpressions_are_named_once():
    code = matcalc.codegen(matcalc.Norm(A - X * B) ** 2, [A, B, X], grad=X)
    function = code[code.index("def f_and_grad"):code.index("def check")]
    assert function.count("X @ B") == 1


def test_jax_writes_transposed_products_the_cheap_way():
    code = matcalc.codegen(matcalc.grad(x.T * A * x, x), [A, x], "jax")
    assert "(x.T @ A).T" in code


# --- arguments, names, errors -------------------------------------------------------------

def test_generated_functions_check_shapes_and_accept_1d_vectors():
    fn = matcalc.lambdify(x.T * A * x, [A, x])
    assert np.isclose(fn(np.eye(3), np.array([1.0, 2.0, 3.0])), 14.0)
    with pytest.raises(AssertionError, match="x must be n x 1"):
        fn(np.eye(3), np.ones(4))


def test_names_that_are_not_identifiers_are_renamed_never_pasted():
    evil = MatrixSymbol("X); import os; os.system('echo pwned'", n, n)
    code = matcalc.codegen(Trace(evil.I), [evil])
    assert "import os" not in code.split('"""')[0] + code.split('"""')[-1]
    fn = matcalc.lambdify(Trace(evil.I), [evil])
    assert np.isclose(fn(2 * np.eye(2)), 1.0)


def test_code_export_errors_are_matcalc_errors():
    with pytest.raises(matcalc.MatcalcError, match="unknown backend"):
        matcalc.codegen(Trace(X), [X], "fortran")
    with pytest.raises(matcalc.VariableError, match="not among the arguments"):
        matcalc.codegen(Trace(A * X), [X])
    with pytest.raises(matcalc.MatcalcError, match="not a Python identifier"):
        matcalc.codegen(Trace(X), [X], name="f g")
    with pytest.raises(matcalc.VariableError, match="dimension k is not fixed"):
        matcalc.codegen(Trace(sympy.Identity(Symbol("k"))), [X])


def test_a_dimension_argument_is_an_integer():
    k = Symbol("k")
    fn = matcalc.lambdify(Trace(sympy.Identity(k)), [k])
    assert fn(4) == 4


def test_scalar_variables():
    t = Symbol("t")
    fn = matcalc.lambdify(sympy.exp(t) * Trace(X), [t, X], grad=t)
    value, derivative = fn(0.5, np.eye(2))
    assert np.isclose(value, 2 * np.exp(0.5)) and np.isclose(derivative, 2 * np.exp(0.5))


def test_module_writer_rejects_non_symbols():
    with pytest.raises(matcalc.VariableError):
        ModuleWriter([X.T], "numpy")


def test_a_gram_product_with_a_nonnegative_diagonal_is_symmetric():
    """Zᵀ diag(d) Z with d ≥ 0 as BᵀB (NumPy's syrk: half the flops); any other d as is."""
    Z, w, y = MatrixSymbol("Z", n, Symbol("m")), MatrixSymbol("w", Symbol("m"), 1), \
        MatrixSymbol("y", n, 1)
    f = matcalc.parse("sum(log(vector(1) + exp(-y .* (Z*w))))",
                      {"Z": Z, "w": w, "y": y})
    H = matcalc.hessian(f, w)
    code = matcalc.codegen(H, [Z, w, y])
    assert "np.sqrt" in code and ".T @ t" in code
    rng = np.random.default_rng(2)
    values = {"Z": rng.standard_normal((7, 4)), "w": rng.standard_normal((4, 1)),
              "y": np.sign(rng.standard_normal((7, 1)))}
    assert_same(run(H, [Z, w, y], values), matcalc.evaluate(H, values), "logistic Hessian")
    v = MatrixSymbol("v", n, 1)
    plain = matcalc.codegen(X.T * sympy.DiagMatrix(v) * X, [X, v])
    assert "sqrt" not in plain


def test_a_ones_row_and_a_ones_matrix_are_different_products():
    """𝟏ᵀB (in f) and 𝟏𝟏ᵀB (in the gradient) were one shared product: the code computed a
    1 x n row where an n x n matrix was due (found by the fuzzing session's suite)."""
    f = sympy.OneMatrix(1, n) * B * X**2 * sympy.OneMatrix(n, 1)
    _compare_with_evaluate(f)


# --- JAX computes in float64 or not at all -----------------------------------------------

@pytest.fixture
def jax_in_32_bit_mode():
    """JAX in its default 32-bit mode (whatever was set before), restored afterwards."""
    jax = pytest.importorskip("jax")
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", False)
    try:
        yield jax
    finally:
        jax.config.update("jax_enable_x64", before)


def _log_det_and_trace():
    rng = np.random.default_rng(5)
    f = log(Determinant(X)) + Trace(A * X.I)
    values = (rng.standard_normal((4, 4)), np.eye(4) + 0.3 * rng.standard_normal((4, 4)))
    return f, values, matcalc.lambdify(f, [A, X], grad=X)(*values)


def test_lambdified_jax_agrees_with_numpy_to_1e_10_and_leaves_jax_config_alone(
        jax_in_32_bit_mode):
    jax = jax_in_32_bit_mode
    f, values, (value, G) = _log_det_and_trace()
    for jit in (True, False):
        jax_value, jax_G = matcalc.lambdify(f, [A, X], "jax", grad=X, jit=jit)(*values)
        assert abs(float(jax_value) - value) <= 1e-10 * abs(value)
        assert np.allclose(np.asarray(jax_G), G, rtol=1e-10, atol=1e-12)
        assert np.asarray(jax_G).dtype == np.float64
    assert jax.config.jax_enable_x64 is False


def test_generated_jax_code_refuses_32_bit_mode_and_says_how_to_enable_x64(
        jax_in_32_bit_mode):
    jax = jax_in_32_bit_mode
    f, values, (value, G) = _log_det_and_trace()
    module = _module(f, [A, X], "jax", grad=X)
    how = re.escape('jax.config.update("jax_enable_x64", True)')
    for fn in (module["f"], module["f_and_grad"], module["check_f_and_grad"],
               jax.jit(module["f"])):
        with pytest.raises(RuntimeError, match=how):
            fn(*values)
    with jax.enable_x64(True):
        assert abs(float(module["f"](*values)) - value) <= 1e-10 * abs(value)
        assert np.allclose(np.asarray(jax.jit(module["f_and_grad"])(*values)[1]), G,
                           rtol=1e-10, atol=1e-12)
        assert module["check_f_and_grad"](*values) < 1e-6
    assert jax.config.jax_enable_x64 is False


# --- determinants of powers --------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_det_and_log_det_of_a_high_matrix_power_are_powers_of_det(backend):
    """det(Xᵏ) = (det X)ᵏ and log det(Xᵏ) = k log|det X|: forming X⁶⁴ of a 20 x 20
    X = I + 0.05R lost three digits (its condition number is cond(X)⁶⁴)."""
    X20 = MatrixSymbol("X", n, n)
    value = np.eye(20) + 0.05 * np.random.default_rng(0).standard_normal((20, 20))
    sign, log_abs = np.linalg.slogdet(value)
    det = np.linalg.det(value)
    assert sign > 0
    cases = [(Determinant(X20**64), det**64), (log(Determinant(X20**64)), 64 * log_abs),
             (Determinant(X20.T**-41), det**-41), (log(Determinant(X20**41)), 41 * log_abs),
             (log(Determinant(X20.I.T**40)), -40 * log_abs),
             (Determinant(X20.I), 1 / det), (log(Determinant(X20.T)), log_abs)]
    for f, expected in cases:
        got = float(_as_numpy(matcalc.lambdify(f, [X20], backend)(value)))
        assert np.isclose(got, expected, rtol=1e-10, atol=0), f"{f}: {got} vs {expected}"
        assert "matrix_power" not in matcalc.codegen(f, [X20], backend)
    code = matcalc.codegen(Determinant(X20**64) + log(Determinant(X20**-3)), [X20])
    assert "np.linalg.det(X) ** 64" in code and "-3 * slogdet_X[1]" in code
