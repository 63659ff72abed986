"""Cutting recordings into units of work, and reading one unit fast.

A *unit* is the smallest piece of a recording that one worker folds on its own: a byte range of a
plain JSON Lines file, or a whole file (gzip-compressed files, HAR and other JSON documents, files
whose first line is not JSON Lines). Units are fixed by the input alone (:data:`UNIT_BYTES`), never by
the number of workers, so a fold per unit followed by a merge in a fixed shape gives the same result
with one process, N processes or a cluster.

Byte ranges split at line boundaries without scanning: a unit ``[start, end)`` owns every line whose
first byte lies in it. A reader seeks to ``start - 1``, skips to the end of that line (which belongs
to the previous unit) and reads whole lines until the next one would start at or past ``end``; the
last line may run past ``end``. Line numbers are counted per unit (``line`` in a problem is relative
to the unit); :func:`absolute_line` turns them into the file's true line numbers from the line
counts of the units before.

Paths containing ``://`` are opened with fsspec (``s3://``, ``gs://``, ``memory://``, ``file://``),
which must then be installed (the ``dask`` extra brings it); local paths need nothing.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from ..errors import InputError, UsageError
from ..model import ExchangeView
from .jsonl import FORMAT_NAME, FORMAT_VERSION
from .reader import RecordingProblem, RecordingReader, recording_files
from .records import decode_record

__all__ = [
    "UNIT_BYTES",
    "DamagedLine",
    "Unit",
    "UnitLineError",
    "UnitReader",
    "absolute_line",
    "is_url",
    "partition",
    "source_files",
]

#: Default size of a byte-range unit: large enough that per-unit costs vanish, small enough that
#: a gigabyte keeps two cores (and a cluster) busy until the end.
UNIT_BYTES = 32 << 20

_GZIP_MAGIC = b"\x1f\x8b"
# gzip.compress(data, compresslevel=6, mtime=0) as the writer calls it: no flags, no mtime, XFL 0; the
# OS byte that follows is 3 or 255 depending on the Python version.
_MEMBER_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00"
_MEMBER_OS = (3, 255)
_BLOCK = 1 << 20
_PROBE = 1 << 20  # bytes read to classify a file's first line
_NEWLINE = b"\n"


def is_url(path: str) -> bool:
    """True for ``scheme://...`` locations (opened with fsspec)."""
    return "://" in path


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise UsageError(
            "reading URLs needs fsspec: pip install 'contractdrift[dask]' (plus s3fs/gcsfs for s3:// or gs://)"
        ) from None
    return fsspec


def _url_fs(url: str) -> tuple[Any, str]:
    """fsspec's filesystem and path for ``url``: a usage error when the filesystem's package is
    missing (``s3://`` without s3fs), an input error for a protocol fsspec does not know."""
    fsspec = _fsspec()
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        protocol = url.split("://", 1)[0]
        raise UsageError(f"reading {protocol}:// URLs: {str(exc).strip() or 'a package is missing'} "
                         "(fsspec's filesystem for it)") from None
    except ValueError as exc:
        raise InputError(f"cannot read recording: {exc}", file=url) from None
    return fs, str(path)


def _open(path: str) -> IO[bytes]:
    if is_url(path):
        fs, p = _url_fs(path)
        try:
            fh: IO[bytes] = fs.open(p, "rb")
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read recording: {exc}", file=path) from exc
        return fh
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read recording: {exc.strerror or exc}", file=path) from exc


def _size(path: str) -> int:
    if is_url(path):
        fs, p = _url_fs(path)
        try:
            return int(fs.size(p))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read recording: {exc}", file=path) from exc
    return os.path.getsize(path)


