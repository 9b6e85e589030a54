"""A word left out (-word) leaves out every article that has it, wherever the articles sit."""

from __future__ import annotations

from searcharc import SearchIndex
from searcharc.records import Article


def test_an_excluded_word_leaves_out_the_first_match(tmp_path):
    """Whoosh 2.7 kept the first article with both words when an article with only the
    excluded word came before it (its AndNotMatcher skipped only from the same article)."""
    index = SearchIndex.create(tmp_path / "index")
    index.add(
        [
            Article(id="a", title="", body="الأمن في المنطقة"),
            Article(id="b", title="", body="الأمن والاقتصاد"),
            Article(id="c", title="", body="الاقتصاد وحده"),
        ]
    )
    assert [h.id for h in index.search("الاقتصاد -الأمن").hits] == ["c"]
    assert [h.id for h in index.search("الاقتصاد -الأمن", sort="date").hits] == ["c"]
