"""Off the request path: raw captures -> redacted :class:`Exchange` -> JSON Lines.

The middleware and the proxy hand the recorder one plain tuple per exchange (a *raw capture*:
timestamps, method, raw path and query, raw header lists, body states from
:meth:`~contractdrift.capture._tee.RawTee.handover`, status, ...). Everything expensive happens
here, in the recorder's writer (a thread, or the writer process of
:mod:`contractdrift.capture._writer_proc`): URL and header decoding, body classification (JSON
parsing, base64), id generation, :class:`~contractdrift.model.Exchange` construction, redaction,
tags, serialization and the write.

A raw capture is a tuple whose first item names its layout (``"asgi"``, ``"wsgi"``, ``"proxy"``);
``("x", exchange)`` carries a finished (already redacted and tagged) exchange from
:meth:`contractdrift.Recorder.submit`. Only picklable builtins (and model values) are used, so a
batch crosses a pipe with one ``pickle.dumps``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..model import Body, Exchange, Headers, Request, Response
from ..store.jsonl import JsonlWriter, Position
from ._ids import IdBlock, id_in_block, new_exchange_id
from ._tee import BODY_DECODED, BODY_ENCODED, BODY_IDENTITY, empty_body, openapi_route
from ._wire import unpack
from .asgi import request_url
from .body import BodyBuffer, body_from_bytes, make_body
from .redact import Redactor
from .wsgi import environ_url

__all__ = ["Backend", "BatchResult", "body_from_state", "materialize"]

_log = logging.getLogger("contractdrift.capture")

BatchResult = tuple[int, int, int, str | None]  # written, errors, truncated bodies, last error text


def _str_headers(raw: Sequence[tuple[bytes, bytes]] | None, lower: bool = False) -> tuple[tuple[str, str], ...]:
    if not raw:
        return ()
    if lower:
        return tuple([(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw])
    return tuple([(k.decode("latin-1"), v.decode("latin-1")) for k, v in raw])


def _media(headers: tuple[tuple[str, str], ...]) -> str | None:
    for name, value in headers:
        if name.lower() == "content-type":
            return value.split(";", 1)[0].strip().lower() or None
    return None


def body_from_state(
    state: tuple[int, Any, int, Any, bool] | None,
    media_type: str | None,
    limit: int,
    *,
    complete: bool = True,
    size: int | None = None,
) -> tuple[Body, str | None]:
    """A :class:`Body` (and a decode error, if any) from a hot-path body state.

    ``complete=False``: the stream ended early (recorded truncated). ``size`` overrides the counted
    size (a ``Content-Length`` the app did not read in full), also marking the body truncated.
    """
    if state is None:
        return empty_body(media_type), None
    mode, data, counted, extra, store = state
    if mode == BODY_DECODED:  # decoded as it streamed: (kept bytes, decoded size, error, truncated)
        return make_body(data, media_type, total_size=counted, truncated=store), extra
    if mode == BODY_ENCODED:
        buf = BodyBuffer(limit, extra, store=store)
        for chunk in data:
            buf.feed(chunk)
        return buf.body(media_type, complete=complete), buf.decode_error
    if not counted and complete and not size:
        return empty_body(media_type), None
    kept = data[0] if len(data) == 1 else b"".join(data)
    total = counted if size is None or size < counted else size
    if complete and total == len(kept):
        return body_from_bytes(kept, media_type), None
    return make_body(kept, media_type, total_size=total, truncated=True), None


# A layout turns a raw capture into the parts of an exchange, built (and redacted) by _build:
# (started, duration_ms, method, url, request headers, request body,
#  (status, headers, body, http_version) or None, source, route, error).
_Parts = tuple[Any, Any, str, str, Headers, Body, "tuple[int, Headers, Body, str | None] | None", str, "str | None",
               "str | None"]


_NOTED = {"content-type": 1, "content-length": 2, "transfer-encoding": 3, "content-encoding": 4}


def _scan(raw: Sequence[Sequence[bytes]] | None) -> tuple[Headers, str | None, str | None, bool, str | None]:
    """Raw ASGI headers, decoded in one pass that also notes what the writer needs: (the headers,
    the first ``Content-Type``, the first ``Content-Length``, whether they announce a body (a
    non-zero ``Content-Length`` or a ``Transfer-Encoding``), the ``Content-Encoding`` to decode
    (the last one; ``None`` for none or identity))."""
    if not raw:
        return (), None, None, False, None
    out = []
    ctype = clen = encoding = None
    has_body = False
    noted = _NOTED.get
    for k, v in raw:
        name = k.decode("latin-1")
        value = v.decode("latin-1")
        out.append((name, value))
        kind = noted(name.lower())
        if kind is not None:
            if kind == 1:
                if ctype is None:
                    ctype = value
            elif kind == 2:
                if clen is None:
                    clen = value
                if value.strip() != "0":
                    has_body = True
            elif kind == 3:
                has_body = True
            else:
                enc = value.strip()
                encoding = None if not enc or enc.lower() == "identity" else enc
    return tuple(out), ctype, clen, has_body, encoding


def _media_of(content_type: str | None) -> str | None:
    if content_type is None:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def _kept_whole(chunks: Sequence[bytes] | None, encoding: str | None = None) -> tuple[int, Any, int, Any, bool]:
    """The body state of chunks the middleware kept whole (it did not look at the encoding)."""
    if not chunks:
        return (BODY_IDENTITY, (), 0, None, True)
    size = len(chunks[0]) if len(chunks) == 1 else sum(len(c) for c in chunks)
    if encoding is not None:
        return (BODY_ENCODED, chunks, size, encoding, True)
    return (BODY_IDENTITY, chunks, size, None, True)


def _asgi(raw: Sequence[Any], limit: int) -> _Parts:
    """The ASGI middleware's layout (:meth:`contractdrift.capture.asgi.RecordingMiddleware._finish`).

    A body comes as the chunks kept whole (``None`` for none) or, when the middleware needed a tee
    (too big, not to be stored), as that tee's body state. Only plain values: a batch may cross the
    pipe as msgpack, which makes lists of the tuples."""
    (_, started, duration_ms, method, scheme, server, raw_path, path, query_string, root_path, route_path,
     req_headers_raw, req_chunks, req_state, req_done, status, resp_headers_raw, resp_chunks, resp_state,
     resp_done, http_version, error) = raw
    req_headers, ctype, clen, has_body, _ = _scan(req_headers_raw)
    url = request_url(scheme, req_headers_raw, server, raw_path, path, query_string)
    req_media = _media_of(ctype)
    if req_state is None:
        req_state = _kept_whole(req_chunks)  # a request body is recorded as sent (never decoded)
    if not req_done and (req_state[2] or has_body):
        # The app did not read the whole request body: keep what it read, say how big it was.
        size = int(clen) if clen is not None and clen.strip().isdigit() else None
        req_body, _ = body_from_state(req_state, req_media, limit, complete=False, size=size)
    else:
        req_body, _ = body_from_state(req_state, req_media, limit)
    response = None
    if status is not None:
        resp_headers, ctype, _, _, encoding = _scan(resp_headers_raw)
        if method == "HEAD":  # the server drops what the app sends to HEAD: the client receives no content
            body = empty_body(_media_of(ctype))
        else:
            if resp_state is None:
                resp_state = _kept_whole(resp_chunks, encoding)
            body, _ = body_from_state(resp_state, _media_of(ctype), limit, complete=resp_done)
        response = (status, resp_headers, body, http_version)
    route = None
    if isinstance(route_path, str):
        root = root_path or ""
        if isinstance(root, str):
            route = openapi_route(root + route_path)
    if error is None and status is None:
        error = "application returned without sending a response"
    return started, duration_ms, method, url, req_headers, req_body, response, "asgi", route, error


def _wsgi(raw: tuple[Any, ...], limit: int) -> _Parts:
    (_, started, duration_ms, method, environ, headers, req_state, content_length, status,
     resp_headers_raw, resp_state, resp_done, route, error) = raw
    req_headers = tuple(headers)
    req_media = _media(req_headers)
    req_body, _ = body_from_state(req_state, req_media, limit, size=content_length)
    response = None
    if status is not None:
        resp_headers = tuple((str(k), str(v)) for k, v in resp_headers_raw)
        if method == "HEAD":  # the server drops what the app sends to HEAD: the client receives no content
            body = empty_body(_media(resp_headers))
        else:
            body, _ = body_from_state(resp_state, _media(resp_headers), limit, complete=resp_done)
        proto = environ.get("SERVER_PROTOCOL")
        version = proto[5:] if isinstance(proto, str) and proto.startswith("HTTP/") else None
        response = (status, resp_headers, body, version)
    elif error is None:
        error = "application did not call start_response"
    return started, duration_ms, method, environ_url(environ), req_headers, req_body, response, "wsgi", route, error


def _proxy(raw: tuple[Any, ...], limit: int) -> _Parts:
    (_, started, duration_ms, method, url, host, headers_raw, req_state, status, resp_headers_raw,
     resp_state, complete, http_version, error) = raw
    out_headers = _str_headers(headers_raw, lower=True)
    if host is not None:
        out_headers = (("host", host), *out_headers)
    req_body, _ = body_from_state(req_state, _media(out_headers), limit)
    response = None
    if status is not None:
        resp_headers = _str_headers(resp_headers_raw, lower=True)
        mt = _media(resp_headers)
        body = empty_body(mt)
        if resp_state is not None and (resp_state[0] == BODY_DECODED or resp_state[2]):
            body, decode_error = body_from_state(resp_state, mt, limit, complete=complete)
            if decode_error and error is None:
                error = decode_error
        response = (status, resp_headers, body, http_version)
    return started, duration_ms, method, url, out_headers, req_body, response, "proxy", None, error


_LAYOUTS: dict[str, Callable[[Any, int], _Parts]] = {"asgi": _asgi, "wsgi": _wsgi, "proxy": _proxy}


def _build(parts: _Parts, exchange_id: str, redactor: Redactor | None, tags: Mapping[str, str]) -> Exchange:
    """The exchange of a raw capture's parts, redacted *before* it is built: what
    ``redactor.redact(exchange)`` and then adding ``tags`` would give (the very same calls on the same
    parts), without building the exchange twice."""
    started, duration_ms, method, url, req_headers, req_body, resp, source, route, error = parts
    if redactor is not None:
        url = redactor.redact_url(url)
        req_headers = redactor.redact_headers(req_headers)
        req_body = redactor.redact_body(req_body)
        if error:
            error = redactor.redact_text(error)
    response = None
    if resp is not None:
        status, resp_headers, resp_body, http_version = resp
        if redactor is not None:
            resp_headers = redactor.redact_headers(resp_headers)
            resp_body = redactor.redact_body(resp_body)
        response = Response(status=status, headers=resp_headers, body=resp_body, http_version=http_version)
    return Exchange(
        id=exchange_id, started_at=started, duration_ms=duration_ms,
        request=Request(method=method, url=url, headers=req_headers, body=req_body),
        response=response, source=source, route=route, tags=dict(tags), error=error,  # type: ignore[arg-type]
    )


def materialize(raw: tuple[Any, ...], limit: int, exchange_id: str | None = None) -> Exchange:
    """The (unredacted) :class:`Exchange` of a raw capture; ``limit``: the recorder's ``max_body_bytes``;
    ``exchange_id``: its id (a new one when not given)."""
    return _build(_LAYOUTS[raw[0]](raw, limit), exchange_id or new_exchange_id(), None, {})


class Backend:
    """Turns batches of raw captures into written exchanges: materialize, redact, tag, write.

    Used by the recorder's writer thread (``path=None`` keeps exchanges in :attr:`memory`) and by
    the writer process. :meth:`process` never raises: failures are counted in the result.
    """

    def __init__(
        self,
        path: str | None,
        *,
        redactor: Redactor | None,
        tags: Mapping[str, str],
        max_body_bytes: int,
        compress: bool = False,
        rotate_bytes: int | None = None,
        writer: JsonlWriter | None = None,
    ) -> None:
        self.redactor = redactor
        self.tags = dict(tags)
        self.limit = max_body_bytes
        self.memory: list[Exchange] = []
        self.writer = writer
        if writer is None and path is not None:
            self.writer = JsonlWriter(path, compress=compress or path.endswith(".gz"), rotate_bytes=rotate_bytes)

    def exchange(self, item: Any, exchange_id: str | None = None) -> Exchange:
        """One item -> the redacted, tagged exchange to write (``exchange_id``: its id, else a new one).

        An item is a raw capture, a packed one (``bytes``, see ``_wire``) or ``("x", exchange)``."""
        if type(item) is bytes:
            item = unpack(item)
        if item[0] == "x":
            ex: Exchange = item[1]
            return ex  # submit() already redacted and tagged it
        # Redacted and tagged as it is built (the same as materializing, then redact() and tags).
        return _build(_LAYOUTS[item[0]](item, self.limit), exchange_id or new_exchange_id(), self.redactor, self.tags)

    @property
    def position(self) -> Position | None:
        """Where the last batch written ended (``None``: nothing written yet, or in memory)."""
        return self.writer.position if self.writer is not None else None

    def process(self, items: Sequence[Any], ids: IdBlock | None = None,
                resume: Position | None = None) -> BatchResult:
        """Build, redact, tag and write a batch. ``ids``: the block of ids reserved for it (so that
        a batch sent again gets the same ids); ``resume``: the position after the last batch known
        complete, when this batch may have been written in part by a writer that died (exchanges
        found written since then count as written, and are not written twice)."""
        errors = truncated = 0
        error: str | None = None
        batch: list[Exchange] = []
        for i, item in enumerate(items):
            try:
                ex = self.exchange(item, id_in_block(ids, i) if ids is not None else None)
            except Exception as exc:
                errors += 1
                error = f"building an exchange: {type(exc).__name__}: {exc}"
                continue
            if type(item) is bytes or item[0] != "x":  # truncation of submitted exchanges: submit() counts it
                truncated += ex.request.body.truncated + (ex.response is not None and ex.response.body.truncated)
            batch.append(ex)
        written = 0
        if batch:
            if self.writer is None:
                self.memory.extend(batch)
                written = len(batch)
            else:
                try:
                    before = self.writer.failed
                    written = self.writer.write_many(batch, resume=resume)
                    written += self.writer.last_present
                    failed = self.writer.failed - before
                    if failed:
                        errors += failed
                        err = self.writer.last_error
                        error = f"serializing an exchange: {type(err).__name__}: {err}"
                except Exception as exc:
                    errors += len(batch)
                    error = f"writing exchanges: {type(exc).__name__}: {exc}"
        if error is not None and self.redactor is not None:
            error = self.redactor.redact_text(error)
        return written, errors, int(truncated), error

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
