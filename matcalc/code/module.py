"""Code export: a matcalc expression or result as a NumPy, JAX or PyTorch function.

    expression ──canonical──▶ DAG ──lower (matcalc.code.plan orders every chain)──▶ statements
      ──backend──▶ module source

Contract: the generated function computes what `matcalc.evaluate` computes for the same
values (matrices 2-D, vectors (n, 1) columns, 1 x 1 results as scalars, fourth-order
results as (p, q, r, s) arrays with [i, j, k, l] = ∂F_ij/∂X_kl), by a cheaper plan:

- chains are multiplied in the cheapest order (vectors first), a sum inside a product is
  distributed when that is cheaper ((A + Aᵀ)x → Ax + Aᵀx);
- an inverse that is only multiplied is a `solve`; one solved with in several products
  that each hold a vector is factorised once (LU) and solved with; an inverse needed
  otherwise more than once is formed once; log det is `slogdet`; a trace or a diagonal
  of a product never forms the product (tr(AB) = Σ A ∘ Bᵀ);
- det Xᵏ is (det X)ᵏ and log det Xᵏ is k·log|det X| (also through transposes and
  inverses): Xᵏ is never formed for them;
- diag(v)·M is broadcasting, I and 1 are never formed inside products; fourth-order
  results are `einsum`s, never Kronecker products;
- every shared subexpression is computed once and named;
- the numerics pass (matcalc.code.numerics) writes log(1 + eᵘ), log σ(u), log Σ exp(U) and
  exp(U)/Σ exp(U) as softplus, logsumexp and softmax, which do not overflow.

Names are data, never code (matcalc.code.names): one `Namespace` per module gives
out every identifier, a symbol's own name appears only in docstrings, escaped like every
string in generated code by `python_literal`, and `check_module` refuses (as a bug) a module
that is anything but its imports and functions.

JAX computes in float32 unless its 64-bit mode is on: generated JAX code raises then (it
never changes JAX's configuration), and `lambdify` runs it in JAX's thread-local 64-bit mode.
"""

from __future__ import annotations

import linecache
from dataclasses import dataclass, fields, is_dataclass, replace

import sympy
from sympy import MatrixExpr, MatrixSymbol, Symbol

from ..calculus.fourth_order import DyadicProduct, FourthOrder, SquareProduct, map_factors
from ..core.errors import MatcalcError, OptionError, VariableError
from ..core.nodes import is_one_by_one, is_symmetric_symbol, normalise
from ..core import matrix_functions
from ..core.registry import run_stage
from .backends import BACKENDS, TEMPLATES, templated
from .lowering import Lowering, Survey, canonical, dim_code
from .numerics import stabilised
from .names import (CHECK_LOCALS, CHECK_PARAMETERS, FIXED_NAMES, Namespace, check_module,
                    python_fstring, python_literal)
from .values import DENSE, DIAG, MUL, Value, join_sum, scale

# --------------------------------------------------------------------------- modules


def _roots(obj) -> list:
    if isinstance(obj, FourthOrder):
        out = []
        for t in obj.terms:
            out += [t.coeff, *t.factors()]
        return out
    return [obj]


def _prepare(obj):
    if hasattr(obj, "result") and hasattr(obj, "steps"):  # a Derivation
        obj = obj.result
    if isinstance(obj, FourthOrder):
        return map_factors(obj, lambda e: canonical(stabilised(normalise(e))))
    try:
        e = sympy.sympify(obj, strict=True)
    except (sympy.SympifyError, TypeError):
        raise MatcalcError(f"not a SymPy expression or matcalc result: {obj!r}") from None
    e = canonical(stabilised(normalise(e)))
    if is_one_by_one(e):  # 1 x 1 results are scalars, as everywhere in matcalc
        e = sympy.Trace(e)
    return e


def _symbols_of(obj) -> set:
    if isinstance(obj, FourthOrder):
        out = set()
        for r in _roots(obj):
            out |= r.free_symbols
        return out
    return obj.free_symbols


def _function_names(name: str) -> tuple:
    """The names of the functions a module may define: name, {name}_and_grad and
    check_{name}_and_grad, each free of FIXED_NAMES."""
    if not (isinstance(name, str) and name.isascii() and name.isidentifier()):
        raise OptionError(f"function name {name!r} is not a Python identifier (ASCII letters, "
                          "digits and _, not starting with a digit)")
    names = (name, f"{name}_and_grad", f"check_{name}_and_grad")
    for n in names:
        if n in FIXED_NAMES:
            raise OptionError(f"function name {name!r} cannot be used: {n} is "
                              f"{FIXED_NAMES[n]}")
    return names


