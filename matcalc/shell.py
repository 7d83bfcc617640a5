"""The interactive shell: `matcalc` with no arguments.

Line editing and history come from the standard library's readline where the platform
has it (history in ~/.matcalc_history, or $MATCALC_HISTORY; the file is private to its
owner, mode 0600). No math here: each line becomes a `matcalc.cli.Query`.
"""

from __future__ import annotations

import os
import re
import sys

from .queries import (FORMATS, CheckFailed, Query, answer, assumed_typing, parse_declarations,
                      read_query)

HELP = """\
Derivatives (matrixcalculus.org syntax; a-g scalars, h-z vectors, A-Z matrices):
  d/dX tr(inv(X))                   gradient (or Jacobian) of the expression by X
  grad log(det(C)) wrt C symmetric  the same, with options after the variable:
                                    symmetric, entries, diagonal, hessian, steps, check
  hess x'*A*x wrt x                 the Hessian (also: jac, steps EXPR wrt X)
  hvp x'*A*x wrt x                  the Hessian-vector product H[v], H never formed
  tr(inv(X))                        an expression alone: its parsed form and shape
  d/dX $\\log\\det X$                 LaTeX between $…$, as papers write it
Settings (each :name toggles or sets; :show lists them):
  :let C: symmetric n x n           declare symbols (also "A, B: 3 x 3; t: scalar")
  :unlet C                          forget a declaration
  :latex  :text  :index             output format
  :numpy  :jax  :torch              output code (f, f_and_grad, a self-check)
  :steps  :check                    write out derivations / verify numerically (on/off)
  :help  :quit                      (Ctrl-D quits too)"""

_DERIVE = re.compile(r"^d/d([A-Za-z][A-Za-z0-9_]*)\s+(.+)$")
_COMMAND = re.compile(r"^(grad|jac|hess|hvp|steps)\s+(.+?)\s+wrt\s+([A-Za-z][A-Za-z0-9_]*)"
                      r"((?:\s+(?:symmetric|entries|diagonal|hessian|steps|check))*)\s*$")


