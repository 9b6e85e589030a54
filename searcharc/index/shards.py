"""An index split into shards: each article in shard hash(id) % N, each shard an ordinary
searcharc index in a folder of its own (``shard-0``, ``shard-1``, …) under the index folder.

One shard is today's single index, unchanged on disk (no shards file). The index folder of
N > 1 shards holds ``searcharc.shards.json`` (the count, fixed when it is created, and the
last commit of the whole index: each shard's generation, recorded once every shard has
committed), the lock and the inputs manifest of ``searcharc index``; the shards are the unit
that searches run in parallel, here or on other machines (``searcharc.cluster``).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from searcharc.errors import SearcharcError
from searcharc.index import store
from searcharc.records import Article

SHARDS_FILE = "searcharc.shards.json"


def shard_of(article_id: str, shards: int) -> int:
    """The shard that holds an article: a stable hash of its id (not Python's salted hash)."""
    return zlib.crc32(article_id.encode("utf-8")) % shards


def shard_paths(path: Path, shards: int) -> list[Path]:
    """The folders of an index's shards (the index folder itself for one shard)."""
    return [path] if shards == 1 else [path / f"shard-{i}" for i in range(shards)]


def _recorded(path: Path) -> dict | None:
    """The shards file of the index at ``path`` (None: there is none)."""
    try:
        data = json.loads((path / SHARDS_FILE).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SearcharcError(f"{path / SHARDS_FILE} cannot be read: {exc}") from None
    return data if isinstance(data, dict) else {}


def count(path: Path) -> int | None:
    """How many shards the index at ``path`` has; None when there is no index there."""
    data = _recorded(path)
    if data is None:
        return 1 if store.exists(path) else None
    shards = data.get("shards")
    if not isinstance(shards, int) or shards < 2:
        raise SearcharcError(f"{path / SHARDS_FILE} does not give a shard count of 2 or more")
    return shards


def generations(path: Path, shards: int) -> list[int | None]:
    """Each shard's generation at the index's last commit (None: not recorded, the latest)."""
    found = (_recorded(path) or {}).get("generations")
    if isinstance(found, list) and len(found) == shards and all(type(g) is int for g in found):
        return found
    return [None] * shards


def _record(path: Path, data: dict) -> None:
    """Write the shards file at once (a reader sees the old one or the new one)."""
    tmp = path / (SHARDS_FILE + ".tmp")
    tmp.write_text(json.dumps(data) + "\n", "utf-8")
    tmp.replace(path / SHARDS_FILE)


def record_generations(path: Path, found: list[int]) -> None:
    """Record each shard's generation as the index's last commit."""
    _record(path, {"shards": len(found), "generations": found})


def is_sharded(path: Path) -> bool:
    """Whether ``path`` holds an index of two or more shards."""
    return (path / SHARDS_FILE).is_file()


def chosen(path: Path, wanted: int | None) -> int:
    """The shard count to write ``path`` with: the recorded one, or ``wanted`` (default 1) for a
    new index; a ``wanted`` count other than the recorded one is refused."""
    found = count(path)
    if found is None:
        return wanted or 1
    if wanted is not None and wanted != found:
        raise SearcharcError(
            f"{path} has {found} shard{'s' if found > 1 else ''}, not {wanted}: "
            f"build {wanted} shards in another folder (--index DIR)"
        )
    return found


def prepare(path: Path, shards: int) -> list[Path]:
    """The shard folders of an index of ``shards`` shards, recorded when the index is new."""
    if shards > 1 and not is_sharded(path):
        if not store.is_empty_folder(path):
            raise SearcharcError(f"{path} holds other files, not a searcharc index: choose another")
        path.mkdir(parents=True, exist_ok=True)
        _record(path, {"shards": shards})
    return shard_paths(path, shards)


class ShardedWriter:
    """``store.Batch``'s interface over one batch a shard: each article goes to its shard.

    The writers share one content-hash table, so that identical content under two ids is
    indexed once, as in one index. ``commit`` commits each shard in turn: a run killed between
    two leaves every shard searchable, and the next run (whose inputs manifest was dropped
    first) finishes the work.
    """

    def __init__(self, path: Path | None, writers: list[store.Batch]):
        """``path``: the index folder (None: a subclass that commits elsewhere, as
        ``searcharc.cluster.indexing.ClusterWriter``)."""
        self.path = path
        self.writers = writers
        shared: dict[str, str] = {}
        for writer in writers:
            shared.update(writer.by_hash)
        for writer in writers:
            writer.by_hash = shared

    @property
    def clear(self) -> bool:
        """Whether the commit replaces what the index held (``--rebuild``)."""
        return any(writer.clear for writer in self.writers)

    def _of(self, article_id: str) -> store.Batch:
        return self.writers[shard_of(article_id, len(self.writers))]

    def put(self, article: Article) -> tuple[str, str | None]:
        return self._of(article.id).put(article)

    def remove(self, article_id: str) -> bool:
        return self._of(article_id).remove(article_id)

    def keep_inputs(self, origins: set[str]) -> int:
        return sum(writer.keep_inputs(origins) for writer in self.writers)

    def unseen(self) -> Iterator[tuple[str, store.Known]]:
        for writer in self.writers:
            yield from writer.unseen()

    def commit(self, optimize: bool = False) -> None:
        from searcharc.index import manifest  # reads inputs: not imported by a query

        manifest.forget(self.path)
        for writer in self.writers:
            writer.commit(optimize)
        record_generations(self.path, [writer.generation() for writer in self.writers])

    def cancel(self) -> None:
        for writer in self.writers:
            writer.cancel()
