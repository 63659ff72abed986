"""Driver: client expectations vs the spec, no traffic (``contractdrift check --spec S --expect P``).

For every interaction: the operation exists (``servers`` base paths, partial segments), the status
is declared (``2XX`` ranges, ``default``), content types agree (with ``Accept`` negotiation),
parameters, headers and security requirements are met, and the bodies are compared schema against
schema with the direction-aware :class:`~.walk.SchemaWalker`:

* request: the client's compiled request is the producer (base), the spec's request schema the
  consumer (revision) — the walker's request side;
* response: the spec's response schema is the producer (revision), the client's compiled
  expectation the consumer (base) — the walker's response side.

The walker reports relative changes; :func:`classify` turns each into a verdict of the ``expect``
family (:mod:`.expect_rules`): an error when the spec contradicts the client, a warning when it
merely allows what breaks it, nothing when the difference cannot hurt this client.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..expect.model import SOURCE_KEY, Body, Expectations, ExpectSource, Interaction, Note
from ..model import Finding, Pointer, Side, SourcePosition, SpecLocation, from_rfc6901, to_rfc6901
from ..spec.node import Node
from ..spec.normalize import Operation, Parameter, normalize_path, operations
from ..spec.positions import JsonPositions
from ..spec.routes import RouteTable, base_paths_from_servers
from ..spec.shapes import (
    effective_security,
    header_map,
    match_media_type,
    match_status,
    media_covers,
    media_key,
    media_map,
    responses,
    security_requirements,
)
from . import expect_rules  # noqa: F401  (registers the family)
from . import rules as R
from .emit import Emitter
from .schema_view import SchemaView
from .walk import ITEMS, Change, SchemaWalker

_STANDARD_REQUEST_HEADERS = frozenset({
    "accept", "accept-charset", "accept-encoding", "accept-language", "authorization", "cache-control",
    "connection", "content-length", "content-type", "cookie", "date", "expect", "forwarded", "from", "host",
    "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "max-forwards", "origin",
    "pragma", "proxy-authorization", "range", "referer", "te", "trailer", "transfer-encoding", "upgrade",
    "user-agent", "via", "warning",
})
_STANDARD_RESPONSE_HEADERS = frozenset({
    "content-type", "content-length", "date", "connection", "transfer-encoding", "server", "vary",
    "cache-control", "expires", "pragma", "access-control-allow-origin", "access-control-allow-headers",
    "access-control-allow-methods", "access-control-allow-credentials", "access-control-expose-headers",
    "keep-alive", "strict-transport-security", "x-content-type-options", "x-frame-options",
})
_NOTE_RULES = {"interaction-not-checked": "expect-not-checked", "body-not-checked": "expect-not-checked",
               "no-pacts-found": "expect-broker-no-pacts"}


# -- expectation documents as the engine sees them -----------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class _File:
    """A document the walker can hold nodes of: the expectation file itself, or one compiled schema."""

    uri: str
    display: str
    data: Any
    compiled: bool  # a compiled tree: locations come from its `x-expect` annotations


class ExpectDoc:
    """The :class:`~contractdrift.spec.node.SpecLike` of one expectation source: positions in the
    file (JSON), local ``$ref`` of JSON Schema expectation files, and the locations of compiled nodes
    (the matcher or example that made them)."""

    def __init__(self, source: ExpectSource) -> None:
        self.source = source
        text = source.text
        self._positions = JsonPositions(text) if text and text.lstrip().startswith("{") else None
        self._data: Any = None
        self.root = _File(source.name, source.name, None, False)

    def data(self) -> Any:
        if self._data is None and self.source.text:
            try:
                self._data = json.loads(self.source.text)
            except ValueError:
                import yaml

                self._data = yaml.safe_load(self.source.text)
        return self._data

    def compiled(self, schema: Any, pointer: str) -> Node:
        return Node(self, _File(f"{self.source.name}#{pointer}", self.source.name, schema, True), (), schema)

    def at(self, pointer: str) -> Node:
        return Node(self, self.root, from_rfc6901(pointer), None)

    def resolve(self, ref: str, *, base: Any, at: Pointer | None = None) -> tuple[Any, Pointer, Any]:
        if not ref.startswith("#") or self.source.kind != "json-schema":
            raise InputError(f"cannot resolve $ref {ref!r} in an expectation", file=self.source.name)
        pointer = from_rfc6901(ref[1:])
        value = self.data()
        for part in pointer:
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and str(part).isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                raise InputError(f"$ref {ref!r} names nothing", file=self.source.name)
        return self.root, pointer, value

    def locate(self, file: Any, pointer: Pointer) -> SpecLocation:
        text_pointer = _source_pointer(file, pointer, tail=self.source.kind == "json-schema") if (
            isinstance(file, _File) and file.compiled) else to_rfc6901(pointer)
        position = None
        if self._positions is not None:
            parts = from_rfc6901(text_pointer)
            while True:
                found = self._positions.locate(parts)
                if found is not None or not parts:
                    break
                parts = parts[:-1]
            if found is not None:
                position = SourcePosition(self.source.name, found[0], found[1])
        return SpecLocation(text_pointer, position)


def _source_pointer(file: _File, pointer: Pointer, *, tail: bool) -> str:
    """The deepest ``x-expect`` on the way to ``pointer`` in a compiled tree (plus the rest of the
    way for JSON Schema files, whose compiled tree *is* the file's schema)."""
    value = file.data
    best = value.get(SOURCE_KEY, "") if isinstance(value, dict) else ""
    rest: list[Any] = []
    for part in pointer:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            break
        rest.append(part)
        if isinstance(value, dict) and isinstance(value.get(SOURCE_KEY), str):
            best, rest = value[SOURCE_KEY], []
    return best + (to_rfc6901(tuple(rest)) if tail and rest else "")


# -- the driver -------------------------------------------------------------------------------------------


class ExpectCheck:
    """One comparison of expectations with a loaded spec. ``run()`` returns the findings."""

    def __init__(self, spec: Any, expectations: Expectations) -> None:
        self.spec = spec
        self.expectations = expectations
        self.root = Node(spec, spec.root, (), spec.root.data)
        self.emitter = Emitter()
        self.walkers = {side: SchemaWalker(side) for side in (Side.REQUEST, Side.RESPONSE)}
        self.ops = operations(spec, spec.root)
        self.by_path: dict[tuple[str, str], Operation] = {
            (op.method.lower(), normalize_path(op.path)): op for op in self.ops.values()}
        servers = spec.root.data.get("servers") if isinstance(spec.root.data, dict) else None
        self.routes = RouteTable([op.path for op in self.ops.values()],
                                 base_paths_from_servers(servers if isinstance(servers, list) else None))
        self.docs: dict[str, ExpectDoc] = {}
        self.checked = 0
        #: consumer -> the spec operations its interactions rely on (the client's view, for coverage)
        self.relied: dict[str, set[str]] = {}

    @property
    def findings(self) -> list[Finding]:
        return self.emitter.findings

    @property
    def warnings(self) -> list[str]:
        return self.emitter.warnings

    def doc(self, source: ExpectSource) -> ExpectDoc:
        d = self.docs.get(source.name)
        if d is None:
            d = self.docs[source.name] = ExpectDoc(source)
        return d

    def run(self) -> list[Finding]:
        for note in self.expectations.notes:
            self._note(note)
        for inter in self.expectations.interactions:
            self.interaction(inter)
        return self.findings

    def _note(self, note: Note) -> None:
        rid = _NOTE_RULES.get(note.code, "expect-matcher-inexact")
        src = next((s for s in self.expectations.sources if s.name == note.source), None)
        base = self.doc(src).at(note.pointer) if src is not None else None
        self.emitter.add(rid, op=None, side=Side.NONE, base=base, rev=None,
                         args={"message": note.message, "interaction": note.interaction, "code": note.code})

    # -- one interaction ----------------------------------------------------------------------------------
    def _args(self, inter: Interaction, **more: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"interaction": inter.description}
        if inter.consumer:
            out["consumer"] = inter.consumer
        if inter.provider_states:
            out["provider_states"] = list(inter.provider_states)
        out.update(more)
        return out

    def interaction(self, inter: Interaction) -> None:
        doc = self.doc(inter.source)
        where = doc.at(inter.pointer)
        req = inter.request
        method = req.method.lower()
        op: Operation | None = None
        params: Mapping[str, str] = {}
        if inter.operation is not None:
            op = self.by_path.get((method, normalize_path(self.routes.strip_base(req.path))))
        if op is None:
            hit = self.routes.match(req.path.split("?", 1)[0])
            if hit is not None:
                op = self.by_path.get((method, normalize_path(hit.template)))
                params = hit.params if inter.operation is None else {}
        if op is None:
            self.emitter.add("expect-operation-unknown", op=f"{req.method} {req.path}", side=Side.NONE, base=where,
                             rev=self.root.child("paths") or self.root,
                             args=self._args(inter, method=req.method, path=req.path))
            return
        self.checked += 1
        label = op.label
        self.relied.setdefault(inter.consumer or inter.source.name, set()).add(label)
        status, resp_node = self._status(inter, op, where, label)
        if req.described:
            self._parameters(inter, op, params, doc, label)
            self._security(inter, op, where, label)
            self._request_body(inter, op, doc, where, label)
        if resp_node is not None and status is not None:
            self._accept(inter, resp_node, where, label, status)
            self._response(inter, resp_node, doc, where, label, status)

    # -- status ----------------------------------------------------------------------------------------
    def _status(self, inter: Interaction, op: Operation, where: Node, label: str) -> tuple[str | None, Node | None]:
        declared = responses(op.node)
        resp = inter.response
        cls = resp.status_class
        key: str | None = None
        shown = str(resp.statuses[0]) if resp.statuses else "?"
        if cls is not None and cls.upper() in declared:
            key, shown = cls.upper(), cls.upper()
        elif cls == "default" and "default" in declared:
            key, shown = "default", "default"
        elif len(resp.statuses) > 1:
            shown = cls or shown
            hits = [match_status(s, declared) for s in resp.statuses]
            exact = [h for h in hits if h is not None and h != "default"]
            key = exact[0] if exact else ("default" if "default" in declared else None)
        elif resp.statuses:
            key = match_status(resp.statuses[0], declared)
        responses_node = op.node.child("responses") or op.node
        if key is None:
            self.emitter.add("expect-response-status-unknown", op=label, side=Side.RESPONSE, status=shown,
                             base=where, rev=responses_node, args=self._args(inter, status=shown))
            return None, None
        if key == "default" and cls != "default":
            self.emitter.add("expect-response-status-default", op=label, side=Side.RESPONSE, status=shown,
                             base=where, rev=declared["default"], args=self._args(inter, status=shown))
        return key, declared[key]

    # -- parameters, headers, security ------------------------------------------------------------------
    def _parameters(self, inter: Interaction, op: Operation, path_values: Mapping[str, str], doc: ExpectDoc,
                    label: str) -> None:
        req = inter.request
        sent = {"query": {v.name: v for v in req.query}, "header": {v.name.lower(): v for v in req.headers}}
        credentials = self._credential_names(op)
        declared: set[tuple[str, str]] = set()
        for p in op.parameters.values():
            loc = p.location
            if loc == "path":
                value = path_values.get(p.name)
                if value is not None:
                    self._check_value(inter, p, value, doc.at(inter.pointer + "/request/path"), label,
                                      "expect-request-path-parameter-incompatible")
                continue
            if loc not in sent:
                continue  # cookies: Pact has no cookie category (a Cookie header is passed as a header)
            name = p.name.lower() if loc == "header" else p.name
            declared.add((loc, name))
            got = sent[loc].get(name)
            if got is None:
                if p.required:
                    self.emitter.add("expect-request-parameter-missing", op=label, side=Side.REQUEST,
                                     base=doc.at(inter.pointer), rev=p.node,
                                     args=self._args(inter, **{"in": loc, "name": p.name}))
                continue
            for value in got.examples or ():
                if self._check_value(inter, p, value, doc.at(got.pointer), label,
                                     "expect-request-parameter-incompatible"):
                    break
            schema = p.schema()
            if not got.examples and schema is not None:  # a schema (expectations file): walk it
                walker = self.walkers[Side.REQUEST]
                for c in walker.compare((doc.compiled(got.schema, got.pointer),), (schema,)):
                    verdict = classify(c, Side.REQUEST, walker, None)
                    if verdict is not None:
                        self.emitter.add("expect-request-parameter-may-be-refused", op=label, side=Side.REQUEST,
                                         base=c.base, rev=c.rev, payload=c.rel,
                                         args=self._args(inter, **{"in": loc, "name": p.name, **verdict[1]}))
        for loc, values in sent.items():
            for name, v in values.items():
                if (loc, name) in declared or (loc, name.lower()) in credentials:
                    continue
                if loc == "header" and name in _STANDARD_REQUEST_HEADERS:
                    continue
                self.emitter.add("expect-request-parameter-unknown", op=label, side=Side.REQUEST,
                                 base=doc.at(v.pointer), rev=op.node, args=self._args(inter, **{"in": loc,
                                                                                                  "name": v.name}))

    def _check_value(self, inter: Interaction, p: Parameter, value: str, where: Node, label: str, rid: str) -> bool:
        schema = p.schema()
        if schema is None:
            return False
        view = self.walkers[Side.REQUEST].view((schema,))
        problem = refuses(view, coerce(value, view), self.walkers[Side.REQUEST])
        if problem is None:
            return False
        self.emitter.add(rid, op=label, side=Side.REQUEST, base=where, rev=schema,
                         args=self._args(inter, **{"in": p.location, "name": p.name, "value": value,
                                                   "problem": problem}))
        return True

    def _credential_names(self, op: Operation) -> set[tuple[str, str]]:
        out: set[tuple[str, str]] = set()
        for alt in security_requirements(effective_security(op.node, self.root)):
            for name in alt:
                scheme = self._scheme(name)
                if scheme is not None and scheme.get("type") == "apiKey":
                    loc = str(scheme.get("in", "header"))
                    out.add((loc, str(scheme.get("name", "")).lower() if loc == "header" else str(scheme.get("name"))))
        return out

    def _scheme(self, name: str) -> Node | None:
        node = self.root.child("components", "securitySchemes", name)
        return node.deref() if node is not None else None

    def _security(self, inter: Interaction, op: Operation, where: Node, label: str) -> None:
        alts = security_requirements(effective_security(op.node, self.root))
        if not alts:
            return
        headers = {v.name.lower() for v in inter.request.headers}
        query = {v.name for v in inter.request.query}
        cookies = " ".join(e for v in inter.request.headers if v.name.lower() == "cookie" for e in v.examples)
        for alt in alts:
            if all(self._has_credential(self._scheme(n), headers, query, cookies) for n in alt):
                return
        names = " | ".join(" + ".join(sorted(a)) for a in alts)
        sec = op.node.child("security") or self.root.child("security") or op.node
        self.emitter.add("expect-request-authorization-missing", op=label, side=Side.REQUEST, base=where, rev=sec,
                         args=self._args(inter, schemes=names))

    @staticmethod
    def _has_credential(scheme: Node | None, headers: set[str], query: set[str], cookies: str) -> bool:
        if scheme is None:
            return True  # an undefined scheme: nothing to check against (the spec validator reports it)
        kind = scheme.get("type")
        if kind == "apiKey":
            name, loc = str(scheme.get("name", "")), scheme.get("in", "header")
            if loc == "query":
                return name in query
            if loc == "cookie":
                return f"{name}=" in cookies
            return name.lower() in headers
        if kind in ("http", "oauth2", "openIdConnect"):
            return "authorization" in headers
        return True  # mutualTLS: not visible in a request

    # -- bodies ---------------------------------------------------------------------------------------
    def _request_body(self, inter: Interaction, op: Operation, doc: ExpectDoc, where: Node, label: str) -> None:
        body = inter.request.body
        rb = op.node.child("requestBody")
        rb = rb.deref() if rb is not None else None
        if body is None:
            if rb is not None and rb.get("required") is True:
                self.emitter.add("expect-request-body-missing", op=label, side=Side.REQUEST, base=where, rev=rb,
                                 args=self._args(inter))
            return
        if rb is None:
            self.emitter.add("expect-request-body-unknown", op=label, side=Side.REQUEST,
                             base=doc.at(body.pointer), rev=op.node, args=self._args(inter))
            return
        content = media_map(rb)
        ct = body.content_type or "application/json"
        key = match_media_type(ct, content)
        if key is None:
            self.emitter.add("expect-request-content-type-incompatible", op=label, side=Side.REQUEST,
                             base=doc.at(body.pointer), rev=rb.child("content") or rb, media=media_key(ct),
                             args=self._args(inter, content_type=ct, declared=sorted(content)))
            return
        schema = content[key].child("schema")
        if schema is None or body.schema is None:
            return
        client = doc.compiled(body.schema, body.pointer)
        changes = self.walkers[Side.REQUEST].compare((client,), (schema,))
        self._emit(changes, Side.REQUEST, inter, body, label, None, key, "request body")

    def _accept(self, inter: Interaction, resp: Node, where: Node, label: str, status: str) -> None:
        accept = next((e for v in inter.request.headers if v.name.lower() == "accept" for e in v.examples), None)
        content = media_map(resp)
        if accept is None or not content:
            return
        ranges = [a.split(";", 1)[0].strip().lower() for a in accept.split(",") if a.strip()]
        for a in ranges:
            for d in content:
                if a == d or media_covers(a, d) or media_covers(d, a) or match_media_type(a, [d]) is not None:
                    return
        self.emitter.add("expect-request-accept-incompatible", op=label, side=Side.REQUEST, base=where,
                         rev=resp.child("content") or resp, status=status,
                         args=self._args(inter, accept=accept, status=status, declared=sorted(content)))

    def _response(self, inter: Interaction, resp: Node, doc: ExpectDoc, where: Node, label: str, status: str) -> None:
        expected = inter.response
        self._response_headers(inter, resp, doc, label, status)
        body = expected.body
        if body is None:
            return
        content = media_map(resp)
        if not content:
            self.emitter.add("expect-response-body-unknown", op=label, side=Side.RESPONSE, base=doc.at(body.pointer),
                             rev=resp, status=status, args=self._args(inter, status=status))
            return
        ct = body.content_type or "application/json"
        key = match_media_type(ct, content)
        if key is None:
            self.emitter.add("expect-response-content-type-incompatible", op=label, side=Side.RESPONSE,
                             base=doc.at(body.pointer), rev=resp.child("content") or resp, status=status,
                             media=media_key(ct),
                             args=self._args(inter, content_type=ct, status=status, declared=sorted(content)))
            return
        schema = content[key].child("schema")
        if schema is None or body.schema is None:
            return
        client = doc.compiled(body.schema, body.pointer)
        changes = self.walkers[Side.RESPONSE].compare((client,), (schema,))
        self._emit(changes, Side.RESPONSE, inter, body, label, status, key, f"response {status}")

    def _response_headers(self, inter: Interaction, resp: Node, doc: ExpectDoc, label: str, status: str) -> None:
        declared = header_map(resp)
        for h in inter.response.headers:
            name = h.name.lower()
            if name == "content-type":
                continue
            if name not in declared:
                if name not in _STANDARD_RESPONSE_HEADERS:
                    self.emitter.add("expect-response-header-unknown", op=label, side=Side.RESPONSE,
                                     base=doc.at(h.pointer), rev=resp, status=status,
                                     args=self._args(inter, name=h.name))
                continue
            schema = declared[name][1].child("schema")
            const = h.schema.get("const") if isinstance(h.schema, Mapping) else None
            if schema is None or const is None:
                continue  # a matcher admits conforming values: only a required exact value can contradict
            view = self.walkers[Side.RESPONSE].view((schema,))
            problem = refuses(view, coerce(str(const), view), self.walkers[Side.RESPONSE])
            if problem is not None:
                self.emitter.add("expect-response-header-incompatible", op=label, side=Side.RESPONSE,
                                 base=doc.at(h.pointer), rev=schema, status=status,
                                 args=self._args(inter, name=h.name, value=const, problem=problem))

    # -- verdicts -------------------------------------------------------------------------------------
    def _emit(self, changes: Iterable[Change], side: Side, inter: Interaction, body: Body, label: str,
              status: str | None, media: str, subject_root: str) -> None:
        walker = self.walkers[side]
        for c in changes:
            verdict = classify(c, side, walker, body.example)
            if verdict is None:
                continue
            rid, extra = verdict
            human = _human(c.rel)
            args = self._args(inter, **extra)
            if "{property" in R.REGISTRY[rid].template:
                args["property"] = human.rsplit(".", 1)[-1] if human else ""
            subject = subject_root if not c.rel else f"{subject_root}, {human!r}"
            self.emitter.add(rid, op=label, side=side, base=c.base, rev=c.rev, args=args, status=status,
                             media=media, payload=c.rel, subject=subject)


def _human(rel: Pointer) -> str:
    from .emit import relative_name

    return relative_name(rel)


def _types(text: Any) -> frozenset[str] | None:
    if not isinstance(text, str) or text == "any":
        return None
    return frozenset(text.split("|"))


def _overlap(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
    if a is None or b is None:
        return True
    if a & b:
        return True
    return ("integer" in a and "number" in b) or ("number" in a and "integer" in b)


_RESPONSE_FINE = frozenset({
    "response-optional-property-removed", "response-optional-property-added", "response-required-property-added",
    "response-property-became-required",
})


def classify(c: Change, side: Side, walker: SchemaWalker, example: Any) -> tuple[str, dict[str, Any]] | None:
    """The ``expect`` verdict of one walker change (base = the client, revision = the spec), or
    ``None`` when the difference cannot break this client."""
    name = c.name
    args = dict(c.args)
    client_v = walker.view((c.base,)) if c.base is not None else None
    spec_v = walker.view((c.rev,)) if c.rev is not None else None
    detail = {"concept": name, "client": describe(client_v, walker), "spec": describe(spec_v, walker)}
    if side is Side.RESPONSE:
        if c.fixed:
            if name == "response-required-property-removed":
                return "expect-response-property-missing", {}
            if name == "response-property-became-optional":
                return "expect-response-property-optional", {}
            return None  # added properties, access flags: a client ignores what it does not read
        client, spec = client_v, spec_v
        if name == "type-changed":
            return ("expect-response-body-incompatible" if not _overlap(_types(args.get("old")), _types(args.get("new")))
                    else "expect-response-body-may-break"), detail
        if name in ("const-changed",):
            return "expect-response-body-incompatible", detail
        if name == "const-removed" and spec is not None and client is not None and client.const is not None:
            allowed = spec.enum if spec.enum is not None else (spec.const if spec.const is not None else None)
            if allowed is not None and not any(_same(client.const[0], v) for v in allowed):
                return "expect-response-body-incompatible", {**detail, "concept": "value-refused"}
            return "expect-response-body-may-break", detail
        if name in ("became-enum", "pattern-removed", "pattern-changed", "enum-value-added") and (
                spec is not None and client is not None):
            listed = spec.enum or ()
            if spec.const is not None:
                listed = (*listed, spec.const[0])
            refused = [v for v in listed if refuses(client, v, walker) is not None]
            if refused:
                return "expect-response-body-incompatible", {
                    **detail, "concept": "value-refused", "spec": "may send " + ", ".join(_short(v) for v in refused[:5])}
            if name == "became-enum" or (name in ("pattern-removed", "pattern-changed") and listed):
                return None  # every value the spec lists passes the client's matcher
            return "expect-response-body-may-break", detail
        concept = R.CONCEPTS_BY_NAME.get(name)
        harmless = concept is None or concept.response is None or concept.response <= R.I
        if harmless and name not in ("pattern-removed", "format-removed", "additional-properties-opened"):
            return None
        if name in ("deprecated", "deprecated-with-sunset", "reactivated", "default-value-added",
                    "default-value-removed", "default-value-changed") or name.startswith(("discriminator", "stability")):
            return None
        return "expect-response-body-may-break", detail
    # request: base = what the client sends, revision = what the spec accepts
    if c.fixed:
        if name in ("new-required-request-property", "new-required-request-property-with-default"):
            return "expect-request-property-missing", {}
        if name in ("request-property-became-required", "request-property-became-required-with-default"):
            return "expect-request-property-optional", {}
        if name == "request-property-removed":
            spec_obj = walker.view((c.rev,)) if c.rev is not None else None
            closed = spec_obj is not None and spec_obj.additional is False
            return ("expect-request-property-refused" if closed else "expect-request-property-unknown"), {}
        return None
    if name in ("deprecated", "deprecated-with-sunset", "reactivated") or name.startswith(
            ("default-value", "discriminator", "stability")):
        return None
    spec = spec_v
    if spec is not None and client_v is not None:
        exact = _exact_values(client_v)
        if exact is not None and all(refuses(spec, v, walker) is None for v in exact):
            return None  # every value the client can send here is accepted
    if spec is not None:
        for value in example_values(example, c.rel):
            problem = refuses(spec, value, walker)
            if problem is not None:
                return "expect-request-body-incompatible", {**detail, "example": _short(value)}
    concept = R.CONCEPTS_BY_NAME.get(name)
    if concept is None or concept.request is None or concept.request <= R.I:
        return None
    return "expect-request-body-may-be-refused", detail


def _exact_values(view: SchemaView) -> tuple[Any, ...] | None:
    """All the values a (client) schema admits here, when they are few and known, else ``None``."""
    if view.const is not None:
        return (view.const[0],)
    if view.enum is not None:
        return tuple(view.enum)
    if view.types == frozenset({"null"}):
        return (None,)
    if view.types == frozenset({"boolean"}) and not view.nullable:
        return (True, False)
    return None


def describe(view: SchemaView | None, walker: SchemaWalker) -> str:
    """A schema's local constraints in a few words: ``string, pattern ^a$, nullable``."""
    if view is None:
        return "-"
    parts: list[str] = []
    types = walker.effective_types(view)
    parts.append("any" if types is None else "|".join(sorted(types)))
    if view.const is not None:
        parts.append(f"= {_short(view.const[0])}")
    if view.enum is not None:
        parts.append("one of " + ", ".join(_short(v) for v in view.enum[:6]) + (", ..." if len(view.enum) > 6 else ""))
    if view.format:
        parts.append(f"format {view.format}")
    if view.pattern:
        parts.append(f"pattern {view.pattern}")
    for key, value in sorted(view.numbers.items()):
        parts.append(f"{key} {value:g}")
    if view.nullable:
        parts.append("nullable")
    return ", ".join(parts)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def example_values(example: Any, rel: Pointer) -> Iterator[Any]:
    """The example's values at a payload pointer (``*`` = every item / every map value)."""
    values = [example]
    for part in rel:
        nxt: list[Any] = []
        for v in values:
            if part == ITEMS:
                if isinstance(v, list):
                    nxt.extend(v)
                elif isinstance(v, dict):
                    nxt.extend(v.values())
            elif isinstance(v, dict) and isinstance(part, str) and part in v:
                nxt.append(v[part])
            elif isinstance(v, list) and isinstance(part, int) and 0 <= part < len(v):
                nxt.append(v[part])
        values = nxt
    yield from values


def coerce(text: str, view: SchemaView) -> Any:
    """A parameter's string form as the spec's type would read it (``"10"`` -> 10 for an integer)."""
    types = view.types or frozenset()
    if "integer" in types and re.fullmatch(r"-?\d+", text):
        return int(text)
    if "number" in types:
        try:
            return float(text) if not re.fullmatch(r"-?\d+", text) else int(text)
        except ValueError:
            pass
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    if "array" in types:
        return text.split(",")
    return text


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "integer" if v.is_integer() else "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def refuses(view: SchemaView, value: Any, walker: SchemaWalker) -> str | None:
    """Why a schema (its local keywords) refuses a value, or ``None`` (children are not visited)."""
    kind = _kind(value)
    if value is None:
        if view.nullable or (view.types is not None and "null" in view.types) or (view.types is None and not (
                view.enum or view.const)):
            return None
        if view.enum is not None and None in view.enum:
            return None
        return "null is not allowed"
    types = walker.effective_types(view)
    if types is not None and kind not in types and not (kind == "integer" and "number" in types):
        return f"type {kind} is not {'|'.join(sorted(types))}"
    if view.const is not None and not _same(view.const[0], value):
        return f"must be {view.const[0]!r}"
    if view.enum is not None and not any(_same(value, e) for e in view.enum):
        return f"not one of {list(view.enum)[:10]}"
    if isinstance(value, str):
        if view.pattern is not None:
            try:
                if re.search(view.pattern, value) is None:
                    return f"does not match {view.pattern!r}"
            except re.error:
                pass
        if view.format is not None and not _format_ok(view.format, value):
            return f"not a valid {view.format}"
        n = view.numbers
        if "minLength" in n and len(value) < n["minLength"]:
            return f"shorter than {n['minLength']:g}"
        if "maxLength" in n and len(value) > n["maxLength"]:
            return f"longer than {n['maxLength']:g}"
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        n = view.numbers
        for key, bad in (("minimum", value < n.get("minimum", value)), ("maximum", value > n.get("maximum", value)),
                         ("exclusiveMinimum", "exclusiveMinimum" in n and value <= n["exclusiveMinimum"]),
                         ("exclusiveMaximum", "exclusiveMaximum" in n and value >= n["exclusiveMaximum"])):
            if bad:
                return f"{key} {n[key]:g}"
    elif isinstance(value, list):
        n = view.numbers
        if "minItems" in n and len(value) < n["minItems"]:
            return f"fewer than {n['minItems']:g} items"
        if "maxItems" in n and len(value) > n["maxItems"]:
            return f"more than {n['maxItems']:g} items"
    return None


def _format_ok(fmt: str, value: str) -> bool:
    try:
        if fmt == "date-time":
            _dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
            return "T" in value.upper()
        if fmt == "date":
            _dt.date.fromisoformat(value)
            return len(value) == 10
        if fmt == "uuid":
            uuid.UUID(value)
            return len(value) == 36
        if fmt == "ipv4":
            ipaddress.IPv4Address(value)
        elif fmt == "ipv6":
            ipaddress.IPv6Address(value)
        elif fmt == "email":
            return re.fullmatch(r"[^@\s]+@[^@\s]+", value) is not None
    except ValueError:
        return False
    return True


