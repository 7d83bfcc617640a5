"""Bounded work: how long pathological but valid inputs take, and how each ends.

    python benchmarks/pathological.py [--repeat 3]

Each case is parsed and differentiated (and the result printed as text), timed as the
median of `--repeat` runs with a cold SymPy cache. An outcome is "ok" (a result) or the
MatcalcError class it ended with; tests/test_limits.py asserts only that each finishes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import sympy
from sympy.core.cache import clear_cache

import matcalc
from matcalc.limits import MAX_DEPTH


def _variable(f, name):
    return next(s for s in f.free_symbols if s.name == name)


def _parse_and_grad(text, name="X", derive=None):
    def run():
        f = matcalc.parse(text)
        result = (derive or matcalc.grad)(f, _variable(f, name))
        return len(matcalc.text(result))
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
    ("network, 120 layers (depth 242)", _parse_and_grad(_network(120), "x")),
    (f"network, 130 layers (depth > {MAX_DEPTH}: LimitError)",
     _parse_and_grad(_network(130), "x")),
    ("1,000 nested exp (LimitError)",
     _parse_and_grad("exp(" * 1000 + "tr(X)" + ")" * 1000)),
    ("text of 2,000,001 characters", _parse_and_grad("X+" * 1_000_000 + "X")),
]


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
            except matcalc.MatcalcError as err:
                outcome = type(err).__name__
            times.append(time.perf_counter() - start)
        print(f"{name:44s} {statistics.median(times):9.3f}  {outcome}", flush=True)
    print(f"\nPython {sys.version.split()[0]}, SymPy {sympy.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
