"""An index split into shards ranks as one index: the same articles indexed as one shard and
as three give the same hits, in the same order, with the same scores and totals, through the
Python API (shards searched one by one, and in worker processes) and the command line; and
`searcharc index --shards` keeps updates, --prune, remove and re-runs working."""

from __future__ import annotations

import json
import math
import random
import sys
import zlib
from pathlib import Path

import pytest
from conftest import run_cli, run_in_process
from walls import walled_off

from searcharc.errors import SearcharcError, StaleRequest
from searcharc.index import shards
from searcharc.index.indexing import IndexOptions, run_index
from searcharc.records import Article
from searcharc.search import candidates, planning, shard, statistics
from searcharc.search import workers as processes
from searcharc.search.ranking import DEFAULT
from searcharc.search.request import Request
from searcharc.search.searcher import SearchIndex
from searcharc.search.shards import ShardedIndex

SEED = 1313
GENERATED = 300
SOURCES = ("هسبريس", "Ahdath.info", "الرياض")


@pytest.fixture(scope="module")
def generated(words) -> list[dict]:
    """Articles cut from runs of the seed words, some untitled, undated or sourceless; ids in
    the order they go in (ties between shards are broken by id, in one index by that order)."""
    rng = random.Random(SEED)
    records = []
    for n in range(GENERATED):
        start = rng.randrange(len(words))
        record = {
            "id": f"g{n:04d}",
            "title": " ".join(rng.sample(words, rng.randint(0, 6))),
            "text": " ".join(words[start : start + rng.randint(5, 150)]),
        }
        if rng.random() < 0.85:
            record["date"] = (
                f"20{rng.randint(19, 23)}-{rng.randint(1, 12):02d}-{rng.randint(1, 9):02d}"
            )
        if rng.random() < 0.8:
            record["source"] = rng.choice(SOURCES)
        records.append(record)
    return records


@pytest.fixture(scope="module")
def dump(tmp_path_factory, generated) -> Path:
    path = tmp_path_factory.mktemp("dump") / "articles.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in generated))
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory, seeds_dir, dump) -> dict[int, Path]:
    """The seeds and the generated articles as one shard and as three."""
    found = {}
    for count in (1, 3):
        target = tmp_path_factory.mktemp(f"shards{count}") / "index"
        run = run_index([seeds_dir, dump], target, IndexOptions(jobs=1, shards=count))
        assert run.exit_status == 0 and run.changes.added == GENERATED + 5
        found[count] = target
    return found


@pytest.fixture(scope="module")
def one(built) -> SearchIndex:
    return SearchIndex.open(built[1])


@pytest.fixture(scope="module")
def three(built) -> SearchIndex:
    index = SearchIndex.open(built[3], parallel=False)
    assert isinstance(index.backend, ShardedIndex) and index.backend.transport.count == 3
    return index


@pytest.fixture(scope="module")
def all_in_workers(built) -> SearchIndex:
    """The three shards, each in a worker process: the coordinator is this process alone."""
    index = SearchIndex(ShardedIndex(built[3], processes.Shards(built[3], range(0))))
    yield index
    index.close()


@pytest.fixture(params=["here", "walled"])
def coordinated(request, built, three, all_in_workers) -> SearchIndex:
    """The three shards searched one by one here, and from a coordinator that cannot open,
    list or stat any file of theirs (``walls``), whose every read is a call to a shard."""
    if request.param == "here":
        yield three
        return
    with walled_off([built[3] / f"shard-{i}" for i in range(3)]) as tried:
        yield all_in_workers
    assert not tried


