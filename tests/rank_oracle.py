"""An oracle for ranked pages, over the whole query language: every article the compiled query
matches, scored by walking Whoosh's matchers to the end (no ``replace``, no block-quality
skipping, no ``bulk`` ranking: nothing that selects candidates), kept by the dates read from
its stored fields, ordered, then the proximity bonus added over the first window; and a check
that a page of ``SearchIndex.search`` is a slice of that order, up to ties."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

from whoosh.reading import TermNotFound
from whoosh.searching import SearchContext

from searcharc.errors import SearcharcError
from searcharc.search import planning
from searcharc.search.proximity import proximity_score
from searcharc.search.ranking import DEFAULT
from searcharc.search.request import Request, SearchResult
from searcharc.search.rerank import RERANK_WINDOW
from searcharc.search.searcher import SearchIndex

TIE = 1e-9  # scores this close are a tie: either order is right
SHOWN = 5e-5  # hits show scores rounded to 4 decimals
UNDATED = -math.inf  # the sort key of an undated article: last, newest first


@dataclass(frozen=True, slots=True)
class Options:
    """The options of one search, as the API takes them."""

    match: str = "any"
    since: date | None = None
    until: date | None = None
    sort: str = "score"
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class Expected:
    """Every matching article, by docnum of the one index: its final sort key and shown
    score, in the right order; ids read only for the articles a check names."""

    order: list[int]  # docnums, best first
    key: dict[int, float]  # docnum → what the order sorts by (a score, or a date's ordinal)
    score: dict[int, float]  # docnum → the score a hit shows
    ambiguous: bool  # a BM25 tie straddles the re-rank window's edge: either side is right
    searcher: object  # the one index's, to name documents

    def docnum(self, article_id: str) -> int | None:
        return self.searcher.document_number(id=article_id)

    def id(self, docnum: int) -> str:
        return self.searcher.stored_fields(docnum)["id"]


def expected(index: SearchIndex, query: str, options: Options) -> Expected | None:
    """The oracle's whole ranking for ``query`` over a one-index ``index`` (None: nothing to
    search); raises SearcharcError where the query cannot be read."""
    request = Request.of(
        query, options.offset + options.limit, DEFAULT, options.match,
        options.since, options.until, options.sort, False, False,
    )  # fmt: skip
    searcher = index.backend.searcher(request.ranking)
    plan = planning.plan(searcher, index.meta, request)
    if plan is None:
        return None
    bm25 = _every_match(searcher, plan.compiled.query, options)
    if options.sort == "date":
        dated = {d: _ordinal(searcher, d) for d in bm25}
        order = sorted(bm25, key=lambda d: (-dated[d], d))
        return Expected(order, dated, bm25, False, searcher)
    order = sorted(bm25, key=lambda d: (-bm25[d], d))
    final, ambiguous = _proximity(searcher, order, bm25, plan.compiled, request.ranking)
    order = sorted(order[:RERANK_WINDOW], key=lambda d: -final[d]) + order[RERANK_WINDOW:]
    return Expected(order, final, final, ambiguous, searcher)


def _every_match(searcher, query, options: Options) -> dict[int, float]:
    """Each matching, undeleted article within the dates → its BM25F score."""
    context = SearchContext(weighting=searcher.weighting)
    found = {}
    for leaf, offset in searcher.leaf_searchers():
        matcher = query.matcher(leaf, context)
        while matcher.is_active():
            assert not leaf.reader().is_deleted(matcher.id())
            found[offset + matcher.id()] = matcher.score()
            matcher.next()
    if options.since is None and options.until is None:
        return found
    low, high = options.since or date.min, options.until or date.max
    days = {d: searcher.stored_fields(d).get("date") for d in found}
    return {d: s for d, s in found.items() if days[d] and low <= days[d].date() <= high}


def _ordinal(searcher, docnum: int) -> float:
    day = searcher.stored_fields(docnum).get("date")
    return day.toordinal() if day else UNDATED


def _proximity(searcher, order: list[int], bm25: dict[int, float], compiled, ranking):
    """The scores with the proximity bonus over the first window, every posting read; and
    whether the window's edge falls inside a tie."""
    window = order[:RERANK_WINDOW]
    stems = {w.stem: w.weight for w in compiled.words if w.weight > 0}
    if not ranking.proximity or len(stems) < 2:
        return bm25, False
    at_edge = len(order) > RERANK_WINDOW and (
        bm25[order[RERANK_WINDOW - 1]] - bm25[order[RERANK_WINDOW]] <= TIE
    )
    positions: dict[int, dict[str, list[int]]] = {d: {} for d in window}
    for stem in stems:
        try:
            matcher = searcher.postings("body", stem)
        except TermNotFound:
            continue
        while matcher.is_active():
            if matcher.id() in positions:
                positions[matcher.id()][stem] = matcher.value_as("positions")
            matcher.next()
    weights = {stem: searcher.idf("body", stem) * weight for stem, weight in stems.items()}
    average = searcher.avg_field_length("body") or 1
    final = dict(bm25)
    for d in window:
        length = searcher.doc_field_length(d, "body") or 0
        bonus = proximity_score(positions[d], weights, length, average, ranking.b, ranking.k1)
        final[d] += ranking.proximity * bonus
    return final, at_edge


