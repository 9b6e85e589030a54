"""Reading article files into an index (the work behind `searcharc index`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from searcharc import index as store
from searcharc.errors import SearcharcError
from searcharc.ingest import parse_text, read_articles
from searcharc.records import Article
from searcharc.search import SearchIndex


def articles_from(paths: Iterable[Path]) -> Iterator[Article]:
    """Articles from folders (recursively) and single files."""
    for path in paths:
        if path.is_dir():
            yield from read_articles(path)
        elif path.is_file():
            yield parse_text(path.read_text("utf-8-sig"), path.name)
        else:
            raise SearcharcError(f"{path}: no such file or folder")


def index_paths(paths: list[Path], target: Path, rebuild: bool = False) -> store.WriteSummary:
    """Index ``paths`` into ``target``, creating it (or starting over with ``rebuild``)."""
    if store.exists(target) and not rebuild:
        search_index = SearchIndex.open(target)
    else:
        search_index = SearchIndex.create(target)
    return search_index.add(articles_from(paths))


def is_empty_folder(path: Path) -> bool:
    """Nothing there yet, or a folder holding at most its README (as the default index/ does)."""
    if not path.exists():
        return True
    return path.is_dir() and all(p.name == "README.md" for p in path.iterdir())


def open_or_build(target: Path, seeds: Path, notify: Callable[[str], None]) -> SearchIndex:
    """Open the index at ``target``; with none there yet, build it from the seed articles first."""
    if store.exists(target):
        return SearchIndex.open(target)
    if not is_empty_folder(target):
        raise SearcharcError(f"{target} holds other files, not a searcharc index: choose another")
    if not seeds.is_dir():
        raise SearcharcError(
            f"no index at {target}; build one: searcharc index PATH --index {target}"
        )
    notify(f"searcharc: no index at {target} yet; indexing {seeds} first")
    index_paths([seeds], target)
    return SearchIndex.open(target)