def queries(words: list[str], generated: list[dict]) -> list[str]:
    """Title words, two words, phrases, fields, exclusions, prefixes: 240 queries."""
    rng = random.Random(SEED + 1)
    titles = [r["title"].split() for r in generated if r["title"]]
    found = [" ".join(t[: rng.randint(1, 3)]) for t in rng.sample(titles, 80)]
    found += [" ".join(rng.sample(words, 2)) for _ in range(60)]
    for _ in range(30):
        at = rng.randrange(len(words) - 2)
        found.append(f'"{words[at]} {words[at + 1]}"')
    found += [f"title:{rng.choice(rng.choice(titles))}" for _ in range(15)]
    found += [f"{rng.choice(words)} source:{rng.choice(SOURCES[:2])}" for _ in range(15)]
    found += [f"{rng.choice(words)} -{rng.choice(words)}" for _ in range(15)]
    found += [f"{rng.choice(words)} date:202{rng.randint(0, 3)}" for _ in range(15)]
    found += [f"{w[:3]}* {rng.choice(words)}" for w in rng.sample(words, 10) if len(w) > 3]
    return found


OPTIONS = [
    {},
    {"exact_total": True},
    {"sort": "date"},
    {"offset": 10},
    {"offset": 95, "limit": 10},  # a page across the proximity window's end
    {"since": "2020-01-01", "until": "2021-12-31"},
    {"match": "all"},
]


def api_options(options: dict) -> dict:
    from datetime import date

    return {k: date.fromisoformat(v) if k in ("since", "until") else v for k, v in options.items()}


def raw_ranking(index: SearchIndex, query: str, options: dict) -> list[tuple[str, float]]:
    """The ranked ids and unrounded scores (hits show scores to 4 decimals)."""
    options = api_options(options)
    limit, offset = options.pop("limit", 10), options.pop("offset", 0)
    base = {"match": "any", "since": None, "until": None, "sort": "score", "exact_total": False}
    base.update(options)
    request = Request.of(query, offset + limit, DEFAULT, facets=False, **base)
    plan = index.backend.read(lambda v: planning.plan(v, index.meta, request), request.ranking)
    if plan is None:
        return []
    if isinstance(index.backend, ShardedIndex):
        return [(e.id, e.score) for _, e in index.backend.ranked(request, plan)[offset:]]
    searcher = index.backend.searcher(request.ranking)
    found = candidates.find(searcher, request, plan)
    ranked = found.ranked[offset : offset + limit]
    return [(searcher.stored_fields(c.docnum)["id"], c.score) for c in ranked]


