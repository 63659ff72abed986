"""One normalized view of a schema for comparison, and the OpenAPI schema semantics behind it.

Normalization (DESIGN "known traps"): 3.0 ``nullable: true`` == 3.1 ``type: [T, "null"]`` ==
``oneOf/anyOf`` with a ``{type: "null"}`` member; ``allOf`` members are merged (so
``additionalProperties: false`` closes over the union of members' properties, the
``unevaluatedProperties`` reading); 3.0 boolean ``exclusiveMinimum`` becomes the 3.1 number; a
schema without ``type`` but with ``properties``/``items`` is typed by implication; ``$ref`` is
followed, so a pure rename of an identical target, or inline vs ``$ref``, compares equal.

Public API (written once here, for the walker and for payload validators alike):

* :func:`is_null_schema`, :func:`declared_types`, :func:`is_nullable`, :func:`implied_types`:
  the type a schema object allows, whatever the spelling of "null";
* :func:`numeric_bounds`: bounds with 3.0 boolean ``exclusiveMinimum``/``exclusiveMaximum`` read
  as 3.1 numbers;
* :func:`applies_in` and :func:`required_in`: ``readOnly``/``writeOnly`` by direction (a readOnly
  property is never sent in, nor required of, a request; writeOnly likewise for responses);
* :func:`to_json_schema`: one schema object rewritten as plain JSON Schema 2020-12 for a validator
  (``nullable`` -> ``type`` list, boolean exclusive bounds -> numbers, ``readOnly``/``writeOnly``
  applied for a direction), recursively through subschemas, ``$ref`` left as is;
* :func:`flatten` (``$ref`` followed, ``allOf`` merged into one group), :func:`build_view` and
  :class:`SchemaView` (the merged view the walker compares).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..spec.node import Node

NodeGroup = tuple[Node, ...]

_OBJECT_HINTS = ("properties", "additionalProperties", "required", "patternProperties", "minProperties",
                 "maxProperties", "propertyNames", "dependentRequired", "dependentSchemas",
                 "unevaluatedProperties")
_ARRAY_HINTS = ("items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains", "unevaluatedItems")
_STRING_HINTS = ("minLength", "maxLength", "pattern")
MAX_ALLOF_DEPTH = 32
_BOUND_KEYS = frozenset({"minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "minProperties",
                         "maxProperties", "minContains", "maxContains", "multipleOf", "exclusiveMinimum",
                         "exclusiveMaximum"})


def is_null_schema(value: Any) -> bool:
    """``{type: "null"}``, ``{type: ["null"]}`` or ``{enum: [null]}``: a schema allowing only null."""
    if not isinstance(value, dict):
        return False
    t = value.get("type")
    if t == "null" or t == ["null"]:
        return True
    enum = value.get("enum")
    return isinstance(enum, list) and len(enum) == 1 and enum[0] is None and "type" not in value


_is_null_schema = is_null_schema


def declared_types(value: Any) -> frozenset[str] | None:
    """The non-null types ``type`` names (a string or a 3.1 list); ``None`` when it names none."""
    if not isinstance(value, dict):
        return None
    t = value.get("type")
    if isinstance(t, str):
        tset = {t}
    elif isinstance(t, list):
        tset = {x for x in t if isinstance(x, str)}
    else:
        return None
    tset.discard("null")
    return frozenset(tset) or None


def is_nullable(value: Any) -> bool:
    """Does this schema object (not following ``$ref``) admit null, in any spelling: 3.0
    ``nullable: true``, 3.1 ``type: [T, "null"]``, an ``enum`` holding null, a null member of
    ``oneOf``/``anyOf``?"""
    if not isinstance(value, dict):
        return False
    t = value.get("type")
    if t == "null" or (isinstance(t, list) and "null" in t) or value.get("nullable") is True:
        return True
    enum = value.get("enum")
    if isinstance(enum, list) and any(v is None for v in enum):
        return True
    return any(isinstance(value.get(k), list) and any(is_null_schema(m) for m in value[k]) for k in ("oneOf", "anyOf"))


def implied_types(value: Any) -> frozenset[str]:
    """Types implied by keywords when ``type`` is absent (``properties`` -> object, ``items`` -> array,
    ``pattern`` -> string). Several means the keywords do not agree: no single type is implied."""
    if not isinstance(value, dict):
        return frozenset()
    keys = value.keys()
    out = set()
    if not keys.isdisjoint(_OBJECT_HINTS):
        out.add("object")
    if not keys.isdisjoint(_ARRAY_HINTS):
        out.add("array")
    if not keys.isdisjoint(_STRING_HINTS):
        out.add("string")
    return frozenset(out)


def numeric_bounds(value: Any) -> dict[str, float]:
    """Numeric constraints of one schema object, keyword -> number, 3.0 and 3.1 read alike:
    ``{minimum: 2, exclusiveMinimum: true}`` (3.0) gives ``{"exclusiveMinimum": 2}`` (3.1)."""
    nums: dict[str, float] = {}
    if isinstance(value, dict) and not value.keys().isdisjoint(_BOUND_KEYS):
        _bounds_into(nums, value)
    return nums


def applies_in(value: Any, direction: str) -> bool:
    """Is a property with this schema part of a ``"request"`` or ``"response"`` payload? A readOnly
    property is not sent in requests, a writeOnly one not in responses."""
    if not isinstance(value, dict):
        return True
    if direction == "request":
        return value.get("readOnly") is not True
    if direction == "response":
        return value.get("writeOnly") is not True
    raise UsageError(f"direction must be 'request' or 'response', not {direction!r}")


def required_in(value: Any, direction: str, resolve: Any = None) -> frozenset[str]:
    """The properties an object schema requires in a ``direction``: ``required`` minus the readOnly
    (requests) or writeOnly (responses) ones. ``resolve`` (optional) maps a ``{"$ref": ...}``
    property schema to its target, so flags behind a reference count too."""
    if not isinstance(value, dict) or not isinstance(value.get("required"), list):
        return frozenset()
    props = value.get("properties") if isinstance(value.get("properties"), dict) else {}
    out = set()
    for name in value["required"]:
        if not isinstance(name, str):
            continue
        prop = props.get(name) if isinstance(props, dict) else None
        if resolve is not None and isinstance(prop, dict) and "$ref" in prop:
            prop = resolve(prop)
        if applies_in(prop, direction):
            out.add(name)
    return frozenset(out)


_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SUBSCHEMA_LISTS = ("allOf", "oneOf", "anyOf", "prefixItems")
_SUBSCHEMA_ONE = ("additionalProperties", "items", "not", "if", "then", "else", "contains", "propertyNames",
                  "unevaluatedItems", "unevaluatedProperties", "contentSchema")


def to_json_schema(value: Any, *, openapi_30: bool = False, direction: str | None = None,
                   resolve: Any = None) -> Any:
    """One OpenAPI schema object as plain JSON Schema 2020-12 (a new value; the input is not changed).

    ``openapi_30``: ``nullable: true`` adds ``"null"`` to ``type`` (or, without ``type``, the schema
    admits null alongside what it says: ``anyOf: [{type: null}, rest]``), boolean
    ``exclusiveMinimum``/``exclusiveMaximum`` become numbers, and the 3.0-only keywords are dropped.
    ``direction`` (``"request"``/``"response"``): properties that do not apply there (readOnly in
    requests, writeOnly in responses) are no longer required and, being absent from such payloads,
    are allowed to be missing. ``$ref`` values are kept; ``resolve`` is passed to :func:`required_in`.
    """
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, v in value.items():
        if key in _SUBSCHEMA_MAPS and isinstance(v, dict):
            out[key] = {k: to_json_schema(x, openapi_30=openapi_30, direction=direction, resolve=resolve)
                        for k, x in v.items()}
        elif key in _SUBSCHEMA_LISTS and isinstance(v, list):
            out[key] = [to_json_schema(x, openapi_30=openapi_30, direction=direction, resolve=resolve) for x in v]
        elif key in _SUBSCHEMA_ONE and isinstance(v, (dict, list)):
            out[key] = (to_json_schema(v, openapi_30=openapi_30, direction=direction, resolve=resolve)
                        if isinstance(v, dict) else
                        [to_json_schema(x, openapi_30=openapi_30, direction=direction, resolve=resolve) for x in v])
        else:
            out[key] = v
    if openapi_30:
        for kw, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            flag = out.get(kw)
            if isinstance(flag, bool):
                del out[kw]
                if flag and _num(out.get(bound)) is not None:
                    out[kw] = out.pop(bound)
        if out.pop("nullable", None) is True:
            t = out.get("type")
            if isinstance(t, str):
                out["type"] = [t, "null"]
            elif isinstance(t, list):
                if "null" not in t:
                    out["type"] = [*t, "null"]
            else:
                out = {"anyOf": [{"type": "null"}, out]}
        if isinstance(out.get("items"), list):  # draft-4 tuple form
            out["prefixItems"] = out.pop("items")
    if direction is not None and isinstance(value.get("required"), list):
        keep = required_in(value, direction, resolve)
        target = out["anyOf"][1] if "anyOf" in out and "required" not in out else out
        target["required"] = [n for n in value["required"] if n in keep]
        if not target["required"]:
            del target["required"]
    return out


@dataclass(slots=True, eq=False)
class SchemaView:
    nodes: NodeGroup
    types: frozenset[str] | None = None
    nullable: bool = False
    boolean: bool | None = None  # a boolean schema (true/false)
    properties: dict[str, NodeGroup] = field(default_factory=dict)
    property_order: list[str] = field(default_factory=list)
    required: frozenset[str] = frozenset()
    additional: bool | NodeGroup = True
    pattern_properties: dict[str, NodeGroup] = field(default_factory=dict)
    property_names: NodeGroup | None = None
    items: NodeGroup | None = None
    prefix_items: list[NodeGroup] = field(default_factory=list)
    contains: NodeGroup | None = None
    enum: tuple[Any, ...] | None = None
    extensible_enum: tuple[Any, ...] | None = None
    const: tuple[Any] | None = None  # 1-tuple when present (the value may be None)
    format: str | None = None
    pattern: str | None = None
    numbers: dict[str, float] = field(default_factory=dict)  # keyword -> bound (maximum, minLength, ...)
    unique_items: bool = False
    one_of: list[NodeGroup] = field(default_factory=list)
    any_of: list[NodeGroup] = field(default_factory=list)
    all_of_count: int = 0
    discriminator: dict[str, Any] | None = None
    not_: NodeGroup | None = None
    read_only: bool = False
    write_only: bool = False
    deprecated: bool = False
    default: tuple[Any] | None = None
    if_: NodeGroup | None = None
    then: NodeGroup | None = None
    else_: NodeGroup | None = None
    dependent_required: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dependent_schemas: dict[str, NodeGroup] = field(default_factory=dict)
    unevaluated_properties: bool | NodeGroup | None = None
    unevaluated_items: bool | NodeGroup | None = None
    content: dict[str, Any] = field(default_factory=dict)  # contentEncoding / contentMediaType
    content_schema: NodeGroup | None = None
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def anchor(self) -> Node:
        return self.nodes[0]

    def accepts_type(self, t: str) -> bool:
        if self.types is None:
            return True
        return t in self.types or (t == "integer" and "number" in self.types)


def flatten(group: NodeGroup) -> tuple[NodeGroup, int]:
    """Dereference and expand ``allOf`` recursively. Returns (nodes, allOf member count at top)."""
    out: list[Node] = []
    seen: set[tuple[str, tuple[Any, ...]]] = set()
    top_allof = 0

    def visit(node: Node, depth: int) -> None:
        nonlocal top_allof
        siblings = node.ref_siblings
        target = node.deref()
        if target.key in seen or depth > MAX_ALLOF_DEPTH:
            return
        seen.add(target.key)
        if any(o.file is target.file and o.value == target.value for o in out):
            return  # an identical copy (A and A is A): it must not count as another allOf member
        out.append(target)
        if siblings:
            out.append(Node(node.spec, node.file, node.pointer, siblings))
        value = target.value
        if isinstance(value, dict):
            members = value.get("allOf")
            if isinstance(members, list):
                if depth == 0:
                    top_allof += len(members)
                for i in range(len(members)):
                    child = target.child("allOf", i)
                    if child is not None:
                        visit(child, depth + 1)
            for key in ("oneOf", "anyOf"):
                lone = lone_member(value, key)
                if lone is not None:
                    child = target.child(key, lone)
                    if child is not None:
                        visit(child, depth + 1)

    for n in group:
        visit(n, 0)
    return tuple(out), top_allof


def lone_member(value: dict[str, Any], key: str) -> int | None:
    """Index of the only non-null member of ``oneOf``/``anyOf`` (``[X, {type: null}]`` or ``[X]``)."""
    members = value.get(key)
    if not isinstance(members, list):
        return None
    live = [i for i, m in enumerate(members) if not _is_null_schema(m)]
    return live[0] if len(live) == 1 else None


def alternatives(n: Node) -> Iterator[tuple[str, list[Node]]]:
    """``(keyword, branches)`` of the ``oneOf``/``anyOf`` of schema node ``n`` that are validated as
    alternatives: not a lone member with null (``[X, {type: null}]``: X, merged into the view), and
    only the branches that are not the null schema. The validator and the jsonschema-rs gate walk
    the same ones."""
    value = n.value
    for kw in ("oneOf", "anyOf"):
        if not isinstance(value.get(kw), list) or lone_member(value, kw) is not None:
            continue
        members = n.child(kw)
        assert members is not None
        branches = [m for m in members.elements() if not is_null_schema(m.value)]
        if branches:
            yield kw, branches


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v


def build_view(group: NodeGroup) -> SchemaView:
    nodes, allof_count = flatten(group)
    view = SchemaView(nodes=nodes or group, all_of_count=allof_count)
    types: frozenset[str] | None = None
    implied: set[str] = set()
    required: set[str] = set()
    closed = False
    additional_schema: list[Node] = []

    for node in nodes:
        value = node.value
        if isinstance(value, bool):
            view.boolean = value if view.boolean is None else (view.boolean and value)
            continue
        if not isinstance(value, dict):
            continue
        t = value.get("type")
        if t is not None:
            if t == "null" or (isinstance(t, list) and "null" in t):
                view.nullable = True
            this_or_none = declared_types(value)
            if this_or_none is not None:
                this = this_or_none
                if types is None:
                    types = this
                else:
                    merged = set(types & this)
                    if ("integer" in types and "number" in this) or ("number" in types and "integer" in this):
                        merged.add("integer")
                    types = frozenset(merged)
        if value.get("nullable") is True:
            view.nullable = True
        keys = value.keys()
        implied |= implied_types(value)
        props = node.child("properties")
        if props is not None:
            for name, child in props.items():
                if name not in view.properties:
                    view.property_order.append(name)
                view.properties[name] = (*view.properties.get(name, ()), child)
        req = value.get("required")
        if isinstance(req, list):
            required.update(x for x in req if isinstance(x, str))
        ap = value.get("additionalProperties")
        if ap is False:
            closed = True
        elif isinstance(ap, dict):
            ap_node = node.child("additionalProperties")
            if ap_node is not None:
                additional_schema.append(ap_node)
        pp = node.child("patternProperties")
        if pp is not None:
            for pat, child in pp.items():
                view.pattern_properties[pat] = (*view.pattern_properties.get(pat, ()), child)
        for key, attr in (("propertyNames", "property_names"), ("contains", "contains"), ("not", "not_"),
                          ("if", "if_"), ("then", "then"), ("else", "else_"),
                          ("contentSchema", "content_schema")):
            if key in value:
                kw_node = node.child(key)
                if kw_node is not None:
                    setattr(view, attr, (*(getattr(view, attr) or ()), kw_node))
        if "items" in value:
            items = value["items"]
            if isinstance(items, list):  # draft-4 style tuple validation
                for i in range(len(items)):
                    c = node.child("items", i)
                    if c is not None:
                        view.prefix_items.append((c,))
            else:
                c = node.child("items")
                if c is not None:
                    view.items = (*(view.items or ()), c)
        if isinstance(value.get("prefixItems"), list):
            for i in range(len(value["prefixItems"])):
                c = node.child("prefixItems", i)
                if c is not None:
                    view.prefix_items.append((c,))
        if "enum" in value and isinstance(value["enum"], list):
            vals = value["enum"]
            if any(v is None for v in vals):
                view.nullable = True
            clean = tuple(v for v in vals if v is not None)
            if view.enum is None:
                view.enum = clean
            else:
                view.enum = tuple(v for v in view.enum if v in clean)
        if isinstance(value.get("x-extensible-enum"), list):
            view.extensible_enum = tuple(value["x-extensible-enum"])
        if "const" in value:
            view.const = (value["const"],)
        if isinstance(value.get("format"), str):
            view.format = value["format"]
        if isinstance(value.get("pattern"), str) and value["pattern"]:  # "" is no pattern (oasdiff, kin-openapi)
            view.pattern = value["pattern"]
        if not keys.isdisjoint(_BOUND_KEYS):
            _bounds(view, value)
        if value.get("uniqueItems") is True:
            view.unique_items = True
        for key, target in (("oneOf", view.one_of), ("anyOf", view.any_of)):
            members = value.get(key)
            if isinstance(members, list):
                lone = lone_member(value, key)
                for i, m in enumerate(members):
                    if _is_null_schema(m):
                        view.nullable = True
                        continue
                    if i == lone:
                        continue  # merged like an allOf member by flatten()
                    c = node.child(key, i)
                    if c is not None:
                        target.append((c,))
        if isinstance(value.get("discriminator"), dict):
            view.discriminator = value["discriminator"]
        if value.get("readOnly") is True:
            view.read_only = True
        if value.get("writeOnly") is True:
            view.write_only = True
        if value.get("deprecated") is True:
            view.deprecated = True
        if "default" in value:
            view.default = (value["default"],)
        dr = value.get("dependentRequired")
        if isinstance(dr, dict):
            for k, v in dr.items():
                if isinstance(v, list):
                    view.dependent_required[str(k)] = tuple(sorted(str(x) for x in v))
        ds = node.child("dependentSchemas")
        if ds is not None:
            for k, c in ds.items():
                view.dependent_schemas[k] = (*view.dependent_schemas.get(k, ()), c)
        for key, attr in (("unevaluatedProperties", "unevaluated_properties"), ("unevaluatedItems", "unevaluated_items")):
            if key in value:
                uv = value[key]
                if isinstance(uv, bool):
                    setattr(view, attr, uv)
                else:
                    c = node.child(key)
                    if c is not None:
                        setattr(view, attr, (c,))
        for key in ("contentEncoding", "contentMediaType"):
            if isinstance(value.get(key), str):
                view.content[key] = value[key]
        for key, v in value.items():
            if isinstance(key, str) and key in ("x-stability-level", "x-sunset"):
                view.extensions[key] = v

    if types is None and implied and not view.one_of and not view.any_of:
        types = frozenset(implied) if len(implied) == 1 else None
    view.types = types
    view.required = frozenset(required)
    if closed:
        view.additional = False
    elif additional_schema:
        view.additional = tuple(additional_schema)
    return view


def _bounds(view: SchemaView, value: dict[str, Any]) -> None:
    _bounds_into(view.numbers, value)


def _bounds_into(nums: dict[str, float], value: dict[str, Any]) -> None:
    tighter_is_lower = ("maximum", "maxLength", "maxItems", "maxProperties", "maxContains", "exclusiveMaximum")
    for key in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "minProperties",
                "maxProperties", "minContains", "maxContains", "multipleOf"):
        n = _num(value.get(key))
        if n is None:
            continue
        if key in ("minimum", "maximum") and value.get("exclusive" + key[:1].upper() + key[1:]) is True:
            key = "exclusiveMinimum" if key == "minimum" else "exclusiveMaximum"
        _merge_bound(nums, key, n, key in tighter_is_lower)
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        n = _num(value.get(key))
        if n is not None:
            _merge_bound(nums, key, n, key in tighter_is_lower)


def _merge_bound(nums: dict[str, float], key: str, n: float, lower_is_tighter: bool) -> None:
    if key not in nums or key == "multipleOf":
        nums[key] = n
    else:
        nums[key] = min(nums[key], n) if lower_is_tighter else max(nums[key], n)
