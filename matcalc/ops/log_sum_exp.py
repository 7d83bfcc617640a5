"""The log-sum-exp and the softmax over every entry of a matrix (matcalc.core.nodes):
logsumexp(A) = log Σᵢⱼ exp(A_ij) and softmax(A) = exp(A) / Σᵢⱼ exp(A_ij), for a column x
the usual logsumexp(x) and softmax(x).

d logsumexp(A) = tr(softmax(A)ᵀ dA), so ∂ logsumexp(x)/∂x = softmax(x); d softmax(A) =
softmax(A) ∘ dA − tr(softmax(A)ᵀ dA) softmax(A), so ∂ softmax(x)/∂x = diag(s) − s sᵀ.
Values and generated code shift by the largest entry, log Σ exp(A) = m + log Σ exp(A − m):
finite wherever the result is. Generated code also writes log(𝟏ᵀ exp(x)) and
exp(x)/(𝟏ᵀ exp(x)) this way (matcalc.code.numerics).
"""

from __future__ import annotations

import numpy as np
import sympy

from ..code.values import DENSE, SCALAR, Value
from ..core.nodes import LogSumExp, Softmax, matadd, matmul
from ..core.registry import CALL, Operator, ParseEntry, register


def logsumexp_value(A) -> float:
    """log Σ exp(A), shifted by the largest entry"""
    top = float(np.max(A))
    return top + float(np.log(np.sum(np.exp(A - top))))


def softmax_value(A):
    """exp(A − max A) / Σ exp(A − max A)"""
    e = np.exp(A - np.max(A))
    return e / np.sum(e)


def d_logsumexp(e, d):
    """d logsumexp(A) = tr(softmax(A)ᵀ dA)"""
    return sympy.Trace(matmul(sympy.Transpose(Softmax(e.arg)), d(e.arg)))


def d_softmax(e, d):
    """d softmax(A) = softmax(A) ∘ dA − tr(softmax(A)ᵀ dA) softmax(A)"""
    dA = d(e.arg)
    weight = sympy.Trace(matmul(sympy.Transpose(e), dA))
    return matadd([sympy.HadamardProduct(e, dA), matmul(-weight, e)], e.shape)


def _parse(cls, name):
    def parse(b, t, where):
        """logsumexp(c) = c and softmax(c) = 1 for a scalar c (one entry)"""
        if t.is_scalar:
            return t if cls is LogSumExp else b.typed(None, lambda: sympy.S.One)
        shape = None if cls is LogSumExp else t.shape
        return b.typed(shape, lambda: cls(t.build()))
    return ParseEntry(name, 1, parse)


def _lower(helper, kind):
    def lower(low, e):
        low.helpers.add(helper)
        A = low.dense(low.value(e.arg)).code
        return Value(f"{helper}({A})", kind, () if kind == SCALAR else tuple(e.shape))
    return lower


register(Operator(
    "log-sum-exp", (LogSumExp,), d=d_logsumexp, rule="log-sum-exp",
    evaluate=lambda e, env: logsumexp_value(env.ev(e.arg)),
    text=lambda p, e: f"logsumexp({p.print(e.arg)})",
    latex=lambda p, e: rf"\operatorname{{logsumexp}}\left({p.print(e.arg)}\right)",
    syntax=lambda p, e: p.call("logsumexp", e.arg), lower=_lower("_logsumexp", SCALAR),
    parse=(_parse(LogSumExp, "logsumexp"),), binds=CALL))

register(Operator(
    "softmax", (Softmax,), d=d_softmax, rule="softmax",
    evaluate=lambda e, env: softmax_value(env.ev(e.arg)),
    text=lambda p, e: f"softmax({p.print(e.arg)})",
    latex=lambda p, e: rf"\operatorname{{softmax}}\left({p.print(e.arg)}\right)",
    syntax=lambda p, e: p.call("softmax", e.arg), lower=_lower("_softmax", DENSE),
    transpose=lambda A, ctx: Softmax(sympy.Transpose(A.arg)),
    parse=(_parse(Softmax, "softmax"),), binds=CALL))
