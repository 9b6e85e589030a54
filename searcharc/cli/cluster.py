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


NameOption = Annotated[
    str, typer.Option("--index", help="The index's name on the cluster (its folder on each node).")
]


def joined(cluster: str | None) -> None:
    """Join the cluster of --cluster (required), keeping standard output this command's."""
    from searcharc.cluster import keep_output_clean, require_ray

    if cluster is None:
        raise SearcharcError("give the cluster's address: --cluster HOST:PORT")
    require_ray()
    from searcharc.cluster.connect import connect

    keep_output_clean()
    connect(cluster)


@cluster_app.command("start")
def start_command(
    shards: Annotated[int, typer.Option(min=2, help="The index's shard count.")],
    cluster: ClusterOption = None,
    index: NameOption = "index",
    replicas: Annotated[int, typer.Option(min=1, help="Replicas of each shard.")] = 2,
) -> None:
    """Start the replicas of an index whose shard folders are on the nodes already (copied by
    hand; `searcharc index --cluster` starts its own): each on a node that holds its shard,
    restarted by Ray on another that does when its node dies. Waits until each has opened its
    shard (or said why it cannot)."""
    joined(cluster)
    from searcharc.cluster import placement

    placed = placement.ensure(cluster_name(index), shards, replicas)
    print(f"{len(placed)} replicas of index {cluster_name(index)} running")


@cluster_app.command("repair")
def repair_command(cluster: ClusterOption = None, index: NameOption = "index") -> None:
    """Check every replica of the index (each file's length and CRC-32, each segment opened);
    a damaged one copies its shard again from a replica that is whole. Exit 0 when every
    replica is whole now, 1 when one is not (no replica of its shard is whole, or it does not
    answer)."""
    from searcharc.cluster import require_ray

    if cluster is None:
        raise SearcharcError("give the cluster's address: --cluster HOST:PORT")
    require_ray()
    from searcharc.cluster import remote

    repaired, left = remote.repair(cluster, cluster_name(index), 30.0)
    print("\n".join([*repaired, *left, "every replica whole" if not left else "damaged"]))
    raise typer.Exit(1 if left else 0)


@cluster_app.command("status")
def status_command(
    cluster: ClusterOption = None,
    index: NameOption = "index",
    timeout: Annotated[
        float, typer.Option(help="Seconds each replica has to answer.", min=0.1)
    ] = 5.0,
    json_out: JsonOption = False,
    color: ColorOption = COLOR_DEFAULT,
) -> None:
    """Shards × replicas: each replica's node, the cluster commit its node knows, the shard's
    generation and documents there, and its health. Exit 0 when every replica answers, 1 when
    some do not but every shard has one that does, 2 when a shard has none."""
    joined(cluster)
    from searcharc.cluster.status import gather

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
    console = rich_console() if styled else Console(no_color=True, highlight=False, width=120)
    console.print(table)
    for shard in status.unavailable:
        console.print(f"shard {shard}: no replica answers")
