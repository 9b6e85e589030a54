"""`searcharc serve`: the index in a browser and over HTTP, on the CLI's own ``SearchIndex``.

Starlette routes on uvicorn, Jinja2 pages with autoescaping. Imported only by the `serve`
command: nothing here is on a query's cold path. Every index call holds one lock (a Whoosh
searcher is not made to be shared by threads).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from math import ceil
from pathlib import Path
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from searcharc import DEFAULT_MATCH, __version__, jsonout
from searcharc.analysis import analyze
from searcharc.errors import SearcharcError
from searcharc.options import parse_date
from searcharc.records import Article
from searcharc.search.searcher import SearchIndex, SearchResult

PAGE_SIZE = 10  # hits a results page
MAX_LIMIT = 100  # hits an API call
MAX_QUERY_STRING = 8192  # bytes of a request's query string
MAX_PARAMS = 64  # query parameters a request
# bytes of a request's head that uvicorn reads before our 400: a larger head gets uvicorn's
# own 400 while the client may still be sending it (its socket is reset)
MAX_HEAD = 1 << 20
SIMILAR = 5  # similar articles under an article
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True, slots=True)
class SearchParams:
    """One search as a page or /api/search asks for it (dates as text, as the CLI reads them)."""

    q: str = ""
    limit: int = PAGE_SIZE
    offset: int = 0
    since: str = ""
    until: str = ""
    sort: str = "score"
    match: str = DEFAULT_MATCH

    def search(self, index: SearchIndex, facets: bool = False) -> SearchResult:
        """The SearchResult, as `searcharc query` gets it for the same options."""
        if not self.q.strip():
            raise SearcharcError("give a query: ?q=…")
        return index.search(
            self.q,
            limit=self.limit,
            offset=self.offset,
            since=parse_date(self.since or None),
            until=parse_date(self.until or None),
            sort=self.sort,
            match=self.match,
            facets=facets,
        )

    def link(self, **changes: object) -> str:
        """The results page of these parameters with ``changes``, defaults left out."""
        chosen = replace(self, **changes)
        page = chosen.offset // chosen.limit + 1
        pairs = {
            "q": chosen.q,
            "limit": str(chosen.limit) if chosen.limit != PAGE_SIZE else "",
            "sort": chosen.sort if chosen.sort != "score" else "",
            "match": chosen.match if chosen.match != DEFAULT_MATCH else "",
            "since": chosen.since,
            "until": chosen.until,
            "page": str(page) if page > 1 else "",
        }
        return "/?" + urlencode({k: v for k, v in pairs.items() if v})


def whole_number(params, name: str, default: int, lowest: int, highest: int) -> int:
    """A query parameter that must be a whole number within [lowest, highest]."""
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not lowest <= value <= highest:
        raise SearcharcError(f"{name}: a whole number from {lowest} to {highest}, not {text!r}")
    return value


def choice(params, name: str, choices: tuple[str, ...], default: str) -> str:
    """A query parameter that must be one of ``choices``."""
    text = params.get(name) or default
    if text not in choices:
        raise SearcharcError(f"{name}: one of {', '.join(choices)}, not {text!r}")
    return text


def api_params(params) -> SearchParams:
    """/api/search?q=&limit=&offset=&since=&until=&sort=&match= read and checked."""
    return SearchParams(
        q=params.get("q", ""),
        limit=whole_number(params, "limit", 10, 1, MAX_LIMIT),
        offset=whole_number(params, "offset", 0, 0, 1_000_000),
        since=params.get("since", ""),
        until=params.get("until", ""),
        sort=choice(params, "sort", ("score", "date"), "score"),
        match=choice(params, "match", ("any", "all"), DEFAULT_MATCH),
    )


def page_params(params) -> SearchParams:
    """The results page's parameters: as the API's, with ?page=N instead of an offset."""
    page = whole_number(params, "page", 1, 1, 100_000)
    base = api_params({k: v for k, v in params.items() if k != "offset"})
    return replace(base, offset=(page - 1) * base.limit)


def marked(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut at the [start, end) spans: (piece, highlighted?) in order."""
    pieces, at = [], 0
    for start, end in sorted(spans):
        if start < at:
            continue
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def page_numbers(current: int, last: int, around: int = 2) -> list[int]:
    """The page links to show: the first, the last, and those near the current one."""
    near = range(max(1, current - around), min(last, current + around) + 1)
    return sorted({1, last, *near}) if last else []


def narrowed(q: str, field: str, value: str) -> str:
    """The query narrowed to one source (a phrase) or one year."""
    term = f'{field}:"{value.replace(chr(34), " ")}"' if field == "source" else f"{field}:{value}"
    return f"{q} {term}"


