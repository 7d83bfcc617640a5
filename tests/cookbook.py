"""The derivative identities of the Matrix Cookbook, chapter 2 (Petersen & Pedersen,
version of November 15, 2012), as data: equation number, f, variable, the Cookbook's own
form of the result, and options. Used by tests/test_cookbook.py (finite differences,
agreement with the Cookbook's form, compactness) and benchmarks/compactness.py.

The Cookbook's forms are written as printed (its (X⁻¹)ᵀ is Transpose(Inverse(X)), not
matcalc's canonical X⁻ᵀ), so that their sizes are the Cookbook's sizes.
"""

from dataclasses import dataclass, field

import sympy
from sympy import (Determinant, HadamardProduct, Identity, Inverse, KroneckerProduct, MatPow,
                   MatrixSymbol, OneMatrix, Symbol, Trace, log)

from matcalc import Norm, SymmetricMatrixSymbol
from matcalc.rewrite.rules import size  # noqa: F401  (re-exported for the tests)

n, m = Symbol("n"), Symbol("m")
k = Symbol("k")
t = Symbol("t")
X = MatrixSymbol("X", n, n)       # a square variable
Y = MatrixSymbol("Y", n, m)       # a rectangular variable (the Cookbook's X when not square)
A, B, C, D = (MatrixSymbol(s, n, n) for s in "ABCD")
a, b, c, d, x, s = (MatrixSymbol(s, n, 1) for s in "abcdxs")
bm, cm = MatrixSymbol("b", m, 1), MatrixSymbol("c", m, 1)
Am, Bm = MatrixSymbol("A", m, m), MatrixSymbol("B", m, m)
W = SymmetricMatrixSymbol("W", n)
Cs, Bs, As = SymmetricMatrixSymbol("C", n), SymmetricMatrixSymbol("B", n), \
    SymmetricMatrixSymbol("A", m)
T = sympy.Transpose
ones = OneMatrix(n, 1)


def tr(M):
    return Trace(M)


def inv(M):
    return Inverse(M)


@dataclass(frozen=True)
class Identity_:
    """One Cookbook identity: ∂f/∂var = expected (or `kind` "hessian" / "jacobian")."""
    eq: str
    f: object
    var: object
    expected: object = None
    kind: str = "grad"
    options: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)


