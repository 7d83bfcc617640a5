"""Names are data, never code: the identifiers and string literals of generated code, and
the check that a generated module is nothing but its imports and functions.

Contract: a `Namespace` gives out each identifier of a module once — Python's keywords and
builtins, the imports, helpers, the check's parameters and locals (FIXED_NAMES) are taken
first, then each symbol gets its own name when that is a plain ASCII identifier still free,
else a spelling of it (float → float_, λ → lamda, else argN), then temporaries are drawn per
function — so a user's name can neither shadow what the code refers to nor meet a
temporary. `python_literal` makes every string in generated code, so no text ends a
literal. `check_module` raises (a bug in matcalc) unless a module is what its writer meant.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import threading
import unicodedata

#: The modules generated code may import, by the name it binds them to.
MODULE_ALIASES = ("np", "jnp", "jax", "torch", "math")
#: The module-level helper functions a backend may define.
HELPER_NAMES = ("_sigmoid", "_softplus", "_power", "_commutation", "_project")
#: The keyword parameters and the locals of check_{name}_and_grad.
CHECK_PARAMETERS = ("eps", "seed")
CHECK_LOCALS = ("_", "_V", "_G", "exact", "numeric")

#: Python's builtins; `_` is bound to the last value in a REPL, but is no builtin.
PYTHON_BUILTINS = frozenset(dir(builtins)) - {"_"}

#: Every name generated code may use with a fixed meaning, and what it is.
FIXED_NAMES = {
    **{w: "a Python keyword" for w in keyword.kwlist + keyword.softkwlist},
    **{b: "a Python builtin" for b in sorted(PYTHON_BUILTINS)},
    **{m: "a module generated code imports" for m in MODULE_ALIASES},
    **{h: "a helper function of generated code" for h in HELPER_NAMES},
    **{p: "a parameter of the generated check" for p in CHECK_PARAMETERS},
    **{v: "a local of the generated check" for v in CHECK_LOCALS},
}

#: Spelled-out identifiers longer than this give way to argN / dimN.
MAX_SPELLED_IDENTIFIER = 32


def python_literal(text: str, *, triple: bool = False) -> str:
    """text as a Python string literal whose value is text: "…", or \"\"\"…\"\"\" keeping
    newlines (docstrings). Backslashes and double quotes are escaped, and so is every character
    that is not printable (NUL, CR, tab, U+2028, bidi controls, lone surrogates…): no text can
    end the literal, the line or the docstring. Every string in generated code is made here.

    >>> from matcalc.code.names import python_literal
    >>> print(python_literal('say "hi"' + chr(10) + 'ok'))
    "say \\"hi\\"\\nok"
    """
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch.isprintable() or (triple and ch == "\n"):
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape", "backslashreplace").decode("ascii"))
    quote = '"""' if triple else '"'
    return quote + "".join(out) + quote


def python_fstring(text: str, field: str) -> str:
    """The f-string f"<text>{field}": text as by `python_literal` (braces doubled), field an
    expression of identifiers, dots and calls."""
    assert re.fullmatch(r"[A-Za-z_][\w.()]*", field), field
    return "f" + python_literal(text.replace("{", "{{").replace("}", "}}") + "{" + field + "}")


def spelled_identifier(name: str) -> str:
    """An ASCII identifier spelling name as nearly as it can ("" when none is left): accents
    drop (é → e, ｘ → x), other letters are spelled by their Unicode name (Σ → Sigma,
    λ → lamda), anything else is an underscore."""
    parts = []
    for ch in name:
        if ch.isascii():
            parts.append(ch if ch.isalnum() or ch == "_" else "_")
            continue
        plain = re.sub(r"\W", "_", unicodedata.normalize("NFKD", ch).encode("ascii", "ignore")
                       .decode("ascii"))
        spelled = unicodedata.name(ch, "")
        if plain.strip("_"):
            parts.append(plain)
        elif ch.isalpha() and " LETTER " in spelled:
            word = re.sub(r"\W", "_", spelled.rsplit(" ", 1)[-1].lower())  # A-1 → a_1
            parts.append("_" + (word.capitalize() if ch.isupper() else word) + "_")
        else:
            parts.append("_")
    out = re.sub(r"_+", "_", "".join(parts)).strip("_")
    if not out or out[0].isdigit() or len(out) > MAX_SPELLED_IDENTIFIER:
        return ""
    return out


