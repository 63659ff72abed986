"""The recording sink shared by every live capture source.

A :class:`Recorder` decides *whether* to record (:meth:`Recorder.wants`: host/path filters, sampling,
per-route rate limit) and hands what it records to a writer, off the request path, so the host
application never waits on disk and never sees an exception from recording. Failures are counted,
logged once (redacted) and visible in :attr:`Recorder.stats`.

Two ways in:

* :meth:`Recorder.submit` takes a finished :class:`~contractdrift.model.Exchange` (httpx transports),
  redacts and tags it in the caller's thread, then queues it;
* :meth:`Recorder.submit_raw` takes a *raw capture* (a plain tuple, see :mod:`._raw`) from the ASGI/WSGI
  middleware and the proxy. Their hot path only tees body chunks, masks credential headers
  (:meth:`Recorder.scrub_headers`) and appends the tuple to an in-memory queue; building the
  exchange, redacting the rest (query, bodies, value patterns), serializing and writing happen in
  the writer.

Where the writer runs (``offload``):

* ``"process"`` (default for files): a writer *process* (``python -m
  contractdrift.capture._writer_proc``, started on first use) fed in batches over a private pipe by a
  small feeder thread that only pickles; the serving process's GIL is not spent on recording. The
  writer acknowledges each batch after writing it, so :attr:`stats` stay exact. If it cannot be
  started, the recorder writes from a thread instead (``stats.offload`` says which); if it dies, the
  batch it held is counted in ``errors`` and a new one is started (after three deaths: a thread).
* ``"thread"`` (default for ``path=None``): a background thread in this process.
* ``"inline"`` (or ``background=False``): synchronously in the submitting thread.

``path=None`` keeps exchanges in memory (:attr:`Recorder.exchanges`), which is handy in tests.

Layering note: the recorder is the one place where the capture stage hands data to the store stage
(``store.jsonl.JsonlWriter``, through :class:`._raw.Backend`).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import fnmatch
import logging
import os
import pickle
import random
import re
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

from ..model import Body, Exchange
from ..store.jsonl import JsonlWriter
from ._ids import new_exchange_id
from ._raw import Backend, BatchResult
from .body import BodyBuffer, make_body
from .redact import DEFAULT_REDACTOR, Redactor

__all__ = ["CapturePolicy", "Offload", "Recorder", "RecorderStats", "new_exchange_id"]

logger = logging.getLogger("contractdrift.capture")

Offload = Literal["auto", "process", "thread", "inline"]

_BATCH = 256  # raw captures per batch handed to the writer
_MAX_RESTARTS = 3  # writer-process deaths before falling back to a thread
_START_TIMEOUT = 30.0
_POLL = 0.005  # seconds between looks at the queue while traffic flows
_PROCESS_AFTER = 256  # offload="auto": exchanges written from a thread before the writer process starts


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
    writer_restarts: int = 0  # writer processes that died and were replaced
    offload: str = ""  # where the writer runs now: "process", "thread" or "inline"

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


class _Child:
    """A running writer process and the two ends of its private pipe."""

    __slots__ = ("proc", "recv", "send")

    def __init__(self, proc: subprocess.Popen[bytes], send: Connection, recv: Connection) -> None:
        self.proc = proc
        self.send = send
        self.recv = recv

    def close(self, kill: bool = False) -> None:
        for conn in (self.send, self.recv):
            with contextlib.suppress(OSError):
                conn.close()
        if kill:
            with contextlib.suppress(OSError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            self.proc.wait(10.0)


class Recorder:
    """The sink: filters, redacts, queues and writes exchanges. Never raises into the host app.

    ``path``: a JSON Lines file (``.gz`` or ``compress=True`` for gzip), or ``None`` to keep
    exchanges in memory in :attr:`exchanges`. ``redact``: ``True`` (default rules), ``False``, or a
    :class:`~contractdrift.capture.redact.Redactor`. ``sample_rate`` and ``max_body_bytes`` override
    the same fields of ``policy`` when given different from their defaults. ``tags`` are added to
    every exchange (an exchange's own tags win). ``offload`` says where exchanges are built,
    redacted and written: ``"process"`` (a writer process; the default for files), ``"thread"``
    (the default for ``path=None``) or ``"inline"`` (in :meth:`submit` itself; also
    ``background=False``). ``queue_size`` bounds what waits for the writer (beyond it, exchanges are
    dropped and counted). ``rotate_bytes`` and ``compress`` are passed to the JSON Lines writer.

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
        offload: Offload = "auto",
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
        if offload not in ("auto", "process", "thread", "inline"):
            raise ValueError(f"offload must be 'auto', 'process', 'thread' or 'inline', not {offload!r}")
        if not background and offload == "auto":
            offload = "inline"
        if offload == "auto" and self.path is None:
            offload = "thread"
        if offload == "process" and self.path is None:
            raise ValueError("offload='process' needs a file path")
        self._offload_requested: str = offload
        self.offload: str = offload
        self._compress = compress or (self.path is not None and self.path.endswith(".gz"))
        self._rotate_bytes = rotate_bytes
        self._writer: JsonlWriter | None = None
        if self.path is not None:
            self._writer = JsonlWriter(self.path, compress=self._compress, rotate_bytes=rotate_bytes)
            self._writer.open()  # a misconfigured path fails here, at set-up, not during traffic
        self._backend = Backend(
            self.path, redactor=self.redactor, tags=self.tags, max_body_bytes=pol.max_body_bytes, writer=self._writer
        )
        self.exchanges: list[Exchange] = self._backend.memory
        self._queue_size = max(1, queue_size)
        self._include_paths = _compile_patterns(pol.include_paths)
        self._exclude_paths = _compile_patterns(pol.exclude_paths)
        self._include_hosts = _compile_patterns(pol.include_hosts, case_insensitive=True)
        self._exclude_hosts = _compile_patterns(pol.exclude_hosts, case_insensitive=True)
        self._content_types = _compile_patterns(tuple(c.lower() for c in pol.content_types), case_insensitive=True)
        #: Whether :meth:`wants` looks at the URL (front-ends skip building it otherwise).
        self.checks_url = bool(
            self._include_paths or self._exclude_paths or self._include_hosts or self._exclude_hosts
            or pol.per_route_rate is not None
        )
        #: Whether :meth:`body_allowed` depends on the media type (a content-type allow-list).
        self.checks_content_types = bool(self._content_types)
        self._wants_all = not self.checks_url and pol.sample_rate >= 1.0
        self._secret_headers: dict[Any, bool] = {}
        self._masked: dict[tuple[Any, Any], Any] = {}
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._last_error: str | None = None
        self._logged = False
        self._closed = False
        self._init_runtime()
        _LIVE.add(self)

    def _init_runtime(self) -> None:
        """Queue, locks, counters and writer state (again in a forked child)."""
        self._pid = os.getpid()
        self._counts_lock = threading.Lock()
        self._done = threading.Condition(threading.Lock())
        self._write_lock = threading.Lock()
        self._pending: collections.deque[tuple[Any, ...]] = collections.deque()
        self._wake = threading.Event()
        self._feeder_idle = False
        self._stopping = False
        self._feeder: threading.Thread | None = None
        self._child: _Child | None = None
        self._restarts = 0
        self._switched = False
        self._submitted = self._recorded = self._errors = self._truncated = 0
        self._dropped_sampling = self._dropped_filtered = self._dropped_rate_limited = 0
        self._dropped_queue_full = 0
        self._queued = self._processed = 0
        self._last_error = None
        self._logged = False
        self._buckets = {}
        # "auto" (with a file) writes from a thread until the recorder proves busy, then from a process.
        self.offload = "thread" if self._offload_requested == "auto" else self._offload_requested
        self._start_lock = threading.Lock()

    # --- decisions -------------------------------------------------------------------------------

    @property
    def max_body_bytes(self) -> int:
        """Bodies above this many (decoded) bytes are kept truncated."""
        return self.policy.max_body_bytes

    def wants(self, method: str, url: str, route: str | None = None) -> bool:
        """Whether to record this exchange: filters, then sampling, then the per-route rate limit.

        Counts the reason when it says no. Never raises (a failure counts as an error and says no).
        When :attr:`checks_url` is false, ``url`` is not looked at (front-ends may pass ``""``).
        """
        if self._wants_all:
            return True
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

    def scrub_headers(self, raw: Sequence[tuple[Any, Any]]) -> Sequence[tuple[Any, Any]]:
        """Headers (``bytes`` or ``str`` pairs) with credential headers masked by name, for the hot path.

        ``Authorization``, cookies, API keys and the other secret header names of the redactor are
        masked here, before a raw capture is queued; the rest of redaction (query, bodies, value
        patterns in any header) happens in the writer. Returns ``raw`` itself when nothing changed.
        """
        redactor = self.redactor
        if redactor is None or not raw:
            return raw
        secret = self._secret_headers
        out: list[tuple[Any, Any]] | None = None
        for i, (name, value) in enumerate(raw):
            hit = secret.get(name)
            if hit is None:
                hit = redactor.is_secret_header(name.decode("latin-1") if isinstance(name, bytes) else str(name))
                if len(secret) < 4096:
                    secret[name] = hit
            if hit:
                if out is None:
                    out = list(raw)
                masked = self._masked.get((name, value))
                if masked is not None:
                    out[i] = (name, masked)
                    continue
                if isinstance(name, bytes):
                    text = redactor.redact_header_value(name.decode("latin-1"), value.decode("latin-1"))
                    out[i] = (name, text.encode("latin-1", "replace"))
                else:
                    out[i] = (name, redactor.redact_header_value(str(name), str(value)))
                if len(self._masked) < 1024:  # repeated credentials (one API key, one session) are common
                    self._masked[(name, value)] = out[i][1]
        return raw if out is None else out

    # --- submitting ------------------------------------------------------------------------------

    def submit(self, exchange: Exchange) -> bool:
        """Redact, tag and enqueue a finished exchange. True when accepted; never raises."""
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
                self._truncated += truncated
            return self._enqueue(("x", exchange))
        except Exception as exc:
            self._fail(exc, "submitting an exchange")
            return False

    def submit_raw(self, capture: tuple[Any, ...]) -> bool:
        """Enqueue a raw capture from a capture front-end (see :mod:`contractdrift.capture._raw`).

        The hot path: no parsing, no redaction beyond :meth:`scrub_headers`, which the front-end
        applied. True when accepted; never raises.
        """
        try:
            if self._closed:
                self._fail(RuntimeError("recorder is closed"), "submitting")
                return False
            return self._enqueue(capture)
        except Exception as exc:
            self._fail(exc, "submitting an exchange")
            return False

    def _enqueue(self, item: tuple[Any, ...]) -> bool:
        if self.offload == "inline":
            with self._counts_lock:
                self._submitted += 1
                self._queued += 1
            self._write([item])
            with self._done:
                self._processed += 1
            return True
        pending = self._pending
        with self._counts_lock:
            self._submitted += 1
            if len(pending) >= self._queue_size:
                self._dropped_queue_full += 1
                return False
            self._queued += 1
        pending.append(item)
        if self._feeder is None:
            self._start_feeder()
        elif self._feeder_idle:
            self._wake.set()
        return True

    def _reset_after_fork(self) -> None:
        """In a forked child: fresh queue, locks, counters and file descriptor; no writer yet.

        The parent's pending exchanges stay the parent's job (and its writer process stays its
        own: the child closes its copies of the pipe). The child reopens the file so that its
        ``flock`` excludes the parent's writes (an inherited descriptor would share the lock).
        """
        child = self._child
        if child is not None:
            for conn in (child.send, child.recv):
                with contextlib.suppress(OSError):
                    conn.close()
        self._init_runtime()
        if self._writer is not None:
            self._writer.after_fork()

    def _start_feeder(self) -> None:
        with self._start_lock:
            if self._feeder is None:
                thread = threading.Thread(target=self._feed, name="contractdrift-recorder", daemon=True)
                thread.start()
                self._feeder = thread

    def _feed(self) -> None:
        """The feeder thread: takes batches off the queue and writes them (or hands them over).

        While traffic flows it polls every few milliseconds instead of being woken per exchange, so
        the request path never signals it; after a second without traffic it sleeps until
        :meth:`_enqueue` (or :meth:`flush`, :meth:`close`) wakes it.
        """
        pending = self._pending
        pop = pending.popleft
        wake = self._wake
        idle_since = 0.0
        while True:
            if not pending:
                if self._stopping:
                    break
                now = time.monotonic()
                if not idle_since:
                    idle_since = now
                if now - idle_since < 1.0:
                    wake.wait(_POLL)
                else:
                    self._feeder_idle = True
                    if not pending and not self._stopping:
                        wake.wait(0.5)
                    self._feeder_idle = False
                wake.clear()
                continue
            idle_since = 0.0
            if not self._switched and self._offload_requested == "auto" and self._queued >= _PROCESS_AFTER:
                self._switched = True  # decided once: if the process cannot start, it stays a thread
                self.offload = "process"
            batch: list[tuple[Any, ...]] = []
            with contextlib.suppress(IndexError):
                while len(batch) < _BATCH:
                    batch.append(pop())
            try:
                if self.offload == "process":
                    self._send(batch)
                else:
                    self._write(batch)
            except Exception as exc:  # pragma: no cover - _send/_write count their own failures
                self._fail(exc, "writing exchanges", count=len(batch))
            with self._done:
                self._processed += len(batch)
                self._done.notify_all()
        if self._child is not None:
            self._stop_child()

    def _write(self, batch: list[tuple[Any, ...]]) -> None:
        """Build, redact and write a batch in this process."""
        try:
            with self._write_lock:
                result = self._backend.process(batch)
            self._apply(result)
        except Exception as exc:
            self._fail(exc, "writing exchanges", count=len(batch))

    def _apply(self, result: BatchResult) -> None:
        written, errors, truncated, error = result
        with self._counts_lock:
            self._recorded += written
            self._truncated += truncated
        if errors:
            self._fail_text(error or "unknown error", count=errors)

    # --- the writer process ----------------------------------------------------------------------

    def _start_child(self) -> _Child | None:
        """Start the writer process; ``None`` (and a thread from now on) when that fails."""
        proc: subprocess.Popen[bytes] | None = None
        try:
            package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            env = dict(os.environ)
            env["PYTHONPATH"] = package_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
            proc = subprocess.Popen(
                [sys.executable, "-m", "contractdrift.capture._writer_proc"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, start_new_session=True,
            )
            assert proc.stdin is not None and proc.stdout is not None
            send = Connection(os.dup(proc.stdin.fileno()), readable=False)
            recv = Connection(os.dup(proc.stdout.fileno()), writable=False)
            proc.stdin.close()
            proc.stdout.close()
            child = _Child(proc, send, recv)
            config = {
                "path": self.path, "redactor": self.redactor, "tags": self.tags,
                "max_body_bytes": self.policy.max_body_bytes, "compress": self._compress,
                "rotate_bytes": self._rotate_bytes,
            }
            send.send_bytes(pickle.dumps(("config", config), protocol=pickle.HIGHEST_PROTOCOL))
            if not recv.poll(_START_TIMEOUT):
                child.close(kill=True)
                raise TimeoutError(f"no answer within {_START_TIMEOUT:.0f}s")
            reply = pickle.loads(recv.recv_bytes())
            if reply[0] != "ready":
                child.close(kill=True)
                raise RuntimeError(f"unexpected answer {reply[0]!r}")
            self._child = child
            return child
        except Exception as exc:
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(OSError):
                    proc.kill()
            self.offload = "thread"
            logger.warning(
                "contractdrift recorder (%s): cannot start the writer process (%s); writing from a thread instead",
                self.path, f"{type(exc).__name__}: {exc}",
            )
            return None

    def _child_died(self, child: _Child) -> None:
        child.close(kill=True)
        self._child = None
        with self._counts_lock:
            self._restarts += 1
            restarts = self._restarts
        if restarts >= _MAX_RESTARTS:
            self.offload = "thread"
            logger.warning("contractdrift recorder (%s): the writer process died %d times; writing from a thread",
                           self.path, restarts)

    def _send(self, batch: list[tuple[Any, ...]]) -> None:
        """Hand a batch to the writer process and wait for its acknowledgement (GIL released)."""
        try:
            data = pickle.dumps(("batch", batch), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # something unpicklable (a custom front-end): build it here instead
            self._write(batch)
            return
        for _ in range(_MAX_RESTARTS):
            child = self._child or self._start_child()
            if child is None:
                break
            try:
                child.send.send_bytes(data)
            except OSError:  # the writer was gone before it read anything of this batch: resend
                self._child_died(child)
                if self.offload != "process":
                    break
                continue
            try:
                reply = pickle.loads(child.recv.recv_bytes())
            except (EOFError, OSError):
                code = child.proc.poll()
                self._child_died(child)
                self._fail_text(
                    f"the writer process died (exit status {code}) while writing {len(batch)} exchanges; "
                    "they are counted as errors (complete lines it wrote are kept)",
                    count=len(batch),
                )
                return
            _, _n, written, errors, truncated, error = reply
            self._apply((written, errors, truncated, error))
            return
        self._write(batch)

    def _stop_child(self) -> None:
        child = self._child
        self._child = None
        if child is None:
            return
        try:
            child.send.send_bytes(pickle.dumps(("close",)))
            if child.recv.poll(30.0):
                child.recv.recv_bytes()
        except (OSError, EOFError):
            pass
        child.close()

    @property
    def writer_pid(self) -> int | None:
        """The writer process's pid while one runs (``offload="process"``), else ``None``."""
        child = self._child
        return child.proc.pid if child is not None else None

    # --- errors and stats ------------------------------------------------------------------------

    def note_error(self, exc: BaseException, doing: str = "capturing an exchange") -> None:
        """Count a capture failure (for capture front-ends); logged once, redacted. Never raises."""
        self._fail(exc, doing)

    def _count(self, name: str) -> None:
        with self._counts_lock:
            setattr(self, name, getattr(self, name) + 1)

    def _fail(self, exc: BaseException, doing: str, *, count: int = 1) -> None:
        self._fail_text(f"{doing}: {type(exc).__name__}: {exc}", count=count)

    def _fail_text(self, text: str, *, count: int = 1) -> None:
        try:
            text = (self.redactor or DEFAULT_REDACTOR).redact_text(text)
            with self._counts_lock:
                self._errors += count
                self._last_error = text
                first = not self._logged
                self._logged = True
            if first:
                logger.warning(
                    "contractdrift recorder (%s): error while %s (further errors are only counted)",
                    self.path or "memory",
                    text,
                )
        except Exception:  # pragma: no cover - last resort, must never raise
            pass

    @property
    def stats(self) -> RecorderStats:
        """A consistent snapshot of the counters (exact once :meth:`flush` or :meth:`close` returned)."""
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
                writer_restarts=self._restarts,
                offload=self.offload,
            )

    # --- lifecycle -------------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything submitted so far is written (or ``timeout`` seconds passed)."""
        try:
            if os.getpid() != self._pid:
                return
            deadline = None if timeout is None else time.monotonic() + timeout
            self._wake.set()
            with self._done:
                target = self._queued
                while self._processed < target:
                    if self._feeder is None or not self._feeder.is_alive():
                        break
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        break
                    self._done.wait(min(remaining, 0.5) if remaining is not None else 0.5)
        except Exception as exc:
            self._fail(exc, "flushing")

    def close(self, timeout: float | None = 30.0) -> None:
        """Flush, stop the writer (thread and process) and close the file. Idempotent; also at exit."""
        if self._closed:
            return
        self._closed = True
        try:
            feeder = self._feeder
            if feeder is not None and feeder.is_alive() and os.getpid() == self._pid:
                self.flush(timeout)
                self._stopping = True
                self._wake.set()
                feeder.join(timeout=35.0)
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
        return f"Recorder({self.path!r}, offload={self.offload!r}, recorded={self._recorded})"
