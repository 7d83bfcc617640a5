"""The typed pass of the parser: a syntax tree -> a SymPy expression, never `eval`.

Contract: `Builder(text, symbols).expression(tree)` types every node of a syntax tree
(matcalc.parser's grammar), unifies the dimensions that products, sums and square-only
operations make equal, names the dimensions left free (n, m, p, …) and builds one SymPy
expression; it raises a `MatcalcError` located at the offending node. Function calls are
the registry's parser entries (matcalc.ops) and the scalar-function table.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping

import sympy
from sympy import MatrixExpr, MatrixSymbol, Symbol

from .core import functions
from .core.errors import MatcalcError, MatcalcSyntaxError, ShapeError
from .core.limits import spend
from .core.nodes import (DoubleDot, SPDMatrixSymbol, SymmetricMatrixSymbol, elementwise,
                         matrix_power)
from .core.registry import CONSTANTS, GREEK, PARSE_ENTRIES
from .dimensions import Dimensions, Typed, Where, parse_shape

#: Names given to dimensions left free, in order.
_DIMENSION_NAMES = ("n", "m", "p", "q", "r", "s", "k", "l", "u", "v", "w")

#: Names read as scalars whatever their first letter: Greek letters and their usual short
#: forms (lambda*norm2(x)^2 has a scalar λ, not a vector). Declarations override this.
SCALAR_NAMES = frozenset({
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "omicron", "rho", "sigma", "tau", "upsilon", "phi", "chi",
    "psi", "omega", "lam", "eps"})

#: Printed forms that are not read back, and why.
NOT_READ_BACK = {
    "vec⁻¹": "vec⁻¹(v) is not read back: the shape it unstacks v into is not written",
    "K": "K_(m,n), the commutation matrix, is not read back; write the transpose it "
         "stands for",
}


def spelled(name: str) -> str:
    """A name with its Greek letter spelled out: λ -> lambda, σ_1 -> sigma_1."""
    return GREEK.get(name[:1], name[:1]) + name[1:] if name else name


_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_FROM_SUBSCRIPT = str.maketrans("₁₂", "12")

#: Bounds on numbers in the text, so that parsing is never a long computation.
MAX_DIGITS, MAX_EXPONENT = 100, 300

class Builder:
    """Pass over the syntax tree: type each node, unify dimensions, then build SymPy."""

    def __init__(self, text: str, symbols: Mapping):
        self.text = text
        self.dims = Dimensions()
        self.declared: dict = {}  # name -> ("scalar" | "matrix" | "symmetric" | "spd", shape)
        self.given: dict = {}  # name -> a user's SymPy symbol
        self.dimension_symbols: dict = {}
        for name, value in symbols.items():
            self._declare_from_mapping(name, value)
        self.from_mapping = set(self.declared)  # inline declarations may refine these
        self.explicit = set(self.declared)  # names declared (not typed by first letter)

    # errors --------------------------------------------------------------------------

    def error(self, message, where, kind=ShapeError):
        """An error located at `where`; a shape error also says how names were typed by
        their first letter, and how to declare one otherwise."""
        line, column = (where.line, where.column) if where is not None else (1, 1)
        assumed = self.assumed()
        if kind is ShapeError and assumed:
            scalars = sorted(n for n, (k, _) in assumed.items() if k == "scalar")
            example = f"{scalars[0]}: vector" if scalars else f"{sorted(assumed)[0]}: scalar"
            message += f" ({self.assumed_text()}; declare a name to type it otherwise, " \
                       f"e.g. '{example};')"
        return kind(message, source=self.text, line=line, column=column)

    def assumed(self) -> dict:
        """The names typed by their first letter (not declared): name -> kind, shape."""
        return {name: typing for name, typing in self.declared.items()
                if name not in self.explicit and name not in self.given}

    def assumed_text(self) -> str:
        """How the names were typed, e.g. "read x as a vector, A as a matrix, λ as a scalar"."""
        kinds = {name: "a scalar" if kind == "scalar" else
                 "a vector" if shape[1] == 1 else "a matrix"
                 for name, (kind, shape) in sorted(self.assumed().items())}
        return "read " + ", ".join(f"{name} as {kind}" for name, kind in kinds.items())

    @staticmethod
    def where(item) -> Where:
        if hasattr(item, "line") and item.line is not None:
            return Where(item.line, item.column)
        meta = item.meta
        return Where(getattr(meta, "line", 1), getattr(meta, "column", 1))

    # declarations --------------------------------------------------------------------

    def dimension_symbol(self, name: str):
        return self.dimension_symbols.setdefault(name, Symbol(name))

    def _declare_from_mapping(self, name, value):
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise MatcalcError(f"declaration: {name!r} is not a name")
        if isinstance(value, (MatrixSymbol, Symbol)):
            if value.name != name:
                raise MatcalcError(f"declaration: {name!r} maps to a symbol named "
                                   f"{value.name!r}")
            self.given[name] = value
            if isinstance(value, MatrixSymbol):
                self.declared[name] = ("matrix", tuple(value.shape))
                for d in value.shape:
                    for s in sympy.sympify(d).free_symbols:
                        self.dimension_symbols.setdefault(s.name, s)
            else:
                self.declared[name] = ("scalar", None)
            return
        if not isinstance(value, str):
            raise MatcalcError(f"declaration: {name} maps to {value!r}; give a MatrixSymbol, "
                               "a Symbol or a shape string such as 'n x n'")
        try:
            self.declared[name] = parse_shape(value, name, self.dims, self.dimension_symbol)
        except ValueError as err:
            raise MatcalcError(f"declaration of {name}: {err}") from None

    def declaration(self, tree):
        *names, shape = tree.children
        shape_text = self.snippet(shape)
        for token in names:
            token = token.update(value=spelled(str(token)))
            if str(token) in self.declared and str(token) not in self.from_mapping:
                raise self.error(f"{token} is declared twice", self.where(token),
                                 MatcalcSyntaxError)
            if token in self.given:
                raise self.error(f"{token} is already given as a SymPy symbol",
                                 self.where(token), MatcalcSyntaxError)
            try:
                self.declared[str(token)] = parse_shape(shape_text, str(token), self.dims,
                                                        self.dimension_symbol)
                self.explicit.add(str(token))
            except ValueError as err:
                raise self.error(str(err), self.where(shape), MatcalcSyntaxError) from None

    # the expression ------------------------------------------------------------------

    def expression(self, tree):
        *declarations, expr = tree.children
        for declaration in declarations:
            self.declaration(declaration)
        result = self.visit(expr)
        self._name_free_dimensions()
        self._check_names()
        try:
            built = result.build()
        except MatcalcError:
            raise
        except Exception as err:  # SymPy refused to build a node (singular, noncommutative…)
            raise self.error(f"cannot build this expression: {err}", None,
                             MatcalcError) from None
        if built.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise self.error("the expression is undefined (it divides by zero)", None,
                             MatcalcSyntaxError)
        return built

    def _check_names(self):
        """A name is a dimension or a variable, not both (n: scalar; A: n x n)."""
        dimensions = {s.name for d in self.dims.free for s in
                      sympy.sympify(self.dims.resolve(d)).free_symbols}
        dimensions |= {s.name for kind, shape in self.declared.values() if shape
                       for d in shape for s in sympy.sympify(self.dims.resolve(d)).free_symbols}
        clash = sorted(dimensions & (set(self.declared) | set(self.given)))
        if clash:
            raise self.error(f"{clash[0]} is both a dimension and a variable; rename one",
                             None, MatcalcSyntaxError)

    def _name_free_dimensions(self):
        """Unknown dimensions left over get readable names: n, m, p, …"""
        taken = {s.name for s in self.dimension_symbols.values()} | set(self.declared) \
            | set(self.given)
        names = (n for n in itertools.chain(_DIMENSION_NAMES,
                                            (f"n{i}" for i in itertools.count(1)))
                 if n not in taken)
        for d in self.dims.free:
            if self.dims.resolve(d) == d:
                self.dims.bound[d] = self.dimension_symbol(next(names))

    def visit(self, tree) -> Typed:
        spend("parsing")
        if not hasattr(tree, "data"):  # a bare token cannot reach here: atoms are rules
            raise self.error(f"unexpected {tree!s}", self.where(tree), MatcalcSyntaxError)
        return getattr(self, "on_" + tree.data)(tree)

    def shape_text(self, t: Typed) -> str:
        if t.shape is None:
            return "scalar"
        r, c = (self.dims.resolve(d) for d in t.shape)
        return f"{self._dim_text(r)} x {self._dim_text(c)}"

    def _dim_text(self, d) -> str:
        return "?" if d in self.dims.is_free or d.free_symbols & self.dims.is_free else str(d)

    def is_one_by_one(self, t: Typed) -> bool:
        return t.shape is not None and all(self.dims.is_one(d) for d in t.shape)

    def scalar(self, t: Typed, what: str, where) -> Typed:
        """t used as a scalar: itself, or tr(M) for a 1 x 1 matrix M."""
        if t.is_scalar:
            return t
        if self.is_one_by_one(t):
            return Typed(None, lambda: _as_scalar(t.build()))
        raise self.error(f"{what} needs a scalar; got a {self.shape_text(t)} matrix", where)

    def square(self, t: Typed, what: str, where):
        r, c = (self.dims.resolve(d) for d in t.shape)
        if (r == 1) != (c == 1) and (r in self.dims.is_free or c in self.dims.is_free):
            raise self.error(f"{what} of a {self.shape_text(t)} vector", where)
        if not self.dims.unify(*t.shape):
            raise self.error(f"{what} of a non-square {self.shape_text(t)} matrix", where)

    # leaves ---------------------------------------------------------------------------

    def on_number(self, tree):
        token = tree.children[0]
        mantissa, _, exponent = str(token).lower().partition("e")
        if len(mantissa) > MAX_DIGITS or (exponent and abs(int(exponent)) > MAX_EXPONENT):
            raise self.error(f"number {str(token)[:20]}… out of range (at most {MAX_DIGITS} "
                             f"digits, exponents within ±{MAX_EXPONENT})", self.where(token),
                             MatcalcSyntaxError)
        value = sympy.Rational(str(token)) if any(c in token for c in ".eE") \
            else sympy.Integer(str(token))
        return Typed(None, lambda: value)

    def on_name(self, tree):
        token = tree.children[0]
        name = spelled(str(token))
        if name not in self.declared and name not in self.given:
            if name in CONSTANTS:
                value = CONSTANTS[name]
                return Typed(None, lambda: value)
        entry = PARSE_ENTRIES.get(name)
        if entry is not None and entry.arity is None and (name in self.declared
                                                          or name in self.given):
            entry = None  # a declared I is a matrix named I
        if entry is not None and entry.arity is None:  # a name such as eye or I
            return entry.build(self, where=self.where(token))
        if entry is not None or functions.by_name(name) is not None:
            raise self.error(f"{name} is a function; write {name}(…)", self.where(token),
                             MatcalcSyntaxError)
        return self.symbol(name)

    def symbol(self, name: str) -> Typed:
        if name not in self.explicit and name in self.dimension_symbols:
            d = self.dimension_symbols[name]  # a declared dimension used as a number
            return Typed(None, lambda: d)
        if name not in self.declared:  # typed by its name (its first letter)
            first = name[0]
            if "a" <= first <= "g" or name in SCALAR_NAMES:
                self.declared[name] = ("scalar", None)
            elif first.islower():
                self.declared[name] = ("matrix", (self.dims.fresh(), sympy.S.One))
            else:
                self.declared[name] = ("matrix", (self.dims.fresh(), self.dims.fresh()))
        kind, shape = self.declared[name]
        declared = name in self.explicit
        if name in self.given:
            given = self.given[name]
            return Typed(shape, lambda: given, declared=declared)
        if kind == "scalar":
            return Typed(None, lambda: Symbol(name))

        def build():  # the kind as it is at the end (see `symmetric`)
            cls = {"symmetric": SymmetricMatrixSymbol, "spd": SPDMatrixSymbol}.get(
                self.declared[name][0], MatrixSymbol)
            return cls(name, *(self.dims.resolve(d) for d in shape))
        return Typed(shape, build, declared=declared, name=name)

    def symmetric(self, t: Typed):
        """An argument that must be symmetric (eigmax(S)): a name typed by its first letter
        is read as a symmetric matrix."""
        if t.name and t.name in self.assumed():
            self.declared[t.name] = ("symmetric", self.declared[t.name][1])

    # operators ------------------------------------------------------------------------

    def operands(self, tree):
        left, op, right = tree.children
        return self.visit(left), self.where(op), self.visit(right)

    def on_add(self, tree):
        """A chain a ± b ± c …, read in a loop: the syntax tree of 10,000 terms is 10,000
        deep, and the sum is built by one MatAdd or Add, not 10,000 nested ones."""
        chain = []
        while getattr(tree, "data", None) in ("add", "sub"):
            chain.append(tree)
            tree = tree.children[0]
        first = self.visit(tree)
        terms, shape = [(1, first)], first.shape
        for node in reversed(chain):
            _, op, right = node.children
            L, where, R = Typed(shape, None), self.where(op), self.visit(right)  # type only
            sign, what = (1, "sum") if node.data == "add" else (-1, "difference")
            if L.is_scalar != R.is_scalar or (self.is_one_by_one(L) != self.is_one_by_one(R)
                                              and not self.same_shape_possible(L, R)):
                if not L.is_scalar:  # the terms so far are 1 x 1: each becomes a scalar
                    self.scalar(L, what, where)
                    terms = [(s, self.scalar(t, what, where)) for s, t in terms]
                R, shape = self.scalar(R, what, where), None
            elif not L.is_scalar:
                if not (self.dims.unify(L.shape[0], R.shape[0])
                        and self.dims.unify(L.shape[1], R.shape[1])):
                    raise self.error(f"{what} of {self.snippet(node.children[0])} "
                                     f"({self.shape_text(L)}) and {self.snippet(right)} "
                                     f"({self.shape_text(R)}): shapes differ", where)
            terms.append((sign, R))
        return Typed(shape, lambda: _sum([t.build() if s == 1 else -t.build()
                                          for s, t in terms]))

    on_sub = on_add

    def on_neg(self, tree):
        t = self.visit(tree.children[1])
        return Typed(t.shape, lambda: -t.build())

    def on_pos(self, tree):
        return self.visit(tree.children[1])

    _PRODUCTS = ("mul", "juxtaposed", "div", "hadamard", "hadamard_div", "kron")

    def on_product(self, tree):
        """A chain a * b / c .* d …, read in a loop, left to right as the grammar groups
        it: a product of 500 factors is 500 levels of the syntax tree, not of Python's
        stack."""
        chain = []
        while getattr(tree, "data", None) in self._PRODUCTS:
            chain.append(tree)
            tree = tree.children[0]
        L = self.visit(tree)
        for node in reversed(chain):
            right = node.children[-1]
            where = self.where(node.children[1])  # the operator, or a juxtaposed factor
            L = getattr(self, "_" + node.data)(L, where, self.visit(right), node)
        return L

    on_mul = on_juxtaposed = on_div = on_hadamard = on_hadamard_div = on_kron = on_product

    def _mul(self, L, where, R, tree):
        if L.is_scalar and R.is_scalar:
            return Typed(None, lambda: L.build() * R.build())
        if L.is_scalar or R.is_scalar:  # c A B is one product, as it prints: c (A + B) C
            return self._chain(L.shape or R.shape, L, R)  # is not distributed
        inner = (self.dims.resolve(L.shape[1]), self.dims.resolve(R.shape[0]))
        declared_one = any(t.declared and self.is_one_by_one(t) for t in (L, R))
        if inner[0] != inner[1] and (self.is_one_by_one(L) or self.is_one_by_one(R)) and \
                not (declared_one and self.dims.unify(*inner, may_be_one=True, dry=True)):
            # (x'y) A and A (x'y): a 1 x 1 factor whose neighbour does not already fit it is
            # a scalar, as on matrixcalculus.org
            L, R = (self.scalar(t, "product", where) if self.is_one_by_one(t) else t
                    for t in (L, R))
            return Typed(L.shape or R.shape, lambda: L.build() * R.build())
        if self.dims.unify(L.shape[1], R.shape[0], may_be_one=declared_one):
            return self._chain((L.shape[0], R.shape[1]), L, R)
        left, right = tree.children[0], tree.children[-1]
        raise self.error(f"product {self.snippet(left)} ({self.shape_text(L)}) times "
                         f"{self.snippet(right)} ({self.shape_text(R)}): columns and rows "
                         "differ", where)

    _juxtaposed = _mul  # A B, as matcalc prints a product

    def _kron(self, L, where, R, tree):
        return PARSE_ENTRIES["kron"].build(self, L, R, where=where)

    @staticmethod
    def _chain(shape, L, R) -> Typed:
        """L R as one product of all their factors (scalars among them)."""
        factors = (L.factors or (L,)) + (R.factors or (R,))
        return Typed(shape, lambda: sympy.MatMul(*[t.build() for t in factors]).doit(),
                     factors)

    def _div(self, L, where, R, tree):
        if not R.is_scalar and not self.is_one_by_one(R):
            raise self.error(f"division by a {self.shape_text(R)} matrix; write inv(…) or "
                             "./ for the entrywise quotient", where)
        R = self.scalar(R, "division", where)
        self.nonzero(R, tree.children[-1], where)
        if L.is_scalar:
            return Typed(None, lambda: L.build() / R.build())
        return Typed(L.shape, lambda: (1 / R.build()) * L.build())

    def nonzero(self, t: Typed, tree, where):
        """Division by a literal zero is an error, not zoo."""
        if t.is_scalar:
            value = t.build()
            if value.is_zero:
                raise self.error(f"division by zero ({self.snippet(tree)})", where,
                                 MatcalcSyntaxError)

    def same_shape_possible(self, L, R) -> bool:
        """True when two matrices can have one shape (a contextual size may be 1)."""
        return all(self.dims.unify(a, b, dry=True) for a, b in zip(L.shape, R.shape,
                                                                    strict=True))

    def same_shape(self, L, R, what, where):
        if not (self.dims.unify(L.shape[0], R.shape[0])
                and self.dims.unify(L.shape[1], R.shape[1])):
            raise self.error(f"{what} of a {self.shape_text(L)} and a "
                             f"{self.shape_text(R)} matrix: shapes differ", where)

    def snippet(self, tree) -> str:
        """The source text of a syntax-tree node (shortened)."""
        meta = getattr(tree, "meta", tree)
        start, end = getattr(meta, "start_pos", None), getattr(meta, "end_pos", None)
        if start is None or end is None:
            return "?"
        s = self.text[start:end]
        return s if len(s) <= 30 else s[:27] + "..."

    def scalars_of_one_by_one(self, L, R, where):
        """(x'x) .* A: a 1 x 1 beside a larger matrix acts as a scalar."""
        if not (L.is_scalar or R.is_scalar) and self.is_one_by_one(L) != self.is_one_by_one(R):
            return tuple(self.scalar(t, "entrywise operation", where)
                         if self.is_one_by_one(t) else t for t in (L, R))
        return L, R

    def _hadamard(self, L, where, R, tree):
        L, R = self.scalars_of_one_by_one(L, R, where)
        if L.is_scalar or R.is_scalar:
            return Typed(L.shape or R.shape, lambda: L.build() * R.build())
        self.same_shape(L, R, "entrywise product", where)
        return Typed(L.shape, lambda: sympy.HadamardProduct(L.build(), R.build()))

    def _hadamard_div(self, L, where, R, tree):
        L, R = self.scalars_of_one_by_one(L, R, where)
        if R.is_scalar:
            self.nonzero(R, tree.children[-1], where)
            return Typed(L.shape, lambda: (1 / R.build()) * L.build())
        if L.is_scalar:
            return Typed(R.shape, lambda: L.build() * sympy.HadamardPower(R.build(), -1))
        self.same_shape(L, R, "entrywise quotient", where)
        return Typed(L.shape, lambda: sympy.HadamardProduct(
            L.build(), sympy.HadamardPower(R.build(), -1)))

    def on_pow(self, tree):
        """A ^ k, and A² or A⁻¹ (the exponent a superscript token)."""
        base, op, *exponent = tree.children
        if getattr(base, "data", None) == "name" and str(base.children[0]) == "vec":
            raise self.error(NOT_READ_BACK["vec⁻¹"], self.where(base), MatcalcSyntaxError)
        if not exponent:  # a superscript: ⁻¹², read as the integer -12
            digits = str(op).translate(_FROM_SUPERSCRIPT)
            return self.power(self.visit(base), self.where(op), Typed(
                None, lambda: sympy.Integer(digits)))
        exponent = exponent[0]
        if self._is_transpose_mark(exponent):  # X^T, as papers write Xᵀ
            return self.on_transpose(tree)
        if getattr(exponent, "data", None) == "neg" and \
                self._is_transpose_mark(exponent.children[1]):  # X^-T = (X⁻¹)ᵀ
            return self.on_inverse_transpose(tree)
        L, where, R = self.operands(tree)
        return self.power(L, where, R)

    def power(self, L: Typed, where, R: Typed) -> Typed:
        k = self.scalar(R, "an exponent", where)
        if L.is_scalar or self.is_one_by_one(L):
            base = self.scalar(L, "power", where)
            self.bounded_power(base, k, where)
            return Typed(None, lambda: base.build() ** k.build())
        self.square(L, "matrix power", where)
        return Typed(L.shape, lambda: matrix_power(L.build(), k.build()))

    def on_inverse_transpose(self, tree):
        """X⁻ᵀ (also X^-T) = (X⁻¹)ᵀ."""
        t, where = self.visit(tree.children[0]), self.where(tree.children[1])
        self.matrix(t, "X⁻ᵀ", where)
        self.square(t, "inverse", where)
        return Typed(t.shape, lambda: t.build().I.T)

    def on_pseudo_inverse(self, tree):
        """X⁺ = pinv(X), as the text printer writes it."""
        t, where = self.visit(tree.children[0]), self.where(tree.children[1])
        return PARSE_ENTRIES["pinv"].build(self, t, where=where)

    def _is_transpose_mark(self, exponent) -> bool:
        """True for the exponent T of X^T when T names nothing declared or given."""
        return getattr(exponent, "data", None) == "name" and \
            str(exponent.children[0]) == "T" and "T" not in self.declared and \
            "T" not in self.given

    def bounded_power(self, base: Typed, k: Typed, where):
        """A numeric power too large to write out (9^9^9) is an error, not a long wait."""
        b, e = base.build(), k.build()
        if b.is_Number and e.is_Number:
            if b.is_zero and e.is_negative:
                raise self.error("division by zero (0 to a negative power)", where,
                                 MatcalcSyntaxError)
            size = abs(float(e)) * abs(float(sympy.log(abs(b), 10))) if b.is_nonzero else 0
            if size > MAX_EXPONENT:
                raise self.error(f"the number {b}^{e} is out of range", where,
                                 MatcalcSyntaxError)

    def on_hadamard_pow(self, tree):
        L, where, R = self.operands(tree)
        k = self.scalar(R, "an exponent", where)
        if L.is_scalar:
            return Typed(None, lambda: L.build() ** k.build())
        return Typed(L.shape, lambda: sympy.HadamardPower(L.build(), k.build()))

    def on_transpose(self, tree):
        t = self.visit(tree.children[0])
        if t.is_scalar:
            return t
        return Typed((t.shape[1], t.shape[0]), lambda: t.build().T, declared=t.declared)

    # calls ------------------------------------------------------------------------------

    def on_call(self, tree):
        token, *arguments = tree.children
        name, where = spelled(str(token)), self.where(token)
        if name == "K_":
            raise self.error(NOT_READ_BACK["K"], where, MatcalcSyntaxError)
        args = [self.visit(a) for a in arguments]
        function = functions.by_name(name) or functions.by_text(str(token))
        if function is not None:
            self.arity(name, args, 1, where)
            return self.entrywise(function.sympy, args[0], name, where)
        entry = PARSE_ENTRIES.get(name)
        if entry is not None and entry.arity is not None:
            self.arity(name, args, entry.arity, where)
            return entry.build(self, *args, where=where)
        if name in self.declared or name in self.given or entry is not None or len(name) == 1:
            raise self.error(f"{name} is not a function; write {name}*(…) for a product",
                             where, MatcalcSyntaxError)
        known = ", ".join(sorted({n for n, e in PARSE_ENTRIES.items() if e.arity is not None}
                                 | functions.names()))
        raise self.error(f"unknown function {name}; known: {known}", where,
                         MatcalcSyntaxError)

    # the printed notation: 𝟏, |a|, ‖x‖₂, A : B --------------------------------------------

    def on_ones(self, tree):
        """𝟏, a column of ones as long as the context needs (𝟏 𝟏ᵀ is a matrix of ones)."""
        one = Typed(None, lambda: sympy.S.One)
        return PARSE_ENTRIES["vector"].build(self, one, where=self.where(tree.children[0]))

    def on_absolute(self, tree):
        """|a|: the absolute value, of each entry of a matrix."""
        where = self.where(tree.children[0])
        return self.entrywise(functions.by_name("abs").sympy, self.visit(tree.children[1]),
                              "|…|", where)

    def on_norm(self, tree):
        """‖x‖₂ and ‖x‖ (Euclidean), ‖X‖_F (Frobenius), ‖x‖₁ (the sum of |xᵢ|)."""
        bar, argument, _, *index = tree.children
        where, t = self.where(bar), self.visit(argument)
        index = str(index[0]).translate(_FROM_SUBSCRIPT).lstrip("_") if index else ""
        if index == "1":
            return PARSE_ENTRIES["norm1"].build(self, t, where=where)
        if index != "F" and not t.is_scalar and not any(
                self.dims.resolve(d) == 1 for d in t.shape):
            which = "‖X‖₂, the spectral norm," if index else "‖X‖ of a matrix"
            raise self.error(f"{which} is not one matcalc reads; write ‖X‖_F for the "
                             "Frobenius norm", where, MatcalcSyntaxError)
        return PARSE_ENTRIES["norm2"].build(self, t, where=where)

    def on_double_dot(self, tree):
        """A : B = tr(Aᵀ B), the Frobenius inner product of two matrices of one shape."""
        L, where, R = self.operands(tree)
        if L.is_scalar or R.is_scalar:
            raise self.error("a double dot A : B of a scalar (a declaration before the "
                             "expression ends with ';', as in 'X: n x n; tr(X)')", where,
                             MatcalcSyntaxError)
        self.same_shape(L, R, "double dot", where)
        return Typed(None, lambda: DoubleDot(L.build(), R.build()))

    def arity(self, name, args, arity, where):
        if len(args) != arity:
            raise self.error(f"{name} takes {arity} argument{'s' if arity > 1 else ''}, "
                             f"got {len(args)}", where, MatcalcSyntaxError)

    def entrywise(self, function, t, name, where):
        if t.is_scalar or self.is_one_by_one(t):
            s = self.scalar(t, name, where)
            return Typed(None, lambda: function(s.build()))
        return Typed(t.shape, lambda: elementwise(function, t.build()))

    def typed(self, shape, build, **facts) -> Typed:
        """A parsed value of `shape` (None for a scalar), built later by build()."""
        return Typed(shape, build, **facts)

    def matrix(self, t, what, where):
        if t.is_scalar:
            raise self.error(f"{what} needs a matrix or vector; got a scalar", where)



def _as_scalar(M):
    """A 1 x 1 matrix as a scalar: tr(M), a sum of traces for a sum (SymPy's Abs and sign
    negate their argument, and -tr(A + B) would not build)."""
    if not isinstance(M, MatrixExpr):
        return M
    if isinstance(M, sympy.MatAdd):
        return sympy.Add(*[_as_scalar(t) for t in M.args])
    return sympy.Trace(M)


def _sum(terms):
    if isinstance(terms[0], MatrixExpr):
        return sympy.MatAdd(*terms).doit(deep=False)
    return sympy.Add(*terms)

