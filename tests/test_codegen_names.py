"""Names are data, never code: whatever the symbols and dimensions are called (quotes,
triple quotes, newlines, backslashes, other scripts, keywords, builtins, the modules,
functions, helpers, locals and temporaries of generated code), the generated module
compiles, holds nothing but its imports and functions, runs nothing else, and computes
what `matcalc.evaluate` and `matcalc.grad` compute, on every installed backend.
"""

import ast
import contextlib
import keyword

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sympy import Determinant, MatrixSymbol, Symbol, Trace, log

import matcalc
from matcalc.code.module import ModuleWriter, helper_names, write
from matcalc.code.names import HELPER_NAMES, check_module, python_literal

#: Names generated code gives a meaning of its own, or may give one to a temporary.
SPECIAL = sorted({
    *keyword.kwlist, *keyword.softkwlist,
    "float", "int", "tuple", "max", "abs", "len", "print", "open", "exec", "eval",
    "RuntimeError", "__import__", "__debug__", "__builtins__", "__name__",
    "np", "jnp", "jax", "torch", "math", *HELPER_NAMES,
    "f", "f_and_grad", "check_f_and_grad", "exact", "numeric", "eps", "seed", "_V", "_G", "_",
    "t0", "t1", "inv_X", "inv_arg0", "slogdet_X", "slogdet_arg0", "dim0", "dim1", "arg0",
    "arg1", "X", "A", "x", "n",
})
#: Pieces of hostile names.
FRAGMENTS = ['"', "'", '"""', "'''", "\\", "\n", "\r", "\t", "\x00", "{", "}", "#", " ",
             "λ", "Σ", "é", "ｘ", "∂", "Х", "²", "\u2028", "\u202e", "\U0001d417", "😀"]
#: Statements that would leave a file at {mark} if they ever ran.
INJECTIONS = [
    'X"""\nopen({mark!r}, "w")\n"""',
    "X'''\nopen({mark!r}, 'w')\n'''",
    'X"\nopen({mark!r}, "w")\n#',
    "X); open({mark!r}, 'w'); (",
    'X{{open({mark!r}, "w")}}',
    "X\\\nopen({mark!r}, 'w')",
    "X\\",
    "X\x00\nopen({mark!r}, 'w')",
    "X\r\nopen({mark!r}, 'w')",
    "X\u2028open({mark!r}, 'w')",
    '__import__("os").system("touch " + {mark!r})',
]

#: What generated functions and helpers are made of: every node type the templates use.
ALLOWED_NODES = {
    # statements (an Expr only as a docstring; If and Raise for JAX's 64-bit guard and the
    # helpers' branches)
    "Expr", "Assign", "AugAssign", "Assert", "If", "Raise", "Return",
    # expressions
    "Name", "Attribute", "Call", "keyword", "Subscript", "Slice", "Tuple", "List",
    "Constant", "BinOp", "UnaryOp", "Compare", "IfExp", "JoinedStr", "FormattedValue",
    # contexts and operators
    "Load", "Store", "Add", "Sub", "Mult", "Div", "MatMult", "Pow", "Mod", "FloorDiv",
    "USub", "UAdd", "Not", "Eq", "NotEq", "arguments", "arg",
}
IMPORTS = {("numpy", "np"), ("jax", None), ("jax.numpy", "jnp"), ("torch", None),
           ("scipy.linalg", None)}  # NumPy code factorises with SciPy (LU, Cholesky)


def hostile_names(mark: str):
    pieces = st.sampled_from(SPECIAL + FRAGMENTS)
    return st.one_of(
        st.sampled_from(SPECIAL),
        st.sampled_from(INJECTIONS).map(lambda s: s.format(mark=mark)),
        st.lists(pieces, min_size=1, max_size=4).map("".join),
        st.text(min_size=1, max_size=5),
    )