def same_scores(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> bool:
    return [i for i, _ in a] == [i for i, _ in b] and all(
        math.isclose(x, y, rel_tol=1e-9) for (_, x), (_, y) in zip(a, b, strict=True)
    )


@pytest.mark.slow
def test_shards_rank_as_one_index(one, coordinated, words, generated):
    """Ids in order, scores to 1e-9, totals, by-root counts and snippets: 240 queries by
    default and with exact totals, a third of them under each other option set (880)."""
    three = coordinated
    found = 0
    every = queries(words, generated)
    for n, options in enumerate(OPTIONS):
        for query in every if n < 2 else every[::3]:
            a = one.search(query, **api_options(options))
            b = three.search(query, **api_options(options))
            assert [h.id for h in b.hits] == [h.id for h in a.hits], (query, options)
            assert b.hits == a.hits, (query, options)  # scores, titles, snippets, dates
            if a.total_exact and b.total_exact:  # else lower bounds: see the next test
                assert (b.total, b.by_root) == (a.total, a.by_root), (query, options)
            if n == 0:  # unrounded scores (hits show 4 decimals)
                assert same_scores(raw_ranking(three, query, {}), raw_ranking(one, query, {}))
            found += bool(a.hits)
    assert found > 600  # the queries find something


@pytest.mark.slow
def test_exact_totals_agree_and_bounds_hold(one, coordinated, words, generated):
    """A lower-bound total ("gte") is at most the exact count, which 1 and 3 shards agree on."""
    three = coordinated
    for query in queries(words, generated)[:140]:
        exact = one.search(query, exact_total=True, snippets=False)
        assert three.search(query, exact_total=True, snippets=False).total == exact.total
        for index in (one, three):
            bound = index.search(query, snippets=False)
            assert bound.total <= exact.total and (
                bound.total == exact.total or not bound.total_exact
            )


@pytest.mark.slow
def test_facets_and_suggestions_agree(one, coordinated, words):
    three = coordinated
    for query in ("مكافحة الإرهاب", words[40], "الارهب", f"{words[7]} {words[99]}"):
        a = one.search(query, facets=True)
        b = three.search(query, facets=True)
        assert (b.suggestions, b.hits) == (a.suggestions, a.hits)
        assert (dict(b.facets.by_source), b.facets.by_year) == (
            dict(a.facets.by_source),
            a.facets.by_year,
        )


@pytest.mark.slow
def test_the_rest_of_the_api_reads_the_shards_as_one_index(one, coordinated, generated):
    """Stored articles, similar articles, statistics, did-you-mean and highlights: every one
    asked of the shards (routed to an article's own shard, or summed), as one index gives."""
    three = coordinated
    assert len(three) == len(one) == GENERATED + 5
    for record in generated[::7]:
        assert three.get(record["id"]) == one.get(record["id"])
    assert three.get("nowhere") is None
    for record in generated[::37]:
        a, b = one.similar(record["id"], limit=8), three.similar(record["id"], limit=8)
        assert len(b) == len(a) == 8 and record["id"] not in {s.hit.id for s in b}
        assert [(s.hit, s.shared_terms) for s in b] == [(s.hit, s.shared_terms) for s in a]
        assert all(s.shared_terms and s.hit.snippets for s in b)
    with pytest.raises(SearcharcError, match="not in the index: nowhere"):
        three.similar("nowhere")
    a, b = one.stats(), three.stats()
    assert (b.documents, b.distinct_words, b.distinct_stems) == (
        a.documents,
        a.distinct_words,
        a.distinct_stems,
    )
    assert (b.by_source, b.by_month, b.stemmer) == (a.by_source, a.by_month, a.stemmer)
    for query in ("الارهب", "مكافحه الارهب", "المغرپ الرباط"):  # totals: lower bounds
        assert [s.query for s in three.suggest(query)] == [s.query for s in one.suggest(query)]
    assert one.suggest("الارهب"), "a misspelling the seed articles can correct"
    text = generated[3]["text"]
    assert three.highlight(text, generated[3]["title"]) == one.highlight(
        text, generated[3]["title"]
    )


@pytest.mark.slow
def test_the_wall_holds(built):
    """The wall of ``coordinated`` is real: shards searched here cannot read their files."""
    folders = [built[3] / f"shard-{i}" for i in range(3)]
    with walled_off(folders) as tried, pytest.raises(PermissionError):
        SearchIndex.open(built[3], parallel=False).search("المغرب")
    assert tried and all(t.startswith(str(built[3] / "shard-")) for t in tried)


@pytest.mark.slow
def test_shard_local_statistics_would_rank_otherwise(one, three, words, generated, monkeypatch):
    """The check above can fail: with each shard's own statistics, scores differ."""
    find = shard.Shard.find

    def own_statistics(one_shard, generation, serial, request, plan, stats):
        own = one_shard.statistics(generation, set(stats.frequencies))
        return find(one_shard, generation, serial, request, plan, own)

    monkeypatch.setattr(shard.Shard, "find", own_statistics)
    differ = [
        q
        for q in queries(words, generated)[:80]
        if not same_scores(raw_ranking(three, q, {}), raw_ranking(one, q, {}))
    ]
    assert len(differ) > 40


@pytest.mark.slow
def test_the_statistics_are_the_sum_of_the_shards_answers(one, three, monkeypatch):
    """The main process reads no shard to score a query: each shard answers with its own
    statistics, once a query (those the compile asks for and those the scoring reads, in one
    call), and their sum (one index's) is what every shard ranks with."""
    answered, used = [], []
    own, find = shard.Shard.statistics, shard.Shard.find

    def answer(one_shard, generation, terms):
        answered.append(own(one_shard, generation, terms))
        return answered[-1]

    def recorded_find(one_shard, generation, serial, request, plan, stats):
        used.append(stats)
        return find(one_shard, generation, serial, request, plan, stats)

    monkeypatch.setattr(shard.Shard, "statistics", answer)
    monkeypatch.setattr(shard.Shard, "find", recorded_find)
    monkeypatch.setattr(three.backend, "known", None)  # nothing learned of the commit yet
    assert three.search("مكافحة الإرهاب", exact_total=True).hits
    assert len(answered) == 3 and all(a.documents and a.frequencies for a in answered)
    summed = sum(answered, statistics.Statistics())
    assert used == [used[0]] * 3 and used[0].frequencies.items() <= summed.frequencies.items()
    assert (used[0].documents, used[0].lengths) == (summed.documents, summed.lengths)
    whole = statistics.Statistics.of(one.backend.searcher(DEFAULT).reader(), used[0].frequencies)
    assert used[0] == whole and whole.documents == len(one)


@pytest.mark.slow
def test_worker_processes_rank_as_one_index(built, one, words, generated):
    """The Python API searches shards in worker processes, which live as long as the index."""
    index = SearchIndex.open(built[3])
    try:
        for query in queries(words, generated)[::6]:
            for options in ({}, {"sort": "date", "limit": 5}, {"offset": 10}):
                assert index.search(query, **options).hits == one.search(query, **options).hits
        assert len(index.backend.transport._workers) == 2  # shard 0 is searched here
    finally:
        index.close()


QUERY = "مكافحة الإرهاب"


@pytest.mark.slow
def test_a_stopped_worker_is_started_again(built, one, monkeypatch):
    """A worker killed between queries, or between a query's find and its hits, is started
    again and asked again (a hits call after the find it refers to): the same hits."""
    expected = one.search(QUERY, limit=30).hits
    index = SearchIndex.open(built[3])
    try:
        assert index.search(QUERY, limit=30).hits == expected
        workers = index.backend.transport._workers
        killed = workers[1].process
        killed.kill()
        killed.wait()
        assert index.search(QUERY, limit=30).hits == expected
        assert workers[1].process is not killed and workers[1].process.poll() is None
        call = processes.Shards.call

        def killing_after_find(shards, method, args, partial=False):
            done = call(shards, method, args, partial)
            if method == "find":
                for worker in shards._workers.values():
                    worker.process.kill()
            return done

        monkeypatch.setattr(processes.Shards, "call", killing_after_find)
        before = {i: w.process for i, w in workers.items()}
        assert index.search(QUERY, limit=30).hits == expected
        assert all(w.process is not before[i] for i, w in workers.items())  # both had hits
    finally:
        index.close()


@pytest.mark.slow
def test_a_worker_stopped_twice_is_a_one_line_error(built, one, monkeypatch, capsys, tmp_path):
    """Through the API: a SearcharcError naming the shard, the other workers' answers read
    (the next query, the worker restored, is answered right); through --batch: exit 2."""
    expected = one.search(QUERY).hits
    index = SearchIndex.open(built[3])
    try:
        assert index.search(QUERY).hits == expected
        with monkeypatch.context() as patch:
            patch.setattr(
                processes.Worker, "command", (sys.executable, "-c", "raise SystemExit(3)")
            )
            index.backend.transport._workers[1].process.kill()
            with pytest.raises(SearcharcError) as stopped:
                index.search(QUERY)
            assert "\n" not in str(stopped.value)
            assert str(stopped.value) == (
                f"shard 1: its worker process ({built[3] / 'shard-1'}) stopped twice "
                "(exit status 3)"
            )
            batch = tmp_path / "queries.txt"
            batch.write_text(f"1\t{QUERY}\n")
            status, out, err = run_in_process(
                capsys, "query", "--batch", str(batch), "--index", str(built[3])
            )
            assert (status, out) == (2, "")
            assert err.splitlines()[0] == f"searcharc: query 1: {stopped.value}"
        assert index.search(QUERY).hits == expected
    finally:
        index.close()


def jsonl_run(index: Path, batch: Path, *options: str) -> list[dict]:
    done = run_cli("query", "--batch", str(batch), "--jsonl", "--index", str(index), *options)
    assert done.returncode in (0, 1), done.stderr
    found = [json.loads(line) for line in done.stdout.splitlines()]
    for result in found:
        result.pop("took_ms")
    return found


def without_bounds(*results: dict) -> None:
    """Totals left out where one is a lower bound ("gte": where MaxScore stopped differs)."""
    if "gte" in {r.get("total_relation") for r in results}:
        for result in results:
            del result["total"], result["by_root"], result["total_relation"]


@pytest.mark.slow
def test_the_command_line_ranks_as_one_index(built, words, generated, tmp_path):
    """--batch --jsonl (worker processes) and one-shot --json (shards one by one)."""
    every = queries(words, generated)
    for chosen, options in (
        (every, ()),
        (every[::6], ("--sort", "date")),
        (every[::6], ("--page", "2")),
        (every[::6], ("--since", "2021-01-01")),
    ):
        batch = tmp_path / "queries.txt"
        batch.write_text("".join(f"{n}\t{q}\n" for n, q in enumerate(chosen)))
        single, three = jsonl_run(built[1], batch, *options), jsonl_run(built[3], batch, *options)
        for a, b in zip(single, three, strict=True):
            without_bounds(a, b)
            asked = b.pop("shards", None)  # absent: nothing to search
            assert asked == {"total": 3, "successful": 3, "failed": 0} or not b["hits"]
        assert three == single
        assert sum(bool(r["hits"]) for r in single) > len(chosen) / 2
    for query, *options in (("مكافحة الإرهاب",), ('"مكافحة الإرهاب"', "--sort", "date")):
        runs = [
            run_cli("query", query, "--json", "--index", str(built[n]), *options) for n in (1, 3)
        ]
        a, b = (json.loads(r.stdout) for r in runs)
        a.pop("took_ms"), b.pop("took_ms")
        without_bounds(a, b)
        assert b.pop("shards") == {"total": 3, "successful": 3, "failed": 0}
        assert a == b and a["hits"]


@pytest.mark.slow
def test_an_article_goes_to_the_shard_of_its_id(built, generated):
    assert shards.shard_of("g0001", 3) == zlib.crc32(b"g0001") % 3  # stable across runs
    for n, path in enumerate(shards.shard_paths(built[3], 3)):
        shard = SearchIndex.open(path)  # each shard is an ordinary index
        ids = [r["id"] for r in generated if shards.shard_of(r["id"], 3) == n]
        assert all(shard.get(i) is not None for i in ids)
        assert len(shard) >= len(ids) > 60


@pytest.mark.slow
def test_updates_prune_and_remove_keep_to_the_shards(tmp_path, generated):
    records = generated[:40]
    dump = tmp_path / "in.jsonl"
    dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    target = tmp_path / "index"
    assert run_index([dump], target, IndexOptions(jobs=1, shards=3)).changes.added == 40
    again = run_index([dump], target, IndexOptions(jobs=1))  # the recorded count
    assert (again.changes.added, again.changes.unchanged) == (0, 40)
    changed = [dict(records[0], text="نص جديد تماما"), *records[1:30]]
    changed.append(dict(records[30], id="copy"))  # the same content as g0030, another shard
    dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in changed))
    run = run_index([dump], target, IndexOptions(jobs=1, prune=True))
    c = run.changes
    assert (c.updated, c.unchanged, c.removed, c.duplicates) == (1, 29, 10, [("copy", "g0030")])
    index = SearchIndex.open(target, parallel=False)
    assert len(index) == 30 and index.get("g0000").body == "نص جديد تماما"
    assert index.search('"نص جديد تماما"').hits[0].id == "g0000"
    assert index.remove(["g0001", "nothing"]) == ["nothing"]
    assert index.get("g0001") is None and len(index) == 29
    assert index.stats().documents == 29
    assert index.add([Article(id="new", title="عنوان", body="نص آخر جديد")]).added == 1
    shard = SearchIndex.open(shards.shard_paths(target, 3)[shards.shard_of("new", 3)])
    assert shard.get("new") is not None and index.search("آخر").hits[0].id == "new"


