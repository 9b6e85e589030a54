"""searcharc's postings format and codec (issue 25): every posting, weight, value, length
byte, bound and CRC-32 read back is what was written; Whoosh's matchers read it as W3's; a
damaged block is never read as postings (issue 24); W3 indexes still open, answer the same,
and merge with new segments."""

from __future__ import annotations

import shutil
import zlib
from array import array
from itertools import accumulate
from pathlib import Path

import numpy as np
import pytest
from conftest import SEEDS, one_line, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.whoosh3 import W3Codec
from whoosh.formats import Frequency
from whoosh.index import open_dir
from whoosh.matching import ReadTooFar, UnionMatcher

from searcharc import SearchIndex
from searcharc.ingest import read_articles
from searcharc.whooshx import blocks, codec, damage, matchers
from searcharc.whooshx.blocks import SIZE, DamagedBlock, Term
from searcharc.whooshx.codec import SkipMatcher

EDGES = [1, 2, 255, 256, 65535, 65536, 1 << 20]  # frequencies at the edges of the widths


class Bytes:
    """A postings file in memory (``get`` as ``MappedFile``'s)."""

    _name = "MAIN_test.pst"

    def __init__(self, data: bytes) -> None:
        self.data = data

    def get(self, position: int, length: int) -> bytes:
        return self.data[position : position + length]


@st.composite
def term_postings(draw):
    """A term's postings: docnums (gaps up to 2^31), weights (whole, at the width edges, or
    not), a length byte each, a format and its values."""
    count = draw(
        st.one_of(st.sampled_from([1, SIZE - 1, SIZE, SIZE + 1, 2 * SIZE]), st.integers(1, 700))
    )
    gaps = draw(
        st.lists(
            st.one_of(st.integers(1, 3), st.integers(1, 1 << 31)), min_size=count, max_size=count
        )
    )
    docnums = [d for d in accumulate([gaps[0] - 1, *gaps[1:]]) if d < 1 << 32]
    freqs = st.one_of(st.sampled_from(EDGES), st.integers(1, 300))
    whole = draw(st.booleans())
    weights = [
        float(draw(freqs)) if whole else draw(st.floats(0.5, 1e6, width=32)) for _ in docnums
    ]
    lengths = bytes(
        draw(st.lists(st.integers(0, 255), min_size=len(docnums), max_size=len(docnums)))
    )
    kind = draw(st.sampled_from(["positions", "frequency", "existence", "fixed"]))
    return docnums, weights, lengths, kind, draw(st.randoms())


def values_of(kind: str, weights: list[float], rng) -> tuple[int | None, list[bytes] | bytes]:
    """A format's fixed size and the values of its postings (``TermRows``'s shape)."""
    if kind == "positions":
        return None, [rng.randbytes(rng.choice([1, 5, 300])) for _ in weights]
    if kind == "frequency" and all(w.is_integer() for w in weights):
        return 4, blocks.uints([int(w) for w in weights])
    if kind == "existence":
        return 0, b""
    return 4, rng.randbytes(4 * len(weights))