def _expressions(X, A, x, t, n):
    """Scalar functions of X (n x n) with A (n x n), x (n x 1), t (scalar): log det,
    traces, a quadratic form, an inverse, entrywise functions, a dimension as a number."""
    return [
        log(Determinant(X)) + t * Trace(A * X),
        Trace(x.T * X * x) + Trace(X.T * A * X) * t,
        Trace(X.I * A) + Trace(x * x.T * X.I),
        Trace(sympy.OneMatrix(1, n) * matcalc.elementwise(sympy.exp, X) * x)
        + Trace(A.T * matcalc.elementwise(matcalc.sigmoid, X)),
        t * n * Trace(X) + log(Determinant(X.T * X)),
    ]


def assert_only_imports_and_functions(source: str, function_names: set):
    """The module's top level is imports of the backend and undecorated functions; every
    node inside the functions is one the templates use."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Import):
            assert {(a.name, a.asname) for a in node.names} <= IMPORTS, ast.dump(node)
            continue
        assert isinstance(node, ast.FunctionDef), ast.dump(node)
        assert node.name in function_names | helper_names(), node.name
        assert not node.decorator_list
        for inner in ast.walk(node):
            if inner is node:
                continue
            kind = type(inner).__name__
            assert kind in ALLOWED_NODES, f"{kind} in {node.name}"
            if isinstance(inner, ast.Expr):  # only the docstring
                assert inner is node.body[0] and isinstance(inner.value, ast.Constant) and \
                    isinstance(inner.value.value, str)
            if isinstance(inner, ast.Name):
                assert inner.id.isascii() and inner.id.isidentifier()


def _as_numpy(v):
    if hasattr(v, "detach"):
        v = v.detach().numpy()
    return np.asarray(v, dtype=float)


def _in_64_bit_mode(backend):
    """JAX's 64-bit mode for this thread (for calling a generated JAX module directly)."""
    if backend == "jax":
        import jax
        return jax.enable_x64(True)
    return contextlib.nullcontext()


@pytest.fixture(scope="module")
def mark(tmp_path_factory):
    """Where an injected statement would leave a file."""
    return tmp_path_factory.mktemp("names") / "pwned"


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_hostile_names_are_data_and_the_code_still_computes_evaluate(backend, mark):
    if backend != "numpy":
        pytest.importorskip(backend)
    rng = np.random.default_rng(0)
    values = [np.eye(3) + 0.1 * rng.standard_normal((3, 3)), rng.standard_normal((3, 3)),
              rng.standard_normal((3, 1)), 0.7]

    @settings(max_examples={"numpy": 30, "torch": 15}.get(backend, 8), deadline=None,
              database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(hostile_names(str(mark)), min_size=5, max_size=5, unique=True),
           st.integers(0, 4), st.booleans())
    def run(names, which, dimension_is_an_argument):
        n = Symbol(names[4])
        X, A, x = MatrixSymbol(names[0], n, n), MatrixSymbol(names[1], n, n), \
            MatrixSymbol(names[2], n, 1)
        t = Symbol(names[3])
        f = _expressions(X, A, x, t, n)[which]
        args = [X, A, x, t] + ([n] if dimension_is_an_argument else [])
        # evaluate reads a dimension used as a number by name
        point = dict(zip(names, values + [3], strict=True))
        inputs = values + ([3] if dimension_is_an_argument else [])

        source = matcalc.codegen(f, args, backend, grad=X)
        compile(source, "<generated>", "exec")
        assert_only_imports_and_functions(source, {"f", "f_and_grad", "check_f_and_grad"})
        module: dict = {}
        exec(source, module)
        with _in_64_bit_mode(backend):
            error = module["check_f_and_grad"](*inputs)
        assert error < 1e-6, f"the exported check says {error}"
        definition = next(node for node in ast.parse(source).body
                          if isinstance(node, ast.FunctionDef) and node.name == "f")
        parameters = [a.arg for a in definition.args.args]
        assert len(set(parameters)) == len(args)
        for symbol, parameter in zip(args, parameters, strict=True):
            if parameter != symbol.name:
                assert repr(symbol.name) in module["f"].__doc__
        if not (n.name.isascii() and n.name.isidentifier()):
            assert repr(n.name) in module["f"].__doc__

        value = _as_numpy(matcalc.lambdify(f, args, backend)(*inputs))
        value_too, G = (_as_numpy(v) for v in matcalc.lambdify(f, args, backend, grad=X)(
            *inputs))
        expected = matcalc.evaluate(f, point)
        expected_G = matcalc.evaluate(matcalc.grad(f, X), point)
        assert np.allclose(value, expected, rtol=1e-10, atol=1e-12)
        assert np.allclose(value_too, expected, rtol=1e-10, atol=1e-12)
        assert np.allclose(G, expected_G, rtol=1e-9, atol=1e-12)
        assert not mark.exists()

    run()