@pytest.mark.slow
def test_a_conflicting_shard_count_is_refused(built, tmp_path):
    for path, count in ((built[3], "2"), (built[1], "3")):
        done = run_cli("index", str(tmp_path), "--index", str(path), "--shards", count)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1 and "shard" in done.stderr
    done = run_cli("index", str(tmp_path), "--index", str(tmp_path / "x"), "--shards", "0")
    assert done.returncode == 2


def test_a_blend_takes_the_idf_of_its_most_frequent_form_in_the_whole_index(tmp_path):
    """مصر is in 6 articles and لمصر in 3, but in shard 0 لمصر is the more frequent: the
    blend «مصر» (with its clitic form) must still score with the idf of مصر."""
    ids = {n: [f"a{i}" for i in range(200) if shards.shard_of(f"a{i}", 2) == n] for n in (0, 1)}
    bodies = [(ids[0][i], f"لمصر الاقتصاد {i}") for i in range(3)] + [(ids[0][3], "مصر والعالم")]
    bodies += [(ids[1][i], f"مصر {'الاقتصاد ' * i}") for i in range(5)]
    records = "".join(
        json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in sorted(bodies)
    )
    (tmp_path / "in.jsonl").write_text(records)
    found = []
    for count in (1, 2):
        target = tmp_path / f"index{count}"
        run_index([tmp_path / "in.jsonl"], target, IndexOptions(jobs=1, shards=count))
        index = SearchIndex.open(target, parallel=False)
        found.append([(h.id, h.score) for h in index.search("مصر", limit=20).hits])
    assert len(found[0]) == 9 and same_scores(found[1], found[0])


