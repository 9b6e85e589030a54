"""Top-k evaluation that skips (``bulk.rank``) is rank-safe: the same documents, order, scores,
matched terms and body positions as reading every posting, on a several-segment index with
deleted documents; and the total it reports is a lower bound, said so."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import numpy as np
import pytest
from test_output import validate
from whoosh.codec.whoosh3 import W3Codec
from whoosh.util.numeric import byte_to_length

from searcharc import SearchIndex, jsonout
from searcharc.cli import render
from searcharc.index.store import content_hash, to_document
from searcharc.records import Article
from searcharc.search import bulk, candidates, counting, planning
from searcharc.search.query import parse_searchable
from searcharc.search.ranking import DEFAULT
from searcharc.whooshx import postings as w3

SEED = 13
DOCUMENTS = 360
QUERIES = 1000


@pytest.fixture(scope="module")
def mixed_index(tmp_path_factory, words) -> SearchIndex:
    """Articles cut from runs of the seed words, in three unmerged segments, some deleted;
    postings in blocks of 8 (W3 writes 128), so that skipping blocks is put to the test."""
    rng = random.Random(SEED)
    articles = []
    for n in range(DOCUMENTS):
        start = rng.randrange(len(words))
        body = " ".join(words[start : start + rng.randint(5, 120)])
        title = " ".join(rng.sample(words, rng.randint(0, 6)))
        articles.append(Article(id=f"doc{n}", title=title, body=body))
    index = SearchIndex.create(tmp_path_factory.mktemp("mixed"))
    for part in (articles[:150], articles[150:300], articles[300:]):
        writer = index.backend.ix.writer(codec=W3Codec(blocklimit=8), compound=False)  # as ours
        for article in part:
            writer.add_document(**to_document(article, content_hash(article)))
        writer.commit(merge=False)
    writer = index.backend.ix.writer(compound=False)
    for n in range(0, DOCUMENTS, 17):
        writer.delete_by_term("id", f"doc{n}")
    writer.commit(merge=False)
    assert len(index.backend.ix.reader().leaf_readers()) == 3
    return SearchIndex.open(index.path)  # as a query opens it: its files memory-mapped


def flat_clauses(index: SearchIndex, text: str) -> tuple[object, list[bulk.Clause]]:
    searcher = index.backend.searcher(DEFAULT)
    compiled = planning.compiler(searcher, index.meta, DEFAULT, False).compile(
        parse_searchable(text)
    )
    return searcher, bulk.clauses(compiled.query) if compiled.query is not None else []


def generated_queries(words: list[str], count: int) -> list[str]:
    """One to six seed words, common and rare alike; one query in five with a phrase of two or
    three words as they stand in the seeds (the articles' bodies are runs of them)."""
    rng = random.Random(SEED + 1)
    found = []
    for _ in range(count):
        query = rng.sample(words, rng.randint(1, 6))
        if rng.random() < 0.2:
            start = rng.randrange(len(words) - 3)
            query.append('"' + " ".join(words[start : start + rng.randint(2, 3)]) + '"')
        found.append(" ".join(query))
    return found


@pytest.mark.slow
def test_skipping_ranks_as_reading_every_posting(mixed_index, words, monkeypatch):
    """Terms in 40 documents or more are scored whole through a small cache (evictions too),
    the others a block at a time."""
    monkeypatch.setattr(bulk.cache, "CACHED_FROM", 40)
    monkeypatch.setattr(bulk.cache, "CACHE", bulk.PostingsCache(budget=64 << 10))
    skipped, scored, every = 0, 0, 0
    for n, text in enumerate(generated_queries(words, QUERIES)):
        searcher, found = flat_clauses(mixed_index, text)
        if not found:
            continue
        limit = (1, 3, 10, 100)[n % 4]
        fast = bulk.rank(searcher, found, limit, b=DEFAULT.b, k1=DEFAULT.k1, weak="root")
        slow = bulk.rank(
            searcher, found, limit, b=DEFAULT.b, k1=DEFAULT.k1, weak="root", exhaustive=True
        )
        assert fast.docnums == slow.docnums, text
        assert fast.scores == slow.scores, text  # to the last bit
        assert fast.terms == slow.terms, text
        stems = set(slow.body)
        for docnum in slow.docnums:
            assert fast.stem_positions(docnum, stems) == slow.stem_positions(docnum, stems)
        assert slow.exact_total
        if fast.exact_total:
            assert (fast.total, fast.weak_only) == (slow.total, slow.weak_only), text
        else:
            skipped += 1
            assert len(fast.docnums) <= fast.total <= slow.total, text
            assert fast.scored <= slow.scored, text
        scored, every = scored + fast.scored, every + slow.scored
    assert skipped > QUERIES // 4  # the skipping was put to the test
    assert scored < every * 0.8
    cache = bulk.cache.CACHE
    assert cache.hits > 1000 and len(cache.entries) < cache.misses


@pytest.mark.slow
def test_searches_agree_hit_for_hit(mixed_index, words, monkeypatch):
    rng = random.Random(SEED + 2)
    for text in generated_queries(words, 20):
        limit, offset = rng.choice([(10, 0), (10, 10), (5, 95), (20, 100)])
        fast = mixed_index.search(text, limit=limit, offset=offset, suggest=False)
        slow = mixed_index.search(text, limit, offset=offset, suggest=False, exact_total=True)
        assert fast.hits == slow.hits, text
        assert slow.total_exact
        assert fast.total == slow.total if fast.total_exact else fast.total <= slow.total


def test_bounds_hold_for_every_posting(mixed_index, words):
    """No clause scores a document above its bound, nor above its block's bound (from the term
    infos and block infos of W3)."""
    for text in generated_queries(words, 30):
        searcher, found = flat_clauses(mixed_index, text)
        segments = bulk.segments(searcher)
        for clause in found or []:
            plan = bulk.plan.plan(searcher, clause, segments, DEFAULT.b, DEFAULT.k1)
            read = bulk.phrases.read(plan)
            assert max(read.scores, default=0.0) <= plan.bound
            if len(plan.terms) > 1:
                continue
            for segment, held in plan.present:
                ((i, info),) = held
                matcher = w3.leaf_matcher(segment.reader, clause.field, plan.terms[0][1], info)
                directory = w3.directory(matcher)  # its blocks as the matcher reads them: below
                lengths = segment.lengths(clause.field)
                postfile = w3.postings_file(segment.reader)
                for k, (weight, length) in enumerate(
                    zip(directory.weights, directory.lengths, strict=True)
                ):
                    block = bulk.postings.Postings(*w3.block_of(postfile, directory, k))
                    scored = bulk.scoring.scored(block, lengths, plan.stats)
                    assert max(scored) <= plan.stats.bound(float(weight), byte_to_length(length))


@pytest.mark.skipif(not __debug__, reason="the invariants are asserted under __debug__")
@pytest.mark.parametrize(
    "target, name, planted, message",
    [  # a block's bound under its scores; a threshold that falls
        (bulk.Statistics, "bound", lambda real: lambda s, tf, n: real(s, tf, n) / 2, "bound"),
        (bulk.topk, "needed", lambda real: lambda *args: real(*args) / 2, "threshold fell"),
    ],
)
def test_a_broken_invariant_fails(mixed_index, words, monkeypatch, target, name, planted, message):
    """``rank``'s invariants are asserted as it runs: a planted violation stops the search."""
    monkeypatch.setattr(target, name, planted(getattr(target, name)))
    with pytest.raises(AssertionError, match=message):
        for text in generated_queries(words, 100):
            mixed_index.search(text, suggest=False)


def test_an_unknown_word_alone(mixed_index):
    searcher, found = flat_clauses(mixed_index, "كلمةغيرموجودة")
    ranked = bulk.rank(searcher, found, 10, b=DEFAULT.b, k1=DEFAULT.k1)
    assert (ranked.docnums, ranked.total, ranked.exact_total) == ([], 0, True)


LOW_THRESHOLD = 8  # articles: a total past it is a lower bound (the index is small)


def skipping_query(index: SearchIndex, words: list[str], monkeypatch) -> str:
    """A generated query whose default search reports a lower-bound total: past a threshold
    lowered to LOW_THRESHOLD (``counting.TRACK_TOTAL``), for the rest of the test."""
    monkeypatch.setattr(counting, "TRACK_TOTAL", LOW_THRESHOLD)
    for text in generated_queries(words, 200):
        if not index.search(text, suggest=False).total_exact:
            return text
    raise AssertionError("no query skipped")


def test_a_lower_bound_total_says_so(mixed_index, words, monkeypatch):
    text = skipping_query(mixed_index, words, monkeypatch)
    fast = mixed_index.search(text, suggest=False)
    slow = mixed_index.search(text, suggest=False, exact_total=True)
    data = json.loads(jsonout.to_json(jsonout.result_dict(fast)))
    validate(data)
    assert (data["total_relation"], data["total"], data["by_root"]) == ("gte", fast.total, 0)
    assert jsonout.result_dict(slow)["total_relation"] == "eq"
    assert render.plain_result(fast).startswith(f"at least {fast.total} articles match «")
    assert render.plain_result(slow).startswith(f"{slow.total} articles match «")
    assert fast.total == LOW_THRESHOLD < slow.total


def test_dates_filters_and_pages_stay_exact(mixed_index, words, monkeypatch):
    """--sort date and other query shapes take Whoosh's path (exact totals under the
    threshold, the same hits); pages of the skipping path are those of the whole ranking."""
    text = skipping_query(mixed_index, words, monkeypatch)
    monkeypatch.undo()  # the threshold back: this index is under it
    by_date = mixed_index.search(text, sort="date", suggest=False)
    assert by_date.total_exact
    assert by_date == replace(
        mixed_index.search(text, sort="date", suggest=False, exact_total=True), took=by_date.took
    )
    restricted = mixed_index.search(f"{text} -title:{words[0]}", suggest=False)
    assert restricted.total_exact and restricted.total <= by_date.total
    pages = [mixed_index.search(text, limit=10, offset=o, suggest=False) for o in (0, 10, 90)]
    every = mixed_index.search(text, limit=100, suggest=False, exact_total=True)
    assert [h.id for p in pages for h in p.hits] == [
        h.id for h in every.hits[:20] + every.hits[90:100]
    ]


def test_a_mask_ranks_as_every_posting_kept_to_it(mixed_index, words):
    """``within`` (a date filter's mask by docnum): the best of the documents it lets through
    are those of ranking every posting, then keeping them, with the same scores; an exact
    total counts them (a third of the documents each time, skipping on)."""
    rng = random.Random(SEED + 5)
    for n, text in enumerate(generated_queries(words, 200)):
        searcher, found = flat_clauses(mixed_index, text)
        if not found:
            continue
        size = searcher.doc_count_all()
        within = np.array([rng.random() < 0.3 for _ in range(size)])
        limit = (1, 3, 10)[n % 3]
        options = {"b": DEFAULT.b, "k1": DEFAULT.k1, "weak": "root"}
        fast = bulk.rank(searcher, found, limit, within=within, **options)
        every = bulk.rank(searcher, found, size, exhaustive=True, **options)
        kept = [d for d in every.docnums if within[d]][:limit]
        assert fast.docnums == kept, text
        assert [fast.scores[d] for d in kept] == [every.scores[d] for d in kept], text
        if fast.exact_total:
            assert fast.total == int(within[every.matched].sum()), text


def test_a_lower_bound_asks_for_no_suggestion(mixed_index, words, monkeypatch):
    text = skipping_query(mixed_index, words, monkeypatch)
    monkeypatch.setattr("searcharc.search.searcher.SUGGEST_BELOW", 10**9)
    assert mixed_index.search(text).suggestions == []
    assert mixed_index.search(text, exact_total=True).total_exact


def test_the_postings_cache_keeps_to_its_budget():
    cache = bulk.PostingsCache(budget=3000)
    lists = {
        n: bulk.postings.Postings(np.arange(n * 100, dtype=np.uint32), np.ones(n * 100, np.float32))
        for n in (1, 2)
    }
    for n in (1, 2, 1):
        assert cache.get(("t", n), lambda n=n: lists[n], bulk.postings.size) is lists[n]
    assert (cache.hits, cache.misses, cache.size) == (
        1,
        2,
        bulk.postings.size(lists[1]) + bulk.postings.size(lists[2]),
    )
    cache.get(
        ("t", 3),
        lambda: bulk.postings.Postings(np.arange(120, dtype=np.uint32)),
        bulk.postings.size,
    )
    assert list(cache.entries) == [("t", 1), ("t", 3)]  # the least recently used went
    assert cache.size <= cache.budget
    cache.get(
        ("t", 4),
        lambda: bulk.postings.Postings(np.arange(999, dtype=np.uint32)),
        bulk.postings.size,
    )
    assert ("t", 4) not in cache.entries  # bigger than the whole budget: not kept


@pytest.mark.slow
def test_cached_postings_rank_as_decoded_ones(mixed_index, words, monkeypatch):
    queries = generated_queries(words, 60)

    def answers() -> list:
        return [replace(mixed_index.search(t, suggest=False), took=0.0) for t in queries]

    monkeypatch.setattr(bulk.cache, "CACHE", bulk.PostingsCache(budget=0))
    fresh = answers()
    monkeypatch.setattr(bulk.cache, "CACHED_FROM", 1)
    monkeypatch.setattr(bulk.cache, "CACHE", bulk.PostingsCache(budget=1 << 20))
    assert answers() == fresh
    assert answers() == fresh
    assert bulk.cache.CACHE.hits > bulk.cache.CACHE.misses > 0


def test_the_cache_budget_is_set_in_megabytes():
    assert [bulk.cache.budget(s) for s in ("", "0", "16", "lots")] == [
        64 << 20,
        0,
        16 << 20,
        64 << 20,
    ]


@pytest.mark.slow
def test_ranking_for_the_page_reranks_as_ranking_the_whole_window(mixed_index, words, monkeypatch):
    """``bulk.rank``'s reach (the best of a page, and the most the proximity bonus adds) reads
    the clauses read whole and the clauses left for fewer documents: the same hits, in the same
    order, for pages inside the re-ranking window; the total a lower bound of the whole one."""
    rng = random.Random(SEED + 3)
    pages = [
        (text, *rng.choice([(10, 0), (1, 0), (10, 10), (5, 95)]))
        for text in generated_queries(words, 300)
        if len(text.split()) > 1
    ]
    scored = {True: 0, False: 0}
    rank = bulk.rank

    def counted(*args, **kwargs) -> bulk.Ranked:
        ranked = rank(*args, **kwargs)
        scored[kwargs["reach"] is not None] += ranked.scored
        return ranked

    monkeypatch.setattr(bulk, "rank", counted)
    answers = {}
    for reach in (True, False):
        if not reach:
            monkeypatch.setattr(candidates, "reach", lambda *args: None)
        answers[reach] = [
            replace(mixed_index.search(text, limit=limit, offset=offset, suggest=False), took=0)
            for text, limit, offset in pages
        ]
    for wider, whole in zip(answers[True], answers[False], strict=True):
        assert wider.hits == whole.hits
        # the total: a lower bound of the whole one, that one when it says it is exact
        assert wider.total <= whole.total
        assert wider.total == whole.total or not wider.total_exact
    assert scored[True] < scored[False]  # fewer postings scored


class Unmapped:
    """A postings file without its memory map (everything else is the file's)."""

    _map = None

    def __init__(self, file) -> None:
        self.file = file

    def __getattr__(self, name: str):
        return getattr(self.file, name)


@pytest.mark.slow
def test_block_directories_read_as_the_matcher_does(mixed_index):
    """Every term's blocks found and decoded through its ``w3.Directory`` are the postings
    and block infos that Whoosh's own matcher reads, a posting at a time; a directory read
    from the memory map is the one the matcher reads from the file."""
    searcher = mixed_index.backend.searcher(DEFAULT)
    blocks = 0
    for segment in bulk.segments(searcher):
        reader = segment.reader
        for fieldname in ("body", "title", "root", "exact"):
            for btext, info in w3.field_terms(reader, fieldname):
                matcher = w3.leaf_matcher(reader, fieldname, btext, info)
                if not w3.is_blocked(matcher):
                    continue
                infos = list(w3.blocks(matcher))
                directory = w3.directory(w3.leaf_matcher(reader, fieldname, btext, info))
                bounds = zip(directory.lasts, directory.weights, directory.lengths, strict=True)
                assert list(bounds) == infos
                unmapped = w3.leaf_matcher(reader, fieldname, btext, info)
                unmapped._postfile = Unmapped(unmapped._postfile)  # read by the matcher
                assert w3.directory(unmapped) == directory
                postfile = w3.postings_file(reader)
                parts = [w3.block_of(postfile, directory, k) for k in range(len(infos))]
                values: list = []
                matcher = w3.leaf_matcher(reader, fieldname, btext, info)
                whole = bulk.postings.one_by_one(matcher, values)
                assert [d for ids, _ in parts for d in ids] == list(whole.docnums)
                assert [w for _, ws in parts for w in ws] == list(whole.weights)
                if fieldname == "body":
                    blocks_values = [
                        w3.values_of(postfile, directory, k) for k in range(len(infos))
                    ]
                    assert [v for vs in blocks_values for v in vs] == values
                blocks += len(infos)
    assert blocks > 1000


def test_documents_are_found_in_postings_as_a_set_finds_them():
    """``found_in``: where each wanted document is in a posting list, and whether it is."""
    ids = np.arange(0, 400, 2, dtype=np.uint32)
    for docnums in ([], [4], [3, 4, 5, 398, 399], list(range(0, 400, 3)), list(range(401))):
        wanted = np.array(docnums, np.uint32)
        at, there = bulk.postings.found_in(ids, wanted)
        assert there.tolist() == [d % 2 == 0 and d < 400 for d in docnums]
        assert ids[at[there]].tolist() == [d for d in docnums if d % 2 == 0 and d < 400]
    at, there = bulk.postings.found_in(ids[:0], np.array([1, 2], np.uint32))
    assert not there.any()


@pytest.mark.parametrize(
    "changes, depth, wanted",
    [
        ({}, 10, True),
        ({}, 100, True),
        ({}, 101, False),  # the page passes the re-ranking window
        ({"coordination": True}, 10, False),  # matched words re-order
        ({"proximity": -1.0}, 10, False),  # a bonus may be negative
        ({"b": 1.5}, 10, False),  # BM25's length norm may be negative
        ({"k1": -0.5}, 10, False),
    ],
)
def test_reach_only_where_the_bonus_bound_holds(changes, depth, wanted):
    # only its words are read: two stems of positive weight
    words = [type("Word", (), {"stem": s, "weight": 1.0})() for s in ("مكافح", "ارهاب")]
    compiled = type("Compiled", (), {"words": words})()
    reach = candidates.reach(compiled, DEFAULT.with_(**changes), depth)
    assert (reach is not None) == wanted
    if wanted:
        k1 = DEFAULT.k1
        assert reach[0] == depth and reach[1] >= 2 * (k1 + 1) * DEFAULT.proximity
