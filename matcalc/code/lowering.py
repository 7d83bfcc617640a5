"""Lowering: SymPy nodes -> statements and `Value`s of generated code, for one backend.

Contract: `Lowering.value(e)` returns code computing what `matcalc.evaluate` computes for
e, memoised (a node used twice is computed once and named). Each operator lowers itself
(its `lower` row in matcalc.ops); this module holds what they share: names, dense forms,
and products of chains in the cheapest order (matcalc.code.plan), with inverses solved
and traces and diagonals of products never forming the product.
"""

from __future__ import annotations

import re
from dataclasses import replace

import sympy
from sympy import MatrixExpr, MatrixSymbol

from ..core import functions
from ..core.errors import MatcalcError
from ..core.limits import spend
from ..core.nodes import Elementwise, Softmax, is_spd_symbol, power_of_base
from ..core.registry import rule_of
from . import plan
from .names import Namespace
from .values import (ATOM, DENSE, DIAG, EYE, MUL, ONES, SCALAR, ZERO, Value, apply_scalars,
                     join_product, join_sum, product_code, scale, scale_by)

#: Integer matrix powers up to this are written as products (so the plan sees them).
MAX_EXPANDED_POWER = 4


def canonical(e):
    """Transposes outside inverses, powers, entrywise maps and softmax, so (Xᵀ)⁻¹ and
    (X⁻¹)ᵀ share X⁻¹, and softmax(xᵀ) and softmax(x) one softmax."""
    e = e.replace(lambda u: isinstance(u, (Elementwise, Softmax)) and
                  isinstance(u.args[0], sympy.Transpose),
                  lambda u: sympy.Transpose(u.func(u.args[0].arg)))
    e = e.replace(lambda u: isinstance(u, sympy.Inverse) and isinstance(u.arg, sympy.Transpose),
                  lambda u: sympy.Transpose(sympy.Inverse(u.arg.arg)))
    return e.replace(
        lambda u: isinstance(u, sympy.MatPow) and isinstance(u.args[0], sympy.Transpose),
        lambda u: sympy.Transpose(sympy.MatPow(u.args[0].arg, u.args[1])))


def small_power(e):
    """(M, k) for M^k with an integer 0 < |k| ≤ MAX_EXPANDED_POWER, else None."""
    if isinstance(e, sympy.MatPow) and e.args[1].is_Integer and \
            0 < abs(int(e.args[1])) <= MAX_EXPANDED_POWER:
        return e.args[0], int(e.args[1])
    return None


def chain_factors(factors) -> list:
    """The factors of a product with small powers written out: X⁻² → X⁻¹, X⁻¹; (X²)ᵀ →
    Xᵀ, Xᵀ. Nested products are flattened."""
    out = []
    for f in factors:
        transposed = isinstance(f, sympy.Transpose)
        inner = f.arg if transposed else f
        power = small_power(inner)
        if power is not None:
            M, k = power
            base = sympy.Inverse(M) if k < 0 else M
            out += [sympy.Transpose(base) if transposed else base] * abs(k)
        elif isinstance(f, sympy.MatMul):
            coeff, mats = f.as_coeff_matrices()
            assert coeff == 1, f  # SymPy keeps coefficients at the front of a product
            out += chain_factors(mats)
        else:
            out.append(f)
    return out


def _inverse_in_chain(f):
    """(M, transposed) when the chain factor f is M⁻¹ or M⁻ᵀ."""
    if isinstance(f, sympy.Inverse):
        return f.arg, False
    if isinstance(f, sympy.Transpose) and isinstance(f.arg, sympy.Inverse):
        return f.arg.arg, True
    return None


