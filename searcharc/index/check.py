"""`searcharc check`: every file of an index's last commit against the length and CRC-32 the
commit recorded (``searcharc.index.checksums``), and every segment opened, its document counts
compared; each shard of a sharded index. Nothing is changed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from searcharc.errors import SearcharcError
from searcharc.index import checksums, shards
from searcharc.whooshx import generations


@dataclass(frozen=True, slots=True)
class FileCheck:
    """One file of a commit: ``problem`` None when its length and CRC-32 are as recorded."""

    name: str
    segment: str | None  # None: not a segment's file (the TOC, the checksums)
    problem: str | None = None


@dataclass(slots=True)
class FolderCheck:
    """One index folder (a shard) at its last commit."""

    path: Path
    generation: int | None = None
    recorded: bool = False  # the commit recorded checksums (made by a searcharc that does)
    files: list[FileCheck] = field(default_factory=list)
    segments: list[generations.SegmentFacts] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        problems = [*(f.problem for f in self.files), *(s.problem for s in self.segments)]
        return self.generation is not None and not any(problems)


@dataclass(frozen=True, slots=True)
class Report:
    """What ``check`` found in an index."""

    path: Path
    folders: list[FolderCheck]

    @property
    def healthy(self) -> bool:
        return all(f.healthy for f in self.folders)

    @property
    def exit_status(self) -> int:
        return 0 if self.healthy else 1

    def as_dict(self) -> dict:
        return {
            "index": str(self.path),
            "healthy": self.healthy,
            "shards": [folder_dict(f) for f in self.folders],
        }


def folder_dict(folder: FolderCheck) -> dict:
    return {
        "path": str(folder.path),
        "generation": folder.generation,
        "healthy": folder.healthy,
        "checksums": folder.recorded,
        "files": [asdict(f) for f in folder.files],
        "segments": [asdict(s) for s in folder.segments],
    }


def shard_count(path: Path) -> int:
    """The shard count of the index at ``path``; SearcharcError when there is none."""
    if not path.is_dir():
        raise SearcharcError(f"no index at {path}")
    count = shards.count(path)
    if count is None:
        raise SearcharcError(f"{path} holds no searcharc index")
    return count


def check(path: Path) -> Report:
    """Check the index at ``path``; SearcharcError when there is none or it cannot be read."""
    count = shard_count(path)
    recorded = shards.generations(path, count)
    folders = shards.shard_paths(path, count)
    try:
        return Report(path, [check_folder(f, g) for f, g in zip(folders, recorded, strict=True)])
    except PermissionError as exc:
        raise SearcharcError(f"{path} cannot be read: {exc.strerror}: {exc.filename}") from None


def check_folder(path: Path, generation: int | None = None) -> FolderCheck:
    """One index folder at its commit ``generation`` (None: its latest)."""
    found = generations.generations(path)
    if not found:
        return FolderCheck(path, files=[FileCheck(path.name, None, "holds no commit")])
    folder = FolderCheck(path, found[-1] if generation is None else generation)
    toc = generations.toc_name(folder.generation)
    try:
        folder.segments = generations.read_segments(path, folder.generation)
    except PermissionError:
        raise
    except Exception as exc:  # a damaged or missing table of contents
        folder.files = [FileCheck(toc, None, f"cannot be read: {type(exc).__name__}: {exc}")]
        return folder
    folder.files = [*recorded_files(folder), FileCheck(toc, None)]
    return folder


def recorded_files(folder: FolderCheck) -> list[FileCheck]:
    """The commit's files against its checksums (none when it recorded none)."""
    name = checksums.name_of(folder.generation)
    try:
        entries = checksums.read(folder.path, folder.generation)
    except (OSError, ValueError) as exc:
        return [FileCheck(name, None, f"cannot be read: {exc}")]
    if entries is None:
        return []
    folder.recorded = True
    unrecorded = {s.segment for s in folder.segments} - {
        generations.segment_of(e.name) for e in entries
    }
    missing = [
        FileCheck(s, s, "the TOC lists it, the checksums none of its files")
        for s in sorted(unrecorded)
    ]
    return [*(file_check(folder.path, e) for e in entries), *missing, FileCheck(name, None)]


def file_check(folder: Path, entry: checksums.FileEntry) -> FileCheck:
    """One file against its recorded length and CRC-32."""
    path = folder / entry.name
    segment = generations.segment_of(entry.name)
    if not path.is_file():
        return FileCheck(entry.name, segment, "missing")
    size = path.stat().st_size
    if size != entry.size:
        return FileCheck(entry.name, segment, f"{size:,} bytes, {entry.size:,} recorded")
    crc = checksums.file_crc(path)
    if crc != entry.crc:
        return FileCheck(entry.name, segment, f"CRC-32 {crc:08x}, {entry.crc:08x} recorded")
    return FileCheck(entry.name, segment)


def rows(report: Report) -> list[tuple[str, ...]]:
    """The report as table rows: shard, commit, segment, documents, files, health."""
    found = []
    for folder in report.folders:
        shard, commit = str(folder.path), str(folder.generation)
        for segment in [*folder.segments, None]:
            name = segment.segment if segment else None
            files = [f for f in folder.files if f.segment == name]
            problems = [f"{f.name}: {f.problem}" for f in files if f.problem]
            if segment and segment.problem:
                problems.append(segment.problem)
            documents = f"{segment.documents:,}" if segment else ""
            health = "; ".join(problems) or "ok"
            found.append((shard, commit, name or "-", documents, str(len(files)), health))
    return found
