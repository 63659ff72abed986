"""Building recorded bodies from bytes: content-encoding decoding (bounded) and truncation.

Used by every live capture source (httpx transports, middleware, proxy) so that they record bodies
the same way: decoded, capped at ``max_body_bytes`` (the full decoded ``size`` is still recorded), and
never split inside a UTF-8 character when the body is text.
"""

from __future__ import annotations

import zlib
from typing import Any, Protocol

from ..model import Body
from ..model.exchange import is_json_media_type, is_textual_media_type
from ..store.fastjson import loads as _json_loads


def body_from_bytes(data: bytes, media_type: str | None) -> Body:
    """``Body.from_bytes(data, media_type)``, parsing JSON with msgspec when it is installed.

    The same value as :meth:`~contractdrift.model.Body.from_bytes` (``fastjson.loads`` gives what
    ``json.loads`` gives, falling back to it for what msgspec refuses), 4x faster for JSON bodies:
    the recorder's writer parses every JSON body it records.
    """
    if data and is_json_media_type(media_type):
        try:
            return Body(kind="json", media_type=media_type, size=len(data), json=_json_loads(data))
        except (ValueError, RecursionError):
            pass  # not JSON after all: text or binary, as Body.from_bytes decides
    return Body.from_bytes(data, media_type)