def source_files(source: str | os.PathLike[str]) -> list[str]:
    """The recording files ``source`` stands for (a file, a directory, or a URL of either)."""
    text = os.fspath(source)
    if not is_url(text):
        return [str(p) for p in recording_files(text)]
    fs, root = _url_fs(text)
    try:
        is_dir = fs.isdir(root)
    except OSError as exc:
        raise InputError(f"cannot read recording: {exc}", file=text) from exc
    if not is_dir:
        if not fs.exists(root):
            raise InputError("no such file or directory", file=text)
        return [text]
    protocol = text.split("://", 1)[0]
    names = sorted(str(p) for p in fs.ls(root, detail=False))
    paths = [Path(n) for n in names]
    ordered = recording_files_order(paths)
    return [f"{protocol}://{p.as_posix().lstrip('/')}" if protocol != "file" else f"file://{p.as_posix()}"
            for p in ordered]


def recording_files_order(paths: Sequence[Path]) -> list[Path]:
    """Recording files among ``paths`` in the order :func:`recording_files` uses for a directory."""
    from .jsonl import split_name
    from .reader import _RECORDING_SUFFIXES

    def key(entry: Path) -> tuple[str, str, float]:
        base, suffix = split_name(entry)
        head, dot, number = base.rpartition(".")
        if dot and number.isdigit():
            return (head, suffix, float(int(number)))
        return (base, suffix, float("inf"))

    return sorted((p for p in paths if p.name.endswith(_RECORDING_SUFFIXES)), key=key)


@dataclass(frozen=True, slots=True)
class Unit:
    """One piece of work: ``file`` read as a ``range`` of JSON Lines or as a whole ``stream``.

    ``index`` orders units across all inputs; ``part`` is the unit's position within its file.
    ``end`` is ``None`` for the last range of a file (read to the end).
    """

    index: int
    file: str
    kind: Literal["range", "gzip", "stream"]
    start: int = 0
    end: int | None = None
    part: int = 0


def _kind(path: str) -> Literal["range", "gzip", "stream"]:
    """How a large file can be cut: ``range`` (plain JSON Lines), ``gzip`` (JSON Lines in gzip members
    written by contractdrift), or ``stream`` (read whole)."""
    with _open(path) as fh:
        head = fh.read(_PROBE)
    if head.startswith(_GZIP_MAGIC):
        if not head.startswith(_MEMBER_HEADER) or head[len(_MEMBER_HEADER)] not in _MEMBER_OS:
            return "stream"
        try:
            head = zlib.decompressobj(31).decompress(head, _PROBE)
        except zlib.error:
            return "stream"
        return "gzip" if _first_line_is_jsonl(head) else "stream"
    return "range" if _first_line_is_jsonl(head) else "stream"


def _first_line_is_jsonl(head: bytes) -> bool:
    """The first non-empty line is a recording header or an exchange."""
    lines = head.split(b"\n")
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if i == len(lines) - 1 and len(head) == _PROBE:
            return False  # first line longer than the probe: let the whole-file reader decide
        try:
            obj = decode_record(line)
        except (ValueError, KeyError, TypeError, AttributeError):
            return False
        return not isinstance(obj, dict) or obj.get("format") == FORMAT_NAME
    return False


def partition(sources: Sequence[str | os.PathLike[str]], *, unit_bytes: int = UNIT_BYTES) -> list[Unit]:
    """Units of work for ``sources`` (files, directories, URLs), in order.

    Plain JSON Lines files larger than ``unit_bytes`` become byte ranges of that size; gzip files
    written by contractdrift (one gzip member per batch) are cut at the first member that starts
    at or after each multiple of ``unit_bytes``; everything else is one unit per file. The result
    depends only on the inputs and ``unit_bytes``.
    """
    if unit_bytes < 1:
        raise UsageError("unit_bytes must be >= 1")
    units: list[Unit] = []
    for source in sources:
        for file in source_files(source):
            size = _size(file)
            kind = "stream" if size <= unit_bytes else _kind(file)
            if kind == "stream":
                units.append(Unit(len(units), file, "stream"))
                continue
            if kind == "gzip":
                cuts = _member_cuts(file, size, unit_bytes)
                for part, (start, end) in enumerate(zip(cuts, [*cuts[1:], None])):
                    units.append(Unit(len(units), file, "gzip", start, end, part))
                continue
            starts = range(0, size, unit_bytes)
            for part, start in enumerate(starts):
                end = start + unit_bytes if start + unit_bytes < size else None
                units.append(Unit(len(units), file, "range", start, end, part))
    return units


