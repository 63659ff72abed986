"""ASGI middleware that records every HTTP exchange an app serves (Starlette, FastAPI, any ASGI app).

Usage::

    recorder = contractdrift.Recorder("traffic.jsonl", sample_rate=0.1)
    app = contractdrift.asgi.RecordingMiddleware(app, recorder)

What happens per request (the hot path stays small):

* ``recorder.wants(method, url)`` decides first (sampling, host/path filters, rate limit); a request
  that is not wanted goes straight to the app with no wrapping at all. The route template is only
  known after the app ran, so a per-route rate limit applies per concrete path here.
* Otherwise ``receive``/``send`` are wrapped to *tee* body chunks: at most ``max_body_bytes`` are
  kept per body, the size is always counted (larger bodies are recorded truncated with their true
  size); bodies whose content type is not on the recorder's allow-list are counted, not kept.
  Messages pass through unchanged and unbuffered, so streaming responses and chunked requests
  behave exactly as without the middleware.
* When the app has finished, one plain tuple (timestamps, method, raw path and query, the raw
  header lists with credential headers masked, the teed chunks, status) is handed to
  ``recorder.submit_raw``, which queues it. Building the :class:`~contractdrift.model.Exchange`
  (URL, decoded headers, parsed bodies, id), redacting the rest and writing happen in the
  recorder's writer (by default a separate process), off the request path.

The middleware never raises into the app or changes what the client sees: a failure to record is
counted in :attr:`RecordingMiddleware.errors` (and the recorder's statistics when it keeps them) and
logged once. Only ``http`` scopes are recorded; ``websocket`` and ``lifespan`` pass through.
The matched route template is taken from ``scope["route"]`` after the app ran (Starlette >= 1.7 and
FastAPI set it), prefixed with the mount ``root_path``, as an OpenAPI path (``/users/{id}``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from ._sink import MiddlewareBase, RecorderSink
from ._tee import RawTee, openapi_route

__all__ = ["RecordingMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def scope_url(scope: Scope) -> str:
    """Absolute URL of an http scope: ``scheme://host[:port]/raw/path?query``."""
    scheme = scope.get("scheme") or "http"
    host = None
    for name, value in scope.get("headers") or ():
        if name == b"host":
            host = value.decode("latin-1")
            break
    if not host:
        server = scope.get("server")
        if server:
            h, port = server[0], server[1]
            host = str(h) if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{h}:{port}"
        else:
            host = "localhost"
    raw_path = scope.get("raw_path")
    path = raw_path.decode("latin-1") if raw_path else quote(scope.get("path") or "/", safe="/:@!$&'()*+,;=~-._")
    qs = scope.get("query_string")
    if qs:
        return f"{scheme}://{host}{path}?{qs.decode('latin-1')}"
    return f"{scheme}://{host}{path}"


def _media_type(raw_headers: Any) -> str | None:
    for name, value in raw_headers or ():
        if name.lower() == b"content-type":
            mt = value.decode("latin-1").split(";", 1)[0].strip().lower()
            return mt or None
    return None


def scope_route(scope: Scope) -> str | None:
    """The matched route template, when the framework recorded it in the scope."""
    route = scope.get("route")
    path = getattr(route, "path", None) if route is not None else None
    if not isinstance(path, str):
        return None
    root = scope.get("root_path") or ""
    if root and not isinstance(root, str):
        return None
    return openapi_route(root + path)


class _Capture:
    """Per-request state: wraps ``receive``/``send`` and tees what passes (raw chunks only)."""

    __slots__ = ("_receive", "_send", "check_types", "done_at", "limit", "recorder", "req", "req_done", "resp",
                 "resp_headers", "status")

    def __init__(self, receive: Receive, send: Send, recorder: RecorderSink, req: RawTee, check_types: bool) -> None:
        self._receive = receive
        self._send = send
        self.recorder = recorder
        self.limit = req.limit
        self.check_types = check_types
        self.req = req
        self.req_done = False
        self.resp: RawTee | None = None
        self.resp_headers: Any = None
        self.status: int | None = None
        self.done_at = 0.0

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            body = message.get("body")
            if body:
                self.req.feed(body)
            if not message.get("more_body", False):
                self.req_done = True
        return message

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            body = message.get("body")
            if body and self.resp is not None:
                self.resp.feed(body)
            if not message.get("more_body", False):
                self.done_at = time.perf_counter()
        elif kind == "http.response.start":
            self.status = message["status"]
            raw = message.get("headers") or ()
            self.resp_headers = raw
            encoding: str | None = None
            media: bytes | None = None
            for name, value in raw:
                n = len(name)
                if n == 16 and name.lower() == b"content-encoding":
                    enc = value.decode("latin-1").strip()
                    encoding = None if not enc or enc.lower() == "identity" else enc
                elif n == 12 and name.lower() == b"content-type":
                    media = value
            mt = None
            if media is not None and (encoding is not None or self.check_types):
                mt = media.decode("latin-1").split(";", 1)[0].strip().lower() or None
            store = self.recorder.body_allowed(mt) if self.check_types else True
            self.resp = RawTee(self.limit, store, encoding, mt)
        await self._send(message)


class RecordingMiddleware(MiddlewareBase):
    """Pure ASGI middleware recording each HTTP exchange to ``recorder`` (``source="asgi"``).

    ``recorder`` is a :class:`contractdrift.Recorder` (or anything with its ``wants``,
    ``body_allowed``, ``max_body_bytes`` and ``submit``; ``submit_raw`` and ``scrub_headers`` are
    used when present, which keeps the request path minimal).
    """

    def __init__(self, app: ASGIApp, recorder: RecorderSink) -> None:
        super().__init__(recorder)
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorder = self.recorder
        cap: _Capture | None = None
        try:
            method: str = scope["method"]
            if recorder.wants(method, scope_url(scope) if self._checks_url else ""):
                store = recorder.body_allowed(_media_type(scope.get("headers"))) if self._checks_types else True
                cap = _Capture(receive, send, recorder, RawTee(recorder.max_body_bytes, store), self._checks_types)
        except Exception as exc:
            self._failed(exc)
            cap = None
        if cap is None:
            await self.app(scope, receive, send)
            return
        started = time.time()
        t0 = time.perf_counter()
        error: BaseException | None = None
        try:
            await self.app(scope, cap.receive, cap.send)
        except BaseException as exc:
            error = exc
            raise
        finally:
            try:
                self._finish(scope, cap, method, started, t0, error)
            except Exception as exc:
                self._failed(exc)

    def _finish(
        self, scope: Scope, cap: _Capture, method: str, started: float, t0: float, error: BaseException | None
    ) -> None:
        end = cap.done_at or time.perf_counter()
        route = scope.get("route")
        route_path = getattr(route, "path", None) if route is not None else None
        resp = cap.resp
        scrub = self._scrub
        err_text: str | None = None
        if error is not None:
            err_text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        self._submit((
            "asgi", started, (end - t0) * 1000.0, method,
            {"scheme": scope.get("scheme"), "server": scope.get("server"), "raw_path": scope.get("raw_path"),
             "path": scope.get("path"), "query_string": scope.get("query_string"),
             "root_path": scope.get("root_path")},
            route_path if isinstance(route_path, str) else None,
            scrub(scope.get("headers") or []), cap.req.handover(), cap.req_done,
            cap.status, scrub(cap.resp_headers or []), resp.handover(bool(cap.done_at)) if resp is not None else None,
            bool(cap.done_at), scope.get("http_version"), err_text,
        ))
