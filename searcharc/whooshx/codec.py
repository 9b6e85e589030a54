"""searcharc's Whoosh codec: W3's (whoosh-reloaded 2.7.x) term index, per-document columns,
stored fields and vectors, with postings made for skipping (``searcharc.whooshx.blocks``).

Whoosh pickles each segment with its codec in the table of contents: segments written with
W3 keep being read as W3, and every segment written from now on (new indexes, merges'
output) is read through this codec by ``whoosh.index.open_dir`` wherever searcharc is
installed. Its postings are read by Whoosh's matchers (``SkipMatcher``: phrases, queries
that do not rank in bulk, Whoosh's own merges) and by ``searcharc.whooshx.postings`` a block
at a time.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left

import numpy as np
from whoosh.codec.base import PostingsWriter
from whoosh.codec.whoosh3 import W3Codec, W3TermsReader
from whoosh.filedb.filetables import (
    FileFormatError,
    OrderedHashReader,
    OrderedHashWriter,
    _dir_entry,
    _directory_size,
    _hash_functions,
)
from whoosh.matching import LeafMatcher, ReadTooFar
from whoosh.util.numeric import byte_to_length, length_to_byte

from searcharc.whooshx.blocks import Term, encoded


class SkipCodec(W3Codec):
    """W3 with searcharc's postings (``blocks``): vectors stay W3's."""

    def postings_writer(self, dbfile, byteids=False):
        if byteids:  # a vector's postings (terms as ids)
            return super().postings_writer(dbfile, byteids)
        return SkipWriter(dbfile)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        offset, _ = terminfo.extent()
        return SkipMatcher(dbfile, term_at(dbfile, offset), format_, term, scorer)

    def field_writer(self, storage, segment):
        writer = super().field_writer(storage, segment)
        writer._tindex.__class__ = TermHashWriter  # made in W3FieldWriter.__init__, header written
        return writer

    def terms_reader(self, storage, segment):
        name = segment.make_filename(self.TERMS_EXT)
        terms = storage.open_file(name)
        postings = segment.open_file(storage, self.POSTS_EXT)
        return TermsReader(self, terms, storage.file_length(name), postings)


class TermIndex(OrderedHashReader):
    """W3's term index (an ordered hash file) with its directory of 256 hash tables read in one
    piece, where Whoosh's reader makes 256 reads: 0.1 ms a segment of every cold query."""

    def __init__(self, dbfile, length: int) -> None:
        self.dbfile, self.startoffset, self.is_closed = dbfile, 0, False
        header = dbfile.get(0, 13)  # format tag, hash type, two unused ints
        if header[:4] != b"HSH3":
            raise FileFormatError(f"Unknown file header {header[:4]!r}")
        self.hashtype = header[4]
        self.hashfn = _hash_functions[self.hashtype]
        self.startofdata = len(header)
        extras = length - 4 - dbfile.get_int(length - 4)  # extras' length: the last int
        directory = dbfile.get(extras - _directory_size, _directory_size)
        self.tables = list(_dir_entry.iter_unpack(directory))  # (position, slots) each
        self.endofdata = self.tables[0][0]
        dbfile.seek(extras)
        self._read_extras()


class TermHashWriter(OrderedHashWriter):
    """W3's term index writer, each of its 256 hash tables packed at once (Whoosh writes them a
    slot a call: about a second a segment of 300,000 terms); the same bytes."""

    def _write_hashes(self) -> None:
        for entries in self.buckets:
            self.directory.append((self.dbfile.tell(), 2 * len(entries)))
            self.dbfile.write(hash_table(entries))


SLOT = np.dtype([("hash", ">u4"), ("position", ">q")])  # filetables._pointer, "!Iq"


def hash_table(entries: list[tuple[int, int]]) -> bytes:
    """One bucket's hash table as ``HashWriter._write_hashes`` writes it: two slots an entry
    (its hash and position), each entry in its hash's slot or the next free one in turn, the
    free slots (0, 0)."""
    size = 2 * len(entries)
    table: list = [None] * size
    for entry in entries:
        slot = (entry[0] >> 8) % size
        while table[slot] is not None:
            slot = (slot + 1) % size
        table[slot] = entry
    return np.array([entry or (0, 0) for entry in table], SLOT).tobytes()


class TermsReader(W3TermsReader):
    """W3's terms reader over ``TermIndex``."""

    def __init__(self, codec, dbfile, length: int, postfile) -> None:
        self._codec, self._dbfile, self._postfile = codec, dbfile, postfile
        self._tindex = TermIndex(dbfile, length)
        self._fieldmap = self._tindex.extras["fieldmap"]
        self._fieldunmap = [None] * len(self._fieldmap)
        for fieldname, number in self._fieldmap.items():
            self._fieldunmap[number] = fieldname


