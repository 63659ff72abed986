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
* When the app has finished, one flat tuple of plain values (timestamps, method, the scope's raw
  path and query, the raw header lists as the server and the app gave them, the teed chunks,
  status) is handed to ``recorder.submit_raw``, which queues it. Building the
  :class:`~contractdrift.model.Exchange` (URL, decoded headers, decoded and parsed bodies, id),
  redaction (credential headers included) and writing happen in the recorder's writer (a thread,
  or a separate process with ``offload="process"``/``"auto"``), off the request path and before
  anything reaches the disk.

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
    return request_url(scope.get("scheme"), scope.get("headers"), scope.get("server"), scope.get("raw_path"),
                       scope.get("path"), scope.get("query_string"))


def request_url(scheme: str | None, headers: Any, server: Any, raw_path: bytes | None, path: str | None,
                query_string: bytes | None) -> str:
    """Absolute URL from the parts of an http scope (see :func:`scope_url`); ``headers`` is the raw
    header list (the ``Host`` header wins over ``server``)."""
    scheme = scheme or "http"
    host = None
    for name, value in headers or ():
        if name == b"host":
            host = value.decode("latin-1")
            break
    if not host:
        if server:
            h, port = server[0], server[1]
            host = str(h) if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{h}:{port}"
        else:
            host = "localhost"
    url_path = raw_path.decode("latin-1") if raw_path else quote(path or "/", safe="/:@!$&'()*+,;=~-._")
    if query_string:
        return f"{scheme}://{host}{url_path}?{query_string.decode('latin-1')}"
    return f"{scheme}://{host}{url_path}"


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
    """Per-request state: wraps ``receive``/``send`` and tees what passes (raw chunks only).

    The common case costs one list append per body chunk: chunks are kept as they are while the
    body fits in ``limit``. Only a body that outgrows ``limit`` (or one not to be stored, under a
    content-type allow-list) gets a :class:`RawTee`, which then truncates, counts or decodes as it
    streams. The response's ``Content-Encoding`` is looked at only then; for a body kept whole, the
    writer decodes it.
    """

    __slots__ = ("_receive", "_send", "done_at", "limit", "mw", "req", "req_done", "req_kept", "req_tee",
                 "resp", "resp_headers", "resp_kept", "resp_tee", "status")

    def __init__(self, mw: RecordingMiddleware, receive: Receive, send: Send, limit: int,
                 req_tee: RawTee | None) -> None:
        self.mw = mw
        self._receive = receive
        self._send = send
        self.limit = limit
        self.req: list[bytes] | None = None  # kept whole (no req_tee yet)
        self.req_kept = 0
        self.req_tee = req_tee
        self.req_done = False
        self.resp: list[bytes] | None = None
        self.resp_kept = 0
        self.resp_tee: RawTee | None = None
        self.resp_headers: Any = None
        self.status: int | None = None
        self.done_at = 0.0

    async def receive(self) -> Message:
        message = await self._receive()
        try:
            if message["type"] == "http.request":
                body = message.get("body")
                if body:
                    n = len(body)
                    if self.req_tee is None and self.req_kept + n <= self.limit and type(body) is bytes:
                        if self.req is None:
                            self.req = [body]
                        else:
                            self.req.append(body)
                        self.req_kept += n
                    else:
                        self._req_tee().feed(body)
                if not message.get("more_body", False):
                    self.req_done = True
        except Exception as exc:
            self.mw._failed(exc)
        return message

    def send(self, message: Message) -> Awaitable[None]:
        # A plain function returning the server's awaitable: no coroutine of its own per message.
        try:
            kind = message["type"]
            if kind == "http.response.body":
                body = message.get("body")
                if body:
                    n = len(body)
                    if self.resp_tee is None and self.resp_kept + n <= self.limit and type(body) is bytes:
                        if self.resp is None:
                            self.resp = [body]
                        else:
                            self.resp.append(body)
                        self.resp_kept += n
                    else:
                        self._resp_tee(True).feed(body)
                if not message.get("more_body", False):
                    self.done_at = time.perf_counter()
            elif kind == "http.response.start":
                self.status = message["status"]
                self.resp_headers = message.get("headers")
                if self.mw._checks_types:  # a content-type allow-list: decide now whether to keep it
                    self._resp_tee(False)
        except Exception as exc:
            self.mw._failed(exc)
        return self._send(message)

    def _req_tee(self) -> RawTee:
        """The request body outgrew ``limit`` (or is not a ``bytes``): a tee from here on."""
        tee = self.req_tee
        if tee is None:
            tee = self.req_tee = RawTee(self.limit)
            for chunk in self.req or ():
                tee.feed(chunk)
            self.req = None
        return tee

    def _resp_tee(self, overflow: bool) -> RawTee:
        """A tee for the response body: when it outgrew ``limit`` (``overflow``), or at the start
        under a content-type allow-list. Reads ``Content-Type`` and ``Content-Encoding``."""
        tee = self.resp_tee
        if tee is not None:
            return tee
        encoding: str | None = None
        media: bytes | None = None
        for name, value in self.resp_headers or ():
            n = len(name)
            if n == 16 and name.lower() == b"content-encoding":
                enc = value.decode("latin-1").strip()
                encoding = None if not enc or enc.lower() == "identity" else enc
            elif n == 12 and name.lower() == b"content-type":
                media = value
        store = True
        if self.mw._checks_types:
            mt = media.decode("latin-1").split(";", 1)[0].strip().lower() if media is not None else ""
            store = self.mw.recorder.body_allowed(mt or None)
        if not overflow and store:
            return RawTee(0)  # nothing to decide after all: stay on the fast path (not kept)
        tee = self.resp_tee = RawTee(self.limit, store, encoding)
        for chunk in self.resp or ():
            tee.feed(chunk)
        self.resp = None
        return tee


