"""How the read path reads segment files: through memory maps (storage.MappedFile), and with the
term infos a segment keeps (segments.CachedTerms): the same answers as W3's terms reader, for terms it
holds and terms it does not, and a term looked up once per segment, not per use."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from whoosh.reading import TermNotFound

from searcharc import SearchIndex
from searcharc.index import store
from searcharc.search.ranking import DEFAULT as DEFAULT_RANKING
from searcharc.whooshx import segments, storage


def segment_terms(index):
    """The first segment's terms reader, cached and raw."""
    reader = index.backend.searcher(DEFAULT_RANKING).reader()
    leaf = reader.leaf_readers()[0][0]
    assert isinstance(leaf._terms, segments.CachedTerms)
    return leaf._terms, leaf._terms._terms


def facts(info) -> tuple:
    """What a term info says (its own ``to_bytes`` fails on the extent W3 read back)."""
    numbers = ("doc_frequency", "weight", "min_length", "max_length", "max_weight")
    return (*(getattr(info, n)() for n in numbers), info.extent())


@pytest.fixture
def index(seed_index):
    seed_index.search("مكافحة الإرهاب")  # opens the searcher, as any query does
    return seed_index


def test_every_searcher_a_query_opens_keeps_its_term_infos(index):
    reader = index.backend.searcher(DEFAULT_RANKING).reader()
    assert all(isinstance(leaf._terms, segments.CachedTerms) for leaf, _ in reader.leaf_readers())


@pytest.mark.parametrize(
    "fieldname, text",
    [
        ("body", "مكافح"),  # held (a stem of the seeds)
        ("body", "ارهاب"),
        ("title", "بلينكن"),
        ("body", "غيرموجودةابدا"),  # not held
        ("title", "zzz"),
    ],
)
def test_the_cached_terms_answer_as_the_terms_reader(index, fieldname, text):
    cached, raw = segment_terms(index)
    tbytes = text.encode("utf-8")
    held = (fieldname, tbytes) in raw
    for _ in range(2):  # the first answer looks up, the second is kept
        assert ((fieldname, tbytes) in cached) is held
        if held:
            assert cached.doc_frequency(fieldname, tbytes) == raw.doc_frequency(fieldname, tbytes)
            assert cached.frequency(fieldname, tbytes) == raw.frequency(fieldname, tbytes)
            info, expected = cached.term_info(fieldname, tbytes), raw.term_info(fieldname, tbytes)
            assert facts(info) == facts(expected)
        else:
            with pytest.raises(KeyError):
                cached.doc_frequency(fieldname, tbytes)
            with pytest.raises(TermNotFound):
                cached.term_info(fieldname, tbytes)


def test_a_term_is_looked_up_once_however_often_it_is_used(index, monkeypatch):
    cached, raw = segment_terms(index)
    cached._infos.clear()
    looked_up = []
    lookup = raw.term_info

    def counted(fieldname, tbytes):
        looked_up.append((fieldname, tbytes))
        return lookup(fieldname, tbytes)

    monkeypatch.setattr(raw, "term_info", counted)
    first = index.search("مكافحة الإرهاب في المغرب")
    assert looked_up and len(looked_up) == len(set(looked_up))
    count = len(looked_up)
    again = index.search("مكافحة الإرهاب في المغرب")
    assert len(looked_up) == count  # nothing looked up again
    assert [(h.id, h.score) for h in again.hits] == [(h.id, h.score) for h in first.hits]


def test_a_full_cache_starts_again(index, monkeypatch):
    cached, _ = segment_terms(index)
    monkeypatch.setattr(segments, "CACHED_TERMS", 3)
    cached._infos.clear()
    for text in ("مكافح", "ارهاب", "غيرموجودةابدا"):
        assert ("body", text.encode("utf-8")) in cached or text == "غيرموجودةابدا"
    assert len(cached._infos) == 3
    assert ("body", "مغرب".encode()) in cached  # the fourth: the three dropped
    assert list(cached._infos) == [("body", "مغرب".encode())]


def test_segment_files_are_read_through_memory_maps(seed_index_dir):
    ix = store.open_existing(seed_index_dir)
    names = [n for n in ix.storage.list() if n.endswith((".trm", ".pst", ".seg"))]
    assert names
    for name in names:
        f = ix.storage.open_file(name)
        assert isinstance(f, storage.MappedFile) and f._map is not None
        data = (seed_index_dir / name).read_bytes()
        for start, length in ((0, 16), (len(data) // 2, 7), (len(data) - 3, 10)):
            assert f.get(start, length) == data[start : start + length]
        f.close()


def test_an_empty_file_is_read_without_a_map(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    f = storage.MappedStorage(str(tmp_path)).open_file("empty")
    assert f._map is None and f.get(0, 4) == b""
    f.close()


def test_a_file_that_cannot_be_mapped_is_read_as_a_file(seed_index_dir, monkeypatch):
    def refused(*args, **kwargs):
        raise OSError("no mmap here")

    monkeypatch.setattr(storage.mmap, "mmap", refused)
    ix = store.open_existing(seed_index_dir)
    name = next(n for n in ix.storage.list() if n.endswith(".trm"))
    f = ix.storage.open_file(name)
    assert f._map is None
    assert f.get(3, 9) == (seed_index_dir / name).read_bytes()[3:12]
    f.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_indexes_let_go_leave_no_segment_file_open(seed_index_dir):
    """A segment's view (``segments.view``: its caches) lives as long as the segment's
    reader, not longer: an index dropped without ``close`` leaves no file open."""

    def open_files() -> int:
        gc.collect()
        return len(list(Path("/proc/self/fd").iterdir()))

    before = open_files()
    for _ in range(20):
        SearchIndex.open(seed_index_dir).search("مكافحة الإرهاب", facets=True)
    assert open_files() - before < 20