IDENTITIES = [
    # 2 (preamble): the differential rules, checked as Jacobians of matrix functions
    Identity_("(34)", 3 * X, X, kind="jacobian"),
    Identity_("(35)", X + A * X, X, kind="jacobian"),
    Identity_("(36)", tr(A * X), X, T(A)),
    Identity_("(37)", X * A * X, X, kind="jacobian"),
    Identity_("(38)", tr(T(B) * HadamardProduct(X, A * X)), X),
    Identity_("(39)", tr(KroneckerProduct(X, A * X)), X),
    Identity_("(40)", inv(X), X, kind="jacobian"),
    Identity_("(42)", Determinant(X), X, Determinant(X) * T(inv(X))),
    Identity_("(43)", log(Determinant(X)), X, T(inv(X))),
    Identity_("(44)", T(X) * A, X, kind="jacobian"),
    # 2.1 determinants
    Identity_("(46)", Determinant(A + t * B), t,
              Determinant(A + t * B) * tr(inv(A + t * B) * B)),
    Identity_("(48)", Determinant(A + t * B), t,
              Determinant(A + t * B) * (tr(inv(A + t * B) * B) ** 2
                                        - tr(inv(A + t * B) * B * inv(A + t * B) * B)),
              kind="hessian"),
    Identity_("(49)", Determinant(X), X, Determinant(X) * T(inv(X))),
    Identity_("(51)", Determinant(A * X * B), X, Determinant(A * X * B) * T(inv(X))),
    Identity_("(52)", Determinant(T(X) * A * X), X, 2 * Determinant(T(X) * A * X) * inv(T(X))),
    Identity_("(53)", Determinant(T(Y) * W * Y), Y,
              2 * Determinant(T(Y) * W * Y) * W * Y * inv(T(Y) * W * Y)),
    Identity_("(54)", Determinant(T(Y) * A * Y), Y,
              Determinant(T(Y) * A * Y) * (A * Y * inv(T(Y) * A * Y)
                                           + T(A) * Y * inv(T(Y) * T(A) * Y))),
    Identity_("(57)", log(sympy.Abs(Determinant(X))), X, T(inv(X))),
    Identity_("(58)", Determinant(MatPow(X, 3)), X,
              3 * Determinant(MatPow(X, 3)) * inv(T(X))),
    # 2.2 inverses
    Identity_("(59)", inv(A + t * B), t, -inv(A + t * B) * B * inv(A + t * B),
              kind="jacobian"),
    Identity_("(60)", inv(X), X, kind="jacobian"),
    Identity_("(61)", T(a) * inv(X) * b, X, -T(inv(X)) * a * T(b) * T(inv(X))),
    Identity_("(62)", Determinant(inv(X)), X, -Determinant(inv(X)) * T(inv(X))),
    Identity_("(63)", tr(A * inv(X) * B), X, -T(inv(X) * B * A * inv(X))),
    Identity_("(64)", tr(inv(X + A)), X, -T(inv(X + A) * inv(X + A))),
    # 2.3 eigenvalues, through tr and det (the eigen-decomposition itself is unsupported)
    Identity_("(65)", tr(X), X, Identity(n)),
    Identity_("(66)", Determinant(X), X, Determinant(X) * T(inv(X))),
    # 2.4 scalar forms
    Identity_("(69)", T(x) * a, x, a),
    Identity_("(69)", T(a) * x, x, a),
    Identity_("(70)", T(a) * Y * bm, Y, a * T(bm)),
    Identity_("(71)", T(bm) * T(Y) * a, Y, a * T(bm)),
    Identity_("(72)", T(a) * X * a, X, a * T(a)),
    Identity_("(72)", T(a) * T(X) * a, X, a * T(a)),
    Identity_("(73)", X, X, kind="jacobian"),
    Identity_("(74)", X * A, X, kind="jacobian"),
    Identity_("(75)", T(X) * A, X, kind="jacobian"),
    Identity_("(76)", Trace(T(ones) * X * ones) ** 2, X,
              2 * Trace(T(ones) * X * ones) * OneMatrix(n, n)),
    Identity_("(77)", T(bm) * T(Y) * Y * cm, Y, Y * (bm * T(cm) + cm * T(bm))),
    Identity_("(78)", T(B * x + b) * C * (D * x + d), x,
              T(B) * C * (D * x + d) + T(D) * T(C) * (B * x + b)),
    Identity_("(79)", T(X) * B * X, X, kind="jacobian"),
    Identity_("(81)", T(x) * B * x, x, (B + T(B)) * x),
    Identity_("(82)", T(bm) * T(Y) * D * Y * cm, Y,
              T(D) * Y * bm * T(cm) + D * Y * cm * T(bm)),
    Identity_("(83)", T(Y * bm + c) * D * (Y * bm + c), Y,
              (D + T(D)) * (Y * bm + c) * T(bm)),
    Identity_("(84)", T(x - A * s) * W * (x - A * s), s, -2 * T(A) * W * (x - A * s)),
    Identity_("(85)", T(x - s) * W * (x - s), x, 2 * W * (x - s)),
    Identity_("(86)", T(x - s) * W * (x - s), s, -2 * W * (x - s)),
    Identity_("(87)", T(x - A * s) * W * (x - A * s), x, 2 * W * (x - A * s)),
    Identity_("(88)", T(x - A * s) * W * (x - A * s), A, -2 * W * (x - A * s) * T(s)),
    Identity_("(90)", MatPow(X, 3), X, kind="jacobian"),
    Identity_("(91)", T(a) * MatPow(X, 3) * b, X,
              a * T(b) * T(MatPow(X, 2)) + T(X) * a * T(b) * T(X)
              + T(MatPow(X, 2)) * a * T(b)),
    # (92) as printed, Σᵣ [X^(n−1−r) a bᵀ (Xⁿ)ᵀ Xʳ + (Xʳ)ᵀ Xⁿ a bᵀ (X^(n−1−r))ᵀ], fails
    # finite differences; the first term should be (Xʳ)ᵀ Xⁿ b aᵀ (X^(n−1−r))ᵀ (by the
    # product rule on ⟨Xⁿa, Xⁿb⟩). The corrected form, n = 2:
    Identity_("(92)", T(a) * T(MatPow(X, 2)) * MatPow(X, 2) * b, X,
              MatPow(X, 2) * b * T(a) * T(X) + MatPow(X, 2) * a * T(b) * T(X)
              + T(X) * MatPow(X, 2) * b * T(a) + T(X) * MatPow(X, 2) * a * T(b)),
    Identity_("(93)", T(A * x) * C * (B * x), x, T(A) * C * B * x + T(B) * T(C) * A * x),
    Identity_("(95)", Trace(T(x) * T(A) * A * x) / Trace(T(x) * T(B) * B * x), x,
              2 * T(A) * A * x / Trace(T(x) * T(B) * B * x)
              - 2 * Trace(T(x) * T(A) * A * x) * T(B) * B * x
              / Trace(T(x) * T(B) * B * x) ** 2),
    Identity_("(97)", Trace(T(x) * A * x) + Trace(T(b) * x), x, (A + T(A)) * x + b),
    Identity_("(98)", Trace(T(x) * A * x) + Trace(T(b) * x), x, A + T(A), kind="hessian"),
    # 2.5 traces
    Identity_("(99)", tr(X), X, Identity(n)),
    Identity_("(100)", tr(X * A), X, T(A)),
    Identity_("(101)", tr(A * X * B), X, T(A) * T(B)),
    Identity_("(102)", tr(A * T(X) * B), X, B * A),
    Identity_("(103)", tr(T(X) * A), X, A),
    Identity_("(104)", tr(A * T(X)), X, A),
    Identity_("(105)", tr(KroneckerProduct(A, X)), X, tr(A) * Identity(n)),
    Identity_("(106)", tr(MatPow(X, 2)), X, 2 * T(X)),
    Identity_("(107)", tr(MatPow(X, 2) * B), X, T(X * B + B * X)),
    Identity_("(108)", tr(T(X) * B * X), X, B * X + T(B) * X),
    Identity_("(109)", tr(B * X * T(X)), X, B * X + T(B) * X),
    Identity_("(110)", tr(X * T(X) * B), X, B * X + T(B) * X),
    Identity_("(111)", tr(X * B * T(X)), X, X * T(B) + X * B),
    Identity_("(112)", tr(B * T(X) * X), X, X * T(B) + X * B),
    Identity_("(113)", tr(T(X) * X * B), X, X * T(B) + X * B),
    Identity_("(114)", tr(A * X * B * X), X, T(A) * T(X) * T(B) + T(B) * T(X) * T(A)),
    Identity_("(115)", tr(T(X) * X), X, 2 * X),
    Identity_("(115)", tr(X * T(X)), X, 2 * X),
    Identity_("(116)", tr(T(B) * T(X) * C * X * B), X, T(C) * X * B * T(B) + C * X * B * T(B)),
    Identity_("(117)", tr(T(X) * B * X * C), X, B * X * C + T(B) * X * T(C)),
    Identity_("(118)", tr(A * X * B * T(X) * C), X, T(A) * T(C) * X * T(B) + C * A * X * B),
    Identity_("(119)", tr((A * X * B + C) * T(A * X * B + C)), X,
              2 * T(A) * (A * X * B + C) * T(B)),
    Identity_("(120)", tr(KroneckerProduct(X, X)), X, 2 * tr(X) * Identity(n)),
    Identity_("(121)", tr(MatPow(X, k)), X, k * T(MatPow(X, k - 1)),
              options={"symmetric": True}, values={"k": 2.5}),
    Identity_("(121)", tr(MatPow(X, 5)), X, 5 * T(MatPow(X, 4))),
    Identity_("(122)", tr(A * MatPow(X, 3)), X,
              T(A * MatPow(X, 2)) + T(X * A * X) + T(MatPow(X, 2) * A)),
    Identity_("(123)", tr(T(B) * T(X) * C * X * T(X) * C * X * B), X,
              C * X * T(X) * C * X * B * T(B) + T(C) * X * B * T(B) * T(X) * T(C) * X
              + C * X * B * T(B) * T(X) * C * X + T(C) * X * T(X) * T(C) * X * B * T(B)),
    Identity_("(124)", tr(A * inv(X) * B), X, -T(inv(X) * B * A * inv(X))),
    Identity_("(125)", tr(inv(T(Y) * Cs * Y) * Am), Y,
              -(Cs * Y * inv(T(Y) * Cs * Y)) * (Am + T(Am)) * inv(T(Y) * Cs * Y)),
    Identity_("(126)", tr(inv(T(Y) * Cs * Y) * (T(Y) * Bs * Y)), Y,
              -2 * Cs * Y * inv(T(Y) * Cs * Y) * T(Y) * Bs * Y * inv(T(Y) * Cs * Y)
              + 2 * Bs * Y * inv(T(Y) * Cs * Y)),
    Identity_("(127)", tr(inv(As + T(Y) * Cs * Y) * (T(Y) * Bs * Y)), Y,
              -2 * Cs * Y * inv(As + T(Y) * Cs * Y) * T(Y) * Bs * Y * inv(As + T(Y) * Cs * Y)
              + 2 * Bs * Y * inv(As + T(Y) * Cs * Y)),
    # 2.6 vector norms, 2.7 the Frobenius norm
    Identity_("(129)", Norm(x - a), x, (x - a) / Norm(x - a)),
    Identity_("(130)", (x - a) / Norm(x - a), x,
              Identity(n) / Norm(x - a) - (x - a) * T(x - a) / Norm(x - a) ** 3,
              kind="jacobian"),
    Identity_("(131)", Norm(x) ** 2, x, 2 * x),
    Identity_("(131)", Norm(T(x) * x), x, 2 * x),
    Identity_("(132)", Norm(X) ** 2, X, 2 * X),
    # 2.8 structured matrices: symmetric (the independent entries) and diagonal
    Identity_("(139)", tr(A * X), X, A + T(A) - HadamardProduct(A, Identity(n)),
              options={"symmetric": "entries"}),
    Identity_("(140)", Determinant(X), X,
              Determinant(X) * (2 * inv(X) - HadamardProduct(inv(X), Identity(n))),
              options={"symmetric": "entries"}),
    Identity_("(141)", log(Determinant(X)), X,
              2 * inv(X) - HadamardProduct(inv(X), Identity(n)),
              options={"symmetric": "entries"}),
    Identity_("(142)", tr(A * X), X, HadamardProduct(A, Identity(n)),
              options={"diagonal": True}),
]

#: Chapter 2 equations matcalc does not derive, and why; each raises NoRuleError.
UNSUPPORTED = {
    "(45), (89)": "complex matrices and the conjugate transpose Xᴴ",
    "(55), (56)": "the pseudo-inverse X⁺",
    "(67), (68)": "eigenvalues and eigenvectors as functions of the matrix",
    "(128)": "matrix functions as power series (sin X, exp X)",
    "(143), (144)": "Toeplitz-structured variables",
}

