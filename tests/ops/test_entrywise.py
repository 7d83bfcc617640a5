"""Scalar and entrywise functions, Hadamard products and powers (matcalc/ops/entrywise.py),
and every entry of the scalar-function table (matcalc/core/functions.py): each parses
(name and aliases), prints in every printer, differentiates, evaluates and generates code
for every backend."""

import importlib.util

import numpy as np
import pytest
import sympy
from helpers import A, B, R, W, X, a, assert_hessian_verified, assert_verified, b, m, n, t, x
from sympy import HadamardPower, HadamardProduct, OneMatrix, Trace, exp, log

import matcalc
from matcalc import elementwise, sigmoid, softplus
from matcalc.core.functions import FUNCTIONS
from ops._examples import check_example, example_id

ones = ones_row = OneMatrix(1, n)
ones_n = ones_col = OneMatrix(n, 1)


def total(M):
    """1ᵀ M 1, the sum of the entries of M."""
    return OneMatrix(1, M.shape[0]) * M * OneMatrix(M.shape[1], 1)


#: A sample of functions for the chain-rule tests below (the table is tested entry by entry).
SAMPLE_FUNCTIONS = [sympy.exp, sympy.sin, sympy.cos, sympy.tanh, sympy.atan, sigmoid, softplus]
POSITIVE_FUNCTIONS = [sympy.log, sympy.sqrt]  # applied to 𝟏 + X∘X, which is positive

