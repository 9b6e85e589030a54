"""Documents analyzed in a worker process while this one writes: ``searcharc index --jobs 2``.

Unlike Whoosh's ``MpWriter`` (whole documents pickled to writers of their own segments, merged
at the end), the worker only inverts the text of the one-pass fields (``writer.analyze``); this
process adds each document, with its postings, to the one ``TableWriter``, in the order given.
The index is the one a single process writes.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor

from searcharc.writer import Analyzed, TableWriter, analyze

BATCH = 32  # documents sent to the worker at a time
AHEAD = 4  # batches the worker may be given before their postings are added

_schema = None  # the worker's schema, names of one-pass fields
_names: list[str] = []


def _start(schema, names: list[str]) -> None:
    global _schema, _names
    _schema, _names = schema, names


def _analyze_batch(texts: list[dict]) -> list[Analyzed]:
    return [analyze(_schema, _names, fields) for fields in texts]


class AnalyzingWriter:
    """Feeds a ``TableWriter`` documents analyzed by one worker process."""

    def __init__(self, writer: TableWriter) -> None:
        self.writer = writer
        self.names = writer.one_pass
        self.worker = ProcessPoolExecutor(
            1, initializer=_start, initargs=(writer.schema, self.names)
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
        for fields, analyzed in zip(docs, future.result(), strict=True):
            self.writer.add_analyzed(fields, analyzed)

    def flush(self) -> None:
        """Add every document given so far."""
        if self.batch:
            self._send()
        while self.pending:
            self._take()

    def close(self) -> None:
        self.worker.shutdown(cancel_futures=True)
