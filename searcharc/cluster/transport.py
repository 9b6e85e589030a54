"""``RayShards``: the transport of ``ShardedIndex`` to an index's replicas on a Ray cluster.

A call goes, for each shard named, to one live replica: the one with the fewest calls of this
coordinator in flight, then the one asked least (so that replicas take turns); the hits of a
request go to the replica that found it (``FOLLOW_FIND``; another one, if it is gone, finds it
again first: replicas are byte copies, so the same documents by the same numbers). Every call
has a deadline; a replica that misses it, dies (its node gone, its process killed) or cannot
open its shard is marked down and the shard's call is asked of another replica. A replica
marked down is probed now and then in the background and used again once it answers (its
node came back, or Ray restarted it on another node that holds the shard). A shard with no
replica left is ``ShardUnavailable``, or, when the caller accepts a partial answer, left out
of the answer and named in ``failed``.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import ray
from ray.exceptions import RayError

from searcharc.cluster.actors import DOWN, ERROR, OK, Reply
from searcharc.cluster.placement import Placed
from searcharc.errors import ShardUnavailable

PROBE_EVERY = 1.0  # seconds between two probes of a replica marked down
FOLLOW_FIND = frozenset({"hits", "body_vectors", "similar_hits"})  # read what its find kept
FINDS_KEPT = 64  # requests whose finding replica (and call) is remembered
COMMIT_KEPT = 1.0  # seconds the cluster commit read from the nodes is used before reading again
MANIFEST_GRACE = 0.05  # seconds the other nodes' manifests are awaited after the first


@dataclass(eq=False)
class Replica:
    """What the coordinator knows of one replica actor."""

    placed: Placed
    in_flight: int = 0
    asked: int = 0
    down: str | None = None  # why it was marked down; None: up
    probed: float = 0.0  # when it was last probed
    node: str | None = None  # the Ray node it last answered from
    probe: object = None  # the probe's answer to come (an ObjectRef)


@dataclass(eq=False)
class Sent:
    """One shard's part of a call: where it was sent last, and which replicas it tried."""

    shard: int
    method: str
    args: tuple
    replica: Replica | None = None
    answer: object = None  # an ObjectRef
    deadline: float = 0.0
    tried: list[Replica] = field(default_factory=list)
    reason: str = "no replica runs (searcharc cluster start)"


def request_id(args: tuple) -> str | None:
    """The request a call of the shard protocol names: its first text argument."""
    return next((a for a in args if isinstance(a, str)), None)


def pickled(args: tuple) -> bytes:
    return pickle.dumps(args, pickle.HIGHEST_PROTOCOL)


