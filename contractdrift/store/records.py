"""The fast read path: one JSON Lines line -> an exchange view, decoded in one C pass when possible.

``msgspec`` decodes a recording line straight into small typed structs (``_ExchangeRec``) that carry
only what the traffic stages read (method, URL, route, headers, bodies, status): no ``dict`` per
object, no frozen-dataclass construction, and unneeded fields (ids, tags, timings, ``extra``) are
skipped by the decoder. Measured on the 100k-exchange benchmark recording (101 MB, one core):
``json.loads`` + :meth:`Exchange.from_dict` 2.0 s, ``orjson.loads`` + ``from_dict`` 1.6 s, ``msgspec``
typed decoding 0.29 s. For untyped parsing msgspec and orjson are equally fast, so msgspec is the one
JSON library the project depends on (a compiled wheel for CPython on Linux, macOS and Windows).

Exactness: the typed decoder is strict. A line it rejects for any reason (a ``NaN``, ``1e400``, a lone
surrogate, a status written as a string, a header value that is a number...) is decoded again by
the standard library and :meth:`Exchange.from_dict`, exactly as before, so the fast path only ever
answers where the slow path would give the same view, and damaged lines are reported the same way.
Without msgspec installed (e.g. on PyPy) every line takes the standard-library path.

The structs satisfy :class:`contractdrift.model.ExchangeView`, the read-only protocol the inference
fold is written against; :class:`~contractdrift.model.Exchange` satisfies it too.

``check`` reads through :func:`decode_checked` (:meth:`~contractdrift.store.reader.RecordingReader.views`):
structs typed as strictly as :meth:`Exchange.from_dict` converts (``id`` a string, times numbers), with
everything ``check`` reads of a body (text, base64, :meth:`raw_bytes`). Response bodies are decoded
with the line (``check`` validates nearly all of them: on the Stripe benchmark, decoding the body as
``msgspec.Raw`` and again on use cost 7.9 µs a line against 6.1 µs for one pass); request bodies stay
``msgspec.Raw`` (syntax-checked by the line's decoding) until read, so the requests of GET calls and of
operations without a body schema cost no parsing. Lines it declines (``None``) take the standard
library path, so damaged-line messages and line numbers are unchanged.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ..model import Body, Exchange, ExchangeView, RecordedExchangeView, media_type_of
from .fastjson import dumps, loads
from .jsonl import FORMAT_NAME

__all__ = ["FAST", "RecordView", "decode_checked", "decode_record", "dumps", "loads"]

try:  # msgspec is a core dependency on CPython; elsewhere the standard library does the work
    import msgspec
except ImportError:  # pragma: no cover - exercised only where msgspec cannot be installed
    msgspec = None  # type: ignore[assignment]

FAST = msgspec is not None

_EMPTY = Body()


if msgspec is not None:

    class _BodyRec(msgspec.Struct, frozen=True, gc=False):
        kind: str = "empty"
        media_type: str | None = None
        size: int = 0
        json: Any = None
        truncated: bool = False
        text: Any = None
        base64: Any = None

    class _RequestRec(msgspec.Struct, frozen=True, gc=False):
        method: str
        url: str
        headers: tuple[tuple[str, str], ...] = ()
        body_: _BodyRec | None = msgspec.field(default=None, name="body")

        def __post_init__(self) -> None:
            if not self.method.isupper():  # Request.from_dict upper-cases the method
                msgspec.structs.force_setattr(self, "method", self.method.upper())

        @property
        def body(self) -> _BodyRec | Body:
            return self.body_ if self.body_ is not None else _EMPTY

        @property
        def media_type(self) -> str | None:
            return self.body.media_type or media_type_of(self.headers)

    class _ResponseRec(msgspec.Struct, frozen=True, gc=False):
        status: int
        headers: tuple[tuple[str, str], ...] = ()
        body_: _BodyRec | None = msgspec.field(default=None, name="body")
        http_version: Any = None

        @property
        def body(self) -> _BodyRec | Body:
            return self.body_ if self.body_ is not None else _EMPTY

        @property
        def media_type(self) -> str | None:
            return self.body.media_type or media_type_of(self.headers)

    class _ExchangeRec(msgspec.Struct, frozen=True, gc=False):
        # Every field Exchange.from_dict validates is typed here, so a line accepted by this decoder
        # is one from_dict accepts too (stricter types only send more lines to the slow path).
        id: Any
        request: _RequestRec
        response: _ResponseRec | None = None
        started_at: float = 0.0
        duration_ms: float = 0.0
        source: Any = "other"
        route: str | None = None
        tags: dict[str, Any] | None = None
        error: Any = None
        extra: dict[str, Any] | None = None

    _typed_decoder: Any = msgspec.json.Decoder(_ExchangeRec)
    _fast_errors: tuple[type[BaseException], ...] = (msgspec.DecodeError, msgspec.ValidationError)

    # -- check's read path: every field Exchange.from_dict reads, typed; request bodies lazy --------
    _any_decoder: Any = msgspec.json.Decoder()

    def _raw_bytes(body: Any) -> bytes:
        """:meth:`Body.raw_bytes` of a struct body (the same bytes for the same values)."""
        kind = body.kind
        if kind == "json":
            return json.dumps(body.json, separators=(",", ":"), ensure_ascii=False).encode()
        if kind == "text":
            return (body.text or "").encode()
        if kind == "binary":
            return base64.b64decode(body.base64 or "")
        return b""

    class _CheckBody(msgspec.Struct, frozen=True):
        """A response body: its JSON decoded with the line (``check`` validates nearly every one)."""

        kind: str = "empty"
        media_type: str | None = None
        size: int = 0
        json: Any = None
        truncated: bool = False
        text: Any = None
        base64: Any = None
        # set by decode_checked (whatever a line says under this member name): the
        # JSON came from msgspec (exact JSON types, finite numbers) and nests at most PLAIN_DEPTH deep
        plain: bool = msgspec.field(default=False, name="contractdrift:plain")

        def raw_bytes(self) -> bytes:
            return _raw_bytes(self)

    class _LazyBody(msgspec.Struct, frozen=True):
        """A request body: its JSON kept as raw bytes (checked by msgspec when the line is decoded)
        and parsed only when read, so requests nothing checks cost no parsing."""

        kind: str = "empty"
        media_type: str | None = None
        size: int = 0
        json_: msgspec.Raw = msgspec.field(default=msgspec.Raw(), name="json")
        truncated: bool = False
        text: Any = None
        base64: Any = None

        @property
        def json(self) -> Any:
            raw = self.json_
            if not raw:
                return None  # no "json" member: Body.from_dict's None
            try:
                return _any_decoder.decode(raw)
            except msgspec.DecodeError:  # NaN, 1e400...: what json.loads makes of the same text
                return json.loads(bytes(raw))

        def raw_bytes(self) -> bytes:
            return _raw_bytes(self)

    _EMPTY_CHECK_BODY = Body()

    class _CheckRequest(msgspec.Struct, frozen=True):
        method: str
        url: str
        headers: tuple[tuple[str, str], ...] = ()
        body_: _LazyBody | None = msgspec.field(default=None, name="body")

        def __post_init__(self) -> None:
            if not self.method.isupper():  # Request.from_dict upper-cases the method
                msgspec.structs.force_setattr(self, "method", self.method.upper())

        @property
        def body(self) -> _LazyBody | Body:
            return self.body_ if self.body_ is not None else _EMPTY_CHECK_BODY

        @property
        def media_type(self) -> str | None:
            return self.body.media_type or media_type_of(self.headers)

    class _CheckResponse(msgspec.Struct, frozen=True):
        status: int
        headers: tuple[tuple[str, str], ...] = ()
        body_: _CheckBody | None = msgspec.field(default=None, name="body")
        http_version: Any = None

        @property
        def body(self) -> _CheckBody | Body:
            return self.body_ if self.body_ is not None else _EMPTY_CHECK_BODY

        @property
        def media_type(self) -> str | None:
            return self.body.media_type or media_type_of(self.headers)

    class _CheckExchange(msgspec.Struct, frozen=True):
        # Typed at least as strictly as Exchange.from_dict converts (``id`` a string, times numbers,
        # ``tags``/``extra`` objects): a line this decoder accepts gives the values from_dict gives.
        id: str
        request: _CheckRequest
        response: _CheckResponse | None = None
        started_at: float = 0.0
        duration_ms: float = 0.0
        source: Any = "other"
        route: Any = None
        tags: dict[str, Any] | None = None
        error: Any = None
        extra: dict[str, Any] | None = None
        replay_of: Any = None

    _check_decoder: Any = msgspec.json.Decoder(_CheckExchange)
else:  # pragma: no cover
    _typed_decoder = None
    _fast_errors = ()
    _check_decoder = None


#: A response body whose line holds at most this many ``{`` and ``[`` nests at most this deep; such a
#: body decoded by msgspec is marked ``plain`` (see :meth:`~contractdrift.compare.validate.CompiledSchema.validate`).
PLAIN_DEPTH = 64


def decode_checked(line: bytes, max_depth: int) -> RecordedExchangeView | None:
    """``check``'s fast decoding of one recording line, or ``None`` when the standard-library path
    must decide (a header, a damaged line, anything the typed decoder rejects).

    A view is returned only where ``Exchange.from_dict(json.loads(line))`` would give the same
    values: bytes that are not UTF-8 (which msgspec lets through inside strings it skips) and lines
    long enough to nest deeper than ``max_depth`` (where ``json.loads`` may hit the recursion limit and
    the slow path reports the line as too deeply nested) go to the slow path.
    """
    if _check_decoder is None:  # pragma: no cover
        return None
    if len(line) > 2 * max_depth and line.count(b"[") + line.count(b"{") > max_depth:
        return None
    if not line.isascii():
        try:
            line.decode("utf-8", "surrogatepass")  # what json.loads accepts
        except UnicodeDecodeError:
            return None
    try:
        rec: Any = _check_decoder.decode(line)
    except _fast_errors:
        return None
    response = rec.response
    if response is not None:
        body = response.body_
        if body is not None:  # set either way: a line naming the member must not vouch for itself
            shallow = body.json is not None and line.count(b"{") + line.count(b"[") <= PLAIN_DEPTH
            msgspec.structs.force_setattr(body, "plain", shallow)  # no more containers in the line than that
    view: RecordedExchangeView = rec
    return view

#: What :func:`decode_record` returns for an exchange line: a fast struct or an :class:`Exchange`.
RecordView = ExchangeView


def decode_record(line: bytes) -> ExchangeView | dict[str, Any]:
    """Decode one recording line.

    Returns an exchange view, or the parsed ``dict`` when the line is a recording header. Raises
    ``ValueError`` (malformed JSON, with the standard library's message) or
    ``KeyError``/``TypeError``/``AttributeError`` (valid JSON that is no exchange), like
    ``Exchange.from_dict(json.loads(line))``.
    """
    if _typed_decoder is not None:
        try:
            rec: ExchangeView = _typed_decoder.decode(line)
            return rec
        except _fast_errors:
            pass
    obj = json.loads(line)
    if isinstance(obj, dict) and obj.get("format") == FORMAT_NAME:
        return obj
    return Exchange.from_dict(obj)
