"""Determinism: the same input prints the same output in every process, whatever Python's
hash seed (set iteration order, dict order of hashed keys). CI also runs the whole suite
under two PYTHONHASHSEED values."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    import matcalc
    from cookbook import IDENTITIES
    from matcalc.numeric.checking import random_point

    derive = {{"grad": matcalc.grad, "jacobian": matcalc.jacobian,
               "hessian": matcalc.hessian}}
    for identity in IDENTITIES:
        result = derive[identity.kind](identity.f, identity.var, **identity.options)
        print(identity.eq, matcalc.text(result), matcalc.latex(result), sep=" | ")
        if isinstance(result, matcalc.FourthOrder):
            print(matcalc.index(result, style="text"))
        else:
            print(matcalc.syntax(result, declare=True))
            symbols = sorted(identity.f.free_symbols | {{identity.var}}, key=str)
            args = [s for s in symbols if s.name not in ("n", "m", "k")]
            if identity.kind == "grad" and not identity.options:
                print(matcalc.codegen(identity.f, args, grad=identity.var))
        print(sorted(random_point([identity.f], identity.var, seed=1)))
    for text in ["C: symmetric n x n; inv(C)", "tr(inv(X))", "logdet(X)",
                 "sum(sigmoid(A*x))", "norm2(X*A - B)^2"]:
        f = matcalc.parse(text)
        var = next(s for s in sorted(f.free_symbols, key=str) if s.name in "CXx")
        print(matcalc.derive(f, var))
""")


def _outputs(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(tests=str(Path(__file__).parent))],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_outputs_do_not_depend_on_the_hash_seed():
    first, second = _outputs("0"), _outputs("2026")
    assert first.count("\n") > 200
    assert first == second, next(
        f"{a!r} != {b!r}" for a, b in zip(first.splitlines(), second.splitlines(), strict=False)
        if a != b)
