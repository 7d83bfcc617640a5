"""The public derivatives: `differential`, `grad`, `jacobian`, `hessian` — the pipeline.

    f ──differentials──▶ df ──extract──▶ G (or fourth-order terms)
      ──symmetric──▶ projected ──rewrite──▶ compact result

Inputs and outputs are ordinary SymPy expressions (`MatrixSymbol`, `MatMul`, `Inverse`,
`Trace`, …), except fourth-order results, which are `matcalc.fourth_order.FourthOrder`.
Layout: gradients are in denominator layout (G has X's shape, df = tr(Gᵀ dX), as in the
Matrix Cookbook); Jacobians have J_ijkl = ∂F_ij/∂X_kl, so ∂(Ax)/∂x = A; Hessians are the
Jacobians of gradients, H_ijkl = ∂²f/∂X_ij ∂X_kl.

Structured variables: `symmetric` (see matcalc.calculus.symmetric; the default is True for a
`SymmetricMatrixSymbol`) and `diagonal=True` (only the diagonal of X is free: G ∘ I).

Matrix functions: a Fréchet derivative L_f(S, E) at a symmetric S is printed in the
Daleckiĭ–Kreĭn form U (F ∘ (Uᵀ E U)) Uᵀ (`in_daleckii_krein_form`); `hessian`
differentiates the gradient before that form, since U(S) has no differential rule.
"""

from __future__ import annotations

import sympy
from sympy import MatrixExpr, MatrixSymbol, Symbol

from ..core.errors import NotScalarError, VariableError
from ..core.limits import bounded
from ..core.matrix_functions import Frechet, daleckii_krein
from ..core.nodes import (as_scalar, differential_of, is_matrix, is_one_by_one, is_symmetric_symbol,
                          matadd, matmul, normalise, short, sympified)
from ..core.shapes import validate
from ..rewrite.driver import simplify
from . import forward, fourth_order, pullback
from .differentiation import differentiate
from .symmetric import convention, project


def _prepare(f, X, what: str = "f"):
    """(f, X): f sympified, its shapes validated and normalised; X the variable, looked up
    by name among f's symbols when given as a string."""
    f = sympified(f, what)
    X = variable(f, X)
    if not isinstance(X, (MatrixSymbol, Symbol)):
        raise VariableError(
            f"cannot differentiate with respect to {X} ({type(X).__name__}): "
            "the variable must be a MatrixSymbol or a scalar Symbol")
    if isinstance(X, Symbol) and any(
            X in sympy.sympify(d).free_symbols for M in sympy.preorder_traversal(f)
            if isinstance(M, MatrixExpr) for d in M.shape):
        raise VariableError(f"{X} is a dimension of a matrix in {short(str(f))}, not a "
                            "variable")
    for other in f.atoms(MatrixSymbol, Symbol):
        if other.name == X.name and other != X:
            raise VariableError(f"{short(str(f))} contains another symbol named {X.name} "
                                f"({_describe(other)}, the variable is {_describe(X)})")
    validate(f)
    return normalise(f), X


def variable(f, X):
    """X itself, or for a name the symbol of f with that name (VariableError if none)."""
    if not isinstance(X, str):
        return X
    symbols = sorted(f.atoms(MatrixSymbol, Symbol), key=lambda s: s.name)
    found = [s for s in symbols if s.name == X]
    if len(found) == 1:
        return found[0]
    dimensions = {s for M in f.atoms(MatrixSymbol) for d in M.shape for s in d.free_symbols}
    names = ", ".join(s.name for s in symbols if s not in dimensions) or "none"
    if not found:
        raise VariableError(f"the expression has no symbol named {X!r} (its symbols: {names})")
    raise VariableError(f"the expression has {len(found)} symbols named {X!r}; pass the "
                        "symbol itself")


def _describe(s) -> str:
    return " x ".join(map(str, s.shape)) if isinstance(s, MatrixExpr) else "scalar"


def _symmetric_symbols(X, symmetric, diagonal=False):
    return (X,) if symmetric is not False or diagonal else ()


