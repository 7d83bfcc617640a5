"""The registry test: every operator and every scalar function has all its rows, and every
row is exercised.

It walks `matcalc.ops.OPERATORS` and the scalar-function table and fails when an operator
lacks a row, when no family example (tests/ops/test_<family>.py, checked there against
finite differences) contains it, when an example does not read back from the input syntax,
when generated code disagrees with `evaluate`, or when the LaTeX does not compile; and
when a name the syntax printer writes is not one the parser reads, or the other way round.
"""

import importlib
import pkgutil
import re

import numpy as np
import ops as family_tests
import pytest
import sympy
from test_codegen import arguments, assert_same, run
from test_tex import _compile

import matcalc
from matcalc.core import functions
from matcalc.core.errors import NoRuleError
from matcalc.core.nodes import normalise
from matcalc.core.registry import OPERATORS, PARSE_ENTRIES, is_refused, row
from matcalc.numeric.checking import random_point

ROWS = ("d", "evaluate", "text", "latex", "syntax", "lower", "adjoint", "forward")

#: Operators with no finite-difference example, and why: they are not functions of a
#: variable. Their printing is tested in tests/ops/test_differentials.py.
NOT_FUNCTIONS = {"matrix differential": "dX is the direction, not a function of X",
                 "pending differential": "d(u) is a step of a derivation",
                 "imaginary unit": "matcalc's results are real",
                 "Loewner matrix": "F_f(S) is a factor of a Daleckiĭ–Kreĭn derivative; its own "
                                   "derivative is refused by name (hessian() differentiates "
                                   "L_f, tests/ops/test_matrix_functions.py)"}


def _family_examples():
    examples = []
    for info in pkgutil.iter_modules(family_tests.__path__):
        if info.name.startswith("test_"):
            module = importlib.import_module(f"ops.{info.name}")
            examples += getattr(module, "EXAMPLES", [])
    return examples


EXAMPLES = _family_examples()


def _operators_in(e) -> set:
    return {row(node).name for node in sympy.preorder_traversal(e) if row(node) is not None}


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.name)
def test_every_operator_has_every_row(op):
    for name in ROWS:
        assert callable(getattr(op, name)), f"{op.name} has no {name} row"
    assert op.rule and op.family, op
    if not is_refused(op.d):  # the d rule states its identity first: d(A⁻¹) = −A⁻¹ dA A⁻¹
        assert op.d.__doc__ and "=" in op.d.__doc__.splitlines()[0], (op.name, op.d)
    if not callable(op.binds) and op.binds not in ("leaf", "call", "postfix", "infix"):
        pytest.fail(f"{op.name}: binds={op.binds!r}")


def test_every_node_class_has_one_operator():
    seen = {}
    for op in OPERATORS:
        for node in op.nodes:
            assert node not in seen, f"{node.__name__}: {seen[node]} and {op.name}"
            seen[node] = op.name


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.name)
def test_every_operator_is_checked_against_finite_differences(op):
    """Each family's examples are checked against central differences beside the family;
    here: every operator occurs in one of them."""
    if op.name in NOT_FUNCTIONS:
        return
    assert any(op.name in _operators_in(f) for f, _, _ in EXAMPLES), \
        f"no example in tests/ops exercises {op.name} ({op.family})"


#: Operators that occur in no matrix-valued function of a matrix, and why.
NOT_IN_JACOBIANS = {"identity": "a constant", "zero matrix": "a constant",
                    "matrix of ones": "a constant", "number": "a constant",
                    "scalar symbol": "a constant"}


def _is_jacobian_by_a_matrix(f, X) -> bool:
    return isinstance(f, sympy.MatrixExpr) and tuple(f.shape) != (1, 1) and \
        isinstance(X, sympy.MatrixSymbol) and X.shape[1] != 1


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.name)
def test_every_operator_has_a_jacobian_by_a_matrix_checked_against_finite_differences(op):
    """Each family's examples hold matrix-valued functions of a matrix, checked against
    central differences beside the family (fourth-order results); here: every operator
    occurs in one of them."""
    if op.name in NOT_FUNCTIONS or op.name in NOT_IN_JACOBIANS:
        return
    assert any(op.name in _operators_in(f) for f, X, _ in EXAMPLES
               if _is_jacobian_by_a_matrix(f, X)), \
        f"no Jacobian by a matrix in tests/ops exercises {op.name} ({op.family})"


def _round_trip_text(f):
    try:
        return matcalc.syntax(f, declare=True)
    except NoRuleError:
        return None


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.name)
def test_every_writable_operator_reads_back_from_the_input_syntax(op):
    if is_refused(op.syntax) or op.name in NOT_FUNCTIONS:
        return
    written = [(f, _round_trip_text(f)) for f, _, _ in EXAMPLES if op.name in _operators_in(f)]
    assert any(text is not None for _, text in written), \
        f"no example containing {op.name} can be written in the input syntax"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda ex: str(ex[0])[:50])
