"""``$ref`` strings: split into document part and JSON-pointer fragment; walk pointers through data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ..model import Pointer
from ..model.pointer import unescape_token

_MISSING = object()


def split_ref(ref: str) -> tuple[str, Pointer]:
    """``"other.yaml#/a~1b/0"`` -> ``("other.yaml", ("a/b", "0"))``. The fragment is percent-decoded.

    A fragment that is not a JSON pointer (e.g. a plain-name anchor ``#Pet``) raises ValueError.
    """
    document, hash_, fragment = ref.partition("#")
    if not hash_ or fragment in ("", "/"):
        return document, () if fragment != "/" else ("",)
    fragment = unquote(fragment)
    if not fragment.startswith("/"):
        raise ValueError(f"fragment {fragment!r} is not a JSON pointer")
    return document, tuple(unescape_token(part) for part in fragment[1:].split("/"))


def step(value: Any, token: str | int) -> Any:
    """One pointer step into a JSON value, or ``_MISSING``. List indices come as str or int."""
    if isinstance(value, Mapping):
        return value.get(str(token), _MISSING)
    if isinstance(value, list):
        if isinstance(token, int):
            index = token
        elif token.isdigit() and (token == "0" or not token.startswith("0")):
            index = int(token)
        else:
            return _MISSING
        return value[index] if 0 <= index < len(value) else _MISSING
    return _MISSING


def typed_token(value: Any, token: str | int) -> str | int:
    """The token as it should appear in a returned :data:`Pointer`: int for list indices."""
    if isinstance(value, list):
        return int(token)
    return str(token)


def is_missing(value: Any) -> bool:
    return value is _MISSING


def exists(data: Any, pointer: Pointer) -> bool:
    """Whether ``pointer`` names a value in ``data`` (no ``$ref`` following)."""
    value = data
    for token in pointer:
        value = step(value, token)
        if value is _MISSING:
            return False
    return True
