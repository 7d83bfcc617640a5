"""The backends of generated code: NumPy (the reference), JAX and PyTorch.

Contract: each backend turns an operation (a call, a linear-algebra routine, an entrywise
function of the scalar-function table) into code text for its array library; none
imports the library itself.
"""

from __future__ import annotations

from ..core import functions, matrix_functions
from .names import python_literal

# --------------------------------------------------------------------------- backends

class NumPyBackend:
    """NumPy: the reference backend. Each method returns code text."""
    name = "numpy"
    xp = "np"
    imports = "import numpy as np"
    #: The LU factorisation shared by the solves with one matrix (helpers _lu_factor,
    #: _lu_solve); NumPy has none, so its module imports SciPy for it. The solves call
    #: LAPACK's getrs (and potrs below) as scipy.linalg.lu_solve (cho_solve) does, without
    #: its checks: 0.5 µs against 12 at n = 3, the same beyond. B is copied, never written.
    lu_factor = "scipy.linalg.lu_factor(A, check_finite=False)"
    lu_solve = "scipy.linalg.lapack.dgetrs(lu[0], lu[1], B, trans=trans)[0]"
    lu_needs_scipy = True
    lu_pivot_base = 0  # scipy numbers the pivots from 0, torch from 1
    #: The body of _lu_inverse(lu): LAPACK's getri (A⁻¹ = U⁻¹ L⁻¹ Pᵀ) with its optimal
    #: workspace; without it getri runs unblocked. About 0.6× the time of solving with I
    #: (np.linalg.inv) on OpenBLAS at n = 300 and 1000.
    lu_inverse = """factors, pivots = lu
    workspace, _ = scipy.linalg.lapack.dgetri_lwork(factors.shape[0])
    inverse, info = scipy.linalg.lapack.dgetri(factors, pivots, lwork=int(workspace))
    if info != 0:
        raise np.linalg.LinAlgError("Singular matrix")
    return inverse"""
    #: The Cholesky factorisation of an spd matrix: factor, solve with it, log det from it.
    cho_factor = "scipy.linalg.cho_factor(A, check_finite=False)"
    cho_solve = "scipy.linalg.lapack.dpotrs(c[0], B, lower=c[1])[0]"
    cho_logdet = "2 * np.sum(np.log(np.diag(c[0])))"
    keepdims = "keepdims"
    dtype = ""  # the dtype argument of eye / ones / zeros
    #: tr(a b) and diag(a b) as einsum("ij,ji->"): NumPy's einsum reads both operands in
    #: place in any memory order, where vdot(a, b.T) copies each operand that is not
    #: C-ordered (LAPACK's inverses and solves are Fortran-ordered): 0.6 ms against 6 ms at
    #: n = 1000. XLA fuses the transpose into the sum, so JAX keeps a ∘ bᵀ (PyTorch too).
    products_by_einsum = True
    #: JAX on CPU multiplies Aᵀv far slower than (vᵀA)ᵀ: rewrite such products.
    transpose_thin_products = False
    #: M + diag(d) as a statement updating a fresh M in place (one pass over n entries,
    #: not two over n²); None where the library fuses diag(d) + M itself (XLA) or where
    #: an in-place update could meet autograd (PyTorch).
    add_to_diagonal: str | None = "{M}.flat[::{step}] += {d}"

    def asarray(self, x):
        return f"np.asarray({x}, dtype=float)"

    def scalar_arg(self, x):
        return f"float({x})"

    def eye(self, n):
        return f"{self.xp}.eye({n}{self.dtype})"

    def ones(self, r, c):
        return f"{self.xp}.ones(({r}, {c}){self.dtype})"

    def zeros(self, r, c):
        return f"{self.xp}.zeros(({r}, {c}){self.dtype})"

    def call(self, fn, *args):
        return f"{self.xp}.{fn}({', '.join(args)})"

    def linalg(self, fn, *args):
        return f"{self.xp}.linalg.{fn}({', '.join(args)})"

    def sum_of_products(self, a, b):
        """Σᵢⱼ aᵢⱼ bᵢⱼ (code for two operands already wrapped for a product)."""
        return f"{self.xp}.vdot({a}, {b})"

    def trace_of_product(self, a, b):
        """tr(a b) = Σᵢⱼ aᵢⱼ bⱼᵢ without forming a b (a wrapped for a product, b for an
        attribute): see `products_by_einsum`."""
        if self.products_by_einsum:
            return f'{self.xp}.einsum("ij,ji->", {a}, {b})'
        return self.sum_of_products(a, f"{b}.T")

    def diagonal_of_product(self, a, b):
        """diag(a b)ᵢ = Σⱼ aᵢⱼ bⱼᵢ without forming a b: see `products_by_einsum`."""
        if self.products_by_einsum:
            return f'{self.xp}.einsum("ij,ji->i", {a}, {b})'
        return f"{self.xp}.sum({a} * {b}.T, 1)"

    def sum_axis(self, x, axis):
        return f"{x}.sum({axis}, {self.keepdims}=True)"

    def diagonal(self, M):
        return f"{self.xp}.diagonal({M})"

    def eigen_power(self):
        return _EIGEN_POWER.format(xp=self.xp)

    def function(self, fn) -> str | None:
        """The name generated code calls for a function of the scalar-function table (None
        for another function)."""
        entry = functions.lookup(fn)
        return entry.code[self.name] if entry is not None else None

    def helpers(self) -> dict:
        return {**functions.HELPERS[self.name], **matrix_functions.HELPERS[self.name]}

    def preconditions(self, function: str) -> list[str]:
        """Lines that refuse to run where results could not match NumPy's float64."""
        return []


