"""`searcharc serve`: a real server on a free port, its API against the CLI's JSON, its pages,
its refusals (400/404, oversized requests), escaping and a live index update."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import threading
import time
from datetime import date
from html import unescape
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import jsonschema
import pytest
from conftest import ROOT, run_cli, served

from searcharc.web.markup import marked, narrowed, page_numbers
from searcharc.web.server import is_loopback

SCHEMA = json.loads((ROOT / "searcharc/data/query.schema.json").read_text("utf-8"))
TREND_SCHEMA = json.loads((ROOT / "searcharc/data/trend.schema.json").read_text("utf-8"))
QUERIES = [
    {"q": "مكافحة الإرهاب"},
    {"q": '"مكافحة الإرهاب"'},
    {"q": "بلينكين"},  # did you mean
    {"q": "الإرهاب -الجزائر", "limit": "2", "offset": "1"},
    {"q": "الإرهاب", "sort": "date"},
    {"q": "الإرهاب", "since": "2021-01-01", "until": "2024-12-31"},
    {"q": "مكافحة الإرهاب", "match": "all"},
    {"q": "source:هسبريس OR title:بلينكن"},
    {"q": "كلمةغيرموجودةأبدا"},
]
UNREADABLE = ['"', "OR", "*", "date:2023-13", "الارهب~3"]
HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def request(base: str, path: str) -> tuple[int, dict, str]:
    """GET ``path`` exactly as given (no normalizing of ../): status, headers, body."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def get_json(base: str, path: str, **params: str) -> tuple[int, object]:
    status, headers, body = request(base, path + ("?" + urlencode(params) if params else ""))
    assert headers["content-type"].startswith("application/json"), (path, body[:200])
    return status, json.loads(body)


def cli_json(*args: str) -> object:
    proc = run_cli(*args)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def without_took(result: dict) -> dict:
    assert result["took_ms"] >= 0
    return {k: v for k, v in result.items() if k != "took_ms"}


def cli_query_args(params: dict[str, str]) -> list[str]:
    args = ["query", params["q"], "--json"]
    for name, value in params.items():
        if name != "q":
            args += [f"--{name}", value]
    return args


def schema_of(name: str) -> dict:
    return {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{name}"} if name else SCHEMA


def check_schema(data: object, name: str = "") -> None:
    jsonschema.Draft202012Validator(schema_of(name)).validate(data)


@pytest.fixture(scope="module")
def server(seed_index_dir: Path):
    with served(seed_index_dir) as base:
        yield base


@pytest.fixture(scope="module")
def article_id(seed_index_dir: Path) -> str:
    return cli_json("query", "مكافحة الإرهاب", "--json", "--index", str(seed_index_dir))["hits"][0][
        "id"
    ]


# the API is the CLI's JSON


@pytest.mark.parametrize("params", QUERIES, ids=lambda p: " ".join(p.values()))
@pytest.mark.slow
def test_api_search_is_the_cli_json(server, seed_index_dir, params):
    status, api = get_json(server, "/api/search", **params)
    cli = cli_json(*cli_query_args(params), "--index", str(seed_index_dir))
    assert status == 200
    check_schema(api)
    assert without_took(api) == without_took(cli)


def test_api_search_finds_and_suggests(server):
    _, found = get_json(server, "/api/search", q="مكافحة الإرهاب")
    assert found["total"] == 5 and found["hits"][0]["snippets"][0]["highlights"]
    _, typo = get_json(server, "/api/search", q="بلينكين")
    assert [s["query"] for s in typo["suggestions"]] == ["بلينكن"]


@pytest.mark.parametrize("query", UNREADABLE)
@pytest.mark.slow
def test_an_unreadable_query_is_a_400_with_the_cli_message(server, seed_index_dir, query):
    status, api = get_json(server, "/api/search", q=query)
    proc = run_cli("query", query, "--index", str(seed_index_dir))
    assert status == 400 and proc.returncode == 2
    check_schema(api, "error")
    assert proc.stderr.strip() == f"searcharc: {api['error']}"


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x", "since": "2023-02-30"},
        {"q": "x", "limit": "0"},
        {"q": "x", "limit": "ten"},
        {"q": "x", "offset": "-1"},
        {"q": "x", "sort": "title"},
        {"q": "x", "match": "some"},
        {},
    ],
)
def test_bad_parameters_are_a_400_in_one_line(server, params):
    status, api = get_json(server, "/api/search", **params)
    assert status == 400 and list(api) == ["error"] and "\n" not in api["error"]


