"""Matrix functions: expm, logm, sqrtm of a square matrix (matcalc.core.matrix_functions),
and their Fréchet derivatives L_f(X, E).

d f(X) = L_f(X, dX), the Fréchet derivative; its adjoint is the Fréchet derivative at Xᵀ,
⟨H, L_f(X, E)⟩ = ⟨L_f(Xᵀ, H), E⟩ (f has real Taylor coefficients), so ∂ tr f(X)/∂X =
L_f(Xᵀ, I) = f′(X)ᵀ. Values come from SciPy; L_f(X, E) from the block identity
f([[X, E], [0, X]]) = [[f(X), L_f(X, E)], [0, f(X)]] (Higham, Functions of Matrices, 2008,
§3.2). A Fréchet derivative of a Fréchet derivative (a Hessian through f) is not written
yet and is refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from ..calculus.differentiation import depends
from ..calculus.forward import linear_terms, through
from ..calculus.pullback import pullback
from ..code.values import DENSE, Value
from ..core.errors import EvaluationError, NoRuleError
from ..core.matrix_functions import (BY_NAME, MATRIX_FUNCTIONS, NODES, Frechet, MatrixFunction,
                                     frechet, matrix_function)
from ..core.registry import CALL, Operator, ParseEntry, refused, register

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


def lower_function_call(low, entry, *arguments):
    """The code calling entry's function in the backend; NoRuleError where it has none."""
    name = entry.code.get(low.b.name)
    if name is None:
        raise NoRuleError(f"no {low.b.name} code for {entry.name}: {low.b.name} has no "
                          f"{entry.name}; generate NumPy code (SciPy) instead",
                          construct=f"{entry.name} in {low.b.name}")
    if name in low.b.helpers():
        low.helpers.add(name)
    return f"{name}({', '.join(arguments)})"


def lower_matrix_function(low, e):
    X = low.dense(low.value(e.arg)).code
    return Value(lower_function_call(low, e.entry, X), DENSE, tuple(e.shape))


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
    """d L_f(X, E) = L_f(X, dE) for X constant (the second Fréchet derivative, for X
    varying, is not written yet)"""
    if depends(e.X, d):
        raise NoRuleError(
            f"no second Fréchet derivative of {e.entry.name} (in {e}): Hessians and second "
            f"derivatives through {e.entry.name} are not written yet",
            construct=f"second derivative through {e.entry.name}")
    return frechet(e.entry.name, e.X, d(e.E))


def adj_frechet(D, H, dX):
    """⟨H, L_f(X, E)⟩ = ⟨L_f(Xᵀ, H), E⟩   (f with real Taylor coefficients)
    Higham, Functions of Matrices (2008), Lemma 3.20."""
    return pullback(D.E, frechet(D.entry.name, sympy.Transpose(D.X), H), dX)


def fwd_frechet(D, dX):
    """L_f(X, L): the stage L_f(X, ·) on the terms of L"""
    return through(FrechetStage(D.entry.name, D.X), linear_terms(D.E, dX))


def lower_frechet(low, e):
    low.helpers.add("_frechet")
    name = lower_function_call(low, e.entry, "B").split("(")[0]
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


# --- the stage L_f(X, ·) of fourth-order results ------------------------------------------


@dataclass(frozen=True)
class FrechetStage:
    """The linear map M ↦ L_f(X, M) inside a fourth-order term (contract:
    fourth_order.Stage). Its adjoint is L_f(Xᵀ, ·); L_f(X, M)ᵀ = L_f(Xᵀ, Mᵀ). Its matrix on
    vec has no closed form matcalc writes (the Kronecker form is refused by name)."""
    name: str
    X: sympy.MatrixExpr

    def shape(self, inner_shape):
        return tuple(self.X.shape)

    def apply(self, M):
        return frechet(self.name, self.X, M)

    def pull(self, W, inner_shape):
        return frechet(self.name, sympy.Transpose(self.X), W)

    def matrix(self, inner_shape):
        raise NoRuleError(f"no Kronecker form of the Fréchet derivative of {self.name} at "
                          f"{self.X}", construct=f"Kronecker form through {self.name}")

    def transposed(self):
        return FrechetStage(self.name, sympy.Transpose(self.X))

    def merged(self, t):
        return None

    def factors(self):
        return (self.X,)

    def with_factors(self, factors):
        return FrechetStage(self.name, factors[0])

    def key(self):
        return (FrechetStage, self.name, self.X)

    def notation(self, p, inner):
        head = f"L_{self.name}" if p.TENSOR["square"] == "⊠" else \
            rf"L_{{\operatorname{{{self.name}}}}}"
        X = p.print(self.X)
        return f"{head}{p.parenthesised(X)}" if inner is None else \
            f"{head}{p.parenthesised(X)} : {inner}"

    def index(self, st, entry, i, j, inner):
        raise NoRuleError(f"no index notation for a Jacobian through {self.name}: use the "
                          "⊠ form", construct=f"index notation through {self.name}")

    def evaluate(self, T, ev, dim):
        entry, X = BY_NAME[self.name], ev(self.X)
        out = np.empty((X.shape[0], X.shape[1], *T.shape[2:]))
        for k in range(T.shape[2]):
            for l in range(T.shape[3]):
                out[:, :, k, l] = frechet_value(entry, X, T[:, :, k, l], self.X)
        return out

    def lower(self, low, T, inner_shape, rs):
        low.helpers |= {"_frechet", "_frechet_stage"}
        name = lower_function_call(low, BY_NAME[self.name], "B").split("(")[0]
        X = low.dense(low.value(self.X)).code
        return f"_frechet_stage({name}, {X}, {T})"


__all__ = ["NODES"]
