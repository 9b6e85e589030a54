"""Many queries in one process (`searcharc query --batch`): one open index, one answer a query."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from searcharc.errors import SearcharcError

if TYPE_CHECKING:
    from searcharc.search.searcher import SearchIndex, SearchResult


@dataclass(frozen=True, slots=True)
class BatchQuery:
    """One line of a batch file."""

    qid: str
    text: str


@dataclass(frozen=True, slots=True)
class Answer:
    """The result of one batch query, or the one-line reason it could not be run."""

    qid: str
    result: SearchResult | None = None
    error: str | None = None


def read_queries(text: str) -> list[BatchQuery]:
    """``qid<TAB>query`` lines, or one query a line (numbered 1..n); blank lines are skipped."""
    lines = [line for line in text.splitlines() if line.strip()]
    queries = []
    for number, line in enumerate(lines, 1):
        qid, tab, query = line.partition("\t")
        qid = qid.strip() if tab else str(number)
        if not qid or len(qid.split()) != 1:
            raise SearcharcError(f"batch line {number}: the qid before the tab is {qid!r}")
        queries.append(BatchQuery(qid, query if tab else line))
    return queries


def answer_all(
    index: SearchIndex, queries: Iterable[BatchQuery], limit: int, **options: object
) -> Iterator[Answer]:
    """Each query's result in turn; a query that cannot be read gives its error, not a stop."""
    for query in queries:
        try:
            yield Answer(query.qid, index.search(query.text, limit=limit, **options))
        except SearcharcError as exc:
            yield Answer(query.qid, error=str(exc))
