"""Search over the seed articles: spelling variants, ranking, snippets cut from the original."""

from __future__ import annotations

import json
import re

import pytest

from searcharc import SearchIndex
from searcharc.analysis import ANALYZER_VERSION, analyze
from searcharc.errors import SearcharcError

ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")

VARIANTS = ["الارهاب", "الإرهاب", "الإِرْهَاب", "الإرهـــاب"]


def ranking(seed_index, query: str) -> list[tuple[str, float]]:
    return [(h.id, h.score) for h in seed_index.search(query).hits]


def test_spelling_variants_give_the_same_ranking(seed_index):
    expected = ranking(seed_index, VARIANTS[0])
    assert len(expected) >= 3
    for variant in VARIANTS[1:]:
        assert ranking(seed_index, variant) == expected, variant


def test_query_finds_all_seed_articles_about_counter_terrorism(seed_index):
    result = seed_index.search("مكافحة الإرهاب")
    assert result.total == 5
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)


def test_ticker_words_are_not_indexed(seed_index):
    # زياش appears only in the headline ticker of seed 001, which is boilerplate.
    assert seed_index.search("زياش").hits == []


def test_documents_matching_more_words_rank_first(seed_index):
    # «بلينكن» is in one seed only; «الإرهاب» is in all of them.
    hits = seed_index.search("بلينكن الإرهاب").hits
    assert hits[0].id.startswith("002_")


def _whole_words(text: str, spans: list[tuple[int, int]]) -> list[str]:
    words = []
    for start, end in spans:
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        assert not ARABIC_LETTER.match(before) and not ARABIC_LETTER.match(after), text[
            max(0, start - 5) : end + 5
        ]
        words.append(text[start:end])
    return words


def test_highlights_are_whole_words_of_the_original_text(seed_index):
    highlighted: set[str] = set()
    for hit in seed_index.search("مكافحة الإرهاب").hits:
        assert 1 <= len(hit.snippets) <= 3
        for snippet in hit.snippets:
            assert len(snippet.text) <= 220
            highlighted.update(_whole_words(snippet.text, snippet.highlights))
    assert {"الإرهاب", "لمكافحة", "مكافحة"} <= highlighted
    # every highlighted word analyzes to one of the query's stems
    stems = {t.stem for t in analyze("مكافحة الإرهاب")}
    assert all(analyze(word)[0].stem in stems for word in highlighted)


def test_snippets_are_slices_of_the_body(seed_index, seed_index_dir):
    from whoosh import index as whoosh_index

    with whoosh_index.open_dir(str(seed_index_dir)).searcher() as searcher:
        bodies = {f["id"]: f["body"].replace("\n", " ") for f in searcher.all_stored_fields()}
    for hit in seed_index.search("الإرهابية التعاون الأمني").hits:
        for snippet in hit.snippets:
            assert snippet.text in bodies[hit.id]


def test_json_validates_against_the_documented_schema(seed_index):
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    from searcharc import jsonout

    schema = json.loads(resources.files("searcharc").joinpath("data/query.schema.json").read_text())
    for query in ("الرباط", "الارهب", "زياش"):
        result = seed_index.search(query, limit=2)
        data = json.loads(jsonout.to_json(jsonout.result_dict(result)))
        jsonschema.validate(data, schema)
    assert (
        len(
            json.loads(jsonout.to_json(jsonout.result_dict(seed_index.search("الرباط", limit=2))))[
                "hits"
            ]
        )
        == 2
    )


def test_dates_and_sources_are_returned(seed_index):
    hits = {h.id[:3]: h for h in seed_index.search("الإرهاب").hits}
    assert hits["001"].date == "2023-11-14"
    assert hits["003"].date == "2020-09-29"
    assert hits["003"].source == "Ahdath.info"


def test_an_index_of_another_analyzer_version_is_refused(tmp_path, seeds_dir):
    from searcharc.index.indexing import run_index
    from searcharc.index.store import IndexMeta
    from searcharc.search.searcher import SearchIndex

    run_index([seeds_dir / "002_966b79832bdd0695.txt"], tmp_path)
    IndexMeta(ANALYZER_VERSION + "-old", "light").write(tmp_path)
    with pytest.raises(SearcharcError, match="rebuild"):
        SearchIndex.open(tmp_path)


def test_reindexing_unchanged_articles_changes_nothing(tmp_path, seeds_dir):
    from searcharc.index.indexing import run_index

    first = run_index([seeds_dir], tmp_path).changes
    second = run_index([seeds_dir], tmp_path).changes
    assert (first.added, second.added, second.unchanged) == (5, 0, 5)


def test_an_open_index_sees_another_writers_removals_and_replacements(tmp_path):
    """Whoosh's refresh() kept the old segment readers (their deletions too): a removed article
    stayed found and a replaced one was found twice."""
    from searcharc.records import Article

    def article(n: int, extra: str = "") -> Article:
        return Article(id=f"a{n}", title="خبر", body=f"الطاقة الشمسية {n} {extra}")

    writer = SearchIndex.create(tmp_path)
    writer.add([article(1), article(2), article(3)])
    reader = SearchIndex.open(tmp_path)
    assert reader.search("الشمسية").total == 3
    writer.remove(["a1"])
    assert sorted(h.id for h in reader.search("الشمسية").hits) == ["a2", "a3"]
    writer.add([article(2, "الرياح")])
    assert sorted(h.id for h in reader.search("الشمسية").hits) == ["a2", "a3"]
    assert [h.id for h in reader.search("الرياح").hits] == ["a2"]


def test_a_date_range_that_matches_nothing_counts_nothing(seed_index):
    from datetime import date

    for query in ("الإرهاب", "المغرب", "الإرهاب"):
        result = seed_index.search(query, since=date(2030, 1, 1))
        assert (result.total, result.hits, result.by_root) == (0, [], 0)
