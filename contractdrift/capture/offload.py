"""Where a recorder's exchanges are built, redacted and written: off the request path.

:class:`OffloadWriter` owns the bounded queue, the feeder thread and (``offload="process"``) the
writer process; :class:`FailureLog` counts failures, keeps the last one (redacted) and logs the
first. Modes (``offload``):

* ``"thread"``: the feeder thread builds and writes each batch in this process.
* ``"process"``: a writer *process* (``python -m contractdrift.capture._writer_proc``, started on
  first use) fed in batches over a private pipe by the feeder thread, which only pickles; the
  serving process's GIL is not spent on recording. The writer acknowledges each batch after
  writing it, so the counters stay exact. If it cannot be started, the feeder writes itself
  (``mode`` says which). The feeder keeps each batch (and the ids reserved for it) until the
  writer acknowledges it: if the writer dies (killed, crashed), a replacement is started and the
  batch sent again, to be written *resuming* from the position of the last acknowledged batch (a
  torn last line is cut off, exchanges already in the file are not written twice), so a killed
  writer loses nothing. After three deaths in a row without an acknowledged batch between them (a
  batch that kills every writer), the feeder writes from the thread, resuming the same way.
  When the writer process falls behind (no free core: the queue is half full), the feeder also
  writes a batch itself while the process works on one, so that the host slows down a little
  instead of dropping exchanges.
* ``"auto"``: the thread until :data:`PROCESS_AFTER` exchanges were queued, then the process (for
  long-lived recorders such as ``contractdrift record``'s).
* ``"inline"``: synchronously in the submitting thread.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Literal

from ..store.jsonl import Position
from ._ids import IdBlock, reserve_ids
from ._raw import Backend, BatchResult
from ._wire import PACKABLE, encode_batch, pack
from .redact import DEFAULT_REDACTOR, Redactor

__all__ = ["PROCESS_AFTER", "FailureLog", "Offload", "OffloadWriter"]

logger = logging.getLogger("contractdrift.capture")

Offload = Literal["auto", "process", "thread", "inline"]
OFFLOADS: tuple[str, ...] = ("auto", "process", "thread", "inline")

_BATCH = 256  # raw captures per batch handed to the writer
_MAX_RESTARTS = 3  # writer-process deaths in a row (no batch acknowledged between) before the thread
_START_TIMEOUT = 30.0
_POLL = 0.01  # seconds between looks at the queue while traffic flows
_FILL = 0.05  # seconds a batch may wait to fill up (fewer, fuller batches: less per-batch cost)
PROCESS_AFTER = 256  # offload="auto": exchanges written from the thread before the writer process starts



#: The writer process's program: this package's writer, found on the PYTHONPATH the host sets (the
#: working directory, which ``-c`` puts first on sys.path, is taken off it first).
_WRITER_MAIN = ("import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
                "from contractdrift.capture._writer_proc import main; sys.exit(main())")

class FailureLog:
    """Failures counted, the last one kept and the first one logged, all redacted. Never raises."""

    def __init__(self, label: str, redactor: Redactor | None) -> None:
        self.label = label
        self.redactor = redactor
        self.reset()

    def reset(self) -> None:
        self._lock = threading.Lock()
        self.errors = 0
        self.last_error: str | None = None
        self._logged = False

    def fail(self, exc: BaseException, doing: str, *, count: int = 1) -> None:
        self.fail_text(f"{doing}: {type(exc).__name__}: {exc}", count=count)

    def fail_text(self, text: str, *, count: int = 1) -> None:
        try:
            text = (self.redactor or DEFAULT_REDACTOR).redact_text(text)
            with self._lock:
                self.errors += count
                self.last_error = text
                first = not self._logged
                self._logged = True
            if first:
                logger.warning("contractdrift recorder (%s): error while %s (further errors are only counted)",
                               self.label, text)
        except Exception:  # pragma: no cover - last resort, must never raise
            pass


try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


_PIPE_BYTES = 1 << 20  # Linux's default limit for unprivileged processes (/proc/sys/fs/pipe-max-size)


def _grow_pipe(fd: int) -> None:
    """Make the pipe to the writer hold a whole batch (Linux; elsewhere nothing): with the default
    64 KiB, sending a batch of 100+ KiB blocks, waits for the writer to read, and wakes up again."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, set_size, _PIPE_BYTES)


