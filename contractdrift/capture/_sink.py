"""What the middleware and the proxy need from a recorder (a :class:`contractdrift.Recorder`)."""

from __future__ import annotations

import contextlib
from typing import Protocol, runtime_checkable

from ..model import Exchange

__all__ = ["RecorderSink", "note_error"]


@runtime_checkable
class RecorderSink(Protocol):
    """The part of :class:`contractdrift.Recorder` that capture front-ends call."""

    def wants(self, method: str, url: str, route: str | None = None) -> bool: ...

    def body_allowed(self, media_type: str | None) -> bool: ...

    @property
    def max_body_bytes(self) -> int: ...

    def submit(self, exchange: Exchange) -> bool: ...


def note_error(recorder: object, exc: BaseException) -> None:
    """Count a capture failure in the recorder's statistics when it offers a way to."""
    hook = getattr(recorder, "note_error", None)
    if callable(hook):
        with contextlib.suppress(Exception):
            hook(exc)
