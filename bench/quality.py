"""Retrieval-quality ablation on ../shared/data (run by hand, not in CI).

    python bench/quality.py            # every collection, every row
    python bench/quality.py --only qqa23
    python bench/quality.py --semantic [--sweep]   # the shipped default with and without it

Each row adds one step of searcharc's analysis or ranking, so that every choice is a measured
step; the peers' rows are the published BM25 baselines on exactly these questions. Our rows
index each collection as `searcharc index` reads a JSON Lines dump of ``{id, text}`` records
(``evaluate.index_corpus``, also behind `searcharc eval --corpus`): the numbers users get.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from searcharc.analysis import DEFAULT_ROOTS
from searcharc.evaluate import (
    Evaluation,
    index_corpus,
    measure,
    read_corpus,
    read_qrels,
    read_queries,
    run_queries,
)
from searcharc.search.ranking import DEFAULT, Ranking

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("SEARCHARC_DATA", ROOT.parent / "shared" / "data"))

# Recall@100 / MRR@10 / nDCG@10 of the best BM25 peer on each collection (issue 5).
PEERS = {
    "qqa23 train+dev": {
        "Lucene 4.10 ArabicAnalyzer": (0.534, 0.346, 0.287),
        "tantivy + Snowball Arabic": (0.552, 0.344, 0.284),
        "bm25s + PyStemmer Arabic": (0.567, 0.345, 0.293),
        "SQLite FTS5": (0.419, 0.261, 0.204),
    },
    "arabic-qa ARCD": {
        "Lucene 4.10 ArabicAnalyzer": (0.976, 0.707, 0.754),
        "tantivy + Snowball Arabic": (0.968, 0.710, 0.755),
        "bm25s + PyStemmer Arabic": (0.947, 0.662, 0.710),
        "SQLite FTS5": (0.885, 0.574, 0.625),
    },
    "arabic-qa XQuAD": {
        "Lucene 4.10 ArabicAnalyzer": (0.985, 0.883, 0.902),
        "tantivy + Snowball Arabic": (0.987, 0.867, 0.889),
        "bm25s + PyStemmer Arabic": (0.988, 0.881, 0.901),
        "SQLite FTS5": (0.964, 0.825, 0.849),
    },
}
# Bars: MRR@10 and nDCG@10 this much above the best peer (relative); R@100 not below it.
MARGINS = {"qqa23 train+dev": 0.10, "arabic-qa ARCD": 0.03, "arabic-qa XQuAD": 0.03}


@dataclass(frozen=True)
class Collection:
    name: str
    corpus: Path
    queries: list[tuple[str, str]]
    qrels: dict[str, dict[str, int]]


def collections() -> list[Collection]:
    """The judged collections found under DATA (none when the data is missing)."""
    found = []
    qqa = DATA / "qqa23"
    if qqa.is_dir():
        queries, qrels = [], {}
        for part in ("train", "dev"):
            queries += read_queries(qqa / f"QQA23_TaskA_ayatec_v1.2_{part}.tsv")
            qrels |= read_qrels(qqa / "qrels" / f"QQA23_TaskA_ayatec_v1.2_qrels_{part}.gold")
        found.append(
            Collection("qqa23 train+dev", qqa / "QQA23_TaskA_QPC_v1.1.tsv", queries, qrels)
        )
    aqa = DATA / "arabic-qa"
    if aqa.is_dir():
        qrels = read_qrels(aqa / "qrels.txt")
        rows = [line.split("\t") for line in (aqa / "queries.tsv").read_text("utf-8").splitlines()]
        for source, label in (("arcd", "ARCD"), ("xquad", "XQuAD")):
            queries = [(r[0], r[2]) for r in rows if len(r) == 3 and r[1] == source]
            subset = {q: qrels[q] for q, _ in queries if q in qrels}
            found.append(Collection(f"arabic-qa {label}", aqa / "corpus.tsv", queries, subset))
    return found


@dataclass(frozen=True)
class Row:
    label: str
    stemmer: str = "light"
    stopwords: bool = True
    ranking: Ranking = DEFAULT
    whoosh_default: bool = False
    roots: str | None = None
    match: str = "any"


PLAIN = Ranking(
    k1=1.2,
    b=0.75,
    rsj_idf=False,
    title_boost=0,
    exact_boost=0,
    root_boost=0,
    proximity=0,
    clitic_variants=False,
    coordination=False,
)
EXACT = PLAIN.with_(exact_boost=0.5)
TUNED = EXACT.with_(k1=0.9, b=0.4)
FUSED = TUNED.with_(root_boost=1)
ROWS = [
    Row("(a) Whoosh default analyzer, BM25", whoosh_default=True, ranking=PLAIN),
    Row("(b) our normalization only", stemmer="none", stopwords=False, ranking=PLAIN),
    Row("(c) + stopwords", stemmer="none", ranking=PLAIN),
    Row("(d) + light stemmer", ranking=PLAIN),
    Row("(e) Snowball stemmer instead of ours", stemmer="snowball", ranking=PLAIN),
    Row("(f) light + exact-form field (no titles)", ranking=EXACT),
    Row("(g1) + BM25 k1=0.9 b=0.4", ranking=TUNED),
    Row("(g2) + Snowball root view (stem fusion)", roots="snowball", ranking=FUSED),
    Row(
        "(g3) + BM25's usual idf (RSJ, as Lucene)",
        roots="snowball",
        ranking=FUSED.with_(rsj_idf=True),
    ),
    Row(
        "(g4) + term proximity (Buttcher et al.)",
        roots="snowball",
        ranking=FUSED.with_(rsj_idf=True, proximity=1.0),
    ),
    Row(
        "(g5) + clitic variants, blended (by corpus)",
        roots="snowball",
        ranking=FUSED.with_(rsj_idf=True, proximity=1.0, clitic_variants=True),
    ),
    Row("(g6) ISRI root view instead of Snowball", roots="isri", ranking=DEFAULT),
    Row(
        "(g7) + Bo1 feedback, 5 docs (not shipped)", roots="isri", ranking=DEFAULT.with_(prf_docs=5)
    ),
    Row("(g8) --match all (not shipped)", roots="isri", ranking=DEFAULT, match="all"),
    Row("(h) shipped default", roots=DEFAULT_ROOTS, ranking=DEFAULT),
]


def whoosh_default_index(path: Path, corpus: Path) -> Callable[[str, int], list[tuple[str, float]]]:
    """Plain Whoosh: StandardAnalyzer, BM25F, the question as a bag of words."""
    from whoosh import index, scoring
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import OrGroup, QueryParser

    ix = index.create_in(str(path), Schema(id=ID(stored=True, unique=True), body=TEXT()))
    with ix.writer(limitmb=256) as writer:
        for article in read_corpus(corpus):
            writer.add_document(id=article.id, body=article.body)
    parser = QueryParser("body", ix.schema, group=OrGroup)
    searcher = ix.searcher(weighting=scoring.BM25F())

    def search(text: str, depth: int) -> list[tuple[str, float]]:
        hits = searcher.search(parser.parse(text.replace(":", " ")), limit=depth)
        return [(hit["id"], hit.score) for hit in hits]

    return search


def evaluate_row(
    row: Row, collection: Collection, workdir: Path, cache: dict
) -> tuple[Evaluation, float]:
    """The row's measures on the collection, and the mean time of a query in ms."""
    key = (row.whoosh_default, row.stemmer, row.stopwords, row.roots, collection.corpus)
    if key not in cache:
        path = Path(tempfile.mkdtemp(dir=workdir))
        if row.whoosh_default:
            cache[key] = whoosh_default_index(path, collection.corpus)
        else:
            cache[key] = index_corpus(
                collection.corpus,
                path,
                stemmer=row.stemmer,
                stopwords=row.stopwords,
                roots=row.roots,
            )
    target = cache[key]
    started = time.perf_counter()
    if row.whoosh_default:
        run = {qid: target(text, 100) for qid, text in collection.queries}
    else:
        run = run_queries(target, collection.queries, ranking=row.ranking, match=row.match)
    took = (time.perf_counter() - started) * 1000 / max(1, len(collection.queries))
    return measure(collection.qrels, run), took


