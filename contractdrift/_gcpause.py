"""The cyclic garbage collector paused while folding or checking (its own module: a serial ``check``
needs it without the process pool machinery of :mod:`contractdrift.parallel`)."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["_frozen_heap", "_gc_paused"]

_GC_LOCK = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextlib.contextmanager
def _gc_paused() -> Any:
    """The cyclic garbage collector off while folding (nested and thread-safe: on again, if it was
    on, when the last pause ends). The fold builds only trees -- decoded JSON values, summaries --
    so the collector finds nothing to free (0 objects over a 100k-exchange recording) yet costs
    10-15% of the fold walking the buffered values again and again; everything is still freed by
    reference counting, and cycles made meanwhile by other code are collected when it ends."""
    global _gc_pauses, _gc_was_enabled
    with _GC_LOCK:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """Leave what exists now (the parsed specs: millions of objects) out of garbage collection while
    comparing, checking or rendering: otherwise every full collection walks them again, a quarter of
    ``diff``'s time on a large pair and 8% of a ``check`` against Stripe's spec. Nothing is leaked: the
    objects are handed back to the collector afterwards."""
    if gc.get_freeze_count() or not gc.isenabled():  # the caller manages the collector: leave it be
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
