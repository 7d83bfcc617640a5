"""Matrix functions: expm, logm, sqrtm of a square matrix (matcalc.core.matrix_functions),
and their Fréchet derivatives L_f(X, E).

d f(X) = L_f(X, dX), the Fréchet derivative; its adjoint is the Fréchet derivative at Xᵀ,
⟨H, L_f(X, E)⟩ = ⟨L_f(Xᵀ, H), E⟩ (f has real Taylor coefficients), so ∂ tr f(X)/∂X =
L_f(Xᵀ, I) = f′(X)ᵀ. Values come from SciPy; L_f(X, E) from the block identity
f([[X, E], [0, X]]) = [[f(X), L_f(X, E)], [0, f(X)]] (Higham, Functions of Matrices, 2008,
§3.2); the second, L²_f(X; E, F), from a 4 x 4 block of the same kind (Higham & Relton,
2014), so Hessians go through f too. Third derivatives are refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from ..calculus.differentiation import depends
from ..calculus.forward import linear_terms, through
from ..calculus.pullback import pullback
from ..code.values import DENSE, Value
from ..core.errors import EvaluationError, NoRuleError, NotDifferentiableError
from ..core.matrix_functions import (BY_NAME, MATRIX_FUNCTIONS, NODES, Frechet, Loewner,
                                     MatrixFunction, SecondFrechet, frechet, matrix_function,
                                     second_frechet)
from ..core.nodes import matadd
from ..core.registry import CALL, Operator, ParseEntry, refused, register
from .spectra import symmetric_eigh

# --- values -----------------------------------------------------------------------------


def function_value(entry, A, expr):
    """f(A) by scipy.linalg; EvaluationError where the principal branch is not defined."""
    import scipy.linalg
    if entry.principal:
        eigenvalues = np.linalg.eigvals(A)
        scale = max(1.0, float(np.max(np.abs(eigenvalues))))
        on_axis = (np.abs(eigenvalues.imag) <= 1e-12 * scale) & \
            (eigenvalues.real <= 1e-12 * scale)
        if np.any(on_axis):
            raise EvaluationError(
                f"{entry.name} of {expr}: an eigenvalue ({eigenvalues[on_axis][0].real:.3g}) "
                "lies on the closed negative real axis, where the principal "
                f"{entry.name} is not defined")
    value = getattr(scipy.linalg, entry.scipy)(A)
    if np.iscomplexobj(value):
        if np.max(np.abs(value.imag)) > 1e-8 * max(1.0, float(np.max(np.abs(value.real)))):
            raise EvaluationError(f"{entry.name} of {expr} is not real here")
        value = value.real
    return value


def frechet_value(entry, X, E, expr):
    """L_f(X, E), the top right block of f([[X, E], [0, X]])."""
    n = X.shape[0]
    block = np.block([[X, E], [np.zeros_like(X), X]])
    return function_value(entry, block, expr)[:n, n:]


def second_frechet_value(entry, X, E, F, expr):
    """L²_f(X; E, F), the top right block of f of [[X, E, F, 0], [0, X, 0, F],
    [0, 0, X, E], [0, 0, 0, X]] (Higham & Relton, 2014)."""
    n, Z = X.shape[0], np.zeros_like(X)
    block = np.block([[X, E, F, Z], [Z, X, Z, F], [Z, Z, X, E], [Z, Z, Z, X]])
    return function_value(entry, block, expr)[:n, 3 * n:]


# --- f(X) -------------------------------------------------------------------------------


def d_matrix_function(e, d):
    """d f(X) = L_f(X, dX), the Fréchet derivative
    Higham, Functions of Matrices (2008), §3.1."""
    return frechet(e.entry.name, e.arg, d(e.arg))


def _parse(entry):
    def parse(b, t, where):
        b.matrix(t, entry.name, where)
        b.square(t, entry.name, where)
        return b.typed(t.shape, lambda: matrix_function(entry.name, t.build()))
    return ParseEntry(entry.name, 1, parse)


def function_code(low, entry) -> str:
    """The name of entry's function in the backend's code (a helper it then defines);
    NoRuleError where the backend has none."""
    name = entry.code.get(low.b.name)
    if name is None:
        raise NoRuleError(f"no {low.b.name} code for {entry.name}: {low.b.name} has no "
                          f"{entry.name}; generate NumPy code (SciPy) instead",
                          construct=f"{entry.name} in {low.b.name}")
    if name in low.b.helpers():
        low.helpers.add(name)
    return name


def lower_matrix_function(low, e):
    X = low.dense(low.value(e.arg)).code
    return Value(f"{function_code(low, e.entry)}({X})", DENSE, tuple(e.shape))


register(Operator(
    "matrix function", (MatrixFunction,), d=d_matrix_function, rule="Fréchet derivative",
    evaluate=lambda e, env: function_value(e.entry, env.ev(e.arg), e.arg),
    text=lambda p, e: e.entry.text.format(p.print(e.arg)),
    latex=lambda p, e: e.entry.latex.format(p.print(e.arg)),
    syntax=lambda p, e: p.call(e.entry.name, e.arg), lower=lower_matrix_function,
    transpose=lambda A, ctx: type(A)(sympy.Transpose(A.arg)),
    parse=tuple(_parse(f) for f in MATRIX_FUNCTIONS), square_argument=True, binds=CALL))


# --- L_f(X, E) --------------------------------------------------------------------------


def d_frechet(e, d):
    """d L_f(X, E) = L_f(X, dE) + L²_f(X; E, dX)
    Higham & Relton, SIAM J. Matrix Anal. Appl. 35 (2014)."""
    terms = [frechet(e.entry.name, e.X, d(e.E))]
    if depends(e.X, d):
        terms.append(second_frechet(e.entry.name, e.X, e.E, d(e.X)))
    return matadd(terms, e.shape)


def adj_frechet(D, H, dX):
    """⟨H, L_f(X, E)⟩ = ⟨L_f(Xᵀ, H), E⟩   (f with real Taylor coefficients)
    Higham, Functions of Matrices (2008), Lemma 3.20."""
    return pullback(D.E, frechet(D.entry.name, sympy.Transpose(D.X), H), dX)


def fwd_frechet(D, dX):
    """L_f(X, L): the stage L_f(X, ·) on the terms of L"""
    return through(FrechetStage(D.entry.name, D.X), linear_terms(D.E, dX))


def lower_frechet(low, e):
    low.helpers.add("_frechet")
    name = function_code(low, e.entry)
    X, E = (low.dense(low.value(a)).code for a in (e.X, e.E))
    return Value(f"_frechet({name}, {X}, {E})", DENSE, tuple(e.shape))


register(Operator(
    "Fréchet derivative", (Frechet,), d=d_frechet, rule="Fréchet derivative is linear",
    adjoint=adj_frechet, forward=fwd_frechet,
    evaluate=lambda e, env: frechet_value(e.entry, env.ev(e.X), env.ev(e.E), e),
    text=lambda p, e: f"L_{e.entry.name}({p.print(e.X)}, {p.print(e.E)})",
    latex=lambda p, e: rf"L_{{\operatorname{{{e.entry.name}}}}}\left({p.print(e.X)}, "
                       rf"{p.print(e.E)}\right)",
    syntax=refused("input syntax of a Fréchet derivative", "it is a result, L_f(X, E)"),
    lower=lower_frechet, transpose=lambda A, ctx: A._eval_transpose(), binds=CALL))


# --- L²_f(X; E, F) ----------------------------------------------------------------------


def d_second_frechet(e, d):
    """d L²_f(X; E, F) = L²_f(X; dE, F) + L²_f(X; E, dF) for X constant (a third derivative
    is not written)"""
    name, X, E, F = str(e.args[0]), *e.args[1:]
    if depends(X, d):
        raise NoRuleError(f"no third Fréchet derivative of {name} (in {e}): derivatives "
                          f"of third order through {name} are not written",
                          construct=f"third derivative through {name}")
    return matadd([second_frechet(name, X, d(E), F), second_frechet(name, X, E, d(F))],
                  e.shape)


def _linear_direction(e, dX):
    """(the direction holding dX, the other one); L²_f is symmetric in its directions."""
    E, F = e.args[2:]
    if E.has(dX) and F.has(dX):
        raise NoRuleError(f"no rule for {e} quadratic in {dX}", construct="quadratic term")
    return (E, F) if E.has(dX) else (F, E)


def adj_second_frechet(D, H, dX):
    """⟨H, L²_f(X; K, L)⟩ = ⟨L²_f(Xᵀ; Kᵀ, H), L⟩   (f with real Taylor coefficients)"""
    L, K = _linear_direction(D, dX)
    name, X = str(D.args[0]), D.args[1]
    return pullback(L, second_frechet(name, sympy.Transpose(X), sympy.Transpose(K), H), dX)


def fwd_second_frechet(D, dX):
    """L²_f(X; K, L): the stage L²_f(X; K, ·) on the terms of L"""
    L, K = _linear_direction(D, dX)
    return through(FrechetStage(str(D.args[0]), D.args[1], K), linear_terms(L, dX))


def lower_second_frechet(low, e):
    low.helpers.add("_frechet2")
    name = function_code(low, e.entry)
    X, E, F = (low.dense(low.value(a)).code for a in e.args[1:])
    return Value(f"_frechet2({name}, {X}, {E}, {F})", DENSE, tuple(e.shape))


def text_second_frechet(p, e):
    name, X, E, F = str(e.args[0]), *e.args[1:]
    return f"L²_{name}({p.print(X)}; {p.print(E)}, {p.print(F)})"


def latex_second_frechet(p, e):
    name, X, E, F = str(e.args[0]), *e.args[1:]
    return (rf"L^{{2}}_{{\operatorname{{{name}}}}}\left({p.print(X)}; {p.print(E)}, "
            rf"{p.print(F)}\right)")


register(Operator(
    "second Fréchet derivative", (SecondFrechet,), d=d_second_frechet,
    rule="second Fréchet derivative is bilinear", adjoint=adj_second_frechet,
    forward=fwd_second_frechet,
    evaluate=lambda e, env: second_frechet_value(e.entry, env.ev(e.X), env.ev(e.args[2]),
                                                 env.ev(e.args[3]), e),
    text=text_second_frechet, latex=latex_second_frechet,
    syntax=refused("input syntax of a second Fréchet derivative", "it is a result"),
    lower=lambda low, e: lower_second_frechet(low, e),
    transpose=lambda A, ctx: A._eval_transpose(), binds=CALL))


# --- F_f(S), the Loewner matrix of the Daleckiĭ–Kreĭn form ------------------------------


def loewner_value(e, S):
    """F_ij = f[λᵢ, λⱼ] at the eigenvalues of the symmetric value S (ascending, as U(S));
    EvaluationError where f is not differentiable at an eigenvalue."""
    w = symmetric_eigh(S, e)[0]
    if e.entry.principal and w.size and w[0] <= 1e-12 * max(1.0, float(np.abs(w[-1]))):
        raise NotDifferentiableError(f"F_{e.entry.name} of {e.arg}: an eigenvalue "
                                     f"({w[0]:.3g}) is not positive; {e.entry.name} has no "
                                     "derivative there")
    return e.entry.divided(w[:, None], w[None, :])


def lower_loewner(low, e):
    helper = f"_loewner_{e.entry.name}"
    low.helpers.add(helper)
    S = low.dense(low.value(e.arg)).code
    return Value(f"{helper}({low.b.linalg('eigh', S)}[0])", DENSE, tuple(e.shape))


register(Operator(
    "Loewner matrix", (Loewner,),
    d=refused("differential rule for the Loewner matrix of a Daleckiĭ–Kreĭn form",
              "take second derivatives with hessian(), which keeps L_f(S, E)"),
    rule="Loewner matrix", evaluate=lambda e, env: loewner_value(e, env.ev(e.arg)),
    text=lambda p, e: f"F_{e.entry.name}({p.print(e.arg)})",
    latex=lambda p, e: rf"F_{{\operatorname{{{e.entry.name}}}}}\left({p.print(e.arg)}\right)",
    syntax=refused("input syntax of a Loewner matrix", "it is part of a derivative"),
    lower=lower_loewner, transpose=lambda A, ctx: A, binds=CALL))


# --- the stage L_f(X, ·) of fourth-order results ------------------------------------------


@dataclass(frozen=True)
class FrechetStage:
    """The linear map M ↦ L_f(X, M), or M ↦ L²_f(X; K, M) with a direction K, inside a
    fourth-order term (contract: fourth_order.Stage). Its adjoint is L_f(Xᵀ, ·)
    (L²_f(Xᵀ; Kᵀ, ·)); L_f(X, M)ᵀ = L_f(Xᵀ, Mᵀ). Its matrix on vec has no closed form
    matcalc writes (the Kronecker form is refused by name)."""
    name: str
    X: sympy.MatrixExpr
    K: sympy.MatrixExpr | None = None

    def shape(self, inner_shape):
        return tuple(self.X.shape)

    def apply(self, M):
        if self.K is None:
            return frechet(self.name, self.X, M)
        return second_frechet(self.name, self.X, self.K, M)

    def pull(self, W, inner_shape):
        if self.K is None:
            return frechet(self.name, sympy.Transpose(self.X), W)
        return second_frechet(self.name, sympy.Transpose(self.X), sympy.Transpose(self.K), W)

    def matrix(self, inner_shape):
        raise NoRuleError(f"no Kronecker form of the Fréchet derivative of {self.name} at "
                          f"{self.X}", construct=f"Kronecker form through {self.name}")

    def transposed(self):
        K = None if self.K is None else sympy.Transpose(self.K)
        return FrechetStage(self.name, sympy.Transpose(self.X), K)

    def merged(self, t):
        return None

    def factors(self):
        return (self.X,) if self.K is None else (self.X, self.K)

    def with_factors(self, factors):
        return FrechetStage(self.name, *factors)

    def key(self):
        return (FrechetStage, self.name, self.X, self.K)

    def notation(self, p, inner):
        head = p.TENSOR["frechet" if self.K is None else "second frechet"].format(self.name)
        at = p.print(self.X) if self.K is None else f"{p.print(self.X)}; {p.print(self.K)}"
        head += p.parenthesised(at)
        return head if inner is None else f"{head} : {inner}"

    def index(self, st, entry, i, j, inner):
        raise NoRuleError(f"no index notation for a Jacobian through {self.name}: use the "
                          "⊠ form", construct=f"index notation through {self.name}")

    def evaluate(self, T, ev, dim):
        entry, X = BY_NAME[self.name], ev(self.X)
        K = None if self.K is None else ev(self.K)
        out = np.empty((X.shape[0], X.shape[1], *T.shape[2:]))
        for k in range(T.shape[2]):
            for l in range(T.shape[3]):
                E = T[:, :, k, l]
                out[:, :, k, l] = frechet_value(entry, X, E, self.X) if K is None else \
                    second_frechet_value(entry, X, K, E, self.X)
        return out

    def lower(self, low, T, inner_shape, rs):
        name = function_code(low, BY_NAME[self.name])
        X = low.dense(low.value(self.X)).code
        if self.K is None:
            low.helpers |= {"_frechet", "_frechet_stage"}
            return f"_frechet_stage({name}, {X}, {T})"
        low.helpers |= {"_frechet2", "_frechet2_stage"}
        K = low.dense(low.value(self.K)).code
        return f"_frechet2_stage({name}, {X}, {K}, {T})"


__all__ = ["NODES"]
