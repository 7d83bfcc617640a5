"""matcalc.parse: matrixcalculus.org's syntax, shapes inferred, errors located, no eval;
and matcalc.syntax, the printer whose text parse reads back."""

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy import (Determinant, DiagMatrix, DiagonalOf, HadamardPower, HadamardProduct, Identity,
                   MatrixSymbol, OneMatrix, Symbol, Trace, log)

import matcalc
from matcalc import MatcalcSyntaxError, ShapeError, parse, syntax
from matcalc.core.nodes import Norm, SymmetricMatrixSymbol, Vec, elementwise, kronecker, normalise

n, m, p, q = sympy.symbols("n m p q")


# --- the examples of matrixcalculus.org's documentation page (and the seeds) ---------

DOCUMENTATION_EXAMPLES = [
    "0.5*x'*A*x", "A*exp(x)", "(y.*v)'*x", "a^b", "norm1(A*x-y)", "norm2(A*x-y)^2",
    "sum(log(exp(-y.*(X*w)) + vector(1)))", "tr(A*X'*B*X*C)", "log(det(inv(X)))",
    "sin(x)'*y", "x'*A*x + c*sin(y)'*x",
]


@pytest.mark.parametrize("text", DOCUMENTATION_EXAMPLES)
def test_documentation_examples_parse_and_differentiate(text):
    f = parse(text)
    variables = [s for s in f.free_symbols if s.name in "xwX"] or sorted(
        f.free_symbols, key=lambda s: s.name)[:1]
    for X in variables:
        result = matcalc.check(f, X)
        assert result.ok, f"{text} by {X}: {result}"


def test_documentation_examples_build_the_expected_expressions():
    x, y, v, w = (MatrixSymbol(s, n, 1) for s in "xyvw")
    A = MatrixSymbol("A", n, n)
    assert parse("0.5*x'*A*x") == sympy.Rational(1, 2) * x.T * A * x
    assert parse("log(det(inv(X)))") == log(Determinant(MatrixSymbol("X", n, n).I))
    assert parse("a^b") == Symbol("a") ** Symbol("b")
    assert parse("norm2(A*x-y)^2", {"A": A, "x": x, "y": y}) == Norm(A * x - y) ** 2
    assert parse("(y.*v)'*x", {"x": x, "y": y, "v": v}) == HadamardProduct(y, v).T * x
    assert parse("A*exp(x)", {"A": A, "x": x}) == A * elementwise(sympy.exp, x)
    f = parse("sum(log(exp(-y.*(X*w)) + vector(1)))")
    assert f.shape == (1, 1)
    assert matcalc.text(f) == "𝟏ᵀ log(exp((-y) ∘ (X w)) + 𝟏)"


def test_seed_formulas():
    X = MatrixSymbol("X", n, n)
    assert parse("tr(inv(X))") == Trace(X.I)
    assert matcalc.text(matcalc.grad(parse("tr(inv(X))"), X)) == "-(X⁻²)ᵀ"
    assert matcalc.text(matcalc.grad(parse("log(det(X))"), X)) == "X⁻ᵀ"
    C = parse("C: symmetric n x n; C")
    assert isinstance(C, SymmetricMatrixSymbol)
    assert matcalc.text(matcalc.jacobian(parse("C: symmetric n x n; inv(C)"), C)) \
        == "-C⁻¹ ⊠ C⁻¹ : 𝕀ₛ"


# --- types and shapes -----------------------------------------------------------------


def test_names_are_typed_by_first_letter():
    f = parse("a*x'*A*x")
    assert Symbol("a") in f.free_symbols
    shapes = {s.name: s.shape for s in f.atoms(MatrixSymbol)}
    assert shapes == {"x": (n, 1), "A": (n, n)}


def test_dimensions_are_inferred_from_products():
    f = parse("tr(A*X'*B*X*C)")
    shapes = {s.name: tuple(s.shape) for s in f.atoms(MatrixSymbol)}
    X, B = shapes["X"], shapes["B"]
    assert B == (X[0], X[0])
    assert shapes["A"][1] == X[1] and shapes["C"][0] == X[1]
    assert shapes["A"][0] == shapes["C"][1]


def test_symbols_mapping_uses_the_given_objects():
    X = MatrixSymbol("X", 3, 3)
    t = Symbol("t", positive=True)
    f = parse("t*tr(X)", symbols={"X": X, "t": t})
    assert f == t * Trace(X)
    assert f.free_symbols == {X, t}