def _structure(X, symmetric, diagonal):
    """The convention for X: False, True or "entries" (see `grad`), and whether X is
    diagonal. `symmetric=None` means True for a SymmetricMatrixSymbol, else False."""
    if symmetric is None:
        symmetric = is_symmetric_symbol(X)
    sym = convention(symmetric, X)
    if diagonal not in (False, True):
        raise VariableError(f"diagonal={diagonal!r}: use False or True")
    if diagonal and (not isinstance(X, MatrixSymbol) or X.shape[0] != X.shape[1]):
        raise VariableError(f"diagonal=True needs a square matrix variable; {X} is "
                            f"{_describe(X)}")
    return sym, bool(diagonal)


@bounded
def differential(f, X):
    """df: the differential of f with respect to X, in the differential symbol dX.

    >>> import sympy
    >>> from matcalc import differential
    >>> X = sympy.MatrixSymbol("X", 3, 3)
    >>> differential(sympy.Trace(X.I), X)
    -Trace(X**(-1)*dX*X**(-1))
    """
    f, X = _prepare(f, X)
    dX = differential_of(X)
    if any(s.name == dX.name for s in f.atoms(MatrixSymbol, Symbol)):
        raise VariableError(f"{f} already uses the name {dX.name}, which the differential "
                            f"of {X.name} would print as; rename that symbol")
    return simplify(differentiate(f, X, dX))


@bounded
def grad(f, X, *, symmetric=None, diagonal=False):
    """The gradient G of a scalar f with respect to X: df = tr(Gᵀ dX), G of X's shape.

    f: a SymPy scalar built from matrix expressions, or a 1 x 1 matrix expression.
    X: a MatrixSymbol (matrix or column vector) or a scalar Symbol.
    symmetric: False; True for X symmetric, giving sym(G) = (G + Gᵀ)/2; or "entries",
        the partial derivatives by the independent entries, G + Gᵀ − I∘G. Default:
        True when X is a SymmetricMatrixSymbol, else False.
    diagonal: True when only the diagonal of X is free: G ∘ I.

    Raises NotScalarError (f is not scalar), VariableError, ShapeError, NoRuleError.

    >>> import sympy
    >>> from matcalc import grad
    >>> n = sympy.Symbol("n")
    >>> X = sympy.MatrixSymbol("X", n, n)
    >>> grad(sympy.Trace(X.I), X)
    -X.T**(-2)
    >>> grad(sympy.log(sympy.Determinant(X)), X, symmetric=True)
    X**(-1)
    """
    f, X = _prepare(f, X)
    sym, diagonal = _structure(X, symmetric, diagonal)
    symmetric_symbols = _symmetric_symbols(X, sym, diagonal)
    return in_daleckii_krein_form(_grad(f, X, sym, diagonal), symmetric_symbols)


def _grad(f, X, sym, diagonal):
    """The gradient as `grad` computes it, before the Daleckiĭ–Kreĭn form (f, X prepared)."""
    if is_matrix(f) and not is_one_by_one(f):
        raise NotScalarError(
            f"grad needs a scalar f; {f} is {f.shape[0]} x {f.shape[1]} (use jacobian)")
    dX = differential_of(X)
    df = differentiate(f, X, dX)
    G = _gradient_of(df, X, dX)
    G = _on_diagonal(G, X) if diagonal else project(G, X, sym)
    return simplify(G, symmetric=_symmetric_symbols(X, sym, diagonal))


def in_daleckii_krein_form(expr, symmetric_symbols=()):
    """expr with each Fréchet derivative L_f(S, E) at a symmetric S (Sᵀ = S given the
    symmetric symbols) written U (F ∘ (Uᵀ E U)) Uᵀ, simplified."""
    def symmetric_point(node):
        return (isinstance(node, Frechet)
                and simplify(sympy.Transpose(node.X), symmetric=symmetric_symbols) == node.X)

    if not isinstance(expr, sympy.Basic) or not expr.has(Frechet):
        return expr
    written = expr.replace(symmetric_point, lambda L: daleckii_krein(L.entry.name, L.X, L.E))
    return expr if written == expr else simplify(written, symmetric=symmetric_symbols)


