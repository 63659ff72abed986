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
"""

from __future__ import annotations

import json
from typing import Any

from ..model import Body, Exchange, ExchangeView, media_type_of
from .fastjson import dumps, loads
from .jsonl import FORMAT_NAME

__all__ = ["FAST", "RecordView", "decode_record", "dumps", "loads"]

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
else:  # pragma: no cover
    _typed_decoder = None
    _fast_errors = ()

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
