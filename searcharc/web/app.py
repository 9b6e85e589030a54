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
from searcharc.options import OPTIONS
from searcharc.records import Article
from searcharc.search.searcher import SearchIndex
from searcharc.web.markup import article_url, marked, narrowed, page_numbers, web_url
from searcharc.web.middleware import Guard
from searcharc.web.openapi import openapi
from searcharc.web.params import SearchParams, api_params, page_params, read
from searcharc.web.responses import json_response

SIMILAR = 5  # similar articles under an article
TEMPLATES = Path(__file__).parent / "templates"


class Site:
    """The pages and the API over one open index."""

    def __init__(self, index: SearchIndex):
        self.index = index
        self.lock = threading.Lock()
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)
        self.env.globals.update(marked=marked, article_url=article_url, web_url=web_url)
        self.style = (TEMPLATES / "style.css").read_text("utf-8")
        schema_text = resources.files("searcharc.data").joinpath("query.schema.json").read_text()
        self.openapi = jsonout.to_json(openapi(json.loads(schema_text)))

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
        return self.page(
            "search.html",
            params=chosen,
            result=result,
            current=current,
            pages=page_numbers(current, last),
            last=last,
            narrowed=narrowed,
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
        Route("/static/style.css", site.stylesheet),
        Route("/api/search", site.api_search),
        Route("/api/articles/{id:path}", site.api_article),
        Route("/api/similar/{id:path}", site.api_similar),
        Route("/api/analyze", site.api_analyze),
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