class ModuleWriter:
    """Writes the functions of one generated module for one backend, argument list and
    function name. Every identifier comes from its `namespace`: the arguments' (`names`),
    the dimensions' (`dimension_names`) and each function's temporaries; `written` records
    each function's parameters and the names it may bind, for `check_module`."""

    def __init__(self, args, backend: str, name: str = "f"):
        if backend not in BACKENDS:
            raise MatcalcError(f"unknown backend {backend!r}: use one of "
                               f"{', '.join(BACKENDS)}")
        self.b = BACKENDS[backend]
        self.args = list(args)
        for a in self.args:
            if not isinstance(a, (MatrixSymbol, Symbol)):
                raise VariableError(f"argument {a} is not a MatrixSymbol or a Symbol")
        if len({a.name for a in self.args}) != len(self.args):
            raise VariableError("two arguments have the same name")
        self.function_names = _function_names(name)
        self.namespace = Namespace(FIXED_NAMES.keys() | set(self.function_names) |
                                   helper_names())
        self.names = {a: self.namespace.identifier(a.name, f"arg{i}")
                      for i, a in enumerate(self.args)}
        self.dimension_names: dict = {}  # symbol dimensions of the arguments that are not one
        for M in self.args:
            for d in (M.shape if isinstance(M, MatrixSymbol) else ()):
                d = sympy.sympify(d)
                if d.is_Symbol and d not in self.names and d not in self.dimension_names:
                    self.dimension_names[d] = self.namespace.identifier(
                        d.name, f"dim{len(self.dimension_names)}")
        self.dimension_args = {a for a in self.args if isinstance(a, Symbol) and any(
            a in sympy.sympify(d).free_symbols for m in self.args
            if isinstance(m, MatrixSymbol) for d in m.shape)}
        self.helpers: set = set()
        self.helper_order: list = []
        self.written: dict = {}   # function name -> (parameters, names it may bind)

    def note_dimensions(self, objs) -> None:
        """Symbol arguments that are dimensions somewhere in objs are integers."""
        shape_symbols = set()
        for o in objs:
            exprs = _roots(o) if isinstance(o, FourthOrder) else [o]
            for e in exprs:
                shape_symbols |= {s for node in sympy.preorder_traversal(e)
                                  if isinstance(node, MatrixExpr) for d in node.shape
                                  for s in sympy.sympify(d).free_symbols}
            if isinstance(o, FourthOrder):
                shape_symbols |= {s for d in o.shape for s in sympy.sympify(d).free_symbols}
        self.dimension_args |= {a for a in self.args if a in shape_symbols}

    def dims(self) -> tuple[dict, list]:
        """Dimension symbol -> identifier, and the lines that read them off the arguments."""
        dims = {a: self.names[a] for a in self.args if a in self.dimension_args}
        lines = []
        for M in self.args:
            if not isinstance(M, MatrixSymbol):
                continue
            for axis, d in enumerate(M.shape):
                d = sympy.sympify(d)
                if d.is_Symbol and d not in dims:
                    dims[d] = self.dimension_names[d]
                    lines.append(f"{dims[d]} = {self.names[M]}.shape[{axis}]")
        return dims, lines

    def renamed(self, obj):
        """obj with every argument and dimension renamed to its identifier (for docstrings)."""
        scalars = {s: Symbol(i, **s.assumptions0) for s, i in
                   [*self.dimension_names.items(), *self.names.items()]
                   if isinstance(s, Symbol) and i != s.name}
        subs = dict(scalars)
        for M, i in self.names.items():
            if isinstance(M, MatrixSymbol):
                shape = [sympy.sympify(d).xreplace(scalars) for d in M.shape]
                if i != M.name or shape != list(M.shape):
                    subs[M] = M.func(i, *shape)
        return _substituted(obj, subs) if subs else obj

    def describe(self, obj) -> str:
        """obj as text, in the identifiers of the code."""
        obj = self.renamed(_prepare_for_doc(obj))
        return run_stage("text", obj)

    def renaming_note(self) -> str:
        """A docstring paragraph giving the name of each symbol whose identifier is not its
        name, as a Python literal ("" when there is none)."""
        pairs = [f"{i} is {s.name!r}" for s, i in [*self.names.items(),
                                                     *self.dimension_names.items()]
                 if i != s.name]
        return "\n\n    Symbols renamed: " + "; ".join(pairs) + "." if pairs else ""

    def define(self, name: str, signature: str, summary: str, body: list[str]) -> str:
        """def name(signature): with the docstring summary (and renaming note) and body."""
        doc = python_literal(summary + self.renaming_note(), triple=True)
        return "\n".join([f"def {name}({signature}):", "    " + doc]
                         + ["    " + line for line in body]) + "\n"

    def function(self, name: str, outputs: list, summary: str) -> str:
        objs = [_prepare(o) for o in outputs]
        self.note_dimensions(objs)
        free = set()
        for o in objs:
            free |= _symbols_of(o)
        dims, dim_lines = self.dims()
        for s in sorted(free - set(self.names) - set(dims), key=str):
            if isinstance(s, Symbol) and any(s in o.free_symbols and any(
                    s in sympy.sympify(d).free_symbols for node in sympy.preorder_traversal(o)
                    if isinstance(node, MatrixExpr) for d in node.shape)
                    for o in objs if not isinstance(o, FourthOrder)):
                raise VariableError(f"the dimension {s} is not fixed by any argument; add the "
                                    f"Symbol {s} to the arguments")
            raise VariableError(f"{s} is not among the arguments "
                                f"({', '.join(map(str, self.args))})")
        survey = Survey([r for o in objs for r in _roots(o)])
        # A dry run counts the planned products (sub-chains are not SymPy nodes, so the
        # survey cannot see that f's xᵀ(Ax) and the gradient's Ax + Aᵀx share Ax); the
        # real run names each product needed more than once.
        dry = Lowering(self.b, self.names, dims, survey, self.namespace.scope())
        for o in objs:
            self._output(dry, o)
        scope = self.namespace.scope()
        low = Lowering(self.b, self.names, dims, survey, scope,
                       shared_products=dry.product_requests)
        body = self.b.preconditions(name) + self._arguments(dims, dim_lines)
        results = [self._output(low, o) for o in objs]
        self.helpers |= low.helpers
        body += low.lines
        body.append("return " + ", ".join(results))
        params = [self.names[a] for a in self.args]
        self.written[name] = (params, set(dims.values()) | scope.given)
        return self.define(name, ", ".join(params), summary, body)

    def _arguments(self, dims, dim_lines) -> list[str]:
        lines = []
        for a in self.args:
            x = self.names[a]
            if a in self.dimension_args:
                lines.append(f"{x} = int({x})")
            elif isinstance(a, Symbol):
                lines.append(f"{x} = {self.b.scalar_arg(x)}")
            else:
                lines.append(f"{x} = {self.b.asarray(x)}")
                if a.shape[1] == 1:
                    lines.append(f"{x} = {x}[:, None] if {x}.ndim == 1 else {x}")
                elif a.shape[0] == 1:
                    lines.append(f"{x} = {x}[None, :] if {x}.ndim == 1 else {x}")
        lines += dim_lines
        for a in self.args:
            if isinstance(a, MatrixSymbol):
                x = self.names[a]
                expected = ", ".join(dim_code(sympy.sympify(d), dims) for d in a.shape)
                text = " x ".join(dim_code(sympy.sympify(d), dims) for d in a.shape)
                message = python_fstring(f"{x} must be {text}, got ", f"tuple({x}.shape)")
                lines.append(f"assert tuple({x}.shape) == ({expected}), {message}")
        return lines

    def _output(self, low: Lowering, obj) -> str:
        if isinstance(obj, FourthOrder):
            return self._fourth_order(low, obj)
        v = low.value(obj)
        if isinstance(obj, MatrixExpr):
            v = low.dense(v) if v.kind != DIAG else Value(f"{self.b.xp}.diag({v.code})", DENSE)
        return v.code

    def _fourth_order(self, low: Lowering, J: FourthOrder) -> str:
        parts = []
        for t in J.terms:
            c = low.value(t.coeff)
            term = Value(self._tensor_term(low, t, J.shape[2:]), DENSE)
            parts.append(scale(c.wrapped(MUL), term) if t.coeff != 1 else term)
        if not parts:
            p, q, r, s = (low.dim(d) for d in J.shape)
            parts = [Value(f"{self.b.xp}.zeros(({p}, {q}, {r}, {s}))", DENSE)]
        out = join_sum(parts)
        for projection, axes in ((J.projection, "(2, 3)"), (J.left, "(0, 1)")):
            if projection is not None:
                self.helpers.add("_project")
                out = Value(f"_project({out.code}, {python_literal(projection)}, {axes})",
                            DENSE)
        return out.code

    def _tensor_term(self, low: Lowering, t, rs) -> str:
        """The code of one term's array (without its coefficient): an einsum of its two
        factors; a staged product's stage on its inner term's array, then its square
        product: Σ_mn A_im S(L)_mnkl B_jn."""
        def dense(M):
            return low.dense(low.value(M)).code

        def einsum(spec, *operands):
            return self.b.call("einsum", python_literal(spec), *operands)

        if isinstance(t, SquareProduct):
            return einsum("il,jk->ijkl" if t.transposed else "ik,jl->ijkl",
                          dense(t.A), dense(t.B))
        if isinstance(t, DyadicProduct):
            return einsum("ij,kl->ijkl", dense(t.M), dense(t.K))
        T = t.stage.lower(low, self._tensor_term(low, t.inner, rs), t.inner.out_shape(), rs)
        if t.transposed:
            T = einsum("ijkl->jikl", T)
        if t.is_plain():
            return T
        return einsum("im,mnkl,jn->ijkl", dense(t.A), T, dense(t.B))

    def imports(self) -> str:
        """The backend's imports, and SciPy's linear algebra where a helper calls it."""
        scipy = any(h in matrix_functions.HELPERS.get(self.b.name, {}) for h in self.helpers) \
            or (bool({"_lu_factor", "_cho_factor"} & self.helpers) and self.b.lu_needs_scipy)
        return self.b.imports + ("\nimport scipy.linalg" if scipy else "")

    def preamble(self) -> str:
        """The helper functions the written functions call (recorded in `helper_order`)."""
        helpers = self.b.helpers()
        blocks = []
        self.helper_order = []
        for h in sorted(self.helpers):
            if h == "_power":
                blocks.append(self.b.eigen_power())
            elif h in TEMPLATES:
                blocks.append(templated(h, self.b))
            elif h in helpers:
                blocks.append(helpers[h])
            else:
                continue
            self.helper_order.append(h)
        return "\n\n".join(blocks)


