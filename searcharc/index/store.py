"""The Whoosh schema and the index on disk: create, open (with a version check), write articles."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema
from whoosh.index import Index

from searcharc.analysis import ANALYZER_VERSION, DEFAULT_ROOTS, DEFAULT_STEMMER
from searcharc.analysis.components import ArabicAnalyzer
from searcharc.errors import SearcharcError
from searcharc.index import faults
from searcharc.records import Article, derived_title
from searcharc.whooshx import damage

META_FILE = "searcharc.json"
# Segment files stay separate: Whoosh copies a compound file's parts into memory on every open.
COMPOUND = False


def make_schema(
    stemmer: str = DEFAULT_STEMMER, stopwords: bool = True, roots: str | None = None
) -> Schema:
    """Stemmed title and body for recall, an unstemmed ``exact`` view, and display fields.

    ``roots`` names a second, more aggressive stemmer for a ``root`` view of title and body.
    ``exact`` and ``root`` keep frequencies without positions: no phrase query reads them.
    """
    stemmed = ArabicAnalyzer(None if stemmer == "none" else stemmer, stopwords)
    unstemmed = ArabicAnalyzer(None, stopwords)
    extra = {"root": TEXT(analyzer=ArabicAnalyzer(roots, stopwords), phrase=False)} if roots else {}
    return Schema(
        **extra,
        id=ID(stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=stemmed, stored=True),
        body=TEXT(analyzer=stemmed, stored=True),
        exact=TEXT(analyzer=unstemmed, phrase=False),
        source=TEXT(analyzer=ArabicAnalyzer(None, stopwords=False), stored=True),
        date=DATETIME(stored=True, sortable=True),
        hash=ID(stored=True, sortable=True),
        origin=ID(stored=True, sortable=True),
        url=STORED,
        author=STORED,
    )


def content_hash(article: Article) -> str:
    """A digest of everything indexed about an article, to skip unchanged ones."""
    import hashlib  # here: a query loads no OpenSSL hashes (lean_imports.LIGHTER)

    fields = [article.title, article.body, article.source or "", article.date or ""]
    return hashlib.blake2b("\x1f".join(fields).encode(), digest_size=16).hexdigest()


def to_document(article: Article, digest: str) -> dict:
    """The Whoosh document of an article.

    Only an editorial title is indexed as the title (with its boost); the exact-form and root
    views read a headline and the body, the headline being, for an article without a title,
    its first sentence (measured in bench/quality.py through `searcharc index` of JSONL: the
    derived title as a title cost up to .059 MRR@10, in these two views it gains up to .008).
    """
    headline = article.title or derived_title(article.body)
    doc = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "exact": f"{headline}\n{article.body}",
        "hash": digest,
        "origin": article.origin or "",
    }
    if article.source:
        doc["source"] = article.source
    if article.date:
        doc["date"] = datetime.fromisoformat(article.date)
    if article.url:
        doc["url"] = article.url
    if article.author:
        doc["author"] = article.author
    return doc


def from_fields(fields: dict) -> Article:
    """The Article stored in the index, with the title shown (derived when it has none)."""
    date = fields.get("date")
    return Article(
        id=fields["id"],
        title=fields.get("title") or derived_title(fields.get("body", "")),
        body=fields.get("body", ""),
        source=fields.get("source"),
        date=date.date().isoformat() if date else None,
        url=fields.get("url"),
        author=fields.get("author"),
        origin=fields.get("origin") or None,
    )


@dataclass(frozen=True, slots=True)
class IndexMeta:
    """What the index records about how it was built."""

    analyzer_version: str
    stemmer: str
    stopwords: bool = True
    roots: str | None = None
    updated: float = 0.0  # time of the last commit, seconds since the epoch

    @classmethod
    def read(cls, path: Path) -> IndexMeta:
        try:
            data = json.loads((path / META_FILE).read_text("utf-8"))
            return cls(
                str(data["analyzer_version"]),
                str(data["stemmer"]),
                bool(data.get("stopwords", True)),
                data.get("roots"),
                float(data.get("updated", 0)),
            )
        except (OSError, ValueError, KeyError) as exc:
            raise SearcharcError(
                f"{path} has no readable {META_FILE}; "
                f"rebuild it: searcharc index --rebuild --index {path}"
            ) from exc

    def write(self, path: Path) -> None:
        tmp = path / (META_FILE + ".tmp")
        data = {
            "analyzer_version": self.analyzer_version,
            "stemmer": self.stemmer,
            "stopwords": self.stopwords,
            "roots": self.roots,
            "updated": self.updated,
        }
        tmp.write_text(json.dumps(data) + "\n", "utf-8")
        tmp.replace(path / META_FILE)

    def touched(self) -> IndexMeta:
        return replace(self, updated=time.time())


@dataclass(slots=True)
class Changes:
    """What a batch of writes did to the index."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (id, duplicate of)

    def count(self, outcome: str, twin: str | None, article_id: str) -> None:
        """Record one ``Writer.put`` outcome."""
        if outcome == "duplicate":
            self.duplicates.append((article_id, twin or article_id))
        else:
            setattr(self, outcome, getattr(self, outcome) + 1)


