"""Reading recordings back: JSON Lines (plain or gzip), HAR, or a directory of rotated files.

The format is detected from the content, not the file name: gzip magic bytes, then the first line
(a ``contractdrift-recording`` header, a bare exchange object, or the start of a JSON document such
as a HAR file). JSON Lines are streamed line by line, so memory stays constant however large the
recording is; HAR files are JSON documents and are loaded whole.

Damage is tolerated and reported, never raised: a truncated last line (a writer killed mid-write),
a corrupt line in the middle, a line that is not an exchange, or a gzip stream that ends early are
skipped and counted in :attr:`RecordingReader.skipped`, with ``file:line: message`` entries in
:attr:`RecordingReader.problems`; a :class:`RecordingWarning` is emitted when iteration ends.
A missing file or a file that is no recording at all raises :class:`~contractdrift.errors.InputError`.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import sys
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import InputError
from ..model import Exchange, RecordedExchangeView
from .har import exchanges_from_har
from .jsonl import FORMAT_NAME, FORMAT_VERSION, split_name
from .records import decode_checked

logger = logging.getLogger("contractdrift.store")

_GZIP_MAGIC = b"\x1f\x8b"
_RECORDING_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".har", ".json", ".json.gz", ".gz")
_MAX_PROBLEMS_KEPT = 1000


class RecordingWarning(UserWarning):
    """Emitted when a recording had damaged or skipped lines."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingProblem:
    """One skipped part of a recording."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


def recording_files(path: str | os.PathLike[str]) -> list[Path]:
    """The files a recording path stands for: the file itself, or a directory's recordings in order.

    In a directory, rotated files of one recording come oldest first (``traffic.1.jsonl``,
    ``traffic.2.jsonl``, ..., then ``traffic.jsonl``); different recordings are ordered by name.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("no such file or directory", file=str(p))
    if not p.is_dir():
        return [p]

    def key(entry: Path) -> tuple[str, str, float]:
        base, suffix = split_name(entry)
        head, dot, number = base.rpartition(".")
        if dot and number.isdigit():
            return (head, suffix, float(int(number)))
        return (base, suffix, float("inf"))

    files = [e for e in p.iterdir() if e.is_file() and e.name.endswith(_RECORDING_SUFFIXES)]
    return sorted(files, key=key)


