"""httpx transports that record every exchange: the documented *wrapping transport* pattern.

::

    recorder = contractdrift.Recorder("traffic.jsonl")
    client = httpx.Client(transport=contractdrift.RecordingTransport(recorder))
    async_client = httpx.AsyncClient(transport=contractdrift.AsyncRecordingTransport(recorder))

The wrapped transport (default :class:`httpx.HTTPTransport`; also ``WSGITransport``, ``ASGITransport``,
``MockTransport`` or any other) does the real work. Bodies are *teed*: each chunk passes to the caller
untouched while a copy, decoded from its ``Content-Encoding`` (gzip, deflate, br, zstd when
installed) and capped at the recorder's ``max_body_bytes``, is kept for the record. The exchange is
submitted when the response stream closes (after a full read, or early: then the body is marked
truncated). Transport errors are recorded as exchanges without a response and re-raised unchanged.
Recording problems never reach the caller: they are counted in ``recorder.stats``.

The same classes work with the ``httpx2`` package when it is installed: pass an ``httpx2``
transport and you get ``httpx2``-compatible classes, or use :func:`transport_classes`.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

import httpx

from ..model import Exchange, Request, Response
from .body import BodyBuffer
from .recorder import Recorder, new_exchange_id

__all__ = ["AsyncRecordingTransport", "RecordingTransport", "transport_classes"]


def _headers(raw: Any) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in raw)


def _media(headers: Any) -> str | None:
    value = headers.get("content-type")
    if not value:
        return None
    return str(value).split(";", 1)[0].strip().lower() or None


class _Capture:
    """State of one exchange being recorded (request side first, then the response)."""

    __slots__ = ("done", "mod", "recorder", "req_buf", "req_bytes", "request", "resp_buf", "response", "started",
                 "t0")

    def __init__(self, recorder: Recorder, request: Any, mod: ModuleType) -> None:
        self.recorder = recorder
        self.request = request
        self.mod = mod
        self.started = time.time()
        self.t0 = time.perf_counter()
        self.req_bytes: bytes | None = None
        self.req_buf: BodyBuffer | None = None
        self.resp_buf: BodyBuffer | None = None
        self.response: Any = None
        self.done = False
        try:
            self.req_bytes = request.content  # already in memory (bytes, json=, data=, files=)
        except mod.RequestNotRead:
            self.req_buf = recorder.body_buffer(_media(request.headers), request.headers.get("content-encoding"))

    def _request_value(self) -> Request:
        req = self.request
        media = _media(req.headers)
        if self.req_buf is not None:
            body = self.req_buf.body(media)
        else:
            data = self.req_bytes or b""
            if req.headers.get("content-encoding") and data:
                buf = self.recorder.body_buffer(media, req.headers.get("content-encoding"))
                buf.feed(data)
                body = buf.body(media)
            else:
                body = self.recorder.make_body(data, media)
        return Request(method=req.method, url=str(req.url), headers=_headers(req.headers.raw), body=body)

    def finish(self, *, complete: bool = True, content: bytes | None = None, error: BaseException | None = None
               ) -> None:
        """Build the exchange and submit it (once). Never raises."""
        if self.done:
            return
        self.done = True
        try:
            response: Response | None = None
            resp = self.response
            if resp is not None:
                media = _media(resp.headers)
                if content is not None:
                    body = self.recorder.make_body(content, media)
                elif self.resp_buf is not None:
                    body = self.resp_buf.body(media, complete=complete)
                else:
                    body = self.recorder.make_body(b"", media)
                version = resp.extensions.get("http_version")
                response = Response(
                    status=resp.status_code,
                    headers=_headers(resp.headers.raw),
                    body=body,
                    http_version=version.decode("ascii", "replace") if isinstance(version, bytes) else None,
                )
            self.recorder.submit(
                Exchange(
                    id=new_exchange_id(),
                    started_at=self.started,
                    duration_ms=(time.perf_counter() - self.t0) * 1000.0,
                    request=self._request_value(),
                    response=response,
                    source="httpx",
                    error=None if error is None else f"{type(error).__name__}: {error}",
                )
            )
        except Exception as exc:
            self.recorder.note_error(exc, "recording an httpx exchange")


class _SyncTeeMixin:
    """Passes chunks through to the reader and feeds a copy to the capture's buffer."""

    def __init__(self, capture: _Capture, stream: Any, is_request: bool) -> None:
        self.capture = capture
        self.stream = stream
        self.is_request = is_request
        self.complete = False

    def __iter__(self) -> Iterator[bytes]:
        capture = self.capture
        buf = capture.req_buf if self.is_request else capture.resp_buf
        for chunk in self.stream:
            if buf is not None:
                buf.feed(chunk)  # never raises
            yield chunk
        self.complete = True

    def close(self) -> None:
        try:
            close = getattr(self.stream, "close", None)
            if close is not None:
                close()
        finally:
            if not self.is_request:
                self.capture.finish(complete=self.complete)


class _AsyncTeeMixin:
    """The asynchronous twin of :class:`_SyncTeeMixin`."""

    def __init__(self, capture: _Capture, stream: Any, is_request: bool) -> None:
        self.capture = capture
        self.stream = stream
        self.is_request = is_request
        self.complete = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        capture = self.capture
        buf = capture.req_buf if self.is_request else capture.resp_buf
        async for chunk in self.stream:
            if buf is not None:
                buf.feed(chunk)  # never raises
            yield chunk
        self.complete = True

    async def aclose(self) -> None:
        try:
            aclose = getattr(self.stream, "aclose", None)
            if aclose is not None:
                await aclose()
        finally:
            if not self.is_request:
                self.capture.finish(complete=self.complete)


