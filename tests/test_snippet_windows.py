"""Snippet windows: never overlapping, best first, each highlight on a matched word."""

from __future__ import annotations

from itertools import pairwise

from searcharc.analysis.tokenize import spans
from searcharc.snippets import WIDTH, make_snippets


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