class Survey:
    """Counts of how often each node is used, and of the uses of each inverse, so the
    lowering names shared values and forms an inverse only when it pays: an inverse used
    alone, or in two chains of which one holds no vector, is formed once; one used in two
    or more chains that each hold a vector (so that every solve is with a vector, as in
    f and ∇f of xᵀA⁻¹x) is factorised once (LU) and solved with; so is one whose log det is
    computed too, the LU giving the log det."""

    def __init__(self, roots):
        self.uses: dict = {}
        self.inverse_in_chains: dict = {}
        self.inverse_in_wide_chains: set = set()
        self.inverse_alone: set = set()
        self.log_det_of: set = set()
        for r in roots:
            self.visit(r)

    def visit(self, e):
        self.uses[e] = self.uses.get(e, 0) + 1
        if self.uses[e] > 1:
            return
        if isinstance(e, sympy.MatMul):
            coeff, matrices = e.as_coeff_matrices()
            factors = chain_factors(matrices)
            thin = any(1 in tuple(f.shape) for f in factors)
            for f in factors:
                if thin and isinstance(f, sympy.MatAdd) and self.uses.get(f, 0) == 0:
                    # (A⁻¹ + A⁻ᵀ) x: the lowering distributes such a sum over the vector,
                    # so its inverses are solved with, as in chains
                    self.uses[f] = 1
                    for t in f.args:
                        self._visit_factor(t, thin)
                else:
                    self._visit_factor(f, thin)
            self.visit(coeff)
            return
        if isinstance(e, sympy.Inverse):
            self.inverse_alone.add(e.arg)
        if isinstance(e, sympy.log) and isinstance(e.args[0], sympy.Determinant):
            self.log_det_of.add(power_of_base(e.args[0].arg)[0])  # log det Xᵀ, X²: X's LU
        for a in e.args:
            if isinstance(a, sympy.Basic):
                self.visit(a)

    def _visit_factor(self, f, thin: bool):
        found = _inverse_in_chain(f)
        if not found:
            self.visit(f)
            return
        M = found[0]
        self.inverse_in_chains[M] = self.inverse_in_chains.get(M, 0) + 1
        if not thin:
            self.inverse_in_wide_chains.add(M)
        self.visit(M)

    def form_inverse(self, M) -> bool:
        return M in self.inverse_alone or (self.inverse_in_chains.get(M, 0) >= 2
                                           and M in self.inverse_in_wide_chains)

    def factorise(self, M) -> bool:
        """True when every use of M⁻¹ is a solve, in two or more chains or beside log det M."""
        uses = self.inverse_in_chains.get(M, 0) + (M in self.log_det_of)
        return uses >= 2 and not self.form_inverse(M)

    def shares_lu(self, M) -> bool:
        """True when log det M and M⁻¹ (formed or solved with) are both computed: one LU
        gives both (log det X and its gradient X⁻ᵀ)."""
        return M in self.log_det_of and (M in self.inverse_alone or M in self.inverse_in_chains)