@pytest.mark.parametrize("shape, expected", [
    ("n x n", (n, n)), ("m x 1", (m, 1)), ("3 x 3", (3, 3)), ("n×m", (n, m)),
    ("n*m", (n, m)), ("n", (n, 1)),
])
def test_shape_strings(shape, expected):
    assert parse("Y", {"Y": shape}).shape == expected


def test_shape_strings_for_scalars_vectors_and_symmetric_matrices():
    assert parse("z", {"z": "scalar"}) == Symbol("z")
    assert parse("K", {"K": "vector"}).shape[1] == 1
    S = parse("S", {"S": "symmetric n x n"})
    assert isinstance(S, SymmetricMatrixSymbol) and S.shape == (n, n)
    assert isinstance(parse("S", {"S": "symmetric"}), SymmetricMatrixSymbol)


def test_inline_declarations():
    f = parse("A, B: 3 x 3; x: 3; x'*A*B*x")
    assert {s.shape for s in f.atoms(MatrixSymbol)} == {(3, 3), (3, 1)}
    assert parse("t: scalar; k: vector; t*k").shape == (n, 1)


def test_one_by_one_matrices_are_scalars_where_a_scalar_is_needed():
    x = MatrixSymbol("x", n, 1)
    A = MatrixSymbol("A", n, n)
    assert parse("exp(x'*x)") == sympy.exp(Trace(x.T * x))
    assert parse("(x'*x)*A", {"A": A, "x": x}) == Trace(x.T * x) * A
    assert parse("a + x'*x") == Symbol("a") + Trace(x.T * x)
    assert parse("x/(x'*x)") == x / Trace(x.T * x)


def test_operators():
    X, Y = MatrixSymbol("X", n, m), MatrixSymbol("Y", n, m)
    assert parse("X.*Y") == HadamardProduct(X, Y)
    assert parse("X./Y") == HadamardProduct(X, HadamardPower(Y, -1))
    assert parse("X.^2") == HadamardPower(X, 2)
    S = MatrixSymbol("S", n, n)
    assert parse("S^-1") == S.I
    assert parse("S^3") == S**3
    assert parse("-S'", {"S": S}) == -S.T
    assert parse("2^3^2") == 64  # ^ reads left to right, as in MATLAB
    assert parse("S^2'", {"S": S}) == (S**2).T  # so does ': (S^2)'
    assert parse("-a^2") == -Symbol("a") ** 2  # unary minus binds looser than ^
    assert parse("1e-3*S", {"S": S}) == sympy.Rational(1, 1000) * S
    assert parse("S/2", {"S": S}) == S / 2


def test_functions():
    x, X = MatrixSymbol("x", n, 1), MatrixSymbol("X", n, n)

    def P(text, symbols=None):
        return parse(text, symbols or {"x": x, "X": X})

    assert P("diag(x)") == DiagMatrix(x)
    assert P("diag(X)") == DiagonalOf(X)
    assert P("vec(X)", {"X": X}) == Vec(X)
    assert P("logdet(X)") == log(Determinant(X))
    assert P("eye + X") == Identity(n) + X
    assert P("vector(1)'*x") == OneMatrix(1, n) * x
    assert P("sum(X)") == OneMatrix(1, n) * X * OneMatrix(n, 1)
    assert P("norm2(X)") == Norm(X)
    assert P("sqrt(X)") == HadamardPower(X, sympy.Rational(1, 2))
    assert P("sigmoid(X)") == elementwise(matcalc.sigmoid, X)
    A, B = MatrixSymbol("A", n, m), MatrixSymbol("B", p, q)
    assert parse("kron(A, B)", {"A": A, "B": B}) == kronecker(A, B)
    assert parse("kron(A, B)*vec(Z)").shape == (parse("kron(A, B)*vec(Z)").shape[0], 1)


# --- errors -------------------------------------------------------------------------

