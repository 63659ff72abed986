"""Hand-built reports for the renderer tests, and a hypothesis strategy for arbitrary ones."""

from __future__ import annotations

from hypothesis import strategies as st

from contractdrift.model import (
    Evidence,
    Finding,
    Location,
    Report,
    RuleInfo,
    Severity,
    Side,
    SourcePosition,
    SpecLocation,
)

NASTY = "a|b <i>&amp;</i> \"q\" 'q' `tick` 100% a:b, c\\d *e* _f_ [g](h) #1 @all ~x~"

RULES: dict[str, RuleInfo] = {
    "response-property-type-changed": RuleInfo(
        id="response-property-type-changed",
        severity=Severity.ERROR,
        side=Side.RESPONSE,
        kind="type",
        action="change",
        summary="A response property changed its type",
        template="changed the type of {property!r} from {old} to {new}",
        area="properties",
        oasdiff=True,
    ),
    "request-parameter-became-required": RuleInfo(
        id="request-parameter-became-required",
        severity=Severity.ERROR,
        side=Side.REQUEST,
        kind="requiredness",
        action="set",
        summary="A request parameter became required",
        template="the {location} parameter {name!r} became required",
        area="parameters",
    ),
    "endpoint-added": RuleInfo(
        id="endpoint-added",
        severity=Severity.INFO,
        side=Side.NONE,
        kind="existence",
        action="add",
        summary="An endpoint was added",
        template="added the endpoint {operation}",
        area="paths",
    ),
}


def mixed_findings() -> list[Finding]:
    """Findings of every shape: with and without positions, evidence, odd characters, no operation."""
    return [
        Finding(
            rule_id="response-property-type-changed",
            severity=Severity.ERROR,
            location=Location(
                operation="GET /users/{id}",
                side=Side.RESPONSE,
                status="200",
                media_type="application/json",
                base=SpecLocation(
                    pointer="/components/schemas/User/properties/email",
                    position=SourcePosition("specs/base.yaml", 41, 9),
                ),
                revision=SpecLocation(
                    pointer="/components/schemas/User/properties/email",
                    position=SourcePosition("specs/revision, v2.yaml", 44, 11),
                ),
                payload_pointer="/items/0/email",
            ),
            message="changed the type of 'email' from string to integer",
            args={"property": "email", "old": "string", "new": "integer"},
        ),
        Finding(
            rule_id="response-property-type-changed",
            severity=Severity.ERROR,
            location=Location(
                operation="GET /users/{id}",
                side=Side.RESPONSE,
                status="200",
                media_type="application/json",
                payload_pointer="/na~1me/ünï|cødé",
                exchange_ids=("ex-1", "ex-2"),
            ),
            message=f"observed {NASTY}\nsecond line\twith tab and \x1b[31mescape\x1b[0m",
            args={"property": "na/me", "old": "string", "new": ["integer", "null"], "ratio": 0.03},
            evidence=Evidence(
                observed=12,
                total=400,
                first_seen="2024-05-01T12:00:00Z",
                example={"na/me": 5, "ñ": "✓ 😀", "html": "<script>alert(1)</script>"},
                exchange_ids=("ex-1", "ex-2", "ex-3", "ex-4", "ex-5"),
            ),
        ),
        Finding(
            rule_id="request-parameter-became-required",
            severity=Severity.WARN,
            location=Location(
                operation="POST /orders",
                side=Side.REQUEST,
                base=SpecLocation(pointer="/paths/~1orders/post/parameters/0"),
            ),
            message="the query parameter 'trace' became required",
            args={"location": "query", "name": "trace"},
        ),
        Finding(
            rule_id="request-parameter-became-required",
            severity=Severity.WARN,
            location=Location(
                operation="POST /orders",
                side=Side.REQUEST,
                revision=SpecLocation(
                    pointer="/paths/~1orders/post/parameters/1",
                    position=SourcePosition("specs/revision, v2.yaml", 120, 1),
                ),
            ),
            message="",  # rendered from the rule template when rules are given
            args={"location": "header", "name": "X-Tenant"},
        ),
        Finding(
            rule_id="endpoint-added",
            severity=Severity.INFO,
            location=Location(
                operation="GET /files/{name}.json",
                revision=SpecLocation(
                    pointer="/paths/~1files~1{name}.json/get",
                    position=SourcePosition("specs/revision, v2.yaml", 200, 5),
                ),
            ),
            message="added the endpoint GET /files/{name}.json",
        ),
        Finding(
            rule_id="api-security-removed",
            severity=Severity.INFO,
            location=Location(),
            message="removed the global security requirement 'oauth2'",
            args={"scheme": "oauth2"},
        ),
    ]


def mixed_report() -> Report:
    return Report.build(
        mixed_findings(),
        warnings=[
            "specs/base.yaml: invalid in places (#/paths/~1legacy): 'responses' is a required property",
            "two-line warning\nsecond line, 100%",
        ],
        meta={"base": "specs/base.yaml", "revision": "specs/revision, v2.yaml", "mode": "diff"},
    )


def empty_report() -> Report:
    return Report.build([], warnings=["no operations matched --match-path '^/internal'"])


def single_error_report() -> Report:
    return Report.build(mixed_findings()[:1])


SAMPLES = {"mixed": mixed_report, "empty": empty_report, "single": single_error_report}

# -- hypothesis -------------------------------------------------------------------------------------

_text = st.text(st.characters(codec="utf-8"), max_size=30)  # no lone surrogates
_any_text = st.text(max_size=30)  # includes lone surrogates and control characters
_json_scalar = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | _any_text
_json = st.recursive(
    _json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_rule_ids = st.sampled_from([*RULES, "response-body-media-type-removed", "x-rule"])
_pointer = st.lists(_any_text, max_size=4).map(
    lambda parts: "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)
)
_position = st.builds(
    SourcePosition, file=_any_text.filter(bool), line=st.integers(1, 10**6), col=st.integers(1, 500)
)
_spec = st.builds(SpecLocation, pointer=_pointer, position=st.none() | _position)
_location = st.builds(
    Location,
    operation=st.none() | st.builds(lambda m, p: f"{m} /{p}", st.sampled_from(["GET", "POST"]), _any_text),
    side=st.sampled_from(Side),
    status=st.none() | st.sampled_from(["200", "4XX", "default"]),
    media_type=st.none() | st.sampled_from(["application/json", "text/plain; charset=utf-8"]),
    base=st.none() | _spec,
    revision=st.none() | _spec,
    payload_pointer=st.none() | _pointer,
    exchange_ids=st.lists(_text, max_size=4).map(tuple),
)
_evidence = st.builds(
    Evidence,
    observed=st.integers(0, 1000),
    total=st.integers(0, 1000),
    first_seen=st.none() | _text,
    example=_json,
    exchange_ids=st.lists(_text, max_size=5).map(tuple),
)
findings_strategy = st.builds(
    Finding,
    rule_id=_rule_ids,
    severity=st.sampled_from(Severity),
    location=_location,
    message=_any_text,
    args=st.dictionaries(_text, _json, max_size=3),
    evidence=st.none() | _evidence,
)
reports = st.builds(
    Report.build,
    st.lists(findings_strategy, max_size=6),
    st.lists(_any_text, max_size=2),
    st.dictionaries(_text, _text, max_size=2),
)
