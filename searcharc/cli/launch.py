"""The `searcharc` entry point, with a fast path for the most common commands.

A `searcharc query …` (or `searcharc trend …`) whose arguments all parse plainly runs without
loading Typer (about a third of a cold start). The fast path reads the options of
``searcharc.options.QUERY`` (and ``TREND``), from which `searcharc.cli.app` makes the Typer
commands, by the same names and rules (tests/test_startup.py checks them against Typer's
declaration; tests/test_trend.py the trend's); anything else, including
every error and --help, goes to Typer. A single query run as the command ends the process as
soon as its output is out (``exit_at_once``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from searcharc import compiled_methods
from searcharc.cli.commands import guarded, query, trend
from searcharc.options import QUERY, TREND, Option, QueryOptions

# the flags of `searcharc query` and `searcharc trend`, as ``searcharc.options`` declares them
QUERY_OPTIONS: dict[str, Option] = {o.flag: o for o in QUERY if o.flag}
TREND_OPTIONS: dict[str, Option] = {o.flag: o for o in TREND if o.flag}


def convert(option: Option, text: str) -> object:
    """The option's value, or ValueError where Typer would report a usage error."""
    if option.kind in ("int", "float"):
        value = int(text) if option.kind == "int" else float(text)
        if option.minimum is not None and value < option.minimum:
            raise ValueError(text)
        return value
    if option.kind == "choice" and text not in option.choices:
        raise ValueError(text)
    return Path(text) if option.kind == "path" else text


def parse_query_args(args: list[str]) -> QueryOptions | None:
    """`query TEXT [OPTIONS]` read as Typer would, or None when Typer must read it."""
    if not args or args[0] != "query":
        return None
    values = read_args(args[1:], QUERY_OPTIONS, "text", many=False)
    return None if values is None else QueryOptions(**values)


def parse_trend_args(args: list[str]) -> dict[str, object] | None:
    """`trend QUERY… [OPTIONS]` read as Typer would (every option's value, defaults too), or
    None when Typer must read it."""
    if not args or args[0] != "trend":
        return None
    values = read_args(args[1:], TREND_OPTIONS, "queries", many=True)
    if not values or "queries" not in values:
        return None  # no query: Typer's message
    return {o.dest: o.default for o in TREND} | values


def read_args(
    args: list[str], declared: dict[str, Option], argument: str, many: bool
) -> dict[str, object] | None:
    """The options given (by ``declared`` flag) and the ``argument`` (a list when ``many``),
    or None when Typer must read them (--help, an unknown or repeated option, a bad value)."""
    values: dict[str, object] = {}
    rest = iter(args)
    try:
        for arg in rest:
            if not arg.startswith("-") or arg == "-":
                if many:
                    values.setdefault(argument, []).append(arg)
                    continue
                if argument in values:
                    return None  # an extra argument: Typer's usage error
                values[argument] = arg
                continue
            name, has_value, inline = arg.partition("=")
            option = declared.get(name)
            if option is None or option.dest in values:
                return None  # --help, unknown, or given twice: Typer's rules
            if option.kind == "flag":
                if has_value:
                    return None
                values[option.dest] = True
                continue
            value = inline if has_value else next(rest)
            if value.startswith("-") and value != "-":
                return None
            values[option.dest] = convert(option, value)
    except (StopIteration, ValueError):
        return None
    return values


def light_cached_property() -> None:
    """Give Whoosh the standard library's ``cached_property`` in place of the PyPI package's.

    Whoosh uses the package for one reader property, and the package imports asyncio (about
    15 ms of a cold query). Only this process's own command runs after it.
    """
    import functools
    import types

    module = types.ModuleType("cached_property")
    module.cached_property = functools.cached_property
    sys.modules.setdefault("cached_property", module)


def main() -> None:
    """`searcharc`: the fast path for a plain query or trend, else the Typer application."""
    options = parse_query_args(sys.argv[1:])
    trended = parse_trend_args(sys.argv[1:]) if options is None else None
    if trended is not None:
        light_cached_property()
        sys.exit(guarded(lambda: trend(**trended)))
    if options is None:
        from searcharc.cli.app import main as typer_main

        typer_main()
        return
    light_cached_property()
    once = options.batch is None and is_the_command()
    if once and options.cluster is None:
        without_collector()
    status = guarded(lambda: query(options))
    if once:
        exit_at_once(status)
    sys.exit(status)


def without_collector() -> None:
    """Turn Python's cycle collector off for a process that runs one query and ends (not on
    a cluster, whose client may count on it): it finds nothing to free there (the search
    stack's modules and classes live until the end, and a query's records are freed as their
    references go), yet scans them about 45 times, 6 ms of a cold query at 300,000 articles."""
    import gc

    gc.disable()


def is_the_command() -> bool:
    """Whether this process is `searcharc` itself (its console script, or python -m searcharc),
    not Python code that called ``main`` and expects its SystemExit."""
    entry = sys.modules.get("__main__")
    spec = getattr(entry, "__spec__", None)
    if spec is not None:
        return spec.name == "searcharc.__main__"
    return Path(getattr(entry, "__file__", None) or "").name == "searcharc"


def exit_at_once(status: int) -> None:
    """End the process with ``status`` once its output is out, without the interpreter's
    teardown, which frees every module and object one at a time: 12-16 ms of a cold query,
    after its answer is printed. Only for a single query: nothing is left to write or close
    (index files are read only) and no worker process to stop. When the output cannot be
    flushed (a closed pipe, a full disk) it returns, and the interpreter's exit says so as
    before. Dataclass methods compiled in this run are saved first (``compiled_methods``)."""
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # ValueError: a stream already closed
        return
    compiled_methods.save()  # what atexit would have saved (the first run after a change)
    os._exit(status)
