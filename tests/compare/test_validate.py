"""The compiled payload validator: each concept pinpointed, nullable readings, composition, cycles, depth."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractdrift.compare.validate import (
    CompiledSchema,
    ValidateOptions,
    Violation,
    compile_schema,
    json_equal,
)
from contractdrift.model import Side
from contractdrift.spec.load import load_spec_data
from contractdrift.spec.node import Node

pytestmark = pytest.mark.usefixtures("validator_path")  # through the jsonschema-rs gate and without it


def compiled(schemas: dict[str, Any], name: str, *, side: Side = Side.RESPONSE, version: str = "3.0.3",
             **options: Any) -> CompiledSchema:
    spec = load_spec_data({"openapi": version, "info": {"title": "t", "version": "1"}, "paths": {},
                           "components": {"schemas": schemas}})
    node = Node(spec, spec.root, ("components", "schemas", name), schemas[name])
    return compile_schema(node, side=side, options=ValidateOptions(**options))


def one(schema: dict[str, Any], **options: Any) -> CompiledSchema:
    return compiled({"S": schema}, "S", **options)


def brief(violations: list[Violation]) -> list[tuple[str, tuple[str | int, ...], str]]:
    return [(v.concept, v.pointer, v.keyword) for v in violations]


PET = {
    "type": "object", "required": ["id", "name"],
    "properties": {
        "id": {"type": "integer", "format": "int64"},
        "name": {"type": "string", "maxLength": 5},
        "tag": {"type": "string", "nullable": True},
        "kids": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
    },
}


def test_valid_payload_gives_nothing() -> None:
    pet = compiled({"Pet": PET}, "Pet")
    assert pet.validate({"id": 1, "name": "a", "tag": None, "kids": [{"id": 2, "name": "b"}]}) == []
    assert pet.is_valid({"id": 1.0, "name": "a"})  # 1.0 is an integer in JSON Schema


def test_each_violation_at_its_pointer() -> None:
    pet = compiled({"Pet": PET}, "Pet")
    got = pet.validate({"id": True, "name": "abcdefg", "x": 1, "kids": [{"id": "s", "name": None}, {"name": "b"}]})
    assert sorted(brief(got), key=repr) == sorted([
        ("type-mismatch", ("id",), "type"),
        ("constraint-violated", ("name",), "maxLength"),
        ("undocumented-property", ("x",), "properties"),
        ("type-mismatch", ("kids", 0, "id"), "type"),
        ("null-not-allowed", ("kids", 0, "name"), "type"),
        ("required-missing", ("kids", 1, "id"), "required"),
    ], key=repr)
    by_concept = {v.concept: v for v in got}
    assert by_concept["constraint-violated"].args == {"limit": 5, "actual": 7}
    assert by_concept["constraint-violated"].schema is not None
    assert by_concept["constraint-violated"].schema.pointer == ("components", "schemas", "Pet", "properties", "name")
    assert by_concept["required-missing"].args == {"property": "id"}


def test_types_integer_number_boolean() -> None:
    num = one({"type": "number"})
    integer = one({"type": "integer"})
    assert num.validate(1) == [] and num.validate(1.5) == []
    assert brief(num.validate(True)) == [("type-mismatch", (), "type")]
    assert integer.validate(3.0) == []
    assert integer.validate(3.5)[0].args == {"expected": "integer", "actual": "number"}
    assert brief(integer.validate("3")) == [("type-mismatch", (), "type")]


def test_enum_and_const_follow_json_equality() -> None:
    assert json_equal(1, 1.0) and not json_equal(True, 1) and not json_equal([1], [True])
    enum = one({"enum": [1, "a", [1, 2], True]})
    assert enum.validate(1.0) == [] and enum.validate("a") == [] and enum.validate([1, 2]) == []
    assert brief(enum.validate(False)) == [("enum-mismatch", (), "enum")]
    assert brief(enum.validate("b")) == [("enum-mismatch", (), "enum")]
    assert one({"const": 0}).validate(False)[0].concept == "const-mismatch"


def test_strings_numbers_arrays_objects_constraints() -> None:
    s = one({"type": "string", "minLength": 2, "pattern": "^a"})
    assert brief(s.validate("b")) == [("constraint-violated", (), "minLength"), ("pattern-mismatch", (), "pattern")]
    assert s.validate("ab") == []
    assert one({"type": "string", "pattern": "b"}).validate("abc") == []  # search, not match
    n = one({"type": "number", "minimum": 0, "maximum": 10, "exclusiveMaximum": True, "multipleOf": 0.5})
    assert brief(n.validate(10)) == [("constraint-violated", (), "exclusiveMaximum")]
    assert brief(n.validate(-1)) == [("constraint-violated", (), "minimum")]
    assert brief(n.validate(0.3)) == [("constraint-violated", (), "multipleOf")]
    a = one({"type": "array", "minItems": 1, "maxItems": 2, "uniqueItems": True, "items": {"type": "integer"}})
    assert brief(a.validate([])) == [("constraint-violated", (), "minItems")]
    assert brief(a.validate([1, 1.0])) == [("constraint-violated", (), "uniqueItems")]
    assert brief(a.validate([1, True])) == [("type-mismatch", (1,), "type")]
    o = one({"type": "object", "minProperties": 1, "maxProperties": 1})
    assert brief(o.validate({})) == [("constraint-violated", (), "minProperties")]
    tup = one({"type": "array", "prefixItems": [{"type": "string"}], "items": {"type": "integer"}}, )
    assert brief(tup.validate(["a", 1, "x"])) == [("type-mismatch", (2,), "type")]


def test_formats() -> None:
    cases = {
        "date-time": ("2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z"),
        "date": ("2024-01-31", "2024-01-32"),
        "time": ("23:59:60+01:00", "24:00:00"),
        "uuid": ("123e4567-e89b-12d3-a456-426614174000", "123e4567"),
        "email": ("a@b.c", "ab.c"),
        "uri": ("https://x.org/a?b", "not a uri"),
        "ipv4": ("10.0.0.1", "10.0.0.256"),
        "ipv6": ("::1", "1::2::3"),
        "byte": ("aGVsbG8=", "a$b"),
    }
    for fmt, (good, bad) in cases.items():
        s = one({"type": "string", "format": fmt})
        assert s.validate(good) == [], fmt
        assert brief(s.validate(bad)) == [("format-mismatch", (), "format")], fmt
    i32 = one({"type": "integer", "format": "int32"})
    assert i32.validate(2**31 - 1) == [] and brief(i32.validate(2**31)) == [("format-mismatch", (), "format")]
    assert one({"type": "string", "format": "uuid"}, formats=False).validate("x") == []


def test_unknown_format_reported_once_per_node() -> None:
    s = one({"type": "integer", "format": "unix-time"})
    assert brief(s.validate(1)) == [("unknown-format", (), "format")]
    assert s.validate(2) == []
    assert s.is_valid(3)


TICK = {"type": "integer", "format": "x-tick"}  # an unknown format: a once-notice site


@pytest.mark.parametrize("schema, hidden, counted", [
    # anyOf: the first branch meets the site and fails, the second passes; then the first passes
    ({"anyOf": [{"type": "object", "required": ["z"], "properties": {"t": TICK}}, {"type": "object"}]},
     {"t": 1}, {"t": 1, "z": 0}),
    # oneOf: the branch meeting the site fails, the other one is the match; then both match
    ({"oneOf": [{"type": "object", "required": ["z"], "properties": {"t": TICK}},
                {"type": "object", "required": ["t"]}]}, {"t": 1}, {"t": 1, "z": 0}),
    # oneOf, none matches (the closest is reported, without the notice); then the first matches
    ({"oneOf": [{"type": "object", "required": ["z", "q"], "properties": {"t": TICK}},
                {"type": "object", "required": ["y", "w"]}]}, {"t": 1, "y": 2}, {"t": 1, "z": 0, "q": 0}),
    # not: the subschema fails, so `not` passes; then it passes (and `not` fails)
    ({"not": {"type": "object", "required": ["q"], "properties": {"t": TICK}}}, {"t": 1}, {"t": 1, "q": 0}),
    # if: the condition fails; then it holds
    ({"if": {"required": ["q"], "properties": {"t": TICK}}, "then": {"required": ["t"]}}, {"t": 1},
     {"t": 1, "q": 0}),
    # contains: the item meeting the site does not match; then it does
    ({"type": "array", "contains": {"type": "object", "required": ["q"], "properties": {"t": TICK}}},
     [{"t": 1}, {"q": 1}], [{"t": 1, "q": 1}]),
    # a discriminator selects A; B, asked too (oneOf), fails; then B is selected
    ({"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
      "discriminator": {"propertyName": "k"}}, {"k": "A", "t": 1}, {"k": "B", "t": 1, "z": 0}),
])
def test_a_once_notice_met_only_in_a_failing_subschema_stays_due(schema: dict[str, Any], hidden: Any,
                                                                 counted: Any) -> None:
    """Where only a subschema's verdict counts (an alternative, `not`, an `if` condition, a `contains`
    item), a once-notice met inside a subschema that *fails* is given back, not spent and not
    reported: our walker goes on after the first failure, jsonschema-rs stops, so reporting it would
    depend on the walker (and the gate could not pass such a payload). It is reported by the first
    payload that meets its place where it counts. (Spending it there lost it for the run, and a
    check cut into units reported it where the serial check did not.)"""
    schemas = {"S": schema, "A": {"type": "object", "required": ["k"]},
               "B": {"type": "object", "required": ["k", "z"], "properties": {"t": TICK}}}
    s = compiled(schemas, "S")
    for _ in range(2):
        assert not [v for v in s.validate(hidden) if v.concept == "unknown-format"]
    first = s.validate(counted)
    assert [v.concept for v in first if v.concept == "unknown-format"] == ["unknown-format"], brief(first)
    assert not [v for v in s.validate(counted) if v.concept == "unknown-format"]  # once


def test_is_valid_asks_without_spending_a_once_notice() -> None:
    s = one({"type": "object", "properties": {"t": TICK}})
    assert s.is_valid({"t": 1})
    assert brief(s.validate({"t": 1})) == [("unknown-format", ("t",), "format")]
    assert s.validate({"t": 1}) == []


def test_null_lenient_and_strict() -> None:
    schemas = {
        "A": {"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": True},
        "E": {"type": "string", "enum": ["a", "b"], "nullable": True},
        "R": {"allOf": [{"$ref": "#/components/schemas/T"}], "nullable": True},
        "T": {"type": "object", "properties": {"x": {"type": "string"}}},
        "N": {"type": "string", "nullable": True},
        "O": {"type": "string"},
    }
    for name in ("A", "E", "R", "N"):
        assert compiled(schemas, name).validate(None) == [], name
    for name in ("A", "E", "R"):
        assert [v.concept for v in compiled(schemas, name, nullable="strict").validate(None)] == \
            ["null-not-allowed"], name
    assert compiled(schemas, "N", nullable="strict").validate(None) == []
    assert brief(compiled(schemas, "O").validate(None)) == [("null-not-allowed", (), "type")]
    # 3.1 spellings are the same in both readings
    for nullable in ("lenient", "strict"):
        assert one({"type": ["string", "null"]}, nullable=nullable).validate(None) == []
        assert one({"oneOf": [{"type": "string"}, {"type": "null"}]}, nullable=nullable).validate(None) == []


def test_allof_merge_no_false_additional_or_undocumented() -> None:
    schemas = {
        "Base": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]},
        "Closed": {"allOf": [{"$ref": "#/components/schemas/Base"},
                             {"properties": {"meow": {"type": "boolean"}}, "additionalProperties": False}]},
        "Open": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"meow": {"type": "boolean"}}}]},
    }
    closed = compiled(schemas, "Closed")
    assert closed.validate({"id": 1, "meow": True}) == []
    assert brief(closed.validate({"id": 1, "bark": 1})) == [("additional-property", ("bark",), "additionalProperties")]
    open_ = compiled(schemas, "Open")
    assert open_.validate({"id": 1, "meow": True}) == []
    assert brief(open_.validate({"meow": 1, "bark": 1})) == [
        ("required-missing", ("id",), "required"), ("type-mismatch", ("meow",), "type"),
        ("undocumented-property", ("bark",), "properties")]
    assert compiled(schemas, "Open", undocumented=False).validate({"id": 1, "bark": 1}) == []
    # each violation names the member that spells the failing keyword
    where = {v.concept: v.schema.pointer for v in open_.validate({"meow": 1}) if v.schema is not None}
    assert where["required-missing"] == ("components", "schemas", "Base")
    assert where["type-mismatch"] == ("components", "schemas", "Open", "allOf", 1, "properties", "meow")
    [v] = closed.validate({"id": 1, "bark": 1})
    assert v.schema is not None and v.schema.pointer == ("components", "schemas", "Closed", "allOf", 1)


def test_unevaluated_properties_false() -> None:
    s = one({"allOf": [{"properties": {"a": {}}}], "properties": {"b": {}}, "unevaluatedProperties": False})
    assert s.validate({"a": 1, "b": 2}) == []
    assert brief(s.validate({"c": 1})) == [("additional-property", ("c",), "unevaluatedProperties")]


def test_a_name_only_a_failing_branch_describes_is_not_documented_by_it() -> None:
    """A name a oneOf/anyOf branch describes counts as described only where a branch that *passes*
    describes it (``unevaluatedProperties`` semantics): found on Stripe's spec, where `bancontact` is
    `anyOf [payment_method_options_bancontact, ..._client]` and a drifted `preferred_language` (an
    object, not the string enum the first branch names) passed because the second branch matched."""
    any_of = one({"type": "object", "anyOf": [{"properties": {"a": {"type": "string"}}},
                                              {"properties": {"b": {"type": "integer"}}}]})
    assert brief(any_of.validate({"a": 1, "b": 1})) == [("undocumented-property", ("a",), "properties")]
    assert any_of.validate({"a": "x", "b": 1}) == []  # both branches pass: each describes its name
    assert any_of.validate({"a": "x"}) == [] and any_of.validate({"b": 1}) == []
    assert compiled({"S": {"type": "object", "anyOf": [{"properties": {"a": {"type": "string"}}},
                                                       {"properties": {"b": {}}}]}}, "S",
                    undocumented=False).validate({"a": 1, "b": 1}) == []  # not asked for: nothing
    one_of = one({"type": "object", "oneOf": [
        {"properties": {"a": {"type": "string"}}, "required": ["a"]},
        {"properties": {"b": {"type": "integer"}}, "required": ["b"]}]})
    assert brief(one_of.validate({"a": 1, "b": 1})) == [("undocumented-property", ("a",), "properties")]
    # a composition no branch passes reports its closest branch, not also every name as undocumented
    [v] = one_of.validate({"a": 1})
    assert (v.concept, v.pointer) == ("type-mismatch", ("a",))
    # a discriminator: the branch it selects, and its property
    pets = {**PETS, "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                            "discriminator": {"propertyName": "kind"}}}
    pet = compiled(pets, "Pet")
    assert pet.validate({"kind": "Cat", "meow": True}) == []
    assert brief(pet.validate({"kind": "Cat", "meow": True, "bark": "w"})) == [
        ("undocumented-property", ("bark",), "properties")]
    # nested compositions: what the passing branch's own passing branch describes
    nested = one({"type": "object", "anyOf": [
        {"anyOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"b": {"type": "integer"}}}]},
        {"properties": {"c": {}}}]})
    assert nested.validate({"a": "x", "c": 1}) == []
    assert brief(nested.validate({"a": 1, "b": 2})) == [("undocumented-property", ("a",), "properties")]


_UNEVALUATED = [
    {"type": "object", "anyOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"b": {"type": "integer"}}}],
     "unevaluatedProperties": False},
    {"type": "object", "oneOf": [{"properties": {"a": {"type": "string"}}, "required": ["a"]},
                                 {"properties": {"b": {"type": "integer"}}, "required": ["b"]}],
     "unevaluatedProperties": False},
    {"type": "object", "properties": {"c": {}}, "unevaluatedProperties": False,
     "anyOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"a": {"type": "integer"}, "b": {}}}]},
    {"type": "object", "allOf": [{"anyOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"b": {}}}]}],
     "unevaluatedProperties": False},
    {"type": "object", "unevaluatedProperties": False, "anyOf": [
        {"anyOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"b": {"type": "integer"}}}]},
        {"properties": {"c": {"type": "string"}}}]},
    {"type": "object", "unevaluatedProperties": False, "anyOf": [
        {"properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}},
        {"properties": {"b": {}}}]},
    {"type": "object", "unevaluatedProperties": False, "oneOf": [
        {"properties": {"a": {"type": "string"}}, "patternProperties": {"^d": {"type": "integer"}}},
        {"properties": {"c": {"type": "integer"}}, "required": ["c"]}]},
]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(index=st.integers(0, len(_UNEVALUATED) - 1),
       instance=st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.sampled_from([1, "x", None, 2.5]),
                                max_size=4))
def test_unevaluated_properties_false_agrees_with_the_reference(index: int, instance: dict[str, Any]) -> None:
    """``unevaluatedProperties: false`` over compositions: our verdict is jsonschema's (the reference)."""
    schema = _UNEVALUATED[index]
    ours = compiled({"S": schema}, "S", version="3.1.0", undocumented=False)
    expected = jsonschema.Draft202012Validator(schema).is_valid(instance)
    for _ in range(2):  # the second time through the jsonschema-rs gate, when it is in use
        assert ours.is_valid(instance) == expected, (schema, instance, brief(ours.validate(instance)))