class Shell:
    """State of one session: declarations and output settings."""

    prompt = "matcalc> "

    def __init__(self):
        self.declarations: dict = {}
        self.format = "text"
        self.steps = False
        self.check = False
        self.said: set = set()  # typings already said ("X: n x n"), said once a session
        self.notice = ""  # the last reply's typing line, "read as X: n x n (…)", or ""

    def execute(self, line: str) -> str:
        """The shell's reply to one line (raises SystemExit on :quit)."""
        from .core.errors import MatcalcError
        line = line.strip()
        self.notice = ""
        if not line or line.startswith("#"):
            return ""
        try:
            if line.startswith(":"):
                return self.setting(line[1:].strip())
            if line in ("quit", "exit", "help"):  # as a user types them, without the colon
                return self.setting(line)
            return self.derive(line)
        except MatcalcError as err:
            return f"error: {err}"
        except CheckFailed as failed:
            return f"check failed:\n{failed}"

    def setting(self, command: str) -> str:
        name, _, rest = command.partition(" ")
        if name in ("q", "quit", "exit"):
            raise SystemExit(0)
        if name in ("h", "help", "?"):
            return HELP
        if name in FORMATS:
            self.format = name
            return f"output: {name}"
        if name in ("steps", "check"):
            setattr(self, name, not getattr(self, name))
            return f"{name}: {'on' if getattr(self, name) else 'off'}"
        if name == "let":
            declared = _declarations(rest if ":" in rest else _let_words(rest))
            self.declarations.update(declared)
            return "; ".join(f"{n}: {s}" for n, s in declared)
        if name == "unlet":
            for n in rest.replace(",", " ").split():
                self.declarations.pop(n, None)
            return self.show()
        if name == "show":
            return self.show()
        return f"error: unknown command :{name}; :help lists the commands"

    def show(self) -> str:
        lets = "; ".join(f"{n}: {s}" for n, s in self.declarations.items()) or "none"
        return (f"output: {self.format}; steps: {'on' if self.steps else 'off'}; "
                f"check: {'on' if self.check else 'off'}; declared: {lets}")

    def derive(self, line: str) -> str:
        query = self.query(line)
        if query is None:
            return self.describe(line)
        out = answer(query)
        typed = [t for t in assumed_typing(query).split("; ") if t and t not in self.said]
        self.said.update(typed)  # names typed by their first letter: say how, once
        if typed:
            self.notice = f"read as {'; '.join(typed)} (:let types otherwise)"
        return out

    def query(self, line: str) -> Query | None:
        base = {"symbols": tuple(self.declarations.items()), "format": self.format,
                "steps": self.steps, "check": self.check}
        m = _DERIVE.match(line)
        if m:
            return Query(**_notation(m.group(2)), wrt=m.group(1), **base)
        m = _COMMAND.match(line)
        if not m:
            return None
        command, expression, wrt, options = m.groups()
        options = set(options.split())
        base["steps"] = base["steps"] or "steps" in options or command == "steps"
        base["check"] = base["check"] or "check" in options
        symmetric = "entries" if "entries" in options else (True if "symmetric" in options
                                                            else None)
        return Query(**_notation(expression), wrt=wrt, symmetric=symmetric,
                     diagonal="diagonal" in options,
                     hessian=command == "hess" or "hessian" in options,
                     hvp=command == "hvp", **base)

    def describe(self, line: str) -> str:
        """An expression alone: its parsed form and its shape."""
        import matcalc
        e = read_query(Query(**_notation(line), symbols=tuple(self.declarations.items())))[0]
        shape = " x ".join(map(str, e.shape)) if hasattr(e, "shape") else "scalar"
        shown = matcalc.latex(e) if self.format == "latex" else matcalc.text(e)
        return f"{shown}    ({shape}; d/dNAME … differentiates)"

    def run(self, stdin=None, stdout=None) -> int:
        stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
        interactive = stdin.isatty()
        if interactive:
            _enable_history()
            print("matcalc shell: d/dX tr(inv(X)) derives; :help lists the commands; "
                  "Ctrl-D quits", file=stdout)
        while True:
            try:
                line = input(self.prompt) if interactive and stdin is sys.stdin \
                    else _read(stdin)
            except EOFError:
                if interactive:
                    print(file=stdout)
                return 0
            except KeyboardInterrupt:
                print("^C", file=stdout)
                continue
            try:
                reply = self.execute(line)
            except SystemExit:
                return 0
            if self.notice:  # beside the reply on a terminal, apart from it in a pipe
                print(self.notice, file=stdout if interactive else sys.stderr, flush=True)
            if reply:
                print(reply, file=stdout, flush=True)


def _notation(expression: str) -> dict:
    """The query's expression and notation: LaTeX between $…$ is read as LaTeX."""
    s = expression.strip()
    if len(s) > 1 and s[0] == "$" and s[-1] == "$":
        return {"expression": s[1:-1], "latex_input": True}
    return {"expression": expression}


def _read(stream) -> str:
    line = stream.readline()
    if not line:
        raise EOFError
    return line


def _declarations(text: str) -> tuple:
    """((name, shape), …) of "C: symmetric n x n; A, B: 3 x 3", checked by the parser just
    as declarations before an expression are; raises the parser's MatcalcError (caret and
    all) and returns nothing on error."""
    import matcalc

    from .core.errors import MatcalcError
    try:
        matcalc.parse(f"{text}; 0")  # the declarations before a placeholder expression
    except MatcalcError as err:
        err.source = text  # the caret under the line as typed, without the placeholder
        raise
    return parse_declarations(text.split(";"))


def _let_words(rest: str) -> str:
    """":let C symmetric n x n" (no colon): the first word is the name."""
    name, _, shape = rest.strip().partition(" ")
    return f"{name}: {shape}"


def _enable_history() -> None:
    try:
        import atexit
        import readline
    except ImportError:  # pragma: no cover (no readline on this platform)
        return
    path = os.environ.get("MATCALC_HISTORY") or os.path.expanduser("~/.matcalc_history")
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    readline.set_history_length(1000)
    atexit.register(_save_history, readline, path)


def _save_history(readline, path: str) -> None:
    """Write readline's history to path, private to its owner (mode 0600) whatever the
    umask and the library (libedit writes with the umask's mode): a new file is created
    0600 before any line is in it, an existing one is tightened to 0600."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
        readline.write_history_file(path)
        os.chmod(path, 0o600)  # a library that writes a new file and renames it
    except OSError:
        pass