MALFORMED = [  # (text, column of the caret, words of the message)
    ("tr(X))", 6, "unexpected ')'"),
    ("X*", 3, "end of input"),
    ("(((X)", 6, "end of input"),
    ("X + * Y", 5, "unexpected '*'"),
    ("X $ Y", 3, "unexpected character '$'"),
    ("2..3", 2, "unexpected"),
    ("tr()", 1, "tr takes 1 argument, got 0"),
    ("tr(X,)", 6, "unexpected ')'"),
    ("foo(X)", 1, "unknown function foo"),
    ("X(2)", 1, "X is not a function"),
    ("tr", 1, "tr is a function"),
    ("kron(A)", 1, "kron takes 2 arguments"),
    ("tr(A, B)", 1, "tr takes 1 argument"),
    ("x: n x; x", 4, "not a shape"),
    ("x: symmetric n x m; x", 4, "must be square"),
    ("", 1, "empty expression"),
    ("__import__('os').system('echo hi')", 1, "unexpected character '_'"),
    ("X.Y", 2, "unexpected"),
    ("lambda: 0", 7, "double dot A : B of a scalar"),
    ("x'*A*y; import os", 2, "only declarations"),
    ("tr(X)/0", 6, "division by zero"),
    ("x ./ 0", 3, "division by zero"),
    ("0^-1", 2, "division by zero"),
    ("1e5000*tr(X)", 1, "out of range"),
    ("1" * 4400, 1, "out of range"),
    ("2^100000", 2, "out of range"),
    ("tr(I(X))", 4, "I is not a function"),
    ("X: 3 x 3; X: 4 x 4; X", 11, "declared twice"),
    ("A: symmetric vector; A", 4, "cannot be declared symmetric"),
]


@pytest.mark.parametrize("text, column, words", MALFORMED)
def test_malformed_input_is_a_located_syntax_error(text, column, words):
    with pytest.raises(MatcalcSyntaxError) as info:
        parse(text)
    err = info.value
    assert words in err.message
    assert (err.line, err.column) == (1, column)
    caret_line = str(err).splitlines()[-1]
    assert caret_line.index("^") - 2 == column - 1  # the caret sits under the column


SHAPE_ERRORS = [
    ("A, B: n x m; A*B", 15, ["A (n x m)", "B (n x m)"]),
    ("A: 2 x 3; B: 3 x 3; A + B", 23, ["2 x 3", "3 x 3"]),
    ("A: 2 x 3; inv(A)", 11, ["inverse", "2 x 3"]),
    ("A: 2 x 3; tr(A)", 11, ["trace", "2 x 3"]),
    ("A: 2 x 3; B: 3 x 2; A.*B", 22, ["entrywise product", "2 x 3", "3 x 2"]),
    ("A / B", 3, ["division by"]),
    ("inv(x)", 1, ["inverse", "vector"]),
    ("a + X", 3, ["sum needs a scalar"]),
    ("x + x'*x", 3, ["sum needs a scalar"]),  # x is never made 1 x 1 to fit
    ("x'*x + A", 6, ["sum needs a scalar"]),
    ("eye + x", 5, ["shapes differ"]),
]


@pytest.mark.parametrize("text, column, words", SHAPE_ERRORS)
def test_shape_mismatch_names_both_shapes_and_points_at_the_operator(text, column, words):
    with pytest.raises(ShapeError) as info:
        parse(text)
    err = info.value
    assert err.column == column, str(err)
    for w in words:
        assert w in err.message


def test_a_one_by_one_beside_a_matrix_is_a_scalar_not_a_reason_to_shrink_it():
    x, y = MatrixSymbol("x", n, 1), MatrixSymbol("y", m, 1)
    assert parse("x .* (y'*y)", {"x": x, "y": y}) == Trace(y.T * y) * x
    assert parse("x ./ (x'*x)", {"x": x}) == x / Trace(x.T * x)
    f = parse("sum(x .* (y'*y))")
    assert matcalc.text(matcalc.grad(f, MatrixSymbol("x", n, 1))) == "(yᵀ y) 𝟏"


def test_transpose_and_power_read_left_to_right():
    X, A = MatrixSymbol("X", n, n), MatrixSymbol("A", n, n)
    assert parse("tr(A*X^2')", {"X": X, "A": A}) == Trace(A * (X**2).T)
    assert parse("X^-1'", {"X": X}) == X.I.T
    assert parse("X'^2", {"X": X}) == X.T**2


def test_constructs_sympy_refuses_are_matcalc_errors():
    for text in ["inv(0*X)", "inv(X-X)", "(0*A)^-1"]:
        with pytest.raises(matcalc.MatcalcError, match="cannot build"):
            parse(text)