def article_url(article_id: str, q: str = "") -> str:
    """The article's page (its id quoted whole, slashes too), highlighting ``q``."""
    path = "/articles/" + quote(article_id, safe="")
    return f"{path}?{urlencode({'q': q})}" if q else path


def web_url(url: str | None) -> str | None:
    """An article's URL if it is a web address (never javascript: and the like)."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def json_response(data: object, status: int = 200) -> Response:
    """JSON exactly as the CLI prints it (``jsonout.to_json``)."""
    return Response(jsonout.to_json(data), status, media_type="application/json")


def openapi(schema: dict) -> dict:
    """The OpenAPI document of /api, its objects those of the shipped JSON Schema."""
    defs = {name: rewire(body) for name, body in schema["$defs"].items()}
    root = {k: v for k, v in schema.items() if k not in ("$defs", "$schema", "$id")}
    components = {"result": rewire(root), **defs}

    def ok(ref: str, many: bool = False) -> dict:
        item = {"$ref": f"#/components/schemas/{ref}"}
        body = {"type": "array", "items": item} if many else item
        return {"description": "OK", "content": {"application/json": {"schema": body}}}

    error = {"$ref": "#/components/responses/error"}
    query = [
        param("q", "string", True, "the query, in the whole query language"),
        param("limit", "integer", False, f"hits (1 to {MAX_LIMIT}, default 10)"),
        param("offset", "integer", False, "hits skipped"),
        param("since", "string", False, "articles dated on or after (YYYY-MM-DD)"),
        param("until", "string", False, "articles dated on or before (YYYY-MM-DD)"),
        param("sort", "string", False, "score or date"),
        param("match", "string", False, "free words: any or all"),
    ]
    by_id = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    highlight = [param("q", "string", False, "highlight the words of this query")]
    return {
        "openapi": "3.1.0",
        "info": {"title": "searcharc", "version": __version__},
        "paths": {
            "/api/search": get("search", query, ok("result"), error),
            "/api/articles/{id}": get("an article", by_id + highlight, ok("article"), error),
            "/api/similar/{id}": get("similar articles", by_id, ok("similar", True), error),
            "/api/analyze": get(
                "how text is analyzed",
                [
                    param("text", "string", True, "the text"),
                    param("stemmer", "string", False, "light, snowball, isri or none"),
                ],
                ok("token", True),
                error,
            ),
            "/api/stats": get("the index", [], ok("stats"), error),
        },
        "components": {
            "schemas": components,
            "responses": {
                "error": {
                    "description": "an unreadable query (400) or an unknown id (404)",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/error"}}
                    },
                }
            },
        },
    }


def param(name: str, kind: str, required: bool, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": kind},
    }


def get(summary: str, parameters: list, ok: dict, error: dict) -> dict:
    responses = {"200": ok, "400": error, "404": error}
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


def rewire(node: object) -> object:
    """JSON Schema references (#/$defs/x) as OpenAPI's (#/components/schemas/x)."""
    if isinstance(node, dict):
        return {
            k: v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" else rewire(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [rewire(v) for v in node]
    return node


class Guard:
    """ASGI middleware: refuses oversized requests (400) and adds the security headers."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = scope.get("query_string", b"")
        if len(raw) > MAX_QUERY_STRING or raw.count(b"&") + raw.count(b";") >= MAX_PARAMS:
            message = (
                f"the request is too large (at most {MAX_QUERY_STRING:,} bytes and "
                f"{MAX_PARAMS} parameters)"
            )
            await json_response({"error": message}, 400)(scope, receive, self.secured(send))
            return
        await self.app(scope, receive, self.secured(send))

    @staticmethod
    def secured(send):
        async def send_secured(message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        return send_secured


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
        limit = whole_number(request.query_params, "limit", 10, 1, MAX_LIMIT)
        return json_response(
            jsonout.similar_dicts(self.call(self.index.similar, article.id, limit))
        )

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
        SearcharcError: site.bad_request,
        HTTPException: site.http_error,
        Exception: site.internal_error,
    }
    return Guard(Starlette(routes=routes, exception_handlers=handlers))


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free one), or a one-line error."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        raise SearcharcError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(index: SearchIndex, host: str, port: int, say: Callable[[str], None]) -> None:
    """Serve until interrupted, printing the address (and a warning off the loopback)."""
    import uvicorn

    if not is_loopback(host):
        say(f"searcharc: warning: serving on {host}: anyone who can reach it can read the index")
    sock = listen(host, port)
    config = uvicorn.Config(
        make_app(index),
        http="h11",
        h11_max_incomplete_event_size=MAX_HEAD,
        ws="none",
        lifespan="off",
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    print(f"searcharc: serving {index.path} at {address(sock)} (Ctrl-C stops)", flush=True)
    uvicorn.Server(config).run(sockets=[sock])
