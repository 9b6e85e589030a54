"""Which file of an index folder is damaged, found when a read of it has failed (whoosh-reloaded
2.7.x's files: the table of contents, then each segment's term file, postings file and
columns), and the one boundary that turns such a failure into ``DamagedIndex``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from struct import Struct

from whoosh.index import TOC, FileIndex

from searcharc.errors import DamagedIndex, SearcharcError
from searcharc.index import checksums
from searcharc.whooshx.generations import INDEX_NAME, generations, segment_of, toc_name
from searcharc.whooshx.storage import MappedStorage

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")


LENGTHS = Struct("!ii")  # a key's and its value's length, before them in a hash file


@dataclass(frozen=True, slots=True)
class Damage:
    """A file that does not read: its name in the folder, and its segment (None: the TOC)."""

    file: str
    segment: str | None = None
    articles: int = 0


def diagnose(path: Path) -> Damage | None:
    """The first file of the folder's last commit that does not read; None when all do. A
    commit that recorded its files' checksums is judged by them (lengths first, then CRC-32s:
    the cost of reading the files once, in C); an older one by decoding its files (``scan``).
    PermissionError goes on: a file that may not be read is not damaged."""
    found = generations(path)
    if not found:
        return None
    storage = MappedStorage(str(path))
    try:
        toc = TOC.read(storage, INDEX_NAME, found[-1])
    except PermissionError:
        raise
    except Exception:
        return Damage(toc_name(found[-1]))
    try:
        entries = checksums.read(path, found[-1])
    except PermissionError:
        raise
    except (OSError, ValueError):  # a damaged checksums file: the files are decoded instead
        entries = None
    if entries is None:
        return scan(path, storage, toc)
    return mismatch(path, entries, {s.segment_id(): s.doc_count() for s in toc.segments})


def mismatch(
    path: Path, entries: list[checksums.FileEntry], counts: dict[str, int]
) -> Damage | None:
    """The first file whose length, then whose CRC-32, is not the one recorded."""

    def damage(entry: checksums.FileEntry) -> Damage:
        segment = segment_of(entry.name)
        return Damage(entry.name, segment, counts.get(segment or "", 0))

    for entry in entries:
        if not (path / entry.name).is_file() or (path / entry.name).stat().st_size != entry.size:
            return damage(entry)
    for entry in sorted(entries, key=lambda e: e.size):
        if checksums.file_crc(path / entry.name) != entry.crc:
            return damage(entry)
    return None


def scan(path: Path, storage, toc) -> Damage | None:
    """The first segment file that does not decode: its term file, its postings file against
    the term infos, its stored fields and sortable columns (a commit without checksums)."""
    for segment in toc.segments:
        file = segment_damage(storage, path, segment) or column_damage(storage, segment, toc.schema)
        if file is not None:
            return Damage(file, segment.segment_id(), segment.doc_count())
    return None


def segment_damage(storage, path: Path, segment) -> str | None:
    """The term or postings file of a segment that is missing or does not decode."""
    from whoosh.codec.whoosh3 import W3Codec

    terms_file, postings_file = (segment.make_filename(e) for e in (".trm", ".pst"))
    for file in (terms_file, postings_file):
        if not (path / file).is_file():
            return file
    try:
        terms = W3Codec().terms_reader(storage, segment)
    except PermissionError:
        raise
    except Exception:
        return terms_file
    try:
        return (
            None if postings_read(terms, (path / postings_file).stat().st_size) else postings_file
        )
    except PermissionError:
        raise
    except Exception:
        return terms_file
    finally:
        terms.close()


def column_damage(storage, segment, schema) -> str | None:
    """The column file of a segment that does not decode: its stored fields (every
    document's), or a sortable field's column."""
    from whoosh.codec.whoosh3 import W3Codec

    from searcharc.whooshx.segments import StoredColumn

    perdoc = W3Codec().per_document_reader(storage, segment)
    sortable = [(name, field.column_type) for name, field in schema.items() if field.column_type]
    try:
        for name, column in [("_stored", None), *sortable]:
            if not perdoc.has_column(name):
                continue
            try:
                if column is None:
                    stored = StoredColumn(perdoc)
                    for docnum in range(perdoc.doc_count_all()):
                        stored[docnum]
                else:
                    list(perdoc.column_reader(name, column))
            except PermissionError:
                raise
            except Exception:
                return W3Codec.column_filename(segment, name)
        return None
    finally:
        perdoc.close()


def postings_read(terms, size: int) -> bool:
    """Whether each term's postings lie in the postings file (``size`` bytes) and start with
    W3's header."""
    from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

    postfile = terms._postfile
    for _, info in terms.items():
        if info.is_inlined():
            continue
        offset, length = extent(info)
        if offset + length > size or postfile.get(offset, 4) != WHOOSH3_HEADER_MAGIC:
            return False
    return True


def extent(info) -> tuple[int, int]:
    """Where a (not inlined) term's postings lie in the postings file: offset and length."""
    offset, length = info.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes keeps unpack_int's tuple
        (length,) = length
    return offset, length


LAST_TERMS = 64  # the last terms whose postings ``whole`` looks for


def whole(leaf) -> bool:
    """Whether a segment reader's postings file holds the postings of its last terms in key
    order (written last, they end at its end): a few reads, on every open, that find a
    truncated postings file before a query decodes it; True for another codec's segment."""
    from whoosh.codec.whoosh3 import W3Codec, W3TermInfo, W3TermsReader

    terms = getattr(leaf, "_terms", None)
    terms = getattr(terms, "_terms", terms)  # searcharc.whooshx.segments.CachedTerms
    if type(terms) is not W3TermsReader:
        return True
    index, file = terms._tindex, terms._tindex.dbfile
    size = leaf._storage.file_length(leaf.segment().make_filename(W3Codec.POSTS_EXT))
    for number in range(index.indexlen - 1, max(index.indexlen - 1 - LAST_TERMS, -1), -1):
        position = index._get_pos(index.indexbase + number * index.indexsize)
        keylength, datalength = LENGTHS.unpack(file.get(position, LENGTHS.size))
        info = W3TermInfo.from_bytes(file.get(position + LENGTHS.size + keylength, datalength))
        if not info.is_inlined():
            offset, length = extent(info)
            return offset + length <= size
    return True


def damaged_error(path: Path, damage: Damage) -> DamagedIndex:
    """The one line of a damaged file."""
    where = (
        f"segment {damage.segment}, {damage.articles:,} articles"
        if damage.segment
        else "the table of contents of its last commit"
    )
    return DamagedIndex(
        f"{path / damage.file} is damaged ({where}): run searcharc check --index {path}"
    )


def unreadable(path: Path, exc: PermissionError) -> SearcharcError:
    """The one line of an index file this process may not read."""
    return SearcharcError(f"{path} cannot be read: {exc.strerror}: {exc.filename or path}")


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Reads of the index at ``path``: a failure that a damaged file explains becomes
    ``DamagedIndex`` naming it; any other (a bug) goes on as it was."""
    try:
        yield
    except SearcharcError:
        raise
    except PermissionError as exc:
        raise unreadable(path, exc) from None
    except Exception as exc:
        try:
            damage = diagnose(path)
        except PermissionError as denied:
            raise unreadable(path, denied) from None
        if damage is None:
            raise
        raise damaged_error(path, damage) from exc


class CheckedIndex(FileIndex):
    """Whoosh's index of a folder whose table of contents and readers, opened by every
    search and every writer, are read through ``reading``."""

    def _read_toc(self):
        with reading(Path(self.storage.folder)):
            return super()._read_toc()

    def reader(self, reuse=None):
        with reading(Path(self.storage.folder)):
            opened = super().reader(reuse)
            for leaf, _ in opened.leaf_readers():
                if not whole(leaf):
                    raise EOFError(f"segment {leaf.segment().segment_id()} is cut short")
            return opened


def open_index(path: Path) -> CheckedIndex:
    """The index of the folder ``path``, its files read through a memory map."""
    with reading(path):
        return MappedStorage(str(path)).open_index(indexclass=CheckedIndex)


def checked(method: Callable[..., T]) -> Callable[..., T]:
    """A method of a reader of one index folder (its ``path``) whose reads, every block it
    decodes, go through ``reading``."""

    @wraps(method)
    def read(self, *args, **kwargs):
        with reading(self.path):
            return method(self, *args, **kwargs)

    return read
