"""Redaction of ``multipart/form-data`` bodies, part by part, before they reach disk.

A multipart body is recorded as bytes (it is not text), so the structural redaction of JSON and
form bodies would never look inside it: a part named ``password`` would be written in clear. Here
the body is split at its boundary (RFC 7578 / RFC 2046 §5.1.1), and each part's contents are
redacted by what the part is:

- a part whose *name* is a secret field name (``password``, ``api_key``, the user's ``fields``
  rules): its contents become the stand-in of the value, whatever its media type;
- a JSON part (``application/json``, ``+json``): parsed, redacted by structure like a JSON body and
  written back compactly (left as text-scanned when it does not parse);
- a text part (no file name, or a textual media type): redacted like free text;
- a file part with a non-textual media type: kept, like any binary body.

Part headers are scanned like free text (a file name can carry a token). Everything outside the
parts (preamble, epilogue, delimiters) is kept byte for byte, except that the preamble and epilogue
are scanned too. Without a ``boundary`` parameter (a recording keeps the media type's essence only)
the delimiter is the body's first line when it has the form ``--boundary``. A body whose boundary is
missing or never found is scanned as text when it decodes
as UTF-8; otherwise it is kept as binary (:func:`redact_multipart` returns the input unchanged, and
the caller's policy for binary bodies applies).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .redact import Redactor

__all__ = ["is_multipart_form", "redact_multipart"]

_BOUNDARY_PARAM = re.compile(r';\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))', re.IGNORECASE)
_NAME = re.compile(r';\s*name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))', re.IGNORECASE)
_FILENAME = re.compile(r';\s*filename\*?\s*=', re.IGNORECASE)


def is_multipart_form(media_type: str | None) -> bool:
    """Whether ``media_type`` is ``multipart/form-data`` (parameters aside)."""
    return bool(media_type) and media_type.split(";", 1)[0].strip().lower() == "multipart/form-data"  # type: ignore[union-attr]


def redact_multipart(data: bytes, content_type: str, redactor: Redactor) -> bytes:
    """``data`` (a ``multipart/form-data`` body sent as ``content_type``) with every part redacted."""
    m = _BOUNDARY_PARAM.search(content_type)
    boundary = (m.group(1) or m.group(2)) if m else None
    delimiter = b"--" + boundary.encode("latin-1", "replace") if boundary else _leading_delimiter(data)
    if delimiter is None or delimiter not in data:
        return _scanned(data, redactor)
    chunks = data.split(delimiter)
    out = [_scanned(chunks[0], redactor)]
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):  # the close delimiter and the epilogue after it
            out.append(b"--" + _scanned(chunk[2:], redactor))
            continue
        out.append(_redacted_part(chunk, redactor, delimiter))
    return delimiter.join(out)


def _leading_delimiter(data: bytes) -> bytes | None:
    """The delimiter a body opens with (``--boundary`` on its first line), for recordings that kept
    the media type without its parameters."""
    first, crlf, _ = data[:80].partition(b"\r\n")
    if crlf and first.startswith(b"--") and 3 <= len(first) <= 72 and not first.endswith(b" "):
        return first
    return None


def _redacted_part(chunk: bytes, redactor: Redactor, delimiter: bytes) -> bytes:
    """One part as it sits between two delimiters: ``CRLF headers CRLF CRLF contents CRLF``."""
    head, sep, rest = chunk.partition(b"\r\n\r\n")
    if not sep:  # no header block (or a part cut by the recorder's cap inside its headers)
        return _scanned(chunk, redactor)
    contents, tail = (rest[:-2], rest[-2:]) if rest.endswith(b"\r\n") else (rest, b"")
    header_text = head.decode("latin-1")
    name, has_filename, media = _part_headers(header_text)
    new_head = _scanned(head, redactor)
    new_contents = _redacted_contents(contents, name, has_filename, media, redactor)
    if delimiter in new_contents:  # a stand-in can never be allowed to end the part early
        new_contents = b"[REDACTED]"
    return new_head + sep + new_contents + tail


def _part_headers(text: str) -> tuple[str | None, bool, str | None]:
    name: str | None = None
    has_filename = False
    media: str | None = None
    for line in text.split("\r\n"):
        key, colon, value = line.partition(":")
        if not colon:
            continue
        key = key.strip().lower()
        if key == "content-disposition":
            m = _NAME.search(value)
            if m:
                name = m.group(1) if m.group(1) is not None else m.group(2)
                name = name.encode("latin-1").decode("utf-8", "replace")
            has_filename = bool(_FILENAME.search(value))
        elif key == "content-type":
            media = value.split(";", 1)[0].strip().lower()
    return name, has_filename, media


def _redacted_contents(
    contents: bytes, name: str | None, has_filename: bool, media: str | None, redactor: Redactor
) -> bytes:
    if not contents:
        return contents
    if name is not None and redactor.is_secret_field(name):
        try:
            value = contents.decode("utf-8")
        except UnicodeDecodeError:
            return b"[REDACTED]"
        masked = redactor.mask(value)
        return masked.encode("utf-8") if isinstance(masked, str) else b"[REDACTED]"
    if media is not None and (media == "application/json" or media.endswith("+json")):
        try:
            parsed = json.loads(contents)
        except (ValueError, RecursionError):
            return _scanned(contents, redactor)
        new = redactor.redact_json(parsed)
        if new is parsed:
            return contents
        return json.dumps(new, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    textual = media is None or media.startswith("text/") or media.endswith("+xml") or media in (
        "application/xml", "application/x-www-form-urlencoded")
    if has_filename and not textual:
        return contents  # a file's bytes: kept, as binary bodies are
    return _scanned(contents, redactor)


def _scanned(data: bytes, redactor: Redactor) -> bytes:
    """``data`` as free text with detected secrets replaced; kept when it is not UTF-8 text."""
    if not data:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    new = redactor.redact_text(text)
    return data if new == text else new.encode("utf-8")
