"""Printers: a few whitespace-normalised goldens where the form is the feature, style
options, Jupyter rendering, and the registry of printers for every supported node."""

import re

import pytest
import sympy
from helpers import A, C, X, a, x
from sympy import Determinant, HadamardProduct, KroneckerProduct, Trace, log

import matcalc
from matcalc import Norm, Vec


def test_latex_style_options():
    G = matcalc.grad(Determinant(X), X)
    assert matcalc.latex(G) == r"\det\left(X\right) \, X^{-\top}"
    assert matcalc.latex(G, transpose="T") == r"\det\left(X\right) \, X^{-T}"
    assert matcalc.latex(G, bold=True) == r"\det\left(\mathbf{X}\right) \, \mathbf{X}^{-\top}"
    with pytest.raises(matcalc.OptionError, match="transpose="):
        matcalc.latex(G, transpose="prime")


def test_latex_of_products_sums_and_traces():
    assert matcalc.latex(matcalc.grad(x.T * A * x, x)) == r"\left(A + A^{\top}\right) \, x"
    assert matcalc.latex(Trace(X * A)) == r"\operatorname{tr}\left(X A\right)"
    assert matcalc.latex(HadamardProduct(X, A)) == r"X \odot A"
    assert matcalc.latex(KroneckerProduct(X, A)) == r"X \otimes A"
    dtr = matcalc.differential(Trace(X), X)
    assert matcalc.latex(dtr) == r"\operatorname{tr}\left(\mathrm{d}X\right)"


def test_one_by_one_matrix_prints_as_a_scalar():
    G = matcalc.grad(Trace(X) * (a.T * a), X)
    assert matcalc.text(G) == "(aᵀ a) I"


def test_fourth_order_latex():
    J = matcalc.jacobian(C.I, C, symmetric=True)
    assert matcalc.latex(J) == r"- C^{-1} \boxtimes C^{-1} : \mathbb{I}_s"
    J = matcalc.jacobian(X.T, X)
    assert matcalc.latex(J) == r"\left(I \boxtimes I\right) : \mathbb{T}"
    J = matcalc.jacobian(Trace(X) * A, X)
    assert matcalc.text(J) == "A ⊗ I" and matcalc.index(J, style="text") == "A_ij δ_kl"


def test_index_form_swaps_indices_of_transposed_leaves():
    J = matcalc.jacobian(A * X.T, X)
    assert matcalc.index(J, style="text") == "A_il δ_jk"
    with pytest.raises(matcalc.OptionError, match="fourth-order results.*got a MatrixSymbol"):
        matcalc.index(X)


def test_unsupported_printer_style_is_rejected():
    with pytest.raises(matcalc.OptionError, match="style="):
        matcalc.index(matcalc.jacobian(X.I, X), style="html")


def test_printers_leave_the_expression_unchanged():
    e = matcalc.grad(Trace(X.I) + log(Determinant(X)), X)
    before = sympy.srepr(e)
    matcalc.text(e), matcalc.latex(e)
    assert sympy.srepr(e) == before


@pytest.mark.parametrize("expr, expected_text, expected_latex", [
    # a 1 x 1 matrix used as a scalar keeps its parentheses inside powers and products
    (1 / Trace(x.T * x) * x, "x/(xᵀ x)", r"\frac{1}{\left(x^{\top} x\right)} \, x"),
    (Trace(x.T * A * x) ** 2 * A, "(xᵀ A x)² A", r"\left(x^{\top} A x\right)^{2} \, A"),
    (Trace(a.T * x) * Trace(x.T * A * x) * A, "(aᵀ x) (xᵀ A x) A",
     r"\left(a^{\top} x\right) \left(x^{\top} A x\right) \, A"),
    # superscripts on superscripts are bracketed: no A⁻¹² and no A^{-1}^{\top}
    (sympy.MatPow(A.I, 2), "(A⁻¹)²", r"\left(A^{-1}\right)^{2}"),
    (sympy.Inverse(A**2), "(A²)⁻¹", r"\left(A^{2}\right)^{-1}"),
    (sympy.Transpose(A.I), "A⁻ᵀ", r"A^{-\top}"),
    (sympy.Transpose(sympy.Transpose(A)), "(Aᵀ)ᵀ", r"\left(A^{\top}\right)^{\top}"),
    (sympy.MatPow(A, sympy.Rational(1, 2)), "A^(1/2)", r"A^{\frac{1}{2}}"),
    (sympy.I * Trace(X) * A, "i tr(X) A", r"i \operatorname{tr}\left(X\right) \, A"),
    (sympy.exp(Trace(a.T * X * a)) * A, "exp(aᵀ X a) A", r"e^{\left(a^{\top} X a\right)} \, A"),
])
def test_printing_is_unambiguous(expr, expected_text, expected_latex):
    assert matcalc.text(expr) == expected_text
    assert matcalc.latex(expr) == expected_latex