def test_read_only_and_write_only_by_side() -> None:
    schemas = {"U": {"type": "object", "required": ["id", "pw"], "properties": {
        "id": {"type": "integer", "readOnly": True}, "pw": {"type": "string", "writeOnly": True}}}}
    req = compiled(schemas, "U", side=Side.REQUEST)
    resp = compiled(schemas, "U", side=Side.RESPONSE)
    assert req.validate({"pw": "x"}) == []  # a required readOnly property is not required in requests
    assert brief(req.validate({"id": 1, "pw": "x"})) == [("read-only-sent", ("id",), "readOnly")]
    assert resp.validate({"id": 1}) == []
    assert brief(resp.validate({"id": 1, "pw": "x"})) == [("write-only-sent", ("pw",), "writeOnly")]


PETS = {
    "Cat": {"type": "object", "required": ["kind", "meow"], "properties": {
        "kind": {"type": "string"}, "meow": {"type": "boolean"}}},
    "Dog": {"type": "object", "required": ["kind", "bark"], "properties": {
        "kind": {"type": "string"}, "bark": {"type": "integer"}}},
}


def test_discriminator_selects_branch_and_reports_its_errors() -> None:
    schemas = {**PETS, "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                               "discriminator": {"propertyName": "kind", "mapping": {"c": "#/components/schemas/Cat"}}}}
    pet = compiled(schemas, "Pet")
    assert pet.validate({"kind": "c", "meow": True}) == []
    assert pet.validate({"kind": "Dog", "bark": 1}) == []  # implicit name
    [v] = pet.validate({"kind": "Dog", "bark": "loud"})
    assert (v.concept, v.pointer) == ("type-mismatch", ("bark",))
    assert v.note is not None and "Dog" in v.note and "discriminator" in v.note
    [v] = pet.validate({"kind": "c", "bark": 1})
    assert (v.concept, v.pointer) == ("required-missing", ("meow",))
    [v] = pet.validate({"kind": "Lizard", "meow": True, "bark": 1})
    assert (v.concept, v.pointer, v.keyword) == ("enum-mismatch", ("kind",), "discriminator")
    assert set(v.args["allowed"]) == {"c", "Cat", "Dog"}


def test_discriminator_on_base_validates_the_subtype() -> None:
    schemas = {
        "Pet": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}},
                "discriminator": {"propertyName": "kind"}},
        "Cat": {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"properties": {"meow": {"type": "boolean"}}}]},
    }
    pet = compiled(schemas, "Pet")
    assert pet.validate({"kind": "Cat", "meow": True}) == []  # no undocumented meow: the subtype describes it
    assert brief(pet.validate({"kind": "Cat", "meow": 1})) == [("type-mismatch", ("meow",), "type")]
    assert brief(pet.validate({"kind": "Other", "meow": 1})) == [("undocumented-property", ("meow",), "properties")]


