"""String and number ``format`` checks for payload validation (``compare/validate.py``).

Each checker takes a value already known to be of the format's type and answers whether it conforms.
Formats named in :data:`KNOWN_UNCHECKED` are recognised but carry no constraint (``password``,
``binary``, ``float``...); any other unknown format is reported as *unknown-format* by the validator.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z", re.ASCII)
_TIME = re.compile(r"(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))?\Z", re.ASCII)
_TIME_OFFSET = re.compile(r"(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))\Z", re.ASCII)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\Z")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*\Z")
_URI_REF = re.compile(r"[^\s]*\Z")
_HOSTNAME = re.compile(r"(?=.{1,253}\.?\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                       r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?\Z")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z")
_BASE64URL = re.compile(r"(?:[A-Za-z0-9\-_]{4})*(?:[A-Za-z0-9\-_]{2}(?:==)?|[A-Za-z0-9\-_]{3}=?)?\Z")
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)

#: Formats that are known but constrain nothing checkable (OpenAPI data types, media hints).
KNOWN_UNCHECKED = frozenset({"password", "binary", "float", "double", "decimal", "int8", "int16", "uint8",
                             "regex", "json-pointer", "relative-json-pointer", "uri-template", "iri",
                             "iri-reference", "idn-email", "idn-hostname", "duration", "html", "markdown",
                             "text", "char", "url"})


def _date_ok(y: str, m: str, d: str) -> bool:
    month, day = int(m), int(d)
    if not 1 <= month <= 12 or day < 1 or day > _DAYS[month - 1]:
        return False
    if month == 2 and day == 29:
        year = int(y)
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return True


def _time_ok(match: re.Match[str]) -> bool:
    h, mi, s, oh, om = match.groups()
    if int(h) > 23 or int(mi) > 59 or int(s) > 60:
        return False
    return oh is None or (int(oh) <= 23 and int(om) <= 59)


def is_date(value: str) -> bool:
    m = _DATE.match(value)
    return m is not None and _date_ok(*m.groups())


def is_time(value: str) -> bool:
    """RFC 3339 ``full-time``, leniently also without the offset (``partial-time``)."""
    m = _TIME.match(value)
    return m is not None and _time_ok(m)


def is_date_time(value: str) -> bool:
    if len(value) < 20 or value[10] not in "Tt ":
        return False
    return is_date(value[:10]) and (m := _TIME_OFFSET.match(value, 11)) is not None and _time_ok(m)


def is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def is_ipv6(value: str) -> bool:
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def is_byte(value: str) -> bool:
    """Base64 (RFC 4648 section 4), or its URL-safe alphabet (section 5, padding optional)."""
    return _BASE64.match(value) is not None or _BASE64URL.match(value) is not None


def _rx(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    match = pattern.match
    return lambda value: match(value) is not None


STRING_FORMATS: dict[str, Callable[[str], bool]] = {
    "date-time": is_date_time,
    "date": is_date,
    "time": is_time,
    "uuid": _rx(_UUID),
    "email": _rx(_EMAIL),
    "uri": _rx(_URI),
    "uri-reference": _rx(_URI_REF),
    "hostname": _rx(_HOSTNAME),
    "ipv4": is_ipv4,
    "ipv6": is_ipv6,
    "byte": is_byte,
}

#: Integer ranges by format: checked on integral numbers only (type checks catch the rest).
NUMBER_FORMATS: dict[str, tuple[int, int]] = {"int32": INT32, "int64": INT64}


def is_known(fmt: str) -> bool:
    return fmt in STRING_FORMATS or fmt in NUMBER_FORMATS or fmt in KNOWN_UNCHECKED


def number_in_format(value: Any, bounds: tuple[int, int]) -> bool:
    if isinstance(value, float):
        if not value.is_integer():
            return True  # not an integer: the type check speaks, not the format
        value = int(value)
    return bool(bounds[0] <= value <= bounds[1])
