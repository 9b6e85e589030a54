"""The query tree → a Whoosh query, analyzed by the index's own analyzer, and the words to
rank and highlight by."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh import query as wq

from searcharc.analysis import Token, normalize
from searcharc.errors import SearcharcError
from searcharc.search import query as q
from searcharc.search.blend import FuzzyTerm, Or, Prefix
from searcharc.search.ranking import QueryWord, Ranking, word_query
from searcharc.whooshx import matchers


@dataclass(slots=True)
class Compiled:
    """A Whoosh query, and what the ranking and the snippets need to know of it."""

    query: wq.Query | None
    words: list[QueryWord] = field(default_factory=list)  # free words, for matched-words ranking
    stems: set[str] = field(default_factory=set)  # body terms worth highlighting
    norms: set[str] = field(default_factory=set)  # exact forms worth highlighting
    roots: set[str] = field(default_factory=set)  # root-view terms: highlighted if nothing else is
    expands: bool = False  # prefix or fuzzy words: the matched forms come from Whoosh


# Written side by side with words, these narrow the search whatever --match says.
RESTRICTIONS = (q.InField, q.DateIn)


class Compiler:
    """Turns one parsed query into Whoosh terms, the same way the index analyzed articles."""

    def __init__(
        self,
        analyze: Callable[[str], list[Token]],
        drop_stopwords: bool,
        ranking: Ranking,
        match_all: bool,
        root_stem: Callable[[str], str] | None = None,
        variants: Callable[[str], tuple[str, ...]] | None = None,
    ):
        self.analyze = analyze
        self.root_stem = root_stem
        self.variants = variants  # a stem → other stems of the same word
        self.drop_stopwords = drop_stopwords
        self.ranking = ranking
        self.match_all = match_all
        self.out = Compiled(None)

    def compile(self, node: q.Node | None) -> Compiled:
        self.out.query = self.node(node, positive=True) if node is not None else None
        return self.out

    def content(self, text: str) -> list[Token]:
        return [t for t in self.analyze(text) if not (self.drop_stopwords and t.stopword)]

    def node(self, node: q.Node, positive: bool, field: str | None = None) -> wq.Query | None:
        method = getattr(self, f"_{type(node).__name__.lower()}")
        return method(node, positive, field)

    def _word(self, node: q.Word, positive: bool, field: str | None) -> wq.Query | None:
        tokens = self.content(node.text)
        if field == "source":
            return _all([wq.Term("source", t.norm) for t in self.analyze(node.text)])
        words = [
            QueryWord(t.stem, frozenset({t.norm}), root=self._root(t.norm), also=self._also(t.stem))
            for t in tokens
        ]
        if positive and field is None:
            self.out.words += words
        if positive:
            self.out.stems |= {w.stem for w in words} | {t for w in words for t in w.also}
            self.out.norms |= {t.norm for t in tokens}
            self.out.roots |= {w.root for w in words if w.root}
        if field == "title":
            return _all([wq.Term("title", w.stem) for w in words])
        combine = _all if self.match_all else _any
        return combine([word_query(w, self.ranking) for w in words])

    def _root(self, norm: str) -> str:
        return self.root_stem(norm) if self.root_stem else ""

    def _also(self, stem: str) -> tuple[str, ...]:
        return self.variants(stem) if self.variants else ()

    def _exact(self, node: q.Exact, positive: bool, field: str | None) -> wq.Query | None:
        name = _unstemmed(field, f"={node.text}")
        tokens = self.analyze(node.text) if name == "source" else self.content(node.text)
        norms = [t.norm for t in tokens]
        if positive and name == "exact":
            self.out.norms |= set(norms)
        return _all([wq.Term(name, n) for n in norms])

    def _phrase(self, node: q.Phrase, positive: bool, field: str | None) -> wq.Query | None:
        if field == "source":  # the source field keeps its stopwords and is not stemmed
            return _positional("source", [(t.position, t.norm) for t in self.analyze(node.text)])
        tokens = self.content(node.text)
        if positive:
            self.out.stems |= {t.stem for t in tokens}
        if len(tokens) < 2:
            return self._word(q.Word(node.text), positive, field)
        words = [(t.position, t.stem) for t in tokens]
        return _any([_positional(f, words) for f in ([field] if field else ["body", "title"])])

    def _prefix(self, node: q.Prefix, positive: bool, field: str | None) -> wq.Query:
        self.out.expands = True
        return Prefix(_unstemmed(field, f"{node.text}*"), normalize(node.text))

    def _fuzzy(self, node: q.Fuzzy, positive: bool, field: str | None) -> wq.Query:
        self.out.expands = True
        return FuzzyTerm(
            _unstemmed(field, f"{node.text}~"),
            normalize(node.text),
            maxdist=node.distance,
            prefixlength=1,
        )

    def _infield(self, node: q.InField, positive: bool, field: str | None) -> wq.Query | None:
        return self.node(node.node, positive, node.field)

    def _datein(self, node: q.DateIn, positive: bool, field: str | None) -> wq.Query:
        return wq.DateRange("date", node.start, node.end)

    def _not(self, node: q.Not, positive: bool, field: str | None) -> wq.Query | None:
        inner = self.node(node.node, not positive, field)
        return Not(inner) if inner is not None else None

    def _any(self, node: q.Any, positive: bool, field: str | None) -> wq.Query | None:
        return _any([self.node(n, positive, field) for n in node.nodes])

    def _all(self, node: q.All, positive: bool, field: str | None) -> wq.Query | None:
        return self._conjunction(node.nodes, positive, field, required=True)

    def _free(self, node: q.Free, positive: bool, field: str | None) -> wq.Query | None:
        return self._conjunction(node.nodes, positive, field, required=self.match_all)

    def _conjunction(
        self, nodes: tuple[q.Node, ...], positive: bool, field: str | None, required: bool
    ) -> wq.Query | None:
        """Field and date restrictions required; the words all required, or any of them
        (ranked by score); negated children excluded."""
        negated = [n.node for n in nodes if isinstance(n, q.Not)]
        restrictions = [n for n in nodes if isinstance(n, RESTRICTIONS)]
        words = [n for n in nodes if not isinstance(n, (q.Not, *RESTRICTIONS))]
        wanted = [self.node(n, positive, field) for n in restrictions]
        compiled_words = [self.node(n, positive, field) for n in words]
        wanted += compiled_words if required else [_any(compiled_words)]
        base = _all(wanted) or wq.Every()
        excluded = _any([self.node(n, not positive, field) for n in negated])
        return AndNot(base, excluded) if excluded is not None else base


class AndNot(wq.AndNot):
    """Whoosh's AndNot with the fenced ``AndNotMatcher`` (see ``whooshx.matchers``)."""

    def matcher(self, searcher, context=None):
        kept = self.a.matcher(searcher, context)
        return matchers.and_not(kept, self.b.matcher(searcher, searcher.boolean_context()))


