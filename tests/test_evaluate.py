"""Evaluation: measures on a hand-made qrels/run pair with known values, run files, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from searcharc.evaluate import answerable, read_corpus, read_qrels, read_queries, trec_lines

ROOT = Path(__file__).resolve().parents[1]

QRELS = "q1 0 a 1\nq1 0 b 1\nq2 0 c 1\nq3 0 -1 1\n"
# q1: relevant a, b; the run puts x, then a. q2: c first. q3 has no answer: left out.
RUN = {"q1": [("x", 3.0), ("a", 2.0)], "q2": [("c", 1.0)], "q3": [("a", 1.0)]}


def test_measures_of_a_hand_made_run(tmp_path):
    pytest.importorskip("ir_measures")
    from searcharc.evaluate import measure

    (tmp_path / "qrels").write_text(QRELS)
    result = measure(read_qrels(tmp_path / "qrels"), RUN)
    assert (result.questions, result.left_out) == (2, 1)
    m = result.measures
    assert m["MRR@10"] == pytest.approx((1 / 2 + 1) / 2)
    assert m["AP@10"] == pytest.approx((1 / 2 / 2 + 1) / 2)
    assert m["R@100"] == pytest.approx((1 / 2 + 1) / 2)
    # q1: DCG = 1/log2(3), ideal = 1 + 1/log2(3)
    import math

    q1 = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert m["nDCG@10"] == pytest.approx((q1 + 1) / 2)


def test_questions_without_an_answer_are_left_out(tmp_path):
    (tmp_path / "qrels").write_text(QRELS)
    assert set(answerable(read_qrels(tmp_path / "qrels"))) == {"q1", "q2"}


def test_trec_run_lines():
    assert list(trec_lines({"q1": [("a", 2.5), ("b", 1.0)]}, "t")) == [
        "q1 Q0 a 1 2.5000 t",
        "q1 Q0 b 2 1.0000 t",
    ]


def test_readers(tmp_path):
    (tmp_path / "q.tsv").write_text("1\tمن بنى الكعبة؟\nx-2\tarcd\tمتى ولد؟\n", "utf-8")
    assert read_queries(tmp_path / "q.tsv") == [("1", "من بنى الكعبة؟"), ("x-2", "متى ولد؟")]
    (tmp_path / "c.tsv").write_text("p1\tarcd\tعنوان\tنص الفقرة\n2:1-2\tالم. ذلك الكتاب\n", "utf-8")
    assert [(a.id, a.title, a.body) for a in read_corpus(tmp_path / "c.tsv")] == [
        ("p1", "", "نص الفقرة"),
        ("2:1-2", "", "الم. ذلك الكتاب"),
    ]


@pytest.mark.slow
def test_eval_command_on_a_tiny_collection(tmp_path):
    pytest.importorskip("ir_measures")
    (tmp_path / "corpus.tsv").write_text(
        "d1\tبنى إبراهيم وإسماعيل الكعبة في مكة\n"
        "d2\tأرسل الله شعيبا إلى قوم مدين\n"
        "d3\tكان موسى في مصر مع قومه\n",
        "utf-8",
    )
    (tmp_path / "q.tsv").write_text(
        "1\tمن بنى الكعبة؟\n2\tمن هم قوم شعيب؟\n3\tما لون السماء؟\n", "utf-8"
    )
    (tmp_path / "qrels").write_text("1 0 d1 1\n2 0 d2 1\n3 0 -1 1\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "searcharc",
            "eval",
            "--queries",
            str(tmp_path / "q.tsv"),
            "--qrels",
            str(tmp_path / "qrels"),
            "--corpus",
            str(tmp_path / "corpus.tsv"),
            "--run",
            str(tmp_path / "run.txt"),
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (result["questions"], result["left_out"]) == (2, 1)
    assert result["MRR@10"] == 1.0 and result["R@100"] == 1.0
    lines = (tmp_path / "run.txt").read_text().splitlines()
    assert lines[0].split()[:4] == ["1", "Q0", "d1", "1"]
    assert all(len(line.split()) == 6 for line in lines)
