"""Bounded work: how long pathological but valid inputs take, and how each ends.

    python benchmarks/pathological.py [--repeat 3]

Each case is parsed and differentiated (and the result printed as text) under the default
work budget (matcalc.Budget: 8 s a call), timed as the median of `--repeat` runs with a
cold SymPy cache. An outcome is "ok" (a result) or the MatcalcError class it ended with,
and for a LimitError the stage that was running; tests/test_limits.py asserts only that
each finishes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import sympy
from sympy.core.cache import clear_cache

import matcalc
from matcalc.core.limits import depth_bound


def _parse_and_grad(text, name="X", derive=None):
    def run():
        f = matcalc.parse(text)
        result = (derive or matcalc.grad)(f, name)
        return len(matcalc.text(result))
    return run


def _check(text, name="X"):
    def run():
        result = matcalc.check(matcalc.parse(text), name)
        if not result.ok:
            raise matcalc.MatcalcError(f"check failed: {result}")
        return len(str(result))
    return run


def _network(layers):
    """xᵀ tanh(A tanh(A … tanh(A x))): a deep composition, 2 levels per layer."""
    return "x'*" + "tanh(A*" * layers + "x" + ")" * layers


CASES = [
    ("tr(X^1000000): power rule", _parse_and_grad("tr(X^1000000)")),
    ("logdet(X^1000000)", _parse_and_grad("logdet(X^1000000)")),
    ("X^1000000 Jacobian (no rule)", _parse_and_grad("X^1000000", derive=matcalc.jacobian)),
    ("x' X^498 x by X (no rule)", _parse_and_grad("x'*X^498*x")),
    ("sum of 10,000 distinct terms",
     _parse_and_grad(" + ".join(f"tr(A{i}*X)" for i in range(10_000)))),
    ("sum of 10,000 equal terms", _parse_and_grad(" + ".join(["tr(A*X)"] * 10_000))),
    ("product of 500 factors, one X",
     _parse_and_grad("tr(" + "*".join(f"A{i}" for i in range(499)) + "*X)")),
    ("product of 500 factors, 24 X",
     _parse_and_grad("tr(" + "*".join(f"A{i}*X" if i % 20 == 0 else f"A{i}"
                                      for i in range(475)) + ")")),
    ("product of 500 factors, 250 X",
     _parse_and_grad("tr(" + "*".join(f"A{i}*X" for i in range(250)) + ")")),
    ("1,000 nested parentheses", _parse_and_grad("tr(" + "(" * 1000 + "X" + ")" * 1000 + ")")),
    ("1,000 nested inverses", _parse_and_grad("tr(" + "inv(" * 1000 + "X" + ")" * 1000 + ")")),
    ("network, 30 layers (depth 62)", _parse_and_grad(_network(30), "x")),
    ("network, 60 layers (depth 122)", _parse_and_grad(_network(60), "x")),
    (f"network, 120 layers (depth 242 > {depth_bound()})",
     _parse_and_grad(_network(120), "x")),
    ("1,000 nested exp (LimitError)",
     _parse_and_grad("exp(" * 1000 + "tr(X)" + ")" * 1000)),
    ("text of 2,000,001 characters", _parse_and_grad("X+" * 1_000_000 + "X")),
    # issue 14: inputs that ran for minutes (or whose time doubled per level)
    ("Hessian of x'(xx'+A)^64 x by x", _parse_and_grad("x'*(x*x'+A)^64*x", "x",
                                                      matcalc.hessian)),
    ("Hessian of logdet(X^64+X^63)", _parse_and_grad("logdet(X^64+X^63)", "X",
                                                   matcalc.hessian)),
    ("Hessian of tr(inv(X^64+A) B inv(X^64+A))",
     _parse_and_grad("tr(inv(X^64+A)*B*inv(X^64+A))", "X", matcalc.hessian)),
    ("22 nested (...).^2 in sum", _parse_and_grad("sum(" + "(" * 22 + "x" + ").^2" * 22
                                                  + ")", "x")),
    ("60 nested (...).^2 in sum", _parse_and_grad("sum(" + "(" * 60 + "x" + ").^2" * 60
                                                  + ")", "x")),
    ("sqrt nested 20 deep in sum", _parse_and_grad("sum(" + "sqrt(" * 20 + "x" + ")" * 20
                                                   + ")", "x")),
    ("sqrt nested 20 deep in norm2", _parse_and_grad("norm2(" + "sqrt(" * 20 + "x"
                                                     + ")" * 20 + ")", "x")),
    ("(X^2)^2 ... nested 40 deep", _parse_and_grad("tr(" + "(" * 40 + "X" + ")^2" * 40
                                                   + ")")),
    ("det(X^64) checked", _check("det(X^64)")),
]


def _bound(message: str) -> str:
    """Which bound a LimitError's message names: the stage the budget ran out in, the depth,
    or the length of the text."""
    stage = message.partition(" ran out while ")[2].partition(" (")[0]
    if stage:
        return f"budget, {stage}"
    return "text length" if "characters long" in message else "depth"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'case':44s} {'seconds':>9s}  outcome")
    for name, run in CASES:
        times, outcome = [], "ok"
        for _ in range(args.repeat):
            clear_cache()
            start = time.perf_counter()
            try:
                size = run()
                outcome = f"ok ({size:,} characters)"
            except matcalc.LimitError as err:
                outcome = f"LimitError ({_bound(str(err))})"
            except matcalc.MatcalcError as err:
                outcome = type(err).__name__
            times.append(time.perf_counter() - start)
        print(f"{name:44s} {statistics.median(times):9.3f}  {outcome}", flush=True)
    print(f"\nPython {sys.version.split()[0]}, SymPy {sympy.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
