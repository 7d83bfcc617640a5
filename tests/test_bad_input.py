"""The bad-input catalogue: every family of bad input gets a MatcalcError of the right class
whose one-line message names the problem, never a traceback from inside matcalc or SymPy.

Families: shapes in products, sums and Hadamard products; inverse, trace and det of a
non-square matrix; a variable that is not a symbol; a non-scalar f for grad; unknown
functions; structure options that do not fit; bad numeric values for evaluate / check;
the parser's own families (unbalanced parentheses, dangling operators, unknown names,
empty, huge, unicode look-alikes, injection); non-expressions given to the API; the CLI.
"""

import numpy as np
import pytest
import sympy
from sympy import Basic, Determinant, HadamardProduct, Inverse, MatAdd, MatMul, MatrixSymbol, Trace

import matcalc
from matcalc import cli

n, m = sympy.Symbol("n"), sympy.Symbol("m")
X = MatrixSymbol("X", n, n)
W = MatrixSymbol("W", n, m)          # rectangular
R = MatrixSymbol("R", m, n)
x = MatrixSymbol("x", n, 1)


def _unchecked(cls, *args):
    """A node SymPy would build without checking shapes (or that a user built so)."""
    return Basic.__new__(cls, *args)


def _raises(cls, words, call):
    with pytest.raises(cls) as info:
        call()
    message = info.value.message
    assert "\n" not in message, message
    for w in words:
        assert w in message, f"{w!r} not in {message!r}"
    return info.value


