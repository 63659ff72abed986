"""Comparison 1 (expectations vs spec, no traffic): each direction rule, in both directions.

Requests: the client's compiled request is the producer, the spec the consumer. Responses: the
spec is the producer, the client's compiled expectation the consumer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import contractdrift as cd
from contractdrift.expect.load import load_text

SECURE = {"components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                             "key": {"type": "apiKey", "in": "query", "name": "api_key"}}}}


def spec(req: Any = None, resp: Any = None, *, status: str = "200", extra: dict[str, Any] | None = None,
         path: str = "/things", method: str = "post", op: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"responses": {status: {"description": "ok"}}}
    if resp is not None:
        operation["responses"][status]["content"] = {"application/json": {"schema": resp}}
    if req is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": req}}}
    operation.update(op or {})
    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {path: {method: operation}}}
    doc.update(extra or {})
    return doc


def pact(req_body: Any = None, resp_body: Any = None, *, req_rules: dict[str, Any] | None = None,
         resp_rules: dict[str, Any] | None = None, status: int = 200, path: str = "/things", method: str = "POST",
         headers: dict[str, str] | None = None, query: dict[str, list[str]] | None = None,
         resp_headers: dict[str, str] | None = None) -> Any:
    request: dict[str, Any] = {"method": method, "path": path, "headers": dict(headers or {})}
    if req_body is not None:
        request["body"] = req_body
        request["headers"].setdefault("Content-Type", "application/json")
    if query:
        request["query"] = query
    if req_rules:
        request["matchingRules"] = {"body": {k: {"matchers": v} for k, v in req_rules.items()}}
    response: dict[str, Any] = {"status": status, "headers": dict(resp_headers or {})}
    if resp_body is not None:
        response["body"] = resp_body
        response["headers"].setdefault("Content-Type", "application/json")
    if resp_rules:
        response["matchingRules"] = {"body": {k: {"matchers": v} for k, v in resp_rules.items()}}
    doc = {"consumer": {"name": "c"}, "provider": {"name": "p"},
           "interactions": [{"description": "d", "request": request, "response": response}],
           "metadata": {"pactSpecification": {"version": "3.0.0"}}}
    return load_text(json.dumps(doc), "pact.json")[0]


def found(spec_doc: dict[str, Any], expectations: Any) -> set[tuple[str, str | None]]:
    report = cd.check_expectations(spec_doc, expectations)
    return {(f.rule_id, f.location.payload_pointer) for f in report.findings}


TYPE = [{"match": "type"}]


# -- responses: the spec produces, the client consumes ------------------------------------------------------


def test_response_required_vs_optional_both_ways() -> None:
    optional = {"type": "object", "properties": {"a": {"type": "string"}}}
    required = {**optional, "required": ["a"]}
    assert found(spec(resp=optional), pact(resp_body={"a": "x"}, resp_rules={"$": TYPE})) == {
        ("expect-response-property-optional", "/a")}
    assert found(spec(resp=required), pact(resp_body={"a": "x"}, resp_rules={"$": TYPE})) == set()


def test_response_property_the_spec_never_sends_is_an_error() -> None:
    s = spec(resp={"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]})
    assert found(s, pact(resp_body={"a": "x", "z": 1}, resp_rules={"$": TYPE})) == {
        ("expect-response-property-missing", "/z")}
    # the spec sending more than the client reads is fine
    assert found(s, pact(resp_body={}, resp_rules={"$": TYPE})) == set()


def test_response_types() -> None:
    client = pact(resp_body={"a": "x"}, resp_rules={"$": TYPE})
    obj = {"type": "object", "required": ["a"]}
    assert found(spec(resp={**obj, "properties": {"a": {"type": "integer"}}}), client) == {
        ("expect-response-body-incompatible", "/a")}
    assert found(spec(resp={**obj, "properties": {"a": {"type": ["string", "integer"]}}}), client) == {
        ("expect-response-body-may-break", "/a")}
    # the other way round: the spec narrower than the client accepts
    wide = pact(resp_body={"a": 1.5}, resp_rules={"$": TYPE})
    assert found(spec(resp={**obj, "properties": {"a": {"type": "integer"}}}), wide) == set()


def test_response_enum_and_the_clients_regex() -> None:
    s = spec(resp={"type": "object", "required": ["s"], "properties": {"s": {"type": "string", "enum": ["a", "b", "c"]}}})
    narrow = pact(resp_body={"s": "a"}, resp_rules={"$.s": [{"match": "regex", "regex": "a|b"}]})
    report = cd.check_expectations(s, narrow)
    [f] = report.findings
    assert (f.rule_id, f.severity.label, f.location.payload_pointer) == ("expect-response-body-incompatible", "error",
                                                                         "/s")
    assert '"c"' in str(f.args["spec"])
    every = pact(resp_body={"s": "a"}, resp_rules={"$.s": [{"match": "regex", "regex": "a|b|c"}]})
    assert found(s, every) == set()


def test_type_matcher_broader_than_the_spec_fine_on_responses_a_finding_on_requests() -> None:
    enum = {"type": "object", "required": ["s"], "properties": {"s": {"type": "string", "enum": ["a", "b"]}}}
    assert found(spec(resp=enum), pact(resp_body={"s": "a"}, resp_rules={"$": TYPE})) == set()
    assert found(spec(req=enum), pact(req_body={"s": "a"}, req_rules={"$": TYPE})) == {
        ("expect-request-body-may-be-refused", "/s")}
    # the example the client sends in its test is refused: an error
    assert found(spec(req=enum), pact(req_body={"s": "z"}, req_rules={"$": TYPE})) == {
        ("expect-request-body-incompatible", "/s")}


def test_nullable_both_ways() -> None:
    nullable = {"type": "object", "required": ["a"], "properties": {"a": {"type": ["string", "null"]}}}
    plain = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}
    assert found(spec(resp=nullable), pact(resp_body={"a": "x"}, resp_rules={"$": TYPE})) == {
        ("expect-response-body-may-break", "/a")}
    assert found(spec(resp=plain), pact(resp_body={"a": "x"}, resp_rules={"$": TYPE})) == set()
    assert found(spec(req=plain), pact(req_body={"a": None})) == {("expect-request-body-incompatible", "/a")}
    assert found(spec(req=nullable), pact(req_body={"a": None})) == set()


def test_equality_on_responses() -> None:
    any_string = {"type": "object", "required": ["s"], "properties": {"s": {"type": "string"}}}
    enum = {"type": "object", "required": ["s"], "properties": {"s": {"type": "string", "enum": ["A", "B"]}}}
    # the client requires exactly "LOW": the spec allows other strings (warn), or never sends it (error)
    assert found(spec(resp=any_string), pact(resp_body={"s": "LOW"})) == {("expect-response-body-may-break", "/s")}
    assert ("expect-response-body-incompatible", "/s") in found(spec(resp=enum), pact(resp_body={"s": "LOW"}))
    # an example value in a request is what the client sends: fine when the spec accepts it
    assert found(spec(req=any_string), pact(req_body={"s": "LOW"})) == set()


def test_request_properties_both_ways() -> None:
    closed = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False}
    open_ = {"type": "object", "properties": {"a": {"type": "string"}}}
    assert found(spec(req=closed), pact(req_body={"a": "x", "z": 1})) == {("expect-request-property-refused", "/z")}
    assert found(spec(req=open_), pact(req_body={"a": "x", "z": 1})) == {("expect-request-property-unknown", "/z")}
    needs = {"type": "object", "required": ["a", "r"], "properties": {"a": {"type": "string"}, "r": {"type": "integer"}}}
    assert found(spec(req=needs), pact(req_body={"a": "x"})) == {("expect-request-property-missing", "/r")}
    # a required readOnly property is not demanded in requests (swagger-mock-validator does)
    ro = {"type": "object", "required": ["a", "id"],
          "properties": {"a": {"type": "string"}, "id": {"type": "integer", "readOnly": True}}}
    assert found(spec(req=ro), pact(req_body={"a": "x"})) == set()


def test_request_example_against_bounds_and_formats() -> None:
    s = spec(req={"type": "object", "properties": {"n": {"type": "integer", "minimum": 1},
                                                   "d": {"type": "string", "format": "date"}}})
    assert found(s, pact(req_body={"n": 0, "d": "2024-01-01"})) == {("expect-request-body-incompatible", "/n")}
    assert found(s, pact(req_body={"n": 2, "d": "01/01/2024"})) == {("expect-request-body-incompatible", "/d")}
    assert found(s, pact(req_body={"n": 2, "d": "2024-01-01"})) == set()


# -- operations, statuses, media types, parameters, security ------------------------------------------------


def test_routing_with_servers_and_partial_segments() -> None:
    s = spec(path="/Accounts/{Sid}.json", method="get", resp={"type": "object"},
             extra={"servers": [{"url": "https://api.example.com/2010-04-01"}]})
    assert found(s, pact(path="/2010-04-01/Accounts/AC1.json", method="GET", resp_body={})) == set()
    assert found(s, pact(path="/2010-04-01/Accounts/AC1.xml", method="GET", resp_body={})) == {
        ("expect-operation-unknown", None)}
    assert found(s, pact(path="/2010-04-01/Accounts/AC1.json", method="DELETE")) == {
        ("expect-operation-unknown", None)}


def test_status_ranges_and_default() -> None:
    ranged = spec(method="get", status="2XX", resp={"type": "object"})
    assert found(ranged, pact(method="GET", status=201, resp_body={})) == set()
    assert found(ranged, pact(method="GET", status=404)) == {("expect-response-status-unknown", None)}
    default = spec(method="get", status="default")
    assert found(default, pact(method="GET", status=500)) == {("expect-response-status-default", None)}


def test_content_types_and_accept() -> None:
    s = spec(req={"type": "object"}, resp={"type": "object"})
    assert found(s, pact(req_body={}, headers={"Content-Type": "application/xml"})) == {
        ("expect-request-content-type-incompatible", None), ("expect-not-checked", None)}
    assert found(s, pact(req_body={}, headers={"Accept": "text/html"})) == {("expect-request-accept-incompatible", None)}
    assert found(s, pact(req_body={}, headers={"Accept": "application/*"})) == set()
    assert found(s, pact(req_body={}, resp_body={}, resp_headers={"Content-Type": "text/plain"})) == {
        ("expect-response-content-type-incompatible", None), ("expect-not-checked", None)}


def test_request_body_presence() -> None:
    s = spec(req={"type": "object"})
    assert found(s, pact()) == {("expect-request-body-missing", None)}
    assert found(spec(method="get"), pact(method="GET", req_body={"a": 1})) == {("expect-request-body-unknown", None)}


def test_parameters() -> None:
    params = [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 50}},
              {"name": "region", "in": "query", "required": True, "schema": {"type": "string"}},
              {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}]
    s = spec(path="/things/{id}", method="get", op={"parameters": params})
    good = "/things/0f8fad5b-d9cb-469f-a165-70867728950e"
    assert found(s, pact(path=good, method="GET", query={"region": ["eu"], "limit": ["10"]})) == set()
    assert found(s, pact(path=good, method="GET", query={"limit": ["10"]})) == {
        ("expect-request-parameter-missing", None)}
    assert found(s, pact(path=good, method="GET", query={"region": ["eu"], "limit": ["ten"]})) == {
        ("expect-request-parameter-incompatible", None)}
    assert found(s, pact(path=good, method="GET", query={"region": ["eu"], "limit": ["99"]})) == {
        ("expect-request-parameter-incompatible", None)}
    assert found(s, pact(path=good, method="GET", query={"region": ["eu"], "page": ["2"]})) == {
        ("expect-request-parameter-unknown", None)}
    assert found(s, pact(path="/things/42", method="GET", query={"region": ["eu"]})) == {
        ("expect-request-path-parameter-incompatible", None)}


def test_security() -> None:
    s = spec(method="get", op={"security": [{"bearer": []}, {"key": []}]}, extra=SECURE)
    assert found(s, pact(method="GET")) == {("expect-request-authorization-missing", None)}
    assert found(s, pact(method="GET", headers={"Authorization": "Bearer t"})) == set()
    assert found(s, pact(method="GET", query={"api_key": ["k"]})) == set()


def test_response_headers() -> None:
    s = spec(method="get", op={"responses": {"200": {"description": "ok", "headers": {
        "X-Rate": {"schema": {"type": "integer"}}}}}})
    assert found(s, pact(method="GET", resp_headers={"X-Other": "1"})) == {("expect-response-header-unknown", None)}
    assert found(s, pact(method="GET", resp_headers={"X-Rate": "many"})) == {
        ("expect-response-header-incompatible", None)}
    assert found(s, pact(method="GET", resp_headers={"X-Rate": "10"})) == set()


# -- JSON Schema expectation files and a client's copy of the spec -------------------------------------------


def test_json_schema_expectations_file(tmp_path: Path) -> None:
    doc = {"contractdrift-expectations": 1, "consumer": "billing",
           "definitions": {"Thing": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}},
           "operations": {"POST /things": {"responses": {"2XX": {"body": {"$ref": "#/definitions/Thing"}}}}}}
    path = tmp_path / "billing.expect.json"
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    s = spec(resp={"type": "object", "properties": {"id": {"type": "integer"}}}, status="201")
    report = cd.check_expectations(s, cd.load_expectations(path))
    rules = sorted((f.rule_id, f.location.payload_pointer) for f in report.findings)
    assert rules == [("expect-response-body-incompatible", "/id"), ("expect-response-property-optional", "/id")]
    f = next(f for f in report.findings if f.rule_id == "expect-response-body-incompatible")
    assert f.location.base is not None and f.location.base.pointer == "/definitions/Thing/properties/id"
    assert f.args["consumer"] == "billing"


def test_json_schema_file_bad_input(tmp_path: Path) -> None:
    with pytest.raises(cd.InputError, match="operation key"):
        load_text(json.dumps({"contractdrift-expectations": 1, "operations": {"FETCH x": {}}}), "e.json")
    with pytest.raises(cd.InputError, match="unknown contractdrift-expectations version"):
        load_text(json.dumps({"contractdrift-expectations": 7, "operations": {}}), "e.json")


def test_client_copy_of_the_spec_is_a_diff_base(tmp_path: Path) -> None:
    server = spec(resp={"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}})
    client = spec(resp={"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}})
    path = tmp_path / "client-copy.json"
    path.write_text(json.dumps(client), encoding="utf-8")
    exp = cd.load_expectations(path)
    assert len(exp.client_specs) == 1 and not exp.interactions
    report = cd.check_expectations(server, exp)
    assert [f.rule_id for f in report.findings] == ["response-property-type-changed"]


def test_json_schema_file_parameters_and_undescribed_requests(tmp_path: Path) -> None:
    params = [{"name": "limit", "in": "query", "required": True, "schema": {"type": "integer", "maximum": 50}}]
    s = spec(method="get", op={"parameters": params}, resp={"type": "object"})
    silent = {"contractdrift-expectations": 1, "operations": {"GET /things": {"responses": {"200": {}}}}}
    path = tmp_path / "a.json"
    path.write_text(json.dumps(silent), encoding="utf-8")
    assert found(s, cd.load_expectations(path)) == set()  # nothing said about the request: nothing checked
    wide = {"contractdrift-expectations": 1, "operations": {"GET /things": {
        "request": {"query": {"limit": {"type": "integer"}}}, "responses": {"200": {}}}}}
    path.write_text(json.dumps(wide), encoding="utf-8")
    assert found(s, cd.load_expectations(path)) == {("expect-request-parameter-may-be-refused", "")}
    none = {"contractdrift-expectations": 1, "operations": {"GET /things": {"request": {}, "responses": {"200": {}}}}}
    path.write_text(json.dumps(none), encoding="utf-8")
    assert found(s, cd.load_expectations(path)) == {("expect-request-parameter-missing", None)}
