"""Cost of the gradient and of Hessian-vector products in generated code.

Table 1, f-and-gradient over f (matcalc's generated NumPy `f_and_grad` against its `f`;
issue 19's targets: ≤ 2 for the first three, ≤ 3.5 for log det), with f-and-gradient's
own time in milliseconds:
    xᵀA⁻¹x by A, xᵀA⁻¹x by x, tr(X⁻¹B) by X, log det X by X.
Table 2, Hessian-vector products (matcalc's generated `f_hvp` in NumPy and JAX against
JAX's forward-over-reverse `jax.jit(jvp(grad(f)))` and against forming the Hessian with
`jax.jit(jax.hessian)` and multiplying), milliseconds per call:
    xᵀAx, the logistic loss with labels, ‖T − UVᵀ‖² by U, log Σ exp(x).
Table 3, the same four Hessians: how many times faster matcalc's generated Hessian (NumPy
and JAX) is than `jax.jit(jax.hessian)` (issue 19's target: at least 2).
Values are checked equal before timing; one thread per library; float64; median of
repeats (table 1: batches of f-and-gradient and f alternate, and the ratio is the median
of the pairs' ratios).

    python benchmarks/ratios.py [--sizes 100 300 1000] [--tables gradients hvp hessians]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                           "intra_op_parallelism_threads=1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import sympy  # noqa: E402

import matcalc  # noqa: E402

RANK = 5


def measure(call, budget=0.5) -> float:
    """Median seconds per call over batches of at least 20 ms."""
    call()
    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-9)
    number = max(1, int(0.02 / once))
    times = []
    for _ in range(max(3, min(15, int(budget / (once * number))))):
        start = time.perf_counter()
        for _ in range(number):
            call()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def paired(first, second, budget=1.0) -> tuple[float, float]:
    """(median seconds per call of first, median over pairs of first's time / second's):
    batches of the two alternate, so that a slow spell of this shared machine slows both
    sides of a ratio rather than one."""
    for call in (first, second, first, second):
        call()
    start = time.perf_counter()
    first()
    second()
    once = max(time.perf_counter() - start, 1e-9)
    number = max(1, int(0.02 / once))
    times, ratios = [], []
    for _ in range(max(5, min(25, int(budget / (once * number))))):
        start = time.perf_counter()
        for _ in range(number):
            first()
        middle = time.perf_counter()
        for _ in range(number):
            second()
        end = time.perf_counter()
        times.append((middle - start) / number)
        ratios.append((middle - start) / (end - middle))
    return statistics.median(times), statistics.median(ratios)


def _symbols(f):
    return {s.name: s for s in f.free_symbols | f.atoms(sympy.MatrixSymbol)}


def _problem(text, values):
    """(f, its symbols by name, the argument names in order, the arguments)."""
    f = matcalc.parse(text)
    symbols = _symbols(f)
    names = sorted(values(2, np.random.default_rng(0)))
    return f, symbols, names, [symbols[k] for k in names]


def _jax():
    import jax
    jax.config.update("jax_enable_x64", True)
    return jax


def _header(title, columns, sizes):
    print(f"\n## {title}\n")
    print("| " + " | ".join([*columns, *(f"n = {n}" for n in sizes)]) + " |")
    print("|" + "---|" * len(columns) + "---:|" * len(sizes))


def _spd(n, rng):
    G = rng.standard_normal((n, n))
    return G @ G.T / n + np.eye(n)


GRADIENTS = {
    "xᵀA⁻¹x by A": ("A: n x n; x: vector; x'*inv(A)*x", "A",
                    lambda n, rng: {"A": _spd(n, rng), "x": rng.standard_normal((n, 1))}),
    "xᵀA⁻¹x by x": ("A: n x n; x: vector; x'*inv(A)*x", "x",
                    lambda n, rng: {"A": _spd(n, rng), "x": rng.standard_normal((n, 1))}),
    "tr(X⁻¹B) by X": ("tr(inv(X)*B)", "X",
                      lambda n, rng: {"B": rng.standard_normal((n, n)), "X": _spd(n, rng)}),
    "log det X by X": ("logdet(X)", "X", lambda n, rng: {"X": _spd(n, rng)}),
}

HVPS = {
    "xᵀAx": ("x'*A*x", "x",
             lambda n, rng: {"A": rng.standard_normal((n, n)), "x": rng.standard_normal((n, 1))},
             lambda jnp: lambda A, x: (x.T @ A @ x)[0, 0]),
    "logistic": ("sum(log(vector(1) + exp(-y .* (Z*w))))", "w",
                 lambda n, rng: {"Z": rng.standard_normal((n, n)) / np.sqrt(n),
                                 "w": rng.standard_normal((n, 1)),
                                 "y": np.sign(rng.standard_normal((n, 1)))},
                 lambda jnp: lambda Z, w, y: jnp.sum(jnp.logaddexp(0.0, -y * (Z @ w)))),
    "‖T − UVᵀ‖² by U": (f"T: n x n; U, V: n x {RANK}; norm2(T - U*V')^2", "U",
                        lambda n, rng: {"T": rng.standard_normal((n, n)),
                                        "U": rng.standard_normal((n, RANK)),
                                        "V": rng.standard_normal((n, RANK))},
                        lambda jnp: lambda T, U, V: jnp.sum((T - U @ V.T) ** 2)),
    "log Σ exp(x)": ("x: vector; log(sum(exp(x)))", "x",
                     lambda n, rng: {"x": rng.standard_normal((n, 1))},
                     lambda jnp: lambda x: jnp.log(jnp.sum(jnp.exp(x)))),
}


def gradient_ratios(sizes):
    _header("f-and-gradient over f (generated NumPy; median over alternating batches), and "
            "in brackets f-and-gradient's time", ["problem"], sizes)
    for name, (text, wrt, values) in GRADIENTS.items():
        f, symbols, _, args = _problem(text, values)
        fn = matcalc.lambdify(f, args)
        both = matcalc.lambdify(f, args, grad=symbols[wrt])
        cells = []
        for n in sizes:
            point = values(n, np.random.default_rng(n))
            inputs = [point[a.name] for a in args]
            assert np.isclose(both(*inputs)[0], fn(*inputs))
            seconds, ratio = paired(lambda both=both, a=inputs: both(*a),
                                    lambda fn=fn, a=inputs: fn(*a))
            cells.append(f"{ratio:.2f} ({1000 * seconds:.3g} ms)")
        print(f"| {name} | " + " | ".join(cells) + " |")


def hvp_times(sizes):
    jax = _jax()
    jnp = jax.numpy
    _header("Hessian-vector products, ms per call (float64)", ["problem", "method"], sizes)
    for name, (text, wrt, values, jax_f) in HVPS.items():
        f, symbols, names, args = _problem(text, values)
        position = names.index(wrt)
        generated = {b: matcalc.lambdify(f, args, b, hvp=symbols[wrt]) for b in ("numpy", "jax")}
        jf = jax_f(jnp)

        def forward_over_reverse(*a, jf=jf, position=position):
            *inputs, v = a
            gradient = jax.grad(jf, argnums=position)

            def along(x):
                return gradient(*inputs[:position], x, *inputs[position + 1:])
            return jax.jvp(along, (inputs[position],), (v,))[1]

        def formed(*a, jf=jf, position=position):
            *inputs, v = a
            H = jax.hessian(jf, argnums=position)(*inputs)
            return jnp.tensordot(H, v, axes=v.ndim)

        methods = {"matcalc NumPy": generated["numpy"], "matcalc JAX": generated["jax"],
                   "jax.jit(jvp(grad))": jax.jit(forward_over_reverse),
                   "jax.jit(hessian) · v": jax.jit(formed)}
        rows = {label: [] for label in methods}
        for n in sizes:
            rng = np.random.default_rng(n)
            point = values(n, rng)
            v = rng.standard_normal(np.shape(point[wrt]))
            np_inputs = [point[k] for k in names] + [v]
            jax_inputs = [jnp.asarray(a) for a in np_inputs]
            reference = np.asarray(generated["numpy"](*np_inputs))
            for label, fn in methods.items():
                inputs = np_inputs if label == "matcalc NumPy" else jax_inputs
                if label == "jax.jit(hessian) · v" and n > 300:
                    rows[label].append("—")
                    continue
                out = np.asarray(fn(*inputs)).reshape(reference.shape)
                assert np.allclose(out, reference, rtol=1e-6, atol=1e-9), (name, label)
                seconds = measure(lambda fn=fn, inputs=inputs: jax.block_until_ready(
                    fn(*inputs)))
                rows[label].append(f"{1000 * seconds:.3g}")
        for label, cells in rows.items():
            print(f"| {name} | {label} | " + " | ".join(cells) + " |")


def hessian_speedups(sizes):
    """Table 3: how many times faster the generated Hessian is than jax.jit(jax.hessian),
    each pair of batches alternating (issue 19's target: at least 2)."""
    jax = _jax()
    jnp = jax.numpy
    _header("Hessians: jax.jit(jax.hessian)'s time over the generated Hessian's (median over "
            "alternating batches), and in brackets the generated Hessian's time",
            ["problem", "generated"], sizes)
    for name, (text, wrt, values, jax_f) in HVPS.items():
        f, symbols, names, args = _problem(text, values)
        H = matcalc.hessian(f, symbols[wrt])
        autodiff = jax.jit(jax.hessian(jax_f(jnp), argnums=names.index(wrt)))
        rows = {}
        for backend in ("numpy", "jax"):
            generated = matcalc.lambdify(H, args, backend)
            cells = []
            for n in sizes:
                point = values(n, np.random.default_rng(n))
                np_inputs = [point[k] for k in names]
                jax_inputs = [jnp.asarray(a) for a in np_inputs]
                inputs = np_inputs if backend == "numpy" else jax_inputs
                if name.startswith("‖") and n > 300:  # jax.hessian asks for 40 GB at 1000
                    cells.append("— (JAX out of memory)")
                    continue
                mine = np.asarray(generated(*inputs))
                theirs = np.asarray(autodiff(*jax_inputs))
                assert mine.size == theirs.size and np.allclose(
                    mine, theirs.reshape(mine.shape), rtol=1e-6, atol=1e-9), (name, n)
                seconds, ratio = paired(
                    lambda g=generated, a=inputs: jax.block_until_ready(g(*a)),
                    lambda h=autodiff, a=jax_inputs: jax.block_until_ready(h(*a)))
                cells.append(f"{1 / ratio:.2f}× ({1000 * seconds:.3g} ms)")
            rows[f"matcalc {'NumPy' if backend == 'numpy' else 'JAX'}"] = cells
        for label, cells in rows.items():
            print(f"| {name} | {label} | " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--tables", nargs="+", choices=["gradients", "hvp", "hessians"],
                        default=["gradients", "hvp", "hessians"])
    options = parser.parse_args()
    if "gradients" in options.tables:
        gradient_ratios(options.sizes)
    if "hvp" in options.tables:
        hvp_times(options.sizes)
    if "hessians" in options.tables:
        hessian_speedups(options.sizes)


if __name__ == "__main__":
    main()