def test_coefficient_with_a_denominator_puts_the_matrix_on_top():
    G = matcalc.grad(1 / Trace(x.T * x), x)
    assert matcalc.text(G) == "-2 x/(xᵀ x)²"


def test_no_doubled_parentheses_or_halves():
    W = sympy.MatrixSymbol("W", 3, 2)
    J = matcalc.jacobian((W.T * W).I, W)
    assert "(((" not in matcalc.text(J)
    Js = matcalc.jacobian(3 * X.T * X, X, symmetric=True)
    assert matcalc.index(Js, style="text").startswith("3/2 (")
    assert r"\frac{1}{2} \frac" not in matcalc.index(Js)


def test_powers_of_sigmoid_and_softplus_print_in_latex():
    """SymPy's LaTeX printer passes exp= to a function's printer (found by the fuzzer)."""
    s = sympy.Symbol("s")
    assert matcalc.latex(matcalc.sigmoid(s) ** 2) == r"\sigma\left(s\right)^{2}"
    assert matcalc.latex(matcalc.softplus(s) ** 3) == r"\operatorname{softplus}\left(s\right)^{3}"
    assert sympy.latex(matcalc.sigmoid(s) ** 2) == r"\sigma\left(s\right)^{2}"


def test_one_by_one_constants_read_back_as_scalars():
    """x·I₁ and x·0₁ₓ₁: eye would get a dimension of its own (found by the fuzzer)."""
    x = sympy.MatrixSymbol("x", sympy.Symbol("n"), 1)
    for one_by_one, factor in [(sympy.Identity(1), 1), (sympy.OneMatrix(1, 1), 1),
                               (sympy.ZeroMatrix(1, 1), 0)]:
        e = sympy.MatMul(x, sympy.HadamardPower(one_by_one, 2), evaluate=False)
        assert matcalc.parse(matcalc.syntax(e, declare=True)) == factor * x


#: Names that are TeX: pasted as they are, each would read a file, write one, run a
#: command or change how TeX reads the rest (^^5c is TeX's spelling of a backslash).
HOSTILE_NAMES = (r"\input{/etc/passwd}", r"\input{secret}", r"\write18{touch pwned18}",
                 r"\immediate\openout1=pwned\immediate\closeout1",
                 r"\def\x{y}\catcode`\^^M=12", "^^5cinput{secret}", "a&b#c$d%e~f}{",
                 "line\nbreak\x1b")
TEX_COMMANDS = re.compile(r"\\(input|write|openout|closeout|immediate|def|catcode)(?![A-Za-z])")


def hostile_latex(name: str) -> list[str]:
    """Every LaTeX path of matcalc (latex, bold, derivations, fourth-order results, index
    notation, Jupyter, SymPy's latex on matcalc's nodes), with a matrix, a scalar, a
    dimension and an entrywise function named after `name`; each piece pastes into a
    document body."""
    M, s, n = sympy.MatrixSymbol(name, 3, 3), sympy.Symbol("s" + name), sympy.Symbol(name)
    N = sympy.MatrixSymbol("N", n, n)
    f = s * Trace(M.I)
    J = matcalc.jacobian(M.I, M)
    math = [matcalc.latex(matcalc.grad(f, M)), matcalc.latex(matcalc.grad(f, M), bold=True),
            J.latex(), matcalc.index(J), matcalc.latex(matcalc.jacobian(N.T, N).kronecker()),
            matcalc.latex(matcalc.elementwise(sympy.Function(name), M)),
            sympy.latex(Vec(M)), sympy.latex(Norm(M))]
    return [rf"\[ {m} \]" for m in math] + [
        matcalc.derive(f, M).latex(), matcalc.derive(f, s).latex(),
        matcalc.derive(f, M)._repr_latex_(), J._repr_latex_()]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=repr)
def test_latex_never_turns_a_name_into_tex(name):
    for printed in hostile_latex(name):
        assert not TEX_COMMANDS.search(printed) and "^^" not in printed, printed


