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
from searcharc.ranking import DEFAULT, Ranking
from searcharc.records import Article

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
