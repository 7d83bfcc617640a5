"""Code export: `codegen` (module source) and `lambdify` (a compiled function).

Contract: with grad=X the derivative is computed here, by matcalc's derivative API, and
handed to the code generator (matcalc.code), which never differentiates; the generated
code computes what `matcalc.evaluate` computes for the same values.
"""

from __future__ import annotations

from .calculus.gradients import direction_for, variable
from .calculus.gradients import grad as gradient
from .calculus.gradients import hvp as hessian_vector_product
from .code.module import Gradient, load, write
from .core.errors import OptionError
from .core.limits import MAX_RESULT_DEPTH, bounded
from .core.nodes import sympified


def _gradient(obj, X, symmetric, diagonal) -> Gradient | None:
    if X is None:
        return None
    if hasattr(obj, "result") and hasattr(obj, "steps"):  # a Derivation
        obj = obj.result
    return Gradient(X, gradient(obj, X, symmetric=symmetric, diagonal=diagonal), symmetric,
                    diagonal)


def _hvp_module(obj, args, backend, name, X, symmetric, diagonal):
    """(source, writer) of `{name}_hvp(*args, V)`, the Hessian-vector product by X."""
    if hasattr(obj, "result") and hasattr(obj, "steps"):  # a Derivation
        obj = obj.result
    X = variable(sympified(obj), X)
    V = direction_for(obj, X)
    HV = hessian_vector_product(obj, X, V, symmetric=symmetric, diagonal=diagonal)
    return write(HV, [*args, V], backend, f"{name}_hvp")


def _one_of(grad, hvp):
    if grad is not None and hvp is not None:
        raise OptionError("give grad= or hvp=, not both: a Hessian-vector product module "
                          "computes H V alone")


@bounded(bound=MAX_RESULT_DEPTH)
def codegen(obj, args, backend: str = "numpy", name: str = "f", *, grad=None, hvp=None,
            symmetric=None, diagonal=False) -> str:
    """The source of a Python module computing obj with NumPy, JAX or PyTorch.

    obj: an expression (scalar or matrix), a FourthOrder or a Derivation.
    args: the symbols (MatrixSymbol or Symbol) the function takes, in order; dimensions are
        read off the arrays. A Symbol that is a dimension of an argument is an integer.
        A symbol keeps its name as the parameter's when that is a plain ASCII identifier
        the module does not use otherwise; else it gets one (float → float_, Σ → Sigma,
        anything unspellable → argN), and the docstrings give its name as a literal.
    backend: "numpy", "jax" or "torch" (the module imports it; matcalc does not). JAX code
        computes in float64 and raises RuntimeError in JAX's 32-bit mode (the default).
    name: the function's name, an ASCII identifier that is no builtin or keyword.
    grad: a variable X: the module also defines `{name}_and_grad(...)` returning
        (f, ∂f/∂X) with shared work, and `check_{name}_and_grad(..., eps, seed)`, the
        relative error of ⟨∂f/∂X, V⟩ against central differences along a random V (not
        for symmetric="entries", whose gradient is no directional derivative).
        symmetric / diagonal: as for `matcalc.grad`.
    hvp: a variable X: the module instead defines `{name}_hvp(..., V)`, the
        Hessian-vector product H[V] (`matcalc.hvp`) for a direction V of X's shape, as
        a matrix expression: the Hessian is never formed.

    >>> import sympy, matcalc
    >>> n = sympy.Symbol("n")
    >>> X, A = sympy.MatrixSymbol("X", n, n), sympy.MatrixSymbol("A", n, n)
    >>> print(matcalc.codegen(matcalc.grad(sympy.Trace(X.T * A * X), X), [A, X]))
    import numpy as np
    <BLANKLINE>
    <BLANKLINE>
    def f(A, X):
        \"\"\"f(A, X) = (A + Aᵀ) X\"\"\"
        A = np.asarray(A, dtype=float)
        X = np.asarray(X, dtype=float)
        n = A.shape[0]
        assert tuple(A.shape) == (n, n), f"A must be n x n, got {tuple(A.shape)}"
        assert tuple(X.shape) == (n, n), f"X must be n x n, got {tuple(X.shape)}"
        return (A + A.T) @ X
    <BLANKLINE>
    """
    _one_of(grad, hvp)
    if hvp is not None:
        return _hvp_module(obj, args, backend, name, hvp, symmetric, diagonal)[0]
    return write(obj, args, backend, name, _gradient(obj, grad, symmetric, diagonal))[0]


@bounded(bound=MAX_RESULT_DEPTH)
def lambdify(obj, args, backend: str = "numpy", *, grad=None, hvp=None, symmetric=None,
             diagonal=False, jit: bool = True):
    """A Python function computing obj (or, with grad=X, returning (f, ∂f/∂X); with hvp=X,
    the function (*args, V) -> H[V], the Hessian-vector product by X).

    The function is the one `codegen` writes, compiled from that source; for JAX it is
    `jax.jit`-compiled unless jit=False, and runs in JAX's 64-bit mode, which it sets for
    the call and the calling thread only (JAX's configuration is left as it is). JAX and
    PyTorch are imported only here.

    >>> import numpy as np, sympy, matcalc
    >>> X = sympy.MatrixSymbol("X", sympy.Symbol("n"), sympy.Symbol("n"))
    >>> f = matcalc.lambdify(sympy.Trace(X.I), [X], grad=X)
    >>> value, G = f(np.diag([1.0, 2.0, 4.0]))
    >>> float(value), np.diag(G).tolist()
    (1.75, [-1.0, -0.25, -0.0625])
    """
    _one_of(grad, hvp)
    if hvp is not None:
        source, writer = _hvp_module(obj, args, backend, "f", hvp, symmetric, diagonal)
        return load(source, writer, False, jit)
    source, writer = write(obj, args, backend, "f", _gradient(obj, grad, symmetric, diagonal))
    return load(source, writer, grad is not None, jit)


__all__ = ["codegen", "lambdify"]
