"""LaTeX from `matcalc.latex` and from derivations compiles with a real TeX engine.

The TeX engine comes from Debian's packages (.ci/run installs texlive-latex-base); where
it is missing the tests skip, unless MATCALC_REQUIRE_TEX=1 (set by CI) makes that a failure.
"""

import os
import shutil
import subprocess

import pytest
import sympy
from cookbook import IDENTITIES
from test_cookbook import _derive
from test_derivation import CASES, _variable
from test_printing import HOSTILE_NAMES, hostile_latex

import matcalc

PREAMBLE = "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"


def _engine():
    engine = shutil.which("latex")
    if engine is None:
        if os.environ.get("MATCALC_REQUIRE_TEX") == "1":
            pytest.fail("MATCALC_REQUIRE_TEX=1 but no latex on PATH (apt-get install "
                        "texlive-latex-base)")
        pytest.skip("no TeX engine (apt-get install texlive-latex-base)")
    return engine


def _compile(body: str, tmp_path) -> str:
    """Compile body in an article with amsmath, shell escape off; fail with TeX's complaint
    if it does not compile; return TeX's log."""
    tex = tmp_path / "doc.tex"
    tex.write_text(PREAMBLE + body + "\n\\end{document}\n", encoding="utf-8")
    run = subprocess.run([_engine(), "-no-shell-escape", "-interaction=nonstopmode",
                          "-halt-on-error", tex.name],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert run.returncode == 0 and not errors, "\n".join(errors) + "\n" + run.stdout[-2000:]
    assert (tmp_path / "doc.dvi").stat().st_size > 0
    return log


def test_latex_of_every_cookbook_result_compiles(tmp_path):
    lines = []
    for case in IDENTITIES:
        result = _derive(case)
        lines.append(f"% {case.eq}\n\\[ {matcalc.latex(result)} \\]")
        lines.append(f"\\[ {matcalc.latex(result, bold=True, transpose='T')} \\]")
    _compile("\n".join(lines), tmp_path)


def test_derivations_compile(tmp_path):
    blocks = []
    for text, name, options in CASES:
        f = matcalc.parse(text)
        derivation = matcalc.derive(f, _variable(f, name), **options)
        blocks += [derivation.latex(), derivation.latex(annotate=False)]
    X = sympy.MatrixSymbol("X", 3, 3)
    blocks.append(matcalc.derive(sympy.Determinant(X), X, hessian=True).latex())
    _compile("\n\n".join(blocks), tmp_path)


def test_jupyter_display_math_compiles(tmp_path):
    """_repr_latex_ strings are $…$ math: they compile inside a paragraph."""
    X = sympy.MatrixSymbol("X", 3, 3)
    C = matcalc.SymmetricMatrixSymbol("C", 3)
    shown = [matcalc.derive(sympy.Trace(X.I), X)._repr_latex_(),
             matcalc.jacobian(C.I, C)._repr_latex_(),
             matcalc.grad(matcalc.Norm(X) ** 2 + sympy.Trace(matcalc.elementwise(sympy.exp, X)),
                          X)._repr_latex_()]
    _compile("\n\n".join(shown), tmp_path)


def test_names_that_are_tex_compile_as_text(tmp_path):
    r"""Symbols named \input{…}, \write18{…}, \openout…, \catcode…: the document compiles,
    no file is read or written and no command is asked for (shell escape is off as well)."""
    (tmp_path / "secret.tex").write_text("\\message{LEAKED}\n", encoding="utf-8")
    log = _compile("\n\n".join(s for name in HOSTILE_NAMES for s in hostile_latex(name)),
                   tmp_path)
    assert "LEAKED" not in log and "/etc/passwd" not in log and "runsystem" not in log
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "doc.aux", "doc.dvi", "doc.log", "doc.tex", "secret.tex"]


def test_a_tex_error_is_caught(tmp_path):
    """The check above can fail: an undefined control sequence is reported."""
    with pytest.raises(AssertionError, match="Undefined control sequence"):
        _compile("\\[ \\notacommand{X} \\]", tmp_path)


#: Derivations that must fit a 10pt article column (issue 16; longer ones, whose single
#: terms are wider than a column, do not yet).
FITTING = [("K: symmetric n x n; y'*inv(K)*y + logdet(K)", "K"), ("tr(inv(X))", "X"),
           ("C: symmetric n x n; inv(C)", "C"), ("x'*A*x + y'*x", "x"),
           ("norm2(A*x - y)^2", "x")]


def test_derivations_fit_a_ten_point_column(tmp_path):
    """No overfull line: rule names are tags amsmath moves below a full line, and sums
    break before + and −."""
    blocks = [matcalc.derive(matcalc.parse(text), name).latex() for text, name in FITTING]
    tex = tmp_path / "doc.tex"
    tex.write_text("\\documentclass[10pt]{article}\n\\usepackage{amsmath,amssymb}\n"
                   "\\begin{document}\n" + "\n\n".join(blocks) + "\n\\end{document}\n",
                   encoding="utf-8")
    subprocess.run([_engine(), "-no-shell-escape", "-interaction=nonstopmode", tex.name],
                   cwd=tmp_path, capture_output=True, text=True, timeout=120)
    log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert "Overfull" not in log and "\n!" not in log, log[-3000:]
