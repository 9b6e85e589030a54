"""Retrieval-quality evaluation: TREC queries and qrels in, a run file and standard measures out.

The measures come from ir-measures (the `eval` extra), never from code of our own.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from searcharc.errors import SearcharcError
from searcharc.records import Article

NO_ANSWER = "-1"  # a qrels docid meaning: nothing in the collection answers this question
MEASURES = ("MRR@10", "nDCG@10", "AP@10", "R@100")
RUN_DEPTH = 100

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Measures over the answerable questions, and how many were left out."""

    measures: dict[str, float]
    questions: int
    left_out: int

    def as_dict(self) -> dict:
        return {"questions": self.questions, "left_out": self.left_out} | {
            name: round(value, 4) for name, value in self.measures.items()
        }


def _rows(path: Path) -> Iterator[list[str]]:
    """The TSV rows of a UTF-8 file (a BOM allowed) with a first column."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row and row[0].strip():
                    yield row
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> SearcharcError:
    return SearcharcError(f"{path}: not UTF-8 text (byte {exc.start})")


def read_queries(path: Path) -> list[tuple[str, str]]:
    """``qid<TAB>question`` lines (extra middle columns, such as a source, are ignored)."""
    return [(row[0].strip(), row[-1].strip()) for row in _rows(path) if len(row) >= 2]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """TREC qrels: ``qid 0 docid relevance``."""
    try:
        lines = path.read_text("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4 or not parts[3].lstrip("-").isdigit():
            raise SearcharcError(f"{path}:{number}: not a qrels line (qid 0 docid relevance)")
        qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return qrels


def answerable(qrels: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The questions that have at least one relevant document in the collection."""
    return {
        qid: docs
        for qid, docs in qrels.items()
        if any(d != NO_ANSWER and rel > 0 for d, rel in docs.items())
    }


def read_corpus(path: Path, with_titles: bool = False) -> Iterator[Article]:
    """``docid<TAB>text`` or ``docid<TAB>source<TAB>title<TAB>text``: the passage text only."""
    for row in _rows(path):
        title = row[2] if with_titles and len(row) >= 4 else ""
        yield Article(id=row[0].strip(), title=title, body=row[-1])


def index_corpus(corpus: Path, target: Path, embedded: bool = False, **analysis: object):
    """A new index at ``target`` of a ``docid<TAB>text`` corpus, built as `searcharc index`
    builds one from a JSON Lines dump of ``{id, text}`` records (written to a temporary file):
    what is measured is what users get. ``analysis``: stemmer, stopwords, roots;
    ``embedded``: its vectors made too, as `searcharc embed` makes them."""
    from searcharc.index.indexing import run_index
    from searcharc.search.searcher import SearchIndex

    SearchIndex.create(target, **analysis)
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / f"{corpus.stem}.jsonl"
        with dump.open("w", encoding="utf-8") as out:
            for article in read_corpus(corpus):
                record = {"id": article.id, "text": article.body}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        run_index([dump], target)
    if embedded:
        from searcharc.index.embedding import embed

        embed(target)
    return SearchIndex.open(target)


Run = dict[str, list[tuple[str, float]]]


def trec_lines(run: Run, tag: str) -> Iterator[str]:
    """The run in TREC format: ``qid Q0 docid rank score tag`` (spaces in ids become _)."""
    for qid, ranked in run.items():
        for rank, (docid, score) in enumerate(ranked, 1):
            yield f"{qid} Q0 {'_'.join(docid.split())} {rank} {score:.4f} {tag}"


def write_run(run: Run, path: Path, tag: str) -> None:
    path.write_text("".join(line + "\n" for line in trec_lines(run, tag)), "utf-8")


def measure(qrels: dict[str, dict[str, int]], run: Run) -> Evaluation:
    """MRR@10, nDCG@10, AP@10 and R@100 over the answerable questions (ir-measures)."""
    try:
        import ir_measures
    except ImportError:
        raise SearcharcError(
            "evaluation needs ir-measures: pip install 'searcharc[eval]'"
        ) from None
    judged = answerable(qrels)
    parsed = [ir_measures.parse_measure(m.replace("MRR", "RR")) for m in MEASURES]
    qrel_rows = [
        ir_measures.Qrel(qid, doc, rel) for qid, docs in judged.items() for doc, rel in docs.items()
    ]
    run_rows = [
        ir_measures.ScoredDoc(qid, doc, score)
        for qid, ranked in run.items()
        if qid in judged
        for doc, score in ranked
    ]
    values = ir_measures.calc_aggregate(parsed, qrel_rows, run_rows) if run_rows else {}
    return Evaluation(
        {name: float(values.get(m, 0.0)) for name, m in zip(MEASURES, parsed, strict=True)},
        questions=len(judged),
        left_out=len(qrels) - len(judged),
    )


def run_queries(
    index, queries: Iterable[tuple[str, str]], depth: int = RUN_DEPTH, **options
) -> Run:
    """Answer every query with one open index: the top ``depth`` ids and scores of each."""
    return {
        qid: [
            (h.id, h.score) for h in index.search(text, limit=depth, snippets=False, **options).hits
        ]
        for qid, text in queries
    }
