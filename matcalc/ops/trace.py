"""The trace tr A and the double dot A : B = tr(Aᵀ B), the Frobenius inner product.

A 1 x 1 matrix used as a scalar is its trace, printed without "tr": (xᵀ A x).
"""

from __future__ import annotations

import numpy as np
import sympy

from ..calculus.differentiation import constant_exponent
from ..calculus.pullback import pullback
from ..code.values import DIAG, EYE, ONES, SCALAR, ZERO, Value, join_sum, scale, scale_by
from ..core.nodes import DoubleDot, is_one_by_one, matmul
from ..core.registry import CALL, INFIX, Operator, ParseEntry, refused, register


def d_trace(e, d):
    """d tr(A) = tr(dA);  d tr(Aᵏ) = k tr(Aᵏ⁻¹ dA) for any exponent k (trace cyclicity)
    Matrix Cookbook (36), (121)."""
    A = e.arg
    if isinstance(A, sympy.MatPow) and not isinstance(A, sympy.Inverse):
        B, k = A.args
        constant_exponent(k, e, d)
        return k * sympy.Trace(matmul(sympy.MatPow(B, k - 1).doit(deep=False), d(B)))
    return sympy.Trace(d(A))


def adj_trace(D, H, dX):
    """⟨h, tr L⟩ = ⟨h I, L⟩"""
    L = D.arg
    seed = H if is_one_by_one(L) else matmul(H, sympy.Identity(L.shape[0]))
    return pullback(L, seed, dX)


def _self_contained(p, A) -> bool:
    """A 1 x 1 matrix that prints as one unit (a symbol, d(…), f(…)) needs no parentheses
    to be read as a scalar."""
    return p.binds(A) in ("leaf", "call")


def text_trace(p, e):
    if is_one_by_one(e.arg):  # a 1 x 1 matrix used as a scalar: (xᵀ A x)
        s = p.print(e.arg)
        return s if _self_contained(p, e.arg) else f"({s})"
    return f"tr({p.print(e.arg)})"


def latex_trace(p, e):
    if is_one_by_one(e.arg):
        s = p.print(e.arg)
        return s if _self_contained(p, e.arg) else rf"\left({s}\right)"
    return rf"\operatorname{{tr}}\left({p.print(e.arg)}\right)"


def lower_trace(low, e):
    M = e.arg
    if isinstance(M, sympy.MatAdd):
        return join_sum([low.value(sympy.Trace(t)) for t in M.args])
    if isinstance(M, sympy.MatMul):
        coeff, factors = M.as_coeff_matrices()
        return scale_by(low, coeff, low.chain_contraction(factors, trace=True))
    v = low.value(M)
    if v.kind == DIAG:
        return Value(low.b.call("sum", v.code), SCALAR)
    if v.kind in (EYE, ONES):
        return scale(v.code, Value(low.dim(M.shape[0]), SCALAR))
    if v.kind == ZERO:
        return Value("0.0", SCALAR)
    return Value(low.b.call("trace", v.code), SCALAR)


def parse_trace(b, t, where):
    if t.is_scalar:
        return t
    b.square(t, "trace", where)
    return b.typed(None, lambda: sympy.Trace(t.build()))


register(Operator(
    "trace", (sympy.Trace,), d=d_trace, rule="linearity of the trace", adjoint=adj_trace,
    evaluate=lambda e, env: float(np.trace(env.ev(e.arg))), text=text_trace,
    latex=latex_trace, syntax=lambda p, e: p.call("tr", e.arg), lower=lower_trace,
    parse=(ParseEntry("tr", 1, parse_trace),), square_argument=True, binds=CALL))


# --- double dot (in derivations) --------------------------------------------------------


def d_double_dot(e, d):
    """d(A : B) = dA : B + A : dB"""
    A, B = e.args
    return d(sympy.Trace(matmul(sympy.Transpose(A), B)))


def _sum_wrapped(p, e, left: str, right: str) -> str:
    """A : B binds looser than products: only sums need parentheses."""
    s = p.print(e)
    return f"{left}{s}{right}" if isinstance(e, sympy.MatAdd) else s


def ev_double_dot(e, env):
    """A : B = Σᵢⱼ Aᵢⱼ Bᵢⱼ"""
    return float(np.sum(np.asarray(env.ev(e.args[0])) * np.asarray(env.ev(e.args[1]))))


def lower_double_dot(low, e):
    A, B = (low.dense(low.value(a)) for a in e.args)
    return low.sum_of_products(A, B)


register(Operator(
    "double dot", (DoubleDot,), d=d_double_dot, rule="product rule", evaluate=ev_double_dot,
    text=lambda p, e: " : ".join(_sum_wrapped(p, a, "(", ")") for a in e.args),
    latex=lambda p, e: " : ".join(_sum_wrapped(p, a, r"\left(", r"\right)") for a in e.args),
    syntax=refused("input syntax of the double dot", "write tr(A'*B)"),
    lower=lower_double_dot, binds=INFIX))
