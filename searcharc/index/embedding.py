"""`searcharc embed`: the vectors of the articles of an index that have none (``vectors``),
each shard in turn, written and committed CHUNK articles at a time: a run stopped (Ctrl-C, a
kill) keeps every chunk it committed and the next run goes on from there; an update's new and
changed articles are the only ones without a vector, and a removed article's vector goes with
its segment's next merge. The model (``searcharc.analysis.embedding``) runs in this process,
or in ``jobs`` worker processes of one thread each."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from searcharc.analysis import embedding
from searcharc.index import shards, store, vectors
from searcharc.index.lock import writer_lock

CHUNK = 64  # articles read and encoded at a time
BATCH = 8  # articles a call of the model
SAVE_EVERY = 120.0  # seconds of work a vector file (and a commit) holds at most: a kill loses
# no more; fewer, larger files than one a chunk (a 300k archive: hundreds, not thousands)
LOCK_TIMEOUT = 30.0  # seconds to wait for another writer


@dataclass(frozen=True, slots=True)
class Pending:
    """Up to CHUNK articles of one segment without a vector: their docnums."""

    folder: Path
    segment: str
    docnums: list[int]


def pending(folder: Path) -> list[Pending]:
    """The live articles of a folder's last commit that have no vector, by segment."""
    names = [p.name for p in folder.iterdir()]
    found = []
    with store.open_existing(folder).reader() as reader:
        for leaf, _, segment in vectors.leaves(reader):
            table = vectors.segment_table(folder, segment, names)
            have = set(table.docnums.tolist()) if table is not None else set()
            docnums = [d for d in leaf.all_doc_ids() if d not in have]
            for start in range(0, len(docnums), CHUNK):
                found.append(Pending(folder, segment, docnums[start : start + CHUNK]))
    return found


def texts(part: Pending) -> list[str]:
    """What the model reads of each article of ``part``: its lead (``embedding.lead``)."""
    with store.open_existing(part.folder).reader() as reader:
        leaf = next(r for r, _, segment in vectors.leaves(reader) if segment == part.segment)
        fields = [leaf.stored_fields(d) for d in part.docnums]
    return [embedding.lead(f.get("title") or "", f.get("body") or "") for f in fields]


def folders(path: Path) -> list[Path]:
    """The folders of an index's shards (the index's own for one)."""
    return shards.shard_paths(path, shards.count(path) or 1)


@contextmanager
def encoder(jobs: int) -> Iterator[Callable[[list[list[str]]], Iterator]]:
    """A function giving each batch's vectors in order: here, or in ``jobs`` worker
    processes of one model thread each."""
    if jobs <= 1:
        yield lambda batches: (embedding.passage_vectors(b) for b in batches)
        return
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
        try:
            yield lambda batches: pool.map(embedding.passage_vectors, batches)
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
    unsaved = Unsaved(path)
    with encoder(jobs) as encode:
        try:
            for part in work:
                if unsaved.rows and (unsaved.part.folder, unsaved.part.segment) != (
                    part.folder,
                    part.segment,
                ):
                    unsaved.save()
                read = texts(part)
                rows: list = []
                try:
                    for found in encode([read[s : s + BATCH] for s in range(0, len(read), BATCH)]):
                        rows.extend(found)
                finally:  # Ctrl-C included: what is done is kept
                    unsaved.add(part, rows)
                    done(len(rows))
                if time.monotonic() - unsaved.since >= SAVE_EVERY:
                    unsaved.save()
        finally:
            unsaved.save()
    return unsaved.count


class Unsaved:
    """The vectors of one segment's articles made since the last vector file was saved."""

    def __init__(self, path: Path):
        self.path = path
        self.part: Pending | None = None
        self.docnums: list[int] = []
        self.rows: list = []
        self.since = time.monotonic()
        self.count = 0  # saved

    def add(self, part: Pending, rows: list) -> None:
        self.part = part
        self.docnums += part.docnums[: len(rows)]
        self.rows += rows

    def save(self) -> None:
        """Write them as a vector file of their segment and commit it."""
        docnums, rows = self.docnums, self.rows  # taken first: a Ctrl-C in here and the
        self.docnums, self.rows, self.since = [], [], time.monotonic()  # save after: no twice
        if rows:
            values, scales = vectors.quantized(rows)
            folder, segment = self.part.folder, self.part.segment
            vectors.write_chunk(folder, segment, docnums, values, scales, embedding.MODEL)
            commit(self.path, folder)
            self.count += len(rows)


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
