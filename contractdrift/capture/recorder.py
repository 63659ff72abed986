"""The recording sink shared by every live capture source.

A :class:`Recorder` joins three parts: its :class:`~.policy.PolicyGate` decides *whether* to record
(:meth:`Recorder.wants`: host/path filters, sampling, per-route rate limit) and what of a body to
keep; its :class:`~.offload.OffloadWriter` hands what it records to a writer off the request path,
so the host application never waits on disk and never sees an exception from recording; its
:class:`~.offload.FailureLog` counts failures, logs the first (redacted) and keeps the last in
:attr:`Recorder.stats`.

Two ways in:

* :meth:`Recorder.submit` takes a finished :class:`~contractdrift.model.Exchange` (httpx transports),
  redacts and tags it in the caller's thread, then queues it;
* :meth:`Recorder.submit_raw` takes a *raw capture* (a plain tuple, see :mod:`._raw`) from the ASGI/WSGI
  middleware and the proxy. Their hot path only tees body chunks and appends the tuple to an
  in-memory queue; building the exchange, redacting it (credential headers, query, bodies, value
  patterns), serializing and writing happen in the writer, before anything reaches the disk.

Where the writer runs (``offload``, see :mod:`.offload`): ``"thread"`` (the default: a background
thread), ``"process"`` (a writer process), ``"auto"`` (the thread, then a process once busy: for
long-lived recorders such as ``contractdrift record``'s) or ``"inline"`` (``background=False``).
Starting a process is opt-in: a short-lived recorder (a test suite's) never pays for one.

Process-wide hooks (close every live recorder at exit, reset them in a forked child) are installed
when the first recorder is created, not on import.

Layering note: the recorder is the one place where the capture stage hands data to the store stage
(``store.jsonl.JsonlWriter``, through :class:`._raw.Backend`).
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from ..errors import UsageError
from ..model import Body, Exchange
from ..store.jsonl import JsonlWriter
from ._ids import new_exchange_id
from ._raw import Backend
from .body import BodyBuffer
from .offload import OFFLOADS, FailureLog, Offload, OffloadWriter
from .policy import CapturePolicy, HeaderScrubber, PolicyGate
from .redact import Redactor

__all__ = ["CapturePolicy", "Offload", "Recorder", "RecorderStats", "new_exchange_id"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RecorderStats:
    """A snapshot of a recorder's counters."""

    submitted: int = 0
    recorded: int = 0
    dropped_sampling: int = 0
    dropped_filtered: int = 0
    dropped_rate_limited: int = 0
    dropped_queue_full: int = 0
    truncated_bodies: int = 0
    errors: int = 0
    pending: int = 0
    last_error: str | None = None
    writer_restarts: int = 0  # writer processes that died and were replaced
    offload: str = ""  # where the writer runs now: "process", "thread" or "inline"

    @property
    def dropped(self) -> int:
        """All exchanges not recorded on purpose or for lack of queue space."""
        return self.dropped_sampling + self.dropped_filtered + self.dropped_rate_limited + self.dropped_queue_full


# --- process-wide hooks, installed with the first recorder ----------------------------------------

_LIVE: weakref.WeakSet[Recorder] = weakref.WeakSet()
_HOOKS_LOCK = threading.Lock()
_hooks_installed = False


def _close_all() -> None:
    for recorder in list(_LIVE):
        recorder.close()


def _after_fork_in_child() -> None:
    for recorder in list(_LIVE):
        recorder._reset_after_fork()


def _install_hooks() -> None:
    global _hooks_installed
    with _HOOKS_LOCK:
        if _hooks_installed:
            return
        _hooks_installed = True
        atexit.register(_close_all)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)


def hooks_installed() -> bool:
    """Whether the exit and fork hooks are installed (they are once a recorder was created)."""
    return _hooks_installed


def _resolve_offload(offload: str, path: str | None, background: bool) -> str:
    if offload not in OFFLOADS:
        raise UsageError(f"offload must be one of {', '.join(map(repr, OFFLOADS))}, not {offload!r}")
    if not background:
        if offload not in ("thread", "inline"):
            raise UsageError(f"background=False means offload='inline', not {offload!r}")
        return "inline"
    if path is None:
        if offload == "process":
            raise UsageError("offload='process' needs a file path")
        if offload == "auto":
            return "thread"
    return offload


