"""``multipart/form-data`` request bodies read back into the object their schema describes.

:func:`parse_multipart` splits a recorded body into its parts with the standard library's MIME
parser (:mod:`email`, which records malformations as defects instead of raising): a body whose
boundary is missing or never found, that ends before its closing delimiter, or whose parts lack a
header block or a ``name`` is *malformed*, and nothing of it is validated (a cut body could make any
part look wrong).

:func:`read_form` maps the parts to the schema's properties by the OpenAPI Encoding Object: the
part's ``contentType`` is the ``encoding`` entry's, else the default for its property's schema
(:func:`~contractdrift.spec.serialization.part_content_type`). A part whose (declared or sent)
media type is JSON is parsed and validated as its property's value; a text part is deserialized
like a form field (:func:`~contractdrift.spec.serialization.form_object`, the code that reads
``application/x-www-form-urlencoded``); anything else is a file part, whose contents are not
validated (the checker counts it). Parts that cannot be read this way stand in the object as
placeholders so that presence (``required``, unknown names, ``additionalProperties``) is still
validated by the same compiled schema as everything else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..spec.node import Node
from ..spec.serialization import form_object, part_content_type, property_schema, schema_types
from ..spec.shapes import is_json_media_type, match_media_type, parse_media_type

__all__ = ["FormParts", "Part", "parse_multipart", "read_form"]

# RFC 2046 §5.1.1: 1 to 70 characters of bchars, not ending with a space
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]\Z")

#: why a part's contents are not validated (fixed texts: they are part of the finding's arguments)
FILE_PART = "contents of a multipart file part"
NOT_TEXT = "a multipart text part that does not decode in its charset"
NESTED = "a nested multipart part"


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a ``multipart/form-data`` body."""

    name: str
    filename: str | None
    content_type: str | None  # as sent (``None``: no Content-Type header)
    data: bytes | None  # ``None``: a nested multipart part


def parse_multipart(raw: bytes, content_type: str) -> tuple[list[Part], str | None]:
    """The parts of ``raw`` sent as ``content_type`` (with its ``boundary``), or ``([], problem)``
    naming why the body is malformed. Never raises."""
    mt = parse_media_type(content_type)
    boundary = dict(mt.parameters).get("boundary")
    if not boundary:
        return [], "no boundary parameter in the Content-Type"
    if not _BOUNDARY.match(boundary):
        return [], "the boundary parameter is not a valid boundary"
    import email.parser
    import email.policy

    head = f'Content-Type: {mt.essence}; boundary="{boundary}"\r\n\r\n'
    try:
        # Latin-1 text keeps every byte as one character (part contents come back byte for byte from
        # get_payload(decode=True)); compat32 keeps headers as plain strings (the header registry of
        # the newer policies costs about 8x the whole parse)
        message = email.parser.Parser(policy=email.policy.compat32).parsestr(head + raw.decode("latin-1"))
        if message.defects or not message.is_multipart():
            return [], _defect(message.defects) or "not a multipart body"
        parts: list[Part] = []
        payload: Any = message.get_payload()  # a multipart message's payload: its parts (Message objects)
        for sub in payload:
            if sub.defects:
                return [], _defect(sub.defects)
            name = _param(sub, "name")
            disposition = str(sub.get("content-disposition", "")).split(";", 1)[0].strip().lower()
            if name is None or disposition != "form-data":
                return [], "a part without a form-data Content-Disposition naming it"
            data: Any = None if sub.is_multipart() else sub.get_payload(decode=True)
            content_type = sub.get("content-type")
            parts.append(Part(name=name, filename=_param(sub, "filename"),
                              content_type=_text(str(content_type)) if content_type is not None else None,
                              data=data if isinstance(data, bytes) or data is None else bytes(data)))
    except Exception as exc:  # the parser's own limits (header errors, recursion): malformed, not a crash
        return [], f"unreadable ({type(exc).__name__})"
    return parts, None