API = [  # (family, call, error class, words the message must contain)
    ("product shapes", lambda: matcalc.grad(Trace(MatMul(X, R, evaluate=False) * W), X),
     matcalc.ShapeError, ["product X (n x n) * R (m x n)", "n columns meet m rows"]),
    ("sum shapes", lambda: matcalc.grad(Trace(MatAdd(X, W, evaluate=False) * R), X),
     matcalc.ShapeError, ["sum of", "X (n x n)", "W (n x m)", "shapes differ"]),
    ("Hadamard shapes", lambda: matcalc.grad(Trace(HadamardProduct(X, W) * R), X),
     matcalc.ShapeError, ["Hadamard product", "W (n x m)", "X (n x n)"]),
    ("inverse of non-square", lambda: matcalc.grad(Trace(R * _unchecked(Inverse, W)), W),
     matcalc.ShapeError, ["inverse of the non-square matrix W (n x m)"]),
    ("trace of non-square", lambda: matcalc.grad(_unchecked(Trace, W) + Trace(X), X),
     matcalc.ShapeError, ["trace of the non-square matrix W (n x m)"]),
    ("det of non-square", lambda: matcalc.grad(_unchecked(Determinant, W) * Trace(X), X),
     matcalc.ShapeError, ["determinant of the non-square matrix W (n x m)"]),
    ("wrt a transpose", lambda: matcalc.grad(Trace(X), X.T),
     matcalc.VariableError, ["X.T (Transpose)", "must be a MatrixSymbol or a scalar Symbol"]),
    ("wrt 2X", lambda: matcalc.grad(Trace(X), 2 * X),
     matcalc.VariableError, ["2*X (MatMul)", "must be a MatrixSymbol"]),
    ("wrt an expression", lambda: matcalc.jacobian(X.I, Trace(X) * X),
     matcalc.VariableError, ["must be a MatrixSymbol"]),
    ("wrt an unknown name", lambda: matcalc.grad(Trace(X), "Y"),
     matcalc.VariableError, ["no symbol named 'Y'", "its symbols: X"]),
    ("wrt a name of two symbols", lambda: matcalc.grad(Trace(X) * sympy.Symbol("X"), "X"),
     matcalc.VariableError, ["2 symbols named 'X'"]),
    ("check wrt an unknown name", lambda: matcalc.check(Trace(X), "Y"),
     matcalc.VariableError, ["no symbol named 'Y'"]),
    ("wrt a dimension", lambda: matcalc.grad(Trace(X), n),
     matcalc.VariableError, ["n is a dimension"]),
    ("non-scalar f for grad", lambda: matcalc.grad(X * X, X),
     matcalc.NotScalarError, ["grad needs a scalar f", "n x n", "use jacobian"]),
    ("non-scalar f for hessian", lambda: matcalc.hessian(x, x),
     matcalc.NotScalarError, ["hessian needs a scalar f", "n x 1"]),
    ("unknown function", lambda: matcalc.grad(sympy.Function("g")(Trace(X)), X),
     matcalc.NoRuleError, ["no differential rule for the function g"]),
    ("unknown entrywise function",
     lambda: matcalc.grad(Trace(matcalc.elementwise(sympy.Function("g"), X)), X),
     matcalc.NoRuleError, ["g applied entrywise"]),
    ("entrywise non-function", lambda: matcalc.elementwise(3, X),
     matcalc.OptionError, ["elementwise takes a function", "got 3"]),
    ("scalar function of a matrix", lambda: matcalc.grad(sympy.exp(X), X),
     matcalc.NoRuleError, ["a scalar function of the matrix X", "matcalc.elementwise"]),
    ("symmetric non-square", lambda: matcalc.grad(Trace(W.T * W), W, symmetric=True),
     matcalc.VariableError, ["symmetric=True needs a square matrix variable", "W is n x m"]),
    ("symmetric option", lambda: matcalc.grad(Trace(X), X, symmetric="yes"),
     matcalc.VariableError, ["symmetric='yes'"]),
    ("diagonal vector", lambda: matcalc.grad(Trace(x.T * x), x, diagonal=True),
     matcalc.VariableError, ["diagonal=True needs a square matrix variable"]),
    ("f is text", lambda: matcalc.grad("tr(X)", X),
     matcalc.ExpressionError, ["not a SymPy expression", "matcalc.parse"]),
    ("f is None", lambda: matcalc.jacobian(None, X),
     matcalc.ExpressionError, ["not a SymPy expression"]),
    ("simplify text", lambda: matcalc.simplify("X"),
     matcalc.ExpressionError, ["not a SymPy expression"]),
    ("print an object", lambda: matcalc.text(object()),
     matcalc.ExpressionError, ["not a SymPy expression"]),
    ("latex of None", lambda: matcalc.latex(None),
     matcalc.ExpressionError, ["not a SymPy expression"]),
    ("syntax of a list", lambda: matcalc.syntax([X]),
     matcalc.ExpressionError, ["not a SymPy expression"]),
    ("check an object", lambda: matcalc.check(object(), X),
     matcalc.ExpressionError, ["check's f is not a SymPy expression", "object"]),
    ("check text", lambda: matcalc.check("__import__('os').getcwd()", X),
     matcalc.ExpressionError, ["not a SymPy expression but the text", "matcalc.parse"]),
    ("check a fourth-order result", lambda: matcalc.check(matcalc.jacobian(X.I, X), X),
     matcalc.ExpressionError, ["check's f is a fourth-order result"]),
    ("check a derivative that is an object", lambda: matcalc.check(Trace(X), X,
                                                                   derivative=object()),
     matcalc.ExpressionError, ["check's derivative is not a SymPy expression"]),
    ("check a derivative of the wrong shape",
     lambda: matcalc.check(Trace(X), X, derivative=matcalc.jacobian(X.I, X)),
     matcalc.ShapeError, ["the derivative has shape (3, 3, 3, 3); expected (3, 3)"]),
    ("grad of a fourth-order result", lambda: matcalc.grad(matcalc.jacobian(X.I, X), X),
     matcalc.ExpressionError, ["f is a fourth-order result"]),
    ("hessian of a fourth-order result",
     lambda: matcalc.hessian(matcalc.jacobian(X.I, X), X),
     matcalc.ExpressionError, ["f is a fourth-order result"]),
    ("derive text", lambda: matcalc.derive("tr(X)", X),
     matcalc.ExpressionError, ["not a SymPy expression but the text"]),
    ("evaluate an object", lambda: matcalc.evaluate(object(), {}),
     matcalc.ExpressionError, ["evaluate's argument is not a SymPy expression"]),
    ("a node of text", lambda: matcalc.Norm("__import__('os').getcwd()"),
     matcalc.ExpressionError, ["not a SymPy expression but the text"]),
    ("a symmetric symbol sized by text", lambda: matcalc.SymmetricMatrixSymbol("S", 3, "3"),
     matcalc.ExpressionError, ["not a SymPy expression but the text"]),
    ("index of a matrix", lambda: matcalc.index(X),
     matcalc.OptionError, ["fourth-order results"]),
    ("unknown backend", lambda: matcalc.codegen(Trace(X), [X], backend="fortran"),
     matcalc.MatcalcError, ["unknown backend 'fortran'"]),
]


