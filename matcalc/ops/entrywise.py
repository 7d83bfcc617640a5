"""Entrywise operations: scalar functions f(u) and f(A) entry by entry, the Hadamard
product A ∘ B and the Hadamard power A^∘k.

Every function comes from the scalar-function table (matcalc.core.functions): its
derivative, value, domain, code and notation. A SymPy function outside the table is
differentiated and evaluated by SymPy where it can be, and refused where it cannot.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import sympy

from ..calculus.differentiation import depends, product_rule
from ..calculus.forward import linear_terms, through
from ..calculus.pullback import only_linear_factor, pullback
from ..code.values import (ATOM, DENSE, DIAG, EYE, MUL, ONES, SCALAR, ZERO, Value, join_product,
                           power, scale, scale_by, times)
from ..core import functions
from ..core.errors import EvaluationError, NoRuleError, ShapeError
from ..core.nodes import (Elementwise, Vec, hadamard, hadamard_power, is_one_by_one, lift, matadd,
                          matmul)
from ..core.registry import CALL, INFIX, POSTFIX, Operator, ParseEntry, register
from ..core.shapes import describe, differ, refuse_matrix_argument
from .inverse import log_det, lower_log_det

_X = sympy.Dummy("x", real=True)


def derivative_of(function):
    """f′(x) for x = _X: from the scalar-function table, else from SymPy (None when SymPy
    has no closed form)."""
    entry = functions.lookup(function)
    if entry is not None:
        return sympy.sympify(entry.derivative(_X))
    derivative = function(_X).diff(_X)
    if derivative.has(sympy.Derivative, sympy.Subs, sympy.DiracDelta):
        return None
    return derivative


def _name(function) -> str:
    entry = functions.lookup(function)
    return entry.name if entry is not None else getattr(function, "__name__", str(function))


# --- scalar functions -------------------------------------------------------------------


def d_function(e, d):
    """d f(u₁,…,uₘ) = Σᵢ ∂ᵢf(u) duᵢ   (f′ from the function table, else SymPy's fdiff)"""
    if len(e.args) == 1 and functions.lookup(e.func) is not None:
        u = e.args[0]
        return derivative_of(e.func).xreplace({_X: u}) * d(u)
    terms = []
    for i, u in enumerate(e.args, start=1):
        du = d(u)
        if du == 0:
            continue
        partial = e.fdiff(i)
        if partial.has(sympy.Derivative, sympy.Subs):
            raise NoRuleError(f"no differential rule for the function {e.func} (in {e})",
                              construct=f"function {e.func} without a derivative")
        terms.append(partial * du)
    return sympy.Add(*terms)


def _check_domain(entry, value, e, what: str) -> None:
    if entry.domain is not None and not np.all(entry.domain.holds(value)):
        raise EvaluationError(f"{entry.name} of {entry.domain.outside} {what} in {e}")


def ev_function(e, env):
    """Scalar functions: the table's NumPy function where there is one, else SymPy's."""
    if e.func is sympy.log and len(e.args) == 1 and isinstance(e.args[0], sympy.Determinant):
        return log_det(e.args[0].arg, env)
    args = [env.ev(a) for a in e.args]
    if any(isinstance(a, complex) for a in args):
        raise EvaluationError(f"{e} has a complex argument; check the domain (e.g. the square "
                              "root or log of a negative value)")
    entry = functions.lookup(e.func)
    if entry is not None and len(args) == 1:
        _check_domain(entry, args[0], e, f"value ({args[0]:.3g})")
        return float(entry.numpy(args[0]))
    value = e.func(*[sympy.Float(a) for a in args]).evalf()
    if not value.is_number:
        raise NoRuleError(f"no numeric rule for the function {e.func} (in {e})",
                          construct=f"evaluation of {e.func}")
    if not value.is_real:
        raise EvaluationError(f"{e} is complex here ({complex(value):.3g}); check the domain")
    return float(value)


def _argument_text(p, a) -> str:
    """f(…) already brackets its argument: exp(aᵀ X b), not exp((aᵀ X b))."""
    return p.print(a.arg) if isinstance(a, sympy.Trace) and is_one_by_one(a.arg) else p.print(a)


def text_function(p, e):
    entry = functions.lookup(e.func)
    if entry is not None and len(e.args) == 1:
        return entry.text.format(_argument_text(p, e.args[0]))
    if p.has_own_method(e):  # SymPy's own form (Heaviside(x), not Heaviside(x, 1/2))
        return p.sympy_form(e)
    return f"{e.func.__name__}({', '.join(_argument_text(p, a) for a in e.args)})"


def latex_function(p, e):
    entry = functions.lookup(e.func)
    if entry is None or len(e.args) != 1:
        return p.sympy_form(e)
    if entry.latex_scalar:  # e^{(xᵀ A x)}: a superscript keeps the scalar's parentheses
        return entry.latex_scalar.format(p.print(e.args[0]))
    return entry.latex.format(_argument_text(p, e.args[0]))


def syntax_function(p, e):
    entry = functions.lookup(e.func)
    if entry is None or len(e.args) != 1:
        raise NoRuleError(f"no input syntax for the function {e.func} (in {e})",
                          construct=f"input syntax of {e.func}")
    return p.call(entry.name, e.args[0])


def _code_name(low, function, e):
    name = low.b.function(function)
    if name is None:
        raise NoRuleError(f"no code rule for the function {function} (in {e})",
                          construct=f"code for {function}")
    if name in low.b.helpers():
        low.helpers.add(name)
    return name


def lower_function(low, e):
    if e.func is sympy.log and isinstance(e.args[0], sympy.Determinant):
        return lower_log_det(low, e.args[0].arg)
    if len(e.args) != 1:
        raise NoRuleError(f"no code rule for the function {e.func} (in {e})",
                          construct=f"code for {e.func}")
    name = _code_name(low, e.func, e)
    return Value(f"{name}({low.value(e.args[0]).code})", SCALAR)


register(Operator(
    "scalar function", (sympy.Function,), d=d_function, rule="chain rule",
    evaluate=ev_function, text=text_function, latex=latex_function, syntax=syntax_function,
    lower=lower_function, shape=refuse_matrix_argument, binds=CALL))


# --- functions applied entrywise --------------------------------------------------------


def d_elementwise(e, d):
    """d f(A) = f′(A) ∘ dA   (f applied entrywise; f′ from the function table)"""
    derivative = derivative_of(e.function)
    if derivative is None:
        raise NoRuleError(f"no differential rule for {e.function} applied entrywise (in {e}): "
                          f"its derivative is {e.function(_X).diff(_X)}",
                          construct=f"entrywise {e.function} without a derivative")
    return hadamard(lift(derivative, _X, e.arg), d(e.arg))


def ev_elementwise(e, env):
    A = env.ev(e.arg)
    entry = functions.lookup(e.function)
    if entry is None:
        raise NoRuleError(f"no numeric rule for {e.function} applied entrywise (in {e})",
                          construct=f"evaluation of {e.function} entrywise")
    _check_domain(entry, A, e, "entry")
    return entry.numpy(A)


def text_elementwise(p, e):
    """f(A), applied entry by entry (the README states the convention)."""
    entry = functions.lookup(e.function)
    if entry is None:  # a function outside the table prints by its name
        return f"{_name(e.function)}({p.print(e.arg)})"
    return entry.text.format(p.print(e.arg))


def latex_elementwise(p, e):
    entry = functions.lookup(e.function)
    if entry is None:
        return rf"{p.operator_name(_name(e.function))}\left({p.print(e.arg)}\right)"
    return entry.latex.format(p.print(e.arg))


def syntax_elementwise(p, e):
    entry = functions.lookup(e.function)
    if entry is None:
        raise NoRuleError(f"no input syntax for {e.function} applied entrywise (in {e})",
                          construct=f"input syntax of {e.function} entrywise")
    return p.call(entry.name, e.arg)


def lower_elementwise(low, e):
    name = _code_name(low, e.function, e)
    return Value(f"{name}({low.dense(low.value(e.arg)).code})", DENSE, tuple(e.shape))


register(Operator(
    "entrywise function", (Elementwise,), d=d_elementwise, rule="entrywise chain rule",
    evaluate=ev_elementwise, text=text_elementwise, latex=latex_elementwise,
    syntax=syntax_elementwise, lower=lower_elementwise,
    transpose=lambda A, ctx: type(A)(sympy.Transpose(A.arg)), binds=CALL))


# --- Hadamard product -------------------------------------------------------------------


def d_hadamard(e, d):
    """d(A ∘ B) = dA ∘ B + A ∘ dB
    Matrix Cookbook (38)."""
    return product_rule(e.args, d, hadamard, e.shape)


def adj_hadamard(D, H, dX):
    """⟨H, B ∘ L⟩ = ⟨H ∘ B, L⟩
    Since tr(Aᵀ(B ∘ C)) = Σᵢⱼ AᵢⱼBᵢⱼCᵢⱼ = tr((A ∘ B)ᵀ C)."""
    i = only_linear_factor(D.args, dX, D)
    others = D.args[:i] + D.args[i + 1:]
    if isinstance(H, sympy.MatrixExpr):
        seed = hadamard(H, *others)
    else:  # a scalar seed on a 1 x 1 product
        seed = matmul(H, *others)
    return pullback(D.args[i], seed, dX)


def fwd_hadamard(D, dX):
    """b ∘ l = diag(b) l for columns, l diag(b) for rows; G ∘ L: the stage G ∘ · on the
    terms of L"""
    i = only_linear_factor(D.args, dX, D)
    others = D.args[:i] + D.args[i + 1:]
    b = others[0] if len(others) == 1 else sympy.HadamardProduct(*others)
    if D.shape[1] == 1:
        return linear_terms(matmul(sympy.DiagMatrix(b), D.args[i]), dX)
    if D.shape[0] == 1:
        return linear_terms(matmul(D.args[i], sympy.DiagMatrix(b)), dX)
    return through(EntrywiseStage(b), linear_terms(D.args[i], dX))


@dataclass(frozen=True)
class EntrywiseStage:
    """The linear map M ↦ G ∘ M inside a fourth-order term (contract: fourth_order.Stage).
    vec(G ∘ M) = diag(vec G) vec M; ⟨W, G ∘ M⟩ = ⟨W ∘ G, M⟩; (G ∘ M)ᵀ = Gᵀ ∘ Mᵀ."""
    G: sympy.MatrixExpr

    def shape(self, inner_shape):
        return tuple(self.G.shape)

    def apply(self, M):
        return hadamard(self.G, M)

    def pull(self, W, inner_shape):
        return hadamard(W, self.G)

    def matrix(self, inner_shape):
        return sympy.DiagMatrix(Vec(self.G))

    def transposed(self):
        return EntrywiseStage(sympy.Transpose(self.G))

    def merged(self, t):
        """G ∘ (H ∘ L) = (G ∘ H) ∘ L"""
        if isinstance(t.stage, EntrywiseStage):
            return replace(t, stage=EntrywiseStage(hadamard(self.G, t.stage.G)))
        return None

    def factors(self):
        return (self.G,)

    def with_factors(self, factors):
        return EntrywiseStage(factors[0])

    def key(self):
        return (EntrywiseStage,)

    def combine(self, c, other, c_other):
        """c (G ∘ L) + c′ (G′ ∘ L) = g ((c G + c′ G′)/g) ∘ L: (g, the stage), g the greatest
        common divisor of the rational coefficients (2 (A − 2 B) ∘ L, not (2 A − 4 B) ∘ L)"""
        G = matadd([matmul(c, self.G), matmul(c_other, other.G)])
        parts = G.args if isinstance(G, sympy.MatAdd) else (G,)
        coeffs = [part.as_coeff_mmul()[0] if isinstance(part, sympy.MatMul) else sympy.S.One
                  for part in parts]
        if not all(k.is_Rational for k in coeffs):
            return sympy.S.One, EntrywiseStage(G)
        g = sympy.gcd_list(coeffs) * (-1 if all(k < 0 for k in coeffs) else 1)
        return g, EntrywiseStage(matadd([matmul(1 / g, part) for part in parts]))

    def notation(self, p, inner):
        """G ∘ L, and 𝔻(G) = G ∘ (I ⊠ I) (inner None)"""
        if inner is None:
            if isinstance(self.G, sympy.Identity):  # 𝔻(I) = 𝔻
                return p.TENSOR["diagonal"]
            return f"{p.TENSOR['diagonal']}{p.parenthesised(p.print(self.G))}"
        return f"{p.wrap(self.G)} {p.TENSOR['hadamard']} {inner}"

    def index(self, st, entry, i, j, inner):
        """(G ∘ L)_ijkl = G_ij L_ijkl"""
        return f"{entry(self.G, i, j, st)} {inner(i, j)}"

    def evaluate(self, T, ev, dim):
        return ev(self.G)[:, :, None, None] * T

    def lower(self, low, T, inner_shape, rs):
        G = low.dense(low.value(self.G))
        return f"{G.wrapped(ATOM)}[:, :, None, None] * {T}"


def shape_hadamard(e):
    first = e.args[0]
    for other in e.args[1:]:
        if any(differ(a, b) for a, b in zip(first.shape, other.shape, strict=True)):
            raise ShapeError(f"Hadamard product of {describe(first)} and {describe(other)}: "
                             "shapes differ")


def ev_hadamard(e, env):
    out = env.ev(e.args[0])
    for a in e.args[1:]:
        out = out * env.ev(a)
    return out


def lower_hadamard(low, e):
    shape = tuple(e.shape)
    chains = [a for a in e.args if isinstance(a, sympy.MatMul)]
    if any(isinstance(a, sympy.Identity) for a in e.args) and len(e.args) == 2 and chains:
        coeff, factors = chains[0].as_coeff_matrices()  # I ∘ (A B): diag of a product
        return scale_by(low, coeff, low.chain_contraction(factors, trace=False))
    values = [low.value(a) for a in e.args]
    if any(v.kind == ZERO for v in values):
        return Value("0", ZERO, shape)
    factor = "1"
    keep = []
    for v in values:
        if v.kind == ONES:
            factor = times(factor, v.code)
        else:
            keep.append(v)
    if not keep:
        return Value(factor, ONES, shape)
    if any(v.kind in (EYE, DIAG) for v in keep):  # the product is diagonal
        parts = []
        for v in keep:
            if v.kind == EYE:
                factor = times(factor, v.code)
            elif v.kind == DIAG:
                parts.append(v)
            else:
                parts.append(Value(low.b.diagonal(v.code), DENSE))
        if not parts:
            return Value(factor, EYE, shape)
        out = Value(join_product(parts), DIAG, shape, MUL if len(parts) > 1 else parts[0].prec)
        return scale(factor, out) if factor != "1" else out
    out = Value(join_product(keep), DENSE, shape, MUL if len(keep) > 1 else keep[0].prec)
    return scale(factor, out) if factor != "1" else out


register(Operator(
    "Hadamard product", (sympy.HadamardProduct,), d=d_hadamard, rule="Hadamard product rule",
    adjoint=adj_hadamard, forward=fwd_hadamard, evaluate=ev_hadamard,
    text=lambda p, e: " ∘ ".join(p.wrap(a) for a in e.args),
    latex=lambda p, e: r" \odot ".join(p.wrap(a) for a in e.args),
    syntax=lambda p, e: (".*".join(p.wrap(a, p.UNARY) for a in e.args), p.PRODUCT),
    lower=lower_hadamard, shape=shape_hadamard,
    transpose=lambda A, ctx: sympy.HadamardProduct(*[sympy.Transpose(t) for t in A.args]),
    binds=INFIX))


# --- Hadamard power ---------------------------------------------------------------------


def d_hadamard_power(e, d):
    """d(A^∘k) = k A^∘(k−1) ∘ dA;  for k varying, + A^∘k ∘ log(A) dk"""
    A, k = e.base, e.exp
    terms = []
    if depends(A, d):
        terms.append(matmul(k, hadamard(hadamard_power(A, k - 1), d(A))))
    if depends(k, d):
        log_A = lift(sympy.log(_X), _X, A)
        terms.append(matmul(d(k), hadamard(e, log_A)))
    return matadd(terms, e.shape)


def text_hadamard_power(p, e):
    k = e.exp
    power_text = p.print(k) if k.is_Integer and k > 0 else f"({p.print(k)})"
    return f"{p.base(e.base)}^∘{power_text}"


def lower_hadamard_power(low, e):
    v = power(low.dense(low.value(e.base)), low.value(e.exp))
    return Value(v.code, DENSE, tuple(e.shape), v.prec)


def parse_sqrt(b, t, where):
    """sqrt(A) = A^∘½ entrywise, √t for a scalar (SymPy writes both as powers)"""
    return b.entrywise(sympy.sqrt, t, "sqrt", where)


register(Operator(
    "Hadamard power", (sympy.HadamardPower,), d=d_hadamard_power, rule="Hadamard power",
    evaluate=lambda e, env: env.ev(e.base) ** env.ev(e.exp), text=text_hadamard_power,
    latex=lambda p, e: rf"{p.base(e.base)}^{{\circ {p.print(e.exp)}}}",
    syntax=lambda p, e: (f"{p.wrap(e.base, p.POWER)}.^{p.exponent(e.exp)}", p.POWER),
    lower=lower_hadamard_power,
    transpose=lambda A, ctx: sympy.HadamardPower(sympy.Transpose(A.base), A.exp),
    parse=(ParseEntry("sqrt", 1, parse_sqrt),), binds=POSTFIX))
