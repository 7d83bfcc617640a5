"""The command line, run as a user runs it: a process, its stdout, stderr and exit status."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from matcalc import cli

ROOT = Path(__file__).resolve().parent.parent


def command() -> list:
    """The installed `matcalc` script when there is one, else python -m matcalc."""
    script = Path(sys.executable).parent / "matcalc"
    return [str(script)] if script.exists() else [sys.executable, "-m", "matcalc"]


def run(*args, stdin=None):
    """`matcalc ARGS`: its exit status, stdout and stderr."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(command() + list(args), capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env=env, input=stdin)


def test_gradient_in_text():
    out = run("tr(inv(X))", "--wrt", "X")
    assert (out.returncode, out.stdout) == (0, "-(X⁻²)ᵀ\n")
    assert out.stderr == "matcalc: read as X: n x n (declare with --let to type otherwise)\n"


def test_names_typed_by_their_first_letter_are_said_once_on_stderr():
    out = run("lambda*norm2(x)^2 + mu*x'*A*x", "--wrt", "x")
    assert out.stdout == "2 λ x + μ (A + Aᵀ) x\n"
    assert "A: n x n; lambda: scalar; mu: scalar; x: n x 1" in out.stderr
    declared = run("A: 3 x 3; x: 3; x'*A*x", "--wrt", "x")
    assert (declared.stdout, declared.stderr) == ("(A + Aᵀ) x\n", "")


def test_an_expression_may_start_with_a_minus():
    assert run("-tr(X)", "--wrt", "X").stdout == "-I\n"


def test_variable_is_found_when_there_is_only_one():
    assert run("log(det(X))").stdout == "X⁻ᵀ\n"


@pytest.mark.parametrize("args, expected", [
    (["log(det(X))", "--latex"], "X^{-\\top}\n"),
    (["inv(X)", "--wrt", "X", "--index"], "X^{-1}_{ik} X^{-1}_{lj}"),
    (["x'*A*x", "--wrt", "x", "--hessian"], "A + Aᵀ\n"),
    (["inv(C)", "--wrt", "C", "--symmetric"], "-C⁻¹ ⊠ C⁻¹ : 𝕀ₛ\n"),
    (["log(det(X))", "--symmetric=entries"], "2 X⁻¹ - I ∘ X⁻¹\n"),
    (["tr(X)", "--diagonal"], "I\n"),
    (["C: symmetric n x n; logdet(C)", "--wrt", "C"], "C⁻¹\n"),
    (["logdet(C)", "--let", "C: symmetric n x n"], "C⁻¹\n"),
    (["inv(X)", "--wrt", "X"], "-X⁻¹ ⊠ X⁻ᵀ\n"),
])
def test_options(args, expected):
    out = run(*args)
    assert out.returncode == 0, out.stderr
    assert expected in out.stdout


def test_steps_write_the_derivation():
    out = run("tr(inv(X))", "--wrt", "X", "--steps")
    lines = out.stdout.splitlines()
    assert lines[0].startswith("d tr(X⁻¹) = tr(d(X⁻¹))")
    assert "inverse: d(X⁻¹) = -X⁻¹ dX X⁻¹" in out.stdout
    assert lines[-1].strip().startswith("⇒ ∂f/∂X = -(X⁻²)ᵀ")
    latex = run("tr(inv(X))", "--wrt", "X", "--steps", "--latex").stdout
    assert latex.startswith("\\begin{align*}") and "\\tag*{inverse}" in latex


def test_a_closed_pipe_ends_quietly():
    """`matcalc … --steps | head -1`: the reader goes after one line; matcalc stops with
    nothing on stderr (no BrokenPipeError, no "Exception ignored") and exit status 141."""
    # ~200 kB of steps, more than a pipe holds: matcalc is still writing when the reader goes
    long_sum = " + ".join(f"tr(A{i}*X)" for i in range(60))
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    out = subprocess.Popen(command() + [long_sum, "--wrt", "X", "--steps"], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert out.stdout.readline().startswith(b"d(tr(A0 X) + ")
    out.stdout.close()
    assert out.wait(timeout=300) == 141
    err = out.stderr.read().decode()  # nothing but the line on how names were typed
    assert all(line.startswith("matcalc: read as ") for line in err.splitlines()), err


def test_check_prints_the_largest_error():
    out = run("x'*A*x + sum(exp(x))", "--wrt", "x", "--check")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1].startswith("check: ok: max error")
    out = run("x'*A*x", "--wrt", "x", "--hessian", "--check")
    assert out.returncode == 0 and "check: ok" in out.stdout


def test_a_failed_check_exits_3(monkeypatch, capsys):
    import matcalc
    monkeypatch.setattr(matcalc, "grad", lambda f, X, **kw: 2 * X)  # a wrong gradient
    assert cli.main(["tr(inv(X))", "--check"]) == cli.EXIT_CHECK_FAILED
    assert "MISMATCH" in capsys.readouterr().err.upper()


