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

from .queries import CheckFailed, Query, answer, assumed_typing, parse_declarations

EXIT_OK, EXIT_UNSUPPORTED, EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_INTERNAL = 0, 1, 2, 3, 4

def exit_status(err) -> int:
    from .core.errors import NoRuleError
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
    p.add_argument("--latex-input", action="store_true",
                   help="the expression is LaTeX, as papers write it (\\log\\det X)")
    p.add_argument("--steps", action="store_true", help="write out the derivation")
    p.add_argument("--hessian", action="store_true", help="the Hessian of a scalar")
    p.add_argument("--hvp", action="store_true",
                   help="the Hessian-vector product H[V] in a direction V (v for a vector), "
                        "without forming H; with --numpy/--jax/--torch, f_hvp(…, V)")
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
    from .core.limits import budget
    if args.expression is None:
        from .shell import Shell
        try:
            with budget(seconds=args.time_limit):
                return Shell().run()
        except BrokenPipeError:
            return _output_closed()
    from .core.errors import MatcalcError
    try:
        query = Query(args.expression, wrt=args.wrt, symbols=parse_declarations(args.let),
                      symmetric=args.symmetric, diagonal=args.diagonal, hessian=args.hessian,
                      hvp=args.hvp,
                      steps=args.steps, check=args.check, format=args.format,
                      latex_input=args.latex_input)
        with budget(seconds=args.time_limit):
            out = answer(query)
            typed = assumed_typing(query)
        if typed:  # names typed by their first letter: say how, on stderr
            print(f"matcalc: read as {typed} (declare with --let to type otherwise)",
                  file=sys.stderr)
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
