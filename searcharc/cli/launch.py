"""The `searcharc` entry point, with a fast path for the most common command.

A `searcharc query …` whose arguments all parse plainly runs without loading Typer (about a
third of a cold start). The fast path reads the options of ``searcharc.options.QUERY``, from
which `searcharc.cli.app` makes the Typer command, by the same names and rules
(tests/test_startup.py checks them against Typer's declaration); anything else, including
every error and --help, goes to Typer. A single query run as the command ends the process as
soon as its output is out (``exit_at_once``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from searcharc.cli.commands import guarded, query
from searcharc.options import QUERY, Option, QueryOptions

# the flags of `searcharc query`, as ``searcharc.options`` declares them
QUERY_OPTIONS: dict[str, Option] = {o.flag: o for o in QUERY if o.flag}


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
    values: dict[str, object] = {}
    rest = iter(args[1:])
    try:
        for arg in rest:
            if not arg.startswith("-") or arg == "-":
                if "text" in values:
                    return None  # an extra argument: Typer's usage error
                values["text"] = arg
                continue
            name, has_value, inline = arg.partition("=")
            option = QUERY_OPTIONS.get(name)
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
    return QueryOptions(**values)


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
    """`searcharc`: the fast path for a plain query, else the Typer application."""
    options = parse_query_args(sys.argv[1:])
    if options is None:
        from searcharc.cli.app import main as typer_main

        typer_main()
        return
    light_cached_property()
    status = guarded(lambda: query(options))
    if options.batch is None and is_the_command():
        exit_at_once(status)
    sys.exit(status)


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
    before."""
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # ValueError: a stream already closed
        return
    os._exit(status)
