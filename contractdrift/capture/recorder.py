"""The recording sink shared by every live capture source.

A :class:`Recorder` decides *whether* to record (:meth:`Recorder.wants`: host/path filters, sampling,
per-route rate limit), redacts each exchange *before* it is queued, and hands it to a background
writer thread through a bounded queue, so the host application never waits on disk and never sees
an exception from recording. Failures are counted, logged once (redacted) and visible in
:attr:`Recorder.stats`.

``path=None`` keeps exchanges in memory (:attr:`Recorder.exchanges`), which is handy in tests.

Layering note: the recorder is the one place where the capture stage hands data to the store stage
(``store.jsonl.JsonlWriter``); everything else in ``capture/`` only produces exchanges.
"""

from __future__ import annotations

import atexit
import contextlib
import fnmatch
import logging
import os
import queue
import random
import re
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import TracebackType
from urllib.parse import urlsplit

from ..model import Body, Exchange
from ..store.jsonl import JsonlWriter
from .body import BodyBuffer, make_body
from .redact import DEFAULT_REDACTOR, Redactor

logger = logging.getLogger("contractdrift.capture")

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_LOCK = threading.Lock()
_last_id_ms = 0
_last_id_rand = 0


def new_exchange_id() -> str:
    """A 26-character, time-ordered, unique id (ULID layout: 48-bit ms time + 80 random bits).

    Ids made in one process are strictly increasing (within one millisecond the random part is
    incremented), so sorting ids sorts exchanges by start time.
    """
    global _last_id_ms, _last_id_rand
    ms = time.time_ns() // 1_000_000
    with _ID_LOCK:
        if ms <= _last_id_ms:
            ms = _last_id_ms
            rand = (_last_id_rand + 1) & ((1 << 80) - 1)
        else:
            rand = random.getrandbits(80)
        _last_id_ms, _last_id_rand = ms, rand
    value = (ms << 80) | rand
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


@dataclass(frozen=True, slots=True, kw_only=True)
class CapturePolicy:
    """What a recorder keeps.

    * ``sample_rate``: probability of recording an exchange (0..1);
    * ``max_body_bytes``: bodies larger than this are kept truncated (``size`` tells the full size);
    * ``content_types``: allow-list of media types or globs (``"application/json"``, ``"text/*"``)
      whose bodies are kept; empty means all. Other bodies are recorded empty-but-sized, truncated;
    * ``include_paths`` / ``exclude_paths``: URL path globs (``/api/*``) or regexes (``re:^/v\\d+/``,
      searched); empty include means all; exclude wins;
    * ``include_hosts`` / ``exclude_hosts``: host globs, matched against ``host`` and ``host:port``;
    * ``per_route_rate``: at most this many recorded exchanges per second per (method, route or path)
      (token bucket, bursts up to one second's worth).
    """

    sample_rate: float = 1.0
    max_body_bytes: int = 1 << 20
    content_types: tuple[str, ...] = ()
    include_paths: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()
    include_hosts: tuple[str, ...] = ()
    exclude_hosts: tuple[str, ...] = ()
    per_route_rate: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.sample_rate <= 1.0:
            raise ValueError(f"sample_rate must be between 0 and 1, not {self.sample_rate}")
        if self.max_body_bytes < 0:
            raise ValueError("max_body_bytes must be >= 0")
        if self.per_route_rate is not None and self.per_route_rate <= 0:
            raise ValueError("per_route_rate must be positive")


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

    @property
    def dropped(self) -> int:
        """All exchanges not recorded on purpose or for lack of queue space."""
        return self.dropped_sampling + self.dropped_filtered + self.dropped_rate_limited + self.dropped_queue_full


def _compile_patterns(patterns: tuple[str, ...], *, case_insensitive: bool = False) -> list[re.Pattern[str]]:
    flags = re.IGNORECASE if case_insensitive else 0
    out = []
    for p in patterns:
        if p.startswith("re:"):
            out.append(re.compile(p[3:], flags))
        else:
            out.append(re.compile("^" + fnmatch.translate(p), flags))
    return out


def _any_match(patterns: list[re.Pattern[str]], *values: str) -> bool:
    return any(p.search(v) for p in patterns for v in values)


