"""What `searcharc query` and `searcharc trend` do, without Typer: shared by the Typer commands
and the fast path.

Imports stay inside the functions: this module is loaded on every start of the command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from searcharc.options import QueryOptions, filters, first_hit, search


def index_path(option: Path | None) -> Path:
    """--index, else $SEARCHARC_INDEX, else ./index."""
    return option or Path(os.environ.get("SEARCHARC_INDEX") or "index")


def seeds_path() -> Path:
    """The seed articles: ./seeds, else the seeds/ beside the package (a source checkout)."""
    local = Path("seeds")
    return local if local.is_dir() else Path(__file__).resolve().parents[2] / "seeds"


def bidi_wanted(option: str | None) -> bool:
    """--bidi on, or $SEARCHARC_BIDI=1 when the option is not given."""
    return option == "on" or (option is None and os.environ.get("SEARCHARC_BIDI") == "1")


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


def parse_fields(text: str | None) -> list[str] | None:
    """--fields id,title,…: hit fields, each one known."""
    from searcharc.errors import SearcharcError
    from searcharc.records import HIT_FIELDS

    if text is None:
        return None
    chosen = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in HIT_FIELDS]
    if unknown or not chosen:
        raise SearcharcError(f"--fields: choose among {','.join(HIT_FIELDS)}, not {text!r}")
    return chosen


def one_format(**chosen: bool) -> None:
    """At most one of the output formats."""
    from searcharc.errors import SearcharcError

    given = [f"--{name}" for name, on in chosen.items() if on]
    if len(given) > 1:
        raise SearcharcError(f"choose one output format, not {' and '.join(given)}")


def query(o: QueryOptions) -> int:
    """Run one query (or a --batch file) and print it; the exit status: 0 found, 1 not."""
    from searcharc import jsonout
    from searcharc.cli import render
    from searcharc.errors import SearcharcError

    one_format(json=o.json_out, jsonl=o.jsonl, ids=o.ids)
    if (o.text is None) == (o.batch is None):
        raise SearcharcError("give a query, or --batch FILE (see searcharc query --help)")
    if o.page is not None and o.offset:
        raise SearcharcError("give --page or --offset, not both")
    chosen = parse_fields(o.fields)
    options = filters(o) | {"offset": first_hit(o)}  # --batch: each query's first hit
    if o.batch is not None and (o.json_out or o.ids or chosen):
        raise SearcharcError("--batch writes a TREC run, or JSON lines with --jsonl")
    # a one-shot query searches shards one by one: starting worker processes costs more
    parallel = o.batch is not None
    search_index = open_for(o.index, o.cluster, o.shard_timeout, o.allow_partial, parallel)
    if o.batch is not None:
        return batch(search_index, o, options)
    result = search(search_index, o)
    if o.ids:
        print_lines(hit.id for hit in result.hits)
    elif o.jsonl:
        print_lines(jsonout.to_json(jsonout.hit_dict(h, chosen)) for h in result.hits)
    elif o.json_out:
        print(jsonout.to_json(jsonout.result_dict(result, chosen)))
    elif sys.stdout.isatty() and bidi_wanted(o.bidi):
        print(render.bidi_lines(render.plain_result(result, chosen)))
    elif use_color(o.color) and not chosen:  # --fields: the plain columns, on a terminal too
        render.print_rich_result(result, rich_console())
    else:
        print(render.plain_result(result, chosen))
    return 0 if result.hits else 1


def trend(
    queries: list[str] | None,
    by: str,
    since: str | None,
    until: str | None,
    source: str | None,
    relative: bool,
    match: str,
    months: str,
    index,
    json_out: bool,
    csv: bool,
    color: str,
    bidi: str | None,
) -> int:
    """`searcharc trend`: count, then print; the exit status: 0 something matched, 1 nothing."""
    from searcharc import jsonout
    from searcharc.cli import chart
    from searcharc.errors import SearcharcError
    from searcharc.options import parse_date

    one_format(json=json_out, csv=csv)
    if not queries:
        raise SearcharcError("give one query or more (see searcharc trend --help)")
    first, last = parse_date(since), parse_date(until)
    found = open_index(index_path(index), parallel=len(queries) > 1).trend(
        queries, by=by, since=first, until=last, source=source, relative=relative, match=match
    )
    if json_out:
        print(jsonout.to_json(jsonout.trend_dict(found)))
    elif csv:
        sys.stdout.write(chart.csv_text(found))
    elif use_color(color):
        visual = sys.stdout.isatty() and bidi_wanted(bidi)
        chart.print_chart(found, rich_console(), months, visual_order if visual else str)
    else:
        print(chart.plain(found))
    return 0 if any(s.total for s in found.series) else 1


def visual_order(text: str) -> str:
    """Arabic in visual order, for terminals that do not lay it out (--bidi on)."""
    from bidi import get_display

    return get_display(text)


def open_index(target: Path, parallel: bool = True):
    """The index at ``target``; the first query builds it from the seeds (see open_or_build)."""
    from searcharc.search.searcher import open_or_build

    return open_or_build(target, seeds_path(), notify=echo_err, parallel=parallel)


def open_for(
    index: Path | None,
    cluster: str | None,
    shard_timeout: float,
    allow_partial: bool,
    parallel: bool = True,
):
    """The index a command reads: on the Ray cluster of --cluster (by its name), else in the
    folder of --index (its shards in worker processes when ``parallel``)."""
    if cluster is None:
        return open_index(index_path(index), parallel)
    from searcharc.cluster import keep_output_clean
    from searcharc.search.searcher import SearchIndex

    keep_output_clean()
    return SearchIndex.connect(cluster, cluster_name(index), shard_timeout, allow_partial)


def cluster_name(option: Path | None) -> str:
    """--index with --cluster: the index's name there (its folder on each node)."""
    from searcharc.errors import SearcharcError

    name = str(option or "index")
    if "/" in name or name in (".", ".."):
        raise SearcharcError(f"--index with --cluster is the index's name there, not {name!r}")
    return name


