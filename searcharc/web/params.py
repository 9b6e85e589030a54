"""A web request's parameters: those of ``searcharc.options.QUERY`` (a search) and ``TREND``
(a trend) that have a web name, read and checked as the CLI checks its options."""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from searcharc.errors import SearcharcError
from searcharc.options import (
    OPTIONS,
    QUERY,
    TREND,
    TREND_OPTIONS,
    Option,
    QueryOptions,
    parse_date,
    search,
)

if TYPE_CHECKING:
    from searcharc.search.searcher import SearchIndex, SearchResult
    from searcharc.search.trend import Trend

API = tuple(o for o in QUERY if o.web and o.api)  # /api/search's, in the order of QUERY
OFFSET = OPTIONS["offset"]
PAGE = OPTIONS["page"]  # the results page's ?page=N, instead of an offset
PAGE_SIZE = OPTIONS["limit"].default  # hits a results page


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


def read(params, option: Option) -> object:
    """The option's query parameter, checked, or its web default when absent."""
    if option.kind == "int":
        lowest, highest = option.minimum, option.web_maximum
        return whole_number(params, option.web, option.web_default, lowest, highest)
    if option.kind == "choice":
        return choice(params, option.web, option.choices, option.web_default)
    if option.kind == "flag":
        return params.get(option.web, "").lower() in ("1", "true", "on")
    return params.get(option.web, option.web_default)


Fields = make_dataclass(
    "Fields",
    [(o.web, type(o.web_default).__name__, field(default=o.web_default)) for o in API],
    frozen=True,
    slots=True,
)


class SearchParams(Fields):
    """One search as a page or /api/search asks for it (dates as text, as the CLI reads them):
    a field for each option of ``API``, by its web name."""

    __slots__ = ()

    def options(self) -> QueryOptions:
        """The same search as `searcharc query`'s options (an empty parameter: the default)."""
        return QueryOptions(**{o.dest: getattr(self, o.web) or o.default for o in API})

    def search(self, index: SearchIndex, facets: bool = False) -> SearchResult:
        """The SearchResult, as `searcharc query` gets it for the same options."""
        if not self.q.strip():
            raise SearcharcError("give a query: ?q=…")
        return search(index, self.options(), facets=facets)

    def link(self, **changes: object) -> str:
        """The results page of these parameters with ``changes``, defaults left out."""
        chosen = replace(self, **changes)
        pairs = {o.web: getattr(chosen, o.web) for o in API if o is not OFFSET}
        pairs[PAGE.web] = chosen.offset // chosen.limit + 1
        defaults = {o.web: o.web_default for o in (*API, PAGE)}
        return "/?" + urlencode({k: str(v) for k, v in pairs.items() if v != defaults[k]})


def api_params(params) -> SearchParams:
    """/api/search?q=&limit=&match=&since=&until=&sort=&offset= read and checked."""
    return SearchParams(**{o.web: read(params, o) for o in API})


def page_params(params) -> SearchParams:
    """The results page's parameters: as the API's, with ?page=N instead of an offset."""
    page = read(params, PAGE)
    base = api_params({k: v for k, v in params.items() if k != OFFSET.web})
    return replace(base, offset=(page - 1) * base.limit)


MAX_QUERIES = 8  # queries (lines) of one trend
TRUTHS = {"": False, "false": False, "0": False, "off": False, "true": True, "1": True, "on": True}


@dataclass(frozen=True, slots=True)
class TrendParams:
    """One trend as /trend or /api/trend asks for it: the options of ``options.TREND`` that
    have a web name (q given once a query)."""

    queries: tuple[str, ...] = ()
    by: str = TREND_OPTIONS["by"].default
    since: str = ""
    until: str = ""
    source: str = ""
    relative: bool = False
    match: str = TREND_OPTIONS["match"].default
    months: str = TREND_OPTIONS["months"].default

    def trend(self, index: SearchIndex, by: str | None = None) -> Trend:
        """The Trend, as `searcharc trend` counts it for the same options (``by``: another)."""
        if not self.queries:
            raise SearcharcError("give a query: ?q=… (q again for each other query)")
        return index.trend(
            list(self.queries),
            by=by or self.by,
            since=parse_date(self.since or None),
            until=parse_date(self.until or None),
            source=self.source or None,
            relative=self.relative,
            match=self.match,
        )

    def query_string(self, **changes: object) -> str:
        """These parameters (with ``changes``) as a query string, defaults left out."""
        chosen = replace(self, **changes)
        pairs = [("q", q) for q in chosen.queries]
        pairs += [
            (name, "true" if value is True else value)
            for name in ("by", "since", "until", "source", "relative", "match", "months")
            if (value := getattr(chosen, name)) != getattr(TrendParams, name)
        ]
        return urlencode(pairs)


def trend_params(params) -> TrendParams:
    """/trend and /api/trend's q=…&q=…&by=&since=&until=&source=&relative=&match=&months=."""
    queries = tuple(q for q in params.getlist("q") if q.strip())
    if len(queries) > MAX_QUERIES:
        raise SearcharcError(f"at most {MAX_QUERIES} queries a trend, not {len(queries)}")
    relative = params.get("relative", "").lower()
    if relative not in TRUTHS:
        raise SearcharcError(f"relative: true or false, not {relative!r}")
    chosen = {
        o.dest: read(params, o) for o in TREND if o.web and o.dest not in ("queries", "relative")
    }
    return TrendParams(queries, relative=TRUTHS[relative], **chosen)