class _Bucket:
    __slots__ = ("stamp", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp


_SENTINEL = object()
_LIVE: weakref.WeakSet[Recorder] = weakref.WeakSet()


def _close_all() -> None:
    for recorder in list(_LIVE):
        recorder.close()


atexit.register(_close_all)


def _after_fork_in_child() -> None:
    for recorder in list(_LIVE):
        recorder._reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class Recorder:
    """The sink: filters, redacts, queues and writes exchanges. Never raises into the host app.

    ``path``: a JSON Lines file (``.gz`` or ``compress=True`` for gzip), or ``None`` to keep
    exchanges in memory in :attr:`exchanges`. ``redact``: ``True`` (default rules), ``False``, or a
    :class:`~contractdrift.capture.redact.Redactor`. ``sample_rate`` and ``max_body_bytes`` override
    the same fields of ``policy`` when given different from their defaults. ``tags`` are added to
    every exchange (an exchange's own tags win). ``background=False`` writes synchronously in
    :meth:`submit`. ``rotate_bytes`` and ``compress`` are passed to the JSON Lines writer.

    The file is opened (created with mode ``0600``) by the constructor, which raises ``OSError``
    when that is impossible: a configuration error surfaces at set-up. From then on nothing raises.
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
    ) -> None:
        pol = policy or CapturePolicy()
        if sample_rate != 1.0:
            pol = replace(pol, sample_rate=sample_rate)
        if max_body_bytes != 1 << 20:
            pol = replace(pol, max_body_bytes=max_body_bytes)
        self.policy = pol
        if redact is True:
            self.redactor: Redactor | None = DEFAULT_REDACTOR
        elif redact is False:
            self.redactor = None
        else:
            self.redactor = redact
        self.tags: dict[str, str] = {str(k): str(v) for k, v in (tags or {}).items()}
        self.path = os.fspath(path) if path is not None else None
        self.exchanges: list[Exchange] = []
        self._writer: JsonlWriter | None = None
        if self.path is not None:
            self._writer = JsonlWriter(
                self.path, compress=compress or self.path.endswith(".gz"), rotate_bytes=rotate_bytes
            )
            self._writer.open()  # a misconfigured path fails here, at set-up, not during traffic
        self._queue_size = queue_size
        self._background = background
        self._include_paths = _compile_patterns(pol.include_paths)
        self._exclude_paths = _compile_patterns(pol.exclude_paths)
        self._include_hosts = _compile_patterns(pol.include_hosts, case_insensitive=True)
        self._exclude_hosts = _compile_patterns(pol.exclude_hosts, case_insensitive=True)
        self._content_types = _compile_patterns(tuple(c.lower() for c in pol.content_types), case_insensitive=True)
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._counts_lock = threading.Lock()
        self._done = threading.Condition(threading.Lock())
        self._submitted = 0
        self._recorded = 0
        self._dropped_sampling = 0
        self._dropped_filtered = 0
        self._dropped_rate_limited = 0
        self._dropped_queue_full = 0
        self._truncated = 0
        self._errors = 0
        self._queued = 0
        self._processed = 0
        self._last_error: str | None = None
        self._logged = False
        self._closed = False
        self._pid = os.getpid()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max(1, queue_size))
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()
        _LIVE.add(self)

    # --- decisions -------------------------------------------------------------------------------

    @property
    def max_body_bytes(self) -> int:
        """Bodies above this many (decoded) bytes are kept truncated."""
        return self.policy.max_body_bytes

    def wants(self, method: str, url: str, route: str | None = None) -> bool:
        """Whether to record this exchange: filters, then sampling, then the per-route rate limit.

        Counts the reason when it says no. Never raises (a failure counts as an error and says no).
        """
        try:
            pol = self.policy
            if self._include_paths or self._exclude_paths or self._include_hosts or self._exclude_hosts:
                parts = urlsplit(url)
                path = parts.path or "/"
                host = (parts.hostname or "").lower()
                hostport = parts.netloc.rpartition("@")[2].lower()
                if (
                    (self._include_paths and not _any_match(self._include_paths, path))
                    or (self._exclude_paths and _any_match(self._exclude_paths, path))
                    or (self._include_hosts and not _any_match(self._include_hosts, host, hostport))
                    or (self._exclude_hosts and _any_match(self._exclude_hosts, host, hostport))
                ):
                    self._count("_dropped_filtered")
                    return False
            if pol.sample_rate < 1.0 and random.random() >= pol.sample_rate:
                self._count("_dropped_sampling")
                return False
            if pol.per_route_rate is not None:
                key = (method.upper(), route if route is not None else urlsplit(url).path or "/")
                now = time.monotonic()
                rate = pol.per_route_rate
                with self._counts_lock:
                    bucket = self._buckets.get(key)
                    if bucket is None:
                        bucket = self._buckets[key] = _Bucket(max(1.0, rate), now)
                    else:
                        bucket.tokens = min(max(1.0, rate), bucket.tokens + (now - bucket.stamp) * rate)
                        bucket.stamp = now
                    if bucket.tokens < 1.0:
                        self._dropped_rate_limited += 1
                        return False
                    bucket.tokens -= 1.0
            return True
        except Exception as exc:
            self._fail(exc, "deciding whether to record")
            return False

    def body_allowed(self, media_type: str | None) -> bool:
        """Whether bodies of this media type are kept (the content-type allow-list)."""
        if not self._content_types:
            return True
        if not media_type:
            return False
        mt = media_type.split(";", 1)[0].strip().lower()
        return _any_match(self._content_types, mt)

    def body_buffer(self, media_type: str | None, content_encoding: str | None = None) -> BodyBuffer:
        """A :class:`~contractdrift.capture.body.BodyBuffer` honouring this recorder's body policy."""
        return BodyBuffer(self.max_body_bytes, content_encoding, store=self.body_allowed(media_type))

    def make_body(self, data: bytes, media_type: str | None) -> Body:
        """A recorded body from complete decoded bytes, honouring the size cap and allow-list."""
        if not data:
            return Body.empty(media_type)
        if not self.body_allowed(media_type):
            return make_body(b"", media_type, total_size=len(data))
        if len(data) > self.max_body_bytes:
            return make_body(data[: self.max_body_bytes], media_type, total_size=len(data))
        return Body.from_bytes(data, media_type)

    # --- submitting ------------------------------------------------------------------------------

    def submit(self, exchange: Exchange) -> bool:
        """Redact, tag and enqueue an exchange. True when accepted; never raises."""
        try:
            if self._closed:
                self._fail(RuntimeError("recorder is closed"), "submitting")
                return False
            if self.redactor is not None:
                exchange = self.redactor.redact(exchange)
            if self.tags:
                exchange = replace(exchange, tags={**self.tags, **exchange.tags})
            truncated = int(exchange.request.body.truncated) + int(
                exchange.response is not None and exchange.response.body.truncated
            )
            with self._counts_lock:
                self._submitted += 1
                self._truncated += truncated
            if not self._background:
                self._write([exchange])
                return True
            self._ensure_thread()
            with self._done:
                self._queued += 1
            try:
                self._queue.put_nowait(exchange)
            except queue.Full:
                with self._done:
                    self._queued -= 1
                self._count("_dropped_queue_full")
                return False
            return True
        except Exception as exc:
            self._fail(exc, "submitting an exchange")
            return False

    def _reset_after_fork(self) -> None:
        """In a forked child: fresh queue, locks, counters and file descriptor; no thread yet.

        The parent's pending exchanges stay the parent's job. The child reopens the file so that
        its ``flock`` excludes the parent's writes (an inherited descriptor would share the lock).
        """
        self._pid = os.getpid()
        self._queue = queue.Queue(maxsize=max(1, self._queue_size))
        self._thread = None
        self._done = threading.Condition(threading.Lock())
        self._counts_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._queued = self._processed = 0
        self._submitted = self._recorded = self._errors = self._truncated = 0
        self._dropped_sampling = self._dropped_filtered = self._dropped_rate_limited = 0
        self._dropped_queue_full = 0
        self._last_error = None
        self._logged = False
        self._buckets = {}
        if self._writer is not None:
            self._writer.after_fork()

    def _ensure_thread(self) -> None:
        if os.getpid() != self._pid:  # forked without the at-fork hook (should not happen)
            self._reset_after_fork()
        if self._thread is None or not self._thread.is_alive():
            with self._write_lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._run, name="contractdrift-recorder", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        q = self._queue
        while True:
            item = q.get()
            batch: list[Exchange] = []
            stop = item is _SENTINEL
            if not stop:
                batch.append(item)  # type: ignore[arg-type]
            while not stop and len(batch) < 512:
                try:
                    item = q.get_nowait()
                except queue.Empty:
                    break
                if item is _SENTINEL:
                    stop = True
                else:
                    batch.append(item)  # type: ignore[arg-type]
            if batch:
                self._write(batch)
                with self._done:
                    self._processed += len(batch)
                    self._done.notify_all()
            if stop:
                return

    def _write(self, batch: list[Exchange]) -> None:
        try:
            if self._writer is None:
                with self._write_lock:
                    self.exchanges.extend(batch)
                written = len(batch)
            else:
                before = self._writer.failed
                written = self._writer.write_many(batch)
                if self._writer.failed != before and self._writer.last_error is not None:
                    self._fail(self._writer.last_error, "serializing an exchange", count=self._writer.failed - before)
            with self._counts_lock:
                self._recorded += written
        except Exception as exc:
            self._fail(exc, "writing exchanges", count=len(batch))

    # --- errors and stats ------------------------------------------------------------------------

    def note_error(self, exc: BaseException, doing: str = "capturing an exchange") -> None:
        """Count a capture failure (for capture front-ends); logged once, redacted. Never raises."""
        self._fail(exc, doing)

    def _count(self, name: str) -> None:
        with self._counts_lock:
            setattr(self, name, getattr(self, name) + 1)

    def _fail(self, exc: BaseException, doing: str, *, count: int = 1) -> None:
        try:
            text = f"{type(exc).__name__}: {exc}"
            if self.redactor is not None:
                text = self.redactor.redact_text(text)
            else:
                text = DEFAULT_REDACTOR.redact_text(text)
            with self._counts_lock:
                self._errors += count
                self._last_error = f"{doing}: {text}"
                first = not self._logged
                self._logged = True
            if first:
                logger.warning(
                    "contractdrift recorder (%s): error while %s: %s (further errors are only counted)",
                    self.path or "memory",
                    doing,
                    text,
                )
        except Exception:  # pragma: no cover - last resort, must never raise
            pass

    @property
    def stats(self) -> RecorderStats:
        """A consistent snapshot of the counters."""
        with self._counts_lock:
            return RecorderStats(
                submitted=self._submitted,
                recorded=self._recorded,
                dropped_sampling=self._dropped_sampling,
                dropped_filtered=self._dropped_filtered,
                dropped_rate_limited=self._dropped_rate_limited,
                dropped_queue_full=self._dropped_queue_full,
                truncated_bodies=self._truncated,
                errors=self._errors,
                pending=max(0, self._queued - self._processed),
                last_error=self._last_error,
            )

    # --- lifecycle -------------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything submitted so far is written (or ``timeout`` seconds passed)."""
        try:
            if os.getpid() != self._pid:
                return
            deadline = None if timeout is None else time.monotonic() + timeout
            with self._done:
                target = self._queued
                while self._processed < target:
                    if self._thread is None or not self._thread.is_alive():
                        break
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        break
                    self._done.wait(remaining if remaining is not None else 0.5)
        except Exception as exc:
            self._fail(exc, "flushing")

    def close(self, timeout: float | None = 30.0) -> None:
        """Flush, stop the writer thread and close the file. Idempotent; also runs at exit."""
        if self._closed:
            return
        self._closed = True
        try:
            thread = self._thread
            if thread is not None and thread.is_alive() and os.getpid() == self._pid:
                self.flush(timeout)
                with contextlib.suppress(queue.Full):
                    self._queue.put(_SENTINEL, timeout=1.0)
                thread.join(timeout=5.0)
            if self._writer is not None:
                self._writer.close()
        except Exception as exc:
            self._fail(exc, "closing")
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
        return f"Recorder({self.path!r}, recorded={self._recorded})"