def test_latex_escapes_names_and_keeps_sympys_conventions():
    M = sympy.MatrixSymbol(r"\input{/etc/passwd}", 3, 3)
    assert matcalc.latex(M.I) == r"\backslash{}input\{/etc/passwd\}^{-1}"
    assert matcalc.latex(sympy.Symbol("a&b#c$d%e~f}{")) == \
        r"a\&b\#c\$d\%e\text{\textasciitilde}f\}\{"
    assert matcalc.latex(sympy.Symbol("x\n")) == r"x\backslash{}n"
    assert matcalc.latex(sympy.Symbol("x_{ij}")) == r"x_{\{ij\}}"  # SymPy: raw LaTeX x_{ij}
    J = matcalc.jacobian(M.I, M)
    assert matcalc.index(J).startswith(r"- \backslash{}input\{/etc/passwd\}^{-1}_{ik}")
    assert sympy.latex(Vec(M)) == r"\operatorname{vec}\left(\backslash{}input\{/etc/passwd\}\right)"
    for name, expected in [("alpha", r"\alpha"), ("x_1", "x_{1}"), ("C", "C"),
                           ("xhat", r"\hat{x}"), ("Sigma", r"\Sigma")]:
        assert matcalc.latex(sympy.MatrixSymbol(name, 3, 3)) == expected
        assert matcalc.latex(sympy.Symbol(name)) == expected == sympy.latex(sympy.Symbol(name))
    assert matcalc.latex(sympy.Symbol("beta_i^2")) == r"\beta^{2}_{i}"
    assert matcalc.latex(sympy.MatrixSymbol("X__a", 3, 3).I) == "{X^{a}}^{-1}"
    assert matcalc.latex(sympy.MatrixSymbol("x_1", 3, 3), bold=True) == r"\mathbf{x_{1}}"


def test_floats_powers_of_exp_and_sympys_own_functions_print_as_before():
    """Found by review of the registry: the rows must keep SymPy's nesting level (Floats
    shorten below the top), a power of e^{a} needs parentheses, and a function SymPy
    prints itself (Heaviside) keeps its form."""
    a, b = sympy.symbols("a b")
    assert matcalc.text(sympy.Float(2.5) * X) == "2.5 X"
    assert matcalc.latex(sympy.exp(a) ** b) == r"\left(e^{a}\right)^{b}"
    assert matcalc.latex(matcalc.sigmoid(a) ** 2) == r"\sigma\left(a\right)^{2}"
    assert matcalc.text(sympy.Heaviside(a)) == "Heaviside(a)"


def test_a_scalar_of_one_by_one_is_parenthesised_once():
    r"""√, log, σ of xᵀ X x: the function's own parentheses suffice (issue 16:
    \sqrt{\left(…\right)}, \log\left(\left(…\right)\right))."""
    q = Trace(x.T * X * x)
    assert matcalc.text(sympy.sqrt(q)) == "sqrt(xᵀ X x)"
    assert matcalc.latex(sympy.sqrt(q)) == r"\sqrt{x^{\top} X x}"
    assert matcalc.latex(1 / sympy.sqrt(q)) == r"\frac{1}{\sqrt{x^{\top} X x}}"
    assert matcalc.latex(sympy.log(q)) == r"\log\left(x^{\top} X x\right)"
    assert matcalc.text(matcalc.sigmoid(q)) == "σ(xᵀ X x)"


def test_latex_sets_delimited_factors_apart_and_names_of_several_letters_in_one_piece():
    """A X B stays as papers print it; det(X) X⁻ᵀ and A (B + C) get a thin space, which
    TeX would otherwise drop; a name of several letters is \\mathit{…}, so that it reads
    (and reads back) as one name, not a product of letters."""
    B, C = sympy.MatrixSymbol("B", 3, 3), sympy.MatrixSymbol("C", 3, 3)
    assert matcalc.latex(A * X * B) == "A X B"
    assert matcalc.latex(A * (B + C) * X) == r"A \, \left(B + C\right) \, X"
    foo = sympy.MatrixSymbol("foo", 3, 3)
    assert matcalc.latex(foo * B) == r"\mathit{foo} B"
    assert matcalc.parse_latex(matcalc.latex(foo * B), {"foo": foo, "B": B}) == foo * B
    assert matcalc.latex(sympy.Function("foo")(sympy.Symbol("t"))).startswith(
        r"\operatorname{foo}")
