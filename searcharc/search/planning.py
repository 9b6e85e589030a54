"""A request compiled against an index's vocabulary: the plan every backend searches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial

from whoosh.query import AndMaybe, DateRange, Query

from searcharc.analysis import analyze
from searcharc.analysis.stem import get_stemmer, with_proclitics, without_proclitic
from searcharc.index.store import IndexMeta
from searcharc.search import bulk
from searcharc.search.blend import Or
from searcharc.search.matching import Compiled, Compiler
from searcharc.search.query import InField, Phrase, parse_searchable
from searcharc.search.ranking import Ranking, expansion_words, word_query
from searcharc.search.request import Plan, Request

ROOT_DF_FLOOR = 1000  # documents: a root in fewer is always searched (its postings are cheap)


def plan(searcher, meta: IndexMeta, request: Request) -> Plan | None:
    """The query compiled against the index's vocabulary (None: nothing to search);
    ``searcher``: a Whoosh searcher, or what the shards said (``vocabulary.Learning``)."""
    ranking, match_all = request.ranking, request.match == "all"
    compiled = compiler(searcher, meta, ranking, match_all).compile(parse_searchable(request.query))
    if compiled.query is None:
        return None
    if ranking.prf_docs and compiled.words:
        compiled.query = feedback(searcher, compiled, ranking, match_all)
    date_filter = dates(request.since, request.until)
    found = bulk.shape(compiled.query)
    flat = found.flat if found is not None else None
    direct = None
    if flat is None and compiled.roots and ranking.root_boost and not ranking.prf_docs:
        direct = compiler(searcher, meta, ranking.with_(root_boost=0.0), match_all).compile(
            parse_searchable(request.query)
        )
    if found is None:
        return Plan(compiled, direct, flat, date_filter)
    return Plan(compiled, direct, flat, date_filter, found.groups, found.excluded, found.dated)


def source_filter(searcher, meta: IndexMeta, source: str) -> Query | None:
    """The articles of a source, as the query ``source:"…"`` finds them (None: no word)."""
    found = compiler(searcher, meta, Ranking(), False).compile(InField("source", Phrase(source)))
    return found.query


def compiler(searcher, meta: IndexMeta, ranking: Ranking, match_all: bool) -> Compiler:
    """The query compiler of an index, its word variants looked up in ``searcher``."""
    return Compiler(
        partial(analyze, stemmer=meta.stemmer),
        meta.stopwords,
        ranking,
        match_all,
        roots(searcher, meta.roots, ranking) if meta.roots else None,
        variants(searcher, meta.stemmer) if ranking.clitic_variants else None,
    )


def roots(searcher, stemmer: str, ranking: Ranking) -> Callable[[str], str]:
    """A query word's root, or "" for a root in more than ``ranking.root_max_df`` of the
    documents and more than ROOT_DF_FLOOR: a root such as جمع (جامعه, اجتماع, مجتمع) joins
    words of unrelated meaning, weighs little (idf under 1.6) and its postings would be
    most of what a query reads."""
    stem = get_stemmer(stemmer)
    most = max(ranking.root_max_df * searcher.doc_count_all(), ROOT_DF_FLOOR)

    def root(norm: str) -> str:
        found = stem(norm)
        return found if searcher.doc_frequency("root", found) <= most else ""

    return root


def variants(searcher, stemmer_name: str) -> Callable[[str], tuple[str, ...]]:
    """A query stem → its forms without or with a one-letter clitic that the index says
    are the same word: of a pair (مصر, لمصر), the form in more articles is the word and
    the other its clitic form, so لمصر gains مصر while بريد (more frequent than ريد)
    gains nothing (``without_proclitic``, ``with_proclitics``)."""
    stemmer = get_stemmer(stemmer_name)

    def forms(stem: str) -> tuple[str, ...]:
        df = partial(searcher.doc_frequency, "body")
        own = df(stem)
        rest = without_proclitic(stem, stemmer)
        found = [rest] if rest and df(rest) > own else []
        return (*found, *(f for f in with_proclitics(stem, stemmer) if 0 < df(f) < own))

    return forms


def feedback(searcher, compiled: Compiled, ranking: Ranking, match_all: bool) -> Query:
    """The query widened by key terms of its top documents (Bo1 pseudo-relevance feedback)."""
    first = searcher.search(compiled.query, limit=ranking.prf_docs)
    if first.is_empty():
        return compiled.query
    key_terms = first.key_terms("body", docs=ranking.prf_docs, numterms=ranking.prf_terms * 2)
    extra = [word_query(w, ranking) for w in expansion_words(key_terms, compiled.words, ranking)]
    if not extra:
        return compiled.query
    return AndMaybe(compiled.query, Or(extra)) if match_all else Or([compiled.query, *extra])


def dates(since: date | None, until: date | None) -> Query | None:
    """Articles dated within [since, until] (either bound may be open)."""
    if since is None and until is None:
        return None
    start = datetime.combine(since, datetime.min.time()) if since else None
    end = datetime.combine(until, datetime.max.time()) if until else None
    return DateRange("date", start, end)
