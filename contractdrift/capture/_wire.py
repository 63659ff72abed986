"""How raw captures travel from the serving process to the recorder's writer process.

A raw capture of the ASGI middleware is a flat tuple of plain values (see ``_raw._asgi``). With a
writer process, :meth:`OffloadWriter.submit <contractdrift.capture.offload.OffloadWriter.submit>`
*packs* it right away into msgpack bytes (msgspec, about 0.3 µs): the queue then holds ``bytes``,
which the cyclic garbage collector never visits (a queued tuple of lists would be promoted
through its generations and make the host's full collections more frequent), and a batch is
framed by joining them, with no serialization left for the feeder thread. Batches with anything
else in them (WSGI and proxy captures, finished exchanges) and re-sent batches are pickled; the
writer tells the two apart by the first byte (a pickle starts with ``PROTO``, 0x80; a msgpack
array never does).

msgpack gives lists for tuples: the writer's layouts only unpack and index them. Without msgspec
(it is a dependency on CPython only), everything is pickled.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["PACKABLE", "decode_message", "encode_batch", "pack", "unpack"]

#: Raw-capture layouts made of plain values only (packed with msgpack on the request path).
PACKABLE = "asgi"

_encode: Callable[[Any], bytes] | None
_decode: Callable[[bytes], Any] | None
try:
    import msgspec
except ImportError:  # pragma: no cover - msgspec is a dependency on CPython; elsewhere: pickle
    _encode = _decode = None
    _Raw: Any = None
else:
    _encode = msgspec.msgpack.Encoder().encode
    _decode = msgspec.msgpack.Decoder().decode
    _Raw = msgspec.Raw

#: ``pack(capture) -> bytes`` for a raw capture of the :data:`PACKABLE` layout (``None``: no msgspec).
pack: Callable[[tuple[Any, ...]], bytes] | None = _encode


def unpack(data: bytes) -> Any:
    """A packed raw capture back as a sequence (lists for its tuples)."""
    return _decode(data) if _decode is not None else pickle.loads(data)  # pragma: no branch


def _array_header(n: int) -> bytes:
    if n < 16:
        return bytes((0x90 | n,))
    if n < 1 << 16:
        return b"\xdc" + n.to_bytes(2, "big")
    return b"\xdd" + n.to_bytes(4, "big")


_ALL_PACKED = {bytes}
_BATCH_HEAD = b"\x94\xa5batch"  # msgpack: an array of 4, then the string "batch"


def encode_batch(batch: Sequence[Any], ids: tuple[str, int]) -> bytes | None:
    """The frame of ``("batch", items, ids, None)`` for the writer process; ``None`` when it cannot
    be pickled (the feeder then writes the batch itself).

    Items that are all packed (``bytes``) are joined into one msgpack array, no serialization
    needed; ASGI captures queued before packing began (``offload="auto"`` switching to its writer
    process) are encoded beside them; any other batch is pickled (packed items inside stay bytes,
    unpacked by the writer).
    """
    if _encode is not None:
        kinds = set(map(type, batch))
        if kinds == _ALL_PACKED:
            return _BATCH_HEAD + _array_header(len(batch)) + b"".join(batch) + _encode(ids) + b"\xc0"
        if all(type(item) is bytes or item[0] == PACKABLE for item in batch):  # captured before packing began
            try:
                return _encode(("batch", [_Raw(item) if type(item) is bytes else item for item in batch], ids, None))
            except (TypeError, ValueError, OverflowError):  # a value msgpack does not carry: pickle it
                pass
    try:
        return pickle.dumps(("batch", list(batch), ids, None), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None


def decode_message(data: bytes) -> Any:
    """A message sent by the recorder: an :func:`encode_batch` frame or a pickle."""
    if data[:1] == b"\x80" or _decode is None:
        return pickle.loads(data)
    return _decode(data)
