"""Article vectors kept with the index (`searcharc embed`, ``--semantic``): files of a
segment, ``<segment id>.<serial>.vec``, each holding some of its documents' vectors as int8
with a scale each (cosine error under 0.01). Being a segment's files, they are in its commit's
checksums (``searcharc check``), copied by replicas, deleted with their segment; a merge
(``carry``) gives the new segment the vectors of its documents by content hash, so that they
are computed once an article. Nothing here imports numpy until a vector file exists."""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".vec"
MAGIC = b"SAVEC1\n"
HEADER = struct.Struct("<I")  # the JSON header's length, after MAGIC


@dataclass(frozen=True, slots=True)
class Table:
    """A segment's vectors: its documents' numbers (sorted), scales and int8 rows."""

    docnums: object  # numpy int32 (n,)
    scales: object  # numpy float32 (n,)
    values: object  # numpy int8 (n, dimensions)

    def __len__(self) -> int:
        return len(self.docnums)


def chunk_files(folder: Path, segment: str, names: list[str] | None = None) -> list[str]:
    """The vector files of a segment (``names``: the folder's, when already listed)."""
    prefix = f"{segment}."
    listed = names if names is not None else os.listdir(folder)
    return sorted(n for n in listed if n.startswith(prefix) and n.endswith(SUFFIX))


def quantized(vectors) -> tuple[object, object]:
    """Unit float vectors as int8 rows and a scale each (row × scale ≈ vector)."""
    import numpy as np

    vectors = np.asarray(vectors, dtype=np.float32)
    scales = np.maximum(np.abs(vectors).max(axis=1), 1e-12) / 127
    values = np.clip(np.rint(vectors / scales[:, None]), -127, 127).astype(np.int8)
    return values, scales.astype(np.float32)


def write_chunk(folder: Path, segment: str, docnums, values, scales, model: str) -> str:
    """Write and sync a new vector file of ``segment`` (``.tmp`` first, then renamed: a
    reader never sees half of one); its name."""
    import numpy as np

    order = np.argsort(np.asarray(docnums, dtype=np.int32), kind="stable")
    docnums = np.asarray(docnums, dtype=np.int32)[order]
    values, scales = np.asarray(values, np.int8)[order], np.asarray(scales, np.float32)[order]
    serial = len(chunk_files(folder, segment))
    name = f"{segment}.{serial:06d}{SUFFIX}"
    while (folder / name).exists():
        serial += 1
        name = f"{segment}.{serial:06d}{SUFFIX}"
    head = json.dumps({"model": model, "count": len(docnums), "dimensions": values.shape[1]})
    tmp = folder / f"tmp-{name}.tmp"  # not a segment file until renamed
    with tmp.open("wb") as file:
        file.write(MAGIC + HEADER.pack(len(head)) + head.encode())
        for array in (docnums, scales, values):
            file.write(array.tobytes())
        file.flush()
        os.fsync(file.fileno())
    tmp.replace(folder / name)
    return name


def read_chunk(path: Path) -> Table:
    """One vector file (ValueError: not one, or cut short)."""
    import numpy as np

    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise ValueError(f"{path.name} is not a vector file")
    start = len(MAGIC) + HEADER.size
    (length,) = HEADER.unpack_from(data, len(MAGIC))
    head = json.loads(data[start : start + length])
    count, dimensions = int(head["count"]), int(head["dimensions"])
    at = start + length
    if len(data) != at + count * (8 + dimensions):
        raise ValueError(f"{path.name} is cut short")
    docnums = np.frombuffer(data, np.int32, count, at)
    scales = np.frombuffer(data, np.float32, count, at + 4 * count)
    values = np.frombuffer(data, np.int8, count * dimensions, at + 8 * count)
    return Table(docnums, scales, values.reshape(count, dimensions))


CACHE: dict[tuple, Table] = {}  # a segment's table by its files' names and sizes
CACHED = 64  # segments' tables kept


