r"""Text -> SymPy matrix expression, in matrixcalculus.org's syntax. Never `eval`.

Contract: `parse(text, symbols=None)` returns an ordinary SymPy expression (a scalar `Expr`
or a `MatrixExpr`) or raises a `MatcalcError` located at the offending character:
`MatcalcSyntaxError` for text that is not an expression, `ShapeError` for shapes that do
not fit. The text is read by a LALR grammar (lark); nothing in it is ever executed.

The syntax (precedence from loosest to tightest; as in MATLAB, ^ and ' share a level and
read left to right, so X^2' is (X^2)' and 2^3^2 is 64)::

    A + B   A - B                   sums
    A * B   A / c   A .* B   A ./ B products, division by a scalar, entrywise product/quotient
    -A                              negation
    A ^ k   A .^ k   A'             matrix power (X^-1 is the inverse), entrywise power,
                                    transpose (also X.T, and X^T where T is no declared
                                    name); an exponent is an atom, maybe signed (X^-1)
    f(A)  (A)  3  2.5  1e-3  name   calls, parentheses, numbers, names

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
`D×D`, `D*D`), optionally after the word `symmetric`; D is a number or a name.
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
start: (declaration ";")* expr

declaration: NAME ("," NAME)* ":" shape
shape: (NAME | NUMBER | TIMES)+

?expr: sum
?sum: product
    | sum PLUS product          -> add
    | sum MINUS product         -> sub
?product: unary
    | product TIMES unary       -> mul
    | product SLASH unary       -> div
    | product DOTTIMES unary    -> hadamard
    | product DOTSLASH unary    -> hadamard_div
?unary: power
    | MINUS unary               -> neg
    | PLUS unary                -> pos
?power: atom
    | power CARET exponent      -> pow
    | power DOTCARET exponent   -> hadamard_pow
    | power QUOTE               -> transpose
    | power DOTT                -> transpose
?exponent: atom
    | MINUS exponent            -> neg
    | PLUS exponent             -> pos
?atom: NUMBER                   -> number
    | NAME                      -> name
    | NAME "(" [expr ("," expr)*] ")" -> call
    | "(" expr ")"

NAME: /[A-Za-z][A-Za-z0-9_]*/
NUMBER: /(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?/
PLUS: "+"
MINUS: "-"
TIMES: "*" | "×"
SLASH: "/"
DOTTIMES: ".*"
DOTSLASH: "./"
CARET: "^"
DOTCARET: ".^"
QUOTE: "'"
DOTT: /\.T(?![A-Za-z0-9_])/

%ignore /[ \t\r\n]+/
"""

#: How terminals are named in "expected …" messages.
_TERMINALS = {
    "NAME": "a name", "NUMBER": "a number", "PLUS": "'+'", "MINUS": "'-'", "TIMES": "'*'",
    "SLASH": "'/'", "DOTTIMES": "'.*'", "DOTSLASH": "'./'", "CARET": "'^'",
    "DOTCARET": "'.^'", "QUOTE": "\"'\"", "DOTT": "'.T'", "LPAR": "'('", "RPAR": "')'",
    "COMMA": "','",
    "COLON": "':'", "SEMICOLON": "';'", "$END": "the end",
}

@lru_cache(maxsize=1)
def _lark_parser():
    import lark
    return lark.Lark(GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=False)


# --- the parser -------------------------------------------------------------------


@bounded
def parse(text: str, symbols: Mapping | None = None):
    """Parse `text` (matrixcalculus.org syntax) into a SymPy expression, without `eval`.

    symbols: optional mapping from a name to a SymPy `MatrixSymbol` or `Symbol` (used
        as it is: this is how Python code mixes its own symbols with parsed text) or to a
        shape string: "scalar", "vector", "matrix", "n", "n x m", "symmetric n x n".
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
def read(text: str, symbols: Mapping | None = None) -> tuple:
    """(expression, names): what `parse` returns, and the names it typed by their first
    letter (or as Greek scalars) because nothing declared them, for a front end to say."""
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
    built = builder.expression(_syntax_tree(text))
    check_depth(built)
    return built, frozenset(builder.assumed())


def _syntax_tree(text: str):
    import lark
    try:
        return _lark_parser().parse(text)
    except lark.exceptions.UnexpectedCharacters as err:
        char = text[err.pos_in_stream]
        raise MatcalcSyntaxError(f"unexpected character {char!r}{_lookalike(char)}",
                                 source=text, line=err.line, column=err.column) from None
    except lark.exceptions.UnexpectedToken as err:
        token = err.token
        expected = sorted({_TERMINALS.get(t, t) for t in err.expected})
        if token.type == "$END":
            lines = text.rstrip().splitlines() or [""]
            line, column = len(lines), len(lines[-1]) + 1
            what = "unexpected end of input"
        else:
            line, column = token.line, token.column
            what = f"unexpected {str(token)!r}"
        hint = f"; expected {_one_of(expected)}" if expected and len(expected) <= 6 else ""
        raise MatcalcSyntaxError(what + hint, source=text, line=line, column=column) from None
    except lark.exceptions.UnexpectedEOF as err:  # pragma: no cover (LALR reports tokens)
        raise MatcalcSyntaxError("unexpected end of input", source=text, line=err.line,
                                 column=err.column) from None


#: Characters that look like ones the syntax uses (letters from other scripts, dashes,
#: quotes, matcalc's own printed notation), and what to type instead.
LOOKALIKES = {
    **dict(zip("АВЕКМНОРСТХаеорсухΑΒΕΖΗΙΚΜΝΟΡΤΥΧοι", "ABEKMHOPCTXaeopcyxABEZHIKMNOPTYXoi",
               strict=True)),
    "−": "-", "–": "-", "—": "-", "‐": "-", "’": "'", "‘": "'", "′": "'",
    "ᵀ": "'", "·": "*", "⋅": "*", "∗": "*", "∘": ".*", "⊙": ".*", "⊗": "kron(…, …)",
    "⁻": "^-", "²": "^2", "³": "^3", "¹": "^1",
}


def _lookalike(char: str) -> str:
    """ " (NAME); did you mean 'x'?" for a character outside the syntax's ASCII."""
    if char.isascii():
        return ""
    name = unicodedata.name(char, f"U+{ord(char):04X}")
    instead = LOOKALIKES.get(char) or unicodedata.normalize("NFKC", char)
    if char in LOOKALIKES or (instead != char and instead.isascii()):
        return f" ({name}); did you mean {instead!r}?"
    return f" ({name}); names and operators are ASCII"


def _one_of(items) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


