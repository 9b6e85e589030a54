"""The layout's rules, read from the source with ``ast``: no import cycle inside ``searcharc/``,
and Whoosh's private internals reached only inside the fence (``searcharc.whooshx``).

Each rule is also run on a copy of the package with a violation planted, and must fail there.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "searcharc"
FENCE = "searcharc.whooshx"
# Whoosh modules whose names only the fence imports: the codec, the file storage and the
# matchers' internals
FENCED_MODULES = ("whoosh.codec", "whoosh.filedb", "whoosh.matching")
ALLOWED = {"_exit"}  # os._exit: the standard library's, documented


def modules(root: Path) -> dict[str, ast.Module]:
    """Every module of the package at ``root`` by dotted name, parsed."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text("utf-8"), str(path))
    return found


def _is_package(name: str, root: Path) -> bool:
    return (root.parent / Path(*name.split(".")) / "__init__.py").is_file()


def imported(name: str, node: ast.Import | ast.ImportFrom, known: set[str], package: bool):
    """The package's modules an import statement of module ``name`` loads by name."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in known]
    base = node.module or ""
    if node.level:  # relative: from the module's package
        parts = name.split(".") if package else name.split(".")[:-1]
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join([*parts, base] if base else parts)
    found = []
    for alias in node.names:
        child = f"{base}.{alias.name}"
        if child in known:
            found.append(child)
        elif base in known:
            found.append(base)
    return found


def _lazy_reexports(tree: ast.Module) -> set[int]:
    """The import statements of the package root inside ``__getattr__`` or ``if TYPE_CHECKING``
    (its lazy re-exports)."""
    skipped = set()
    for node in tree.body:
        lazy = (isinstance(node, ast.FunctionDef) and node.name == "__getattr__") or (
            isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        )
        if lazy:
            skipped |= {id(n) for n in ast.walk(node)}
    return skipped


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports: every import statement, at module level,
    inside functions and under TYPE_CHECKING alike (the package root's lazy re-exports aside)."""
    trees = modules(root)
    known = set(trees)
    graph: dict[str, set[str]] = {name: set() for name in trees}
    for name, tree in trees.items():
        skipped = _lazy_reexports(tree) if name == root.name else set()
        package = _is_package(name, root)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skipped:
                graph[name] |= set(imported(name, node, known, package)) - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name != "_"


def defined_names(trees: dict[str, ast.Module]) -> set[str]:
    """The underscore names these modules define: functions, classes, variables, attributes
    assigned (``self._x = ...``)."""
    found = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
            elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Store):
                found.add(node.id if isinstance(node, ast.Name) else node.attr)
    return {name for name in found if _private(name)}


def _whoosh_names(tree: ast.Module) -> set[str]:
    """The names a module binds to Whoosh's modules or to what it imports from them."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "whoosh":
            found |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {
                (alias.asname or alias.name).split(".")[0]
                for alias in node.names
                if alias.name.split(".")[0] == "whoosh"
            }
    return found


def _fenced_import(node: ast.AST) -> str | None:
    """The fenced Whoosh module (or private Whoosh name) an import statement reaches."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "whoosh":
        if any(_private(alias.name) for alias in node.names):
            return f"from {node.module} import a private name"
        names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    else:
        return None
    for name in names:
        if any(name == m or name.startswith(m + ".") for m in FENCED_MODULES):
            return name
    return None


def fence_breaches(root: Path) -> list[str]:
    """Where code outside the fence imports a fenced Whoosh module or a private Whoosh name,
    reaches an underscore attribute that searcharc does not define itself (outside the fence),
    or subclasses a Whoosh class with a private hook."""
    trees = modules(root)
    outside = {n: t for n, t in trees.items() if n != FENCE and not n.startswith(FENCE + ".")}
    own = defined_names(outside) | ALLOWED
    found = []
    for name, tree in outside.items():
        whoosh = _whoosh_names(tree)
        for node in ast.walk(tree):
            where = f"{name}:{getattr(node, 'lineno', 0)}"
            reached = _fenced_import(node)
            if reached:
                found.append(f"{where} imports {reached}")
            if isinstance(node, ast.Attribute) and _private(node.attr) and node.attr not in own:
                found.append(f"{where} reaches {node.attr}")
            if isinstance(node, ast.ClassDef) and _whoosh_bases(node, whoosh):
                hooks = [
                    f.name
                    for f in node.body
                    if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(f.name)
                ]
                found += [f"{where} overrides Whoosh's {hook}" for hook in hooks]
    return found


def _whoosh_bases(node: ast.ClassDef, whoosh: set[str]) -> bool:
    """Whether a class derives from a Whoosh class (a base named by a Whoosh import)."""
    for base in node.bases:
        first = base
        while isinstance(first, ast.Attribute):
            first = first.value
        if isinstance(first, ast.Name) and first.id in whoosh:
            return True
    return False