def check_page(result: SearchResult, want: Expected, options: Options) -> None:
    """``result`` is the oracle's page at ``options.offset``: the same length, each place held
    by an article whose key is the oracle's at that place (ties may swap), every article
    keyed strictly inside the page's range present, scores as shown, the total exact or a
    lower bound said so."""
    page = [want.docnum(h.id) for h in result.hits]
    wanted = want.order[options.offset : options.offset + options.limit]
    assert len(page) == len(set(page)), f"an article twice: {[h.id for h in result.hits]}"
    assert len(page) == len(wanted), f"{len(page)} hits, the oracle {len(wanted)}"
    for place, (hit, found, right) in enumerate(zip(result.hits, page, wanted, strict=True)):
        assert found in want.key, f"{hit.id} does not match the query"
        got, should = want.key[found], want.key[right]
        assert _same(got, should), (
            f"place {options.offset + place}: {hit.id} ({got}), not {want.id(right)} ({should})"
        )
        assert abs(hit.score - want.score[found]) <= SHOWN + TIE, (hit.id, hit.score)
    if wanted:
        best, worst = want.key[wanted[0]], want.key[wanted[-1]]
        inside = [d for d in want.order if _below(want.key[d], best) and _below(worst, want.key[d])]
        left_out = set(inside) - set(page)
        assert not left_out, f"left out: {sorted(want.id(d) for d in left_out)}"
    if result.total_exact:
        assert result.total == len(want.order), (result.total, len(want.order))
    else:
        assert options.offset + len(page) <= result.total <= len(want.order)


