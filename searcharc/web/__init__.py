"""`searcharc serve`: the index in a browser and over HTTP, on the CLI's own ``SearchIndex``.

``params`` reads a request's search parameters (made from ``searcharc.options``), ``openapi``
describes the API, ``markup`` holds what the Jinja2 templates call, ``middleware`` the limits
and security headers, ``app`` the Starlette routes, ``server`` the socket and uvicorn. Imported
only by the `serve` command: nothing here is on a query's cold path.
"""
