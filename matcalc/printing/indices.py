r"""Index notation of fourth-order results: -C^{-1}_{ik} C^{-1}_{lj}.

Contract: `index(J, style="latex")` writes J_ijkl = ∂F_ij/∂X_kl as a sum of products of
entries; `style="text"` gives a plain-text form (-C⁻¹_ik C⁻¹_lj). A transposed leaf
swaps its indices ((Cᵀ)_lj is written C_jl); the symmetric projection J : 𝕀ₛ is written out
as ½(… + … with k and l swapped). It never changes J.
"""

from __future__ import annotations

import sympy

from ..calculus.fourth_order import DyadicProduct, FourthOrder, SquareProduct
from ..core.errors import OptionError
from ..core.limits import MAX_RESULT_DEPTH, bounded
from ..core.registry import STAGES
from .tex import MatrixLatexPrinter
from .unicode import TextPrinter


class _Style:
    def __init__(self, style: str):
        if style not in ("latex", "text"):
            raise OptionError(f"style={style!r}: use 'latex' or 'text'")
        self.latex = style == "latex"
        self.printer = MatrixLatexPrinter() if self.latex else TextPrinter()

    def sub(self, base: str, a: str, b: str) -> str:
        return f"{base}_{{{a}{b}}}" if self.latex else f"{base}_{a}{b}"

    def paren(self, s: str) -> str:
        return rf"\left({s}\right)" if self.latex else f"({s})"

    def fraction(self, c) -> str:
        """A positive rational coefficient: \frac{1}{2} or ½, 3/2."""
        if self.latex:
            return rf"\frac{{{c.p}}}{{{c.q}}}"
        return "½" if c == sympy.Rational(1, 2) else f"{c.p}/{c.q}"

    def scalar(self, c) -> str:
        return self.printer._print(c)


def entry(M, a: str, b: str, st: _Style) -> str:
    """(M)_ab with a transposed leaf's indices swapped and δ for the identity."""
    if isinstance(M, sympy.Identity):
        return st.sub(r"\delta" if st.latex else "δ", a, b)
    if isinstance(M, sympy.OneMatrix):
        return "1"
    transposed = False
    leaf = M
    if isinstance(leaf, sympy.Transpose):
        leaf, transposed = leaf.arg, True
    elif isinstance(leaf, (sympy.Inverse, sympy.MatPow)) and isinstance(leaf.args[0],
                                                                       sympy.Transpose):
        inner = leaf.args[0].arg
        leaf = sympy.Inverse(inner) if isinstance(M, sympy.Inverse) else \
            sympy.MatPow(inner, leaf.args[1])
        transposed = True
    if transposed:
        a, b = b, a
    if isinstance(leaf, sympy.MatrixSymbol) or (isinstance(leaf, sympy.Inverse)
                                                and isinstance(leaf.arg, sympy.MatrixSymbol)):
        return st.sub(st.printer._print(leaf), a, b)
    return st.sub(st.paren(st.printer._print(leaf)), a, b)


#: Summation indices of staged products, in order of use.
_SUMMED = "mnpqrstuvwabcdefgh"


def _term(t, st: _Style, i="i", j="j", k="k", l="l", depth=0) -> str:
    """t's entry at (i, j, k, l); a staged product (A ⊠ B) : S : L sums over the indices
    (m, n) of S's output: Σ_mn A_im B_jn S(L)_mnkl (A_in B_jm after 𝕋)."""
    if isinstance(t, SquareProduct):
        if t.transposed:
            return _product(entry(t.A, i, l, st), entry(t.B, j, k, st))
        return _product(entry(t.A, i, k, st), entry(t.B, j, l, st))
    if isinstance(t, DyadicProduct):
        return _product(entry(t.M, i, j, st), entry(t.K, k, l, st))
    if t.is_plain():
        return t.stage.index(st, entry, i, j,
                             lambda a, b: _term(t.inner, st, a, b, k, l, depth))
    m, n = _SUMMED[2 * depth: 2 * depth + 2]
    a, b = (n, m) if t.transposed else (m, n)
    factors, same = [], {}
    for M, outer, summed in ((t.A, i, a), (t.B, j, b)):
        if isinstance(M, sympy.Identity):  # δ: no sum, the index is the outer one
            same[summed] = outer
        else:
            factors.append(entry(M, outer, summed, st))
    m, n = same.get(m, m), same.get(n, n)
    body = t.stage.index(st, entry, m, n,
                         lambda a, b: _term(t.inner, st, a, b, k, l, depth + 1))
    summed = "".join(x for x in _SUMMED[2 * depth: 2 * depth + 2] if x not in same)
    total = (rf"\sum_{{{summed}}} " if st.latex else f"Σ_{summed} ") if summed else ""
    return total + _product(*factors, body)


