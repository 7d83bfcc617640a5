"""The questions the command line and the shell answer: a `Query` (what to derive, how
to show it) and `answer(query)`, the printed result. Argument handling over the public
API, no math here; matcalc itself is imported at the first answer, so both start fast.
"""

from __future__ import annotations

from dataclasses import dataclass

CODE_FORMATS = ("numpy", "jax", "torch")
FORMATS = ("text", "latex", "index") + CODE_FORMATS


@dataclass(frozen=True)
class Query:
    """What to derive and how to show it (shared by the command line and the shell)."""

    expression: str
    wrt: str | None = None
    symbols: tuple = ()  # ((name, shape string), …) declared with --let / :let
    symmetric: object = None  # None, True or "entries"
    diagonal: bool = False
    hessian: bool = False
    hvp: bool = False  # the Hessian-vector product H[V] (matcalc.hvp)
    steps: bool = False
    check: bool = False
    format: str = "text"
    latex_input: bool = False  # the expression is LaTeX (matcalc.parse_latex)


def read_query(query: Query) -> tuple:
    """(expression, names typed by their first letter), read in the query's notation."""
    from .latex_reader import read_latex
    from .parser import read
    return (read_latex if query.latex_input else read)(query.expression, dict(query.symbols))


class CheckFailed(Exception):
    """The numeric check disagreed; carries the report."""


def assumed_typing(query: Query) -> str:
    """How the names nothing declared were typed, as declarations one could paste
    ("X: n x n; lambda: scalar"), or "" when every name was declared."""
    from .core.errors import MatcalcError
    from .printing.input_syntax import declarations
    try:
        f, names = read_query(query)
        lines = [d for d in declarations(f) if d.split(":")[0] in names]
    except MatcalcError:  # answer() reports it
        return ""
    return "; ".join(lines)


def answer(query: Query) -> str:
    """The derivative (or derivation) the query asks for, printed; raises MatcalcError."""
    import matcalc

    f = read_query(query)[0]
    X = _variable(f, query.wrt)
    options = {"symmetric": query.symmetric, "diagonal": query.diagonal}
    if query.hvp:
        return _hvp(matcalc, f, X, query, options)
    if query.format in CODE_FORMATS:
        if query.steps:
            from .core.errors import VariableError
            raise VariableError("--steps writes text or LaTeX; code is for a result alone")
        result, out = _code(matcalc, f, X, query, options)
    elif query.steps:
        derivation = matcalc.derive(f, X, hessian=query.hessian, **options)
        out = derivation.latex() if query.format == "latex" else derivation.text()
        result = derivation.result
    else:
        result = _derivative(matcalc, f, X, query.hessian, options)
        out = _show(result, query.format)
    if query.check:
        report = _check(matcalc, f, X, result, query)
        line = ("# " if query.format in CODE_FORMATS else "") + f"check: {report}"
        if not report.ok:
            raise CheckFailed(out + "\n" + line)
        out += "\n" + line
    return out


def _hvp(matcalc, f, X, query, options):
    """The Hessian-vector product H[V] (or its module), and its check."""
    import sympy

    from .core.errors import OptionError
    if query.hessian or query.steps:
        raise OptionError("--hvp writes the Hessian-vector product alone: drop --hessian "
                          "and --steps")
    if query.format == "index":
        raise OptionError("--hvp writes a matrix: use the default or --latex")
    V = matcalc.calculus.gradients.direction_for(f, X)
    result = matcalc.hvp(f, X, V, **options)
    if query.format in CODE_FORMATS:
        args = sorted((s for s in f.atoms(sympy.MatrixSymbol, sympy.Symbol)
                       if not _is_dimension(s, f)), key=lambda s: s.name)
        out = matcalc.codegen(f, args, query.format, hvp=X, **options)
    else:
        out = _show(result, query.format)
    if query.check:
        from .numeric.checking import check_hvp
        report = check_hvp(f, X, result, V, **options)
        line = ("# " if query.format in CODE_FORMATS else "") + f"check: {report}"
        if not report.ok:
            raise CheckFailed(out + "\n" + line)
        out += "\n" + line
    return out


