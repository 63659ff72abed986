"""Exchange ids: 26-character, time-ordered, unique (ULID layout), cheap to make."""

from __future__ import annotations

import itertools
import os
import threading
import time

__all__ = ["IdBlock", "id_in_block", "new_exchange_id", "reserve_ids"]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]  # 10 bits -> 2 characters


def _encode(value: int, chars: int) -> str:
    """``value`` as ``chars`` Crockford base32 digits (``chars`` even)."""
    pairs = _PAIRS
    out = []
    for shift in range(5 * (chars - 2), -1, -10):
        out.append(pairs[(value >> shift) & 1023])
    return "".join(out)


class _State:
    __slots__ = ("counter", "last_ms", "lock", "prefix", "time_text")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last_ms = 0
        self.time_text = ""
        # 80 "random" bits = 40 random bits fixed per process + a 40-bit counter.
        self.prefix = _encode(int.from_bytes(os.urandom(5), "big"), 8)
        self.counter = itertools.count(int.from_bytes(os.urandom(2), "big"))


_state: _State | None = None  # made on first use, with the fork hook: importing registers nothing
_INIT = threading.Lock()


def _first_state() -> _State:
    global _state
    with _INIT:
        if _state is None:
            _state = _State()
            if hasattr(os, "register_at_fork"):
                os.register_at_fork(after_in_child=_after_fork)
        return _state


def new_exchange_id() -> str:
    """A 26-character, time-ordered, unique id (ULID layout: 48-bit ms time + 80 more bits).

    The 80 bits are a random per-process prefix (40 bits) and a per-process counter (40 bits), so
    ids made in one process are strictly increasing (sorting ids sorts exchanges by the time they
    were recorded) and ids made in different processes differ by their random prefix.
    """
    st = _state or _first_state()
    ms = time.time_ns() // 1_000_000
    with st.lock:
        if ms > st.last_ms:
            st.last_ms = ms
            st.time_text = _encode(ms, 10)
        text = st.time_text
        n = next(st.counter) & 0xFF_FFFF_FFFF
    return text + st.prefix + _PAIRS[n >> 30] + _PAIRS[(n >> 20) & 1023] + _PAIRS[(n >> 10) & 1023] + _PAIRS[n & 1023]


#: ``n`` ids reserved at once: (the 18 leading characters: time and process prefix, first counter).
IdBlock = tuple[str, int]


def reserve_ids(n: int) -> IdBlock:
    """Reserve ``n`` consecutive ids (one lock for a whole batch); :func:`id_in_block` spells them.

    The recorder reserves a batch's ids before handing the batch to its writer, so that a batch
    re-sent to a replacement writer gets the very same ids (exchanges the dead writer had already
    written are recognised by their id and not written twice).
    """
    st = _state or _first_state()
    ms = time.time_ns() // 1_000_000
    with st.lock:
        if ms > st.last_ms:
            st.last_ms = ms
            st.time_text = _encode(ms, 10)
        text = st.time_text
        first = next(st.counter)
        if n > 1:
            st.counter = itertools.count(first + n)
    return text + st.prefix, first


def id_in_block(block: IdBlock, i: int) -> str:
    """The ``i``-th id of a reserved block (the same text :func:`new_exchange_id` would make)."""
    head, first = block
    n = (first + i) & 0xFF_FFFF_FFFF
    return head + _PAIRS[n >> 30] + _PAIRS[(n >> 20) & 1023] + _PAIRS[(n >> 10) & 1023] + _PAIRS[n & 1023]


def _after_fork() -> None:  # a forked child gets its own prefix, lock and counter
    global _state
    _state = _State()
