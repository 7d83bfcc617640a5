"""Gradients with respect to a symmetric matrix: two conventions, both stated.

Contract: given the gradient G of f as a function of a general square X (df = ⟨G, dX⟩),
return the gradient for symmetric X in the chosen convention; shape and symbols unchanged.

- `symmetric=True` -> sym(G) = (G + Gᵀ)/2: the gradient on the space of symmetric
  matrices with the Frobenius inner product, so df = ⟨sym(G), dX⟩ for every symmetric dX
  (Srinivasan & Panda, "What is the gradient of a scalar function of a symmetric
  matrix?", 2019/2023; the convention PyTorch uses). Use it for gradient descent on X.
- `symmetric="entries"` -> G + Gᵀ − I∘G: the partial derivatives with respect to the
  n(n+1)/2 independent entries X_kl, k ≤ l (Matrix Cookbook §2.8.2; equals D_nᵀ vec G with
  the duplication matrix). Use it when f is parametrised by those entries.
"""

from __future__ import annotations

import sympy

from ..core.errors import VariableError
from ..core.nodes import matadd, matmul


def convention(symmetric, X):
    """`symmetric` as False, True or "entries"; VariableError if unknown or unusable with X."""
    if isinstance(symmetric, str) and symmetric == "entries":
        value = "entries"
    elif symmetric in (False, True) and not isinstance(symmetric, str):
        value = bool(symmetric)
    else:
        raise VariableError(
            f"symmetric={symmetric!r}: use False, True (sym(G) = (G + Gᵀ)/2) or 'entries'")
    if value is not False and (not isinstance(X, sympy.MatrixSymbol)
                               or X.shape[0] != X.shape[1]):
        shape = " x ".join(map(str, X.shape)) if isinstance(X, sympy.MatrixExpr) else "scalar"
        raise VariableError(f"symmetric={symmetric!r} needs a square matrix variable; "
                            f"{X} is {shape}")
    return value


def project(G, X, symmetric):
    """The gradient for symmetric X in convention `symmetric` (see module docstring)."""
    if symmetric is False:
        return G
    Gt = sympy.Transpose(G)
    if symmetric is True:
        return matmul(sympy.Rational(1, 2), matadd([G, Gt]))
    n = X.shape[0]
    return matadd([G, Gt, matmul(-1, sympy.HadamardProduct(sympy.Identity(n), G))])
