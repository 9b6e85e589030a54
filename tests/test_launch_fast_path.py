"""The fast path of `searcharc query` in this process: which arguments it reads itself (edge
values included), and that a plain query never reaches the Typer application."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from searcharc.cli import launch
from searcharc.cli.commands import QueryOptions
from searcharc.cli.launch import parse_query_args


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