def print_table(
    collection: Collection,
    results: list[tuple[str, Evaluation, float]],
    margin: float | None = None,
) -> None:
    best = {i: max(p[i] for p in PEERS[collection.name].values()) for i in range(3)}
    margin = MARGINS[collection.name] if margin is None else margin
    left_out = results[0][1].left_out
    print(
        f"\n### {collection.name}: {results[0][1].questions} questions"
        + (f" ({left_out} with no answer left out)" if left_out else "")
    )
    print(f"{'row':44} {'R@100':>6} {'MRR@10':>7} {'nDCG@10':>8} {'AP@10':>6} {'ms/q':>6}")
    for name, (r, mrr, ndcg) in PEERS[collection.name].items():
        print(f"{'peer: ' + name:44} {r:6.3f} {mrr:7.3f} {ndcg:8.3f} {'':>6} {'':>6}")
    for label, ev, ms in results:
        m = ev.measures
        print(
            f"{label:44} {m['R@100']:6.3f} {m['MRR@10']:7.3f} {m['nDCG@10']:8.3f} "
            f"{m['AP@10']:6.3f} {ms:6.1f}"
        )
    m = results[-1][1].measures
    bars = {
        "R@100": (m["R@100"], best[0]),
        "MRR@10": (m["MRR@10"], best[1] * (1 + margin)),
        "nDCG@10": (m["nDCG@10"], best[2] * (1 + margin)),
    }
    verdict = ", ".join(
        f"{name} {value:.3f} {'≥' if value >= bar else '<'} {bar:.3f}"
        for name, (value, bar) in bars.items()
    )
    print(f"bar (best peer, +{margin:.0%} on MRR/nDCG): {verdict}")