def test_oneof_without_discriminator_reports_closest_branch() -> None:
    schemas = {**PETS, "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]}}
    pet = compiled(schemas, "Pet")
    assert pet.validate({"kind": "x", "bark": 2}) == []
    [v] = pet.validate({"kind": "x", "bark": "2"})
    assert (v.concept, v.pointer) == ("type-mismatch", ("bark",))
    assert v.note == "closest of 2 oneOf alternatives (branch 1, Dog)"
    [v] = pet.validate({"kind": "x", "bark": 2, "meow": True})
    assert v.concept == "several-alternatives-matched"
    [v] = pet.validate(5)
    assert (v.concept, v.keyword, v.args["expected"]) == ("type-mismatch", "oneOf", "object")


def test_anyof_branch_properties_are_documented() -> None:
    s = one({"anyOf": [{"type": "object", "properties": {"a": {"type": "string"}}},
                       {"type": "object", "properties": {"b": {"type": "string"}}}]})
    assert s.validate({"a": "x"}) == [] and s.validate({"b": "x"}) == []
    assert brief(s.validate({"a": "x", "c": 1})) == [("undocumented-property", ("c",), "properties")]


def test_not() -> None:
    s = one({"not": {"type": "string"}})
    assert s.validate(1) == []
    assert brief(s.validate("x")) == [("not-matched", (), "not")]


def test_additional_properties_schema_and_pattern_properties() -> None:
    s = one({"type": "object", "properties": {"a": {}}, "patternProperties": {"^x-": {"type": "string"}},
             "additionalProperties": {"type": "integer"}})
    assert s.validate({"a": None, "x-y": "s", "n": 1}) == []
    assert brief(s.validate({"x-y": 1, "n": "s"})) == [("type-mismatch", ("x-y",), "type"),
                                                      ("type-mismatch", ("n",), "type")]


def test_cycles_and_deep_instances_do_not_crash() -> None:
    schemas = {"Tree": {"type": "object", "properties": {"kids": {"type": "array",
                                                                  "items": {"$ref": "#/components/schemas/Tree"}}}}}
    tree = compiled(schemas, "Tree")
    doc: dict[str, Any] = {}
    cur = doc
    for _ in range(100):
        cur["kids"] = [{}]
        cur = cur["kids"][0]
    assert tree.validate(doc) == []
    for _ in range(5000):
        cur["kids"] = [{}]
        cur = cur["kids"][0]
    [v] = tree.validate(doc)
    assert v.concept == "unvalidated" and v.keyword == "depth"
    assert tree.validate({"kids": [{"kids": 1}]})[0].pointer == ("kids", 0, "kids")


@pytest.mark.parametrize("value", [None, True, 0, 1.5, "s", [], {}, [[{}]], {"a": {"b": [None]}}, float("nan")])
def test_never_raises(value: Any) -> None:
    schemas: tuple[dict[str, Any], ...] = (
        {}, {"type": "object", "required": ["a"]}, {"oneOf": [{"type": "string"}, {"enum": [1]}]},
        {"not": {}}, {"type": "array", "uniqueItems": True, "items": {"type": "integer"}})
    for schema in schemas:
        assert isinstance(one(schema).validate(value), list)


def test_compiled_once_per_node() -> None:
    spec = load_spec_data({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
                           "components": {"schemas": {"S": {"type": "string"}}}})
    node = Node(spec, spec.root, ("components", "schemas", "S"), {"type": "string"})
    a = compile_schema(node, side=Side.RESPONSE, options=ValidateOptions())
    b = compile_schema(node, side=Side.RESPONSE, options=ValidateOptions())
    assert a._cell is b._cell


def test_huge_instances_are_bounded() -> None:
    s = one({"type": "array", "items": {"type": "integer"}})
    assert s.validate(list(range(200_000))) == []
    got = s.validate(["x"] * 50_000)
    assert len(got) == 1001 and got[-1].concept == "unvalidated" and got[-1].keyword == "limit"
    assert [v.pointer for v in got[:2]] == [(0,), (1,)]


def test_swagger2_x_nullable_and_definitions() -> None:
    spec = load_spec_data({"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}, "definitions": {
        "Pet": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "x-nullable": True}, "owner": {"$ref": "#/definitions/Owner"}}},
        "Owner": {"type": "object", "properties": {"id": {"type": "integer"}}}}})
    schemas = spec.root.data["components"]["schemas"]
    pet = compile_schema(Node(spec, spec.root, ("components", "schemas", "Pet"), schemas["Pet"]), side=Side.RESPONSE)
    assert pet.validate({"name": None, "owner": {"id": 1}}) == []
    [v] = pet.validate({"name": "a", "owner": {"id": "1"}})
    assert v.pointer == ("owner", "id")
    assert v.schema is not None and v.schema.location().pointer == "/definitions/Owner/properties/id"


def test_ref_sibling_nullable_readings() -> None:
    schemas = {"T": {"type": "object"}, "R": {"$ref": "#/components/schemas/T", "nullable": True}}
    assert compiled(schemas, "R").validate(None) == []
    assert [v.concept for v in compiled(schemas, "R", nullable="strict").validate(None)] == ["null-not-allowed"]


def test_unsupported_regex_is_reported_once_not_failed() -> None:
    s = one({"type": "string", "pattern": "\\p{L}+"})
    assert brief(s.validate("abc")) == [("unvalidated", (), "pattern")]
    assert s.validate("def") == []


def test_compiled_schemas_go_away_with_their_spec() -> None:
    import gc
    import weakref

    spec = load_spec_data({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
                           "components": {"schemas": {"S": {"type": "string"}}}})
    node = Node(spec, spec.root, ("components", "schemas", "S"), {"type": "string"})
    assert compile_schema(node, side=Side.RESPONSE).validate(1) != []
    ref = weakref.ref(spec)
    del spec, node
    gc.collect()
    assert ref() is None
