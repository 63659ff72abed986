"""Summaries -> JSON Schema (2020-12, the OpenAPI 3.1 dialect) with evidence.

Every derived keyword is backed by counts kept in the summary and reported under the
``x-contractdrift`` extension: ``samples`` (values seen), ``types`` (JSON type histogram, integer
apart from number), ``nulls``, ``presence`` (share of parent objects that had the property),
``formats`` (sampled values per format), ``distinct`` (distinct values, or ``">N"``), ``empty``
(empty arrays) and ``itemsUnknown`` (only empty arrays seen, so no ``items`` claim).

Pointers used by :attr:`InferOptions.enum_exclude` are RFC 6901 payload pointers with ``*`` for
array items (``/items/*/sku``).
"""

from __future__ import annotations

import re
from typing import Any

from ..model.pointer import to_rfc6901
from .formats import FORMAT_PRIORITY, epoch_format, is_id_like
from .options import InferOptions
from .summary import Node, ObjStats, Shape, StrStats

__all__ = ["X", "node_schema", "redact_example"]

X = "x-contractdrift"

_PREFERRED_TAGS = ("type", "kind", "object", "event", "event_type", "eventType", "@type", "_type", "resource")
_FORMAT_LENGTHS = {"uuid": (36, 36), "ulid": (26, 26), "date": (10, 10)}
_NO_ENUM_FORMATS = frozenset({"uuid", "ulid", "date-time", "date-time-local", "email", "uri", "ipv4", "ipv6"})
_JWTISH = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+\Z")
_LONG_SECRETISH = re.compile(r"[A-Za-z0-9+/_=-]{40,}\Z")


