"""A web request's search parameters: those of ``searcharc.options.QUERY`` that have a web
name, read and checked as `searcharc query` checks its options."""

from __future__ import annotations

from dataclasses import field, make_dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from searcharc.errors import SearcharcError
from searcharc.options import OPTIONS, QUERY, Option, QueryOptions, search

if TYPE_CHECKING:
    from searcharc.search.searcher import SearchIndex, SearchResult

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
