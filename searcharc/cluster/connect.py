"""The connection to a Ray cluster, and the transport to an index's replicas there
(``SearchIndex.connect``; `searcharc query --cluster`, `searcharc serve --cluster`)."""

from __future__ import annotations

import logging
import socket

import ray

from searcharc.cluster import placement
from searcharc.cluster.transport import RayShards, one_line
from searcharc.errors import SearcharcError

REACH_TIMEOUT = 5.0  # seconds to open a connection to the head (Ray itself tries for minutes)


def reach(address: str) -> None:
    """A one-line error unless the head at HOST:PORT takes a connection (other forms of
    address, such as ``auto``, are left to Ray)."""
    host, colon, port = address.rpartition(":")
    if not colon or not port.isdigit() or "/" in host:
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), REACH_TIMEOUT).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SearcharcError(f"cannot reach the Ray cluster at {address}: {reason}") from None


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` as a driver (once a process), or a one-line error."""
    if ray.is_initialized():
        return
    reach(address)
    try:
        ray.init(
            address=address,
            namespace=placement.NAMESPACE,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    except Exception as exc:  # Ray's own errors: ConnectionError, RuntimeError, ValueError…
        raise SearcharcError(f"cannot join the Ray cluster at {address}: {one_line(exc)}") from None


def transport(address: str, index: str, shard_timeout: float) -> RayShards:
    """The replicas of ``index`` on the cluster at ``address``."""
    if shard_timeout <= 0:
        raise SearcharcError(f"--shard-timeout: a number of seconds above 0, not {shard_timeout}")
    connect(address)
    replicas = RayShards(placement.found(index), shard_timeout)
    replicas.survey()
    return replicas