class JaxBackend(NumPyBackend):
    """JAX computes in float32 unless 64-bit mode is on, ~1e-7 from NumPy: the generated
    functions refuse to run then (saying how to turn it on) rather than change JAX's
    process-wide configuration; `lambdify` runs them in JAX's thread-local 64-bit scope."""
    name = "jax"
    xp = "jnp"
    imports = "import jax\nimport jax.numpy as jnp\nimport numpy as np"
    lu_factor = "jax.scipy.linalg.lu_factor(A)"
    lu_solve = "jax.scipy.linalg.lu_solve(lu, B, trans=trans)"
    lu_needs_scipy = False
    lu_inverse = "return jax.scipy.linalg.lu_solve(lu, jnp.eye(lu[0].shape[0]))"
    cho_factor = "jax.scipy.linalg.cho_factor(A)"
    cho_solve = "jax.scipy.linalg.cho_solve(c, B)"
    cho_logdet = "2 * jnp.sum(jnp.log(jnp.diag(c[0])))"
    add_to_diagonal = None
    transpose_thin_products = True
    products_by_einsum = False

    def asarray(self, x):
        return f"jnp.asarray({x}, dtype=jnp.float64)"

    def scalar_arg(self, x):
        return self.asarray(x)

    def preconditions(self, function):
        # Read when the function runs or is traced: under jax.jit that is at tracing, and
        # JAX keys its compilation cache on the 64-bit mode.
        message = (f"{function} computes in float64, as NumPy does, but JAX is in 32-bit mode "
                   "(results would differ by about 1e-7): run "
                   'jax.config.update("jax_enable_x64", True) at startup, or call '
                   f"{function} inside `with jax.enable_x64(True):`")
        return ["if jax.dtypes.canonicalize_dtype(jnp.float64) != jnp.float64:",
                f"    raise RuntimeError({python_literal(message)})"]


class TorchBackend(NumPyBackend):
    name = "torch"
    xp = "torch"
    imports = "import torch"
    lu_factor = "torch.linalg.lu_factor(A)"
    lu_solve = "torch.linalg.lu_solve(lu[0], lu[1], B, adjoint=bool(trans))"
    lu_needs_scipy = False
    lu_pivot_base = 1
    lu_inverse = ("return torch.linalg.lu_solve(lu[0], lu[1], torch.eye(lu[0].shape[0], "
                  "dtype=lu[0].dtype))")
    add_to_diagonal = None
    cho_factor = "torch.linalg.cholesky(A)"
    cho_solve = "torch.cholesky_solve(B, c)"
    cho_logdet = "2 * torch.sum(torch.log(torch.diagonal(c)))"
    keepdims = "keepdim"
    dtype = ", dtype=torch.float64"
    products_by_einsum = False

    def asarray(self, x):
        return f"torch.as_tensor({x}, dtype=torch.float64)"

    def sum_of_products(self, a, b):
        return f"torch.sum({a} * {b})"

    def scalar_arg(self, x):
        return self.asarray(x)