class RecordingMiddleware(MiddlewareBase):
    """Pure ASGI middleware recording each HTTP exchange to ``recorder`` (``source="asgi"``).

    ``recorder`` is a :class:`contractdrift.Recorder` (or anything with its ``wants``,
    ``body_allowed``, ``max_body_bytes`` and ``submit``; ``submit_raw`` is used when present,
    which keeps the request path minimal).
    """

    def __init__(self, app: ASGIApp, recorder: RecorderSink) -> None:
        super().__init__(recorder)
        self.app = app
        self._limit = recorder.max_body_bytes  # read once (a recorder's policy is frozen)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorder = self.recorder
        cap: _Capture | None = None
        try:
            method: str = scope["method"]
            if recorder.wants(method, scope_url(scope) if self._checks_url else ""):
                req_tee = None
                if self._checks_types and not recorder.body_allowed(_media_type(scope.get("headers"))):
                    req_tee = RawTee(self._limit, False)  # counted, not kept
                cap = _Capture(self, receive, send, self._limit, req_tee)
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
            try:  # the raw capture (_raw._asgi's layout): plain values only, it may cross a pipe as msgpack
                end = cap.done_at or time.perf_counter()
                err_text = None
                if error is not None:
                    err_text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
                route = scope.get("route")
                route_path = getattr(route, "path", None) if route is not None else None
                req_tee, resp_tee = cap.req_tee, cap.resp_tee
                done = cap.done_at > 0.0
                self._submit((
                    "asgi", started, (end - t0) * 1000.0, method, scope.get("scheme"), scope.get("server"),
                    scope.get("raw_path"), scope.get("path"), scope.get("query_string"), scope.get("root_path"),
                    route_path if isinstance(route_path, str) else None,
                    scope.get("headers"), cap.req, req_tee.handover() if req_tee is not None else None, cap.req_done,
                    cap.status, cap.resp_headers, cap.resp, resp_tee.handover(done) if resp_tee is not None else None,
                    done, scope.get("http_version"), err_text,
                ))
            except Exception as exc:
                self._failed(exc)
