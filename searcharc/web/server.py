"""The listening socket and uvicorn: `searcharc serve` until interrupted."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from searcharc.errors import SearcharcError
from searcharc.search.searcher import SearchIndex
from searcharc.web.app import make_app

# bytes of a request's head that uvicorn reads before our 400: a larger head gets uvicorn's
# own 400 while the client may still be sending it (its socket is reset)
MAX_HEAD = 1 << 20


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def listen(
    host: str, port: int, reuse_port: bool = False, backlog: int | None = 128
) -> socket.socket:
    """A socket on host:port (port 0: any free one), listening, or a one-line error.
    ``reuse_port``: others may bind it too (SO_REUSEPORT: the kernel spreads new connections
    over the listening ones); ``backlog`` None: bound only, holding the port for them."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        if backlog is not None:
            sock.listen(backlog)
    except OSError as exc:
        raise SearcharcError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(
    index: SearchIndex,
    host: str,
    port: int,
    say: Callable[[str], None],
    workers: int = 1,
    reopen: Callable[[], SearchIndex] | None = None,
) -> None:
    """Serve until interrupted, printing the address (and a warning off the loopback); with
    ``workers`` over 1, from that many processes, each opening the index with ``reopen``."""
    import uvicorn

    if not is_loopback(host):
        say(f"searcharc: warning: serving on {host}: anyone who can reach it can read the index")
    many = workers > 1 and reopen is not None
    # many workers: each listens on a socket of its own on the port that this one holds, and
    # the kernel spreads connections over them (on one shared socket, the worker that accepts
    # first takes most keep-alive connections, and the others idle)
    sock = listen(host, port, reuse_port=True, backlog=None) if many else listen(host, port)
    how = f"{workers} workers; Ctrl-C stops" if many else "Ctrl-C stops"

    def announce() -> None:
        print(f"searcharc: serving {index.path} at {address(sock)} ({how})", flush=True)

    if not many:
        announce()
        uvicorn.Server(config(index)).run(sockets=[sock])
        return
    from searcharc.web.workers import supervise

    index.close()  # each worker opens its own: nothing open is shared across the fork
    port = sock.getsockname()[1]

    def run(ready) -> None:
        sock.close()  # the parent's: it holds the port, and accepts nothing
        app = config(reopen())
        own = listen(host, port, reuse_port=True)
        ready()  # from here connections wait in its queue until uvicorn takes them
        uvicorn.Server(app).run(sockets=[own])

    supervise(run, workers, say, announce)


def config(index: SearchIndex):
    """uvicorn's settings for the app over ``index``."""
    import uvicorn

    return uvicorn.Config(
        make_app(index),
        http="h11",
        h11_max_incomplete_event_size=MAX_HEAD,
        ws="none",
        lifespan="off",
        log_level="warning",
        access_log=False,
        server_header=False,
    )
