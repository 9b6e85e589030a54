"""The write path: inputs → the Whoosh index on disk.

``indexing`` runs `searcharc index` (one atomic commit, the inputs a re-run skips: ``manifest``)
→ ``store`` (the schema, opening and creating an index, ``Writer``: add, replace, remove) →
``writer`` (postings inverted in memory, flushed as segments, merged a term at a time) →
``w3`` (the only module that touches Whoosh's W3 internals), with ``parallel`` for ``--jobs 2``,
``merging`` (when segments merge) and ``lock`` (one writer at a time).
"""
