"""The ISRI root view: our tables give NLTK's roots, and a query word finds its root's other
forms (with a snippet showing them) where the light stemmer keeps them apart."""

from __future__ import annotations

import pytest
from conftest import index_of
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.stem.isri import ISRIStemmer

from searcharc import SearchIndex, jsonout
from searcharc.analysis import analyze
from searcharc.analysis.normalize import normalize
from searcharc.analysis.roots import isri_root
from searcharc.analysis.stem import light_stem, snowball_stem
from searcharc.cli import render
from searcharc.records import Article
from searcharc.search import planning
from searcharc.search.query import parse
from searcharc.search.ranking import DEFAULT

NLTK = ISRIStemmer()
# The letters our normalizer leaves (no marks, أ إ آ ى ة folded), the affix letters weighted up
# so that random words reach ISRI's prefixes, suffixes and patterns.
LINKED = "الجرائم المرتبطة بالإرهاب في تراجع"
OTHER = "الجرائم المالية في تراجع هذا العام"
LETTERS = "ءؤئابتثجحخدذرزسشصضطظعغفقكلمنهوي" + "اتسلمنهوي" * 3


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("مكافحة", "كفح"),  # مفاعلة
        ("الإرهاب", "رهب"),  # ال + افعال
        ("الإرهابية", "رهب"),
        ("يرتبط", "ربط"),  # يفتعل
        ("المرتبطة", "ربط"),  # مفتعلة
        ("المستخدمة", "خدم"),  # مستفعل
        ("استخدام", "خدم"),  # استفعال
        ("المدرسة", "درس"),  # مفعلة
        ("مدارس", "درس"),  # مفاعل
        ("والكتاب", "كتب"),  # وال + فعال
        ("الكتب", "كتب"),
        ("يكتبون", "كتب"),
        ("برئاسة", "رئس"),
        ("مصر", "مصر"),  # three letters stay
        ("والد", "ولد"),
    ],
)
def test_isri_roots(word, root):
    assert isri_root(normalize(word)) == root


def _same_as_nltk(word: str) -> None:
    if word not in NLTK.stop_words:  # ours leaves stopwords to the analyzer
        assert isri_root(word) == NLTK.stem(word), word


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=LETTERS, min_size=1, max_size=10))
@pytest.mark.slow
def test_roots_are_nltks_for_any_normalized_word(word):
    _same_as_nltk(word)


def test_roots_are_nltks_for_every_word_of_the_seeds(seeds_dir):
    texts = [path.read_text("utf-8") for path in sorted(seeds_dir.iterdir())]
    words = {t.norm for text in texts for t in analyze(text)}
    assert len(words) > 500
    for word in words:
        _same_as_nltk(word)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return index_of(tmp_path_factory.mktemp("roots"), {"linked": LINKED, "other": OTHER})


def test_a_verb_finds_its_participle_by_root(index):
    assert light_stem(normalize("يرتبط")) != light_stem(normalize("المرتبطة"))
    result = index.search("يرتبط", limit=5)
    assert [h.id for h in result.hits] == ["linked"]
    (snippet,) = result.hits[0].snippets
    assert [snippet.text[s:e] for s, e in snippet.highlights] == ["المرتبطة"]


def test_without_the_root_view_it_does_not(index):
    assert index.search("يرتبط", ranking=DEFAULT.with_(root_boost=0.0)).hits == []


def test_new_indexes_record_isri_roots(index):
    assert index.meta.roots == "isri"


@pytest.fixture(scope="module")
def rabat(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """ربط is the root of الرباط (Rabat) too: here it is in four articles of six."""
    bodies = {
        "linked": LINKED,
        "other": OTHER,
        **{f"rabat{i}": f"وصل الوفد {i} إلى الرباط أمس" for i in range(3)},
        "cairo": "وصل الوفد إلى القاهرة أمس",
    }
    return index_of(tmp_path_factory.mktemp("rabat"), bodies)


def test_a_root_in_many_documents_is_not_searched(rabat, monkeypatch):
    # in 4 of 6 documents (over root_max_df = 20%), but under ROOT_DF_FLOOR: searched
    assert "linked" in {h.id for h in rabat.search("يرتبط").hits}
    monkeypatch.setattr(planning, "ROOT_DF_FLOOR", 0)
    assert rabat.search("يرتبط").hits == []
    everywhere = DEFAULT.with_(root_max_df=1.0)
    assert {h.id for h in rabat.search("يرتبط", ranking=everywhere).hits} == {
        "linked", "rabat0", "rabat1", "rabat2"
    }  # fmt: skip


def test_show_highlights_the_words_of_the_query_root(index):
    (span,) = index.highlight(LINKED, "يرتبط")
    assert LINKED[slice(*span)] == "المرتبطة"
    assert index.highlight(LINKED, "الجرائم يرتبط") == [(0, 7)]  # a word matched: no roots


def test_an_index_built_with_snowball_roots_keeps_them(tmp_path):
    """Indexes from before ISRI keep answering with the root view they were built with."""
    SearchIndex.create(tmp_path, roots="snowball").add(
        [Article(id="linked", title="", body=LINKED)]
    )
    reopened = SearchIndex.open(tmp_path)
    assert reopened.meta.roots == "snowball"
    compiler = planning.compiler(reopened.backend.searcher(DEFAULT), reopened.meta, DEFAULT, False)
    (word,) = compiler.compile(parse("المرتبطة")).words
    assert word.root == snowball_stem("المرتبطه") != isri_root("المرتبطه")
    assert [h.id for h in reopened.search("المرتبطة").hits] == ["linked"]


def test_newest_first_lists_only_articles_with_the_words_themselves(rabat):
    by_score = {h.id for h in rabat.search("الرباط").hits}
    assert by_score == {"rabat0", "rabat1", "rabat2", "linked"}  # المرتبطة: the root ربط
    assert {h.id for h in rabat.search("الرباط", sort="date").hits} == by_score - {"linked"}
    assert rabat.search("الرباط", sort="date").total == 3


@pytest.mark.parametrize(
    ("query", "total", "by_root"),
    [
        ("الرباط", 4, 1),  # bulk path: المرتبطة only by its root
        ('"وصل الوفد" الرباط', 5, 1),  # a phrase: Whoosh's path, counted again without roots
        ("القاهرة", 1, 0),
    ],
)
def test_the_total_says_how_many_only_the_root_view_found(rabat, query, total, by_root):
    result = rabat.search(query)
    assert (result.total, result.by_root) == (total, by_root)
    assert rabat.search(query, sort="date").by_root == 0


def test_the_summary_line_and_json_carry_the_root_only_count(rabat):
    result = rabat.search("الرباط")
    assert (
        render.plain_result(result)
        .splitlines()[0]
        .startswith("4 articles match «الرباط», 1 only by a word of the same root (")
    )
    assert jsonout.result_dict(result)["by_root"] == 1


def test_an_excluded_words_root_form_counts_no_article_below_zero(tmp_path):
    """«إصابة -رجل» leaves out a: رجال has the root of رجل. The count of articles found only
    by a root was the matches less those of the query without the root view, whose exclusion
    left a in: -1. Now it is, of the matches, those the query without the root view misses."""
    index = SearchIndex.create(tmp_path)
    index.add(
        [Article(id="a", title="", body="إصابة رجال"), Article(id="b", title="", body="إصابة")]
    )
    found = index.search("إصابة -رجل", exact_total=True, suggest=False)
    assert ([h.id for h in found.hits], found.total, found.by_root) == (["b"], 1, 0)
    assert render.plain_result(found).startswith("1 article match")
