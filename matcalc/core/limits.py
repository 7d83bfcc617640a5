"""Bounds on the work one call does, so that no input crashes matcalc, hangs it or leaks
Python's recursion limit — and nothing here changes the interpreter for other threads.

Contract: `bounded` wraps every public entry point. The outermost call in a thread (a
context, for asyncio) starts a `Meter` for the current `Budget`; calls it makes to other
entry points (check calls grad and evaluate) spend from the same meter. The passes call
`spend(stage)` once per node they visit, and the meter raises `LimitError` — naming the
stage that was running and how far it got — when the budget's time or node visits run
out. A budget is changed for a block of code, in this thread only:

    >>> import matcalc
    >>> with matcalc.budget(seconds=60):
    ...     pass  # derivations here may take a minute

Depth: matcalc's passes and SymPy's recurse once per level of an expression, a few frames
a level. matcalc never raises the recursion limit (that is process-wide state); instead
an expression deeper than the headroom the limit leaves (`depth_bound`) is a LimitError
before any work, and a RecursionError that happens all the same becomes a LimitError. A
program that needs deeper expressions raises the limit itself (`sys.setrecursionlimit`),
and matcalc then takes them, up to MAX_DEPTH (inputs) and MAX_RESULT_DEPTH (results).
`parse` also bounds its text to MAX_TEXT characters. Nothing here changes a result.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import sys
import time
from dataclasses import dataclass

import sympy

from .errors import LimitError, OptionError

#: Deepest expression tree matcalc differentiates or parses (X is 1, tr(X⁻¹) is 3).
MAX_DEPTH = 250
#: Deepest expression tree matcalc prints, evaluates or simplifies (a derivative nests
#: deeper than its function).
MAX_RESULT_DEPTH = 4 * MAX_DEPTH
#: Longest text `parse` reads.
MAX_TEXT = 1_000_000
#: Python frames one level of an expression takes, at most, in the passes behind an entry
#: point that takes an input (a derivation: the d-rules, the pullback, SymPy's own
#: recursion; 6.3 measured on nested entrywise functions) and behind one that takes a
#: result (printing, evaluating, simplifying: 5.0 measured), and frames kept free for
#: what runs on top of the deepest level.
FRAMES_PER_LEVEL = 7
RESULT_FRAMES_PER_LEVEL = 5
RESERVED_FRAMES = 100


@dataclass(frozen=True)
class Budget:
    """What one public call may spend: wall-clock `seconds` and `nodes`, the nodes
    matcalc's passes visit (deterministic, unlike time). None means unbounded. The default
    8 s leaves room for the step in flight when time runs out (up to 1.6 s in a soak of
    20,000 random derivations), so that a call ends within 10 s."""

    seconds: float | None = 8.0
    nodes: int | None = None

    def __post_init__(self):
        for name in ("seconds", "nodes"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or
                                      not isinstance(value, (int, float)) or not value > 0):
                raise OptionError(f"budget {name}={value!r}: give a positive number or None")


#: The budget of calls started in this context; `budget(...)` changes it for a block.
_budget: contextvars.ContextVar[Budget] = contextvars.ContextVar(
    "matcalc_budget", default=Budget())  # noqa: B039 (a frozen dataclass)
#: The meter of the public call running in this context (None outside any).
_meter: contextvars.ContextVar[Meter | None] = contextvars.ContextVar("matcalc_meter",
                                                                      default=None)


@contextlib.contextmanager
def budget(seconds: float | None = Budget.seconds, nodes: int | None = Budget.nodes):
    """Run the block's matcalc calls under another budget (this thread only).

    seconds: wall-clock time of one public call (default 8; None: no limit).
    nodes: node visits of one public call (default None: no limit).

    >>> import matcalc, sympy
    >>> X = sympy.MatrixSymbol("X", 3, 3)
    >>> with matcalc.budget(nodes=3):  # doctest: +ELLIPSIS
    ...     matcalc.grad(sympy.Trace(X * X * X * X), X)
    Traceback (most recent call last):
    ...
    matcalc.LimitError: grad: the work budget of 3 node visits ran out while ...
    """
    token = _budget.set(Budget(seconds, nodes))
    try:
        yield
    finally:
        _budget.reset(token)


def current_budget() -> Budget:
    """The budget calls in this context run under."""
    return _budget.get()


class Meter:
    """The work one public call has done: node visits, and the time since it started."""

    __slots__ = ("budget", "call", "deadline", "nodes", "stage", "largest")

    def __init__(self, budget: Budget, call: str):
        self.budget, self.call = budget, call
        self.deadline = None if budget.seconds is None else \
            time.monotonic() + budget.seconds
        self.nodes = 0
        self.stage = "starting"
        self.largest = 0  # the largest expression a stage reported (nodes)

    def spend(self, stage: str, n: int) -> None:
        self.stage = stage
        self.nodes += n
        limit = self.budget.nodes
        if limit is not None and self.nodes > limit:
            self.exhausted(f"the work budget of {limit:,} node visits")
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.exhausted(f"the time budget of {self.budget.seconds:g} s")

    def exhausted(self, what: str):
        grown = f"; the largest expression had {self.largest:,} nodes" if self.largest \
            else ""
        raise LimitError(
            f"{self.call}: {what} ran out while {self.stage} ({self.nodes:,} nodes visited"
            f"{grown}); raise it with matcalc.budget(...) or the command line's "
            "--time-limit")


def spend(stage: str, n: int = 1) -> None:
    """Count n node visits of `stage` ("differentiating", "printing", …) against the
    budget of the running call; LimitError when it has run out."""
    meter = _meter.get()
    if meter is not None:
        meter.spend(stage, n)


def note_size(nodes: int) -> None:
    """Record the size of an expression a stage made, for the message of a LimitError."""
    meter = _meter.get()
    if meter is not None and nodes > meter.largest:
        meter.largest = nodes


# --------------------------------------------------------------------------- depth

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


def _frames_in_use() -> int:
    frame, count = sys._getframe(), 0
    while frame is not None:
        frame, count = frame.f_back, count + 1
    return count


def depth_bound(cap: int = MAX_DEPTH) -> int:
    """The deepest expression matcalc works on from here: what the recursion limit leaves
    above the frames already in use, at most `cap` (MAX_DEPTH for an input, MAX_RESULT_DEPTH
    for a result, whose passes recurse less per level)."""
    headroom = sys.getrecursionlimit() - _frames_in_use() - RESERVED_FRAMES
    per_level = FRAMES_PER_LEVEL if cap <= MAX_DEPTH else RESULT_FRAMES_PER_LEVEL
    return max(0, min(cap, headroom // per_level))


def check_depth(*objects, bound: int | None = None) -> None:
    """LimitError when an expression among `objects` is nested deeper than `bound`
    (default: `depth_bound()`)."""
    bound = depth_bound() if bound is None else bound
    for obj in objects:
        if isinstance(obj, sympy.Basic) and depth(obj, bound) > bound:
            raise LimitError(_too_deep(bound))


def _too_deep(bound: int) -> str:
    return (f"the expression is nested more than {bound} levels deep; matcalc works on "
            f"expressions up to {bound} levels here (Python's recursion limit is "
            f"{sys.getrecursionlimit()}; a program may raise it with sys.setrecursionlimit)")


# --------------------------------------------------------------------------- entry points

def bounded(function=None, *, bound: int = MAX_DEPTH):
    """Decorator for a public entry point (see the module doc): `@bounded`, or
    `@bounded(bound=MAX_RESULT_DEPTH)` for one that takes results."""
    if function is None:
        return functools.partial(bounded, bound=bound)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if _meter.get() is not None:  # inside another entry point: its meter and bounds
            return function(*args, **kwargs)
        token = _meter.set(Meter(_budget.get(), function.__name__))
        try:
            check_depth(*args, *kwargs.values(), bound=depth_bound(bound))
            return function(*args, **kwargs)
        except RecursionError:
            raise LimitError(f"{function.__name__}: the expression is nested too deeply for "
                             f"Python's recursion limit ({sys.getrecursionlimit()}; a program "
                             "may raise it with sys.setrecursionlimit)") from None
        finally:
            _meter.reset(token)
    return wrapper
