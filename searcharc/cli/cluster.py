"""`searcharc cluster …`: an index on a Ray cluster, seen from this machine (docs/cluster.md).
Ray is imported inside the commands only."""

from __future__ import annotations

from typing import Annotated

import typer

from searcharc import jsonout
from searcharc.cli import declare
from searcharc.cli.commands import cluster_name, rich_console, use_color
from searcharc.errors import SearcharcError
from searcharc.options import OPTIONS

ClusterOption = declare.annotated(OPTIONS["cluster"])
JsonOption = declare.annotated(OPTIONS["json_out"])
ColorOption = declare.annotated(OPTIONS["color"])
COLOR_DEFAULT = declare.default(OPTIONS["color"])
cluster_app = typer.Typer(
    help="An index whose shards run on a Ray cluster (see docs/cluster.md).",
    no_args_is_help=True,
)


@cluster_app.command("status")
def status_command(
    cluster: ClusterOption = None,
    index: Annotated[
        str, typer.Option(help="The index's name on the cluster (its folder on each node).")
    ] = "index",
    timeout: Annotated[
        float, typer.Option(help="Seconds each replica has to answer.", min=0.1)
    ] = 5.0,
    json_out: JsonOption = False,
    color: ColorOption = COLOR_DEFAULT,
) -> None:
    """Shards × replicas: each replica's node, the cluster commit its node knows, the shard's
    generation and documents there, and its health. Exit 0 when every replica answers, 1 when
    some do not but every shard has one that does, 2 when a shard has none."""
    from searcharc.cluster import require_ray

    if cluster is None:
        raise SearcharcError("give the cluster's address: --cluster HOST:PORT")
    require_ray()
    from searcharc.cluster.connect import connect
    from searcharc.cluster.status import gather

    connect(cluster)
    status = gather(cluster_name(index), timeout)
    if json_out:
        print(jsonout.to_json(status.as_dict()))
    else:
        print_status(status, use_color(declare.plain(color)))
    raise typer.Exit(status.exit_status)


def print_status(status, styled: bool) -> None:
    """The replicas as a table (Rich), and which shards no replica serves."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"index {status.index}: {status.shards} shards")
    for name in ("shard", "replica", "node", "address", "commit", "generation", "documents"):
        table.add_column(name, justify="right" if name != "address" else "left")
    table.add_column("health")
    for r in status.replicas:
        shown = [r.shard, r.replica, (r.node or "-")[:8], r.address, r.commit, r.generation]
        cells = [str("-" if v is None else v) for v in shown]
        cells.append("-" if r.documents is None else f"{r.documents:,}")
        table.add_row(*cells, r.health if r.health == "up" else f"down: {r.health}")
    console = rich_console() if styled else Console(no_color=True, highlight=False)
    console.print(table)
    for shard in status.unavailable:
        console.print(f"shard {shard}: no replica answers")
