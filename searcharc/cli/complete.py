"""Shell completion of what Typer cannot know by itself (the rest, commands, options and the
values of choices such as --sort, is Typer's own: `searcharc --install-completion`)."""

from __future__ import annotations

from pathlib import Path

MAX_LOOKS = 200  # folders looked into for one completion: a Tab answers at once


def index_folders(incomplete: str) -> list[tuple[str, str]]:
    """--index: the folders that hold a searcharc index, among those whose name starts as
    typed and one level below them; when there are none, the folders themselves (ending in /),
    to go on typing from."""
    from searcharc.index import shards, store  # Whoosh: only when completing --index

    def is_index(path: Path) -> bool:
        return store.exists(path) or shards.is_sharded(path)

    cut = incomplete.rfind("/") + 1
    typed, start = incomplete[:cut], incomplete[cut:]
    folders = [
        typed + entry.name
        for entry in sorted(folders_in(Path(typed or ".")))
        if entry.name.startswith(start) and (start.startswith(".") or entry.name[0] != ".")
    ]
    found = []
    for folder in folders:
        if is_index(Path(folder)):
            found.append(folder)
        else:
            found += [f"{folder}/{p.name}" for p in sorted(folders_in(Path(folder))) if is_index(p)]
    return [(f, "a searcharc index") for f in found] or [(f + "/", "a folder") for f in folders]


def folders_in(path: Path) -> list[Path]:
    """The first MAX_LOOKS folders in ``path`` (none when it cannot be read)."""
    found: list[Path] = []
    try:
        for entry in path.iterdir():
            if len(found) >= MAX_LOOKS:
                break
            if entry.is_dir():
                found.append(entry)
    except OSError:
        pass
    return found
