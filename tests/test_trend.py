"""`searcharc trend` and ``SearchIndex.trend`` (issue 26) against a brute-force count over the
stored dates of a generated archive: every period kind (ISO weeks across a year's end),
relative shares, undated articles, --since/--until, --source, deletions; the same through
the command line (table, JSON against its schema, CSV) and from an index of three shards."""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from collections import Counter
from datetime import date, timedelta
from importlib import resources
from itertools import pairwise

import pytest
from conftest import run_in_process
from jsonschema import validate
from rich.console import Console

from searcharc import SearchIndex, jsonout
from searcharc.analysis.normalize import normalize
from searcharc.cli import chart
from searcharc.dates import MONTHS
from searcharc.index.indexing import IndexOptions, run_index
from searcharc.months import MONTH_NAMES, PERIODS, period_name

SCHEMA = json.loads(resources.files("searcharc").joinpath("data/trend.schema.json").read_text())
WORDS = ("اليمن", "داعش", "النفط", "الرياض", "صنعاء", "الحوثي", "الأسعار", "القمة")
SOURCES = ("الرياض", "عكاظ", "الوطن")
FIRST = date(2014, 11, 20)  # the archive's days: across a year's end (ISO week 2015-W01)
DELETED = ("t0003", "t0050", "t0101")
QUERIES = ("اليمن", "داعش OR صنعاء", '"النفط الأسعار"', "الحوثي -اليمن", "القمة")


def archive() -> list[dict]:
    rng = random.Random(26)
    records = []
    for n in range(360):
        words = [rng.choice(WORDS) for _ in range(rng.randint(1, 5))]
        record = {"id": f"t{n:04d}", "title": "", "text": " ".join(words) + f" رقم {n}"}
        if rng.random() < 0.9:
            record["date"] = (FIRST + timedelta(days=rng.randrange(120))).isoformat()
        if rng.random() < 0.85:
            record["source"] = rng.choice(SOURCES)
        records.append(record)
    return records


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return [r for r in archive() if r["id"] not in DELETED]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[int, SearchIndex]:
    """The archive as one index and as three shards, three articles removed after."""
    dump = tmp_path_factory.mktemp("trend") / "archive.jsonl"
    dump.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in archive()))
    found = {}
    for count in (1, 3):
        target = tmp_path_factory.mktemp(f"trend{count}") / "index"
        assert run_index([dump], target, IndexOptions(jobs=1, shards=count)).exit_status == 0
        SearchIndex.open(target, parallel=False).remove(DELETED)
        found[count] = SearchIndex.open(target, parallel=False)
    return found


LABELS = {"day": "%Y-%m-%d", "week": "%G-W%V", "month": "%Y-%m", "year": "%Y"}


def key(day: date, by: str) -> str:
    """A period's label, from the calendar (not from the module under test)."""
    return day.strftime(LABELS[by])


def brute(index: SearchIndex, records, query, by, since=None, until=None, source=None):
    """(per period label, undated, total) of a query, from the dates its matches store, and
    all the articles per period."""
    found = index.search(query, limit=10_000, exact_total=True, snippets=False, suggest=False)
    by_id = {r["id"]: r for r in records}
    counts, articles, undated = Counter(), Counter(), 0
    for hit in found.hits:
        record = by_id[hit.id]
        if source and record.get("source") != source:
            continue
        day = record.get("date") and date.fromisoformat(record["date"])
        if (since or until) and not (day and (since or day) <= day <= (until or day)):
            continue
        if day:
            counts[key(day, by)] += 1
        else:
            undated += 1
    for record in records:
        day = record.get("date") and date.fromisoformat(record["date"])
        if day and (since or day) <= day <= (until or day):
            articles[key(day, by)] += 1
    return counts, undated, sum(counts.values()) + undated, articles


@pytest.mark.parametrize("by", PERIODS)
@pytest.mark.parametrize(
    "window",
    [{}, {"since": date(2014, 12, 29), "until": date(2015, 2, 2)}, {"source": "عكاظ"}],
)
def test_trend_is_the_brute_force_count(built, records, by, window):
    one = built[1]
    found = one.trend(list(QUERIES), by=by, relative=True, **window)
    labels = [p.label for p in found.periods]
    assert labels == sorted(set(labels)) and all(key(p.start, by) == p.label for p in found.periods)
    for series in found.series:
        counts, undated, total, articles = brute(one, records, series.query, by, **window)
        assert {k: n for k, n in zip(labels, series.counts, strict=True) if n} == dict(counts)
        assert (series.undated, series.total) == (undated, total), series.query
        if not window.get("source"):  # all the articles, as the shares' denominators
            assert {k: n for k, n in zip(labels, found.articles, strict=True) if n} == {
                k: n for k, n in articles.items() if k in labels
            }
        shares = [n / a if a else 0.0 for n, a in zip(series.counts, found.articles, strict=True)]
        assert series.shares == pytest.approx(shares)
        assert series.peak == (
            max(range(len(shares)), key=shares.__getitem__) if total > undated else None
        )
    if "since" in window:  # the periods span the dates asked, every one of them
        assert labels[0] == key(window["since"], by) and labels[-1] == key(window["until"], by)
    assert found == built[3].trend(list(QUERIES), by=by, relative=True, **window)


def test_every_period_between_the_first_and_last_match(built):
    found = built[1].trend(["القمة"], by="week")
    starts = [p.start for p in found.periods]
    assert all(b - a == timedelta(days=7) and b.weekday() == 0 for a, b in pairwise(starts))
    assert "2015-W01" in [p.label for p in found.periods]  # ISO: 2014-12-29 to 2015-01-04
    assert found.series[0].shares is None  # not asked


