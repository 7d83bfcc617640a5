"""What the parser's typed pass works with: typed values, dimensions and declared shapes.

Contract: `Typed` is a parsed subexpression (its shape, how to build it); `Dimensions`
unifies the dimensions that products and sums make equal, binding free ones and never
moving declared ones; `parse_shape` reads a declared shape ("symmetric n x n"). Nothing
here builds an expression or reads the syntax tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sympy

# --- typed values -----------------------------------------------------------------


@dataclass
class Typed:
    """A parsed subexpression: its shape (None for a scalar) and how to build it once
    every dimension is known."""

    shape: tuple | None
    build: Callable[[], sympy.Basic]
    factors: tuple = ()  # for a matrix product: its factors, built in one MatMul
    declared: bool = False  # a symbol (or its transpose) whose shape was declared
    name: str = ""  # for a bare matrix symbol: its name

    @property
    def is_scalar(self) -> bool:
        return self.shape is None


@dataclass
class Where:
    line: int
    column: int


class Dimensions:
    """Unification of dimensions: free dimensions (unknowns) are bound to others when a
    product or sum makes them equal; declared ones (integers, named symbols) never move.

    An unknown length is never guessed to be 1 (in (xᵀx) y, y stays a vector), except a
    contextual one — the size of eye, vector(c) and matrix(c), which is whatever the
    context needs — or where a declared 1 x 1 asks for it (x: 1; xᵀ A x)."""

    def __init__(self):
        self.bound: dict = {}
        self.free: list = []  # in order of creation (names n, m, p, … follow it)
        self.is_free: set = set()
        self.contextual: set = set()

    def fresh(self, contextual: bool = False):
        d = sympy.Dummy(f"d{len(self.free)}", integer=True, positive=True)
        self.free.append(d)
        self.is_free.add(d)
        if contextual:
            self.contextual.add(d)
        return d

    def resolve(self, d):
        d = sympy.sympify(d)
        root = d
        while root in self.bound:
            root = self.bound[root]
        while d in self.bound and self.bound[d] != root:  # path compression
            self.bound[d], d = root, self.bound[d]
        if any(s in self.bound for s in root.free_symbols):
            return root.xreplace({s: self.resolve(s) for s in root.free_symbols})
        return root

    def unify(self, a, b, *, may_be_one: bool = False, dry: bool = False) -> bool:
        """Make a and b equal (False when they cannot be); dry=True only asks."""
        a, b = self.resolve(a), self.resolve(b)
        if a == b:
            return True
        if a in self.is_free or b in self.is_free:
            if a in self.is_free and b in self.is_free:  # bind the contextual one, so that
                a, b = (a, b) if a in self.contextual else (b, a)  # the pair stays free
            elif b in self.is_free:
                a, b = b, a
            if b == 1 and not (may_be_one or a in self.contextual):
                return False
            if a in b.free_symbols:  # n = n², n = n m: no positive solution
                return False
            if not dry:
                self.bound[a] = b
            return True
        fa, fb = factors_of(a), factors_of(b)
        if len(fa) > 1 and len(fa) == len(fb):
            # kron(A, B) * vec(X): products of unknowns, matched factor by factor
            return all(self.unify(p, q, may_be_one=may_be_one, dry=dry)
                       for p, q in zip(fa, fb, strict=True))
        return False

    def is_one(self, d) -> bool:
        return self.resolve(d) == 1


def factors_of(d) -> list:
    """The factors of a dimension: n*m -> [m, n], n**2 -> [n, n] (sorted by name)."""
    if isinstance(d, sympy.Mul):
        return sorted((f for a in d.args for f in factors_of(a)), key=sympy.default_sort_key)
    if isinstance(d, sympy.Pow) and d.exp.is_Integer and 0 < d.exp <= 8:
        return [d.base] * int(d.exp)
    return [d]


# --- declarations -----------------------------------------------------------------


#: The structure words of a declaration: symmetric, and spd (symmetric positive definite).
STRUCTURES = ("symmetric", "spd")


def parse_shape(text: str, name: str, dims: Dimensions, dimension_symbol) -> tuple:
    """A shape string -> ("scalar", None) or (kind, (rows, cols)), kind "matrix",
    "symmetric" or "spd". Raises ValueError with a message for a malformed one."""
    text = re.sub(r"(?<=\d)x|x(?=\d)", " x ", text)  # 3x3 is 3 x 3
    words = [w for w in re.split(r"\s+|(?<=\w)(?=[×*])|(?<=[×*])(?=\w)", text.strip()) if w]
    structure = None
    if words and words[0] in STRUCTURES:
        structure, words = words[0], words[1:]
    elif words and words[-1] in STRUCTURES:
        structure, words = words[-1], words[:-1]
    symmetric = structure is not None

    def dimension(w):
        if w.isdigit() and int(w) > 0:
            return sympy.Integer(int(w))
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", w) and w not in ("x", "scalar", "vector",
                                                                      "matrix", *STRUCTURES):
            return dimension_symbol(w)
        raise ValueError(f"{w!r} is not a dimension (a positive integer or a name)")

    if words == ["scalar"]:
        if symmetric:
            raise ValueError(f"{name}: a scalar cannot be declared {structure}")
        return "scalar", None
    if words == ["vector"] or (len(words) == 1 and words[0] != "matrix"):
        if symmetric:
            raise ValueError(f"{name}: a vector cannot be declared {structure}")
        shape = (dims.fresh() if words == ["vector"] else dimension(words[0]), sympy.S.One)
    elif words in (["matrix"], []):
        if not words and not symmetric:
            raise ValueError(f"no shape given for {name}")
        n = dims.fresh()
        shape = (n, n) if symmetric else (n, dims.fresh())
    elif len(words) == 3 and words[1] in ("x", "×", "*"):
        shape = (dimension(words[0]), dimension(words[2]))
    else:
        raise ValueError(f"{text.strip()!r} is not a shape; write scalar, vector, matrix, "
                         "n, n x m, symmetric n x n or spd n x n")
    if symmetric and shape[0] != shape[1]:
        raise ValueError(f"the {structure} matrix {name} must be square; got "
                         f"{shape[0]} x {shape[1]}")
    return (structure or "matrix"), shape