TOC_GLOB = "_MAIN_*.toc"  # Whoosh's table of contents, one file a generation


def exists(path: Path) -> bool:
    """Whether ``path`` holds a Whoosh index (without reading it: that unpickles the schema)."""
    return path.is_dir() and any(path.glob(TOC_GLOB))


OWN_FILES = ("README.md", "searcharc.lock", META_FILE)


def is_empty_folder(path: Path) -> bool:
    """Nothing there yet, or a folder holding only its README (as index/ does), our lock, or
    the metadata of an index whose first commit never landed (``create``)."""
    if not path.exists():
        return True
    return path.is_dir() and all(p.name in OWN_FILES for p in path.iterdir())


def create(
    path: Path,
    stemmer: str = DEFAULT_STEMMER,
    stopwords: bool = True,
    roots: str | None = DEFAULT_ROOTS,
) -> Index:
    """A new, empty index at ``path`` (replacing any index there): its metadata first, so
    that a run that fails between the two leaves a folder the next run starts again, never
    a commit without the metadata to read it by."""
    path.mkdir(parents=True, exist_ok=True)
    IndexMeta(ANALYZER_VERSION, stemmer, stopwords, roots).write(path)
    return whoosh_index.create_in(str(path), make_schema(stemmer, stopwords, roots))


def check_version(path: Path) -> IndexMeta:
    """The index's metadata, refusing an index built by another analyzer version."""
    meta = IndexMeta.read(path)
    if meta.analyzer_version != ANALYZER_VERSION:
        raise faults.OtherVersion(faults.other_version(path, meta.analyzer_version))
    return meta


def open_existing(path: Path) -> Index:
    """Open the index at ``path``, refusing one built by another analyzer version."""
    if not exists(path):
        raise SearcharcError(f"no index at {path}; build one: searcharc index --index {path}")
    check_version(path)
    return damage.open_index(path)


@dataclass(frozen=True, slots=True)
class Known:
    """What the index holds about one article, read from columns (no stored text)."""

    hash: str
    origin: str


def known_documents(ix: Index) -> dict[str, Known]:
    """Every indexed id with its content hash and origin."""
    with ix.reader() as reader:
        if reader.doc_count() == 0:
            return {}
        ids, hashes, origins = (reader.column_reader(f) for f in ("id", "hash", "origin"))
        return {ids[n]: Known(hashes[n], origins[n]) for n in reader.all_doc_ids()}


class Sink:
    """Where a batch's writes go: ``Segments`` (a folder here), or a shard on another node
    (``searcharc.cluster.indexing.RemoteSink``). Not ``typing.Protocol``: a query imports
    this module, and never ``typing``."""

    def add(self, article: Article, digest: str) -> None:
        raise NotImplementedError

    def delete(self, article_id: str) -> None:
        raise NotImplementedError

    def commit(self, optimize: bool = False) -> None:
        raise NotImplementedError

    def generation(self) -> int:
        raise NotImplementedError

    def cancel(self) -> None:
        raise NotImplementedError


