"""Concrete URL paths -> OpenAPI path templates (a pure string module, no spec objects).

``RouteTable(["/users/{id}", "/users/me", "/files/{name}.json"])`` matches ``/users/42`` to
``/users/{id}`` with ``{"id": "42"}``. The most specific template wins: segment by segment, a literal
beats a partial segment (``{name}.json``), which beats a whole-segment parameter. ``servers`` base
paths (``https://api.example.com/v1`` -> ``/v1``) are stripped before matching.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = [
    "RouteMatch",
    "RouteTable",
    "base_paths_from_servers",
    "normalize_path",
    "template_params",
]

_PARAM = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteMatch:
    """A matched template and the (percent-decoded) values of its parameters."""

    template: str
    params: Mapping[str, str] = field(default_factory=dict)


def template_params(template: str) -> list[str]:
    """Parameter names of a template, in order: ``/a/{x}/{y}.json`` -> ``["x", "y"]``."""
    return _PARAM.findall(template)


def normalize_path(path: str) -> str:
    """Leading slash, no trailing slash (except the root), no empty segments."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts)


def _segments(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _segment_rank(seg: str) -> tuple[int, int]:
    """(0 literal | 1 partial | 2 parameter, -literal length)."""
    if not _PARAM.search(seg):
        return (0, -len(seg))
    literal = _PARAM.sub("", seg)
    if literal:
        return (1, -len(literal))
    return (2, 0)


def _compile(template: str) -> tuple[re.Pattern[str], list[str]]:
    names: list[str] = []
    out = []
    for seg in _segments(template):
        pos = 0
        rx = ""
        for m in _PARAM.finditer(seg):
            rx += re.escape(seg[pos : m.start()])
            rx += "([^/]+?)" if m.end() < len(seg) else "([^/]+)"
            names.append(m.group(1))
            pos = m.end()
        rx += re.escape(seg[pos:])
        out.append(rx)
    return re.compile("/" + "/".join(out) + r"\Z"), names


class RouteTable:
    """Match concrete paths against a set of templates, most specific first."""

    def __init__(self, templates: Iterable[str], base_paths: Iterable[str] = ()) -> None:
        uniq = sorted({normalize_path(t) for t in templates})
        by_len: dict[int, list[tuple[list[tuple[int, int]], str, re.Pattern[str], list[str]]]] = {}
        for t in uniq:
            segs = _segments(t)
            rx, names = _compile(t)
            by_len.setdefault(len(segs), []).append(([_segment_rank(s) for s in segs], t, rx, names))
        for entries in by_len.values():
            entries.sort(key=lambda e: (e[0], e[1]))
        self._by_len = by_len
        self.templates: tuple[str, ...] = tuple(uniq)
        self.base_paths: tuple[str, ...] = tuple(
            sorted({normalize_path(b) for b in base_paths if normalize_path(b) != "/"}, key=len, reverse=True)
        )

    def __bool__(self) -> bool:
        return bool(self.templates)

    def _match_path(self, path: str) -> RouteMatch | None:
        entries = self._by_len.get(len(_segments(path)))
        if not entries:
            return None
        for _, template, rx, names in entries:
            m = rx.match(path)
            if m:
                return RouteMatch(template=template, params={n: unquote(v) for n, v in zip(names, m.groups())})
        return None

    def match(self, path: str) -> RouteMatch | None:
        """The most specific template for ``path`` (base paths stripped first), or ``None``."""
        path = normalize_path(path.split("?", 1)[0])
        for base in self.base_paths:
            if path == base or path.startswith(base + "/"):
                hit = self._match_path(normalize_path(path[len(base) :]))
                if hit is not None:
                    return hit
        return self._match_path(path)

    def strip_base(self, path: str) -> str:
        """``path`` without the longest matching base path."""
        path = normalize_path(path)
        for base in self.base_paths:
            if path == base or path.startswith(base + "/"):
                return normalize_path(path[len(base) :])
        return path


def base_paths_from_servers(servers: Sequence[Mapping[str, Any]] | None) -> list[str]:
    """Base paths of an OpenAPI ``servers`` list (variables replaced by their defaults)."""
    out: list[str] = []
    for server in servers or ():
        url = str(server.get("url", ""))
        variables = server.get("variables") or {}

        def sub(m: re.Match[str], variables: Mapping[str, Any] = variables) -> str:
            var = variables.get(m.group(1)) or {}
            return str(var.get("default", "")) if isinstance(var, Mapping) else ""

        url = _PARAM.sub(sub, url)
        path = urlsplit("http://" + url.split("://", 1)[1]).path if "://" in url else url.split("?", 1)[0]
        path = normalize_path(path)
        if path != "/":
            out.append(path)
    return out
