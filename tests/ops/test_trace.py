"""The trace and the double dot (matcalc/ops/trace.py)."""

import pytest
import sympy
from helpers import A, B, X, assert_hessian_verified, n, x
from sympy import Sum, Trace

import matcalc
from matcalc.core.nodes import DoubleDot
from ops._examples import check_example, example_id

EXAMPLES = [
    (Trace(A * X * B), X, {}),                                    # trace
    (Trace(X ** -2), X, {}),                                      # trace of a power
    (DoubleDot(A, X * X), X, {}),                                 # double dot
    (DoubleDot(A, X) * X + Trace(X * B) * A, X, {}),              # Jacobians through them
]

i, j = sympy.symbols("i j", integer=True)
#: Index input, read in matrix form (SymPy's converters): an element of a 1 x 1 product,
#: index sums.
INDEX_FORMS = [
    ((x.T * A * x)[0, 0], x, "(A + Aᵀ) x"),
    (Sum(X[i, i], (i, 0, n - 1)), X, "I"),
    (Sum(x[i, 0] * A[i, j] * x[j, 0], (i, 0, n - 1), (j, 0, n - 1)), x, "(A + Aᵀ) x"),
    (Sum(X[i, j] ** 2, (i, 0, n - 1), (j, 0, n - 1)), X, "2 X"),
    # sums SymPy's converters cannot write, read entry by entry (Σᵢ g(xᵢ) = 𝟏ᵀ g(x))
    (sympy.sqrt((x.T * x)[0, 0]), x, "x/sqrt(xᵀ x)"),  # SymPy writes Σᵢ xᵢ² inside
    ((x.T * x)[0, 0] ** 2, x, "4 (xᵀ x) x"),
    (Sum(-3 * x[i, 0] ** 2, (i, 0, n - 1)), x, "-6 x"),
    (Sum(sympy.exp(x[i, 0]) * A[i, i], (i, 0, n - 1)), x, "diag(A) ∘ exp(x)"),
    (Sum(sympy.log(1 + X[i, j] ** 2) * A[j, i], (i, 0, n - 1), (j, 0, n - 1)), X,
     "2 (X^∘2 + 𝟏 𝟏ᵀ)^∘(-1) ∘ X ∘ Aᵀ"),
]


@pytest.mark.parametrize(("f", "variable", "expected"), INDEX_FORMS,
                         ids=[str(f) for f, _, _ in INDEX_FORMS])
def test_index_input_is_read_in_matrix_form(f, variable, expected):
    G = matcalc.grad(f, variable)
    assert matcalc.text(G) == expected
    assert matcalc.check(f, variable, derivative=G).ok


@pytest.mark.parametrize("f", [Sum(i * x[i, 0], (i, 0, n - 1)),          # the index itself
                               Sum(x[i, 0], (i, 1, n - 1)),              # not from 0
                               Sum(X[i, 0] * x[i, 0], (i, 0, n - 1))],   # (Xᵀx)[0, 0]
                         ids=str)
def test_an_index_sum_without_a_matrix_form_is_refused_by_name(f):
    with pytest.raises(matcalc.NoRuleError, match="no differential rule for (Sum|Matrix)"):
        matcalc.grad(f, x)


@pytest.mark.parametrize("f", [sympy.sqrt((x.T * x)[0, 0]),
                               Sum(sympy.tanh(X[i, j]) * X[j, i], (i, 0, n - 1), (j, 0, n - 1))],
                         ids=str)
def test_hessians_of_index_sums(f):
    assert_hessian_verified(f, x if f.has(x) else X)


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_trace_examples_match_finite_differences(example):
    check_example(example)


def test_double_dot_is_the_trace_of_a_transposed_product():
    import numpy as np
    values = {"A": np.arange(9.0).reshape(3, 3), "X": np.eye(3) + 1}
    assert matcalc.evaluate(DoubleDot(A, X), values) == matcalc.evaluate(Trace(A.T * X), values)