class Recorder:
    """The sink: filters, redacts, queues and writes exchanges. Never raises into the host app.

    ``path``: a JSON Lines file (``.gz`` or ``compress=True`` for gzip), or ``None`` to keep
    exchanges in memory in :attr:`exchanges`. ``redact``: ``True`` (default rules), ``False``, or a
    :class:`~contractdrift.capture.redact.Redactor`. ``sample_rate`` and ``max_body_bytes`` override
    the same fields of ``policy`` when given different from their defaults. ``tags`` are added to
    every exchange (an exchange's own tags win). ``offload`` says where exchanges are built,
    redacted and written: ``"thread"`` (default), ``"process"``, ``"auto"`` (a thread, then a
    writer process once busy: for long-lived services) or ``"inline"`` (in :meth:`submit` itself;
    also ``background=False``). ``queue_size`` bounds what waits for the writer (beyond it,
    exchanges are dropped and counted). ``rotate_bytes`` and ``compress`` are passed to the JSON
    Lines writer.

    The file is opened (created with mode ``0600``) by the constructor, which raises
    :class:`~contractdrift.errors.RecordingError` (an ``OSError``) when that is impossible, and bad
    options raise :class:`~contractdrift.errors.UsageError` (a ``ValueError``): a configuration
    error surfaces at set-up. From then on nothing raises.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *,
        redact: bool | Redactor = True,
        sample_rate: float = 1.0,
        max_body_bytes: int = 1 << 20,
        tags: Mapping[str, str] | None = None,
        policy: CapturePolicy | None = None,
        queue_size: int = 10_000,
        background: bool = True,
        rotate_bytes: int | None = None,
        compress: bool = False,
        offload: Offload = "thread",
    ) -> None:
        pol = policy or CapturePolicy()
        if sample_rate != 1.0:
            pol = replace(pol, sample_rate=sample_rate)
        if max_body_bytes != 1 << 20:
            pol = replace(pol, max_body_bytes=max_body_bytes)
        self.policy = pol
        if redact is True:
            self.redactor: Redactor | None = Redactor()  # a fresh secret salt for this recording
        elif redact is False:
            self.redactor = None
        else:
            self.redactor = redact.for_recording()
        self.tags: dict[str, str] = {str(k): str(v) for k, v in (tags or {}).items()}
        self.path = os.fspath(path) if path is not None else None
        mode = _resolve_offload(offload, self.path, background)
        self._failures = FailureLog(self.path or "memory", self.redactor)
        self._gate = PolicyGate(pol, self._failures.fail)
        self._scrub = HeaderScrubber(self.redactor)
        #: Whether :meth:`wants` looks at the URL (front-ends skip building it otherwise).
        self.checks_url = self._gate.checks_url
        #: Whether :meth:`body_allowed` depends on the media type (a content-type allow-list).
        self.checks_content_types = self._gate.checks_content_types
        compress = compress or (self.path is not None and self.path.endswith(".gz"))
        self._writer: JsonlWriter | None = None
        if self.path is not None:
            self._writer = JsonlWriter(self.path, compress=compress, rotate_bytes=rotate_bytes)
            self._writer.open()  # a misconfigured path fails here, at set-up, not during traffic
        backend = Backend(self.path, redactor=self.redactor, tags=self.tags, max_body_bytes=pol.max_body_bytes,
                          writer=self._writer)
        self.exchanges: list[Exchange] = backend.memory
        child_config = {"path": self.path, "redactor": self.redactor, "tags": self.tags,
                        "max_body_bytes": pol.max_body_bytes, "compress": compress, "rotate_bytes": rotate_bytes}
        self._offload = OffloadWriter(backend, self._failures, mode=mode, queue_size=queue_size,
                                      child_config=child_config if self.path is not None else None)
        self._closed = False
        _install_hooks()
        _LIVE.add(self)

    # --- decisions (the policy gate) -------------------------------------------------------------

    @property
    def max_body_bytes(self) -> int:
        """Bodies above this many (decoded) bytes are kept truncated."""
        return self.policy.max_body_bytes

    @property
    def offload(self) -> str:
        """Where the writer runs now: ``"process"``, ``"thread"`` or ``"inline"``."""
        return self._offload.mode

    def wants(self, method: str, url: str, route: str | None = None) -> bool:
        """Whether to record this exchange: filters, then sampling, then the per-route rate limit.

        Counts the reason when it says no. Never raises (a failure counts as an error and says no).
        When :attr:`checks_url` is false, ``url`` is not looked at (front-ends may pass ``""``).
        """
        return self._gate.wants(method, url, route)

    def body_allowed(self, media_type: str | None) -> bool:
        """Whether bodies of this media type are kept (the content-type allow-list)."""
        return self._gate.body_allowed(media_type)

    def body_buffer(self, media_type: str | None, content_encoding: str | None = None) -> BodyBuffer:
        """A :class:`~contractdrift.capture.body.BodyBuffer` honouring this recorder's body policy."""
        return self._gate.body_buffer(media_type, content_encoding)

    def make_body(self, data: bytes, media_type: str | None) -> Body:
        """A recorded body from complete decoded bytes, honouring the size cap and allow-list."""
        return self._gate.make_body(data, media_type)

    @property
    def scrub_headers(self) -> Callable[[Sequence[tuple[Any, Any]]], Sequence[tuple[Any, Any]]]:
        """``scrub_headers(raw)``: headers (``bytes`` or ``str`` pairs) with credential headers
        masked by name, cheaply (small caches of names and values), for adapters that build
        exchanges themselves.

        ``Authorization``, cookies, API keys and the other secret header names of the redactor are
        masked. (Raw captures of the middleware and the proxy are not scrubbed on the request path:
        the writer redacts them whole, credential headers included, before writing.) Returns ``raw``
        itself when nothing changed.
        """
        return self._scrub.scrub

    # --- submitting ------------------------------------------------------------------------------

    def submit(self, exchange: Exchange) -> bool:
        """Redact, tag and enqueue a finished exchange. True when accepted; never raises."""
        try:
            if self._closed:
                self._failures.fail(RuntimeError("recorder is closed"), "submitting")
                return False
            if self.redactor is not None:
                exchange = self.redactor.redact(exchange)
            if self.tags:
                exchange = replace(exchange, tags={**self.tags, **exchange.tags})
            self._offload.add_truncated(int(exchange.request.body.truncated) + int(
                exchange.response is not None and exchange.response.body.truncated))
            return self._offload.submit(("x", exchange))
        except Exception as exc:
            self._failures.fail(exc, "submitting an exchange")
            return False

    def submit_raw(self, capture: tuple[Any, ...]) -> bool:
        """Enqueue a raw capture from a capture front-end (see :mod:`contractdrift.capture._raw`).

        The hot path: no parsing, no redaction (the writer redacts everything before writing), no
        lock (see ``offload.OffloadWriter.submit``). True when accepted;
        never raises.
        """
        try:
            if self._closed:
                self._failures.fail(RuntimeError("recorder is closed"), "submitting")
                return False
            return self._offload.submit(capture)
        except Exception as exc:
            self._failures.fail(exc, "submitting an exchange")
            return False

    def note_error(self, exc: BaseException, doing: str = "capturing an exchange") -> None:
        """Count a capture failure (for capture front-ends); logged once, redacted. Never raises."""
        self._failures.fail(exc, doing)

    # --- stats -----------------------------------------------------------------------------------

    @property
    def writer_pid(self) -> int | None:
        """The writer process's pid while one runs (``offload="process"``), else ``None``."""
        return self._offload.writer_pid

    @property
    def stats(self) -> RecorderStats:
        """A snapshot of the counters (exact once :meth:`flush` or :meth:`close` returned)."""
        gate, out, failures = self._gate, self._offload, self._failures
        return RecorderStats(
            submitted=out.submitted,
            recorded=out.recorded,
            dropped_sampling=gate.dropped_sampling,
            dropped_filtered=gate.dropped_filtered,
            dropped_rate_limited=gate.dropped_rate_limited,
            dropped_queue_full=out.dropped_queue_full,
            truncated_bodies=out.truncated,
            errors=failures.errors,
            pending=out.pending,
            last_error=failures.last_error,
            writer_restarts=out.restarts,
            offload=out.mode,
        )

    # --- lifecycle -------------------------------------------------------------------------------

    def _reset_after_fork(self) -> None:
        """In a forked child: fresh queue, locks, counters and file descriptor; no writer yet.

        The parent's pending exchanges stay the parent's job (and its writer process stays its
        own). The child reopens the file so that its ``flock`` excludes the parent's writes (an
        inherited descriptor would share the lock).
        """
        self._offload.after_fork()
        self._gate.reset()
        self._failures.reset()
        if self._writer is not None:
            self._writer.after_fork()

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything submitted so far is written (or ``timeout`` seconds passed)."""
        try:
            self._offload.flush(timeout)
        except Exception as exc:
            self._failures.fail(exc, "flushing")

    def close(self, timeout: float | None = 30.0) -> None:
        """Flush, stop the writer (thread and process) and close the file. Idempotent; also at exit."""
        if self._closed:
            return
        self._closed = True
        try:
            self._offload.stop(timeout)
            if self._writer is not None:
                self._writer.close()
        except Exception as exc:
            self._failures.fail(exc, "closing")
        finally:
            _LIVE.discard(self)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Recorder({self.path!r}, offload={self.offload!r}, recorded={self._offload.recorded})"
