"""The retrieval quality of docs/quality.md as a floor: `searcharc eval` on qqa23 (the smallest
judged collection: 1,266 passages, 169 answerable questions) must not fall more than the
tolerance below the figures of docs/quality_floor.json, which are those of docs/quality.md's
"(h) shipped default" row. Skipped when the judged data is not beside the project."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from searcharc.evaluate import read_corpus, read_queries
from searcharc.search.searcher import SearchIndex

DATA = Path(os.environ.get("SEARCHARC_DATA") or ROOT.parent / "shared" / "data")
QQA = DATA / "qqa23"
PARTS = ("train", "dev")
FLOOR = json.loads((ROOT / "docs" / "quality_floor.json").read_text("utf-8"))

needs_data = pytest.mark.skipif(
    not (QQA / "QQA23_TaskA_QPC_v1.1.tsv").is_file(),
    reason=f"no judged data at {QQA} (set SEARCHARC_DATA to the folder holding qqa23/)",
)


def documented_figures(collection: str, row: str) -> dict[str, float]:
    """R@100 and MRR@10 of one row of one collection's table in docs/quality.md."""
    page = (ROOT / "docs" / "quality.md").read_text("utf-8")
    section = page.split(f"### {collection}", 1)[1].split("###", 1)[0]
    header = next(line for line in section.splitlines() if line.startswith("row "))
    line = next(line for line in section.splitlines() if line.startswith(row))
    names = header.split()[1:]
    values = [float(v) for v in re.findall(r"\d+\.\d+", line[len(row) :])]
    figures = dict(zip(names, values, strict=False))
    return {name: figures[name] for name in ("R@100", "MRR@10")}


def build_eval_index(corpus: Path, target: Path) -> Path:
    """The index docs/quality.md's table measures: the passage text only, no titles.

    The one place that says how the judged passages are indexed (bench/quality.py's way).
    """
    SearchIndex.create(target).add(read_corpus(corpus))
    return target


def test_the_floor_is_the_documented_shipped_row():
    figures = documented_figures(FLOOR["collection"], FLOOR["row"])
    assert 0 < figures["MRR@10"] < 1 and 0 < figures["R@100"] < 1
    assert figures == FLOOR["floor"]
    assert 0 < FLOOR["tolerance"] < 0.05


@needs_data
@pytest.mark.slow
def test_qqa23_quality_is_no_lower_than_the_docs_say(tmp_path):
    # one questions file and one qrels file for both parts (the train file has no final
    # newline, so the files are read, not concatenated)
    questions = [
        q for part in PARTS for q in read_queries(QQA / f"QQA23_TaskA_ayatec_v1.2_{part}.tsv")
    ]
    (tmp_path / "questions.tsv").write_text("".join(f"{q}\t{t}\n" for q, t in questions), "utf-8")
    qrels = [
        (QQA / "qrels" / f"QQA23_TaskA_ayatec_v1.2_qrels_{part}.gold").read_text("utf-8")
        for part in PARTS
    ]
    (tmp_path / "qrels").write_text("\n".join(q.strip() for q in qrels) + "\n", "utf-8")
    index = build_eval_index(QQA / "QQA23_TaskA_QPC_v1.1.tsv", tmp_path / "index")

    proc = run_cli(
        "eval",
        "--index",
        str(index),
        "--queries",
        str(tmp_path / "questions.tsv"),
        "--qrels",
        str(tmp_path / "qrels"),
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    measured = json.loads(proc.stdout)
    assert measured["questions"] == FLOOR["questions"]
    for name, figure in FLOOR["floor"].items():
        assert measured[name] >= figure - FLOOR["tolerance"], (name, measured[name], figure)
