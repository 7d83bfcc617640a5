"""Sums, products, powers and the transpose: A + B, A B, c A, uᵃ, Aᵏ, Aᵀ.

Matrix and scalar forms are separate operators (SymPy's MatAdd/Add, MatMul/Mul,
MatPow/Pow), as they print and lower differently. The inverse, a MatPow in SymPy, is in
`matcalc.ops.inverse`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import sympy
from sympy import MatrixExpr
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..calculus.differentiation import constant_exponent, product_rule
from ..calculus.forward import ScalarTerm, linear_terms, through, transposed
from ..calculus.pullback import inner, only_linear_factor, pullback
from ..code.lowering import ordered, small_power
from ..code.values import (ATOM, DENSE, DIAG, EYE, MUL, ONES, POW, SCALAR, ZERO, Value,
                           join_product, join_sum, power, scale)
from ..core.errors import EvaluationError, NoRuleError, ShapeError
from ..core.nodes import MatrixDifferential, Norm, flip_transpose, matadd, matmul, transpose
from ..core.registry import INFIX, POSTFIX, Operator, register
from ..core.shapes import describe, differ, refuse_matrix_argument
from ..numeric.evaluation import real
from .entrywise import EntrywiseStage
from .inverse import d_inverse, inverse_value, latex_postfix, text_postfix

#: Largest |k| for which d(Xᵏ) is written out as a sum of k products.
MAX_EXPANDED_POWER = 64


# --- sums -------------------------------------------------------------------------------


def d_sum(e, d):
    """d(A + B) = dA + dB"""
    return matadd([d(a) for a in e.args], getattr(e, "shape", None))


def adj_sum(D, H, dX):
    """⟨H, L₁ + L₂⟩ = ⟨H, L₁⟩ + ⟨H, L₂⟩"""
    return [g for term in D.args for g in pullback(term, H, dX)]


def fwd_sum(D, dX):
    """L₁ + L₂: the terms of each"""
    return [t for term in D.args for t in linear_terms(term, dX)]


def shape_matrix_sum(e):
    first = e.args[0]
    for other in e.args[1:]:
        if any(differ(a, b) for a, b in zip(first.shape, other.shape, strict=True)):
            raise ShapeError(f"sum of {describe(first)} and {describe(other)}: shapes differ")


def shape_scalar_sum(e):
    if any(isinstance(a, MatrixExpr) for a in e.args):
        M = next(a for a in e.args if isinstance(a, MatrixExpr))
        raise ShapeError(f"sum of a scalar and the matrix {describe(M)}; "
                         f"for a 1 x 1 matrix write Trace({M}) to use it as a scalar")


def latex_matrix_sum(p, e):
    out = ""
    for i, t in enumerate(p.ordered_terms(e.args)):
        s = p.print(t)
        if i and s.startswith("- "):
            out += " - " + s[2:]
        elif i:
            out += " + " + s
        else:
            out = s
    return out


def lower_scalar_sum(low, e):
    return join_sum([low.value(a) for a in ordered(e.args)])


def lower_matrix_sum(low, e):
    terms = [low.value(t) for t in ordered(e.args)]
    terms = [t for t in terms if t.kind != ZERO]
    if not terms:
        return Value("0", ZERO, tuple(e.shape))
    kinds = {t.kind for t in terms}
    if kinds <= {DIAG, EYE}:
        if kinds == {EYE}:
            return Value(join_sum([Value(t.code, SCALAR, (), t.prec) for t in terms]).code,
                         EYE, tuple(e.shape), ATOM)
        return Value(join_sum([Value(t.code, DENSE, t.shape, t.prec) for t in terms]).code,
                     DIAG, tuple(e.shape), 1)
    if kinds == {ONES}:
        total = join_sum([Value(t.code, SCALAR, (), t.prec) for t in terms])
        return Value(f"({total.code})" if total.prec < ATOM else total.code, ONES,
                     tuple(e.shape))
    on_diagonal = [t for t in terms if t.kind in (DIAG, EYE)]
    if on_diagonal and low.b.add_to_diagonal:
        rest = _dense_sum(low, [t for t in terms if t.kind not in (DIAG, EYE)], e.shape)
        if rest.prec < ATOM:  # an operation's result: a fresh array, safe to update
            M = low.bind(rest)
            d = join_sum([Value(t.code, SCALAR if t.kind == EYE else DENSE, (), t.prec)
                          for t in on_diagonal])
            low.lines.append(low.b.add_to_diagonal.format(
                M=M.code, step=f"{low.dim(e.shape[1])} + 1", d=d.code))
            return M
    return _dense_sum(low, terms, e.shape)


def _dense_sum(low, terms, shape) -> Value:
    kinds = {t.kind for t in terms}
    parts = []
    for t in terms:
        if t.kind == ONES and (DENSE in kinds):  # + c·1: broadcasting adds c
            parts.append(Value(t.code, SCALAR, (), t.prec))
        else:
            parts.append(low.dense(t))
    return replace(join_sum(parts), kind=DENSE, shape=tuple(shape))


def transpose_sum(A, ctx):
    """(A + B)ᵀ = Aᵀ + Bᵀ"""
    return matadd([flip_transpose(t) for t in A.args])


register(Operator(
    "matrix sum", (sympy.MatAdd,), d=d_sum, rule="linearity", adjoint=adj_sum,
    forward=fwd_sum, evaluate=lambda e, env: sum(env.ev(a) for a in e.args),
    text=lambda p, e: p.join_terms(e.args), latex=latex_matrix_sum,
    syntax=lambda p, e: (p.terms(e), p.SUM), lower=lower_matrix_sum,
    shape=shape_matrix_sum, transpose=transpose_sum, binds=INFIX))

register(Operator(
    "sum", (sympy.Add,), d=d_sum, rule="linearity", adjoint=adj_sum,
    forward=fwd_sum, evaluate=lambda e, env: sum(env.ev(a) for a in e.args),
    text=lambda p, e: p.sympy_form(e), latex=lambda p, e: p.sympy_form(e),
    syntax=lambda p, e: (p.terms(e), p.SUM), lower=lower_scalar_sum,
    shape=shape_scalar_sum, binds=INFIX))


# --- products ---------------------------------------------------------------------------


def d_product(e, d):
    """d(A B) = dA B + A dB   (product rule; scalar factors included)"""
    return product_rule(e.args, d, matmul, getattr(e, "shape", None))


def adj_matmul(D, H, dX):
    """⟨H, c A L B⟩ = ⟨c Aᵀ H Bᵀ, L⟩;  ⟨H, s M⟩ = ⟨⟨H, M⟩, s⟩ for a scalar s linear in dX"""
    coeff, factors = D.as_coeff_matrices()
    if coeff.has(dX):
        return pullback(coeff, inner(H, matmul(*factors)), dX)
    i = only_linear_factor(factors, dX, D)
    left = [flip_transpose(f) for f in reversed(factors[:i])]
    right = [flip_transpose(f) for f in reversed(factors[i + 1:])]
    return pullback(factors[i], matmul(coeff, *left, H, *right), dX)


def adj_mul(D, H, dX):
    """⟨h, c s⟩ = ⟨c h, s⟩  (scalar product, exactly one factor linear in dX)"""
    i = only_linear_factor(D.args, dX, D)
    rest = sympy.Mul(*(D.args[:i] + D.args[i + 1:]))
    return pullback(D.args[i], matmul(rest, H), dX)


def fwd_matmul(D, dX):
    """c P L Q: the terms of L with P on the left and Q on the right; s M: one ScalarTerm;
    P diag(l) q = P diag(q) l for a column vector q"""
    coeff, factors = D.as_coeff_matrices()
    if coeff.has(dX):
        return [ScalarTerm(matmul(*factors), coeff)]
    i = only_linear_factor(factors, dX, D)
    P, Q = factors[:i], factors[i + 1:]
    if isinstance(factors[i], sympy.DiagMatrix) and Q and matmul(*Q).shape[1] == 1 \
            and factors[i].args[0].shape[1] == 1:
        return linear_terms(matmul(coeff, *P, sympy.DiagMatrix(matmul(*Q)),
                                   factors[i].args[0]), dX)
    if isinstance(factors[i], sympy.DiagMatrix) and factors[i].args[0].shape[1] == 1 \
            and (P or Q):  # diag(l) Q = (l 𝟏ᵀ) ∘ Q,  P diag(l) = P ∘ (𝟏 lᵀ)
        l = factors[i].args[0]
        if Q:
            inner = through(EntrywiseStage(matmul(*Q)),
                            linear_terms(matmul(l, sympy.OneMatrix(1, Q[-1].shape[1])), dX))
            return _sandwiched(inner, coeff, P, [])
        inner = through(EntrywiseStage(matmul(*P)),
                        linear_terms(matmul(sympy.OneMatrix(P[0].shape[0], 1),
                                            sympy.Transpose(l)), dX))
        return _sandwiched(inner, coeff, [], [])
    return _sandwiched(linear_terms(factors[i], dX), coeff, P, Q)


def _sandwiched(terms, coeff, P, Q) -> list:
    """c P (Σ terms) Q as terms."""
    out = []
    for t in terms:
        if isinstance(t, ScalarTerm):
            out.append(ScalarTerm(matmul(coeff, *P, t.M, *Q), t.s))
        else:
            out.append(replace(t, A=matmul(coeff, *P, t.A), B=matmul(t.B, *Q)))
    return out


def shape_matmul(e):
    mats = [a for a in e.args if isinstance(a, MatrixExpr)]
    for left, right in zip(mats, mats[1:], strict=False):
        if differ(left.shape[1], right.shape[0]):
            raise ShapeError(f"product {describe(left)} * {describe(right)}: "
                             f"{left.shape[1]} columns meet {right.shape[0]} rows")


def ev_matmul(e, env):
    coeff, factors = e.as_coeff_matrices()
    mats = [env.ev(f) for f in factors]
    product = mats[0] if len(mats) == 1 else np.linalg.multi_dot(mats)
    return env.ev(coeff) * product


def ev_mul(e, env):
    out = 1.0
    for a in e.args:
        out = out * env.ev(a)
    return out


def _grouped(p, coeff, factors, i) -> str:
    """The i-th factor of a product: a sum in parentheses, and with other factors beside it
    an infix product too ((A ∘ B) C); a product within the product (in a derivation's
    steps) when it prints with a minus and something stands before it, A (-X⁻¹ dX X⁻¹) B,
    det(X) (-X⁻¹ dX X⁻¹)."""
    f = factors[i]
    if isinstance(f, sympy.MatMul):
        grouped = (i > 0 or coeff != 1) and p.is_negative(f)
    else:
        grouped = isinstance(f, sympy.MatAdd) or (len(factors) > 1 and p.binds(f) == INFIX)
    return p.wrap(f) if grouped else p.print(f)


def text_matmul(p, e):
    coeff, factors = e.as_coeff_matrices()
    body = " ".join(_grouped(p, coeff, factors, i) for i in range(len(factors)))
    return p.with_coefficient(coeff, body)


def _is_differential(M) -> bool:
    """dX or dXᵀ."""
    return isinstance(M.arg if isinstance(M, sympy.Transpose) else M, MatrixDifferential)


def latex_matmul(p, e):
    coeff, factors = e.as_coeff_matrices()
    printed = [_grouped(p, coeff, factors, i) for i in range(len(factors))]
    body = printed[0]
    for prev, f, s in zip(factors, factors[1:], printed[1:], strict=False):
        # a thin space sets off a differential (X^{-1} \, dX \, X^{-1}) and delimited
        # factors (A \, \left(B + C\right))
        body = f"{body} \\, {s}" if _is_differential(prev) or _is_differential(f) \
            else p.juxtaposed(body, s)
    return p.with_coefficient(coeff, body)


def syntax_product(p, e):
    if isinstance(e, sympy.MatMul):
        coeff, factors = e.as_coeff_mmul()
        factors = list(factors.args) if isinstance(factors, sympy.MatMul) else [factors]
    else:
        coeff, rest = e.as_coeff_Mul()
        factors = list(rest.args) if isinstance(rest, sympy.Mul) else [rest]
    # -a is a unary minus; -a*b and -1/3*b are products (the minus binds to the first
    # factor only), so as an operand of a product they need parentheses: x.*(-1/3*x)
    if coeff == -1:
        text = "-" + "*".join(p.wrap(f, p.UNARY) for f in factors)
        return text, (p.UNARY if len(factors) == 1 else p.PRODUCT)
    # the coefficient comes first, where a product needs no parentheses (-a*b*X is
    # (-a*b)*X); a later factor does (X.*(-1/3*X))
    parts = ([p.wrap(coeff, p.PRODUCT)] if coeff != 1 else []) + \
        [p.wrap(f, p.UNARY) for f in factors]
    return "*".join(parts), (p.PRODUCT if len(parts) > 1 else p.UNARY)


def lower_mul(low, e):
    coeff, rest = e.as_coeff_Mul()
    factors = [low.value(a) for a in sympy.Mul.make_args(rest)]
    v = Value(join_product(factors), SCALAR, (), MUL if len(factors) > 1 else factors[0].prec)
    return scale(low.value(coeff).code, v) if coeff != 1 else v


def lower_matmul(low, e):
    coeff, factors = e.as_coeff_matrices()
    return low.chain(coeff, list(factors))


def transpose_matmul(A, ctx):
    """(c A B)ᵀ = c Bᵀ Aᵀ"""
    coeff, factors = A.as_coeff_matrices()
    return matmul(coeff, *[flip_transpose(f) for f in reversed(factors)])


register(Operator(
    "matrix product", (sympy.MatMul,), d=d_product, rule="product rule", adjoint=adj_matmul,
    forward=fwd_matmul, evaluate=ev_matmul, text=text_matmul, latex=latex_matmul,
    syntax=syntax_product, lower=lower_matmul, shape=shape_matmul,
    transpose=transpose_matmul, binds=INFIX))

register(Operator(
    "product", (sympy.Mul,), d=d_product, rule="product rule", adjoint=adj_mul,
    evaluate=ev_mul,
    text=lambda p, e: StrPrinter._print_Mul(p, e).replace("*", " "),
    latex=lambda p, e: p.sympy_form(e), syntax=syntax_product, lower=lower_mul,
    binds=INFIX))


# --- powers -----------------------------------------------------------------------------


def d_pow(e, d):
    """d(uᵃ) = a uᵃ⁻¹ du  (a constant);  d(uᵛ) = uᵛ (log(u) dv + v du / u)"""
    u, a = e.args
    du, da = d(u), d(a)
    if da == 0:
        return a * u ** (a - 1) * du
    return e * (sympy.log(u) * da + a * du / u)


def ev_pow(e, env):
    base, exp = env.ev(e.base), env.ev(e.exp)
    if not isinstance(base, complex) and not isinstance(exp, complex):
        if base == 0 and exp < 0:
            raise EvaluationError(f"division by zero in {e}")
        if base < 0 and not float(exp).is_integer():
            return complex(base) ** exp
        return float(base) ** float(exp)
    return complex(base) ** complex(exp)


def text_pow(p, e):
    base, k = e.args
    if abs(k) == sympy.S.Half and p.is_scalar_of_one_by_one(base):  # sqrt(xᵀ x), not sqrt((…))
        root = f"sqrt({p.print(base.arg)})"
        return root if k > 0 else f"1/{root}"
    if k.is_Integer and k > 0:
        return p.parenthesize(base, PRECEDENCE["Pow"]) + p.superscript(k)
    return StrPrinter._print_Pow(p, e).replace("**", "^")


def syntax_power(p, e):
    base, k = e.args
    return f"{p.wrap(base, p.POWER)}^{p.exponent(k)}", p.POWER


def lower_pow(low, e):
    base, k = e.args
    if k.is_even and isinstance(base, Norm):  # ‖M‖² = M : M, no square root
        M = low.dense(low.value(base.arg))
        sq = low.sum_of_products(M, M)
        return sq if k == 2 else power(sq, low.value(k / 2))
    if k == sympy.S.Half:
        return Value(low.b.call("sqrt", low.value(base).code), SCALAR)
    if k == -1:
        return Value(f"1 / {low.value(base).wrapped(POW)}", SCALAR, (), MUL)
    return power(low.value(base), low.value(k))


def latex_pow(p, e):
    base, k = e.args
    if abs(k) == sympy.S.Half and p.is_scalar_of_one_by_one(base):  # \sqrt{x^T x}
        root = rf"\sqrt{{{p.print(base.arg)}}}"
        return root if k > 0 else rf"\frac{{1}}{{{root}}}"
    return p.sympy_form(e)


register(Operator(
    "power", (sympy.Pow,), d=d_pow, rule="power rule", evaluate=ev_pow, text=text_pow,
    latex=latex_pow, syntax=syntax_power, lower=lower_pow,
    shape=refuse_matrix_argument, binds=POSTFIX))


def d_matpow(e, d):
    """d(Aᵏ) = Σᵢ Aⁱ dA Aᵏ⁻¹⁻ⁱ (k > 0);  d(A⁻ᵏ) = Σᵢ A⁻ⁱ d(A⁻¹) A⁻⁽ᵏ⁻¹⁻ⁱ⁾
    The product rule over the k factors of the power; for a 1 x 1 A (xᵀx, built with
    SymPy's sqrt or **) and any constant k, the scalar power rule d(aᵏ) = k aᵏ⁻¹ da."""
    A, k = e.args
    constant_exponent(k, e, d)
    if tuple(A.shape) == (1, 1) and not k.is_Integer:
        return matmul(k * sympy.Trace(A) ** (k - 1), d(A))
    if not k.is_Integer:
        hint = f"; {A}^T is a power because T is declared, {A}' its transpose" \
            if getattr(k, "name", None) == "T" else ""
        raise NoRuleError(f"no differential rule for the power {e} with a non-integer exponent "
                          f"{k} (only tr({e}) and det({e}) have one){hint}",
                          construct="matrix power with a non-integer exponent")
    k = int(k)
    if abs(k) > MAX_EXPANDED_POWER:
        raise NoRuleError(
            f"no differential rule for the power {e}: d(Aᵏ) = Σᵢ Aⁱ dA Aᵏ⁻¹⁻ⁱ has {abs(k)} "
            f"terms, and matcalc writes it out for |k| ≤ {MAX_EXPANDED_POWER} only "
            "(tr(Aᵏ) and det(Aᵏ) have compact rules for every k)",
            construct=f"matrix power, |k| > {MAX_EXPANDED_POWER}")
    base = A if k > 0 else sympy.Inverse(A)
    d_base = d(A) if k > 0 else d_inverse(base, d)
    m = abs(k)
    return matadd([matmul(_power(base, i), d_base, _power(base, m - 1 - i)) for i in range(m)],
                  e.shape)


def _power(B, i):
    if i == 0:
        return sympy.Identity(B.shape[0])
    return B if i == 1 else sympy.MatPow(B, i).doit(deep=False)


def ev_matpow(e, env):
    A = env.ev(e.args[0])
    k = real(env.ev(e.args[1]))
    if k.is_integer():
        k = int(k)
        return np.linalg.matrix_power(inverse_value(A, e.args[0]) if k < 0 else A, abs(k))
    return _fractional_power(A, k, e)


def _fractional_power(A, k, e):
    """Aᵏ = V diag(λᵏ) V⁻¹ for non-integer k: the principal power, real eigenvalues > 0."""
    eigenvalues, V = np.linalg.eig(A)
    if np.any(np.abs(eigenvalues.imag) > 1e-12) or np.any(eigenvalues.real <= 0):
        raise EvaluationError(f"{e}: a non-integer power needs real positive eigenvalues")
    V = V.real
    if np.linalg.cond(V) > 1e12:
        raise EvaluationError(f"{e}: the matrix is not diagonalisable at the given values")
    return (V * eigenvalues.real ** k) @ np.linalg.inv(V)


def text_matpow(p, e):
    A, k = e.args
    power_text = p.superscript(k, p.print(k))
    if isinstance(A, sympy.Transpose) and isinstance(A.arg, sympy.MatrixSymbol):
        return f"({p.print(A.arg)}{power_text})ᵀ"
    return p.base(A) + power_text


def latex_matpow(p, e):
    A, k = e.args
    if isinstance(A, sympy.Transpose) and isinstance(A.arg, sympy.MatrixSymbol):
        return rf"\left({p.print(A.arg)}^{{{p.print(k)}}}\right)^{{{p.mark}}}"
    return f"{p.base(A)}^{{{p.print(k)}}}"


def lower_matpow(low, e):
    M, k = e.args
    if small_power(e):
        return low.chain(sympy.S.One, [e])
    if k.is_Integer:
        base = low.value(sympy.Inverse(M)) if k < 0 else low.dense(low.value(M))
        return Value(low.b.linalg("matrix_power", base.code, str(abs(int(k)))), DENSE,
                     tuple(e.shape))
    low.helpers.add("_power")
    return Value(f"_power({low.dense(low.value(M)).code}, {low.value(k).code})", DENSE,
                 tuple(e.shape))


def transpose_matpow(A, ctx):
    """(Aᵏ)ᵀ = (Aᵀ)ᵏ"""
    return sympy.MatPow(sympy.Transpose(A.args[0]), A.args[1])


register(Operator(
    "matrix power", (sympy.MatPow,), d=d_matpow, rule="matrix power", evaluate=ev_matpow,
    text=text_matpow, latex=latex_matpow, syntax=syntax_power, lower=lower_matpow,
    transpose=transpose_matpow, square_argument=True, binds=POSTFIX))


# --- transpose --------------------------------------------------------------------------


def d_transpose(e, d):
    """d(Aᵀ) = (dA)ᵀ"""
    return sympy.Transpose(d(e.arg))


def adj_transpose(D, H, dX):
    """⟨H, Lᵀ⟩ = ⟨Hᵀ, L⟩"""
    return pullback(D.arg, transpose(H), dX)


def fwd_transpose(D, dX):
    """(A dX B)ᵀ = Bᵀ dXᵀ Aᵀ,  (A dXᵀ B)ᵀ = Bᵀ dX Aᵀ,  (M s)ᵀ = Mᵀ s, … (forward.transposed)"""
    return [transposed(t) for t in linear_terms(D.arg, dX)]


def lower_transpose(low, e):
    v = low.value(e.arg)
    shape = tuple(e.shape)
    if v.kind == DENSE:
        return Value(f"{v.wrapped(ATOM)}.T", DENSE, shape, ATOM, v)
    return replace(v, shape=shape)  # diagonal, I, 1 and 0 need no transposing


register(Operator(
    "transpose", (sympy.Transpose,), d=d_transpose, rule="transpose", adjoint=adj_transpose,
    forward=fwd_transpose, evaluate=lambda e, env: env.ev(e.arg).T,
    text=lambda p, e: text_postfix(p, e, "ᵀ"), latex=lambda p, e: latex_postfix(p, e, p.mark),
    syntax=lambda p, e: (p.wrap(e.arg, p.POWER) + "'", p.POWER),
    lower=lower_transpose, transpose=lambda A, ctx: A.arg, binds=POSTFIX))

