"""What compiling a query reads of an index (document frequencies and the document count),
learned from shards that are asked for it: the compiler runs against what is known so far,
notes what it asked that nobody has said yet, and runs again once the shards have answered.

A compile asks for the same terms whatever the answers are (every clitic form and root of a
word is looked up, see ``planning``), so the second run finds everything it needs: one call
to the shards a query, as before (``learned``).
"""

from __future__ import annotations

from collections.abc import Callable

from searcharc.search.statistics import Statistics, Term

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")
ROUNDS = 4  # compiles at most: a compile that keeps asking for new terms is a bug


class Learning:
    """A vocabulary (``doc_count_all``, ``doc_frequency``) that answers from what the shards
    have said, 0 for the rest, and notes the rest in ``unknown``."""

    def __init__(self, known: Statistics):
        self.known = known
        self.unknown: set[Term] = set()

    def doc_count_all(self) -> int:
        return self.known.documents

    def doc_frequency(self, fieldname: str, text: str | bytes) -> int:
        term = (fieldname, text.decode("utf-8") if isinstance(text, bytes) else text)
        found = self.known.frequencies.get(term)
        if found is None:
            self.unknown.add(term)
            return 0
        return found


def learned(
    build: Callable[[Learning], T],
    ask: Callable[[set[Term]], Statistics],
    needs: Callable[[T], set[Term]],
    known: Statistics | None = None,
) -> tuple[T, Statistics]:
    """``build`` run against the shards' vocabulary until it asks for nothing unknown, and
    all the shards have said (``ask``: the whole index's statistics for some terms; ``known``:
    what they said before, at the same commit). The terms ``needs`` names of a result (those
    its scoring reads) are asked in the same call."""
    asked = known is not None
    known = known or Statistics()
    for _ in range(ROUNDS):
        vocabulary = Learning(known)
        built = build(vocabulary)
        missing = (vocabulary.unknown | needs(built)) - known.frequencies.keys()
        if asked and not missing:
            return built, known
        said = ask(missing)  # the counts and lengths again, and the terms' frequencies
        known = Statistics(said.documents, said.lengths, known.frequencies | said.frequencies)
        asked = True
    raise AssertionError(f"a compile still asks for unknown terms after {ROUNDS} rounds")
