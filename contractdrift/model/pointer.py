"""JSON pointers: tuples internally, RFC 6901 for machines, ``$.a[0].b`` for people."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any

from ..errors import UsageError

PointerPart = str | int
Pointer = tuple[PointerPart, ...]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def escape_token(token: PointerPart) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_token(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


@functools.lru_cache(maxsize=1 << 16)
def to_rfc6901(pointer: Pointer) -> str:
    """``("paths", "/a", 0)`` -> ``/paths/~1a/0``; the empty pointer is ``""``."""
    return "".join("/" + escape_token(part) for part in pointer)


def from_rfc6901(text: str) -> Pointer:
    """Parse an RFC 6901 pointer (a leading ``#`` fragment marker is accepted)."""
    if text.startswith("#"):
        text = text[1:]
    if text == "":
        return ()
    if not text.startswith("/"):
        raise UsageError(f"invalid JSON pointer {text!r}: must start with '/'")
    return tuple(unescape_token(part) for part in text[1:].split("/"))


@functools.lru_cache(maxsize=1 << 16)
def to_human(pointer: Pointer) -> str:
    """``("items", 0, "email")`` -> ``$.items[0].email``."""
    out = ["$"]
    for part in pointer:
        if part == "*":
            out.append("[*]")
        elif isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            out.append(f"[{part}]")
        elif _IDENT.match(part):
            out.append(f".{part}")
        else:
            out.append("[" + json.dumps(part, ensure_ascii=False) + "]")
    return "".join(out)


def value_at(doc: Any, pointer: Iterable[PointerPart], default: Any = None) -> Any:
    """The value of a JSON document at ``pointer`` (keys for objects, ints for arrays), or ``default``
    when the pointer leads nowhere."""
    for part in pointer:
        if isinstance(doc, dict) and isinstance(part, str) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and isinstance(part, int) and 0 <= part < len(doc):
            doc = doc[part]
        else:
            return default
    return doc
