"""The few expression nodes SymPy lacks, and small helpers on SymPy matrix expressions.

- `MatrixDifferential`: the differential dX of a matrix variable X; a `MatrixSymbol` of X's
  shape named "d" + X's name that never equals a user's symbol of the same name.
- `ScalarDifferential`: the same for a scalar variable t (dt).
- `Vec`: vec(A), the columns of A stacked into one column (m n x 1).
- `CommutationMatrix`: K_{m,n}, the mn x mn permutation with K_{m,n} vec(A) = vec(Aᵀ)
  for A of shape m x n (Magnus & Neudecker).
- `Unvec`: vec⁻¹(v), a column of length m n read back into an m x n matrix.
- `Elementwise`: f(A) applied entry by entry, one subclass per scalar function f
  (`elementwise(sympy.exp, A)`); `lift` turns a scalar formula in x into one.
- `Norm`: the Frobenius norm ‖A‖_F (the Euclidean norm ‖x‖₂ of a vector).
- `Adjugate`: adj(A), with A adj(A) = det(A) I.
- `SymmetricMatrixSymbol`: a square MatrixSymbol declared symmetric (Sᵀ = S).
- `DifferentialOf`, `MatrixDifferentialOf`: d(u) written but not yet expanded, as in the
  middle of a derivation (`matcalc.derive`); `pending_differential(u)` picks the kind.
- `DoubleDot`: G : dX = tr(Gᵀ dX), the Frobenius inner product, as a derivation shows it.

Nothing here changes the value of an expression.
"""

from __future__ import annotations

import warnings
from functools import cached_property

import sympy
from sympy import Basic, Expr, MatrixExpr, MatrixSymbol, Symbol

from .canonical import flip_transpose, matadd, matmul  # noqa: F401 (re-exported)
from .errors import ExpressionError, NoRuleError, OptionError, ShapeError, short
from .registry import InMatcalcNotation


class MatrixDifferential(InMatcalcNotation, MatrixSymbol):
    """dX: the differential of the matrix variable X (shape of X, name "d" + X.name)."""

    @classmethod
    def of(cls, X: MatrixSymbol) -> MatrixDifferential:
        return cls("d" + X.name, *X.shape)


class ScalarDifferential(Symbol):
    """dt: the differential of a scalar variable t."""

    @classmethod
    def of(cls, t: Symbol) -> ScalarDifferential:
        return cls("d" + t.name, commutative=True)


class DifferentialOf(InMatcalcNotation, Expr):
    """d(u) of a scalar u, not yet expanded by a differential rule."""

    is_commutative = True

    @property
    def arg(self):
        return self.args[0]


class MatrixDifferentialOf(InMatcalcNotation, MatrixExpr):
    """d(U) of a matrix U, not yet expanded by a differential rule (U's shape)."""

    @property
    def arg(self):
        return self.args[0]

    @cached_property  # not a walk down the whole argument at every query
    def shape(self):
        return self.arg.shape


def pending_differential(u):
    """d(u), unexpanded: a `MatrixDifferentialOf` for a matrix u, else a `DifferentialOf`."""
    return MatrixDifferentialOf(u) if isinstance(u, MatrixExpr) else DifferentialOf(u)


class DoubleDot(InMatcalcNotation, Expr):
    """A : B = tr(Aᵀ B) = Σᵢⱼ Aᵢⱼ Bᵢⱼ, the Frobenius inner product of two same-shape
    matrices (a vector's is aᵀ b)."""

    is_commutative = True

    def __new__(cls, A, B):
        if tuple(A.shape) != tuple(B.shape):
            raise ShapeError(f"{A} : {B}: shapes {A.shape} and {B.shape} differ")
        return super().__new__(cls, A, B)


def differential_of(X):
    """dX for a matrix variable X, dt for a scalar variable t."""
    if isinstance(X, MatrixSymbol):
        return MatrixDifferential.of(X)
    return ScalarDifferential.of(X)


class _OfOneMatrix:
    """Mixin for a node with one matrix argument, `arg` (checked at construction)."""

    def __new__(cls, arg):
        arg = sympified(arg)
        if not isinstance(arg, MatrixExpr):
            raise ShapeError(f"{cls.__name__} takes a matrix expression; got {arg!r}")
        return Basic.__new__(cls, arg)

    @property
    def arg(self):
        return self.args[0]


