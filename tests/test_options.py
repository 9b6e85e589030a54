"""The options schema (searcharc.options): the web's parameters, their checks, links and the
OpenAPI document are made from it, and read as `searcharc query` reads the same options."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from searcharc.errors import SearcharcError
from searcharc.options import OPTIONS, QUERY, QueryOptions, filters, first_hit
from searcharc.web.openapi import openapi
from searcharc.web.params import API, SearchParams, api_params, page_params


def test_the_api_parameters_are_the_schemas_web_options():
    doc = openapi({"$defs": {}})
    listed = doc["paths"]["/api/search"]["get"]["parameters"]
    assert [p["name"] for p in listed] == [o.web for o in QUERY if o.web and o.api]
    assert [p["name"] for p in listed if p["required"]] == ["q"]
    kinds = {p["name"]: p["schema"]["type"] for p in listed}
    assert kinds["limit"] == kinds["offset"] == "integer" and kinds["sort"] == "string"


@pytest.mark.parametrize("option", [o for o in API if o.kind == "int"], ids=lambda o: o.web)
def test_a_number_outside_its_bounds_is_refused(option):
    for value in (option.minimum - 1, option.web_maximum + 1, "x"):
        with pytest.raises(SearcharcError, match=f"^{option.web}: a whole number from"):
            api_params({"q": "x", option.web: str(value)})
    top = api_params({"q": "x", option.web: str(option.web_maximum)})
    assert getattr(top, option.web) == option.web_maximum


@pytest.mark.parametrize("option", [o for o in API if o.kind == "choice"], ids=lambda o: o.web)
def test_a_choice_outside_its_choices_is_refused(option):
    with pytest.raises(SearcharcError, match=f"^{option.web}: one of "):
        api_params({"q": "x", option.web: "neither"})
    for choice in option.choices:
        assert getattr(api_params({"q": "x", option.web: choice}), option.web) == choice


def test_absent_parameters_are_the_cli_defaults():
    assert api_params({"q": "x"}).options() == QueryOptions(text="x")
    assert api_params({}).options() == QueryOptions()


def test_the_web_reads_the_same_search_as_the_cli():
    params = {"q": "x", "limit": "5", "offset": "3", "sort": "date", "match": "all"}
    web = api_params(params | {"since": "2020-01-02"}).options()
    cli = QueryOptions(text="x", limit=5, offset=3, sort="date", match="all", since="2020-01-02")
    assert web == cli and filters(web) == filters(cli) and first_hit(web) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"q": "x"},
        {"q": "x", "page": "3", "limit": "7"},
        {"q": "x y", "sort": "date", "match": "all", "since": "2020-01-01", "until": "2021-12-31"},
    ],
)
def test_a_results_link_reads_back_as_the_same_search(params):
    chosen = page_params(params)
    link = chosen.link()
    assert link.startswith("/?") and page_params(dict(parse_qsl(urlsplit(link).query))) == chosen
    assert "offset" not in link and ("page" in link) == ("page" in params)


def test_a_page_is_its_offset():
    chosen = page_params({"q": "x", "page": "3", "offset": "1"})  # ?offset is the API's only
    assert chosen.offset == 2 * OPTIONS["limit"].default
    assert chosen == SearchParams(q="x", offset=20)
    with pytest.raises(SearcharcError, match="^page: a whole number from 1 to"):
        page_params({"q": "x", "page": "0"})
