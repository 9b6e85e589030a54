"""searcharc: Arabic-aware full-text search for news archives.

from searcharc import SearchIndex
hits = SearchIndex.open("index").search("مكافحة الإرهاب").hits
"""

from __future__ import annotations

from searcharc import lean_imports

lean_imports.install()  # before anything imports Whoosh (or dataclasses)

from searcharc import compiled_methods  # noqa: E402  (imports dataclasses)

compiled_methods.install()

__version__ = "0.1.0"
# How free words combine: "any" lets ranking decide, "all" requires every one (see the README).
DEFAULT_MATCH = "any"
# Seconds a shard's replica on a Ray cluster has to answer a call before another is asked.
SHARD_TIMEOUT = 2.0

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from searcharc.search.searcher import SearchIndex


def __getattr__(name: str):
    # SearchIndex pulls in Whoosh: import it on first use, not with the package.
    if name == "SearchIndex":
        from searcharc.search.searcher import SearchIndex

        return SearchIndex
    raise AttributeError(f"module 'searcharc' has no attribute {name!r}")


__all__ = ["DEFAULT_MATCH", "SHARD_TIMEOUT", "SearchIndex", "__version__"]
