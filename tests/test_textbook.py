"""Textbook derivations, as a person would ask for them: Gaussian processes, logistic and
softmax regression, the Gaussian's maximum-likelihood estimates, least squares, matrix
factorisation, one network layer, hyperelastic stress and the two seed questions.

Each result is checked five ways: it agrees with central finite differences; it is no
larger than the textbook's form (node count, as benchmarks/compactness.py counts); its
text and LaTeX read back to the same function; its derivation repeats no step and prints
no sign or parenthesis wrongly; and the derivations compile in a 10pt article column
without an overfull line.
"""

import re
import subprocess
from dataclasses import dataclass, field

import numpy as np
import pytest
from test_round_trip import symbols_of
from test_tex import _engine

import matcalc
from matcalc.numeric.checking import random_point
from matcalc.rewrite.rules import size


@dataclass(frozen=True)
class Problem:
    """d f / d variable (or the Hessian), and the textbook's answer in matcalc's syntax."""
    name: str
    f: str
    variable: str
    textbook: str
    options: dict = field(default_factory=dict)
    hessian: bool = False


LOGISTIC = "-(y'*log(sigmoid(Z*w)) + (vector(1)-y)'*log(vector(1)-sigmoid(Z*w)))"
SOFTMAX = "y: m; W: m x n; -y'*W*x + log(sum(exp(W*x)))"  # 𝟏ᵀy = 1
GAUSSIAN = "S: symmetric n x n; mu: n; logdet(S) + (x-mu)'*inv(S)*(x-mu)"
NEO_HOOKE = "C: symmetric n x n; mu/2*(tr(C) - 3) - mu/2*logdet(C) + lambda/8*logdet(C)^2"
SYMMETRIC = {"symmetric": True}

PROBLEMS = [
    Problem("GP marginal likelihood", "K: symmetric n x n; y'*inv(K)*y + logdet(K)", "K",
            "inv(K) - inv(K)*y*y'*inv(K)", SYMMETRIC),
    Problem("logistic regression", LOGISTIC, "w", "Z'*(sigmoid(Z*w) - y)"),
    Problem("logistic regression, Hessian", LOGISTIC, "w",
            "Z'*diag(sigmoid(Z*w).*(vector(1) - sigmoid(Z*w)))*Z", hessian=True),
    Problem("softmax regression", SOFTMAX, "W", "(exp(W*x)/sum(exp(W*x)) - y)*x'"),
    Problem("softmax regression, Hessian by x", SOFTMAX, "x",
            "W'*(diag(exp(W*x))/sum(exp(W*x)) - exp(W*x)*exp(W*x)'/sum(exp(W*x))^2)*W",
            hessian=True),
    Problem("Gaussian MLE, precision", "P: symmetric n x n; S: symmetric n x n; "
            "logdet(P) - tr(S*P)", "P", "inv(P) - S", SYMMETRIC),
    Problem("Gaussian MLE, mean", GAUSSIAN, "mu", "-2*inv(S)*(x - mu)"),
    Problem("Gaussian MLE, covariance", GAUSSIAN, "S",
            "inv(S) - inv(S)*(x - mu)*(x - mu)'*inv(S)", SYMMETRIC),
    Problem("least squares", "b: vector; norm2(A*x-b)^2", "x", "2*A'*(A*x - b)"),
    Problem("least squares, Hessian", "b: vector; norm2(A*x-b)^2", "x", "2*A'*A",
            hessian=True),
    Problem("ridge regression", "b: vector; norm2(A*x-b)^2 + lambda*norm2(x)^2", "x",
            "2*A'*(A*x - b) + 2*lambda*x"),
    Problem("matrix factorisation, U", "norm2(X - U*V')^2", "U", "-2*(X - U*V')*V"),
    Problem("matrix factorisation, V", "norm2(X - U*V')^2", "V", "-2*(X - U*V')'*U"),
    Problem("one tanh layer, weights", "b: vector; norm2(y - tanh(W*x + b))^2", "W",
            "-2*((y - tanh(W*x + b)).*(vector(1) - tanh(W*x + b).^2))*x'"),
    Problem("one tanh layer, bias", "b: vector; norm2(y - tanh(W*x + b))^2", "b",
            "-2*(y - tanh(W*x + b)).*(vector(1) - tanh(W*x + b).^2)"),
    Problem("neo-Hookean stress S/2 = ∂W/∂C", NEO_HOOKE, "C",
            "mu/2*(eye - inv(C)) + lambda/4*logdet(C)*inv(C)", SYMMETRIC),
    Problem("seed: trace of the inverse", "tr(inv(X))", "X", "-(inv(X)^2)'"),
    Problem("seed: log-determinant", "logdet(X)", "X", "inv(X)'"),
]
IDS = [p.name for p in PROBLEMS]


