"""Matching an exchange to the spec: servers and base paths, templates, trailing slashes, statuses,
media types."""

from __future__ import annotations

from typing import Any

import pytest

from contractdrift.spec.servers import server_base_paths

from .helpers import ex, ok, rules, run, spec

ITEM = {"type": "object", "properties": {"id": {"type": "integer"}}}


def paths(*templates: str) -> dict[str, Any]:
    return {t: {"get": {"responses": {"200": ok(ITEM)}}} for t in templates}


def test_server_base_paths_expand_variables_and_enums() -> None:
    servers = [
        {"url": "https://{region}.api.test/{version}", "variables": {
            "region": {"default": "eu"}, "version": {"default": "v2", "enum": ["v1", "v2"]}}},
        {"url": "/relative/api"},
        {"url": "//cdn.test/static"},
        {"url": "https://api.test"},
        {"url": "v3"},
    ]
    assert server_base_paths(servers) == ["/relative/api", "/static", "/v1", "/v2", "/v3"]


@pytest.mark.parametrize("url", ["/v1/items/5", "/v2/items/5", "/items/5"])
def test_every_server_variable_value_is_a_base_path(url: str) -> None:
    doc = spec(paths("/items/{id}"), servers=[{"url": "https://api.test/{v}", "variables": {
        "v": {"default": "v1", "enum": ["v1", "v2"]}}}])
    assert run(doc, ex("GET", url, resp={"id": 5})) == []


def test_swagger2_base_path() -> None:
    doc = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "basePath": "/api",
           "paths": {"/items/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                                "type": "integer"}],
                                              "responses": {"200": {"description": "ok", "schema": ITEM}}}}}}
    assert run(doc, ex("GET", "/api/items/5", resp={"id": 5})) == []
    found = run(doc, ex("GET", "/api/items/x", resp={"id": 5}))
    assert rules(found) == [("request-parameter-type-mismatch", "/path/id")]


def test_base_path_option_overrides_servers() -> None:
    doc = spec(paths("/items"), servers=[{"url": "/v1"}])
    assert run(doc, ex("GET", "/gateway/items", resp={}), base_paths=("/gateway",)) == []
    found = run(doc, ex("GET", "/v1/items", resp={}), base_paths=("/gateway",))
    assert [(f.rule_id, f.location.operation) for f in found] == [("api-path-undocumented", "GET /v1/items")]


def test_most_specific_template_wins() -> None:
    doc = spec({"/users/me": {"get": {"responses": {"200": ok({"type": "object", "required": ["me"]})}}},
                "/users/{id}": {"get": {"responses": {"200": ok({"type": "object", "required": ["id"]})}}}})
    assert run(doc, ex("GET", "/users/me", resp={"me": True}), ex("GET", "/users/7", resp={"id": 7})) == []


def test_partial_segments_and_percent_decoding() -> None:
    doc = spec({"/files/{name}.{ext}": {"get": {"parameters": [
        {"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": ["a b"]}},
        {"name": "ext", "in": "path", "required": True, "schema": {"type": "string", "enum": ["txt"]}}],
        "responses": {"200": ok()}}}})
    assert run(doc, ex("GET", "/files/a%20b.txt", resp=None, media=None)) == []
    found = run(doc, ex("GET", "/files/c.txt", resp=None, media=None))
    assert rules(found) == [("request-parameter-enum-mismatch", "/path/name")]


def test_matching_is_case_sensitive() -> None:
    found = run(spec(paths("/items")), ex("GET", "/Items", resp={}))
    assert [f.rule_id for f in found] == ["api-path-undocumented"]


def test_trailing_slash_policy() -> None:
    doc = spec(paths("/items"))
    lenient = run(doc, ex("GET", "/items/", resp={}))
    assert [(f.rule_id, f.severity.label) for f in lenient] == [("api-path-trailing-slash", "info")]
    strict = run(doc, ex("GET", "/items/", resp={}), trailing_slash="strict")
    assert [f.rule_id for f in strict] == ["api-path-undocumented"]
    assert run(doc, ex("GET", "/items", resp={}), trailing_slash="strict") == []


