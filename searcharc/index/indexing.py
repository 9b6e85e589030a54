"""`searcharc index`: read inputs into the index incrementally, atomically, one writer at a time."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from searcharc import __version__
from searcharc.errors import SearcharcError
from searcharc.index import faults, manifest, shards, store
from searcharc.index.lock import writer_lock
from searcharc.ingest import Input, Selection, Skipped, read_input
from searcharc.ingest.inputs import inputs
from searcharc.progress import Progress

# The postings a run holds in memory before it writes them as a segment. The whole process
# peaks at about 2.5x this (measured: bench/scale.py)
DEFAULT_MEMORY = 256 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class IndexOptions:
    rebuild: bool = False
    prune: bool = False
    selection: Selection = Selection()
    encoding: str | None = None
    jobs: int = 0  # 0: auto_jobs decides
    lock_timeout: float = 30.0
    memory: int = DEFAULT_MEMORY  # bytes of postings held before a segment is written
    optimize: bool = False  # merge every segment into one
    shards: int | None = None  # a new index's shard count (None: the recorded one, else 1)


@dataclass(slots=True)
class IndexRun:
    """What one run did; the summary printed at the end and given by --json."""

    changes: store.Changes = field(default_factory=store.Changes)
    skipped: list[Skipped] = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0

    @property
    def exit_status(self) -> int:
        """0 when every input was indexed or unchanged, 1 when some were skipped."""
        return 1 if self.skipped else 0

    def as_dict(self) -> dict:
        c = self.changes
        return {
            "added": c.added,
            "updated": c.updated,
            "unchanged": c.unchanged,
            "removed": c.removed,
            "duplicates": [{"id": i, "duplicate_of": t} for i, t in c.duplicates],
            "skipped": [{"input": s.name, "reason": s.reason} for s in self.skipped],
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
        }


PARALLEL_FROM_BYTES = 4_000_000  # inputs smaller than this are indexed in one process


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def auto_jobs(input_bytes: int, cpus: int) -> int:
    """--jobs when not given: 2 (a worker process analyzes) for inputs of a few megabytes on a
    machine with a second CPU, else 1 (for a handful of articles a worker costs more than it
    saves). On the 31,030-article corpus, two cores: 2 jobs 519 articles/s, 1 job 390."""
    return 2 if cpus >= 2 and input_bytes >= PARALLEL_FROM_BYTES else 1


def open_for_writing(target: Path, rebuild: bool) -> tuple[object, bool]:
    """The Whoosh index to write, and whether the commit must clear what it held."""
    if store.exists(target):
        try:
            return store.open_existing(target), rebuild
        except SearcharcError:  # another version, damaged: --rebuild replaces what it cannot read
            if not rebuild:
                raise
            manifest.forget(target)  # it lists the inputs of the index replaced
            return store.create(target), False
    if not store.is_empty_folder(target):
        raise SearcharcError(f"{target} holds other files, not a searcharc index: choose another")
    return store.create(target), False


def open_writer(
    target: Path, rebuild: bool, wanted: int | None, jobs: int = 1, memory: int | None = None
) -> store.Writer | shards.ShardedWriter:
    """The writer of the index at ``target``, of one shard or of ``wanted`` (a new index; an
    existing one keeps its count) sharing ``memory``."""
    count = shards.chosen(target, wanted)
    if count == 1:
        ix, clear = open_for_writing(target, rebuild)
        return store.Writer(ix, target, jobs=jobs, clear=clear, memory=memory)
    share = memory // count if memory else None
    writers = []
    for path in shards.prepare(target, count):
        ix, clear = open_for_writing(path, rebuild)
        writers.append(store.Writer(ix, path, jobs=jobs, clear=clear, memory=share))
    return shards.ShardedWriter(target, writers)


def _prune(writer: store.Batch | shards.ShardedWriter, run: IndexRun) -> None:
    """Remove what this run did not see, except articles of inputs it could not read."""
    unreadable = {s.origin for s in run.skipped if s.origin}
    for article_id, known in writer.unseen():
        if known.origin not in unreadable:
            writer.remove(article_id)
            run.changes.removed += 1


def run_index(
    paths: Sequence[str | Path],
    target: Path,
    options: IndexOptions = IndexOptions(),
    progress: Progress | None = None,
) -> IndexRun:
    """Index ``paths`` into ``target``: add new, update changed, skip unchanged; one commit."""
    progress = progress or Progress()
    started = time.monotonic()
    folders = partial(shard_folders, target, options.shards)
    with faults.writes(target), writer_lock(target, options.lock_timeout):
        shards.chosen(target, options.shards)  # a conflicting count before reading anything
        items = read_inputs(paths, options.selection, progress)
        jobs = options.jobs or auto_jobs(input_size(items), usable_cpus())
        with faults.cleaned(target, folders):
            faults.remove_unfinished(folders)  # a killed run's (its lock is ours now)
            writer = open_writer(target, options.rebuild, options.shards, jobs, options.memory)
            reading = reading_key(options)
            before = {} if writer.clear else manifest.read(target, reading)
            run, read = index_into(items, writer, before, options, progress)
            if read is not None:
                manifest.write(target, reading, read)
    run.seconds = time.monotonic() - started
    return run


def shard_folders(target: Path, wanted: int | None) -> list[Path]:
    """The folders a run writes: the index's own, or its shards'."""
    return shards.shard_paths(target, shards.chosen(target, wanted))


def read_inputs(
    paths: Sequence[str | Path], selection: Selection, progress: Progress
) -> list[Input | Skipped]:
    """The inputs of a run (files found, not read yet); the progress told their size."""
    items = list(inputs(paths, selection))
    progress.start(input_size(items))
    return items


def input_size(items: list[Input | Skipped]) -> int:
    return sum(i.size for i in items if isinstance(i, Input))


def index_into(
    items: list[Input | Skipped],
    writer: store.Batch | shards.ShardedWriter,
    before: dict[str, manifest.Fingerprint],
    options: IndexOptions,
    progress: Progress,
) -> tuple[IndexRun, dict[str, manifest.Fingerprint] | None]:
    """Index the inputs that changed since ``before`` (the last run's inputs manifest) with
    ``writer``, prune if asked, and commit: the run, and the inputs read cleanly (the next
    manifest; None when an interrupted ``--rebuild`` was cancelled)."""
    run = IndexRun()
    now = manifest.fingerprints(i for i in items if isinstance(i, Input))  # before reading
    read = {key: found for key, found in now.items() if before.get(key) == found}
    unchanged = {i.origin for i in items if isinstance(i, Input) and manifest.key(i) in read}
    run.changes.unchanged += writer.keep_inputs(unchanged)
    try:
        for item in items:
            if isinstance(item, Input) and manifest.key(item) in read:
                progress.finished(item)
            elif _index_item(item, writer, run, options, progress) and manifest.key(item) in now:
                read[manifest.key(item)] = now[manifest.key(item)]
        if options.prune:
            _prune(writer, run)
    except KeyboardInterrupt:
        run.interrupted = True
        if writer.clear:  # a half-built replacement must not replace the whole index
            writer.cancel()
            run.changes = store.Changes()
            return run, None
    except BaseException:
        writer.cancel()
        raise
    writer.commit(options.optimize)
    return run, read


def _index_item(
    item: Input | Skipped,
    writer: store.Batch | shards.ShardedWriter,
    run: IndexRun,
    options: IndexOptions,
    progress: Progress,
) -> bool:
    """Index one input a record at a time, each skipped record reported as it comes; whether
    it was read without a skipped record."""
    parsed = (
        [item]
        if isinstance(item, Skipped)
        else read_input(item, options.encoding, options.selection.max_size, progress.read)
    )
    clean = True
    for one in parsed:
        if isinstance(one, Skipped):
            run.skipped.append(one)
            progress.skipped(one)
            clean = False
        else:
            run.changes.count(*writer.put(one), one.id)
            progress.indexed()
    if isinstance(item, Input):
        progress.finished(item)
    return clean and isinstance(item, Input)


def reading_key(options: IndexOptions) -> str:
    """What else decides an input's articles: the encoding forced, and this searcharc."""
    return f"{__version__} {options.encoding or ''}"
