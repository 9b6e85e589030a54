"""A replica as a byte copy of its primary's committed files (searcharc.cluster.replication):
chunked, verified, switched in whole; a copy killed halfway, a damaged file, an open reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from searcharc.cluster import replication
from searcharc.cluster.replication import CHUNK, Checksums
from searcharc.errors import SearcharcError
from searcharc.index import store
from searcharc.records import Article
from searcharc.search.searcher import SearchIndex
from searcharc.whooshx import generations

WORDS = [
    "القدس",
    "غزة",
    "الرباط",
    "المغرب",
    "الجزائر",
    "تونس",
    "القاهرة",
    "بيروت",
    "دمشق",
    "عمان",
    "بغداد",
]


def articles(start: int, count: int) -> list[Article]:
    """Articles long enough that a segment's files take several chunks."""
    return [
        Article(
            id=f"a{n:04d}",
            title=f"{WORDS[n % len(WORDS)]} {n}",
            body=" ".join(WORDS[(n + k) % len(WORDS)] + str(k % 97) for k in range(400)),
        )
        for n in range(start, start + count)
    ]


def add(folder: Path, batch: list[Article]) -> None:
    writer = store.Writer(store.open_existing(folder), folder)
    for article in batch:
        writer.put(article)
    writer.commit()


@pytest.fixture()
def primary(tmp_path: Path) -> Path:
    folder = tmp_path / "primary" / "shard-0"
    store.create(folder)
    add(folder, articles(0, 60))
    return folder


class Counting:
    """The primary's chunks, counted; it fails after ``fail_after`` calls (a copy killed)."""

    def __init__(self, folder: Path, fail_after: int | None = None):
        self.folder, self.fail_after, self.calls, self.largest = folder, fail_after, 0, 0

    def __call__(self, name: str, offset: int, size: int) -> bytes:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise ConnectionError("the primary went away")
        self.calls += 1
        chunk = replication.read_chunk(self.folder, name, offset, size)
        self.largest = max(self.largest, len(chunk))
        return chunk


def catch_up(primary: Path, replica: Path, read=None, keep: set[int] = frozenset()):
    sums = Checksums()
    wanted = replication.listing(primary, sums)
    return replication.catch_up(replica, wanted, read or Counting(primary), sums, set(keep))


def ids(folder: Path, query: str = "القدس") -> list[str]:
    index = SearchIndex.open(folder)
    try:
        return [h.id for h in index.search(query, limit=1000).hits]
    finally:
        index.close()


def same_files(a: Path, b: Path) -> bool:
    names = replication.committed(a)
    return names == replication.committed(b) and all(
        (a / n).read_bytes() == (b / n).read_bytes() for n in names
    )


def test_a_new_replica_copies_every_file_in_chunks_and_reads_as_the_primary(primary, tmp_path):
    replica = tmp_path / "replica" / "shard-0"
    read = Counting(primary)
    copied = catch_up(primary, replica, read)
    assert same_files(primary, replica)
    assert copied.generation == generations.generations(primary)[-1]
    assert copied.bytes > 2 * CHUNK and read.largest <= CHUNK
    assert read.calls >= copied.bytes // CHUNK
    assert not replication.stage_of(replica).exists()
    assert ids(replica) == ids(primary) != []


def test_a_replica_that_missed_commits_copies_only_what_differs(primary, tmp_path):
    replica = tmp_path / "replica" / "shard-0"
    catch_up(primary, replica)
    add(primary, articles(60, 5))
    again = catch_up(primary, replica)
    assert same_files(primary, replica)
    total = sum(e.size for e in replication.listing(primary, Checksums()))
    assert 0 < again.bytes < total  # the new segment, its TOC and the metadata
    assert ids(replica) == ids(primary)
    assert catch_up(primary, replica).files == 0  # nothing differs now


def test_a_damaged_file_is_copied_again(primary, tmp_path):
    replica = tmp_path / "replica" / "shard-0"
    catch_up(primary, replica)
    victim = max(replication.committed(replica), key=lambda n: (replica / n).stat().st_size)
    data = bytearray((replica / victim).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (replica / victim).write_bytes(bytes(data))
    assert replication.missing(replica, replication.listing(primary, Checksums()), Checksums())
    assert catch_up(primary, replica).files == 1
    assert same_files(primary, replica)


def test_a_copy_killed_halfway_leaves_the_replica_as_it_was_and_the_next_finishes(
    primary, tmp_path
):
    replica = tmp_path / "replica" / "shard-0"
    catch_up(primary, replica)
    before = ids(replica)
    generation = generations.generations(replica)[-1]
    add(primary, articles(60, 40))
    with pytest.raises(ConnectionError):
        catch_up(primary, replica, Counting(primary, fail_after=3))
    assert replication.stage_of(replica).is_dir()  # the copy stopped halfway
    assert generations.generations(replica)[-1] == generation
    assert ids(replica) == before
    catch_up(primary, replica)
    assert same_files(primary, replica) and ids(replica) == ids(primary) != before


def test_a_chunk_that_does_not_add_up_is_refused_and_nothing_switched(primary, tmp_path):
    replica = tmp_path / "replica" / "shard-0"

    def lying(name: str, offset: int, size: int) -> bytes:
        return b"\0" * min(size, CHUNK)

    with pytest.raises(SearcharcError, match="CRC"):
        catch_up(primary, replica, lying)
    assert generations.generations(replica) == []


def read_all(reader) -> tuple[list[str], dict[bytes, list[int]]]:
    """Every stored id, and the postings of the body's first 50 terms."""
    stored = sorted(fields["id"] for fields in reader.all_stored_fields())
    terms = [t for _, t in zip(range(50), reader.lexicon("body"), strict=False)]
    return stored, {t: list(reader.postings("body", t).all_ids()) for t in terms}


def test_an_open_reader_of_the_previous_commit_keeps_reading(primary, tmp_path):
    replica = tmp_path / "replica" / "shard-0"
    catch_up(primary, replica)
    first = generations.generations(replica)[-1]
    old = store.open_existing(replica).reader()  # a reader of the first commit, held open
    before = read_all(old)
    add(primary, articles(60, 30))
    catch_up(primary, replica, keep={first})
    assert generations.generations(replica) == [first, generations.generations(primary)[-1]]
    assert read_all(old) == before
    assert len(read_all(store.open_existing(replica).reader())[0]) == 90
    add(primary, articles(90, 5))
    catch_up(primary, replica)  # the first commit no longer kept: its files go
    assert first not in generations.generations(replica)
    assert read_all(old) == before
    old.close()


def test_only_a_shards_own_files_are_read(primary):
    with pytest.raises(SearcharcError):
        replication.read_chunk(primary, "../secret", 0)
