"""Operation shape helpers: the OpenAPI facts every driver needs, written once.

Drivers (spec vs spec, traffic ``check``, client expectations) all ask the same questions of an
operation: which declared response answers status ``404`` (``404``, else ``4XX``, else
``default``)? Which declared media type covers ``application/vnd.api+json; charset=utf-8``? What
are a response's headers (case-insensitive)? How is a parameter serialized (``style``/``explode``
defaults by location)? Which security schemes and scopes does an operation require? The answers
live here, next to the spec model, so no driver keeps a private copy.

Everything is a pure function over :class:`~.node.Node` values or plain strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .node import Node

# -- status codes -------------------------------------------------------------------------------------------

_SUCCESS = re.compile(r"^(2\d\d|2XX)$", re.IGNORECASE)


def normalize_status(status: Any) -> str:
    """A ``responses`` key as compared: ``"2xx"`` -> ``"2XX"``, ``200`` -> ``"200"``, ``"Default"`` -> ``"default"``."""
    text = str(status)
    return "default" if text.lower() == "default" else text.upper()


def is_success_status(status: str) -> bool:
    """``2xx`` codes and the ``2XX`` range."""
    return bool(_SUCCESS.match(status))


def status_range(status: str) -> str | None:
    """The range a concrete status belongs to (``"404"`` -> ``"4XX"``); ``None`` for ranges/``default``."""
    return status[0] + "XX" if len(status) == 3 and status.isdigit() else None


def covering_status(status: str, declared: Mapping[str, Any] | Iterable[str]) -> str | None:
    """A range in ``declared`` (``2XX``) that covers a concrete ``status``; ``None`` if there is none."""
    rng = status_range(status)
    return rng if rng is not None and rng in declared else None


def match_status(status: int | str, declared: Mapping[str, Any] | Iterable[str]) -> str | None:
    """Which declared response answers an observed ``status``: the exact code, else its range, else
    ``default`` (OpenAPI 3: the most specific wins). ``declared`` holds normalized keys."""
    keys = declared if isinstance(declared, Mapping) else set(declared)
    text = normalize_status(status)
    if text in keys:
        return text
    rng = status_range(text)
    if rng is not None and rng in keys:
        return rng
    return "default" if "default" in keys else None


def responses(operation: Node) -> dict[str, Node]:
    """An operation's responses by normalized status key, each dereferenced."""
    resp = operation.child("responses")
    if resp is None:
        return {}
    return {normalize_status(k): v.deref() for k, v in resp.items()}


# -- media types --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MediaType:
    """A parsed media type: ``application/vnd.api+json; charset=utf-8`` ->
    type ``application``, subtype ``vnd.api+json``, suffix ``json``, parameters ``{"charset": "utf-8"}``."""

    type: str
    subtype: str
    parameters: tuple[tuple[str, str], ...] = ()

    @property
    def essence(self) -> str:
        return f"{self.type}/{self.subtype}"

    @property
    def suffix(self) -> str | None:
        return self.subtype.rsplit("+", 1)[1] if "+" in self.subtype else None


def parse_media_type(text: str) -> MediaType:
    """Parse leniently (lower-cased type, subtype and parameter names; quotes stripped from values)."""
    essence, *params = text.split(";")
    mtype, _, sub = essence.strip().lower().partition("/")
    parsed = []
    for p in params:
        name, eq, value = p.partition("=")
        if eq and name.strip():
            parsed.append((name.strip().lower(), value.strip().strip('"')))
    return MediaType(mtype or "*", sub or "*", tuple(parsed))


def media_key(text: str) -> str:
    """The comparison key of a ``content`` entry: the essence, lower-cased, parameters dropped."""
    return text.split(";", 1)[0].strip().lower()


def media_covers(wide: str, narrow: str) -> bool:
    """Does the wildcard ``wide`` strictly cover ``narrow``? ``*/*`` covers everything,
    ``application/*`` covers ``application/json`` (a media type does not strictly cover itself)."""
    if wide == narrow or "*" not in wide:
        return False
    wtype, _, wsub = wide.partition("/")
    ntype, _, nsub = narrow.partition("/")
    return (wtype == "*" or wtype == ntype) and wsub == "*" and (nsub != "*" or (wtype == "*" and ntype != "*"))