@pytest.mark.parametrize("family, call, cls, words", API, ids=[a[0] for a in API])
def test_api_families(family, call, cls, words):
    _raises(cls, words, call)


NUMERIC = [  # evaluate and check with bad values
    ("wrong shape", lambda: matcalc.evaluate(Trace(X), {"X": np.eye(3)[:2]}),
     ["X is n x n", "(2, 3)"]),
    ("shapes that disagree", lambda: matcalc.evaluate(Trace(W * R), {"W": np.ones((3, 2)),
                                                                     "R": np.ones((3, 3))}),
     ["dimension", "from R", "from W"]),
    ("NaN", lambda: matcalc.evaluate(Trace(X), {"X": np.full((2, 2), np.nan)}),
     ["X", "non-finite"]),
    ("inf", lambda: matcalc.evaluate(Trace(X), {"X": np.full((2, 2), np.inf)}),
     ["X", "non-finite"]),
    ("singular inverse", lambda: matcalc.evaluate(Trace(X.I), {"X": np.zeros((3, 3))}),
     ["singular"]),
    ("log of a negative determinant",
     lambda: matcalc.evaluate(sympy.log(Determinant(X)), {"X": -np.eye(3)}),
     ["log of a non-positive"]),
    ("missing value", lambda: matcalc.evaluate(Trace(X * W * R), {"X": np.eye(2)}),
     ["no value given for"]),
    ("text value", lambda: matcalc.evaluate(Trace(X), {"X": [["a"]]}), ["must be numbers"]),
    ("not a mapping", lambda: matcalc.evaluate(Trace(X), [np.eye(2)]), ["mapping"]),
    ("check at NaN", lambda: matcalc.check(Trace(X.I), X, values={"X": np.full((3, 3),
                                                                               np.nan)}),
     ["non-finite"]),
    ("check at a singular point",
     lambda: matcalc.check(Trace(X.I), X, values={"X": np.zeros((3, 3))}), ["singular"]),
    ("check with a wrong shape", lambda: matcalc.check(Trace(X.I), X,
                                                       values={"X": np.eye(3)[:2]}),
     ["X is n x n", "(2, 3)"]),
    ("check with a non-symmetric value",
     lambda: matcalc.check(Trace(X.I), X, symmetric=True, values={"X": np.triu(np.ones((3,
                                                                                        3)))}),
     ["not symmetric"]),
    ("check at a zero dimension", lambda: matcalc.check(Trace(X), X, dims={"n": 0}),
     ["positive integer"]),
    ("check at a huge dimension", lambda: matcalc.check(Trace(X), X, dims={"n": 10**6}),
     ["too large"]),
]


@pytest.mark.parametrize("family, call, words", NUMERIC, ids=[a[0] for a in NUMERIC])
def test_numeric_families(family, call, words):
    _raises(matcalc.EvaluationError if "symmetric value" not in family
            else matcalc.VariableError, words, call)


