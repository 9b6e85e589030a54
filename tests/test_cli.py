"""The command line: exit statuses, plain output in a pipe, JSON, analyze (the first-run build:
test_cli_edges.py)."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli as run

ESC = "\x1b"


@pytest.mark.slow
def test_query_prints_ranked_hits_plain_when_piped(seed_index_dir):
    proc = run("query", "مكافحة الإرهاب", "--index", str(seed_index_dir))
    assert proc.returncode == 0, proc.stderr
    assert ESC not in proc.stdout
    assert "1. " in proc.stdout and "الإرهاب" in proc.stdout


@pytest.mark.slow
def test_query_with_color_always_styles_the_matches(seed_index_dir):
    proc = run("query", "الإرهاب", "--index", str(seed_index_dir), "--color", "always")
    assert proc.returncode == 0
    assert ESC in proc.stdout


@pytest.mark.slow
def test_nothing_found_exits_1(seed_index_dir):
    proc = run("query", "زياش", "--index", str(seed_index_dir))
    assert proc.returncode == 1, proc.stdout


@pytest.mark.slow
def test_json_output(seed_index_dir):
    proc = run("query", "مكافحة الإرهاب", "--json", "--index", str(seed_index_dir))
    data = json.loads(proc.stdout)
    assert data["query"] == "مكافحة الإرهاب" and data["total"] == 5
    for hit in data["hits"]:
        for snippet in hit["snippets"]:
            for start, end in snippet["highlights"]:
                assert snippet["text"][start:end].strip() == snippet["text"][start:end] != ""


@pytest.mark.slow
def test_errors_are_one_line_with_exit_2(tmp_path):
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "junk").write_text("x")
    proc = run("query", "الإرهاب", "--index", str(tmp_path / "index"), cwd=tmp_path)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert "internal error" not in proc.stderr and "not a searcharc index" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query"], "give a query, or --batch FILE"),
        (["query", "x", "--limit", "0"], "Invalid value for '--limit'"),
        (["nope"], "No such command 'nope'"),
    ],
)
@pytest.mark.slow
def test_usage_errors_exit_2(args, message):
    proc = run(*args)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert message in proc.stderr and "internal error" not in proc.stderr


@pytest.mark.slow
def test_analyze_keeps_a_vocalized_word_whole():
    proc = run("analyze", "وَالكِتَابُ", "--json")
    assert proc.returncode == 0
    assert [(t["text"], t["norm"], t["stem"]) for t in json.loads(proc.stdout)] == [
        ("وَالكِتَابُ", "والكتاب", "كتاب")
    ]


@pytest.mark.slow
def test_analyze_plain_table():
    proc = run("analyze", "في الرباط")
    lines = proc.stdout.splitlines()
    assert lines[0].split("\t") == ["text", "start", "end", "norm", "stem", "stopword"]
    assert lines[1].split("\t")[-1] == "True" and lines[2].split("\t")[:1] == ["الرباط"]


@pytest.mark.slow
def test_version():
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("searcharc ")
