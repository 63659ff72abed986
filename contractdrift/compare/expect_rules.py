"""The ``expect`` rule family: client expectations (Pact, JSON Schema, a spec copy) vs the spec.

Severity by direction: an **error** when the spec contradicts the client (the request the client
sends in its test is refused; a field the client needs is never sent, or sent with a type or a
listed value the client refuses); a **warning** when the spec merely allows what breaks the client
(an optional or nullable field the client requires, a broader type or an unlisted value the
client's matcher refuses, a matcher in a request broader than what the spec accepts).

``SMV`` maps each rule to the nearest swagger-mock-validator (PactFlow) result code, for users
coming from it (``docs/rules.md`` lists it).
"""

from __future__ import annotations

from ..model import RuleInfo, Severity, Side
from .rules import register_rules

E, W, I = Severity.ERROR, Severity.WARN, Severity.INFO  # noqa: E741
REQ, RESP, NONE = Side.REQUEST, Side.RESPONSE, Side.NONE

_TABLE: tuple[tuple[str, Severity, Side, str, str, str, str, str], ...] = (
    # id, severity, side, area, kind, action, template, swagger-mock-validator code
    ("expect-operation-unknown", E, NONE, "paths", "existence", "remove",
     "{method} {path}: no operation of the spec matches this interaction", "request.path-or-method.unknown"),
    ("expect-request-path-parameter-incompatible", E, REQ, "parameters", "values", "change",
     "path parameter {name!r}: the client sends {value!r}, the spec refuses it ({problem})",
     "request.path-or-method.unknown"),
    ("expect-request-parameter-missing", E, REQ, "parameters", "requiredness", "add",
     "the spec requires the {in} parameter {name!r}, the client does not send it", "request.query.incompatible"),
    ("expect-request-parameter-incompatible", E, REQ, "parameters", "values", "change",
     "{in} parameter {name!r}: the client sends {value!r}, the spec refuses it ({problem})",
     "request.query.incompatible / request.header.incompatible"),
    ("expect-request-parameter-may-be-refused", W, REQ, "parameters", "values", "widen",
     "{in} parameter {name!r}: the client's schema admits values the spec refuses ({concept}; client {client}, "
     "spec {spec})", "request.query.incompatible / request.header.incompatible"),
    ("expect-request-parameter-unknown", W, REQ, "parameters", "existence", "add",
     "the client sends the {in} parameter {name!r}, which the spec does not define",
     "request.query.unknown / request.header.unknown"),
    ("expect-request-authorization-missing", E, REQ, "security", "existence", "remove",
     "the client sends no credential for any security alternative of the operation ({schemes})",
     "request.authorization.missing"),
    ("expect-request-content-type-incompatible", E, REQ, "body", "type", "change",
     "the client sends {content_type!r}, the spec's request body accepts {declared}",
     "request.content-type.incompatible"),
    ("expect-request-body-unknown", W, REQ, "body", "existence", "add",
     "the client sends a request body, the spec's operation declares none", "request.body.unknown"),
    ("expect-request-body-missing", E, REQ, "body", "existence", "remove",
     "the spec requires a request body, the client sends none", "request.body.incompatible"),
    ("expect-request-accept-incompatible", E, REQ, "headers", "type", "change",
     "the client accepts {accept!r}, the spec's response {status} is {declared}", "request.accept.incompatible"),
    ("expect-request-body-incompatible", E, REQ, "body", "values", "change",
     "{subject}: the client sends {example}, which the spec refuses ({concept}; client {client}, spec {spec})",
     "request.body.incompatible"),
    ("expect-request-body-may-be-refused", W, REQ, "body", "values", "widen",
     "{subject}: the client's matcher admits values the spec refuses ({concept}; client {client}, spec {spec})",
     "request.body.incompatible"),
    ("expect-request-property-missing", E, REQ, "properties", "requiredness", "add",
     "{subject}: the spec requires {property!r}, the client does not send it", "request.body.incompatible"),
    ("expect-request-property-optional", W, REQ, "properties", "requiredness", "narrow",
     "{subject}: the spec requires {property!r}, the client may leave it out", "request.body.incompatible"),
    ("expect-request-property-refused", E, REQ, "properties", "existence", "add",
     "{subject}: the client sends {property!r}, the spec's closed schema refuses it", "request.body.incompatible"),
    ("expect-request-property-unknown", W, REQ, "properties", "existence", "add",
     "{subject}: the client sends {property!r}, which the spec does not define", "request.body.incompatible"),
    ("expect-response-status-unknown", E, RESP, "responses", "existence", "remove",
     "the client expects status {status}, the spec does not declare it", "response.status.unknown"),
    ("expect-response-status-default", W, RESP, "responses", "existence", "change",
     "the client expects status {status}, the spec covers it only by 'default'", "response.status.default"),
    ("expect-response-content-type-incompatible", E, RESP, "body", "type", "change",
     "the client expects {content_type!r}, the spec's response {status} is {declared}",
     "response.content-type.incompatible"),
    ("expect-response-body-unknown", E, RESP, "body", "existence", "remove",
     "the client expects a response body, the spec's response {status} declares none", "response.body.unknown"),
    ("expect-response-body-incompatible", E, RESP, "body", "values", "change",
     "{subject}: the spec contradicts the client ({concept}; client {client}, spec {spec})",
     "response.body.incompatible"),
    ("expect-response-body-may-break", W, RESP, "body", "values", "widen",
     "{subject}: the spec allows what the client refuses ({concept}; client {client}, spec {spec})",
     "response.body.incompatible"),
    ("expect-response-property-missing", E, RESP, "properties", "existence", "remove",
     "{subject}: the client requires {property!r}, the spec's response does not define it",
     "response.body.incompatible"),
    ("expect-response-property-optional", W, RESP, "properties", "requiredness", "widen",
     "{subject}: the client requires {property!r}, the spec makes it optional", "response.body.incompatible"),
    ("expect-response-header-unknown", W, RESP, "headers", "existence", "remove",
     "the client expects the response header {name!r}, the spec does not declare it", "response.header.unknown"),
    ("expect-response-header-incompatible", E, RESP, "headers", "values", "change",
     "response header {name!r}: the client expects {value!r}, the spec refuses it ({problem})",
     "response.header.incompatible"),
    ("expect-not-checked", I, NONE, "expectations", "coverage", "skip",
     "not checked: {message}", "(none: skipped silently)"),
    ("expect-matcher-inexact", I, NONE, "expectations", "coverage", "approximate",
     "matcher compared approximately: {message}", "(none: matchers are ignored)"),
    ("expect-broker-no-pacts", W, NONE, "expectations", "coverage", "skip",
     "the Pact Broker returned no pacts: {message}", "pact-broker.no-pacts-found"),
)

#: rule id -> nearest swagger-mock-validator result code
SMV: dict[str, str] = {row[0]: row[7] for row in _TABLE}

RULES: tuple[RuleInfo, ...] = register_rules("expect", [
    RuleInfo(id=rid, severity=sev, side=side, kind=kind, action=action, area=area, template=template,
             summary=template.replace("{subject}: ", "").split("{")[0].strip(" ,:(") or rid, family="expect")
    for rid, sev, side, area, kind, action, template, _ in _TABLE
])
