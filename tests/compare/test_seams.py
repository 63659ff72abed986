"""The seams other drivers plug into: rule families, the emitter, operation shapes, schema semantics."""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contractdrift.compare import rules as R
from contractdrift.compare.emit import Emitter
from contractdrift.compare.schema_view import (
    applies_in,
    declared_types,
    implied_types,
    is_nullable,
    numeric_bounds,
    required_in,
    to_json_schema,
)
from contractdrift.model import RuleInfo, Severity, Side
from contractdrift.spec.load import load_spec_data, load_spec_text
from contractdrift.spec.node import Node
from contractdrift.spec.shapes import (
    match_media_type,
    match_status,
    media_covers,
    parameter_serialization,
    parse_media_type,
    security_map,
    security_requirements,
)

# -- rule families ------------------------------------------------------------------------------------------


def _rule(rid: str, family: str = "check") -> RuleInfo:
    return RuleInfo(id=rid, severity=Severity.ERROR, side=Side.RESPONSE, kind="existence", action="add",
                    summary="status not declared", template="status {status} is not declared", area="responses",
                    family=family)


@pytest.fixture
def scratch_registry() -> Iterator[None]:
    """Rules registered by a test are removed afterwards (the registry is process-global)."""
    R.load_families()  # the real families first, so restoring never drops rules of imported modules
    before = dict(R.REGISTRY)
    mirrors = dict(R.MIRRORS)
    yield
    R._RULES.clear()
    R._RULES.update(before)
    R.MIRRORS.clear()
    R.MIRRORS.update(mirrors)


@pytest.mark.usefixtures("scratch_registry")
def test_a_driver_registers_its_family_and_every_consumer_sees_it() -> None:
    from contractdrift import api
    from contractdrift.config import parse_config
    from contractdrift.report.catalogue import catalogue_markdown, catalogue_text

    @R.rule_table("check")
    def _rules() -> list[RuleInfo]:
        return [_rule("response-status-undeclared"), _rule("zz-check-rule")]

    assert {"response-status-undeclared", "zz-check-rule"} <= set(R.rules_of("check"))
    assert "response-status-undeclared" in R.REGISTRY and list(R.REGISTRY) == sorted(R.REGISTRY)
    assert {"response-status-undeclared", "zz-check-rule"} <= set(api.rules("check"))
    assert "response-status-undeclared" not in api.rules("diff")
    config = parse_config({"severity": {"response-status-undeclared": "warn"}}, "pyproject.toml", api.rules())
    assert config.severity["response-status-undeclared"] is Severity.WARN
    md = catalogue_markdown(api.rules())
    assert "## check" in md and '<a id="response-status-undeclared">' in md and md.index("## diff") < md.index("## check")
    assert "[check] status not declared" in catalogue_text(api.rules())
    # a diff family rule keeps the default; a rule whose family field says "diff" is adopted by the table
    adopted = R.register_rules("check", [_rule("adopted-rule", family="diff")])
    assert adopted[0].family == "check"


@pytest.mark.usefixtures("scratch_registry")
def test_duplicate_ids_are_refused_at_registration() -> None:
    with pytest.raises(RuntimeError, match=r"duplicate rule id 'response-body-type-changed'.*'diff'"):
        R.register_rules("check", [_rule("response-body-type-changed")])
    with pytest.raises(RuntimeError, match="duplicate rule id 'twice'"):
        R.register_rules("check", [_rule("twice"), _rule("twice")])
    with pytest.raises(RuntimeError, match="unknown rule family 'nope'"):
        R.register_rules("nope", [_rule("x-y")])
    with pytest.raises(RuntimeError, match="not kebab-case"):
        R.register_rules("check", [_rule("Bad_Id")])
    assert "twice" not in R.REGISTRY  # a refused batch registers nothing
    R.register_rules("check", [_rule("same")])
    R.register_rules("check", [_rule("same")])  # the very same rule again (a module reload) is fine


def test_unknown_family_is_a_usage_error() -> None:
    from contractdrift import api
    from contractdrift.errors import UsageError

    with pytest.raises(UsageError, match="unknown rule family 'nope'"):
        api.rules("nope")


# -- emitter ------------------------------------------------------------------------------------------------


def test_emitter_locations_are_per_document_even_when_names_collide() -> None:
    text = 'openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths: {}\n'
    a = load_spec_text(text, "same.yaml")
    b = load_spec_text("\n\n" + text, "same.yaml")
    emitter = Emitter(strict=True)
    la = emitter.location(Node(a, a.root, ("paths",), {}))
    lb = emitter.location(Node(b, b.root, ("paths",), {}))
    assert la is not None and lb is not None and la.position is not None and lb.position is not None
    assert (la.position.line, lb.position.line) == (3, 5)