def helper_names() -> set:
    """Every helper function any backend may define (templated, per backend, _power): a
    user's name is never one of them, whichever helpers a module ends up using."""
    return set(TEMPLATES) | {"_power"} | {h for b in BACKENDS.values() for h in b.helpers()}


def _substituted(obj, subs: dict):
    """obj with symbols replaced: an expression by xreplace, a FourthOrder field by field."""
    if isinstance(obj, sympy.Basic):
        return obj.xreplace(subs)
    if isinstance(obj, tuple):
        return tuple(_substituted(o, subs) for o in obj)
    if is_dataclass(obj) and not isinstance(obj, type):  # a FourthOrder, a term, a stage
        return replace(obj, **{f.name: _substituted(getattr(obj, f.name), subs)
                               for f in fields(obj)})
    return obj


# --------------------------------------------------------------------------- entry points


@dataclass(frozen=True)
class Gradient:
    """The gradient G of the module's function by the argument X, computed by the caller
    (matcalc.exporting: code generation never differentiates), with the options it was
    computed with."""
    X: object
    G: object
    symmetric: object = None
    diagonal: bool = False


def write(obj, args, backend: str, name: str, gradient: Gradient | None = None):
    """(source, writer): the module computing obj (and with `gradient`, f and G together,
    and their finite-difference check); the source has passed `check_module`."""
    writer = ModuleWriter(args, backend, name)
    sig = ", ".join(writer.names[a] for a in writer.args)
    formula = writer.describe(obj)
    functions = [writer.function(name, [obj], f"{name}({sig}) = {formula}")]
    if gradient is not None:
        X, G = gradient.X, gradient.G
        functions.append(writer.function(
            f"{name}_and_grad", [obj, G],
            f"({name}, ∂{name}/∂{writer.describe(X)}) = ({formula}, {writer.describe(G)})"))
        if gradient.symmetric != "entries":  # that gradient is no directional derivative
            functions.append(_check_function(writer, name, X, gradient.symmetric,
                                             gradient.diagonal))
    preamble = writer.preamble()
    parts = [writer.imports() + "\n"] + ([preamble] if preamble else []) + functions
    source = "\n\n".join(parts)
    check_module(source, writer)
    return source, writer


