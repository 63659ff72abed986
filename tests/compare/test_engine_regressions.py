"""Engine bugs found while writing the rule fixtures, each pinned by the smallest diff that showed it."""

from __future__ import annotations

from typing import Any

import pytest

from contractdrift.api import diff_specs
from contractdrift.spec.load import load_spec_text

Json = dict[str, Any]


def _doc(schema: Any, *, version: str = "3.1.0", side: str = "response") -> Json:
    if side == "response":
        op = {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}}}
    else:
        op = {"post": {"requestBody": {"content": {"application/json": {"schema": schema}}},
                       "responses": {"200": {"description": "ok"}}}}
    return {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": {"/x": op}}


def _ids(base: Any, revision: Any, **kw: Any) -> list[str]:
    return [f.rule_id for f in diff_specs(base, revision).findings]


def test_two_in_memory_specs_are_not_confused() -> None:
    # Both dicts load as "<memory>": the walker's view cache keyed nodes by (uri, pointer) only and
    # compared the base with itself, so nothing was ever reported between two dicts or two texts.
    assert _ids(_doc({"type": "string"}), _doc({"type": "integer"})) == ["response-body-type-changed"]
    a = load_spec_text('{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": '
                       '{"responses": {"200": {"description": "ok", "content": {"application/json": '
                       '{"schema": {"type": "string"}}}}}}}}}')
    b = load_spec_text('{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": '
                       '{"responses": {"200": {"description": "ok", "content": {"application/json": '
                       '{"schema": {"type": "string", "nullable": true}}}}}}}}}')
    assert _ids(a, b) == ["response-body-became-nullable"]


@pytest.mark.parametrize("keyword", ["unevaluatedItems", "unevaluatedProperties"])
def test_false_schema_against_a_schema(keyword: str) -> None:
    # `unevaluatedItems: false` -> a schema crashed the walker (an empty node group has no anchor).
    host = {"type": "array", "prefixItems": [{"type": "string"}]} if keyword == "unevaluatedItems" else {
        "type": "object", "properties": {"a": {"type": "string"}}}
    stem = "unevaluated-items" if keyword == "unevaluatedItems" else "unevaluated-properties"
    closed, open_ = {**host, keyword: False}, {**host, keyword: {"type": "string"}}
    assert _ids(_doc(closed), _doc(open_)) == [f"response-body-{stem}-removed"]  # loosened: responses may send more
    assert _ids(_doc(open_, side="request"), _doc(closed, side="request")) == [f"request-body-{stem}-added"]


@pytest.mark.parametrize(("old", "new", "response", "request_ids"), [
    # minimum -> exclusiveMinimum at the same value tightens: was "minimum removed" (an ERROR for responses)
    ({"minimum": 2}, {"exclusiveMinimum": 2}, ["response-body-exclusive-min-set"], ["request-body-exclusive-min-set"]),
    # exclusiveMinimum -> minimum at the same value loosens: was also "minimum set" (a WARN for requests)
    ({"exclusiveMinimum": 2}, {"minimum": 2}, ["response-body-exclusive-min-unset"], ["request-body-exclusive-min-unset"]),
    ({"maximum": 9}, {"exclusiveMaximum": 10}, ["response-body-max-unset"], ["request-body-max-unset"]),
    ({"maximum": 9}, {"exclusiveMaximum": 9}, ["response-body-exclusive-max-set"], ["request-body-exclusive-max-set"]),
])
def test_bound_moving_between_inclusive_and_exclusive(old: Json, new: Json, response: list[str],
                                                      request_ids: list[str]) -> None:
    base, rev = {"type": "number", **old}, {"type": "number", **new}
    assert _ids(_doc(base), _doc(rev)) == response
    assert _ids(_doc(base, side="request"), _doc(rev, side="request")) == request_ids


def test_const_is_a_one_value_enum() -> None:
    # const: a == enum: [a]; was reported as const-removed (an ERROR for responses) plus became-enum
    assert _ids(_doc({"type": "string", "const": "a"}), _doc({"type": "string", "enum": ["a"]})) == []
    assert _ids(_doc({"type": "string", "enum": ["a"]}), _doc({"type": "string", "const": "a"})) == []
    assert sorted(_ids(_doc({"type": "string", "const": "a"}), _doc({"type": "string", "enum": ["b"]}))) == [
        "response-body-became-enum", "response-body-const-removed"]


def test_identical_copies_in_allof_are_one_schema() -> None:
    # A property declared identically in two allOf members: two inline copies of a component that
    # has an allOf counted its members twice (2 -> 4), so inlining a recursive $ref one level deeper
    # reported "allOf member added" at every level of the recursion.
    ref = {"$ref": "#/components/schemas/Pet"}

    def pet(inner: Json) -> Json:
        return {"allOf": [{"type": "object", "properties": {"id": {"type": "string"}}},
                          {"type": "object", "properties": {"next": inner}}]}

    def doc(kind: Json) -> Json:
        d = _doc({"allOf": [{"type": "object", "properties": {"kind": kind}},
                            {"type": "object", "properties": {"kind": kind}}]}, version="3.0.3")
        d["components"] = {"schemas": {"Pet": pet(ref)}}
        return d

    assert _ids(doc(ref), doc(pet(pet(ref)))) == []


def test_property_names_in_messages() -> None:
    # A change inside the items of a root array read "property '*]'" (the "$." prefix was cut blindly).
    base = _doc({"type": "array", "items": {"type": "object", "properties": {"a b": {"type": "string"}}}})
    rev = _doc({"type": "array", "items": {"type": "object", "properties": {"a b": {"type": "integer"}}}})
    (finding,) = diff_specs(base, rev).findings
    assert """property '[*]["a b"]'""" in finding.message, finding.message


@pytest.mark.parametrize(("keyword", "host"), [("items", {"type": "array"}),
                                                ("additionalProperties", {"type": "object"})])
def test_absent_items_or_additional_properties_mean_any_value(keyword: str, host: Json) -> None:
    # An absent `items`/`additionalProperties` allows any value; a schema in its place narrows that.
    # Nothing was reported either way (only schema <-> schema and `false` were compared).
    narrow = {**host, keyword: {"type": "string"}}
    assert _ids(_doc(host, side="request"), _doc(narrow, side="request")) == ["request-property-type-specialized"]
    assert _ids(_doc(narrow), _doc(host)) == ["response-property-type-generalized"]
    assert _ids(_doc(host), _doc({**host, keyword: {}})) == []


_CYCLE_BASE = """
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a: {get: {responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Y"}}}}}}}
  /b: {get: {responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/X"}}}}}}}
components:
  schemas:
    Y: {type: object, properties: {z: {$ref: "#/components/schemas/Z"}, x: {$ref: "#/components/schemas/X"}}}
    X: {type: object, properties: {y: {$ref: "#/components/schemas/Y"}}}
    Z: {type: object, properties: {v: {type: string}}}
"""


@pytest.mark.parametrize("first_path", ["/a", "/c"])
def test_a_change_behind_a_cycle_is_found_whatever_the_unrelated_paths(first_path: str) -> None:
    # Issue 7, bug 1: the equivalence memo kept a provisional "equal" made inside the X <-> Y cycle as
    # final, so GET /b lost its finding when /a (reaching Y first) sorted before it.
    base = _CYCLE_BASE.replace("/a:", f"{first_path}:")
    revision = base.replace("v: {type: string}", "v: {type: integer}")
    found = {(f.operation, f.rule_id, f.location.payload_pointer)
             for f in diff_specs(load_spec_text(base), load_spec_text(revision)).findings}
    assert found == {
        (f"GET {first_path}", "response-property-type-changed", "/z/v"),
        ("GET /b", "response-property-type-changed", "/y/z/v"),
    }


def test_equivalence_answer_does_not_depend_on_the_order_of_questions() -> None:
    from contractdrift.compare.equivalence import Equivalence
    from contractdrift.spec.node import Node

    base = load_spec_text(_CYCLE_BASE)
    rev = load_spec_text(_CYCLE_BASE.replace("v: {type: string}", "v: {type: integer}"))

    def node(spec: Any, name: str) -> Node:
        return Node(spec, spec.root, ("components", "schemas", name), spec.data["components"]["schemas"][name])

    for order in (["X", "Y", "Z"], ["Y", "X", "Z"], ["Z", "X", "Y"], ["Y", "Z", "X"]):
        eq = Equivalence()
        answers = {name: eq.same(node(base, name), node(rev, name)) for name in order}
        assert answers == {"X": False, "Y": False, "Z": False}, order


def _header_doc(schema: Json) -> Json:
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"get": {"responses": {
        "200": {"description": "ok", "headers": {"X-Rate": {"schema": schema}}}}}}}}