def _member_cuts(path: str, size: int, unit_bytes: int) -> list[int]:
    """Offsets of the first member header at or after each multiple of ``unit_bytes`` (0 first).

    contractdrift's writer starts every member with the same 10 bytes (``gzip.compress(mtime=0)``),
    so a match inside compressed data is a 2**-80 event per position; a reader still checks that the
    members it crossed end exactly at the next cut (see :func:`_gzip_range`).
    """
    cuts = [0]
    with _open(path) as fh:
        for target in range(unit_bytes, size, unit_bytes):
            if target <= cuts[-1]:
                continue
            fh.seek(target)
            pos, tail = target, b""
            found = None
            while found is None:
                block = fh.read(_BLOCK)
                if not block:
                    return cuts
                data = tail + block
                at = data.find(_MEMBER_HEADER)
                while at >= 0 and found is None:
                    if at + len(_MEMBER_HEADER) >= len(data):
                        break  # the OS byte is in the next block: look again with it
                    if data[at + len(_MEMBER_HEADER)] in _MEMBER_OS:
                        found = pos - len(tail) + at
                    else:
                        at = data.find(_MEMBER_HEADER, at + 1)
                keep = len(_MEMBER_HEADER)
                tail = data[-keep:]
                pos += len(block)
            cuts.append(found)
    return cuts


class DamagedLine(InputError):
    """A damaged line met in strict mode; ``line`` is relative to the unit (see :func:`absolute_line`)."""

    def __init__(self, problem: RecordingProblem, unit: Unit) -> None:
        self.problem = problem
        self.unit = unit
        super().__init__(f"malformed recording: {problem.message}", file=problem.file, line=problem.line)

    def __reduce__(self) -> tuple[Any, ...]:
        return (DamagedLine, (self.problem, self.unit))


class UnitLineError(Exception):
    """Raised by a ``decode`` given to :class:`UnitReader` for a line it cannot use: the line is a
    problem with exactly this ``message`` (e.g. ``not an exchange (ValueError: ...)``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def absolute_line(relative: int | None, lines_before: int) -> int | None:
    """A unit-relative line number as the file's line number."""
    return None if relative is None else relative + lines_before