def _prepare_for_doc(obj):
    if hasattr(obj, "result") and hasattr(obj, "steps"):
        return obj.result
    return obj


def _check_function(writer: ModuleWriter, name: str, X, symmetric, diagonal) -> str:
    """check_{name}_and_grad: ⟨G, V⟩ against central differences along a random V
    (symmetric V for symmetric=True, diagonal V for diagonal=True). Its parameters and
    locals beyond the arguments are CHECK_PARAMETERS and CHECK_LOCALS."""
    if X not in writer.names:
        raise VariableError(f"the gradient variable {X} is not among the arguments")
    b, x = writer.b, writer.names[X]
    params = [writer.names[a] for a in writer.args]
    sig = ", ".join(params)
    shape = f"tuple({x}.shape)" if isinstance(X, MatrixSymbol) else "()"
    lines = []
    if isinstance(X, MatrixSymbol):
        lines.append(f"{x} = {b.asarray(x)}")
        if X.shape[1] == 1:
            lines.append(f"{x} = {x}[:, None] if {x}.ndim == 1 else {x}")
    if b.name == "torch":
        lines.append(f"_V = torch.randn({shape}, generator=torch.Generator().manual_seed(seed), "
                     "dtype=torch.float64)")
    else:
        draw = f"np.random.default_rng(seed).standard_normal({shape})"
        lines.append(f"_V = jnp.asarray({draw})" if b.name == "jax" else f"_V = {draw}")
    if diagonal:
        lines.append(f"_V = _V * {b.eye(f'{x}.shape[0]')}")
    elif symmetric or (symmetric is None and is_symmetric_symbol(X)):
        lines.append("_V = (_V + _V.T) / 2")
    step = {sign: ", ".join(f"{x} {sign} eps * _V" if a == X else writer.names[a]
                            for a in writer.args) for sign in "+-"}
    lines += [f"_, _G = {name}_and_grad({sig})",
              f"exact = float({b.xp}.sum(_G * _V))",
              f"numeric = float(({name}({step['+']}) - {name}({step['-']})) / (2 * eps))",
              "return abs(exact - numeric) / max(1.0, abs(exact), abs(numeric))"]
    check = f"check_{name}_and_grad"
    summary = (f"Relative error of ⟨∂{name}/∂{x}, V⟩ against central differences of {name} "
               "along a random\n    direction V; about 1e-8 when the gradient is right.")
    writer.written[check] = (params + list(CHECK_PARAMETERS), set(CHECK_LOCALS))
    return writer.define(check, f"{sig}, eps=1e-6, seed=0", summary,
                         b.preconditions(check) + lines)


