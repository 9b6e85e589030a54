"""The fence: every use of Whoosh's private internals (whoosh-reloaded 2.7.x) lives here.

The rest of searcharc reaches Whoosh through its public API and these modules' functions and
classes (tests/test_architecture.py checks it): ``postings`` reads W3 postings a block at a
time, ``encode`` writes them, ``segments`` is the one view of a segment that its caches hang
on (term infos, stored fields, field lengths), ``storage`` maps segment files into memory,
``matchers`` holds the corrected and added matchers, ``statistics`` gives a searcher the
statistics of a whole index (``Bm25Statistics``), and ``segment_writer`` is the segment writer
that inverts postings in memory. Each subclass of a Whoosh class that overrides a private hook
says which Whoosh version it follows.
"""