class UnitReader:
    """Iterate the exchanges of one :class:`Unit` through the fast decoder.

    Counts ``lines`` (every line the unit owns, empty and header lines included), ``count``
    (exchanges) and ``skipped``; ``problems`` carry unit-relative line numbers. With ``strict``, the
    first damaged line raises :class:`DamagedLine`; a truncated last line of the file (a writer killed
    mid-write) is only reported, as in :func:`contractdrift.store.reader.read_recording`.

    ``decode`` replaces :func:`~contractdrift.store.records.decode_record` for JSON Lines lines (same
    contract; it may also raise :class:`UnitLineError`), e.g. to get full
    :class:`~contractdrift.model.Exchange` objects.
    """

    def __init__(self, unit: Unit, *, strict: bool = False, max_problems: int = 1000,
                 lines: Iterable[bytes | str] | None = None,
                 decode: Callable[[bytes], Any] | None = None) -> None:
        self.unit = unit
        self.decode = decode
        self.source_lines = lines  # in-memory lines (e.g. a Dask bag partition) instead of the file
        self.strict = strict
        self.max_problems = max_problems
        self.lines = 0
        self.count = 0
        self.skipped = 0
        self.problems: list[RecordingProblem] = []
        self.headers: list[dict[str, Any]] = []

    def _problem(self, line: int | None, message: str, *, tolerated: bool = False) -> None:
        problem = RecordingProblem(file=self.unit.file, line=line, message=message)
        if self.strict and not tolerated:
            raise DamagedLine(problem, self.unit)
        self.skipped += 1
        if len(self.problems) < self.max_problems:
            self.problems.append(problem)

    def __iter__(self) -> Iterator[ExchangeView]:
        unit = self.unit
        if self.source_lines is not None:
            yield from self._lines(_given_lines(self.source_lines))
            return
        with _open(unit.file) as raw:
            if unit.kind == "range":
                yield from self._lines(_range_lines(raw, unit.start, unit.end))
                return
            if unit.kind == "gzip":
                try:
                    yield from self._lines(iter(_StreamLines(_gzip_range(raw, unit))))
                except (EOFError, zlib.error) as exc:
                    self._problem(self.lines + 1,
                                  f"compressed stream ends early or is damaged ({type(exc).__name__}: {exc})")
                return
            magic = raw.read(2)
            raw.seek(0)
            # gzip through zlib directly: what decompressed before a damaged end is still read
            chunks = _gzip_range(raw, unit) if magic == _GZIP_MAGIC else iter(lambda: raw.read(_BLOCK), b"")
            try:
                lines = _StreamLines(chunks)
                yield from self._lines(iter(lines), detect=True, stream=lines)
            except (EOFError, zlib.error) as exc:
                self._problem(self.lines + 1,
                              f"compressed stream ends early or is damaged ({type(exc).__name__}: {exc})")

    def _lines(self, lines: Iterator[tuple[bytes, bool]], *, detect: bool = False,
               stream: _StreamLines | None = None) -> Iterator[ExchangeView]:
        decode = self.decode or decode_record
        first = detect
        n = 0
        try:
            for line, terminated in lines:
                n += 1
                if not line or line.isspace():
                    continue
                if first:
                    first = False
                    if self._is_document(line):
                        assert stream is not None
                        self.lines = n
                        rest = line + (b"\n" if terminated else b"") + stream.rest()
                        yield from self._document(rest)
                        return
                try:
                    rec = decode(line)
                except ValueError:
                    if not terminated:
                        self._problem(n, f"truncated last line ({len(line)} bytes; writer stopped mid-write?)",
                                      tolerated=True)
                    else:
                        reason = _reason(line + _NEWLINE)  # with its newline, as the serial reader parses it
                        self._problem(n, f"not valid JSON ({reason})")
                    continue
                except (KeyError, TypeError, AttributeError) as exc:
                    self._problem(n, f"not an exchange ({_describe(exc)})")
                    continue
                except RecursionError:  # deeper than the interpreter's limit (a damaged line, as for check)
                    self._problem(n, "JSON nested too deeply to read")
                    continue
                except UnitLineError as exc:
                    self._problem(n, exc.message)
                    continue
                if isinstance(rec, dict):
                    self._header(rec, n)
                    continue
                self.count += 1
                yield rec
        finally:
            self.lines = max(self.lines, n)

    def _header(self, obj: dict[str, Any], n: int) -> None:
        version = obj.get("version")
        if isinstance(version, int) and version > FORMAT_VERSION:
            self._problem(n, f"recording format version {version} is newer than {FORMAT_VERSION}")
        self.headers.append(obj)

    def _is_document(self, line: bytes) -> bool:
        stripped = line.strip()
        if not stripped.startswith((b"{", b"[")):
            raise InputError(
                "not a recording (expected JSON Lines, gzip-compressed JSON Lines or a HAR file)",
                file=self.unit.file, line=1,
            )
        try:
            obj = decode_record(stripped)
        except RecursionError:
            return False  # one whole JSON value on the line, nested too deeply: its line says so
        except ValueError:
            return True
        except (KeyError, TypeError, AttributeError):
            return True
        return isinstance(obj, dict) and obj.get("format") != FORMAT_NAME

    def _document(self, data: bytes) -> Iterator[ExchangeView]:
        """A whole JSON document (HAR, a list of exchanges): the standard reader's document path."""
        reader = RecordingReader.__new__(RecordingReader)
        reader.path = Path(self.unit.file)
        reader.files = []
        reader.warn = False
        reader.skipped = 0
        reader.count = 0
        reader.problems = []
        reader.headers = []
        try:
            for ex in reader._read_document(Path(self.unit.file), data):
                self.count += 1
                yield ex
        finally:
            for p in reader.problems:
                self._problem(p.line, p.message)


