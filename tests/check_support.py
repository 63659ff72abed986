"""Test helpers for payload checking: hypothesis strategies that generate payloads conforming to an OpenAPI
schema, a trace of what was generated where, and single-fault injection at a known pointer.

Generation follows the normalized view of :mod:`contractdrift.compare.schema_view` (``allOf`` merged,
nullable spellings); it aims at valid payloads but does not promise them: callers filter with the
reference (``jsonschema``, see :func:`reference_validator`) so "conforming" never means "what our own
validator accepts".

    from check_support import conforming, reference_validator, inject_fault
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any

from hypothesis import strategies as st

from contractdrift.compare.schema_view import NodeGroup, SchemaView, build_view, lone_member
from contractdrift.compare.validate import is_null_schema
from contractdrift.model import Side
from contractdrift.spec.node import Node

Pointer = tuple[str | int, ...]
_DIGIT = st.integers(0, 9)
_THREE = st.integers(0, 2)
_JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean")


@dataclass
class Leaf:
    """A generated scalar: where it is and which JSON types its schema admits (None: any)."""

    pointer: Pointer
    types: frozenset[str] | None
    nullable: bool
    enum: bool
    alternative: bool = False  # the whole value of a oneOf/anyOf alternative: a wrong type may pick another


@dataclass
class Obj:
    """A generated object: its pointer, the required properties present, and whether an extra property
    there is *undocumented* (an open object whose schema describes properties, no composition)."""

    pointer: Pointer
    required: list[str]
    open_documented: bool
    alternative: bool = False  # the whole value of a oneOf/anyOf alternative


@dataclass
class Trace:
    leaves: list[Leaf] = field(default_factory=list)
    objects: list[Obj] = field(default_factory=list)


@dataclass(frozen=True)
class Fault:
    concept: str
    pointer: Pointer


def _explicit_types(view: SchemaView) -> frozenset[str] | None:
    if any(isinstance(n.value, dict) and "type" in n.value for n in view.nodes):
        return view.types
    return None


def _branches(view: SchemaView) -> list[tuple[str, list[Node]]]:
    out = []
    for n in view.nodes:
        if not isinstance(n.value, dict):
            continue
        for kw in ("oneOf", "anyOf"):
            if lone_member(n.value, kw) is not None:
                continue
            members = n.child(kw)
            if members is not None:
                live = [m for m in members.elements() if not is_null_schema(m.value)]
                if live:
                    out.append((kw, live))
    return out


class _Gen:
    def __init__(self, side: Side, max_depth: int) -> None:
        self.side = side
        self.max_depth = max_depth
        self.views: dict[tuple[Any, ...], SchemaView] = {}
        self.strategies: dict[tuple[int, str], st.SearchStrategy[Any]] = {}  # built once per view and type

    def view(self, group: NodeGroup) -> SchemaView:
        key = tuple(n.key for n in group)
        v = self.views.get(key)
        if v is None:
            v = self.views[key] = build_view(group)
        return v

    def hidden(self, view: SchemaView) -> bool:
        return (self.side is Side.REQUEST and view.read_only) or (self.side is Side.RESPONSE and view.write_only)

    def value(self, draw: st.DrawFn, group: NodeGroup, ptr: Pointer, depth: int, trace: Trace,
              in_branch: bool = False) -> Any:
        view = self.view(group)
        if view.boolean is False:
            return None
        if view.nullable and draw(_DIGIT) == 0:
            return None
        if view.const is not None:
            return view.const[0]
        branches = _branches(view)
        types = _explicit_types(view)
        if view.enum is not None:
            if not view.enum:
                return None
            value = draw(st.sampled_from(view.enum))
            trace.leaves.append(Leaf(ptr, types, view.nullable, True, in_branch))
            return value
        if branches:
            _, members = branches[0]
            if depth >= self.max_depth:  # prefer the simplest alternative deep down
                idx = min(range(len(members)), key=lambda i: 0 if self.view((members[i],)).types != frozenset(
                    {"object"}) else 1)
            else:
                idx = draw(st.integers(0, len(members) - 1))
            sub = self.value(draw, (members[idx],), ptr, depth, trace, in_branch=True)
            if isinstance(sub, dict) and (view.properties or view.required):
                own = self._object(draw, view, ptr, depth, trace, composed=True)
                own.update(sub)
                return own
            return sub
        if types is None:
            implied = view.types
            if implied:
                types = implied
        if types is not None and not types:
            return None
        choices = sorted(types) if types else ["string", "integer", "boolean"]
        t = draw(st.sampled_from(choices))
        if t == "object":
            return self._object(draw, view, ptr, depth, trace, composed=in_branch)
        if t == "array":
            return self._array(draw, view, ptr, depth, trace)
        trace.leaves.append(Leaf(ptr, _explicit_types(view), view.nullable, False, in_branch))
        if t not in ("string", "integer", "number", "boolean"):
            return None
        key = (id(view), t)
        strategy = self.strategies.get(key)
        if strategy is None:
            strategy = self.strategies[key] = (
                self._string(view) if t == "string" else st.booleans() if t == "boolean" else self._number(view, t))
        return draw(strategy)

    def _object(self, draw: st.DrawFn, view: SchemaView, ptr: Pointer, depth: int, trace: Trace,
                composed: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        names = []
        required = []
        for name, group in view.properties.items():
            pv = self.view(group)
            if self.hidden(pv):
                continue
            if name in view.required:
                required.append(name)
                names.append(name)
            elif depth < self.max_depth and draw(_THREE) > 0:
                names.append(name)
        for name in names:
            out[name] = self.value(draw, view.properties[name], (*ptr, name), depth + 1, trace)
        for name in view.required:
            if name not in out and name not in view.properties:
                out[name] = draw(_DIGIT)
                required.append(name)
        if isinstance(view.additional, tuple) and depth < self.max_depth:
            for i in range(draw(_THREE)):
                key = f"k{i}"
                if key not in out:
                    out[key] = self.value(draw, view.additional, (*ptr, key), depth + 1, trace)
        open_documented = (view.additional is True and view.unevaluated_properties is None
                           and not view.pattern_properties and bool(view.properties) and not composed
                           and not _branches(view) and view.discriminator is None)
        trace.objects.append(Obj(ptr, required, open_documented, composed))
        return out

    def _array(self, draw: st.DrawFn, view: SchemaView, ptr: Pointer, depth: int, trace: Trace) -> list[Any]:
        lo = int(view.numbers.get("minItems", 0))
        hi = int(view.numbers.get("maxItems", lo + 2))
        hi = min(hi, lo + (2 if depth < self.max_depth else 0))
        n = draw(st.integers(lo, max(lo, hi)))
        out: list[Any] = []
        for i in range(n):
            group = view.prefix_items[i] if i < len(view.prefix_items) else view.items
            if group is None:
                out.append(draw(st.integers()))
            else:
                out.append(self.value(draw, group, (*ptr, i), depth + 1, trace))
        return out

    def _string(self, view: SchemaView) -> st.SearchStrategy[str]:
        fmt = view.format
        lo = int(view.numbers.get("minLength", 0))
        hi = view.numbers.get("maxLength")
        formats: dict[str, st.SearchStrategy[str]] = {
            "date-time": st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.isoformat()),
            "date": st.dates().map(lambda d: d.isoformat()),
            "time": st.times().map(lambda t: t.isoformat() + "Z"),
            "uuid": st.uuids().map(str),
            "email": st.from_regex(r"\A[a-z]{1,8}@[a-z]{1,8}\.com\Z"),
            "uri": st.from_regex(r"\Ahttps://[a-z]{1,8}\.example/[a-z0-9]{0,8}\Z"),
            "ipv4": st.ip_addresses(v=4).map(str),
            "ipv6": st.ip_addresses(v=6).map(str),
            "byte": st.binary(max_size=12).map(lambda b: base64.b64encode(b).decode()),
        }
        if fmt in formats:
            strategy = formats[fmt]
        elif view.pattern is not None:
            try:
                re.compile(view.pattern)
                strategy = st.from_regex(view.pattern)
            except re.error:
                strategy = st.text(max_size=8)
        else:
            return st.text(alphabet="abcdefghij_- ", min_size=lo, max_size=int(hi) if hi is not None else lo + 8)
        return strategy.filter(lambda s: len(s) >= lo and (hi is None or len(s) <= hi))

    def _number(self, view: SchemaView, t: str) -> st.SearchStrategy[int | float]:
        nums = view.numbers
        lo = nums.get("minimum")
        hi = nums.get("maximum")
        xlo = nums.get("exclusiveMinimum")
        xhi = nums.get("exclusiveMaximum")
        width = {"int32": 31, "int64": 63}.get(view.format or "")
        if width is not None:
            lo = max(lo, -(2**width)) if lo is not None else -(2**width)
            hi = min(hi, 2**width - 1) if hi is not None else 2**width - 1
        mult = nums.get("multipleOf")
        if t == "integer" or mult is not None:
            ilo = None if lo is None and xlo is None else int(max(x for x in (lo, xlo + 1 if xlo is not None else None)
                                                                  if x is not None))
            ihi = None if hi is None and xhi is None else int(min(x for x in (hi, xhi - 1 if xhi is not None else None)
                                                                  if x is not None))
            if mult is not None and mult > 0:
                klo = None if ilo is None else -(-ilo // mult)
                khi = None if ihi is None else ihi // mult
                m = mult
                return st.integers(int(klo) if klo is not None else None, int(khi) if khi is not None else None) \
                    .map(lambda k: k * m)
            return st.integers(ilo, ihi)
        return st.floats(min_value=lo if lo is not None else xlo, max_value=hi if hi is not None else xhi,
                         exclude_min=lo is None and xlo is not None, exclude_max=hi is None and xhi is not None,
                         allow_nan=False, allow_infinity=False)


def conforming(node: Node, *, side: Side = Side.RESPONSE, max_depth: int = 4) -> st.SearchStrategy[tuple[Any, Trace]]:
    """Payloads meant to conform to the schema at ``node`` (filter them with the reference), with a
    :class:`Trace` of generated leaves and objects for :func:`inject_fault`."""
    gen = _Gen(side, max_depth)

    @st.composite
    def build(draw: st.DrawFn) -> tuple[Any, Trace]:
        trace = Trace()
        return gen.value(draw, (node,), (), 0, trace), trace
    return build()


def _get(doc: Any, ptr: Pointer) -> Any:
    for t in ptr:
        doc = doc[t]
    return doc


def _wrong_value(types: frozenset[str] | None) -> Any:
    """A non-null value whose JSON type ``types`` does not admit (None when every type is admitted)."""
    if types is None:
        return None
    for candidate, t in (("not-a-number", "string"), (12345, "integer"), (True, "boolean"), ({"x": 1}, "object")):
        admitted = t in types or (t == "integer" and "number" in types)
        if not admitted:
            return candidate
    return None


def inject_fault(draw: st.DrawFn, payload: Any, trace: Trace, *, undocumented: bool = True) -> tuple[Any, Fault] | None:
    """Copy ``payload`` with one fault at a pointer the trace knows: a value of a wrong type, a null where
    the schema does not admit one, a required property removed, or an undocumented property added."""
    doc = json.loads(json.dumps(payload))
    options: list[tuple[str, Any]] = []
    for leaf in trace.leaves:
        if leaf.alternative:
            continue
        if leaf.types is not None and _wrong_value(leaf.types) is not None:
            options.append(("type", leaf))
        if not leaf.nullable and leaf.types is not None:
            options.append(("null", leaf))
    for obj in trace.objects:
        if obj.required and not (obj.alternative and len(_get(doc, obj.pointer)) < 3):
            # (an alternative left with one property or none may as well be another alternative)
            options.append(("required", obj))
        if undocumented and obj.open_documented:
            options.append(("undocumented", obj))
    if not options:
        return None
    kinds = sorted({k for k, _ in options})
    chosen = draw(st.sampled_from(kinds))  # each kind of fault as likely as the others
    kind, where = draw(st.sampled_from([o for o in options if o[0] == chosen]))
    if kind in ("type", "null"):
        assert isinstance(where, Leaf)
        new = _wrong_value(where.types) if kind == "type" else None
        if not where.pointer:
            return new, Fault("type-mismatch" if kind == "type" else "null-not-allowed", ())
        parent = _get(doc, where.pointer[:-1])
        parent[where.pointer[-1]] = new
        return doc, Fault("type-mismatch" if kind == "type" else "null-not-allowed", where.pointer)
    assert isinstance(where, Obj)
    target = _get(doc, where.pointer)
    if kind == "required":
        name = draw(st.sampled_from(where.required))
        del target[name]
        return doc, Fault("required-missing", (*where.pointer, name))
    target["zz_undocumented"] = 1
    return doc, Fault("undocumented-property", (*where.pointer, "zz_undocumented"))


# --- the reference: jsonschema Draft 2020-12 on the spec converted from OpenAPI 3.0 ---------------------

def to_json_schema(value: Any, *, nullable: str = "lenient", side: Side = Side.RESPONSE) -> Any:
    """A whole OpenAPI 3.0 document (or schema) rewritten as JSON Schema 2020-12: ``nullable`` in the
    chosen reading, boolean exclusive bounds, required readOnly/writeOnly properties per side."""
    if isinstance(value, list):
        return [to_json_schema(v, nullable=nullable, side=side) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: to_json_schema(v, nullable=nullable, side=side) for k, v in value.items()
           if k not in ("example", "examples", "discriminator", "nullable")}
    for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(key), bool):
            flag = out.pop(key)
            if flag and bound in out:
                out[key] = out.pop(bound)
    props = value.get("properties")
    if isinstance(out.get("required"), list) and isinstance(props, dict):
        flag = "readOnly" if side is Side.REQUEST else "writeOnly"
        out["required"] = [r for r in out["required"]
                           if not (isinstance(props.get(r), dict) and props[r].get(flag) is True)]
    if value.get("nullable") is True:
        if nullable == "lenient":
            return {"anyOf": [{"type": "null"}, out]}
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
    return out


_CONVERTED: dict[tuple[int, str, Side], tuple[Any, Any]] = {}


def reference_validator(document: Any, pointer: Pointer, *, nullable: str = "lenient",
                        side: Side = Side.RESPONSE) -> Any:
    """A ``jsonschema.Draft202012Validator`` for the schema at ``pointer`` of an OpenAPI document."""
    import jsonschema

    key = (id(document), nullable, side)
    cached = _CONVERTED.get(key)
    if cached is None or cached[0] is not document:
        cached = _CONVERTED[key] = (document, to_json_schema(document, nullable=nullable, side=side))
    root = dict(cached[1])
    root["$ref"] = "#" + "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in pointer)
    return jsonschema.Draft202012Validator(root)


def reference_paths(validator: Any, instance: Any) -> set[Pointer]:
    """Every instance path jsonschema reports (composition sub-errors included)."""
    out: set[Pointer] = set()

    def walk(errors: Any) -> None:
        for e in errors:
            out.add(tuple(e.absolute_path))
            walk(e.context or ())
    walk(validator.iter_errors(instance))
    return out


JSON_TYPES = _JSON_TYPES


def json_responses(spec: Any, *, method: str = "get", limit: int | None = None) -> list[tuple[str, Node]]:
    """(label, schema node) of the JSON 2xx response bodies of ``method`` operations, in document order."""
    out: list[tuple[str, Node]] = []
    paths = spec.root.data.get("paths") or {}
    for path, item in paths.items():
        op = item.get(method) if isinstance(item, dict) else None
        if not isinstance(op, dict):
            continue
        for status, response in (op.get("responses") or {}).items():
            if not str(status).startswith("2") or not isinstance(response, dict):
                continue
            root = Node(spec, spec.root, ("paths", path, method, "responses", status), response).deref()
            content = root.child("content")
            if content is None:
                continue
            for media, body in content.items():
                schema = body.child("schema")
                if schema is not None and ("json" in media or media == "*/*"):
                    out.append((f"{method.upper()} {path} {status} {media}", schema))
                    break
            break
        if limit is not None and len(out) >= limit:
            break
    return out


def pointers(value: Any, prefix: Pointer = ()) -> list[Pointer]:
    """Every pointer into a JSON value (the root included)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(pointers(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(pointers(v, (*prefix, i)))
    return out


#: Small JSON values used to replace a part of a payload (random mutations).
SMALL_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2, allow_nan=False) | st.sampled_from(
        ["", "x", "2024-01-01", "usd", "object"]),
    lambda children: st.lists(children, max_size=2) | st.dictionaries(st.sampled_from(["id", "object", "x"]),
                                                                     children, max_size=2),
    max_leaves=4,
)


def mutate(draw: st.DrawFn, payload: Any) -> Any:
    """A copy of ``payload`` with one randomly chosen part replaced by a small random JSON value."""
    doc = json.loads(json.dumps(payload))
    where = draw(st.sampled_from(pointers(doc)))
    new = draw(SMALL_JSON)
    if not where:
        return new
    _get(doc, where[:-1])[where[-1]] = new
    return doc