def _code(matcalc, f, X, query, options):
    """(result, module source): for a gradient the module has f, f_and_grad and the
    finite-difference check; for a Jacobian or Hessian one function of that name."""
    import sympy
    result = _derivative(matcalc, f, X, query.hessian, options)
    args = sorted((s for s in f.atoms(sympy.MatrixSymbol, sympy.Symbol)
                   if not _is_dimension(s, f)), key=lambda s: s.name)
    if X not in args:
        args.append(X)
    if query.hessian:
        return result, matcalc.codegen(result, args, query.format, name="hessian")
    if isinstance(f, sympy.MatrixExpr) and tuple(f.shape) != (1, 1):
        return result, matcalc.codegen(result, args, query.format, name="jacobian")
    return result, matcalc.codegen(f, args, query.format, grad=X, **options)


def _derivative(matcalc, f, X, hessian, options):
    import sympy
    if hessian:
        return matcalc.hessian(f, X, **options)
    if isinstance(f, sympy.MatrixExpr) and tuple(f.shape) != (1, 1):
        return matcalc.jacobian(f, X, **options)
    return matcalc.grad(f, X, **options)


def _check(matcalc, f, X, result, query):
    """Finite differences of f (of its gradient, in the same convention, for a Hessian)
    against the result."""
    options = {"symmetric": query.symmetric, "diagonal": query.diagonal}
    if not query.hessian:
        return matcalc.check(f, X, derivative=result, **options)
    return matcalc.check(matcalc.grad(f, X, **options), X, derivative=result, domain_of=f,
                         **options)


def _show(result, format):
    import matcalc
    if format == "index" and not isinstance(result, matcalc.FourthOrder):
        from .core.errors import VariableError
        raise VariableError("--index writes fourth-order results (the derivative of a "
                            "matrix by a matrix); this result is a matrix: use the default "
                            "or --latex")
    return {"text": matcalc.text, "latex": matcalc.latex, "index": matcalc.index}[format](result)


def _variable(f, wrt):
    """The symbol named `wrt` in f; without a name, f's only matrix or vector symbol."""
    import sympy

    from .core.errors import VariableError
    symbols = sorted(f.atoms(sympy.MatrixSymbol, sympy.Symbol), key=lambda s: s.name)
    symbols = [s for s in symbols if not _is_dimension(s, f)]
    if wrt is None:
        matrices = [s for s in symbols if isinstance(s, sympy.MatrixSymbol)]
        if len(matrices) == 1:
            return matrices[0]
        names = ", ".join(s.name for s in symbols) or "none"
        raise VariableError(f"say which variable to differentiate by (--wrt NAME); "
                            f"the expression's symbols: {names}")
    for s in symbols:
        if s.name == wrt:
            return s
    names = ", ".join(s.name for s in symbols) or "none"
    raise VariableError(f"--wrt {wrt}: the expression has no symbol {wrt} (its symbols: "
                        f"{names})")


def _is_dimension(s, f) -> bool:
    import sympy
    return isinstance(s, sympy.Symbol) and any(
        s in sympy.sympify(d).free_symbols for M in f.atoms(sympy.MatrixSymbol)
        for d in M.shape)


def parse_declarations(texts) -> tuple:
    """["C: symmetric n x n", "A, B: 3 x 3"] -> (("C", "symmetric n x n"), ("A", …), …)."""
    from .core.errors import MatcalcSyntaxError
    out = []
    for text in texts:
        names, colon, shape = text.partition(":")
        if not colon or not shape.strip() or not names.strip():
            raise MatcalcSyntaxError(f"declaration {text!r}: write NAME: SHAPE, e.g. "
                                     "\"C: symmetric n x n\"")
        out += [(name.strip(), shape.strip()) for name in names.split(",")]
    return tuple(out)