def cluster_index(
    paths: list[str], address: str, index: Path | None, options, replicas: int | None, progress
):
    """`searcharc index --cluster`: the run (replicas left behind named on stderr)."""
    from searcharc.cluster import require_ray

    require_ray()
    from searcharc.cluster import remote

    name = cluster_name(index)
    run, lagging = remote.index(paths, address, name, options, replicas, progress)
    for line in lagging:
        echo_err(f"searcharc: not copied yet (the next run copies it): {line}")
    return run


def cluster_remove(address: str, index: Path | None, ids: list[str]) -> list[str]:
    """`searcharc remove --cluster`: the ids not in the index."""
    from searcharc.cluster import require_ray

    require_ray()
    from searcharc.cluster import remote

    missing, lagging = remote.remove(address, cluster_name(index), ids, 30.0)
    for line in lagging:
        echo_err(f"searcharc: not copied yet (the next run copies it): {line}")
    return missing


def print_lines(lines: Iterable[str]) -> None:
    """One line each, and nothing at all (not an empty line) when there are none."""
    sys.stdout.write("".join(line + "\n" for line in lines))


def batch(search_index, o: QueryOptions, options: dict) -> int:
    """Every query of a file in one process: a TREC run (or JSON lines) and its throughput.

    Exit status: 2 if a query could not be read (named on stderr), else 0 if any hit, else 1.
    """
    from contextlib import nullcontext
    from time import perf_counter

    from searcharc.cli import batch as batches
    from searcharc.errors import SearcharcError

    source, output = o.batch, o.output
    text = read_text(source)
    queries = batches.read_queries(text)
    answers = batches.answer_all(
        search_index, queries, o.limit, snippets=o.jsonl, suggest=False, **options
    )
    started = perf_counter()
    found = failed = 0
    try:
        with output.open("w", encoding="utf-8") if output else nullcontext(sys.stdout) as out:
            for answer in answers:
                if answer.result is None:
                    echo_err(f"searcharc: query {answer.qid}: {answer.error}")
                    failed += 1
                    continue
                found += bool(answer.result.hits)
                out.write("".join(line + "\n" for line in batch_lines(answer, o.jsonl, o.run_tag)))
    except BrokenPipeError:
        raise  # the reader went away (| head): ``guarded`` stops quietly
    except OSError as exc:
        raise SearcharcError(f"{exc.filename or output}: {exc.strerror}") from None
    elapsed = perf_counter() - started
    rate = len(queries) / elapsed if elapsed else 0.0
    echo_err(f"searcharc: {len(queries)} queries in {elapsed:.2f} s ({rate:,.0f} queries/s)")
    return 2 if failed else 0 if found else 1


def batch_lines(answer, jsonl: bool, tag: str) -> list[str]:
    """One answer as a JSON line (with its qid), or as TREC run lines."""
    from searcharc import jsonout
    from searcharc.evaluate import trec_lines

    if jsonl:
        return [jsonout.to_json({"qid": answer.qid} | jsonout.result_dict(answer.result))]
    return list(trec_lines({answer.qid: [(h.id, h.score) for h in answer.result.hits]}, tag))


def read_text(path: Path) -> str:
    """A UTF-8 text file, or standard input for ``-`` (a BOM allowed), or a one-line error."""
    from searcharc.errors import SearcharcError

    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
        return data.decode("utf-8-sig")
    except OSError as exc:
        raise SearcharcError(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SearcharcError(f"{path}: not UTF-8 text (byte {exc.start})") from None


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
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as grep does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except PermissionError as exc:  # a file of the index this user may not open
        echo_err(f"searcharc: {exc.filename or 'a file'}: permission denied")
        return 2
    except Exception as exc:  # a bug: still one line, and a way to report it
        echo_err(f"searcharc: internal error: {type(exc).__name__}: {exc}")
        return 2
