r"""LaTeX -> SymPy matrix expression: matcalc's own LaTeX and the usual paper notation.

Contract: `parse_latex(text, symbols=None)` reads a formula as papers write it and returns
what `matcalc.parse` returns for the same formula in matcalc's syntax (the same Builder
types it), or raises a `MatcalcError` located in the LaTeX. Nothing is executed.

It reads::

    A + B   A - B   A B   A \cdot B   A \times B   \frac{a}{b}   a/b   -A
    A^{\top}  A^T  A^\intercal  A^{\mathsf{T}}  A'           transposes
    A^{-1}  A^{-\top}  A^{2}  A^{\circ 2}                      powers
    A^{+}                                                      the pseudo-inverse
    A \odot B  A \circ B  A \otimes B  A : B                   Hadamard, Kronecker, double dot
    \operatorname{tr}(A)  \mathrm{tr}\,A  \det X  \log\det X  \ln  \exp  \sigma(x)  e^{x}
    \lVert x \rVert_2  \|X\|_F  \left| a \right|  \sqrt{x}  \mathbf{1}  I  \mathbf{X}
    \alpha … \Omega   x_{1}   \mathit{foo}

A function written without parentheses takes the product that follows it, as papers
mean it: \operatorname{tr} A B is tr(A B), \log\det X is log(det(X)). Single letters are
names, so AB is the product A B, unless a longer name is declared (`symbols` or a
declaration `mu: vector;` before the formula). Sizing (\left, \bigl) and spacing (\, \;
\quad) are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import lark
from lark.tree import Meta

from .builder import NOT_READ_BACK
from .core.errors import MatcalcSyntaxError
from .core.functions import names as function_names
from .core.limits import bounded
from .core.registry import GREEK, PARSE_ENTRIES
from .parser import read

#: Greek letters as LaTeX commands -> the names they stand for.
GREEK_COMMANDS = {name: name for name in GREEK.values()} | {
    "varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varsigma": "sigma",
    "varrho": "rho", "varpi": "pi"}

#: Commands and \operatorname names read as functions -> the name matcalc's syntax calls.
FUNCTIONS = {name: name for name in function_names()
             | {n for n, e in PARSE_ENTRIES.items() if e.arity is not None}} | {
    "ln": "log", "Tr": "tr", "trace": "tr", "Trace": "tr", "Det": "det", "Diag": "diag",
    "sgn": "sign", "sigm": "sigmoid"}  # and the other spellings papers use

#: Commands that only size delimiters or space things out: skipped.
_IGNORED = re.compile(r"left|right|[bB]igg?[lrm]?|displaystyle|textstyle|quad|qquad|"
                      r"mathopen|mathclose|limits|nolimits")
_SPACES = set(",;:! >") | {"\n"}

#: Commands that are operators: -> the token kind.
_OPERATORS = {"cdot": "*", "times": "*", "ast": "*", "odot": "∘", "circ": "∘", "otimes": "⊗",
              "colon": ":", "top": "T", "intercal": "T", "lVert": "‖(", "rVert": "‖)",
              "Vert": "‖", "|": "‖", "lvert": "|(", "rvert": "|)", "vert": "|",
              "mid": "|", "prime": "'"}

#: Font commands whose argument is a name (or 1, I, T): \mathbf{X}, \mathrm{tr}.
_FONTS = {"mathbf", "boldsymbol", "bm", "mathrm", "mathit", "mathsf", "mathbb", "text",
          "textrm", "textit", "operatorname", "mathnormal", "pmb"}
#: Accents: \hat{x} is the name xhat, as SymPy names it.
_ACCENTS = {"hat", "bar", "tilde", "dot", "ddot", "check", "breve", "vec", "widehat",
            "widetilde", "overline"}

#: A bar after \left or \right, (kind, text) -> its opening and its closing command.
_ABS, _NORM = ("lvert", "rvert"), ("lVert", "rVert")
_SIDED = {("char", "|"): _ABS, **{("cmd", c): _ABS for c in ("vert", "lvert", "rvert")},
          **{("cmd", c): _NORM for c in ("|", "Vert", "lVert", "rVert")}}

_TOKEN = re.compile(r"\\([A-Za-z]+|.)|(\d+(?:\.\d+)?|\.\d+)|([A-Za-z])|(\s+)|(.)", re.S)


class Token:
    """One LaTeX token: kind ('cmd', 'num', 'letter', 'char' or 'end'), text, offsets."""

    __slots__ = ("kind", "value", "start", "end")

    def __init__(self, kind, value, start, end):
        self.kind, self.value, self.start, self.end = kind, value, start, end

    def __repr__(self):
        return f"{self.kind}:{self.value}"


def tokens(text: str, start: int) -> list[Token]:
    """The tokens of text[start:], without sizing and spacing commands."""
    out = []
    for match in _TOKEN.finditer(text, start):
        command, number, letter, space, char = match.groups()
        where = (match.start(), match.end())
        if space:
            continue
        if command is not None:
            if command in _SPACES or _IGNORED.fullmatch(command):
                if command in ("left", "right") or command.startswith(("big", "Big")):
                    out.append(Token("size", command, *where))
                continue
            out.append(Token("cmd", command, *where))
        elif number is not None:
            out.append(Token("num", number, *where))
        elif letter is not None:
            out.append(Token("letter", letter, *where))
        elif char == "~" or char == "&":
            continue
        else:
            out.append(Token("char", char, *where))
    # \left. and \right. are invisible delimiters; \left| opens a bar and \right| closes
    # it; other sizing marks are dropped
    kept = []
    for i, t in enumerate(out):
        if t.kind == "size":
            continue
        side = out[i - 1].value if i > 0 and out[i - 1].kind == "size" else None
        if side and t.kind == "char" and t.value == ".":
            continue
        if side in ("left", "right") and (t.kind, t.value) in _SIDED:
            t = Token("cmd", _SIDED[t.kind, t.value][side == "right"], t.start, t.end)
        kept.append(t)
    return [*kept, Token("end", "", len(text), len(text))]


class LatexReader:
    """Recursive descent over the tokens, building the syntax tree matcalc's Builder reads
    (the same trees as matcalc.parser's grammar), located in the LaTeX text."""

    def __init__(self, text: str, start: int, names: set):
        self.text = text
        self.tokens = tokens(text, start)
        self.i = 0
        self.names = {n for n in names if len(n) > 1}
        self.bars: list[str] = []  # the bars |…| and ‖…‖ open around the current point

    # tokens -------------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def kind(self, t: Token | None = None) -> str:
        """What a token is to the grammar: an operator's symbol, '(' ')', a bar, …"""
        t = t or self.token
        if t.kind == "cmd":
            return _OPERATORS.get(t.value, "\\" + t.value)
        if t.kind == "char":
            return {"[": "(", "]": ")", "*": "*", "|": "|", "−": "-"}.get(t.value, t.value)
        return t.kind

    def error(self, message: str, t: Token | None = None) -> MatcalcSyntaxError:
        t = t or self.token
        line = self.text.count("\n", 0, t.start) + 1
        column = t.start - (self.text.rfind("\n", 0, t.start) + 1) + 1
        return MatcalcSyntaxError(message, source=self.text, line=line, column=column)

    def expect(self, kind: str, what: str) -> Token:
        if self.kind() != kind:
            raise self.error(f"expected {what}; got {self.describe()}")
        return self.advance()

    def describe(self, t: Token | None = None) -> str:
        t = t or self.token
        return "the end" if t.kind == "end" else repr(self.text[t.start:t.end])

    # trees --------------------------------------------------------------------------

    def lark_token(self, kind: str, value: str, t: Token) -> lark.Token:
        line = self.text.count("\n", 0, t.start) + 1
        column = t.start - (self.text.rfind("\n", 0, t.start) + 1) + 1
        return lark.Token(kind, value, start_pos=t.start, line=line, column=column,
                          end_pos=t.end)

    def tree(self, data: str, children: list, first: Token, last: Token | None = None):
        meta = Meta()
        meta.empty = False
        meta.start_pos, meta.end_pos = first.start, (last or self.tokens[self.i - 1]).end
        meta.line = self.text.count("\n", 0, first.start) + 1
        meta.column = first.start - (self.text.rfind("\n", 0, first.start) + 1) + 1
        return lark.Tree(data, children, meta)

    # the grammar --------------------------------------------------------------------

    def read(self):
        first = self.token
        if first.kind == "end":
            raise self.error("empty formula: nothing to read")
        e = self.expression()
        if self.kind() == "\\boxtimes":
            raise self.error("⊠ (a fourth-order result) is not read back")
        if self.token.kind != "end":
            raise self.error(f"unexpected {self.describe()}")
        return e

    def expression(self):
        """A : B, or a sum."""
        first = self.token
        left = self.sum()
        if self.kind() == ":":
            op = self.advance()
            right = self.sum()
            return self.tree("double_dot", [left, self.lark_token("COLON", ":", op), right],
                             first)
        return left

    def sum(self):
        first = self.token
        left = self.product()
        while self.kind() in ("+", "-"):
            op = self.advance()
            right = self.product()
            data, kind = ("add", "PLUS") if op.value == "+" else ("sub", "MINUS")
            left = self.tree(data, [left, self.lark_token(kind, op.value, op), right], first)
        return left

    _INFIX = {"*": ("mul", "TIMES"), "/": ("div", "SLASH"), "∘": ("hadamard", "DOTTIMES"),
              "⊗": ("kron", "KRON")}

    def product(self):
        first = self.token
        left = self.unary()
        while True:
            k = self.kind()
            if k in self._INFIX:
                op = self.advance()
                data, kind = self._INFIX[k]
                right = self.unary()
                left = self.tree(data, [left, self.lark_token(kind, op.value, op), right],
                                 first)
            elif self.starts_factor():
                left = self.tree("juxtaposed", [left, self.factor()], first)
            else:
                return left

    def starts_factor(self) -> bool:
        """True when the next token begins a factor (juxtaposition continues)."""
        k, t = self.kind(), self.token
        if k in ("|", "‖"):
            return not (self.bars and self.bars[-1] == k)  # else it closes the bar
        return t.kind in ("num", "letter") or k in ("(", "{", "|(", "‖(") or (
            t.kind == "cmd" and k.startswith("\\") and t.value not in _NOT_FACTORS)

    def unary(self):
        if self.kind() in ("-", "+"):
            op = self.advance()
            operand = self.unary()
            data, kind = ("neg", "MINUS") if op.value == "-" else ("pos", "PLUS")
            return self.tree(data, [self.lark_token(kind, op.value, op), operand], op)
        return self.factor()

    def factor(self):
        """A primary with its superscripts and primes: X^{-1}, X^\\top, X'."""
        first = self.token
        e = self.primary()
        while True:
            k = self.kind()
            if k == "^":
                e = self.superscript(e, first)
            elif k == "'":
                op = self.advance()
                e = self.tree("transpose", [e, self.lark_token("QUOTE", "'", op)], first)
            elif k == "_" and getattr(e, "data", None) == "call":
                raise self.error("a subscript on a function is not read")
            else:
                return e

    def superscript(self, base, first):
        op = self.advance()
        caret = self.lark_token("CARET", "^", op)
        if self.kind() == "{":
            opened = self.advance()
            body = self.superscript_body(base, first, caret, op)
            self.expect("}", f"'}}' closing the superscript opened at {self.describe(opened)}")
            return body
        t = self.token
        if self.kind() in ("T", "\\dagger") or (t.kind == "letter" and t.value == "T"
                                                 and "T" not in self.names):
            self.advance()
            return self.tree("transpose", [base, self.lark_token("QUOTE", "'", op)], first)
        if t.kind in ("num", "letter"):
            self.advance()
            exponent = self.atom_of(t)
            return self.tree("pow", [base, caret, exponent], first)
        if self.kind() == "\\circ" or self.kind() == "∘":
            raise self.error("write a Hadamard power as ^{\\circ k}")
        return self.tree("pow", [base, caret, self.factor()], first)

    def superscript_body(self, base, first, caret, op):
        """The inside of ^{…}: \\top, T, -1, -\\top, \\circ k, or an exponent."""
        k = self.kind()
        if self.is_transpose_mark():
            self.advance()
            return self.tree("transpose", [base, self.lark_token("QUOTE", "'", op)], first)
        if k == "-" and self.is_transpose_mark(self.tokens[self.i + 1]):
            self.advance()
            self.advance()
            return self.tree("inverse_transpose", [base, self.lark_token("QUOTE", "'", op)],
                             first)
        if k == "+" and self.kind(self.tokens[self.i + 1]) == "}":  # A^{+}, the pseudo-inverse
            self.advance()
            return self.tree("call", [self.lark_token("CALLNAME", "pinv", op), base], first)
        if k == "∘":
            self.advance()
            exponent = self.sum()
            return self.tree("hadamard_pow", [base, self.lark_token("DOTCARET", "^∘", op),
                                              exponent], first)
        return self.tree("pow", [base, caret, self.sum()], first)

    def is_transpose_mark(self, t: Token | None = None) -> bool:
        t = t or self.token
        if self.kind(t) == "T":
            return True
        if t.kind == "letter" and t.value == "T" and "T" not in self.names:
            return True
        if t.kind == "cmd" and t.value in _FONTS:  # ^{\mathsf{T}}, ^{\mathrm{T}}
            j = self.tokens.index(t)
            inner = self.tokens[j + 1:j + 4]
            if [x.value for x in inner] == ["{", "T", "}"]:
                del self.tokens[j + 1:j + 4]
                return True
        return False

    def primary(self):
        t, k = self.token, self.kind()
        if k == "(" or k == "{":
            return self.group()
        if t.kind == "num":
            self.advance()
            return self.tree("number", [self.lark_token("NUMBER", t.value, t)], t)
        if k in ("|", "|(", "‖", "‖("):
            return self.bars_around()
        if t.kind == "letter":
            return self.letters()
        if t.kind == "cmd":
            return self.command()
        raise self.error(f"unexpected {self.describe()}")

    def group(self):
        opened = self.advance()
        closing = "}" if opened.value == "{" else ")"
        e = self.expression()
        self.expect(closing, f"{closing!r} closing the {opened.value!r} at column "
                             f"{opened.start + 1}")
        return e

    def atom_of(self, t: Token):
        """A one-token exponent: ^2, ^n."""
        if t.kind == "num":
            return self.tree("number", [self.lark_token("NUMBER", t.value, t)], t, t)
        return self.tree("name", [self.lark_token("NAME", t.value, t)], t, t)

    def name(self, value: str, first: Token):
        """A name, with its subscript: x_1, x_{ij}, \\Sigma_{0}."""
        if self.kind() == "_":
            self.advance()
            sub = self.subscript_text()
            if "," in sub:
                raise self.error(NOT_READ_BACK["K"] if value == "K" else
                                 f"{value}_{{{sub}}} is not read: a subscript with a comma",
                                 first)
            value = f"{value}_{sub}"
        return self.tree("name", [self.lark_token("NAME", value, first)], first)

    def subscript_text(self) -> str:
        """The text of a subscript: 1, i, {ij}, {F}, {\\mathrm{F}}."""
        t = self.advance()
        if self.kind(t) != "{":
            if t.kind in ("num", "letter"):
                return t.value
            raise self.error(f"{self.describe(t)} as a subscript is not read", t)
        parts = []
        while self.kind() != "}":
            u = self.advance()
            if u.kind == "end":
                raise self.error("'}' missing after the subscript", u)
            if u.kind in ("num", "letter") or u.value == ",":
                parts.append(u.value)
            elif u.kind == "cmd" and u.value in GREEK_COMMANDS:
                parts.append(GREEK_COMMANDS[u.value])
            elif u.kind == "cmd" and u.value in _FONTS or u.value in "{}":
                continue
            else:
                raise self.error(f"{self.describe(u)} in a subscript is not read", u)
        self.advance()
        return "".join(parts)

    def letters(self):
        """Letters: a declared longer name (mu, foo), a function written plainly (tr(X),
        log(x)), or one letter, a name of its own (AB is A B)."""
        first = self.token
        run, j = "", self.i
        while self.tokens[j].kind == "letter" and self.tokens[j].start == (
                self.tokens[j - 1].end if j > self.i else first.start):
            run += self.tokens[j].value
            j += 1
        for length in range(len(run), 1, -1):
            word = run[:length]
            is_call = word in FUNCTIONS and self.kind(self.tokens[self.i + length]) == "("
            if word in self.names or is_call:
                self.i += length
                if word in self.names and word not in FUNCTIONS:
                    return self.name(word, first)
                return self.call(FUNCTIONS[word], first)
        self.advance()
        if run[:1] == "e" and self.kind() == "^":  # e^{x} = exp(x)
            op = self.advance()
            argument = self.group() if self.kind() == "{" else self.atom_of(self.advance())
            token = self.lark_token("CALLNAME", "exp", first)
            return self.tree("call", [token, argument], first, op)
        return self.name(first.value, first)

    def command(self):
        t = self.advance()
        name = t.value
        if name in ("frac", "dfrac", "tfrac"):
            numerator, denominator = self.braced(), self.braced()
            return self.tree("div", [numerator, self.lark_token("SLASH", "/", t), denominator],
                             t)
        if name == "sqrt":
            if self.kind() == "(" and self.token.value == "[":
                raise self.error("\\sqrt[k]{…} is not read; write (…)^{1/k}")
            return self.tree("call", [self.lark_token("CALLNAME", "sqrt", t), self.braced()], t)
        if name in _FONTS:
            return self.font(t)
        if name in _ACCENTS:
            inner = self.braced_word()
            return self.name(inner + ("hat" if name.startswith("wide") else name)
                             .replace("widehat", "hat").replace("overline", "bar"), t)
        if name in GREEK_COMMANDS:
            value = GREEK_COMMANDS[name]
            if value == "sigma" and self.kind() == "(" and not self.text[t.end:t.end + 1].isspace():
                # σ(x) is the sigmoid, as matcalc prints it; \sigma \left(…\right) a product
                return self.call("sigmoid", t)
            return self.name(value, t)
        if name in FUNCTIONS:
            return self.call(FUNCTIONS[name], t)
        raise self.error(f"unknown command \\{name}", t)

    def braced(self):
        """{…} as an expression, or a single token (\\frac12)."""
        if self.kind() == "{":
            return self.group()
        t = self.token
        if t.kind == "num" and len(t.value) > 1 and t.value.isdigit():  # \frac12: 1 and 2
            self.tokens[self.i:self.i + 1] = [Token("num", t.value[0], t.start, t.start + 1),
                                              Token("num", t.value[1:], t.start + 1, t.end)]
            t = self.token
        if t.kind in ("num", "letter"):
            self.advance()
            return self.atom_of(t)
        return self.factor()

    def braced_word(self) -> str:
        """The letters inside {…} (or one letter)."""
        if self.kind() != "{":
            t = self.advance()
            if t.kind not in ("letter", "num"):
                raise self.error("expected a name", t)
            return t.value
        self.advance()
        parts = []
        while self.kind() != "}":
            u = self.advance()
            if u.kind in ("letter", "num"):
                parts.append(u.value)
            elif u.kind == "cmd" and u.value in GREEK_COMMANDS:
                parts.append(GREEK_COMMANDS[u.value])
            elif u.kind == "char" and u.value in "_-":
                parts.append(u.value)
            else:
                raise self.error(f"{self.describe(u)} inside a name is not read", u)
        self.advance()
        return "".join(parts)

    def font(self, t: Token):
        r"""\mathbf{X} (the name X), \mathbf{1} (ones), \operatorname{tr} (a function),
        \mathrm{d}, \mathit{foo} (a name of several letters)."""
        word = self.braced_word()
        if word == "1":
            return self.tree("ones", [self.lark_token("ONES", "𝟏", t)], t)
        if word in FUNCTIONS and (t.value in ("operatorname", "mathrm", "text", "textrm")
                                  or len(word) > 1):
            return self.call(FUNCTIONS[word], t)
        if not word or not word[0].isalpha():
            raise self.error(f"\\{t.value}{{{word}}} is not a name", t)
        return self.name(word, t)

    def call(self, name: str, first: Token):
        r"""A function applied: f(…) (arguments in parentheses), f^{2}(x)? no; f X Y (the
        product that follows, as \log\det X or \operatorname{tr} A B mean)."""
        token = self.lark_token("CALLNAME", name, first)
        if self.kind() == "^" and name == "vec":
            raise self.error(NOT_READ_BACK["vec⁻¹"])
        if self.kind() == "^":
            raise self.error(f"a power of a function (\\{name}^{{…}}) is not read; write "
                             f"({name}(…))^{{…}}")
        if self.kind() == "(":
            opened = self.advance()
            arguments = [self.expression()]
            while self.kind() == ",":
                self.advance()
                arguments.append(self.expression())
            self.expect(")", f"')' closing {name}'s '(' at column {opened.start + 1}")
            return self.tree("call", [token, *arguments], first)
        if not self.starts_factor():
            raise self.error(f"{name} needs an argument; got {self.describe()}")
        operand_first = self.token
        operand = self.factor()
        while self.starts_factor():
            operand = self.tree("juxtaposed", [operand, self.factor()], operand_first)
        return self.tree("call", [token, operand], first)

    def bars_around(self):
        r"""|a|, \left| a \right|, \lvert a \rvert; ‖x‖₂, \|X\|_F, \lVert x \rVert."""
        opened = self.advance()
        k = self.kind(opened)
        bar = k[0]
        self.bars.append(bar)
        try:
            inside = self.expression()
        finally:
            self.bars.pop()
        if self.kind() not in (bar, bar + ")"):
            raise self.error(f"expected {'‖' if bar == '‖' else '|'} closing the one at "
                             f"column {opened.start + 1}; got {self.describe()}")
        closed = self.advance()
        open_token = self.lark_token("OPEN", bar, opened)
        close_token = self.lark_token("CLOSE", bar, closed)
        if bar == "|":
            return self.tree("absolute", [open_token, inside, close_token], opened)
        children = [open_token, inside, close_token]
        if self.kind() == "_":
            self.advance()
            index = self.subscript_text()
            if index not in ("F", "2", "1"):
                raise self.error(f"‖…‖_{index} is not read; matcalc reads ‖x‖₂, ‖X‖_F, ‖x‖₁",
                                 closed)
            children.append(self.lark_token("NORM_INDEX", index, closed))
        return self.tree("norm", children, opened)


#: Commands that never begin a factor (operators, closers).
_NOT_FACTORS = {"cdot", "times", "ast", "odot", "circ", "otimes", "colon", "top",
                "intercal", "rVert", "rvert", "boxtimes", "prime"}


def latex_expression_tree(text: str, start: int, names: set):
    """The syntax tree of the LaTeX formula text[start:]."""
    return LatexReader(text, start, names).read()


@bounded
def read_latex(text: str, symbols: Mapping | None = None) -> tuple:
    """(expression, names typed by their first letter), as `matcalc.parser.read`."""
    return read(text, symbols, expression=latex_expression_tree)


def parse_latex(text: str, symbols: Mapping | None = None):
    r"""Read a LaTeX formula (matcalc's own LaTeX, or a paper's) into a SymPy expression.

    symbols: as for `matcalc.parse`: name -> SymPy symbol or shape string. Declarations in
    matcalc's syntax may come first: "C: symmetric n x n; \log\det C".

    >>> from matcalc import parse_latex, text
    >>> text(parse_latex(r"\operatorname{tr}\left(X^{-1}\right) + \log\det X"))
    'log(det(X)) + tr(X⁻¹)'
    >>> text(parse_latex(r"\frac{1}{2} \lVert A x - b \rVert_2^2", {"b": "vector"}))
    '‖A x - b‖₂²/2'
    """
    return read_latex(text, symbols)[0]