class Not(wq.Not):
    """Whoosh's ``Not`` (a query that is only a left-out part) without its bug: the inverse
    matcher returned a deleted document when it came just after the left-out part's last
    match (Whoosh 2.7 checks for deletions only while the left-out part is active:
    ``matchers.InverseMatcher``)."""

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        child = self.query.matcher(searcher, searcher.boolean_context())
        return matchers.inverse(child, reader.doc_count_all(), reader.is_deleted)


def _unstemmed(field: str | None, written: str) -> str:
    """The field that holds unstemmed words for ``field``: the source itself, else ``exact``."""
    if field == "title":
        raise SearcharcError(
            f"title: takes words and phrases, not {written!r} (drop title: to search the article)"
        )
    return field or "exact"


def _positional(field: str, words: list[tuple[int, str]]) -> wq.Query | None:
    """The words at the same distances from each other as in the query (stopword gaps kept)."""
    if not words:
        return None
    (previous, first), *rest = words
    query: wq.Query = wq.Term(field, first)
    for position, word in rest:
        gap = position - previous
        query = wq.SpanNear2([query, wq.Term(field, word)], slop=gap, mindist=gap)
        previous = position
    return query


def _all(queries: list[wq.Query | None]) -> wq.Query | None:
    kept = [x for x in queries if x is not None]
    return None if not kept else kept[0] if len(kept) == 1 else wq.And(kept)


def _any(queries: list[wq.Query | None]) -> wq.Query | None:
    kept = [x for x in queries if x is not None]
    return None if not kept else kept[0] if len(kept) == 1 else Or(kept)
