"""The ASGI application: Starlette routes for the pages (Jinja2, autoescaped) and the API (the
objects of the CLI's --json) over one open index. Every index call holds one lock (a Whoosh
searcher is not made to be shared by threads)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from importlib import resources
from math import ceil
from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from searcharc import jsonout
from searcharc.analysis import analyze
from searcharc.errors import SearcharcError, ShardUnavailable
from searcharc.options import OPTIONS, TREND_OPTIONS
from searcharc.records import Article
from searcharc.search.searcher import SearchIndex
from searcharc.web.chart import Chart, chart, choose
from searcharc.web.markup import article_url, marked, narrowed, page_numbers, web_url
from searcharc.web.middleware import Guard
from searcharc.web.openapi import openapi
from searcharc.web.params import (
    MAX_QUERIES,
    SearchParams,
    TrendParams,
    api_params,
    page_params,
    read,
    trend_params,
)
from searcharc.web.responses import json_response

SIMILAR = 5  # similar articles under an article
SCHEMAS = ("query.schema.json", "trend.schema.json")  # the objects of the API
TEMPLATES = Path(__file__).parent / "templates"


class Site:
    """The pages and the API over one open index."""

    def __init__(self, index: SearchIndex):
        self.index = index
        self.lock = threading.Lock()
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
        self.env.globals.update(marked=marked, article_url=article_url, web_url=web_url)
        self.style = (TEMPLATES / "style.css").read_text("utf-8")
        data = resources.files("searcharc.data")
        schemas = [json.loads(data.joinpath(n).read_text()) for n in SCHEMAS]
        self.openapi = jsonout.to_json(openapi(*schemas))

    def call(self, method: Callable, *args, **kwargs):
        """An index call, one at a time."""
        with self.lock:
            return method(*args, **kwargs)

    def article_of(self, request: Request) -> Article:
        """The article that the path names, or a 404 (with the CLI's message)."""
        article_id = request.path_params["id"]
        article = self.call(self.index.get, article_id)
        if article is None:
            raise HTTPException(404, f"not in the index: {article_id}")
        return article

    def page(self, name: str, code: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(name).render(**context), code)

    # pages

    def home(self, request: Request) -> Response:
        params = request.query_params
        if not params.get("q", "").strip():
            return self.page("search.html", params=SearchParams(), result=None)
        try:
            chosen = page_params(params)
            result = self.call(chosen.search, self.index, facets=True)
        except SearcharcError as exc:
            chosen = SearchParams(q=params.get("q", ""))
            return self.page("search.html", 400, params=chosen, result=None, error=str(exc))
        current = chosen.offset // chosen.limit + 1
        last = ceil(result.total / chosen.limit)
        months = read(params, TREND_OPTIONS["months"])
        return self.page(
            "search.html",
            params=chosen,
            result=result,
            current=current,
            pages=page_numbers(current, last),
            last=last,
            narrowed=narrowed,
            chart=self.overview(chosen, months) if result.total else None,
            trend_link=TrendParams((chosen.q,), match=chosen.match).query_string(),
        )

    def overview(self, chosen: SearchParams, months: str) -> Chart | None:
        """The results page's chart of the query over time: by month, or by day or year when
        months would show too few bars or too many (None: nothing dated matches)."""
        asked = TrendParams(
            (chosen.q,), since=chosen.since, until=chosen.until, match=chosen.match, months=months
        )
        try:
            trend = self.call(asked.trend, self.index)
            by = choose(len(trend.periods)) if trend.periods else None
            trend = self.call(asked.trend, self.index, by) if by else trend
        except SearcharcError:
            return None
        if not any(trend.series[0].counts):
            return None

        def link(series: int, first, last) -> str:
            return chosen.link(since=first.isoformat(), until=last.isoformat(), offset=0)

        return chart(trend, months, link, relative=False)

    def trend_page(self, request: Request) -> Response:
        params = request.query_params
        try:
            asked = trend_params(params)
            found = self.call(asked.trend, self.index) if asked.queries else None
        except SearcharcError as exc:
            asked = TrendParams(tuple(q for q in params.getlist("q") if q.strip())[:MAX_QUERIES])
            return self.trend_answer(asked, None, 400, str(exc))
        return self.trend_answer(asked, found)

    def trend_answer(self, asked: TrendParams, found, code: int = 200, error: str = "") -> Response:
        """/trend: its form, and the chart of ``found`` (a Trend) or the ``error``."""

        def link(series: int, first, last) -> str:
            narrowed_to = SearchParams(q=asked.queries[series], match=asked.match)
            return narrowed_to.link(since=first.isoformat(), until=last.isoformat())

        drawn = found and chart(found, asked.months, link, asked.relative)
        return self.page(
            "trend.html",
            code,
            params=SearchParams(q=asked.queries[0] if asked.queries else ""),
            trend=asked,
            queries=[*asked.queries, ""][:MAX_QUERIES],
            chart=drawn,
            error=error,
            most=MAX_QUERIES,
        )

    def article(self, request: Request) -> Response:
        article = self.article_of(request)
        q = request.query_params.get("q", "")
        try:
            spans = self.call(self.index.highlight, article.body, q) if q.strip() else []
        except SearcharcError:
            spans = []  # a query that cannot be read highlights nothing
        similar = self.call(self.index.similar, article.id, SIMILAR)
        return self.page(
            "article.html",
            params=SearchParams(q=q),
            article=article,
            spans=spans,
            similar=similar,
            q=q,
        )

    def stats_page(self, request: Request) -> Response:
        return self.page("stats.html", stats=self.call(self.index.stats))

    def stylesheet(self, request: Request) -> Response:
        return Response(self.style, media_type="text/css")

    # API: the objects of the CLI's --json

    def api_search(self, request: Request) -> Response:
        chosen = api_params(request.query_params)
        return json_response(jsonout.result_dict(self.call(chosen.search, self.index)))

    def api_article(self, request: Request) -> Response:
        article = self.article_of(request)
        q = request.query_params.get("q", "")
        spans = self.call(self.index.highlight, article.body, q) if q.strip() else []
        return json_response(jsonout.article_dict(article, spans))

    def api_similar(self, request: Request) -> Response:
        article = self.article_of(request)
        limit = read(request.query_params, OPTIONS["limit"])
        similar = self.call(self.index.similar, article.id, limit)
        return json_response(jsonout.similar_dicts(similar))

    def api_analyze(self, request: Request) -> Response:
        params = request.query_params
        try:
            tokens = analyze(params.get("text", ""), params.get("stemmer") or "light")
        except ValueError as exc:
            raise SearcharcError(str(exc)) from exc
        return json_response(jsonout.tokens_dicts(tokens))

    def api_trend(self, request: Request) -> Response:
        trend = self.call(trend_params(request.query_params).trend, self.index)
        return json_response(jsonout.trend_dict(trend))

    def api_stats(self, request: Request) -> Response:
        return json_response(jsonout.stats_dict(self.call(self.index.stats)))

    def api_openapi(self, request: Request) -> Response:
        return Response(self.openapi, media_type="application/json")

    # errors: one line, never a traceback

    def error(self, request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return json_response({"error": message}, status)
        return self.page("error.html", status, status=status, message=message)

    def bad_request(self, request: Request, exc: SearcharcError) -> Response:
        return self.error(request, 400, str(exc))

    def unavailable(self, request: Request, exc: ShardUnavailable) -> Response:
        """A shard of an index on a cluster with no replica left (503: try again later)."""
        return self.error(request, 503, str(exc))

    def http_error(self, request: Request, exc: HTTPException) -> Response:
        return self.error(request, exc.status_code, exc.detail)

    def internal_error(self, request: Request, exc: Exception) -> Response:
        return self.error(request, 500, f"internal error: {type(exc).__name__}")


def make_app(index: SearchIndex):
    """The ASGI application: pages, API, limits and security headers."""
    site = Site(index)
    routes = [
        Route("/", site.home),
        Route("/articles/{id:path}", site.article),
        Route("/stats", site.stats_page),
        Route("/trend", site.trend_page),
        Route("/static/style.css", site.stylesheet),
        Route("/api/search", site.api_search),
        Route("/api/articles/{id:path}", site.api_article),
        Route("/api/similar/{id:path}", site.api_similar),
        Route("/api/analyze", site.api_analyze),
        Route("/api/trend", site.api_trend),
        Route("/api/stats", site.api_stats),
        Route("/api/openapi.json", site.api_openapi),
    ]
    handlers = {
        ShardUnavailable: site.unavailable,
        SearcharcError: site.bad_request,
        HTTPException: site.http_error,
        Exception: site.internal_error,
    }
    return Guard(Starlette(routes=routes, exception_handlers=handlers))
