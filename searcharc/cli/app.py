"""The `searcharc` command: a thin Typer layer over ``searcharc.SearchIndex``.

Heavy modules (Whoosh, Rich) are imported inside the commands that need them, so that
`searcharc --help` and `--version` start fast.
"""

from __future__ import annotations

import re
import sys
from typing import Annotated

import typer

from searcharc import __version__, jsonout
from searcharc.cli import declare, trend
from searcharc.cli.check import check_command
from searcharc.cli.cluster import cluster_app
from searcharc.cli.commands import (
    echo_err,
    guarded,
    index_path,
    rich_console,
    seeds_path,
    use_color,
)
from searcharc.cli.embed import embed_command
from searcharc.cli.evaluation import eval_command
from searcharc.cli.serve import serve_command
from searcharc.errors import SearcharcError
from searcharc.options import OPTIONS, QUERY, QueryOptions

app = typer.Typer(
    name="searcharc",
    help="Arabic-aware full-text search for news archives.",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


IndexOption = declare.annotated(OPTIONS["index"])
ClusterOption = declare.annotated(OPTIONS["cluster"])
ShardTimeoutOption = declare.annotated(OPTIONS["shard_timeout"])
AllowPartialOption = declare.annotated(OPTIONS["allow_partial"])
ColorOption = declare.annotated(OPTIONS["color"])
JsonOption = declare.annotated(OPTIONS["json_out"])
COLOR_DEFAULT = declare.default(OPTIONS["color"])


def _version(value: bool) -> None:
    if value:
        print(f"searcharc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Arabic-aware full-text search for news archives."""


SIZE_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9}
SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")


def parse_size(text: str, option: str = "--max-size") -> int:
    """A size with its unit, in any case (500KB, 50MB, 1GB, 200B) → bytes."""
    found = SIZE.fullmatch(text.strip().lower())
    if not found or found.group(2) not in SIZE_UNITS:
        raise SearcharcError(f"{option} takes a unit (B, KB, MB or GB), e.g. 50MB: not {text!r}")
    return int(float(found.group(1)) * SIZE_UNITS[found.group(2)])


@app.command("index")
def index_command(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Files, folders, .zip archives, or - for stdin [default: seeds/]."),
    ] = None,
    index: IndexOption = None,
    rebuild: Annotated[bool, typer.Option(help="Start from an empty index.")] = False,
    prune: Annotated[bool, typer.Option(help="Remove articles whose input is gone.")] = False,
    include: Annotated[
        list[str] | None, typer.Option(help="Only files matching this glob (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Skip files matching this glob (repeatable).")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Force an encoding (e.g. cp1256) instead of detecting.")
    ] = None,
    max_size: Annotated[
        str, typer.Option(help="Skip an article (record, file, zip member) larger than this.")
    ] = "50MB",
    jobs: Annotated[
        int,
        typer.Option(
            min=0,
            help="2: a worker process analyzes and encodes (more count as 2); "
            "0: 2 for inputs of 4 MB or more on a machine with 2 CPUs, else 1.",
        ),
    ] = 0,
    lock_timeout: Annotated[
        float, typer.Option(min=0, help="Seconds to wait for another index run.")
    ] = 30.0,
    memory: Annotated[
        str,
        typer.Option(help="Postings held before they are written as a segment (e.g. 512MB)."),
    ] = "256MB",
    optimize: Annotated[
        bool, typer.Option(help="Merge all segments into one (faster queries, a longer run).")
    ] = False,
    shards: Annotated[
        int | None,
        typer.Option(min=1, help="A new index in N shards, searched in parallel [default: 1]."),
    ] = None,
    cluster: Annotated[str | None, typer.Option(help="Into the Ray cluster at HOST:PORT.")] = None,
    replicas: Annotated[
        int | None, typer.Option(min=1, help="With --cluster: copies of each shard [default: 2].")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress, no warnings.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List skipped inputs.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Build or update the index: new articles added, changed ones replaced, the rest skipped.
    With --cluster, --index names the index there (its folder on each node).

    Exit 0 when every input was indexed or unchanged, 1 when some were skipped, 2 on error.
    """
    from searcharc.cli import render
    from searcharc.cli.commands import cluster_index
    from searcharc.index.indexing import IndexOptions, run_index
    from searcharc.ingest import Selection

    if encoding:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise SearcharcError(f"--encoding: unknown encoding {encoding!r}") from None
    target = index_path(index)
    options = IndexOptions(
        rebuild=rebuild,
        prune=prune,
        selection=Selection(tuple(include or ()), tuple(exclude or ()), parse_size(max_size)),
        encoding=encoding,
        jobs=jobs,
        lock_timeout=lock_timeout,
        memory=parse_size(memory, "--memory"),
        optimize=optimize,
        shards=shards,
    )
    progress = render.ConsoleProgress(bar=not quiet and sys.stderr.isatty(), warn=not quiet)
    with progress:
        if cluster is None:
            run = run_index(paths or [str(seeds_path())], target, options, progress)
        else:
            target = f"{index or 'index'} on {cluster}"
            inputs = paths or [str(seeds_path())]
            run = cluster_index(inputs, cluster, index, options, replicas, progress)
    if json_out:
        print(jsonout.to_json(run.as_dict()))
    elif not quiet or run.interrupted:
        echo_err(render.plain_index_summary(run, target, verbose))
    raise typer.Exit(130 if run.interrupted else run.exit_status)


@app.command("remove")
def remove_command(
    ids: Annotated[list[str], typer.Argument(help="Ids of the articles to remove.")],
    index: IndexOption = None,
    cluster: Annotated[str | None, typer.Option(help="On the Ray cluster at HOST:PORT.")] = None,
) -> None:
    """Remove articles by id (exit 1 if some were not in the index)."""
    from searcharc.cli.commands import cluster_remove
    from searcharc.search.searcher import SearchIndex

    if cluster is not None:
        missing = cluster_remove(cluster, index, ids)
    else:
        missing = SearchIndex.open(index_path(index)).remove(ids)
    for article_id in missing:
        echo_err(f"searcharc: not in the index: {article_id}")
    echo_err(f"removed {len(ids) - len(missing)} of {len(ids)}")
    raise typer.Exit(1 if missing else 0)


def _article_or_exit(search_index, article_id: str):
    """The article with this id; exit 1 (nothing found) when the index does not hold it."""
    article = search_index.get(article_id)
    if article is None:
        echo_err(f"searcharc: not in the index: {article_id}")
        raise typer.Exit(1)
    return article


@app.command("show")
def show_command(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id.")],
    highlight: Annotated[
        str | None, typer.Option(help="Highlight the words of this query.")
    ] = None,
    index: IndexOption = None,
    json_out: JsonOption = False,
    color: ColorOption = COLOR_DEFAULT,
) -> None:
    """Print one article in full, with its metadata (exit 1 if there is no such id)."""
    from searcharc.cli import render
    from searcharc.search.searcher import SearchIndex

    search_index = SearchIndex.open(index_path(index))
    article = _article_or_exit(search_index, article_id)
    spans = search_index.highlight(article.body, highlight) if highlight else []
    if json_out:
        print(jsonout.to_json(jsonout.article_dict(article, spans)))
    elif use_color(color.value):
        render.print_rich_article(article, spans, rich_console())
    else:
        print(render.plain_article(article))


@app.command("stats")
def stats_command(index: IndexOption = None, json_out: JsonOption = False) -> None:
    """Documents, distinct terms, size on disk, documents by source and month, last update."""
    from searcharc.cli import render
    from searcharc.search.searcher import SearchIndex

    stats = SearchIndex.open(index_path(index)).stats()
    print(jsonout.to_json(jsonout.stats_dict(stats)) if json_out else render.plain_stats(stats))


app.command("serve")(serve_command)

QUERY_HELP = """Search the index: exit 0 when something is found, 1 when nothing is, 2 on error.

\b
The query language (Arabic spelling variants, diacritics and clitics all match):
  مكافحة الإرهاب               free words: --match any ranks them, all requires each
  "مكافحة الإرهاب"             a phrase: these words in this order, side by side
  الإرهاب -الجزائر             minus (or NOT) leaves articles out; also -"…", -(…)
  بلينكن OR حموشي              OR, AND and ( ) combine: (بلينكن OR حموشي) AND الرباط
  title:بلينكن  title:"…"      a word or phrase in the title
  source:هسبريس  source:Ahd*   the source
  date:2023-11                 a year, month or day (also --since/--until)
  الإره*                       words starting with these letters (unstemmed)
  الارهب~  الارهب~2            words within 1 (or 2) edits (unstemmed)
  =الإرهابية                   this form only, no stemming (marks and hamza still ignored)

title:, source: and date: always narrow the search. A stray quote, parenthesis or
operator is ignored; a query that cannot be read (a bare *, date:2023-13) exits 2.
"""


def run_query(**values: object) -> None:
    """`searcharc query` with the options Typer read (see QUERY_HELP)."""
    from searcharc.cli import commands

    raise typer.Exit(commands.query(QueryOptions(**values)))


query_command = app.command(
    "query", help=QUERY_HELP, context_settings={"ignore_unknown_options": True}
)(declare.command(QUERY, run_query))
MATCH_DEFAULT = declare.default(OPTIONS["match"])  # --match's, as the Typer command holds it
app.add_typer(cluster_app, name="cluster")
app.command("check")(check_command)
app.command("trend", help=trend.TREND_HELP)(trend.trend_command)
app.command("embed")(embed_command)
app.command("eval")(eval_command)


@app.command("similar")
def similar_command(
    article_id: Annotated[str, typer.Argument(metavar="ID", help="The article's id.")],
    limit: Annotated[int, typer.Option(min=1, help="Articles to show.")] = 10,
    index: IndexOption = None,
    json_out: JsonOption = False,
) -> None:
    """The articles most like one in the index, with the key terms they share."""
    from searcharc.search.searcher import SearchIndex

    search_index = SearchIndex.open(index_path(index))
    _article_or_exit(search_index, article_id)
    similar = search_index.similar(article_id, limit)
    if json_out:
        print(jsonout.to_json(jsonout.similar_dicts(similar)))
    else:
        for rank, s in enumerate(similar, 1):
            print(f"{rank}. {s.hit.title}\n   {s.hit.id} · shared: {'، '.join(s.shared_terms)}")
    raise typer.Exit(0 if similar else 1)


@app.command("analyze")
def analyze_command(
    text: Annotated[str, typer.Argument(help="Text to analyze.")],
    stemmer: Annotated[str, typer.Option(help="light, snowball, isri (roots) or none.")] = "light",
    json_out: JsonOption = False,
    color: ColorOption = COLOR_DEFAULT,
) -> None:
    """Show how text is analyzed: each word's span, offsets, normal form, stem, stopword flag."""
    from searcharc.analysis import analyze
    from searcharc.cli import render

    try:
        tokens = analyze(text, stemmer)
    except ValueError as exc:
        raise SearcharcError(str(exc)) from exc
    if json_out:
        print(jsonout.to_json(jsonout.tokens_dicts(tokens)))
    elif use_color(color.value):
        render.print_rich_tokens(tokens, rich_console())
    else:
        print(render.plain_tokens(tokens))


def run_app() -> int:
    """The Typer application, with its usage errors as one line on stderr (exit status 2)."""
    try:  # Typer 0.2x carries its own copy of Click
        from typer._click import exceptions as click
    except ImportError:  # pragma: no cover - an older Typer, on Click itself
        from click import exceptions as click

    try:
        return app(standalone_mode=False) or 0
    except click.ClickException as exc:
        if isinstance(exc, getattr(click, "NoArgsIsHelpError", ())):
            exc.show()  # `searcharc` alone: the help, as before
            return 2
        hint = f" (see {exc.ctx.command_path} --help)" if getattr(exc, "ctx", None) else ""
        echo_err(f"searcharc: {' '.join(exc.format_message().split()).rstrip('.')}{hint}")
        return 2
    except typer.Abort:
        raise KeyboardInterrupt from None


def main() -> None:
    """The Typer application: one-line errors with exit status 2, never a traceback."""
    sys.exit(guarded(run_app))
