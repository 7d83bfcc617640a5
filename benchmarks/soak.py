"""Soak run of the fuzzer: many random expressions, every derivative classified.

    python benchmarks/soak.py                    # 20,000 examples on 2 processes
    python benchmarks/soak.py --examples 2000 --workers 1 --seed 7

Draws cases from tests/fuzzing.py (random well-typed expressions over every operator,
random shapes, depth up to 6, random variable and symmetric/diagonal structure; grad,
jacobian or hessian as fits), classifies each (correct / no rule / undefined / wrong /
crash) and prints the counts by outcome, the NoRuleErrors by construct, the counts by
operator, and every failure in full. Exits 1 when any case is wrong or crashes.
Needs the test extras (hypothesis): pip install ".[test]".
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

OUTCOMES = ("correct", "no rule", "over budget", "undefined", "wrong", "crash")


def soak(examples: int, seed: int) -> dict:
    """One worker: `examples` cases from hypothesis seeded with `seed`."""
    from fuzzing import cases, classify, operators
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    outcomes, constructs, by_operator, by_task = Counter(), Counter(), Counter(), Counter()
    failures, slowest, seconds = [], [], []

    @hypothesis_seed(seed)
    @settings(max_examples=examples, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(cases())
    def run(case):
        start = time.perf_counter()
        outcome = classify(case)
        seconds.append(time.perf_counter() - start)
        by_task[case.task, outcome.kind] += 1
        slowest.append((seconds[-1], str(case)))
        slowest.sort(reverse=True)
        del slowest[5:]
        outcomes[outcome.kind] += 1
        if outcome.kind == "no rule":
            constructs[outcome.construct] += 1
        for op in operators(case.f):
            by_operator[op, outcome.kind] += 1
        if outcome.failed:
            failures.append((str(case), outcome.kind, outcome.detail))

    run()
    return dict(outcomes=outcomes, constructs=constructs, by_operator=by_operator,
                by_task=by_task, failures=failures, slowest=slowest, seconds=seconds)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    shares = [args.examples // args.workers + (i < args.examples % args.workers)
              for i in range(args.workers)]
    with ProcessPoolExecutor(args.workers) as pool:
        parts = list(pool.map(soak, shares, [args.seed * 1000 + i for i in range(args.workers)]))
    wall = time.perf_counter() - start

    outcomes, constructs, by_operator, by_task = Counter(), Counter(), Counter(), Counter()
    failures, slowest, seconds = [], [], []
    for p in parts:
        outcomes += p["outcomes"]
        constructs += p["constructs"]
        by_operator += p["by_operator"]
        by_task += p["by_task"]
        failures += p["failures"]
        slowest += p["slowest"]
        seconds += p["seconds"]
    total = sum(outcomes.values())

    print(f"{total} examples in {wall:.0f} s on {args.workers} processes "
          f"(seed {args.seed}, {total / wall:.1f} examples/s)\n")
    print("outcome      count    share")
    for kind in OUTCOMES:
        print(f"{kind:10s} {outcomes[kind]:7d}  {100 * outcomes[kind] / max(total, 1):6.2f} %")
    print(f"\n{'task':32s}" + "".join(f"{k:>12s}" for k in OUTCOMES))
    for task in sorted({t for t, _ in by_task}):
        print(f"{task:32s}" + "".join(f"{by_task[task, k]:12d}" for k in OUTCOMES))
    seconds.sort()
    if seconds:
        print(f"\nseconds per example (classify: derive, print, check at up to five steps): "
              f"median {seconds[len(seconds) // 2]:.3f}, 99th percentile "
              f"{seconds[int(0.99 * (len(seconds) - 1))]:.2f}, max {seconds[-1]:.2f}; "
              f"over 10 s: {sum(s > 10 for s in seconds)}")
    print("\nNoRuleError by construct")
    for construct, count in constructs.most_common():
        print(f"  {count:6d}  {construct}")
    print(f"\n{'operator':32s}" + "".join(f"{k:>12s}" for k in OUTCOMES))
    for op in sorted({op for op, _ in by_operator}):
        print(f"{op:32s}" + "".join(f"{by_operator[op, k]:12d}" for k in OUTCOMES))
    print("\nslowest examples")
    for seconds, case in sorted(slowest, reverse=True)[:5]:
        print(f"  {seconds:6.2f} s  {case[:150]}")
    print(f"\nfailures: {len(failures)}")
    for case, kind, detail in failures:
        print(f"- {kind}: {case}\n    {detail}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
