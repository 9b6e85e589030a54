"""Term proximity (Büttcher et al. 2006) and BM25's idf: the model, and what it does to ranking."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searcharc import SearchIndex
from searcharc.records import Article
from searcharc.search import bulk
from searcharc.search.proximity import accumulators, occurrences, proximity_score
from searcharc.search.ranking import DEFAULT, Ranking

W = {"a": 2.0, "b": 3.0, "c": 0.5}


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ([(0, "a"), (1, "b")], {"a": 3.0, "b": 2.0, "c": 0.0}),  # neighbours: the other's weight
        ([(0, "a"), (2, "b")], {"a": 0.75, "b": 0.5, "c": 0.0}),  # distance 2: a quarter
        ([(0, "a"), (1, "a")], {"a": 0.0, "b": 0.0, "c": 0.0}),  # the same term: nothing
        ([(0, "a"), (1, "b"), (3, "a")], {"a": 3.75, "b": 2.5, "c": 0.0}),  # b's two neighbours
        ([(0, "a"), (1, "a"), (2, "b")], {"a": 3.0, "b": 2.0, "c": 0.0}),  # only the nearest a
        ([(0, "c"), (10, "b")], {"a": 0.0, "b": 0.005, "c": 0.03}),
    ],
)
def test_accumulators(found, expected):
    assert accumulators(found, W) == pytest.approx(expected)


def test_occurrences_are_in_text_order():
    assert occurrences({"b": [1, 7], "a": [0, 4]}) == [(0, "a"), (1, "b"), (4, "a"), (7, "b")]


def score(positions: dict[str, list[int]], length: float = 100) -> float:
    return proximity_score(positions, W, length, avg_length=100, b=0.4, k1=0.9)


def test_one_term_or_none_scores_nothing():
    assert score({}) == 0.0
    assert score({"a": [1, 2, 3]}) == 0.0


def test_closer_scores_higher_and_longer_documents_lower():
    assert score({"a": [0], "b": [1]}) > score({"a": [0], "b": [2]}) > score({"a": [0], "b": [9]})
    assert score({"a": [0], "b": [1]}, length=300) < score({"a": [0], "b": [1]}, length=100)


@given(
    st.dictionaries(
        st.sampled_from(sorted(W)),
        st.lists(st.integers(0, 500), min_size=1, max_size=30, unique=True),
        max_size=3,
    ).filter(
        lambda d: not any(set(x) & set(y) for x in d.values() for y in d.values() if x is not y)
    )
)
@pytest.mark.slow
def test_the_bonus_is_bounded_by_the_saturation(positions):
    """Each term adds at most min(1, w)·(k1 + 1), however many times the words stand close."""
    bound = sum(min(1.0, W[t]) * (0.9 + 1) for t in positions)
    assert 0.0 <= score(positions) <= bound + 1e-9


def article(number: int, body: str) -> Article:
    return Article(id=f"p{number}", title="", body=body)


FILLER = "كان الطقس معتدلا في المدينة طوال الأسبوع الماضي حسب الأرصاد"


@pytest.fixture(scope="module")
def near_and_far(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """Two articles with the same words, the same number of times, at different distances."""
    index = SearchIndex.create(tmp_path_factory.mktemp("proximity"))
    index.add(
        [
            article(1, f"مكافحة {FILLER} الإرهاب"),  # far apart first: docnum order can't decide
            article(2, f"مكافحة الإرهاب {FILLER}"),
        ]
    )
    return index


def test_words_standing_together_rank_first(near_and_far):
    plain = near_and_far.search("مكافحة الإرهاب", ranking=DEFAULT.with_(proximity=0.0))
    assert plain.hits[0].score == plain.hits[1].score  # BM25F alone cannot tell them apart
    hits = near_and_far.search("مكافحة الإرهاب").hits
    assert [h.id for h in hits] == ["p2", "p1"]
    assert hits[0].score > hits[1].score > plain.hits[0].score


def test_the_whoosh_path_applies_the_same_bonus(near_and_far, monkeypatch):
    """Queries the bulk path does not take (phrases, dates) get the bonus from Whoosh's postings."""
    bulk_hits = near_and_far.search("مكافحة الإرهاب").hits
    monkeypatch.setattr(bulk, "clauses", lambda query: None)
    whoosh_hits = near_and_far.search("مكافحة الإرهاب").hits
    assert [(h.id, h.score) for h in whoosh_hits] == [
        (h.id, pytest.approx(h.score)) for h in bulk_hits
    ]


def test_bm25_idf_separates_rare_from_common_words(seed_index):
    """Robertson–Spärck Jones idf, as Lucene: log(1 + (N − df + 0.5) / (df + 0.5))."""
    searcher = seed_index.backend.searcher(DEFAULT)
    n = searcher.doc_count_all()
    df = searcher.doc_frequency("body", "ارهاب")
    assert searcher.idf("body", "ارهاب") == pytest.approx(math.log(1 + (n - df + 0.5) / (df + 0.5)))
    whoosh = seed_index.backend.searcher(Ranking(rsj_idf=False))  # the cached idfs must not leak
    assert whoosh.idf("body", "ارهاب") == pytest.approx(math.log(n / (df + 1)) + 1)


def test_an_article_with_an_empty_body_still_ranks(tmp_path):
    """Whoosh reports a body length of None (not 0) for an empty body: no bonus, no error."""
    index = SearchIndex.create(tmp_path)
    index.add([Article(id="t", title="مكافحة الإرهاب", body=""), article(2, "مكافحة الإرهاب")])
    assert {h.id for h in index.search("مكافحة الإرهاب").hits} == {"t", "p2"}
