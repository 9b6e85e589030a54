"""`searcharc serve --workers N`: N processes answer over one index; a worker that dies is
replaced; Ctrl-C, SIGTERM and even SIGKILL of the parent leave no process behind."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT, one_line, run_cli


def descendants(pid: int) -> set[int]:
    found = children(pid)
    for child in list(found):
        found |= descendants(child)
    return found


def children(pid: int) -> set[int]:
    """The live (not zombie) child processes of ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@contextmanager
def server(index: Path, workers: int):
    """`searcharc serve --workers N` in its own session: (process, address, its workers)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "searcharc", "serve", "--index", str(index), "--port", "0"]
        + ["--workers", str(workers)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline() if ready else ""
        assert f"({workers} workers; Ctrl-C stops)" in line, line
        address = re.search(r"http://\S+/", line).group(0)
        assert stats(address)  # said once every worker listens: no connection refused
        deadline = time.monotonic() + 30
        while len(children(proc.pid)) < workers:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
        yield proc, address, children(proc.pid)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def stats(address: str) -> dict:
    with urllib.request.urlopen(address + "api/stats", timeout=30) as response:
        return json.loads(response.read())


def gone(pids: set[int], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize(
    ("how", "status"),
    [("ctrl-c", 130), ("sigterm", -signal.SIGTERM), ("sigkill", -signal.SIGKILL)],
)
def test_the_workers_answer_and_stop_with_the_server(seed_index_dir, how, status):
    with server(seed_index_dir, 2) as (proc, address, workers):
        assert len(workers) == 2
        assert all(stats(address)["documents"] == 5 for _ in range(6))
        if how == "ctrl-c":  # the terminal signals every process of its group
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
        assert proc.wait(timeout=30) == status
        assert gone(workers), "a worker outlived the server"
        assert "Traceback" not in proc.stderr.read()


@pytest.mark.slow
def test_the_workers_of_an_index_of_shards_stop_with_theirs(tmp_path):
    """Each worker searches the shards in processes of its own: Ctrl-C leaves none behind,
    and no traceback."""
    index = tmp_path / "sharded"
    assert (
        run_cli("index", str(ROOT / "seeds"), "--shards", "2", "--index", str(index)).returncode
        == 0
    )
    with server(index, 2) as (proc, address, _):
        total = json.loads(
            urllib.request.urlopen(
                address + "api/search?q=%D8%A7%D9%84%D8%A5%D8%B1%D9%87%D8%A7%D8%A8"
            ).read()
        )["total"]
        assert total > 0
        everyone = descendants(proc.pid)
        assert len(everyone) > 2  # the workers and their shards' processes
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=30) == 130
        assert gone(everyone)
        assert "Traceback" not in proc.stderr.read()


def test_a_worker_that_dies_is_replaced(seed_index_dir):
    with server(seed_index_dir, 2) as (proc, address, workers):
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        assert gone({victim})
        deadline = time.monotonic() + 30
        while len(children(proc.pid)) < 2:
            assert time.monotonic() < deadline, "no worker started in its place"
            time.sleep(0.05)
        assert all(stats(address)["documents"] == 5 for _ in range(6))
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
        said = proc.stderr.read()
    assert f"searcharc: worker {victim} ended (status -9); starting another" in said


def test_workers_with_a_cluster_is_one_line(tmp_path):
    proc = run_cli("serve", "--cluster", "127.0.0.1:1", "--workers", "2")
    assert proc.returncode == 2
    assert "--workers with --cluster" in one_line(proc.stderr)


def test_a_folder_that_is_no_index_is_one_line_before_any_worker(tmp_path):
    (tmp_path / "notes.txt").write_text("not an index", "utf-8")
    proc = run_cli("serve", "--index", str(tmp_path), "--workers", "2", "--port", "0")
    assert proc.returncode == 2
    assert "not a searcharc index" in one_line(proc.stderr)