class Namespace:
    """The identifiers of one generated module, each given out once.

    A module's namespace starts with FIXED_NAMES and the generated functions' names; the
    user's names (arguments, then dimensions) are added next; each function draws its
    temporaries (t0, inv_X, slogdet_X…) from a `scope()`, which sees all of these. Since a
    name is given out once, a user name can neither shadow what the code refers to nor meet
    a temporary, whatever it is.
    """

    def __init__(self, taken=(), parent: Namespace | None = None):
        self.parent = parent
        self.given: set[str] = set(taken)
        self.next_temporary = 0

    def taken(self, name: str) -> bool:
        return name in self.given or (self.parent is not None and self.parent.taken(name))

    def fresh(self, base: str) -> str:
        """base (an ASCII identifier), or base with "_" appended until it is free."""
        name = base
        while self.taken(name):
            name += "_"
        self.given.add(name)
        return name

    def temporary(self) -> str:
        """The first free t0, t1, …"""
        while self.taken(f"t{self.next_temporary}"):
            self.next_temporary += 1
        return self.fresh(f"t{self.next_temporary}")

    def identifier(self, name: str, fallback: str) -> str:
        """The identifier for a user's name: the name itself when it is a plain ASCII
        identifier nobody has, else its spelling (`spelled_identifier`) or fallback."""
        plain = name.isascii() and name.isidentifier()
        return self.fresh(name if plain else spelled_identifier(name) or fallback)

    def scope(self) -> Namespace:
        """A namespace for one function's locals, inside this one."""
        return Namespace(parent=self)


#: The statements of generated functions and helpers (an Expr only as the docstring).
_STATEMENTS = (ast.Expr, ast.Assign, ast.AugAssign, ast.Assert, ast.If, ast.Raise,
               ast.Return)
#: Nodes that would define, import, or bind a name out of the namespace's sight.
_FORBIDDEN = (ast.Lambda, ast.NamedExpr, ast.comprehension, ast.Await, ast.Yield,
              ast.YieldFrom)


#: CPython 3.11 keeps the AST constructor's recursion depth in interpreter-wide state, so
#: ast.parse in two threads at once can fail with "SystemError: AST constructor recursion
#: depth mismatch" (python/cpython#106905): matcalc parses one module at a time.
_AST_LOCK = threading.Lock()


def _parsed(source: str) -> ast.Module:
    with _AST_LOCK:
        return ast.parse(source)


def _updates_a_temporary(target, temporaries) -> bool:
    """target is t.flat[…] for a temporary t of the function (never a parameter: the
    caller's array is not changed)."""
    return isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute) \
        and target.value.attr == "flat" and isinstance(target.value.value, ast.Name) \
        and target.value.value.id in temporaries


def check_module(source: str, writer) -> None:
    """Raise AssertionError (a bug in matcalc) unless source is the module the writer (a
    matcalc.code.module.ModuleWriter) meant:
    the backend's imports, then undecorated `def`s of exactly the helpers and functions
    written, in order, made of assignments (and t.flat[…] += d to a temporary t), asserts,
    ifs, raises, returns and one leading docstring. In each written function the parameters are as
    written, every name stored is a parameter or a name its scope gave out, every name read
    is one of those, an import, a function of the module or a builtin, and no parameter or
    local is one of the latter."""
    def fail(what):
        raise AssertionError(f"matcalc wrote a module that {what}; this is a bug in matcalc")

    tree, imports = _parsed(source), _parsed(writer.imports()).body
    if [ast.dump(s) for s in tree.body[:len(imports)]] != [ast.dump(s) for s in imports]:
        fail("does not start with its imports")
    defs = tree.body[len(imports):]
    expected = writer.helper_order + list(writer.written)
    if [getattr(d, "name", None) if isinstance(d, ast.FunctionDef) else None
            for d in defs] != expected:
        fail(f"does not define exactly {', '.join(expected)}")
    module_names = {a.asname or a.name for s in imports for a in s.names} | set(expected)
    for d in defs:
        a = d.args
        if d.decorator_list or d.returns or a.vararg or a.kwarg or a.kwonlyargs or \
                a.posonlyargs:
            fail(f"gives {d.name} decorators, annotations or special parameters")
        own = readable = None
        if d.name in writer.written:
            params, bound = writer.written[d.name]
            if [p.arg for p in a.args] != params:
                fail(f"gives {d.name} parameters other than {', '.join(params)}")
            own = set(params) | bound
            if own & (module_names | PYTHON_BUILTINS):
                fail(f"shadows {', '.join(sorted(own & (module_names | PYTHON_BUILTINS)))} "
                     f"in {d.name}")
            readable = own | module_names | PYTHON_BUILTINS
        for node in ast.walk(d):
            if node is d:
                continue
            if isinstance(node, ast.stmt) and not isinstance(node, _STATEMENTS) or \
                    isinstance(node, _FORBIDDEN) or isinstance(node, ast.Expr) and not (
                        node is d.body[0] and isinstance(node.value, ast.Constant)
                        and isinstance(node.value.value, str)):
                fail(f"has a {type(node).__name__} in {d.name}")
            if isinstance(node, ast.AugAssign) and not (
                    own is not None and _updates_a_temporary(node.target, own - set(params))):
                fail(f"updates something other than a temporary's .flat in {d.name}")
            if own is not None and isinstance(node, ast.Name) and node.id not in (
                    own if isinstance(node.ctx, ast.Store) else readable):
                fail(f"uses the name {node.id} in {d.name}")
