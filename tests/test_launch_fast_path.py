"""The fast path of `searcharc query` in this process: which arguments it reads itself (edge
values included), and that a plain query never reaches the Typer application."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from searcharc import SearchIndex
from searcharc.cli import launch
from searcharc.cli.launch import parse_query_args
from searcharc.options import QueryOptions


@pytest.mark.parametrize(
    ("args", "options"),
    [
        (["query", "x", "--limit", "1"], QueryOptions(text="x", limit=1)),
        (["query", "x", "--offset", "0"], QueryOptions(text="x", offset=0)),
        (["query", "-"], QueryOptions(text="-")),
        (["query", "x", "--index", "-"], QueryOptions(text="x", index=Path("-"))),
        (["query", "x", "--run-tag=-"], QueryOptions(text="x", run_tag="-")),
    ],
)
def test_the_fast_path_reads_edge_values_itself(args, options):
    assert parse_query_args(args) == options


@pytest.mark.parametrize(
    "args", [["query", "x", "--limit", "0"], ["query", "x", "--index", "-v"], ["query", "x", "y"]]
)
def test_what_the_fast_path_leaves_to_typer(args):
    assert parse_query_args(args) is None


def test_a_plain_query_runs_without_the_typer_application(seed_index_dir, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "searcharc.cli.app", None)  # importing it now fails
    monkeypatch.setattr(
        sys, "argv", ["searcharc", "query", "بلينكن", "--index", str(seed_index_dir), "--ids"]
    )
    with pytest.raises(SystemExit) as exited:
        launch.main()
    assert exited.value.code == 0
    assert capsys.readouterr().out.split() == ["002_966b79832bdd0695.txt"]


@pytest.mark.parametrize("entry", ["script", "module"])
@pytest.mark.slow
def test_a_query_run_as_the_command_ends_at_once_with_all_its_output(seed_index_dir, entry):
    """The fast path ends the process without the interpreter's teardown (``exit_at_once``):
    every line out, the exit status kept (0 found, 1 nothing found, 2 an error)."""
    script = Path(sys.executable).with_name("searcharc")
    start = [str(script)] if entry == "script" else [sys.executable, "-m", "searcharc"]
    if entry == "script" and not script.exists():
        pytest.skip("no console script beside this Python")
    index = ["--index", str(seed_index_dir)]
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as users run
    lines = subprocess.run(
        [*start, "query", "الإرهاب", *index, "--jsonl", "--limit", "100"],
        capture_output=True,
        text=True,
        timeout=60,
        env=buffered,
    )
    assert lines.returncode == 0, lines.stderr
    assert (
        len(lines.stdout.splitlines())
        == len(SearchIndex.open(seed_index_dir).search("الإرهاب", limit=100).hits)
        > 1
    )
    for query, status in (("كلمةغيرموجودةابدا", 1), ('"', 2)):
        proc = subprocess.run([*start, "query", query, *index], capture_output=True, timeout=60)
        assert proc.returncode == status


def test_only_the_command_itself_skips_the_teardown(monkeypatch):
    """Code that calls ``main`` (tests, a script of its own) gets its SystemExit."""
    assert not launch.is_the_command()  # pytest's __main__
    module = types.ModuleType("__main__")
    module.__file__ = "/usr/local/bin/searcharc"
    monkeypatch.setitem(sys.modules, "__main__", module)
    assert launch.is_the_command()
    module.__file__ = "/usr/local/bin/other-tool"
    assert not launch.is_the_command()


class Unwritable:
    def flush(self) -> None:
        raise OSError(28, "No space left on device")


def test_output_that_cannot_be_flushed_leaves_the_exit_to_the_interpreter(monkeypatch):
    """A full disk or a closed pipe: no quick exit (the interpreter's exit reports it, as
    before); a stream that is not there (a closed descriptor) is skipped."""
    exits = []
    monkeypatch.setattr(launch.os, "_exit", exits.append)
    monkeypatch.setattr(sys, "stdout", Unwritable())
    assert launch.exit_at_once(0) is None and exits == []
    monkeypatch.setattr(sys, "stdout", None)
    launch.exit_at_once(1)
    assert exits == [1]


@pytest.mark.parametrize(
    ("extra", "collecting"), [([], False), (["--batch", "-"], True), (["--cluster", "x"], True)]
)
def test_only_a_single_local_query_run_as_the_command_turns_the_collector_off(
    monkeypatch, extra, collecting
):
    """One query, then ``os._exit``: the cycle collector is off while it runs (``--batch``
    and ``--cluster`` keep it); code that calls ``main`` is not the command and keeps it."""
    import gc

    seen = []
    monkeypatch.setattr(launch, "query", lambda options: seen.append(gc.isenabled()) or 0)
    monkeypatch.setattr(launch, "exit_at_once", lambda status: None)
    monkeypatch.setattr(sys, "argv", ["searcharc", "query", "x", *extra])
    try:
        for command in (True, False):
            monkeypatch.setattr(launch, "is_the_command", lambda command=command: command)
            with pytest.raises(SystemExit):
                launch.main()
            gc.enable()
    finally:
        gc.enable()
    assert seen == [collecting, True]
