"""The rule registry: every rule contractdrift can report, as data.

Two kinds of entries:

* **composed** rules come from a *concept* (``enum-value-removed``) applied to a side and a scope:
  ``{side}-{scope}-{concept}`` e.g. ``request-property-enum-value-removed``. Scopes: ``body`` (the
  root of a request/response body schema), ``property`` (anything nested inside a body),
  ``parameter`` (a parameter's schema), ``header`` (a response header's schema). The concept says
  how severe it is on each side: that is where direction lives (a value *removed* breaks requests,
  a value *added* breaks responses).
* **fixed** rules about operations, parameters, bodies, responses, security and lifecycle.

Ids follow oasdiff's vocabulary (``../shared/reference/oasdiff-rule-ids.tsv``) wherever the concept
is the same; ``RuleInfo.oasdiff`` records which.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import replace as _dc_replace
from types import MappingProxyType
from typing import Any

from ..errors import UsageError
from ..model import RuleInfo, Severity, Side

E, W, I = Severity.ERROR, Severity.WARN, Severity.INFO  # noqa: E741

SCOPES = ("body", "property", "parameter", "parameter-property", "header")
# "parameter-property": inside an object-valued parameter (deepObject, JSON content); oasdiff has ids
# for a few concepts there, which are the ones that list it.
PARAMETER_PROPERTY = "parameter-property"
# Every concept the walker can emit has an id at every scope it walks (issue 7: a concept without an
# id at its scope used to be misfiled under the body/property id or dropped). ``scopes`` only ever
# *adds* ``parameter-property`` (oasdiff's ids inside object-valued parameters).
ALL = frozenset({"body", "property", "parameter", "header"})
ID_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    request: Severity | None
    response: Severity | None
    kind: str
    action: str
    template: str
    scopes: frozenset[str] = ALL
    mirror: str | None = None  # the concept reported when base and revision are swapped


def _c(name: str, req: Severity | None, resp: Severity | None, kind: str, action: str, template: str,
       scopes: frozenset[str] = ALL, mirror: str | None = None) -> Concept:
    return Concept(name, req, resp, kind, action, template, scopes, mirror)


def _pair(a: str, b: str) -> tuple[str, str]:
    return a, b


_BOUNDS = (
    # stem, label, lower_is_tighter, scopes
    ("max-length", "maximum length", True, ALL),
    ("min-length", "minimum length", False, ALL),
    ("max", "maximum", True, ALL),
    ("min", "minimum", False, ALL),
    ("exclusive-max", "exclusive maximum", True, ALL),
    ("exclusive-min", "exclusive minimum", False, ALL),
    ("max-items", "maximum number of items", True, ALL),
    ("min-items", "minimum number of items", False, ALL),
    ("max-properties", "maximum number of properties", True, ALL),
    ("min-properties", "minimum number of properties", False, ALL),
    ("max-contains", "maxContains", True, ALL),
    ("min-contains", "minContains", False, ALL),
)
BOUND_KEYWORDS = {
    "max-length": "maxLength", "min-length": "minLength", "max": "maximum", "min": "minimum",
    "exclusive-max": "exclusiveMaximum", "exclusive-min": "exclusiveMinimum", "max-items": "maxItems",
    "min-items": "minItems", "max-properties": "maxProperties", "min-properties": "minProperties",
    "max-contains": "maxContains", "min-contains": "minContains",
}


def _bound_concepts() -> list[Concept]:
    out = []
    for stem, label, lower_tight, scopes in _BOUNDS:
        tight, loose = ("decreased", "increased") if lower_tight else ("increased", "decreased")
        out += [
            _c(f"{stem}-{tight}", E, I, "constraints", tight[:-1].replace("decrease", "decrease"),
               f"{{subject}}: {label} {tight} from {{old}} to {{new}}", scopes, f"{stem}-{loose}"),
            _c(f"{stem}-{loose}", I, E, "constraints", loose[:-1],
               f"{{subject}}: {label} {loose} from {{old}} to {{new}}", scopes, f"{stem}-{tight}"),
            _c(f"{stem}-set", W, I, "constraints", "set", f"{{subject}}: {label} set to {{new}}", scopes,
               f"{stem}-unset"),
            _c(f"{stem}-unset", I, E, "constraints", "unset", f"{{subject}}: {label} {{old}} removed", scopes,
               f"{stem}-set"),
        ]
    return out


CONCEPTS: tuple[Concept, ...] = (
    # types
    _c("type-changed", E, E, "type", "change", "{subject}: type changed from {old} to {new}", scopes=ALL | {PARAMETER_PROPERTY}, mirror="type-changed"),
    _c("type-generalized", I, E, "type", "widen", "{subject}: type widened from {old} to {new}",
       scopes=ALL | {PARAMETER_PROPERTY}, mirror="type-specialized"),
    _c("type-specialized", E, I, "type", "narrow", "{subject}: type narrowed from {old} to {new}",
       scopes=ALL | {PARAMETER_PROPERTY}, mirror="type-generalized"),
    _c("list-of-types-widened", I, E, "type", "widen", "{subject}: list of types widened from {old} to {new}",
       scopes=ALL | {PARAMETER_PROPERTY}, mirror="list-of-types-narrowed"),
    _c("list-of-types-narrowed", E, I, "type", "narrow", "{subject}: list of types narrowed from {old} to {new}",
       scopes=ALL | {PARAMETER_PROPERTY}, mirror="list-of-types-widened"),
    _c("format-changed", W, W, "type", "change", "{subject}: format changed from {old!r} to {new!r}",
       mirror="format-changed"),
    _c("format-added", W, I, "type", "add", "{subject}: format {new!r} added", mirror="format-removed"),
    _c("format-removed", I, W, "type", "remove", "{subject}: format {old!r} removed", mirror="format-added"),
    _c("became-nullable", I, E, "type", "widen", "{subject}: became nullable", scopes=ALL | {PARAMETER_PROPERTY}, mirror="became-not-nullable"),
    _c("became-not-nullable", E, I, "type", "narrow", "{subject}: became not nullable", scopes=ALL | {PARAMETER_PROPERTY}, mirror="became-nullable"),
    # values
    _c("became-enum", E, I, "values", "narrow", "{subject}: became an enum of {new}", mirror="became-not-enum"),
    _c("became-not-enum", I, W, "values", "widen", "{subject}: is no longer an enum (was {old})",
       mirror="became-enum"),
    _c("enum-value-added", I, W, "values", "add", "{subject}: enum value {value!r} added",
       scopes=ALL | {PARAMETER_PROPERTY}, mirror="enum-value-removed"),
    _c("enum-value-removed", E, I, "values", "remove", "{subject}: enum value {value!r} removed",
       scopes=ALL | {PARAMETER_PROPERTY}, mirror="enum-value-added"),
    _c("x-extensible-enum-value-removed", E, I, "values", "remove",
       "{subject}: x-extensible-enum value {value!r} removed", ALL, "x-extensible-enum-value-added"),
    _c("x-extensible-enum-value-added", I, I, "values", "add",
       "{subject}: x-extensible-enum value {value!r} added", ALL, "x-extensible-enum-value-removed"),
    _c("const-added", E, I, "values", "add", "{subject}: const {new!r} added", ALL, "const-removed"),
    _c("const-removed", I, E, "values", "remove", "{subject}: const {old!r} removed", ALL, "const-added"),
    _c("const-changed", E, E, "values", "change", "{subject}: const changed from {old!r} to {new!r}", ALL,
       "const-changed"),
    _c("default-value-added", I, I, "values", "add", "{subject}: default value {new!r} added", ALL,
       "default-value-removed"),
    _c("default-value-removed", I, I, "values", "remove", "{subject}: default value {old!r} removed", ALL,
       "default-value-added"),
    _c("default-value-changed", I, I, "values", "change",
       "{subject}: default value changed from {old!r} to {new!r}", ALL, "default-value-changed"),
    # constraints
    *_bound_concepts(),
    _c("multiple-of-set", W, I, "constraints", "set", "{subject}: multipleOf {new} set", mirror="multiple-of-unset"),
    _c("multiple-of-unset", I, E, "constraints", "unset", "{subject}: multipleOf {old} removed",
       mirror="multiple-of-set"),
    _c("multiple-of-widened", I, E, "constraints", "widen", "{subject}: multipleOf relaxed from {old} to {new}",
       mirror="multiple-of-narrowed"),
    _c("multiple-of-narrowed", E, I, "constraints", "narrow",
       "{subject}: multipleOf tightened from {old} to {new}", mirror="multiple-of-widened"),
    _c("multiple-of-changed", E, E, "constraints", "change", "{subject}: multipleOf changed from {old} to {new}",
       mirror="multiple-of-changed"),
    _c("pattern-added", E, I, "constraints", "add", "{subject}: pattern {new!r} added", mirror="pattern-removed"),
    _c("pattern-removed", I, I, "constraints", "remove", "{subject}: pattern {old!r} removed", mirror="pattern-added"),
    _c("pattern-changed", W, I, "constraints", "change", "{subject}: pattern changed from {old!r} to {new!r}",
       mirror="pattern-changed"),
    # oasdiff: a pattern changed to one that matches every string ('.*') is a generalization, not a change
    _c("pattern-generalized", I, I, "constraints", "generalize",
       "{subject}: pattern generalized from {old!r} to {new!r}", mirror="pattern-changed"),
    _c("unique-items-added", E, I, "constraints", "add", "{subject}: items must now be unique", ALL,
       "unique-items-removed"),
    _c("unique-items-removed", I, W, "constraints", "remove", "{subject}: items need no longer be unique",
       ALL, "unique-items-added"),
    # objects
    _c("additional-properties-closed", W, I, "existence", "narrow",
       "{subject}: additional properties are no longer allowed", ALL, "additional-properties-opened"),
    _c("additional-properties-opened", I, W, "existence", "widen",
       "{subject}: additional properties are now allowed", ALL, "additional-properties-closed"),
    _c("pattern-property-added", E, I, "constraints", "add", "{subject}: pattern property {pattern!r} added",
       ALL, "pattern-property-removed"),
    _c("pattern-property-removed", I, E, "constraints", "remove", "{subject}: pattern property {pattern!r} removed",
       ALL, "pattern-property-added"),
    _c("property-names-added", E, I, "constraints", "add", "{subject}: propertyNames constraint added", ALL,
       "property-names-removed"),
    _c("property-names-removed", I, E, "constraints", "remove", "{subject}: propertyNames constraint removed",
       ALL, "property-names-added"),
    _c("unevaluated-properties-added", E, I, "constraints", "add", "{subject}: unevaluatedProperties added",
       ALL, "unevaluated-properties-removed"),
    _c("unevaluated-properties-removed", I, E, "constraints", "remove", "{subject}: unevaluatedProperties removed",
       ALL, "unevaluated-properties-added"),
    _c("dependent-required-added", E, I, "constraints", "add",
       "{subject}: dependentRequired for {key!r} added", ALL, "dependent-required-removed"),
    _c("dependent-required-removed", I, E, "constraints", "remove",
       "{subject}: dependentRequired for {key!r} removed", ALL, "dependent-required-added"),
    _c("dependent-required-changed", E, E, "constraints", "change",
       "{subject}: dependentRequired for {key!r} changed from {old} to {new}", ALL,
       "dependent-required-changed"),
    _c("dependent-schema-added", E, I, "constraints", "add", "{subject}: dependentSchemas for {key!r} added",
       ALL, "dependent-schema-removed"),
    _c("dependent-schema-removed", I, E, "constraints", "remove",
       "{subject}: dependentSchemas for {key!r} removed", ALL, "dependent-schema-added"),
    _c("discriminator-added", I, I, "composition", "add", "{subject}: discriminator added", ALL,
       "discriminator-removed"),
    _c("discriminator-removed", I, I, "composition", "remove", "{subject}: discriminator removed", ALL,
       "discriminator-added"),
    _c("discriminator-property-name-changed", I, I, "composition", "change",
       "{subject}: discriminator property changed from {old!r} to {new!r}", ALL,
       "discriminator-property-name-changed"),
    _c("discriminator-mapping-added", I, I, "composition", "add",
       "{subject}: discriminator mapping {value!r} added", ALL, "discriminator-mapping-deleted"),
    _c("discriminator-mapping-deleted", I, I, "composition", "remove",
       "{subject}: discriminator mapping {value!r} deleted", ALL, "discriminator-mapping-added"),
    _c("discriminator-mapping-changed", I, I, "composition", "change",
       "{subject}: discriminator mapping {value!r} changed from {old!r} to {new!r}", ALL,
       "discriminator-mapping-changed"),
    # arrays
    _c("prefix-items-added", I, E, "constraints", "add", "{subject}: prefixItems added", ALL,
       "prefix-items-removed"),
    _c("prefix-items-removed", E, I, "constraints", "remove", "{subject}: prefixItems removed", ALL,
       "prefix-items-added"),
    _c("unevaluated-items-added", E, I, "constraints", "add", "{subject}: unevaluatedItems added", ALL,
       "unevaluated-items-removed"),
    _c("unevaluated-items-removed", I, E, "constraints", "remove", "{subject}: unevaluatedItems removed",
       ALL, "unevaluated-items-added"),
    _c("contains-added", E, I, "constraints", "add", "{subject}: contains constraint added", ALL,
       "contains-removed"),
    _c("contains-removed", I, E, "constraints", "remove", "{subject}: contains constraint removed", ALL,
       "contains-added"),
    # composition
    _c("one-of-added", I, E, "composition", "add", "{subject}: oneOf member {member} added", ALL,
       "one-of-removed"),
    _c("one-of-removed", E, I, "composition", "remove", "{subject}: oneOf member {member} removed", ALL,
       "one-of-added"),
    _c("any-of-added", I, I, "composition", "add", "{subject}: anyOf member {member} added", ALL,
       "any-of-removed"),
    _c("any-of-removed", E, I, "composition", "remove", "{subject}: anyOf member {member} removed", ALL,
       "any-of-added"),
    _c("all-of-added", I, I, "composition", "add", "{subject}: allOf member {member} added", ALL,
       "all-of-removed"),
    _c("all-of-removed", I, I, "composition", "remove", "{subject}: allOf member {member} removed", ALL,
       "all-of-added"),
    _c("wrapped-in-one-of", E, E, "composition", "change", "{subject}: schema wrapped in oneOf", ALL,
       "unwrapped-from-one-of"),
    _c("unwrapped-from-one-of", E, E, "composition", "change", "{subject}: oneOf replaced by one of its members",
       ALL, "wrapped-in-one-of"),
    _c("not-added", E, I, "composition", "add", "{subject}: 'not' constraint added", ALL, "not-removed"),
    _c("not-removed", I, W, "composition", "remove", "{subject}: 'not' constraint removed", ALL, "not-added"),
    _c("if-added", E, I, "composition", "add", "{subject}: 'if' added", ALL, "if-removed"),
    _c("if-removed", I, E, "composition", "remove", "{subject}: 'if' removed", ALL, "if-added"),
    _c("then-added", E, I, "composition", "add", "{subject}: 'then' added", ALL, "then-removed"),
    _c("then-removed", I, E, "composition", "remove", "{subject}: 'then' removed", ALL, "then-added"),
    _c("else-added", E, I, "composition", "add", "{subject}: 'else' added", ALL, "else-removed"),
    _c("else-removed", I, E, "composition", "remove", "{subject}: 'else' removed", ALL, "else-added"),
    # content (3.1)
    _c("content-encoding-changed", E, E, "type", "change",
       "{subject}: contentEncoding changed from {old!r} to {new!r}", ALL, "content-encoding-changed"),
    _c("content-media-type-changed", E, E, "type", "change",
       "{subject}: contentMediaType changed from {old!r} to {new!r}", ALL, "content-media-type-changed"),
    _c("content-schema-added", E, I, "type", "add", "{subject}: contentSchema added", ALL,
       "content-schema-removed"),
    _c("content-schema-removed", I, E, "type", "remove", "{subject}: contentSchema removed", ALL,
       "content-schema-added"),
    # lifecycle of properties and parameters
    _c("deprecated", I, I, "lifecycle", "change", "{subject}: deprecated", ALL, "reactivated"),
    _c("deprecated-with-sunset", I, I, "lifecycle", "change", "{subject}: deprecated with sunset {sunset}",
       ALL, "reactivated"),
    _c("reactivated", I, I, "lifecycle", "change", "{subject}: no longer deprecated", ALL, "deprecated"),
    _c("deprecated-sunset-missing", E, E, "lifecycle", "change",
       "{subject}: deprecated without an x-sunset date (at least {days} days required)", ALL, "reactivated"),
    _c("deprecated-sunset-invalid", E, E, "lifecycle", "change",
       "{subject}: x-sunset {sunset!r} is not a date (YYYY-MM-DD)", ALL, "reactivated"),
    _c("sunset-date-too-small", E, E, "lifecycle", "change",
       "{subject}: x-sunset {sunset} is sooner than the required {days} days", ALL, "reactivated"),
    _c("stability-decreased", E, E, "lifecycle", "decrease",
       "{subject}: x-stability-level decreased from {old!r} to {new!r}", ALL, "stability-increased"),
    _c("stability-increased", I, I, "lifecycle", "increase",
       "{subject}: x-stability-level increased from {old!r} to {new!r}", ALL, "stability-decreased"),
)

# Severity overrides for composed ids where the scope changes the meaning (oasdiff levels).
_COMPOSED_OVERRIDES: dict[str, Severity] = {
    "request-parameter-default-value-added": E,
    "request-parameter-default-value-removed": E,
    "request-parameter-default-value-changed": E,
    "request-parameter-type-changed": E,
    "request-body-any-of-added": I,
    "response-body-any-of-added": I,
}


@dataclass(frozen=True, slots=True)
class Fixed:
    id: str
    severity: Severity
    side: Side
    area: str
    kind: str
    action: str
    template: str
    mirror: str | None = None


REQ, RESP, NONE = Side.REQUEST, Side.RESPONSE, Side.NONE

FIXED: tuple[Fixed, ...] = (
    # operations and paths
    Fixed("endpoint-added", I, NONE, "paths", "existence", "add", "endpoint added", "api-removed-without-deprecation"),
    Fixed("api-removed-without-deprecation", E, NONE, "paths", "existence", "remove",
          "endpoint removed without prior deprecation", "endpoint-added"),
    Fixed("api-removed-with-deprecation", I, NONE, "paths", "existence", "remove",
          "deprecated endpoint removed", "endpoint-added"),
    Fixed("api-removed-before-sunset", E, NONE, "paths", "existence", "remove",
          "endpoint removed before its sunset date {sunset}", "endpoint-added"),
    Fixed("api-path-removed-without-deprecation", E, NONE, "paths", "existence", "remove",
          "path removed without prior deprecation", "endpoint-added"),
    Fixed("api-path-removed-with-deprecation", I, NONE, "paths", "existence", "remove",
          "deprecated path removed", "endpoint-added"),
    Fixed("api-path-removed-before-sunset", E, NONE, "paths", "existence", "remove",
          "path removed before its sunset date {sunset}", "endpoint-added"),
    Fixed("endpoint-deprecated", I, NONE, "paths", "lifecycle", "change", "endpoint deprecated", "endpoint-reactivated"),
    Fixed("endpoint-deprecated-with-sunset", I, NONE, "paths", "lifecycle", "change",
          "endpoint deprecated with sunset date {sunset}", "endpoint-reactivated"),
    Fixed("endpoint-reactivated", I, NONE, "paths", "lifecycle", "change", "endpoint no longer deprecated",
          "endpoint-deprecated"),
    Fixed("api-deprecated-sunset-missing", E, NONE, "paths", "lifecycle", "change",
          "endpoint deprecated without an x-sunset date (at least {days} days required)"),
    Fixed("api-deprecated-sunset-parse", E, NONE, "paths", "lifecycle", "change",
          "x-sunset {sunset!r} is not a date (YYYY-MM-DD)"),
    Fixed("api-sunset-date-too-small", E, NONE, "paths", "lifecycle", "change",
          "x-sunset {sunset} is sooner than the required {days} days"),
    Fixed("api-sunset-date-changed-too-small", E, NONE, "paths", "lifecycle", "change",
          "x-sunset moved earlier from {old} to {new}"),
    Fixed("sunset-deleted", E, NONE, "paths", "lifecycle", "remove",
          "x-sunset {old} removed from a deprecated endpoint"),
    Fixed("api-stability-decreased", E, NONE, "paths", "lifecycle", "decrease",
          "x-stability-level decreased from {old!r} to {new!r}", "api-stability-increased"),
    Fixed("api-stability-increased", I, NONE, "paths", "lifecycle", "increase",
          "x-stability-level increased from {old!r} to {new!r}", "api-stability-decreased"),
    Fixed("api-invalid-stability-level", E, NONE, "paths", "lifecycle", "change",
          "x-stability-level {value!r} is not one of draft, alpha, beta, stable"),
    Fixed("api-path-sunset-parse", E, NONE, "paths", "lifecycle", "change",
          "{path}: the x-sunset of a deprecated endpoint changed, and {sunset!r} is not a date "
          "(YYYY-MM-DD or RFC 3339)"),
    Fixed("api-operation-id-added", I, NONE, "paths", "existence", "add", "operationId {new!r} added",
          "api-operation-id-removed"),
    Fixed("api-operation-id-removed", I, NONE, "paths", "existence", "remove",
          "operationId {old!r} removed or changed (now {new!r})", "api-operation-id-added"),
    Fixed("api-tag-added", I, NONE, "paths", "existence", "add", "tag {value!r} added", "api-tag-removed"),
    Fixed("api-tag-removed", I, NONE, "paths", "existence", "remove", "tag {value!r} removed", "api-tag-added"),
    Fixed("webhook-added", I, NONE, "webhooks", "existence", "add", "webhook {name!r} added", "webhook-removed"),
    Fixed("webhook-removed", E, NONE, "webhooks", "existence", "remove", "webhook {name!r} removed", "webhook-added"),
    Fixed("callback-added", I, NONE, "callbacks", "existence", "add", "callback {name!r} added", "callback-removed"),
    Fixed("callback-removed", E, NONE, "callbacks", "existence", "remove",
          "callback {name!r} removed: clients waiting for it are no longer called", "callback-added"),
    Fixed("api-server-added", I, NONE, "servers", "existence", "add", "server {url!r} added", "api-server-removed"),
    Fixed("api-server-removed", W, NONE, "servers", "existence", "remove", "server {url!r} removed",
          "api-server-added"),
    Fixed("api-schema-removed", I, NONE, "components", "existence", "remove", "component schema {name!r} removed"),
    # security
    Fixed("api-security-added", I, NONE, "security", "existence", "add", "security requirement {scheme!r} added",
          "api-security-removed"),
    Fixed("api-security-removed", I, NONE, "security", "existence", "remove",
          "security requirement {scheme!r} removed", "api-security-added"),
    Fixed("api-security-scope-added", I, NONE, "security", "existence", "add",
          "scope {scope!r} of security requirement {scheme!r} added", "api-security-scope-removed"),
    Fixed("api-security-scope-removed", I, NONE, "security", "existence", "remove",
          "scope {scope!r} of security requirement {scheme!r} removed", "api-security-scope-added"),
    Fixed("api-global-security-added", I, NONE, "security", "existence", "add",
          "global security requirement {scheme!r} added", "api-global-security-removed"),
    Fixed("api-global-security-removed", I, NONE, "security", "existence", "remove",
          "global security requirement {scheme!r} removed", "api-global-security-added"),
    Fixed("api-global-security-scope-added", I, NONE, "security", "existence", "add",
          "scope {scope!r} of global security requirement {scheme!r} added", "api-global-security-scope-removed"),
    Fixed("api-global-security-scope-removed", I, NONE, "security", "existence", "remove",
          "scope {scope!r} of global security requirement {scheme!r} removed", "api-global-security-scope-added"),
    Fixed("api-security-component-added", I, NONE, "security", "existence", "add",
          "security scheme {scheme!r} added", "api-security-component-removed"),
    Fixed("api-security-component-removed", I, NONE, "security", "existence", "remove",
          "security scheme {scheme!r} removed", "api-security-component-added"),
    Fixed("api-security-component-type-changed", I, NONE, "security", "type", "change",
          "security scheme {scheme!r} type changed from {old!r} to {new!r}", "api-security-component-type-changed"),
    Fixed("api-security-component-oauth-scope-added", I, NONE, "security", "existence", "add",
          "security scheme {scheme!r}: OAuth scope {scope!r} added", "api-security-component-oauth-scope-removed"),
    Fixed("api-security-component-oauth-scope-removed", I, NONE, "security", "existence", "remove",
          "security scheme {scheme!r}: OAuth scope {scope!r} removed", "api-security-component-oauth-scope-added"),
    Fixed("api-security-component-oauth-url-changed", I, NONE, "security", "type", "change",
          "security scheme {scheme!r}: OAuth {flow} authorizationUrl changed from {old!r} to {new!r}",
          "api-security-component-oauth-url-changed"),
    Fixed("api-security-component-oauth-token-url-changed", I, NONE, "security", "type", "change",
          "security scheme {scheme!r}: OAuth {flow} tokenUrl changed from {old!r} to {new!r}",
          "api-security-component-oauth-token-url-changed"),
    # parameters
    Fixed("new-required-request-parameter", E, REQ, "parameters", "existence", "add",
          "new required {in} parameter {name!r}", "request-parameter-removed"),
    Fixed("new-optional-request-parameter", I, REQ, "parameters", "existence", "add",
          "new optional {in} parameter {name!r}", "request-parameter-removed"),
    Fixed("new-request-path-parameter", E, REQ, "parameters", "existence", "add",
          "new path parameter {name!r}", "request-parameter-removed"),
    Fixed("new-required-request-default-parameter-to-existing-path", E, REQ, "parameters", "existence", "add",
          "new required path-level {in} parameter {name!r}", "request-parameter-removed"),
    Fixed("new-optional-request-default-parameter-to-existing-path", I, REQ, "parameters", "existence", "add",
          "new optional path-level {in} parameter {name!r}", "request-parameter-removed"),
    Fixed("request-parameter-removed", W, REQ, "parameters", "existence", "remove",
          "{in} parameter {name!r} removed", "new-optional-request-parameter"),
    Fixed("request-parameter-removed-with-deprecation", I, REQ, "parameters", "existence", "remove",
          "deprecated {in} parameter {name!r} removed", "new-optional-request-parameter"),
    Fixed("request-parameter-removed-before-sunset", E, REQ, "parameters", "existence", "remove",
          "{in} parameter {name!r} removed before its sunset date {sunset}", "new-optional-request-parameter"),
    Fixed("request-parameter-became-required", E, REQ, "parameters", "requiredness", "change",
          "{in} parameter {name!r} became required", "request-parameter-became-optional"),
    Fixed("request-parameter-became-optional", I, REQ, "parameters", "requiredness", "change",
          "{in} parameter {name!r} became optional", "request-parameter-became-required"),
    Fixed("request-parameter-style-changed", E, REQ, "parameters", "type", "change",
          "{in} parameter {name!r}: serialization style changed from {old!r} to {new!r}",
          "request-parameter-style-changed"),
    Fixed("request-parameter-explode-changed", E, REQ, "parameters", "type", "change",
          "{in} parameter {name!r}: explode changed from {old} to {new}", "request-parameter-explode-changed"),
    Fixed("request-parameter-sunset-parse", E, REQ, "parameters", "lifecycle", "change",
          "{in} parameter {name!r}: x-sunset {sunset!r} is not a date (YYYY-MM-DD)", "request-parameter-reactivated"),
    Fixed("request-parameter-sunset-deleted", E, REQ, "parameters", "lifecycle", "remove",
          "{in} parameter {name!r}: x-sunset {old} removed while still deprecated"),
    Fixed("request-parameter-sunset-date-changed-too-small", E, REQ, "parameters", "lifecycle", "change",
          "{in} parameter {name!r}: x-sunset moved earlier from {old} to {new}"),
    Fixed("new-required-request-header-property", E, REQ, "parameters", "existence", "add",
          "header parameter {name!r}: new required property {property!r}", "request-header-property-removed"),
    Fixed("request-header-property-removed", W, REQ, "parameters", "existence", "remove",
          "header parameter {name!r}: property {property!r} removed", "new-required-request-header-property"),
    Fixed("request-header-property-became-required", E, REQ, "parameters", "requiredness", "change",
          "header parameter {name!r}: property {property!r} became required",
          "request-header-property-became-optional"),
    Fixed("request-header-property-became-optional", I, REQ, "parameters", "requiredness", "change",
          "header parameter {name!r}: property {property!r} became optional",
          "request-header-property-became-required"),
    Fixed("request-header-property-became-enum", E, REQ, "parameters", "values", "narrow",
          "header parameter {name!r}: property {property!r} became an enum of {new}",
          "request-header-property-became-not-enum"),
    Fixed("request-header-property-became-not-enum", I, REQ, "parameters", "values", "widen",
          "header parameter {name!r}: property {property!r} is no longer an enum",
          "request-header-property-became-enum"),
    # request bodies
    Fixed("request-body-added-required", E, REQ, "body", "existence", "add", "required request body added",
          "request-body-removed"),
    Fixed("request-body-added-optional", I, REQ, "body", "existence", "add", "optional request body added",
          "request-body-removed"),
    Fixed("request-body-removed", E, REQ, "body", "existence", "remove", "request body removed",
          "request-body-added-optional"),
    Fixed("request-body-became-required", E, REQ, "body", "requiredness", "change", "request body became required",
          "request-body-became-optional"),
    Fixed("request-body-became-optional", I, REQ, "body", "requiredness", "change", "request body became optional",
          "request-body-became-required"),
    Fixed("request-body-media-type-added", I, REQ, "body", "existence", "add",
          "request body media type {media_type!r} added", "request-body-media-type-removed"),
    Fixed("request-body-media-type-removed", E, REQ, "body", "existence", "remove",
          "request body media type {media_type!r} removed", "request-body-media-type-added"),
    Fixed("request-body-media-type-schema-added", E, REQ, "body", "existence", "add",
          "request body {media_type!r}: schema added", "request-body-media-type-schema-removed"),
    Fixed("request-body-media-type-schema-removed", I, REQ, "body", "existence", "remove",
          "request body {media_type!r}: schema removed", "request-body-media-type-schema-added"),
    # request properties
    Fixed("new-required-request-property", E, REQ, "properties", "existence", "add",
          "new required request property {property!r}", "request-property-removed"),
    Fixed("new-required-request-property-with-default", E, REQ, "properties", "existence", "add",
          "new required request property {property!r} (it has a default)", "request-property-removed"),
    Fixed("new-optional-request-property", I, REQ, "properties", "existence", "add",
          "new optional request property {property!r}", "request-property-removed"),
    Fixed("request-property-removed", W, REQ, "properties", "existence", "remove",
          "request property {property!r} removed", "new-optional-request-property"),
    Fixed("request-property-became-required", E, REQ, "properties", "requiredness", "change",
          "request property {property!r} became required", "request-property-became-optional"),
    Fixed("request-property-became-optional", I, REQ, "properties", "requiredness", "change",
          "request property {property!r} became optional", "request-property-became-required"),
    Fixed("request-property-became-required-with-default", E, REQ, "properties", "requiredness", "change",
          "request property {property!r} became required (it has a default)", "request-property-became-optional"),
    # responses
    Fixed("response-success-status-removed", E, RESP, "responses", "existence", "remove",
          "success response status {status} removed", "response-success-status-added"),
    Fixed("response-success-status-added", I, RESP, "responses", "existence", "add",
          "success response status {status} added", "response-success-status-removed"),
    Fixed("response-non-success-status-removed", I, RESP, "responses", "existence", "remove",
          "non-success response status {status} removed", "response-non-success-status-added"),
    Fixed("response-non-success-status-added", I, RESP, "responses", "existence", "add",
          "non-success response status {status} added", "response-non-success-status-removed"),
    Fixed("response-media-type-removed", E, RESP, "responses", "existence", "remove",
          "response {status}: media type {media_type!r} removed", "response-media-type-added"),
    Fixed("response-media-type-added", I, RESP, "responses", "existence", "add",
          "response {status}: media type {media_type!r} added", "response-media-type-removed"),
    Fixed("response-media-type-name-generalized", E, RESP, "responses", "type", "widen",
          "response {status}: media type {old!r} generalized to {new!r}", "response-media-type-name-specialized"),
    Fixed("response-media-type-name-specialized", I, RESP, "responses", "type", "narrow",
          "response {status}: media type {old!r} specialized to {new!r}", "response-media-type-name-generalized"),
    Fixed("response-media-type-name-changed", I, RESP, "responses", "type", "change",
          "response {status}: media type {old!r} changed to {new!r} (its parameters only)",
          "response-media-type-name-changed"),
    Fixed("response-body-media-type-schema-removed", W, RESP, "responses", "existence", "remove",
          "response {status} {media_type!r}: schema removed", "response-body-media-type-schema-added"),
    Fixed("response-body-media-type-schema-added", I, RESP, "responses", "existence", "add",
          "response {status} {media_type!r}: schema added", "response-body-media-type-schema-removed"),
    Fixed("response-header-added", I, RESP, "headers", "existence", "add", "response {status}: header {name!r} added",
          "optional-response-header-removed"),
    Fixed("required-response-header-removed", E, RESP, "headers", "existence", "remove",
          "response {status}: required header {name!r} removed", "response-header-added"),
    Fixed("optional-response-header-removed", W, RESP, "headers", "existence", "remove",
          "response {status}: optional header {name!r} removed", "response-header-added"),
    Fixed("response-header-became-optional", E, RESP, "headers", "requiredness", "change",
          "response {status}: header {name!r} became optional", "response-header-became-required"),
    Fixed("response-header-became-required", I, RESP, "headers", "requiredness", "change",
          "response {status}: header {name!r} became required", "response-header-became-optional"),
    # response properties
    Fixed("response-required-property-removed", E, RESP, "properties", "existence", "remove",
          "required response property {property!r} removed", "response-required-property-added"),
    Fixed("response-optional-property-removed", W, RESP, "properties", "existence", "remove",
          "optional response property {property!r} removed", "response-optional-property-added"),
    Fixed("response-required-property-added", I, RESP, "properties", "existence", "add",
          "required response property {property!r} added", "response-required-property-removed"),
    Fixed("response-optional-property-added", I, RESP, "properties", "existence", "add",
          "optional response property {property!r} added", "response-optional-property-removed"),
    Fixed("response-property-became-optional", E, RESP, "properties", "requiredness", "change",
          "response property {property!r} became optional", "response-property-became-required"),
    Fixed("response-property-became-required", I, RESP, "properties", "requiredness", "change",
          "response property {property!r} became required", "response-property-became-optional"),
)


def _access_rules() -> tuple[Fixed, ...]:
    out = []
    for side, sev_side in ((REQ, "request"), (RESP, "response")):
        for req in ("required", "optional"):
            for flag in ("read-only", "write-only"):
                for neg in ("", "not-"):
                    rid = f"{sev_side}-{req}-property-became-{neg}{flag}"
                    sev = W if rid == "response-required-property-became-not-write-only" else I
                    mirror = f"{sev_side}-{req}-property-became-{'' if neg else 'not-'}{flag}"
                    out.append(Fixed(rid, sev, side, "properties", "access", "change",
                                     f"{req} {sev_side} property {{property!r}} became {'not ' if neg else ''}{flag}",
                                     mirror))
    return tuple(out)


FIXED = FIXED + _access_rules()


def _load_oasdiff_ids() -> frozenset[str]:
    # The vocabulary list is a reference fact; we keep the subset we share in a package data file.
    from importlib import resources

    try:
        text = resources.files("contractdrift.compare").joinpath("oasdiff_ids.txt").read_text()
    except (FileNotFoundError, OSError):
        return frozenset()
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def compose(side: Side, scope: str, concept: str) -> str:
    return f"{side.value}-{scope}-{concept}"


def _build() -> tuple[dict[str, RuleInfo], dict[str, str], dict[str, tuple[str, str]]]:
    oasdiff = _load_oasdiff_ids()
    rules: dict[str, RuleInfo] = {}
    mirrors: dict[str, str] = {}
    concept_of: dict[str, tuple[str, str]] = {}

    def add(info: RuleInfo, mirror: str | None) -> None:
        if info.id in rules:
            raise RuntimeError(f"duplicate rule id {info.id!r}")
        rules[info.id] = info
        if mirror:
            mirrors[info.id] = mirror

    for c in CONCEPTS:
        for side, sev in ((REQ, c.request), (RESP, c.response)):
            if sev is None:
                continue
            for scope in SCOPES:
                if scope not in c.scopes or (scope == "header" and side is REQ) or (
                        scope.startswith("parameter") and side is RESP):  # headers answer, parameters ask
                    continue
                rid = compose(side, scope, c.name)
                sev_final = _COMPOSED_OVERRIDES.get(rid, sev)
                summary = c.template.replace("{subject}: ", "").split("{")[0].strip() or c.name
                add(RuleInfo(id=rid, severity=sev_final, side=side, kind=c.kind, action=c.action,
                             summary=f"{side.value} {scope}: {summary}".strip(), template=c.template,
                             area=scope, oasdiff=rid in oasdiff),
                    compose(side, scope, c.mirror) if c.mirror else None)
                concept_of[rid] = (scope, c.name)
    for f in FIXED:
        add(RuleInfo(id=f.id, severity=f.severity, side=f.side, kind=f.kind, action=f.action,
                     summary=f.template.split("{")[0].strip() or f.id, template=f.template, area=f.area,
                     oasdiff=f.id in oasdiff), f.mirror)
    return rules, mirrors, concept_of


_RULES, MIRRORS, CONCEPT_OF = _build()
_RULES = dict(sorted(_RULES.items()))
#: Every registered rule of every family, sorted by id (a live read-only view: families registered
#: later by other drivers appear here too).
REGISTRY: Mapping[str, RuleInfo] = MappingProxyType(_RULES)
CONCEPTS_BY_NAME: Mapping[str, Concept] = MappingProxyType({c.name: c for c in CONCEPTS})

# -- families ------------------------------------------------------------------------------------------
#: Rule families: which driver reports the rule. ``diff`` is spec vs spec; the others are reserved for
#: the drivers being written (traffic ``check`` against the spec, client ``expect``ations, ``parity``).
FAMILIES: Mapping[str, str] = MappingProxyType({
    "diff": "spec vs spec (`contractdrift diff`)",
    "check": "recorded traffic vs the spec",
    "expect": "client expectations vs the spec or the provider",
    "parity": "two deployments or versions answering alike",
})


def register_rules(family: str, rules: Iterable[RuleInfo], *, mirrors: Mapping[str, str] | None = None
                   ) -> tuple[RuleInfo, ...]:
    """Add a family's rules to the registry (call it at import of the driver module that reports them).

    Every rule must carry ``family`` (or the default ``"diff"`` is replaced by ``family``). Ids must be
    new across all families: a duplicate raises ``RuntimeError`` at import, so two drivers can never
    silently share an id. Registering the very same ``RuleInfo`` again is a no-op (module reloads).
    Returns the registered rules. ``mirrors`` maps a rule to the one reported when base and revision
    are swapped (for families where that means something).
    """
    if family not in FAMILIES:
        raise RuntimeError(f"unknown rule family {family!r} (known: {', '.join(FAMILIES)})")
    import re as _re

    pattern = _re.compile(ID_PATTERN)
    batch: dict[str, RuleInfo] = {}
    for info in rules:
        if info.family != family:
            if info.family != "diff":
                raise RuntimeError(f"rule {info.id!r} belongs to family {info.family!r}, not {family!r}")
            info = _dc_replace(info, family=family)
        if not pattern.match(info.id):
            raise RuntimeError(f"rule id {info.id!r} is not kebab-case")
        if info.id in batch or (info.id in _RULES and _RULES[info.id] != info):
            raise RuntimeError(f"duplicate rule id {info.id!r} (already registered by family "
                               f"{(_RULES.get(info.id) or batch[info.id]).family!r})")
        batch[info.id] = info
    for rid, mirror in (mirrors or {}).items():
        if rid not in batch or (mirror not in batch and mirror not in _RULES):
            raise RuntimeError(f"mirror {rid!r} -> {mirror!r} names an unknown rule")
    merged = {**_RULES, **batch}
    _RULES.clear()
    _RULES.update(sorted(merged.items()))
    MIRRORS.update(mirrors or {})
    return tuple(batch.values())


def rule_table(family: str) -> Callable[[Callable[[], Iterable[RuleInfo]]], Callable[[], Iterable[RuleInfo]]]:
    """Decorator form of :func:`register_rules`: the decorated function returns the family's rules and
    is called once, at import::

        @rule_table("check")
        def _check_rules() -> list[RuleInfo]:
            return [RuleInfo(id="response-status-undeclared", ...)]
    """
    def wrap(fn: Callable[[], Iterable[RuleInfo]]) -> Callable[[], Iterable[RuleInfo]]:
        register_rules(family, fn())
        return fn
    return wrap


#: Family -> module that registers its rules at import (drivers add themselves here, so config
#: validation and ``contractdrift rules`` know every family's ids without importing drivers eagerly).
FAMILY_MODULES: dict[str, str] = {
    "parity": "contractdrift.compare.parity_rules",
    "check": "contractdrift.compare.check_rules",
    "expect": "contractdrift.compare.expect_rules",  # client expectations (issue 9)
}


def load_families() -> None:
    """Import the modules of :data:`FAMILY_MODULES` (each registers its family once)."""
    import importlib

    for module in FAMILY_MODULES.values():
        importlib.import_module(module)


def rules_of(family: str) -> Mapping[str, RuleInfo]:
    """The rules of one family, sorted by id."""
    return MappingProxyType({rid: info for rid, info in _RULES.items() if info.family == family})


# -- concepts at scopes ----------------------------------------------------------------------------------
#: Where a walker change lands: (scope the driver compares at, nested below its root?) -> scopes to try,
#: in order. A parameter's nested schema uses oasdiff's ``parameter-property`` ids where they exist and
#: the parameter's own otherwise; a response header's nested schema is still the header's. The body is
#: the only scope whose root and inside have different ids. Nothing ever falls back to another scope:
#: a concept without an id at its scope is *unfiled* (see :mod:`.emit`).
SCOPE_CHAIN: Mapping[tuple[str, bool], tuple[str, ...]] = MappingProxyType({
    ("body", False): ("body",),
    ("body", True): ("property",),
    ("property", False): ("property",),
    ("property", True): ("property",),
    ("parameter", False): ("parameter",),
    ("parameter", True): (PARAMETER_PROPERTY, "parameter"),
    (PARAMETER_PROPERTY, False): (PARAMETER_PROPERTY, "parameter"),
    (PARAMETER_PROPERTY, True): (PARAMETER_PROPERTY, "parameter"),
    ("header", False): ("header",),
    ("header", True): ("header",),
})
#: The scopes a walker compares schemas at, per side (headers answer, parameters ask).
WALKED_SCOPES: Mapping[Side, tuple[str, ...]] = MappingProxyType({
    Side.REQUEST: ("body", "parameter"),
    Side.RESPONSE: ("body", "header"),
})


def concept_rule(concept: str, side: Side, scope: str, *, nested: bool = False) -> str | None:
    """The registered id of ``concept`` on ``side`` at ``scope`` (``nested`` below the schema's root),
    or ``None`` when the registry has none there (never an id of another scope)."""
    for s in SCOPE_CHAIN.get((scope, nested), (scope,)):
        rid = compose(side, s, concept)
        if rid in _RULES:
            return rid
    return None


def get_rule(rule_id: str) -> RuleInfo:
    try:
        return REGISTRY[rule_id]
    except KeyError:
        raise UsageError(f"unknown rule id {rule_id!r} (see `contractdrift rules`)") from None


class _Args(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def render_message(rule_id: str, args: Mapping[str, Any], subject: str = "") -> str:
    """Render a rule's template over ``args``; missing keys render as ``?`` (never raise)."""
    template = REGISTRY[rule_id].template
    values = _Args(args)
    values["subject"] = subject or "schema"
    try:
        text = template.format_map(values)
    except (ValueError, IndexError, KeyError):
        text = template
    return text[:1].upper() + text[1:]
