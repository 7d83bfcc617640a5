"""The interactive shell: its commands, and a session driven through a pseudo-terminal the
way a person types (prompt, line editing, history, Ctrl-D)."""

import atexit
import os
import select
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import matcalc
from matcalc.shell import Shell, _enable_history

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "matcalc> "


def test_commands():
    shell = Shell()
    assert shell.execute("d/dX tr(inv(X))") == "-(X⁻²)ᵀ"
    assert shell.notice == "read as X: n x n (:let types otherwise)"
    assert (shell.execute("d/dX tr(X)"), shell.notice) == ("I", "")  # said once
    assert shell.execute("grad log(det(C)) wrt C symmetric") == "C⁻¹"
    assert shell.execute("grad log(det(X)) wrt X entries") == "2 X⁻¹ - I ∘ X⁻¹"
    assert shell.execute("hess x'*A*x wrt x") == "A + Aᵀ"
    assert shell.notice == "read as A: n x n; x: n x 1 (:let types otherwise)"
    assert shell.execute("hvp x'*A*x wrt x") == "(A + Aᵀ) v"
    assert shell.execute(r"d/dX $\log\det X$") == "X⁻ᵀ"  # LaTeX between $…$
    assert shell.execute(":let C symmetric n x n") == "C: symmetric n x n"
    assert shell.execute("d/dC logdet(C)") == "C⁻¹"
    assert shell.execute(":latex") == "output: latex"
    assert shell.execute("d/dC inv(C)") == "- C^{-1} \\boxtimes C^{-1} : \\mathbb{I}_s"
    assert shell.execute(":text") == "output: text"
    assert shell.execute(":steps") == "steps: on"
    assert "inverse: d(X⁻¹) = -X⁻¹ dX X⁻¹" in shell.execute("d/dX tr(inv(X))")
    assert shell.execute(":steps") == "steps: off"
    assert shell.execute("grad tr(X) wrt X check").endswith("(relative 0, tolerance 1e-06)") \
        or "check: ok" in shell.execute("grad tr(X) wrt X check")
    assert shell.execute("x'*A*x").startswith("xᵀ A x    (1 x 1")
    assert shell.execute(":unlet C").endswith("declared: none")
    assert "d/dX" in shell.execute(":help")
    assert shell.execute(":numpy") == "output: numpy"
    assert "def f_and_grad(X):" in shell.execute("d/dX logdet(X)")


def test_errors_are_replies_not_crashes():
    shell = Shell()
    reply = shell.execute("d/dX tr(X))")
    assert reply.startswith("error: unexpected ')'") and reply.endswith("^")
    assert shell.execute(":frobnicate").startswith("error: unknown command")
    assert shell.execute("d/dY tr(X)").startswith("error: --wrt Y")
    assert shell.execute("d/dX X^0.5").startswith("error: no differential rule")


@pytest.mark.parametrize("declaration", [
    ": 3 x 3", "1X: 3 x 3", "C: symmetric 2 x 3", "C: n x n x n", "C; D: 3 x 3", "C, C: 3 x 3",
    "n, X: n x n", "C: 3 x", "C: 0 x 3", "C: x"])
def test_let_refuses_what_the_parser_refuses_and_keeps_nothing(declaration):
    shell = Shell()
    shell.execute(":let C: 4 x 4")
    with pytest.raises(matcalc.MatcalcError) as parsed:
        matcalc.parse(f"{declaration}; tr(X)")
    err = parsed.value
    reply = shell.execute(f":let {declaration}").splitlines()
    assert reply[0] == f"error: {err.message} (at column {err.column})"
    assert reply[1:] == [f"  {declaration}", "  " + " " * (err.column - 1) + "^"]
    assert shell.declarations == {"C": "4 x 4"}


def test_let_takes_what_the_parser_takes():
    """Even what may surprise: the parser reads `C: banana` as a vector of length banana and
    lets a declaration name a matrix I."""
    shell = Shell()
    for declaration, reply in [("C: banana", "C: banana"), ("I: 3 x 3", "I: 3 x 3"),
                               ("A, B: 3 x 3; t: scalar", "A: 3 x 3; B: 3 x 3; t: scalar")]:
        matcalc.parse(f"{declaration}; 0")
        assert shell.execute(f":let {declaration}") == reply
    assert shell.execute(":let S symmetric n x n") == "S: symmetric n x n"
    assert shell.execute(":show").endswith(
        "declared: C: banana; I: 3 x 3; A: 3 x 3; B: 3 x 3; t: scalar; S: symmetric n x n")
    assert shell.execute(":unlet A, B t").endswith("declared: C: banana; I: 3 x 3; "
                                                   "S: symmetric n x n")
    assert shell.execute("d/dS logdet(S)") == "S⁻¹"


class _Readline:
    """Stands in for a readline library that writes its history file with the umask's mode,
    as libedit does (GNU readline 8 writes 0600 by itself)."""

    def read_history_file(self, path):
        Path(path).read_text()

    def set_history_length(self, length):
        pass

    def write_history_file(self, path):
        Path(path).write_text("d/dX tr(inv(X))\n")