class _Decoder(Protocol):
    def decode(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...


class _Identity:
    def decode(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


class _Zlib:
    """gzip (``wbits=16+MAX``) or deflate (zlib-wrapped, falling back to raw deflate)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._obj: Any = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
        self._first = True

    def decode(self, data: bytes) -> bytes:
        if self._first and not self._gzip and data:
            self._first = False
            try:
                return bytes(self._obj.decompress(data))
            except zlib.error:
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
        self._first = False
        out = bytes(self._obj.decompress(data))
        # gzip: several members may follow each other
        while self._gzip and self._obj.eof and self._obj.unused_data:
            rest = self._obj.unused_data
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += bytes(self._obj.decompress(rest))
        return out

    def flush(self) -> bytes:
        return bytes(self._obj.flush())


class _Brotli:
    def __init__(self) -> None:
        try:
            import brotli
        except ImportError:  # pragma: no cover - brotlicffi fallback
            import brotlicffi as brotli  # type: ignore[import-not-found]
        self._obj: Any = brotli.Decompressor()

    def decode(self, data: bytes) -> bytes:
        if hasattr(self._obj, "process"):
            return bytes(self._obj.process(data))
        return bytes(self._obj.decompress(data))  # pragma: no cover - brotlicffi

    def flush(self) -> bytes:
        return b""


class _Zstd:
    def __init__(self) -> None:
        import zstandard  # type: ignore[import-not-found]

        self._obj: Any = zstandard.ZstdDecompressor().decompressobj()

    def decode(self, data: bytes) -> bytes:
        return bytes(self._obj.decompress(data))

    def flush(self) -> bytes:
        return b""


class _Chain:
    def __init__(self, decoders: list[_Decoder]) -> None:
        self._decoders = decoders

    def decode(self, data: bytes) -> bytes:
        for d in self._decoders:
            data = d.decode(data)
        return data

    def flush(self) -> bytes:
        data = b""
        for d in self._decoders:
            data = (d.decode(data) if data else b"") + d.flush()
        return data


class UnsupportedEncoding(ValueError):
    """A content-encoding we cannot decode (the body is then recorded as-is, as binary)."""


def make_decoder(content_encoding: str | None) -> _Decoder:
    """A streaming decoder for a ``Content-Encoding`` header value (possibly a list, applied in order)."""
    if not content_encoding:
        return _Identity()
    names = [n.strip().lower() for n in content_encoding.split(",") if n.strip()]
    decoders: list[_Decoder] = []
    # Encodings are listed in the order they were applied: decode in reverse.
    for name in reversed(names):
        if name in ("identity", ""):
            continue
        if name in ("gzip", "x-gzip"):
            decoders.append(_Zlib(gzip=True))
        elif name == "deflate":
            decoders.append(_Zlib(gzip=False))
        elif name == "br":
            try:
                decoders.append(_Brotli())
            except ImportError as exc:
                raise UnsupportedEncoding("br (install brotli)") from exc
        elif name == "zstd":
            try:
                decoders.append(_Zstd())
            except ImportError as exc:
                raise UnsupportedEncoding("zstd (install zstandard)") from exc
        else:
            raise UnsupportedEncoding(name)
    if not decoders:
        return _Identity()
    return decoders[0] if len(decoders) == 1 else _Chain(decoders)


class BodyBuffer:
    """Collects a body chunk by chunk: decodes content-encoding, keeps at most ``limit`` bytes.

    ``feed`` never raises: a decoding failure switches to keeping the raw bytes (``decode_error``).
    ``size`` counts all decoded bytes seen, kept or not.
    """

    __slots__ = ("_decoder", "_kept", "decode_error", "limit", "raw_size", "size", "store")

    def __init__(self, limit: int, content_encoding: str | None = None, *, store: bool = True) -> None:
        self.limit = limit
        self.store = store
        self._kept = bytearray()
        self.size = 0
        self.raw_size = 0
        self.decode_error: str | None = None
        try:
            self._decoder: _Decoder = make_decoder(content_encoding)
        except UnsupportedEncoding as exc:
            self._decoder = _Identity()
            self.decode_error = f"unsupported content-encoding {exc}"

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.store and len(self._kept) <= self.limit:
            self._kept += data[: self.limit + 1 - len(self._kept)]

    def feed(self, chunk: bytes) -> None:
        """Add one raw (possibly compressed) chunk."""
        if not chunk:
            return
        self.raw_size += len(chunk)
        if self.decode_error is not None and not isinstance(self._decoder, _Identity):
            return
        try:
            self._keep(self._decoder.decode(bytes(chunk)))
        except Exception as exc:  # corrupt compressed data: stop decoding, keep what we have
            self.decode_error = f"cannot decode body: {type(exc).__name__}"
            self._decoder = _Identity()

    def finish(self, complete: bool = True) -> tuple[bytes, int, bool]:
        """End of the body: (the decoded bytes kept, the decoded size, truncated), all that
        :meth:`body` needs besides the media type (plain values: picklable, cheap to hand over).
        ``complete=False``: the stream was closed early. Call once."""
        if complete and self.decode_error is None:
            try:
                self._keep(self._decoder.flush())
            except Exception as exc:
                self.decode_error = f"cannot decode body: {type(exc).__name__}"
        kept = bytes(self._kept[: self.limit])
        truncated = not complete or self.size > len(kept) or self.decode_error is not None
        return kept, self.size, truncated

    def body(self, media_type: str | None, *, complete: bool = True) -> Body:
        """The recorded :class:`Body` (``complete=False``: the stream was closed early). Call once."""
        kept, size, truncated = self.finish(complete)
        return make_body(kept, media_type, total_size=size, truncated=truncated)


def make_body(
    kept: bytes, media_type: str | None, *, total_size: int | None = None, truncated: bool = False
) -> Body:
    """A :class:`Body` from decoded ``kept`` bytes; ``total_size`` > ``len(kept)`` marks it truncated."""
    size = len(kept) if total_size is None else max(total_size, len(kept))
    if size > len(kept):
        truncated = True
    if not truncated:
        return body_from_bytes(kept, media_type)
    if size == 0:
        return Body(kind="empty", media_type=media_type, truncated=True)
    if media_type is None or is_textual_media_type(media_type) or is_json_media_type(media_type):
        text = _decode_prefix(kept)
        if text is not None:
            return Body(kind="text", media_type=media_type, size=size, text=text, truncated=True)
    import base64

    return Body(
        kind="binary",
        media_type=media_type,
        size=size,
        base64=base64.b64encode(kept).decode("ascii"),
        truncated=True,
    )


def _decode_prefix(data: bytes) -> str | None:
    """Decode UTF-8, dropping an incomplete multi-byte character cut at the end."""
    for cut in range(4):
        if cut > len(data):
            break
        try:
            return data[: len(data) - cut].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(data) - 4:
                return None
    return None
