"""`searcharc serve --workers N`: N processes forked from one, each accepting on a socket of
its own on the same port (``server``: SO_REUSEPORT) and with the index open on its own (each
notices a commit at its next request, as a single process does). The parent only watches them:
a worker that dies is started again; Ctrl-C or SIGTERM stops them all (SIGTERM, then SIGKILL
after a grace period), and a worker whose parent died stops too (Linux's parent-death signal),
so none is left behind."""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from searcharc.errors import SearcharcError

STOPS = {signal.SIGINT, signal.SIGTERM}
WATCHED = STOPS | {signal.SIGCHLD}
GRACE = 10.0  # seconds the workers have to finish their requests once asked to stop
EARLY = 5.0  # a worker that dies sooner than this after its start died starting
MAX_EARLY_DEATHS = 3  # in a row: the workers cannot start, give up
STARTUP = 120.0  # seconds the first workers have to open the index and listen
PR_SET_PDEATHSIG = 1


def default_workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def die_with_parent(parent: int) -> None:
    """Have the kernel send this process SIGTERM when its parent dies (Linux; elsewhere the
    worker outlives a parent killed with SIGKILL)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(0)


def worker(run: Callable[[], None], parent: int) -> None:
    """The forked child: serve until stopped, then leave without returning to the parent's
    code (its exit status: 0 stopped, 2 failed with a one-line error)."""
    status = 0
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, WATCHED)
        die_with_parent(parent)
        run()
    except SearcharcError as exc:
        print(f"searcharc: worker {os.getpid()}: {exc}", file=sys.stderr, flush=True)
        status = 2
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches every process of the terminal's group: the parent says it
    except BaseException as exc:  # a bug: one line, as every other error of searcharc
        print(
            f"searcharc: worker {os.getpid()}: internal error: {type(exc).__name__}: {exc}",
            file=sys.stderr,
            flush=True,
        )
        status = 2
    finally:
        os._exit(status)


Ready = Callable[[], None]  # what a worker calls once it listens


@dataclass
class Pool:
    """The parent's view of its workers: pid → when it was started; ``ready``: the pipe on
    which each says that it listens (a byte each)."""

    run: Callable[[Ready], None]
    size: int
    started: dict[int, float] = field(default_factory=dict)
    early_deaths: int = 0
    ready: tuple[int, int] = field(default_factory=os.pipe)

    def start(self) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os.close(self.ready[0])
            worker(lambda: self.run(lambda: os.write(self.ready[1], b".")), parent)
        self.started[pid] = time.monotonic()

    def wait_ready(self) -> None:
        """Until each worker started says it listens: a worker that ends first, or STARTUP
        seconds, stop the server (status 2: the worker said why, as a worker's error)."""
        deadline, count = time.monotonic() + STARTUP, 0
        while count < self.size:
            readable, _, _ = select.select([self.ready[0]], [], [], 0.1)
            count += len(os.read(self.ready[0], self.size - count)) if readable else 0
            for _, code in self.reap():
                if code == 2:
                    raise SystemExit(2)
                raise SearcharcError(f"a worker ended as it started (status {code})")
            if time.monotonic() > deadline:
                raise SearcharcError(f"the workers did not listen within {STARTUP:.0f} s")
        os.set_blocking(self.ready[0], False)

    def drain(self) -> None:
        """Forget what workers started again have said (their readiness is not waited for)."""
        with contextlib.suppress(BlockingIOError):
            while os.read(self.ready[0], 4096):
                pass

    def reap(self) -> list[tuple[int, int]]:
        """The workers that have ended since the last look: (pid, exit status)."""
        ended = []
        for pid in self.started:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # already waited for
                done, status = pid, 0
            if done:
                ended.append((pid, os.waitstatus_to_exitcode(status)))
        return ended

    def replace(self, ended: list[tuple[int, int]], say: Callable[[str], None]) -> None:
        """Start a worker in place of each that ended; give up when they die starting."""
        for pid, code in ended:
            early = time.monotonic() - self.started.pop(pid) < EARLY
            self.early_deaths = self.early_deaths + 1 if early else 0
            if self.early_deaths >= MAX_EARLY_DEATHS:
                raise SearcharcError(f"the workers keep failing to start (the last: status {code})")
            say(f"searcharc: worker {pid} ended (status {code}); starting another")
            self.start()

    def stop(self) -> None:
        """SIGTERM to each worker; SIGKILL to those still running after GRACE seconds."""
        for pid in self.started:
            with_pid(os.kill, pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE
        while self.started and time.monotonic() < deadline:
            for pid, _ in self.reap():
                self.started.pop(pid)
            time.sleep(0.05)
        for pid in list(self.started):
            with_pid(os.kill, pid, signal.SIGKILL)
            with_pid(os.waitpid, pid, 0)
            self.started.pop(pid)


def with_pid(call: Callable[[int, int], object], pid: int, arg: int) -> None:
    """``call(pid, arg)``, a process already gone being no error."""
    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        call(pid, arg)


def supervise(
    run: Callable[[Ready], None],
    size: int,
    say: Callable[[str], None],
    announce: Callable[[], None],
) -> None:
    """Fork ``size`` workers that each call ``run`` (which calls its argument once it listens),
    ``announce`` once they all listen, and watch them until SIGINT or SIGTERM; then stop them
    and end as a single process does (KeyboardInterrupt, or killed by SIGTERM)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, WATCHED)
    pool = Pool(run, size)
    got = None
    try:
        for _ in range(size):
            pool.start()
        pool.wait_ready()
        announce()
        while got not in STOPS:
            got = signal.sigwaitinfo(WATCHED).si_signo
            pool.replace(pool.reap(), say)
            pool.drain()
    finally:
        pool.stop()
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    if got == signal.SIGINT:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.raise_signal(signal.SIGTERM)
