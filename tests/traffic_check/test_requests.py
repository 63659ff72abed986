"""Requests: parameters deserialized by style/explode and validated, unknown query parameters, bodies
by media type, readOnly sent; security enforcement; deprecated operations; response headers."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import ex, ok, rules, run, spec

INT_ARRAY = {"type": "array", "items": {"type": "integer"}}
COLOR = {"type": "object", "properties": {"color": {"type": "string", "enum": ["red", "blue"]},
                                          "size": {"type": "integer"}}}


def op_with(*params: dict[str, Any], path: str = "/x", **op: Any) -> dict[str, Any]:
    return spec({path: {"get": {"parameters": list(params), "responses": {"200": ok()}, **op}}})


def q(name: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, **extra}


@pytest.mark.parametrize(("param", "good", "bad", "pointer"), [
    (q("ids", INT_ARRAY), "ids=1&ids=2", "ids=1&ids=x", "/query/ids/*"),
    (q("ids", INT_ARRAY, explode=False), "ids=1,2", "ids=1,x", "/query/ids/*"),
    (q("ids", INT_ARRAY, style="pipeDelimited", explode=False), "ids=1|2", "ids=1|x", "/query/ids/*"),
    (q("ids", INT_ARRAY, style="spaceDelimited", explode=False), "ids=1%202", "ids=1%20x", "/query/ids/*"),
    (q("f", COLOR, style="deepObject", explode=True), "f[color]=red&f[size]=2", "f[color]=green",
     "/query/f/color"),
    (q("f", COLOR, explode=False), "f=color,red,size,3", "f=color,red,size,big", "/query/f/size"),
    (q("f", COLOR), "color=blue&size=1", "color=blue&size=big", "/query/f/size"),
    (q("n", {"type": "integer", "minimum": 1}), "n=5", "n=0", "/query/n"),
    (q("on", {"type": "boolean"}), "on=true", "on=yes", "/query/on"),
    (q("d", {"type": "string", "format": "date"}), "d=2024-05-01", "d=yesterday", "/query/d"),
])
def test_query_styles(param: dict[str, Any], good: str, bad: str, pointer: str) -> None:
    doc = op_with(param)
    assert run(doc, ex("GET", f"/x?{good}", resp=None, media=None)) == []
    found = run(doc, ex("GET", f"/x?{bad}", resp=None, media=None))
    assert [f.location.payload_pointer for f in found] == [pointer], [f.rule_id for f in found]


@pytest.mark.parametrize(("template", "style", "explode", "good", "bad"), [
    ("/x/{ids}", "simple", False, "/x/1,2", "/x/1,a"),
    ("/x/{ids}", "label", False, "/x/.1,2", "/x/.1,a"),
    ("/x/{ids}", "label", True, "/x/.1.2", "/x/.1.a"),
    ("/x/{ids}", "matrix", False, "/x/;ids=1,2", "/x/;ids=1,a"),
    ("/x/{ids}", "matrix", True, "/x/;ids=1;ids=2", "/x/;ids=1;ids=a"),
])
def test_path_styles(template: str, style: str, explode: bool, good: str, bad: str) -> None:
    doc = op_with({"name": "ids", "in": "path", "required": True, "schema": INT_ARRAY, "style": style,
                   "explode": explode}, path=template)
    assert run(doc, ex("GET", good, resp=None, media=None)) == []
    found = run(doc, ex("GET", bad, resp=None, media=None))
    assert rules(found) == [("request-parameter-property-type-mismatch", "/path/ids/*")]  # nested: engine scope chain


def test_missing_required_parameters_headers_cookies() -> None:
    doc = op_with(q("page", {"type": "integer"}, required=True),
                  {"name": "X-Tenant", "in": "header", "required": True, "schema": {"type": "string"}},
                  {"name": "session", "in": "cookie", "required": True, "schema": {"type": "string", "minLength": 3}})
    good = ex("GET", "/x?page=1", resp=None, media=None, headers={"x-tenant": "a", "cookie": "session=abcd; o=1"})
    assert run(doc, good) == []
    found = run(doc, ex("GET", "/x", resp=None, media=None, headers={"cookie": "session=ab"}))
    assert rules(found) == [("request-parameter-constraint-violated", "/cookie/session"),
                            ("request-parameter-required-missing", "/header/X-Tenant"),
                            ("request-parameter-required-missing", "/query/page")]


def test_unknown_query_parameters_are_info() -> None:
    found = run(op_with(q("a", {"type": "string"})), ex("GET", "/x?a=1&b=2&b=3", resp=None, media=None))
    assert [(f.rule_id, f.severity.label, f.location.payload_pointer) for f in found] == [
        ("request-parameter-undocumented", "info", "/query/b")]


ORDER = {"type": "object", "required": ["sku", "qty"], "additionalProperties": False, "properties": {
    "id": {"type": "string", "readOnly": True}, "sku": {"type": "string"}, "qty": {"type": "integer"},
    "tags": {"type": "array", "items": {"type": "string"}}}}


def post(media: str, schema: dict[str, Any] = ORDER, **media_extra: Any) -> dict[str, Any]:
    return spec({"/orders": {"post": {"requestBody": {"required": True, "content": {
        media: {"schema": schema, **media_extra}}}, "responses": {"201": ok()}}}})


def test_json_request_body_read_only_and_additional() -> None:
    doc = post("application/json")
    assert run(doc, ex("POST", "/orders", 201, req={"sku": "a", "qty": 1})) == []
    found = run(doc, ex("POST", "/orders", 201, req={"id": "o1", "sku": "a", "qty": "1", "x": 1}))
    assert rules(found) == [("request-property-additional-not-allowed", "/x"),
                            ("request-property-read-only-sent", "/id"),
                            ("request-property-type-mismatch", "/qty")]
    assert {f.severity.label for f in found if f.rule_id == "request-property-read-only-sent"} == {"warn"}


def test_form_urlencoded_body_with_encoding() -> None:
    doc = post("application/x-www-form-urlencoded", encoding={"tags": {"style": "form", "explode": False}})
    form = "application/x-www-form-urlencoded"
    assert run(doc, ex("POST", "/orders", 201, req="sku=a&qty=2&tags=x,y", req_media=form)) == []
    found = run(doc, ex("POST", "/orders", 201, req="sku=a&qty=two", req_media=form))
    assert rules(found) == [("request-property-type-mismatch", "/qty")]


def test_multipart_field_names() -> None:
    doc = post("multipart/form-data")
    payload = ('--B\r\nContent-Disposition: form-data; name="sku"\r\n\r\na\r\n'
               '--B\r\nContent-Disposition: form-data; name="extra"; filename="f.bin"\r\n\r\nxx\r\n--B--\r\n')
    found = run(doc, ex("POST", "/orders", 201, req=payload, req_media="multipart/form-data; boundary=B"))
    # the parts are validated (tests/traffic_check/test_multipart.py): "extra" is a text part (no
    # Content-Type: text/plain, RFC 7578) the closed schema does not allow
    assert rules(found) == [("request-property-additional-not-allowed", "/extra"),
                            ("request-property-required-missing", "/qty")]


def test_body_missing_and_undocumented_request_media_type() -> None:
    doc = post("application/json")
    found = run(doc, ex("POST", "/orders", 201), ex("POST", "/orders", 201, req="a,b", req_media="text/csv"))
    assert sorted(f.rule_id for f in found) == ["request-body-missing", "request-media-type-undocumented"]


SCHEMES = {"securitySchemes": {
    "key": {"type": "apiKey", "in": "query", "name": "api_key"},
    "session": {"type": "apiKey", "in": "cookie", "name": "sid"},
    "token": {"type": "apiKey", "in": "header", "name": "X-Token"},
    "bearer": {"type": "http", "scheme": "bearer"}}}


@pytest.mark.parametrize(("url", "headers", "enforced"), [
    ("/x?api_key=%5BREDACTED%5D", {}, True),  # redacted values still count as present
    ("/x", {"cookie": "sid=[REDACTED]"}, True),
    ("/x", {"X-Token": "t"}, True),
    ("/x", {"Authorization": "[REDACTED]"}, True),
    ("/x", {}, False),
    ("/x?other=1", {"cookie": "other=1"}, False),
])
def test_security_not_enforced(url: str, headers: dict[str, str], enforced: bool) -> None:
    doc = spec({"/x": {"get": {"parameters": [q("other", {"type": "string"}), q("api_key", {"type": "string"})],
                               "security": [{"key": []}, {"session": []}, {"token": [], "bearer": []}],
                               "responses": {"200": ok(), "401": ok()}}}}, components=SCHEMES)
    found = run(doc, ex("GET", url, resp=None, media=None, headers=headers),
                ex("GET", "/x", 401, resp=None, media=None))
    assert [f.rule_id for f in found] == ([] if enforced else ["api-security-not-enforced"])


def test_optional_security_is_never_flagged() -> None:
    doc = spec({"/x": {"get": {"security": [{"bearer": []}, {}], "responses": {"200": ok()}}}}, components=SCHEMES)
    assert run(doc, ex("GET", "/x", resp=None, media=None)) == []


def test_deprecated_operation_with_user_agents() -> None:
    doc = spec({"/old": {"get": {"deprecated": True, "responses": {"200": ok()}}}})
    found = run(doc, *(ex("GET", "/old", resp=None, media=None, headers={"User-Agent": ua})
                       for ua in ("app/1", "app/1", "cli/2")), ex("GET", "/old", resp=None, media=None))
    [f] = found
    assert f.rule_id == "api-operation-deprecated-called" and f.severity.label == "info"
    assert f.evidence is not None and (f.evidence.observed, f.evidence.total) == (4, 4)
    assert f.evidence.details["user_agents"] == {"app/1": 2, "(no User-Agent)": 1, "cli/2": 1}


def test_required_response_headers_and_their_schemas() -> None:
    headers = {"X-Rate": {"required": True, "schema": {"type": "integer"}}, "X-Opt": {"schema": {"type": "integer"}}}
    doc = spec({"/x": {"get": {"responses": {"200": ok(None, headers=headers)}}}})
    assert run(doc, ex("GET", "/x", resp=None, media=None, resp_headers={"x-rate": "5"})) == []
    found = run(doc, ex("GET", "/x", resp=None, media=None, resp_headers={"X-Opt": "many"}))
    assert rules(found) == [("response-header-missing", "/headers/x-rate"),
                            ("response-header-type-mismatch", "/headers/x-opt")]
