"""Compactness of matcalc's results against the Matrix Cookbook's own forms.

For every chapter-2 identity in tests/cookbook.py that has a Cookbook form, derive it and
compare sizes (SymPy expression-tree nodes, matcalc.rewrite.rules.size). Prints one row per
identity and the median and worst ratio ours/Cookbook (≤ 1 means no larger).

    python benchmarks/compactness.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import matcalc  # noqa: E402
from cookbook import IDENTITIES, size  # noqa: E402


def derive(case):
    fn = {"grad": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}
    return fn[case.kind](case.f, case.var, **case.options)


def main() -> None:
    rows = []
    for case in IDENTITIES:
        if case.expected is None:
            continue
        ours, theirs = size(derive(case)), size(case.expected)
        rows.append((case.eq, ours, theirs, ours / theirs, matcalc.text(derive(case))))
    print(f"{'eq':>6}  {'ours':>4}  {'book':>4}  ratio  result")
    for eq, ours, theirs, ratio, text in rows:
        print(f"{eq:>6}  {ours:>4}  {theirs:>4}  {ratio:5.2f}  {text}")
    ratios = [r[3] for r in rows]
    worst = max(rows, key=lambda r: r[3])
    print(f"\n{len(rows)} identities: median ratio {statistics.median(ratios):.2f}, "
          f"mean {statistics.mean(ratios):.2f}, worst {worst[3]:.2f} ({worst[0]}), "
          f"best {min(ratios):.2f}; {sum(r <= 1 for r in ratios)} no larger than the Cookbook")


if __name__ == "__main__":
    main()