def test_a_bad_date_has_the_cli_message(server, seed_index_dir):
    _, api = get_json(server, "/api/search", q="x", since="2023-02-30")
    proc = run_cli("query", "x", "--since", "2023-02-30", "--index", str(seed_index_dir))
    assert proc.stderr.strip() == f"searcharc: {api['error']}"


@pytest.mark.slow
def test_api_article_is_show_json(server, seed_index_dir, article_id):
    path = "/api/articles/" + quote(article_id, safe="")
    status, api = get_json(server, path, q="الإرهاب")
    cli = cli_json(
        "show", article_id, "--highlight", "الإرهاب", "--json", "--index", str(seed_index_dir)
    )
    assert status == 200 and api == cli and api["highlights"]
    check_schema(api, "article")
    start, end = api["highlights"][0]
    assert "رهاب" in api["body"][start:end]


@pytest.mark.slow
def test_api_similar_is_similar_json(server, seed_index_dir, article_id):
    status, api = get_json(server, "/api/similar/" + quote(article_id, safe=""))
    cli = cli_json("similar", article_id, "--json", "--index", str(seed_index_dir))
    assert status == 200 and api == cli and api
    for item in api:
        check_schema(item, "similar")


@pytest.mark.slow
def test_api_analyze_is_analyze_json(server):
    status, api = get_json(server, "/api/analyze", text="وَالكِتَابُ الإرهابية", stemmer="isri")
    assert status == 200
    assert api == cli_json("analyze", "وَالكِتَابُ الإرهابية", "--stemmer", "isri", "--json")
    for token in api:
        check_schema(token, "token")
    status, error = get_json(server, "/api/analyze", text="x", stemmer="porter")
    assert status == 400 and error["error"]


@pytest.mark.slow
def test_api_stats_is_stats_json(server, seed_index_dir):
    status, api = get_json(server, "/api/stats")
    assert status == 200 and api == cli_json("stats", "--json", "--index", str(seed_index_dir))
    check_schema(api, "stats")


def test_the_openapi_document_uses_the_shipped_schema(server):
    status, doc = get_json(server, "/api/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {
        "/api/search",
        "/api/articles/{id}",
        "/api/similar/{id}",
        "/api/analyze",
        "/api/trend",
        "/api/stats",
    }
    schemas = doc["components"]["schemas"]
    assert set(SCHEMA["$defs"]) | set(TREND_SCHEMA["$defs"]) | {"result", "trend"} == set(schemas)
    assert schemas["trend"]["required"] == TREND_SCHEMA["required"]
    assert schemas["result"]["required"] == SCHEMA["required"]
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(doc))
    assert refs and all(ref.startswith("#/components/") for ref in refs)


# unknown ids, and ids that try to reach files


@pytest.mark.parametrize(
    "article",
    [
        "no-such-article.txt",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "../../../etc/passwd",
        "%2e%2e%2f%2e%2e%2fsearcharc.json",
        "..%5C..%5Csearcharc.json",
        "%00",
        "000_934a0f4bb6c41b95.txt%00.json",
        "searcharc.json",
        "MAIN_WRITELOCK",
    ],
)
def test_unknown_ids_are_404_and_reach_no_file(server, article):
    for prefix in ("/api/articles/", "/api/similar/"):
        status, headers, body = request(server, prefix + article)
        assert status == 404, (prefix, article, body)
        assert list(json.loads(body)) == ["error"]
        assert "root:" not in body and "analyzer_version" not in body
    status, _, body = request(server, "/articles/" + article)
    assert status == 404 and '<html lang="ar" dir="rtl">' in body
    assert "Traceback" not in body


