"""`searcharc check --repair`: a new commit of each damaged index folder (each damaged shard)
without its damaged segments, the articles that left with them listed.

The articles are put back by the next `searcharc index` of the same inputs: the repair forgets
the inputs manifest (``searcharc.inputs.json``) before its commit, as every commit does, so
that run reads every input again; the articles still indexed are skipped by their content
hash (read, not written) and the missing ones are added. Neither the manifest (sizes and
times only) nor the damaged segment (whose id and origin columns may be damaged too) has to
say which articles they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from searcharc.errors import SearcharcError
from searcharc.index import check, checksums, faults, manifest, shards, store
from searcharc.index.lock import writer_lock
from searcharc.whooshx import generations

BUSY = "check --repair runs only while no one writes: run it again when that one ends"


@dataclass(frozen=True, slots=True)
class Lost:
    """A segment the repair dropped and the articles that left with it."""

    folder: Path
    segment: str
    articles: int  # live documents, by the TOC
    ids: list[str] | None  # None: unreadable (its id column is damaged too)


@dataclass(frozen=True, slots=True)
class Repair:
    """What ``repair`` found (``check``'s report) and did."""

    found: check.Report
    lost: list[Lost]
    commits: dict[str, int]  # each folder repaired and its new commit
    beyond: list[str]  # damage no commit can leave out (a table of contents): one line each

    @property
    def exit_status(self) -> int:
        return 1 if self.beyond else 0

    def as_dict(self) -> dict:
        lost = [
            {"shard": str(x.folder), "segment": x.segment, "articles": x.articles, "ids": x.ids}
            for x in self.lost
        ]
        found = self.found.as_dict()
        return {**found, "repaired": self.commits, "lost": lost, "not_repaired": self.beyond}


def repair(path: Path) -> Repair:
    """Check the index at ``path`` and commit each damaged folder without its damaged
    segments, holding the write lock (refused at once while another writer holds it)."""
    count = check.shard_count(path)
    if shards.is_sharded(path.parent) and path.name.startswith("shard-"):
        raise SearcharcError(
            f"{path} is a shard of {path.parent}: repair the whole index "
            f"(searcharc check --repair --index {path.parent})"
        )
    with faults.writes(path), writer_lock(path, 0, BUSY):
        faults.remove_unfinished(lambda: shards.shard_paths(path, count))  # a killed run's
        found = check.check(path)
        damaged = [folder for folder in found.folders if not folder.healthy]
        verdicts = [(folder, unmendable(folder, path)) for folder in damaged]
        beyond = [line for _, line in verdicts if line]
        mendable = [folder for folder, line in verdicts if not line]
        if not mendable:
            return Repair(found, [], {}, beyond)
        manifest.forget(path)  # the next index run reads every input (the module's docstring)
        lost, commits = [], {}
        for folder in mendable:
            drop = damaged_segments(folder)
            lost += [lost_articles(folder, segment) for segment in sorted(drop)]
            commits[str(folder.path)] = generations.without(folder.path, drop)
            store.IndexMeta.read(folder.path).touched().write(folder.path)
        if count > 1:
            last = [generations.generations(p)[-1] for p in shards.shard_paths(path, count)]
            shards.record_generations(path, last)
    return Repair(found, lost, commits, beyond)


def damaged_segments(folder: check.FolderCheck) -> set[str]:
    """The segments of a folder with a damaged file, or that do not open or count right."""
    files = {f.segment for f in folder.files if f.problem and f.segment}
    return files | {s.segment for s in folder.segments if s.problem}


def unmendable(folder: check.FolderCheck, index: Path) -> str | None:
    """The line of damage no new commit can leave out: a folder without a commit, or whose
    table of contents does not read (the checksums file does not count: a new commit
    records them again)."""
    sums = checksums.name_of(folder.generation) if folder.generation is not None else None
    for file in folder.files:
        if file.problem and file.segment is None and file.name != sums:
            return (
                f"{folder.path / file.name} {file.problem}: no commit without it can be made; "
                f"rebuild the index: searcharc index --rebuild --index {index}"
            )
    return None


def lost_articles(folder: check.FolderCheck, segment: str) -> Lost:
    """A dropped segment's articles: their ids, unless its id column is damaged or unreadable."""
    articles = next((s.documents for s in folder.segments if s.segment == segment), 0)
    id_column = [f for f in folder.files if f.segment == segment and f.name.endswith(".id.col")]
    if any(f.problem for f in id_column):
        return Lost(folder.path, segment, articles, None)
    try:
        ids = generations.live_ids(folder.path, folder.generation, segment)
    except PermissionError as exc:
        raise SearcharcError(f"{folder.path} cannot be read: {exc.strerror}") from None
    except Exception:  # any decoding error of a damaged file
        return Lost(folder.path, segment, articles, None)
    return Lost(folder.path, segment, articles, sorted(ids))
