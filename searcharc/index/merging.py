"""Which segments merge, and when: Lucene's log merge policy, by document count.

A segment's level grows by one for every tenfold of documents (``level``). Once a level holds
``MERGE_FACTOR`` segments they merge into one of the next level, so an index of N documents
keeps about ``MERGE_FACTOR`` segments a level, log10(N) levels, and each document is rewritten
once a level. (Whoosh's ``MERGE_SMALL`` compares document counts with small Fibonacci numbers:
runs of 1,000 articles piled up to 18 segments before their first merge.)
"""

from __future__ import annotations

MERGE_FACTOR = 10
LEVEL_FLOOR = 1_000  # segments under 10 × this many documents share the lowest level
DELETED_SHARE = 0.3  # a segment with more of its documents deleted is rewritten without them


def level(docs: int) -> int:
    """A segment's size level: 0 under 10 × LEVEL_FLOOR documents, then one a tenfold."""
    found, bound = 0, LEVEL_FLOOR * 10
    while docs >= bound:
        found, bound = found + 1, bound * 10
    return found


def merge_group(segments: list) -> list:
    """The segments to merge now (Whoosh ``Segment`` objects): the lowest level holding
    ``MERGE_FACTOR`` of them, and any segment with over DELETED_SHARE of its documents
    deleted; nothing when no level is full and none is mostly deleted."""
    by_level: dict[int, list] = {}
    for segment in segments:
        by_level.setdefault(level(segment.doc_count()), []).append(segment)
    full = [group for _, group in sorted(by_level.items()) if len(group) >= MERGE_FACTOR]
    group = full[0] if full else []
    return [s for s in segments if s in group or _mostly_deleted(s)]


def _mostly_deleted(segment) -> bool:
    total = segment.doc_count_all()
    return total > 0 and segment.deleted_count() > DELETED_SHARE * total


def log_merge(writer, segments: list) -> list:
    """A Whoosh merge policy (``writer.commit(mergetype=log_merge)``): ``merge_group``'s
    segments go into the writer's new segment; the rest are kept."""
    from whoosh.reading import SegmentReader

    group = merge_group(segments)
    for segment in group:
        with SegmentReader(writer.storage, writer.schema, segment) as reader:
            writer.add_reader(reader)
    return [s for s in segments if s not in group]
