"""Derivation speed: matcalc against SymPy's own matrix `diff`, in the same process.

1. The Cookbook suite (tests/cookbook.py): every gradient of a plain (unstructured)
   variable, derived by `matcalc.grad` and by `f.diff(X)`. SymPy's answer is classified:
   right (agrees numerically with matcalc's checked result), wrong, or no answer
   (unevaluated, an error, or a form that cannot be evaluated). Times are medians of
   `--repeat` runs, each after clearing SymPy's cache and matcalc's; ratios are
   SymPy / matcalc.
2. The scaling family tr(A₁X A₂X … A_kX), k = 1 … 128, with the growth exponent of each
   (least-squares slope of log time against log k over k ≥ 4). matcalc's times beyond
   k = 16 are medians of three runs (of `--repeat` below that); SymPy's of one.

    python benchmarks/derivation.py [--repeat 5] [--max-k 64] [--sympy-max-k 32]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import numpy as np  # noqa: E402
import sympy  # noqa: E402
from sympy.core.cache import clear_cache  # noqa: E402

import matcalc  # noqa: E402
from cookbook import IDENTITIES  # noqa: E402
from matcalc.numeric.checking import random_point  # noqa: E402
from matcalc.rewrite.rules import size  # noqa: E402


def timed(fn, repeat):
    """(median seconds, last result) over `repeat` runs, each with cold caches (SymPy's and
    matcalc's memoised expression sizes)."""
    times, result = [], None
    for _ in range(repeat):
        clear_cache()
        size.cache_clear()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def classify(case, ours, theirs) -> str:
    """right / wrong / no answer, by evaluating SymPy's result at a random point."""
    if theirs is None or theirs.has(sympy.Derivative) or \
            type(theirs).__name__ in ("ArrayDerivative",):
        return "no answer"
    try:
        values = random_point([case.f, ours], case.var, seed=5)
        a = np.asarray(matcalc.evaluate(ours, values), dtype=float)
        b = np.asarray(matcalc.evaluate(theirs, values), dtype=float)
    except Exception:  # SymPy's array forms (and the like) that matcalc does not evaluate
        return "no answer"
    if a.size != b.size:
        return "wrong"
    return "right" if np.allclose(a, b.reshape(a.shape), rtol=1e-7, atol=1e-9) else "wrong"


def sympy_diff(case):
    try:
        return case.f.diff(case.var)
    except Exception:
        return None


def cookbook(repeat):
    cases = [c for c in IDENTITIES if c.kind == "grad" and not c.options]
    rows = []
    for case in cases:
        t_ours, ours = timed(lambda c=case: matcalc.grad(c.f, c.var), repeat)
        t_theirs, theirs = timed(lambda c=case: sympy_diff(c), repeat)
        rows.append((case.eq, t_ours, t_theirs, classify(case, ours, theirs)))
    print(f"## Cookbook gradients ({len(rows)} cases, median of {repeat} cold runs)\n")
    print("| eq. | matcalc ms | SymPy ms | SymPy / matcalc | SymPy's answer |")
    print("|---|---:|---:|---:|---|")
    for eq, a, b, verdict in rows:
        print(f"| {eq} | {a * 1e3:.2f} | {b * 1e3:.2f} | {b / a:.2f} | {verdict} |")
    answered = [(a, b) for _, a, b, v in rows if v != "no answer"]
    counts = {v: sum(1 for *_, w in rows if w == v) for v in ("right", "wrong", "no answer")}
    print(f"\nSymPy: {counts['right']} right, {counts['wrong']} wrong, "
          f"{counts['no answer']} no answer.")
    ratios = [b / a for a, b in answered]
    right = [b / a for _, a, b, v in rows if v == "right"]
    print(f"Median matcalc time {statistics.median(r[1] for r in rows) * 1e3:.2f} ms. "
          f"Median speed-up (SymPy / matcalc) on the {len(answered)} cases SymPy answers: "
          f"{statistics.median(ratios):.2f}x; on the {len(right)} it answers right: "
          f"{statistics.median(right):.2f}x (lowest {min(right):.2f}x).\n")


def chain(k):
    n = sympy.Symbol("n")
    X = sympy.MatrixSymbol("X", n, n)
    factors = []
    for i in range(1, k + 1):
        factors += [sympy.MatrixSymbol(f"A{i}", n, n), X]
    return sympy.Trace(sympy.MatMul(*factors)), X


def slope(ks, ts):
    pts = [(math.log(k), math.log(t)) for k, t in zip(ks, ts, strict=False) if k >= 4 and t]
    if len(pts) < 2:
        return float("nan")
    mx = statistics.fmean(p[0] for p in pts)
    my = statistics.fmean(p[1] for p in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)


def scaling(max_k, sympy_max_k, repeat):
    ks = [k for k in (1, 2, 4, 8, 16, 32, 48, 64, 96, 128) if k <= max_k]
    print("## Scaling: ∂ tr(A₁X A₂X … A_kX)/∂X\n")
    print("| k | matcalc ms | SymPy ms | SymPy / matcalc |")
    print("|---:|---:|---:|---:|")
    ours, theirs = [], []
    for k in ks:
        f, X = chain(k)
        t_ours, _ = timed(lambda f=f, X=X: matcalc.grad(f, X), repeat if k <= 16 else
                          min(repeat, 3))
        ours.append(t_ours)
        if k <= sympy_max_k:
            t_theirs, _ = timed(lambda f=f, X=X: f.diff(X), repeat if k <= 16 else 1)
            theirs.append(t_theirs)
            print(f"| {k} | {t_ours * 1e3:.1f} | {t_theirs * 1e3:.1f} | "
                  f"{t_theirs / t_ours:.1f} |", flush=True)
        else:
            print(f"| {k} | {t_ours * 1e3:.1f} | (not run) | |", flush=True)
    print(f"\nGrowth exponent (time ~ k^e, k ≥ 4): matcalc {slope(ks, ours):.2f}, SymPy "
          f"{slope(ks[:len(theirs)], theirs):.2f} (k ≤ {ks[len(theirs) - 1]}).\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--max-k", type=int, default=128)
    parser.add_argument("--sympy-max-k", type=int, default=32,
                        help="SymPy takes about 40 s at k = 64")
    args = parser.parse_args()
    print(f"matcalc {matcalc.__version__}, SymPy {sympy.__version__}, Python "
          f"{sys.version.split()[0]}\n")
    cookbook(args.repeat)
    scaling(args.max_k, args.sympy_max_k, args.repeat)


if __name__ == "__main__":
    main()