def segment_table(folder: Path, segment: str, names: list[str] | None = None) -> Table | None:
    """A segment's vectors, all its files together (None: it has none); kept while its files
    are the same (a vector file never changes once written)."""
    files = chunk_files(folder, segment, names)
    if not files:
        return None
    key = (str(folder), *((n, (folder / n).stat().st_size) for n in files))
    if key not in CACHE:
        import numpy as np

        tables = [read_chunk(folder / n) for n in files]
        docnums = np.concatenate([t.docnums for t in tables])
        order = np.argsort(docnums, kind="stable")
        scales = np.concatenate([t.scales for t in tables])[order]
        values = np.concatenate([t.values for t in tables])[order]
        while len(CACHE) >= CACHED:
            CACHE.pop(next(iter(CACHE)))
        CACHE[key] = Table(docnums[order], scales, values)
    return CACHE[key]


def similarities(table: Table | None, docnums: list[int], query) -> list[float | None]:
    """The cosine of each document (a segment's number) with the unit vector ``query``;
    None for a document without a vector."""
    if table is None or not len(table):
        return [None] * len(docnums)
    import numpy as np

    wanted = np.asarray(docnums, dtype=np.int32)
    at = np.minimum(np.searchsorted(table.docnums, wanted), len(table) - 1)
    found = table.docnums[at] == wanted
    cosines = (table.values[at].astype(np.float32) @ np.asarray(query, np.float32)) * table.scales[
        at
    ]
    return [float(c) if f else None for c, f in zip(cosines, found, strict=True)]


def carry(folder: Path, leaving: dict[str, object], arriving: dict[str, object]) -> list[str]:
    """Give each new segment of a commit the vectors that the segments it replaces held for
    the same content: ``leaving`` and ``arriving`` map segment ids to their hash columns
    (docnum → content hash; ``arriving``'s of live documents only); the files written."""
    names = os.listdir(folder)
    sources = {s: t for s in leaving if (t := segment_table(folder, s, names)) is not None}
    if not sources or not arriving:
        return []
    by_hash = {}
    for segment, table in sources.items():
        hashes = leaving[segment]
        for row, docnum in enumerate(table.docnums.tolist()):
            by_hash[hashes[docnum]] = (table.values[row], table.scales[row])
    written = []
    for segment, hashes in arriving.items():
        rows = [(d, by_hash[h]) for d, h in hashes.items() if h in by_hash]
        if rows:
            values = [v for _, (v, _) in rows]
            scales = [s for _, (_, s) in rows]
            model = model_of(folder / chunk_files(folder, next(iter(sources)), names)[0])
            written.append(
                write_chunk(folder, segment, [d for d, _ in rows], values, scales, model)
            )
    return written


def model_of(path: Path) -> str:
    """The model a vector file was made by."""
    with path.open("rb") as file:
        start = file.read(len(MAGIC) + HEADER.size)
        (length,) = HEADER.unpack_from(start, len(MAGIC))
        return str(json.loads(file.read(length))["model"])


def leaves(reader) -> list[tuple[object, int, str]]:
    """A reader's segments: each one's reader, first docnum and id (none for an empty index,
    whose reader has no segment)."""
    found = reader.leaf_readers()
    return [(leaf, offset, leaf.segment().segment_id()) for leaf, offset in found if leaf.segment()]


def live_vectors(folder: Path, reader) -> tuple[int, int]:
    """How many live documents of ``reader`` (of the index in ``folder``) have a vector, and
    the bytes of its segments' vector files."""
    names = os.listdir(folder)
    count = size = 0
    for leaf, _, segment in leaves(reader):
        table = segment_table(folder, segment, names)
        if table is not None:
            count += sum(not leaf.is_deleted(d) for d in set(table.docnums.tolist()))
            size += sum((folder / n).stat().st_size for n in chunk_files(folder, segment, names))
    return count, size