def private_imports(root: Path) -> list[str]:
    """Where a module imports another module's private (underscore) name."""
    trees = modules(root)
    found = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("searcharc"):
                private = [alias.name for alias in node.names if _private(alias.name)]
                found += [f"{name}:{node.lineno} imports {node.module}.{p}" for p in private]
    return found


def test_no_import_cycle_inside_searcharc():
    assert cycles(import_graph(PACKAGE)) == []


def test_whoosh_internals_only_inside_the_fence():
    assert (PACKAGE / "whooshx" / "__init__.py").is_file()
    assert fence_breaches(PACKAGE) == []


def test_no_module_imports_another_modules_private_names():
    assert private_imports(PACKAGE) == []


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the package, to plant violations in."""
    target = tmp_path / "searcharc"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "data"))
    return target


def _append(path: Path, code: str) -> None:
    path.write_text(path.read_text("utf-8") + "\n" + code + "\n", "utf-8")


PLANTED_CYCLES = {
    "inside a function": "def _late():\n    from searcharc.search import searcher  # noqa\n",
    "under TYPE_CHECKING": "if TYPE_CHECKING:\n    from searcharc.search.searcher import Page\n",
    "at module level": "import searcharc.search.searcher\n",
}


@pytest.mark.slow  # each parses a copy of the whole package
@pytest.mark.parametrize("code", PLANTED_CYCLES.values(), ids=PLANTED_CYCLES)
def test_a_planted_cycle_is_found(copy: Path, code: str):
    assert cycles(import_graph(copy)) == []
    _append(copy / "search" / "ranking.py", code)  # searcher imports ranking
    assert any("searcharc.search.ranking" in c for c in cycles(import_graph(copy)))


PLANTED_BREACHES = {
    "a private attribute": "def _peek(reader):\n    return reader._perdoc\n",
    "the codec": "from whoosh.codec.whoosh3 import W3Codec  # noqa\n",
    "the matchers": "from whoosh import matching  # noqa\n",
    "the file storage": "import whoosh.filedb.filestore  # noqa\n",
    "a private hook": (
        "from whoosh.query import Or as _Or\n\n\n"
        "class _Hooked(_Or):\n    def _matcher(self, subs, searcher, context):\n"
        "        return None\n"
    ),
}


@pytest.mark.slow  # each parses a copy of the whole package
@pytest.mark.parametrize("code", PLANTED_BREACHES.values(), ids=PLANTED_BREACHES)
def test_a_planted_breach_of_the_fence_is_found(copy: Path, code: str):
    assert fence_breaches(copy) == []
    _append(copy / "search" / "ranking.py", code)
    assert any(b.startswith("searcharc.search.ranking:") for b in fence_breaches(copy))


@pytest.mark.slow  # each parses a copy of the whole package
def test_a_planted_private_import_is_found(copy: Path):
    _append(copy / "search" / "ranking.py", "from searcharc.analysis.stem import _cut  # noqa")
    assert private_imports(copy) != []


def test_every_backend_implements_the_whole_interface():
    """The facade may call any method of ``Backend`` on any backend."""
    from searcharc.search.backend import Backend
    from searcharc.search.local import LocalIndex
    from searcharc.search.shards import ShardedIndex

    methods = {n for n, m in vars(Backend).items() if callable(m) and not n.startswith("__")}
    assert {"read", "page", "writer", "close"} <= methods  # the measurement works
    for backend in (LocalIndex, ShardedIndex):
        assert {n for n in methods if getattr(backend, n) is getattr(Backend, n)} == set()


MODULE_LINES, FUNCTION_LINES = 400, 50
# Typer commands declare their options in the signature: index_command's body is 35 lines
DECLARATIONS = {"searcharc/cli/app.py:index_command"}


def oversized(root: Path) -> list[str]:
    """Modules over MODULE_LINES lines and functions over FUNCTION_LINES, outside DECLARATIONS."""
    found = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(root.parent).as_posix()
        if source.count("\n") > MODULE_LINES:
            found.append(f"{name}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > FUNCTION_LINES and f"{name}:{node.name}" not in DECLARATIONS:
                    found.append(f"{name}:{node.name}: {lines} lines")
    return found


def test_no_module_or_function_over_its_size():
    assert oversized(PACKAGE) == []


@pytest.mark.slow  # each parses a copy of the whole package
def test_an_oversized_function_is_found(copy: Path):
    body = "".join(f"    x{n} = {n}\n" for n in range(FUNCTION_LINES))
    _append(copy / "records.py", f"def planted():\n{body}")
    assert oversized(copy) == [f"searcharc/records.py:planted: {FUNCTION_LINES + 1} lines"]
