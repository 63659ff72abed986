"""The compiled validator against the reference, jsonschema (Draft 2020-12), on hypothesis-generated instances.

Verdicts must agree (valid / invalid) and our pointers must be among jsonschema's error paths. Documented
exceptions, ours only: *undocumented-property* (not a JSON Schema failure) and the informational concepts.
For *required-missing*, *additional-property*, *read-only-sent*/*write-only-sent* our pointer names the
property; jsonschema names the object, so the last token is dropped before comparing.
"""

from __future__ import annotations

from typing import Any

import pytest
from check_support import conforming, inject_fault, reference_paths, reference_validator
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from contractdrift.compare.validate import (
    INFORMATIONAL,
    CompiledSchema,
    ValidateOptions,
    Violation,
    compile_schema,
)
from contractdrift.model import Side
from contractdrift.spec.load import LoadedSpec, load_spec_data
from contractdrift.spec.node import Node

pytestmark = pytest.mark.usefixtures("validator_path")  # through the jsonschema-rs gate and without it

OURS_ONLY = INFORMATIONAL | {"undocumented-property"}
NAMES_PROPERTY = {"required-missing", "additional-property", "read-only-sent", "write-only-sent"}

SCHEMAS: dict[str, Any] = {
    "Pet": {"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "integer", "minimum": 1}, "name": {"type": "string", "maxLength": 5, "pattern": "^[a-z]"},
        "tag": {"type": "string", "nullable": True}, "kind": {"type": "string", "enum": ["cat", "dog"]},
        "kids": {"type": "array", "maxItems": 3, "items": {"$ref": "#/components/schemas/Pet"}}}},
    "Closed": {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "object", "properties": {
        "meow": {"type": "boolean"}}}], "unevaluatedProperties": False},
    "Nullables": {"type": "object", "properties": {
        "any": {"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": True},
        "ref": {"allOf": [{"$ref": "#/components/schemas/Pet"}], "nullable": True},
        "enum": {"type": "string", "enum": ["a", "b"], "nullable": True},
        "one": {"oneOf": [{"type": "string"}, {"type": "null"}]}}},
    "Choice": {"oneOf": [{"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}},
                         {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}},
                         {"type": "array", "items": {"type": "number", "multipleOf": 0.5}}]},
    "Any": {"anyOf": [{"type": "string", "minLength": 2}, {"type": "integer", "exclusiveMaximum": 10}]},
    "Numbers": {"type": "array", "uniqueItems": True, "minItems": 1,
                "items": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 100}},
    "Map": {"type": "object", "additionalProperties": {"type": "integer"}, "propertyNames": {"maxLength": 3},
            "minProperties": 1},
    "Neg": {"not": {"type": "object", "required": ["x"]}, "type": "object"},
    "Const": {"type": "object", "properties": {"v": {"const": 1}}, "dependentRequired": {"v": ["w"]}},
    "Tuple": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "boolean"}], "items": False},
    "Account": {"type": "object", "required": ["id", "name", "password"], "properties": {
        "id": {"type": "integer", "readOnly": True}, "name": {"type": "string"},
        "password": {"type": "string", "writeOnly": True, "minLength": 2}}},
    "Cond": {"if": {"type": "object", "required": ["a"]}, "then": {"required": ["b"]}, "else": {"type": "object"}},
}

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 20) | st.floats(-5, 20, allow_nan=False) | st.sampled_from(
        ["", "a", "ab", "cat", "dog", "Abc", "abcdefg"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "name", "password", "tag", "kind", "kids", "meow", "any", "ref", "enum", "one", "a", "b", "v",
                         "w", "x", "abcd"]), children, max_size=5),
    max_leaves=12,
)

_SPECS: dict[str, LoadedSpec] = {}


def _spec(version: str = "3.0.3") -> LoadedSpec:
    if version not in _SPECS:
        _SPECS[version] = load_spec_data({"openapi": version, "info": {"title": "t", "version": "1"}, "paths": {},
                                          "components": {"schemas": SCHEMAS}})
    return _SPECS[version]


