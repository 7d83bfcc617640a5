"""The inverse, the determinant, the adjugate and the pseudo-inverse: A⁻¹, det A,
adj A = det(A) A⁻¹, A⁺.

det(Aᵏ) and log det(Aᵏ) are computed as det(A)ᵏ and k log|det A| (through transposes and
inverses too), never forming the power: det(X⁶⁴) formed loses every digit.
"""

from __future__ import annotations

import numpy as np
import sympy

from ..calculus.differentiation import constant_exponent
from ..code.values import DENSE, DIAG, EYE, MUL, POW, SCALAR, Value, join_sum, power, scale
from ..core.errors import EvaluationError, NotDifferentiableError
from ..core.nodes import Adjugate, PseudoInverse, is_spd_symbol, matadd, matmul, power_of_base
from ..core.registry import CALL, POSTFIX, Operator, ParseEntry, register

# --- inverse ----------------------------------------------------------------------------


def d_inverse(e, d):
    """d(A⁻¹) = −A⁻¹ dA A⁻¹
    Matrix Cookbook (40), (59)."""
    return matmul(sympy.S.NegativeOne, e, d(e.arg), e)


def inverse_value(A, expr):
    """A⁻¹ for the value A of expr; EvaluationError when A is singular (or nearly so)."""
    if np.linalg.cond(A) > 1e14:
        raise EvaluationError(f"{expr} is singular (or nearly so) at the given values")
    return np.linalg.inv(A)


def inverse_transposed_symbol(e):
    """X when e is X⁻ᵀ, (Xᵀ)⁻¹ or (X⁻¹)ᵀ of a matrix symbol X (printed X⁻ᵀ), else None."""
    inner = e.arg
    if isinstance(inner, (sympy.Transpose, sympy.Inverse)) and type(inner) is not type(e) \
            and isinstance(inner.arg, sympy.MatrixSymbol):
        return inner.arg
    return None


def text_postfix(p, e, mark: str) -> str:
    """e's argument with the superscript mark (⁻¹ or ᵀ); X⁻ᵀ for X's inverse transpose."""
    X = inverse_transposed_symbol(e)
    return p.print(X) + "⁻ᵀ" if X is not None else p.base(e.arg) + mark


def latex_postfix(p, e, mark: str) -> str:
    """The same in LaTeX: A^{-1}, A^{\\top}, X^{-\\top}."""
    X = inverse_transposed_symbol(e)
    return f"{p.print(X)}^{{-{p.mark}}}" if X is not None else f"{p.base(e.arg)}^{{{mark}}}"


def lower_inverse(low, e):
    M = low.value(e.arg)
    if M.kind == DIAG:
        return Value(f"1 / {M.wrapped(POW)}", DIAG, tuple(e.shape), MUL)
    if M.kind == EYE:
        return Value(f"1 / {M.wrapped(POW)}", EYE, tuple(e.shape), MUL)
    if is_spd_symbol(e.arg):  # from the Cholesky factorisation f and log det share
        eye = low.b.eye(low.dim(e.shape[0]))
        return low.bind(Value(f"_cho_solve({low.cholesky(e.arg)}, {eye})", DENSE,
                              tuple(e.shape)), _hint(low, "inv", e.arg))
    # U⁻¹ L⁻¹ Pᵀ from the LU factorisation (shared with log det M, Survey.shares_lu)
    low.helpers.add("_lu_inverse")
    return low.bind(Value(f"_lu_inverse({low.lu(e.arg, low.dense(M))})", DENSE,
                          tuple(e.shape)), _hint(low, "inv", e.arg))


def _hint(low, prefix, M) -> str | None:
    return f"{prefix}_{low.names[M]}" if M in low.names else None


def parse_inverse(b, t, where):
    if t.is_scalar:
        return b.typed(None, lambda: 1 / t.build())
    b.square(t, "inverse", where)
    return b.typed(t.shape, lambda: t.build().I)