SEMANTIC_MARGIN = 0.05  # issue 27: --semantic MRR@10 and nDCG@10 this much above the best peer
WEIGHTS = [round(0.05 * i, 2) for i in range(21)]


def semantic_table(
    collection: Collection, workdir: Path, cache: dict, sweep: bool
) -> tuple[float, dict[float, float]]:
    """The shipped default with and without --semantic on one collection, the gain's
    paired-bootstrap intervals and the issue's bars; with ``sweep``, MRR@10 by weight."""
    import semantic as bench_semantic

    if collection.corpus not in cache:
        path = Path(tempfile.mkdtemp(dir=workdir))
        started = time.perf_counter()
        cache[collection.corpus] = index_corpus(collection.corpus, path, embedded=True)
        print(
            f"(indexed and embedded {collection.corpus.name}: {time.perf_counter() - started:.0f} s)"
        )
    index = cache[collection.corpus]
    results, runs = [], {}
    for label, flag in (("(h) shipped default", False), ("(s) + --semantic", True)):
        started = time.perf_counter()
        runs[flag] = run_queries(index, collection.queries, semantic=flag)
        took = (time.perf_counter() - started) * 1000 / max(1, len(collection.queries))
        results.append((label, measure(collection.qrels, runs[flag]), took))
    print_table(collection, results, SEMANTIC_MARGIN)
    for line in bench_semantic.gain_lines(collection.qrels, runs[False], runs[True]):
        print(line)
    default = results[0][1].measures
    print(
        "vs the default: "
        + ", ".join(
            f"{n} {results[1][1].measures[n] - default[n]:+.3f}"
            for n in ("R@100", "MRR@10", "nDCG@10")
        )
    )
    best = {
        n: max(p[i] for p in PEERS[collection.name].values())
        for i, n in ((1, "MRR@10"), (2, "nDCG@10"))
    }
    meant = results[1][1].measures
    print(
        "÷ the best peer: "
        + ", ".join(f"{n} {meant[n]:.4f} / {best[n]:.3f} = {meant[n] / best[n]:.4f}×" for n in best)
    )
    if not sweep:
        return default["MRR@10"], {}
    pools = bench_semantic.pools_of(index, collection.queries)
    return default["MRR@10"], bench_semantic.swept(collection.qrels, pools, WEIGHTS)


def print_sweep(default: dict[str, float], sweeps: dict[str, dict[float, float]]) -> None:
    """MRR@10 by weight on each collection, relative to the default's, and the rule's choice:
    the weight whose smallest relative gain over the collections is largest."""
    names = list(sweeps)
    print("\nweight " + " ".join(f"{n[:18]:>18}" for n in names) + "   least gain")
    for weight in WEIGHTS:
        gains = [sweeps[n][weight] / default[n] - 1 for n in names]
        cells = " ".join(
            f"{sweeps[n][weight]:11.3f} {g:+6.1%}" for n, g in zip(names, gains, strict=True)
        )
        print(f"{weight:6.2f} {cells}   {min(gains):+6.1%}")
    best = max(WEIGHTS, key=lambda w: min(sweeps[n][w] / default[n] - 1 for n in names))
    print(f"rule (largest least relative MRR@10 gain): weight {best}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="a collection name containing this text")
    parser.add_argument("--rows", help="comma-separated row prefixes, e.g. a,h")
    parser.add_argument("--semantic", action="store_true", help="the default with --semantic")
    parser.add_argument("--sweep", action="store_true", help="with --semantic: MRR@10 by weight")
    parser.add_argument(
        "--lead-words",
        type=int,
        help="with --semantic: embed this many words (default: as shipped)",
    )
    args = parser.parse_args()
    found = [c for c in collections() if not args.only or args.only in c.name]
    if not found:
        print(f"skipped: no evaluation data under {DATA} (set SEARCHARC_DATA)", file=sys.stderr)
        return 0
    if args.semantic:
        if args.lead_words:
            from searcharc.analysis import embedding

            embedding.LEAD_WORDS = args.lead_words
        return run_semantic(found, args.sweep)
    rows = [r for r in ROWS if not args.rows or r.label[1:].split(")")[0] in args.rows.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        cache: dict = {}
        for collection in found:
            results = [
                (row.label, *evaluate_row(row, collection, Path(tmp), cache)) for row in rows
            ]
            print_table(collection, results)
    return 0


def run_semantic(found: list[Collection], sweep: bool) -> int:
    """The --semantic tables (bench/semantic.py: the model's vectors cached between runs)."""
    import semantic as bench_semantic

    bench_semantic.use_cache()
    with tempfile.TemporaryDirectory() as tmp:
        cache: dict = {}
        found_by = {c.name: semantic_table(c, Path(tmp), cache, sweep) for c in found}
    if sweep:
        print_sweep(
            {n: d for n, (d, _) in found_by.items()}, {n: s for n, (_, s) in found_by.items()}
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
