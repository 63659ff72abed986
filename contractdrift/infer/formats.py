"""String format detection and id-like checks (pure functions, no state).

:func:`string_formats` names every format a string value satisfies; the summary counts those names
over a bounded sample and the derivation picks the most specific format that every sampled value
had. Formats outside the JSON Schema vocabulary (``ulid``, ``integer``, ``decimal``,
``date-time-local``) are still emitted as ``format`` values: OpenAPI treats ``format`` as open.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = [
    "EPOCH_MILLIS",
    "EPOCH_SECONDS",
    "FORMAT_PRIORITY",
    "epoch_format",
    "is_id_like",
    "is_version_like",
    "string_formats",
]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}\Z")
_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)\Z")
# RFC 3339 proper: 'T' separator and an offset.
_DATETIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)\Z"
)
# Common variants: space separator, no offset, offset without colon.
_DATETIME_LOOSE = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(:(\d\d)(\.\d+)?)?([Zz]|[+-]\d\d:?\d\d)?\Z"
)
_TIME = re.compile(r"(\d\d):(\d\d):(\d\d)(\.\d+)?([Zz]|[+-]\d\d:\d\d)?\Z")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+\Z")
_URI = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*)://[^\s]+\Z|(mailto|urn|tel|data):[^\s]+\Z")
_IPV4 = re.compile(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\Z")
_INTEGER = re.compile(r"-?(0|[1-9]\d*)\Z")
_DECIMAL = re.compile(r"-?(0|[1-9]\d*)\.\d+\Z")
_HEX = re.compile(r"[0-9a-fA-F]+\Z")
_VERSION = re.compile(r"[vV]\d+([._]\d+)*([a-z]+\d*)?\Z")
_SLUG_ID = re.compile(r"[A-Za-z0-9_-]+\Z")
_DIGIT = re.compile(r"\d")
_ALPHA = re.compile(r"[A-Za-z]")

#: Most specific first: the derivation picks the first format every sampled value satisfied.
FORMAT_PRIORITY: tuple[str, ...] = (
    "uuid",
    "date-time",
    "date-time-local",
    "date",
    "time",
    "ipv4",
    "ipv6",
    "email",
    "uri",
    "integer",
    "decimal",
    "ulid",
)

EPOCH_SECONDS = "unix-time"
EPOCH_MILLIS = "unix-time-ms"
_EPOCH_S = (946_684_800, 4_102_444_800)  # 2000-01-01 .. 2100-01-01
_EPOCH_MS = (_EPOCH_S[0] * 1000, _EPOCH_S[1] * 1000)


def _valid_date(y: str, m: str, d: str) -> bool:
    return 1 <= int(m) <= 12 and 1 <= int(d) <= 31 and int(y) > 0


def string_formats(value: str) -> tuple[str, ...]:
    """All format names ``value`` satisfies (may be empty). Cheap gates run before regexes."""
    n = len(value)
    if n == 0 or n > 2048:
        return ()
    out: list[str] = []
    c0 = value[0]
    if c0.isdigit():
        if n == 36 and _UUID.match(value):
            out.append("uuid")
        elif n == 10:
            m = _DATE.match(value)
            if m and _valid_date(*m.groups()):
                out.append("date")
        elif n >= 16 and value[4:5] == "-":
            m = _DATETIME.match(value)
            if m and _valid_date(*m.groups()[:3]) and int(m.group(4)) < 24 and int(m.group(5)) < 60:
                out.append("date-time")
            m2 = _DATETIME_LOOSE.match(value)
            if m2 and _valid_date(*m2.groups()[:3]) and int(m2.group(4)) < 24:
                out.append("date-time-local")
        elif n >= 8 and value[2:3] == ":":
            m = _TIME.match(value)
            if m and int(m.group(1)) < 24 and int(m.group(2)) < 60 and int(m.group(3)) < 61:
                out.append("time")
        if n <= 15 and value.count(".") == 3 and _IPV4.match(value):
            out.append("ipv4")
        if _INTEGER.match(value):
            out.append("integer")
        elif _DECIMAL.match(value):
            out.append("decimal")
    elif c0 == "-":
        if _INTEGER.match(value):
            out.append("integer")
        elif _DECIMAL.match(value):
            out.append("decimal")
    elif n == 36 and _UUID.match(value):
        out.append("uuid")
    if ":" in value and n >= 2:
        if _URI.match(value):
            out.append("uri")
        elif "." not in value or value.count(":") >= 2:
            try:
                ipaddress.IPv6Address(value)
            except ValueError:
                pass
            else:
                out.append("ipv6")
    if "@" in value and _EMAIL.match(value):
        out.append("email")
    if n == 26 and _ULID.match(value) and _ALPHA.search(value):
        out.append("ulid")
    return tuple(out)


def epoch_format(minimum: int | float, maximum: int | float) -> str | None:
    """``unix-time`` / ``unix-time-ms`` when every number lies in 2000..2100 as seconds / millis."""
    if _EPOCH_S[0] <= minimum and maximum <= _EPOCH_S[1]:
        return EPOCH_SECONDS
    if _EPOCH_MS[0] <= minimum and maximum <= _EPOCH_MS[1]:
        return EPOCH_MILLIS
    return None


def is_version_like(segment: str) -> bool:
    """``v1``, ``V2``, ``v2.1``, ``v1beta1``: API versions, never path parameters."""
    return bool(_VERSION.match(segment))


def is_id_like(segment: str) -> bool:
    """Does a URL path segment look like an identifier (so it becomes a parameter)?

    Integers, UUIDs (any version and case), ULIDs, long hex (>= 8 chars with a digit), dates,
    and base62 / slugs that mix letters with digits (>= 6 chars, e.g. ``a8Fk2LmQ``, ``post-123``).
    ``api``, ``v1``, ``v2.1`` and plain words are not.
    """
    n = len(segment)
    if n == 0 or is_version_like(segment):
        return False
    if segment.isdigit():
        return True
    if n == 36 and _UUID.match(segment):
        return True
    if n == 26 and _ULID.match(segment):
        return True
    if n == 10 and _DATE.match(segment):
        return True
    if n >= 8 and _HEX.match(segment) and _DIGIT.search(segment):
        return True
    if n >= 6 and _SLUG_ID.match(segment) and _DIGIT.search(segment) and _ALPHA.search(segment):
        # words with a trailing version-ish number like "oauth2" stay literal: require >= 2 digits
        return sum(ch.isdigit() for ch in segment) >= 2
    return bool(_DECIMAL.match(segment))
