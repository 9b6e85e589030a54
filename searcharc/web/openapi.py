"""The OpenAPI document of /api: its parameters those of ``searcharc.options`` (through
``params.API`` and ``options.TREND``), its objects those of the shipped JSON Schemas
(searcharc/data/query.schema.json, and trend.schema.json for /api/trend)."""

from __future__ import annotations

from searcharc import __version__
from searcharc.options import TREND
from searcharc.web.params import API

ERROR = {"$ref": "#/components/responses/error"}
ERROR_RESPONSE = {
    "description": "an unreadable query (400) or an unknown id (404)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}},
}
BY_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def openapi(schema: dict, trend: dict | None = None) -> dict:
    """The OpenAPI document of /api over the JSON Schemas of its objects (``trend``: that of
    /api/trend's answer, when given)."""
    trend = trend or {"$defs": {}}
    defs = {name: rewire(body) for one in (schema, trend) for name, body in one["$defs"].items()}
    return {
        "openapi": "3.1.0",
        "info": {"title": "searcharc", "version": __version__},
        "paths": paths(),
        "components": {
            "schemas": {"result": root_of(schema), "trend": root_of(trend), **defs},
            "responses": {"error": ERROR_RESPONSE},
        },
    }


def paths() -> dict:
    """Each GET of /api: its summary, parameters and answer."""
    highlight = [param("q", "string", False, "highlight the words of this query")]
    analyzed = [
        param("text", "string", True, "the text"),
        param("stemmer", "string", False, "light, snowball, isri or none"),
    ]
    return {
        "/api/search": get("search", search_parameters(), ok("result")),
        "/api/articles/{id}": get("an article", BY_ID + highlight, ok("article")),
        "/api/similar/{id}": get("similar articles", BY_ID, ok("similar", True)),
        "/api/analyze": get("how text is analyzed", analyzed, ok("token", True)),
        "/api/trend": get("articles per period", trend_parameters(), ok("trend")),
        "/api/stats": get("the index", [], ok("stats")),
    }


def root_of(schema: dict) -> dict:
    """A JSON Schema's own object, without its definitions."""
    return rewire({k: v for k, v in schema.items() if k not in ("$defs", "$schema", "$id")})


def trend_parameters() -> list[dict]:
    """/api/trend's parameters: q (one a query, required) and the options with a web name."""
    found = [
        param(o.web, "boolean" if o.kind == "flag" else "string", False, o.web_help)
        for o in TREND
        if o.web and o.kind != "list"
    ]
    queries = param("q", "array", True, TREND[0].web_help)
    queries["schema"]["items"] = {"type": "string"}
    return [queries, *found]


def search_parameters() -> list[dict]:
    """/api/search's parameters: the query (required) and its options."""
    return [
        param(o.web, "integer" if o.kind == "int" else "string", o.flag is None, o.web_help)
        for o in API
    ]


def param(name: str, kind: str, required: bool, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": kind},
    }


def ok(ref: str, many: bool = False) -> dict:
    """A 200 answer: one object of the schema (or a list of them)."""
    item = {"$ref": f"#/components/schemas/{ref}"}
    body = {"type": "array", "items": item} if many else item
    return {"description": "OK", "content": {"application/json": {"schema": body}}}


def get(summary: str, parameters: list, answer: dict) -> dict:
    responses = {"200": answer, "400": ERROR, "404": ERROR}
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
