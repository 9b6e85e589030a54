"""The one-pass analyzer and the table writer give what Whoosh's own machinery gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

from searcharc.analysis.components import ArabicAnalyzer, arabic_analyzer
from searcharc.index import store
from searcharc.index.indexing import IndexOptions, run_index
from searcharc.ingest import read_articles
from searcharc.whooshx.segment_writer import TableWriter
from tests.test_analysis import ANY_TEXT

ROOT = Path(__file__).resolve().parents[1]
VIEWS = [("light", True), (None, True), (None, False), ("light", False), ("none", True)]
OPTIONS = [
    {"positions": True},
    {"positions": True, "chars": True, "keeporiginal": True},
    {"removestops": False, "positions": True, "start_pos": 7, "chars": True, "start_char": 3},
    {"tokenize": False, "chars": True},
    {"mode": "query"},
]


def tokens(analyzer, text: str, options: dict) -> list[tuple]:
    keys = ("text", "stopped", "boost", "original", "pos", "startchar", "endchar")
    return [tuple(getattr(t, k, None) for k in keys) for t in analyzer(text, **options)]


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
@pytest.mark.slow
def test_the_one_pass_analyzer_gives_the_composed_tokens(text):
    for stemmer, stopwords in VIEWS:
        chain = arabic_analyzer(None if stemmer == "none" else stemmer, stopwords)
        fused = ArabicAnalyzer(None if stemmer == "none" else stemmer, stopwords)
        for options in OPTIONS:
            assert tokens(fused, text, options) == tokens(chain, text, options), options


def postings(reader) -> list[tuple]:
    """Every term with its statistics and every posting with its block statistics."""
    found = []
    for fieldname, text in reader.all_terms():
        info = reader.term_info(fieldname, text)
        found.append((fieldname, text, info.weight(), info.doc_frequency(), info.min_length()))
        found.append((info.max_length(), info.max_weight(), info.min_id(), info.max_id()))
        matcher = reader.postings(fieldname, text)
        while matcher.is_active():
            found.append((matcher.id(), matcher.weight(), matcher.value()))
            found.append((matcher.block_min_length(), matcher.block_max_length()))
            found.append(matcher.block_max_weight())
            matcher.next()
    return found


@pytest.mark.parametrize("copies", [1, 60])  # 60 copies: terms of several 128-posting blocks
@pytest.mark.slow
def test_the_table_writer_writes_what_whoosh_writes(tmp_path, copies):
    articles = list(read_articles(ROOT / "seeds")) * copies
    readers = []
    for name, writer_class in (("whoosh", SegmentWriter), ("table", TableWriter)):
        ix = store.create(tmp_path / name)
        writer = writer_class(ix)
        for article in articles:
            writer.add_document(**store.to_document(article, store.content_hash(article)))
        writer.commit()
        readers.append(ix.reader())
    whoosh, table = readers
    assert postings(table) == postings(whoosh)
    assert list(table.iter_docs()) == list(whoosh.iter_docs())


def test_small_blocks_are_stored_uncompressed(tmp_path):
    """Short block pickles skip zlib (the test above shows they read back as Whoosh's own),
    when the writer writes W3 postings (as before searcharc's codec)."""
    ix = store.create(tmp_path)
    writer = TableWriter(ix, codec=W3Codec())
    for article in read_articles(ROOT / "seeds"):
        writer.add_document(**store.to_document(article, store.content_hash(article)))
    writer.commit()
    with ix.reader() as reader:
        compression = {
            reader.postings(fieldname, text)._compression for fieldname, text in reader.all_terms()
        }
    assert compression == {0, W3Codec()._compression}


@pytest.mark.slow
def test_the_worker_process_writes_the_index_one_process_writes(tmp_path):
    folder = tmp_path / "news"  # enough articles for several batches of the worker
    folder.mkdir()
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    for number in range(300):
        text = seeds[number % len(seeds)].read_text("utf-8")
        (folder / f"{number}.txt").write_text(f"{text} {number}", "utf-8")
    readers = []
    for jobs in (1, 2):
        run_index([folder], tmp_path / str(jobs), IndexOptions(jobs=jobs))
        readers.append(whoosh_index.open_dir(str(tmp_path / str(jobs))).reader())
    one, two = readers
    assert postings(two) == postings(one)
    assert list(two.iter_docs()) == list(one.iter_docs())
