"""Append-only JSON Lines recordings: one header line, then one exchange per line.

File layout::

    {"format": "contractdrift-recording", "version": 1, "created_at": "...", "producer": "..."}
    {"id": "01J...", "started_at": ..., "request": {...}, "response": {...}, ...}
    ...

Safety with many writers (threads or processes on one file):

* the file is opened with ``O_APPEND`` (mode ``0600`` when created);
* a batch of complete lines is written with one ``write()`` call while holding an exclusive
  ``fcntl.flock`` on the file, so lines from different processes never interleave;
* the header is written by whoever finds the file empty while holding the lock.

Gzip (``compress=True`` or a ``.gz`` path): each batch is one complete gzip *member*; concatenated
members are a valid gzip file, so many writers and crash safety work the same way.

A writer killed mid-write (SIGKILL, OOM) can leave a torn last line. A writer that opens a file
whose last line is torn starts on a fresh line, so two records are never glued together (the reader
reports the torn line as damaged). A writer that *resumes* a batch another writer may have written
in part (``write_many(..., resume=position)``: the recorder re-sending what a dead writer process
held) first cuts the torn tail off (its exchanges are in the batch) and skips the exchanges whose
ids are already in the file since ``position`` (ids stay unique).

Rotation (``rotate_bytes``): before a batch, a writer holding the lock that finds the active file at or
above ``rotate_bytes`` renames it to the next free numbered name (``traffic.jsonl`` ->
``traffic.1.jsonl``, then ``traffic.2.jsonl``, ...: higher number = newer) and starts a fresh file.
Writers in other processes notice (the inode behind the path changed) and reopen. A file can exceed
``rotate_bytes`` by at most one batch. :func:`rotated_files` lists a recording's files oldest first.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import sys
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import RecordingError, UsageError
from ..model import Exchange
from .fastjson import dumps, loads

#: Where a writer's last batch ended: (inode of the file, offset after the batch).
Position = tuple[int, int]

FORMAT_NAME = "contractdrift-recording"
FORMAT_VERSION = 1

_SUFFIXES = (".jsonl.gz", ".ndjson.gz", ".json.gz", ".jsonl", ".ndjson", ".json", ".gz")

if sys.platform != "win32":
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

else:  # pragma: no cover - no advisory locks; O_APPEND single writes still keep lines whole

    def _lock(fd: int) -> None:
        return None

    def _unlock(fd: int) -> None:
        return None


def header_record(**extra: Any) -> dict[str, Any]:
    """The first line of every recording."""
    from .. import __version__

    out: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "producer": f"contractdrift {__version__}",
    }
    out.update(extra)
    return out


def encode_exchange(exchange: Exchange) -> bytes:
    """One exchange as one JSON line (UTF-8, compact, newline-terminated; msgspec when installed)."""
    return dumps(exchange.to_dict()) + b"\n"


def split_name(path: Path) -> tuple[str, str]:
    """``traffic.jsonl.gz`` -> (``traffic``, ``.jsonl.gz``); unknown suffix -> (name, "")."""
    name = path.name
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


def _numbered(active: Path) -> list[tuple[int, Path]]:
    base, suffix = split_name(active)
    pattern = re.compile(re.escape(base) + r"\.(\d+)" + re.escape(suffix) + "$")
    numbered: list[tuple[int, Path]] = []
    if active.parent.is_dir():
        for entry in active.parent.iterdir():
            m = pattern.match(entry.name)
            if m:
                numbered.append((int(m.group(1)), entry))
    return sorted(numbered)


def rotated_files(path: str | os.PathLike[str]) -> list[Path]:
    """A recording's rotated files (oldest first) followed by the active file when it exists."""
    active = Path(path)
    out = [p for _, p in _numbered(active)]
    if active.exists():
        out.append(active)
    return out