def _on_diagonal(G, X):
    """G ∘ I: the gradient when only the diagonal of X is free (Matrix Cookbook (142))."""
    return sympy.HadamardProduct(sympy.Identity(X.shape[0]), G)


def _gradient_of(df, X, dX):
    """G with ⟨G, dX⟩ = df (unsimplified)."""
    shape = X.shape if isinstance(X, MatrixSymbol) else None
    return matadd(pullback.pullback(df, sympy.S.One, dX), shape)


@bounded
def jacobian(F, X, *, symmetric=None, diagonal=False):
    """The derivative of a matrix-valued F (p x q) with respect to X (r x s).

    Returns a `FourthOrder` J with J_ijkl = ∂F_ij/∂X_kl, printed in square-product
    notation (−X⁻¹ ⊠ X⁻ᵀ for F = X⁻¹). Special cases: F and X column vectors -> the
    p x r matrix ∂F_i/∂x_k (∂(Ax)/∂x = A); X scalar -> the matrix dF/dt; F scalar -> grad.
    symmetric=True: X is symmetric; J is composed with the symmetric identity, J : 𝕀ₛ;
    "entries": with 2𝕀ₛ − 𝔻 (derivatives by the independent entries). diagonal=True:
    only the diagonal of X is free, J : 𝔻. Defaults as for `grad`.

    >>> import sympy
    >>> from matcalc import jacobian
    >>> X = sympy.MatrixSymbol("X", 3, 3)
    >>> print(jacobian(X.I, X))
    -X⁻¹ ⊠ X⁻ᵀ
    """
    F, X = _prepare(F, X)
    if not is_matrix(F):
        return grad(F, X, symmetric=symmetric, diagonal=diagonal)
    sym, diagonal = _structure(X, symmetric, diagonal)
    dX = differential_of(X)
    symmetric_symbols = _symmetric_symbols(X, sym, diagonal)
    dF = in_daleckii_krein_form(differentiate(F, X, dX), symmetric_symbols)
    terms = forward.linear_terms(dF, dX)

    def tidy(e):
        return simplify(e, symmetric=symmetric_symbols)

    def scalar_gradient(s):
        return tidy(_gradient_of(s, X, dX))

    if isinstance(X, Symbol):
        return tidy(matadd([matmul(scalar_gradient(t.s), t.M) for t in terms], F.shape))
    if F.shape[1] == 1 and X.shape[1] == 1:
        return tidy(matadd([_vector_jacobian(t, scalar_gradient, X.shape[0])
                            for t in terms],
                           (F.shape[0], X.shape[0])))
    J = fourth_order.collect(fourth_order.from_linear_terms(terms, F, X, scalar_gradient))
    J = fourth_order.collect(fourth_order.map_factors(J, tidy))
    if diagonal:
        return fourth_order.project(J, "diagonal")
    if sym:
        return fourth_order.project(J, "symmetric" if sym is True else "entries")
    return J


