"""Ranking pinned by oracles that do not share its code: a BM25F score worked out by hand on a
tiny index, and orderings any reader of the README expects (title above body, the exact form
above a stemmed one, words close together above scattered ones)."""

from __future__ import annotations

import re
from math import log
from pathlib import Path

import pytest

from searcharc import SearchIndex
from searcharc.analysis.roots import isri_root
from searcharc.records import Article
from searcharc.search.ranking import DEFAULT, Ranking

ROOT = Path(__file__).resolve().parents[1]

# Seven words with no clitic, article or suffix for the light stemmer to take, and seven roots.
WORDS = ("كتاب", "قلم", "بحر", "شمس", "قمر", "نجم", "سماء")


def make_index(path: Path, articles: list[Article]) -> SearchIndex:
    index = SearchIndex.create(path)
    index.add(articles)
    return index


def scores(index: SearchIndex, query: str) -> dict[str, float]:
    result = index.search(query, snippets=False, suggest=False)
    return {hit.id: hit.score for hit in result.hits}


def bm25(tf: int, length: int, avg_length: float, df: int, docs: int, k1: float, b: float):
    """One field's BM25 weight of a term: Robertson–Spärck Jones idf times saturated tf."""
    idf = log(1 + (docs - df + 0.5) / (df + 0.5))
    return idf * tf * (k1 + 1) / (tf + k1 * ((1 - b) + b * length / avg_length))


def test_the_shipped_settings_are_the_ones_the_readme_measured():
    """Changing a constant of ranking means re-running bench/quality.py and the README."""
    readme = (ROOT / "README.md").read_text("utf-8")
    k1, b = re.search(r"BM25F \(k1 ([\d.]+), b ([\d.]+)", readme).groups()
    assert (DEFAULT.k1, DEFAULT.b) == (float(k1), float(b))
    assert (
        Ranking(
            k1=0.9,
            b=0.4,
            rsj_idf=True,
            title_boost=2.0,
            exact_boost=0.5,
            clitic_variants=True,
            root_boost=1.0,
            root_max_df=0.2,
            coordination=False,
            proximity=1.0,
            prf_docs=0,
        )
        == DEFAULT
    )


def test_a_bm25f_score_worked_out_by_hand(tmp_path):
    assert len({isri_root(w) for w in WORDS}) == len(WORDS)  # each word its own root
    bodies = {"a": "كتاب قلم بحر", "b": "شمس قمر نجم سماء", "c": "كتاب كتاب شمس"}
    titles = {"a": "", "b": "كتاب", "c": ""}
    index = make_index(tmp_path, [Article(id=i, title=titles[i], body=bodies[i]) for i in bodies])
    k1, b = DEFAULT.k1, DEFAULT.b

    def field(texts: dict[str, str]) -> dict[str, float]:
        lengths = {i: len(t.split()) for i, t in texts.items()}
        df = sum("كتاب" in t.split() for t in texts.values())
        avg = sum(lengths.values()) / len(texts)
        return {
            i: bm25(t.split().count("كتاب"), lengths[i], avg, df, len(texts), k1, b) if df else 0
            for i, t in texts.items()
        }

    body, title = field(bodies), field(titles)
    # the root and exact views read a headline and the body together (the headline of an
    # untitled article is its first sentence: here its whole body); each word is its own root
    headlines = {i: titles[i] or bodies[i] for i in bodies}
    both = field({i: f"{headlines[i]} {bodies[i]}" for i in bodies})
    expected = {
        i: body[i]
        + DEFAULT.title_boost * title[i]
        + (DEFAULT.root_boost + DEFAULT.exact_boost) * both[i]
        for i in bodies
    }
    found = scores(index, "كتاب")
    assert set(found) == {"a", "b", "c"}
    for i in bodies:
        assert found[i] == pytest.approx(expected[i], abs=1e-3), i
    assert found["c"] > found["a"]  # two occurrences in a body as long


