"""Values of generated code: a piece of code with its kind, shape and precedence.

Contract: a `Value` is one expression of generated Python; `join_sum`, `join_product`,
`scale` and `power` combine Values into new ones, parenthesising by precedence, and never
change what the code computes. Kinds keep structured matrices cheap: a diagonal is its
1-D diagonal, the scaled identity, ones and zero matrices are their scalar factor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Operator precedence of generated Python, low to high.
ADD, MUL, UNARY, POW, ATOM = 1, 2, 3, 4, 5

# Value kinds: a scalar, a dense array, a diagonal matrix kept as its 1-D diagonal, and the
# scaled identity, ones and zero matrices kept as their scalar factor.
SCALAR, DENSE, DIAG, EYE, ONES, ZERO = "scalar", "dense", "diag", "eye", "ones", "zero"



@dataclass(frozen=True)
class Value:
    """Generated code for one node: its text, its kind and shape (() for scalars), the
    precedence of its outermost operator, and, for Mᵀ, the Value of M."""
    code: str
    kind: str
    shape: tuple = ()
    prec: int = ATOM
    transpose_of: Value | None = None
    column: str | None = None   # for a diagonal read off a column v: the code of v

    def wrapped(self, prec: int) -> str:
        return self.code if self.prec >= prec else f"({self.code})"

    def as_column(self) -> str:
        """A diagonal's vector as an (n, 1) column."""
        return self.column or f"{self.wrapped(ATOM)}[:, None]"


def join_product(values, op: str = "*") -> str:
    """a * b * (c * d): Python's * and @ group to the left, so later operands of the same
    precedence are parenthesised."""
    return f" {op} ".join(v.wrapped(MUL) if i == 0 else v.wrapped(MUL + 1)
                          for i, v in enumerate(values))


def times(a: str, b: str) -> str:
    if a == "1":
        return b
    if b == "1":
        return a
    return f"{a} * {b}"


def scale(c: str, v: Value) -> Value:
    """c · v for a scalar factor given as code."""
    if c == "1":
        return v
    if c in ("-1", "(-1)"):
        return replace(v, code=f"-{v.wrapped(POW)}", prec=UNARY, transpose_of=None, column=None)
    if v.kind in (EYE, ONES):
        return replace(v, code=times(c, v.code), prec=MUL)
    if c.startswith("-") and not c[1:].replace(".", "").isdigit():
        c = f"({c})"
    return replace(v, code=f"{c} * {v.wrapped(MUL + 1)}", prec=MUL, transpose_of=None,
                   column=None)


def scale_by(lowering, coeff, v: Value) -> Value:
    """coeff · v for a SymPy scalar coeff, lowered by `lowering`."""
    if coeff == 1:
        return v
    c = lowering.value(coeff)
    return scale(c.code if c.code == "-1" else c.wrapped(MUL), v)


def power(base: Value, k: Value) -> Value:
    return Value(f"{base.wrapped(POW + 1)} ** {k.wrapped(POW)}", base.kind, base.shape, POW)


def join_sum(parts: list[Value]) -> Value:
    """a + b - c from Values (a leading unary minus becomes subtraction)."""
    if len(parts) == 1:
        return parts[0]
    code = parts[0].wrapped(ADD)
    for p in parts[1:]:
        if p.prec == UNARY and p.code.startswith("-"):
            code += f" - {p.code[1:]}"
        else:
            code += f" + {p.wrapped(ADD + 1) if p.prec == ADD else p.code}"
    return Value(code, parts[0].kind, parts[0].shape, ADD)


def product_code(scalars) -> str:
    if not scalars:
        return "1"
    return " * ".join(s.wrapped(MUL) for s in scalars)


def apply_scalars(out: Value, scalars) -> Value:
    for s in scalars:
        out = scale(s.code if s.code == "-1" else s.wrapped(MUL), out)
    return out


