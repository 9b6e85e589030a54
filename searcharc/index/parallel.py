"""A second process for ``searcharc index --jobs 2``: the index is the one a single process
writes.

Unlike Whoosh's ``MpWriter`` (whole documents pickled to writers of their own segments, merged
at the end), while documents are added a worker process only inverts the text of the one-pass
fields, a batch of documents at a time into flat arrays (``analyze_batch``); this process adds
each document, and each batch's arrays, to the one table, in the order given. At the commit a
forked worker encodes the postings of about half the terms (whole fields) into a file of its
own, which this process appends to the segment's postings while it writes the term index.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import tempfile
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from searcharc.index.postings_table import Batch, analyze_batch
from searcharc.whooshx import encode
from searcharc.whooshx.segment_writer import TableWriter

PR_SET_PDEATHSIG = 1  # Linux prctl: a signal for this process when its parent dies
BATCH = 32  # documents sent to the worker at a time
AHEAD = 4  # batches the worker may be given before their postings are added

_schema = None  # the worker's schema, names of one-pass fields, numberings of their terms
_names: list[str] = []
_numberings: dict = {}


def _die_with(parent: int) -> None:
    """In a worker: be killed when the indexing process dies, even by SIGKILL, so that no
    orphan goes on working or holds the index's lock (its descriptor is inherited by fork)."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent's normal exit still ends us
        pass
    if os.getppid() != parent:  # it died before prctl
        os._exit(1)


def _start(parent: int, schema, names: list[str]) -> None:
    global _schema, _names, _numberings
    _die_with(parent)
    _schema, _names, _numberings = schema, names, {}


def _analyze_batch(texts: list[dict]) -> Batch:
    return analyze_batch(_schema, _names, texts, _numberings)


class AnalyzingWriter:
    """Feeds a ``TableWriter`` documents analyzed by one worker process."""

    def __init__(self, writer: TableWriter) -> None:
        self.writer = writer
        self.names = writer.one_pass
        self.worker = ProcessPoolExecutor(
            1, initializer=_start, initargs=(os.getpid(), writer.schema, self.names)
        )
        self.batch: list[dict] = []
        self.pending: deque[tuple[list[dict], Future]] = deque()

    def add_document(self, **fields) -> None:
        self.batch.append(fields)
        if len(self.batch) >= BATCH:
            self._send()

    def _send(self) -> None:
        docs, self.batch = self.batch, []
        texts = [{name: doc[name] for name in self.names if name in doc} for doc in docs]
        self.pending.append((docs, self.worker.submit(_analyze_batch, texts)))
        while len(self.pending) > AHEAD:
            self._take()

    def _take(self) -> None:
        docs, future = self.pending.popleft()
        self.writer.add_batch(docs, future.result())

    def flush(self) -> None:
        """Add every document given so far."""
        if self.batch:
            self._send()
        while self.pending:
            self._take()

    def close(self) -> None:
        self.worker.shutdown(cancel_futures=True)


Row = tuple[bytes, bytes, int, int]  # a term's bytes, statistics, postings offset and length
_forked: ParallelTableWriter | None = None  # the writer whose table a forked worker encodes


class ParallelTableWriter(TableWriter):
    """``TableWriter`` whose commit encodes the largest fields in a forked worker."""

    def write_fields(self, names: list[str], lengths: dict[str, bytes | None]) -> None:
        if "fork" not in multiprocessing.get_all_start_methods():
            super().write_fields(names, lengths)
            return
        global _forked
        theirs = _share(self.pool.fields, names)
        _forked = self
        context = multiprocessing.get_context("fork")
        with (
            tempfile.TemporaryDirectory() as tmp,
            ProcessPoolExecutor(
                1, context, initializer=_die_with, initargs=(os.getpid(),)
            ) as worker,
        ):
            spill = Path(tmp) / "postings"
            future = worker.submit(_encode_fields, theirs, lengths, spill)
            _forked = None
            posts = encode.Gathered(encode.postings_file(self.fieldwriter))
            rows = {n: self.encoded(n, lengths[n], posts) for n in names if n not in theirs}
            posts.flush()
            spilled = future.result()
            postfile = encode.postings_file(self.fieldwriter)
            base = postfile.tell()
            with spill.open("rb") as postings:
                shutil.copyfileobj(postings, postfile)
        for name in names:
            self.fieldwriter.start_field(name, self.schema[name])
            index = encode.TermIndex(self.fieldwriter)
            offset = base if name in spilled else 0
            for btext, stats, start, length in spilled.get(name) or rows.get(name, []):
                index.add(btext, stats, start + offset, length)
            index.flush()
            self.fieldwriter.finish_field()

    def encoded(self, name: str, lengths: bytes | None, posts: encode.Gathered) -> list[Row]:
        """A field's postings written to ``posts``, and its term index rows."""
        blocks = encode.field_blocks(self.fieldwriter, self.schema[name].format, lengths)
        return [
            (btext, stats, posts.add(data), len(data))
            for btext, data, stats in encode.encode_terms(blocks, self.term_rows(name))
        ]


def _share(fields: dict[str, dict], names: list[str]) -> list[str]:
    """The fields the forked worker encodes: about half the terms, the largest field first."""
    theirs, their_terms, my_terms = [], 0, 0
    for name in sorted(names, key=lambda n: len(fields.get(n, ())), reverse=True):
        if their_terms <= my_terms:
            theirs.append(name)
            their_terms += len(fields.get(name, ()))
        else:
            my_terms += len(fields.get(name, ()))
    return theirs


def _encode_fields(
    names: list[str], lengths: dict[str, bytes | None], path: Path
) -> dict[str, list[Row]]:
    """In the forked worker: the postings of fields ``names`` into the file ``path``."""
    assert _forked is not None
    with path.open("wb") as out:
        posts = encode.Gathered(out)
        rows = {name: _forked.encoded(name, lengths[name], posts) for name in names}
        posts.flush()
    return rows