def _product(*factors: str) -> str:
    """Factors side by side, the entries 1 of a matrix of ones left out."""
    kept = [f for f in factors if f != "1"]
    return " ".join(kept) or "1"


#: A projection written out on an index pair (a, b): (weight, swap a and b, times δ_ab).
#: 𝕀ₛ: ½(J_ab + J_ba);  2𝕀ₛ − 𝔻: J_ab + J_ba − δ_ab J_ab;  𝔻: δ_ab J_ab.
_VARIANTS = {None: [(1, False, False)],
             "symmetric": [(sympy.Rational(1, 2), False, False),
                           (sympy.Rational(1, 2), True, False)],
             "entries": [(1, False, False), (1, True, False), (-1, False, True)],
             "diagonal": [(1, False, True)]}


@bounded(bound=MAX_RESULT_DEPTH)
def index(J: FourthOrder, style: str = "latex") -> str:
    r"""The index form of a fourth-order result J_ijkl = ∂F_ij/∂X_kl.

    >>> import sympy
    >>> from matcalc import jacobian, index
    >>> C = sympy.MatrixSymbol("C", 3, 3)
    >>> index(jacobian(C.I, C))
    '- C^{-1}_{ik} C^{-1}_{lj}'
    """
    if not isinstance(J, FourthOrder):
        raise OptionError(f"index notation is for fourth-order results (matcalc.jacobian); "
                          f"got a {type(J).__name__}")
    st = _Style(style)
    parts = []
    for t in J.terms:
        variants = []
        for wl, swap_l, delta_l in _VARIANTS[J.left]:
            for wr, swap_r, delta_r in _VARIANTS[J.projection]:
                i, j = ("j", "i") if swap_l else ("i", "j")
                k, l = ("l", "k") if swap_r else ("k", "l")
                body = _term(t, st, i, j, k, l)
                deltas = [st.sub(r"\delta" if st.latex else "δ", *pair)
                          for pair, on in ((("i", "j"), delta_l), (("k", "l"), delta_r)) if on]
                variants.append((wl * wr, " ".join([body, *deltas])))
        scale = abs(variants[0][0])
        body = variants[0][1]
        for w, v in variants[1:]:
            body += f" - {v}" if w < 0 else f" + {v}"
        if len(variants) > 1:
            body = st.paren(body)
        parts.append(_signed(t.coeff * scale, body, st))
    if not parts:
        return "0"
    return " + ".join(parts).replace("+ - ", "- ")


def _signed(coeff, body: str, st: _Style) -> str:
    """coeff · body with the sign in front: - ½(…), 2 A_ik B_jl, (a + b) A_ik B_jl."""
    if coeff == 1:
        return body
    if coeff == -1:
        return "- " + body
    if coeff.could_extract_minus_sign():
        return "- " + _signed(-coeff, body, st)
    if coeff.is_Rational and not coeff.is_Integer:
        c = st.fraction(coeff)
        tight = body.startswith(("(", r"\left(")) and (st.latex or c == "½")
        return c + body if tight else f"{c} {body}"
    c = st.scalar(coeff)
    return f"{st.paren(c) if isinstance(coeff, sympy.Add) else c} {body}"


STAGES["index"] = index
