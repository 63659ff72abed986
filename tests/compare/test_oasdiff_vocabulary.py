"""Where oasdiff's subtle rules fire (issue 11, "the rest of the oasdiff vocabulary"), pinned case by case.

Each expectation is read from oasdiff's checker source, not from this engine's output: the value
formats ``x-sunset`` accepts, which sides of a change ``x-stability-level`` is checked on, and what a
missing level means.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from contractdrift.api import diff_specs
from contractdrift.compare.walk import parse_date, stability_level

Json = dict[str, Any]


def _ids(base: Json, revision: Json) -> list[str]:
    return sorted(f.rule_id for f in diff_specs(base, revision).findings)


def _op(**fields: Any) -> Json:
    return {"operationId": "listThings", **fields, "responses": {"200": {"description": "ok"}}}


def _doc(get: Json | None = None, **paths: Json) -> Json:
    items: Json = {"/things": {"get": get}} if get is not None else {}
    items.update(paths)
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": items}


# -- sunset values -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "expected"), [
    ("2030-01-31", dt.date(2030, 1, 31)),
    ("2030-01-31T10:00:00Z", dt.date(2030, 1, 31)),
    ("2030-01-31T23:30:00.5-05:00", dt.date(2030, 1, 31)),
    (dt.date(2030, 1, 31), dt.date(2030, 1, 31)),  # an unquoted YAML date
    ("Fri, 31 Jan 2030 00:00:00 GMT", None),  # an HTTP date: oasdiff accepts civil dates and RFC 3339 only
    ("20300131", None),
    ("2030-01-31 10:00:00", None),  # RFC 3339 needs the T and an offset
    ("2030-02-30", None),
    (20300131, None),  # not a string
    (["2030-01-31"], None),
    ("next year", None),
])
def test_sunset_values_parse_as_oasdiff_parses_them(value: Any, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


def test_a_deprecated_endpoint_whose_sunset_changes_to_a_non_date_is_a_sunset_parse_error() -> None:
    base = _doc(_op(deprecated=True, **{"x-sunset": "2030-01-01"}))
    revision = _doc(_op(deprecated=True, **{"x-sunset": "Tue, 01 Jan 2030 00:00:00 GMT"}))
    assert _ids(base, revision) == ["api-path-sunset-parse"]
    assert _ids(revision, base) == ["api-path-sunset-parse"]  # the base's value is checked too


def test_an_unchanged_unparseable_sunset_is_not_reported_again() -> None:
    base = _doc(_op(deprecated=True, summary="a", **{"x-sunset": "soon"}))
    revision = _doc(_op(deprecated=True, summary="b", **{"x-sunset": "soon"}))
    assert _ids(base, revision) == []


def test_a_deprecated_parameter_whose_sunset_changes_to_a_non_date_is_a_sunset_parse_error() -> None:
    def param(sunset: Any) -> Json:
        return {"name": "q", "in": "query", "deprecated": True, "x-sunset": sunset, "schema": {"type": "string"}}

    assert _ids(_doc(_op(parameters=[param("2030-01-01")])), _doc(_op(parameters=[param(20300101)]))) == [
        "request-parameter-sunset-parse"]


def test_a_newly_deprecated_endpoint_with_an_http_date_sunset_does_not_parse() -> None:
    revision = _doc(_op(deprecated=True, **{"x-sunset": "Tue, 01 Jan 2030 00:00:00 GMT"}))
    assert _ids(_doc(_op()), revision) == ["api-deprecated-sunset-parse"]


# -- stability levels ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("extensions", "expected"), [
    ({}, "stable"), ({"x-stability-level": "beta"}, "beta"), ({"x-stability-level": "Beta"}, None),
    ({"x-stability-level": 3}, None), ({"x-stability-level": ["beta"]}, None),
])
def test_stability_levels_read_as_oasdiff_reads_them(extensions: Json, expected: str | None) -> None:
    assert stability_level(extensions) == expected


def test_a_missing_stability_level_means_stable() -> None:
    stable, beta = _doc(_op()), _doc(_op(**{"x-stability-level": "beta"}))
    assert _ids(stable, beta) == ["api-stability-decreased"]
    assert _ids(beta, stable) == ["api-stability-increased"]
    assert _ids(_doc(_op(**{"x-stability-level": "stable"})), stable) == []


def test_an_invalid_level_is_reported_on_either_side_of_a_changed_endpoint() -> None:
    bad, good = _doc(_op(**{"x-stability-level": "ga"})), _doc(_op(**{"x-stability-level": "beta"}))
    assert _ids(good, bad) == ["api-invalid-stability-level"]
    assert _ids(bad, good) == ["api-invalid-stability-level"]


def test_an_invalid_level_on_a_removed_endpoint_is_reported_with_the_removal() -> None:
    post = _op(**{"x-stability-level": 2})
    base = _doc(_op(), **{"/other": {"post": post}})
    kept = _doc(_op(summary="reworded"), **{"/other": {"post": post}})
    assert _ids(base, kept) == []  # an operation that did not change is not linted
    removed = _doc(_op())
    assert _ids(base, removed) == ["api-invalid-stability-level", "api-path-removed-without-deprecation"]


def _body(prop: Json) -> Json:
    schema = {"type": "object", "properties": {"name": {"type": "string", **prop}}}
    return _doc(_op(), **{"/things": {"post": {
        "requestBody": {"content": {"application/json": {"schema": schema}}},
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}}}})


def test_an_invalid_level_on_a_property_is_reported_when_its_extensions_change() -> None:
    bad, good = _body({"x-stability-level": "experimental"}), _body({"x-stability-level": "beta"})
    # once per place the property is reached (request and response), as oasdiff's two property checks do
    assert _ids(good, bad) == ["api-invalid-stability-level"] * 2
    assert _ids(bad, good) == ["api-invalid-stability-level"] * 2
    assert _ids(bad, _body({"x-stability-level": "experimental", "description": "reworded"})) == []


def test_a_property_losing_its_level_becomes_stable() -> None:
    assert _ids(_body({"x-stability-level": "beta"}), _body({})) == [
        "request-property-stability-increased", "response-property-stability-increased"]


# -- patterns ------------------------------------------------------------------------------------------------
def _pattern_doc(pattern: str | None, *, where: str = "body") -> Json:
    schema: Json = {"type": "string"} if pattern is None else {"type": "string", "pattern": pattern}
    if where == "parameter":
        return _doc(_op(parameters=[{"name": "q", "in": "query", "schema": schema}]))
    return _body({} if pattern is None else {"pattern": pattern})


@pytest.mark.parametrize(("old", "new", "in_request", "in_response"), [
    (None, "^[a-z]+$", "request-property-pattern-added", "response-property-pattern-added"),
    ("^[a-z]+$", None, "request-property-pattern-removed", "response-property-pattern-removed"),
    ("^[a-z]+$", "^[0-9]+$", "request-property-pattern-changed", "response-property-pattern-changed"),
    ("^[a-z]+$", ".*", "request-property-pattern-generalized", "response-property-pattern-generalized"),
    # an empty pattern is no pattern, as oasdiff reads it: "" -> p is added, p -> "" is removed
    ("", "^[a-z]+$", "request-property-pattern-added", "response-property-pattern-added"),
    ("^[a-z]+$", "", "request-property-pattern-removed", "response-property-pattern-removed"),
])
def test_pattern_changes_in_bodies_have_oasdiffs_ids(old: str | None, new: str | None, in_request: str,
                                                     in_response: str) -> None:
    assert _ids(_pattern_doc(old), _pattern_doc(new)) == sorted([in_request, in_response])


def test_an_empty_pattern_and_none_are_the_same() -> None:
    assert _ids(_pattern_doc(None), _pattern_doc("")) == []


@pytest.mark.parametrize(("old", "new", "expected"), [
    (None, "^[a-z]+$", "request-parameter-pattern-added"),
    ("^[a-z]+$", None, "request-parameter-pattern-removed"),
    ("^[a-z]+$", "^[0-9]+$", "request-parameter-pattern-changed"),
    ("^[a-z]+$", ".*", "request-parameter-pattern-generalized"),
    ("", "^[a-z]+$", "request-parameter-pattern-added"),
])
def test_pattern_changes_in_parameters_have_oasdiffs_ids(old: str | None, new: str | None, expected: str) -> None:
    assert _ids(_pattern_doc(old, where="parameter"), _pattern_doc(new, where="parameter")) == [expected]


def test_pattern_levels_are_oasdiffs() -> None:
    """Added breaks requests; changed warns on requests (oasdiff cannot tell a narrowing from a widening,
    and neither do we); removed and generalized are info; on responses every pattern change is info."""
    def levels(old: str | None, new: str | None) -> dict[str, str]:
        report = diff_specs(_pattern_doc(old), _pattern_doc(new))
        return {f.rule_id.split("-")[0]: f.severity.label for f in report.findings}

    assert levels(None, "^a") == {"request": "error", "response": "info"}
    assert levels("^a", "^b") == {"request": "warn", "response": "info"}
    assert levels("^a", None) == {"request": "info", "response": "info"}
    assert levels("^a", ".*") == {"request": "info", "response": "info"}


# -- media types ---------------------------------------------------------------------------------------------
_FORM: Json = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}


def _media_doc(request: dict[str, Json], response: dict[str, Json]) -> Json:
    return _doc(None, **{"/things": {"post": {
        "requestBody": {"content": {mt: {"schema": s} for mt, s in request.items()}},
        "responses": {"200": {"description": "ok", "content": {mt: {"schema": s} for mt, s in response.items()}}}}}})


@pytest.mark.parametrize("media", ["application/xml", "application/x-www-form-urlencoded", "multipart/form-data",
                                   "text/plain"])
def test_the_schema_walk_applies_to_non_json_media_types_with_the_same_directions(media: str) -> None:
    narrower = {**_FORM, "properties": {**_FORM["properties"], "age": {"type": "integer", "maximum": 10}}}
    base, revision = _media_doc({media: _FORM}, {media: _FORM}), _media_doc({media: narrower}, {media: narrower})
    report = diff_specs(base, revision)
    assert {(f.rule_id, f.severity.label, f.location.media_type) for f in report.findings} == {
        ("request-property-max-set", "warn", media), ("response-property-max-set", "info", media)}
    widened = _media_doc({media: {**_FORM, "properties": {**_FORM["properties"], "age": {"type": "number"}}}},
                         {media: {**_FORM, "properties": {**_FORM["properties"], "age": {"type": "number"}}}})
    assert {(f.rule_id, f.severity.label) for f in diff_specs(base, widened).findings} == {
        ("request-property-type-generalized", "info"), ("response-property-type-generalized", "error")}


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("application/json", "application/problem+json", "response-media-type-name-specialized"),
    ("application/problem+json", "application/json", "response-media-type-name-generalized"),
    ("application/xml", "application/atom+xml", "response-media-type-name-specialized"),
    ("application/atom+xml", "application/xml", "response-media-type-name-generalized"),
])
def test_a_response_media_type_refined_by_its_suffix_is_paired(old: str, new: str, expected: str) -> None:
    """oasdiff pairs a base type with its structured-syntax refinement instead of removing one and adding the
    other, and still compares the schemas under them."""
    schema: Json = {"type": "object", "properties": {"id": {"type": "string"}}}
    changed: Json = {"type": "object", "properties": {"id": {"type": "integer"}}}
    base = _media_doc({"application/json": schema}, {old: schema})
    revision = _media_doc({"application/json": schema}, {new: changed})
    assert _ids(base, revision) == sorted([expected, "response-property-type-changed"])


@pytest.mark.parametrize(("old", "new"), [("application/json", "application/xml"),
                                          ("application/atom+json", "application/atom+xml"),
                                          ("application/json", "text/json")])
def test_unrelated_media_types_are_removed_and_added(old: str, new: str) -> None:
    schema: Json = {"type": "string"}
    assert _ids(_media_doc({}, {old: schema}), _media_doc({}, {new: schema})) == [
        "response-media-type-added", "response-media-type-removed"]


# -- annotations inside composition ---------------------------------------------------------------------------
# oasdiff has no rule for a description, title, example or other annotation: an annotation-only change inside
# oneOf/anyOf/allOf members reports nothing, however the members are written (inline, $ref, reordered,
# wrapped in a one-member allOf to carry a description, nested).
_A: Json = {"type": "object", "properties": {"a": {"type": "string"}}}
_B: Json = {"type": "object", "properties": {"b": {"type": "integer"}}}
_COMPONENTS: Json = {"A": {**_A, "title": "A"}, "B": {**_B, "title": "B"}}
_REFS: list[Json] = [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]


def _composed(schema: Json, components: Json | None = None) -> Json:
    doc = _media_doc({"application/json": schema}, {"application/json": schema})
    doc["components"] = {"schemas": components or _COMPONENTS}
    return doc


_ANNOTATED: dict[str, tuple[Any, Any]] = {
    "member annotations": ([_A, _B], [{**_A, "description": "d", "example": {"a": "x"}}, {**_B, "title": "T"}]),
    "nested property annotations": (
        [_A, _B], [{"type": "object", "properties": {"a": {"type": "string", "description": "d", "examples": ["x"],
                                                           "externalDocs": {"url": "https://example.com"}}}}, _B]),
    "reordered and annotated": ([_A, _B], [{**_B, "description": "x"}, {**_A, "title": "T"}]),
    "a $ref wrapped in a one-member allOf that carries a description": (
        _REFS, [{"allOf": [_REFS[0]], "description": "d"}, _REFS[1]]),
    "a $ref replaced by an annotated inline copy": (
        _REFS, [{**_A, "title": "A2", "description": "d"}, _REFS[1]]),
    "nested composition": ([{"oneOf": [_A, _B]}, {"type": "string"}],
                           [{"oneOf": [{**_A, "description": "q"}, {**_B, "title": "b"}], "description": "n"},
                            {"type": "string", "example": "s"}]),
    "scalar members": ([{"type": "string", "enum": ["x"]}, {"type": "string", "enum": ["y"]}],
                       [{"type": "string", "enum": ["x"], "description": "one"},
                        {"type": "string", "enum": ["y"], "x-note": "two"}]),
}


@pytest.mark.parametrize("keyword", ["oneOf", "anyOf", "allOf"])
@pytest.mark.parametrize("case", sorted(_ANNOTATED))
def test_annotation_only_changes_inside_composition_report_nothing(keyword: str, case: str) -> None:
    old, new = _ANNOTATED[case]
    assert _ids(_composed({keyword: old}), _composed({keyword: new})) == []
    assert _ids(_composed({keyword: new}), _composed({keyword: old})) == []


@pytest.mark.parametrize("keyword", ["oneOf", "anyOf", "allOf"])
def test_annotation_changes_in_referenced_members_report_nothing(keyword: str) -> None:
    renamed = {"A": {**_A, "title": "Alpha", "description": "the a"}, "B": {**_B, "title": "Beta", "example": {}}}
    assert _ids(_composed({keyword: _REFS}), _composed({keyword: _REFS}, renamed)) == []


@pytest.mark.parametrize("keyword", ["oneOf", "anyOf"])
def test_a_real_change_beside_an_annotation_change_is_still_reported(keyword: str) -> None:
    """The control: the same members with one type changed are not silenced by the annotations beside it."""
    changed = [{**_A, "description": "d", "properties": {"a": {"type": "integer"}}}, {**_B, "title": "T"}]
    found = _ids(_composed({keyword: [_A, _B]}), _composed({keyword: changed}))
    assert found == ["request-property-type-changed", "response-property-type-changed"]


@pytest.mark.parametrize(("old", "new"), [("application/json", "application/json; charset=utf-8"),
                                          ("text/plain; charset=ascii", "text/plain; charset=utf-8"),
                                          ("application/xml; charset=utf-8", "application/xml")])
def test_a_response_media_type_whose_parameters_change_is_name_changed(old: str, new: str) -> None:
    schema: Json = {"type": "string"}
    assert _ids(_media_doc({}, {old: schema}), _media_doc({}, {new: schema})) == ["response-media-type-name-changed"]
    # requests have no such rule in oasdiff: nothing
    assert _ids(_media_doc({old: schema}, {}), _media_doc({new: schema}, {})) == []
