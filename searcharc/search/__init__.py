"""The read path: a query string → ranked Hit records.

``query`` (the string → a tree of dataclasses, pure) → ``matching`` (the tree → Whoosh queries
through the index's own analyzer) → ``ranking`` (BM25F, its idf and boosts; ``blend``: a
word's forms as one term) → ``bulk`` (free-word queries scored a posting list at a time,
skipping what cannot enter the top k) → ``proximity`` (the re-rank of the best 100) →
``snippets``; ``searcher`` holds ``SearchIndex``, the one path of the CLI, the web app and the
Python API.
"""
