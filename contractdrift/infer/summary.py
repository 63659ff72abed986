"""Mergeable per-field summaries of JSON values, folded column by column.

A :class:`Node` summarizes every value seen at one field path: how many, of which JSON types (integer
apart from number, booleans apart from both), nulls, numeric min/max, string lengths, array sizes,
formats found in a bounded sample, and the smallest distinct values (capped). Object nodes hold one
child per property (or, past ``max_properties`` distinct keys, one ``values`` child plus a key
summary: a map); array nodes hold one ``items`` child.

Speed comes from folding a *batch* of values at once: values are split by ``type`` into columns,
objects are grouped by key tuple and transposed with :func:`operator.itemgetter` and ``zip``, arrays
are flattened with :func:`itertools.chain`, and counts, lengths, min and max are taken by C-level
builtins. Python code runs per batch, per field and per key shape, not per value.

Merging (:meth:`Node.merge_from`) is associative and commutative with the empty node as identity,
including the object-to-map switch (the switch is a homomorphism: merge-then-switch equals
switch-then-merge). Distinct values keep the ``distinct_cap`` smallest (a bottom-k set), so merging
capped sets stays exact. :meth:`Node.to_dict` / :meth:`Node.from_dict` round-trip through JSON.

The accumulators are mutable on purpose (they are folds); the public, frozen views live in
:mod:`contractdrift.infer.inferred`.
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain, compress, repeat
from operator import is_, itemgetter
from typing import Any

from .formats import string_formats
from .options import InferOptions

__all__ = ["ArrStats", "FloatStats", "IntStats", "Node", "ObjStats", "StrStats", "is_sensitive_name"]

SHAPE_CAP = 64  # distinct key sets tracked per object path (for discriminated unions)
TAG_CAP = 16  # distinct values of a string property tracked per key set
_TAG_PROBE = 64

_SENSITIVE = re.compile(
    r"pass(word|wd|phrase)?$|secret|token|api[_-]?key|auth|cookie|session|credential|"
    r"private[_-]?key|ssn$|cvv|card[_-]?number|pin$",
    re.IGNORECASE,
)

_NoneType = type(None)


def is_sensitive_name(name: str) -> bool:
    """Field or header names whose values are never kept as distinct values or examples."""
    return bool(_SENSITIVE.search(name))


def _fnorm(x: float) -> float:
    return x + 0.0  # -0.0 -> 0.0 so min/max serialize the same whichever operand came first


def _bottom(cur: set[Any], new: Iterable[Any], cap: int) -> tuple[set[Any], bool]:
    """The ``cap`` smallest of ``cur | new`` and whether anything was dropped."""
    u = cur.union(new)
    if len(u) > cap:
        return set(heapq.nsmallest(cap, u)), True
    return u, False


class IntStats:
    """Integers (not booleans): count, min, max, smallest distinct values."""

    __slots__ = ("distinct", "max", "min", "n", "over")

    def __init__(self) -> None:
        self.n = 0
        self.min: int | None = None
        self.max: int | None = None
        self.distinct: set[int] = set()
        self.over = False

    def add(self, vals: Sequence[int], cap: int) -> None:
        self.n += len(vals)
        src: Iterable[int] = vals
        if not self.over:  # once over the cap the kept values only serve as examples
            uniq = set(vals)
            self.distinct, self.over = _bottom(self.distinct, uniq, cap)
            src = uniq  # min/max over the distinct values: far fewer for low-cardinality columns
        lo, hi = min(src), max(src)
        self.min = lo if self.min is None or lo < self.min else self.min
        self.max = hi if self.max is None or hi > self.max else self.max

    def merge_from(self, o: IntStats, cap: int) -> None:
        self.n += o.n
        if o.min is not None and o.max is not None:
            self.min = o.min if self.min is None else min(self.min, o.min)
            self.max = o.max if self.max is None else max(self.max, o.max)
        self.distinct, over = _bottom(self.distinct, o.distinct, cap)
        self.over = self.over or o.over or over

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "min": self.min, "max": self.max, "distinct": sorted(self.distinct)}
        if self.over:
            out["over"] = True
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IntStats:
        s = cls()
        s.n, s.min, s.max = int(d["n"]), d.get("min"), d.get("max")
        s.distinct = {int(v) for v in d.get("distinct", ())}
        s.over = bool(d.get("over", False))
        return s


class FloatStats:
    """Non-integral JSON numbers: count, min, max."""

    __slots__ = ("max", "min", "n")

    def __init__(self) -> None:
        self.n = 0
        self.min: float | None = None
        self.max: float | None = None

    def add(self, vals: Sequence[float]) -> None:
        self.n += len(vals)
        lo, hi = _fnorm(min(vals)), _fnorm(max(vals))
        self.min = lo if self.min is None else min(self.min, lo)
        self.max = hi if self.max is None else max(self.max, hi)

    def merge_from(self, o: FloatStats) -> None:
        self.n += o.n
        if o.min is not None and o.max is not None:
            self.min = o.min if self.min is None else min(self.min, o.min)
            self.max = o.max if self.max is None else max(self.max, o.max)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "min": self.min, "max": self.max}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FloatStats:
        s = cls()
        s.n = int(d["n"])
        s.min = None if d.get("min") is None else _fnorm(float(d["min"]))
        s.max = None if d.get("max") is None else _fnorm(float(d["max"]))
        return s


class StrStats:
    """Strings: count, length range, smallest distinct values, format hits over a sample."""

    __slots__ = ("checked", "distinct", "formats", "max_len", "min_len", "n", "over")

    def __init__(self) -> None:
        self.n = 0
        self.min_len: int | None = None
        self.max_len: int | None = None
        self.distinct: set[str] = set()
        self.over = False
        self.checked = 0
        self.formats: dict[str, int] = {}

    def add(self, vals: Sequence[str], opts: InferOptions, keep_values: bool) -> None:
        n = len(vals)
        self.n += n
        uniq: set[str] | None = None
        if keep_values and not self.over:
            # Distinct values are tracked until they overflow the cap; after that the kept
            # set only serves as examples, so high-cardinality columns skip this pass.
            uniq = set(vals)
            self.distinct, self.over = _bottom(self.distinct, uniq, opts.distinct_cap)
        elif not keep_values:
            self.over = True
        lens = list(map(len, uniq)) if uniq is not None and len(uniq) * 4 < n else list(map(len, vals))
        lo, hi = min(lens), max(lens)
        self.min_len = lo if self.min_len is None or lo < self.min_len else self.min_len
        self.max_len = hi if self.max_len is None or hi > self.max_len else self.max_len
        k = opts.format_sample
        if uniq is not None and len(uniq) <= k:
            sample: Iterable[str] = uniq
        else:
            sample = set(vals if n <= k else vals[:: n // k][:k])
        fm = self.formats
        checked = 0
        for v in sample:
            checked += 1
            for f in string_formats(v):
                fm[f] = fm.get(f, 0) + 1
        self.checked += checked

    def add_weighted(self, value: str, count: int, opts: InferOptions) -> None:
        """``count`` occurrences of one value (used when keys or path literals become values)."""
        self.n += count
        ln = len(value)
        self.min_len = ln if self.min_len is None else min(self.min_len, ln)
        self.max_len = ln if self.max_len is None else max(self.max_len, ln)
        self.distinct, over = _bottom(self.distinct, (value,), opts.distinct_cap)
        self.over = self.over or over
        self.checked += count
        for f in string_formats(value):
            self.formats[f] = self.formats.get(f, 0) + count

    def merge_from(self, o: StrStats, cap: int) -> None:
        self.n += o.n
        if o.min_len is not None and o.max_len is not None:
            self.min_len = o.min_len if self.min_len is None else min(self.min_len, o.min_len)
            self.max_len = o.max_len if self.max_len is None else max(self.max_len, o.max_len)
        self.distinct, over = _bottom(self.distinct, o.distinct, cap)
        self.over = self.over or o.over or over
        self.checked += o.checked
        for f, c in o.formats.items():
            self.formats[f] = self.formats.get(f, 0) + c

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n": self.n,
            "minLen": self.min_len,
            "maxLen": self.max_len,
            "distinct": sorted(self.distinct),
            "checked": self.checked,
        }
        if self.formats:
            out["formats"] = dict(sorted(self.formats.items()))
        if self.over:
            out["over"] = True
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StrStats:
        s = cls()
        s.n, s.min_len, s.max_len = int(d["n"]), d.get("minLen"), d.get("maxLen")
        s.distinct = {str(v) for v in d.get("distinct", ())}
        s.over = bool(d.get("over", False))
        s.checked = int(d.get("checked", 0))
        s.formats = {str(k): int(v) for k, v in (d.get("formats") or {}).items()}
        return s


class ArrStats:
    """Arrays: count, empties, size range and one ``items`` node (``None`` until an item is seen)."""

    __slots__ = ("empty", "items", "max", "min", "n")

    def __init__(self) -> None:
        self.n = 0
        self.empty = 0
        self.min: int | None = None
        self.max: int | None = None
        self.items: Node | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "empty": self.empty, "min": self.min, "max": self.max}
        if self.items is not None:
            out["items"] = self.items.to_dict()
        return out


class Shape:
    """One key set of an object path: how often, and the values of its low-cardinality strings."""

    __slots__ = ("n", "tags")

    def __init__(self, n: int, tags: dict[str, frozenset[str] | None]) -> None:
        self.n = n
        self.tags = tags

    def merge(self, n: int, tags: dict[str, frozenset[str] | None]) -> None:
        self.n += n
        mine = self.tags
        for k, vs in tags.items():
            cur = mine.get(k)
            if cur is None or vs is None:
                mine[k] = None
            else:
                u = cur | vs
                mine[k] = u if len(u) <= TAG_CAP else None


class ObjStats:
    """Objects: count, key-count range, and either ``children`` (object) or ``keys``+``values`` (map)."""

    __slots__ = ("children", "keys", "max", "min", "n", "shapes", "values")

    def __init__(self) -> None:
        self.n = 0
        self.min: int | None = None
        self.max: int | None = None
        self.children: dict[str, Node] | None = {}
        self.keys: StrStats | None = None
        self.values: Node | None = None
        self.shapes: dict[tuple[str, ...], Shape] | None = {}

    @property
    def is_map(self) -> bool:
        return self.children is None

    def record_shape(self, keys: tuple[str, ...], n: int, tags: dict[str, frozenset[str] | None]) -> None:
        shapes = self.shapes
        if shapes is None:
            return
        sh = shapes.get(keys)
        if sh is None:
            if len(shapes) >= SHAPE_CAP:
                self.shapes = None
                return
            shapes[keys] = Shape(n, dict(tags))
        else:
            sh.merge(n, tags)


def _tag_values(col: Sequence[Any]) -> frozenset[str] | None:
    """Distinct values of a column when it is all strings and has at most ``TAG_CAP`` of them."""
    if type(col[0]) is not str:
        return None
    try:
        probe = set(col[:_TAG_PROBE])
        if len(probe) > TAG_CAP:
            return None
        full = set(col) if len(col) > _TAG_PROBE else probe
    except TypeError:
        return None
    if len(full) > TAG_CAP or not all(type(v) is str for v in full):
        return None
    return frozenset(full)


_GROUP_CAP = 128  # distinct key sets per batch before falling back to a per-object loop


def _group_by_keys(
    dicts: Sequence[dict[str, Any]], sizes: list[int], same_size: bool
) -> list[tuple[tuple[str, ...], Sequence[dict[str, Any]], list[list[Any]]]] | None:
    """Split objects by key set: ``(keys, objects, one value column per key)``; None past ``_GROUP_CAP``.

    Objects are first bucketed by size; for a bucket whose members all have the first member's
    keys, one :func:`itemgetter` pass per key yields the columns (a missing key raises KeyError, so
    the pass doubles as the check). Only mixed buckets are split object by object.
    """
    if same_size:
        buckets: Iterable[Sequence[dict[str, Any]]] = (dicts,)
    else:
        by_size: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
        for d, sz in zip(dicts, sizes):
            by_size[sz].append(d)
        buckets = by_size.values()
    out: list[tuple[tuple[str, ...], Sequence[dict[str, Any]], list[list[Any]]]] = []
    for grp in buckets:
        kt = tuple(grp[0])
        try:
            out.append((kt, grp, [list(map(itemgetter(k), grp)) for k in kt]))
            continue
        except KeyError:
            pass
        sub: defaultdict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for d in grp:
            sub[tuple(d)].append(d)
            if len(sub) > _GROUP_CAP:
                return None
        out.extend((k, g, [list(map(itemgetter(c), g)) for c in k]) for k, g in sub.items())
        if len(out) > _GROUP_CAP:
            return None
    return out


class Node:
    """Summary of all values seen at one field path. Fold with :meth:`add`, combine with :meth:`merge_from`."""

    __slots__ = ("arrs", "depth", "false", "floats", "ints", "null", "objs", "opts", "sensitive", "strs", "true")

    def __init__(self, opts: InferOptions, depth: int = 0, sensitive: bool = False) -> None:
        self.opts = opts
        self.depth = depth
        self.sensitive = sensitive
        self.null = 0
        self.true = 0
        self.false = 0
        self.ints: IntStats | None = None
        self.floats: FloatStats | None = None
        self.strs: StrStats | None = None
        self.arrs: ArrStats | None = None
        self.objs: ObjStats | None = None

    # -- reading ------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        """Number of values summarized (nulls included)."""
        t = self.null + self.true + self.false
        for s in (self.ints, self.floats, self.strs, self.arrs, self.objs):
            if s is not None:
                t += s.n
        return t

    def type_counts(self) -> dict[str, int]:
        """JSON type histogram: ``null``, ``boolean``, ``integer``, ``number``, ``string``, ``array``, ``object``."""
        out: dict[str, int] = {}
        if self.null:
            out["null"] = self.null
        if self.true or self.false:
            out["boolean"] = self.true + self.false
        for name, s in (("integer", self.ints), ("number", self.floats), ("string", self.strs),
                        ("array", self.arrs), ("object", self.objs)):
            if s is not None and s.n:
                out[name] = s.n
        return out

    def _child(self, name: str) -> Node:
        return Node(self.opts, self.depth + 1, self.sensitive or is_sensitive_name(name))

    # -- folding ------------------------------------------------------------------------------
    def add(self, vals: Sequence[Any]) -> None:
        """Fold a batch (list or tuple) of JSON values into this node."""
        if vals:
            self._add_typed_column(vals)

    def _add_typed_column(self, vals: Sequence[Any]) -> None:
        if type(vals[0]) is str:
            # str.join type-checks every item in C without a call per item: the cheapest proof
            # that a column holds only strings (the common case).
            try:
                "".join(vals)
            except TypeError:
                pass
            else:
                self._add_typed(str, vals)
                return
        self._split_typed(set(map(type, vals)), vals)

    def _split_typed(self, ts: set[type], vals: Sequence[Any]) -> None:
        if len(ts) == 1:
            self._add_typed(ts.pop(), vals)
        else:
            types = list(map(type, vals))
            for t in ts:
                self._add_typed(t, list(compress(vals, map(is_, types, repeat(t)))))

    def _add_typed(self, t: type, vals: Sequence[Any]) -> None:
        if t is str:
            if self.strs is None:
                self.strs = StrStats()
            self.strs.add(vals, self.opts, not self.sensitive)
        elif t is dict:
            self._add_objects(vals)
        elif t is int:
            if self.ints is None:
                self.ints = IntStats()
            self.ints.add(vals, self.opts.distinct_cap)
        elif t is list:
            self._add_arrays(vals)
        elif t is _NoneType:
            self.null += len(vals)
        elif t is float:
            if self.floats is None:
                self.floats = FloatStats()
            self.floats.add(vals)
        elif t is bool:
            n_true = sum(vals)
            self.true += n_true
            self.false += len(vals) - n_true
        elif t is tuple:
            self._add_arrays([list(v) for v in vals])
        else:  # not a JSON type: summarize its text
            self._add_typed(str, [str(v) for v in vals])

    def _add_arrays(self, lists: Sequence[list[Any]]) -> None:
        a = self.arrs
        if a is None:
            a = self.arrs = ArrStats()
        a.n += len(lists)
        sizes = list(map(len, lists))
        a.empty += sizes.count(0)
        lo, hi = min(sizes), max(sizes)
        a.min = lo if a.min is None else min(a.min, lo)
        a.max = hi if a.max is None else max(a.max, hi)
        if hi == 0 or self.depth >= self.opts.max_depth:
            return
        if a.items is None:
            a.items = Node(self.opts, self.depth + 1, self.sensitive)
        a.items.add(list(chain.from_iterable(lists)))

    def _add_objects(self, dicts: Sequence[dict[str, Any]]) -> None:
        o = self.objs
        if o is None:
            o = self.objs = ObjStats()
        cnt = len(dicts)
        o.n += cnt
        sizes = list(map(len, dicts))
        lo, hi = min(sizes), max(sizes)
        o.min = lo if o.min is None else min(o.min, lo)
        o.max = hi if o.max is None else max(o.max, hi)
        if self.depth >= self.opts.max_depth:
            o.shapes = None
            return
        children = o.children
        if children is None:
            self._add_map(o, dicts)
            return
        groups = _group_by_keys(dicts, sizes, lo == hi)
        if groups is None:  # too many key sets: a per-object loop is cheaper
            self._add_sparse(o, children, dicts)
            return
        keyset: set[str] = set().union(*(kt for kt, _, _ in groups))
        if len(children) + len(keyset.difference(children)) > self.opts.max_properties:
            self._to_map(o)
            self._add_map(o, dicts)
            return
        pieces: dict[str, list[Any]] = {}
        track = o.shapes is not None
        sensitive = self.sensitive
        for kt, grp, gcols in groups:
            tags: dict[str, frozenset[str] | None] = {}
            for k, col in zip(kt, gcols):
                piece = pieces.get(k)
                if piece is None:
                    pieces[k] = col
                else:
                    piece.extend(col)
                if track:
                    tags[k] = None if sensitive or is_sensitive_name(k) else _tag_values(col)
            if track:
                o.record_shape(tuple(sorted(kt)), len(grp), tags)
                track = o.shapes is not None
        for k, col in pieces.items():
            self._get_child(children, k)._add_typed_column(col)

    def _add_sparse(self, o: ObjStats, children: dict[str, Node], dicts: Sequence[dict[str, Any]]) -> None:
        cols: defaultdict[str, list[Any]] = defaultdict(list)
        for d in dicts:
            for k, v in d.items():
                cols[k].append(v)
        if len(children) + sum(1 for k in cols if k not in children) > self.opts.max_properties:
            self._to_map(o)
            self._add_map(o, dicts)
            return
        o.shapes = None
        for k, col in cols.items():
            self._get_child(children, k).add(col)

    def _get_child(self, children: dict[str, Node], k: str) -> Node:
        ch = children.get(k)
        if ch is None:
            ch = children[k] = self._child(k)
        return ch

    def _add_map(self, o: ObjStats, dicts: Sequence[dict[str, Any]]) -> None:
        keys = list(chain.from_iterable(dicts))
        if not keys:
            return
        assert o.keys is not None and o.values is not None
        o.keys.add(keys, self.opts, True)
        o.values.add(list(chain.from_iterable(map(dict.values, dicts))))

    def _to_map(self, o: ObjStats) -> None:
        """Switch an object summary to a map summary: one values node, keys summarized as strings."""
        children = o.children or {}
        keys = StrStats()
        values = Node(self.opts, self.depth + 1, self.sensitive)
        for k in sorted(children):
            ch = children[k]
            keys.add_weighted(k, ch.total, self.opts)
            values.merge_from(ch)
        o.children = None
        o.keys = keys
        o.values = values
        o.shapes = None

    # -- merging ------------------------------------------------------------------------------
    def merge_from(self, other: Node) -> None:
        """Add ``other``'s counts to this node (``other`` is not modified)."""
        cap = self.opts.distinct_cap
        self.null += other.null
        self.true += other.true
        self.false += other.false
        if other.ints is not None:
            if self.ints is None:
                self.ints = IntStats()
            self.ints.merge_from(other.ints, cap)
        if other.floats is not None:
            if self.floats is None:
                self.floats = FloatStats()
            self.floats.merge_from(other.floats)
        if other.strs is not None:
            if self.strs is None:
                self.strs = StrStats()
            self.strs.merge_from(other.strs, cap)
            if self.sensitive:
                self.strs.distinct = set()
                self.strs.over = True
        if other.arrs is not None:
            self._merge_arrs(other.arrs)
        if other.objs is not None:
            self._merge_objs(other.objs)

    def _merge_arrs(self, oa: ArrStats) -> None:
        a = self.arrs
        if a is None:
            a = self.arrs = ArrStats()
        a.n += oa.n
        a.empty += oa.empty
        if oa.min is not None and oa.max is not None:
            a.min = oa.min if a.min is None else min(a.min, oa.min)
            a.max = oa.max if a.max is None else max(a.max, oa.max)
        if oa.items is not None:
            if a.items is None:
                a.items = Node(self.opts, self.depth + 1, self.sensitive)
            a.items.merge_from(oa.items)

    def _merge_objs(self, oo: ObjStats) -> None:
        o = self.objs
        if o is None:
            o = self.objs = ObjStats()
        o.n += oo.n
        if oo.min is not None and oo.max is not None:
            o.min = oo.min if o.min is None else min(o.min, oo.min)
            o.max = oo.max if o.max is None else max(o.max, oo.max)
        if oo.children is not None and o.children is not None:
            union = len(o.children) + sum(1 for k in oo.children if k not in o.children)
            if union > self.opts.max_properties:
                self._to_map(o)
        if o.children is None:
            assert o.keys is not None and o.values is not None
            if oo.children is None:
                assert oo.keys is not None and oo.values is not None
                o.keys.merge_from(oo.keys, self.opts.distinct_cap)
                o.values.merge_from(oo.values)
            else:
                for k in sorted(oo.children):
                    ch = oo.children[k]
                    o.keys.add_weighted(k, ch.total, self.opts)
                    o.values.merge_from(ch)
            return
        if oo.children is None:  # other is a map: switch, then merge map into map
            self._to_map(o)
            self._merge_objs_map_only(o, oo)
            return
        for k, ch in oo.children.items():
            self._get_child(o.children, k).merge_from(ch)
        if o.shapes is not None:
            if oo.shapes is None:
                o.shapes = None
            else:
                for keys, sh in oo.shapes.items():
                    o.record_shape(keys, sh.n, sh.tags)
                    if o.shapes is None:
                        break

    def _merge_objs_map_only(self, o: ObjStats, oo: ObjStats) -> None:
        assert o.keys is not None and o.values is not None
        assert oo.keys is not None and oo.values is not None
        o.keys.merge_from(oo.keys, self.opts.distinct_cap)
        o.values.merge_from(oo.values)

    def copy(self) -> Node:
        """A deep copy (merging into an empty node)."""
        out = Node(self.opts, self.depth, self.sensitive)
        out.merge_from(self)
        return out

    # -- serialization ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; equal summaries give equal dicts."""
        out: dict[str, Any] = {}
        if self.null:
            out["null"] = self.null
        if self.true or self.false:
            out["bool"] = [self.true, self.false]
        if self.ints is not None:
            out["int"] = self.ints.to_dict()
        if self.floats is not None:
            out["num"] = self.floats.to_dict()
        if self.strs is not None:
            out["str"] = self.strs.to_dict()
        if self.arrs is not None:
            out["arr"] = self.arrs.to_dict()
        o = self.objs
        if o is not None:
            od: dict[str, Any] = {"n": o.n, "min": o.min, "max": o.max}
            if o.children is not None:
                od["properties"] = {k: o.children[k].to_dict() for k in sorted(o.children)}
            else:
                assert o.keys is not None and o.values is not None
                od["map"] = {"keys": o.keys.to_dict(), "values": o.values.to_dict()}
            if o.shapes is not None:
                od["shapes"] = [
                    {
                        "keys": list(keys),
                        "n": sh.n,
                        "tags": {k: (None if v is None else sorted(v)) for k, v in sorted(sh.tags.items())},
                    }
                    for keys, sh in sorted(o.shapes.items())
                ]
            out["obj"] = od
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any], opts: InferOptions, depth: int = 0, sensitive: bool = False) -> Node:
        """Rebuild a node from :meth:`to_dict` output."""
        node = cls(opts, depth, sensitive)
        node.null = int(d.get("null", 0))
        if "bool" in d:
            node.true, node.false = int(d["bool"][0]), int(d["bool"][1])
        if "int" in d:
            node.ints = IntStats.from_dict(d["int"])
        if "num" in d:
            node.floats = FloatStats.from_dict(d["num"])
        if "str" in d:
            node.strs = StrStats.from_dict(d["str"])
        if "arr" in d:
            ad = d["arr"]
            a = node.arrs = ArrStats()
            a.n, a.empty, a.min, a.max = int(ad["n"]), int(ad.get("empty", 0)), ad.get("min"), ad.get("max")
            if "items" in ad:
                a.items = cls.from_dict(ad["items"], opts, depth + 1, sensitive)
        if "obj" in d:
            od = d["obj"]
            o = node.objs = ObjStats()
            o.n, o.min, o.max = int(od["n"]), od.get("min"), od.get("max")
            if "map" in od:
                o.children = None
                o.keys = StrStats.from_dict(od["map"]["keys"])
                o.values = cls.from_dict(od["map"]["values"], opts, depth + 1, sensitive)
            else:
                o.children = {
                    str(k): cls.from_dict(v, opts, depth + 1, sensitive or is_sensitive_name(str(k)))
                    for k, v in (od.get("properties") or {}).items()
                }
            if "shapes" in od:
                o.shapes = {
                    tuple(s["keys"]): Shape(
                        int(s["n"]),
                        {str(k): (None if v is None else frozenset(v)) for k, v in s["tags"].items()},
                    )
                    for s in od["shapes"]
                }
            else:
                o.shapes = None
        return node