def test_the_history_file_is_private(tmp_path, monkeypatch):
    """Created 0600 whatever the umask, and a history left readable by others is tightened."""
    history, at_exit = tmp_path / "history", []
    monkeypatch.setenv("MATCALC_HISTORY", str(history))
    monkeypatch.setitem(sys.modules, "readline", _Readline())
    monkeypatch.setattr(atexit, "register", lambda f, *args: at_exit.append((f, args)))
    umask = os.umask(0o022)
    try:
        for mode in (None, 0o644):
            if mode is not None:
                history.chmod(mode)
            _enable_history()
            f, args = at_exit.pop()
            f(*args)
            assert stat.S_IMODE(history.stat().st_mode) == 0o600
            assert history.read_text() == "d/dX tr(inv(X))\n"
    finally:
        os.umask(umask)


def test_a_closed_output_pipe_ends_the_shell_quietly():
    """The reader goes after one reply: the shell stops at the next, with nothing on stderr
    (no BrokenPipeError, no "Exception ignored") and exit status 141, as `| head -1` expects."""
    shell = subprocess.Popen([sys.executable, "-m", "matcalc"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                             env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    shell.stdin.write(b"d/dX tr(X)\n")
    shell.stdin.flush()
    assert shell.stdout.readline() == b"I\n"
    shell.stdout.close()
    shell.stdin.write(b"d/dX tr(X)\n" * 3)
    shell.stdin.close()
    assert shell.wait(timeout=300) == 141
    assert shell.stderr.read() == b"read as X: n x n (:let types otherwise)\n"


def test_quit():
    with pytest.raises(SystemExit):
        Shell().execute(":quit")


def test_piped_input_runs_line_by_line():
    script = "d/dX tr(inv(X))\n:latex\nd/dX log(det(X))\n"
    out = subprocess.run([sys.executable, "-m", "matcalc"], input=script, text=True,
                         capture_output=True, cwd=ROOT, timeout=300,
                         env=dict(os.environ, PYTHONIOENCODING="utf-8"))
    assert out.returncode == 0
    assert out.stdout.splitlines() == ["-(X⁻²)ᵀ", "output: latex", "X^{-\\top}"]


class Terminal:
    """A process on a pseudo-terminal: type lines, read the screen until some text shows."""

    def __init__(self, tmp_path):
        import pty
        self.master, slave = pty.openpty()
        env = dict(os.environ, PYTHONIOENCODING="utf-8", TERM="xterm",
                   MATCALC_HISTORY=str(tmp_path / "history"))
        self.process = subprocess.Popen([sys.executable, "-m", "matcalc"], stdin=slave,
                                        stdout=slave, stderr=slave, cwd=ROOT, env=env,
                                        close_fds=True)
        os.close(slave)
        self.screen = ""

    def read_until(self, text, timeout=120):
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{text!r} never appeared; the screen:\n{self.screen}"
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the process closed the terminal
                    chunk = b""
                if not chunk:
                    assert text in self.screen, f"{text!r} never appeared:\n{self.screen}"
                self.screen += chunk.decode("utf-8", errors="replace")
        return self.screen

    def type(self, keys: str):
        os.write(self.master, keys.encode("utf-8"))

    def command(self, keys: str, expect: str):
        """At the next prompt, type keys; wait for `expect` and the prompt after it."""
        prompts = self.screen.count(PROMPT)
        self.type(keys)
        self.read_until(expect)
        while self.screen.count(PROMPT) <= prompts:
            self._more()

    def _more(self, timeout=120):
        ready, _, _ = select.select([self.master], [], [], timeout)
        assert ready, f"no prompt after the reply; the screen:\n{self.screen}"
        self.screen += os.read(self.master, 4096).decode("utf-8", errors="replace")

    def close(self):
        self.process.wait(timeout=60)
        os.close(self.master)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_a_session_at_the_terminal(tmp_path):
    term = Terminal(tmp_path)
    try:
        term.read_until(PROMPT)
        term.command("d/dX tr(inv(X))\r", "-(X⁻²)ᵀ")
        term.command("grad log(det(C)) wrt C symmetric\r", "C⁻¹")
        term.command(":latex\r", "output: latex")
        term.command("\x1b[A\x1b[A\r", "C^{-1}")  # up twice: the grad line, now in LaTeX
        term.command("d/dX tr(X)\x1b[D\x7fY\r", "no symbol X")  # left, backspace: tr(Y)
        term.command("tr(X))\r", "       ^")
        term.type("\x04")  # Ctrl-D
        assert term.process.wait(timeout=60) == 0
    finally:
        if term.process.poll() is None:
            term.process.kill()
        term.close()
    history = (tmp_path / "history").read_text()
    assert "d/dX tr(inv(X))" in history
    assert stat.S_IMODE((tmp_path / "history").stat().st_mode) == 0o600


def test_quit_exit_and_help_work_without_the_colon():
    shell = Shell()
    assert shell.execute("help") == shell.execute(":help")
    for word in ("quit", "exit"):
        with pytest.raises(SystemExit):
            shell.execute(word)
