"""A Whoosh segment writer whose postings are inverted in memory and written a term at a time
(whoosh-reloaded 2.7.x's ``SegmentWriter``, subclassed: its private hooks ``_flush_segment``,
``_merge_segments``, ``_finalize_segment``, ``_commit_toc``, ``_check_state`` and
``_check_fields``).

Whoosh's own ``SegmentWriter`` analyzes a field token by token through its format's
``word_values``, puts every posting in a sorting pool (sized, spilled to disk, merged back),
then writes it with several Python calls and a length lookup a posting. This writer keeps the
same documents, stored fields, columns and file format (searcharc's codec, ``codec.SkipCodec``:
W3's with postings made for skipping; any Whoosh reader opens the index, wherever searcharc is
installed, and reads the same postings), but

- inverts a field analyzed by ``ArabicAnalyzer`` in one pass over its words
  (``ArabicAnalyzer.term_positions``), each posting value encoded by the field's own format;
- collects a batch of documents' postings as flat arrays (term numbers, docnums, frequencies,
  values: ``postings_table.Inverted``), sorted by term and docnum at once when written;
- writes a field's postings and term infos a chunk at a time (``encode.write_terms``): small
  blocks uncompressed, block data in pickle protocol 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

from whoosh.reading import SegmentReader
from whoosh.writing import CLEAR, NO_MERGE, OPTIMIZE, SegmentWriter

from searcharc.index import rows
from searcharc.index.merging import log_merge, merge_group
from searcharc.index.postings_table import Batch, PostingTable, analyze_batch, one_pass_fields
from searcharc.whooshx import codec, encode, generations, postings


class TableWriter(SegmentWriter):
    """``SegmentWriter`` with a ``PostingTable`` and term-at-a-time writing.

    With a ``memory`` budget (bytes), the documents added so far are written as a segment of
    their own whenever the table reaches it (``flush``); the commit lists these segments with
    the last one, so a run is still one atomic commit. Merged segments (``add_reader``, called
    by a merge policy) are read a term at a time while the new segment is written, never
    held in memory.
    """

    def __init__(self, ix, memory: int | None = None, keep_older: bool = False, **kwargs):
        kwargs.setdefault("codec", codec.new_codec())
        try:
            super().__init__(ix, **kwargs)
        except BaseException:  # its segment's files refused: the lock taken first is let go
            if getattr(self, "writelock", None) is not None:
                with suppress(Exception):
                    self.writelock.release()
            raise
        self.ix = ix
        self.memory = memory
        self.keep_older = keep_older  # the commit leaves older commits' files in place
        self._plain = not any(f.vector or f.separate_spelling() for _, f in self.schema.items())
        self.one_pass = one_pass_fields(self.schema)
        self.pool = PostingTable({name: self.schema[name].format for name in self.one_pass})
        self.numberings: dict = {}  # analyze_batch's, when this process analyzes
        self.merged: list[rows.Merged] = []
        self.flushed: list = []  # this run's segments written by ``flush``

    def add_document(self, **fields) -> None:
        """As ``SegmentWriter.add_document`` (which still takes boosts, vectors, spelling)."""
        if not self._plain or any(name.startswith("_") for name in fields):
            super().add_document(**fields)
            return
        analyzed = analyze_batch(self.schema, self.one_pass, [fields], self.numberings)
        self.add_batch([fields], analyzed)

    def add_batch(self, docs: list[dict], analyzed: Batch) -> None:
        """Add documents whose one-pass fields ``analyze_batch`` has inverted (maybe
        elsewhere); the documents so far are written as a segment if over ``memory``."""
        docbase = self.docnum
        for fields, lengths in zip(docs, analyzed.lengths, strict=True):
            self._add_one(fields, lengths)
        for name, inverted in analyzed.fields.items():
            self.pool.add_inverted(name, docbase, inverted)
        if self.memory is not None and self.pool.size >= self.memory:
            self.flush()

    def _add_one(self, fields: dict, lengths: dict[str, int]) -> None:
        """A document's stored fields, columns, lengths and its other fields' postings."""
        self._check_state()
        names = sorted(fields)
        self._check_fields(self.schema, names)
        perdoc = self.perdocwriter
        perdoc.start_doc(self.docnum)
        try:
            for name in names:
                value = fields[name]
                if value is not None:
                    self._add_field(name, self.schema[name], value, lengths.get(name))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_field(self, name: str, fieldobj, value, length: int | None) -> None:
        if length is None:
            length = 0
            if fieldobj.indexed:
                for btext, freq, weight, vbytes in fieldobj.index(value):
                    length += freq if fieldobj.scorable else 0
                    self.pool.add((name, btext, self.docnum, weight, vbytes))
        self.perdocwriter.add_field(name, fieldobj, value if fieldobj.stored else None, length)
        if fieldobj.column_type:
            cv = fieldobj.to_column_value(value)
            self.perdocwriter.add_column_value(name, fieldobj.column_type, cv)

    def write_per_doc(self, fieldnames, reader) -> dict | None:
        """As Whoosh's, but the merged segment's exact length totals carry over: Whoosh adds
        up its documents' lengths, which W3 keeps a byte each, roughly, so every merge would
        move the average lengths, and the scores (by 0.1% on 160 articles)."""
        totals = encode.length_totals(self.perdocwriter)
        before = dict(totals)
        docmap = super().write_per_doc(fieldnames, reader)
        deleted = reader.segment().deleted_docs()
        for name in reader.indexed_field_names():
            if name in totals:
                gone = sum(reader.doc_field_length(n, name) for n in deleted)
                totals[name] = before.get(name, 0) + reader.field_length(name) - gone
        return docmap

    def add_postings_to_pool(self, reader, startdoc: int, docmap: dict | None) -> None:
        """For ``add_reader``: the segment's postings are read when the new one is written."""
        self.merged.append(rows.Merged(reader.segment(), startdoc, docmap))

    def flush(self) -> None:
        """Write the documents added so far as a segment of this run, and start another."""
        if not self._added:
            return
        self.flushed.append(self._finalize_segment())
        self.newsegment = self.codec.new_segment(self.storage, self.indexname)
        self.perdocwriter = self.codec.per_document_writer(self.storage, self.newsegment)
        self.fieldwriter = self.codec.field_writer(self.storage, self.newsegment)
        self.pool = PostingTable(self.pool.one_pass, self.pool.sent)
        self.docnum = self.docbase
        self._added = False
        self._merge_flushed()

    def _merge_flushed(self) -> None:
        """Merge this run's flushed segments as ``log_merge`` would at a commit."""
        group = merge_group(self.flushed)
        if group:
            kept = [s for s in self.flushed if s not in group]
            self.flushed = [*kept, self._merged_segment(group)]
            self._delete_files(group)

    def _delete_files(self, segments: list) -> None:
        """Delete the files of this run's segments that a merge replaced: no commit lists them,
        and kept until the commit they held the run's data twice on disk (9.7 GB 38 minutes
        into a build of 1M articles)."""
        prefixes = tuple(f"{s.segment_id()}." for s in segments)
        for filename in [name for name in self.storage.list() if name.startswith(prefixes)]:
            self.storage.delete_file(filename)

    def _merged_segment(self, segments: list) -> object:
        """One new segment holding ``segments`` (none with deletions)."""
        writer = type(self)(self.ix, _lk=False, compound=False)
        for segment in segments:
            with SegmentReader(self.storage, self.schema, segment) as reader:
                writer.add_reader(reader)
        segment = writer._finalize_segment()
        writer.is_closed = True
        return segment

    def commit(self, *args, **kwargs) -> None:
        """As Whoosh's; one that fails (a full disk) releases the write lock and the temporary
        files at once, as ``cancel`` does, not when the process ends: a long-lived process
        (the Python API, the web app) could not write the index again otherwise."""
        try:
            super().commit(*args, **kwargs)
        except BaseException:
            if not self.is_closed:
                with suppress(Exception):
                    self._close_segment()
                with suppress(Exception):
                    self._finish()
                with suppress(Exception):  # _finish failed before it released the lock
                    self.writelock.release()
            raise

    def _commit_toc(self, segments: list) -> None:
        """Write the commit's table of contents durably (``generations.commit``), then delete
        the files no other commit reads unless ``keep_older`` (a cluster replica serves its
        last recorded commit until the next is recorded: ``generations.clean`` deletes them
        then)."""
        folder = Path(self.storage.folder)
        listed = {s.segment_id() for s in segments}
        new = listed - {s.segment_id() for s in self.segments}
        self._carry_vectors(folder, segments, listed, new)
        generations.commit(folder, self.schema, segments, self.generation, new)
        if not self.keep_older:
            generations.clean(folder, {self.generation})

    def _carry_vectors(self, folder: Path, segments: list, listed: set, new: set) -> None:
        """The vectors of the segments this commit merges away (``searcharc.index.vectors``)
        given to the new segments, by content hash, before the commit lists their files."""
        from searcharc.index import vectors

        leaving = [s for s in self.segments if s.segment_id() not in listed]
        if not new or not any(vectors.chunk_files(folder, s.segment_id()) for s in leaving):
            return
        arriving = [s for s in segments if s.segment_id() in new]
        vectors.carry(
            folder,
            {s.segment_id(): self._hashes(s, live=False) for s in leaving},
            {s.segment_id(): self._hashes(s, live=True) for s in arriving},
        )

    def _hashes(self, segment, live: bool) -> dict[int, str]:
        """A segment's content hashes by docnum (of its live documents, or all)."""
        with SegmentReader(self.storage, self.schema, segment) as reader:
            if not reader.doc_count_all():
                return {}
            column = reader.column_reader("hash")
            docnums = reader.all_doc_ids() if live else range(reader.doc_count_all())
            return {docnum: column[docnum] for docnum in docnums}

    def _merge_segments(self, mergetype, optimize, merge) -> list:
        """The merge policy (``log_merge`` unless told) over the index's segments and the
        ones this run flushed; ``CLEAR`` drops only the index's."""
        if mergetype is CLEAR:
            return list(self.flushed)
        policy = mergetype or (OPTIMIZE if optimize else NO_MERGE if merge is False else log_merge)
        return policy(self, [*self.segments, *self.flushed])

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        names = sorted(set(self.pool.fields) | self._merged_fields())
        perdoc = self.per_document_reader()
        try:
            lengths = {name: postings.length_bytes(perdoc, name) for name in names}
        finally:
            perdoc.close()
        self.write_fields(names, lengths)
        self.fieldwriter.close()

    def _merged_fields(self) -> set[str]:
        fields: set[str] = set()
        for merged in self.merged:
            with SegmentReader(self.storage, self.schema, merged.segment) as reader:
                fields.update(reader.indexed_field_names())
        return fields

    def write_fields(self, names: list[str], lengths: dict[str, bytes | None]) -> None:
        """Each field's postings and term infos, fields in order."""
        for name in names:
            fieldobj = self.schema[name]
            self.fieldwriter.start_field(name, fieldobj)
            encode.write_terms(self.fieldwriter, self.term_rows(name), lengths[name])
            self.fieldwriter.finish_field()

    def term_rows(self, name: str) -> Iterator[encode.TermRows]:
        """A field's terms in order with their postings (the table's, emptying its field, and
        the merged segments')."""
        found = rows.table_rows(self.pool.fields.get(name, {}), self.schema[name].format)
        if not self.merged:
            return found
        return rows.with_merged(found, name, self.merged, self.storage, self.schema)