class Vec(InMatcalcNotation, _OfOneMatrix, MatrixExpr):
    """vec(A): the columns of A (m x n) stacked into one column of length m n."""

    @cached_property
    def shape(self):
        m, n = self.arg.shape
        return (m * n, sympy.S.One)


class CommutationMatrix(InMatcalcNotation, MatrixExpr):
    """K_{m,n}: the mn x mn permutation with K_{m,n} vec(A) = vec(Aᵀ), A of shape m x n."""

    def __new__(cls, m, n):
        return Basic.__new__(cls, sympified(m), sympified(n))

    @property
    def shape(self):
        m, n = self.args
        return (m * n, m * n)


class Unvec(InMatcalcNotation, MatrixExpr):
    """vec⁻¹(v): the column v (m n x 1) read back, column by column, into an m x n matrix."""

    def __new__(cls, v, m, n):
        return Basic.__new__(cls, sympified(v), sympified(m), sympified(n))

    @property
    def arg(self):
        return self.args[0]

    @property
    def shape(self):
        return tuple(self.args[1:])


class SymmetricMatrixSymbol(InMatcalcNotation, MatrixSymbol):
    """A square matrix symbol declared symmetric: Sᵀ = S (a constant or a variable).

    >>> from matcalc import SymmetricMatrixSymbol
    >>> S = SymmetricMatrixSymbol("S", 3)
    >>> S.T == S
    True
    """

    def __new__(cls, name, n, m=None):
        if m is not None and sympified(m) != sympified(n):
            raise ShapeError(f"the symmetric matrix {name} must be square; got {n} x {m}")
        return super().__new__(cls, name, n, n)

    def _eval_transpose(self):
        return self


class SPDMatrixSymbol(SymmetricMatrixSymbol):
    """A symmetric positive definite n x n matrix symbol (declared `spd n x n`): `check`
    draws SPD values for it, and generated code solves with it and takes its log det by a
    Cholesky factorisation."""


def is_spd_symbol(A) -> bool:
    return isinstance(A, SPDMatrixSymbol)


def is_symmetric_symbol(A) -> bool:
    return isinstance(A, SymmetricMatrixSymbol)


class Elementwise(InMatcalcNotation, _OfOneMatrix, MatrixExpr):
    """f(A) entry by entry: (f(A))_ij = f(A_ij). `function` is set on each subclass."""

    function: sympy.FunctionClass | None = None

    @cached_property  # not a walk down the whole argument at every query
    def shape(self):
        return self.arg.shape

    def _eval_transpose(self):
        """f(A)ᵀ = f(Aᵀ), with Aᵀ as SymPy evaluates it ((½X)ᵀ = ½Xᵀ), so that the text
        of f(A)ᵀ reads back as the same tree."""
        return type(self)(self.arg.T)


_ELEMENTWISE: dict = {}


def elementwise(function, A):
    """f(A) entry by entry, for a one-argument SymPy function class f (exp, log, sin,
    sigmoid, …) or any function of one scalar that SymPy can write (sqrt -> A^∘½).

    >>> import sympy
    >>> from matcalc import elementwise
    >>> A = sympy.MatrixSymbol("A", 2, 3)
    >>> elementwise(sympy.exp, A).shape
    (2, 3)
    >>> elementwise(sympy.sqrt, A)
    HadamardPower(A, 1/2)
    """
    if not isinstance(function, sympy.FunctionClass):
        if not callable(function):
            raise OptionError(f"elementwise takes a function such as sympy.exp; got {function!r}")
        x = sympy.Dummy("x", real=True)
        return lift(sympy.sympify(function(x)), x, A)
    cls = _ELEMENTWISE.get(function)
    if cls is None:
        cls = type(f"Elementwise_{function.__name__}", (Elementwise,), {"function": function})
        _ELEMENTWISE[function] = cls
    return cls(A)


class Kronecker(sympy.KroneckerProduct):
    """A ⊗ B: SymPy's KroneckerProduct with a `doit` that keeps the factors as they are.
    (SymPy 1.14's doit distributes over sums and then fails on a factor with a scalar
    coefficient, "Mix of Matrix and Scalar symbols".)"""

    def doit(self, **hints):
        deep = hints.get("deep", True)
        return kronecker(*[a.doit(**hints) if deep else a for a in self.args])

    def _eval_transpose(self):
        return kronecker(*[sympy.Transpose(a) for a in self.args])

    def _eval_inverse(self):
        return kronecker(*[sympy.Inverse(a) for a in self.args])


