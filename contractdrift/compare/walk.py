"""The comparison engine: a direction-aware walker over two normalized schemas.

``SchemaWalker(side).compare(base, revision)`` yields :class:`Change` values with payload pointers
*relative* to the schemas compared; drivers prepend where the schema sits (which operation, body or
parameter) while unwinding, the way jsonschema errors carry relative paths. Results are memoized
per pair of schema locations, so a component shared by a hundred operations is compared once, and a
pair met again while being compared (a cycle) contributes nothing more: the walk always terminates.

Direction: for responses the revision is the producer and the base the consumer; for requests the
base (what clients still send) is the producer and the revision (what the server now accepts) the
consumer. Each concept's severity per side lives in :mod:`.rules`; checks here stay local.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import Pointer, Side
from ..spec.node import Node, node_identity
from . import rules as R
from .equivalence import Equivalence
from .schema_view import NodeGroup, SchemaView, build_view

ITEMS = "*"  # payload pointer segment for "any array item" / "any map value"
STABILITY = {"draft": 0, "alpha": 1, "beta": 2, "stable": 3}
_ANY: dict[str, Any] = {}  # the implicit schema of an absent `items`/`additionalProperties` (never mutated)


@dataclass(frozen=True, slots=True)
class Change:
    """One relative finding: a composed concept or a fixed rule id, where, and with what data."""

    name: str  # concept name (composed with side and scope later) or a fixed rule id
    fixed: bool
    rel: Pointer
    args: Mapping[str, Any]
    base: Node | None
    rev: Node | None


@dataclass(frozen=True, slots=True, kw_only=True)
class WalkOptions:
    deprecation_days: int | None = None  # require x-sunset at least this far away on deprecation
    today: _dt.date = field(default_factory=_dt.date.today)


Emit = Callable[..., None]


@dataclass(slots=True)
class _PairResult:
    """Changes local to one pair of schemas, plus links to the child pairs compared under it."""

    local: list[Change] = field(default_factory=list)
    children: list[tuple[str | int | None, tuple[Any, Any]]] = field(default_factory=list)


MAX_DEPTH = 1000  # levels of nesting; the api raises the recursion limit to make room


class SchemaWalker:
    def __init__(self, side: Side, options: WalkOptions | None = None,
                 equivalence: Equivalence | None = None) -> None:
        self.side = side
        self.equivalence = equivalence or Equivalence()
        self.options = options or WalkOptions()
        self._results: dict[tuple[Any, Any], _PairResult] = {}
        self._materialized: dict[tuple[Any, Any], list[Change]] = {}
        # pairs with a change at or below them, and who links to whom, kept up to date while expanding
        self._dirty: set[tuple[Any, Any]] = set()
        self._parents: dict[tuple[Any, Any], list[tuple[Any, Any]]] = {}
        self._dirty_children: dict[tuple[Any, Any], list[tuple[str | int | None, tuple[Any, Any]]]] = {}
        self._views: dict[Any, SchemaView] = {}
        self._pinned: dict[int, Any] = {}
        self._depth = 0
        self.depth_limited = False  # some schema nested deeper than MAX_DEPTH was compared only that far

    @property
    def pairs_compared(self) -> int:
        """How many pairs of schemas this walker has expanded (a cheap measure of the work done)."""
        return len(self._results)

    # -- views --------------------------------------------------------------------------------
    def view(self, group: NodeGroup) -> SchemaView:
        # keyed by document identity: two in-memory specs share a file uri ("<memory>")
        raw_key = _identities(group)
        v = self._views.get(raw_key)
        if v is None:
            group = tuple(_deref(n) for n in group)
            key = _identities(group)
            v = self._views.get(key)
            if v is None:
                v = build_view(group)
                self._views[key] = v
            self._views[raw_key] = v
        return v

    # -- entry ----------------------------------------------------------------------------------
    def compare(self, base: NodeGroup, rev: NodeGroup) -> list[Change]:
        """All changes between two schemas, payload pointers relative to them.

        A pair of schemas reachable along several payload paths (a shared component, a recursive
        schema) is reported once, at its shortest path: the graph of compared pairs is walked
        breadth-first from the root, each pair visited once.
        """
        root = self._expand(base, rev)
        if root not in self._dirty:
            return []
        cached = self._materialized.get(root)
        if cached is not None:
            return cached
        out: list[Change] = []
        seen = {root}
        queue: list[tuple[tuple[Any, Any], Pointer]] = [(root, ())]
        for key, prefix in queue:
            result = self._results[key]
            for c in result.local:
                out.append(c if not prefix else Change(c.name, c.fixed, prefix + c.rel, c.args, c.base, c.rev))
            dirty_children = self._dirty_children.get(key)
            if dirty_children is None:  # final once the root is expanded: dirtiness comes from below
                dirty_children = [(seg, ch) for seg, ch in result.children if ch in self._dirty]
                self._dirty_children[key] = dirty_children
            for segment, child in dirty_children:
                if child not in seen:
                    seen.add(child)
                    queue.append((child, prefix if segment is None else (*prefix, segment)))
        self._materialized[root] = out
        return out

    def _expand(self, base: NodeGroup, rev: NodeGroup) -> tuple[Any, Any]:
        base = tuple(_deref(n) for n in base)
        rev = tuple(_deref(n) for n in rev)
        key = (_identities(base), _identities(rev))
        if key in self._results:  # done, or in progress (a cycle): link to it, compare once
            return key
        pinned = self._pinned
        for n in (*base, *rev):  # keys hold id(file): keep the file alive while the key is remembered
            if id(n.file) not in pinned:
                pinned[id(n.file)] = n.file
        result = self._results[key] = _PairResult()
        if self._depth >= MAX_DEPTH:
            self.depth_limited = True
            return key
        if len(base) == len(rev) and all(self.equivalence.same(bn, rn) for bn, rn in zip(base, rev)):
            return key  # raw-equal with equivalent $ref targets: nothing below can differ
        self._depth += 1
        try:
            self._compare_views(self.view(base), self.view(rev), result, key)
            if result.local:
                self._mark_dirty(key)
        finally:
            self._depth -= 1
        return key

    # -- the checks -------------------------------------------------------------------------------
    def _mark_dirty(self, key: tuple[Any, Any]) -> None:
        stack = [key]
        while stack:
            k = stack.pop()
            if k in self._dirty:
                continue
            self._dirty.add(k)
            stack.extend(self._parents.get(k, ()))

    def _compare_views(self, b: SchemaView, r: SchemaView, result: _PairResult, key: tuple[Any, Any]) -> None:
        out = result.local

        def emit(name: str, args: Mapping[str, Any] | None = None, *, fixed: bool = False,
                 rel: Pointer = (), bnode: Node | None = None, rnode: Node | None = None) -> None:
            out.append(Change(name, fixed, rel, dict(args or {}), bnode or b.anchor, rnode or r.anchor))

        def sub(segment: str | int | None, bg: NodeGroup, rg: NodeGroup) -> None:
            child = self._expand(bg, rg)
            result.children.append((segment, child))
            self._parents.setdefault(child, []).append(key)
            if child in self._dirty:
                self._mark_dirty(key)

        if not self._types(b, r, emit):
            return  # types disjoint: deeper differences would be noise
        self._values(b, r, emit)
        self._constraints(b, r, emit)
        self._objects(b, r, emit, sub)
        self._arrays(b, r, emit, sub)
        self._composition(b, r, emit, sub)
        self._content(b, r, emit, sub)
        self._lifecycle(b, r, emit)

    # types ----------------------------------------------------------------------------------------
    def effective_types(self, view: SchemaView, depth: int = 0) -> frozenset[str] | None:
        """``type`` of a view, or for an untyped ``oneOf``/``anyOf`` the union of its members' types
        (``None`` = any: some member is unconstrained, or the composition is too deep)."""
        if view.types is not None or depth > 8:
            return view.types
        members = view.one_of + view.any_of
        if not members:
            return None
        out: set[str] = set()
        for group in members:
            t = self.effective_types(self.view(group), depth + 1)
            if t is None:
                return None
            out |= t
        return frozenset(out)

    def _types(self, b: SchemaView, r: SchemaView, emit: Emit) -> bool:
        bt, rt = self.effective_types(b), self.effective_types(r)
        if bt != rt:
            old, new = _types_text(bt), _types_text(rt)
            many = (bt is not None and len(bt) > 1) or (rt is not None and len(rt) > 1)
            if _covers(rt, bt):
                emit("list-of-types-widened" if many else "type-generalized", {"old": old, "new": new})
            elif _covers(bt, rt):
                emit("list-of-types-narrowed" if many else "type-specialized", {"old": old, "new": new})
            else:
                emit("type-changed", {"old": old, "new": new})
                if bt is not None and rt is not None and not _overlap(bt, rt):
                    return False
        if b.format != r.format and not self._implied(b, r, "format"):
            if b.format is None:
                emit("format-added", {"new": r.format})
            elif r.format is None:
                emit("format-removed", {"old": b.format})
            else:
                emit("format-changed", {"old": b.format, "new": r.format})
        if b.nullable != r.nullable:
            emit("became-nullable" if r.nullable else "became-not-nullable")
        return True

    # values -----------------------------------------------------------------------------------------
    def _values(self, b: SchemaView, r: SchemaView, emit: Emit) -> None:
        bo, ro = _only_value(b), _only_value(r)
        same_only_value = bo is not None and ro is not None and _json_eq(bo[0], ro[0])  # const: x == enum: [x]
        if b.enum != r.enum and not same_only_value:
            if b.enum is None and r.enum is not None:
                emit("became-enum", {"new": list(r.enum)})
            elif r.enum is None and b.enum is not None:
                emit("became-not-enum", {"old": list(b.enum)})
            elif b.enum is not None and r.enum is not None:
                for v in _missing(b.enum, r.enum):
                    emit("enum-value-removed", {"value": v})
                for v in _missing(r.enum, b.enum):
                    emit("enum-value-added", {"value": v})
        if b.extensible_enum != r.extensible_enum and b.extensible_enum is not None:
            for v in _missing(b.extensible_enum, r.extensible_enum or ()):
                emit("x-extensible-enum-value-removed", {"value": v})
            for v in _missing(r.extensible_enum or (), b.extensible_enum):
                emit("x-extensible-enum-value-added", {"value": v})
        if b.const != r.const and not same_only_value:
            if b.const is None and r.const is not None:
                emit("const-added", {"new": r.const[0]})
            elif r.const is None and b.const is not None:
                emit("const-removed", {"old": b.const[0]})
            elif b.const is not None and r.const is not None:
                emit("const-changed", {"old": b.const[0], "new": r.const[0]})
        if b.default != r.default:
            if b.default is None and r.default is not None:
                emit("default-value-added", {"new": r.default[0]})
            elif r.default is None and b.default is not None:
                emit("default-value-removed", {"old": b.default[0]})
            elif b.default is not None and r.default is not None:
                emit("default-value-changed", {"old": b.default[0], "new": r.default[0]})

    # constraints ------------------------------------------------------------------------------------
    def _implied(self, b: SchemaView, r: SchemaView, keyword: str) -> bool:
        """Whether a change of ``keyword`` cannot matter: the producer allows a finite set of values
        (``enum`` or ``const``) and every one satisfies the consumer's ``keyword`` (producer ⊆ consumer,
        asked of the whole schema rather than keyword by keyword). Responses: the revision produces
        and the base consumes; requests: the other way round."""
        producer, consumer = (r, b) if self.side is Side.RESPONSE else (b, r)
        values = producer.const if producer.const is not None else producer.enum
        if not values:
            return False
        if keyword == "format":
            return consumer.format is None or all(satisfies_format(v, consumer.format) for v in values)
        if keyword == "pattern":
            return consumer.pattern is None or all(satisfies_pattern(v, consumer.pattern) for v in values)
        bound = consumer.numbers.get(keyword)
        return bound is None or all(satisfies_bound(v, keyword, bound) for v in values)

    def _constraints(self, b: SchemaView, r: SchemaView, emit: Emit) -> None:
        bn, rn = b.numbers, r.numbers
        switched = _switched_bounds(bn, rn)
        for stem, keyword in R.BOUND_KEYWORDS.items():
            old, new = bn.get(keyword), rn.get(keyword)
            if old == new or keyword in switched or self._implied(b, r, keyword):
                continue
            if old is None:
                emit(f"{stem}-set", {"new": new})
            elif new is None:
                emit(f"{stem}-unset", {"old": old})
            else:
                emit(f"{stem}-{'increased' if new > old else 'decreased'}", {"old": old, "new": new})
        old, new = bn.get("multipleOf"), rn.get("multipleOf")
        if old != new and not self._implied(b, r, "multipleOf"):
            if old is None:
                emit("multiple-of-set", {"new": new})
            elif new is None:
                emit("multiple-of-unset", {"old": old})
            elif _divides(new, old):
                emit("multiple-of-widened", {"old": old, "new": new})
            elif _divides(old, new):
                emit("multiple-of-narrowed", {"old": old, "new": new})
            else:
                emit("multiple-of-changed", {"old": old, "new": new})
        if b.pattern != r.pattern and not self._implied(b, r, "pattern"):
            if b.pattern is None:
                emit("pattern-added", {"new": r.pattern})
            elif r.pattern is None:
                emit("pattern-removed", {"old": b.pattern})
            elif r.pattern in UNIVERSAL_PATTERNS:
                emit("pattern-generalized", {"old": b.pattern, "new": r.pattern})
            else:
                emit("pattern-changed", {"old": b.pattern, "new": r.pattern})
        if b.unique_items != r.unique_items:
            emit("unique-items-added" if r.unique_items else "unique-items-removed")

    # objects ------------------------------------------------------------------------------------------
    def _objects(self, b: SchemaView, r: SchemaView, emit: Emit, sub: Callable[..., None]) -> None:
        request = self.side is Side.REQUEST
        names = list(b.property_order) + [n for n in r.property_order if n not in b.properties]
        for name in names:
            bp, rp = b.properties.get(name), r.properties.get(name)
            breq, rreq = name in b.required, name in r.required
            rel = (name,)
            if bp is not None and rp is None:
                bpv = self.view(bp)
                rnode = r.anchor
                if request:
                    if not bpv.read_only:
                        emit("request-property-removed", fixed=True, rel=rel, bnode=bpv.anchor, rnode=rnode)
                elif not bpv.write_only:
                    rid = "response-required-property-removed" if breq else "response-optional-property-removed"
                    emit(rid, fixed=True, rel=rel, bnode=bpv.anchor, rnode=rnode)
                continue
            if rp is not None and bp is None:
                rpv = self.view(rp)
                if request:
                    if rpv.read_only:
                        continue
                    if rreq:
                        rid = ("new-required-request-property-with-default" if rpv.default is not None
                               else "new-required-request-property")
                    else:
                        rid = "new-optional-request-property"
                else:
                    if rpv.write_only:
                        continue
                    rid = "response-required-property-added" if rreq else "response-optional-property-added"
                emit(rid, fixed=True, rel=rel, bnode=b.anchor, rnode=rpv.anchor)
                continue
            assert bp is not None and rp is not None
            bpv, rpv = self.view(bp), self.view(rp)
            side = self.side.value
            req_word = "required" if (rreq if request else breq) else "optional"
            for flag, bf, rf in (("read-only", bpv.read_only, rpv.read_only),
                                 ("write-only", bpv.write_only, rpv.write_only)):
                if bf != rf:
                    emit(f"{side}-{req_word}-property-became-{'' if rf else 'not-'}{flag}", fixed=True, rel=rel,
                         bnode=bpv.anchor, rnode=rpv.anchor)
            # Requiredness as the consumer sees it: `required` on a readOnly property applies to
            # responses only, on a writeOnly one to requests only. So a required readOnly request
            # property that becomes writable is newly required, and a required response property
            # that becomes writeOnly is no longer sent: both break, beyond the access-flag rule.
            if request:
                hidden = rpv.read_only
                breq = breq and not bpv.read_only
            else:
                hidden = bpv.write_only
                rreq = rreq and not rpv.write_only
            if breq != rreq and not hidden:
                if request:
                    became = ("request-property-became-required-with-default" if rpv.default is not None
                              else "request-property-became-required")
                    emit(became if rreq else "request-property-became-optional",
                         fixed=True, rel=rel, bnode=bpv.anchor, rnode=rpv.anchor)
                else:
                    emit("response-property-became-required" if rreq else "response-property-became-optional",
                         fixed=True, rel=rel, bnode=bpv.anchor, rnode=rpv.anchor)
            if request and (rpv.read_only or bpv.read_only):
                continue  # readOnly properties never break requests
            if not request and (rpv.write_only or bpv.write_only):
                continue  # writeOnly properties never break responses
            sub(name, bp, rp)
        # additionalProperties
        ba, ra = b.additional, r.additional
        if ba is not False and ra is False:
            emit("additional-properties-closed")
        elif ba is False and ra is not False:
            emit("additional-properties-opened")
        elif isinstance(ba, tuple) and isinstance(ra, tuple):
            sub(ITEMS, ba, ra)
        elif isinstance(ba, tuple) != isinstance(ra, tuple) and b.accepts_type("object") and r.accepts_type("object"):
            # absent (any value) <-> a schema: compare with the implicit {} so narrowing is reported
            sub(ITEMS, ba if isinstance(ba, tuple) else _implicit(b.anchor, "additionalProperties"),
                ra if isinstance(ra, tuple) else _implicit(r.anchor, "additionalProperties"))
        for pat in b.pattern_properties.keys() - r.pattern_properties.keys():
            emit("pattern-property-removed", {"pattern": pat})
        for pat in r.pattern_properties.keys() - b.pattern_properties.keys():
            emit("pattern-property-added", {"pattern": pat})
        for pat in sorted(b.pattern_properties.keys() & r.pattern_properties.keys()):
            sub(ITEMS, b.pattern_properties[pat], r.pattern_properties[pat])
        self._presence(b.property_names, r.property_names, "property-names", emit, sub, None)
        self._presence(_group(b.unevaluated_properties), _group(r.unevaluated_properties),
                       "unevaluated-properties", emit, sub, ITEMS)
        for key in sorted(b.dependent_required.keys() | r.dependent_required.keys()):
            old, new = b.dependent_required.get(key), r.dependent_required.get(key)
            if old == new:
                continue
            if old is None:
                emit("dependent-required-added", {"key": key, "new": list(new or ())})
            elif new is None:
                emit("dependent-required-removed", {"key": key, "old": list(old)})
            else:
                emit("dependent-required-changed", {"key": key, "old": list(old), "new": list(new)})
        for key in sorted(b.dependent_schemas.keys() | r.dependent_schemas.keys()):
            bd, rd = b.dependent_schemas.get(key), r.dependent_schemas.get(key)
            if bd is None:
                emit("dependent-schema-added", {"key": key})
            elif rd is None:
                emit("dependent-schema-removed", {"key": key})
            else:
                sub(None, bd, rd)
        self._discriminator(b, r, emit)

    def _discriminator(self, b: SchemaView, r: SchemaView, emit: Emit) -> None:
        bd, rd = b.discriminator, r.discriminator
        if bd == rd:
            return
        if bd is None:
            emit("discriminator-added")
            return
        if rd is None:
            emit("discriminator-removed")
            return
        if bd.get("propertyName") != rd.get("propertyName"):
            emit("discriminator-property-name-changed", {"old": bd.get("propertyName"), "new": rd.get("propertyName")})
        bm = bd.get("mapping") if isinstance(bd.get("mapping"), dict) else {}
        rm = rd.get("mapping") if isinstance(rd.get("mapping"), dict) else {}
        assert isinstance(bm, dict) and isinstance(rm, dict)
        for k in sorted(bm.keys() | rm.keys(), key=str):
            if k not in rm:
                emit("discriminator-mapping-deleted", {"value": k})
            elif k not in bm:
                emit("discriminator-mapping-added", {"value": k})
            elif bm[k] != rm[k]:
                emit("discriminator-mapping-changed", {"value": k, "old": bm[k], "new": rm[k]})

    # arrays ---------------------------------------------------------------------------------------------
    def _arrays(self, b: SchemaView, r: SchemaView, emit: Emit, sub: Callable[..., None]) -> None:
        if b.items is not None and r.items is not None:
            sub(ITEMS, b.items, r.items)
        elif (b.items is None) != (r.items is None) and not b.prefix_items and not r.prefix_items and (
                b.accepts_type("array") and r.accepts_type("array")):  # absent items: any value, the implicit {}
            sub(ITEMS, b.items or _implicit(b.anchor, "items"), r.items or _implicit(r.anchor, "items"))
        if not b.prefix_items and r.prefix_items:
            emit("prefix-items-added")
        elif b.prefix_items and not r.prefix_items:
            emit("prefix-items-removed")
        else:
            for i, (bi, ri) in enumerate(zip(b.prefix_items, r.prefix_items)):
                sub(i, bi, ri)
        self._presence(b.contains, r.contains, "contains", emit, sub, None)
        self._presence(_group(b.unevaluated_items), _group(r.unevaluated_items), "unevaluated-items", emit, sub,
                       ITEMS)

    # composition ---------------------------------------------------------------------------------------
    def _composition(self, b: SchemaView, r: SchemaView, emit: Emit, sub: Callable[..., None]) -> None:
        for kind, bm, rm in (("one-of", b.one_of, r.one_of), ("any-of", b.any_of, r.any_of)):
            if not bm and rm and (kind == "one-of") and not b.one_of and not b.any_of:
                match = self._best_member(b.nodes, rm)
                if match is not None:
                    emit("wrapped-in-one-of")
                    sub(None, b.nodes, rm[match])
                    continue
            if bm and not rm and kind == "one-of" and not r.one_of and not r.any_of:
                match = self._best_member(r.nodes, bm)
                if match is not None:
                    emit("unwrapped-from-one-of")
                    sub(None, bm[match], r.nodes)
                    continue
            pairs, removed, added = self._pair_members(bm, rm)
            for i in removed:
                emit(f"{kind}-removed", {"member": _member_name(self.view(bm[i]))}, bnode=bm[i][0])
            for j in added:
                emit(f"{kind}-added", {"member": _member_name(self.view(rm[j]))}, rnode=rm[j][0])
            for i, j in pairs:
                sub(None, bm[i], rm[j])
        # allOf is merged: introducing it (splitting a schema into parts) or dissolving it is no
        # change by itself; only a member added to or removed from an existing allOf is noted
        if b.all_of_count != r.all_of_count and b.all_of_count and r.all_of_count:
            if r.all_of_count > b.all_of_count:
                emit("all-of-added", {"member": f"{r.all_of_count - b.all_of_count} member(s)"})
            else:
                emit("all-of-removed", {"member": f"{b.all_of_count - r.all_of_count} member(s)"})
        self._presence(b.not_, r.not_, "not", emit, sub, None, compare_inside=False)
        for kw, bg, rg in (("if", b.if_, r.if_), ("then", b.then, r.then), ("else", b.else_, r.else_)):
            self._presence(bg, rg, kw, emit, sub, None)

    def _pair_members(self, bm: list[NodeGroup], rm: list[NodeGroup]
                      ) -> tuple[list[tuple[int, int]], list[int], list[int]]:
        """Pair members by best structural match (not by position)."""
        scored: list[tuple[float, int, int]] = []
        for i, bg in enumerate(bm):
            for j, rg in enumerate(rm):
                s = self._similarity(bg, rg)
                if s > 0.0:
                    scored.append((s, i, j))
        scored.sort(key=lambda t: (-t[0], t[1], t[2]))
        used_b: set[int] = set()
        used_r: set[int] = set()
        pairs: list[tuple[int, int]] = []
        for s, i, j in scored:
            if i in used_b or j in used_r or s < 0.34:
                continue
            used_b.add(i)
            used_r.add(j)
            pairs.append((i, j))
        removed = [i for i in range(len(bm)) if i not in used_b]
        added = [j for j in range(len(rm)) if j not in used_r]
        return sorted(pairs), removed, added

    def _best_member(self, group: NodeGroup, members: list[NodeGroup]) -> int | None:
        best, best_score = None, 0.5
        for j, m in enumerate(members):
            s = self._similarity(group, m)
            if s > best_score:
                best, best_score = j, s
        return best

    def _similarity(self, bg: NodeGroup, rg: NodeGroup) -> float:
        bref, rref = _ref_name(bg), _ref_name(rg)
        if bref is not None and bref == rref:
            return 1.0
        bv, rv = self.view(bg), self.view(rg)
        if bv.nodes and rv.nodes and bv.nodes[0].value == rv.nodes[0].value:
            return 0.99
        score = 0.0
        if bv.types == rv.types:
            score += 0.4
        elif bv.types and rv.types and _overlap(bv.types, rv.types):
            score += 0.2
        else:
            return 0.0
        bp, rp = set(bv.properties), set(rv.properties)
        if bp or rp:
            score += 0.5 * len(bp & rp) / len(bp | rp)
        elif bv.enum is not None or rv.enum is not None:
            be, re_ = set(map(repr, bv.enum or ())), set(map(repr, rv.enum or ()))
            score += 0.5 * (len(be & re_) / len(be | re_) if be | re_ else 1.0)
        else:
            score += 0.5 if bv.format == rv.format else 0.3
        if bref is not None and rref is not None and bref != rref:
            score -= 0.05
        return score

    # content (3.1) -----------------------------------------------------------------------------------
    def _content(self, b: SchemaView, r: SchemaView, emit: Emit, sub: Callable[..., None]) -> None:
        for key, concept in (("contentEncoding", "content-encoding-changed"),
                             ("contentMediaType", "content-media-type-changed")):
            if b.content.get(key) != r.content.get(key):
                emit(concept, {"old": b.content.get(key), "new": r.content.get(key)})
        self._presence(b.content_schema, r.content_schema, "content-schema", emit, sub, None)

    # lifecycle ------------------------------------------------------------------------------------------
    def _lifecycle(self, b: SchemaView, r: SchemaView, emit: Emit) -> None:
        check_lifecycle(b.deprecated, r.deprecated, b.extensions, r.extensions, self.options, emit)
        if b.extensions != r.extensions:  # oasdiff lints a property's level when its extensions changed
            for ext in (b.extensions, r.extensions):  # the base's first, and one finding only
                if stability_level(ext) is None:
                    emit("api-invalid-stability-level", {"value": ext.get("x-stability-level")}, fixed=True)
                    break

    # helpers ----------------------------------------------------------------------------------------------
    def _presence(self, bg: NodeGroup | None, rg: NodeGroup | None, stem: str, emit: Emit,
                  sub: Callable[..., None], segment: str | None, *, compare_inside: bool = True) -> None:
        if bg is None and rg is not None:
            emit(f"{stem}-added")
        elif bg is not None and rg is None:
            emit(f"{stem}-removed")
        elif bg is not None and rg is not None and compare_inside:
            if not bg or not rg:  # a `false` schema (empty group) on one side: nothing to walk into
                if bool(bg) != bool(rg):  # false -> a schema loosens the restriction, a schema -> false adds one
                    emit(f"{stem}-removed" if not bg else f"{stem}-added")
                return
            sub(segment, bg, rg)


def check_lifecycle(b_dep: bool, r_dep: bool, b_ext: Mapping[str, Any], r_ext: Mapping[str, Any],
                    options: WalkOptions, emit: Emit, *, prefix: str = "") -> None:
    """Deprecation, x-sunset and x-stability-level: shared by schemas, parameters and operations.

    ``prefix`` selects the vocabulary: ``""`` for composed concepts, ``"api-"``/``"endpoint-"`` for
    operations (the driver maps names).
    """
    sunset = r_ext.get("x-sunset")
    if r_dep and not b_dep:  # one finding per deprecation, as oasdiff: the policy violation replaces the notice
        days = options.deprecation_days
        date = parse_date(sunset) if sunset is not None else None
        if sunset is None:
            if days:
                emit("deprecated-sunset-missing", {"days": days})
            else:
                emit("deprecated")
        elif date is None:
            emit("deprecated-sunset-invalid", {"sunset": str(sunset)})
        elif days and (date - options.today).days < days:
            emit("sunset-date-too-small", {"sunset": date.isoformat(), "days": days})
        else:
            emit("deprecated-with-sunset", {"sunset": date.isoformat()})
    elif b_dep and not r_dep:
        emit("reactivated")
    bs, rs = stability_level(b_ext), stability_level(r_ext)  # absent is stable; invalid is reported elsewhere
    if bs != rs and bs is not None and rs is not None:
        if STABILITY[rs] < STABILITY[bs]:
            emit("stability-decreased", {"old": bs, "new": rs})
        else:
            emit("stability-increased", {"old": bs, "new": rs})


def _implicit(parent: Node, keyword: str) -> NodeGroup:
    """The absent ``keyword`` of ``parent`` as the schema it means (``{}``), located at the parent."""
    return (Node(parent.spec, parent.file, (*parent.pointer, keyword), _ANY),)


def _only_value(v: SchemaView) -> tuple[Any] | None:
    """The one value a schema allows by ``const`` or a one-value ``enum`` (they are the same constraint)."""
    if v.const is not None:
        return v.const if v.enum is None or (len(v.enum) == 1 and _json_eq(v.enum[0], v.const[0])) else None
    return (v.enum[0],) if v.enum is not None and len(v.enum) == 1 else None


def _switched_bounds(old: Mapping[str, float], new: Mapping[str, float]) -> set[str]:
    """Bound keywords to leave out because the bound moved between ``minimum`` and ``exclusiveMinimum``.

    ``minimum: 2`` -> ``exclusiveMinimum: 2`` is one tightening, not "minimum removed" (which would
    break responses) plus "exclusive minimum set": keep only the keyword that tells the direction,
    the new one's ``-set`` when tighter, the old one's ``-unset`` when looser.
    """
    skip: set[str] = set()
    for inclusive, exclusive, upper in (("minimum", "exclusiveMinimum", False), ("maximum", "exclusiveMaximum", True)):
        for was, now in ((inclusive, exclusive), (exclusive, inclusive)):
            if was in old and now in new and was not in new and now not in old:
                a, b = old[was], new[now]
                tighter = (b < a if upper else b > a) or (a == b and now == exclusive)
                skip.add(was if tighter else now)
    return skip


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_CIVIL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: Any) -> _dt.date | None:
    """An ``x-sunset`` value as a date, else ``None`` (oasdiff's rule: ``YYYY-MM-DD`` or RFC 3339).

    A YAML date is a date; any other non-string (a number, a list) does not parse, and neither does
    a string in another format (an HTTP date, ``20250101``): oasdiff reports those as sunset-parse.
    """
    if isinstance(value, _dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        if _CIVIL_DATE.fullmatch(value):
            return _dt.date.fromisoformat(value)
        if _RFC3339.fullmatch(value):
            return _dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None
    return None


def stability_level(extensions: Mapping[str, Any]) -> str | None:
    """``x-stability-level`` as oasdiff reads it: absent means ``stable``; ``None`` when it does not parse."""
    value = extensions.get("x-stability-level")
    if value is None:
        return "stable"
    return value if isinstance(value, str) and value in STABILITY else None


def _identities(group: NodeGroup) -> tuple[Any, ...]:
    """Memo key of a node group: :func:`~contractdrift.spec.node.node_identity` of each (hot path)."""
    if len(group) == 1:
        n = group[0]
        return ((id(n.file), n.pointer),)
    return tuple(map(node_identity, group))


def _deref(node: Node) -> Node:
    """Follow a pure ``$ref`` (no siblings) so that every path to a component shares its key."""
    value = node.value
    if isinstance(value, dict) and "$ref" in value and len(value) == 1:
        return node.deref()
    return node


def _group(v: bool | NodeGroup | None) -> NodeGroup | None:
    if v is None or v is True:
        return None
    if v is False:
        return ()
    return v


def _types_text(t: frozenset[str] | None) -> str:
    if t is None:
        return "any"
    return "|".join(sorted(t))


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """Does ``wide`` accept every type in ``narrow``? (integer is a number)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _overlap(a: frozenset[str], b: frozenset[str]) -> bool:
    if a & b:
        return True
    return ("integer" in a and "number" in b) or ("number" in a and "integer" in b)


def _missing(values: Iterable[Any], other: Iterable[Any]) -> list[Any]:
    other_l = list(other)
    return [v for v in values if not any(_json_eq(v, o) for o in other_l)]


def _json_eq(a: Any, b: Any) -> bool:
    return (type(a) is type(b) and a == b) or (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                              and not isinstance(a, bool) and not isinstance(b, bool) and a == b)


def _divides(small: float, big: float) -> bool:
    if small == 0:
        return False
    q = big / small
    return abs(q - round(q)) < 1e-9


def _ref_name(group: NodeGroup) -> str | None:
    if len(group) == 1 and isinstance(group[0].value, dict):
        ref = group[0].value.get("$ref")
        if isinstance(ref, str):
            return ref.rsplit("/", 1)[-1]
    return None


def _member_name(view: SchemaView) -> str:
    anchor = view.anchor
    ptr = anchor.pointer
    if (len(ptr) >= 3 and ptr[-3:-1] == ("components", "schemas")) or (len(ptr) == 2 and ptr[0] == "definitions"):
        return str(ptr[-1])
    if len(ptr) == 3 and ptr[0] == "components":
        return str(ptr[-1])
    title = anchor.get("title")
    if isinstance(title, str):
        return title
    if view.properties:
        return "object{" + ",".join(sorted(view.properties)[:5]) + ("…" if len(view.properties) > 5 else "") + "}"
    return _types_text(view.types)


#: patterns that match every string (searched, as JSON Schema does): a change to one generalizes
UNIVERSAL_PATTERNS = frozenset({"", ".*", "^.*", ".*$", "[\\s\\S]*", "^[\\s\\S]*$", "^[\\s\\S]*"})


def satisfies_bound(value: Any, keyword: str, bound: float) -> bool:
    """Whether ``value`` satisfies one bound keyword (JSON Schema: a keyword that does not apply to the
    value's type is satisfied)."""
    if keyword == "multipleOf":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return True
        q = value / bound
        return bool(abs(q - round(q)) < 1e-9)
    if keyword in ("minLength", "maxLength"):
        if not isinstance(value, str):
            return True
        size: float = len(value)
    elif keyword in ("minItems", "maxItems", "minContains", "maxContains"):
        if not isinstance(value, list) or keyword.endswith("Contains"):
            return not isinstance(value, list)  # contains counts need the item schema: not decided here
        size = len(value)
    elif keyword in ("minProperties", "maxProperties"):
        if not isinstance(value, dict):
            return True
        size = len(value)
    else:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return True
        size = value
    if keyword.startswith("exclusiveMin"):
        return size > bound
    if keyword.startswith("exclusiveMax"):
        return size < bound
    if keyword.startswith("min"):
        return size >= bound
    return size <= bound


def satisfies_pattern(value: Any, pattern: str) -> bool:
    """Whether a string matches ``pattern`` (ECMA 262 read as Python ``re``; a pattern Python cannot
    compile decides nothing: False)."""
    if not isinstance(value, str):
        return True
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return False


def satisfies_format(value: Any, fmt: str) -> bool:
    """Whether a value satisfies a format the engine can check (an unknown format decides nothing)."""
    from .formats import NUMBER_FORMATS, STRING_FORMATS, number_in_format

    if fmt in STRING_FORMATS:
        return not isinstance(value, str) or STRING_FORMATS[fmt](value)
    if fmt in NUMBER_FORMATS:
        return isinstance(value, bool) or not isinstance(value, (int, float)) or number_in_format(
            value, NUMBER_FORMATS[fmt])
    return False