def _same(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= TIE


def _below(a: float, b: float) -> bool:
    return a < b and not _same(a, b)


def search_page(index: SearchIndex, query: str, options: Options) -> SearchResult:
    return index.search(
        query, limit=options.limit, offset=options.offset, match=options.match,
        since=options.since, until=options.until, sort=options.sort,
        snippets=False, suggest=False,
    )  # fmt: skip


def holds(index: SearchIndex, others: list[SearchIndex], query: str, options: Options) -> str:
    """Checks ``query``'s page on ``index`` and on each of ``others`` (the same articles,
    sharded) against the oracle of ``index``; says what it checked: "page", "empty",
    "refused" (the query cannot be read, by every index alike) or "ambiguous"."""
    try:
        want = expected(index, query, options)
    except SearcharcError:
        for other in [index, *others]:
            try:
                search_page(other, query, options)
            except SearcharcError:
                continue
            raise AssertionError(f"{query!r}: the oracle refused it, an index did not") from None
        return "refused"
    if want is None:
        assert all(search_page(i, query, options).total == 0 for i in [index, *others])
        return "empty"
    if want.ambiguous and options.offset + options.limit > 0:
        return "ambiguous"
    for searched in [index, *others]:
        check_page(search_page(searched, query, options), want, options)
    return "page"


SOURCES = ("هسبريس", "الرياض", "Ahdath")
MONTHS = ("2021-03", "2021-07", "2022-01", "2023-11")
# news words for the queries on real articles
NEWS_WORDS = (
    "اليمن", "الحوثي", "السعودية", "الرياض", "الملك", "سلمان", "وزير", "الداخلية", "مجلس",
    "الأمن", "الإرهاب", "داعش", "إيران", "النووي", "التعليم", "المدارس", "الصحة", "كورونا",
    "الحج", "مكة", "جدة", "الشرطة", "الهلال", "النصر", "المواطنين", "القتلى", "العراق",
)  # fmt: skip
# every form the generator writes; each must be checked on a page, not only tried
FORMS = (
    "word", "phrase", "exclude", "not", "or", "and", "group", "title", "source", "date",
    "prefix", "fuzzy", "exact", "match all", "since/until", "sort date", "offset",
)  # fmt: skip


def atom(rng: random.Random, words: list[str], depth: int) -> tuple[str, set[str]]:
    """One term of the query language, and the forms it uses."""
    word, other = rng.choice(words), rng.choice(words)
    kind = rng.choice(
        ["word"] * 4 + ["phrase", "title", "source", "date", "prefix", "fuzzy", "exact"]
        + (["group"] * 2 if depth < 2 else [])
    )  # fmt: skip
    if kind == "group":
        inner, forms = expression(rng, words, depth + 1)
        return f"({inner})", forms | {"group"}
    return {
        "word": word,
        "phrase": f'"{word} {other}"',
        "title": rng.choice([f"title:{word}", f'title:"{word} {other}"']),
        "source": f"source:{rng.choice(SOURCES)}",
        "date": f"date:{rng.choice(MONTHS)}",
        "prefix": f"{word.removeprefix('ال')[: rng.randint(2, 3)]}*",  # not ال*: every word
        "fuzzy": rng.choice([f"{word}~", f"{word}~2"]),
        "exact": f"={word}",
    }[kind], {kind}


def expression(rng: random.Random, words: list[str], depth: int = 0) -> tuple[str, set[str]]:
    """One to four terms, some left out, joined by spaces, OR or AND."""
    parts, forms = [], set()
    for n in range(rng.randint(1, 4)):
        text, used = atom(rng, words, depth)
        forms |= used
        negation = rng.choice(["", "", "", "-", "NOT "])
        if negation:
            forms.add("exclude" if negation == "-" else "not")
        joint = rng.choice([" ", " ", " OR ", " AND "]) if n else ""
        forms |= {" OR ": {"or"}, " AND ": {"and"}}.get(joint, set())
        parts.append(f"{joint}{negation}{text}")
    return "".join(parts), forms


def generated(rng: random.Random, words: list[str]) -> tuple[str, Options, set[str]]:
    """A query and its options, and every form they use."""
    query, forms = expression(rng, words)
    since = date(2021, rng.randint(1, 12), 1) if rng.random() < 0.2 else None
    until = date(2022, rng.randint(1, 12), 28) if rng.random() < 0.2 else None
    options = Options(
        match=rng.choice(["any", "any", "all"]),
        since=since,
        until=until,
        sort=rng.choice(["score"] * 4 + ["date"]),
        offset=rng.choice([0, 0, 0, 3, 10, 95]),
        limit=rng.choice([1, 5, 10, 30]),
    )
    forms |= {"match all"} if options.match == "all" else set()
    forms |= {"since/until"} if since or until else set()
    forms |= {"sort date"} if options.sort == "date" else set()
    forms |= {"offset"} if options.offset else set()
    return query, options, forms