class RecordingReader:
    """Iterate the exchanges of a recording (file or directory), counting what had to be skipped.

    Iterating again starts over (and resets the counters).
    """

    def __init__(self, path: str | os.PathLike[str], *, warn: bool = True) -> None:
        self.path = Path(path)
        self.files = recording_files(path)
        self.warn = warn
        self.skipped = 0
        self.count = 0
        self.problems: list[RecordingProblem] = []
        self.headers: list[dict[str, Any]] = []

    @property
    def messages(self) -> list[str]:
        """The problems as ``file:line: message`` strings."""
        return [str(p) for p in self.problems]

    def _problem(self, file: Path, line: int | None, message: str) -> None:
        self.skipped += 1
        if len(self.problems) < _MAX_PROBLEMS_KEPT:
            self.problems.append(RecordingProblem(file=str(file), line=line, message=message))

    #: set while :meth:`views` iterates: the deepest nesting a line may have for the fast decoder
    _view_depth: int | None = None

    def __iter__(self) -> Iterator[Exchange]:
        return self._each()

    def views(self) -> Iterator[RecordedExchangeView]:
        """Iterate like ``iter(reader)`` (same counters, problems, warnings and line numbers), but
        JSON Lines lines are decoded by ``check``'s fast path
        (:func:`~contractdrift.store.records.decode_checked`): light read-only views instead of
        :class:`Exchange` values, request bodies parsed only when read. A line the fast decoder
        does not take (a header, a damaged line, HAR and other documents) goes the usual way and
        comes out as an :class:`Exchange`, which is a view too."""
        frame, depth = sys._getframe(), 0
        while frame is not None:
            depth += 1
            frame = frame.f_back  # type: ignore[assignment]
        # json.loads spends one recursion level per nesting level; leave room for the frames of
        # whoever drives this iterator and of the slow path itself
        self._view_depth = max(sys.getrecursionlimit() - depth - 250, 0)
        try:
            yield from self._each()
        finally:
            self._view_depth = None

    def _each(self) -> Iterator[Any]:
        self.skipped = 0
        self.count = 0
        self.problems = []
        self.headers = []
        for file in self.files:
            for exchange in self._read_file(file):
                self.count += 1
                yield exchange
        if self.skipped and self.warn:
            shown = "; ".join(self.messages[:3])
            more = f" (and {self.skipped - 3} more)" if self.skipped > 3 else ""
            text = f"{self.path}: skipped {self.skipped} damaged part(s): {shown}{more}"
            logger.warning("%s", text)
            warnings.warn(text, RecordingWarning, stacklevel=2)

    def _read_file(self, file: Path) -> Iterator[Any]:  # Exchange values, or views in views()
        try:
            raw: IO[bytes] = open(file, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise InputError(f"cannot read recording: {exc.strerror or exc}", file=str(file)) from exc
        try:
            magic = raw.read(2)
            raw.seek(0)
            stream: IO[bytes] = raw
            if magic == _GZIP_MAGIC:
                stream = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
            yield from self._read_stream(file, stream)
        finally:
            raw.close()

    def _read_stream(self, file: Path, stream: IO[bytes]) -> Iterator[Any]:  # see _read_file
        lineno = 0
        first: bytes | None = None
        depth = self._view_depth
        try:
            for line in stream:
                lineno += 1
                if first is None:
                    if not line.strip():
                        continue
                    first = line
                    kind = self._detect(file, line)
                    if kind == "document":
                        rest = line + stream.read()
                        yield from self._read_document(file, rest)
                        return
                    if kind == "header":
                        continue
                if depth is not None:
                    view = decode_checked(line, depth)
                    if view is not None:
                        yield view
                        continue
                yield from self._read_line(file, lineno, line)
        except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
            self._problem(
                file, lineno + 1, f"compressed stream ends early or is damaged ({type(exc).__name__}: {exc})"
            )

    def _detect(self, file: Path, line: bytes) -> str:
        stripped = line.strip()
        if not stripped.startswith((b"{", b"[")):
            raise InputError(
                "not a recording (expected JSON Lines, gzip-compressed JSON Lines or a HAR file)",
                file=str(file),
                line=1,
            )
        try:
            obj = json.loads(stripped)
        except RecursionError:
            return "line"  # one whole JSON value on the line, nested too deeply: its line says so
        except ValueError:
            return "document"  # a multi-line JSON document (HAR) or a damaged first line
        if isinstance(obj, dict) and obj.get("format") == FORMAT_NAME:
            version = obj.get("version")
            if isinstance(version, int) and version > FORMAT_VERSION:
                self._problem(file, 1, f"recording format version {version} is newer than {FORMAT_VERSION}")
            self.headers.append(obj)
            return "header"
        if isinstance(obj, dict) and "request" in obj:
            return "line"
        return "document"

    def _read_document(self, file: Path, data: bytes) -> Iterator[Exchange]:
        try:
            doc = json.loads(data)
        except ValueError as exc:
            line, col = _position(exc)
            if _first_line_is_record(data):
                # JSON Lines whose header line is damaged: read line by line instead.
                for n, line_bytes in enumerate(data.splitlines(keepends=True), start=1):
                    if line_bytes.strip():
                        yield from self._read_line(file, n, line_bytes)
                return
            raise InputError(f"malformed JSON: {_reason(exc)}", file=str(file), line=line, col=col) from None
        if isinstance(doc, dict) and "log" in doc:
            yield from exchanges_from_har(doc, file=str(file))
            return
        if isinstance(doc, list):
            for i, item in enumerate(doc):
                try:
                    yield Exchange.from_dict(item)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    self._problem(file, None, f"item {i} is not an exchange ({_describe(exc)})")
            return
        raise InputError(
            "not a recording (a JSON document that is neither HAR nor a list of exchanges)", file=str(file)
        )

    def _read_line(self, file: Path, lineno: int, line: bytes) -> Iterator[Exchange]:
        if not line.strip():
            return
        try:
            obj = json.loads(line)
        except RecursionError:
            self._problem(file, lineno, "JSON nested too deeply to read")
            return
        except ValueError as exc:
            if not line.endswith(b"\n"):
                self._problem(file, lineno, f"truncated last line ({len(line)} bytes; writer stopped mid-write?)")
            else:
                self._problem(file, lineno, f"not valid JSON ({_reason(exc)})")
            return
        if isinstance(obj, dict) and obj.get("format") == FORMAT_NAME:
            self.headers.append(obj)  # concatenated recordings
            return
        try:
            yield Exchange.from_dict(obj)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self._problem(file, lineno, f"not an exchange ({_describe(exc)})")


class StreamReader(RecordingReader):
    """A JSON Lines recording (plain or gzip) read from an open binary stream, e.g. standard input
    (``-`` on the command line). It can be iterated once."""

    def __init__(self, stream: IO[bytes], name: str = "<stdin>", *, warn: bool = True) -> None:
        self.path = Path(name)
        self.files = [Path(name)]
        self.warn = warn
        self.skipped = 0
        self.count = 0
        self.problems = []
        self.headers = []
        self._stream = stream

    def _read_file(self, file: Path) -> Iterator[Any]:  # Exchange values, or views in views()
        stream: IO[bytes] = self._stream
        if not hasattr(stream, "peek"):
            stream = io.BufferedReader(stream)  # type: ignore[type-var]
        if stream.peek(2)[:2] == _GZIP_MAGIC:
            stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        yield from self._read_stream(file, stream)


def _first_line_is_record(data: bytes) -> bool:
    first = data.split(b"\n", 1)[0].strip()
    return first.startswith(b"{") and b'"format"' in first and FORMAT_NAME.encode() in first


def _position(exc: ValueError) -> tuple[int | None, int | None]:
    if isinstance(exc, json.JSONDecodeError):
        return exc.lineno, exc.colno
    return None, None


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    return str(exc).split("\n", 1)[0][:200]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!r}" if exc.args else "missing field"
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def read_recording(path: str | os.PathLike[str], *, warn: bool = True) -> RecordingReader:
    """A :class:`RecordingReader` over ``path`` (iterate it; then look at ``skipped``/``problems``)."""
    return RecordingReader(path, warn=warn)


def read_exchanges(path: str | os.PathLike[str]) -> Iterator[Exchange]:
    """Stream the exchanges of a recording: JSON Lines (plain or gzip), HAR, or a directory.

    Damaged lines are skipped with a :class:`RecordingWarning`; use :func:`read_recording` to get the
    counts and messages. A missing or unrecognisable file raises
    :class:`~contractdrift.errors.InputError`.
    """
    return iter(RecordingReader(path))