BACKENDS = {"numpy": NumPyBackend(), "jax": JaxBackend(), "torch": TorchBackend()}

_EIGEN_POWER = '''def _power(A, k):
    """Aᵏ = V diag(λᵏ) V⁻¹, the principal power (real positive eigenvalues)."""
    w, V = {xp}.linalg.eig(A)
    return ((V * w ** k) @ {xp}.linalg.inv(V)).real
'''

_COMMUTATION = '''def _commutation(m, n):
    """K with K vec(A) = vec(Aᵀ) for m x n A."""
    K = {xp}.zeros((m * n, m * n){dtype})
    rows = {xp}.arange(m * n)
    cols = (rows % n) * m + rows // n
    {set}
    return K
'''

_PROJECT = '''def _project(J, projection, axes):
    """J composed with 𝕀ₛ ("symmetric"), 2𝕀ₛ − 𝔻 ("entries") or 𝔻 ("diagonal") on axes."""
    swapped = {xp}.swapaxes(J, *axes)
    shape = [1] * J.ndim
    shape[axes[0]] = shape[axes[1]] = J.shape[axes[0]]
    mask = {xp}.eye(J.shape[axes[0]]{dtype}).reshape(shape)
    if projection == "symmetric":
        return 0.5 * (J + swapped)
    if projection == "entries":
        return J + swapped - mask * J
    return mask * J
'''


_FRECHET = '''def _frechet(f, X, E):
    """L_f(X, E), for each E of a batch (..., n, n): the top right block of
    f([[X, E], [0, X]]) (Higham, Functions of Matrices, 2008, §3.2)."""
    n = X.shape[-1]
    Z = {xp}.zeros_like(E)
    top = {cat}([X + Z, E], -1)
    bottom = {cat}([Z, X + Z], -1)
    return f({cat}([top, bottom], -2))[..., :n, n:]
'''

_FRECHET_STAGE = '''def _frechet_stage(f, X, T):
    """L_f(X, ·) on the first two axes of the array T (n, n, r, s)."""
    E = {moveaxis}(T, (0, 1), (-2, -1))
    return {moveaxis}(_frechet(f, X, E), (-2, -1), (0, 1))
'''


_FRECHET2 = '''def _frechet2(f, X, E, F):
    """L²_f(X; E, F), for each F of a batch (..., n, n): the top right block of f of
    [[X, E, F, 0], [0, X, 0, F], [0, 0, X, E], [0, 0, 0, X]] (Higham & Relton, 2014)."""
    n = X.shape[-1]
    Z = {xp}.zeros_like(F)
    X = X + Z
    E = E + Z
    rows = [{cat}([X, E, F, Z], -1), {cat}([Z, X, Z, F], -1), {cat}([Z, Z, X, E], -1),
            {cat}([Z, Z, Z, X], -1)]
    return f({cat}(rows, -2))[..., :n, 3 * n:]
'''

_FRECHET2_STAGE = '''def _frechet2_stage(f, X, K, T):
    """L²_f(X; K, ·) on the first two axes of the array T (n, n, r, s)."""
    F = {moveaxis}(T, (0, 1), (-2, -1))
    return {moveaxis}(_frechet2(f, X, K, F), (-2, -1), (0, 1))
'''


def _loewner_template(entry) -> str:
    """_loewner_<f>(w): the Loewner matrix f[wᵢ, wⱼ] of eigenvalues w (..., n)."""
    body = "".join(f"    {line}\n" for line in entry.divided_code)
    return (f"def _loewner_{entry.name}(w):\n"
            f'    """F_ij = (f(w_i) - f(w_j)) / (w_i - w_j) for the scalar f of {entry.name}, '
            f'at the eigenvalues\n    w (..., n); f\'(w_i) where w_i = w_j."""\n'
            f"    a, b = w[..., :, None], w[..., None, :]\n{body}")


