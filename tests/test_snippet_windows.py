"""Snippet windows: never overlapping, best first, each highlight on a matched word."""

from __future__ import annotations

from itertools import pairwise

from searcharc.analysis.tokenize import spans
from searcharc.search.snippets import LEAD, WIDTH, make_snippets, matches


def text_with(matches: dict[int, str], length: int = 300) -> tuple[str, dict[int, str]]:
    """Numbered filler words (qaaa, qaab, …) with the given words at the given word indices."""
    words = [
        matches.get(i, "q" + "".join(chr(97 + i // 26**k % 26) for k in (2, 1, 0)))
        for i in range(length)
    ]
    return " ".join(words), {i: matches[i] for i in sorted(matches)}


def located(text: str, snippet_text: str) -> tuple[int, int]:
    """Where a snippet lies in the text (its filler words make it unique)."""
    start = text.index(snippet_text)
    assert text.find(snippet_text, start + 1) == -1
    return start, start + len(snippet_text)


def test_windows_never_overlap_however_dense_the_matches():
    text, matched = text_with({i: "كتاب" for i in range(20, 120, 3)})
    snippets = make_snippets(text, list(spans(text)), matched)
    assert len(snippets) == 3
    places = sorted(located(text, s.text) for s in snippets)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(places))
    for snippet in snippets:
        assert len(snippet.text) <= WIDTH
        assert snippet.highlights
        assert {snippet.text[a:b] for a, b in snippet.highlights} == {"كتاب"}


def test_the_best_window_comes_first_wherever_it_is():
    # one word alone early; both query words together near the end
    text, matched = text_with({10: "كتاب", 100: "قلم", 250: "كتاب", 252: "قلم", 254: "قلم"})
    stems = {"كتاب": "كتاب", "قلم": "قلم"}
    snippets = make_snippets(text, list(spans(text)), {i: stems[w] for i, w in matched.items()})
    first = snippets[0]
    assert [first.text[a:b] for a, b in first.highlights] == ["كتاب", "قلم", "قلم"]
    # then the windows of one match each, and no more than three
    assert [len(s.highlights) for s in snippets] == [3, 1, 1]


def test_a_window_with_more_matches_of_one_word_beats_a_single_match():
    text, matched = text_with({30: "كتاب", 200: "كتاب", 203: "كتاب"})
    snippets = make_snippets(text, list(spans(text)), matched, count=2)
    assert [len(s.highlights) for s in snippets] == [2, 1]
    assert located(text, snippets[0].text)[0] > located(text, snippets[1].text)[0]


def test_a_window_starts_at_the_first_word_within_lead_and_runs_to_width():
    # filler words of 4 letters and a space: word k starts at 5k; word 67 has 5 letters, so
    # that it ends at exactly 340, WIDTH after the window's first word (28, at 140)
    text, matched = text_with({40: "كتاب"}, length=120)
    words = text.split(" ")
    words[67] += "x"
    text = " ".join(words)
    found = list(spans(text))
    assert found[40][0] - LEAD == found[28][0] == 140 and found[67][1] == 140 + WIDTH
    (snippet,) = make_snippets(text, found, matched)
    assert snippet.text == text[140 : 140 + WIDTH]
    assert [snippet.text[a:b] for a, b in snippet.highlights] == ["كتاب"]


def test_a_window_at_the_end_of_the_text_keeps_its_last_word():
    text = "قلم بحر شمس كتاب"
    (snippet,) = make_snippets(text, list(spans(text)), {3: "كتاب"})
    assert snippet.text == text and snippet.highlights == [(12, 16)]


def test_line_breaks_and_tabs_become_spaces_one_for_one():
    text = "قلم\r\nكتاب\tبحر"
    (snippet,) = make_snippets(text, list(spans(text)), {1: "كتاب"})
    assert snippet.text == "قلم  كتاب بحر" and snippet.highlights == [(5, 9)]


def test_matches_gives_every_word_span_and_the_matched_words_stems():
    text = "الكتاب والقلم وكتابه"
    found, matched = matches(text, "light", lambda analysis: analysis[1] == "كتاب")
    assert found == [(0, 6), (7, 13), (14, 20)]
    assert matched == {0: "كتاب", 2: "كتاب"}
    assert matches(text, "light", lambda analysis: False) == ([], {})


def test_a_word_that_starts_before_the_lead_is_left_out_even_if_it_ends_inside():
    text = "a" * 70 + " كتاب قلم"
    (snippet,) = make_snippets(text, list(spans(text)), {1: "كتاب"})
    assert snippet.text == "كتاب قلم"


def test_a_window_may_start_where_a_better_one_ends():
    # the best window (two stems) runs from 0 to a long word ending at exactly WIDTH; a word
    # written against that one (no space) starts the next window
    long_word = "a" * (WIDTH - 9)
    text = f"كتاب قلم {long_word}شمس بحر"
    found = list(spans(text))
    assert found[2] == (9, WIDTH) and found[3][0] == WIDTH
    snippets = make_snippets(text, found, {0: "كتاب", 1: "قلم", 4: "بحر"})
    assert [s.text for s in snippets] == [text[:WIDTH], "شمس بحر"]
