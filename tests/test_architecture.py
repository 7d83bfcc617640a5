"""The layout rules of ../shared/STYLE.md, read off the code: no import cycles, layers
import only downwards, no module shadowed by a public function, no module past ~600 lines.
The import graph includes imports inside functions: a lazy import is still a dependency.
"""

import ast
import pathlib

import matcalc

PACKAGE = pathlib.Path(matcalc.__file__).parent


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str) -> set:
    """The matcalc modules `name` imports (anywhere in it)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        found |= {c for c in candidates if c in MODULES and c != name}
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "matcalc"


def test_there_are_no_import_cycles():
    """Tarjan's strongly connected components of the import graph, packages' __init__
    files left out (a package re-exporting its modules is no cycle of meaning)."""
    graph = {n: {m for m in deps if MODULES[m].name != "__init__.py"}
             for n, deps in GRAPH.items() if MODULES[n].name != "__init__.py"}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


#: What each layer may import (besides itself). core is the ground; the engines import
#: core; ops register into the engines; printers, code, parser and the front ends read.
ALLOWED = {
    "core": set(),
    "calculus": {"core", "rewrite"},
    "rewrite": {"core"},
    "numeric": {"core", "calculus"},
    "code": {"core", "calculus"},
    "ops": {"core", "calculus", "code", "numeric"},
    "printing": {"core", "calculus", "numeric"},
    "dimensions": set(),
    "builder": {"core", "dimensions"},
    "parser": {"core", "builder"},
    "latex_reader": {"core", "builder", "parser"},
}


def test_layers_import_only_what_they_may():
    for name, deps in GRAPH.items():
        layer = _layer(name)
        if layer not in ALLOWED or MODULES[name].name == "__init__.py":
            continue
        for dep in deps:
            assert _layer(dep) in ALLOWED[layer] | {layer}, f"{name} imports {dep}"


def test_code_generation_never_imports_the_derivative_api():
    for name, deps in GRAPH.items():
        if _layer(name) == "code":
            assert not deps & {"matcalc.calculus.gradients", "matcalc.calculus.steps"}, name


def test_nothing_imports_the_command_line_or_the_printers_back():
    front = {"matcalc.cli", "matcalc.shell", "matcalc.queries", "matcalc.__main__"}
    for name, deps in GRAPH.items():
        if name in front or name == "matcalc":
            continue
        assert not deps & front, f"{name} imports {deps & front}"
        if _layer(name) not in ("printing", "matcalc"):
            assert not {d for d in deps if _layer(d) == "printing"}, f"{name} imports a printer"


def test_no_module_shares_a_name_with_a_public_function():
    public = {n for n in matcalc.__all__ if callable(getattr(matcalc, n))}
    clashes = {name for name in MODULES if name.rpartition(".")[2] in public}
    assert not clashes, clashes


def test_no_module_is_much_longer_than_600_lines():
    long = {name: n for name, p in MODULES.items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 620}
    assert not long, long


def test_no_monkeypatching_of_sympy_classes():
    """matcalc's nodes print in SymPy's latex() through their own _latex method (a class
    of matcalc's), never by assigning methods to classes after the fact."""
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    assert not (isinstance(target, ast.Attribute) and
                                isinstance(target.value, ast.Name) and
                                target.value.id[:1].isupper() and target.attr.startswith("_")
                                and name != "matcalc.core.errors"), (name, ast.unparse(node))
