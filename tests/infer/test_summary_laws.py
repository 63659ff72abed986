"""Property tests: summaries merge as a commutative monoid, round-trip through JSON, and every
sample validates against the schema inferred from a set containing it."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractdrift.infer.derive import node_schema
from contractdrift.infer.options import InferOptions
from contractdrift.infer.summary import Node

# Small caps so that batching, distinct overflow and the object -> map switch all happen.
OPTS = InferOptions(batch_size=3, distinct_cap=4, max_properties=5, format_sample=2, enum_min_samples=2,
                    enum_min_ratio=1.0)

_keys = st.sampled_from(["a", "b", "c", "id", "type", "kind", "token", "x1", "y2", "z3", "name"])
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.sampled_from(["", "a", "b", "2024-01-02", "550e8400-e29b-41d4-a716-446655440000", "x@y.io", "cat", "dog"])
    | st.text(max_size=6)
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys | st.text(max_size=3), inner, max_size=5),
    max_leaves=12,
)
samples = st.lists(json_values, max_size=12)


def fold(values: list[Any], opts: InferOptions = OPTS) -> Node:
    node = Node(opts)
    for i in range(0, len(values), opts.batch_size):
        node.add(values[i : i + opts.batch_size])
    return node


def ser(node: Node) -> str:
    return json.dumps(node.to_dict(), sort_keys=True)


def merged(a: Node, b: Node) -> Node:
    out = a.copy()
    out.merge_from(b)
    return out


_settings = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(samples, samples)
def test_merge_is_commutative(xs: list[Any], ys: list[Any]) -> None:
    a, b = fold(xs), fold(ys)
    assert ser(merged(a, b)) == ser(merged(b, a))


@_settings
@given(samples, samples, samples)
def test_merge_is_associative(xs: list[Any], ys: list[Any], zs: list[Any]) -> None:
    a, b, c = fold(xs), fold(ys), fold(zs)
    assert ser(merged(merged(a, b), c)) == ser(merged(a, merged(b, c)))


@_settings
@given(samples)
def test_empty_is_identity_and_inputs_are_untouched(xs: list[Any]) -> None:
    a = fold(xs)
    before = ser(a)
    empty = Node(OPTS)
    assert ser(merged(a, empty)) == before
    assert ser(merged(empty, a)) == before
    assert ser(a) == before
    assert ser(empty) == "{}"


@_settings
@given(samples)
def test_serialization_round_trips(xs: list[Any]) -> None:
    a = fold(xs)
    text = ser(a)
    back = Node.from_dict(json.loads(text), OPTS)
    assert ser(back) == text


@_settings
@given(samples)
def test_counts_are_exact(xs: list[Any]) -> None:
    a = fold(xs)
    assert a.total == len(xs)
    assert a.null == sum(1 for x in xs if x is None)
    tc = a.type_counts()
    assert tc.get("integer", 0) == sum(1 for x in xs if type(x) is int)
    assert tc.get("number", 0) == sum(1 for x in xs if type(x) is float)
    assert tc.get("boolean", 0) == sum(1 for x in xs if type(x) is bool)


@_settings
@given(samples, st.sampled_from([OPTS, InferOptions(), InferOptions(bounds=True, distinct_cap=3)]))
def test_every_sample_validates_against_the_inferred_schema(xs: list[Any], opts: InferOptions) -> None:
    schema = node_schema(fold(xs, opts), opts)
    validator = jsonschema.Draft202012Validator(schema)
    jsonschema.Draft202012Validator.check_schema(schema)
    for x in xs:
        errors = list(validator.iter_errors(x))
        assert not errors, (x, errors[0].message, schema)


@_settings
@given(samples, samples)
def test_merged_shards_validate_all_samples(xs: list[Any], ys: list[Any]) -> None:
    node = merged(fold(xs), fold(ys))
    validator = jsonschema.Draft202012Validator(node_schema(node, OPTS))
    for x in xs + ys:
        assert validator.is_valid(x), x


def test_free_form_map_does_not_become_thousands_of_properties() -> None:
    values = [{"metadata": {f"key_{i}_{j}": i for j in range(3)}} for i in range(2000)]
    node = fold(values, InferOptions())
    schema = node_schema(node, InferOptions())
    meta = schema["properties"]["metadata"]
    assert "properties" not in meta
    assert meta["additionalProperties"]["type"] == "integer"
    assert meta["x-contractdrift"]["map"]["keys"] == ">32"


def test_sensitive_fields_keep_no_values() -> None:
    values = [{"password": "hunter2", "api_key": "k-1"} for _ in range(50)]
    node = fold(values, InferOptions())
    text = ser(node)
    assert "hunter2" not in text and "k-1" not in text
    schema = node_schema(node, InferOptions())
    assert "enum" not in schema["properties"]["password"]
    assert "examples" not in schema["properties"]["password"]
