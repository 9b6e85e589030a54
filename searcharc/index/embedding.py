"""`searcharc embed`: the vectors of the articles of an index that have none (``vectors``),
each shard in turn, written and committed CHUNK articles at a time: a run stopped (Ctrl-C, a
kill) keeps every chunk it committed and the next run goes on from there; an update's new and
changed articles are the only ones without a vector, and a removed article's vector goes with
its segment's next merge. The model (``searcharc.analysis.embedding``) runs in this process,
or in ``jobs`` worker processes of one thread each."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from searcharc.analysis import embedding
from searcharc.index import shards, store, vectors
from searcharc.index.lock import writer_lock

CHUNK = 64  # articles a vector file (and a commit)
BATCH = 8  # articles a call of the model
LOCK_TIMEOUT = 30.0  # seconds to wait for another writer


@dataclass(frozen=True, slots=True)
class Pending:
    """Articles of one segment without a vector: their docnums and what the model reads."""

    folder: Path
    segment: str
    docnums: list[int]
    texts: list[str]


def pending(folder: Path) -> list[Pending]:
    """The live articles of a folder's last commit that have no vector, by segment."""
    ix = store.open_existing(folder)
    found = []
    names = [p.name for p in folder.iterdir()]
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            segment = leaf.segment().segment_id()
            table = vectors.segment_table(folder, segment, names)
            have = set(table.docnums.tolist()) if table is not None else set()
            docnums = [d for d in leaf.all_doc_ids() if d not in have]
            for start in range(0, len(docnums), CHUNK):
                part = docnums[start : start + CHUNK]
                texts = [_lead(leaf.stored_fields(d)) for d in part]
                found.append(Pending(folder, segment, part, texts))
    return found


def _lead(fields: dict) -> str:
    return embedding.lead(fields.get("title") or "", fields.get("body") or "")


def folders(path: Path) -> list[Path]:
    """The folders of an index's shards (the index's own for one)."""
    return shards.shard_paths(path, shards.count(path) or 1)


def encoded(batches: list[list[str]], jobs: int) -> Iterator:
    """Each batch's vectors, in order: here, or in ``jobs`` worker processes."""
    if jobs <= 1:
        yield from (embedding.passage_vectors(b) for b in batches)
        return
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
        try:
            yield from pool.map(embedding.passage_vectors, batches)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def embed(
    path: Path,
    jobs: int = 1,
    started: Callable[[int], None] = lambda n: None,
    done: Callable[[int], None] = lambda n: None,
) -> int:
    """Embed the articles of the index at ``path`` that have no vector; ``started`` hears how
    many, ``done`` each chunk's count. The articles embedded (a KeyboardInterrupt keeps the
    chunks finished, and the articles of the chunk under way that are done)."""
    work = [p for folder in folders(path) for p in pending(folder)]
    started(sum(len(p.docnums) for p in work))
    batches = [
        (i, p.texts[s : s + BATCH])
        for i, p in enumerate(work)
        for s in range(0, len(p.texts), BATCH)
    ]
    made: dict[int, list] = {}
    count = 0
    try:
        for (i, _), found in zip(batches, encoded([b for _, b in batches], jobs), strict=False):
            made.setdefault(i, []).extend(found)
            if len(made[i]) == len(work[i].docnums):
                count += save(path, work[i], made.pop(i))
                done(len(work[i].docnums))
    except KeyboardInterrupt:
        for i, rows in made.items():
            if rows:
                count += save(path, work[i], rows)
        raise
    return count


def save(path: Path, part: Pending, rows: list) -> int:
    """Write the vectors of the first ``len(rows)`` articles of ``part`` and commit them; how
    many."""
    values, scales = vectors.quantized(rows)
    docnums = part.docnums[: len(rows)]
    vectors.write_chunk(part.folder, part.segment, docnums, values, scales, embedding.MODEL)
    commit(path, part.folder)
    return len(rows)


def commit(path: Path, folder: Path) -> None:
    """A commit of the folder's segments as they are, its new vector files in its checksums
    (and, for a shard, the index's record of its shards' commits)."""
    from whoosh.writing import NO_MERGE

    from searcharc.whooshx.segment_writer import TableWriter

    with writer_lock(path, LOCK_TIMEOUT):
        TableWriter(store.open_existing(folder), compound=store.COMPOUND).commit(mergetype=NO_MERGE)
        if shards.is_sharded(path):
            shards.record_generations(
                path, [store.open_existing(f).latest_generation() for f in folders(path)]
            )