PARSER = [  # (family, text, error class, words)
    ("unbalanced (", "tr((X)", matcalc.MatcalcSyntaxError, ["unexpected end of input", "')'"]),
    ("unbalanced )", "tr(X))", matcalc.MatcalcSyntaxError, ["unexpected ')'"]),
    ("stray bracket", "X]", matcalc.MatcalcSyntaxError, ["unexpected character ']'"]),
    ("dangling +", "X +", matcalc.MatcalcSyntaxError, ["unexpected end of input"]),
    ("dangling *", "* X", matcalc.MatcalcSyntaxError, ["unexpected '*'"]),
    ("dangling ^", "X^", matcalc.MatcalcSyntaxError, ["unexpected end of input"]),
    ("double operator", "X + * Y", matcalc.MatcalcSyntaxError, ["unexpected '*'"]),
    ("unknown function", "foo(X)", matcalc.MatcalcSyntaxError, ["unknown function foo"]),
    ("a function used as a name", "tr", matcalc.MatcalcSyntaxError, ["tr is a function"]),
    ("empty", "", matcalc.MatcalcSyntaxError, ["empty expression"]),
    ("blank", "  \n\t ", matcalc.MatcalcSyntaxError, ["empty expression"]),
    ("huge", "X+" * 600_000 + "X", matcalc.LimitError, ["characters long", "1,000,000"]),
    ("huge number", "1" * 200, matcalc.MatcalcSyntaxError, ["out of range"]),
    ("deep", "sin(" * 300 + "tr(X)" + ")" * 300, matcalc.LimitError, ["nested more than"]),
    ("Cyrillic X", "tr(Х)", matcalc.MatcalcSyntaxError,
     ["CYRILLIC CAPITAL LETTER HA", "did you mean 'X'"]),
    ("Greek A", "tr(Α*X)", matcalc.MatcalcSyntaxError, ["GREEK CAPITAL LETTER ALPHA", "'A'"]),
    ("en dash", "X – Y", matcalc.MatcalcSyntaxError, ["EN DASH", "'-'"]),
    ("typographic quote", "x’*x", matcalc.MatcalcSyntaxError, ["QUOTATION MARK", "\"'\""]),
    ("superscript parenthesis", "X⁽", matcalc.MatcalcSyntaxError,
     ["SUPERSCRIPT LEFT PARENTHESIS"]),
    ("full-width parenthesis", "tr（X）", matcalc.MatcalcSyntaxError, ["FULLWIDTH", "'('"]),
    ("emoji", "tr(X)🙂", matcalc.MatcalcSyntaxError, ["not a character of the syntax"]),
    ("NUL", "X\x00", matcalc.MatcalcSyntaxError, ["unexpected character"]),
    ("import", "__import__('os').system('touch pwned')", matcalc.MatcalcSyntaxError,
     ["unexpected character '_'"]),
    ("attribute", "X.__class__", matcalc.MatcalcSyntaxError, ["unexpected"]),
    ("eval", "eval(\"1\")", matcalc.MatcalcSyntaxError, ["unexpected character '\"'"]),
    ("statement", "X; import os", matcalc.MatcalcSyntaxError, ["unexpected ';'"]),
    ("lambda", "lambda: 0", matcalc.MatcalcSyntaxError, ["double dot", "ends with ';'"]),
    ("LaTeX", r"\operatorname{tr}(X)", matcalc.MatcalcSyntaxError,
     ["unexpected character", "parse_latex"]),
    ("shape in a product", "A: 2 x 3; B: 2 x 3; A*B", matcalc.ShapeError,
     ["product A (2 x 3) times B (2 x 3)"]),
    ("shape in a sum", "A: 2 x 3; B: 3 x 3; A + B", matcalc.ShapeError, ["shapes differ"]),
    ("shape in a Hadamard product", "A: 2 x 3; B: 3 x 2; A.*B", matcalc.ShapeError,
     ["entrywise product", "2 x 3", "3 x 2"]),
    ("inverse of non-square", "A: 2 x 3; inv(A)", matcalc.ShapeError,
     ["inverse of a non-square 2 x 3"]),
    ("trace of non-square", "A: 2 x 3; tr(A)", matcalc.ShapeError, ["trace", "2 x 3"]),
    ("det of non-square", "A: 2 x 3; det(A)", matcalc.ShapeError, ["determinant", "2 x 3"]),
    ("symmetric non-square", "A: symmetric 2 x 3; A", matcalc.MatcalcSyntaxError,
     ["must be square"]),
]


