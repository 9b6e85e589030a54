"""A field's postings written from flat arrays (``flat.field_postings``, a chunk of terms at a
time by numpy) are the bytes and statistics ``blocks.Encoder`` writes a term at a time; the
flat postings iterated are the term rows the encoder takes (issue 25, build rate)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.formats import Frequency, Positions

from searcharc.index import postings_table
from searcharc.index.indexing import IndexOptions, run_index
from searcharc.whooshx import encode, flat
from searcharc.whooshx.blocks import SIZE, Encoder
from searcharc.whooshx.flat import FlatPostings
from tests.test_segments import index_dump, write_batch

COUNTS = [1, 2, SIZE - 1, SIZE, SIZE + 1, 2 * SIZE, 2 * SIZE + 1]
FREQS = [1, 2, 255, 256, 65535, 65536, (1 << 24) - 1]  # at the edges of the widths


@st.composite
def field_postings(draw):
    """Terms with postings (docnum gaps and frequencies at the width edges), a length byte a
    document or none, and Positions values of every size (stored out of order) or none."""
    rng = random.Random(draw(st.integers(0, 1 << 32)))
    count = draw(st.integers(1, 40))
    terms = sorted({rng.randbytes(rng.randint(1, 6)) for _ in range(count)})
    counts = [rng.choice(COUNTS) if rng.random() < 0.5 else rng.randint(1, 400) for _ in terms]
    far = draw(st.booleans())  # gaps up to 2^17
    docnums, freqs = [], []
    for n in counts:
        found = sorted(rng.sample(range(1 << 17 if far else 3 * n), n))
        docnums += found
        freqs += [rng.choice(FREQS) if rng.random() < 0.2 else rng.randint(1, 3) for _ in found]
    bounds = np.cumsum([0, *counts]).astype(np.int64)
    found = FlatPostings(terms, bounds, np.array(docnums, np.uint32), np.array(freqs, np.uint32))
    if draw(st.booleans()):
        values = [rng.randbytes(rng.choice([1, 5, 39, 40, 300])) for _ in docnums]
        stored = list(range(len(values)))
        rng.shuffle(stored)  # the blob in another order than the postings
        begins, blob = [0] * len(values), bytearray()
        for posting in stored:
            begins[posting] = len(blob)
            blob += values[posting]
        found.sizes = np.array(list(map(len, values)), np.uint32)
        found.begins, found.blob = np.array(begins, np.uint64), bytes(blob)
    lengths = rng.randbytes(max(docnums) + 1) if draw(st.booleans()) else None
    return found, lengths


@settings(max_examples=60, deadline=None)
@given(field_postings())
def test_flat_postings_are_written_as_the_encoder_writes_each_term(case):
    postings, lengths = case
    format_ = Positions() if postings.sizes is not None else Frequency()
    assert postings.is_flat()
    rows = list(postings)
    assert [row[0] for row in rows] == postings.terms
    for (_, docnums, weights, values), start, stop in zip(
        rows, postings.bounds[:-1].tolist(), postings.bounds[1:].tolist(), strict=True
    ):
        assert docnums == postings.docnums[start:stop].tolist()
        assert weights == postings.freqs[start:stop].astype(float).tolist()
        if postings.sizes is None:
            assert values == postings.freqs[start:stop].astype(">u4").tobytes()
        else:
            begins = postings.begins[start:stop].tolist()
            sizes = postings.sizes[start:stop].tolist()
            assert values == [postings.blob[a : a + n] for a, n in zip(begins, sizes, strict=True)]
    encoder = Encoder(format_, lengths)
    written = list(encode.encode_terms(encoder, postings))
    assert written == list(encode.encode_terms(encoder, iter(rows)))
    assert list(flat.field_postings(postings, lengths, chunk=300)) == written  # several chunks


def test_weights_that_are_not_whole_float32s_are_written_a_term_at_a_time():
    freqs = np.array([1 << 24, 3], np.uint32)
    postings = FlatPostings([b"a", b"b"], np.array([0, 1, 2]), np.array([4, 4], np.uint32), freqs)
    assert not postings.is_flat()
    boosted = FlatPostings([b"a"], np.array([0, 1]), np.array([4], np.uint32), freqs[1:], boost=2)
    assert not boosted.is_flat() and list(boosted)[0][2] == [6.0]


@pytest.mark.parametrize("jobs", [1, 2])
def test_terms_numbered_again_mid_run_write_the_same_index(tmp_path, monkeypatch, jobs):
    """The analysis numbers a field's terms across batches (``Numbering``) and starts again
    past ``NUMBERED`` terms; the table maps numbers to its segments' terms: an index numbered
    again every few batches, over several segments (a small memory), holds what one numbered
    once holds, segment by segment."""
    files = [write_batch(tmp_path / f"f{k}.jsonl", range(60 * k, 60 * k + 60), k) for k in range(3)]
    built = []
    for numbered in (postings_table.NUMBERED, 40):
        monkeypatch.setattr(postings_table, "NUMBERED", numbered)
        target = tmp_path / str(numbered)
        run_index(files, target, IndexOptions(jobs=jobs, memory=300_000))
        built.append(target)
    assert len(index_dump(built[0])) > 1 and index_dump(built[0]) == index_dump(built[1])