@bounded
def hessian(f, X, *, symmetric=None, diagonal=False):
    """The Hessian of a scalar f: the Jacobian of its gradient, H_ijkl = ∂²f/∂X_ij ∂X_kl.

    X scalar -> d²f/dt²; X a column vector -> the n x n matrix ∂²f/∂x_i ∂x_k (xᵀ A x ->
    A + Aᵀ); X a matrix -> a `FourthOrder`, evaluated as an (r, s, r, s) array.
    symmetric / diagonal: as for `grad`; the structure acts on both sides (for
    symmetric=True, 𝕀ₛ : H : 𝕀ₛ, the Hessian on the space of symmetric matrices).

    >>> import sympy
    >>> from matcalc import hessian
    >>> x = sympy.MatrixSymbol("x", 3, 1)
    >>> A = sympy.MatrixSymbol("A", 3, 3)
    >>> hessian(x.T * A * x, x)
    A + A.T
    """
    f, X = _prepare(f, X)
    sym, diagonal = _structure(X, symmetric, diagonal)
    if is_matrix(f) and not is_one_by_one(f):
        raise NotScalarError(
            f"hessian needs a scalar f; {f} is {f.shape[0]} x {f.shape[1]}")
    if not isinstance(X, MatrixSymbol) or X.shape[1] == 1:
        return jacobian(_grad(f, X, False, False), X)
    if sym != "entries" and not diagonal:  # G or sym(G): no Hadamard product
        return jacobian(_grad(f, X, sym, False), X, symmetric=sym)
    # 2𝕀ₛ − 𝔻 and 𝔻 act on both sides of the Jacobian of the plain gradient
    structure = "diagonal" if diagonal else "entries"
    J = jacobian(_grad(f, X, False, False), X, symmetric=sym, diagonal=diagonal)
    return fourth_order.project_left(J, structure) if isinstance(J, fourth_order.FourthOrder) else J


def direction_for(f, X):
    """A direction symbol of X's shape for Hessian-vector products: V (v for a vector, or a
    scalar Symbol v for a scalar X), with a suffix where f already uses that name."""
    used = {s.name for s in f.atoms(MatrixSymbol, Symbol)}
    base = "v" if isinstance(X, Symbol) or X.shape[1] == 1 else "V"
    name = next(n for n in [base, *(f"{base}{k}" for k in range(1, len(used) + 2))]
                if n not in used)
    return Symbol(name) if isinstance(X, Symbol) else MatrixSymbol(name, *X.shape)


@bounded
def hvp(f, X, V=None, *, symmetric=None, diagonal=False):
    """The Hessian-vector product H[V] = d(∇f)[V]: the derivative of the gradient along
    the direction V, a matrix of X's shape, without forming the Hessian H.

    V: a MatrixSymbol of X's shape (a Symbol for a scalar X); by default `direction_for`
    (V, or v for a vector). symmetric=True / diagonal=True: V symmetric / diagonal, and
    H[V] is the Hessian on that space applied to V; symmetric="entries" has no directional
    form and is refused.

    >>> import sympy, matcalc
    >>> x = sympy.MatrixSymbol("x", 3, 1)
    >>> A = sympy.MatrixSymbol("A", 3, 3)
    >>> matcalc.text(matcalc.hvp(x.T * A * x, x))
    '(A + Aᵀ) v'
    """
    f, X = _prepare(f, X)
    sym, diagonal = _structure(X, symmetric, diagonal)
    if sym == "entries":
        raise VariableError("a Hessian-vector product by the independent entries "
                            "(symmetric='entries') is no directional derivative; use "
                            "symmetric=True")
    V = direction_for(f, X) if V is None else sympified(V, "the direction V")
    if isinstance(X, Symbol) != isinstance(V, Symbol) or (
            isinstance(X, MatrixSymbol) and tuple(V.shape) != tuple(X.shape)):
        raise VariableError(f"the direction {V} must have the shape of {X}")
    if V.has(X):
        raise VariableError(f"the direction {V} must not depend on {X}")
    G = _grad(f, X, sym, diagonal)
    return simplify(differentiate(G, X, V), symmetric=_symmetric_symbols(X, sym, diagonal))


def _vector_jacobian(term, scalar_gradient, rows):
    """∂F_i/∂x_k of one normal-form term: A dx b -> b A (b 1 x 1), a dxᵀ B -> a Bᵀ,
    m s -> m (∇s)ᵀ."""
    if isinstance(term, forward.DXTerm):
        return matmul(as_scalar(term.B), term.A)
    if isinstance(term, forward.DXTTerm):
        return matmul(term.A, sympy.Transpose(term.B))
    if isinstance(term, forward.MapTerm):  # vec F = F and vec x = x: the Kronecker form
        t = fourth_order.linear_term(term)
        return matmul(t.coeff, t.vec_matrix(rows, 1))
    return matmul(term.M, sympy.Transpose(scalar_gradient(term.s)))
