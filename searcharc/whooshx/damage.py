"""Which file of an index folder is damaged, found when a read of it has failed (whoosh-reloaded
2.7.x's files: the table of contents, then each segment's term file, postings file and
columns), and the one boundary that turns such a failure into ``DamagedIndex``."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from struct import Struct

from whoosh.index import TOC, FileIndex

from searcharc.errors import DamagedIndex, SearcharcError
from searcharc.index import checksums
from searcharc.whooshx.blocks import DamagedBlock, is_ours
from searcharc.whooshx.codec import term_at
from searcharc.whooshx.generations import INDEX_NAME, generations, segment_of, toc_name
from searcharc.whooshx.postings import decoded_postings
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


def verify(path: Path, generation: int, skipped: Collection[str] = ()) -> list[tuple[str, str]]:
    """Every block of every term of each segment of the commit ``generation`` (but those
    ``skipped``): the postings files whose blocks do not all read, each with what is wrong
    (``postings_problem``)."""
    storage = MappedStorage(str(path))
    toc = TOC.read(storage, INDEX_NAME, generation)
    found = []
    for segment in toc.segments:
        if segment.segment_id() in skipped:
            continue
        problem = postings_problem(storage, segment, toc.schema)
        if problem is not None:
            found.append((segment.make_filename(".pst"), problem))
    return found


def postings_problem(storage, segment, schema) -> str | None:
    """What is wrong with a segment's postings, None when every block of every term reads:
    searcharc's blocks against their CRC-32s (``blocks.Term.verify``), W3's decoded."""
    terms = segment.codec().terms_reader(storage, segment)
    try:
        for (fieldname, btext), info in terms.items():
            try:
                term_read(terms._postfile, info, schema[fieldname].format.fixed_value_size())
            except Exception as exc:
                return f"postings of {fieldname}:{btext.decode(errors='replace')}: {exc}"
    finally:
        terms.close()
    return None


def term_read(postfile, info, fixedsize: int | None) -> None:
    """A term's postings read: searcharc's checked against their CRC-32s, W3's decoded."""
    if info.is_inlined():
        return
    offset, length = extent(info)
    if is_ours(postfile.get(offset, 4)):
        term_at(postfile, offset).verify(postfile)
    else:
        decoded_postings(postfile.get(offset, length), fixedsize)


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
    a header of W3's or searcharc's format."""
    from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

    postfile = terms._postfile
    for _, info in terms.items():
        if info.is_inlined():
            continue
        offset, length = extent(info)
        head = postfile.get(offset, 4)
        if offset + length > size or (head != WHOOSH3_HEADER_MAGIC and not is_ours(head)):
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
    if not isinstance(terms, W3TermsReader):  # ours (codec.TermsReader) or W3's
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
            damage = diagnose(path) or block_damage(path, exc)
        except PermissionError as denied:
            raise unreadable(path, denied) from None
        if damage is None:
            raise
        raise damaged_error(path, damage) from exc


def block_damage(path: Path, exc: Exception) -> Damage | None:
    """The postings file a ``DamagedBlock`` names (a block whose CRC-32 does not match, which
    ``diagnose`` does not decode), with its segment in the folder's last commit."""
    if not isinstance(exc, DamagedBlock) or exc.file is None:
        return None
    segment = exc.file.partition(".")[0]
    found = generations(path)
    if found:
        toc = TOC.read(MappedStorage(str(path)), INDEX_NAME, found[-1])
        for one in toc.segments:
            if one.segment_id() == segment:
                return Damage(exc.file, segment, one.doc_count())
    return Damage(exc.file, segment)


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