def test_a_title_match_ranks_above_a_body_only_match(tmp_path):
    filler = "شمس قمر نجم سماء بحر"
    index = make_index(
        tmp_path,
        [
            Article(id="in-title", title="قلم", body=f"قلم {filler}"),
            # more occurrences in the body alone: without the title boost this one wins
            Article(id="body-only", title="بحر", body=f"قلم قلم {filler}"),
            Article(id="other", title="نجم", body=filler),
        ],
    )
    found = scores(index, "قلم")
    assert list(found) == ["in-title", "body-only"]
    assert found["in-title"] > found["body-only"]


def test_the_exact_form_ranks_above_a_stemmed_form(tmp_path):
    filler = "شمس قمر نجم سماء بحر"
    index = make_index(
        tmp_path,
        [
            Article(id="stemmed", title="", body=f"الإرهاب {filler}"),
            Article(id="exact", title="", body=f"الإرهابية {filler}"),
            Article(id="other", title="", body=filler),
        ],
    )
    found = scores(index, "الإرهابية")
    assert list(found) == ["exact", "stemmed"]
    assert found["exact"] > found["stemmed"]


def test_words_close_together_rank_above_scattered_words(tmp_path):
    filler = ["شمس", "قمر", "نجم", "سماء", "بحر", "جبل"]
    index = make_index(
        tmp_path,
        [
            # the same words, the same length; only the distance between كتاب and قلم differs
            Article(id="scattered", title="", body=" ".join(["كتاب", *filler, "قلم"])),
            Article(id="close", title="", body=" ".join(["كتاب", "قلم", *filler])),
            Article(id="other", title="", body=" ".join(filler)),
        ],
    )
    found = scores(index, "كتاب قلم")
    assert list(found) == ["close", "scattered"]
    assert found["close"] > found["scattered"]


@pytest.mark.parametrize("path", ["bulk", "whoosh"])
def test_a_word_and_its_clitic_form_scored_as_one_term_by_hand(tmp_path, monkeypatch, path):
    """مصر and لمصر (its clitic form: in fewer articles) as one term: frequencies added, the
    idf of the more frequent form; in the bulk scorer and in Whoosh's own search alike."""
    from searcharc.search import bulk

    if path == "whoosh":
        monkeypatch.setattr(bulk, "clauses", lambda query: None)
    titles = {"a": "مصر", "b": "", "c": "", "d": ""}
    bodies = {"a": "مصر قلم", "b": "لمصر بحر", "c": "مصر مصر شمس", "d": "نجم قمر"}
    index = make_index(tmp_path, [Article(id=i, title=titles[i], body=bodies[i]) for i in bodies])
    k1, b = DEFAULT.k1, DEFAULT.b

    def field(texts: dict[str, str], forms: set[str], idf_form: str) -> dict[str, float]:
        words = {i: t.split() for i, t in texts.items()}
        avg = sum(map(len, words.values())) / len(texts)
        df = sum(idf_form in w for w in words.values())
        tf = {i: sum(x in forms for x in w) for i, w in words.items()}
        return {
            i: bm25(tf[i], len(words[i]), avg, df, len(texts), k1, b) if tf[i] else 0 for i in texts
        }

    # the exact and root views: a headline (an untitled article's first sentence) and the body
    both = {i: f"{titles[i] or bodies[i]} {bodies[i]}" for i in bodies}
    root = isri_root("مصر")
    roots = {i: " ".join(isri_root(w) for w in t.split()) for i, t in both.items()}
    body = field(bodies, {"مصر", "لمصر"}, "مصر")
    title = field(titles, {"مصر", "لمصر"}, "مصر")
    exact = field(both, {"مصر"}, "مصر")
    root_view = field(roots, {root}, root)
    expected = {
        i: body[i]
        + DEFAULT.title_boost * title[i]
        + DEFAULT.root_boost * root_view[i]
        + DEFAULT.exact_boost * exact[i]
        for i in bodies
    }
    found = scores(index, "مصر")
    assert set(found) == {i for i in bodies if expected[i]} == {"a", "b", "c"}
    for i in found:
        assert found[i] == pytest.approx(expected[i], abs=1e-3), i