register(Operator(
    "inverse", (sympy.Inverse,), d=d_inverse, rule="inverse",
    evaluate=lambda e, env: inverse_value(env.ev(e.arg), e.arg),
    text=lambda p, e: text_postfix(p, e, "⁻¹"), latex=lambda p, e: latex_postfix(p, e, "-1"),
    syntax=lambda p, e: p.call("inv", e.arg), lower=lower_inverse,
    transpose=lambda A, ctx: sympy.Inverse(sympy.Transpose(A.arg)),
    parse=(ParseEntry("inv", 1, parse_inverse),), square_argument=True, binds=POSTFIX))


# --- determinant ------------------------------------------------------------------------


def d_determinant(e, d):
    """d det(A) = det(A) tr(A⁻¹ dA);  d det(Aᵏ) = k det(Aᵏ) tr(A⁻¹ dA)
    Matrix Cookbook (42), (58)."""
    A = e.arg
    k = sympy.S.One
    if isinstance(A, sympy.MatPow) and not isinstance(A, sympy.Inverse):
        A, k = A.args
        constant_exponent(k, e, d)
    return k * e * sympy.Trace(matmul(sympy.Inverse(A), d(A)))


def ev_determinant(e, env):
    """det(Aᵏ) = det(A)ᵏ: the power is never formed."""
    A, k = power_of_base(e.arg)
    det = float(np.linalg.det(env.ev(A)))
    if det == 0 and k < 0:
        raise EvaluationError(f"{A} is singular at the given values")
    return det ** k


def log_det(M, env) -> float:
    """log det M from slogdet, log det(Aᵏ) = k log det A: no overflow of det itself."""
    A, k = power_of_base(M)
    sign, log_abs = np.linalg.slogdet(env.ev(A))
    if sign < 0 and k % 2 == 0:
        sign = 1.0  # det(A)ᵏ > 0 for even k
    if sign <= 0:
        raise EvaluationError(f"log of a non-positive determinant in log({sympy.sstr(M)})")
    return float(k * log_abs)


def lower_determinant(low, e):
    base, k = power_of_base(e.arg)
    if base == e.arg:
        return Value(low.b.linalg("det", low.dense(low.value(e.arg)).code), SCALAR)
    det = low.value(sympy.Determinant(base))
    if k == 1:
        return det
    if k == -1:
        return Value(f"1 / {det.wrapped(POW)}", SCALAR, (), MUL)
    return power(det, low.value(sympy.Integer(k)))


def lower_log_det(low, M) -> Value:
    """log det M from slogdet: log|det M| + log(sign) (NaN for a negative determinant);
    for M = Bᵏ (up to transposes): k·log|det B| + log(signᵏ), never forming Bᵏ."""
    base, k = power_of_base(M)
    if is_spd_symbol(base):  # log det Sᵏ = k · 2 Σ log Lᵢᵢ
        return scale(str(k), Value(f"_cho_logdet({low.cholesky(base)})", SCALAR))
    key = ("slogdet", base)
    if key not in low.memo and low.survey.shares_lu(base):  # B⁻¹ is needed too
        low.helpers.add("_lu_slogdet")
        lu = low.lu(base, low.dense(low.value(base)))
        low.memo[key] = low.bind(Value(f"_lu_slogdet({lu})", SCALAR), _hint(low, "slogdet", base))
    if key not in low.memo:  # (sign, log|det B|), computed once and named
        low.memo[key] = low.bind(
            Value(low.b.linalg("slogdet", low.dense(low.value(base)).code), SCALAR),
            _hint(low, "slogdet", base))
    s = low.memo[key]
    magnitude = scale(str(k), Value(f"{s.code}[1]", SCALAR))
    if k % 2 == 0:  # signᵏ = 1
        return magnitude
    return join_sum([magnitude, Value(f"{low.b.xp}.log({s.code}[0])", SCALAR)])


def parse_determinant(b, t, where):
    if t.is_scalar:
        return t
    b.square(t, "determinant", where)
    return b.typed(None, lambda: sympy.Determinant(t.build()))


def parse_log_determinant(b, t, where):
    """logdet(X) = log(det(X))"""
    d = parse_determinant(b, t, where)
    return b.typed(None, lambda: sympy.log(d.build()))


