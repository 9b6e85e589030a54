"""A query word and its forms with or without a one-letter clitic, matched as one word where
the corpus says they are one (لمصر ~ مصر), kept apart where it does not (بريد is not ب + ريد),
and scored as one term in both search paths."""

from __future__ import annotations

import pytest
from conftest import index_of

from searcharc import SearchIndex
from searcharc.analysis.stem import light_stem, with_proclitics, without_proclitic
from searcharc.search import bulk, planning
from searcharc.search.query import parse
from searcharc.search.ranking import DEFAULT


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("لمصر", "مصر"),  # ل + مصر: too short for the preposition guard
        ("لاول", "اول"),  # لأول
        ("لجندح", "جندح"),
        ("بريد", "ريد"),  # a candidate only: the corpus rejects it (see below)
        ("ولد", None),  # three letters: never
        ("مصر", None),  # no clitic letter
        ("", None),
    ],
)
def test_without_proclitic(stem, expected):
    assert without_proclitic(stem, light_stem) == expected


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("مصر", ["ومصر", "فمصر", "بمصر", "كمصر", "لمصر"]),  # all kept whole by the stemmer
        ("مكافح", []),  # ومكافح, بمكافح ... long enough: the stemmer takes the clitic off
        ("كتب", ["وكتب", "فكتب", "بكتب", "ككتب", "لكتب"]),
        ("في", []),  # too short
    ],
)
def test_with_proclitics(stem, expected):
    assert with_proclitics(stem, light_stem) == expected


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    bodies = {
        "egypt": "زار الوفد مصر الأسبوع الماضي",
        "cairo": "القاهرة عاصمة مصر الكبرى",
        "twice": "مصر تستقبل وفدا ثم مصر تودعه",
        "mixed": "مصر تستقبل وفدا ثم لمصر تودعه",
        "post1": "وصلت الرسالة عبر بريد المدينة",
        "post2": "مكتب بريد جديد في الحي",
        "reed": "نبات ريد ينمو قرب النهر",
    }
    return index_of(tmp_path_factory.mktemp("variants"), bodies)


def search(index: SearchIndex, query: str, **ranking: object) -> dict[str, float]:
    result = index.search(query, limit=20, ranking=DEFAULT.with_(**ranking))
    return {h.id: h.score for h in result.hits}


def also(index: SearchIndex, query: str) -> list[tuple[str, ...]]:
    compiler = planning.compiler(index.backend.searcher(DEFAULT), index.meta, DEFAULT, False)
    return [w.also for w in compiler.compile(parse(query)).words]


def test_the_corpus_decides_which_forms_are_one_word(index):
    # مصر is in four articles, لمصر in one: each is the other's variant; ريد is rarer than بريد
    assert also(index, "لمصر مصر بريد") == [("مصر",), ("لمصر",), ()]


def test_a_clitic_form_finds_the_word_and_the_word_its_clitic_form(index):
    # without the root view, which joins لمصر and مصر on its own (ISRI takes ل off a 4-letter word)
    assert set(search(index, "لمصر", root_boost=0.0)) == {"egypt", "cairo", "twice", "mixed"}
    assert set(search(index, "لمصر", clitic_variants=False, root_boost=0.0)) == {"mixed"}


def test_a_letter_that_belongs_to_the_word_stays(index):
    # (the root view may conflate بريد and ريد on its own: that is not this rule)
    assert search(index, "بريد") == search(index, "بريد", clitic_variants=False)


def test_two_forms_of_one_word_count_as_one_word(index):
    """ "twice" and "mixed" have the same words, one مصر written لمصر: one blended term gives
    them the same body score, where two separate terms would saturate twice for "mixed"."""
    scores = search(index, "مصر", proximity=0.0, exact_boost=0.0, root_boost=0.0)
    assert scores["twice"] == pytest.approx(scores["mixed"])


def test_whoosh_scores_a_blend_as_the_bulk_path_does(index, monkeypatch):
    queries = ["لمصر", "مصر الوفد", "بريد مصر"]
    fast = [search(index, q) for q in queries]
    monkeypatch.setattr(bulk, "clauses", lambda query: None)
    slow = [search(index, q) for q in queries]
    for query, one, other in zip(queries, fast, slow, strict=True):
        assert one.keys() == other.keys(), query
        assert one == pytest.approx(other), query


def test_the_snippet_highlights_the_word_the_article_wrote(index):
    hit = index.search("لمصر").hits[0]
    text = hit.snippets[0].text
    assert {text[s:e] for s, e in hit.snippets[0].highlights} <= {"مصر", "لمصر"}
    assert hit.snippets[0].highlights


@pytest.mark.parametrize(
    "options",
    [{"match": "all"}, {"ranking": DEFAULT.with_(prf_docs=1)}, {"sort": "date"}],
)
def test_blends_work_in_every_kind_of_search(index, options):
    """--match all, feedback and date order run through Whoosh's own search and its contexts."""
    assert "egypt" in {h.id for h in index.search("لمصر", **options).hits}


def test_a_blend_matches_in_a_context_that_does_not_score(index):
    """Whoosh counts results (len, key_terms for feedback) in a context with no weighting."""
    from whoosh.query import Term
    from whoosh.searching import SearchContext

    from searcharc.search.blend import Blend

    searcher = index.backend.searcher(DEFAULT)
    blend = Blend([Term("body", "مصر"), Term("body", "لمصر")])
    matcher = blend.matcher(searcher, SearchContext(weighting=None))
    assert len(list(matcher.all_ids())) == 4