class Segments(Sink):
    """The Whoosh writer of one index folder: documents added and deleted, then one commit
    (nothing visible before it; ``cancel``, or a crash, leaves the index as it was).

    ``keep_older``: the commit leaves the files of older commits (a cluster shard's primary
    serves its last recorded commit until the cluster records the next).
    """

    def __init__(
        self,
        ix: Index,
        path: Path,
        jobs: int = 1,
        clear: bool = False,
        memory: int | None = None,
        keep_older: bool = False,
    ):
        self.ix = ix
        self.path = path
        self.clear = clear
        self.roots = "root" in ix.schema
        # the writers (and multiprocessing) are imported here: a query never needs them
        from searcharc.index.parallel import AnalyzingWriter, ParallelTableWriter
        from searcharc.whooshx.segment_writer import TableWriter

        # jobs > 1: a worker process analyzes documents, then encodes half the postings (one
        # is all that helps: this process adds every posting to the one segment)
        # memory: the postings held before the documents so far are written as a segment
        writer_class = ParallelTableWriter if jobs > 1 else TableWriter
        self._writer = writer_class(ix, memory=memory, compound=COMPOUND, keep_older=keep_older)
        self._adder = AnalyzingWriter(self._writer) if jobs > 1 else self._writer

    def add(self, article: Article, digest: str) -> None:
        doc = to_document(article, digest)
        if self.roots:
            doc["root"] = doc["exact"]
        self._adder.add_document(**doc)

    def delete(self, article_id: str) -> None:
        self._writer.delete_by_term("id", article_id)

    def commit(self, optimize: bool = False) -> None:
        """Make the batch visible; segments merge by ``log_merge`` (all of them: ``optimize``)."""
        from whoosh import writing

        from searcharc.index import manifest
        from searcharc.index.merging import log_merge

        manifest.forget(self.path)  # what a run read holds no more once the index changes

        if self._adder is not self._writer:  # an AnalyzingWriter: its documents first
            self._adder.flush()
            self._adder.close()
        policy = writing.CLEAR if self.clear else writing.OPTIMIZE if optimize else log_merge
        self._writer.commit(mergetype=policy)
        check_version(self.path)  # still ours: another version would have been refused at open
        IndexMeta.read(self.path).touched().write(self.path)

    def generation(self) -> int:
        """The index's last commit (this batch's once committed)."""
        return self.ix.latest_generation()

    def cancel(self) -> None:
        if self._adder is not self._writer:
            self._adder.close()
        self._writer.cancel()


class Batch:
    """One atomic batch of changes: add, replace or skip articles by content hash, remove ids,
    decided here against what the index holds (``known``), written to ``sink``."""

    def __init__(self, sink: Sink, known: dict[str, Known], clear: bool = False):
        self.sink = sink
        self.clear = clear
        self.known = known
        self.by_hash = {k.hash: i for i, k in self.known.items()}
        self.seen: set[str] = set()

    def put(self, article: Article) -> tuple[str, str | None]:
        """Index one article: ("added" | "updated" | "unchanged" | "duplicate", duplicate of)."""
        digest = content_hash(article)
        if article.id in self.seen:
            return "duplicate", article.id
        self.seen.add(article.id)
        old = self.known.get(article.id)
        if old and old.hash == digest:
            return "unchanged", None
        twin = self.by_hash.get(digest)
        if twin is not None:
            self.remove(article.id)  # its new content is another article's
            return "duplicate", twin
        if old:  # what update_document does: delete the id's document, add the new one
            self._forget(article.id)
            self.sink.delete(article.id)
        self.sink.add(article, digest)
        self.known[article.id] = Known(digest, article.origin or "")
        self.by_hash[digest] = article.id
        return ("updated" if old else "added"), None

    def remove(self, article_id: str) -> bool:
        """Delete an article by id; False when the index does not hold it."""
        if article_id not in self.known:
            return False
        self.sink.delete(article_id)
        self._forget(article_id)
        return True

    def keep_inputs(self, origins: set[str]) -> int:
        """Count the articles of these inputs (not read again: unchanged) as seen; how many."""
        kept = [i for i, k in self.known.items() if k.origin in origins and i not in self.seen]
        self.seen.update(kept)
        return len(kept)

    def unseen(self) -> list[tuple[str, Known]]:
        """The indexed articles this batch has not seen (put, or kept by ``keep_inputs``)."""
        return [(i, k) for i, k in self.known.items() if i not in self.seen]

    def _forget(self, article_id: str) -> None:
        old = self.known.pop(article_id)
        if self.by_hash.get(old.hash) == article_id:
            del self.by_hash[old.hash]

    def commit(self, optimize: bool = False) -> None:
        self.sink.commit(optimize)

    def generation(self) -> int:
        """The index's last commit (this batch's once committed)."""
        return self.sink.generation()

    def cancel(self) -> None:
        self.sink.cancel()


class Writer(Batch):
    """A ``Batch`` written to the index folder at ``path``."""

    def __init__(
        self,
        ix: Index,
        path: Path,
        jobs: int = 1,
        clear: bool = False,
        memory: int | None = None,
    ):
        super().__init__(
            Segments(ix, path, jobs, clear, memory), {} if clear else known_documents(ix), clear
        )
        self.path = path