def test_names_dimensions_and_shapes():
    assert parse("A: 3x3; A").shape == (3, 3)
    with pytest.raises(MatcalcSyntaxError, match="both a dimension and a variable"):
        parse("n: scalar; A: n x n; tr(n*A)")
    f = parse(" + ".join(f"sum(x{i})" for i in range(150)))  # more unknowns than letters
    assert len(f.atoms(MatrixSymbol)) == 150
    assert parse(" + ".join(["tr(X)"] * 400)) == 400 * Trace(MatrixSymbol("X", n, n))
    X = MatrixSymbol("X", n, m)
    assert parse("tr(kron(X, X))", {"X": MatrixSymbol("X", n, n)}).has(Trace)
    assert parse("kron(A, A)*vec(A)").shape[1] == 1
    assert parse("X", {"X": X}) is X
    with pytest.raises(matcalc.MatcalcError, match="must be a mapping"):
        parse("x", [("x", "3")])


def test_injection_attempts_never_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for text in ["__import__('os').system('touch pwned')", "exec('x=1')",
                 "open('pwned', 'w')", "X.__class__", "eval(\"1\")"]:
        with pytest.raises(matcalc.MatcalcError):
            parse(text)
    assert not (tmp_path / "pwned").exists()


def test_deep_nesting_is_an_error_not_a_crash():
    text = "(" * 5000 + "X" + ")" * 5000
    try:
        assert parse(text) == MatrixSymbol("X", n, m)
    except MatcalcSyntaxError as err:
        assert "nested too deeply" in err.message


def test_bad_symbols_mapping():
    with pytest.raises(matcalc.MatcalcError, match="declaration: X maps to 3"):
        parse("X", {"X": 3})
    with pytest.raises(matcalc.MatcalcError, match="not a shape"):
        parse("X", {"X": "n by m"})
    with pytest.raises(matcalc.MatcalcError, match="named 'Y'"):
        parse("X", {"X": MatrixSymbol("Y", 2, 2)})


# --- round trip ---------------------------------------------------------------------


def test_syntax_round_trips_examples():
    for text in DOCUMENTATION_EXAMPLES + ["kron(A, B)*vec(X)", "X^-2 - 3*A'", "inv(X')"]:
        e = parse(text)
        assert parse(syntax(e, declare=True)) == e, text


def _round_trip(e):
    """parse(syntax(e)) is e, up to SymPy's canonical forms: the same value at a random
    point, and printing it again gives the same text (a fixed point)."""
    e = normalise(e)
    text = syntax(e, declare=True)
    back = parse(text)
    if back == e:
        return
    assert syntax(back, declare=True) == text or syntax(parse(syntax(back, declare=True)),
                                                        declare=True) == syntax(back, True)
    dims = {name: 3 for name in "nmpqrs"}  # a lone eye gets a dimension of its own
    point = matcalc.numeric.checking.random_point([e], None, seed=1, dims=dims)
    np.testing.assert_allclose(np.asarray(matcalc.evaluate(back, point), dtype=float),
                               np.asarray(matcalc.evaluate(e, point), dtype=float),
                               rtol=1e-9, atol=1e-9)