@settings(max_examples=60, deadline=None)
@given(term_postings())
def test_what_is_written_reads_back(case):
    docnums, weights, lengths, kind, rng = case
    fixedsize, values = values_of(kind, weights, rng)
    data, stats = blocks.encoded(docnums, array("f", weights), values, fixedsize, lengths)
    file = Bytes(b"xx" + data)  # anywhere in the file
    term = Term(file, 2, file._name)
    weights = list(array("f", weights))  # as 32-bit floats
    assert term.count == len(docnums) and len(term.lasts) == -(-len(docnums) // SIZE)
    found_ids, found_weights, found_values = [], [], []
    for k in range(len(term.lasts)):
        part = slice(k * SIZE, (k + 1) * SIZE)
        ids, ws = term.block(file, k)
        assert list(ids) == docnums[part] and list(ws) == weights[part]
        assert term.lasts[k] == docnums[part][-1]
        assert term.highs[k] == max(weights[part]) and term.shortest[k] == min(lengths[part])
        assert term.longest[k] == max(lengths[part])
        start = term.docs + (term.ends[k - 1] if k else 0)
        assert term.crcs[k] == zlib.crc32(file.get(start, term.docs + term.ends[k] - start))
        found_ids += ids
        found_weights += ws
        found_values += term.values(file, k, fixedsize, ws)
    assert found_ids == docnums and found_weights == weights
    every = np.arange(len(term.lasts))
    for ks in (every, every[::2], every[1:], every[-1:]):  # blocks decoded together (many)
        ids, ws = term.many(file, ks)
        held = [d for k in ks.tolist() for d in docnums[k * SIZE : (k + 1) * SIZE]]
        assert ids.tolist() == held and ids.dtype == np.uint32
        assert ws.tolist() == [w for k in ks.tolist() for w in weights[k * SIZE : (k + 1) * SIZE]]
    if fixedsize == 0:
        assert found_values == [None] * len(docnums)
    elif fixedsize:
        assert b"".join(found_values) == bytes(values)
    else:
        assert found_values == values
    assert stats == (sum(weights), len(docnums), min(lengths), max(lengths), max(weights))
    term.verify(file)


def matcher_of(docnums: list[int], weights: list[float]) -> SkipMatcher:
    values = blocks.uints([int(w) for w in weights])
    data, _ = blocks.encoded(docnums, array("f", weights), values, 4, bytes(len(docnums)))
    file = Bytes(data)
    return SkipMatcher(file, Term(file, 0), Frequency())


def test_the_matcher_reads_and_skips_as_w3s():
    docnums = list(range(3, 3 * 1000, 3))
    weights = [float(d % 7 + 1) for d in docnums]
    matcher = matcher_of(docnums, weights)
    read = []
    while matcher.is_active():
        read.append((matcher.id(), matcher.weight(), matcher.value_as("frequency")))
        matcher.next()
    assert read == [(d, w, int(w)) for d, w in zip(docnums, weights, strict=True)]
    matcher.reset()
    for target in (0, 4, 6, 7, 400, 401, 1500, 2996):
        matcher.skip_to(target)
        assert matcher.id() == min(d for d in docnums if d >= target)
    matcher.skip_to(2998)
    assert not matcher.is_active()
    with pytest.raises(ReadTooFar):
        matcher.skip_to(5000)


class Weight:
    """A scorer whose block quality is the block's highest weight."""

    def supports_block_quality(self):
        return True

    def block_quality(self, matcher):
        return matcher.block_max_weight()


def test_quality_skips_whole_blocks():
    """``skip_to_quality`` passes the blocks whose highest weight is not above the quality."""
    docnums = list(range(4 * SIZE))
    weights = [9.0 if d == 3 * SIZE + 5 else 1.0 for d in docnums]

    matcher = matcher_of(docnums, weights)
    matcher.scorer = Weight()
    assert matcher.skip_to_quality(1.0) == 3
    assert matcher.block_min_id() == 3 * SIZE and matcher.block_max_weight() == 9.0
    assert matcher.skip_to_quality(9.0) == 1 and not matcher.is_active()
    assert matcher.block_quality() == 0.0  # Whoosh's UnionMatcher asks an exhausted child


def test_a_union_skipping_blocks_past_a_childs_end():
    """Whoosh's top-k over a union (words within dates: not ranked in bulk) skips a child's
    blocks of low quality until it is exhausted, then asks it for its block quality: that was
    "searcharc: internal error: IndexError" (`query "مكافحة الإرهاب" --since 2014-01-01`)."""
    docnums = list(range(3 * SIZE))
    low, high = matcher_of(docnums, [1.0] * len(docnums)), matcher_of(docnums, [2.0] * len(docnums))
    low.scorer = high.scorer = Weight()
    UnionMatcher(low, high).skip_to_quality(4.0)  # low's blocks (1) cannot lift high's (2) to 4
    assert not low.is_active() and high.is_active()


def test_an_exclusion_skipping_blocks_past_its_kept_parts_end():
    """Whoosh's top-k over `a -b` skips the kept part's blocks of low quality; when that ends
    it, Whoosh's AndNotMatcher read its id: "searcharc: internal error: IndexError" for 25 of
    160 two-word exclusions at 30,000. The fenced one (``matchers.and_not``) does not."""
    docnums = list(range(3 * SIZE))
    kept, excluded = (
        matcher_of(docnums, [1.0] * len(docnums)),
        matcher_of(docnums[1::2], [1.0] * len(docnums[1::2])),
    )
    kept.scorer = excluded.scorer = Weight()
    both = matchers.and_not(kept, excluded)
    assert both.skip_to_quality(2.0) == 3  # no block of the kept part reaches 2
    assert not both.is_active()


@pytest.mark.parametrize("where", ["header", "directory", "docs", "values"])
def test_a_damaged_byte_is_never_read_as_postings(where: str):
    docnums = list(range(0, 1000, 2))
    values = [bytes([d % 250]) * 20 for d in docnums]
    data, _ = blocks.encoded(docnums, array("f", [1.0] * 500), values, None, bytes(500))
    term = Term(Bytes(data), 0)
    at = {"header": 1, "directory": blocks.HEADER.size + 5, "docs": term.docs + 3}
    at["values"] = term.vals + 5
    damaged = bytearray(data)
    damaged[at[where]] ^= 0x10
    file = Bytes(bytes(damaged))
    with pytest.raises(DamagedBlock, match="MAIN_test.pst"):
        term = Term(file, 0, file._name)
        for k in range(len(term.lasts)):
            term.values(file, k, None, term.block(file, k)[1])
    with pytest.raises(DamagedBlock):
        Term(file, 0, file._name).verify(file)


def test_a_damaged_block_among_many_decoded_together_is_named():
    """``Term.many`` (blocks decoded at once, above ``MANY`` of them) checks each block."""
    docnums = list(range(0, 20 * SIZE * 3, 3))  # 20 blocks
    data, _ = blocks.encoded(docnums, array("f", [2.0] * len(docnums)), [], 0, None)
    term = Term(Bytes(data), 0)
    damaged = bytearray(data)
    damaged[term.docs + term.ends[11] + 4] ^= 0x01  # inside block 12
    file = Bytes(bytes(damaged))
    every = np.arange(20)
    assert Term(file, 0).many(file, every[:12])[0].tolist() == docnums[: 12 * SIZE]
    with pytest.raises(DamagedBlock, match="block 12 .*CRC-32"):
        Term(file, 0, file._name).many(file, every)


def articles():
    return list(read_articles(SEEDS))


QUERIES = ["الإرهاب", "السعودية", "مجلس الوزراء", '"وزير الخارجية"', "النفط OR الاقتصاد"]


def answers(index: SearchIndex) -> list:
    return [
        [(h.id, round(h.score, 9), h.snippets) for h in index.search(q, limit=20).hits]
        for q in QUERIES
    ]


def codecs(path: Path) -> list[str]:
    """The codec of each segment of an index, as ``whoosh.index.open_dir`` opens it."""
    with open_dir(str(path)).reader() as reader:
        return [type(leaf.segment().codec()).__name__ for leaf, _ in reader.leaf_readers()]


def test_w3_indexes_open_answer_the_same_and_merge_into_ours(tmp_path: Path, monkeypatch):
    """An index written with W3 postings (before this codec) answers as one written with
    ours; adding to it writes our segments beside its W3 ones, and a merge of both is ours
    and answers the same."""
    found = articles()
    ours = SearchIndex.create(tmp_path / "ours")
    ours.add(found)
    with monkeypatch.context() as patched:
        patched.setattr(codec, "new_codec", W3Codec)
        old = SearchIndex.create(tmp_path / "w3")
        old.add(found[:3])
    old = SearchIndex.open(tmp_path / "w3")
    old.add(found[3:])
    assert set(codecs(tmp_path / "w3")) == {"W3Codec", "SkipCodec"}
    assert answers(old) == answers(ours) != [[]] * len(QUERIES)
    ours_optimized = run_cli("index", str(SEEDS), "--index", str(tmp_path / "w3"), "--optimize")
    assert ours_optimized.returncode == 0, ours_optimized.stderr
    merged = SearchIndex.open(tmp_path / "w3")
    assert codecs(tmp_path / "w3") == ["SkipCodec"]
    assert answers(merged) == answers(ours)


def test_a_damaged_postings_block_is_one_line_and_never_a_hit(seed_index_dir: Path, tmp_path):
    """Bytes changed inside a block of the postings of the query's term: the query says the
    file is damaged (exit 2, no hit), ``searcharc check`` names it, its blocks' CRC-32s too."""
    index = Path(shutil.copytree(seed_index_dir, tmp_path / "index"))
    (postings,) = index.glob("MAIN_*.pst")
    with open_dir(str(index)).reader() as reader:
        (token,) = reader.schema["body"].process_text("الإرهاب", mode="query")
        offset = reader.term_info("body", token).extent()[0]
    data = bytearray(postings.read_bytes())
    at = Term(Bytes(bytes(data)), offset).docs + 1  # the first block's first gap
    data[at] ^= 0x01
    postings.write_bytes(bytes(data))
    done = run_cli("query", "الإرهاب", "--index", str(index))
    assert done.returncode == 2 and done.stdout == ""
    segment = postings.name.split(".")[0]
    assert one_line(done.stderr) == (
        f"searcharc: {postings} is damaged (segment {segment}, 5 articles): "
        f"run searcharc check --index {index}"
    )
    checked = run_cli("check", "--index", str(index))
    assert checked.returncode == 1 and postings.name in checked.stdout
    for recorded in index.glob("searcharc.checksums.*.json"):  # as a commit made before them
        recorded.unlink()
    checked = run_cli("check", "--index", str(index), "--json")
    assert checked.returncode == 1 and "CRC-32" in checked.stdout, checked.stdout
    assert run_cli("query", "الإرهاب", "--index", str(index)).returncode == 2
    generation = max(int(p.stem.rsplit("_", 1)[1]) for p in index.glob("*.toc"))
    ((name, problem),) = damage.verify(index, generation)
    assert name == postings.name and "CRC-32" in problem


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=12), min_size=0, max_size=2000, unique=True))
def test_the_term_index_writes_its_hash_tables_as_whoosh_does(keys):
    """``codec.TermHashWriter`` (each hash table packed at once) writes the bytes Whoosh's
    ``OrderedHashWriter`` writes, collisions and empty buckets included."""
    from io import BytesIO

    from whoosh.filedb.filetables import OrderedHashWriter
    from whoosh.filedb.structfile import StructFile

    written = []
    for writer_class in (OrderedHashWriter, codec.TermHashWriter):
        out = BytesIO()
        writer = writer_class(StructFile(out))
        for key in sorted(keys):
            writer.add(key, b"v" + key)
        writer._write_hashes()
        written.append((out.getvalue(), writer.directory))
    assert written[0] == written[1]