@pytest.mark.parametrize(("base", "revision", "expected"), [
    # Issue 7, bug 2: both were filed under response-body-* ids (severity overrides and ignore entries
    # then acted on the wrong rule)
    ({"type": "string"}, {"type": "string", "const": "a"}, "response-header-const-added"),
    ({"type": "array", "items": {"type": "string"}}, {"type": "array", "items": {"type": "string"}, "maxItems": 3},
     "response-header-max-items-set"),
    ({"type": "object", "properties": {"a": {"type": "string"}}},
     {"type": "object", "properties": {"a": {"type": "string", "maxItems": 2}}}, "response-header-max-items-set"),
])
def test_response_header_changes_are_filed_under_header_rules(base: Json, revision: Json, expected: str) -> None:
    findings = diff_specs(_header_doc(base), _header_doc(revision)).findings
    assert [f.rule_id for f in findings] == [expected]
    assert findings[0].args["name"] == "X-Rate"


def test_every_walked_concept_has_an_id_at_every_scope_it_is_walked_at() -> None:
    from contractdrift.compare import rules as R

    gaps = [(side.value, scope, nested, c.name)
            for side, scopes in R.WALKED_SCOPES.items() for scope in scopes for nested in (False, True)
            for c in R.CONCEPTS if R.concept_rule(c.name, side, scope, nested=nested) is None]
    assert not gaps
    # and never an id of another scope: the resolved id names the scope it was asked for
    from contractdrift.model import Side

    assert R.concept_rule("const-added", Side.RESPONSE, "header", nested=True) == "response-header-const-added"
    assert R.concept_rule("const-added", Side.REQUEST, "parameter", nested=True) == "request-parameter-const-added"
    assert R.concept_rule("type-changed", Side.REQUEST, "parameter", nested=True) == (
        "request-parameter-property-type-changed")
    assert R.concept_rule("const-added", Side.RESPONSE, "parameter") is None  # parameters ask, never answer


