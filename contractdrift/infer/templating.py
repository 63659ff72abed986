"""Concrete URL paths -> path templates when no spec says which (or to apply user overrides).

Per exchange (:class:`Templater`): segments that look like ids (:func:`formats.is_id_like`) become
parameters named after their parent (``/orders/{orderId}``); ``api``, ``v1``, ``v2.1`` never do.
A parent whose literal children exceed a hard cap is collapsed online, so memory stays bounded.

After the fold (:func:`collapse_high_cardinality`): under one parent, when more than
``path_cardinality`` distinct literals were seen, the position becomes a parameter (literals that
carry at least ``path_literal_min_share`` of that parent's traffic stay). Because summaries merge,
re-templating is just re-keying and merging, so it also applies to stored inferred summaries; user
overrides (a router over ``--template`` patterns) are applied the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .formats import is_id_like, is_version_like
from .options import InferOptions
from .summary import Node, ObjStats, StrStats

__all__ = [
    "Router",
    "Templater",
    "collapse_high_cardinality",
    "param_name",
    "rebind_path_params",
    "route_template_params",
    "template_param_names",
]

#: ``path -> (template, {param: value})`` or ``None`` when the path is not covered.
Router = Callable[[str], "tuple[str, Mapping[str, str]] | None"]

_NEVER = frozenset({"api", "apis", "rest", "graphql", "v", "latest", "beta", "alpha", "public", "internal",
                    "admin", "me", "self", "search", "new", "edit", "batch", "bulk", "health", "status"})
_PARAM = re.compile(r"\{([^{}/]+)\}")
_EXT = re.compile(r"(.+?)(\.[A-Za-z][A-Za-z0-9]{0,7})\Z")
_FRAMEWORK_PARAM = re.compile(r"\{([^{}/:]+)(?::[^{}/]*)?\}|<(?:[^<>:]+:)?([^<>]+)>")


_IRREGULAR = {"people": "person", "children": "child", "men": "man", "women": "woman", "mice": "mouse",
              "indices": "index", "statuses": "status", "aliases": "alias", "analyses": "analysis", "data": "data"}


def _singular(word: str) -> str:
    w = word
    lw = w.lower()
    if lw in _IRREGULAR:
        return _IRREGULAR[lw]
    if lw.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if lw.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return w[:-2]
    if lw.endswith("s") and not lw.endswith(("ss", "us", "is")) and len(w) > 3:
        return w[:-1]
    return w


def _camel(word: str) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", word) if p]
    if not parts:
        return ""
    head = parts[0][0].lower() + parts[0][1:]
    return head + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def param_name(parent: str | None, taken: Iterable[str] = ()) -> str:
    """``orders`` -> ``orderId``; ``line-items`` -> ``lineItemId``; no literal parent -> ``id``."""
    base = "id"
    if parent and not _PARAM.search(parent) and not is_version_like(parent):
        stem = _camel(_singular(parent))
        if stem and stem[0].isalpha():
            base = stem + "Id"
    used = set(taken)
    name, i = base, 2
    while name in used:
        name, i = f"{base}{i}", i + 1
    return name


def template_param_names(template: str) -> list[str]:
    """``/a/{x}/{y}.json`` -> ``["x", "y"]``."""
    return _PARAM.findall(template)


def _segments(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def route_template_params(route: str, path: str) -> tuple[str, dict[str, str]] | None:
    """Use a framework route (``/users/{id:int}``, ``/users/<int:id>``) as template for ``path``."""
    template = _FRAMEWORK_PARAM.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", route)
    names: list[str] = []
    rx = ""
    pos = 0
    for m in _PARAM.finditer(template):
        rx += re.escape(template[pos : m.start()]) + "([^/]+)"
        names.append(m.group(1))
        pos = m.end()
    rx += re.escape(template[pos:])
    hit = re.fullmatch(rx.rstrip("/") or "/", path.rstrip("/") or "/")
    if hit is None:
        return None
    return "/" + "/".join(_segments(template)), dict(zip(names, hit.groups()))


def _segment_kind(seg: str) -> tuple[str, str, str]:
    """(``never`` | ``id`` | ``literal``, parameter value, literal suffix such as ``.json``)."""
    if seg.isdigit():  # the commonest id, and never a word or a version: what the checks below say
        return ("id", seg, "")
    if seg.lower() in _NEVER or is_version_like(seg):
        return ("never", seg, "")
    if is_id_like(seg):
        return ("id", seg, "")
    m = _EXT.match(seg)
    if m and is_id_like(m.group(1)):
        return ("id", m.group(1), m.group(2))
    return ("literal", seg, "")


class Templater:
    """Online path templating with a bounded trie of literal segments."""

    def __init__(self, opts: InferOptions) -> None:
        self.opts = opts
        self.hard_cap = max(50, 3 * opts.path_cardinality)
        self._children: dict[tuple[str, ...], set[str]] = {}
        self._collapsed: set[tuple[str, ...]] = set()
        self._kinds: dict[str, tuple[str, str, str]] = {}  # literal segments seen (bounded)
        self._names: dict[str | None, str] = {}  # parent segment -> first parameter name
        # Paths that templated to themselves-without-parameters, while no prefix collapses: the walk
        # below would give the same answer (and change nothing) again.
        self._plain: dict[str, str] = {}
        # The same for everything before a path's last segment (``/orders`` of ``/orders/42``): the
        # state the walk reaches there (output, parameters, parent), valid until a prefix collapses.
        self._heads: dict[str, tuple[tuple[str, ...], dict[str, str], str | None]] = {}
        self._collapses = 0

    def template(self, path: str) -> tuple[str, dict[str, str]]:
        """``/api/v1/orders/42/items`` -> (``/api/v1/orders/{orderId}/items``, ``{"orderId": "42"}``)."""
        plain = self._plain.get(path)
        if plain is not None:
            return plain, {}
        head, _, last = path.rpartition("/")
        memo = self._heads.get(head) if last else None
        if memo is not None:
            out, params = list(memo[0]), dict(memo[1])
            self._walk((last,), out, params, memo[2])
        else:
            out, params = [], {}
            segs = path.split("/")
            if last:
                collapses = self._collapses
                parent = self._walk(segs[:-1], out, params, None)
                if collapses == self._collapses and len(self._heads) < 4096:
                    self._heads[head] = (tuple(out), dict(params), parent)
                self._walk(segs[-1:], out, params, parent)
            else:
                self._walk(segs, out, params, None)
        template = "/" + "/".join(out)
        if not params and len(self._plain) < 4096:
            self._plain[path] = template
        return template, params

    def _walk(self, segs: Sequence[str], out: list[str], params: dict[str, str], parent: str | None) -> str | None:
        """Template ``segs`` after ``out``/``params``/``parent`` (extended in place); the new parent."""
        cache = self._kinds
        for seg in segs:
            if not seg:
                continue
            kind = cache.get(seg)
            if kind is None:
                kind = _segment_kind(seg)
                if kind[0] != "id" and len(cache) < 10_000:
                    cache[seg] = kind
            if kind[0] == "never":
                out.append(seg)
                parent = seg
                continue
            idlike = kind[0] == "id"
            value, suffix = kind[1], kind[2]
            prefix = () if idlike else tuple(out)
            if not idlike and self._collapsed and prefix in self._collapsed:
                idlike = True
            if idlike:
                name = self._names.get(parent) if not params else None
                if name is None:
                    name = param_name(parent, params)
                    if not params and len(self._names) < 10_000:
                        self._names[parent] = name
                params[name] = value
                out.append("{" + name + "}" + suffix)
                parent = None
                continue
            kids = self._children.setdefault(prefix, set())
            if seg not in kids:
                kids.add(seg)
                if len(kids) > self.hard_cap:
                    self._collapsed.add(prefix)
                    del self._children[prefix]
                    self._plain.clear()
                    self._heads.clear()
                    self._collapses += 1
            out.append(seg)
            parent = seg
        return parent


def collapse_high_cardinality(
    templates: Mapping[str, int], opts: InferOptions
) -> dict[str, tuple[str, dict[str, str]]]:
    """Map each template (with its exchange count) to a collapsed template and the literal values
    its new parameters take. Only templates that change are returned."""
    current: dict[str, list[str]] = {t: _segments(t) for t in templates}
    bindings: dict[str, dict[str, str]] = {t: {} for t in templates}
    depth = 0
    while True:
        level: dict[tuple[str, ...], dict[str, int]] = {}
        for t, segs in current.items():
            if len(segs) > depth and not _PARAM.search(segs[depth]):
                lits = level.setdefault(tuple(segs[:depth]), {})
                lits[segs[depth]] = lits.get(segs[depth], 0) + templates[t]
        if not any(len(s) > depth for s in current.values()):
            break
        for prefix, lits in level.items():
            if len(lits) <= opts.path_cardinality:
                continue
            total = sum(lits.values())
            keep = {lit for lit, n in lits.items()
                    if n >= opts.path_literal_min_share * total}
            for t, segs in current.items():
                if len(segs) > depth and tuple(segs[:depth]) == prefix and segs[depth] in lits \
                        and segs[depth] not in keep and not (segs[depth].lower() in _NEVER
                                                             or is_version_like(segs[depth])):
                    parent = segs[depth - 1] if depth else None
                    taken = set(_PARAM.findall("/".join(segs))) | set(bindings[t])
                    name = param_name(parent, taken)
                    bindings[t][name] = segs[depth]
                    segs[depth] = "{" + name + "}"
        depth += 1
    out: dict[str, tuple[str, dict[str, str]]] = {}
    for t, segs in current.items():
        new = "/" + "/".join(segs)
        if new != t:
            out[t] = (new, bindings[t])
    return out


def rebind_path_params(
    path_node: Node, count: int, template: str, bindings: Mapping[str, str], opts: InferOptions
) -> Node:
    """Path-parameter summary for ``template``: existing parameters (``"{old}"`` values rename them)
    kept, new ones made from the literal they replace (seen ``count`` times)."""
    old = path_node.objs.children if path_node.objs is not None and path_node.objs.children else {}
    names = _PARAM.findall(template)
    out = Node(opts)
    o = out.objs = ObjStats()
    o.n = count
    o.min = o.max = len(names)
    children: dict[str, Node] = {}
    for name in names:
        value = bindings.get(name)
        src: str | None = name if value is None and name in old else None
        if value is not None:
            m = _PARAM.fullmatch(value) or _PARAM.search(value)
            if m and m.group(1) in old:
                src = m.group(1)
        if src is not None:
            children[name] = old[src].copy()
            continue
        ch = Node(opts, 1)
        ch.strs = StrStats()
        ch.strs.add_weighted(value if value is not None else "", count, opts)
        children[name] = ch
    o.children = children
    tags: dict[str, Any] = {n: None for n in children}
    o.shapes = {}
    o.record_shape(tuple(sorted(children)), count, tags)
    return out
