"""What `searcharc query` does, without Typer: shared by the Typer command and the fast path.

Imports stay inside the functions: this module is loaded on every start of the command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

SUGGEST_BELOW = 3  # hits under which did-you-mean suggestions are looked for


def index_path(option: Path | None) -> Path:
    """--index, else $SEARCHARC_INDEX, else ./index."""
    return option or Path(os.environ.get("SEARCHARC_INDEX") or "index")


def seeds_path() -> Path:
    """The seed articles: ./seeds, else the seeds/ beside the package (a source checkout)."""
    local = Path("seeds")
    return local if local.is_dir() else Path(__file__).resolve().parents[1] / "seeds"


def bidi_wanted(option: str | None) -> bool:
    """--bidi on, or $SEARCHARC_BIDI=1 when the option is not given."""
    return (option or ("on" if os.environ.get("SEARCHARC_BIDI") == "1" else "off")) == "on"


def use_color(color: str) -> bool:
    """--color auto (a terminal without NO_COLOR), always or never."""
    if color == "auto":
        return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return color == "always"


def rich_console():
    """A Rich console that styles even when stdout is not a terminal (for --color always)."""
    from rich.console import Console

    return Console(highlight=False, force_terminal=True)


def echo_err(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass(frozen=True, slots=True)
class QueryOptions:
    """The options of `searcharc query`, as the Typer command declares them."""

    text: str | None = None
    limit: int = 10
    match: str = "any"
    since: date | None = None
    until: date | None = None
    sort: str = "score"
    offset: int = 0
    page: int | None = None
    index: Path | None = None
    json_out: bool = False
    jsonl: bool = False
    ids: bool = False
    fields: str | None = None
    batch: Path | None = None
    output: Path | None = None
    run_tag: str = "searcharc"
    color: str = "auto"
    bidi: str | None = None


def query(o: QueryOptions) -> int:
    """Run one query (or a --batch file) and print it; the exit status: 0 found, 1 not."""
    from dataclasses import replace

    from searcharc import render
    from searcharc.errors import SearcharcError

    search_index = open_index(index_path(o.index))
    options = {"match": o.match, "since": o.since, "until": o.until, "sort": o.sort}
    if o.batch is not None:
        batch(search_index, o, options)
        return 0
    if not o.text or not o.text.strip():
        raise SearcharcError("nothing to search for: give a query (see searcharc query --help)")
    offset = (o.page - 1) * o.limit if o.page else o.offset
    result = search_index.search(o.text, limit=o.limit, offset=offset, **options)
    if result.total < SUGGEST_BELOW:
        result = replace(result, suggestions=search_index.suggest(o.text))
    chosen = [f.strip() for f in o.fields.split(",")] if o.fields else None
    if o.ids:
        print("\n".join(hit.id for hit in result.hits))
    elif o.jsonl:
        print("\n".join(render.to_json(render.hit_dict(h, chosen)) for h in result.hits))
    elif o.json_out:
        print(render.to_json(render.result_dict(result, chosen)))
    elif sys.stdout.isatty() and bidi_wanted(o.bidi):
        print(render.bidi_lines(render.plain_result(result, chosen)))
    elif use_color(o.color):
        render.print_rich_result(result, rich_console())
    else:
        print(render.plain_result(result, chosen))
    return 0 if result.hits else 1


def open_index(target: Path):
    """The index at ``target``; the first query builds it from the seeds (see open_or_build)."""
    from searcharc import index as store

    if store.exists(target):
        from searcharc.search import SearchIndex

        return SearchIndex.open(target)
    from searcharc.indexing import open_or_build

    return open_or_build(target, seeds_path(), notify=echo_err)


def batch(search_index, o: QueryOptions, options: dict) -> None:
    """Every query of a file in one process: a TREC run (or JSON lines) and its throughput."""
    import time

    from searcharc import render

    source = o.batch
    lines = (sys.stdin.read() if str(source) == "-" else _read_text(source)).splitlines()
    queries = [
        tuple(line.split("\t", 1)) if "\t" in line else (str(n), line)
        for n, line in enumerate(lines, 1)
        if line.strip()
    ]
    started = time.perf_counter()
    out = []
    for qid, text in queries:
        result = search_index.search(text, limit=o.limit, snippets=o.jsonl, **options)
        if o.jsonl:
            out.append(render.to_json({"qid": qid} | render.result_dict(result)))
        else:
            out += render.trec_lines(qid, result, o.run_tag)
    elapsed = time.perf_counter() - started
    data = "".join(line + "\n" for line in out)
    if o.output:
        o.output.write_text(data, "utf-8")
    else:
        sys.stdout.write(data)
    rate = len(queries) / elapsed if elapsed else 0.0
    echo_err(f"searcharc: {len(queries)} queries in {elapsed:.2f} s ({rate:,.0f} queries/s)")


def _read_text(path: Path) -> str:
    from searcharc.errors import SearcharcError

    try:
        return path.read_text("utf-8-sig")
    except OSError as exc:
        raise SearcharcError(f"{path}: {exc.strerror}") from None


def guarded(command: Callable[[], int | None]) -> int:
    """Run a command: one-line errors with exit status 2, never a traceback."""
    from searcharc.errors import SearcharcError

    try:
        return command() or 0
    except SearcharcError as exc:
        echo_err(f"searcharc: {exc}")
        return 2
    except KeyboardInterrupt:
        echo_err("searcharc: interrupted")
        return 130
    except Exception as exc:  # a bug: still one line, and a way to report it
        echo_err(f"searcharc: internal error: {type(exc).__name__}: {exc}")
        return 2