def kronecker(*factors):
    """A ⊗ B ⊗ …, scalar coefficients moved in front: (c A) ⊗ B = c (A ⊗ B)."""
    coeff, plain = sympy.S.One, []
    for f in factors:
        if isinstance(f, sympy.MatMul):
            c, mats = f.as_coeff_matrices()
            coeff, f = coeff * c, (mats[0] if len(mats) == 1 else sympy.MatMul(*mats))
        plain.append(f)
    return matmul(coeff, Kronecker(*plain))


def hadamard(*factors):
    """A ∘ B ∘ …, canonical: nested products flattened and scalar coefficients moved in
    front, (c A) ∘ (B ∘ C) = c (A ∘ B ∘ C), then SymPy's canonical form (order, equal
    factors as powers, 𝟏 dropped, 0 absorbing). Keeping scalar multiples out of Hadamard
    products keeps chains of them flat: SymPy's MatMul.shape asks its only factor twice,
    so c (c (… ∘ A) ∘ A) ∘ A nested k deep costs 2ᵏ shape queries."""
    coeff, plain = sympy.S.One, []
    pending = list(factors)
    while pending:
        f = pending.pop(0)
        if isinstance(f, sympy.MatMul):
            c, mats = f.as_coeff_matrices()
            if c != 1:
                coeff, f = coeff * c, matmul(*mats)
        if isinstance(f, sympy.HadamardProduct):
            pending[:0] = f.args
        else:
            plain.append(f)
    product = plain[0] if len(plain) == 1 else sympy.HadamardProduct(*plain).doit(deep=False)
    return matmul(coeff, product)


def matrix_power(M, k):
    """Mᵏ, with integer powers of powers merged: (Aᵃ)ᵇ = Aᵃᵇ, (A⁻¹)ᵇ = A⁻ᵇ, (Aᵃ)⁻¹ = A⁻ᵃ
    for integers a, b (not for other exponents: (X²)^½ need not be X). Merged, tr(X^(2^20))
    is one power for the power rule, not twenty nested ones whose differential has 2²⁰
    terms."""
    k = sympified(k)
    if k.is_Integer:
        if isinstance(M, sympy.Inverse):
            M, k = M.arg, -k
        elif isinstance(M, sympy.MatPow) and M.args[1].is_Integer:
            M, k = M.args[0], M.args[1] * k
    if k == 1:
        return M
    if k == -1:
        return M.I  # SymPy's inverse: (A⁻¹)⁻¹ = A, and it refuses 0⁻¹
    return sympy.MatPow(M, k)


def power_of_base(M) -> tuple:
    """(B, k) with det M = (det B)ᵏ, peeling transposes (det Mᵀ = det M), inverses
    (det M⁻¹ = (det M)⁻¹) and integer powers (det Mᵏ = (det M)ᵏ); (M, 1) when there are none.
    Shrinks M at every step."""
    k = 1
    while True:
        if isinstance(M, sympy.Transpose):
            M = M.arg
        elif isinstance(M, sympy.Inverse):
            M, k = M.arg, -k
        elif isinstance(M, sympy.MatPow) and M.args[1].is_Integer:
            M, k = M.args[0], k * int(M.args[1])
        else:
            return M, k


def hadamard_power(A, k):
    """A^∘k, with A^∘1 = A."""
    k = sympified(k)
    return A if k == 1 else sympy.HadamardPower(A, k)


def lift(body, x, A):
    """The scalar formula body(x) applied entrywise to A, as a matrix expression:
    x -> A, c -> c 𝟏, sums -> sums, products -> ∘, powers -> ^∘, f(u) -> f(u) entrywise.

    >>> import sympy
    >>> from matcalc.core.nodes import lift
    >>> x, A = sympy.Symbol("x"), sympy.MatrixSymbol("A", 2, 2)
    >>> lift(1 - sympy.tanh(x) ** 2, x, A)
    -HadamardPower(Elementwise_tanh(A), 2) + 1
    """
    return lift_all(body, {x: A}, A.shape)


