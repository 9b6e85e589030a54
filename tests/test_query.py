"""The query language: the parser alone, each form on the seed articles, malformed input, and
did-you-mean."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import S000, S001, S002, S003, S004, run_in_process
from hypothesis import given, settings
from hypothesis import strategies as st

from searcharc import DEFAULT_MATCH
from searcharc.errors import SearcharcError
from searcharc.search.query import (
    All,
    Any,
    DateIn,
    Exact,
    Free,
    Fuzzy,
    InField,
    Not,
    Phrase,
    Prefix,
    Word,
    correctable,
    parse,
    replace_spans,
)

ALL = {S000, S001, S002, S003, S004}


def ids(seed_index, query: str, **options) -> set[str]:
    return {h.id for h in seed_index.search(query, limit=10, **options).hits}


# The parser alone (no index, no Whoosh)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        (
            '"مكافحة الإرهاب" -الجزائر إره*',
            Free((Phrase("مكافحة الإرهاب"), Not(Word("الجزائر")), Prefix("إره"))),
        ),
        ('-"مكافحة الإرهاب"', Not(Phrase("مكافحة الإرهاب"))),
        ('NOT "مكافحة الإرهاب"', Not(Phrase("مكافحة الإرهاب"))),
        ("-(بلينكن OR حموشي)", Not(Any((Word("بلينكن"), Word("حموشي"))))),
        ('title:"مكافحة الإرهاب"', InField("title", Phrase("مكافحة الإرهاب"))),
        ("title:(بلينكن OR حموشي)", InField("title", Any((Word("بلينكن"), Word("حموشي"))))),
        ("Title:بلينكن", InField("title", Word("بلينكن"))),
        ("title:-بلينكن", InField("title", Not(Word("بلينكن")))),
        ("-source:هسبريس", Not(InField("source", Word("هسبريس")))),
        ("title: بلينكن", Word("بلينكن")),  # an empty field is dropped
        ("=الإرهابية الارهب~2", Free((Exact("الإرهابية"), Fuzzy("الارهب", 2)))),
        (
            "(بلينكن OR حموشي) AND الرباط",
            All((Any((Word("بلينكن"), Word("حموشي"))), Word("الرباط"))),
        ),
        ("بلينكن OR", Word("بلينكن")),
        ("(((بلينكن", Word("بلينكن")),
        ("بلينكن) الرباط", Free((Word("بلينكن"), Word("الرباط")))),
        ('"مكافحة', Phrase("مكافحة")),
        ("NOT NOT بلينكن", Not(Not(Word("بلينكن")))),
        ("--بلينكن", Not(Word("بلينكن"))),
    ],
)
def test_parse_tree(query, tree):
    assert parse(query) == tree


def test_dates_parse_to_their_first_and_last_moment():
    month = parse("date:2023-11")
    assert isinstance(month, DateIn)
    assert (month.start.isoformat(), month.end.isoformat()) == (
        "2023-11-01T00:00:00",
        "2023-11-30T23:59:59",
    )
    assert parse('date:"2024-02"').end.day == 29
    assert (parse("date:2020").start.month, parse("date:2020").end.month) == (1, 12)
    assert parse("date:2023-11-14").start == parse("date:2023-11-14").end.replace(
        hour=0, minute=0, second=0
    )
    for wrong in ("date:2023-00", "date:2023-11-00", "date:2023-13", "date:0000"):
        with pytest.raises(SearcharcError, match="not a date"):
            parse(wrong)
    assert parse("-date:2020") == Not(parse("date:2020"))


@pytest.mark.parametrize("query", ["", "   ", '"', "()", "OR", "AND NOT", "-", "؟؟؟", "ـــ", "=*"])
def test_nothing_searchable_parses_to_none(query):
    assert parse(query) is None


def test_correctable_words_are_the_ones_that_add_matches():
    query = 'source:هسبريس الارهب -بلينكين title:حموشي "مكافحه الارهب" إره* فيشر~ date:2020'
    found = [(query[at : at + len(text)], text) for at, text in correctable(parse(query))]
    assert [text for _, text in found] == ["الارهب", "حموشي", "مكافحه الارهب"]
    assert all(written == text for written, text in found)


def test_replace_spans_from_the_right():
    assert replace_spans("ab cd ef", [(0, 2, "X"), (6, 8, "YYY")]) == "X cd YYY"


# Each form on the seed articles


def test_a_phrase_matches_only_in_its_order(seed_index):
    assert ids(seed_index, '"مكافحة الإرهاب"') == {S000, S003, S004}
    assert ids(seed_index, '"الإرهاب مكافحة"') == {S002}  # «محاربة الارهاب ومكافحة الاتجار»
    assert ids(seed_index, "مكافحة الإرهاب") == ALL


def test_a_phrase_keeps_the_gap_of_its_stopwords(seed_index):
    # 002: «السلم والأمن في منطقة»; 001: «الوضع الأمني في المنطقة»
    assert ids(seed_index, '"الأمن في المنطقة"') == {S001, S002}
    assert ids(seed_index, '"الأمن المنطقة"') == set()


def test_not_and_minus_remove_a_document(seed_index):
    assert S002 in ids(seed_index, "الإرهاب")
    assert ids(seed_index, "الإرهاب -بلينكن") == ids(seed_index, "الإرهاب NOT بلينكن")
    assert ids(seed_index, "الإرهاب -بلينكن") == ALL - {S002}


def test_minus_a_phrase_or_a_group(seed_index):
    assert ids(seed_index, 'الإرهاب -"مكافحة الإرهاب"') == {S001, S002}
    assert ids(seed_index, "الإرهاب -(بلينكن OR حموشي)") == {S000, S001, S004}


def test_or_and_parentheses(seed_index):
    assert ids(seed_index, "بلينكن OR حموشي") == {S002, S003}
    assert ids(seed_index, "(بلينكن OR حموشي) AND فيشر") == {S003}


def test_match_all_requires_every_word(seed_index):
    assert ids(seed_index, "بلينكن الإرهاب", match="all") == {S002}
    assert ids(seed_index, "بلينكن الإرهاب", match="any") == ALL
    assert ids(seed_index, "بلينكن الإرهاب") == ids(
        seed_index, "بلينكن الإرهاب", match=DEFAULT_MATCH
    )


def test_fields(seed_index):
    assert ids(seed_index, "title:بلينكن") == {S002}
    assert ids(seed_index, "title:الإرهابية") == {S003}  # «التنظيمات الإرهابية» in 003's title
    assert ids(seed_index, 'title:"التنظيمات الإرهابية"') == {S003}
    assert ids(seed_index, "title:(بلينكن OR الحموشي)") == {S002, S003}
    assert ids(seed_index, "source:هسبريس") == {S001}
    assert ids(seed_index, "source:ahdath") == {S003}
    assert ids(seed_index, "source:Ahd*") == {S003}
    assert ids(seed_index, 'source:"ahdath info"') == {S003}
    assert ids(seed_index, 'source:"info ahdath"') == set()


def test_fields_and_dates_narrow_whatever_match_says(seed_index):
    assert ids(seed_index, "source:هسبريس الإرهاب") == {S001}
    assert ids(seed_index, "date:2020 الإرهاب") == {S003}
    assert ids(seed_index, "title:بلينكن الإرهاب المغرب") == {S002}


def test_title_refuses_what_only_the_whole_article_has(seed_index):
    for query in ("title:الإره*", "title:بلينكين~", "title:=الإرهابية"):
        with pytest.raises(SearcharcError, match="title:"):
            seed_index.search(query)


def test_dates(seed_index):
    assert ids(seed_index, "date:2023-11") == {S001}
    assert ids(seed_index, "date:2023-11-14") == {S001}
    assert ids(seed_index, "date:2020") == {S003}
    assert ids(seed_index, "الإرهاب -date:2020") == ALL - {S003}
    assert ids(seed_index, "الإرهاب", since=date(2021, 1, 1)) == {S001}
    assert ids(seed_index, "الإرهاب", until=date(2021, 1, 1)) == {S003}
    assert ids(seed_index, "الإرهاب", since=date(2020, 9, 29), until=date(2020, 9, 29)) == {S003}


def test_sort_by_date_and_paging(seed_index):
    dated = [h.id for h in seed_index.search("الإرهاب", sort="date").hits][:2]
    assert dated == [S001, S003]
    first = [h.id for h in seed_index.search("الإرهاب", limit=2).hits]
    second = [h.id for h in seed_index.search("الإرهاب", limit=2, offset=2).hits]
    everything = [h.id for h in seed_index.search("الإرهاب", limit=4).hits]
    assert first + second == everything


def _highlighted(result) -> set[str]:
    return {s.text[a:b] for h in result.hits for s in h.snippets for a, b in s.highlights}


def test_prefix_over_unstemmed_words(seed_index):
    result = seed_index.search("الإره*")
    assert {S000, S003, S004} <= {h.id for h in result.hits}
    words = _highlighted(result)
    assert words and all(w.replace("أ", "ا").replace("إ", "ا").startswith("الاره") for w in words)


def test_fuzzy_word(seed_index):
    assert ids(seed_index, "بلينكبن~") == {S002}  # one letter too many
    assert ids(seed_index, "بلينكبن") == set()
    assert ids(seed_index, "بلنكين~2") == {S002}
    assert _highlighted(seed_index.search("بلينكبن~")) == {"بلينكن"}


def test_exact_form_is_not_stemmed_but_ignores_marks_and_hamza(seed_index):
    exact = ids(seed_index, "=الإرهابية")
    assert exact < ids(seed_index, "الإرهابية")
    assert ids(seed_index, "=الارهابيه") == exact == ids(seed_index, "=الإِرْهَابِيَّة")
    assert _highlighted(seed_index.search("=الإرهابية")) == {"الإرهابية"}


def test_phrase_words_are_highlighted(seed_index):
    words = _highlighted(seed_index.search('"الأمن في المنطقة"'))
    assert {"المنطقة"} <= words and any(w.endswith(("الأمن", "والأمن")) for w in words)


# Malformed queries: read leniently into hits, or refused with one line and exit status 2

# Each query with what it must give: hits, or exit status 2 with this in its one line.
HITS = None
NOTHING = "nothing to search for in"
NOT_A_DATE = "is not a date: write date:2023, date:2023-11 or date:2023-11-14"
PREFIX = "needs at least 2 letters of one word"
MALFORMED = [
    ('"', NOTHING),
    ('""', NOTHING),
    ('"مكافحة', HITS),
    ('مكافحة"', HITS),
    ("(", NOTHING),
    (")", NOTHING),
    ("((", NOTHING),
    ("))", NOTHING),
    ("(الإرهاب", HITS),
    ("الإرهاب)", HITS),
    ("()", NOTHING),
    ("OR", NOTHING),
    ("AND", NOTHING),
    ("NOT", NOTHING),
    ("OR OR", NOTHING),
    ("AND AND", NOTHING),
    ("الإرهاب OR", HITS),
    ("OR الإرهاب", HITS),
    ("الإرهاب AND", HITS),
    ("NOT NOT الإرهاب", HITS),
    ("NOT )", NOTHING),
    ("-", NOTHING),
    ("--", NOTHING),
    ("- -", NOTHING),
    ("--بلينكن", HITS),
    (":", NOTHING),
    ("title:", NOTHING),
    ("source:", NOTHING),
    ("title:)", NOTHING),
    ('title:"', NOTHING),
    ("title:(", NOTHING),
    ("date:", NOTHING),
    ("date:2023-13-45", NOT_A_DATE),
    ("date:2023-02-30", NOT_A_DATE),
    ("date:2023-00", NOT_A_DATE),
    ("date:2023-11-00", NOT_A_DATE),
    ("date:nope", NOT_A_DATE),
    ("date:(2023)", "date: takes one date, not a group"),
    ("*", PREFIX),
    ("**", PREFIX),
    ("ا*", PREFIX),
    ("-*", PREFIX),
    ("=*", NOTHING),
    ("~", NOTHING),
    ("الإرهاب~9", "fuzzy distance in 'الإرهاب~9' must be 1 or 2"),
    ("الإرهاب~0", "fuzzy distance in 'الإرهاب~0' must be 1 or 2"),
    ("=", NOTHING),
    ("==", NOTHING),
    ("ـــ", NOTHING),
    ("؟؟؟", NOTHING),
    ("!!!", NOTHING),
    ("\u200f", NOTHING),
    ("  ", NOTHING),
    ("\t", NOTHING),
    ("(((الإرهاب OR (بلينكن", HITS),
    ('-"', NOTHING),
    ("-()", NOTHING),
    ('"(" ")"', NOTHING),
    ('title:"الإرهاب', HITS),
    ("الإره* title:الإره*", "title: takes words and phrases, not 'الإره*'"),
    ("بلينكن~ ~2", HITS),
]


@pytest.mark.parametrize(("query", "expected"), MALFORMED)
@pytest.mark.slow
def test_a_malformed_query_gives_hits_or_exit_2_with_its_message(
    seed_index, seed_index_dir, query, expected, capsys
):
    code, out, err = run_in_process(capsys, "query", "--index", str(seed_index_dir), "--", query)
    if expected is HITS:
        assert seed_index.search(query).hits
        assert code == 0 and "1. " in out, (code, err)
        return
    with pytest.raises(SearcharcError) as raised:
        seed_index.search(query)
    assert expected in str(raised.value) and "\n" not in str(raised.value)
    assert code == 2 and len(err.strip().splitlines()) == 1, (code, err)
    assert "internal error" not in err and "Traceback" not in err
    assert expected in err and out == ""


def test_at_least_30_malformed_queries():
    assert len(MALFORMED) >= 30


# Did you mean


def test_did_you_mean(seed_index):
    (suggestion,) = seed_index.suggest("الارهب")
    assert suggestion.query == "الإرهاب" and suggestion.total == 5
    assert seed_index.suggest("الإرهاب") == []


def test_search_suggests_when_little_is_found(seed_index):
    assert [s.query for s in seed_index.search("بلينكين").suggestions] == ["بلينكن"]
    assert seed_index.search("بلينكين", suggest=False).suggestions == []
    assert seed_index.search("الإرهاب").suggestions == []


def test_did_you_mean_keeps_the_rest_of_the_query(seed_index):
    (suggestion,) = seed_index.suggest('source:هسبريس الارهب -بلينكين date:2020 "مكافحه الارهب"')
    assert suggestion.query == 'source:هسبريس الإرهاب -بلينكين date:2020 "مكافحه الإرهاب"'
    assert seed_index.suggest("الإره*") == []


QUERY_PIECES = [
    "الإرهاب", "بلينكن", "في", "ahdath", "2020", " ", " ", '"', "(", ")", "-", "=", "*", "~", "~2",
    ":", "title:", "source:", "date:", "date:2023-11", "OR", "AND", "NOT", "ـ", "\u064e", "؟",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(QUERY_PIECES), max_size=8).map("".join))
@pytest.mark.slow
def test_any_mix_of_query_syntax_gives_a_result_or_one_line(seed_index, query):
    try:
        result = seed_index.search(query, limit=3)
    except SearcharcError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert result.total >= len(result.hits)
