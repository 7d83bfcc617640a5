"""No process-wide state: derivations in eight threads at once give what they give one by
one, matcalc never touches the interpreter's recursion limit, and a budget set in one
thread does not reach another."""

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import sympy
from helpers import A, B, X, x
from sympy import Determinant, Trace

import matcalc

JOBS = [
    lambda: matcalc.text(matcalc.grad(Trace(X.I), X)),
    lambda: matcalc.text(matcalc.grad(sympy.log(Determinant(X)), X, symmetric=True)),
    lambda: str(matcalc.jacobian(X.I, X)),
    lambda: matcalc.latex(matcalc.hessian(x.T * A * x, x)),
    lambda: matcalc.derive(Trace(A * X * B * X), X).text(),
    lambda: matcalc.codegen(sympy.log(Determinant(X)) + Trace(A * X), [X, A], grad=X),
    lambda: repr(matcalc.evaluate(matcalc.grad(Trace(X * X * X), X),
                                  {"X": np.diag([1.0, 2.0, 3.0])}).tolist()),
    lambda: matcalc.syntax(matcalc.parse("sum(tanh(A*x).^2) + logdet(X'*X + A)")),
    lambda: str(matcalc.check(Trace(X.I * A), X).ok),
    lambda: matcalc.text(matcalc.grad(matcalc.parse("sum(" + "(" * 30 + "x" + ").^2" * 30
                                                    + ")"), "x")),
]


def test_eight_threads_at_once_give_the_sequential_results():
    expected = [job() for job in JOBS]
    limit = sys.getrecursionlimit()
    seen_limits = set()
    stop = threading.Event()

    def watch():  # the recursion limit, read while the derivations run
        while not stop.wait(0.001):
            seen_limits.add(sys.getrecursionlimit())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(3):
                results = list(pool.map(lambda job: job(), JOBS * 2))
                assert results == expected * 2
    finally:
        stop.set()
        watcher.join()
    assert seen_limits == {limit} and sys.getrecursionlimit() == limit


def test_a_budget_belongs_to_the_thread_that_set_it():
    errors, done = [], []
    go = threading.Barrier(2)

    def starved():
        with matcalc.budget(nodes=1):
            go.wait()
            try:
                matcalc.grad(Trace(X * X * X), X)
            except matcalc.LimitError:
                errors.append("limit")

    def unbounded():
        go.wait()
        done.append(matcalc.text(matcalc.grad(Trace(X * X * X), X)))

    threads = [threading.Thread(target=starved), threading.Thread(target=unbounded)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == ["limit"] and done == ["3 (X²)ᵀ"]
    assert matcalc.core.limits.current_budget() == matcalc.Budget(seconds=60)  # conftest's