@pytest.mark.parametrize("family, text, cls, words", PARSER, ids=[p[0] for p in PARSER])
def test_parser_families(family, text, cls, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _raises(cls, words, lambda: matcalc.parse(text))
    assert not any(tmp_path.iterdir())  # nothing ran


_PAYLOAD = "__import__('pathlib').Path('pwned').touch()"


@pytest.mark.parametrize("call", [
    lambda: matcalc.grad(_PAYLOAD, X), lambda: matcalc.jacobian(_PAYLOAD, X),
    lambda: matcalc.hessian(_PAYLOAD, X), lambda: matcalc.differential(_PAYLOAD, X),
    lambda: matcalc.derive(_PAYLOAD, X), lambda: matcalc.check(_PAYLOAD, X),
    lambda: matcalc.check(Trace(X), X, derivative=_PAYLOAD),
    lambda: matcalc.evaluate(_PAYLOAD, {}), lambda: matcalc.simplify(_PAYLOAD),
    lambda: matcalc.text(_PAYLOAD), lambda: matcalc.latex(_PAYLOAD),
    lambda: matcalc.syntax(_PAYLOAD), lambda: matcalc.codegen(_PAYLOAD, [X]),
    lambda: matcalc.Norm(_PAYLOAD), lambda: matcalc.Vec(_PAYLOAD),
    lambda: matcalc.Adjugate(_PAYLOAD), lambda: matcalc.Unvec(_PAYLOAD, 1, 1),
    lambda: matcalc.CommutationMatrix(_PAYLOAD, 2),
    lambda: matcalc.SymmetricMatrixSymbol("S", 3, _PAYLOAD),
], ids=["grad", "jacobian", "hessian", "differential", "derive", "check f",
        "check derivative", "evaluate", "simplify", "text", "latex", "syntax", "codegen",
        "Norm", "Vec", "Adjugate", "Unvec", "CommutationMatrix", "SymmetricMatrixSymbol"])
def test_text_given_as_an_expression_is_never_evaluated(call, tmp_path, monkeypatch):
    """SymPy's sympify evaluates text with eval; matcalc refuses it instead."""
    monkeypatch.chdir(tmp_path)
    _raises(matcalc.ExpressionError, ["not a SymPy expression but the text"], call)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("argv, words", [
    (["tr(X)", "--wrt", "Y"], ["no symbol Y"]),
    (["tr(X"], ["unexpected end of input", "^"]),
    (["A: 2 x 3; tr(A*A')", "--wrt", "A", "--symmetric"], ["needs a square matrix"]),
    (["tr(X)*Х"], ["CYRILLIC"]),
    ([""], ["empty expression"]),
    (["exp(" * 300 + "tr(X)" + ")" * 300], ["nested more than"]),
    (["foo(X)"], ["unknown function foo"]),
    (["__import__('os')"], ["unexpected character"]),
])
def test_the_command_line_prints_one_error_and_exits_2(argv, words, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("matcalc: error: ") and "Traceback" not in err
    for w in words:
        assert w in err


def test_x_to_the_power_of_a_declared_t_says_how_to_transpose():
    """X^T is the transpose unless T is declared; then it is a power, and the error where
    it has no rule says X' is the transpose."""
    f = matcalc.parse("T: scalar; X^T")
    X = next(v for v in f.free_symbols if v.name == "X")
    with pytest.raises(matcalc.NoRuleError, match="X' its transpose"):
        matcalc.jacobian(f, X)
    assert matcalc.parse("X^T") == matcalc.parse("X'")