def _solve(problem):
    f = matcalc.parse(problem.f)
    X = next(s for s in f.free_symbols if s.name == problem.variable)
    derive = matcalc.hessian if problem.hessian else matcalc.grad
    return f, X, derive(f, X, **problem.options)


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_the_result_is_right(problem):
    f, X, result = _solve(problem)
    if problem.hessian:
        G = matcalc.grad(f, X, **problem.options)
        assert matcalc.check(G, X, derivative=result, **problem.options).ok
    else:
        assert matcalc.check(f, X, derivative=result, **problem.options).ok


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_the_result_is_no_larger_than_the_textbook_form(problem):
    f, X, result = _solve(problem)
    textbook = matcalc.parse(problem.textbook, symbols_of(f))
    assert size(result) <= size(textbook), (matcalc.text(result), matcalc.text(textbook))
    point = random_point([f], X, symmetric=bool(problem.options.get("symmetric")), seed=7)
    np.testing.assert_allclose(_value(textbook, point), _value(result, point), rtol=1e-8)


def _value(e, point):
    v = np.asarray(matcalc.evaluate(e, point), dtype=float)
    return v[0, 0] if v.shape == (1, 1) else v


@pytest.mark.parametrize("notation", ["text", "latex"])
@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_the_result_reads_back(problem, notation):
    f, X, result = _solve(problem)
    symbols = symbols_of(f)
    back = matcalc.parse(matcalc.text(result), symbols) if notation == "text" else \
        matcalc.parse_latex(matcalc.latex(result), symbols)
    point = random_point([f], X, seed=8)
    np.testing.assert_allclose(_value(back, point), _value(result, point), rtol=1e-9)


#: What a misprinted step shows: signs run together, an empty or doubled pair of
#: parentheses (d((yᵀ K⁻¹ y))), a sign before a closing or after an opening parenthesis.
MISPRINTS = re.compile(r"\+ -|- -|\(\)|\(\([^()]*\)\)|[-+] \)|\( [-+]")


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_the_derivation_repeats_no_step_and_misprints_none(problem):
    f, X, _ = _solve(problem)
    derivation = matcalc.derive(f, X, hessian=problem.hessian, **problem.options)
    rows = [re.fullmatch(r"\s*(.*?) = (.*?)\s+\[.*\]", line).groups()
            for line in derivation.text().splitlines()]
    for (_, before), (lhs, after) in zip(rows, rows[1:], strict=False):
        assert lhs or before != after, f"a step repeats: {after}"
    for _, line in rows:
        assert not MISPRINTS.search(line), line
        assert line.count("(") == line.count(")"), line


def test_the_derivations_fit_a_ten_point_column(tmp_path):
    blocks = []
    for problem in PROBLEMS:
        f, X, _ = _solve(problem)
        derivation = matcalc.derive(f, X, hessian=problem.hessian, **problem.options)
        blocks.append(f"% {problem.name}\n{derivation.latex()}")
    tex = tmp_path / "doc.tex"
    tex.write_text("\\documentclass[10pt]{article}\n\\usepackage{amsmath,amssymb}\n"
                   "\\allowdisplaybreaks\n"
                   "\\begin{document}\n" + "\n\n".join(blocks) + "\n\\end{document}\n",
                   encoding="utf-8")
    subprocess.run([_engine(), "-no-shell-escape", "-interaction=nonstopmode", tex.name],
                   cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    overfull = [line for line in log.splitlines() if line.startswith("Overfull \\hbox")]
    assert not overfull and "\n!" not in log, "\n".join(overfull) or log[-3000:]

