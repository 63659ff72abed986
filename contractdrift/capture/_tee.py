"""Helpers shared by the ASGI/WSGI middleware and the recording proxy.

:class:`BodyTee` keeps at most ``limit`` bytes of an (unencoded) body that streams past it while
still counting its full size, so the hot path never buffers more than the cap and the recorded
:class:`Body` can say "truncated, true size N". It keeps references to the chunks instead of
copying them. ``Content-Encoding``-d bodies go through :class:`~contractdrift.capture.body.BodyBuffer`
instead (:func:`body_tee` picks), which records them decoded.

:class:`RawTee` is the hot-path variant used by the middleware and the proxy: it only keeps raw
chunks and counts, and :meth:`RawTee.handover` returns a small picklable tuple (a *body state*) from
which the recorder's writer builds the :class:`Body` later, off the request path
(:func:`contractdrift.capture._raw.body_from_state`).
"""

from __future__ import annotations

import functools
import re

from ..model import Body
from .body import BodyBuffer, body_from_bytes, make_body

__all__ = ["BODY_DECODED", "BODY_ENCODED", "BODY_IDENTITY", "BodyTee", "RawTee", "body_tee", "openapi_route"]

#: Body states handed over by :meth:`RawTee.handover` (first item of the tuple).
BODY_IDENTITY = 0  # (0, chunks, size, None, store): chunks kept as sent (at most ``limit`` bytes)
BODY_ENCODED = 1  # (1, chunks, raw_size, content_encoding, store): still encoded, decoded later
BODY_DECODED = 2  # (2, kept decoded bytes, decoded size, decode_error, truncated): a large encoded body,
#                  decoded as it streamed (BodyBuffer.finish); the Body is made by the writer


class BodyTee:
    """Collects the first ``limit`` bytes of a body and counts all of them.

    ``enabled=False`` (content type not on the allow-list) keeps nothing but still counts the size.
    """

    __slots__ = ("chunks", "enabled", "kept", "limit", "size")
    decode_error: str | None = None  # same interface as BodyBuffer; nothing to decode here

    def __init__(self, limit: int, enabled: bool = True) -> None:
        self.chunks: list[bytes] = []
        self.limit = limit
        self.enabled = enabled
        self.kept = 0
        self.size = 0

    def feed(self, chunk: bytes) -> None:
        n = len(chunk)
        if not n:
            return
        self.size += n
        if self.enabled and self.kept < self.limit:
            room = self.limit - self.kept
            if n > room:
                chunk = chunk[:room]
                n = room
            self.chunks.append(bytes(chunk) if not isinstance(chunk, bytes) else chunk)
            self.kept += n

    @property
    def raw_size(self) -> int:
        return self.size

    def body(self, media_type: str | None, *, complete: bool = True, size: int | None = None) -> Body:
        """The recorded body. ``complete=False``: the stream ended early (recorded truncated).
        ``size`` overrides the counted size (e.g. a Content-Length the app never read in full),
        which also marks the body truncated when it exceeds what was kept."""
        if not self.size and complete and not size:
            return empty_body(media_type)
        data = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
        total = self.size if size is None or size < self.size else size
        if complete and total == len(data):
            return body_from_bytes(data, media_type)
        return make_body(data, media_type, total_size=total, truncated=True)


class RawTee:
    """Hot-path tee: keeps references to at most ``limit`` bytes of raw chunks and counts them all.

    Nothing is parsed or decoded here. A ``Content-Encoding``-d body keeps its raw (compressed)
    chunks while they fit in ``limit``; only when it grows beyond that does it switch to decoding as
    it streams (a :class:`~contractdrift.capture.body.BodyBuffer`, bounded memory), so that the
    recorded decoded ``size`` stays exact. ``store=False`` (content type not on the allow-list)
    keeps no identity bytes but still counts. :meth:`handover` gives plain values only (bytes,
    ints, strings), never a :class:`Body`: the writer makes that.
    """

    __slots__ = ("buffer", "chunks", "encoding", "kept", "limit", "size", "store")

    def __init__(self, limit: int, store: bool = True, encoding: str | None = None) -> None:
        self.chunks: list[bytes] = []
        self.limit = limit
        self.store = store
        self.encoding = encoding
        self.kept = 0
        self.size = 0
        self.buffer: BodyBuffer | None = None

    def feed(self, chunk: bytes) -> None:
        n = len(chunk)
        if not n:
            return
        self.size += n
        if self.encoding is None:
            if self.store and self.kept < self.limit:
                room = self.limit - self.kept
                if n > room:
                    chunk = chunk[:room]
                    n = room
                self.chunks.append(chunk if type(chunk) is bytes else bytes(chunk))
                self.kept += n
            return
        if self.buffer is not None:
            self.buffer.feed(chunk)
        elif self.kept + n <= self.limit:
            self.chunks.append(bytes(chunk))
            self.kept += n
        else:
            buf = BodyBuffer(self.limit, self.encoding, store=self.store)
            for c in self.chunks:
                buf.feed(c)
            buf.feed(chunk)
            self.chunks = []
            self.buffer = buf

    def handover(self, complete: bool = True) -> tuple[int, object, int, object, bool]:
        """The body state for the writer (see ``BODY_*``); ``complete``: the stream ended normally."""
        if self.encoding is None:
            return (BODY_IDENTITY, self.chunks, self.size, None, self.store)
        if self.buffer is None:
            return (BODY_ENCODED, self.chunks, self.size, self.encoding, self.store)
        kept, size, truncated = self.buffer.finish(complete)
        return (BODY_DECODED, kept, size, self.buffer.decode_error, truncated)


_EMPTY: dict[str | None, Body] = {}


def empty_body(media_type: str | None) -> Body:
    """A shared empty :class:`Body` (values are immutable; most requests have no body)."""
    body = _EMPTY.get(media_type)
    if body is None:
        body = Body.empty(media_type)
        if len(_EMPTY) < 256:
            _EMPTY[media_type] = body
    return body


def body_tee(limit: int, content_encoding: str | None, enabled: bool) -> BodyTee | BodyBuffer:
    """A tee for a body with this ``Content-Encoding`` (decoded when encoded)."""
    if content_encoding is None or content_encoding.strip().lower() in ("", "identity"):
        return BodyTee(limit, enabled)
    return BodyBuffer(limit, content_encoding, store=enabled)


_STARLETTE_PARAM = re.compile(r"\{([^}:]+):[^}]*\}")
_WERKZEUG_PARAM = re.compile(r"<(?:[^>:]+(?:\([^)]*\))?:)?([^>]+)>")


@functools.lru_cache(maxsize=4096)
def openapi_route(template: str) -> str:
    """Framework route template -> OpenAPI path template.

    ``/users/{id:int}`` (Starlette) and ``/users/<int:id>`` (Flask/werkzeug) -> ``/users/{id}``.
    """
    if "{" in template and ":" in template:
        template = _STARLETTE_PARAM.sub(r"{\1}", template)
    if "<" in template:
        template = _WERKZEUG_PARAM.sub(r"{\1}", template)
    return template