_LOGSUMEXP = '''def _logsumexp(A):
    """log Σ exp(A) over every entry, shifted by the largest entry: no overflow."""
    top = {xp}.max(A)
    return top + {xp}.log({xp}.sum({xp}.exp(A - top)))
'''

_SOFTMAX = '''def _softmax(A):
    """exp(A) / Σ exp(A) over every entry, shifted by the largest entry: no overflow."""
    e = {xp}.exp(A - {xp}.max(A))
    return e / {xp}.sum(e)
'''


_LU_FACTOR = '''def _lu_factor(A):
    """A's LU factorisation with pivots: computed once for every solve with A or Aᵀ."""
    return {lu_factor}
'''

_LU_SOLVE = '''def _lu_solve(lu, B, trans):
    """A⁻¹ B (trans 0) or A⁻ᵀ B (trans 1) from A's LU factorisation."""
    return {lu_solve}
'''

_LU_INVERSE = '''def _lu_inverse(lu):
    """A⁻¹ from A's LU factorisation."""
    {lu_inverse}
'''


_LU_SLOGDET = '''def _lu_slogdet(lu):
    """(sign, log|det A|) from A's LU factorisation, as slogdet gives them: the product of
    U's diagonal, negated once for each row the pivoting swapped."""
    d = {xp}.diagonal(lu[0])
    swaps = {xp}.sum(lu[1] != {pivots})
    return (-1.0) ** swaps * {xp}.prod({xp}.sign(d)), {xp}.sum({xp}.log({xp}.abs(d)))
'''


_CHO_FACTOR = '''def _cho_factor(A):
    """The Cholesky factorisation of A, symmetric positive definite (declared spd)."""
    return {cho_factor}
'''

_CHO_SOLVE = '''def _cho_solve(c, B):
    """A⁻¹ B from A's Cholesky factorisation."""
    return {cho_solve}
'''

_CHO_LOGDET = '''def _cho_logdet(c):
    """log det A = 2 Σ log Lᵢᵢ from A's Cholesky factorisation."""
    return {cho_logdet}
'''


#: Helpers whose source depends on the backend ({xp}, {cat}, …).
TEMPLATES = {"_commutation": _COMMUTATION, "_project": _PROJECT, "_frechet": _FRECHET,
             "_frechet_stage": _FRECHET_STAGE, "_frechet2": _FRECHET2,
             "_frechet2_stage": _FRECHET2_STAGE, "_logsumexp": _LOGSUMEXP, "_softmax": _SOFTMAX,
             "_lu_factor": _LU_FACTOR, "_lu_solve": _LU_SOLVE, "_lu_inverse": _LU_INVERSE,
             "_lu_slogdet": _LU_SLOGDET,
             "_cho_factor": _CHO_FACTOR,
             "_cho_solve": _CHO_SOLVE, "_cho_logdet": _CHO_LOGDET,
             **{f"_loewner_{f.name}": _loewner_template(f)
                for f in matrix_functions.MATRIX_FUNCTIONS}}


def templated(helper: str, backend) -> str:
    """The source of a helper function for the backend."""
    setter = "K = K.at[rows, cols].set(1.0)" if backend.name == "jax" else "K[rows, cols] = 1.0"
    torch = backend.name == "torch"
    cat = "torch.cat" if torch else f"{backend.xp}.concatenate"
    moveaxis = "torch.movedim" if torch else f"{backend.xp}.moveaxis"
    return TEMPLATES[helper].format(xp=backend.xp, dtype=backend.dtype, set=setter, cat=cat,
                                     moveaxis=moveaxis, lu_factor=backend.lu_factor,
                                     lu_solve=backend.lu_solve,
                                     lu_inverse=backend.lu_inverse, cho_factor=backend.cho_factor,
                                     cho_solve=backend.cho_solve, cho_logdet=backend.cho_logdet,
                                     pivots=f"{backend.xp}.arange(d.shape[0])" if not
                                     backend.lu_pivot_base else
                                     f"{backend.xp}.arange(1, d.shape[0] + 1)")