def test_an_unfileable_change_raises_in_tests_and_is_counted_in_production() -> None:
    from contractdrift.compare.emit import Emitter, UnfiledChange
    from contractdrift.model import Side

    with pytest.raises(UnfiledChange, match="no rule id for 'const-added' on side response at scope 'parameter'"):
        Emitter(strict=True).emit("const-added", Side.RESPONSE, "parameter")
    lenient = Emitter(strict=False)
    assert lenient.emit("const-added", Side.RESPONSE, "parameter") is None
    assert lenient.emit("no-such-rule", Side.NONE) is None
    assert lenient.findings == []
    assert lenient.unfiled == {("response", "parameter", "const-added"): 1, ("none", "-", "no-such-rule"): 1}
    [warning] = lenient.warnings
    assert warning.startswith("2 change(s) have no rule id")
    filed = lenient.emit("const-added", Side.RESPONSE, "header", nested=True, args={"new": 1})
    assert filed is not None and filed.rule_id == "response-header-const-added"


def test_one_engine_compares_many_in_memory_documents_without_stale_answers() -> None:
    # Memo keys carry document identity: documents that share a name ("<memory>") and pointers must
    # not answer for each other when one walker (and its equivalence memo) serves many comparisons,
    # e.g. one per Pact interaction.
    from contractdrift.compare.walk import SchemaWalker
    from contractdrift.model import Side
    from contractdrift.spec.load import load_spec_data
    from contractdrift.spec.node import Node

    def schema(t: str) -> Node:
        spec = load_spec_data(_doc({"type": "object", "properties": {"a": {"type": t}}}))
        ptr = ("paths", "/x", "get", "responses", "200", "content", "application/json", "schema")
        value = spec.data
        for p in ptr:
            value = value[p]
        return Node(spec, spec.root, ptr, value)

    walker = SchemaWalker(Side.RESPONSE)
    base = schema("string")
    for t, expected in (("string", []), ("integer", ["type-changed"]), ("string", []), ("boolean", ["type-changed"])):
        assert [c.name for c in walker.compare((base,), (schema(t),))] == expected, t