def test_examples_read_back_to_the_same_value(example):
    f, X, _ = example
    f = normalise(f)
    text = _round_trip_text(f)
    if text is None:
        pytest.skip("an operator of this example has no input syntax (refused by name)")
    back = matcalc.parse(text)
    if back == f:
        return
    point = random_point([f], None, seed=3, dims={"n": 3, "m": 2})
    assert np.allclose(np.asarray(matcalc.evaluate(back, point), dtype=float),
                       np.asarray(matcalc.evaluate(f, point), dtype=float), rtol=1e-9), text


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda ex: str(ex[0])[:50])
def test_examples_generated_code_agrees_with_evaluate(example):
    f, X, options = example
    derivative = (matcalc.jacobian if isinstance(f, sympy.MatrixExpr) and
                  tuple(f.shape) != (1, 1) else matcalc.grad)(f, X, **options)
    point = random_point([f, derivative], X, seed=0, dims={"n": 3, "m": 2})
    for obj in (f, derivative):
        args = arguments(obj, f, X)
        assert_same(run(obj, args, {**point, "n": 3, "m": 2}), matcalc.evaluate(obj, point),
                    f"{obj}")


def test_every_example_and_derivative_prints_latex_that_compiles(tmp_path):
    lines = []
    for f, X, options in EXAMPLES:
        derivative = (matcalc.jacobian if isinstance(f, sympy.MatrixExpr) and
                      tuple(f.shape) != (1, 1) else matcalc.grad)(f, X, **options)
        lines += [f"$${matcalc.latex(f)}$$", f"$${matcalc.latex(derivative)}$$"]
    for fn in functions.FUNCTIONS:
        lines.append(f"$${matcalc.latex(matcalc.elementwise(fn.sympy, X))} + "
                     f"{matcalc.latex(fn.sympy(sympy.Symbol('t')))}$$")
    _compile("\n".join(lines), tmp_path)


# --- names: the syntax printer writes only what the parser reads, and back ---------------


def _parser_names() -> set:
    return set(PARSE_ENTRIES) | functions.names()


def _printed_names(text: str) -> set:
    return set(re.findall(r"[A-Za-z][A-Za-z0-9_]*(?=\()", text)) | \
        ({"eye"} if re.search(r"\beye\b", text) else set())


def test_every_name_the_syntax_printer_writes_is_read_by_the_parser():
    printed = set()
    for f, _, _ in EXAMPLES:
        text = _round_trip_text(f)
        if text is not None:
            printed |= _printed_names(text.split(";")[-1])
    for fn in functions.FUNCTIONS:
        for e in (matcalc.elementwise(fn.sympy, X), fn.sympy(sympy.Symbol("t"))):
            printed |= _printed_names(matcalc.syntax(e))
    assert printed <= _parser_names(), printed - _parser_names()
    assert {fn.name for fn in functions.FUNCTIONS} <= printed


#: One call of each name the parser reads (a scalar where a scalar is needed).
_CALLS = {"kron": "kron(X, Y)", "vector": "X*vector(2)", "matrix": "X + matrix(3)",
          "eye": "X + eye", "I": "X + I"}


@pytest.mark.parametrize("name", sorted(_parser_names()))
def test_every_name_the_parser_reads_is_written_back_by_the_syntax_printer(name):
    """parse(name(…)), written by syntax() and parsed again, is the same expression."""
    text = _CALLS.get(name, f"{name}(X)")
    if name in ("logdet", "det", "tr", "inv", "adj") or functions.by_name(name):
        text = f"X: 3 x 3; {text}"
    e = matcalc.parse(text)
    again = matcalc.parse(matcalc.syntax(e, declare=True))
    assert again == e or matcalc.syntax(again) == matcalc.syntax(e), (text, again)


X = sympy.MatrixSymbol("X", 3, 3)


def test_the_readme_lists_exactly_the_functions_of_the_table():
    import pathlib
    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    line = next(s for s in readme.splitlines() if "entrywise on matrices, ordinary on" in s)
    listed = set(line.split("`")[1].split())
    assert listed == {f.name for f in functions.FUNCTIONS}


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.name)
def test_a_refused_row_names_the_node_not_the_printer(op):
    """Rows take the printer or lowering first: a refusal names the node all the same."""
    for name in ROWS:
        rule = getattr(op, name)
        if is_refused(rule):
            node = sympy.MatrixSymbol("R", 2, 2)
            with pytest.raises(NoRuleError) as caught:
                rule(object(), node) if name in ("text", "latex", "syntax", "lower") \
                    else rule(node, None)
            assert "(in R)" in str(caught.value) and "object at" not in str(caught.value)
