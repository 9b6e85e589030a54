"""The connection to a Ray cluster, and the transport to an index's replicas there
(``SearchIndex.connect``; `searcharc query --cluster`, `searcharc serve --cluster`)."""

from __future__ import annotations

import logging

import ray

from searcharc.cluster import placement
from searcharc.cluster.transport import RayShards, one_line
from searcharc.errors import SearcharcError

SHARD_TIMEOUT = 2.0  # seconds a replica has to answer a call (--shard-timeout)


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` as a driver (once a process), or a one-line error."""
    if ray.is_initialized():
        return
    try:
        ray.init(
            address=address,
            namespace=placement.NAMESPACE,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    except Exception as exc:  # Ray's own errors: ConnectionError, RuntimeError, ValueError…
        raise SearcharcError(f"cannot join the Ray cluster at {address}: {one_line(exc)}") from None


def transport(address: str, index: str, shard_timeout: float = SHARD_TIMEOUT) -> RayShards:
    """The replicas of ``index`` on the cluster at ``address``."""
    if shard_timeout <= 0:
        raise SearcharcError(f"--shard-timeout: a number of seconds above 0, not {shard_timeout}")
    connect(address)
    return RayShards(placement.found(index), shard_timeout)