class Lowering:
    """Turns SymPy nodes into statements and Values for one backend. `value(e)` is
    memoised: a node used twice is computed once and named."""

    def __init__(self, backend, names: dict, dims: dict, survey: Survey, scope: Namespace,
                 shared_products: dict | None = None):
        self.b = backend
        self.product_requests: dict = {}   # product key -> how often it was asked for
        self.shared_products = shared_products or {}
        self.products: dict = {}
        self.names = names      # symbol -> identifier
        self.dims = dims        # dimension symbol -> identifier
        self.survey = survey
        self.lines: list[str] = []
        self.memo: dict = {}
        self.helpers: set = set()
        self.scope = scope      # where temporaries are named

    # ---- statements and names
    def bind(self, v: Value, hint: str | None = None) -> Value:
        """v named: a temporary t0, t1, … or the hint (inv_X) made free in the scope."""
        if re.fullmatch(r"[A-Za-z_]\w*|-?[.\d]+(e[-+]?\d+)?", v.code):
            return v
        name = self.scope.temporary() if hint is None else self.scope.fresh(hint)
        self.lines.append(f"{name} = {v.code}")
        return replace(v, code=name, prec=ATOM, transpose_of=None, column=None)

    def dim(self, d) -> str:
        d = sympy.sympify(d)
        if d.is_Integer:
            return str(int(d))
        if d in self.dims:
            return self.dims[d]
        if d.free_symbols <= set(self.dims):
            return "(" + dim_code(d, self.dims) + ")"
        raise MatcalcError(f"the dimension {d} is not fixed by any argument")

    # ---- the memoised entry point
    def value(self, e) -> Value:
        v = self.memo.get(e)
        if v is None:
            spend("generating code")
            v = self.lower(e)
            if self.survey.uses.get(e, 0) > 1 and v.kind != ZERO:
                v = self.bind(v)
            self.memo[e] = v
        return v

    def dense(self, v: Value) -> Value:
        """v as a dense array (forming a diagonal, identity or ones matrix)."""
        r, c = (self.dim(s) for s in v.shape) if v.shape else (None, None)
        if v.kind == DENSE or v.kind == SCALAR:
            return v
        if v.kind == DIAG:
            return Value(f"{self.b.xp}.diag({v.code})", DENSE, v.shape)
        base = {EYE: self.b.eye(r), ONES: self.b.ones(r, c), ZERO: self.b.zeros(r, c)}[v.kind]
        formed = Value(base, DENSE, v.shape)
        return formed if v.kind == ZERO else scale(v.code, formed)

    def lower(self, e) -> Value:
        """The code of node e, by its operator's `lower` row."""
        return rule_of(e, "lower", "code rule")(self, e)

    def sum_of_products(self, A: Value, B: Value) -> Value:
        """A : B = Σᵢⱼ AᵢⱼBᵢⱼ"""
        if A == B:
            A = B = self.bind(A)
        return Value(self.b.sum_of_products(A.wrapped(MUL), B.wrapped(MUL + 1)), SCALAR)

    def operands(self, coeff, factors):
        """The chain's factors as (plan.Operand, payload) and the scalar coefficient; None
        when a factor is zero. Identities fold into the coefficient."""
        ops = []
        scalars = [self.value(coeff)] if coeff != 1 else []
        for f in chain_factors(factors):
            found = _inverse_in_chain(f)
            rows, cols = (plan.size(d) for d in f.shape)
            if found and not self.survey.form_inverse(found[0]):
                M, transposed = found
                ops.append((plan.Operand(plan.INV, rows, cols),
                            (self.dense(self.value(M)), transposed, M)))
                continue
            v = self.value(f)
            if v.kind == ZERO:
                return None, None
            if v.kind == EYE:
                if v.code != "1":
                    scalars.append(Value(v.code, SCALAR, (), v.prec))
                continue
            if v.kind == ONES and v.code != "1":
                scalars.append(Value(v.code, SCALAR, (), v.prec))
                v = Value("1", ONES, v.shape)
            ops.append((plan.Operand({DENSE: plan.DENSE, DIAG: plan.DIAG, ONES: plan.ONES}
                                     [v.kind], rows, cols), replace(v, shape=tuple(f.shape))))
        return ops, scalars

    def chain(self, coeff, factors) -> Value:
        """coeff · A₁ ⋯ A_k in the cheapest order (matcalc.code.plan)."""
        shape = (factors[0].shape[0], factors[-1].shape[1])
        gram = self.gram(coeff, factors)
        if gram is not None:
            return gram
        distributed = self.distribute(coeff, factors)
        if distributed is not None:
            return distributed
        ops, scalars = self.operands(coeff, factors)
        if ops is None:
            return Value("0", ZERO, shape)
        if not ops:
            return Value(product_code(scalars), EYE, shape)
        ops, scalars = _scaled_smallest(ops, scalars, shape)
        tree, _ = plan.chain_order([o for o, _ in ops])
        out = self.multiply(tree, ops)
        if out.kind == ONES:
            out = self.dense(out)
        return apply_scalars(out, scalars)

    def gram(self, coeff, factors):
        """Mᵀ diag(d) M with d ≥ 0 entrywise as Bᵀ B, B = √d ∘ M: a symmetric product, which
        BLAS computes in half the flops (NumPy calls syrk when both operands are one
        array). None when the chain is not of that form."""
        if len(factors) != 3 or not isinstance(factors[1], sympy.DiagMatrix):
            return None
        Mt = sympy.Transpose(factors[2])
        if factors[0] not in (Mt, Mt.doit()):
            return None
        d = factors[1].args[0]
        if d.shape[1] != 1 or not nonnegative(d):
            return None
        root = Value(self.b.call("sqrt", self.dense(self.value(d)).code), DENSE, d.shape)
        M = self.dense(self.value(factors[2]))
        B = self.bind(Value(f"{root.wrapped(MUL)} * {M.wrapped(MUL + 1)}", DENSE,
                            tuple(factors[2].shape), MUL))
        out = Value(f"{B.code}.T @ {B.code}", DENSE, (factors[0].shape[0],
                                                      factors[2].shape[1]), MUL)
        return scale_by(self, coeff, out)

    def distribute(self, coeff, factors):
        """c · L (S₁ + S₂) R as c·L S₁ R + c·L S₂ R when that is cheaper (a sum multiplied
        by something thin), else None."""
        if len(factors) < 2:
            return None
        result_size = plan.size(factors[0].shape[0]) * plan.size(factors[-1].shape[1])
        for i, f in enumerate(factors):
            if not isinstance(f, sympy.MatAdd) or len(f.args) > 4 or \
                    self.survey.uses.get(f, 0) > 1:  # a shared sum is formed anyway
                continue
            if plan.size(f.shape[0]) * plan.size(f.shape[1]) <= result_size:
                continue
            formed = plan.chain_order(_planned(factors))[1] + \
                plan.entrywise_cost(len(f.args), plan.size(f.shape[0]) * plan.size(f.shape[1])) \
                + sum(_estimate(t) for t in f.args)
            spread = 0.0
            for t in f.args:
                spread += plan.chain_order(_planned(
                    factors[:i] + _split(t)[1] + factors[i + 1:]))[1] + \
                    plan.entrywise_cost(2, result_size)
            if spread < formed:
                terms = [self.chain(c, factors[:i] + mats + factors[i + 1:])
                         for c, mats in (_split(t) for t in ordered(f.args))]
                total = replace(join_sum([self.dense(t) for t in terms]), kind=DENSE,
                                shape=(factors[0].shape[0], factors[-1].shape[1]))
                return scale_by(self, coeff, total)
        return None

    def multiply(self, tree, ops) -> Value:
        """The product a plan tree describes (a Value with its shape); the same product of
        the same factors, wherever it is needed, is computed once."""
        if isinstance(tree, int):
            return self._multiply(tree, ops)
        key = _product_key(tree, ops)
        self.product_requests[key] = self.product_requests.get(key, 0) + 1
        v = self.products.get(key)
        if v is None:
            v = self._multiply(tree, ops)
            if self.shared_products.get(key, 0) > 1:
                v = self.bind(v)
            self.products[key] = v
        return v

    def _multiply(self, tree, ops) -> Value:
        if isinstance(tree, int):
            op, payload = ops[tree]
            if op.kind == plan.INV:
                _, transposed, M = payload
                inv = replace(self.value(sympy.Inverse(M)), shape=tuple(M.shape))
                return Value(f"{inv.wrapped(ATOM)}.T", DENSE, inv.shape, ATOM, inv) \
                    if transposed else inv
            return payload
        left = self.multiply(tree[0], ops) if not _is_inv_leaf(tree[0], ops) else None
        right = self.multiply(tree[1], ops) if not _is_inv_leaf(tree[1], ops) else None
        if left is None and right is None:  # M⁻¹ N⁻¹: form one, solve with the other
            right = self._multiply(tree[1], ops)
        if left is None:  # M⁻¹ R = solve(M, R)
            M, transposed, expr = ops[tree[0]][1]
            return self.solve(M, expr, transposed, self.dense(right).code, right.shape)
        if right is None:  # L M⁻¹ = solve(Mᵀ, Lᵀ)ᵀ
            M, transposed, expr = ops[tree[1]][1]
            L = self.dense(left)
            solved = self.solve(M, expr, not transposed, L.wrapped(ATOM) + ".T",
                                tuple(reversed(left.shape)))
            return Value(f"{solved.code}.T", DENSE, left.shape)
        return self.product(left, right)

    def cholesky(self, S) -> str:
        """The name of the Cholesky factorisation of the spd symbol S, computed once."""
        key = ("cholesky", S)
        if key not in self.memo:
            self.helpers |= {"_cho_factor", "_cho_solve", "_cho_logdet"}
            hint = f"cho_{self.names[S]}" if S in self.names else None
            self.memo[key] = self.bind(Value(f"_cho_factor({self.value(S).code})", DENSE), hint)
        return self.memo[key].code

    def lu(self, expr, M: Value) -> str:
        """The name of the LU factorisation of expr (whose value is M), computed once for
        its solves, its inverse and its log det."""
        key = ("lu", expr)
        if key not in self.memo:
            self.helpers.add("_lu_factor")
            hint = f"lu_{self.names[expr]}" if expr in self.names else None
            self.memo[key] = self.bind(Value(f"_lu_factor({M.code})", DENSE), hint)
        return self.memo[key].code

    def solve(self, M: Value, expr, transposed: bool, R: str, shape) -> Value:
        """M⁻¹ R, or M⁻ᵀ R when transposed: from M's LU factorisation, computed once, when
        M is solved with in several chains (Survey.factorise); else one solve."""
        if is_spd_symbol(expr):  # symmetric: M⁻ᵀ = M⁻¹
            return Value(f"_cho_solve({self.cholesky(expr)}, {R})", DENSE, shape)
        if self.survey.factorise(expr):
            self.helpers.add("_lu_solve")
            return Value(f"_lu_solve({self.lu(expr, M)}, {R}, {int(transposed)})", DENSE, shape)
        A = M.wrapped(ATOM) + ".T" if transposed else M.code
        return Value(self.b.linalg("solve", A, R), DENSE, shape)

    def product(self, L: Value, R: Value) -> Value:
        """L · R for two formed operands."""
        shape = (L.shape[0], R.shape[1])
        if L.kind == ONES and R.kind == ONES:  # 1 1 = q 1
            return Value(self.dim(L.shape[1]), ONES, shape)
        if ONES in (L.kind, R.kind) and DIAG in (L.kind, R.kind):
            L, R = (self.dense(v) if v.kind == DIAG else v for v in (L, R))
        if L.kind == DIAG and R.kind == DIAG:
            return Value(join_product([L, R]), DIAG, shape, MUL)
        if L.kind == DIAG:
            return Value(f"{L.as_column()} * {R.wrapped(MUL + 1)}", DENSE, shape, MUL)
        if R.kind == DIAG:
            return Value(f"{L.wrapped(MUL)} * {R.wrapped(ATOM)}[None, :]", DENSE, shape, MUL)
        if L.kind == ONES:  # 1 R: every row is the column sums of R
            sums = Value(self.b.sum_axis(R.wrapped(ATOM), 0), DENSE, shape)
            return sums if L.shape[0] == 1 else \
                Value(f"{self.b.ones(self.dim(L.shape[0]), 1)} * {sums.code}", DENSE, shape, MUL)
        if R.kind == ONES:  # L 1: every column is the row sums of L
            sums = Value(self.b.sum_axis(L.wrapped(ATOM), 1), DENSE, shape)
            return sums if R.shape[1] == 1 else \
                Value(f"{sums.code} * {self.b.ones(1, self.dim(R.shape[1]))}", DENSE, shape, MUL)
        if self.b.transpose_thin_products and L.transpose_of is not None and \
                sympy.sympify(R.shape[1]).is_Integer:
            # Aᵀ v as (vᵀ A)ᵀ: XLA on the CPU multiplies a transposed matrix by a thin
            # one several times slower
            Rt = R.transpose_of.code if R.transpose_of is not None else f"{R.wrapped(ATOM)}.T"
            return Value(f"({Rt} @ {L.transpose_of.wrapped(MUL + 1)}).T", DENSE, shape)
        if sympy.sympify(L.shape[1]) == 1:  # an outer product u vᵀ: broadcasting, not a GEMM
            return Value(f"{L.wrapped(MUL)} * {R.wrapped(MUL + 1)}", DENSE, shape, MUL)
        return Value(f"{L.wrapped(MUL)} @ {R.wrapped(MUL + 1)}", DENSE, shape, MUL)

    def chain_contraction(self, factors, trace: bool) -> Value:
        """tr(A₁ ⋯ A_k) (a scalar) or the diagonal of A₁ ⋯ A_k (a DIAG vector), without
        forming the product: Σ L ∘ Rᵀ over a split chosen by the plan."""
        ops, scalars = self.operands(sympy.S.One, list(factors))
        n = self.dim(factors[0].shape[0])
        if ops is None:
            return Value("0.0", SCALAR) if trace else Value("0", DIAG)
        if not ops:
            one = Value(n, SCALAR) if trace else Value(self.b.ones(n, 1) + "[:, 0]", DIAG)
            return apply_scalars(one, scalars)
        if len(ops) == 1:
            v = self.multiply(0, ops)
            v = self.dense(v) if v.kind != DIAG else v
            if v.kind == DIAG:
                out = Value(self.b.call("sum", v.code), SCALAR) if trace else v
            else:
                out = Value(self.b.call("trace", v.code), SCALAR) if trace else \
                    Value(self.b.diagonal(v.code), DIAG)
            return apply_scalars(out, scalars)
        s, _ = plan.trace_split([o for o, _ in ops])
        L = self.multiply(plan.chain_order([o for o, _ in ops[:s]])[0], ops[:s])
        R = self.multiply(_shift(plan.chain_order([o for o, _ in ops[s:]])[0], s), ops)
        if L.kind == ONES or R.kind == ONES:  # tr(1 R) = Σ R; diag(1 R) = column sums of R
            other = self.dense(R if L.kind == ONES else L)
            if trace:
                out = Value(self.b.call("sum", other.code), SCALAR)
            else:
                axis = 0 if L.kind == ONES else 1
                out = Value(f"{other.wrapped(ATOM)}.sum({axis})", DIAG)
            return apply_scalars(out, scalars)
        L, R = self.dense(L), self.dense(R)
        if trace:
            out = Value(self.b.trace_of_product(L.wrapped(MUL), R.wrapped(ATOM)), SCALAR)
        else:
            out = Value(self.b.diagonal_of_product(L.wrapped(MUL), R.wrapped(ATOM)), DIAG)
        return apply_scalars(out, scalars)


