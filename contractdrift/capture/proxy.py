"""Recording reverse proxy: an ASGI app that forwards every request to one upstream and records it.

Works for services in any language: point clients at the proxy instead of the service.
``contractdrift record --upstream http://127.0.0.1:8000 --listen 127.0.0.1:8080 -o traffic.jsonl``
runs it with uvicorn (:func:`serve`), which comes with the ``proxy`` extra
(``pip install 'contractdrift[proxy]'``) and is imported only when :func:`serve` runs: the proxy
app itself (an ASGI callable) needs only httpx.

Forwarding is transparent and streaming in both directions:

* method, raw path, query string and headers go upstream unchanged, except hop-by-hop headers
  (``Connection`` and the headers it names, ``Keep-Alive``, ``TE``, ``Trailer``,
  ``Transfer-Encoding``, ``Upgrade``, ``Proxy-*``; also ``Expect``, already answered to the
  client) and ``Host``, which is the upstream's unless ``preserve_host=True``. No header is added
  (no ``X-Forwarded-*``; httpx's default ``User-Agent``/``Accept-*`` are not applied).
* A request body streams upstream as it arrives: with its ``Content-Length`` when the client sent
  one, chunked otherwise.
* The response status, headers (minus hop-by-hop) and *raw* body bytes stream back chunk by chunk
  (compressed bodies stay compressed; ``Content-Length`` is kept, chunked responses are re-chunked).
* Each exchange is recorded (``source="proxy"``) with bodies decoded (gzip, deflate, br) and capped
  at the recorder's ``max_body_bytes``; the URL recorded is the upstream URL. As in the middleware,
  the request path only tees raw chunks and hands a raw capture to ``recorder.submit_raw``;
  decoding, parsing, redaction and writing happen in the recorder's writer.
* When the upstream cannot be reached (or times out before answering) the client gets ``502 Bad
  Gateway`` and an exchange with ``response=None`` and the error text is recorded. If the upstream
  fails mid-response the connection to the client is closed (the response is incomplete) and the
  exchange is recorded with the error.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from ..errors import UsageError
from ._sink import FailureCounter, RecorderSink, raw_submitter
from ._tee import RawTee
from .asgi import Receive, Scope, Send

__all__ = ["HOP_BY_HOP", "RecordingProxy", "serve"]


_POOL_SHARDS = 16

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"expect",  # the proxy's server already answered "100-continue" to the client
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)


def _strip_hop_by_hop(raw: list[tuple[bytes, bytes]], *, drop_host: bool = False) -> list[tuple[bytes, bytes]]:
    named: set[bytes] = set()
    for name, value in raw:
        if name.lower() == b"connection":
            named.update(v.strip().lower() for v in value.split(b",") if v.strip())
    out = []
    for name, value in raw:
        low = name.lower()
        if low in HOP_BY_HOP or low in named or (drop_host and low == b"host"):
            continue
        out.append((low, value))
    return out


def _media_type(raw: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in raw:
        if name.lower() == b"content-type":
            return value.decode("latin-1").split(";", 1)[0].strip().lower() or None
    return None


def _header(raw: list[tuple[bytes, bytes]], wanted: bytes) -> bytes | None:
    for name, value in raw:
        if name.lower() == wanted:
            return value
    return None


class _ClientGone(Exception):
    """The client disconnected while its request body was being forwarded."""


class RecordingProxy(FailureCounter):
    """ASGI app forwarding to ``upstream`` (``http[s]://host[:port][/prefix]``) and recording.

    ``client`` may be given (it is then not closed by the proxy); otherwise requests go straight
    to an :class:`httpx.AsyncHTTPTransport` (connection pool of ``max_connections``, no retries,
    no proxy from the environment, ``timeout`` seconds for connect/read/write/pool), skipping the
    client layer (cookies, redirects, auth) a proxy must not apply anyway. It is closed at ASGI
    lifespan shutdown or :meth:`aclose`.
    """

    def __init__(
        self,
        upstream: str,
        recorder: RecorderSink,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float = 60.0,
        preserve_host: bool = False,
        max_connections: int = 512,
    ) -> None:
        url = httpx.URL(upstream)
        if url.scheme not in ("http", "https") or not url.host:
            raise UsageError(f"upstream must be an http(s) URL, got {upstream!r}")
        self.upstream = url
        self._prefix = url.raw_path.split(b"?", 1)[0].rstrip(b"/")
        self._base = f"{url.scheme}://{url.netloc.decode('ascii')}"
        self.recorder = recorder
        self.preserve_host = preserve_host
        FailureCounter.__init__(self)
        self.client = client
        self._checks_types = bool(getattr(recorder, "checks_content_types", True))
        self._submit = raw_submitter(recorder)
        self._host = None if preserve_host else url.netloc.decode("ascii")
        self._timeout = httpx.Timeout(timeout).as_dict()
        # Several small connection pools instead of one: httpcore scans every connection of a pool
        # (an idle check with a poll() syscall each) on every request and every response close, so
        # one pool of N busy connections costs O(N) per request. A client connection always uses
        # the same pool (picked by its port), so each pool holds about N/shards connections.
        self._transports: list[httpx.AsyncHTTPTransport] = []
        if client is None:
            shards = max(1, min(_POOL_SHARDS, max_connections))
            self._transports = [
                httpx.AsyncHTTPTransport(
                    limits=httpx.Limits(max_connections=max(1, max_connections // shards),
                                        max_keepalive_connections=max(1, 128 // shards)),
                    trust_env=False,
                    retries=0,
                )
                for _ in range(shards)
            ]

    async def aclose(self) -> None:
        for transport in self._transports:
            await transport.aclose()

    async def _send(self, request: httpx.Request, scope: Scope) -> httpx.Response:
        transports = self._transports
        if not transports:
            assert self.client is not None
            return await self.client.send(request, stream=True)
        request.extensions["timeout"] = self._timeout
        client = scope.get("client")
        shard = client[1] % len(transports) if client and isinstance(client[1], int) else 0
        return await transports[shard].handle_async_request(request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        elif kind == "websocket":  # not proxied: refuse the handshake
            await send({"type": "websocket.close", "code": 1011})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def upstream_url(self, scope: Scope) -> str:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        url = self._base + (self._prefix + raw_path).decode("latin-1")
        qs = scope.get("query_string")
        return f"{url}?{qs.decode('latin-1')}" if qs else url

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.time()
        t0 = time.perf_counter()
        method: str = scope["method"]
        url = self.upstream_url(scope)
        in_headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or ())
        headers = _strip_hop_by_hop(in_headers, drop_host=not self.preserve_host)
        has_body = _header(in_headers, b"content-length") not in (None, b"0") or (
            _header(in_headers, b"transfer-encoding") is not None
        )
        record = False
        try:
            record = self.recorder.wants(method, url)
            max_bytes = self.recorder.max_body_bytes if record else 0
            store = record and (not self._checks_types or self.recorder.body_allowed(_media_type(in_headers)))
            req_tee = RawTee(max_bytes, store)
        except Exception as exc:
            self._failed(exc)
            record = False
            req_tee = RawTee(0, False)

        body_done = not has_body

        async def body() -> AsyncIterator[bytes]:
            nonlocal body_done
            while not body_done:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise _ClientGone("client disconnected while sending the request body")
                chunk = message.get("body", b"")
                if not message.get("more_body", False):
                    body_done = True
                if chunk:
                    req_tee.feed(chunk)
                    yield chunk

        async def drain() -> None:  # read what the upstream never got, for the recording
            with contextlib.suppress(_ClientGone):
                async for _ in body():
                    pass

        request = httpx.Request(method, url, headers=headers, content=body() if has_body else None)
        status: int | None = None
        resp_headers: list[tuple[bytes, bytes]] = []
        resp_tee: RawTee | None = None
        error: str | None = None
        http_version: str | None = None
        complete = False
        try:
            try:
                response = await self._send(request, scope)
            except _ClientGone as exc:
                error = str(exc)
                return
            except (httpx.HTTPError, OSError) as exc:
                error = f"upstream error: {type(exc).__name__}: {exc}" if str(exc) else f"upstream error: {type(exc).__name__}"
                if record and not body_done:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(drain(), 10.0)
                message = f"Bad Gateway: {type(exc).__name__}\n".encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 502,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(message)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": message})
                return
            try:
                status = response.status_code
                http_version = response.http_version.removeprefix("HTTP/")
                resp_headers = list(response.headers.raw)
                if record:
                    try:
                        mt = _media_type(resp_headers)
                        ce = _header(resp_headers, b"content-encoding")
                        enc = ce.decode("latin-1").strip() if ce else None
                        if not enc or enc.lower() == "identity":
                            enc = None
                        allowed = self.recorder.body_allowed(mt) if self._checks_types else True
                        resp_tee = RawTee(max_bytes, allowed, enc)
                    except Exception as exc:
                        self._failed(exc)
                        record = False
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": _strip_hop_by_hop(resp_headers),
                    }
                )
                try:
                    async for chunk in response.aiter_raw():
                        if resp_tee is not None:
                            resp_tee.feed(chunk)
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                except httpx.HTTPError as exc:
                    # Upstream broke mid-response: leave the response incomplete so the server
                    # closes the client connection instead of pretending the body was complete.
                    error = f"upstream error mid-response: {type(exc).__name__}: {exc}"
                    return
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                complete = True
            finally:
                await response.aclose()
        except BaseException as exc:
            if error is None:
                error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise
        finally:
            if record:
                try:
                    self._submit((
                        "proxy", started, (time.perf_counter() - t0) * 1000.0, method, url, self._host,
                        headers, req_tee.handover(), status, resp_headers,
                        resp_tee.handover(complete) if resp_tee is not None else None, complete, http_version,
                        error,
                    ))
                except Exception as exc:
                    self._failed(exc)



def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # proto set: asyncio then enables TCP_NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(
    app: Callable[..., Any],
    host: str,
    port: int,
    *,
    on_started: Callable[[str], None] | None = None,
    graceful_timeout: float = 30.0,
    should_exit: threading.Event | None = None,
) -> None:
    """Serve ``app`` with uvicorn on ``host:port`` (``0`` = a free port) until SIGINT/SIGTERM.

    In-flight requests are finished (up to ``graceful_timeout`` seconds) before this returns;
    unlike plain uvicorn, the signal is not re-raised afterwards, so the caller can flush and
    report. ``on_started`` receives ``http://host:port`` once the socket accepts connections.
    ``should_exit`` lets another thread stop the server (tests).
    """
    uvicorn = require_uvicorn()
    sock = _bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    address = f"http://{shown}:{bound_port}"
    config = uvicorn.Config(
        app,
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=max(1, round(graceful_timeout)),
        backlog=4096,
    )
    from ._uvicorn import GracefulServer

    server = GracefulServer(config)

    async def main() -> None:
        async def watch() -> None:
            while not server.started and not server.should_exit:
                await asyncio.sleep(0.01)
            if server.started and on_started is not None:
                on_started(address)
            while should_exit is not None and not server.should_exit:
                if should_exit.is_set():
                    server.should_exit = True
                    return
                await asyncio.sleep(0.05)

        watcher = asyncio.ensure_future(watch())
        try:
            await server.serve(sockets=[sock])
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            close = getattr(app, "aclose", None)
            if close is not None:
                await close()

    try:
        asyncio.run(main())
    finally:
        sock.close()


# uvicorn.Server.capture_signals (cooperative signal handling) came in 0.29.0: the proxy extra's lower bound.


def require_uvicorn() -> Any:
    """The ``uvicorn`` module, or :class:`~contractdrift.errors.MissingExtraError` naming the
    ``proxy`` extra when it is missing or older than the signal handling :func:`serve` relies on."""
    from ..errors import MissingExtraError

    try:
        import uvicorn
    except ImportError:
        raise MissingExtraError("contractdrift record", "proxy", "uvicorn") from None
    if not hasattr(uvicorn.Server, "capture_signals"):  # what GracefulServer overrides
        raise MissingExtraError(f"contractdrift record (uvicorn {getattr(uvicorn, '__version__', '?')} is too old)",
                                "proxy", "uvicorn>=0.29")
    return uvicorn