def test_an_unknown_path_is_404(server):
    assert request(server, "/api/nothing")[0] == 404
    assert request(server, "/nothing")[0] == 404


def test_oversized_requests_are_refused_not_failed(server):
    big_query = "/api/search?" + urlencode({"q": "ا" * 50_000})  # 100 KB of UTF-8
    many = "/api/search?q=x&" + "&".join(f"p{i}=1" for i in range(10_000))
    for path in (big_query, many, "/?" + urlencode({"q": "x" * 100_000})):
        status, _, body = request(server, path)
        assert status in (400, 413, 414, 431), (status, body[:200])
        assert "Traceback" not in body


# pages


def page(server: str, path: str = "/", **params: str) -> tuple[int, dict, str]:
    return request(server, path + ("?" + urlencode(params) if params else ""))


def test_every_page_is_arabic_rtl_with_a_csp(server, article_id):
    for path in ("/", "/?q=x", "/articles/" + quote(article_id, safe=""), "/stats", "/nothing"):
        _, headers, body = request(server, path)
        assert body.startswith('<!doctype html>\n<html lang="ar" dir="rtl">'), path
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "<script" not in body
    _, headers, _ = request(server, "/api/stats")
    assert "content-security-policy" in headers


@pytest.mark.slow
def test_the_results_page_shows_the_cli_hits(server, seed_index_dir):
    status, _, body = page(server, q="مكافحة الإرهاب")
    cli = cli_json("query", "مكافحة الإرهاب", "--json", "--index", str(seed_index_dir))
    assert status == 200 and "5 مقالة تطابق" in body
    for hit in cli["hits"]:
        assert f'href="/articles/{quote(hit["id"], safe="")}?q=' in body
        for snippet in hit["snippets"]:
            html = "".join(
                f"<mark>{p}</mark>" if m else p
                for p, m in marked(snippet["text"], snippet["highlights"])
            )
            assert html in unescape(body)


def test_the_results_page_links_did_you_mean(server):
    _, _, body = page(server, q="بلينكين")
    assert f'href="/?q={quote("بلينكن")}"' in body


def test_facets_count_the_results_and_narrow_them(server, seed_index_dir):
    _, _, body = page(server, q="الإرهاب")
    facets = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="count">(\d+)</span>', body)
    assert {name for _, name, _ in facets} >= {"هسبريس", "2023"}
    for link, name, count in facets:
        _, api = get_json(server, "/api/search?" + unescape(link).split("?", 1)[1])
        assert api["total"] == int(count), (name, api["query"])


def test_pages_of_results(server):
    _, _, first = page(server, q="الإرهاب", limit="2")
    assert 'aria-current="page">1<' in first and 'rel="next"' in first
    next_link = unescape(re.search(r'<a rel="next" href="([^"]+)"', first).group(1))
    _, _, second = request(server, next_link)
    assert '<ol class="hits" start="3">' in second and 'rel="prev"' in second


def test_a_bad_query_on_the_page_is_a_400_page(server):
    status, _, body = page(server, q="date:2023-13")
    assert status == 400 and "date:2023-13 is not a date" in body


def test_the_article_page_highlights_and_lists_similar_articles(server, article_id):
    status, _, body = page(server, "/articles/" + quote(article_id, safe=""), q="الإرهاب")
    assert status == 200 and "<mark>" in body and "مقالات مشابهة" in body
    assert "كلمات مشتركة" in body


def test_the_stats_page(server):
    status, _, body = page(server, "/stats")
    assert status == 200 and "المقالات</th><td>5<" in body


# hostile articles and queries are text


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    from searcharc import SearchIndex
    from searcharc.records import Article

    path = tmp_path_factory.mktemp("hostile")
    payload = " ".join(HOSTILE)
    SearchIndex.create(path).add(
        [
            Article(
                id='evil"><script>alert(1)</script>',
                title=f"مكافحة الإرهاب {payload}",
                body=f"مكافحة الإرهاب {payload}\nنص الخبر {payload}",
                source=HOSTILE[1],
                date="2024-01-02",
                url="javascript:alert(1)",
                author=HOSTILE[0],
            ),
            Article(id="plain", title="خبر", body="مكافحة الإرهاب في المنطقة"),
        ]
    )
    with served(path) as base:
        yield base