def _scaled_smallest(ops, scalars, shape):
    """The chain's scalars applied to its smallest dense factor instead of its result when
    that factor has fewer entries: −(p pᵀ) is computed as (−p) pᵀ, n entries negated, not n²."""
    dense = [(o.rows * o.cols, i) for i, (o, _) in enumerate(ops) if o.kind == plan.DENSE]
    if not scalars or len(ops) < 2 or not dense:
        return ops, scalars
    entries, i = min(dense)
    if entries >= plan.size(shape[0]) * plan.size(shape[1]):
        return ops, scalars
    op, v = ops[i]
    return [*ops[:i], (op, apply_scalars(v, scalars)), *ops[i + 1:]], []


def _product_key(tree, ops):
    """What a product tree computes, independent of how its result is named (with the
    shape: a ones factor is "1" whether it is 𝟏ᵀ or 𝟏𝟏ᵀ)."""
    if isinstance(tree, int):
        op, payload = ops[tree]
        if op.kind == plan.INV:
            return ("inv", payload[0].code, payload[1])
        return (payload.kind, payload.code, tuple(payload.shape))
    return (_product_key(tree[0], ops), _product_key(tree[1], ops))


def nonnegative(e) -> bool:
    """True when every entry of e is provably ≥ 0 (even Hadamard powers, exp, σ,
    softplus, |·|, products and sums of such, positive multiples); False when unknown."""
    if isinstance(e, (sympy.OneMatrix, sympy.Identity, sympy.ZeroMatrix)):
        return True
    if isinstance(e, sympy.HadamardPower):
        return bool(e.exp.is_even) or nonnegative(e.base)
    if isinstance(e, Elementwise):
        entry = functions.lookup(e.function)
        return entry is not None and entry.nonnegative
    if isinstance(e, (sympy.HadamardProduct, sympy.MatAdd)):
        return all(nonnegative(a) for a in e.args)
    if isinstance(e, sympy.MatMul):
        coeff, mats = e.as_coeff_matrices()
        return bool(coeff.is_nonnegative) and len(mats) == 1 and nonnegative(mats[0])
    return False


