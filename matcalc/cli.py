"""The command line: `matcalc "tr(inv(X))" --wrt X`; with no expression, the shell.

Argument parsing over the public API, no math here. Exit status: 0 done, 1 a construct
matcalc has no rule for, 2 bad input (syntax, shapes, options) or a bound passed (the time
limit, nesting deeper than the recursion limit allows), 3 the numeric check failed,
141 (128 + SIGPIPE, as for a Unix tool) the reader closed the output (`| head -1`), quietly.
Errors are one message on stderr (with the offending text and a caret), never a traceback;
MATCALC_DEBUG=1 shows the traceback of an internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

EXIT_OK, EXIT_UNSUPPORTED, EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_INTERNAL = 0, 1, 2, 3, 4

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
    steps: bool = False
    check: bool = False
    format: str = "text"


class CheckFailed(Exception):
    """The numeric check disagreed; carries the report."""


def answer(query: Query) -> str:
    """The derivative (or derivation) the query asks for, printed; raises MatcalcError."""
    import matcalc

    f = matcalc.parse(query.expression, dict(query.symbols))
    X = _variable(f, query.wrt)
    options = {"symmetric": query.symmetric, "diagonal": query.diagonal}
    if query.format in CODE_FORMATS:
        if query.steps:
            from .errors import VariableError
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
    """Finite differences of f (of its gradient, for a Hessian) against the result."""
    if not query.hessian:
        return matcalc.check(f, X, symmetric=query.symmetric, diagonal=query.diagonal,
                             derivative=result)
    if query.symmetric or query.diagonal:
        from .errors import VariableError
        raise VariableError("--check of a Hessian of a structured variable is not supported; "
                            "check without --symmetric/--diagonal")
    return matcalc.check(matcalc.grad(f, X), X, derivative=result)


def _show(result, format):
    import matcalc
    if format == "index" and not isinstance(result, matcalc.FourthOrder):
        from .errors import VariableError
        raise VariableError("--index writes fourth-order results (the derivative of a "
                            "matrix by a matrix); this result is a matrix: use the default "
                            "or --latex")
    return {"text": matcalc.text, "latex": matcalc.latex, "index": matcalc.index}[format](result)


def _variable(f, wrt):
    """The symbol named `wrt` in f; without a name, f's only matrix or vector symbol."""
    import sympy

    from .errors import VariableError
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


def exit_status(err) -> int:
    from .errors import NoRuleError
    return EXIT_UNSUPPORTED if isinstance(err, NoRuleError) else EXIT_BAD_INPUT


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="matcalc",
        description="Derive gradients, Jacobians and Hessians of matrix expressions "
                    "(matrixcalculus.org syntax). With no expression, open the shell.",
        epilog="examples:\n"
               "  matcalc \"tr(inv(X))\" --wrt X\n"
               "  matcalc \"C: symmetric n x n; logdet(C)\" --wrt C --steps\n"
               "  matcalc \"x'*A*x\" --wrt x --hessian --check\n"
               "  matcalc \"logdet(X)\" --numpy > logdet.py\n"
               "exit status: 0 done, 1 unsupported construct, 2 bad input or a limit "
               "passed, 3 numeric check failed, 141 output pipe closed",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("expression", nargs="?", help="the expression, e.g. \"tr(inv(X))\"")
    p.add_argument("--wrt", metavar="NAME",
                   help="the variable (default: the expression's only matrix or vector)")
    p.add_argument("--let", metavar="DECL", action="append", default=[],
                   help="declare a symbol, e.g. --let \"C: symmetric n x n\" (repeatable)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--latex", action="store_const", const="latex", dest="format",
                     help="print LaTeX")
    out.add_argument("--index", action="store_const", const="index", dest="format",
                     help="print index notation")
    for backend, library in (("numpy", "NumPy"), ("jax", "JAX"), ("torch", "PyTorch")):
        out.add_argument(f"--{backend}", action="store_const", const=backend, dest="format",
                         help=f"print a {library} module computing f and the derivative")
    p.add_argument("--steps", action="store_true", help="write out the derivation")
    p.add_argument("--hessian", action="store_true", help="the Hessian of a scalar")
    p.add_argument("--symmetric", nargs="?", const=True, metavar="entries",
                   type=lambda s: s if s == "entries" else _bad_symmetric(s),
                   help="the variable is symmetric: (G + Gᵀ)/2; =entries: G + Gᵀ − I∘G")
    p.add_argument("--diagonal", action="store_true", help="only the diagonal is free")
    p.add_argument("--check", action="store_true",
                   help="verify by finite differences and print the largest error")
    p.add_argument("--time-limit", metavar="SECONDS", type=_seconds, default=8.0,
                   help="the time one derivation may take (default 8; 'none': no limit); "
                        "past it, exit 2 with a message naming what grew")
    p.add_argument("--version", action="store_true", help="print the version")
    p.set_defaults(format="text")
    return p