class JsonlWriter:
    """Appends exchanges to a JSON Lines recording (thread-safe, multi-process safe).

    ``write_many`` serializes a batch and appends it with a single ``write()`` under an exclusive
    file lock. Exchanges that cannot be serialized are skipped and counted in ``failed``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        compress: bool | None = None,
        rotate_bytes: int | None = None,
        header: dict[str, Any] | None = None,
    ) -> None:
        self.path = Path(path)
        self.compress = self.path.name.endswith(".gz") if compress is None else compress
        if rotate_bytes is not None and rotate_bytes <= 0:
            raise UsageError("rotate_bytes must be positive")
        self.rotate_bytes = rotate_bytes
        self._header = header
        self._fd: int | None = None
        self._mutex = threading.Lock()
        self.failed = 0
        self.written = 0
        self.last_error: BaseException | None = None
        self._closed = False
        self._tail_checked = False  # whether this descriptor's file was checked for a torn last line
        #: (inode, end offset) after the last batch this writer appended (``None`` before the first).
        self.position: Position | None = None
        #: Exchanges of resumed batches found already written (not written twice).
        self.already_written = 0
        #: Exchanges of the last ``write_many(..., resume=...)`` found already written.
        self.last_present = 0
        #: Torn last lines found: cut off when resuming, else ended with a newline before appending.
        self.torn_lines = 0

    def _open(self) -> int:
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # Read access too, for the torn-tail checks (write-only where reading is not allowed).
            flags = os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
            try:
                return os.open(self.path, flags | os.O_RDWR, 0o600)
            except PermissionError:
                return os.open(self.path, flags | os.O_WRONLY, 0o600)
        except OSError as exc:
            raise RecordingError(f"cannot open the recording for writing: {exc.strerror or exc}",
                                 file=str(self.path)) from exc

    def open(self) -> None:
        """Create/open the file now (mode 0600) so that a bad path fails early with
        :class:`~contractdrift.errors.RecordingError` (an ``OSError``)."""
        with self._mutex:
            if self._fd is None:
                self._fd = self._open()

    def _locked_fd(self) -> int:
        """Open (or reopen after another process rotated) and lock the active file."""
        for _ in range(100):
            if self._fd is None:
                self._fd = self._open()
            fd = self._fd
            _lock(fd)
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return fd
            _unlock(fd)
            os.close(fd)
            self._fd = None
            self._tail_checked = False
        raise RecordingError("cannot lock the recording: it keeps being replaced", file=str(self.path))

    def _rotate_locked(self, fd: int) -> int:
        base, suffix = split_name(self.path)
        number = max((n for n, _ in _numbered(self.path)), default=0) + 1
        target = self.path.with_name(f"{base}.{number}{suffix}")
        os.rename(self.path, target)
        _unlock(fd)
        os.close(fd)
        self._fd = None
        self._tail_checked = False
        return self._locked_fd()

    def write_many(self, exchanges: Iterable[Exchange], *, resume: Position | None = None) -> int:
        """Append a batch; returns how many exchanges were written.

        ``resume``: the :attr:`position` after the last batch known to be complete, when this batch
        may have been written in part already (by a writer process that died before it said so):
        the torn tail after it is cut off, and exchanges whose id is in the file since then are not
        written again (counted in :attr:`already_written` and in :attr:`last_present`).
        """
        lines: list[bytes] = []
        ids: list[str] = []
        for exchange in exchanges:
            try:
                lines.append(encode_exchange(exchange))
                ids.append(exchange.id)
            except (TypeError, ValueError) as exc:
                self.failed += 1
                self.last_error = exc
        self.last_present = 0
        if not lines:
            return 0
        with self._mutex:
            if self._closed:
                raise UsageError(f"writer for {self.path} is closed")
            try:
                count = self._append_locked(lines, ids, resume)
            except RecordingError:
                raise
            except OSError as exc:
                raise RecordingError(f"cannot write the recording: {exc.strerror or exc}",
                                     file=str(self.path)) from exc
            self.written += count
            return count

    def _append_locked(self, lines: list[bytes], ids: list[str], resume: Position | None) -> int:
        """Lock, rotate if due, append ``lines`` (and the header on an empty file), unlock."""
        fd = self._locked_fd()
        try:
            if resume is not None:
                present = self._present_since(fd, resume)
                if present:
                    keep = [i for i, xid in enumerate(ids) if xid not in present]
                    self.last_present = len(lines) - len(keep)
                    self.already_written += self.last_present
                    lines = [lines[i] for i in keep]
                self._tail_checked = True
            if self.rotate_bytes is not None and os.fstat(fd).st_size >= self.rotate_bytes:
                fd = self._rotate_locked(fd)
            size = os.fstat(fd).st_size
            if not self._tail_checked:
                self._tail_checked = True
                if size and not self.compress and _last_byte(fd, size) not in (b"\n", None):
                    lines.insert(0, b"\n")  # a torn last line: start on a fresh line
                    self.torn_lines += 1
            count = len(lines) - (1 if lines and lines[0] == b"\n" else 0)
            if size == 0:
                header = header_record(**(self._header or {}))
                lines.insert(0, (json.dumps(header, separators=(",", ":")) + "\n").encode())
            if count:
                data = b"".join(lines)
                if self.compress:
                    data = gzip.compress(data, compresslevel=6, mtime=0)
                view = memoryview(data)
                while view:
                    n = os.write(fd, view)
                    view = view[n:]
            elif size == 0:  # only the header (every exchange was written already, elsewhere)
                os.write(fd, b"".join(lines))
            self.position = (os.fstat(fd).st_ino, os.fstat(fd).st_size)
        finally:
            _unlock(fd)
        return count

    def tell(self) -> Position:
        """Where the active file ends now (taken under the lock: never inside another writer's batch)."""
        with self._mutex:
            if self._closed:
                raise UsageError(f"writer for {self.path} is closed")
            try:
                fd = self._locked_fd()
            except OSError as exc:
                raise RecordingError(f"cannot open the recording: {exc.strerror or exc}", file=str(self.path)) from exc
            try:
                st = os.fstat(fd)
                return st.st_ino, st.st_size
            finally:
                _unlock(fd)

    def _present_since(self, fd: int, resume: Position) -> set[str]:
        """Ids written since ``resume`` (the active file, and the rotated one it was, if it was
        rotated since); a torn tail of the active file is cut off first. Called with the lock held."""
        inode, offset = resume
        st = os.fstat(fd)
        regions: list[tuple[Path | None, int]] = []
        if st.st_ino == inode:
            regions.append((None, offset))
        else:
            for _, old in reversed(_numbered(self.path)):
                with contextlib.suppress(OSError):
                    if old.stat().st_ino == inode:
                        regions.append((old, offset))
                        break
            regions.append((None, 0))
        present: set[str] = set()
        for file, start in regions:
            if file is None:
                size = os.fstat(fd).st_size
                data = os.pread(fd, max(0, size - start), start) if size > start else b""
                good = self._complete_prefix(data)
                if good < len(data):
                    os.ftruncate(fd, start + good)  # the torn write of a dead writer; its exchanges are here
                    self.torn_lines += 1
                    data = data[:good]
            else:
                with open(file, "rb") as fh:
                    fh.seek(start)
                    data = fh.read()
                data = data[: self._complete_prefix(data)]
            present.update(_ids_in(gzip.decompress(data) if self.compress and data else data))
        return present

    def _complete_prefix(self, data: bytes) -> int:
        """How many leading bytes of ``data`` (starting at a line or gzip member boundary) are complete
        lines or complete gzip members."""
        if not self.compress:
            return data.rfind(b"\n") + 1
        good = 0
        while good < len(data):
            member = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                member.decompress(data[good:])
            except zlib.error:
                break
            if not member.eof:
                break
            good = len(data) - len(member.unused_data)
        return good

    def after_fork(self) -> None:
        """In a forked child: drop the inherited descriptor (reopened on the next write) and lock."""
        self._mutex = threading.Lock()
        self._tail_checked = False
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def write(self, exchange: Exchange) -> bool:
        """Append one exchange; True when written."""
        return self.write_many([exchange]) == 1

    def sync(self) -> None:
        """fsync the active file."""
        with self._mutex:
            if self._fd is not None:
                os.fsync(self._fd)

    def close(self) -> None:
        """fsync and close (idempotent)."""
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.fsync(self._fd)
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _last_byte(fd: int, size: int) -> bytes | None:
    """The file's last byte, or ``None`` when it cannot be read (opened write-only, not a regular file)."""
    try:
        return os.pread(fd, 1, size - 1)
    except OSError:
        return None


def _ids_in(data: bytes) -> set[str]:
    """The ids of the exchange lines in ``data`` (complete lines of a recording)."""
    out: set[str] = set()
    for line in data.split(b"\n"):
        if line.startswith(b'{"id":"'):
            end = line.find(b'"', 7)
            if end > 0 and b"\\" not in line[7:end]:
                out.add(line[7:end].decode("utf-8", "replace"))
                continue
        if line.strip():
            with contextlib.suppress(ValueError, RecursionError):
                obj = loads(line)
                if isinstance(obj, dict) and isinstance(obj.get("id"), str):
                    out.add(obj["id"])
    return out


def write_exchanges(
    exchanges: Iterable[Exchange],
    path: str | os.PathLike[str],
    *,
    compress: bool | None = None,
    batch: int = 256,
) -> int:
    """Append ``exchanges`` to a recording in batches; returns the number written."""
    total = 0
    with JsonlWriter(path, compress=compress) as writer:
        writer.open()  # an empty input still makes a (valid, empty) recording
        chunk: list[Exchange] = []
        for exchange in exchanges:
            chunk.append(exchange)
            if len(chunk) >= batch:
                total += writer.write_many(chunk)
                chunk = []
        if chunk:
            total += writer.write_many(chunk)
    return total
