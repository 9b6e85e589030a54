"""Where Whoosh 2.7 answered wrong, and searcharc does not: each found when one index and three
shards of the same articles disagreed (tests/test_shards.py)."""

from __future__ import annotations

from datetime import date

from whoosh.query import Term

from searcharc import SearchIndex
from searcharc.records import Article
from searcharc.search.blend import Blend
from searcharc.search.ranking import DEFAULT


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


def test_a_date_range_counts_only_the_articles_within_it(tmp_path):
    """Whoosh counted a top k within dates by walking the query again without them (when
    every part of the query could skip blocks, as a prefix with a word)."""
    index = SearchIndex.create(tmp_path / "index")
    words = ["الاقتصاد", "الأمن", "المنطقة", "التعاون", "الرباط"]
    index.add(
        Article(
            id=f"a{n}",
            title=words[n % 5],
            body=" ".join(words[: 1 + n % 5] * (1 + n % 7)) + f" {n}",
            date=f"202{n % 3}-05-01",
        )
        for n in range(300)
    )
    found = index.search("الاقت* الأمن", since=date(2021, 1, 1), until=date(2021, 12, 31))
    assert found.total == 100 and found.total_exact


def test_a_prefix_scores_alike_whatever_it_expands_to(tmp_path):
    """Every article a prefix matches scores its boost, as in Lucene (Whoosh scored one
    expansion in a segment by BM25, several by a constant: scores changed with segments)."""
    index = SearchIndex.create(tmp_path / "index")
    index.add(
        [
            Article(id="a", title="", body="الإرهاب الإرهاب"),
            Article(id="b", title="", body="الإرهابية"),
        ]
    )
    index.add([Article(id="c", title="", body="الإرهاب في المنطقة")])
    scores = {h.id: h.score for h in index.search("الإره*", snippets=False).hits}
    assert scores == {"a": 1.0, "b": 1.0, "c": 1.0}


def test_a_blended_word_is_never_narrowed_to_some_of_its_forms(tmp_path):
    """Whoosh's top k narrowed a blend's union (مصر, لمصر) to an AndMaybeMatcher once the
    bound asked of it passed one form's, whose weight then read the id of the form that had
    ended: IndexError (found by bench/quality.py's feedback row, through Whoosh's search)."""
    index = SearchIndex.create(tmp_path / "index")
    index.add(  # لمصر once in each of the first 200 articles, مصر up to 8 times in all 250
        Article(
            id=f"a{n:03d}",
            title="",
            body=("لمصر " if n < 200 else "") + "مصر " * (1 + n % 8) + str(n),
        )
        for n in range(250)
    )
    index.add(Article(id=f"b{n:03d}", title="", body=f"غزة {n}") for n in range(250))
    searcher = index.backend.searcher(DEFAULT)
    blend = Blend([Term("body", "مصر"), Term("body", "لمصر")])
    whole = blend.matcher(searcher, searcher.context())
    ended_first = whole.child.b  # لمصر: it ends 50 articles before مصر
    bound = (whole.child.a.max_quality() + ended_first.max_quality()) / 2
    assert ended_first.max_quality() < bound < whole.max_quality()
    narrowed, scores = whole.replace(bound), {}
    while narrowed.is_active():
        scores[narrowed.id()] = narrowed.score()
        narrowed.next()
    every = blend.matcher(searcher, searcher.context())
    expected = {}
    while every.is_active():
        expected[every.id()] = every.score()
        every.next()
    assert scores == expected and len(scores) == 250