def _reason(line: bytes) -> str:
    import json

    try:
        json.loads(line)
    except json.JSONDecodeError as exc:
        return exc.msg
    except ValueError as exc:
        return str(exc).split("\n", 1)[0][:200]
    return "invalid JSON"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!r}" if exc.args else "missing field"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _range_lines(fh: IO[bytes], start: int, end: int | None) -> Iterator[tuple[bytes, bool]]:
    """``(line without newline, terminated)`` for the lines whose first byte is in ``[start, end)``."""
    if start > 0:
        fh.seek(start - 1)
        skipped = fh.readline()  # the rest of the line that began before ``start``
        pos = start - 1 + len(skipped)
    else:
        pos = 0
    if end is not None and pos >= end:
        return
    pending = b""
    while True:
        block = fh.read(_BLOCK)
        if not block:
            if pending:
                yield pending, False
            return
        data = pending + block if pending else block
        parts = data.split(b"\n")
        pending = parts.pop()
        for line in parts:
            yield line, True
            pos += len(line) + 1
            if end is not None and pos >= end:
                return


def _given_lines(lines: Iterable[bytes | str]) -> Iterator[tuple[bytes, bool]]:
    """In-memory lines: a trailing newline is dropped; only a last line without one is unterminated."""
    it = iter(lines)
    prev: bytes | None = None
    for item in it:
        data = item.encode() if isinstance(item, str) else item
        if prev is not None:
            yield prev, True
        prev = data[:-1] if data.endswith(b"\n") else data
        if data.endswith(b"\n"):
            yield prev, True
            prev = None
    if prev is not None:
        yield prev, False


def _gzip_range(fh: IO[bytes], unit: Unit) -> Iterator[bytes]:
    """Decompressed data of the gzip members starting in ``[unit.start, unit.end)``."""
    fh.seek(unit.start)
    offset = unit.start  # compressed offset where the current member starts
    d = zlib.decompressobj(31)
    fed = False
    while True:
        block = fh.read(_BLOCK)
        if not block:
            if fed:
                raise EOFError("the last gzip member is cut short")
            return
        data = block
        while data:
            out = d.decompress(data)
            fed = True
            if out:
                yield out
            if not d.eof:
                break
            offset += len(data) - len(d.unused_data)
            data = d.unused_data
            d, fed = zlib.decompressobj(31), False
            if unit.end is not None and offset >= unit.end:
                if offset != unit.end:
                    raise InputError(f"cannot cut this gzip file at byte {unit.end} (not a member boundary); "
                                     "use a larger --unit-size", file=unit.file)
                return
            if data.strip(b"\x00") == b"":
                data = b""  # trailing padding


class _StreamLines:
    """``(line, terminated)`` pairs of a stream of chunks; :meth:`rest` is everything not yet yielded."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.parts: list[bytes] = []
        self.next = 0
        self.pending = b""

    def __iter__(self) -> Iterator[tuple[bytes, bool]]:
        for block in self.chunks:
            data = self.pending + block if self.pending else block
            self.parts = data.split(b"\n")
            self.pending = self.parts.pop()
            for i, line in enumerate(self.parts, 1):
                self.next = i
                yield line, True
            self.parts, self.next = [], 0
        if self.pending:
            last, self.pending = self.pending, b""
            yield last, False

    def rest(self) -> bytes:
        tail = self.parts[self.next:]
        return (b"\n".join(tail) + b"\n" if tail else b"") + self.pending + b"".join(self.chunks)
