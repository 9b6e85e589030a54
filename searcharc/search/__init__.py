"""The read path: a query string → ranked Hit records, behind one facade.

``searcher`` holds ``SearchIndex``, the one path of the CLI, the web app and the Python API;
it holds a backend (``backend``: ``local`` for one folder, ``shards`` for several, searched
in ``workers`` processes, each ``shard`` with the whole index's ``statistics``). The records
they share are in ``request``. A search: ``query`` (the string → a tree of dataclasses, pure)
→ ``planning`` (the tree compiled by ``matching`` into Whoosh queries through the index's own
analyzer; ``ranking``: BM25F, its idf and boosts; ``blend``: a word's forms as one term) →
``candidates`` (``bulk``: free-word queries scored a posting list at a time, skipping what
cannot enter the top k; else Whoosh's own search) → ``rerank`` (``proximity`` over the best
100) → ``hits`` (stored fields, ``snippets``) and ``facets``; ``suggest``, ``similar`` and
``stats`` answer the other calls.
"""
