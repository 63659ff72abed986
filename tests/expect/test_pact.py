"""Pact files V2, V3 and V4 carrying the same interactions compile alike and give the same findings;
message interactions are counted, provider states kept; bad input is a one-line error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contractdrift as cd
from contractdrift.errors import InputError
from contractdrift.expect.load import load_text
from contractdrift.expect.matchers import SOURCE_KEY

SPEC = Path(__file__).parents[2] / "examples" / "orders" / "v2.yaml"

BODY = {"data": [{"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "status": "paid",
                  "total": {"amount": "12.50", "currency": "EUR"}}]}


def v2() -> dict[str, Any]:
    return {
        "consumer": {"name": "web"}, "provider": {"name": "orders"},
        "interactions": [{
            "description": "orders", "providerState": "orders exist",
            "request": {"method": "GET", "path": "/v1/orders", "query": "region=eu&limit=10",
                        "headers": {"Accept": "application/json"}},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": BODY,
                         "matchingRules": {"$.body.data": {"min": 1, "match": "type"},
                                           "$.body.data[*].status": {"match": "regex", "regex": "pending|paid"},
                                           "$.header.Content-Type": {"match": "regex",
                                                                     "regex": "application/json.*"}}}}],
        "metadata": {"pactSpecification": {"version": "2.0.0"}},
    }


def v3() -> dict[str, Any]:
    return {
        "consumer": {"name": "web"}, "provider": {"name": "orders"},
        "interactions": [{
            "description": "orders", "providerStates": [{"name": "orders exist"}],
            "request": {"method": "GET", "path": "/v1/orders", "query": {"region": ["eu"], "limit": ["10"]},
                        "headers": {"Accept": "application/json"}},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": BODY,
                         "matchingRules": {
                             "body": {"$.data": {"matchers": [{"match": "type", "min": 1}]},
                                      "$.data[*].status": {"matchers": [{"match": "regex", "regex": "pending|paid"}]}},
                             "header": {"Content-Type": {"matchers": [{"match": "regex",
                                                                       "regex": "application/json.*"}]}}}}}],
        "messages": [],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }


def v4() -> dict[str, Any]:
    doc = v3()
    inter = doc["interactions"][0]
    inter["type"] = "Synchronous/HTTP"
    inter["request"]["headers"] = {"Accept": ["application/json"]}
    inter["response"]["headers"] = {"Content-Type": ["application/json"]}
    inter["response"]["body"] = {"contentType": "application/json", "encoded": False, "content": BODY}
    doc["interactions"].append({"type": "Asynchronous/Messages", "description": "order shipped event",
                                "contents": {"content": {"id": 1}}})
    doc.pop("messages")
    doc["metadata"] = {"pactSpecification": {"version": "4.0"}}
    return doc


def _strip(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strip(v) for k, v in schema.items() if k != SOURCE_KEY}
    if isinstance(schema, list):
        return [_strip(v) for v in schema]
    return schema


def _load(doc: dict[str, Any], name: str) -> Any:
    return load_text(json.dumps(doc, indent=2), name)[0]


def test_versions_compile_alike() -> None:
    e2, e3, e4 = _load(v2(), "v2.json"), _load(v3(), "v3.json"), _load(v4(), "v4.json")
    bodies = [_strip(e.interactions[0].response.body.schema) for e in (e2, e3, e4)]
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["properties"]["data"]["minItems"] == 1
    queries = [[(q.name, q.examples) for q in e.interactions[0].request.query] for e in (e2, e3, e4)]
    assert queries[0] == queries[1] == queries[2] == [("region", ("eu",)), ("limit", ("10",))]
    assert [e.interactions[0].provider_states for e in (e2, e3, e4)] == [("orders exist",)] * 3
    assert [e.sources[0].version for e in (e2, e3, e4)] == ["2", "3", "4"]


def test_versions_give_the_same_findings(tmp_path: Path) -> None:
    reports = []
    for make, name in ((v2, "v2.json"), (v3, "v3.json"), (v4, "v4.json")):
        path = tmp_path / name
        path.write_text(json.dumps(make(), indent=2), encoding="utf-8")
        reports.append(cd.check_expectations(SPEC, cd.load_expectations(path)))
    keys = [sorted((f.rule_id, f.location.payload_pointer, f.severity.label) for f in r.findings
                   if f.rule_id != "expect-not-checked") for r in reports]
    assert keys[0] == keys[1] == keys[2]
    # the regex refuses two of the values the spec's status enum lists
    assert ("expect-response-body-incompatible", "/data/*/status", "error") in keys[0]
    # the V4 file's message interaction is counted, not silently dropped
    assert [f.rule_id for f in reports[2].findings].count("expect-not-checked") == 1
    assert all(f.rule_id != "expect-not-checked" for f in reports[0].findings)


def test_findings_point_into_the_pact_file(tmp_path: Path) -> None:
    path = tmp_path / "v3.json"
    path.write_text(json.dumps(v3(), indent=2), encoding="utf-8")
    report = cd.check_expectations(SPEC, cd.load_expectations(path))
    f = next(f for f in report.findings if f.rule_id == "expect-response-body-incompatible")
    assert f.location.base is not None and f.location.base.position is not None
    assert f.location.base.pointer == "/interactions/0/response/matchingRules/body/$.data[*].status/matchers/0"
    lines = path.read_text().splitlines()[f.location.base.position.line - 1:f.location.base.position.line + 2]
    assert '"match": "regex"' in "\n".join(lines)  # the matcher object starts there
    assert f.location.revision is not None and f.location.revision.pointer == "/components/schemas/OrderStatus"
    assert f.args["provider_states"] == ["orders exist"] and f.args["consumer"] == "web"


def test_v4_message_and_v3_messages_are_counted() -> None:
    e4 = _load(v4(), "v4.json")
    assert [n.code for n in e4.notes] == ["interaction-not-checked"]
    doc = v3()
    doc["messages"] = [{"description": "an event", "contents": {"a": 1}}]
    assert [n.code for n in _load(doc, "v3.json").notes] == ["interaction-not-checked"]


@pytest.mark.parametrize(("text", "needle"), [
    ("{not json", "not JSON"),
    (json.dumps({"interactions": [], "metadata": {"pactSpecification": {"version": "9.0.0"}}}),
     "unknown Pact specification version"),
    (json.dumps({"interactions": {}}), "'interactions' must be a list"),
    (json.dumps({"interactions": [{"description": "x"}]}), "needs a 'request' and a 'response'"),
    (json.dumps({"hello": 1}), "not an expectations file"),
    (json.dumps({"interactions": [{"request": {}, "response": {"status": "abc"}}]}), "is not a number"),
])
def test_bad_input_is_a_clear_error(text: str, needle: str) -> None:
    with pytest.raises(InputError) as err:
        load_text(text, "bad.json")
    assert needle in str(err.value) and str(err.value).startswith("bad.json")


def test_unknown_matcher_is_a_counted_note() -> None:
    doc = v3()
    doc["interactions"][0]["response"]["matchingRules"]["body"]["$.data[*].id"] = {
        "matchers": [{"match": "quantumEntangled"}]}
    notes = _load(doc, "v3.json").notes
    assert [n.code for n in notes] == ["matcher-unknown"]
    assert notes[0].pointer == "/interactions/0/response/matchingRules/body/$.data[*].id/matchers/0"


def test_cli_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from contractdrift.cli import main

    bad = tmp_path / "bad.json"
    bad.write_text("{oops", encoding="utf-8")
    assert main(["check", "--spec", str(SPEC), "--expect", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.json:1:2" in err


def test_directory_of_pacts(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(v3()), encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_text(json.dumps(v2()), encoding="utf-8")
    exp = cd.load_expectations(tmp_path)
    assert len(exp.interactions) == 2 and len(exp.sources) == 2


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(
        ["request", "response", "body", "matchingRules", "headers", "query", "path", "status", "method",
         "matchers", "$.body", "$", "$.a", "match", "min", "type", "content", "contentType", "encoded",
         "generators", "providerStates", "description", "interactions", "metadata", "messages", "rules",
         "variants", "index", "combine", "regex", "a"]), c, max_size=5),
    max_leaves=25)


_KINDS = ["equality", "type", "regex", "include", "integer", "decimal", "number", "null", "boolean", "date", "time",
          "datetime", "timestamp", "contentType", "values", "eachKey", "eachValue", "arrayContains", "notEmpty",
          "semver", "statusCode", "min", "max", "bogus"]
_matcher = st.fixed_dictionaries({"match": st.sampled_from(_KINDS) | _json}, optional={
    "min": st.integers(-2, 3) | _json, "max": st.integers(-2, 3), "regex": st.sampled_from(["a+", "(", "\\d", ""]),
    "format": st.sampled_from(["yyyy-MM-dd", "HH:mm", "EEE", "'", ""]), "value": _json, "rules": _json,
    "variants": st.lists(st.fixed_dictionaries({"index": st.integers(-1, 3) | _json}, optional={"rules": _json})),
    "status": st.sampled_from(["success", "error", "bogus"]) | st.lists(st.integers(100, 600)) | _json})
_paths = st.sampled_from(["$", "$.a", "$.a[*]", "$[*]", "$.data[*].status", "$['x'", "$.*", "a", "$.a[0].b"])
_category = st.dictionaries(_paths, st.fixed_dictionaries({"matchers": st.lists(_matcher, max_size=3)},
                                                          optional={"combine": st.sampled_from(["AND", "OR", "x"])})
                            | _json, max_size=3)
_rules = st.dictionaries(st.sampled_from(["body", "header", "query", "path", "status"]), _category | _json, max_size=3) | \
    st.dictionaries(st.sampled_from(["$.body", "$.body.a", "$.header.X", "$.query.q", "$.path", "$.bogus"]),
                    _matcher | _json, max_size=3)
_part = st.fixed_dictionaries({}, optional={
    "method": st.sampled_from(["GET", "POST"]) | _json,
    "path": st.sampled_from(["/v1/orders", "/v1/orders/0f8fad5b-d9cb-469f-a165-70867728950e", "/x"]) | _json,
    "status": st.sampled_from([200, 404, "201"]) | _json, "body": _json, "headers": _json, "query": _json,
    "matchingRules": _rules, "generators": _json})
_interaction = st.fixed_dictionaries({"request": _part, "response": _part},
                                     optional={"type": st.sampled_from(["Synchronous/HTTP", "Asynchronous/Messages"]),
                                               "providerStates": st.lists(st.fixed_dictionaries(
                                                   {"name": st.text(max_size=3)}, optional={"params": _json}),
                                                   max_size=2),
                                               "description": _json})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interactions=st.lists(_interaction | _json, max_size=3), version=st.sampled_from(["2.0.0", "3.0.0", "4.0"]))
def test_any_pact_shape_loads_or_fails_with_an_input_error(interactions: list[Any], version: str) -> None:
    doc = {"interactions": interactions, "metadata": {"pactSpecification": {"version": version}}}
    try:
        exp = load_text(json.dumps(doc), "fuzz.json")[0]
    except InputError as err:
        assert str(err).startswith("fuzz.json")
        return
    cd.check_expectations(SPEC, exp)  # whatever loaded can be compared without an exception


def test_provider_states_must_be_a_list_when_present() -> None:
    doc = v3()
    doc["interactions"][0].pop("providerStates")
    assert _load(doc, "v3.json").interactions[0].provider_states == ()
    doc["interactions"][0]["providerStates"] = "ready"
    with pytest.raises(InputError, match="'providerStates' must be a list"):
        _load(doc, "v3.json")


def test_query_matchers_are_counted_as_checked_by_example() -> None:
    doc = v3()
    doc["interactions"][0]["request"]["matchingRules"] = {"query": {"region": {"matchers": [
        {"match": "regex", "regex": "eu|us"}]}}}
    exp = _load(doc, "v3.json")
    assert [(n.code, n.pointer) for n in exp.notes] == [
        ("matcher-inexact", "/interactions/0/request/matchingRules/query/region")]
    region = next(q for q in exp.interactions[0].request.query if q.name == "region")
    assert region.schema["pattern"] == "^(?:eu|us)$" and region.examples == ("eu",)