def _is_inv_leaf(tree, ops) -> bool:
    return isinstance(tree, int) and ops[tree][0].kind == plan.INV


def _shift(tree, s):
    if isinstance(tree, int):
        return tree + s
    return _shift(tree[0], s), _shift(tree[1], s)


def _split(t):
    if isinstance(t, sympy.MatMul):
        coeff, mats = t.as_coeff_matrices()
        return coeff, list(mats)
    return sympy.S.One, [t]


def _planned(factors) -> list:
    """The plan's view of a chain before lowering (every factor dense or an inverse)."""
    return [plan.Operand(plan.INV if _inverse_in_chain(f) else plan.DENSE,
                         plan.size(f.shape[0]), plan.size(f.shape[1]))
            for f in chain_factors(factors)]


def _estimate(e) -> float:
    """A rough cost of computing e on its own (for deciding whether to distribute)."""
    if isinstance(e, sympy.MatMul):
        return plan.chain_order(_planned(e.as_coeff_matrices()[1]))[1]
    if isinstance(e, MatrixSymbol):
        return 0.0
    if isinstance(e, sympy.Transpose):
        return _estimate(e.arg)
    if isinstance(e, sympy.Inverse):  # forming it: an LU and n solves
        return 2 * plan.size(e.shape[0]) ** 3 + _estimate(e.arg)
    if isinstance(e, MatrixExpr):
        return plan.size(e.shape[0]) * plan.size(e.shape[1]) + sum(
            _estimate(a) for a in e.args if isinstance(a, MatrixExpr))
    return 0.0


def ordered(args):
    """Terms with positive ones first, so a sum prints as a - b rather than -b + a."""
    return sorted(args, key=lambda t: (t.could_extract_minus_sign(), sympy.default_sort_key(t)))


def dim_code(d, dims) -> str:
    if d.is_Integer:
        return str(int(d))
    if d.is_Symbol:
        return dims[d]
    if d.is_Pow:
        return f"{dim_code(d.base, dims)} ** {dim_code(d.exp, dims)}" if d.base.is_Atom \
            else f"({dim_code(d.base, dims)}) ** {dim_code(d.exp, dims)}"
    op = " + " if d.is_Add else " * "
    return op.join(dim_code(a, dims) if a.is_Atom else f"({dim_code(a, dims)})"
                   for a in d.args)


