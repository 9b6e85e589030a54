"""ASGI middleware: the request limits (a 400 for oversized requests) and security headers."""

from __future__ import annotations

from searcharc.web.responses import json_response

MAX_QUERY_STRING = 8192  # bytes of a request's query string
MAX_PARAMS = 64  # query parameters a request
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


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
