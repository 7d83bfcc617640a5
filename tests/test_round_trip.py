"""Print -> read -> the same function: for each of matcalc's readable notations (the input
syntax, the Unicode text form, the LaTeX), reading back what a printer wrote gives the
expression it printed, compared by value at random points, with exact shapes (a 1 x 1
matrix stands for a scalar, as matcalc reads xᵀ A x).

The symbols are passed to the reader as they are (their shapes are not in the printed
text). What no notation writes in a readable form is assumed away: vec⁻¹ and K (their
shapes are not written), the zero matrix (printed 0, of no shape).
"""

import numpy as np
import pytest
import sympy
from fuzzing import cases
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import matcalc
from matcalc.core.nodes import CommutationMatrix, Unvec
from matcalc.numeric.checking import random_point

SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=120)

#: notation -> (printer, reader).
NOTATIONS = {
    "syntax": (lambda e: matcalc.syntax(e, declare=True), matcalc.parse),
    "text": (matcalc.text, matcalc.parse),
    "latex": (matcalc.latex, matcalc.parse_latex),
}


def symbols_of(e) -> dict:
    """name -> symbol of e's variables (not its dimensions)."""
    dims = {d for M in e.atoms(sympy.MatrixSymbol) for size in M.shape
            for d in sympy.sympify(size).free_symbols}
    return {s.name: s for s in e.free_symbols
            if isinstance(s, (sympy.MatrixSymbol, sympy.Symbol)) and s not in dims}


def value(e, point):
    try:
        return np.asarray(matcalc.evaluate(e, point), dtype=float)
    except matcalc.EvaluationError:
        return None


def assert_reads_back(e, notation):
    assume(not (e.has(Unvec) or e.atoms(CommutationMatrix, sympy.ZeroMatrix)))
    printer, reader = NOTATIONS[notation]
    try:
        printed = printer(e)
    except matcalc.NoRuleError:  # the input syntax cannot write it (said, not guessed)
        assume(False)
    try:
        back = reader(printed, None if notation == "syntax" else symbols_of(e))
    except matcalc.ShapeError:  # 1/tr(exp(I₁)) prints as 1/exp(I): I's size is not printed
        assume(not e.atoms(sympy.Identity, sympy.OneMatrix))
        raise
    point = random_point([e], None, seed=3)
    expected = value(e, point)
    assume(expected is not None and np.all(np.isfinite(expected)))
    got = value(back, point)
    if got is None:  # a lone I or 𝟏: its size is not printed (I reads as any identity)
        assume(not e.atoms(sympy.Identity, sympy.OneMatrix))
    if expected.shape == () and got.shape == (1, 1):  # xᵀ A x read as a 1 x 1 matrix
        got = got[0, 0]
    constants = e.atoms(sympy.Identity, sympy.OneMatrix, sympy.ZeroMatrix)
    if expected.shape == (1, 1) and got.shape == () and any(c.shape == (1, 1)
                                                            for c in constants):
        expected = expected[0, 0]  # the syntax has no 1 x 1 constant: n I₁ prints as n
    assert got.shape == expected.shape, (printed, matcalc.text(back))
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-8,
                               err_msg=f"{printed}  read back as  {matcalc.text(back)}")


def _expressions():
    import test_properties as generators
    return st.one_of(generators.scalar_combinations, generators.matrices(),
                     generators.entrywise_scalars, generators.entrywise_matrices(),
                     cases().map(lambda case: case.f))


@pytest.mark.parametrize("notation", sorted(NOTATIONS))
@SETTINGS
@given(e=_expressions())
@example(e=sympy.Symbol("n") * sympy.Identity(1))  # found by hypothesis: n I₁ prints as n
def test_what_is_printed_reads_back_as_the_same_function(notation, e):
    assert_reads_back(e, notation)


# examples a reader could get wrong: precedence, bars, signs, juxtaposition

X, A, B = (sympy.MatrixSymbol(s, 3, 3) for s in "XAB")
x, y = sympy.MatrixSymbol("x", 3, 1), sympy.MatrixSymbol("y", 3, 1)
a, b, t = sympy.symbols("a b t")
EXAMPLES = [
    A - B - X,                                  # a - b - c is (a - b) - c
    A * (B - X),                                # a sum in a product keeps its parentheses
    -(A * X) + B,
    A * (-X) * B,
    (x + y).T * A * (x - y),
    sympy.Abs(a) * sympy.Abs(b) * X,            # |a| |b| X: two bars, then two more
    sympy.Abs(a * sympy.Abs(b)) * X,            # |a |b||: a bar inside a bar
    matcalc.Norm(x) * matcalc.Norm(A * x - y),  # ‖x‖₂ ‖A x - y‖₂
    matcalc.Norm(X) ** 2 / 2,
    sympy.HadamardProduct(X, A * B),            # X ∘ (A B)
    sympy.HadamardPower(X, -1) * B,
    sympy.KroneckerProduct(A, B + X),
    sympy.Trace(X.I * A) ** 3 / sympy.Trace(A * X + B),
    X.I.T * A,                                  # X⁻ᵀ
    sympy.Determinant(X) * X.I.T,
    X * sympy.OneMatrix(3, 3) * X,              # X (𝟏 𝟏ᵀ) X
    sympy.Identity(3) - X,                      # I
    sympy.pi * sympy.Trace(X),                  # π
    matcalc.sigmoid(t) * X + sympy.Symbol("sigma") * (X + A),  # σ(t) sigmoid, σ (…) a product
    -sympy.Rational(3, 2) * t ** 2 * x,
]


@pytest.mark.parametrize("notation", sorted(NOTATIONS))
@pytest.mark.parametrize("e", EXAMPLES, ids=[matcalc.text(e) for e in EXAMPLES])
def test_examples_read_back(notation, e):
    printer, reader = NOTATIONS[notation]
    back = reader(printer(e), None if notation == "syntax" else symbols_of(e))
    point = random_point([e], None, seed=4)
    expected, got = value(e, point), value(back, point)
    if expected.shape == () and got.shape == (1, 1):
        got = got[0, 0]
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