def _node(spec: LoadedSpec, pointer: tuple[str | int, ...]) -> Node:
    value: Any = spec.root.data
    for t in pointer:
        value = value[t]
    return Node(spec, spec.root, pointer, value)


def compare(ours: CompiledSchema, reference: Any, instance: Any) -> list[Violation]:
    """Assert verdict and location agreement; return our failures. A readOnly property sent in a request
    (writeOnly in a response) is ours only too: JSON Schema treats the flags as annotations."""
    got = ours.validate(instance)
    failures = [v for v in got if v.concept not in OURS_ONLY | {"read-only-sent", "write-only-sent"}]
    ref_ok = reference.is_valid(instance)
    assert (not failures) == ref_ok, (instance, failures, [e.message for e in reference.iter_errors(instance)])
    if failures:
        paths = reference_paths(reference, instance)
        for v in failures:
            pointer = v.pointer[:-1] if v.concept in NAMES_PROPERTY else v.pointer
            assert pointer in paths, (instance, v, paths)
    return failures


@pytest.mark.parametrize("nullable", ["lenient", "strict"])
@pytest.mark.parametrize("name", sorted(set(SCHEMAS) - {"Account"}))  # by side: see below
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=JSON)
def test_random_instances_agree_with_jsonschema(name: str, nullable: str, instance: Any) -> None:
    spec = _spec()
    pointer = ("components", "schemas", name)
    ours = compile_schema(_node(spec, pointer), side=Side.RESPONSE, options=ValidateOptions(nullable=nullable))
    compare(ours, _reference(spec, pointer, nullable), instance)


@pytest.mark.parametrize("side", [Side.REQUEST, Side.RESPONSE])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=JSON)
def test_read_only_write_only_by_side_agree_with_jsonschema(side: Side, instance: Any) -> None:
    spec = _spec()
    pointer = ("components", "schemas", "Account")
    ours = compile_schema(_node(spec, pointer), side=side, options=ValidateOptions())
    hidden = "id" if side is Side.REQUEST else "password"
    if isinstance(instance, dict):
        # the flagged property is reported as sent, its value not validated: compare without it
        flagged = {v.pointer for v in ours.validate(instance) if v.concept in ("read-only-sent", "write-only-sent")}
        assert flagged == ({(hidden,)} if hidden in instance else set())
        instance = {k: v for k, v in instance.items() if k != hidden}
    compare(ours, _reference(spec, pointer, "lenient", side), instance)


_REFS: dict[tuple[int, tuple[str | int, ...], str, Side], Any] = {}


def _reference(spec: LoadedSpec, pointer: tuple[str | int, ...], nullable: str, side: Side = Side.RESPONSE) -> Any:
    key = (id(spec), pointer, nullable, side)
    if key not in _REFS:
        _REFS[key] = reference_validator(spec.root.data, pointer, nullable=nullable, side=side)
    return _REFS[key]


@pytest.mark.parametrize("name", sorted(set(SCHEMAS) - {"Cond"}))  # the generator does not follow if/then/else
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_generated_payloads_and_single_faults(name: str, data: st.DataObject) -> None:
    spec = _spec()
    pointer = ("components", "schemas", name)
    node = _node(spec, pointer)
    ours = compile_schema(node, side=Side.RESPONSE, options=ValidateOptions())
    reference = _reference(spec, pointer, "lenient")
    payload, trace = data.draw(conforming(node))
    assume(reference.is_valid(payload))
    assert [v for v in ours.validate(payload) if v.concept not in INFORMATIONAL] == []
    faulty = inject_fault(data.draw, payload, trace)
    if faulty is None:
        return  # nothing in this payload to break at a single known pointer
    doc, fault = faulty
    if fault.concept != "undocumented-property":
        assume(not reference.is_valid(doc))
    got = [v for v in ours.validate(doc) if v.concept not in INFORMATIONAL]
    assert [(v.concept, v.pointer) for v in got] == [(fault.concept, fault.pointer)], (doc, got)
    compare(ours, reference, doc)
