"""Traffic against client expectations (comparison 2 of issue 9), on the traffic checker.

The client's interactions become one OpenAPI document -- the *client's contract*: per method and
path (the spec's template when a spec routes the interaction, else the interaction's own path), the
request the client said it sends (its compiled request schema, its query parameters) and, per
status, the response it accepts (compiled schemas; several interactions on one operation and status
are alternatives: ``anyOf``). The same :class:`~.traffic.SpecChecker` that checks traffic against a
spec then checks every recorded exchange against it, so findings keep the ``check`` vocabulary and
aggregation; :func:`relocate` points them back into the Pact file (the matcher that made the
constraint) and names the client.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..expect.model import SOURCE_KEY, Expectations, Interaction
from ..model import Finding, SourcePosition, SpecLocation, from_rfc6901
from ..spec.normalize import operations
from ..spec.routes import RouteTable, base_paths_from_servers
from .expect import ExpectDoc

FILE_KEY = "x-expect-file"
#: exchanges no interaction describes: counted, not findings (another client may call them)
UNCOVERED = frozenset({"api-path-undocumented", "api-method-undocumented"})


def spec_router(spec: Any) -> Callable[[str], str | None]:
    """A concrete path -> the spec's template (``None`` when no operation matches)."""
    ops = operations(spec, spec.root)
    data = spec.root.data if isinstance(spec.root.data, Mapping) else {}
    servers = data.get("servers")
    table = RouteTable([op.path for op in ops.values()],
                       base_paths_from_servers(servers if isinstance(servers, list) else None))

    def route(path: str) -> str | None:
        hit = table.match(path.split("?", 1)[0])
        return hit.template if hit is not None else None

    return route


def _tag(schema: Mapping[str, Any], source: str) -> dict[str, Any]:
    return {**schema, FILE_KEY: source}


def _alternatives(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    unique: list[dict[str, Any]] = []
    for s in schemas:
        if s not in unique:
            unique.append(s)
    return unique[0] if len(unique) == 1 else {"anyOf": unique}


def client_contract(exp: Expectations, route: Callable[[str], str | None] | None = None) -> dict[str, Any]:
    """The client's contract as an OpenAPI 3.1 document (compiled schemas, ``x-expect`` kept)."""
    ops: dict[tuple[str, str], list[Interaction]] = {}
    for inter in exp.interactions:
        path = inter.request.path.split("?", 1)[0]
        template = inter.operation.split(" ", 1)[1] if inter.operation else (route(path) if route else None)
        ops.setdefault((template or path, inter.request.method.lower()), []).append(inter)
    paths: dict[str, dict[str, Any]] = {}
    for (template, method), inters in sorted(ops.items()):
        op: dict[str, Any] = {"responses": {}}
        params: dict[str, dict[str, Any]] = {}
        for inter in inters:
            for q in inter.request.query:
                params.setdefault(q.name, {"name": q.name, "in": "query",
                                           "schema": _tag({"type": "string"}, inter.source.name)})
        for name in _names(template):
            params.setdefault("{" + name + "}", {"name": name, "in": "path", "required": True,
                                                 "schema": {"type": "string"}})
        if params:
            op["parameters"] = list(params.values())
        bodies: dict[str, list[dict[str, Any]]] = {}
        for inter in inters:
            b = inter.request.body
            if b is not None and b.schema is not None:
                bodies.setdefault(_media(b.content_type), []).append(_tag(b.schema, inter.source.name))
        if bodies:
            op["requestBody"] = {"content": {ct: {"schema": _alternatives(s)} for ct, s in bodies.items()}}
        by_status: dict[str, list[Interaction]] = {}
        for inter in inters:
            r = inter.response
            key = r.status_class.upper() if r.status_class and len(r.status_class) == 3 else (
                "default" if r.status_class == "default" else str(r.statuses[0]) if r.statuses else "default")
            by_status.setdefault(key, []).append(inter)
        for status, group in sorted(by_status.items()):
            resp: dict[str, Any] = {"description": "; ".join(sorted({i.description for i in group}))[:200]}
            content: dict[str, list[dict[str, Any]]] = {}
            headers: dict[str, Any] = {}
            for inter in group:
                b = inter.response.body
                if b is not None:
                    schema = b.schema if b.schema is not None else {}
                    content.setdefault(_media(b.content_type), []).append(_tag(schema, inter.source.name))
                for h in inter.response.headers:
                    if h.name.lower() != "content-type":
                        headers.setdefault(h.name, {"schema": _tag(h.schema, inter.source.name)})
            if content:
                resp["content"] = {ct: {"schema": _alternatives(s)} for ct, s in content.items()}
            if headers:
                resp["headers"] = headers
            op["responses"][status] = resp
        paths.setdefault(template, {})[method] = op
    consumers = sorted({i.consumer for i in exp.interactions if i.consumer})
    return {"openapi": "3.1.0", "info": {"title": "client expectations: " + (", ".join(consumers) or "client"),
                                        "version": "1"}, "paths": paths}


def _names(template: str) -> list[str]:
    import re

    return re.findall(r"\{([^{}/]+)\}", template)


def _media(ct: str | None) -> str:
    return (ct or "application/json").split(";", 1)[0].strip().lower()


def relocate(findings: Iterable[Finding], contract: Mapping[str, Any], docs: Mapping[str, ExpectDoc],
             consumers: str) -> tuple[list[Finding], int]:
    """Point findings into the expectation files and name the client; drop (and count) exchanges
    that no interaction describes."""
    out: list[Finding] = []
    uncovered = 0
    for f in findings:
        if f.rule_id in UNCOVERED:
            uncovered += f.evidence.observed if f.evidence is not None else 1
            continue
        loc = f.location
        revision = loc.revision
        if revision is not None:
            revision = _expect_location(contract, revision.pointer, docs) or revision
        args = {**f.args, "versus": "client expectations", "consumer": consumers}
        out.append(dataclasses.replace(f, args=args, location=dataclasses.replace(loc, revision=revision)))
    return out, uncovered


def _expect_location(contract: Mapping[str, Any], pointer: str, docs: Mapping[str, ExpectDoc]) -> SpecLocation | None:
    value: Any = contract
    best: str | None = None
    source: str | None = None
    for part in from_rfc6901(pointer):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and str(part).isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            break
        if isinstance(value, dict):
            if isinstance(value.get(FILE_KEY), str):
                source = value[FILE_KEY]
            if isinstance(value.get(SOURCE_KEY), str):
                best = value[SOURCE_KEY]
    if best is None or source is None or source not in docs:
        return None
    found = docs[source].locate(docs[source].root, from_rfc6901(best))
    return SpecLocation(found.pointer, found.position if isinstance(found.position, SourcePosition) else None)
