"""Inferred operations -> OpenAPI 3.1 / 3.0 documents and standalone JSON Schemas."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ..errors import UsageError
from .derive import X
from .views import InferredOperation, InferredParameter

__all__ = ["JSON_SCHEMA_DIALECT", "build_json_schemas", "build_openapi", "to_oas30_schema"]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_IGNORED_REQUEST_HEADERS = frozenset({"accept", "content-type", "authorization"})

_TYPE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "string": ("format", "minLength", "maxLength", "pattern"),
    "integer": ("format", "minimum", "maximum"),
    "number": ("format", "minimum", "maximum"),
    "boolean": (),
    "array": ("items", "minItems", "maxItems"),
    "object": ("properties", "required", "additionalProperties", "minProperties", "maxProperties"),
}


def _operation_id(method: str, template: str, used: set[str]) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", template) if w]
    base = method.lower() + "".join(w[:1].upper() + w[1:] for w in words)
    name, i = base, 2
    while name in used:
        name, i = f"{base}{i}", i + 1
    used.add(name)
    return name


def to_oas30_schema(schema: Any) -> Any:
    """Rewrite a 2020-12 schema into the OpenAPI 3.0 dialect (``nullable``, single ``type``,
    ``example``, no ``const`` / ``propertyNames``)."""
    if isinstance(schema, list):
        return [to_oas30_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if k in ("$schema", "propertyNames", "$id"):
            continue
        if k in ("properties",):
            out[k] = {p: to_oas30_schema(s) for p, s in v.items()}
        elif k in ("items", "additionalProperties", "not"):
            out[k] = to_oas30_schema(v)
        elif k in ("oneOf", "anyOf", "allOf"):
            out[k] = [to_oas30_schema(s) for s in v]
        elif k == "examples":
            if v:
                out["example"] = v[0]
        elif k == "const":
            out["enum"] = [v]
        else:
            out[k] = v
    t = out.get("type")
    if isinstance(t, list) or t == "null":
        types = [t] if isinstance(t, str) else list(t)
        nullable = "null" in types
        real = [x for x in types if x != "null"]
        del out["type"]
        if nullable:
            out["nullable"] = True
        if len(real) == 1:
            out["type"] = real[0]
        elif len(real) > 1:
            branches = []
            for x in real:
                br: dict[str, Any] = {"type": x}
                for kw in _TYPE_KEYWORDS.get(x, ()):
                    if kw in out:
                        br[kw] = out[kw]
                branches.append(br)
            for x in real:
                for kw in _TYPE_KEYWORDS.get(x, ()):
                    out.pop(kw, None)
            out["anyOf"] = branches
        elif nullable and "enum" not in out:
            out["enum"] = [None]
    return out


def _identity(schema: Any) -> Any:
    return schema


def _param_obj(p: InferredParameter, conv: Callable[[Any], Any]) -> dict[str, Any]:
    obj: dict[str, Any] = {"name": p.name, "in": p.location, "required": p.required or p.location == "path",
                           "schema": conv(dict(p.schema))}
    if p.location == "query" and p.schema.get("type") == "array":
        obj["style"], obj["explode"] = "form", True
    obj[X] = {"samples": p.count, "presence": p.presence}
    return obj


def build_openapi(operations: Iterable[InferredOperation], *, version: str = "3.1", title: str = "Inferred API",
                  total: int | None = None) -> dict[str, Any]:
    """An OpenAPI document (``version`` ``"3.1"`` or ``"3.0"``) describing the observed operations."""
    if version not in ("3.1", "3.0"):
        raise UsageError(f"unsupported OpenAPI version {version!r} (use 3.1 or 3.0)")
    conv: Callable[[Any], Any] = _identity if version == "3.1" else to_oas30_schema
    paths: dict[str, Any] = {}
    used: set[str] = set()
    skipped: list[str] = []
    count = 0
    for op in operations:
        method = op.method.lower()
        if method not in _METHODS:
            skipped.append(op.key)
            continue
        count += op.count
        item = paths.setdefault(op.template, {})
        o: dict[str, Any] = {"operationId": _operation_id(method, op.template, used)}
        params = [_param_obj(p, conv) for p in op.parameters
                  if not (p.location == "header" and p.name.lower() in _IGNORED_REQUEST_HEADERS)]
        if params:
            o["parameters"] = params
        if op.request_bodies:
            o["requestBody"] = {
                "required": op.request_body_required,
                "content": {b.media_type: {"schema": conv(dict(b.schema))} for b in op.request_bodies},
                X: {"samples": sum(b.count for b in op.request_bodies), "kinds": _kinds(op.request_bodies)},
            }
        responses: dict[str, Any] = {}
        for r in op.responses:
            resp: dict[str, Any] = {"description": f"Observed {r.count} time(s)"}
            headers = {h.name: {"required": h.required, "schema": conv(dict(h.schema)),
                                X: {"samples": h.count, "presence": h.presence}}
                       for h in r.headers if h.name.lower() != "content-type"}
            if headers:
                resp["headers"] = headers
            if r.bodies:
                resp["content"] = {b.media_type: {"schema": conv(dict(b.schema))} for b in r.bodies}
            resp[X] = {"samples": r.count, "empty": r.empty}
            responses[r.status] = resp
        if not responses:
            responses["default"] = {"description": "No response was observed"}
        o["responses"] = responses
        o[X] = {"samples": op.count, "matched": op.matched}
        item[method] = o
    doc: dict[str, Any] = {
        "openapi": "3.1.0" if version == "3.1" else "3.0.3",
        "info": {"title": title, "version": "inferred",
                 "description": "Inferred by contractdrift from recorded traffic. Evidence is under x-contractdrift."},
    }
    if version == "3.1":
        doc["jsonSchemaDialect"] = JSON_SCHEMA_DIALECT
    doc["paths"] = {t: paths[t] for t in sorted(paths)}
    ext: dict[str, Any] = {"exchanges": total if total is not None else count}
    if skipped:
        ext["skippedOperations"] = sorted(skipped)
    doc[X] = ext
    return doc


def _kinds(bodies: Iterable[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for b in bodies:
        for k, v in b.kinds.items():
            out[k] = out.get(k, 0) + v
    return dict(sorted(out.items()))


def build_json_schemas(operations: Iterable[InferredOperation]) -> dict[str, Any]:
    """``{"GET /users/{id}": {"request": {media: schema}, "responses": {"200": {media: schema}}}}``,
    each leaf a standalone 2020-12 JSON Schema."""
    out: dict[str, Any] = {}
    for op in operations:
        entry: dict[str, Any] = {}
        if op.request_bodies:
            entry["request"] = {b.media_type: {"$schema": JSON_SCHEMA_DIALECT, **b.schema} for b in op.request_bodies}
        responses = {
            r.status: {b.media_type: {"$schema": JSON_SCHEMA_DIALECT, **b.schema} for b in r.bodies}
            for r in op.responses if r.bodies
        }
        if responses:
            entry["responses"] = responses
        out[op.key] = entry
    return dict(sorted(out.items()))
