"""Raw captures made by the real ASGI middleware (no hand-written tuples: tests follow its layout)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contractdrift.asgi import RecordingMiddleware


class ListSink:
    """A recorder stand-in that keeps the raw captures it is handed (``allowed``: the media types
    whose bodies are kept, ``None`` for all)."""

    checks_url = False

    def __init__(self, max_body_bytes: int = 1 << 20, allowed: Sequence[str] | None = None) -> None:
        self.max_body_bytes = max_body_bytes
        self.allowed = allowed
        self.checks_content_types = allowed is not None
        self.raw: list[tuple[Any, ...]] = []

    def wants(self, method: str, url: str, route: str | None = None) -> bool:
        return True

    def body_allowed(self, media_type: str | None) -> bool:
        return self.allowed is None or media_type in self.allowed

    def submit(self, exchange: Any) -> bool:  # pragma: no cover - submit_raw is used
        raise AssertionError("the middleware hands raw captures over")

    def submit_raw(self, capture: tuple[Any, ...]) -> bool:
        self.raw.append(capture)
        return True


class _Route:
    def __init__(self, path: str) -> None:
        self.path = path


def asgi_capture(
    *,
    method: str = "GET",
    scheme: str = "http",
    server: tuple[str, int] = ("127.0.0.1", 80),
    raw_path: bytes = b"/",
    query: bytes = b"",
    headers: Sequence[tuple[bytes, bytes]] = (),
    body: bytes | Sequence[bytes] = b"",
    status: int = 200,
    resp_headers: Sequence[tuple[bytes, bytes]] = (),
    resp_body: bytes | Sequence[bytes] = b"",
    finish: bool = True,
    route: str | None = None,
    error: str | None = None,
    max_body_bytes: int = 1 << 20,
    allowed: Sequence[str] | None = None,
) -> tuple[Any, ...]:
    """What ``RecordingMiddleware`` hands to ``recorder.submit_raw`` for this exchange: the app
    reads the request body (``body``: one chunk or several), sends the response (``resp_body``:
    one chunk or several; ``finish=False``: never the last, empty ``more_body=False`` message)
    and then raises ``RuntimeError(error)`` when ``error`` is given. ``allowed``: the recorder's
    content-type allow-list."""
    sink = ListSink(max_body_bytes, allowed)
    chunks = [resp_body] if isinstance(resp_body, bytes) else list(resp_body)
    req_chunks = [body] if isinstance(body, bytes) else list(body)
    received = iter(range(len(req_chunks)))
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": scheme, "server": server,
        "client": ("127.0.0.1", 5000), "method": method, "root_path": "",
        "path": raw_path.decode("latin-1"), "raw_path": raw_path, "query_string": query, "headers": list(headers),
    }

    async def receive() -> dict[str, Any]:
        i = next(received, len(req_chunks) - 1)
        return {"type": "http.request", "body": req_chunks[i] if req_chunks else b"",
                "more_body": i < len(req_chunks) - 1}

    async def send(message: dict[str, Any]) -> None:
        return None

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if any(req_chunks):
            while (await receive())["more_body"]:
                pass
        if route is not None:
            scope["route"] = _Route(route)
        await send({"type": "http.response.start", "status": status, "headers": list(resp_headers)})
        for i, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk,
                        "more_body": not finish or i < len(chunks) - 1})
        if error is not None:
            raise RuntimeError(error)

    coro = RecordingMiddleware(app, sink)(scope, receive, send)  # type: ignore[arg-type]
    try:
        coro.send(None)
    except StopIteration:
        pass
    except RuntimeError as exc:
        assert error is not None and exc.args == (error,)
    else:  # pragma: no cover - nothing here ever waits
        raise AssertionError("the app waited")
    (raw,) = sink.raw
    return raw
