"""No internal errors: an empty index answers every command, and generated dumps and queries
never end in a traceback or "internal error"."""

from __future__ import annotations

import pytest
from conftest import run_in_process


@pytest.fixture
def empty_index(tmp_path, capsys):
    """An index whose only input was skipped: it exists and holds no article."""
    dump = tmp_path / "dump.jsonl"
    dump.write_text('{"id": "a", "text": "   "}\n', "utf-8")
    target = tmp_path / "index"
    code, _, err = run_in_process(capsys, "index", str(dump), "--index", str(target))
    assert code == 1 and "a" in err
    return target


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["query", "الإرهاب"], 1),
        (["query", 'title:الإرهاب OR "مكافحة الإرهاب"'], 1),
        (["query", "الإره*", "--sort", "date", "--since", "2020-01-01"], 1),
        (["query", "الارهب~", "--json"], 1),
        (["similar", "a"], 1),
        (["show", "a"], 1),
        (["stats"], 0),
        (["stats", "--json"], 0),
    ],
)
def test_an_empty_index_answers_normally(empty_index, capsys, args, status):
    code, out, err = run_in_process(capsys, *args, "--index", str(empty_index))
    assert code == status, err
    assert "internal error" not in err and "Traceback" not in err


def test_a_batch_on_an_empty_index_finds_nothing(empty_index, tmp_path, capsys):
    queries = tmp_path / "queries.tsv"
    queries.write_text("1\tالإرهاب\n2\tمكافحة\n", "utf-8")
    code, out, err = run_in_process(
        capsys, "query", "--batch", str(queries), "--index", str(empty_index)
    )
    assert (code, out) == (1, "") and "2 queries" in err and "internal error" not in err


def test_eval_on_an_empty_index_scores_zero(empty_index, tmp_path, capsys):
    (tmp_path / "q.tsv").write_text("1\tالإرهاب\n", "utf-8")
    (tmp_path / "qrels").write_text("1 0 a 1\n", "utf-8")
    code, out, err = run_in_process(
        capsys,
        "eval",
        "--queries",
        str(tmp_path / "q.tsv"),
        "--qrels",
        str(tmp_path / "qrels"),
        "--index",
        str(empty_index),
        "--json",
    )
    assert code == 0, err
    assert '"MRR@10": 0.0' in out
