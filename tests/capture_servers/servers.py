"""Real servers on 127.0.0.1 (free ports) for capture tests: uvicorn and waitress in threads."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
import waitress
import waitress.server

START_TIMEOUT = 10.0


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # asyncio sets TCP_NODELAY only then
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.contextmanager
def uvicorn_server(app: Any, *, lifespan: str = "auto", **config: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a background thread; yields its base URL."""
    sock = _free_socket()
    port = sock.getsockname()[1]
    cfg = uvicorn.Config(
        app, lifespan=lifespan, access_log=False, log_level="warning", backlog=4096,
        timeout_graceful_shutdown=5, **config,
    )
    server = uvicorn.Server(cfg)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    thread = threading.Thread(target=run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if errors or not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"uvicorn did not start: {errors!r}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


@contextlib.contextmanager
def waitress_server(app: Callable[..., Any], *, threads: int = 8) -> Iterator[str]:
    """Serve a WSGI app with waitress (``threads`` workers) in a background thread."""
    server: Any = waitress.server.create_server(
        app, host="127.0.0.1", port=0, threads=threads, connection_limit=2000, backlog=2048,
        channel_timeout=30, clear_untrusted_proxy_headers=True,
    )
    port = server.effective_port
    thread = threading.Thread(target=server.run, name="waitress-test", daemon=True)
    thread.start()
    # The socket is listening as soon as create_server returns; make sure the loop serves.
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        thread.join(timeout=10)