def new_codec() -> W3Codec:
    """The codec new segments are written with (tests write W3 segments through it)."""
    return SkipCodec()


def term_at(postfile, offset: int) -> Term:
    """A term's postings at ``offset`` in a postings file (a ``StructFile``)."""
    return Term(postfile, offset, getattr(postfile, "_name", None))


class SkipWriter(PostingsWriter):
    """Whoosh's postings writer interface (``W3FieldWriter`` calls it a posting at a time) over
    ``blocks.encoded``: a term's postings gathered, then written whole."""

    def __init__(self, postfile) -> None:
        self._postfile = postfile
        self._terminfo = None

    def start_postings(self, format_, terminfo) -> None:
        self._format, self._terminfo = format_, terminfo
        self._ids, self._weights, self._values = array("I"), array("f"), []
        self._lengths = bytearray()

    def add_posting(self, id_, weight, vbytes, length=None) -> None:
        self._ids.append(id_)
        self._weights.append(weight)
        if vbytes:
            self._values.append(vbytes)
        self._lengths.append(length_to_byte(length or 0))

    def finish_postings(self):
        info, fixedsize = self._terminfo, self._format.fixed_value_size()
        values = b"".join(self._values) if fixedsize and fixedsize > 0 else self._values
        data, stats = encoded(self._ids, self._weights, values, fixedsize, bytes(self._lengths))
        info._weight, info._df, low, high, info._maxweight = stats
        info._minlength, info._maxlength = byte_to_length(low), byte_to_length(high)
        info._minid, info._maxid = self._ids[0], self._ids[-1]
        info.set_extent(self._postfile.tell(), len(data))
        self._postfile.write(data)
        self._terminfo = None
        return info

    def written(self) -> bool:
        return self._terminfo is None


class SkipMatcher(LeafMatcher):
    """Whoosh's matcher over a term's postings in this format: a block decoded when a posting
    of it is asked for, ``skip_to`` and ``skip_to_quality`` find blocks in the directory."""

    def __init__(self, postfile, postings: Term, format_, term=None, scorer=None, k: int = 0):
        self._postfile, self.postings = postfile, postings
        self.format, self._term, self.scorer = format_, term, scorer
        self._fixedsize = format_.fixed_value_size()
        self._go(k)

    def _go(self, k: int) -> None:
        """Stand on the first posting of block ``k`` (past the last block: inactive)."""
        self._k, self._i = k, 0
        self._ids = self._weights = self._values = None

    def _decode(self) -> None:
        self._ids, self._weights = self.postings.block(self._postfile, self._k)

    def reset(self) -> None:
        self._go(0)

    def copy(self) -> SkipMatcher:
        found = SkipMatcher(
            self._postfile, self.postings, self.format, self._term, self.scorer, self._k
        )
        found._i = self._i
        return found

    def is_active(self) -> bool:
        return self._k < len(self.postings.lasts)

    def id(self) -> int:
        if self._ids is None:
            self._decode()
        return self._ids[self._i]

    def weight(self) -> float:
        if self._weights is None:
            self._decode()
        return self._weights[self._i]

    def value(self):
        if self._values is None:
            if self._weights is None:
                self._decode()
            self._values = self.postings.values(
                self._postfile, self._k, self._fixedsize, self._weights
            )
        return self._values[self._i]

    def next(self) -> bool:
        self._i += 1
        if self._i == self.postings.size(self._k):
            self._go(self._k + 1)
            return True
        return False

    def skip_to(self, targetid: int) -> None:
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        lasts = self.postings.lasts
        if targetid > lasts[self._k]:
            self._go(bisect_left(lasts, targetid, self._k + 1))
            if not self.is_active():
                return
            self._decode()
        self._i = bisect_left(self._ids, targetid, self._i)

    def skip_to_quality(self, minquality: float) -> int:
        skipped = 0
        while self.is_active() and self.block_quality() <= minquality:
            self._go(self._k + 1)
            skipped += 1
        return skipped

    def block_min_id(self) -> int:
        if self._ids is None:
            self._decode()
        return self._ids[0]

    def block_max_id(self) -> int:
        return self.postings.lasts[self._k]

    # Past the last block the bounds are those of no posting: Whoosh's UnionMatcher asks an
    # exhausted child for its block quality (its skip_to_quality, after the child's own)
    def block_max_weight(self) -> float:
        return float(self.postings.highs[self._k]) if self.is_active() else 0.0

    def block_min_length(self) -> int:
        return byte_to_length(self.postings.shortest[self._k]) if self.is_active() else 1

    def block_max_length(self) -> int:
        return byte_to_length(self.postings.longest[self._k]) if self.is_active() else 1