def lift_all(body, bindings: dict, shape):
    """`lift` of a formula in several scalars: each symbol x of `bindings` stands for the
    entries of its matrix bindings[x] (all of `shape`)."""
    if body in bindings:
        return bindings[body]
    if not body.has(*bindings):
        return matmul(body, sympy.OneMatrix(*shape)) if body != 0 else sympy.ZeroMatrix(*shape)
    if isinstance(body, sympy.Add):
        return matadd([lift_all(a, bindings, shape) for a in body.args])
    if isinstance(body, sympy.Mul):
        coeff = sympy.Mul(*[a for a in body.args if not a.has(*bindings)])
        parts = [lift_all(a, bindings, shape) for a in body.args if a.has(*bindings)]
        return matmul(coeff, hadamard(*parts))
    if isinstance(body, sympy.Pow) and not body.exp.has(*bindings):
        return hadamard_power(lift_all(body.base, bindings, shape), body.exp)
    if isinstance(body, sympy.Function) and len(body.args) == 1:
        return elementwise(body.func, lift_all(body.args[0], bindings, shape))
    raise NoRuleError(f"cannot apply {body} entrywise to a matrix (in "
                      f"{', '.join(map(str, bindings))})",
                      construct=f"entrywise {type(body).__name__}")


class Norm(InMatcalcNotation, _OfOneMatrix, Expr):
    """‖A‖_F = √tr(AᵀA), the Frobenius norm; for a vector x the Euclidean norm ‖x‖₂."""

    is_commutative = True
    is_real = True
    is_nonnegative = True


class Adjugate(InMatcalcNotation, _OfOneMatrix, MatrixExpr):
    """adj(A): the transposed cofactor matrix of a square A, A adj(A) = det(A) I."""

    @cached_property  # not a walk down the whole argument at every query
    def shape(self):
        return self.arg.shape


class PseudoInverse(InMatcalcNotation, _OfOneMatrix, MatrixExpr):
    """A⁺, the Moore–Penrose pseudo-inverse of A (m x n): n x m."""

    @cached_property
    def shape(self):
        return (self.arg.shape[1], self.arg.shape[0])


class LogSumExp(InMatcalcNotation, _OfOneMatrix, Expr):
    """logsumexp(A) = log Σᵢⱼ exp(A_ij), over every entry (scipy.special.logsumexp)."""

    is_commutative = True
    is_real = True


class Softmax(InMatcalcNotation, _OfOneMatrix, MatrixExpr):
    """softmax(A) = exp(A) / Σᵢⱼ exp(A_ij), over every entry (for a column x the usual
    softmax(x)); of A's shape."""

    @cached_property
    def shape(self):
        return self.arg.shape

    def _eval_transpose(self):
        """softmax(A)ᵀ = softmax(Aᵀ)"""
        return Softmax(self.arg.T)


def sympified(obj, what: str = "the argument"):
    """obj as a SymPy expression (a Python number becomes one); an `ExpressionError`
    naming `what` for anything else (a string is text for `matcalc.parse`, never
    sympified: SymPy would `eval` it)."""
    if isinstance(obj, sympy.Basic):
        return obj
    if type(obj).__name__ == "FourthOrder":  # tensor4 imports this module
        raise ExpressionError(f"{what} is a fourth-order result, not a matrix or scalar "
                              "expression (evaluate, print or export it instead)")
    if isinstance(obj, str):
        raise ExpressionError(f"{what} is not a SymPy expression but the text "
                              f"{short(repr(obj))}; text is read by matcalc.parse")
    try:
        return sympy.sympify(obj, strict=True)
    except (sympy.SympifyError, TypeError, ValueError):
        raise ExpressionError(f"{what} is not a SymPy expression: "
                              f"{type(obj).__name__} {short(repr(obj))}") from None


def matrix_form_of_sum(s):
    """An index sum in matrix form, by SymPy's converters: Σᵢ Xᵢᵢ -> tr(X), Σᵢⱼ xᵢ Aᵢⱼ xⱼ
    -> xᵀ A x; where they cannot write it, entry by entry (`entrywise_sum`); the sum itself
    when neither can (it is then refused by name)."""
    from sympy.tensor.array.expressions import convert_indexed_to_array
    from sympy.tensor.array.expressions.from_array_to_matrix import convert_array_to_matrix
    try:
        with warnings.catch_warnings():  # SymPy's own deprecation warnings on the way
            warnings.simplefilter("ignore")
            m = convert_array_to_matrix(convert_indexed_to_array(s))
    except Exception:  # SymPy's converters raise ValueError, NotImplementedError, …
        return entrywise_sum(s)
    leftover = (sympy.Sum, sympy.Indexed, sympy.tensor.array.expressions.ArrayContraction,
                sympy.tensor.array.expressions.ArrayTensorProduct)
    if not isinstance(m, sympy.Basic) or m.has(*leftover) or (
            isinstance(m, MatrixExpr) and tuple(m.shape) != (1, 1)):
        return s
    return m


