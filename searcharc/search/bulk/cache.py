"""Decoded postings, their scores and block directories kept between queries, within a budget."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class PostingsCache:
    """Decoded postings (and their scores), the least recently used dropped first past
    ``budget`` bytes: a long-running process (``--batch``, the Python API) decodes and scores
    a frequent term once."""

    budget: int
    entries: OrderedDict = field(default_factory=OrderedDict)  # key → (value, size)
    size: int = 0
    hits: int = 0
    misses: int = 0

    def get(self, key: tuple, make: Callable[[], object], size: Callable[[object], int]):
        """The value under ``key``; on a miss, ``make()``'s, kept if the budget allows."""
        found = self.entries.get(key)
        if found is not None:
            self.hits += 1
            self.entries.move_to_end(key)
            return found[0]
        self.misses += 1
        value = make()
        cost = size(value) if self.budget else 1
        if cost <= self.budget:
            self.entries[key] = (value, cost)
            self.size += cost
            while self.size > self.budget:
                self.size -= self.entries.popitem(last=False)[1][1]
        if __debug__:
            assert self.size <= self.budget, "the cache holds more than its budget"
        return value

    def clear(self) -> None:
        self.entries.clear()
        self.size = self.hits = self.misses = 0


CACHED_FROM = 512  # documents: a term in fewer is decoded each time (it is cheap to)
CACHE_MB = 64  # the default budget; $SEARCHARC_CACHE_MB sets another (0: no cache)


def budget(setting: str) -> int:
    """The cache budget in bytes for a $SEARCHARC_CACHE_MB value (the default if not a count)."""
    return (int(setting) if setting.isdigit() else CACHE_MB) << 20


CACHE = PostingsCache(budget(os.environ.get("SEARCHARC_CACHE_MB", "")))
# Block directories (``w3.Directory``, 41 bytes a block) of the terms read, apart: the
# postings in ``CACHE`` would push them out, and they are what a query's skimming reads most.
DIRECTORIES = PostingsCache(CACHE.budget // 8)


def frequent(doc_frequency: int) -> bool:
    """Whether a term (or a clause's terms in a segment) in this many documents is cached."""
    return doc_frequency >= CACHED_FROM