def test_the_term_index_reads_as_whooshs(seed_index_dir: Path):
    """Our segments' term index (``codec.TermIndex``: its directory read in one piece) holds
    what Whoosh's own reader of the file reads, and finds every term as it does."""
    from whoosh.filedb.filetables import FileFormatError, OrderedHashReader

    from searcharc.whooshx.storage import MappedStorage

    storage = MappedStorage(str(seed_index_dir))
    with open_dir(str(seed_index_dir)).reader() as reader:
        (leaf, _), *_ = reader.leaf_readers()
        terms = leaf.segment().codec().terms_reader(storage, leaf.segment())
        assert isinstance(terms, codec.TermsReader) and isinstance(terms._tindex, codec.TermIndex)
        name = leaf.segment().make_filename(".trm")
        whooshs = OrderedHashReader(storage.open_file(name), storage.file_length(name))
        ours = terms._tindex
        for attribute in ("hashtype", "startofdata", "tables", "endofdata", "extras"):
            assert getattr(ours, attribute) == getattr(whooshs, attribute), attribute
        assert (ours.indexbase, ours.indexlen) == (whooshs.indexbase, whooshs.indexlen)
        keys = list(whooshs.keys())
        assert len(keys) > 100 and [ours[k] for k in keys] == [whooshs[k] for k in keys]
        assert list(ours.keys_from(keys[50])) == keys[50:]
        assert (b"\x00\x00no such term" in ours) is False
    damaged = bytearray((seed_index_dir / name).read_bytes())
    damaged[:4] = b"HSH2"
    with pytest.raises(FileFormatError):
        codec.TermIndex(Bytes(bytes(damaged)), len(damaged))