def assert_inert(body: str) -> None:
    assert "<script" not in body.lower()
    assert "<img" not in body.lower()
    assert not re.search(r"(href|src)=\S*javascript:", body.lower())  # shown only as text


@pytest.mark.slow
def test_article_text_is_escaped_everywhere(hostile_server):
    evil = quote('evil"><script>alert(1)</script>', safe="")
    for path in (
        "/?" + urlencode({"q": "مكافحة الإرهاب"}),
        "/?" + urlencode({"q": "alert"}),
        f"/articles/{evil}?" + urlencode({"q": "alert"}),
        f"/articles/{evil}",
        "/stats",
    ):
        status, _, body = request(hostile_server, path)
        assert status == 200, path
        assert_inert(body)
        assert "&lt;img src=x onerror=alert(1)&gt;" in body, path  # title, body or source
        assert path == "/stats" or "&lt;script&gt;alert(1)&lt;/script&gt;" in body, path
    _, _, body = request(hostile_server, f"/articles/{evil}")
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in body


@pytest.mark.slow
def test_the_query_is_escaped(hostile_server):
    for hostile in HOSTILE:
        status, _, body = request(hostile_server, "/?" + urlencode({"q": hostile}))
        assert status == 200 and "&lt;" in body
        assert_inert(body)
        status, _, body = request(
            hostile_server, "/?" + urlencode({"q": hostile, "since": hostile})
        )
        assert status == 400 and "&lt;" in body
        assert_inert(body)


# the server itself


def test_loopback_hosts():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


def test_serving_off_the_loopback_warns(seed_index, monkeypatch):
    from searcharc.errors import SearcharcError
    from searcharc.web import server as serve

    said: list[str] = []

    def refuse(host: str, port: int):
        raise SearcharcError("stop here")  # nothing is bound in a test

    monkeypatch.setattr(serve, "listen", refuse)
    for host in ("127.0.0.1", "0.0.0.0"):
        with pytest.raises(SearcharcError):
            serve.serve(seed_index, host, 0, said.append)
    assert said == [
        "searcharc: warning: serving on 0.0.0.0: anyone who can reach it can read the index"
    ]


@pytest.mark.slow
def test_a_busy_port_is_one_line_and_status_2(seed_index_dir):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_cli("serve", "--index", str(seed_index_dir), "--port", str(port))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"searcharc: cannot listen on 127.0.0.1:{port}")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_page_helpers():
    assert page_numbers(1, 1) == [1] and page_numbers(5, 20) == [1, 3, 4, 5, 6, 7, 20]
    assert page_numbers(1, 0) == []
    assert marked("abcdef", [(1, 2), (3, 5)]) == [
        ("a", False),
        ("b", True),
        ("c", False),
        ("de", True),
        ("f", False),
    ]
    assert narrowed("x", "source", 'a"b') == 'x source:"a b"'
    assert narrowed("x", "date", "2023") == "x date:2023"


NEW_ARTICLE = "خبر جديد عن الطاقة الشمسية الكهروضوئية في الصحراء الكبرى"


