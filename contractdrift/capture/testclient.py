"""A recording httpx client for tests: over the network, an ASGI app or a WSGI app; sync or async.

``recording_client(recorder, base_url=..., app=...)`` returns an ``httpx.Client`` (or, with
``asynchronous=True``, an ``httpx.AsyncClient``) whose every exchange is recorded into
``recorder``. Nothing is patched globally: only this client records.

* no ``app``: real requests over the network (the default httpx transport);
* an ASGI app (an ``async def`` callable, e.g. Starlette or FastAPI): served in process. A sync
  client runs the app on one event loop kept for the client's lifetime (an anyio blocking
  portal, as Starlette's ``TestClient`` does); the lifespan protocol is not run;
* a WSGI app (``app(environ, start_response)``, e.g. Flask): served in process; an async client
  calls it from a worker thread.

``kind="asgi"`` or ``"wsgi"`` overrides the detection.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Literal

import httpx

from ..errors import UsageError
from .httpx_transport import AsyncRecordingTransport, RecordingTransport

if TYPE_CHECKING:
    from .recorder import Recorder

__all__ = ["app_kind", "recording_client"]


def app_kind(app: Any) -> Literal["asgi", "wsgi"]:
    """Whether ``app`` is an ASGI or a WSGI application (by its call signature)."""
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__ if callable(app) else None
    if call is None or not callable(app):
        raise UsageError(f"app: expected an ASGI or WSGI application, got {type(app).__name__}")
    if inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(app):
        return "asgi"
    try:
        params = [p for p in inspect.signature(app).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    if len(params) == 3:
        return "asgi"
    if len(params) == 2:
        return "wsgi"
    raise UsageError(f"app: cannot tell whether {type(app).__name__} is ASGI or WSGI; pass kind='asgi' or 'wsgi'")


class _SyncASGITransport(httpx.BaseTransport):
    """An ASGI app behind a synchronous transport: one event loop for the transport's lifetime."""

    def __init__(self, app: Any) -> None:
        from anyio.from_thread import start_blocking_portal

        self._inner = httpx.ASGITransport(app=app)
        self._cm: Any = start_blocking_portal()
        self._portal = self._cm.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # a sync body (a generator...) becomes bytes the ASGI side can read

        async def run() -> tuple[int, Any, bytes, Any]:
            resp = await self._inner.handle_async_request(request)
            body = await resp.aread()
            await resp.aclose()
            return resp.status_code, resp.headers.raw, body, resp.extensions

        status, headers, body, extensions = self._portal.call(run)
        return httpx.Response(status, headers=headers, content=body, extensions=extensions, request=request)

    def close(self) -> None:
        if self._cm is not None:
            cm, self._cm = self._cm, None
            cm.__exit__(None, None, None)


class _AsyncWSGITransport(httpx.AsyncBaseTransport):
    """A WSGI app behind an async transport: each request runs in a worker thread."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.WSGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import anyio.to_thread

        content = await request.aread()
        sync_request = httpx.Request(request.method, request.url, headers=request.headers, content=content,
                                     extensions=request.extensions)

        def run() -> tuple[int, Any, bytes]:
            resp = self._inner.handle_request(sync_request)
            body = resp.read()
            resp.close()
            return resp.status_code, resp.headers.raw, body

        status, headers, body = await anyio.to_thread.run_sync(run)
        return httpx.Response(status, headers=headers, content=body, request=request)


def recording_client(
    recorder: Recorder,
    *,
    base_url: str | None = None,
    app: Any = None,
    asynchronous: bool = False,
    kind: Literal["asgi", "wsgi"] | None = None,
    **client_options: Any,
) -> httpx.Client | httpx.AsyncClient:
    """An httpx client recording into ``recorder`` (see the module docstring)."""
    if app is not None and kind is None:
        kind = app_kind(app)
    if kind not in (None, "asgi", "wsgi"):
        raise UsageError(f"kind: expected 'asgi' or 'wsgi', got {kind!r}")
    if base_url is None:
        if app is None:
            raise UsageError("a recording client needs base_url= (a server) or app= (an ASGI/WSGI app)")
        base_url = "http://testserver"
    if asynchronous:
        ainner: httpx.AsyncBaseTransport | None = None
        if app is not None:
            ainner = httpx.ASGITransport(app=app) if kind == "asgi" else _AsyncWSGITransport(app)
        return httpx.AsyncClient(base_url=base_url, transport=AsyncRecordingTransport(recorder, ainner),
                                 **client_options)
    inner: httpx.BaseTransport | None = None
    if app is not None:
        inner = _SyncASGITransport(app) if kind == "asgi" else httpx.WSGITransport(app=app)
    return httpx.Client(base_url=base_url, transport=RecordingTransport(recorder, inner), **client_options)