def redact_example(value: str) -> str:
    """Mask the personal or secret parts of an example string (emails, tokens, long blobs)."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return (local[:1] + "***@" + domain) if domain else "***"
    if _JWTISH.match(value) or _LONG_SECRETISH.match(value):
        return "<redacted>"
    if len(value) > 80:
        return value[:77] + "..."
    return value


def _pointer(path: tuple[str, ...]) -> str:
    return to_rfc6901(path)


def string_format(s: StrStats, opts: InferOptions) -> str | None:
    """The most specific format every sampled value had (or ``format_ratio`` of them)."""
    if not s.checked:
        return None
    need = s.checked * opts.format_ratio
    for name in FORMAT_PRIORITY:
        hits = s.formats.get(name, 0)
        if hits and hits >= need:
            bounds = _FORMAT_LENGTHS.get(name)
            if bounds and not (s.min_len == bounds[0] and s.max_len == bounds[1]):
                continue  # the sample missed a value of another shape
            return name
    return None


def _enum_ok(distinct: int, n: int, over: bool, opts: InferOptions, name: str | None, path: tuple[str, ...]) -> bool:
    if over or distinct == 0 or distinct > opts.enum_max_values:
        return False
    if n < opts.enum_min_samples or n < opts.enum_min_ratio * distinct:
        return False
    return not (name is not None and name in opts.enum_exclude) and _pointer(path) not in opts.enum_exclude


def node_schema(node: Node, opts: InferOptions, path: tuple[str, ...] = (), name: str | None = None) -> dict[str, Any]:
    """JSON Schema for every value summarized by ``node`` (all of them validate against it)."""
    types: list[str] = []
    out: dict[str, Any] = {}
    ev: dict[str, Any] = {"samples": node.total, "types": node.type_counts()}
    if node.null:
        ev["nulls"] = node.null
    enum_values: list[Any] | None = None
    kinds = 0

    if node.objs is not None and node.objs.n:
        kinds += 1
        obj = _object_schema(node, node.objs, opts, path, ev)
        union_only = "oneOf" in obj
        if union_only:
            others = [t for t in node.type_counts() if t != "object"]
            if not others:
                obj[X] = {**ev, **obj.get(X, {})}
                return obj
            # mixed with other types: keep the union under anyOf next to the other types
            rest = Node(opts, node.depth, node.sensitive)
            rest.merge_from(node)
            rest.objs = None
            other_schema = node_schema(rest, opts, path, name)
            other_schema.pop(X, None)
            return {"anyOf": [obj, other_schema], X: ev}
        types.append("object")
        out.update(obj)
    if node.arrs is not None and node.arrs.n:
        kinds += 1
        types.append("array")
        a = node.arrs
        if a.items is not None and a.items.total:
            out["items"] = node_schema(a.items, opts, (*path, "*"))
        else:
            ev["itemsUnknown"] = True
        if a.empty:
            ev["empty"] = a.empty
        ev["itemCount"] = {"min": a.min, "max": a.max}
        if opts.bounds:
            out["minItems"], out["maxItems"] = a.min, a.max
    if node.strs is not None and node.strs.n:
        kinds += 1
        types.append("string")
        s = node.strs
        fmt = string_format(s, opts)
        if fmt:
            out["format"] = fmt
            ev["formats"] = {"checked": s.checked, fmt: s.formats.get(fmt, 0)}
        ev["distinct"] = f">{len(s.distinct)}" if s.over else len(s.distinct)
        ev["length"] = {"min": s.min_len, "max": s.max_len}
        if opts.bounds:
            out["minLength"], out["maxLength"] = s.min_len, s.max_len
        if (not node.sensitive and fmt not in _NO_ENUM_FORMATS
                and _enum_ok(len(s.distinct), s.n, s.over, opts, name, path)):
            enum_values = sorted(s.distinct)
        if opts.examples and s.distinct and not node.sensitive:
            out["examples"] = [redact_example(min(s.distinct))]
    ints, floats = node.ints, node.floats
    if (ints is not None and ints.n) or (floats is not None and floats.n):
        kinds += 1
        lo: float | None = None
        hi: float | None = None
        for st in (ints, floats):
            if st is not None and st.n and st.min is not None and st.max is not None:
                lo = st.min if lo is None else min(lo, st.min)
                hi = st.max if hi is None else max(hi, st.max)
        if floats is not None and floats.n:
            types.append("number")
        else:
            types.append("integer")
            assert ints is not None
            if (opts.enum_integers and not node.sensitive
                    and _enum_ok(len(ints.distinct), ints.n, ints.over, opts, name, path)):
                enum_values = sorted(ints.distinct)
        if lo is not None and hi is not None:
            ev["range"] = {"min": lo, "max": hi}
            ep = epoch_format(lo, hi)
            if ep and "format" not in out:
                out["format"] = ep
            if opts.bounds:
                out["minimum"], out["maximum"] = lo, hi
    if node.true or node.false:
        kinds += 1
        types.append("boolean")
        ev["booleans"] = {"true": node.true, "false": node.false}
    if node.null:
        types.append("null")
    if enum_values is not None and kinds == 1:
        if node.null:
            enum_values.append(None)
        out["enum"] = enum_values
        ev["enum"] = True
    if types:
        out["type"] = types[0] if len(types) == 1 else types
    out[X] = ev
    return _ordered(out)


_KEY_ORDER = ("type", "format", "enum", "properties", "required", "additionalProperties", "items")


def _ordered(schema: dict[str, Any]) -> dict[str, Any]:
    out = {k: schema[k] for k in _KEY_ORDER if k in schema}
    out.update((k, v) for k, v in schema.items() if k not in out)
    return out


def _object_schema(node: Node, o: ObjStats, opts: InferOptions, path: tuple[str, ...],
                   ev: dict[str, Any]) -> dict[str, Any]:
    ev["propertyCount"] = {"min": o.min, "max": o.max}
    if o.children is None:
        assert o.keys is not None and o.values is not None
        return _map_schema(o.keys, o.values, opts, path, ev)
    children = o.children
    if _looks_like_map(o, opts):
        keys = StrStats()
        values = Node(opts, node.depth + 1, node.sensitive)
        for k in sorted(children):
            keys.add_weighted(k, children[k].total, opts)
            values.merge_from(children[k])
        return _map_schema(keys, values, opts, path, ev)
    union = _discriminated_union(o, opts, path)
    if union is not None:
        return union
    props: dict[str, Any] = {}
    required: list[str] = []
    for k in sorted(children):
        ch = children[k]
        sch = node_schema(ch, opts, (*path, k), k)
        ratio = ch.total / o.n if o.n else 0.0
        sch[X]["presence"] = round(ratio, 6)
        props[k] = sch
        if ratio >= opts.required_ratio:
            required.append(k)
    out: dict[str, Any] = {"properties": props}
    if required:
        out["required"] = required
    return out


def _map_schema(keys: StrStats, values: Node, opts: InferOptions, path: tuple[str, ...],
                ev: dict[str, Any]) -> dict[str, Any]:
    ev["map"] = {"keys": f">{len(keys.distinct)}" if keys.over else len(keys.distinct)}
    out: dict[str, Any] = {}
    if values.total:
        out["additionalProperties"] = node_schema(values, opts, (*path, "*"))
    kfmt = string_format(keys, opts)
    if kfmt:
        out["propertyNames"] = {"format": kfmt}
    return out


def _looks_like_map(o: ObjStats, opts: InferOptions) -> bool:
    """Dynamic keys: all keys look like ids, or many keys each present in few objects."""
    children = o.children
    if not children or o.n == 0:
        return False
    keys = list(children)
    if len(keys) >= 3 and all(is_id_like(k) for k in keys):
        return True
    if len(keys) < opts.map_min_keys:
        return False
    rare = sum(1 for ch in children.values() if ch.total / o.n < opts.map_max_presence)
    return rare >= 0.8 * len(keys)


def _discriminated_union(o: ObjStats, opts: InferOptions, path: tuple[str, ...]) -> dict[str, Any] | None:
    """``oneOf`` + ``discriminator`` when a low-cardinality string property predicts the key set."""
    shapes = o.shapes
    children = o.children
    if not shapes or len(shapes) < 2 or children is None:
        return None
    shape_list = sorted(shapes.items())
    common = set(shape_list[0][0])
    for keys, _ in shape_list[1:]:
        common &= set(keys)
    candidates = [k for k in common if all(sh.tags.get(k) is not None for _, sh in shape_list)]
    if not candidates:
        return None
    candidates.sort(key=lambda k: (_PREFERRED_TAGS.index(k) if k in _PREFERRED_TAGS else len(_PREFERRED_TAGS), k))
    for prop in candidates:
        groups = _variants(shape_list, prop)
        if groups is None or not (2 <= len(groups) <= opts.discriminator_max_values):
            continue
        if not _keysets_distinct(groups):
            continue
        return _union_schema(o, opts, path, prop, groups)
    return None


_Group = tuple[list[str], list[tuple[tuple[str, ...], Shape]]]


def _variants(shape_list: list[tuple[tuple[str, ...], Shape]], prop: str) -> list[_Group] | None:
    parent: dict[str, str] = {}

    def find(v: str) -> str:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for _, sh in shape_list:
        vals = sorted(sh.tags[prop] or ())
        for v in vals:
            parent.setdefault(v, v)
        for v in vals[1:]:
            a, b = find(vals[0]), find(v)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, _Group] = {}
    for v in sorted(parent):
        groups.setdefault(find(v), ([], []))[0].append(v)
    for keys, sh in shape_list:
        tag = sh.tags[prop]
        if not tag:
            return None
        groups[find(min(tag))][1].append((keys, sh))
    return [groups[r] for r in sorted(groups)]


def _keysets_distinct(groups: list[_Group]) -> bool:
    """Every variant needs at least 3 samples and a key set that differs from the others."""
    unions = []
    for _, members in groups:
        if sum(sh.n for _, sh in members) < 3:
            return False
        u: set[str] = set()
        for keys, _ in members:
            u.update(keys)
        unions.append(frozenset(u))
    return len(set(unions)) == len(unions)


def _union_schema(o: ObjStats, opts: InferOptions, path: tuple[str, ...], prop: str,
                  groups: list[_Group]) -> dict[str, Any]:
    assert o.children is not None
    variants = []
    counts: dict[str, int] = {}
    for values, members in groups:
        n = sum(sh.n for _, sh in members)
        presence: dict[str, int] = {}
        for keys, sh in members:
            for k in keys:
                presence[k] = presence.get(k, 0) + sh.n
        props: dict[str, Any] = {}
        required = []
        for k in sorted(presence):
            if k == prop:
                sch: dict[str, Any] = {"type": "string", "enum": list(values)}
            else:
                sch = node_schema(o.children[k], opts, (*path, k), k)
            ratio = presence[k] / n
            sch.setdefault(X, {})["presence"] = round(ratio, 6)
            props[k] = sch
            if ratio >= opts.required_ratio or k == prop:
                required.append(k)
        variants.append({"type": "object", "properties": props, "required": required, X: {"samples": n}})
        for v in values:
            counts[v] = sum(sh.n for _, sh in members if v in (sh.tags[prop] or ()))
    return {"oneOf": variants, "discriminator": {"propertyName": prop}, X: {"variants": counts}}