EXAMPLES = [
    (sympy.exp(Trace(A * X)) + sympy.sin(Trace(X)), X, {}),      # scalar functions
    (ones_row * elementwise(sympy.tanh, A * X) * ones_col, X, {}),  # entrywise
    (Trace(HadamardProduct(A, X) * B), X, {}),                    # Hadamard product
    (Trace(HadamardPower(X, 3) * A), X, {}),                      # Hadamard power
    (HadamardProduct(a, x), x, {}),                               # its Jacobian (vectors)
    (elementwise(sympy.exp, x), x, {}),                           # entrywise Jacobian
    (sympy.exp(Trace(A * X)) * B, X, {}),                         # a Jacobian through exp
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


def test_relu_differentiates_to_the_step_function_of_the_same_table():
    """relu′ = step, step′ = 0 (and 0 at the kink); both print, parse and evaluate."""
    W = sympy.MatrixSymbol("W", n, m)
    z = sympy.MatrixSymbol("z", m, 1)
    f = ones_row * matcalc.relu(W * z)
    G = assert_verified(f, W)
    assert matcalc.text(G) == "step(W z) zᵀ"
    assert matcalc.parse(matcalc.syntax(G, declare=True)) == G
    assert matcalc.hessian(f, z) == sympy.ZeroMatrix(m, m)
    values = {"W": np.array([[1.0, -2.0]]), "z": np.array([[1.0], [0.5]])}  # W z = 0: a kink
    assert matcalc.evaluate(G, values).tolist() == [[0.0, 0.0]]
    assert matcalc.evaluate(matcalc.step(t), {"t": 0.0}) == 0.0


@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
def test_each_function_is_a_python_function_of_matcalc_by_its_name_and_aliases(f):
    """matcalc.sin(X) is sin applied entrywise, matcalc.sin(t) SymPy's sin(t)."""
    for name in (f.name, *f.aliases):
        function = getattr(matcalc, name)
        assert function(X) == elementwise(f.sympy, X)
        assert function(t) == f.sympy(t)
        assert name in matcalc.__all__ or name == "abs"  # not over Python's own abs


def test_the_python_functions_of_the_table_act_entrywise_on_matrices():
    assert matcalc.sqrt(X) == HadamardPower(X, sympy.Rational(1, 2))
    assert matcalc.relu(X) == elementwise(matcalc.relu, X)
    assert matcalc.sigmoid(X) == elementwise(sigmoid, X)
    assert matcalc.relu(t) != matcalc.relu(X) and matcalc.relu(sympy.Integer(-2)) == 0
    assert matcalc.step(sympy.Integer(3)) == 1 and matcalc.step(sympy.Integer(0)) == 0


def test_check_keeps_the_arguments_of_kinked_functions_away_from_the_kink():
    """The first random point puts x + a at 10⁻⁶ from relu's kink; differences there would
    straddle it (an error of ½). check draws another point."""
    from matcalc.numeric.checking import random_point
    f = ones * matcalc.relu(x + a)
    x0 = random_point([f], x, values={"a": np.zeros((3, 1))}, seed=0)["x"]  # check's draw
    a0 = 1e-6 - x0
    result = matcalc.check(f, x, values={"a": a0})
    assert result.ok, result
    assert np.min(np.abs(result.values["x"] + a0)) > 1e-3


@pytest.mark.parametrize("f", [total(HadamardPower(X, sympy.Rational(5, 2))),
                               total(HadamardPower(X, t)),
                               total(elementwise(sympy.log, X)),
                               total(elementwise(sympy.asin, X)),
                               sympy.sqrt(t) * Trace(X)], ids=str)
def test_check_draws_the_argument_of_a_function_inside_its_domain(f):
    """X.^(5/2), log(X), arcsin(X): a random X with entries of both signs (or beyond 1)
    would make f undefined; check draws X (and t) inside the domain."""
    assert_verified(f, X)
    assert_hessian_verified(f, X)


def test_sign_differentiates_to_zero_away_from_zero():
    """d sign(x) = 0 where x ≠ 0: the Hessian of Σ|xᵢ| is the zero matrix."""
    H = matcalc.hessian(ones_row * elementwise(sympy.Abs, x), x)
    assert H == sympy.ZeroMatrix(n, n)
    assert matcalc.text(matcalc.grad(ones_row * elementwise(sympy.Abs, x), x)) == "sign(x)"


# --- moved from tests/test_entrywise.py -----------------------------------------------


@pytest.mark.parametrize("fn", SAMPLE_FUNCTIONS, ids=lambda f: f.__name__)
def test_entrywise_function_chain_rule(fn):
    """d f(A) = f′(A) ∘ dA, by a matrix and by a vector."""
    assert_verified(total(elementwise(fn, A * X)), X)
    assert_verified(ones * elementwise(fn, A * x + b), x)


@pytest.mark.parametrize("fn", POSITIVE_FUNCTIONS, ids=lambda f: f.__name__)
def test_entrywise_function_of_positive_entries(fn):
    assert_verified(total(elementwise(fn, OneMatrix(n, n) + HadamardProduct(X, X))), X)


def test_entrywise_abs_away_from_zero():
    values = {"x": np.array([1.0, -2.0, 0.5])}
    assert_verified(ones * elementwise(sympy.Abs, x), x, values=values)


def test_entrywise_function_derivatives_print_as_a_person_writes_them():
    G = matcalc.grad(ones * elementwise(sigmoid, A * x), x)
    assert matcalc.text(G) == "Aᵀ (σ(A x) ∘ σ(-A x))"
    assert matcalc.text(matcalc.grad(Trace(elementwise(sympy.sin, X)), X)) == "cos(X) ∘ I"


def test_logistic_loss_gradient_and_hessian_use_the_sigmoid():
    Z, y, w = sympy.MatrixSymbol("Z", m, n), sympy.MatrixSymbol("y", m, 1), x
    u = -HadamardProduct(y, Z * w)
    loss = OneMatrix(1, m) * elementwise(log, OneMatrix(m, 1) + elementwise(exp, u))
    G = assert_verified(loss, w)
    assert matcalc.text(G) == "-Zᵀ (σ(-(Z x) ∘ y) ∘ y)"
    H = matcalc.hessian(loss, w)
    assert matcalc.text(H) == "Zᵀ diag(σ(-(Z x) ∘ y) ∘ σ((Z x) ∘ y) ∘ y^∘2) Z"
    assert matcalc.check(G, w, derivative=H).ok


@pytest.mark.parametrize("loss", [
    "-(y'*log(sigmoid(Z*w)) + (vector(1)-y)'*log(vector(1)-sigmoid(Z*w)))",
    "-y'*log(sigmoid(Z*w)) - (vector(1)-y)'*log(sigmoid(-Z*w))",
    "sum(softplus(Z*w)) - y'*Z*w",
])
def test_logistic_regression_with_0_1_labels_has_the_textbook_gradient(loss):
    """σ(u) + σ(−u) = 1 collects (𝟏 − y) ∘ σ(Z w) − y ∘ σ(−Z w) into σ(Z w) − y."""
    f = matcalc.parse(loss)
    w = next(s for s in f.free_symbols if s.name == "w")
    G = assert_verified(f, w)
    assert matcalc.text(G) == "Zᵀ (σ(Z w) - y)"
    H = matcalc.hessian(f, w)
    assert matcalc.text(H) == "Zᵀ diag(σ(Z w) ∘ σ(-Z w)) Z"
    assert matcalc.check(G, w, derivative=H).ok
    args = sorted(f.free_symbols, key=lambda s: s.name)  # Z, w, y
    code = matcalc.codegen(f, args, grad=w)  # no σ ∘ σ⁻¹: the residual as it reads
    assert "**(-1)" not in code and "- y)" in code


def test_the_sigmoid_complement_collects_only_opposite_arguments():
    """M ∘ σ(U) + M ∘ σ(−U) = M; σ(U) + σ(V) or different M stay as they are."""
    from matcalc.rewrite.rules import Context, sigmoid_complement
    U, V = A * X, X * A
    s = [elementwise(sigmoid, M) for M in (U, -U, V)]
    assert sigmoid_complement(HadamardProduct(B, s[0]) + HadamardProduct(B, s[1]),
                              Context()) == B
    assert sigmoid_complement(s[0] + s[1], Context()) == OneMatrix(*X.shape)
    assert sigmoid_complement(s[0] + s[2], Context()) is None
    assert sigmoid_complement(HadamardProduct(B, s[0]) + HadamardProduct(A, s[1]),
                              Context()) is None


def test_hadamard_product_and_power():
    """d(A ∘ B) = dA ∘ B + A ∘ dB;  d(A^∘k) = k A^∘(k−1) ∘ dA."""
    assert_verified(Trace(HadamardProduct(X, A * X) * B), X)
    assert_verified(total(HadamardPower(X, 3)), X)
    assert_verified(total(HadamardPower(OneMatrix(n, n) + HadamardProduct(X, X),
                                        sympy.Rational(-1, 2))), X)
    assert_verified(ones * HadamardProduct(a, x, x), x)


def test_hadamard_power_with_a_varying_exponent():
    """d(A^∘t) = A^∘t ∘ log(A) dt."""
    assert_verified(total(HadamardPower(OneMatrix(n, n) + HadamardProduct(A, A), t)), t)


def test_hadamard_division():
    """A ⊘ B is A ∘ B^∘−1."""
    quotient = HadamardProduct(A * X, HadamardPower(OneMatrix(n, n) + HadamardProduct(X, X),
                                                    -1))
    assert_verified(total(quotient), X)


def test_scalar_sigmoid_and_softplus():
    assert_verified(sigmoid(Trace(A * X)) + softplus(Trace(B * X)), X)
    assert matcalc.text(matcalc.grad(log(1 + exp(-t)), t)) == "-σ(-t)"


def test_sympy_applyfunc_is_accepted():
    f = total(X.applyfunc(sympy.exp))
    assert matcalc.text(matcalc.grad(f, X)) == "exp(X)"


def test_scalar_function_of_a_matrix_is_rejected_with_a_hint():
    with pytest.raises(matcalc.NoRuleError, match="elementwise"):
        matcalc.grad(sympy.exp(X), X)


# --- Jacobians and Hessians by a matrix: the fourth-order term G ∘ L ---------------------


def test_a_jacobian_through_a_hadamard_product_is_diagonal():
    """d(A ∘ X) = A ∘ dX: J = 𝔻(A), J_ijkl = A_ij δ_ik δ_jl."""
    J = assert_verified(HadamardProduct(A, X), X)
    assert matcalc.text(J) == "𝔻(A)"
    assert matcalc.index(J, style="text") == "A_ij δ_ik δ_jl"
    assert matcalc.latex(J) == r"\mathbb{D}\left(A\right)"


@pytest.mark.parametrize("f", FUNCTIONS, ids=FUNCTION_IDS)
def test_each_function_has_a_jacobian_and_a_hessian_by_a_matrix(f):
    """f(U) by X is f′(U) ∘ (dU); 𝟏ᵀ f(U) 𝟏 has the Hessian through f″, both checked by
    finite differences (U = A X B, mapped into f's domain)."""
    U = _entrywise_inside_domain(f, A * X * B)
    assert_verified(elementwise(f.sympy, U), X)
    assert_hessian_verified(total(elementwise(f.sympy, U)), X)


def test_the_hessian_of_the_sum_of_exp_is_diagonal():
    H = assert_hessian_verified(total(elementwise(sympy.exp, X)), X)
    assert matcalc.text(H) == "𝔻(exp(X))"


def test_the_hessian_of_a_network_layer_loss_is_one_staged_term():
    """f = ‖tanh(W Z) − Y‖²_F by W: one term (I ⊠ Z) : (G ∘ (I ⊠ Zᵀ)), no index soup."""
    Z, Y = sympy.MatrixSymbol("Z", m, n), sympy.MatrixSymbol("Y", n, n)
    f = total(HadamardPower(elementwise(sympy.tanh, W * Z) - Y, 2))
    H = assert_hessian_verified(f, W)
    assert len(H.terms) == 1 and matcalc.text(H).startswith("2 (I ⊠ Z) : ((")
    assert matcalc.text(H).endswith(" ∘ (I ⊠ Zᵀ))")


JACOBIAN_EXAMPLES = [
    (HadamardProduct(X, A * X), X, {}),                           # product rule
    (HadamardPower(X, 3), X, {}),                                 # Hadamard power
    (HadamardProduct(A, HadamardPower(OneMatrix(n, n) + HadamardProduct(X, X), -1)), X,
     {}),                                                         # Hadamard quotient
    (A * elementwise(sympy.exp, X.T) * B, X, {}),                 # a transposed argument
    (elementwise(sympy.sin, X) * W, X, {}),                       # a product after it
    (elementwise(sympy.tanh, W * R), W, {}),                      # a network layer
    (HadamardProduct(elementwise(sympy.cos, X), X.T), X, {}),     # both factors vary
    (elementwise(sympy.exp, x * a.T + A), x, {}),                 # by a vector
    (elementwise(softplus, HadamardProduct(A + X, X)), X, {}),    # stages of unlike stages
    (HadamardProduct(sympy.Identity(n) + HadamardProduct(X, X) ** 2, X), X,
     {}),                                                          # a square of a stage
]


def test_entrywise_stages_merge_into_one_diagonal_term():
    """σ(u) ∘ ((A + X) ∘ dX + X ∘ dX) = 𝔻(σ(u) ∘ (A + 2 X)) : dX, u = (A + X) ∘ X; and
    G ∘ (H ∘ dX)ᵀ = (Gᵀ ∘ H ∘ dX)ᵀ."""
    J = matcalc.jacobian(elementwise(softplus, HadamardProduct(A + X, X)), X)
    assert len(J.terms) == 1 and matcalc.text(J).startswith("𝔻(")
    J = matcalc.jacobian(HadamardProduct(B, HadamardPower(X.T, 2)), X)
    assert matcalc.text(J) == "2 𝕋 : 𝔻(X ∘ Bᵀ)"
EXAMPLES += JACOBIAN_EXAMPLES


@pytest.mark.parametrize("example", JACOBIAN_EXAMPLES, ids=example_id)
def test_jacobians_by_a_matrix_through_entrywise_operations(example):
    check_example(example)
    if example[1] == X:  # and by a symmetric X: J : 𝕀ₛ
        check_example((example[0], X, {"symmetric": True}))


HESSIAN_EXAMPLES = [
    total(HadamardProduct(X, X * A)),
    Trace(A * HadamardPower(X, 3)),
    total(elementwise(sympy.log, OneMatrix(n, n) + HadamardProduct(X, X))),
    total(HadamardProduct(elementwise(sympy.sin, X), elementwise(sympy.cos, X.T))),
    Trace(elementwise(sympy.tanh, A * X) * elementwise(sympy.tanh, A * X).T),
]


@pytest.mark.parametrize("f", HESSIAN_EXAMPLES, ids=str)
def test_hessians_by_a_matrix_through_entrywise_operations(f):
    assert_hessian_verified(f, X)
    assert_hessian_verified(f, X, symmetric=True)


def test_evaluate_and_check_accept_sympy_applyfunc():
    f = Trace(X.applyfunc(sympy.exp) * A)
    assert matcalc.check(f, X).ok


def test_hessian_through_a_hadamard_product_of_row_vectors():
    """Found by the property tests: the gradient of 𝟏ᵀ(u ∘ u ∘ σ(u)) holds uᵀ ∘ …, rows."""
    u = sympy.Rational(1, 2) * A * x + a
    f = ones * HadamardProduct(elementwise(sigmoid, u), HadamardPower(u, 2))
    H = matcalc.hessian(f, x)
    assert matcalc.check(matcalc.grad(f, x), x, derivative=H).ok