def _text(value: str) -> str:
    """A header value read as Latin-1, as the UTF-8 it usually is (RFC 7578 §5.1: names and file
    names are sent as raw UTF-8); Latin-1 when it is not UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _param(part: Any, key: str) -> str | None:
    """A Content-Disposition parameter (RFC 2231 ``key*=`` values decoded)."""
    import email.utils

    value = part.get_param(key, header="content-disposition")
    if value is None:
        return None
    return _text(email.utils.collapse_rfc2231_value(value))


def _defect(defects: Sequence[Any]) -> str:
    names = {
        "StartBoundaryNotFoundDefect": "the boundary never occurs in the body",
        "CloseBoundaryNotFoundDefect": "the body ends before its closing boundary (truncated?)",
        "MissingHeaderBodySeparatorDefect": "a part without a blank line after its headers",
    }
    for d in defects:
        text = names.get(type(d).__name__)
        if text is not None:
            return text
    return f"malformed ({type(defects[0]).__name__})" if defects else ""


@dataclass(slots=True)
class FormParts:
    """What :func:`read_form` made of the parts."""

    value: dict[str, Any] = field(default_factory=dict)  # the object to validate
    #: part names standing in :attr:`value` as placeholders: only their presence is validated
    placeholders: set[str] = field(default_factory=set)
    opaque: dict[str, str] = field(default_factory=dict)  # name -> why its contents are not validated
    unparsable: dict[str, str] = field(default_factory=dict)  # name -> the JSON media type that did not parse
    #: name -> (media type sent, the media types its ``encoding`` allows)
    media_mismatch: dict[str, tuple[str, str]] = field(default_factory=dict)


def _allowed(entry: Mapping[str, Any], prop: Node | None) -> tuple[list[str], bool]:
    declared = entry.get("contentType")
    if isinstance(declared, str) and declared.strip():
        return [t.strip() for t in declared.split(",") if t.strip()], True
    return [part_content_type(prop)], False


def read_form(parts: Sequence[Part], schema: Node | None, encoding: Mapping[str, Any] | None) -> FormParts:
    """Map ``parts`` to the properties of ``schema`` by ``encoding`` (see the module docstring)."""
    enc = encoding or {}
    out = FormParts()
    by_name: dict[str, list[Part]] = {}
    for part in parts:
        by_name.setdefault(part.name, []).append(part)
    texts: dict[str, list[str]] = {}
    for name, group in by_name.items():
        prop = property_schema(schema, name)
        entry = enc.get(name)
        allowed, declared = _allowed(entry if isinstance(entry, Mapping) else {}, prop)
        expected = allowed[0]
        parsed: list[Any] = []
        text: list[str] = []
        for part in group:
            sent = parse_media_type(part.content_type).essence if part.content_type else None
            if sent is not None and declared and match_media_type(sent, allowed) is None:
                out.media_mismatch.setdefault(name, (sent, ", ".join(allowed)))
            if part.data is None:
                out.opaque.setdefault(name, NESTED)
            elif is_json_media_type(sent or expected) or (sent is not None and sent.startswith("text/")
                                                           and is_json_media_type(expected)):
                try:
                    parsed.append(json.loads(part.data))
                except (ValueError, RecursionError):
                    out.unparsable.setdefault(name, sent or expected)
            elif not _is_text(expected) or (sent is not None and not _is_text(sent)):
                out.opaque.setdefault(name, FILE_PART)
            else:
                charset = dict(parse_media_type(part.content_type or "").parameters).get("charset")
                try:
                    text.append(part.data.decode(charset or "utf-8"))
                except (UnicodeDecodeError, LookupError):
                    out.opaque.setdefault(name, NOT_TEXT)
        types = schema_types(prop)
        if name in out.opaque or name in out.unparsable:
            out.placeholders.add(name)  # a string (what file parts are described as) that says what stands there
            shown = [_placeholder(p) for p in group]
            out.value[name] = shown if len(group) > 1 or "array" in types else shown[0]
        elif text and not parsed:
            texts[name] = text
        elif len(parsed) == 1 and not text:
            only = parsed[0]
            out.value[name] = [only] if types == {"array"} and not isinstance(only, list) else only
        else:
            out.value[name] = parsed + text
    if texts:
        out.value.update(form_object(texts, schema, None))
    return out


def _is_text(media: str) -> bool:
    mt = parse_media_type(media)
    return mt.type == "text" or is_json_media_type(media)


def _placeholder(part: Part) -> str:
    if part.data is None:
        return "<nested multipart part>"
    named = f" {part.filename!r}" if part.filename else ""
    return f"<part{named}, {len(part.data)} bytes, not validated>"