def load(source: str, writer: ModuleWriter, with_gradient: bool, jit: bool = True):
    """The function (f, or f_and_grad) of a module `write` wrote, compiled from its source;
    for JAX jit-compiled unless jit=False and run in JAX's 64-bit mode (for the call and
    the calling thread only). JAX and PyTorch are imported only here."""
    backend = writer.b.name
    filename = f"<matcalc-{backend}-{abs(hash(source)):x}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {"__name__": "matcalc_generated"}
    try:
        exec(compile(source, filename, "exec"), namespace)  # our own text, checked
    except ImportError as err:
        raise MatcalcError(f"the {backend} backend needs {err.name}: "
                           f"pip install {err.name}") from None
    fn = namespace[writer.function_names[1 if with_gradient else 0]]
    if backend == "jax":
        import jax
        if jit:
            static = [i for i, a in enumerate(writer.args) if a in writer.dimension_args]
            fn = jax.jit(fn, static_argnums=static)
        fn = _in_64_bit_mode(jax, fn)
    fn.__matcalc_source__ = source
    return fn


def _in_64_bit_mode(jax, fn):
    """fn called in JAX's 64-bit mode, set for the call and the calling thread only: the
    scoped `jax.enable_x64` (JAX ≥ 0.8; `jax.experimental.enable_x64` before), which JAX
    includes in its jit cache key. It wraps the jit-compiled function, since jit reads the
    mode (and casts float64 arguments to float32) before the function's body runs."""
    scoped = getattr(jax, "enable_x64", None)
    if scoped is None:
        from jax.experimental import enable_x64 as scoped
    return scoped(True)(fn)


__all__ = ["Gradient", "load", "write"]