def test_the_proximity_bonus_by_hand():
    from searcharc.search.proximity import proximity_score

    k1, b = 1.2, 0.25
    # a at 0 and 5, b at 2: pairs (0 a, 2 b) and (2 b, 5 a), at distances 2 and 3
    acc_a = 0.5 * (1 / 4 + 1 / 9)  # each gains the other's weight over d²
    acc_b = 1.0 * (1 / 4 + 1 / 9)
    norm = k1 * ((1 - b) + b * 30 / 20)
    expected = 1.0 * acc_a * (k1 + 1) / (acc_a + norm) + 0.5 * acc_b * (k1 + 1) / (acc_b + norm)
    found = proximity_score({"a": [0, 5], "b": [2]}, {"a": 1.0, "b": 0.5}, 30, 20, b, k1)
    assert found == pytest.approx(expected)


def test_word_query_weighs_each_view_by_its_boost():
    from searcharc.search.ranking import QueryWord, word_query

    word = QueryWord("كتاب", frozenset({"الكتاب"}), weight=0.5, root="كتب", also=("لكتاب",))
    ranking = Ranking(title_boost=3.0, exact_boost=0.25, root_boost=0.7)
    clauses = word_query(word, ranking).subqueries
    assert [(type(c).__name__, c.boost) for c in clauses] == [
        ("Blend", 0.5),
        ("Blend", 1.5),
        ("Term", pytest.approx(0.35)),
        ("Term", 0.125),
    ]
    assert [(t.fieldname, t.text) for t in clauses[0].subqueries] == [
        ("body", "كتاب"),
        ("body", "لكتاب"),
    ]
    assert (clauses[2].fieldname, clauses[2].text) == ("root", "كتب")
    assert (clauses[3].fieldname, clauses[3].text) == ("exact", "الكتاب")


def test_feedback_words_are_new_scaled_and_capped():
    from searcharc.search.ranking import QueryWord, expansion_words

    own = [QueryWord("كتاب", frozenset({"كتاب"}))]
    ranking = Ranking(prf_terms=2, prf_weight=0.3)
    terms = [("كتاب", 9.0), ("قلم", 4.0), ("بحر", 1.0), ("شمس", 0.5)]
    assert expansion_words(terms, own, ranking) == [
        QueryWord("قلم", frozenset(), pytest.approx(0.3)),
        QueryWord("بحر", frozenset(), pytest.approx(0.075)),
    ]
    assert expansion_words([("كتاب", 2.0)], own, ranking) == []
    assert expansion_words([("قلم", 0.0)], own, ranking) == [QueryWord("قلم", frozenset(), 0.0)]


def test_matched_words_counts_the_querys_own_words_by_stem_or_written_form():
    from searcharc.search.ranking import QueryWord, matched_words

    words = [
        QueryWord("كتاب", frozenset({"الكتاب"})),
        QueryWord("قلم", frozenset({"قلم"})),
        QueryWord("بحر", frozenset({"بحر"}), weight=0.3),  # a feedback word: not the query's
    ]
    found = {("body", "كتاب".encode()), ("exact", "قلم".encode()), ("body", "بحر".encode())}
    assert matched_words(words, found) == 2
    assert matched_words(words, {("exact", "الكتاب".encode())}) == 1
    assert matched_words(words, {("body", "شمس".encode())}) == 0


def test_a_blend_matcher_replaced_by_whoosh_keeps_its_scoring(tmp_path):
    """When one form's postings run out, Whoosh replaces the union by the other form's
    matcher: the blend must keep its boost and statistics (``_replacement``)."""
    from whoosh.query import Term

    from searcharc.search.blend import Blend
    from searcharc.whooshx.matchers import BlendMatcher

    index = make_index(
        tmp_path,
        [
            Article(id="a", title="", body="مصر لمصر قلم"),
            Article(id="b", title="", body="بحر شمس"),
            Article(id="c", title="", body="مصر نجم قمر"),
        ],
    )
    with index.backend.ix.searcher(weighting=DEFAULT.weighting()) as searcher:
        matcher = Blend([Term("body", "مصر"), Term("body", "لمصر")], boost=1.5).matcher(searcher)
        matcher.next()  # c: لمصر has no more postings
        before = matcher.score()
        replaced = matcher.replace()
        assert isinstance(replaced, BlendMatcher) and replaced is not matcher
        assert replaced.boost == 1.5 and replaced.id() == matcher.id()
        assert replaced.score() == pytest.approx(before) and before > 0