def match_media_type(actual: str, declared: Iterable[str]) -> str | None:
    """Which declared ``content`` key describes a payload sent as ``actual``, most specific first:
    the same essence (parameters ignored unless the declared key names some: then they must agree),
    then a structured-syntax suffix (``application/problem+json`` -> ``application/json``), then
    ``type/*``, then ``*/*``. ``None`` when nothing matches."""
    got = parse_media_type(actual)
    candidates = list(declared)
    best: tuple[int, str] | None = None
    for key in candidates:
        want = parse_media_type(key)
        rank: int | None = None
        if want.essence == got.essence:
            mine = dict(got.parameters)
            if all(mine.get(k) == v for k, v in want.parameters):
                rank = 0 if want.parameters else 1
        elif want.type == got.type and got.suffix is not None and want.subtype == got.suffix:
            rank = 2
        elif want.type == got.type and want.subtype == "*":
            rank = 3
        elif want.type == "*" and want.subtype == "*":
            rank = 4
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, key)
    return best[1] if best is not None else None


def is_json_media_type(text: str) -> bool:
    """``application/json``, ``*/*+json`` and ``application/x-ndjson``-free JSON flavours."""
    mt = parse_media_type(text)
    return mt.subtype == "json" or mt.suffix == "json"


def media_map(holder: Node) -> dict[str, Node]:
    """The ``content`` of a request body, response or parameter by :func:`media_key`."""
    content = holder.child("content")
    if content is None:
        return {}
    return {media_key(k): v for k, v in content.items()}


# -- headers ------------------------------------------------------------------------------------------------


def header_map(response: Node) -> dict[str, tuple[str, Node]]:
    """A response's headers: lower-cased name -> (name as written, dereferenced header object)."""
    headers = response.child("headers")
    if headers is None:
        return {}
    return {k.lower(): (k, v.deref()) for k, v in headers.items()}


# -- parameter serialization ----------------------------------------------------------------------------------

DEFAULT_STYLE = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}


@dataclass(frozen=True, slots=True)
class Serialization:
    """How a parameter travels (OpenAPI 3 ``style``/``explode``/``allowReserved``, defaults applied)."""

    style: str | None
    explode: bool
    allow_reserved: bool = False


def parameter_serialization(location: str, parameter: Mapping[str, Any] | Node) -> Serialization:
    """Effective serialization of a parameter object: ``style`` defaults by location (``form`` for
    query and cookie, ``simple`` for path and header), ``explode`` defaults to ``style == "form"``."""
    get = parameter.get
    style = get("style", DEFAULT_STYLE.get(location))
    explode = get("explode", style == "form")
    return Serialization(style if isinstance(style, str) or style is None else str(style),
                         explode is True, get("allowReserved") is True)


# -- security -------------------------------------------------------------------------------------------------


def security_requirements(value: Any) -> tuple[dict[str, frozenset[str]], ...]:
    """A ``security`` array as alternatives (any one suffices), each scheme name -> required scopes.
    An empty alternative (``{}``) means "anonymous is allowed"."""
    out = []
    for req in value if isinstance(value, list) else ():
        if isinstance(req, dict):
            out.append({str(name): frozenset(str(s) for s in scopes) if isinstance(scopes, list) else frozenset()
                        for name, scopes in req.items()})
    return tuple(out)


def security_map(value: Any) -> dict[str, set[str]]:
    """Every scheme a ``security`` array names, with the union of the scopes asked for it."""
    out: dict[str, set[str]] = {}
    for alternative in security_requirements(value):
        for name, scopes in alternative.items():
            out.setdefault(name, set()).update(scopes)
    return out


def effective_security(operation: Node, root: Node) -> Any:
    """The ``security`` that applies to an operation: its own, else the document's."""
    own = operation.get("security")
    return own if own is not None else root.get("security")
