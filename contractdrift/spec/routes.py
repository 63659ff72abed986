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


class _TrieNode:
    """One segment position: literal children, partial-segment children, one parameter child."""

    __slots__ = ("end", "literal", "param", "partial")

    def __init__(self) -> None:
        self.literal: dict[str, _TrieNode] = {}
        self.partial: list[tuple[tuple[int, int], str, re.Pattern[str], _TrieNode]] = []
        self.param: _TrieNode | None = None
        self.end: tuple[str, list[str]] | None = None  # (template, parameter names in order)


def _segment_regex(seg: str) -> re.Pattern[str]:
    rx = ""
    pos = 0
    for m in _PARAM.finditer(seg):
        rx += re.escape(seg[pos : m.start()])
        rx += "([^/]+?)" if m.end() < len(seg) else "([^/]+)"
        pos = m.end()
    return re.compile(rx + re.escape(seg[pos:]) + r"\Z")


class RouteTable:
    """Match concrete paths against a set of templates, most specific first.

    Templates live in a segment trie, searched depth first with literal segments before partial ones
    (longer literal part first) before whole-segment parameters: the first complete match is the most
    specific template, segment by segment, and a lookup costs the path's depth, not the number of
    templates.
    """

    def __init__(self, templates: Iterable[str], base_paths: Iterable[str] = ()) -> None:
        uniq = sorted({normalize_path(t) for t in templates})
        ranked = sorted(uniq, key=lambda t: ([_segment_rank(s) for s in _segments(t)], t))
        self._root = _TrieNode()
        for t in ranked:
            node = self._root
            for seg in _segments(t):
                rank = _segment_rank(seg)
                if rank[0] == 0:
                    node = node.literal.setdefault(seg, _TrieNode())
                elif rank[0] == 2:
                    if node.param is None:
                        node.param = _TrieNode()
                    node = node.param
                else:
                    shape = _PARAM.sub("{}", seg)
                    for _, known, _, child in node.partial:
                        if known == shape:
                            node = child
                            break
                    else:
                        child = _TrieNode()
                        node.partial.append((rank, shape, _segment_regex(seg), child))
                        node.partial.sort(key=lambda e: (e[0], e[1]))
                        node = child
            if node.end is None:
                node.end = (t, template_params(t))
        self.templates: tuple[str, ...] = tuple(uniq)
        self.base_paths: tuple[str, ...] = tuple(
            sorted({normalize_path(b) for b in base_paths if normalize_path(b) != "/"}, key=len, reverse=True)
        )
        self._base_segs = [_segments(b) for b in self.base_paths]  # longest first, like base_paths

    def __bool__(self) -> bool:
        return bool(self.templates)

    def _match_segments(self, segs: list[str]) -> tuple[str, dict[str, str]] | None:
        found = _search(self._root, segs, 0, [])
        if found is None:
            return None
        (template, names), values = found
        return template, {n: unquote(v) if "%" in v else v for n, v in zip(names, values)}

    def match_pair(self, path: str) -> tuple[str, dict[str, str]] | None:
        """:meth:`match` as a ``(template, params)`` pair: no :class:`RouteMatch` built (a hot path)."""
        segs = [p for p in path.split("?", 1)[0].split("/") if p]
        for base_segs in self._base_segs:
            if segs[: len(base_segs)] == base_segs:  # the path is the base or lies under it
                hit = self._match_segments(segs[len(base_segs) :])
                if hit is not None:
                    return hit
        return self._match_segments(segs)

    def match(self, path: str) -> RouteMatch | None:
        """The most specific template for ``path`` (base paths stripped first), or ``None``."""
        hit = self.match_pair(path)
        return None if hit is None else RouteMatch(template=hit[0], params=hit[1])

    def strip_base(self, path: str) -> str:
        """``path`` without the longest matching base path."""
        path = normalize_path(path)
        for base in self.base_paths:
            if path == base or path.startswith(base + "/"):
                return normalize_path(path[len(base) :])
        return path


def _search(node: _TrieNode, segs: list[str], i: int, values: list[str]
            ) -> tuple[tuple[str, list[str]], list[str]] | None:
    if i == len(segs):
        return (node.end, values) if node.end is not None else None
    seg = segs[i]
    child = node.literal.get(seg)
    if child is not None:
        hit = _search(child, segs, i + 1, values)
        if hit is not None:
            return hit
    for _, _, rx, sub in node.partial:
        m = rx.match(seg)
        if m:
            hit = _search(sub, segs, i + 1, [*values, *m.groups()])
            if hit is not None:
                return hit
    if node.param is not None:
        return _search(node.param, segs, i + 1, [*values, seg])
    return None


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