def entrywise_sum(s):
    """A sum over the entries of matrices of one shape in matrix form: Σᵢ g(xᵢ, yᵢ, Aᵢᵢ) =
    𝟏ᵀ g(x, y, diag A) and Σᵢⱼ g(Xᵢⱼ, Yⱼᵢ) = 𝟏ᵀ g(X, Yᵀ) 𝟏, g applied entrywise (`lift_all`);
    the sum itself when its entries are of other forms (it is then refused by name)."""
    from sympy.matrices.expressions.matexpr import MatrixElement
    if len(s.limits) not in (1, 2):
        return s
    indices = [i for i, _, _ in s.limits]
    bindings, sizes = {}, []
    for _, low, high in s.limits:
        if low != 0:
            return s
        sizes.append(high + 1)

    def entry_of(e):  # M[i, 0], M[0, i], M[i, i]; M[i, j], M[j, i]
        M, a, b = e.parent, e.i, e.j
        if len(indices) == 1:
            i = indices[0]
            form = {(i, 0): M, (0, i): sympy.Transpose(M), (i, i): sympy.DiagonalOf(M)}
        else:
            i, j = indices
            form = {(i, j): M, (j, i): sympy.Transpose(M)}
        matrix = form.get((a, b))
        if matrix is None or sympy.simplify(matrix.shape[0] - sizes[0]) != 0 or (
                len(sizes) == 2 and sympy.simplify(matrix.shape[1] - sizes[1]) != 0):
            raise NoRuleError(f"{e} is no entry of a matrix the sum runs over",
                              construct="index sum")
        u = sympy.Dummy(f"u{len(bindings)}")
        bindings[u] = matrix
        return u

    try:
        body = s.function.replace(
            lambda e: isinstance(e, MatrixElement) and e.has(*indices), entry_of)
        if body.has(*indices):
            return s
        shape = (sizes[0], sizes[1] if len(sizes) == 2 else sympy.S.One)
        lifted = lift_all(body, bindings, shape)
    except NoRuleError:
        return s
    coeff, lifted = lifted.as_coeff_mmul() if isinstance(lifted, sympy.MatMul) else \
        (sympy.S.One, lifted)
    if isinstance(lifted, sympy.HadamardPower) and lifted.exp == 2:
        lifted = sympy.HadamardProduct(lifted.base, lifted.base)
    if isinstance(lifted, sympy.HadamardProduct) and len(lifted.args) == 2:
        U, V = lifted.args  # Σ uᵢ vᵢ = uᵀ v, Σ Uᵢⱼ Vᵢⱼ = tr(Uᵀ V)
        return coeff * sympy.Trace(matmul(sympy.Transpose(U), V))
    total = matmul(sympy.OneMatrix(1, shape[0]), lifted)
    if len(sizes) == 2:
        total = matmul(total, sympy.OneMatrix(shape[1], 1))
    return coeff * sympy.Trace(total)


