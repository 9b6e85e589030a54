"""The OpenAPI document of /api: its search parameters those of ``searcharc.options`` (through
``params.API``), its objects those of the shipped JSON Schema (searcharc/data/query.schema.json)."""

from __future__ import annotations

from searcharc import __version__
from searcharc.web.params import API

ERROR = {"$ref": "#/components/responses/error"}
ERROR_RESPONSE = {
    "description": "an unreadable query (400) or an unknown id (404)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}},
}
BY_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def openapi(schema: dict) -> dict:
    """The OpenAPI document of /api over the JSON Schema ``schema`` of its objects."""
    defs = {name: rewire(body) for name, body in schema["$defs"].items()}
    root = {k: v for k, v in schema.items() if k not in ("$defs", "$schema", "$id")}
    return {
        "openapi": "3.1.0",
        "info": {"title": "searcharc", "version": __version__},
        "paths": paths(),
        "components": {
            "schemas": {"result": rewire(root), **defs},
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
        "/api/stats": get("the index", [], ok("stats")),
    }


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