_TEES: dict[str, tuple[type[Any], type[Any]]] = {}


def _tee(capture: _Capture, stream: Any, *, is_request: bool, is_async: bool) -> Any:
    """Wrap ``stream`` in a tee that is an instance of the module's own byte-stream class."""
    mod = capture.mod
    classes = _TEES.get(mod.__name__)
    if classes is None:
        classes = _TEES[mod.__name__] = (
            type("SyncTee", (_SyncTeeMixin, mod.SyncByteStream), {"__module__": __name__}),
            type("AsyncTee", (_AsyncTeeMixin, mod.AsyncByteStream), {"__module__": __name__}),
        )
    return classes[1 if is_async else 0](capture, stream, is_request)


def _start(recorder: Recorder, request: Any, mod: ModuleType, *, is_async: bool) -> _Capture | None:
    """Decide and prepare recording of a request (None: not recorded). Never raises."""
    try:
        if not recorder.wants(request.method, str(request.url)):
            return None
        capture = _Capture(recorder, request, mod)
        if capture.req_buf is not None:
            request.stream = _tee(capture, request.stream, is_request=True, is_async=is_async)
        return capture
    except Exception as exc:
        recorder.note_error(exc, "preparing to record an httpx request")
        return None


def _attach(capture: _Capture, response: Any, *, is_async: bool) -> None:
    """Tee the response stream (or record at once when the body is already in memory)."""
    try:
        capture.response = response
        try:
            content = response.content
        except capture.mod.ResponseNotRead:
            content = None
        if content is not None:
            capture.finish(content=content)
            return
        capture.resp_buf = capture.recorder.body_buffer(
            _media(response.headers), response.headers.get("content-encoding")
        )
        response.stream = _tee(capture, response.stream, is_request=False, is_async=is_async)
    except Exception as exc:
        capture.recorder.note_error(exc, "recording an httpx response")


class RecordingTransport(httpx.BaseTransport):
    """Wraps a synchronous httpx transport and records every exchange into ``recorder``."""

    _mod: ModuleType = httpx

    def __new__(cls, recorder: Recorder, transport: Any = None) -> RecordingTransport:
        mod = _module_of(transport)
        if mod is not None and mod is not cls._mod:
            sync_cls, _ = transport_classes(mod)
            if sync_cls is not cls:
                inst: RecordingTransport = sync_cls(recorder, transport)
                return inst
        return super().__new__(cls)

    def __init__(self, recorder: Recorder, transport: httpx.BaseTransport | None = None) -> None:
        self.recorder = recorder
        self.transport = transport if transport is not None else self._mod.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        capture = _start(self.recorder, request, self._mod, is_async=False)
        if capture is None:
            return self.transport.handle_request(request)
        try:
            response = self.transport.handle_request(request)
        except Exception as exc:
            capture.finish(error=exc)
            raise
        _attach(capture, response, is_async=False)
        return response

    def close(self) -> None:
        self.transport.close()


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """Wraps an asynchronous httpx transport and records every exchange into ``recorder``."""

    _mod: ModuleType = httpx

    def __new__(cls, recorder: Recorder, transport: Any = None) -> AsyncRecordingTransport:
        mod = _module_of(transport)
        if mod is not None and mod is not cls._mod:
            _, async_cls = transport_classes(mod)
            if async_cls is not cls:
                inst: AsyncRecordingTransport = async_cls(recorder, transport)
                return inst
        return super().__new__(cls)

    def __init__(self, recorder: Recorder, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.recorder = recorder
        self.transport = transport if transport is not None else self._mod.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        capture = _start(self.recorder, request, self._mod, is_async=True)
        if capture is None:
            return await self.transport.handle_async_request(request)
        try:
            response = await self.transport.handle_async_request(request)
        except Exception as exc:
            capture.finish(error=exc)
            raise
        _attach(capture, response, is_async=True)
        return response

    async def aclose(self) -> None:
        await self.transport.aclose()


def _module_of(transport: Any) -> ModuleType | None:
    if transport is None:
        return None
    root = type(transport).__module__.split(".", 1)[0]
    if root in ("httpx", "httpx2"):
        try:
            return importlib.import_module(root)
        except ImportError:  # pragma: no cover
            return None
    return None


_CLASSES: dict[str, tuple[type[Any], type[Any]]] = {
    "httpx": (RecordingTransport, AsyncRecordingTransport)
}


def transport_classes(module: ModuleType | str) -> tuple[type[Any], type[Any]]:
    """The recording transport classes for an httpx-compatible module (``httpx`` or ``httpx2``).

    Raises ``ImportError`` when the module is not installed.
    """
    mod = importlib.import_module(module) if isinstance(module, str) else module
    name = mod.__name__
    if name not in _CLASSES:
        sync_cls = type(
            "RecordingTransport",
            (mod.BaseTransport,),
            {
                "_mod": mod,
                "__init__": RecordingTransport.__init__,
                "handle_request": RecordingTransport.handle_request,
                "close": RecordingTransport.close,
                "__doc__": RecordingTransport.__doc__,
                "__module__": __name__,
            },
        )
        async_cls = type(
            "AsyncRecordingTransport",
            (mod.AsyncBaseTransport,),
            {
                "_mod": mod,
                "__init__": AsyncRecordingTransport.__init__,
                "handle_async_request": AsyncRecordingTransport.handle_async_request,
                "aclose": AsyncRecordingTransport.aclose,
                "__doc__": AsyncRecordingTransport.__doc__,
                "__module__": __name__,
            },
        )
        _CLASSES[name] = (sync_cls, async_cls)
    return _CLASSES[name]
