"""An index folder's commits (Whoosh's generations) and the files each one reads, by
whoosh-reloaded 2.7.x's file names: ``_MAIN_<generation>.toc`` lists the segments, and a
segment's files are named ``<segment id>.<extension>``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from whoosh.index import TOC

from searcharc.index import checksums
from searcharc.whooshx.storage import MappedStorage, SyncedStorage, sync

INDEX_NAME = "MAIN"
TOC_FILE = re.compile(rf"^_{INDEX_NAME}_([0-9]+)\.toc$")
SEGMENT_FILE = re.compile(rf"^({INDEX_NAME}_[0-9a-z]+)\.[A-Za-z0-9_.]+$")


def toc_name(generation: int) -> str:
    return f"_{INDEX_NAME}_{generation}.toc"


def generation_of(name: str) -> int | None:
    """The generation a file name is the table of contents of (None: not a TOC)."""
    found = TOC_FILE.match(name)
    return int(found.group(1)) if found else None


def generations(path: Path) -> list[int]:
    """The commits whose table of contents the folder holds, oldest first."""
    if not path.is_dir():
        return []
    return sorted(g for p in path.iterdir() if (g := generation_of(p.name)) is not None)


def segment_ids(path: Path, generation: int) -> set[str]:
    """The segments the commit ``generation`` lists."""
    toc = TOC.read(MappedStorage(str(path)), INDEX_NAME, generation)
    return {segment.segment_id() for segment in toc.segments}


def commit_files(path: Path, generation: int) -> list[str]:
    """The files of the commit ``generation``: its segments' files, their checksums (when
    recorded), its TOC last."""
    sums = checksums.name_of(generation)
    recorded = [sums] if (path / sums).exists() else []
    return [*segment_files(path, segment_ids(path, generation)), *recorded, toc_name(generation)]


def segment_files(path: Path, ids: set[str]) -> list[str]:
    """The files of the segments ``ids`` in the folder, by name."""
    return sorted(p.name for p in path.iterdir() if segment_of(p.name) in ids)


def segment_of(name: str) -> str | None:
    """The segment a file name belongs to (None: no segment's)."""
    found = SEGMENT_FILE.match(name)
    return found.group(1) if found else None


def clean(path: Path, keep: set[int]) -> list[str]:
    """Delete the TOCs and checksums of commits not in ``keep`` and the segment files none of
    those read (as Whoosh's commit does for every commit but the new one); the names deleted.
    A reader that has a file open keeps reading it."""
    kept = [g for g in generations(path) if g in keep]
    if not kept:  # nothing to keep would be everything to delete
        return []
    wanted = set().union(*(segment_ids(path, g) for g in kept))
    gone = []
    for file in path.iterdir():
        generation = generation_of(file.name)
        if generation is None:
            generation = checksums.generation_of(file.name)
        segment = segment_of(file.name)
        if (generation is not None and generation not in keep) or (
            segment is not None and segment not in wanted
        ):
            file.unlink(missing_ok=True)
            gone.append(file.name)
    return gone


def commit(folder: Path, schema, segments: list, generation: int, new: set[str]) -> None:
    """Write the commit ``generation`` of ``segments`` durably: the ``new`` segments' files,
    then the commit's checksums (``searcharc.index.checksums``), then their folder, are synced
    before the TOC that names them is written, then the TOC and the folder again
    (``SyncedStorage``)."""
    names = segment_files(folder, {s.segment_id() for s in segments})
    for name in names:
        if segment_of(name) in new:
            sync(folder / name)
    checksums.record(folder, generation, names, generation - 1)
    sync(folder)
    TOC(schema, segments, generation).write(SyncedStorage(str(folder)), INDEX_NAME)


def without(path: Path, drop: set[str]) -> int:
    """A new commit of the folder's last one without the segments ``drop`` (their files and
    the older commit's deleted once it is written): its generation."""
    last = generations(path)[-1]
    toc = TOC.read(MappedStorage(str(path)), INDEX_NAME, last)
    kept = [s for s in toc.segments if s.segment_id() not in drop]
    commit(path, toc.schema, kept, last + 1, set())
    clean(path, {last + 1})
    return last + 1


def live_ids(path: Path, generation: int, segment: str) -> list[str]:
    """The ids of a segment's live documents, read from its id column (a damaged file's
    decoding error raised as it comes)."""
    from whoosh.reading import SegmentReader

    storage = MappedStorage(str(path))
    toc = TOC.read(storage, INDEX_NAME, generation)
    found = next(s for s in toc.segments if s.segment_id() == segment)
    with SegmentReader(storage, toc.schema, found) as reader:
        column = reader.column_reader("id")
        return [column[n] for n in reader.all_doc_ids()]


def searcher_at(ix, generation: int):
    """A searcher of ``ix`` (a Whoosh FileIndex) at its commit ``generation``, which its folder
    still holds (FileNotFoundError otherwise): Whoosh opens only the last one."""
    from whoosh.index import FileIndex
    from whoosh.searching import Searcher

    toc = TOC.read(ix.storage, ix.indexname, generation, schema=ix._schema)
    reader = FileIndex._reader(ix.storage, toc.schema, toc.segments, toc.generation)
    return Searcher(reader, fromindex=ix)


TOC_TEMP = re.compile(rf"^_{INDEX_NAME}_[0-9]+\.toc\..+$")  # a TOC being written (TOC.write)
WRITER_TEMP = f"{INDEX_NAME}.tmp"  # a segment writer's folder of column parts


def unfinished(path: Path) -> list[Path]:
    """What an unfinished run left in the folder: the segment files no commit of the folder
    reads, a TOC not yet renamed into place, the writer's temporary folder, our ``*.tmp``."""
    if not path.is_dir():
        return []
    held = generations(path)
    read = set().union(*(segment_ids(path, g) for g in held)) if held else set()
    return [
        p
        for p in path.iterdir()
        if (p.name == WRITER_TEMP or TOC_TEMP.match(p.name) or p.suffix == ".tmp")
        or ((segment := segment_of(p.name)) is not None and segment not in read)
    ]


@dataclass(frozen=True, slots=True)
class SegmentFacts:
    """One segment of a commit as its files read."""

    segment: str
    documents: int  # live documents, by the TOC
    problem: str | None  # None: it opens and its document counts agree


def read_segments(path: Path, generation: int) -> list[SegmentFacts]:
    """Each segment of the commit ``generation``, opened: its id column read whole (one id
    a live document, as many as the TOC counts), its first and last stored documents."""
    from whoosh.reading import SegmentReader

    storage = MappedStorage(str(path))
    toc = TOC.read(storage, INDEX_NAME, generation)
    found = []
    for segment in toc.segments:
        try:
            with SegmentReader(storage, toc.schema, segment) as reader:
                problem = _disagreement(reader, segment.doc_count())
        except PermissionError:
            raise  # not damage: the caller says it cannot read
        except Exception as exc:  # any decoding error of a damaged file
            problem = f"cannot be read: {type(exc).__name__}: {exc}"
        found.append(SegmentFacts(segment.segment_id(), segment.doc_count(), problem))
    return found


def _disagreement(reader, documents: int) -> str | None:
    live = list(reader.all_doc_ids())
    if not live:
        return None if documents == 0 else f"the TOC counts {documents} documents, none read"
    column = reader.column_reader("id")
    ids = {column[n] for n in live}
    if len(live) != documents or len(ids) != documents:
        return f"the TOC counts {documents} documents, the id column holds {len(ids)}"
    for n in (live[0], live[-1]):
        if reader.stored_fields(n).get("id") != column[n]:
            return f"document {n}: its stored id differs from its id column"
    return None
