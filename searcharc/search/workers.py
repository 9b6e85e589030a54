"""The local transport of an index of shards (``shards``): each shard searched in a worker
process of its own (``python -m searcharc.search.shard_worker``) or in this process; each call
goes to the shards named, workers first. The cluster's is ``searcharc.cluster``'s."""

from __future__ import annotations

import pickle
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

from searcharc.errors import SearcharcError, ShardUnavailable
from searcharc.index import shards
from searcharc.search.shard import Shard
from searcharc.whooshx.damage import reading

Call = tuple[str, tuple]  # a method of ``Shard`` and its arguments
Reply = tuple[bool, object]  # failed, and the value or the exception


class Worker:
    """A shard searched in a process of its own (``python -m searcharc.search.shard_worker``):
    calls and answers go through its pipes, pickled. Not ``multiprocessing``: its spawned
    children import the caller's main module again (a script without a main guard would
    start workers without end), and forking copies a server's threads' locks. A process
    found stopped (killed, or its pipe ended mid-call) is started again, once a call."""

    command = (sys.executable, "-m", "searcharc.search.shard_worker")

    def __init__(self, number: int, path: Path):
        self.number = number
        self.path = path
        self.process = self._start()
        self._pending: list[Call] = []  # what a new process needs to answer the last call

    def _start(self) -> subprocess.Popen:
        command = [*self.command, str(self.path)]
        return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def send(self, method: str, *args: object) -> None:
        call = (method, args)
        # the candidates a hits call refers to are those of the find before it
        self._pending = [*self._pending[:1], call] if method == "hits" else [call]
        self._write(call)

    def _write(self, call: Call) -> None:
        with suppress(BrokenPipeError):  # the process stopped: its answer will be missing
            pickle.dump(call, self.process.stdin, pickle.HIGHEST_PROTOCOL)
            self.process.stdin.flush()

    def _read(self) -> Reply | None:
        """The process's next answer, or None if it stopped before giving it."""
        try:
            return pickle.load(self.process.stdout)
        except (EOFError, pickle.UnpicklingError):
            return None

    def receive(self) -> Reply:
        """The answer to the last call, from a new process if this one stopped."""
        reply = self._read()
        if reply is not None:
            return reply
        self.process.kill()
        self.close()
        self.process = self._start()
        for call in self._pending:
            self._write(call)
        replies = [self._read() for _ in self._pending]
        if replies[-1] is None:
            status = self.process.wait()
            stopped = f"its worker process ({self.path}) stopped twice"
            return True, ShardUnavailable(self.number, f"{stopped} (exit status {status})")
        return replies[-1]

    def close(self) -> None:
        with suppress(BrokenPipeError):  # a process that stopped leaves its input unread
            self.process.stdin.close()  # the worker ends at the end of its input
        self.process.stdout.close()
        self.process.wait()


def answer(shard: Shard, path: Path, method: str, args: tuple) -> object:
    """``method`` of the shard at ``path``: a read that fails on a damaged file is its
    one-line ``DamagedIndex`` (``damage.reading``), wherever the shard is searched."""
    with reading(path):
        return getattr(shard, method)(*args)


def serve(path: Path, calls, answers) -> None:
    """Answer the calls of a ``Worker`` (pickled on ``calls``) until they end; the shard is
    opened at the first, so that a shard that cannot be opened answers with its error."""
    shard = None
    while True:
        try:
            method, args = pickle.load(calls)
        except EOFError:
            return
        try:
            with reading(path):
                shard = shard or Shard(path)
            found = (False, answer(shard, path, method, args))
        except Exception as exc:  # sent back to be raised by the caller
            found = (True, exc)
        try:
            reply = pickle.dumps(found, pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that does not pickle: its line, as the caller's
            reply = pickle.dumps((True, SearcharcError(f"shard {path}: {found[1]}")))
        answers.write(reply)
        answers.flush()


class Shards:
    """The shards of the index at ``path``: those numbered in ``here`` searched in this process,
    each other one in a worker process of its own (the transport ``ShardedIndex`` calls)."""

    def __init__(self, path: Path, here: range):
        self.path = path
        self.paths = shards.shard_paths(path, shards.count(path) or 1)
        self.count = len(self.paths)
        self.here = {i: Shard(self.paths[i]) for i in here}
        self._workers: dict[int, Worker] = {}
        self.failed: set[int] = set()

    def generations(self) -> list[int | None]:
        """Each shard's generation at the index's last commit (``shards.generations``)."""
        return shards.generations(self.path, self.count)

    def _remote(self) -> dict[int, Worker]:
        """The worker processes, started at the first call."""
        if not self._workers:
            self._workers = {
                i: Worker(i, path) for i, path in enumerate(self.paths) if i not in self.here
            }
        return self._workers

    def call(self, method: str, args: dict[int, tuple], partial: bool = False) -> dict[int, object]:
        """``method`` of the shards named in ``args``, with their arguments: sent to the
        workers first, then done here while they work. A shard whose worker stopped twice is
        ShardUnavailable, or with ``partial`` left out and named in ``failed``."""
        self.failed = set()
        remote = {i: w for i, w in self._remote().items() if i in args}
        for i, worker in remote.items():
            worker.send(method, *args[i])
        try:
            done = {
                i: answer(s, self.paths[i], method, args[i])
                for i, s in self.here.items()
                if i in args
            }
        finally:  # every answer read, even after a failure: the next call's are its own
            replies = {i: worker.receive() for i, worker in remote.items()}
        for i, (failed, value) in replies.items():
            if failed and partial and isinstance(value, ShardUnavailable):
                self.failed.add(i)
            elif failed:
                raise value
            else:
                done[i] = value
        return done

    def close(self) -> None:
        for worker in self._workers.values():
            worker.close()
        self._workers = {}
