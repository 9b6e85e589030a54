"""The API's answers: JSON exactly as the CLI prints it."""

from __future__ import annotations

from starlette.responses import Response

from searcharc.jsonout import to_json


def json_response(data: object, status: int = 200) -> Response:
    """JSON exactly as the CLI prints it (``jsonout.to_json``)."""
    return Response(to_json(data), status, media_type="application/json")