@given(st.text(st.characters(exclude_categories=())))  # lone surrogates too
@example("\ud800\"\"\"\\\x00\r\u2028")
def test_any_text_is_a_literal_of_itself(text):
    for triple in (False, True):
        literal = python_literal(text, triple=triple)
        assert ast.literal_eval(literal) == text
        assert len(literal.splitlines()) == (text.count("\n") + 1 if triple else 1)
        literal.encode("utf-8")  # a module's source is UTF-8


# --- the payload and the collisions that used to get through ----------------------------

PAYLOAD = 'X"""\nimport os; os.system("touch pwned")\ndef _g():\n    """'


def test_a_docstring_payload_in_a_symbol_name_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    n = Symbol("n")
    X = MatrixSymbol(PAYLOAD, n, n)
    f_and_grad = matcalc.lambdify(log(Determinant(X)), [X], grad=X)
    value, G = f_and_grad(2 * np.eye(3))
    assert np.isclose(value, 3 * np.log(2)) and np.allclose(G, np.eye(3) / 2)
    assert list(tmp_path.iterdir()) == []
    assert repr(PAYLOAD) in f_and_grad.__doc__
    tree = ast.parse(matcalc.codegen(log(Determinant(X)), [X], grad=X))
    kinds = [type(node).__name__ for node in tree.body]
    assert kinds == sorted(kinds, key=lambda k: k != "Import") and kinds.count("FunctionDef") \
        == 3 + sum(node.name in helper_names() for node in tree.body
                   if isinstance(node, ast.FunctionDef))
    assert not any(isinstance(node, ast.Name) and node.id == "os" for node in ast.walk(tree))


COLLIDING = ["exact", "numeric", "float", "tuple", "max", "abs", "int", "np", "eps", "seed",
             "_V", "_G", "_", "t0", "inv_X", "slogdet_X", "dim0", "lambda", "match",
             "_sigmoid", "logdet", "logdet_and_grad", "check_logdet_and_grad", "f",
             "f_and_grad", "check_f_and_grad", "_lu_factor", "_lu_solve", "_lu_slogdet",
             "_lu_inverse",
             "lu_X", "_softmax", "_cho_factor", "_loewner_expm"]


@pytest.mark.parametrize("function", ["f", "logdet"])
@pytest.mark.parametrize("name", COLLIDING)
def test_an_argument_named_like_something_in_the_module_is_renamed(name, function):
    n = Symbol("n")
    X, A = MatrixSymbol("X", n, n), MatrixSymbol(name, n, n)
    f = log(Determinant(X)) + Trace(A * X)
    rng = np.random.default_rng(1)
    Xv, Av = np.eye(3) + 0.1 * rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    module: dict = {}
    exec(matcalc.codegen(f, [A, X], name=function, grad=X), module)
    value, G = module[f"{function}_and_grad"](Av, Xv)
    point = {name: Av, "X": Xv}
    assert np.isclose(module[function](Av, Xv), matcalc.evaluate(f, point), rtol=1e-12)
    assert np.isclose(value, matcalc.evaluate(f, point), rtol=1e-12)
    assert np.allclose(G, matcalc.evaluate(matcalc.grad(f, X), point), rtol=1e-12)
    assert module[f"check_{function}_and_grad"](Av, Xv) < 1e-6


