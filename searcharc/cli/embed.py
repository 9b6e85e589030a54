"""`searcharc embed`: the vectors of --semantic for the articles that have none
(searcharc.index.embedding's), with a progress bar on a terminal."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from searcharc.cli import declare
from searcharc.cli.commands import echo_err, index_path
from searcharc.options import OPTIONS

IndexOption = declare.annotated(OPTIONS["index"])
JobsOption = Annotated[
    int, typer.Option("--jobs", min=1, help="Worker processes, one model thread each.")
]


def embed_command(index: IndexOption = None, jobs: JobsOption = 1) -> None:
    """Compute the vectors that --semantic re-ranks by, for the articles that have none (the
    first 200 words of each, title first). Ctrl-C keeps what is done; run it again to go on,
    and after each update (only new and changed articles are embedded)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from searcharc.index.embedding import embed
    from searcharc.search.searcher import SearchIndex

    path = index_path(index)
    SearchIndex.open(path).close()  # no index there, another version: one line, exit 2
    bar = Progress(
        TextColumn("embedding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    task = bar.add_task("embedding", total=None, rate="")

    embedded = []

    def done(count: int) -> None:
        embedded.append(count)
        bar.advance(task, count)
        speed = bar.tasks[0].speed
        bar.update(task, rate=f"{speed:.1f} articles/s" if speed else "")

    try:
        with bar:
            embed(path, jobs, lambda total: bar.update(task, total=total), done)
    except KeyboardInterrupt:
        echo_err(
            f"searcharc: interrupted: {sum(embedded):,} articles embedded and kept; "
            "run searcharc embed again to go on"
        )
        raise typer.Exit(130) from None
    count = sum(embedded)
    echo_err(f"searcharc: embedded {count:,} article{'s' if count != 1 else ''} in {path}")
