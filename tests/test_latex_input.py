"""matcalc.parse_latex and --latex-input: a formula pasted from a paper (or from matcalc's
own LaTeX) reads as the same expression as matcalc's syntax for it, and what it cannot
read is a located error, never a guess."""

import subprocess
import sys

import pytest

import matcalc
from matcalc import MatcalcSyntaxError, parse, parse_latex

SYMBOLS = {"mu": "vector", "b": "vector", "y": "vector", "w": "vector", "c": "vector"}

#: (LaTeX as papers write it, the same in matcalc's syntax)
PAPER = [
    (r"\operatorname{tr}(X^{-1})", "tr(inv(X))"),
    (r"\mathrm{tr}\left(A X B\right)", "tr(A*X*B)"),
    (r"\operatorname{Tr} A X^\top B", "tr(A*X'*B)"),          # tr takes the product after it
    (r"\log\det X", "logdet(X)"),
    (r"\ln \det(X)", "logdet(X)"),
    (r"\log \left| \det X \right|", "log(abs(det(X)))"),
    (r"\det(X) X^{-\top}", "det(X)*inv(X)'"),
    (r"X^{-T}", "inv(X)'"),
    (r"x^T A x", "x'*A*x"),
    (r"x^{\intercal} A x", "x'*A*x"),
    (r"x^{\mathsf{T}} A x", "x'*A*x"),
    (r"x' A x", "x'*A*x"),
    (r"y^\top K^{-1} y + \log\det K", "y'*inv(K)*y + logdet(K)"),
    (r"(x-\mu)^\top \Sigma^{-1} (x-\mu)", "(x-mu)'*inv(Sigma)*(x-mu)"),
    (r"\frac{1}{2} \lVert A x - b \rVert_2^2", "norm2(A*x-b)^2/2"),
    (r"\tfrac12 \|X\|_F^2", "norm2(X)^2/2"),
    (r"\left\| X \right\|_{F}", "norm2(X)"),
    (r"\lambda \|w\|^2", "lambda*norm2(w)^2"),
    (r"\Vert x \Vert_1", "norm1(x)"),
    (r"A \odot B + A \circ X", "A.*B + A.*X"),
    (r"X^{\circ 2} \odot X^{\circ -1}", "X.^2 .* X.^-1"),
    (r"A \otimes B", "kron(A, B)"),
    (r"A : B", "A : B"),
    (r"A \cdot B \times C", "A*B*C"),
    (r"2 \alpha A - \beta B", "2*alpha*A - beta*B"),
    (r"\sigma(Z w)^\top y", "sigmoid(Z*w)'*y"),
    (r"\mathbf{1}^\top \log\left(\mathbf{1} + e^{-y \odot (X w)}\right)",
     "vector(1)'*log(vector(1) + exp(-y.*(X*w)))"),
    (r"e^{-x^\top x}", "exp(-x'*x)"),
    (r"\exp\left(\operatorname{tr}(A X)\right)", "exp(tr(A*X))"),
    (r"\sqrt{x^\top x}", "sqrt(x'*x)"),
    (r"\mathbf{X}^\top \mathbf{X}", "X'*X"),
    (r"\mathbf{I} + X", "eye + X"),
    (r"\operatorname{diag}(x) A", "diag(x)*A"),
    (r"\operatorname{vec}(X)^\top (A \otimes B) \operatorname{vec}(X)",
     "vec(X)'*kron(A, B)*vec(X)"),
    (r"\operatorname{adj}(X)", "adj(X)"),
    (r"\frac{x^\top A x}{x^\top x}", "(x'*A*x)/(x'*x)"),
    (r"\bigl( A + B \bigr) X \, \Big( A - B \Big)", "(A + B)*X*(A - B)"),
    (r"\left[ A + B \right] X", "(A + B)*X"),
    (r"x_{1}^\top x_2", "x_1'*x_2"),
    (r"\hat{x}^\top x", "xhat'*x"),
    (r"\mathit{foo} X", "foo*X"),
    (r"a - d - e", "a - d - e"),
    (r"a - (d - e)", "a - (d - e)"),
    (r"- A X - B", "-A*X - B"),
    (r"\pi \operatorname{tr}(X)", "pi*tr(X)"),
]


@pytest.mark.parametrize(("tex", "syntax"), PAPER, ids=[t for t, _ in PAPER])
def test_paper_notation_reads_as_the_syntax_does(tex, syntax):
    assert parse_latex(tex, SYMBOLS) == parse(syntax, SYMBOLS)


def test_juxtaposed_letters_are_a_product_unless_a_longer_name_is_declared():
    assert parse_latex("AB") == parse("A*B")
    assert parse_latex("mu: vector; mu^T x") == parse("mu: vector; mu'*x")
    assert parse_latex("tr(X)") == parse("tr(X)")  # a function written plainly, with (…)


def test_declarations_come_before_the_formula():
    C = parse_latex(r"C: symmetric n x n; \log\det C")
    assert C == parse("C: symmetric n x n; logdet(C)")
    assert parse_latex(r"x^\top\;A\;x") == parse("x'*A*x")  # \; is a space, not a ';'


def test_sigmoid_and_a_product_with_sigma_are_told_apart():
    """matcalc prints sigmoid as \\sigma\\left(…\\right) and σ (A + B) with a space."""
    assert parse_latex(r"\sigma\left(X\right)") == parse("sigmoid(X)")
    assert parse_latex(r"\sigma \left(A + X\right)") == parse("sigma*(A + X)")


@pytest.mark.parametrize(("tex", "column", "words"), [
    (r"\operatorname{tr}(X", 20, "closing tr's '('"),
    (r"\frac{1}{2} \foo X", 13, "unknown command \\foo"),
    (r"\lVert X \rVert_\infty", 17, "\\infty"),
    (r"\|X\|_2", 1, "spectral norm"),
    (r"\|X\|", 1, "write ‖X‖_F"),
    (r"K_{n,n} \operatorname{vec}(X)", 1, "commutation matrix"),
    (r"\operatorname{vec}^{-1}(x)", 19, "vec⁻¹"),
    (r"A \boxtimes B", 3, "fourth-order"),
    (r"\left| x", 9, "closing"),
    (r"x^\top A y +", 13, "the end"),
    (r"", 1, "empty"),
    (r"\sqrt[3]{X}", 6, "\\sqrt[k]"),
])
def test_what_is_not_read_is_a_located_error(tex, column, words):
    with pytest.raises(MatcalcSyntaxError) as info:
        parse_latex(tex)
    assert words in info.value.message and info.value.column == column, info.value


def test_a_shape_error_points_into_the_latex():
    with pytest.raises(matcalc.ShapeError) as info:
        parse_latex(r"x^\top A + B", {"x": "3", "A": "3 x 3", "B": "2 x 2"})
    assert info.value.column == 10 and "x^\\top A" in info.value.message


def test_the_command_line_reads_latex():
    out = subprocess.run([sys.executable, "-m", "matcalc", "--latex-input",
                          r"\frac{1}{2}\lVert A x - b \rVert_2^2", "--let", "b: vector",
                          "--wrt", "x", "--check"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "Aᵀ (A x - b)"
    assert out.stdout.splitlines()[1].startswith("check: ok")
    bad = subprocess.run([sys.executable, "-m", "matcalc", "--latex-input", r"\log\det(X"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "closing det's '('" in bad.stderr