@pytest.mark.parametrize("name", ["float", "int", "np", "len", "tuple", "max", "abs", "exact",
                                  "t0", "_", "seed", "lambda"])
def test_a_dimension_named_like_something_in_the_module_is_renamed(name):
    d = Symbol(name)
    X, x = MatrixSymbol("X", d, d), MatrixSymbol("x", d, 1)
    f = log(Determinant(X)) + Trace(x.T * X * x) * Trace(sympy.Identity(d))
    rng = np.random.default_rng(2)
    Xv, xv = np.eye(3) + 0.1 * rng.standard_normal((3, 3)), rng.standard_normal(3)
    module: dict = {}
    exec(matcalc.codegen(f, [X, x], grad=X), module)
    point = {"X": Xv, "x": xv[:, None], name: 3}
    value, G = module["f_and_grad"](Xv, xv)
    assert np.isclose(value, matcalc.evaluate(f, point), rtol=1e-12)
    assert np.allclose(G, matcalc.evaluate(matcalc.grad(f, X), point), rtol=1e-12)
    assert module["check_f_and_grad"](Xv, xv) < 1e-6


def test_plain_names_keep_their_names_and_renamed_ones_are_listed():
    n = Symbol("n")
    X, A = MatrixSymbol("X", n, n), MatrixSymbol("float", n, n)
    source = matcalc.codegen(Trace(A * X), [A, X], grad=X)
    assert "def f(float_, X):" in source
    assert "Symbols renamed: float_ is 'float'." in source
    plain = matcalc.codegen(Trace(X), [X], grad=X)
    assert "def f(X):" in plain and "renamed" not in plain
    greek = MatrixSymbol("Σ", n, n)
    assert "def f(Sigma):" in matcalc.codegen(Trace(greek), [greek])
    hentaigana = Symbol("\U0001B002")  # HENTAIGANA LETTER A-1: its spelling once read a-1
    square = MatrixSymbol("X", hentaigana, hentaigana)
    source = matcalc.codegen(Trace(square), [square])
    assert "a_1 = X.shape[0]" in source
    compile(source, "<generated>", "exec")


@pytest.mark.parametrize("name", ["np", "float", "exact", "_", "lambda", "f g", "ｆ", ""])
def test_a_function_name_that_would_shadow_or_is_no_identifier_is_refused(name):
    X = MatrixSymbol("X", Symbol("n"), Symbol("n"))
    with pytest.raises(matcalc.OptionError, match="function name"):
        matcalc.codegen(Trace(X), [X], name=name)


def test_the_module_check_refuses_anything_but_imports_and_the_functions_written():
    X = MatrixSymbol("X", Symbol("n"), Symbol("n"))
    source, writer = write(Trace(X), [X], "numpy", "f")
    check_module(source, writer)
    for tampered in [source + "\nimport os\n",
                     source + "\nprint('hi')\n",
                     source.replace("def f(X):", "@staticmethod\ndef f(X):"),
                     source.replace("    return ", "    import os\n    return "),
                     source.replace("    return ", "    np = 1\n    return "),
                     source.replace("    return ", "    float(1)\n    return "),
                     source + "\n\ndef g():\n    return 1\n",
                     source.replace("    return ", "    X += 1\n    return ", 1),
                     source.replace("    return ", "    X.flat[::2] += 1\n    return ", 1)]:
        with pytest.raises(AssertionError, match="bug in matcalc"):
            check_module(tampered, writer)
    with pytest.raises(matcalc.VariableError):
        ModuleWriter([X.T], "numpy")