def _seconds(s):
    if s.lower() == "none":
        return None
    try:
        value = float(s)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"--time-limit {s}: give a positive number of "
                                         "seconds or 'none'")
    return value


def _bad_symmetric(s):
    raise argparse.ArgumentTypeError(f"--symmetric={s}: write --symmetric or "
                                     "--symmetric=entries")


def parse_declarations(texts) -> tuple:
    """["C: symmetric n x n", "A, B: 3 x 3"] -> (("C", "symmetric n x n"), ("A", …), …)."""
    from .errors import MatcalcSyntaxError
    out = []
    for text in texts:
        names, colon, shape = text.partition(":")
        if not colon or not shape.strip() or not names.strip():
            raise MatcalcSyntaxError(f"declaration {text!r}: write NAME: SHAPE, e.g. "
                                     "\"C: symmetric n x n\"")
        out += [(name.strip(), shape.strip()) for name in names.split(",")]
    return tuple(out)


def _expression_last(argv):
    """An expression starting with a minus ("-tr(X)") is not an option: put it after --."""
    options = {a.option_strings[0] for a in _parser()._actions if a.option_strings}
    expressions = [a for a in argv if a.startswith("-") and not a.startswith("--")
                   and a not in ("-h",) and len(a) > 1 and a not in options]
    if not expressions or "--" in argv:
        return argv
    return [a for a in argv if a not in expressions] + ["--"] + expressions


def _output_closed() -> int:
    """The reader of stdout is gone (`matcalc … | head -1`): stop quietly, exit 141 as a
    Unix tool killed by SIGPIPE does. stdout becomes /dev/null, so that Python's flush at
    exit has no closed pipe to complain about."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 128 + 13  # 13 is SIGPIPE


def main(argv=None) -> int:
    argv = _expression_last(list(sys.argv[1:] if argv is None else argv))
    parser = _parser()
    args = parser.parse_args(argv)
    if args.steps and args.format not in ("text", "latex"):
        parser.error(f"--steps writes text or LaTeX; --{args.format} is for a result alone")
    if args.symmetric and args.diagonal:
        parser.error("--symmetric and --diagonal exclude each other (a diagonal variable "
                     "has one free entry per diagonal element)")
    if args.version:  # without importing SymPy
        from importlib.metadata import PackageNotFoundError, version
        try:
            print(f"matcalc {version('matcalc')}")
        except PackageNotFoundError:  # pragma: no cover (run from a source tree)
            print("matcalc (not installed)")
        return EXIT_OK
    from .limits import budget
    if args.expression is None:
        from .shell import Shell
        try:
            with budget(seconds=args.time_limit):
                return Shell().run()
        except BrokenPipeError:
            return _output_closed()
    from .errors import MatcalcError
    try:
        query = Query(args.expression, wrt=args.wrt, symbols=parse_declarations(args.let),
                      symmetric=args.symmetric, diagonal=args.diagonal, hessian=args.hessian,
                      steps=args.steps, check=args.check, format=args.format)
        with budget(seconds=args.time_limit):
            out = answer(query)
        print(out, flush=True)  # a closed pipe is found here, not at exit
    except BrokenPipeError:
        return _output_closed()
    except MatcalcError as err:
        print(f"matcalc: error: {err}", file=sys.stderr)
        return exit_status(err)
    except CheckFailed as failed:
        print(failed, file=sys.stderr)
        return EXIT_CHECK_FAILED
    except Exception as err:  # a bug in matcalc, not a user mistake
        if os.environ.get("MATCALC_DEBUG"):
            raise
        print(f"matcalc: internal error: {type(err).__name__}: {err} (please report it; "
              "MATCALC_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