class _Child:
    """A running writer process and the two ends of its private pipe."""

    __slots__ = ("proc", "recv", "send")

    def __init__(self, proc: subprocess.Popen[bytes], send: Connection, recv: Connection) -> None:
        self.proc = proc
        self.send = send
        self.recv = recv

    def close_pipes(self) -> None:
        for conn in (self.send, self.recv):
            with contextlib.suppress(OSError):
                conn.close()

    def close(self, kill: bool = False) -> None:
        self.close_pipes()
        if kill:
            with contextlib.suppress(OSError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            self.proc.wait(10.0)


class OffloadWriter:
    """The queue between the request path and the :class:`~._raw.Backend` that writes.

    ``mode`` is the requested offload (``"auto"`` with a file, ``"process"``, ``"thread"`` or
    ``"inline"``); ``child_config`` is what a writer process needs to build its own backend (the
    recording's path, redactor, tags, body limit, compression, rotation).
    """

    def __init__(self, backend: Backend, failures: FailureLog, *, mode: str, queue_size: int,
                 child_config: dict[str, Any] | None) -> None:
        self.backend = backend
        self.failures = failures
        self.requested = mode
        self.queue_size = max(1, queue_size)
        self.child_config = child_config
        self.reset()

    def reset(self) -> None:
        """Queue, locks, counters and writer state anew (also in a forked child: no writer yet)."""
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._done = threading.Condition(threading.Lock())
        self._write_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._pending: collections.deque[Any] = collections.deque()  # raw captures, packed or not
        self._take_lock = threading.Lock()  # taking a batch off the queue (never taken by submit)
        self._wake = threading.Event()
        self._feeder_idle = True  # submit() kicks the feeder (starting it first) while this is set
        self._stopping = False
        self._flushing = 0  # flush() calls waiting (under _done)
        self._feeder: threading.Thread | None = None
        self._child: _Child | None = None
        self._switched = False
        self._position: Position | None = None  # after the last batch acknowledged (or at the first start)
        self._deaths_in_row = 0
        self.restarts = 0
        self.recorded = self.truncated = self.dropped_queue_full = 0
        self.helped = 0  # exchanges the feeder wrote itself because the writer process fell behind
        self.batches = 0  # batches the feeder took off the queue
        # Accepted = taken off the queue (counted under _take_lock, per batch) + still queued; the
        # request path only appends to the deque (atomic): no lock, no counter per exchange.
        self._taken = self._processed = 0
        # "auto" writes from the thread until the recorder proves busy, then from a process.
        self._set_mode("thread" if self.requested == "auto" else self.requested)

    def _set_mode(self, mode: str) -> None:
        """Where batches go from now on; with a writer process, ASGI captures are packed as they
        are submitted (see ``_wire``: bytes in the queue, nothing left to serialize per batch)."""
        self.mode = mode
        self._pack = pack if mode == "process" else None

    def after_fork(self) -> None:
        """In a forked child: the parent's pending exchanges and writer process stay the parent's
        (the child closes its copies of the pipe); everything else starts anew."""
        if self._child is not None:
            self._child.close_pipes()
        self.reset()

    @property
    def queued(self) -> int:
        """Exchanges accepted so far (queued, being written or written)."""
        with self._take_lock:
            return self._taken + len(self._pending)

    @property
    def submitted(self) -> int:
        """Exchanges submitted so far: accepted or dropped because the queue was full."""
        return self.queued + self.dropped_queue_full

    @property
    def pending(self) -> int:
        return max(0, self.queued - self._processed)

    def add_truncated(self, n: int) -> None:
        if n:
            with self._lock:
                self.truncated += n

    # --- the request path ------------------------------------------------------------------------

    def submit(self, item: Any) -> bool:
        """Queue one item (or, inline, write it now); False when the queue is full (counted).

        No lock on the way: ``deque.append`` is atomic, and what was accepted is counted by the
        feeder, a batch at a time. (Threads submitting at once may overfill the queue by one item
        each: the bound stays a bound.)"""
        pending = self._pending
        if len(pending) >= self.queue_size or self.mode == "inline":
            return self._submit_slow(item)
        packer = self._pack
        if packer is not None and item[0] == PACKABLE:
            try:  # noqa: SIM105 - contextlib.suppress would cost a context manager per exchange
                item = packer(item)
            except (TypeError, ValueError, OverflowError):  # a value msgpack cannot carry: pickled later
                pass
        pending.append(item)
        if self._feeder_idle:
            self._kick()
        return True

    def _submit_slow(self, item: tuple[Any, ...]) -> bool:
        if self.mode == "inline":
            with self._take_lock:
                self._taken += 1
            self._write([item])
            with self._done:
                self._processed += 1
            return True
        with self._lock:
            self.dropped_queue_full += 1
        return False

    def _kick(self) -> None:
        """Wake the feeder, starting it first if needed."""
        if self._feeder is None:
            with self._start_lock:
                if self._feeder is None:
                    thread = threading.Thread(target=self._feed, name="contractdrift-recorder", daemon=True)
                    self._feeder_idle = False
                    thread.start()
                    self._feeder = thread
                    return
        self._wake.set()

    def _take(self, n: int) -> list[tuple[Any, ...]]:
        """Take up to ``n`` items off the queue, counting them (one lock per batch)."""
        pending = self._pending
        pop = pending.popleft
        with self._take_lock:
            batch = [pop() for _ in range(min(n, len(pending)))]
            self._taken += len(batch)
        return batch

    # --- the feeder thread -----------------------------------------------------------------------

    def _feed(self) -> None:
        """Takes batches off the queue and writes them (or hands them to the writer process).

        While traffic flows it polls every few milliseconds instead of being woken per exchange, so
        the request path never signals it, and takes a batch once it is full or has waited
        :data:`_FILL` seconds (at once when :meth:`flush` or :meth:`close` waits); after a second
        without traffic it sleeps until :meth:`submit` (or :meth:`flush`, :meth:`close`) wakes it.
        """
        pending = self._pending
        wake = self._wake
        idle_since = last_batch = 0.0
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
            if len(pending) < _BATCH and not self._flushing and not self._stopping:
                # Let the batch fill up for up to _FILL seconds (unless flush or close waits): a batch
                # costs the host and the writer per batch (a write, an acknowledgement, switching
                # threads), so fewer, fuller batches.
                waited = time.monotonic() - last_batch
                if waited < _FILL:
                    wake.clear()  # (a flush that set it meanwhile is seen at the next look)
                    wake.wait(min(_POLL, _FILL - waited))
                    continue
            last_batch = time.monotonic()
            if not self._switched and self.requested == "auto" and self._taken + len(pending) >= PROCESS_AFTER:
                self._switched = True  # decided once: if the process cannot start, it stays a thread
                self._set_mode("process")
            batch = self._take(_BATCH)
            self.batches += 1
            try:
                if self.mode == "process":
                    self._send(batch, self._help_writer)
                else:
                    self._write(batch)
            except Exception as exc:  # pragma: no cover - _send/_write count their own failures
                self.failures.fail(exc, "writing exchanges", count=len(batch))
            with self._done:
                self._processed += len(batch)
                self._done.notify_all()
        if self._child is not None:
            self._stop_child()

    def _help_writer(self) -> None:
        """While the writer process works on a batch: if it falls behind (the queue half full), write
        a batch from here too, rather than let the queue overflow (and drop exchanges). This spends
        the host's CPU only when the writer process cannot keep up (no free core)."""
        pending = self._pending
        if len(pending) <= self.queue_size // 2:
            return
        extra = self._take(_BATCH)
        if extra:
            self.helped += len(extra)
            self._write(extra)
            with self._done:
                self._processed += len(extra)
                self._done.notify_all()

    def _write(self, batch: list[tuple[Any, ...]], ids: IdBlock | None = None,
               resume: Position | None = None) -> None:
        """Build, redact and write a batch in this process."""
        try:
            with self._write_lock:
                result = self.backend.process(batch, ids or reserve_ids(len(batch)), resume)
            self._apply(result)
        except Exception as exc:
            self.failures.fail(exc, "writing exchanges", count=len(batch))

    def _apply(self, result: BatchResult) -> None:
        written, errors, truncated, error = result
        with self._lock:
            self.recorded += written
            self.truncated += truncated
        if errors:
            self.failures.fail_text(error or "unknown error", count=errors)

    # --- the writer process ----------------------------------------------------------------------

    def _start_child(self) -> _Child | None:
        """Start the writer process; ``None`` (and the thread from now on) when that fails."""
        proc: subprocess.Popen[bytes] | None = None
        try:
            package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            env = dict(os.environ)
            env["PYTHONPATH"] = package_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
            proc = subprocess.Popen(
                # not `-m`: it would put the host's working directory first on sys.path, where another
                # `contractdrift` (a checkout, a vendored copy) would shadow the one recording here
                [sys.executable, "-c", _WRITER_MAIN],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, start_new_session=True,
            )
            assert proc.stdin is not None and proc.stdout is not None
            _grow_pipe(proc.stdin.fileno())
            send = Connection(os.dup(proc.stdin.fileno()), readable=False)
            recv = Connection(os.dup(proc.stdout.fileno()), writable=False)
            proc.stdin.close()
            proc.stdout.close()
            child = _Child(proc, send, recv)
            send.send_bytes(pickle.dumps(("config", self.child_config), protocol=pickle.HIGHEST_PROTOCOL))
            if not recv.poll(_START_TIMEOUT):
                child.close(kill=True)
                raise TimeoutError(f"no answer within {_START_TIMEOUT:.0f}s")
            reply = pickle.loads(recv.recv_bytes())
            if reply[0] != "ready":
                child.close(kill=True)
                raise RuntimeError(f"unexpected answer {reply[0]!r}")
            if self._position is None:  # later starts keep the last acknowledged position
                self._position = reply[2]
            self._child = child
            return child
        except Exception as exc:
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(OSError):
                    proc.kill()
            self._set_mode("thread")
            logger.warning(
                "contractdrift recorder (%s): cannot start the writer process (%s); writing from a thread instead",
                self.failures.label, f"{type(exc).__name__}: {exc}",
            )
            return None

    def _child_died(self, child: _Child, in_flight: int) -> None:
        code = child.proc.poll()
        child.close(kill=True)
        code = child.proc.returncode if code is None else code
        self._child = None
        self._deaths_in_row += 1
        with self._lock:
            self.restarts += 1
            restarts = self.restarts
        logger.warning("contractdrift recorder (%s): the writer process died (exit status %s) holding %d "
                       "exchanges; they go to its replacement (death %d)", self.failures.label, code, in_flight,
                       restarts)
        if self._deaths_in_row >= _MAX_RESTARTS:
            self._set_mode("thread")
            logger.warning("contractdrift recorder (%s): the writer process died %d times in a row; writing from "
                           "a thread", self.failures.label, self._deaths_in_row)

    def _send(self, batch: list[tuple[Any, ...]], meanwhile: Callable[[], None] | None = None) -> None:
        """Hand a batch to the writer process and wait for its acknowledgement (GIL released);
        ``meanwhile`` runs once, after the batch went out and before waiting.

        The batch (with its reserved ids) is kept until acknowledged: when the writer dies, it is
        sent again to a replacement (or, after repeated deaths, written here), resuming from the
        last acknowledged position so that nothing is lost and nothing is written twice.
        """
        ids = reserve_ids(len(batch))
        data = encode_batch(batch, ids)
        if data is None:  # something unpicklable (a custom front-end): build it here instead
            self._write(batch, ids)
            return
        resume: Position | None = None
        while self.mode == "process":
            child = self._child or self._start_child()
            if child is None:  # cannot start one: the thread from now on
                break
            try:
                child.send.send_bytes(data)
                if meanwhile is not None:
                    help_now = meanwhile
                    meanwhile = None  # once: not again for a re-sent batch
                    help_now()
                reply = pickle.loads(child.recv.recv_bytes())
            except (EOFError, OSError, pickle.UnpicklingError):
                if resume is None:
                    resume = self._position
                    data = pickle.dumps(("batch", batch, ids, resume), protocol=pickle.HIGHEST_PROTOCOL)
                self._child_died(child, len(batch))
                continue
            _, _n, written, errors, truncated, error, position = reply
            if position is not None:
                self._position = position
            self._deaths_in_row = 0
            self._apply((written, errors, truncated, error))
            return
        self._write(batch, ids, resume)

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
        child = self._child
        return child.proc.pid if child is not None else None

    # --- lifecycle -------------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything queued so far is written (or ``timeout`` seconds passed)."""
        if os.getpid() != self.pid:
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._done:
            self._flushing += 1  # the feeder sends what is queued without letting batches fill up
        try:
            self._wake.set()
            target = self.queued
            with self._done:
                while self._processed < target:
                    if self._feeder is None or not self._feeder.is_alive():
                        break
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        break
                    self._done.wait(min(remaining, 0.5) if remaining is not None else 0.5)
        finally:
            with self._done:
                self._flushing -= 1

    def stop(self, timeout: float | None = 30.0) -> None:
        """Flush, then stop the feeder thread and the writer process."""
        feeder = self._feeder
        if feeder is not None and feeder.is_alive() and os.getpid() == self.pid:
            self.flush(timeout)
            self._stopping = True
            self._wake.set()
            feeder.join(timeout=35.0)
