"""The query parser's trees and the words did-you-mean may correct, form by form (cases found by
mutation testing: tools/mutation.py)."""

from __future__ import annotations

import pytest

from searcharc.errors import SearcharcError
from searcharc.search.query import (
    Exact,
    Free,
    Fuzzy,
    InField,
    Not,
    Prefix,
    Word,
    correctable,
    parse,
)

TREES = [
    ("كتاب~", Fuzzy("كتاب", 1)),  # one edit when no distance is written
    ("كتاب~2", Fuzzy("كتاب", 2)),
    ("title:10:30", InField("title", Word("10:30"))),  # the first colon names the field
    ("Xbox", Word("Xbox")),
    ("-Xbox", Not(Word("Xbox"))),
    ("=ك", Exact("ك")),  # one letter is a word
    ("abcX*", Prefix("abcX")),
    ("اب*", Prefix("اب")),  # two letters: enough
    ("الإرهاب NOT", Word("الإرهاب")),  # NOT before nothing is dropped
    ("NOT OR الإرهاب", Word("الإرهاب")),  # and before an operator
    ("NOT AND الإرهاب", Word("الإرهاب")),
    ("NOT or الإرهاب", Free((Not(Word("or")), Word("الإرهاب")))),  # lower case: a word
    ("-(الإرهاب NOT) بلينكن", Free((Not(Word("الإرهاب")), Word("بلينكن")))),  # and before ")"
]


@pytest.mark.parametrize(("query", "tree"), TREES)
def test_each_form_gives_its_tree(query, tree):
    assert parse(query) == tree


@pytest.mark.parametrize("query", ["كتاب،قلم~", "أ،ب،ج~"])
def test_fuzzy_takes_one_word(query):
    with pytest.raises(SearcharcError, match="applies to one word"):
        parse(query)


CORRECTABLE = [
    ("x -y", [(0, "x")]),
    ("=الارهب", [(1, "الارهب")]),  # the offset of the word, after the =
    ("NOT -الارهب", [(5, "الارهب")]),  # left out twice: searched
    ("-title:الارهب", []),  # left out: not corrected
    ("-(الارهب بلينكن)", []),
    ("NOT -(الارهب title:بلينكن)", [(6, "الارهب"), (19, "بلينكن")]),
    ("source:هسبريس الارهب", [(14, "الارهب")]),  # sources are not corrected
]


@pytest.mark.parametrize(("query", "words"), CORRECTABLE)
def test_correctable_words_and_their_offsets(query, words):
    assert list(correctable(parse(query))) == words
    for at, text in words:
        assert query[at : at + len(text)] == text


@pytest.mark.parametrize("query", ["؟؟~", "!~2", "-!!~"])
def test_fuzzy_on_no_word_leaves_nothing_to_search(query):
    assert parse(query) is None