def test_emitter_files_fixed_rules_and_concepts_with_json_args() -> None:
    spec = load_spec_data({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}})
    node = Node(spec, spec.root, ("paths",), {})
    emitter = Emitter(strict=True)
    f = emitter.emit("enum-value-removed", Side.REQUEST, "parameter", nested=True, op="GET /x", base=node, rev=node,
                     args={"value": ("a", 1)}, payload=("a",), subject="query parameter 'q'")
    assert f is not None and f.rule_id == "request-parameter-property-enum-value-removed"
    assert f.args["value"] == ["a", 1] and f.location.payload_pointer == "/a"
    g = emitter.emit("endpoint-added", Side.NONE, op="GET /x", base=node, rev=node)
    assert g is not None and g.rule_id == "endpoint-added" and emitter.findings == [f, g]


# -- operation shapes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "declared", "expected"), [
    (404, ["200", "4XX", "default"], "4XX"),
    ("404", ["404", "4XX"], "404"),
    (503, ["200", "4XX", "default"], "default"),
    (503, ["200", "4XX"], None),
    ("2xx", ["2XX"], "2XX"),
    ("Default", ["default"], "default"),
])
def test_match_status(status: Any, declared: list[str], expected: str | None) -> None:
    assert match_status(status, declared) == expected


@pytest.mark.parametrize(("actual", "declared", "expected"), [
    ("application/json; charset=utf-8", ["application/json", "*/*"], "application/json"),
    ("Application/JSON", ["application/json"], "application/json"),
    ("application/problem+json", ["application/json", "application/*"], "application/json"),
    ("application/problem+json", ["application/problem+json", "application/json"], "application/problem+json"),
    ("text/plain", ["application/json", "text/*"], "text/*"),
    ("image/png", ["application/json", "*/*"], "*/*"),
    ("image/png", ["application/json"], None),
    ("text/plain; charset=latin1", ["text/plain; charset=utf-8", "text/plain"], "text/plain"),
    ("text/plain; charset=utf-8", ["text/plain", "text/plain; charset=utf-8"], "text/plain; charset=utf-8"),
])
def test_match_media_type(actual: str, declared: list[str], expected: str | None) -> None:
    assert match_media_type(actual, declared) == expected


def test_media_type_parsing_and_covering() -> None:
    mt = parse_media_type('application/vnd.api+json; Charset="utf-8"')
    assert (mt.essence, mt.suffix, mt.parameters) == ("application/vnd.api+json", "json", (("charset", "utf-8"),))
    assert media_covers("*/*", "text/plain") and media_covers("application/*", "application/json")
    assert not media_covers("application/json", "application/json") and not media_covers("text/*", "application/json")


@pytest.mark.parametrize(("location", "param", "expected"), [
    ("query", {}, ("form", True)),
    ("cookie", {}, ("form", True)),
    ("path", {}, ("simple", False)),
    ("header", {}, ("simple", False)),
    ("query", {"style": "deepObject"}, ("deepObject", False)),
    ("query", {"style": "form", "explode": False}, ("form", False)),
])
def test_parameter_serialization_defaults(location: str, param: dict[str, Any], expected: tuple[str, bool]) -> None:
    ser = parameter_serialization(location, param)
    assert (ser.style, ser.explode) == expected


def test_security_requirements_are_alternatives() -> None:
    sec = [{"oauth": ["read", "write"]}, {"apiKey": []}, {}]
    assert security_requirements(sec) == ({"oauth": frozenset({"read", "write"})}, {"apiKey": frozenset()}, {})
    assert security_map(sec) == {"oauth": {"read", "write"}, "apiKey": set()}
    assert security_requirements(None) == ()


# -- schema semantics for validators ---------------------------------------------------------------------------


def test_schema_semantics_helpers() -> None:
    assert declared_types({"type": ["string", "null"]}) == frozenset({"string"})
    assert declared_types({"type": "null"}) is None
    for spelling in ({"type": "string", "nullable": True}, {"type": ["string", "null"]}, {"enum": ["a", None]},
                     {"oneOf": [{"type": "string"}, {"type": "null"}]}):
        assert is_nullable(spelling), spelling
    assert not is_nullable({"type": "string"})
    assert implied_types({"properties": {}}) == {"object"} and implied_types({"items": {}, "pattern": "x"}) == {
        "array", "string"}
    assert numeric_bounds({"minimum": 2, "exclusiveMinimum": True, "maximum": 5}) == {"exclusiveMinimum": 2,
                                                                                     "maximum": 5}
    assert numeric_bounds({"exclusiveMinimum": 2}) == {"exclusiveMinimum": 2}
    assert applies_in({"readOnly": True}, "response") and not applies_in({"readOnly": True}, "request")
    assert not applies_in({"writeOnly": True}, "response")
    obj = {"required": ["id", "secret", "name"], "properties": {"id": {"readOnly": True},
                                                                "secret": {"$ref": "#/w"}, "name": {}}}
    assert required_in(obj, "request") == {"secret", "name"}
    assert required_in(obj, "response", resolve=lambda _: {"writeOnly": True}) == {"id", "name"}


