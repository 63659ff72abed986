"""Parameter values read back from concrete traffic by their ``style``/``explode``.

The serialization facts (defaults by location) are :func:`.shapes.parameter_serialization`;
:func:`deserialize` turns the raw text(s) sent for it into the JSON value its schema describes
(``form`` arrays, ``deepObject``, ``pipeDelimited``/``spaceDelimited``, ``label``/``matrix`` path
styles, ``simple`` headers), and :func:`coerce` converts strings to the scalar types the schema
names, leaving them as strings when they do not parse (so the validator reports the mismatch).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .node import Node
from .shapes import parameter_serialization

__all__ = [
    "coerce",
    "coerce_scalar",
    "deserialize",
    "form_object",
    "part_content_type",
    "property_schema",
    "schema_types",
]
_INT = re.compile(r"-?\d+\Z")
_MAX_DEPTH = 32


def schema_types(node: Node | None, _depth: int = 0) -> set[str]:
    """The JSON types a schema admits, looking through ``$ref`` and composition (empty: any)."""
    if node is None or _depth > _MAX_DEPTH:
        return set()
    node = node.deref()
    value = node.value
    if not isinstance(value, dict):
        return set()
    t = value.get("type")
    if isinstance(t, str):
        out = {t}
    elif isinstance(t, list):
        out = {x for x in t if isinstance(x, str)}
    else:
        out = set()
        for key in ("allOf", "anyOf", "oneOf"):
            members = node.child(key)
            if members is not None:
                for m in members.elements():
                    out |= schema_types(m, _depth + 1)
        if not out:
            if "properties" in value or "additionalProperties" in value:
                out = {"object"}
            elif "items" in value:
                out = {"array"}
    if value.get("nullable") is True:
        out.add("null")
    return out


def _sub(node: Node | None, *path: str) -> Node | None:
    if node is None:
        return None
    return node.deref().child(*path)


def _property_schema(node: Node | None, name: str, _depth: int = 0) -> Node | None:
    if node is None or _depth > _MAX_DEPTH:
        return None
    node = node.deref()
    found = node.child("properties", name)
    if found is not None:
        return found
    for key in ("allOf", "anyOf", "oneOf"):
        members = node.child(key)
        if members is not None:
            for m in members.elements():
                hit = _property_schema(m, name, _depth + 1)
                if hit is not None:
                    return hit
    extra = node.child("additionalProperties")
    return extra if extra is not None and isinstance(extra.value, dict) else None


def property_schema(node: Node | None, name: str) -> Node | None:
    """The schema of property ``name`` of an object schema, looking through ``$ref`` and composition,
    then ``additionalProperties`` (``None``: not described)."""
    return _property_schema(node, name)


def coerce_scalar(text: str, types: frozenset[str] | set[str]) -> Any:
    """A scalar string as one of the scalar JSON ``types`` (unchanged when none parses)."""
    if not types or "string" in types:
        return text
    if "integer" in types and _INT.match(text):
        return int(text)
    if "number" in types:
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if number == number and number not in (float("inf"), float("-inf")):
                return int(text) if _INT.match(text) else number
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "null" in types and text in ("", "null"):
        return None
    return text


def coerce(text: Any, node: Node | None, _depth: int = 0) -> Any:
    """A string from a URL or header as the schema's type: ``"5"`` -> ``5`` under ``integer``,
    ``"true"`` -> ``True`` under ``boolean``; arrays and objects coerced item by item."""
    if _depth > _MAX_DEPTH:
        return text
    if isinstance(text, list):
        items = _sub(node, "items")
        return [coerce(x, items, _depth + 1) for x in text]
    if isinstance(text, dict):
        return {k: coerce(v, _property_schema(node, k), _depth + 1) for k, v in text.items()}
    if not isinstance(text, str):
        return text
    return coerce_scalar(text, schema_types(node))


def _pairs_to_object(parts: Sequence[str]) -> dict[str, str]:
    return {parts[i]: parts[i + 1] if i + 1 < len(parts) else "" for i in range(0, len(parts), 2)}


def _split_kv(parts: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in parts:
        key, _, value = part.partition("=")
        out[key] = value
    return out


def deserialize(param: Mapping[str, Any], values: Sequence[str], schema: Node | None,
                query: Mapping[str, Sequence[str]] | None = None) -> tuple[Any, set[str]]:
    """The value of a parameter from the raw, percent-decoded strings sent for it.

    ``values``: every value sent under the parameter's name (query/cookie may repeat; path and header
    send one). ``query``: the whole query (name -> values), needed by ``deepObject`` and exploded
    ``form`` objects, whose keys are not the parameter's name. Returns the value (coerced to the
    schema's types) and the query names it consumed.
    """
    name = str(param.get("name", ""))
    location = str(param.get("in", "query"))
    serialization = parameter_serialization(location, param)
    style, explode = serialization.style or "form", serialization.explode
    types = schema_types(schema)
    kind = "array" if types == {"array"} or types == {"array", "null"} else (
        "object" if types == {"object"} or types == {"object", "null"} else "primitive")
    used = {name} if values else set()
    raw: Any
    if location == "query" and style == "deepObject" and query is not None:
        prefix = name + "["
        obj: dict[str, Any] = {}
        for key, vals in query.items():
            if key.startswith(prefix) and key.endswith("]"):
                obj[key[len(prefix):-1]] = vals[-1] if len(vals) == 1 else list(vals)
                used.add(key)
        if not obj:
            return None, set()
        return coerce(obj, schema), used
    if location in ("query", "cookie") and kind == "object" and style == "form" and explode and query is not None:
        props = schema.deref().get("properties") if schema is not None else None
        obj = {}
        for key in props or {}:
            if key in query:
                vals = query[key]
                obj[key] = vals[-1]
                used.add(key)
        if not obj:
            return None, set()
        return coerce(obj, schema), used
    if not values:
        return None, set()
    text = values[-1]
    if location == "path" and style == "label":
        text = text[1:] if text.startswith(".") else text
        parts = text.split("." if explode else ",") if text else []
        raw = _shape(kind, parts, explode, "=")
    elif location == "path" and style == "matrix":
        segs = [s for s in text.split(";") if s]
        if kind == "array" and explode:
            raw = [s.partition("=")[2] for s in segs]
        elif kind == "object" and explode:
            raw = _split_kv(segs)
        else:
            first = segs[0].partition("=")[2] if segs else ""
            raw = _shape(kind, first.split(",") if first else [], False, "=")
    elif kind == "array":
        if location in ("query", "cookie") and style == "form" and explode:
            raw = list(values)
        else:
            sep = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
            raw = [p for v in values for p in (v.split(sep) if v else [])]
    elif kind == "object":
        parts = text.split(",") if text else []
        raw = _shape(kind, parts, explode, "=")
    else:
        raw = text
    return coerce(raw, schema), used


def _shape(kind: str, parts: Sequence[str], explode: bool, kv: str) -> Any:
    if kind == "array":
        return list(parts)
    if kind == "object":
        return _split_kv(parts) if explode else _pairs_to_object(parts)
    return ",".join(parts) if len(parts) != 1 else parts[0]


def form_object(fields: Mapping[str, Sequence[str]], schema: Node | None,
                encoding: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The object a form sends (``application/x-www-form-urlencoded`` fields, or the text parts of a
    ``multipart/form-data`` body): each field's values (in order, repeated names repeat) deserialized
    by its ``encoding`` entry's ``style``/``explode`` (default ``form``, exploded) and coerced to its
    property's schema, as query parameters are."""
    enc = encoding or {}
    out: dict[str, Any] = {}
    for name, values in fields.items():
        entry = enc.get(name)
        e: Mapping[str, Any] = entry if isinstance(entry, Mapping) else {}
        style = e.get("style", "form")
        param = {"name": name, "in": "query", "style": style, "explode": e.get("explode", style == "form")}
        out[name], _ = deserialize(param, values, _property_schema(schema, name), fields)
    return out


def part_content_type(schema: Node | None, _depth: int = 0) -> str:
    """The default ``contentType`` of a ``multipart`` part (OpenAPI's Encoding Object) for the schema
    of its property: ``application/json`` for an object; for a string ``application/octet-stream``
    under ``format: binary`` (3.0) or ``contentEncoding`` (3.1), its ``contentMediaType`` (3.1); an
    array's is its items'; ``text/plain`` for other primitives and undescribed properties."""
    if schema is None or _depth > _MAX_DEPTH:
        return "text/plain"
    node = schema.deref()
    value = node.value if isinstance(node.value, dict) else {}
    types = schema_types(node) - {"null"}
    if types == {"array"}:
        return part_content_type(node.child("items"), _depth + 1)
    if types == {"object"}:
        return "application/json"
    media = value.get("contentMediaType")
    if isinstance(media, str) and media.strip():
        return media.strip()
    if value.get("format") == "binary" or isinstance(value.get("contentEncoding"), str):
        return "application/octet-stream"
    return "text/plain"