@pytest.mark.slow
def test_the_server_serves_articles_indexed_while_it_runs(tmp_path):
    """While `searcharc index` adds articles the server keeps answering; after the commit it
    serves them, without a restart (and no longer serves one that `searcharc remove` took out)."""
    from searcharc.index.indexing import run_index

    index = tmp_path / "index"
    run_index([ROOT / "seeds"], index)
    more = tmp_path / "more"
    more.mkdir()
    for i in range(40):
        (more / f"new_{i:02}.txt").write_text(f"عنوان {i}\n\n{NEW_ARTICLE} {i}\n" * 5, "utf-8")
    with served(index) as base:
        _, before = get_json(base, "/api/search", q="الكهروضوئية")
        assert before["total"] == 0
        answers: list[tuple[int, int]] = []
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                status, api = get_json(base, "/api/search", q="مكافحة الإرهاب")
                answers.append((status, api.get("total", -1)))

        asker = threading.Thread(target=ask)
        asker.start()
        started = time.monotonic()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "searcharc",
                "index",
                str(more),
                "--index",
                str(index),
                "--quiet",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        stop.set()
        asker.join()
        assert proc.returncode == 0, proc.stderr
        assert len(answers) >= 2 and all(a == (200, 5) for a in answers), answers
        assert time.monotonic() - started < 120
        _, after = get_json(base, "/api/search", q="الكهروضوئية", limit="50")
        assert after["total"] == 40
        status, article = get_json(base, "/api/articles/new_07.txt")
        assert status == 200 and NEW_ARTICLE in article["body"]
        _, stats = get_json(base, "/api/stats")
        assert stats["documents"] == 45
        assert run_cli("remove", "new_07.txt", "--index", str(index)).returncode == 0
        assert get_json(base, "/api/articles/new_07.txt")[0] == 404
        assert get_json(base, "/api/search", q="الكهروضوئية", limit="50")[1]["total"] == 39


def test_facets_stay_right_across_commits(tmp_path):
    """Facet keys are remembered per segment: adding and removing articles keeps them right."""
    from searcharc import SearchIndex
    from searcharc.records import Article

    def article(n: int, source: str, day: str) -> Article:
        return Article(id=f"a{n}", title="خبر", body=f"الطاقة الشمسية {n}", source=source, date=day)

    index = SearchIndex.create(tmp_path)
    index.add([article(1, "سبق", "2015-07-21"), article(2, "عكاظ", "2014-01-02")])
    first = index.search("الشمسية", facets=True).facets
    assert first.by_source == {"سبق": 1, "عكاظ": 1} and first.by_year == {"2015": 1, "2014": 1}
    index.add([article(3, "سبق", "2015-08-01"), article(4, "الرياض", "2015-08-02")])
    second = index.search("الشمسية", facets=True).facets
    assert second.by_source == {"سبق": 2, "عكاظ": 1, "الرياض": 1}
    assert second.by_year == {"2015": 3, "2014": 1}
    index.remove(["a1"])
    third = index.search("الشمسية", facets=True, since=date(2015, 1, 1)).facets
    assert third.by_source == {"سبق": 1, "الرياض": 1} and third.by_year == {"2015": 2}


def test_the_facets_of_a_large_result_are_counted_once_a_commit(tmp_path, monkeypatch):
    """Another page of a large result reuses its counts; a commit counts them again."""
    from searcharc import SearchIndex
    from searcharc.records import Article
    from searcharc.search import facets

    counted: list[int] = []
    count = facets.count
    monkeypatch.setattr(facets, "LARGE", 3)
    monkeypatch.setattr(facets, "count", lambda s, d: counted.append(1) or count(s, d))

    def article(n: int, source: str) -> Article:
        return Article(id=f"a{n}", title="خبر", body=f"الطاقة الشمسية {n}", source=source)

    index = SearchIndex.create(tmp_path)
    index.add([article(n, "سبق" if n % 2 else "عكاظ") for n in range(6)])
    first = index.search("الشمسية", limit=2, facets=True)
    second = index.search("الشمسية", limit=2, offset=2, facets=True)
    assert len(counted) == 1 and first.facets == second.facets
    assert first.total == second.total == 6 and second.total_exact
    assert [h.id for h in first.hits + second.hits] == [
        h.id for h in index.search("الشمسية", limit=4).hits
    ]
    assert index.search("الشمسية", limit=2, facets=True, match="all").facets == first.facets
    assert len(counted) == 2  # another request: counted apart
    index.add([article(9, "الرياض")])
    third = index.search("الشمسية", limit=2, facets=True)
    assert len(counted) == 3 and third.total == 7
    assert third.facets.by_source == {"سبق": 3, "عكاظ": 3, "الرياض": 1}