@settings(deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_syntax_round_trips_random_expressions(data):
    import test_properties as generators
    e = data.draw(st.one_of(generators.scalar_combinations, generators.matrices(),
                            generators.entrywise_scalars, generators.entrywise_matrices()))
    _round_trip(e)


def test_a_declared_dimension_is_also_a_number():
    """syntax() writes det(2X) = 2ⁿ det(X) with the dimension n in it (found by the fuzzer)."""
    X = MatrixSymbol("X", n, n)
    assert parse("X: n x n; tr(X)/n") == Trace(X) / n
    e = 2**n * sympy.Determinant(X) * X
    assert parse(syntax(e, declare=True)) == e
    grad = matcalc.grad(parse("X: n x n; tr(X)/n"), X)
    assert grad == sympy.Identity(n) / n


def _shapes(e) -> dict:
    return {s.name: tuple(s.shape) for s in e.atoms(sympy.MatrixSymbol)}


def test_a_dimension_that_would_equal_its_own_square_is_a_shape_error():
    """x'*vec(x*x') asks n = n²: no size fits (it was a LimitError from endless
    resolution)."""
    with pytest.raises(ShapeError, match=r"product x' \(1 x \?\) times vec\(x\*x'\)"):
        parse("x'*vec(x*x')")
    with pytest.raises(ShapeError):
        parse("kron(x, x) + x")


def test_a_declared_length_one_vector_is_a_vector():
    """x: 1 declares a column of length 1, so x'*A*x makes A 1 x 1 (not a scalar times
    an n x m matrix)."""
    e = parse("x: 1; x'*A*x")
    assert _shapes(e) == {"x": (1, 1), "A": (1, 1)} and e.shape == (1, 1)
    assert _shapes(parse("x: 1; A*x")) == {"x": (1, 1), "A": (sympy.Symbol("n"), 1)}
    n = sympy.Symbol("n")
    assert _shapes(parse("x'*x*y")) == {"x": (n, 1), "y": (sympy.Symbol("m"), 1)}


def test_matrix_vector_and_eye_take_their_size_from_context():
    e = parse("sum(log(matrix(1) + exp(A*x)))")  # matrix(1) is n x 1 here
    assert e.shape == (1, 1) and _shapes(e)["x"][1] == 1
    assert parse("x'*x + vector(1)").shape == (1, 1)
    assert parse("x'*x + eye").shape == (1, 1)
    assert parse("A*x + vector(2)").shape == (sympy.Symbol("n"), 1)
    scaled = parse("x'*x*vector(1)")  # a product: the 1 x 1 is a scalar factor
    assert scaled.shape == (sympy.Symbol("m"), 1)
    assert matcalc.check(parse("sum(log(matrix(1) + exp(A*x)))"),
                         next(s for s in e.atoms(sympy.MatrixSymbol) if s.name == "A")).ok


@pytest.mark.parametrize("name", ["x y", "x'*x", "X)+inv(Y", "tr", "exp", "I", "eye", "1x",
                                  "Σ", 'X"'])
def test_the_syntax_refuses_a_name_it_would_read_back_as_something_else(name):
    """A name is data: printed into the syntax, "x'*x" would read back as a product."""
    M = MatrixSymbol(name, 3, 3)
    with pytest.raises(matcalc.NoRuleError, match="cannot be written in the input syntax"):
        syntax(Trace(M))
    with pytest.raises(matcalc.NoRuleError, match="cannot be written"):
        syntax(MatrixSymbol("X", sympy.Symbol(name), 3), declare=True)


@pytest.mark.parametrize("text, scalar", [("lambda*norm2(x)^2", "lambda"), ("mu*tr(X)", "mu"),
                                          ("sigma^2*x'*x", "sigma"), ("lam*tr(X) + eps", "lam")])
def test_greek_names_are_scalars_unless_declared(text, scalar):
    """λ, μ, σ, … are scalars in papers; their first letter would make them vectors."""
    symbols = {s.name: s for s in parse(text).free_symbols}
    assert isinstance(symbols[scalar], sympy.Symbol)
    declared = parse(f"{scalar}: vector; {scalar}'*{scalar}")
    assert isinstance(next(iter(declared.free_symbols)), MatrixSymbol)


def test_a_shape_error_says_how_names_were_typed_and_how_to_declare_one():
    with pytest.raises(ShapeError) as caught:
        parse("norm2(A*x-b)^2")
    message = str(caught.value)
    assert "read A as a matrix, b as a scalar, x as a vector" in message
    assert "'b: vector;'" in message
    assert parse("b: vector; norm2(A*x-b)^2") is not None


def test_an_entrywise_function_of_a_transpose_reads_back_as_the_same_tree():
    """Found by hypothesis: σ(σ(½X)ᵀ) printed sigmoid(sigmoid(1/2*X)'), which read back as
    σ(σ((½X)ᵀ)), printed (1/2*X)', and read back as ½Xᵀ: three texts for one function."""
    X = MatrixSymbol("X", n, n)
    inner = matcalc.elementwise(matcalc.sigmoid, X / 2)
    e = normalise(Trace(matcalc.elementwise(matcalc.sigmoid, sympy.Transpose(inner))))
    back = parse(syntax(e, declare=True))
    assert syntax(parse(syntax(back, declare=True)), declare=True) == syntax(back, declare=True)


def test_transposes_as_papers_write_them():
    """X.T and X^T read as Xᵀ (T being no declared name), X^-T as X⁻ᵀ; a declared T is a
    power again."""
    X, A = MatrixSymbol("X", n, n), MatrixSymbol("A", n, n)
    assert parse("X^T*A*X") == parse("X'*A*X") == parse("X.T*A*X")
    assert parse("tr(X^-T*A)") == Trace(X.I.T * A)
    assert parse("T: scalar; X^T") == sympy.MatPow(X, sympy.Symbol("T"))
    with pytest.raises(ShapeError, match="inverse"):
        parse("x^-T")


# --- the Unicode text form, as matcalc prints it ---------------------------------------

#: (the text form, the same in the input syntax)
PRINTED = [
    ("A Xᵀ B - X", "A*X'*B - X"),
    ("(A + Aᵀ) x", "(A + A')*x"),
    ("-X⁻¹ A X⁻¹", "-inv(X)*A*inv(X)"),
    ("det(X) X⁻ᵀ", "det(X)*inv(X)'"),
    ("-(X⁻²)ᵀ", "-(X^-2)'"),
    ("tr(X)³/tr(A X + B)", "tr(X)^3/tr(A*X + B)"),
    ("2 x/(xᵀ x)", "2*x/(x'*x)"),
    ("(A + Aᵀ)/2", "(A + A')/2"),
    ("x (a + h)ᵀ", "x*(a + h)'"),  # ᵀ binds to its own parentheses, not to x (…)
    ("A - B C", "A - B*C"),
    ("A - B - C", "A - B - C"),
    ("a ∘ x", "a.*x"),
    ("X ∘ (A B)", "X.*(A*B)"),
    ("X^∘2 ⊙ A^∘(-1)", "X.^2.*A.^-1"),
    ("tr(A ⊗ (3 B + A))", "tr(kron(A, 3*B + A))"),
    ("A : X²", "A : X^2"),
    ("𝟏ᵀ X 𝟏", "vector(1)'*X*vector(1)"),
    ("X (𝟏 𝟏ᵀ) X", "X*vector(1)*vector(1)'*X"),
    ("Aᵀ (𝟏 𝟏ᵀ - tanh(A X)^∘2)", "A'*(vector(1)*vector(1)' - tanh(A*X).^2)"),
    ("log(|det(X)|)", "log(abs(det(X)))"),
    ("|c| |t|", "abs(c)*abs(t)"),
    ("|c |t||", "abs(c*abs(t))"),
    ("‖x - a‖₂²", "norm2(x - a)^2"),
    ("‖X‖_F tr(X)", "norm2(X)*tr(X)"),
    ("‖x‖₂ ‖y‖₂", "norm2(x)*norm2(y)"),
    ("‖x‖₁ + ‖x‖", "norm1(x) + norm2(x)"),
    ("σ(Z w) − y", "sigmoid(Z*w) - y"),
    ("σ (Z w)", "sigma*(Z*w)"),  # with a space: σ times (Z w)
    ("λ ‖x‖₂² + ν tr(X)", "lambda*norm2(x)^2 + nu*tr(X)"),
    ("Σ⁻¹ (x - μ)", "inv(Sigma)*(x - mu)"),
    ("π tr(X)", "pi*tr(X)"),
    ("I ∘ A + I", "eye.*A + eye"),
    ("k X^(k - 1)", "k*X^(k - 1)"),
    ("2 · A × B", "2*A*B"),
]


@pytest.mark.parametrize(("printed", "syntax_text"), PRINTED, ids=[p for p, _ in PRINTED])
def test_the_printed_text_form_reads_as_the_syntax_does(printed, syntax_text):
    declared = {"a": "vector", "mu": "vector", "k": "scalar", "y": "vector"}
    assert parse(printed, declared) == parse(syntax_text, declared)


@pytest.mark.parametrize(("text", "words"), [
    ("‖X‖₂", "spectral norm"), ("‖X‖ + ‖x‖", "write ‖X‖_F"), ("vec⁻¹(x)", "vec⁻¹"),
    ("K_(n,n) vec(X)", "commutation matrix"), ("-X⁻¹ ⊠ X⁻ᵀ", "fourth-order"),
    ("|x", "unexpected end"), ("tr (X)", "tr is a function"),
])
def test_printed_forms_not_read_back_are_errors_that_say_so(text, words):
    with pytest.raises(matcalc.MatcalcError, match=words.replace("(", r"\(")):
        parse(text)


def test_the_grammar_has_no_conflicts():
    """lark resolves a shift/reduce conflict silently (by shifting); none may exist."""
    import io
    import logging

    import lark

    from matcalc.parser import GRAMMAR
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    lark.logger.addHandler(handler)
    level = lark.logger.level
    lark.logger.setLevel(logging.DEBUG)
    try:
        lark.Lark(GRAMMAR, parser="lalr", start=["declarations", "expr"], debug=True)
    finally:
        lark.logger.removeHandler(handler)
        lark.logger.setLevel(level)
    assert "conflict" not in log.getvalue().lower(), log.getvalue()