def test_undocumented_paths_are_relative_to_the_same_base_path() -> None:
    doc = spec(paths("/items"), servers=[{"url": "https://api.test/v1"}])
    found = run(doc, ex("GET", "/v1/secret", resp={}), ex("DELETE", "/v1/items", resp={}))
    assert sorted((f.rule_id, f.location.operation) for f in found) == [
        ("api-method-undocumented", "DELETE /items"), ("api-path-undocumented", "GET /secret")]


def test_status_exact_then_range_then_default() -> None:
    props = {"a": {}, "b": {}, "c": {}}
    doc = spec({"/x": {"get": {"responses": {
        "200": ok({"type": "object", "required": ["a"], "properties": props}),
        "2XX": ok({"type": "object", "required": ["b"], "properties": props}),
        "default": ok({"type": "object", "required": ["c"], "properties": props})}}}})
    assert run(doc, ex("GET", "/x", 200, {"a": 1}), ex("GET", "/x", 201, {"b": 1}),
               ex("GET", "/x", 500, {"c": 1})) == []
    found = run(doc, ex("GET", "/x", 204, {"a": 1}))
    assert [(f.rule_id, f.location.status) for f in found] == [("response-property-required-missing", "2XX")]


def test_undocumented_status() -> None:
    found = run(spec(paths("/x")), ex("GET", "/x", 418, {"id": 1}))
    assert [(f.rule_id, f.location.status, f.args["status"]) for f in found] == [
        ("response-status-undocumented", "418", 418)]


@pytest.mark.parametrize(("declared", "sent"), [
    ("application/json", "application/json; charset=utf-8"),
    ("application/json", "application/problem+json"),
    ("application/*", "application/json"),
    ("*/*", "application/json"),
    ("application/json; charset=utf-8", "application/json"),
])
def test_media_type_matching(declared: str, sent: str) -> None:
    doc = spec({"/x": {"get": {"responses": {"200": ok({"type": "object", "required": ["a"]}, declared)}}}})
    found = run(doc, ex("GET", "/x", resp={}, media=sent))
    key = declared.split(";")[0]  # content keys compare without parameters (spec.shapes.media_key)
    assert [(f.rule_id, f.location.media_type) for f in found] == [("response-property-required-missing", key)]


def test_undocumented_media_type_and_empty_body() -> None:
    doc = spec(paths("/x"))
    found = run(doc, ex("GET", "/x", resp="<x/>", media="application/xml"), ex("GET", "/x", resp=None))
    assert sorted(f.rule_id for f in found) == ["response-body-empty", "response-media-type-undocumented"]
    assert run(doc, ex("HEAD", "/x", resp=None)) == []  # HEAD is GET without content (RFC 9110 §9.3.2)


def test_declared_json_that_does_not_parse_and_truncated_bodies() -> None:
    from dataclasses import replace

    doc = spec(paths("/x"))
    broken = ex("GET", "/x", resp='{"id": 1', media="application/json")
    binary = ex("GET", "/x", resp=b"\xff\xfe\x00", media="application/json")
    assert broken.response is not None
    cut = replace(broken, id="cut", response=replace(broken.response, body=replace(
        broken.response.body, truncated=True)))
    found = run(doc, broken, binary, cut)
    got = sorted((f.rule_id, f.evidence.observed if f.evidence else 0) for f in found)
    assert got == [("response-body-unparsable", 2), ("response-body-unvalidated", 1)]
    unvalidated = next(f for f in found if f.rule_id == "response-body-unvalidated")
    assert unvalidated.severity.label == "info" and "truncated" in str(unvalidated.args["reason"])


def test_query_of_a_url_without_a_path_is_read() -> None:
    # ``http://host?limit=5``: the query starts before any '/', so the path is '/' and the query is kept
    doc = spec({"/": {"get": {"parameters": [{"name": "limit", "in": "query", "required": True,
                                               "schema": {"type": "integer"}}],
                              "responses": {"200": ok()}}}})
    assert rules(run(doc, ex("GET", "?limit=5", resp=None, media=None))) == []
    assert rules(run(doc, ex("GET", "?limit=x", resp=None, media=None))) == \
        [("request-parameter-type-mismatch", "/query/limit")]
