"""What the middleware and the proxy need from a recorder (a :class:`contractdrift.Recorder`)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from ..model import Exchange

__all__ = ["FailureCounter", "MiddlewareBase", "RecorderSink", "note_error", "raw_submitter"]

_log = logging.getLogger("contractdrift.capture")


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


RawSubmit = Callable[[tuple[Any, ...]], bool]


def raw_submitter(recorder: object) -> RawSubmit:
    """How a front-end hands over a raw capture: ``recorder.submit_raw`` when it has one, else a
    function that builds the exchange right away and calls ``recorder.submit`` (custom sinks)."""
    submit_raw = getattr(recorder, "submit_raw", None)
    if callable(submit_raw):
        return submit_raw  # type: ignore[no-any-return]
    from ._raw import materialize

    def submit(capture: tuple[Any, ...]) -> bool:
        limit = int(getattr(recorder, "max_body_bytes", 1 << 20))
        return bool(recorder.submit(materialize(capture, limit)))  # type: ignore[attr-defined]

    return submit


class FailureCounter:
    """Failure accounting for capture front-ends: every failure counted, logged once, never raised."""

    recorder: RecorderSink

    def __init__(self) -> None:
        self.errors = 0
        self._logged = False

    def _failed(self, exc: BaseException) -> None:
        self.errors += 1
        note_error(self.recorder, exc)
        if not self._logged:
            self._logged = True
            _log.warning("contractdrift: failed to record an exchange (%s); further failures are counted, not logged",
                         type(exc).__name__)


class MiddlewareBase(FailureCounter):
    """What the ASGI and WSGI middleware share: the recorder's hand-over functions, which checks it
    wants made on the request path, and failure accounting (counted always, logged once)."""

    def __init__(self, recorder: RecorderSink) -> None:
        super().__init__()
        self.recorder = recorder
        self._checks_url = bool(getattr(recorder, "checks_url", True))
        self._checks_types = bool(getattr(recorder, "checks_content_types", True))
        self._submit = raw_submitter(recorder)
