"""Evaluation speed of generated code: matcalc's NumPy and JAX export against hand-written
closed forms, `jax.jit(jax.grad / jax.hessian)` and `torch.func.grad / hessian`.

Problems (each at n = 100, 300, 1000; float64; one thread per library):
    quad      xᵀAx                               by x     gradient and Hessian
    logistic  Σ log(1 + exp(−y ∘ (Zw)))  (Z n×n)  by w     gradient and Hessian
    trinv     tr(X⁻¹)                            by X     gradient
    logdet    log det X                          by X     gradient
    lowrank   ‖T − UVᵀ‖²_F  (U, V n×5)            by U     gradient and Hessian
    lse       log Σ exp(x)  (logsumexp)           by x     gradient and Hessian
Every method's value is checked equal to matcalc's generated NumPy code before it is
timed. Times are per call, median (min–max) over repeats, in milliseconds.

    pip install ".[bench]"     # jax, torch==2.13.0 (CPU)
    python benchmarks/evaluation.py [--sizes 100 300 1000] [--quick]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                           "intra_op_parallelism_threads=1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import matcalc  # noqa: E402

RANK = 5


# --- the problems -----------------------------------------------------------------------

def _sigmoid(t):
    return np.exp(np.minimum(t, 0)) / (1 + np.exp(-np.abs(t)))


PROBLEMS = {
    "quad": dict(
        text="x'*A*x", wrt="x", hessian=True,
        values=lambda n, rng: {"A": rng.standard_normal((n, n)),
                               "x": rng.standard_normal((n, 1))},
        f=lambda A, x: (x.T @ (A @ x))[0, 0],
        grad=lambda A, x: A @ x + A.T @ x,
        hess=lambda A, x: A + A.T,
        jax=lambda jnp: lambda A, x: (x.T @ (A @ x))[0, 0],
        torch=lambda A, x: (x.T @ (A @ x))[0, 0]),
    "logistic": dict(
        text="sum(log(vector(1) + exp(-y .* (Z*w))))", wrt="w", hessian=True,
        values=lambda n, rng: {"Z": rng.standard_normal((n, n)) / np.sqrt(n),
                               "w": rng.standard_normal((n, 1)),
                               "y": np.sign(rng.standard_normal((n, 1)))},
        f=lambda Z, w, y: np.sum(np.logaddexp(0, -y * (Z @ w))),
        grad=lambda Z, w, y: -(Z.T @ (y * _sigmoid(-y * (Z @ w)))),
        hess=lambda Z, w, y: _logistic_hessian(Z, w, y),
        jax=lambda jnp: lambda Z, w, y: jnp.sum(jnp.log(1 + jnp.exp(-y * (Z @ w)))),
        torch=lambda Z, w, y: (_torch().log(1 + _torch().exp(-y * (Z @ w)))).sum()),
    "trinv": dict(
        text="tr(inv(X))", wrt="X", hessian=False,
        values=lambda n, rng: {"X": np.eye(n) + 0.5 * rng.standard_normal((n, n))
                               / np.sqrt(n)},
        f=lambda X: np.trace(np.linalg.inv(X)),
        grad=lambda X: _trinv_grad(X),
        jax=lambda jnp: lambda X: jnp.trace(jnp.linalg.inv(X)),
        torch=lambda X: _torch().trace(_torch().linalg.inv(X))),
    "logdet": dict(
        text="logdet(X)", wrt="X", hessian=False,
        values=lambda n, rng: {"X": np.eye(n) + 0.5 * rng.standard_normal((n, n))
                               / np.sqrt(n)},
        f=lambda X: np.linalg.slogdet(X)[1],
        grad=lambda X: np.linalg.inv(X).T,
        jax=lambda jnp: lambda X: jnp.linalg.slogdet(X)[1],
        torch=lambda X: _torch().linalg.slogdet(X)[1]),
    "lowrank": dict(
        text=f"T: n x n; U, V: n x {RANK}; norm2(T - U*V')^2", wrt="U", hessian=True,
        values=lambda n, rng: {"T": rng.standard_normal((n, n)),
                               "U": rng.standard_normal((n, RANK)),
                               "V": rng.standard_normal((n, RANK))},
        f=lambda T, U, V: _sum_of_squares(T - U @ V.T),
        grad=lambda T, U, V: -2 * (T @ V - U @ (V.T @ V)),
        hess=lambda T, U, V: 2 * np.einsum("ik,jl->ijkl", np.eye(U.shape[0]), V.T @ V),
        jax=lambda jnp: lambda T, U, V: jnp.sum((T - U @ V.T) ** 2),
        torch=lambda T, U, V: ((T - U @ V.T) ** 2).sum()),
    "lse": dict(
        text="logsumexp(x)", wrt="x", hessian=True,
        values=lambda n, rng: {"x": rng.standard_normal((n, 1))},
        f=lambda x: _logsumexp(x),
        grad=lambda x: _softmax(x),
        hess=lambda x: _lse_hessian(x),
        jax=lambda jnp: lambda x: __import__("jax").nn.logsumexp(x),
        torch=lambda x: _torch().logsumexp(x.reshape(-1), 0)),
}


def _logsumexp(x):
    top = x.max()
    return top + np.log(np.sum(np.exp(x - top)))


def _softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def _lse_hessian(x):
    p = _softmax(x)
    return np.diag(p[:, 0]) - p @ p.T


def _logistic_hessian(Z, w, y):
    s = _sigmoid(y * (Z @ w))
    return Z.T @ ((s * (1 - s) * y ** 2) * Z)


def _sum_of_squares(R):
    return np.vdot(R, R)


def _trinv_grad(X):
    Xi = np.linalg.inv(X)
    return -(Xi @ Xi).T


def _torch():
    import torch
    return torch


# --- timing -----------------------------------------------------------------------------

def measure(call, budget=1.0, max_repeats=15):
    """Per-call seconds (min, median, max): one warm-up, then repeats of batches that each
    take at least 20 ms, until the budget is spent (at least 3 repeats)."""
    call()
    start = time.perf_counter()
    call()
    once = time.perf_counter() - start
    number = max(1, int(0.02 / max(once, 1e-9)))
    repeats = max(3, min(max_repeats, int(budget / max(once * number, 1e-9))))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            call()
        times.append((time.perf_counter() - start) / number)
    return min(times), statistics.median(times), max(times)


def _numpy(out):
    if isinstance(out, tuple):
        out = out[-1]
    if hasattr(out, "detach"):
        out = out.detach().numpy()
    return np.asarray(out, dtype=float)


def same(a, b) -> bool:
    a, b = _numpy(a), _numpy(b)
    return a.size == b.size and np.allclose(a.reshape(b.shape), b, rtol=1e-6,
                                            atol=1e-9 * max(1.0, np.abs(b).max()))


class Suite:
    def __init__(self, sizes, budget, skip):
        self.sizes, self.budget, self.skip = sizes, budget, skip
        self.results: dict = {}  # (problem, task, method, n) -> (min, median, max)
        import jax
        jax.config.update("jax_enable_x64", True)
        import torch
        torch.set_num_threads(1)
        self.jax, self.jnp, self.torch = jax, jax.numpy, torch

    def run(self, name, spec):
        f = matcalc.parse(spec["text"])
        names = sorted(s.name for s in f.free_symbols
                       if isinstance(s, __import__("sympy").MatrixSymbol))
        symbols = {s.name: s for s in f.free_symbols}
        args = [symbols[a] for a in names]
        X = symbols[spec["wrt"]]
        position = names.index(spec["wrt"])
        G = matcalc.grad(f, X)
        tasks = {"f": f, "grad": G}
        if spec["hessian"]:
            tasks["hess"] = matcalc.hessian(f, X)
        generated = {(task, backend): matcalc.lambdify(obj, args, backend)
                     for task, obj in tasks.items() for backend in ("numpy", "jax")}
        jf = spec["jax"](self.jnp)
        autodiff = {
            ("grad", "jax.jit(jax.grad)"): self.jax.jit(self.jax.grad(jf, argnums=position)),
            ("grad", "torch.func.grad"): self.torch.func.grad(spec["torch"], argnums=position),
        }
        if spec["hessian"]:
            autodiff[("hess", "jax.jit(jax.hessian)")] = self.jax.jit(
                self.jax.hessian(jf, argnums=position))
            autodiff[("hess", "torch.func.hessian")] = self.torch.func.hessian(
                spec["torch"], argnums=position)
        for n in self.sizes:
            rng = np.random.default_rng(n)
            values = spec["values"](n, rng)
            np_args = [values[a] for a in names]
            jax_args = [self.jnp.asarray(v) for v in np_args]
            torch_args = [self.torch.as_tensor(v) for v in np_args]
            for task in tasks:
                reference = generated[(task, "numpy")](*np_args)
                methods = {
                    "matcalc NumPy": lambda t=task, a=np_args: generated[(t, "numpy")](*a),
                    "matcalc JAX": lambda t=task, a=jax_args: self.jax.block_until_ready(
                        generated[(t, "jax")](*a)),
                    "hand-written NumPy": lambda t=task, a=np_args: spec[t](*a),
                }
                for (t, label), fn in autodiff.items():
                    if t != task:
                        continue
                    if label.startswith("jax"):
                        methods[label] = lambda fn=fn, a=jax_args: \
                            self.jax.block_until_ready(fn(*a))
                    else:
                        methods[label] = lambda fn=fn, a=torch_args: fn(*a)
                for label, call in methods.items():
                    key = (name, task, label, n)
                    if key in self.skip:
                        self.results[key] = self.skip[key]
                        continue
                    try:
                        out = call()
                    except Exception as err:  # e.g. XLA out of memory: a result too
                        self.results[key] = _failure(err)
                        print(f"  {name:9} {task:5} n={n:5} {label:22} {self.results[key]}")
                        continue
                    if not same(out, reference):
                        raise SystemExit(f"{name} {task} n={n}: {label} disagrees with "
                                         "matcalc's generated NumPy code")
                    self.results[key] = measure(call, self.budget)
                    print(f"  {name:9} {task:5} n={n:5} {label:22} "
                          f"{self.results[key][1] * 1e3:10.3f} ms", flush=True)

    def table(self, name, task):
        labels = []
        for (p, t, label, _n) in self.results:
            if (p, t) == (name, task) and label not in labels:
                labels.append(label)
        if not labels:
            return ""
        head = "| " + task + " | " + " | ".join(f"n = {n}" for n in self.sizes) + " |"
        lines = [head, "|---" + "|---:" * len(self.sizes) + "|"]
        for label in labels:
            cells = []
            for n in self.sizes:
                r = self.results.get((name, task, label, n))
                cells.append("—" if r is None else r if isinstance(r, str) else
                             f"{_ms(r[1])} ({_ms(r[0])}–{_ms(r[2])})")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def ratio(self, name, task, a, b, n):
        ra, rb = self.results.get((name, task, a, n)), self.results.get((name, task, b, n))
        if isinstance(ra, str) and rb is not None and not isinstance(rb, str):
            return ra  # autodiff failed where the closed form ran
        if ra is None or rb is None or isinstance(ra, str) or isinstance(rb, str):
            return None
        return ra[1] / rb[1]


def _failure(err) -> str:
    text = str(err)
    if "RESOURCE_EXHAUSTED" in text or isinstance(err, MemoryError):
        return "out of memory"
    return f"failed ({type(err).__name__})"


def _ms(seconds):
    ms = seconds * 1e3
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def summary(suite, problems):
    n = max(suite.sizes)
    lines = [f"### Against the targets (n = {n}, medians)\n",
             "| problem | NumPy generated / hand-written (f, grad, hess) | grad / f | "
             "jax.jit(hessian) / generated | torch.func.hessian / generated | "
             "generated JAX / jax.jit(grad) | generated JAX hess / jax.jit(hessian) | "
             "jax.jit(grad) / generated NumPy grad |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name in problems:
        gen_hand = ", ".join(
            _fmt(suite.ratio(name, t, "matcalc NumPy", "hand-written NumPy", n))
            for t in ("f", "grad", "hess"))
        lines.append(
            f"| {name} | {gen_hand} | "
            f"{_fmt(_grad_over_f(suite, name, n))} | "
            f"{_fmt(suite.ratio(name, 'hess', 'jax.jit(jax.hessian)', 'matcalc NumPy', n))} | "
            f"{_fmt(suite.ratio(name, 'hess', 'torch.func.hessian', 'matcalc NumPy', n))} | "
            f"{_fmt(suite.ratio(name, 'grad', 'matcalc JAX', 'jax.jit(jax.grad)', n))} | "
            f"{_fmt(suite.ratio(name, 'hess', 'matcalc JAX', 'jax.jit(jax.hessian)', n))} | "
            f"{_fmt(suite.ratio(name, 'grad', 'jax.jit(jax.grad)', 'matcalc NumPy', n))} |")
    return "\n".join(lines)


def _grad_over_f(suite, name, n):
    g = suite.results.get((name, "grad", "matcalc NumPy", n))
    f = suite.results.get((name, "f", "matcalc NumPy", n))
    return None if g is None or f is None else g[1] / f[1]


def _fmt(r):
    return "—" if r is None else r if isinstance(r, str) else f"{r:.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--budget", type=float, default=1.0,
                        help="seconds of timing per measurement (at least 3 repeats)")
    parser.add_argument("--problems", nargs="+", default=list(PROBLEMS))
    args = parser.parse_args()
    # torch.func.hessian of the low-rank loss at n = 1000 materialises n·5 Hessian-vector
    # products of a 1000 x 1000 residual: minutes; it is timed up to n = 300.
    skip = {("lowrank", "hess", "torch.func.hessian", 1000): "not run (minutes)"}
    suite = Suite(args.sizes, args.budget, skip)
    for name in args.problems:
        suite.run(name, PROBLEMS[name])
    import jax
    import torch
    print(f"\n## Evaluation ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, one thread per library; NumPy {np.__version__}, "
          f"JAX {jax.__version__}, PyTorch {torch.__version__}; ms per call, median "
          "(min–max))\n")
    for name in args.problems:
        print(f"### {name}: {PROBLEMS[name]['text']} by {PROBLEMS[name]['wrt']}\n")
        for task in ("f", "grad", "hess"):
            t = suite.table(name, task)
            if t:
                print(t + "\n")
    print(summary(suite, args.problems))


if __name__ == "__main__":
    main()
