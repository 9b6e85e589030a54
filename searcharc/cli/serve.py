"""`searcharc serve`: the index in a browser and an HTTP API (the app is searcharc.web's)."""

from __future__ import annotations

from typing import Annotated

import typer

from searcharc.cli import declare
from searcharc.cli.commands import echo_err
from searcharc.errors import SearcharcError
from searcharc.options import OPTIONS

IndexOption = declare.annotated(OPTIONS["index"])
ClusterOption = declare.annotated(OPTIONS["cluster"])
ShardTimeoutOption = declare.annotated(OPTIONS["shard_timeout"])
AllowPartialOption = declare.annotated(OPTIONS["allow_partial"])


def serve_command(
    index: IndexOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on; any but a loopback one gets a warning.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port; 0 picks a free one.")] = 8080,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Processes answering requests, each with the index open.  "
            "[default: the number of cores; 1 with --cluster]",
            show_default=False,
        ),
    ] = None,
    cluster: ClusterOption = None,
    shard_timeout: ShardTimeoutOption = OPTIONS["shard_timeout"].default,
    allow_partial: AllowPartialOption = False,
) -> None:
    """The index in a browser, and an HTTP API for scripts (Ctrl-C stops)."""
    from searcharc.cli.commands import open_for
    from searcharc.web.server import serve
    from searcharc.web.workers import default_workers

    if cluster is not None and (workers or 1) > 1:
        raise SearcharcError("--workers with --cluster: the cluster's nodes do the work; serve one")
    count = workers or (1 if cluster else default_workers())

    def reopen():
        return open_for(index, cluster, shard_timeout, allow_partial)

    serve(reopen(), host, port, say=echo_err, workers=count, reopen=reopen)