def one_line(exc: BaseException) -> str:
    """A Ray error as one short line (Ray's messages run over many)."""
    first = next((line for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first.strip()[:120]}"


def is_commit(manifest: dict | None, count: int) -> bool:
    """Whether a node's manifest (``writing.ClusterCommit``, as a dict; checked as it was
    read) records a commit of ``count`` shards."""
    return manifest is not None and len(manifest["generations"]) == count


class RayShards:
    """The replicas of an index's ``count`` shards (see the module's docstring)."""

    def __init__(self, placed: list[Placed], timeout: float):
        self.count = max(p.shard for p in placed) + 1
        self.replicas: dict[int, list[Replica]] = {i: [] for i in range(self.count)}
        for p in placed:
            self.replicas[p.shard].append(Replica(p))
        self.timeout = timeout
        self.failed: set[int] = set()
        self.finds: OrderedDict[tuple[int, str], tuple[Replica, tuple]] = OrderedDict()
        self.lock = threading.Lock()
        self.commit: tuple[float, list[int | None]] | None = None  # when read, and what

    def call(self, method: str, args: dict[int, tuple], partial: bool = False) -> dict[int, object]:
        """``method`` of ``searcharc.search.shard.Shard`` on each shard named in ``args``."""
        self.failed = set()
        waiting: dict[int, Sent] = {}
        done: dict[int, object] = {}
        try:
            for shard, shard_args in args.items():
                self.send(waiting, Sent(shard, method, shard_args), partial)
            while waiting:
                for sent, ready in self.answered(waiting):
                    self.settle(waiting, done, sent, ready, partial)
        finally:  # calls left unanswered no longer count as in flight
            for sent in waiting.values():
                sent.replica.in_flight -= 1
        return done

    def send(self, waiting: dict[int, Sent], sent: Sent, partial: bool) -> None:
        """Send a shard's part to a replica it has not tried; with none left, the shard is
        unavailable (or, ``partial``, failed)."""
        replica = self.choose(sent)
        if replica is None:
            if not partial:
                raise ShardUnavailable(sent.shard, f"no replica answered ({sent.reason})")
            self.failed.add(sent.shard)
            return
        handle = replica.placed.handle
        found = self.finds.get((sent.shard, request_id(sent.args)))
        if sent.method in FOLLOW_FIND and found and found[0] is not replica:
            handle.pickled.remote("find", pickled(found[1]))  # answered in order
        sent.replica, sent.answer = replica, handle.pickled.remote(sent.method, pickled(sent.args))
        sent.deadline = time.monotonic() + self.timeout
        sent.tried.append(replica)
        replica.in_flight += 1
        replica.asked += 1
        waiting[sent.shard] = sent

    def choose(self, sent: Sent) -> Replica | None:
        """The live replica to ask: the one that found the request (for its hits), else the
        one with the fewest calls in flight, then the one asked least."""
        with self.lock:
            live = [r for r in self.replicas[sent.shard] if r not in sent.tried and self.is_up(r)]
            if not live:
                downs = [r for r in self.replicas[sent.shard] if r.down and r not in sent.tried]
                if downs:
                    sent.reason = f"replica {downs[0].placed.replica}: {downs[0].down}"
                return None
            found = self.finds.get((sent.shard, request_id(sent.args)))
            if sent.method in FOLLOW_FIND and found and found[0] in live:
                return found[0]
            return min(live, key=lambda r: (r.in_flight, r.asked))

    def answered(self, waiting: dict[int, Sent]) -> list[tuple[Sent, bool]]:
        """The parts answered (True), or past their deadline (False): all of them, or those
        answered by the first deadline (a dead replica's call is answered at once, by Ray's
        error; one wait a round, not one an answer: each costs)."""
        by_answer = {sent.answer: sent for sent in waiting.values()}
        first = min(sent.deadline for sent in waiting.values())
        left = max(0.0, first - time.monotonic())
        ready, _ = ray.wait(list(by_answer), num_returns=len(by_answer), timeout=left)
        now = time.monotonic()
        late = [(s, False) for a, s in by_answer.items() if a not in ready and s.deadline <= now]
        return [(by_answer[a], True) for a in ready] + late

    def settle(
        self, waiting: dict[int, Sent], done: dict[int, object], sent: Sent, ready: bool, partial
    ) -> None:
        """Take a shard's answer, raise its error, or mark its replica down and ask another."""
        del waiting[sent.shard]
        sent.replica.in_flight -= 1
        status, value = self.reply(sent, ready)
        if status == OK:
            done[sent.shard] = value
            if sent.method == "find":
                self.remember_find(sent)
        elif status == ERROR:
            raise value
        else:
            self.mark_down(sent.replica, str(value))
            sent.reason = f"replica {sent.replica.placed.replica}: {value}"
            self.send(waiting, sent, partial)

    def reply(self, sent: Sent, ready: bool) -> Reply:
        if not ready:
            return DOWN, f"no answer within {self.timeout:g} s (--shard-timeout)"
        try:
            return pickle.loads(ray.get(sent.answer))
        except RayError as exc:  # the actor died, its node is gone, …
            return DOWN, one_line(exc)

    def remember_find(self, sent: Sent) -> None:
        key = (sent.shard, request_id(sent.args))
        self.finds[key] = (sent.replica, sent.args)
        self.finds.move_to_end(key)
        while len(self.finds) > FINDS_KEPT:
            self.finds.popitem(last=False)

    def mark_down(self, replica: Replica, why: str) -> None:
        """Mark a replica down, and the others last seen on its node (a node that died takes
        them all; a healthy one answers their next probe and they are up again)."""
        with self.lock:
            for other in self.every():
                if other is replica or (replica.node and other.node == replica.node):
                    reason = why if other is replica else f"on the node of a replica down: {why}"
                    other.down, other.probed, other.probe = reason, time.monotonic(), None

    def every(self) -> list[Replica]:
        return [r for replicas in self.replicas.values() for r in replicas]

    def is_up(self, replica: Replica) -> bool:
        """Whether a replica is up; one marked down is probed (at most every PROBE_EVERY
        seconds, never waiting for the answer) and up again once a probe comes back."""
        if replica.down is None:
            return True
        if replica.probe is not None:
            ready, _ = ray.wait([replica.probe], timeout=0)
            if ready:
                self.learn(replica, replica.probe)
                replica.probe, replica.probed = None, time.monotonic()
                return replica.down is None
        elif time.monotonic() - replica.probed >= PROBE_EVERY:
            replica.probe = replica.placed.handle.info.remote()
        return False

    def learn(self, replica: Replica, info) -> int:
        """A replica's answer to ``info`` (an ObjectRef): up on its node, or down and why;
        the shard count its node's manifest records (0: none)."""
        try:
            found = ray.get(info, timeout=0)
        except RayError as exc:
            replica.down = one_line(exc)
            return 0
        replica.node = found["node"]
        replica.down = found.get("error")
        shards = found.get("shards")
        return shards if type(shards) is int else 0

    def survey(self) -> None:
        """Ask every replica where it runs, at once: those that do not answer within the
        deadline start marked down (a one-shot query then waits for none of them)."""
        asked = {r: r.placed.handle.info.remote() for r in self.every()}
        ready, _ = ray.wait(list(asked.values()), num_returns=len(asked), timeout=self.timeout)
        recorded = 0
        for replica, info in asked.items():
            if info in ready:
                recorded = max(recorded, self.learn(replica, info))
            else:
                self.mark_down(replica, f"no answer within {self.timeout:g} s (--shard-timeout)")
        for shard in range(self.count, recorded):  # shards whose every replica was stopped
            self.replicas[shard] = []
        self.count = max(self.count, recorded)

    def generations(self) -> list[int | None]:
        """Each shard's generation at the newest cluster commit that the nodes of its live
        replicas know (None: each shard's last), read again after COMMIT_KEPT seconds."""
        now = time.monotonic()
        if self.commit is None or now - self.commit[0] >= COMMIT_KEPT:
            self.commit = (now, self.newest_commit())
        return self.commit[1]

    def newest_commit(self) -> list[int | None]:
        """The generations of the newest commit in the manifests of the live replicas' nodes."""
        asked = [r.placed.handle.manifest.remote() for r in self.every() if r.down is None]
        ready, _ = ray.wait(asked, timeout=self.timeout)
        if ready:  # those that answer soon after the first (a dead one never does)
            ready, _ = ray.wait(asked, num_returns=len(asked), timeout=MANIFEST_GRACE)
        newest: dict | None = None
        for answer in ready:
            try:
                known = ray.get(answer)
            except RayError:  # the replica died since: the others say
                continue
            if is_commit(known, self.count) and (
                newest is None or known["commit"] > newest["commit"]
            ):
                newest = known
        return list(newest["generations"]) if newest else [None] * self.count

    def close(self) -> None:
        """Nothing to let go: the replicas serve other coordinators too."""