_NUM = st.integers(-5, 5)


@given(lo=_NUM, hi=_NUM, ex_lo=st.booleans(), ex_hi=st.booleans(), nullable=st.booleans(),
       instance=st.one_of(st.none(), _NUM, st.just("x")))
def test_to_json_schema_reads_30_as_30_means(lo: int, hi: int, ex_lo: bool, ex_hi: bool, nullable: bool,
                                              instance: int | str | None) -> None:
    # oracle: the 3.0 meaning written out by hand, checked by jsonschema's own 2020-12 validator
    schema = {"type": "integer", "minimum": lo, "maximum": hi, "exclusiveMinimum": ex_lo,
              "exclusiveMaximum": ex_hi, "nullable": nullable}
    if instance is None:
        expected = nullable
    elif isinstance(instance, str):
        expected = False
    else:
        expected = (instance > lo if ex_lo else instance >= lo) and (instance < hi if ex_hi else instance <= hi)
    converted = to_json_schema(schema, openapi_30=True)
    assert jsonschema.Draft202012Validator(converted).is_valid(instance) == expected
    assert schema["exclusiveMinimum"] is ex_lo  # the input is not changed


def test_to_json_schema_applies_direction_and_nests() -> None:
    schema = {"type": "object", "nullable": True, "required": ["id", "pw"], "properties": {
        "id": {"type": "string", "readOnly": True}, "pw": {"type": "string", "writeOnly": True},
        "tags": {"type": "array", "items": {"type": "string", "nullable": True}}}}
    request = jsonschema.Draft202012Validator(to_json_schema(schema, openapi_30=True, direction="request"))
    response = jsonschema.Draft202012Validator(to_json_schema(schema, openapi_30=True, direction="response"))
    assert request.is_valid({"pw": "x", "tags": [None, "a"]}) and not request.is_valid({"id": "1"})
    assert response.is_valid({"id": "1"}) and not response.is_valid({"pw": "x"})
    assert request.is_valid(None) and response.is_valid(None)


def test_observations_aggregate_into_one_finding_per_place_with_evidence() -> None:
    spec = load_spec_data({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}})
    node = Node(spec, spec.root, ("paths",), {})
    emitter = Emitter(strict=True)
    for i, item in enumerate([0, 3, 7, 3, 1, 2, 9]):
        emitter.observe("type-changed", Side.RESPONSE, "body", nested=True, op="GET /pets", status="200",
                        media="application/json", payload=("items", item, "id"), base=node, rev=node,
                        args={"old": "string", "new": "integer"}, exchange_id=f"ex-{i}", example=item,
                        seen_at=f"2026-01-0{9 - i}")
    emitter.observe("type-changed", Side.RESPONSE, "body", nested=True, op="GET /pets", status="200",
                    media="application/json", payload=("items", 0, "id"), base=node, rev=node,
                    args={"old": "string", "new": "boolean"}, exchange_id="other")  # other args: its own finding
    assert emitter.findings == []  # nothing built before flush
    one, two = emitter.flush(total=40)
    assert one.rule_id == "response-property-type-changed" and one.location.payload_pointer == "/items/*/id"
    assert one.evidence is not None and two.evidence is not None
    assert (one.evidence.observed, one.evidence.total, one.evidence.first_seen, one.evidence.example) == (
        7, 40, "2026-01-03", 0)
    assert one.evidence.exchange_ids == ("ex-0", "ex-1", "ex-2", "ex-3", "ex-4")  # the first five
    assert (two.evidence.observed, two.evidence.exchange_ids, two.args["new"]) == (1, ("other",), "boolean")
    assert emitter.findings == [one, two] and emitter.flush(total=40) == []


def test_a_findings_pre_encoded_args_never_outlive_its_args() -> None:
    import dataclasses

    from contractdrift.model import Finding, Location
    from contractdrift.model.finding import encode_args

    args = MappingProxyType({"old": "a", "new": "b"})
    loc = Location(operation="GET /x", side=Side.RESPONSE)
    plain = Finding(rule_id="r", severity=Severity.ERROR, location=loc, args=args)
    fast = Finding(rule_id="r", severity=Severity.ERROR, location=loc, args=args, encoded_args=(args, encode_args(args)))
    assert fast.fingerprint == plain.fingerprint and fast.sort_key() == plain.sort_key()
    changed = dataclasses.replace(fast, args={"old": "a", "new": "c"})
    assert changed.fingerprint == Finding(rule_id="r", severity=Severity.ERROR, location=loc,
                                          args={"old": "a", "new": "c"}).fingerprint != fast.fingerprint