_ANCHORED = """
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#pet"}
  /owners:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "https://example.com/schemas/owner"}
components:
  schemas:
    Pet:
      $anchor: pet
      type: object
      properties:
        name: {type: string}
    Owner:
      $id: https://example.com/schemas/owner
      type: object
      properties:
        pet: {$ref: "#friend"}
        tag: {$ref: "#/$defs/tag"}
      $defs:
        friend: {$anchor: friend, type: object, properties: {age: {type: integer}}}
        tag: {type: string}
"""


def test_31_anchor_and_id_references_are_resolved_with_positions() -> None:
    # Issue 7, bug 3: `$ref: "#pet"` was refused and its target compared as {}, so a type change
    # behind it gave zero findings and only a warning.
    from contractdrift.spec.refcheck import check_refs

    base = load_spec_text(_ANCHORED, "spec.yaml")
    assert check_refs(base, strict=True).broken == ()
    revision = load_spec_text(_ANCHORED.replace("name: {type: string}", "name: {type: integer}")
                              .replace("age: {type: integer}", "age: {type: string}")
                              .replace("tag: {type: string}", "tag: {type: boolean}"), "spec.yaml")
    report = diff_specs(base, revision, strict_refs=True)
    assert not report.warnings
    found = {(f.operation, f.rule_id, f.location.payload_pointer, f.location.revision.pointer if f.location.revision
              else None) for f in report.findings}
    assert found == {
        ("GET /pets", "response-property-type-changed", "/name", "/components/schemas/Pet/properties/name"),
        ("GET /owners", "response-property-type-changed", "/pet/age",
         "/components/schemas/Owner/$defs/friend/properties/age"),
        ("GET /owners", "response-property-type-changed", "/tag", "/components/schemas/Owner/$defs/tag"),
    }
    lines = {f.location.payload_pointer: f.location.revision.position.line for f in report.findings
             if f.location.revision is not None and f.location.revision.position is not None}
    assert lines == {"/name": 27, "/pet/age": 35, "/tag": 36}


def test_31_unknown_anchor_is_a_broken_reference_with_its_place() -> None:
    from contractdrift.errors import InputError
    from contractdrift.spec.refcheck import check_refs

    spec = load_spec_text(_ANCHORED.replace('$ref: "#pet"', '$ref: "#kitten"'), "spec.yaml")
    with pytest.raises(InputError, match=r"spec.yaml:12:.*no \$anchor 'kitten'"):
        check_refs(spec, strict=True)


def test_30_plain_name_fragment_stays_unsupported() -> None:
    from contractdrift.spec.refcheck import check_refs

    spec = load_spec_text(_ANCHORED.replace("openapi: 3.1.0", "openapi: 3.0.3"), "spec.yaml")
    assert any("unsupported $ref '#pet'" in b for b in check_refs(spec).broken)


def test_diff_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    assert gc.get_freeze_count() == 0
    _ids(_doc({"type": "string"}), _doc({"type": "integer"}))
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    gc.freeze()  # a caller that froze its own objects (a pre-fork server) keeps them frozen
    try:
        assert gc.get_freeze_count() > 0
        assert _ids(_doc({"type": "string"}), _doc({"type": "integer"})) == ["response-body-type-changed"]
        assert gc.get_freeze_count() > 0  # not unfrozen by the diff (frozen objects may still be freed)
    finally:
        gc.unfreeze()


def test_31_the_same_anchor_text_in_two_id_resources_is_checked_in_each() -> None:
    from contractdrift.errors import InputError
    from contractdrift.spec.refcheck import check_refs

    text = _ANCHORED.replace("        tag: {type: string}\n", "        tag: {type: string}\n    Other:\n"
                             "      $id: https://example.com/schemas/other\n"
                             "      properties: {pet: {$ref: \"#friend\"}}\n")
    assert "Other:" in text
    with pytest.raises(InputError, match=r"no \$anchor 'friend' in https://example.com/schemas/other"):
        check_refs(load_spec_text(text, "spec.yaml"), strict=True)
