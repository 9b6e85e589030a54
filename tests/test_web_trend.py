"""The chronicle on the web: GET /api/trend is `searcharc trend --json`; /trend and the results
page draw it as an SVG (a <title>, the numbers as a table, Arabic month names, time right to
left), each bar a link whose search finds as many articles as the bar counts."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jsonschema
import pytest
from conftest import ROOT, run_cli, served
from test_serve import get_json, request

from searcharc.months import MONTH_NAMES
from searcharc.web.chart import choose, period_end

TREND_SCHEMA = json.loads((ROOT / "searcharc/data/trend.schema.json").read_text("utf-8"))
FIRST = date(2015, 7, 21)
YEMEN, ISIS = "اليمن", "داعش"


def make_archive(folder: Path) -> Path:
    """Three weeks of 2015 in an index at ``folder``: «اليمن» every day (twice on Sundays),
    «داعش» every third day, two sources, and two undated articles."""
    from searcharc import SearchIndex
    from searcharc.records import Article

    articles = []
    for n in range(21):
        day = FIRST + timedelta(days=n)
        for k in range(2 if day.weekday() == 6 else 1):
            source = "سبق" if (n + k) % 2 else "عكاظ"
            body = f"أخبار {YEMEN} اليوم {n}"
            articles.append(Article(f"y{n}-{k}", "خبر", body, source, day.isoformat()))
        if n % 3 == 0:
            articles.append(Article(f"d{n}", "خبر", f"تنظيم {ISIS} {n}", "عكاظ", day.isoformat()))
    articles += [Article(f"u{n}", "خبر", f"{YEMEN} بلا تاريخ {n}") for n in range(2)]
    SearchIndex.create(folder).add(articles)
    return folder


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("trend-index"))


@pytest.fixture(scope="module")
def server(archive: Path):
    with served(archive, "--workers", "1") as base:
        yield base


def cli_trend(archive: Path, queries: list[str], *options: str) -> dict:
    proc = run_cli("trend", *queries, *options, "--json", "--index", str(archive))
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    "options",
    [
        {"by": "day"},
        {"by": "week", "relative": "true"},
        {"since": "2015-07-25", "until": "2015-08-02", "source": "عكاظ"},
        {"by": "month", "match": "all"},
    ],
)
def test_api_trend_is_the_cli_json(server, archive, options):
    params = [("q", YEMEN), ("q", ISIS), *options.items()]
    status, headers, body = request(server, "/api/trend?" + urlencode(params))
    assert status == 200 and headers["content-type"].startswith("application/json")
    api = json.loads(body)
    flags = []
    for name, value in options.items():
        flags += [f"--{name}"] if value == "true" else [f"--{name}", value]
    assert api == cli_trend(archive, [YEMEN, ISIS], *flags)
    jsonschema.Draft202012Validator(TREND_SCHEMA).validate(api)
    assert api["series"][0]["counts"] and any(api["series"][1]["counts"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([], "give a query"),
        ([("q", YEMEN)] * 9, "at most 8 queries"),
        ([("q", YEMEN), ("by", "decade")], "by: one of day, week, month, year"),
        ([("q", YEMEN), ("relative", "maybe")], "relative: true or false"),
        ([("q", YEMEN), ("since", "2015-13-01")], "not an ISO date"),
    ],
)
def test_bad_trend_requests_are_a_400_in_one_line(server, params, message):
    status, api = get_json(server, "/api/trend?" + urlencode(params))
    assert status == 400 and message in api["error"] and "\n" not in api["error"]
    status, _, page = request(server, "/trend?" + urlencode(params))
    assert (status, message in unescape(page)) == ((400, True) if params else (200, False))


def bars(page: str) -> list[tuple[float, str, str]]:
    """Each bar of the page's chart: its x, its link and its title."""
    found = re.findall(
        r'<a href="([^"]+)"><rect class="s\d" x="([\d.]+)"[^>]*><title>([^<]*)</title>', page
    )
    return [(float(x), unescape(href), unescape(title)) for href, x, title in found]


def test_the_trend_page_draws_the_api_numbers(server):
    params = [("q", YEMEN), ("q", ISIS), ("by", "day"), ("months", "levant")]
    _, api = get_json(server, "/api/trend?" + urlencode(params))
    status, _, page = request(server, "/trend?" + urlencode(params))
    assert status == 200
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and re.search(r"<title id=\"chart-title\">[^<]+</title>", svg)
    drawn = bars(page)
    assert len(drawn) == 2 * len(api["periods"])
    days = [x for x, _, title in drawn if title.startswith(f"«{YEMEN}»")]
    assert days == sorted(days, reverse=True)  # the first day at the right, as Arabic reads
    assert "تموز" in unescape(page) and "آب" in unescape(page)  # levant month names
    table = unescape(page[page.index("<table") : page.index("</table>")])
    cells = re.findall(r"<tr><th scope=\"row\">[^<]+</th><td>(\d+)</td><td>(\d+)</td>", table)
    counts = [[int(a) for a, _ in cells], [int(b) for _, b in cells]]
    assert counts == [s["counts"] for s in api["series"]]
    assert "2 بلا تاريخ" in unescape(page)  # «اليمن»'s undated articles, said


def test_each_bar_narrows_the_search_to_its_period(server):
    status, _, page = request(server, "/?" + urlencode({"q": YEMEN}))
    assert status == 200
    assert page.index("<svg") < page.index('<ol class="hits"')  # the chart above the hits
    drawn = bars(page)
    assert len(drawn) == 21  # three weeks: by day
    assert any(name in unescape(page) for name in MONTH_NAMES["egypt"])
    for _, href, title in drawn[:8]:
        asked = parse_qs(urlsplit(href).query)
        assert asked["since"] == asked["until"]  # a day
        _, found = get_json(
            server, "/api/search", q=asked["q"][0], since=asked["since"][0], until=asked["until"][0]
        )
        assert found["total"] == int(title.rsplit(": ", 1)[1])
    assert "/trend?" in page  # on to compare it with other queries


def test_the_results_page_chooses_its_periods():
    assert choose(1) == choose(3) == "day"
    assert choose(4) is choose(120) is None
    assert choose(121) == "year"
    assert period_end(date(2015, 2, 1), "month") == date(2015, 2, 28)
    assert period_end(date(2015, 7, 20), "week") == date(2015, 7, 26)


def test_the_openapi_lists_the_trend_options():
    from searcharc.options import TREND
    from searcharc.web.openapi import openapi

    listed = openapi({"$defs": {}})["paths"]["/api/trend"]["get"]["parameters"]
    assert [p["name"] for p in listed] == [o.web for o in TREND if o.web]
    assert listed[0]["required"] and listed[0]["schema"] == {
        "type": "array",
        "items": {"type": "string"},
    }
    assert {p["name"]: p["schema"]["type"] for p in listed}["relative"] == "boolean"
