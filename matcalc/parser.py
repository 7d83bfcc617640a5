r"""Text -> SymPy matrix expression, in matrixcalculus.org's syntax. Never `eval`.

Contract: `parse(text, symbols=None)` returns an ordinary SymPy expression (a scalar `Expr`
or a `MatrixExpr`) or raises a `MatcalcError` located at the offending character:
`MatcalcSyntaxError` for text that is not an expression, `ShapeError` for shapes that do
not fit. The text is read by a LALR grammar (lark) without conflicts; nothing in it is
ever executed. LaTeX is read by matcalc.latex_reader.

The syntax (precedence from loosest to tightest; as in MATLAB, ^ and ' share a level and
read left to right, so X^2' is (X^2)' and 2^3^2 is 64)::

    A + B   A - B                   sums
    A * B   A / c   A .* B   A ./ B products, division by a scalar, entrywise product/quotient
    -A                              negation
    A ^ k   A .^ k   A'             matrix power (X^-1 is the inverse), entrywise power,
                                    transpose (also X.T, and X^T where T is no declared
                                    name); an exponent is an atom, maybe signed (X^-1)
    f(A)  (A)  3  2.5  1e-3  name   calls, parentheses, numbers, names

It also reads matcalc's own Unicode text form, so that what `matcalc.text` prints can be
pasted back: juxtaposition is a product (A Xᵀ B; a call is a name touching its "(", so
A (B + C) is a product), Xᵀ, X⁻¹, X⁻ᵀ, X⁺ (pinv), X², X^∘2, A ∘ B (also ⊙), A ⊗ B, A : B (the double
dot), 𝟏 (a column of ones; 𝟏 𝟏ᵀ a matrix of them), I, π, |a|, ‖x‖₂, ‖X‖_F, ‖x‖₁, σ(x)
(the sigmoid), Greek letters (λ is lambda), − · ×. A bar after an operand closes the bar
open before it, unless it stands apart and touches what follows: |a| |b| is two absolute
values, |a |b|| one inside another.

Functions are the operators' parser entries (matcalc.ops: tr, inv, det, logdet, adj,
diag, vec, kron, norm2, norm1, sum; the names eye, vector(c), matrix(c)) and the names of
the scalar-function table (matcalc.core.functions), which act on each entry of a matrix.
The README's input-syntax table lists them.

Names are typed by their first letter, as on matrixcalculus.org: a–g scalars, h–z column
vectors, A–Z matrices; Greek names (alpha … omega, lambda, mu, sigma) and lam, eps are
scalars. Declarations before the expression override that::

    C: symmetric n x n; tr(inv(C))        A, B: 3 x 3; x: 3; x'*A*B*x
    t: scalar; exp(t*X)                    k: vector; X: matrix; k'*X*k

A shape is `scalar`, `vector`, `matrix`, `D` (a column of length D) or `D x D` (also
`D×D`, `D*D`), optionally after the word `symmetric` or `spd`; D is a number or a name.
Dimensions not declared are symbols inferred from the products (n, m, p, …). A declared
dimension is also a scalar: `X: n x n; tr(X)/n`.
A 1 x 1 matrix such as x'*A*x is used as a scalar wherever a scalar is needed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from .builder import Builder
from .core.errors import LimitError, MatcalcError, MatcalcSyntaxError
from .core.limits import MAX_TEXT, bounded, check_depth

GRAMMAR = r"""
declarations: (declaration ";")*
declaration: NAME ("," NAME)* ":" shape
shape: (NAME | NUMBER | TIMES)+

?expr: sum
    | sum COLON sum             -> double_dot
?sum: product
    | sum PLUS product          -> add
    | sum MINUS product         -> sub
?product: unary
    | product TIMES unary       -> mul
    | product power             -> juxtaposed
    | product SLASH unary       -> div
    | product DOTTIMES unary    -> hadamard
    | product DOTSLASH unary    -> hadamard_div
    | product KRON unary        -> kron
?unary: power
    | MINUS unary               -> neg
    | PLUS unary                -> pos
?power: atom
    | power CARET exponent      -> pow
    | power DOTCARET exponent   -> hadamard_pow
    | power SUPERSCRIPT         -> pow
    | power INVERSE_TRANSPOSE   -> inverse_transpose
    | power PSEUDO_INVERSE      -> pseudo_inverse
    | power QUOTE               -> transpose
    | power DOTT                -> transpose
?exponent: atom
    | MINUS exponent            -> neg
    | PLUS exponent             -> pos
?atom: NUMBER                   -> number
    | NAME                      -> name
    | CALLNAME "(" [expr ("," expr)*] ")" -> call
    | "(" expr ")"
    | ONES                      -> ones
    | ABS_OPEN expr ABS_CLOSE   -> absolute
    | NORM_OPEN expr NORM_CLOSE [NORM_INDEX] -> norm