def normalise(f):
    """f in the node set the rules know: SymPy's f.(A) (ElementwiseApplyFunction) becomes
    matcalc's entrywise functions, DiagonalMatrix(A) becomes I ∘ A, index sums and the
    element of a 1 x 1 their matrix forms (Σᵢ Xᵢᵢ = tr X, (xᵀAx)[0,0] = tr(xᵀAx)), scalars leave
    Kronecker factors, tr(0) and ‖0‖ are 0. Value unchanged."""
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    from sympy.matrices.expressions.matexpr import MatrixElement

    def entrywise(e):
        fn = e.function
        if isinstance(fn, sympy.Lambda) and len(fn.variables) == 1:
            return lift(fn.expr, fn.variables[0], e.expr)
        x = sympy.Dummy("x")
        return lift(fn(x), x, e.expr)

    f = f.replace(lambda e: isinstance(e, ElementwiseApplyFunction), entrywise)
    if f.has(sympy.Sum):
        f = f.replace(lambda e: isinstance(e, sympy.Sum), matrix_form_of_sum)
    f = f.replace(lambda e: isinstance(e, MatrixElement) and tuple(e.parent.shape) ==
                  (1, 1), lambda e: sympy.Trace(e.parent))  # (xᵀ A x)[0, 0] = tr(xᵀ A x)
    f = f.replace(lambda e: isinstance(e, sympy.MatPow) and e.args[1].is_Integer and
                  isinstance(e.args[0], (sympy.MatPow, sympy.Inverse)),
                  lambda e: matrix_power(*e.args))
    f = f.replace(lambda e: isinstance(e, sympy.Determinant) and isinstance(e.arg, sympy.MatMul)
                  and e.arg.as_coeff_matrices()[0] != 1, _determinant_of_multiple)
    f = f.replace(lambda e: isinstance(e, sympy.KroneckerProduct),
                  lambda e: kronecker(*e.args))
    f = f.replace(lambda e: isinstance(e, (sympy.Trace, Norm)) and
                  isinstance(e.args[0], sympy.ZeroMatrix),
                  lambda e: sympy.S.Zero)  # tr(0) = ‖0‖ = 0, whatever the size
    return f.replace(lambda e: isinstance(e, sympy.DiagonalMatrix),
                     lambda e: sympy.HadamardProduct(sympy.Identity(e.arg.shape[0]), e.arg))


def _determinant_of_multiple(e):
    """det(c A) = cⁿ det(A) for n x n A (Matrix Cookbook (20)); SymPy's assumption queries
    fail on a determinant of a scalar multiple (they rebuild it with the multiple as a
    scalar)."""
    c, mats = e.arg.as_coeff_matrices()
    return c ** e.arg.shape[0] * sympy.Determinant(matmul(*mats))


def is_matrix(expr) -> bool:
    """True for a SymPy matrix expression (including 1 x 1 ones)."""
    return isinstance(expr, MatrixExpr)


def is_one_by_one(expr) -> bool:
    return is_matrix(expr) and tuple(expr.shape) == (1, 1)


def as_scalar(M: MatrixExpr) -> Expr:
    """A 1 x 1 matrix expression as a scalar: tr(M) (printers show it without "tr")."""
    assert is_one_by_one(M), M
    if isinstance(M, sympy.Identity):
        return sympy.S.One
    if isinstance(M, sympy.ZeroMatrix):
        return sympy.S.Zero
    return sympy.Trace(M)


def transpose(M):
    """Mᵀ for a matrix, M itself for a scalar."""
    return sympy.Transpose(M) if is_matrix(M) else M


def unvec_seed(h, m, n):
    """vec⁻¹(h) as an m x n matrix, reading (A ⊗ B) vec(M) as vec(B M Aᵀ) and
    K vec(M) as vec(Mᵀ)."""
    if not is_matrix(h):
        return matmul(h, sympy.Identity(1)) if (m, n) == (1, 1) else Unvec(h, m, n)
    h = h.doit()  # (Mᵀ)ᵀ -> M, (A ⊗ B)ᵀ -> Aᵀ ⊗ Bᵀ
    if isinstance(h, sympy.MatAdd):
        return matadd([unvec_seed(t, m, n) for t in h.args])
    if isinstance(h, Vec) and tuple(h.arg.shape) == (m, n):
        return h.arg
    if isinstance(h, sympy.MatMul):
        coeff, factors = h.as_coeff_matrices()
        if len(factors) == 1 and coeff != 1:
            return matmul(coeff, unvec_seed(factors[0], m, n))
        if len(factors) == 2 and isinstance(factors[0], sympy.KroneckerProduct) \
                and len(factors[0].args) == 2 and isinstance(factors[1], Vec):
            A, B = factors[0].args
            M = factors[1].arg
            if tuple(B.shape) == (m, M.shape[0]) and tuple(A.shape) == (n, M.shape[1]):
                return matmul(coeff, B, M, sympy.Transpose(A))
        if len(factors) == 2 and isinstance(factors[0], CommutationMatrix) \
                and isinstance(factors[1], Vec) and tuple(factors[1].arg.shape) == \
                tuple(factors[0].args) and tuple(factors[0].args) == (n, m):
            return matmul(coeff, sympy.Transpose(factors[1].arg))
    if (m, n) == tuple(h.shape):
        return h
    return Unvec(h, m, n)
