"""The cost model behind generated code: which order to multiply a chain in, where to split
a trace, whether to distribute a sum.

Contract: pure functions of operand kinds and estimated sizes; they decide an order and
never change a value. Costs count floating-point operations the way BLAS/LAPACK spend
them (a dense m x k times k x n product: 2mkn; an LU factorisation: ⅔n³; a solve with
r right-hand sides: 2n²r; an inverse: 2n³; an entrywise pass: one per entry). Symbolic
dimensions are estimated as `LARGE` (1000): the plan is made for big matrices, and a
literal dimension (1 for a vector) is used as it is — so vectors go first.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

#: The size assumed for a symbolic dimension.
LARGE = 1000

#: Operand kinds in a chain: a dense array, a diagonal (stored as its vector), a block of
#: ones, or the inverse of a dense matrix (never formed: multiplied by a solve).
DENSE, DIAG, ONES, INV = "dense", "diag", "ones", "inv"

#: Chains longer than this are ordered greedily (cheapest adjacent pair first) rather
#: than by the cubic dynamic programme.
MAX_DP_CHAIN = 24


def size(dim) -> int:
    """The estimated extent of one dimension."""
    dim = sympy.sympify(dim)
    if dim.is_Integer:
        return int(dim)
    if dim.is_Mul or dim.is_Add:  # 2n, n + 1, n*m: estimate each symbol as LARGE
        return max(1, int(dim.subs({s: LARGE for s in dim.free_symbols})))
    return LARGE


@dataclass(frozen=True)
class Operand:
    """One factor of a chain, as the plan sees it: its kind and estimated shape."""
    kind: str
    rows: int
    cols: int


def product_cost(a: Operand, b: Operand) -> tuple[float, Operand]:
    """The cost of a · b and what it gives."""
    p, q, r = a.rows, a.cols, b.cols
    if a.kind == DIAG and b.kind == DIAG:
        return p, Operand(DIAG, p, r)
    if a.kind == ONES and b.kind == ONES:
        return 1, Operand(ONES, p, r)
    if a.kind == INV or b.kind == INV:
        n = p if a.kind == INV else q
        cost = 2 / 3 * n ** 3 + 2 * n * n * (r if a.kind == INV else p)
        if a.kind == INV and b.kind == INV:
            cost += 2 * n ** 3  # one of the two is formed
        return cost, Operand(DENSE, p, r)
    if a.kind in (DIAG, ONES) or b.kind in (DIAG, ONES):
        return p * r + (q if a.kind == ONES else 0) * r + (q * p if b.kind == ONES else 0), \
            Operand(DENSE, p, r)
    return 2 * p * q * r, Operand(DENSE, p, r)


def entrywise_cost(inputs: int, entries: int) -> float:
    """An entrywise pass (a sum of `inputs` arrays, a Hadamard product): memory-bound, so
    counted as reads and a write at the price of a multiply-add each — (A + Aᵀ)x costs
    more than Ax + Aᵀx, as measured."""
    return 2.0 * (inputs + 1) * entries


def chain_order(operands: list[Operand]) -> tuple[object, float]:
    """The cheapest bracketing of operands[0] · … · operands[-1]: (tree, cost), a tree being
    an operand index or a pair of trees."""
    k = len(operands)
    if k == 1:
        return 0, 0.0
    if k > MAX_DP_CHAIN:
        return _greedy_order(operands)
    best: dict = {(i, i): (0.0, operands[i], i) for i in range(k)}
    for length in range(2, k + 1):
        for i in range(k - length + 1):
            j = i + length - 1
            choice = None
            for s in range(i, j):
                cl, left, _ = best[(i, s)]
                cr, right, _ = best[(s + 1, j)]
                c, result = product_cost(left, right)
                total = cl + cr + c
                if choice is None or total < choice[0]:
                    choice = (total, result, s)
            best[(i, j)] = choice

    def tree(i, j):
        if i == j:
            return i
        s = best[(i, j)][2]
        return tree(i, s), tree(s + 1, j)

    return tree(0, k - 1), best[(0, k - 1)][0]


def _greedy_order(operands):
    """Repeatedly multiply the adjacent pair that is cheapest now: O(k²), for long chains."""
    items = [(i, op) for i, op in enumerate(operands)]
    total = 0.0
    while len(items) > 1:
        costs = [product_cost(items[t][1], items[t + 1][1]) for t in range(len(items) - 1)]
        t = min(range(len(costs)), key=lambda u: costs[u][0])
        total += costs[t][0]
        items[t:t + 2] = [((items[t][0], items[t + 1][0]), costs[t][1])]
    return items[0][0], total


def trace_split(operands: list[Operand]) -> tuple[int, float]:
    """tr(A₁ … A_k) = Σ (A₁…A_s) ∘ (A_{s+1}…A_k)ᵀ: the split s (1 ≤ s < k) with the
    cheapest two halves, and its cost. The trace never needs the full product."""
    if len(operands) > MAX_DP_CHAIN:  # long chains: one split in the middle
        s = len(operands) // 2
        return s, chain_order(operands[:s])[1] + chain_order(operands[s:])[1]
    best = None
    for s in range(1, len(operands)):
        left, right = operands[:s], operands[s:]
        cost = chain_order(left)[1] + chain_order(right)[1] + operands[0].rows * left[-1].cols
        cost += sum(2 * half[0].rows ** 3 for half in (left, right)
                    if len(half) == 1 and half[0].kind == INV)  # a lone inverse is formed
        if best is None or cost < best[1]:
            best = (s, cost)
    return best