NAME: /[A-Za-z][A-Za-z0-9_]*/ | /[α-ωϵϑϕΓΔΘΛΞΠΣΥΦΨΩ](_[A-Za-z0-9]+)?/
CALLNAME.2: /([A-Za-z][A-Za-z0-9_]*|[α-ωϵϑϕΓΔΘΛΞΠΣΥΦΨΩ])(?=\()/
NUMBER: /(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?/
PLUS: "+"
MINUS: "-" | "−"
TIMES: "*" | "×" | "·" | "⋅"
SLASH: "/"
DOTTIMES: ".*" | "∘" | "⊙"
DOTSLASH: "./"
KRON: "⊗"
CARET: "^"
DOTCARET: ".^" | "^∘"
SUPERSCRIPT: /⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+/
INVERSE_TRANSPOSE: "⁻ᵀ"
PSEUDO_INVERSE: "⁺"
QUOTE: "'" | "ᵀ"
DOTT: /\.T(?![A-Za-z0-9_])/
COLON: ":"
ONES: "𝟏"
ABS_OPEN: "\ue000"
ABS_CLOSE: "\ue001"
NORM_OPEN: "\ue002"
NORM_CLOSE: "\ue003"
NORM_INDEX: "₂" | "₁" | "_F" | "_2" | "_1"

%ignore /[ \t\r\n]+/
"""

#: How terminals are named in "expected …" messages.
_TERMINALS = {
    "NAME": "a name", "CALLNAME": "a function", "NUMBER": "a number", "PLUS": "'+'",
    "MINUS": "'-'", "TIMES": "'*'", "SLASH": "'/'", "DOTTIMES": "'.*'", "DOTSLASH": "'./'",
    "CARET": "'^'",
    "DOTCARET": "'.^'", "QUOTE": "\"'\"", "DOTT": "'.T'", "LPAR": "'('", "RPAR": "')'",
    "COMMA": "','", "COLON": "':'", "SEMICOLON": "';'", "$END": "the end", "KRON": "'⊗'",
    "SUPERSCRIPT": "a superscript", "INVERSE_TRANSPOSE": "'⁻ᵀ'", "PSEUDO_INVERSE": "'⁺'",
    "ONES": "'𝟏'",
    "ABS_OPEN": "'|'", "ABS_CLOSE": "'|'", "NORM_OPEN": "'‖'", "NORM_CLOSE": "'‖'",
    "NORM_INDEX": "'₂' or '_F'",
}

@lru_cache(maxsize=1)
def _lark_parser():
    import lark
    return lark.Lark(GRAMMAR, parser="lalr", start=["declarations", "expr"],
                     propagate_positions=True, maybe_placeholders=False)


# --- the parser -------------------------------------------------------------------


@bounded
def parse(text: str, symbols: Mapping | None = None):
    """Parse `text` (matrixcalculus.org syntax) into a SymPy expression, without `eval`.

    symbols: optional mapping from a name to a SymPy `MatrixSymbol` or `Symbol` (used
        as it is: this is how Python code mixes its own symbols with parsed text) or to a
        shape string: "scalar", "vector", "matrix", "n", "n x m", "symmetric n x n", "spd n x n".
        Other names are typed by their first letter: a–g scalar, h–z vector, A–Z matrix.

    Raises MatcalcSyntaxError (not an expression) or ShapeError (shapes do not fit),
    each with line, column and a caret; LimitError for text longer than
    matcalc.core.limits.MAX_TEXT or nested deeper than MAX_DEPTH.

    >>> from matcalc import parse, grad, text
    >>> f = parse("tr(inv(X))")
    >>> f
    Trace(X**(-1))
    >>> X, = f.free_symbols
    >>> X.shape
    (n, n)
    >>> text(grad(f, X))
    '-(X⁻²)ᵀ'
    >>> parse("x'*A*x").shape
    (1, 1)
    >>> parse("C: symmetric n x n; logdet(C)").free_symbols
    {C}
    """
    return read(text, symbols)[0]


@bounded
def read(text: str, symbols: Mapping | None = None, expression=None) -> tuple:
    """(expression, names): what `parse` returns, and the names it typed by their first
    letter (or as Greek scalars) because nothing declared them, for a front end to say.

    expression: how the expression after the declarations is read, (text, start, names) ->
    its syntax tree, where start is the expression's offset and names those declared;
    matcalc's own notation (this module's grammar) unless given (matcalc.latex_reader)."""
    if not isinstance(text, str):
        raise MatcalcSyntaxError(f"parse takes a string; got {type(text).__name__}")
    if not text.strip():
        raise MatcalcSyntaxError("empty expression: nothing to parse", source=text, line=1,
                                 column=1)
    if symbols is not None and not isinstance(symbols, Mapping):
        raise MatcalcError(f"symbols must be a mapping (a dict of name -> symbol or shape); "
                           f"got {type(symbols).__name__}")
    if len(text) > MAX_TEXT:
        raise LimitError(f"the text is {len(text):,} characters long; parse reads at most "
                         f"{MAX_TEXT:,}")
    builder = Builder(text, symbols or {})
    built = builder.expression(_syntax_tree(text, expression or _expression_tree,
                                            set(symbols or ())))
    check_depth(built)
    return built, frozenset(builder.assumed())


def _syntax_tree(text: str, expression, names: set):
    """The syntax tree of `text`: its declarations (up to the last ';' that is no LaTeX
    space, \\;) and its expression, each parsed with the other part blanked out, so that
    positions stay those of `text` (and ':' can be both a declaration's and A : B)."""
    import lark
    split = max((i + 1 for i, c in enumerate(text) if c == ";" and text[i - 1:i] != "\\"),
                default=0)
    declarations = _parse(text[:split] + _blank(text[split:]), text, "declarations")
    names |= {str(name) for d in declarations.children for name in d.children[:-1]}
    return lark.Tree("start", [*declarations.children, expression(text, split, names)])


def _expression_tree(text: str, start: int, names: set):
    """The expression of `text` from offset `start`, in matcalc's own notation."""
    return _parse(_blank(text[:start]) + _mark_bars(text[start:]), text, "expr")


def _blank(part: str) -> str:
    """part with every character but line breaks made a space."""
    return "".join(c if c in "\r\n" else " " for c in part)


#: The bars |…| and ‖…‖ as the grammar sees them: an opening and a closing mark each.
BARS = {"|": ("\ue000", "\ue001"), "‖": ("\ue002", "\ue003")}
_UNMARK = {mark: bar for bar, marks in BARS.items() for mark in marks}
_ENDS_OPERAND = frozenset(")'ᵀ⁰¹²³⁴⁵⁶⁷⁸⁹₁₂𝟏⁺")


def _mark_bars(text: str) -> str:
    """Each | and ‖ marked as opening or closing, as a reader pairs them: a bar after an
    operand closes the innermost open bar of its kind, unless it stands apart from it and
    touches what follows (a |b|, ‖x‖₂ ‖y‖₂ has two norms); any other bar opens."""
    out, open_bars = list(text), []
    previous = None  # the last character that is not a space
    for i, c in enumerate(text):
        if c in BARS:
            after = text[i + 1:i + 2]
            ends_operand = previous is not None and (
                previous.isalnum() or previous in _ENDS_OPERAND or previous in _UNMARK
                and previous == BARS[_UNMARK[previous]][1])
            apart = i > 0 and text[i - 1].isspace() and after != "" and not after.isspace() \
                and (after.isalnum() or after in "(𝟏|‖")
            if ends_operand and open_bars and open_bars[-1] == c and not apart:
                open_bars.pop()
                out[i] = BARS[c][1]
            else:
                open_bars.append(c)
                out[i] = BARS[c][0]
            previous = out[i]
        elif not c.isspace():
            previous = c
    return "".join(out)


def _parse(marked: str, text: str, start: str):
    import lark
    try:
        return _lark_parser().parse(marked, start=start)
    except lark.exceptions.UnexpectedCharacters as err:
        char = text[err.pos_in_stream]
        raise MatcalcSyntaxError(f"unexpected character {char!r}{_lookalike(char)}",
                                 source=text, line=err.line, column=err.column) from None
    except lark.exceptions.UnexpectedToken as err:
        token = err.token
        expected = sorted({_TERMINALS.get(t, t) for t in err.expected})
        if token.type == "$END":
            lines = (text.rstrip() if start == "expr" else text[:text.rfind(";") + 1]
                     ).splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
            what = "unexpected end of input"
        else:
            line, column = token.line, token.column
            what = f"unexpected {_UNMARK.get(str(token), str(token))!r}"
        hint = f"; expected {_one_of(expected)}" if expected and len(expected) <= 6 else ""
        if start == "declarations":
            hint += " (only declarations such as 'X: n x n' come before a ';')"
        raise MatcalcSyntaxError(what + hint, source=text, line=line, column=column) from None
    except lark.exceptions.UnexpectedEOF as err:  # pragma: no cover (LALR reports tokens)
        raise MatcalcSyntaxError("unexpected end of input", source=text, line=err.line,
                                 column=err.column) from None


#: Characters that look like ones the syntax uses (letters from other scripts, dashes,
#: quotes, matcalc's own printed notation), and what to type instead.
LOOKALIKES = {
    **dict(zip("АВЕКМНОРСТХаеорсухΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEKMHOPCTXaeopcyxABEZHIKMNOPTYX",
               strict=True)),
    "–": "-", "—": "-", "‐": "-", "’": "'", "‘": "'", "′": "'", "∗": "*",
    "⊠": "a fourth-order result, which is not read back",
}


def _lookalike(char: str) -> str:
    """ " (NAME); did you mean 'x'?" for a character outside the syntax's ASCII."""
    if char == "\\":
        return "; LaTeX is read by matcalc.parse_latex (--latex-input on the command line)"
    if char.isascii():
        return ""
    name = unicodedata.name(char, f"U+{ord(char):04X}")
    instead = LOOKALIKES.get(char) or unicodedata.normalize("NFKC", char)
    if char in LOOKALIKES or (instead != char and instead.isascii()):
        return f" ({name}); did you mean {instead!r}?"
    return f" ({name}); not a character of the syntax or of matcalc's printed notation"


def _one_of(items) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