def test_a_shard_keeps_each_request_apart_and_says_its_commit(tmp_path, seeds_dir):
    """Two requests in flight on one shard (two coordinators, or a retry) each get the hits of
    what they found, from the commit that found them; every answer names that commit."""
    run_index([seeds_dir], tmp_path)
    one_shard = shard.Shard(tmp_path)

    def asked(query: str) -> tuple[Request, object, statistics.Statistics]:
        request = Request.of(query, 10, DEFAULT, "any", None, None, "score", False, False)
        searcher = one_shard.index.searcher(DEFAULT)
        plan = planning.plan(searcher, one_shard.index.meta, request)
        terms = statistics.query_terms(plan)
        return request, plan, one_shard.statistics(None, terms)

    first = one_shard.find(None, "a:1", *asked("المغرب"))
    second = one_shard.find(None, "b:1", *asked("الإرهاب"))
    now = one_shard.index.searcher(DEFAULT).reader().generation()
    assert first.generation == second.generation == now
    for request_id, answer in (("a:1", first), ("b:1", second)):
        wanted = [(e.docnum, e.score) for e in answer.entries]
        ids = [h.id for h in one_shard.hits(request_id, wanted, False)]
        assert ids == [e.id for e in answer.entries]
    SearchIndex.open(tmp_path).add([Article(id="new", title="المغرب", body="المغرب والرباط")])
    third = one_shard.find(None, "a:2", *asked("المغرب"))
    assert third.generation > first.generation and "new" in [e.id for e in third.entries]
    old = [(e.docnum, e.score) for e in first.entries]  # the first commit's docnums
    # the previous commit stays open beside the last: what it found is still read from it
    assert [h.id for h in one_shard.hits("a:1", old, False)] == [e.id for e in first.entries]
    again = one_shard.find(first.generation, "a:3", *asked("المغرب"))
    assert again.generation == first.generation
    assert [e.id for e in again.entries] == [e.id for e in first.entries]
    SearchIndex.open(tmp_path).add([Article(id="newer", title="المغرب", body="المغرب وفاس")])
    fourth = one_shard.find(None, "a:4", *asked("المغرب"))
    assert fourth.generation > third.generation
    with pytest.raises(StaleRequest, match="a:1 was found at commit .*: ask again"):
        one_shard.hits("a:1", old, False)
    with pytest.raises(StaleRequest, match=f"commit {first.generation} is not here"):
        one_shard.find(first.generation, "a:5", *asked("المغرب"))
    new = [(e.docnum, e.score) for e in third.entries]
    assert [h.id for h in one_shard.hits("a:2", new, False)] == [e.id for e in third.entries]
    for n in range(shard.HELD):
        one_shard.find(None, f"c:{n}", *asked("الإرهاب"))
    with pytest.raises(SearcharcError, match="a:2 is not held"):
        one_shard.hits("a:2", new, False)