@pytest.mark.parametrize("args, status, words", [
    (["tr(X))"], 2, "unexpected ')'"),
    (["__import__('os').system('echo hi')"], 2, "unexpected character '_'"),
    (["A*B", "--let", "A, B: n x m"], 2, "columns and rows differ"),
    (["tr(X)", "--wrt", "Y"], 2, "no symbol Y"),
    (["x'*A*x"], 2, "--wrt"),
    (["tr(X)", "--symmetric=foo"], 2, "--symmetric=entries"),
    (["tr(X)", "--let", "nonsense"], 2, "NAME: SHAPE"),
    (["X^0.5", "--wrt", "X"], 1, "no differential rule for the power"),
    (["tr(X)", "--index"], 2, "--index writes fourth-order results"),
    (["tr(X)", "--steps", "--index"], 2, "--steps writes text or LaTeX"),
    (["tr(X)", "--symmetric", "--diagonal"], 2, "exclude each other"),
    (["inv(X-X)"], 2, "cannot build"),
    (["tr(X)/0"], 2, "division by zero"),
    (["logdet(X^64+X^63)", "--hessian", "--time-limit", "0.5"], 2,
     "time budget of 0.5 s ran out while"),
    (["tr(X)", "--time-limit", "0"], 2, "--time-limit 0: give a positive number"),
    (["tr(X)", "--time-limit", "soon"], 2, "--time-limit soon"),
])
def test_errors_are_one_message_and_an_exit_status(args, status, words):
    out = run(*args)
    assert out.returncode == status
    assert words in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_the_time_limit_can_be_lifted():
    out = run("tr(X*X)", "--time-limit", "none")
    assert (out.returncode, out.stdout) == (0, "2 Xᵀ\n")


def test_det_of_a_high_power_passes_its_check():
    """det(X⁶⁴) is evaluated as det(X)⁶⁴; from X⁶⁴ formed, the check failed."""
    out = run("det(X^64)", "--wrt", "X", "--check")
    assert out.returncode == 0 and "check: ok" in out.stdout, out.stderr


def test_syntax_errors_show_a_caret_under_the_column():
    err = run("tr(X))").stderr.splitlines()
    assert err[0].startswith("matcalc: error: unexpected ')'")
    assert err[1] == "  tr(X))" and err[2] == "       ^"


def test_injection_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    out = run(f"__import__('os').system('touch {marker}')")
    assert out.returncode == 2 and not marker.exists()


def test_version_and_help():
    assert run("--version").stdout.startswith("matcalc ")
    helptext = run("--help").stdout
    for option in ("--wrt", "--latex", "--index", "--steps", "--hessian", "--symmetric",
                   "--check", "exit status"):
        assert option in helptext


def test_numpy_export_prints_a_module_whose_gradient_passes_its_own_check():
    out = run("C: symmetric n x n; x'*inv(C)*x + logdet(C)", "--wrt", "C", "--numpy",
              "--check")
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip().splitlines()[-1].startswith("# check: ok")
    namespace: dict = {}
    exec(out.stdout, namespace)
    import numpy as np
    rng = np.random.default_rng(0)
    R = rng.standard_normal((4, 4))
    C, x = R @ R.T / 4 + np.eye(4), rng.standard_normal(4)
    assert namespace["check_f_and_grad"](C, x) < 1e-7
    value, G = namespace["f_and_grad"](C, x)
    assert np.allclose(G, G.T)


def test_code_export_of_a_jacobian_and_a_hessian_names_the_function():
    assert "def jacobian(X):" in run("inv(X)", "--numpy").stdout
    assert "def hessian(A, x):" in run("x'*A*x", "--wrt", "x", "--hessian", "--numpy").stdout


def test_code_export_refuses_steps():
    out = run("tr(X)", "--numpy", "--steps")
    assert out.returncode == 2 and "--steps writes text or LaTeX" in out.stderr


@pytest.mark.parametrize("options", [[], ["--symmetric=entries"]])
def test_a_hessian_by_a_symmetric_matrix_is_checked(options):
    out = run("C: symmetric n x n; logdet(C) + tr(C*A*C)", "--wrt", "C", "--hessian",
              "--check", *options)
    assert out.returncode == 0 and "check: ok" in out.stdout, out.stderr


def test_a_hessian_by_a_diagonal_matrix_is_checked():
    out = run("tr(X*A*X)", "--wrt", "X", "--hessian", "--diagonal", "--check")
    assert out.returncode == 0 and "check: ok" in out.stdout, out.stderr


def test_a_hessian_vector_product_is_printed_checked_and_exported():
    out = run("x'*A*x", "--wrt", "x", "--hvp", "--check")
    assert out.returncode == 0 and out.stdout.startswith("(A + Aᵀ) v\ncheck: ok"), out.stderr
    out = run("C: symmetric n x n; logdet(C) + tr(C*A*C)", "--wrt", "C", "--hvp", "--check")
    assert out.returncode == 0 and "check: ok" in out.stdout, out.stderr
    code = run("x: vector; log(sum(exp(x)))", "--hvp", "--numpy").stdout
    assert "def f_hvp(x, v):" in code and "_softmax(x)" in code
    out = run("logdet(X)", "--hvp", "--hessian")
    assert out.returncode == 2 and "--hvp writes the Hessian-vector product alone" in out.stderr