register(Operator(
    "determinant", (sympy.Determinant,), d=d_determinant, rule="Jacobi's formula",
    evaluate=ev_determinant, text=lambda p, e: f"det({p.print(e.arg)})",
    latex=lambda p, e: rf"\det\left({p.print(e.arg)}\right)",
    syntax=lambda p, e: p.call("det", e.arg), lower=lower_determinant,
    parse=(ParseEntry("det", 1, parse_determinant),
           ParseEntry("logdet", 1, parse_log_determinant)),
    square_argument=True, binds=CALL))


# --- adjugate ---------------------------------------------------------------------------


def d_adjugate(e, d):
    """d adj(A) = d(det(A) A⁻¹) = det(A) (tr(A⁻¹ dA) A⁻¹ − A⁻¹ dA A⁻¹)   (A invertible)
    Matrix Cookbook (41), adj(A) = det(A) A⁻¹."""
    A = e.arg
    return d(matmul(sympy.Determinant(A), sympy.Inverse(A)))


def ev_adjugate(e, env):
    A = env.ev(e.arg)
    return np.linalg.det(A) * inverse_value(A, e.arg)


def lower_adjugate(low, e):
    det = low.value(sympy.Determinant(e.arg))
    inv = low.value(sympy.Inverse(e.arg))
    return scale(det.wrapped(MUL), inv)


def parse_adjugate(b, t, where):
    b.matrix(t, "adj", where)
    b.square(t, "adjugate", where)
    return b.typed(t.shape, lambda: Adjugate(t.build()))


register(Operator(
    "adjugate", (Adjugate,), d=d_adjugate, rule="adjugate", evaluate=ev_adjugate,
    text=lambda p, e: f"adj({p.print(e.arg)})",
    latex=lambda p, e: rf"\operatorname{{adj}}\left({p.print(e.arg)}\right)",
    syntax=lambda p, e: p.call("adj", e.arg), lower=lower_adjugate,
    parse=(ParseEntry("adj", 1, parse_adjugate),), square_argument=True, binds=CALL))


# --- pseudo-inverse ---------------------------------------------------------------------


def d_pseudo_inverse(e, d):
    """dA⁺ = −A⁺ dA A⁺ + A⁺ A⁺ᵀ dAᵀ (I − A A⁺) + (I − A⁺ A) dAᵀ A⁺ᵀ A⁺   (A of constant,
    here full, rank)
    Golub & Pereyra (1973), Theorem 4.3."""
    A, P, dA = e.arg, e, d(e.arg)
    m, n = A.shape
    Pt, dAt = sympy.Transpose(P), sympy.Transpose(dA)
    return matadd([matmul(-1, P, dA, P),
                   matmul(P, Pt, dAt, matadd([sympy.Identity(m), matmul(-1, A, P)])),
                   matmul(matadd([sympy.Identity(n), matmul(-1, P, A)]), dAt, Pt, P)])


def ev_pseudo_inverse(e, env):
    """A⁺; EvaluationError unless A has full column or row rank (where A⁺ is differentiable
    and the formula above holds)."""
    A = env.ev(e.arg)
    singular = np.linalg.svd(A, compute_uv=False)
    if singular.size and singular[-1] <= 1e-12 * max(1.0, singular[0]):
        raise NotDifferentiableError(f"{e.arg} has neither full column nor full row rank: its "
                              "pseudo-inverse is not differentiable there")
    return np.linalg.pinv(A)


def parse_pseudo_inverse(b, t, where):
    b.matrix(t, "pinv", where)
    return b.typed((t.shape[1], t.shape[0]), lambda: PseudoInverse(t.build()))


register(Operator(
    "pseudo-inverse", (PseudoInverse,), d=d_pseudo_inverse, rule="pseudo-inverse",
    evaluate=ev_pseudo_inverse,
    text=lambda p, e: p.base(e.arg) + "⁺", latex=lambda p, e: f"{p.base(e.arg)}^{{+}}",
    syntax=lambda p, e: p.call("pinv", e.arg),
    lower=lambda low, e: Value(low.b.linalg("pinv", low.dense(low.value(e.arg)).code),
                               DENSE, tuple(e.shape)),
    transpose=lambda A, ctx: PseudoInverse(sympy.Transpose(A.arg)),
    parse=(ParseEntry("pinv", 1, parse_pseudo_inverse),), binds=POSTFIX))