def test_a_shard_reads_an_older_commit_its_folder_still_holds(tmp_path, seeds_dir):
    """A shard opened after a commit (a restarted replica) reads the commit a request names
    when its folder still holds it (a replica keeps the recorded commit until the next is
    recorded); a commit it does not hold is MissingCommit, which sends the call to another
    replica."""
    import shutil

    from searcharc.errors import MissingCommit

    run_index([seeds_dir], tmp_path / "index")
    folder = tmp_path / "index"
    before = {f.name for f in folder.iterdir()}
    saved = tmp_path / "saved"
    shutil.copytree(folder, saved)
    SearchIndex.open(folder).add([Article(id="new", title="المغرب", body="المغرب والرباط")])
    for name in before - {f.name for f in folder.iterdir()}:  # what the commit deleted
        shutil.copy(saved / name, folder / name)
    old_shard = shard.Shard(saved)
    one_shard = shard.Shard(folder)
    old, last = old_shard.state().generation, one_shard.state().generation
    assert last > old

    def found(at, generation):
        request = Request.of("المغرب", 10, DEFAULT, "any", None, None, "score", False, False)
        plan = planning.plan(at.index.searcher(DEFAULT, generation), at.index.meta, request)
        stats = at.statistics(generation, statistics.query_terms(plan))
        return at.find(generation, "r:1", request, plan, stats)

    then, now = found(one_shard, old), found(one_shard, last)
    assert then.generation == old and now.generation == last
    assert [e.id for e in then.entries] == [e.id for e in found(old_shard, None).entries]
    assert "new" in [e.id for e in now.entries] and "new" not in [e.id for e in then.entries]
    with pytest.raises(MissingCommit, match=f"commit {last + 1} is not here"):
        found(one_shard, last + 1)


def test_a_page_is_asked_again_when_a_shard_moved_on(three, monkeypatch):
    """A shard that committed between finding a page and building its hits says so
    (StaleRequest); the coordinator asks the whole request again, once."""
    before = three.search("مكافحة الإرهاب", exact_total=True)
    hits, stale = shard.Shard.hits, []

    def moved_on_once(one_shard, request_id, wanted, snippets):
        if not stale:
            stale.append(request_id)
            raise StaleRequest(f"request {request_id}: ask again")
        return hits(one_shard, request_id, wanted, snippets)

    monkeypatch.setattr(shard.Shard, "hits", moved_on_once)
    again = three.search("مكافحة الإرهاب", exact_total=True)
    assert stale and (again.total, again.hits) == (before.total, before.hits)
