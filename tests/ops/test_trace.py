"""The trace and the double dot (matcalc/ops/trace.py)."""

import pytest
from helpers import A, B, X
from sympy import Trace

import matcalc
from matcalc.core.nodes import DoubleDot
from ops._examples import check_example, example_id

EXAMPLES = [
    (Trace(A * X * B), X, {}),                                    # trace
    (Trace(X ** -2), X, {}),                                      # trace of a power
    (DoubleDot(A, X * X), X, {}),                                 # double dot
]


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_trace_examples_match_finite_differences(example):
    check_example(example)


def test_double_dot_is_the_trace_of_a_transposed_product():
    import numpy as np
    values = {"A": np.arange(9.0).reshape(3, 3), "X": np.eye(3) + 1}
    assert matcalc.evaluate(DoubleDot(A, X), values) == matcalc.evaluate(Trace(A.T * X), values)
