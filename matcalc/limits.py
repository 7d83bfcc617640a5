"""Bounds on the input matcalc takes on, so that no input crashes it or leaks Python's
recursion limit.

Contract: `bounded` wraps a public entry point. On the outermost call it refuses an
expression argument nested deeper than MAX_DEPTH with a `LimitError` (before any work;
MAX_RESULT_DEPTH for printing, evaluating and simplifying, whose inputs are results and
a derivative is deeper than its function),
runs the call under a recursion limit of at least RECURSION_LIMIT (matcalc's passes and
SymPy's own recurse once per level, a few frames each) and turns a RecursionError that
happens all the same into a `LimitError`. It never changes a result. `parse` also bounds
its text to MAX_TEXT characters.

Work grows with the size of a result, not only with the input's: the gradient of a
200-deep composition is a sum of 200 products; benchmarks/pathological.py measures it.
"""

from __future__ import annotations

import functools
import sys
import threading

import sympy

from .errors import LimitError

#: Deepest expression tree matcalc differentiates or parses (X is 1, tr(X⁻¹) is 3).
MAX_DEPTH = 250
#: Deepest expression tree matcalc prints, evaluates or simplifies.
MAX_RESULT_DEPTH = 4 * MAX_DEPTH
#: Longest text `parse` reads.
MAX_TEXT = 1_000_000
#: Python's recursion limit while matcalc works (frames, not levels of the tree).
RECURSION_LIMIT = 30_000

_state = threading.local()


def depth(e, bound: int = MAX_DEPTH) -> int:
    """The height of e's expression tree, counted without recursion (a leaf is 1);
    counting stops just past `bound`."""
    deepest, seen = 0, {}
    stack = [(e, 1)]
    while stack and deepest <= bound:
        node, level = stack.pop()
        if seen.get(id(node), 0) >= level:
            continue
        seen[id(node)] = level
        deepest = max(deepest, level)
        if not isinstance(node, sympy.MatrixSymbol):  # its args are its name and shape
            stack.extend((a, level + 1) for a in node.args)
    return deepest


def check_depth(*objects, bound: int = MAX_DEPTH) -> None:
    """LimitError when an expression among `objects` is nested deeper than `bound`."""
    for obj in objects:
        if isinstance(obj, sympy.Basic) and depth(obj, bound) > bound:
            raise LimitError(f"the expression is nested more than {bound} levels deep; "
                             f"matcalc works on expressions up to {bound} levels")


def bounded(function=None, *, bound: int = MAX_DEPTH):
    """Decorator for a public entry point (see the module doc): `@bounded` or
    `@bounded(bound=MAX_RESULT_DEPTH)`."""
    if function is None:
        return functools.partial(bounded, bound=bound)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if getattr(_state, "inside", False):
            return function(*args, **kwargs)
        limit = sys.getrecursionlimit()
        _state.inside = True
        try:
            sys.setrecursionlimit(max(limit, RECURSION_LIMIT))
            check_depth(*args, *kwargs.values(), bound=bound)
            return function(*args, **kwargs)
        except RecursionError:
            raise LimitError(f"{function.__name__}: the expression is nested too deeply "
                             "for Python's recursion limit") from None
        finally:
            _state.inside = False
            sys.setrecursionlimit(limit)
    return wrapper
