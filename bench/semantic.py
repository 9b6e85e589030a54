"""The --semantic rows of bench/quality.py (run by hand): each collection indexed and embedded
through the product path (``evaluate.index_corpus(embedded=True)``, as `searcharc embed`),
its questions run with and without ``semantic=True``, and the gain question by question as a
paired-bootstrap 95% interval. The model's vectors are cached under $SEARCHARC_VECTOR_CACHE
(default /tmp/searcharc-bench-vectors), keyed by the exact text the model is given, so a
second run spends no CPU on them; ``--sweep`` prints the weight rule's table (each weight
applied by ``semantic.rescored`` to the same candidates and cosines)."""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

from searcharc.analysis import embedding
from searcharc.evaluate import answerable, measure
from searcharc.search import semantic
from searcharc.search.ranking import DEFAULT

CACHE = Path(os.environ.get("SEARCHARC_VECTOR_CACHE", "/tmp/searcharc-bench-vectors"))
ROUNDS = 10_000


def cached(kind: str, encode):
    """``encode`` (texts -> vectors) through the cache of ``kind`` (passage or query)."""
    import numpy as np

    def key(text: str) -> Path:
        return CACHE / (hashlib.sha1(f"{kind}\0{text}".encode()).hexdigest() + ".npy")

    def run(texts: list[str]):
        missing = [t for t in dict.fromkeys(texts) if not key(t).exists()]
        if missing:
            CACHE.mkdir(parents=True, exist_ok=True)
            for text, vector in zip(missing, encode(missing), strict=True):
                np.save(key(text), np.asarray(vector, np.float32))
        return np.stack([np.load(key(t)) for t in texts])

    return run


def use_cache() -> None:
    """The model's answers, cached (see the module's docstring)."""
    passages = cached("passage", lambda texts: embedding.model().passage(texts))
    queries = cached("query", lambda texts: embedding.model().query(texts))
    embedding.passage_vectors = passages
    embedding.query_vector = lambda q: tuple(
        float(x) for x in queries([embedding.query_text(q) or q])[0]
    )


def per_query(qrels: dict, run: dict, name: str) -> dict[str, float]:
    """One measure question by question (answerable questions; none found: 0)."""
    import ir_measures

    judged = answerable(qrels)
    parsed = ir_measures.parse_measure(name.replace("MRR", "RR"))
    rows = [ir_measures.Qrel(q, d, r) for q, docs in judged.items() for d, r in docs.items()]
    found = [
        ir_measures.ScoredDoc(q, d, s) for q, hits in run.items() if q in judged for d, s in hits
    ]
    values = {q: 0.0 for q in judged}
    values.update({m.query_id: m.value for m in ir_measures.iter_calc([parsed], rows, found)})
    return values


def bootstrap(before: dict[str, float], after: dict[str, float]) -> tuple[float, float, float]:
    """The mean gain and its paired-bootstrap 95% interval (seeded: runs agree)."""
    gains = [after[q] - before[q] for q in before]
    pick = random.Random(27)
    means = sorted(sum(pick.choices(gains, k=len(gains))) / len(gains) for _ in range(ROUNDS))
    return sum(gains) / len(gains), means[int(0.025 * ROUNDS)], means[int(0.975 * ROUNDS) - 1]


def gain_lines(qrels: dict, plain: dict, meant: dict) -> list[str]:
    """The paired-bootstrap lines of MRR@10 and nDCG@10 (with the questions better, worse)."""
    lines = []
    for name in ("MRR@10", "nDCG@10"):
        before, after = per_query(qrels, plain, name), per_query(qrels, meant, name)
        mean, low, high = bootstrap(before, after)
        better = sum(after[q] > before[q] for q in before)
        worse = sum(after[q] < before[q] for q in before)
        lines.append(
            f"  {name} gain {mean:+.3f} [{low:+.3f}, {high:+.3f}] ({better} better, {worse} worse)"
        )
    return lines


def swept(qrels: dict, pools: dict, weights: list[float]) -> dict[float, float]:
    """MRR@10 at each weight, from each question's pool: (ids, lexical scores, cosines)."""
    found = {}
    for weight in weights:
        run = {}
        for qid, (ids, lexical, cosines, rest) in pools.items():
            scores = semantic.rescored(lexical, cosines, weight)
            run[qid] = list(zip(ids, scores, strict=True)) + rest
        found[weight] = measure(qrels, run).measures["MRR@10"]
    return found


def pools_of(index, queries) -> dict:
    """Each question's lexical pool with its cosines (the local backend's own functions)."""
    from searcharc.search.local import LocalIndex

    backend = index.backend
    assert isinstance(backend, LocalIndex)
    pools = {}
    for qid, text in queries:
        hits = index.search(text, limit=semantic.POOL, snippets=False).hits
        vector = embedding.query_vector(text)
        searcher = backend.searcher(DEFAULT)
        docnums = [searcher.document_number(id=h.id) for h in hits]
        near = semantic.cosines(backend.path, searcher.reader(), docnums, vector)
        pools[qid] = ([h.id for h in hits], [h.score for h in hits], near, [])
    return pools
