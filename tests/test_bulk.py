"""The bulk BM25F path ranks exactly as Whoosh's own search, on one or several segments."""

from __future__ import annotations

from datetime import datetime

import pytest
from whoosh.query import And, AndNot, DateRange, Not, Phrase, SpanNear2, Term

from searcharc.index.store import content_hash, to_document
from searcharc.ingest import read_articles
from searcharc.search import bulk
from searcharc.search.blend import Or  # the Or that searcharc compiles

QUERIES = [
    "مكافحة الإرهاب",
    "الإرهاب",
    "بلينكن الإرهاب",
    "وزير الدفاع الأمريكي",
    "الرباط المغرب الأمن",
    "التعاون الأمني الإرهابية",
    "زياش",
    '"مكافحة الإرهاب"',
    '"وزير الدفاع" الأمريكي',
    '"التعاون الأمني" المغرب "مكافحة الإرهاب"',
    'title:"مكافحة الإرهاب" الرباط',
    "مكافحة AND الإرهاب",
    '"مكافحة الإرهاب" AND المغرب',
    "الإرهاب -المغرب",
    'مكافحة الإرهاب -"وزير الدفاع" -بلينكن',
]


def ranking(index, query: str, monkeypatch, fast: bool) -> tuple[int, list]:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(bulk, "shape", lambda q: None)
        result = index.search(query, limit=10)
    hits = [(h.id, h.score, [s.highlights for s in h.snippets]) for h in result.hits]
    return result.total, hits


def assert_same(index, monkeypatch) -> None:
    for query in QUERIES:
        fast = ranking(index, query, monkeypatch, fast=True)
        slow = ranking(index, query, monkeypatch, fast=False)
        assert fast[0] == slow[0], query
        assert [h[0] for h in fast[1]] == [h[0] for h in slow[1]], query
        assert [h[1] for h in fast[1]] == pytest.approx([h[1] for h in slow[1]]), query
        assert [h[2] for h in fast[1]] == [h[2] for h in slow[1]], query


def test_the_bulk_path_ranks_as_whoosh_does(seed_index, monkeypatch):
    assert_same(seed_index, monkeypatch)


@pytest.mark.slow
def test_several_segments_and_deleted_documents(tmp_path, seeds_dir, monkeypatch):
    from searcharc import SearchIndex

    index = SearchIndex.create(tmp_path)
    articles = list(read_articles(seeds_dir))
    for part in (articles[:2], articles[2:]):  # two segments, none merged
        writer = index.backend.ix.writer()
        for article in part:
            writer.add_document(**to_document(article, content_hash(article)))
        writer.commit(merge=False)
    writer = index.backend.ix.writer()
    writer.delete_by_term("id", articles[3].id)
    writer.commit(merge=False)
    assert len(index.backend.ix.reader().leaf_readers()) == 2 and len(index) == 4
    assert_same(index, monkeypatch)


def test_only_plain_disjunctions_of_terms_are_scored_in_bulk():
    terms = [Term("body", "a"), Term("title", "a", boost=2.0)]
    assert bulk.clauses(Or([Or(terms), Term("exact", "b", boost=0.5)])) == [
        bulk.Clause("body", "a", 1.0),
        bulk.Clause("title", "a", 2.0),
        bulk.Clause("exact", "b", 0.5),
    ]
    assert bulk.clauses(Or(terms, boost=2.0)) is None
    assert bulk.clauses(And(terms)) is None
    assert bulk.clauses(Or([*terms, Phrase("body", ["a", "b"])])) is None


def test_conjunctions_of_disjunctions_are_groups():
    """An ``And`` of parts that are each terms and phrases: the clauses of each part (a
    document must match one of each); anything else inside it leaves it to Whoosh."""
    a, b = Or([Term("body", "a"), Term("title", "a", boost=2.0)]), Term("body", "b")
    assert bulk.groups(And([a, b])) == [
        [bulk.Clause("body", "a", 1.0), bulk.Clause("title", "a", 2.0)],
        [bulk.Clause("body", "b", 1.0)],
    ]
    assert bulk.groups(Or([a, b])) is None
    assert bulk.groups(And([a, b], boost=2.0)) is None
    assert bulk.groups(And([a, Phrase("body", ["a", "b"])])) is None


def test_exclusions_of_disjunctions_are_shapes():
    """``AndNot`` of a disjunction or a conjunction and a disjunction: read in bulk, the kept
    part's clauses and parts, the left-out part's clauses; anything else is Whoosh's."""
    a, b = Or([Term("body", "a"), Term("title", "a", boost=2.0)]), Term("body", "b")
    assert bulk.shape(AndNot(a, b)) == bulk.Shape(
        bulk.clauses(a), None, [bulk.Clause("body", "b", 1.0)]
    )
    both = bulk.shape(AndNot(And([a, b]), b))
    assert both.groups == bulk.groups(And([a, b])) and both.excluded == bulk.clauses(b)
    assert bulk.shape(AndNot(a, And([a, b]))) is None
    assert bulk.shape(AndNot(AndNot(a, b), b)) is None
    assert bulk.shape(Not(a)) is None


def test_date_ranges_in_a_conjunction_are_shapes():
    """``date:`` in a query (an ``And`` with ``DateRange`` parts): the rest's shape, and the
    ranges a document must be in; a range alone, or scored, is Whoosh's."""
    a, b = Or([Term("body", "a"), Term("title", "a", boost=2.0)]), Term("body", "b")
    month = DateRange("date", datetime(2015, 1, 1), datetime(2015, 1, 31))
    assert bulk.shape(And([month, a])) == bulk.Shape(bulk.clauses(a), dated=(month,))
    assert bulk.shape(And([a, month, b])) == bulk.Shape(
        [*bulk.clauses(a), *bulk.clauses(b)], bulk.groups(And([a, b])), dated=(month,)
    )
    kept = bulk.shape(AndNot(And([month, a]), b))
    assert (kept.dated, kept.excluded) == ((month,), bulk.clauses(b))
    assert bulk.shape(And([month])) is None
    assert bulk.shape(And([month, AndNot(a, b)])) is None
    scored = DateRange("date", datetime(2015, 1, 1), None, constantscore=False)
    assert bulk.shape(And([scored, a])) is None


def test_phrases_as_the_compiler_writes_them_are_clauses():
    """A chain of ``SpanNear2``, each word at an exact distance after the one before, in one
    field: its words and distances; any other span query is left to Whoosh."""
    a, b, c = (Term("body", w) for w in "abc")
    chain = SpanNear2([SpanNear2([a, b], slop=1, mindist=1), c], slop=2, mindist=2)
    assert bulk.clauses(Or([chain, Term("title", "a", boost=2.0)])) == [
        bulk.Clause("body", "a", 1.0, after=((1, "b"), (2, "c"))),
        bulk.Clause("title", "a", 2.0),
    ]
    for other in (
        SpanNear2([a, b], slop=2, mindist=1),  # within a distance, not at it
        SpanNear2([a, b], ordered=False),
        SpanNear2([a, b, c]),
        SpanNear2([a, Term("title", "b")]),
        SpanNear2([a, Term("body", "b", boost=2.0)]),
        SpanNear2([a, Or([b, c])]),
    ):
        assert bulk.clauses(other) is None, other