def test_a_query_that_matches_nothing(built):
    found = built[1].trend(["كلمةغائبة"], by="month")
    assert (found.periods, found.series[0].total, found.series[0].peak) == ([], 0, None)


def cli(capsys, built_dir, *args: str) -> tuple[int, str, str]:
    return run_in_process(capsys, "trend", *args, "--index", str(built_dir))


def test_the_command_line_json_csv_and_table(built, capsys):
    index = built[1]
    asked = ["اليمن", "داعش OR صنعاء"]
    expected = index.trend(asked, by="month", relative=True)
    code, out, err = cli(capsys, index.path, *asked, "--by", "month", "--relative", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    validate(data, SCHEMA)
    assert data == json.loads(jsonout.to_json(jsonout.trend_dict(expected)))
    code, out, _ = cli(capsys, index.path, *asked, "--by", "month", "--relative", "--csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "period",
        "start",
        "articles",
        "اليمن",
        "اليمن share",
        asked[1],
        f"{asked[1]} share",
    ]
    assert [r[0] for r in rows[1:-1]] == [p.label for p in expected.periods]
    assert [int(r[5]) for r in rows[1:-1]] == expected.series[1].counts
    assert rows[-1][:4] == ["undated", "", "", str(expected.series[0].undated)]
    code, out, _ = cli(capsys, index.path, *asked, "--by", "month")
    lines = out.splitlines()
    assert lines[0].split("\t") == ["period", *asked, "articles"]
    assert [int(line.split("\t")[1]) for line in lines[1 : 1 + len(expected.periods)]] == (
        expected.series[0].counts
    )
    total = expected.series[0]
    assert (
        f"«اليمن»: {total.total:,} articles, peak " in out and f"{total.undated:,} undated" in out
    )


def test_exit_status(built, capsys):
    assert cli(capsys, built[1].path, "كلمةغائبة")[0] == 1
    code, _, err = cli(capsys, built[1].path, "اليمن", "--since", "2015-02-30")
    assert code == 2 and err.startswith("searcharc: not an ISO date")
    code, _, err = cli(capsys, built[1].path, "اليمن", "--json", "--csv")
    assert code == 2 and "one output format" in err
    assert cli(capsys, built[3].path, "اليمن", "--json")[0] == 0


def test_the_chart_names_the_peak_in_arabic(built):
    found = built[1].trend(["اليمن", "داعش"], by="month")
    console = Console(record=True, width=100, color_system=None)
    chart.print_chart(found, console, "levant", str)
    text = console.export_text()
    peak = found.series[0].peak
    assert period_name(found.periods[peak].start, "month", "levant") in text
    assert "◀ peak" in text and "\u2068اليمن\u2069" in text and "undated (not in the chart)" in text
    assert "كانون الثاني 2015" in text  # the Levantine January
    console = Console(record=True, width=100, color_system=None)
    chart.print_chart(built[1].trend(["اليمن", "داعش"], by="day"), console, "egypt", str)
    text = console.export_text()  # 120 days of two queries: a sparkline each
    assert "▁" in text or "█" in text
    assert "نوفمبر 2014" in text and "◀ peak" not in text


def test_month_names_are_those_articles_write():
    """Each form's names are month names ``dates`` reads in articles, in order."""
    for names in MONTH_NAMES.values():
        assert [MONTHS[" ".join(normalize(w) for w in n.split())] for n in names] == list(
            range(1, 13)
        )


def test_the_fast_path_reads_a_trend_as_typer_does():
    """`searcharc trend` runs without Typer when its arguments parse plainly: the same
    options, defaults and choices as the Typer command (cli/trend.py) declares."""
    import inspect

    from searcharc.cli import trend
    from searcharc.cli.launch import parse_trend_args

    read = parse_trend_args(["trend", "اليمن", "--by=week", "داعش", "--relative", "--json"])
    declared = inspect.signature(trend.trend_command).parameters
    assert set(read) == set(declared)
    for name, parameter in declared.items():
        if name not in ("queries", "by", "relative", "json_out"):
            assert read[name] == getattr(parameter.default, "value", parameter.default), name
    assert (read["queries"], read["by"], read["relative"], read["json_out"]) == (
        ["اليمن", "داعش"],
        "week",
        True,
        True,
    )
    for typer_reads in (["trend"], ["trend", "x", "--by", "decade"], ["trend", "x", "--help"]):
        assert parse_trend_args(typer_reads) is None


def test_a_trend_runs_without_the_typer_application(built, monkeypatch, capsys):
    from searcharc.cli import launch

    monkeypatch.setitem(sys.modules, "searcharc.cli.app", None)  # importing it now fails
    argv = ["searcharc", "trend", "اليمن", "--index", str(built[1].path), "--json"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:
        launch.main()
    assert exited.value.code == 0
    assert json.loads(capsys.readouterr().out)["series"][0]["query"] == "اليمن"


def test_shards_in_worker_processes_one_of_them_empty(tmp_path, seeds_dir, seed_index):
    """The five seeds in three shards leave one empty: its reader names no commit, which its
    worker compared with the commit asked (a TypeError: every search of such an index in
    worker processes failed, --batch and a trend of several queries too)."""
    target = tmp_path / "index"
    assert run_index([seeds_dir], target, IndexOptions(jobs=1, shards=3)).exit_status == 0
    index = SearchIndex.open(target, parallel=True)
    try:
        asked = ["الرباط", "مكافحة الإرهاب"]
        assert index.trend(asked, by="year") == seed_index.trend(asked, by="year")
        assert index.search("الرباط").total == seed_index.search("الرباط").total
    finally:
        index.close()
