"""The write path: inputs → the Whoosh index on disk.

``indexing`` runs `searcharc index` (one atomic commit, the inputs a re-run skips: ``manifest``)
→ ``store`` (the schema, opening and creating an index, ``Writer``: add, replace, remove; an
index of several: ``shards``) → the segment writer (``searcharc.whooshx.segment_writer``):
postings inverted in memory (``postings_table``), flushed as segments, merged a term at a time
(``rows``), written by ``searcharc.whooshx.encode``; with ``parallel`` for ``--jobs 2``,
``merging`` (when segments merge) and ``lock`` (one writer at a time).
"""
