"""The rules of ``contractdrift check`` (family ``check``): traffic against the published spec.

Same naming scheme as the diff ids. Payload concepts of the compiled validator compose with a side
and a scope (``response-property-type-mismatch``, ``request-parameter-required-missing``); fixed rules
cover routing, status codes, media types, bodies, headers, security and lifecycle. Direction: for
responses the service is the producer and the spec what clients were promised; for requests the
client is the producer and the spec what the service accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..model import RuleInfo, Severity, Side
from .rules import compose, register_rules

__all__ = [
    "CHECK_CONCEPTS",
    "CHECK_RULES",
    "CONCEPT_RULE",
    "FAMILY",
    "check_rule_id",
]

FAMILY = "check"
E, W, I = Severity.ERROR, Severity.WARN, Severity.INFO  # noqa: E741
REQ, RESP = Side.REQUEST, Side.RESPONSE


@dataclass(frozen=True, slots=True)
class CheckConcept:
    name: str  # the rule-id suffix
    request: Severity | None
    response: Severity | None
    kind: str
    template: str
    scopes: frozenset[str]


_REQ_SCOPES = frozenset({"body", "property", "parameter", "parameter-property"})
_RESP_SCOPES = frozenset({"body", "property", "header"})
_ALL = _REQ_SCOPES | _RESP_SCOPES
# concepts about a property (its pointer ends at the property) never sit at a schema's root
_PROPS = frozenset({"property", "parameter-property"})

CHECK_CONCEPTS: tuple[CheckConcept, ...] = (
    CheckConcept("required-missing", E, E, "requiredness", "{subject}: required property {property!r} missing",
                 _PROPS | {"parameter"}),
    CheckConcept("type-mismatch", E, E, "type", "{subject}: not of type {expected}", _ALL),
    CheckConcept("null-not-allowed", E, E, "type", "{subject}: null where the spec does not allow it", _ALL),
    CheckConcept("enum-mismatch", E, E, "values", "{subject}: value not in the enum {expected}", _ALL),
    CheckConcept("const-mismatch", E, E, "values", "{subject}: value differs from the const {expected}", _ALL),
    CheckConcept("format-mismatch", W, W, "type", "{subject}: not a valid {expected}", _ALL),
    CheckConcept("pattern-mismatch", W, W, "constraints", "{subject}: does not match the pattern {expected}", _ALL),
    CheckConcept("constraint-violated", W, W, "constraints", "{subject}: violates {keyword} {expected}", _ALL),
    CheckConcept("additional-not-allowed", E, E, "existence",
                 "{subject}: property {property!r} not allowed (additionalProperties: false)", _PROPS),
    CheckConcept("undocumented", I, W, "existence", "{subject}: property {property!r} is not in the spec", _PROPS),
    CheckConcept("read-only-sent", W, None, "access", "{subject}: readOnly property sent in a request", _PROPS),
    CheckConcept("write-only-sent", None, W, "access", "{subject}: writeOnly property sent in a response", _PROPS),
    CheckConcept("no-alternative-matched", E, E, "composition",
                 "{subject}: matches none of the {keyword} alternatives", _ALL),
    CheckConcept("several-alternatives-matched", E, E, "composition",
                 "{subject}: matches more than one oneOf alternative", _ALL),
    CheckConcept("not-matched", E, E, "composition", "{subject}: matches the schema under 'not'", _ALL),
)

#: validator concept (``contractdrift.compare.validate.CONCEPTS``) -> rule-id suffix; ``None``: not a
#: finding at a pointer but something that could not be validated (counted per operation).
CONCEPT_RULE: Mapping[str, str | None] = MappingProxyType({
    "required-missing": "required-missing",
    "type-mismatch": "type-mismatch",
    "null-not-allowed": "null-not-allowed",
    "enum-mismatch": "enum-mismatch",
    "const-mismatch": "const-mismatch",
    "format-mismatch": "format-mismatch",
    "pattern-mismatch": "pattern-mismatch",
    "constraint-violated": "constraint-violated",
    "additional-property": "additional-not-allowed",
    "undocumented-property": "undocumented",
    "read-only-sent": "read-only-sent",
    "write-only-sent": "write-only-sent",
    "no-alternative-matched": "no-alternative-matched",
    "several-alternatives-matched": "several-alternatives-matched",
    "not-matched": "not-matched",
    "unknown-format": None,
    "unvalidated": None,
})


@dataclass(frozen=True, slots=True)
class _Fixed:
    id: str
    severity: Severity
    side: Side
    area: str
    kind: str
    action: str
    template: str


_FIXED: tuple[_Fixed, ...] = (
    _Fixed("api-path-undocumented", W, REQ, "paths", "existence", "add",
           "{method} {path}: path not in the spec"),
    _Fixed("api-method-undocumented", W, REQ, "operations", "existence", "add",
           "{method} {path}: method not documented for this path"),
    _Fixed("api-path-trailing-slash", I, REQ, "paths", "existence", "change",
           "called as {path!r}: the trailing slash differs from the spec's {template!r}"),
    _Fixed("api-operation-deprecated-called", I, REQ, "operations", "lifecycle", "add",
           "deprecated operation still called"),
    _Fixed("api-security-not-enforced", E, RESP, "security", "existence", "remove",
           "answered {status} without any of the credentials the spec requires ({schemes})"),
    _Fixed("request-parameter-undocumented", I, REQ, "parameters", "existence", "add",
           "{in} parameter {name!r} is not in the spec"),
    _Fixed("request-media-type-undocumented", W, REQ, "body", "existence", "add",
           "request body sent as {media_type!r}, which the spec does not describe (documented: {documented})"),
    _Fixed("request-body-missing", E, REQ, "body", "requiredness", "remove",
           "required request body missing"),
    _Fixed("request-body-unparsable", E, REQ, "body", "type", "change",
           "request body declared as {media_type!r} is not valid JSON"),
    _Fixed("request-body-unvalidated", I, REQ, "body", "existence", "unset",
           "request bodies not validated: {reason}"),
    _Fixed("response-status-undocumented", W, RESP, "responses", "existence", "add",
           "status {status} is not documented (documented: {documented})"),
    _Fixed("response-media-type-undocumented", W, RESP, "body", "existence", "add",
           "response body sent as {media_type!r}, which the spec does not describe (documented: {documented})"),
    _Fixed("response-body-unparsable", E, RESP, "body", "type", "change",
           "response body declared as {media_type!r} is not valid JSON"),
    _Fixed("response-body-empty", W, RESP, "body", "existence", "remove",
           "empty response body where the spec describes content ({documented})"),
    _Fixed("response-header-missing", E, RESP, "headers", "existence", "remove",
           "required response header {name!r} missing"),
    _Fixed("response-body-unvalidated", I, RESP, "body", "existence", "unset",
           "response bodies not validated: {reason}"),
    # HEAD without a documented head operation is checked as its GET (RFC 9110 §9.3.2); OPTIONS
    # without a documented options operation is compared with the path's documented methods
    _Fixed("response-body-sent-for-head", W, RESP, "body", "existence", "add",
           "content sent in a response to HEAD, which HTTP forbids (RFC 9110 §9.3.2)"),
    _Fixed("api-preflight-method-undocumented", I, RESP, "operations", "existence", "add",
           "CORS preflight on {path} allows {method}, which the spec does not document there "
           "(documented: {documented})"),
    _Fixed("api-preflight-method-denied", I, RESP, "operations", "existence", "remove",
           "CORS preflight on {path} denies {method}, which the spec documents there (documented: {documented})"),
    _Fixed("api-options-method-undocumented", I, RESP, "operations", "existence", "add",
           "OPTIONS on {path} lists {method} in Allow, which the spec does not document there "
           "(documented: {documented})"),
    _Fixed("api-options-method-unlisted", I, RESP, "operations", "existence", "remove",
           "OPTIONS on {path} leaves {method}, which the spec documents there, out of Allow "
           "(documented: {documented})"),
    # multipart/form-data parts (compare/multipart.py)
    _Fixed("request-body-malformed", I, REQ, "body", "type", "change",
           "multipart request body malformed, so not validated: {reason}"),
    _Fixed("request-part-media-type-undocumented", W, REQ, "body", "existence", "add",
           "multipart part {part!r} sent as a media type its encoding does not allow ({documented})"),
)


def check_rule_id(side: Side, scope: str, concept: str) -> str:
    """``(Side.RESPONSE, "property", "type-mismatch")`` -> ``"response-property-type-mismatch"``."""
    return compose(side, scope, concept)


def _build() -> dict[str, RuleInfo]:
    out: dict[str, RuleInfo] = {}
    for c in CHECK_CONCEPTS:
        for side, sev in ((REQ, c.request), (RESP, c.response)):
            if sev is None:
                continue
            for scope in sorted(c.scopes & (_REQ_SCOPES if side is REQ else _RESP_SCOPES)):
                rid = check_rule_id(side, scope, c.name)
                summary = c.template.replace("{subject}: ", "").split("{")[0].strip() or c.name
                out[rid] = RuleInfo(id=rid, severity=sev, side=side, kind=c.kind, action="violate",
                                    summary=f"{side.value} {scope}: {summary}", template=c.template, area=scope,
                                    family=FAMILY)
    for f in _FIXED:
        if f.id in out:
            raise RuntimeError(f"duplicate check rule id {f.id!r}")
        out[f.id] = RuleInfo(id=f.id, severity=f.severity, side=f.side, kind=f.kind, action=f.action,
                             summary=f.template.split("{")[0].strip() or f.id, template=f.template, area=f.area,
                             family=FAMILY)
    return dict(sorted(out.items()))


#: The family's rules, registered in the shared registry (``compare.rules.REGISTRY``) at import.
CHECK_RULES: Mapping[str, RuleInfo] = MappingProxyType(
    {info.id: info for info in register_rules(FAMILY, _build().values())})
