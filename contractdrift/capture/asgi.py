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
* When the app has finished, the :class:`~contractdrift.model.Exchange` is built and handed to
  ``recorder.submit`` which redacts it and queues it for the recorder's background writer.

The middleware never raises into the app or changes what the client sees: a failure to record is
counted in :attr:`RecordingMiddleware.errors` (and the recorder's statistics when it keeps them) and
logged once. Only ``http`` scopes are recorded; ``websocket`` and ``lifespan`` pass through.
The matched route template is taken from ``scope["route"]`` after the app ran (Starlette and
FastAPI set it), prefixed with the mount ``root_path``, as an OpenAPI path (``/users/{id}``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from ..model import Exchange, Request, Response
from ._sink import RecorderSink, note_error
from ._tee import BodyTee, body_tee, openapi_route
from .body import BodyBuffer
from .recorder import new_exchange_id

__all__ = ["RecordingMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_log = logging.getLogger("contractdrift.capture")
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


def _headers(raw: Any) -> tuple[tuple[str, str], ...]:
    return tuple([(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw or ()])


def _media_type(raw_headers: Any) -> str | None:
    for name, value in raw_headers or ():
        if name.lower() == b"content-type":
            mt = value.decode("latin-1").split(";", 1)[0].strip().lower()
            return mt or None
    return None


def _content_encoding(raw_headers: Any) -> str | None:
    for name, value in raw_headers or ():
        if name.lower() == b"content-encoding":
            enc = value.decode("latin-1").strip()
            return None if not enc or enc.lower() == "identity" else enc
    return None


def _content_length(headers: tuple[tuple[str, str], ...]) -> int | None:
    for name, value in headers:
        if name == "content-length":
            return int(value) if value.strip().isdigit() else None
    return None


def _has_body(headers: tuple[tuple[str, str], ...]) -> bool:
    for name, value in headers:
        if (name == "content-length" and value.strip() != "0") or name == "transfer-encoding":
            return True
    return False


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
    """Per-request state: wraps ``receive``/``send`` and tees what passes."""

    __slots__ = (
        "_receive",
        "_send",
        "done_at",
        "max_bytes",
        "recorder",
        "req",
        "req_done",
        "req_media",
        "resp",
        "resp_headers",
        "resp_media",
        "status",
    )

    def __init__(self, receive: Receive, send: Send, recorder: RecorderSink, req_media: str | None) -> None:
        self._receive = receive
        self._send = send
        self.recorder = recorder
        self.max_bytes = recorder.max_body_bytes
        self.req_media = req_media
        self.req = BodyTee(self.max_bytes, recorder.body_allowed(req_media))
        self.req_done = False
        self.resp: BodyTee | BodyBuffer | None = None
        self.resp_media: str | None = None
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
            raw = message.get("headers")
            self.resp_headers = raw
            self.resp_media = mt = _media_type(raw)
            self.resp = body_tee(self.max_bytes, _content_encoding(raw), self.recorder.body_allowed(mt))
        await self._send(message)


class RecordingMiddleware:
    """Pure ASGI middleware recording each HTTP exchange to ``recorder`` (``source="asgi"``).

    ``recorder`` is a :class:`contractdrift.Recorder` (or anything with its ``wants``,
    ``body_allowed``, ``max_body_bytes`` and ``submit``).
    """

    def __init__(self, app: ASGIApp, recorder: RecorderSink) -> None:
        self.app = app
        self.recorder = recorder
        self.errors = 0
        self._logged = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorder = self.recorder
        try:
            url = scope_url(scope)
            method: str = scope["method"]
            cap: _Capture | None = None
            if recorder.wants(method, url):
                cap = _Capture(receive, send, recorder, _media_type(scope.get("headers")))
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
                self._finish(scope, cap, method, url, started, t0, error)
            except Exception as exc:
                self._failed(exc)

    def _finish(
        self,
        scope: Scope,
        cap: _Capture,
        method: str,
        url: str,
        started: float,
        t0: float,
        error: BaseException | None,
    ) -> None:
        end = cap.done_at or time.perf_counter()
        req_headers = _headers(scope.get("headers"))
        req_body = cap.req.body(cap.req_media)
        if not cap.req_done and (cap.req.size or _has_body(req_headers)):
            # The app did not read the whole request body: keep what it read, say how big it was.
            req_body = cap.req.body(cap.req_media, complete=False, size=_content_length(req_headers))
        request = Request(method=method, url=url, headers=req_headers, body=req_body)
        response: Response | None = None
        if cap.status is not None:
            assert cap.resp is not None
            response = Response(
                status=cap.status,
                headers=_headers(cap.resp_headers),
                body=cap.resp.body(cap.resp_media, complete=bool(cap.done_at)),
                http_version=scope.get("http_version"),
            )
        err_text: str | None = None
        if error is not None:
            err_text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        elif cap.status is None:
            err_text = "application returned without sending a response"
        self.recorder.submit(
            Exchange(
                id=new_exchange_id(),
                started_at=started,
                duration_ms=(end - t0) * 1000.0,
                request=request,
                response=response,
                source="asgi",
                route=scope_route(scope),
                error=err_text,
            )
        )

    def _failed(self, exc: BaseException) -> None:
        self.errors += 1
        note_error(self.recorder, exc)
        if not self._logged:
            self._logged = True
            _log.warning("contractdrift: failed to record an exchange (%s); further failures are counted, not logged",
                         type(exc).__name__)
