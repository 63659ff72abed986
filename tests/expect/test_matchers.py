"""Each Pact matcher compiled to JSON Schema: the schema, a payload it accepts and one it refuses.

jsonschema (Draft 2020-12, with format checking) is the reference validator: the compiled schema is
meant to accept exactly what the Pact reference implementation's matcher accepts, except where a
note says it cannot.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift.expect.matchers import Compiler, RuleList, java_date_pattern, parse_path

FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def compile_body(example: Any, rules: dict[str, list[dict[str, Any]]] | None = None, *, request: bool = False,
                 combine: str = "AND") -> tuple[dict[str, Any], list[str]]:
    lists = {path: RuleList(tuple(ms), combine, f"/rules/{path}") for path, ms in (rules or {}).items()}
    c = Compiler(lists, request, "pact.json", "test", "/body")
    return c.compile(example), [n.code for n in c.notes]


def accepts(schema: dict[str, Any], value: Any) -> bool:
    return jsonschema.Draft202012Validator(schema, format_checker=FORMATS).is_valid(value)


def check(schema: dict[str, Any], good: list[Any], bad: list[Any]) -> None:
    for g in good:
        assert accepts(schema, g), f"should accept {g!r}: {schema}"
    for b in bad:
        assert not accepts(schema, b), f"should refuse {b!r}: {schema}"


def test_no_matcher_is_equality() -> None:
    schema, notes = compile_body({"a": 1, "b": "x"})
    assert schema["required"] == ["a", "b"]
    assert schema["properties"]["a"]["const"] == 1
    check(schema, [{"a": 1, "b": "x"}, {"a": 1, "b": "x", "extra": True}], [{"a": 2, "b": "x"}, {"a": 1}])
    assert notes == []


def test_unexpected_keys_are_errors_in_requests_only() -> None:
    req, _ = compile_body({"a": 1}, request=True)
    resp, _ = compile_body({"a": 1}, request=False)
    assert req["additionalProperties"] is False and "additionalProperties" not in resp
    check(req, [{"a": 1}], [{"a": 1, "b": 2}])
    check(resp, [{"a": 1, "b": 2}], [{}])


def test_equality_array_same_length() -> None:
    schema, _ = compile_body([1, 1])
    check(schema, [[1, 1]], [[1], [1, 1, 1], [1, 2]])


def test_type_matcher_cascades_to_children() -> None:
    schema, _ = compile_body({"id": 1, "name": "x", "tags": ["a"]}, {"$": [{"match": "type"}]})
    assert schema["properties"]["id"]["type"] == "number"
    check(schema, [{"id": 2.5, "name": "y", "tags": ["b", "c"]}],
          [{"id": "1", "name": "y", "tags": []}, {"name": "y", "tags": []}, {"id": 1, "name": 2, "tags": []}])


def test_min_max_only_where_declared() -> None:
    schema, _ = compile_body({"items": [{"tags": ["a"]}]}, {"$.items": [{"match": "type", "min": 1, "max": 2}]})
    items = schema["properties"]["items"]
    assert (items["minItems"], items["maxItems"]) == (1, 2)
    inner = items["items"]["properties"]["tags"]
    assert "minItems" not in inner and "maxItems" not in inner  # cascaded: no length check below
    check(schema, [{"items": [{"tags": []}, {"tags": ["x", "y", "z"]}]}],
          [{"items": []}, {"items": [{"tags": []}] * 3}, {"items": [{"tags": [1]}]}])


def test_array_items_compared_with_the_first_example_item() -> None:
    schema, _ = compile_body({"xs": [{"a": 1}, {"b": "other"}]}, {"$.xs": [{"match": "type"}]})
    check(schema, [{"xs": [{"a": 5}, {"a": 6}]}], [{"xs": [{"b": "other"}]}])


def test_regex_full_match() -> None:
    schema, _ = compile_body({"s": "abc"}, {"$.s": [{"match": "regex", "regex": "[a-c]+"}]})
    assert schema["properties"]["s"]["pattern"] == "^(?:[a-c]+)$"
    check(schema, [{"s": "cab"}], [{"s": "abcd"}, {"s": "xabc"}, {"s": 1}])


def test_regex_on_a_number_is_a_counted_note() -> None:
    schema, notes = compile_body({"n": 12}, {"$.n": [{"match": "regex", "regex": "\\d+"}]})
    assert notes == ["matcher-inexact"]
    check(schema, [{"n": 13}], [{"n": "13"}])


def test_include() -> None:
    schema, _ = compile_body({"s": "hello world"}, {"$.s": [{"match": "include", "value": "o w"}]})
    check(schema, [{"s": "foo woo"}], [{"s": "ow"}, {"s": 3}])


def test_integer_decimal_number() -> None:
    schema, notes = compile_body({"i": 1, "d": 1.5, "n": 2, "si": "42"},
                                 {"$.i": [{"match": "integer"}], "$.d": [{"match": "decimal"}],
                                  "$.n": [{"match": "number"}], "$.si": [{"match": "integer"}]})
    check(schema, [{"i": 7, "d": 2.25, "n": 0.5, "si": "7"}],
          [{"i": 1.5, "d": 1.5, "n": 2, "si": "7"}, {"i": 1, "d": "x", "n": 2, "si": "7"},
           {"i": 1, "d": 1.5, "n": "2", "si": "7"}, {"i": 1, "d": 1.5, "n": 2, "si": "7.5"}])
    assert notes == ["matcher-inexact"]  # decimal: lexical form not expressible


def test_null_and_boolean() -> None:
    schema, _ = compile_body({"z": None, "b": True}, {"$.z": [{"match": "null"}], "$.b": [{"match": "boolean"}]})
    check(schema, [{"z": None, "b": False}], [{"z": 0, "b": True}, {"z": None, "b": 1}])


@pytest.mark.parametrize(("kind", "fmt", "good", "bad"), [
    ("date", "yyyy-MM-dd", "2024-02-29", "2024-13-01"),
    ("datetime", "yyyy-MM-dd'T'HH:mm:ssXXX", "2024-01-01T10:00:00+01:00", "2024-01-01 10:00"),
    ("timestamp", "yyyy-MM-dd'T'HH:mm:ss'Z'", "2024-01-01T10:00:00Z", "yesterday"),
    ("date", "dd/MM/yyyy", "31/12/2024", "2024-12-31"),
    ("time", "HH:mm", "23:59", "24:00"),
])
def test_dates(kind: str, fmt: str, good: str, bad: str) -> None:
    schema, notes = compile_body({"t": good}, {"$.t": [{"match": kind, "format": fmt}]})
    check(schema, [{"t": good}], [{"t": bad}, {"t": 5}])
    assert notes == []


def test_date_text_fields_are_a_note() -> None:
    schema, notes = compile_body({"t": "Jan 2024"}, {"$.t": [{"match": "date", "format": "MMM yyyy"}]})
    check(schema, [{"t": "Feb 2023"}], [{"t": "2023-02"}])
    assert notes == ["matcher-inexact"]
    assert java_date_pattern("yyyy-MM-dd") == (r"^\d{4}\-(?:0[1-9]|1[0-2])\-(?:0[1-9]|[12]\d|3[01])$", True)


def test_values_matcher_keys_not_required() -> None:
    schema, _ = compile_body({"m": {"a": {"n": 1}}}, {"$.m": [{"match": "values"}]})
    check(schema, [{"m": {}}, {"m": {"zzz": {"n": 2}}}], [{"m": {"zzz": {"n": "x"}}}, {"m": {"a": {}}}])


def test_each_key_and_each_value() -> None:
    schema, _ = compile_body(
        {"m": {"k1": "v"}},
        {"$.m": [{"match": "eachKey", "rules": [{"match": "regex", "regex": "k\\d"}]},
                 {"match": "eachValue", "rules": [{"match": "type"}]}]})
    check(schema, [{"m": {"k2": "w", "k3": "x"}}], [{"m": {"key": "w"}}, {"m": {"k2": 1}}])


def test_array_contains() -> None:
    schema, _ = compile_body(
        {"xs": [{"t": "a"}, {"t": "b", "n": 1}]},
        {"$.xs": [{"match": "arrayContains", "variants": [
            {"index": 0, "rules": {"$.t": {"matchers": [{"match": "regex", "regex": "a"}]}}},
            {"index": 1, "rules": {"$.n": {"matchers": [{"match": "integer"}]}}}]}]})
    check(schema, [{"xs": [{"z": 0}, {"t": "b", "n": 9}, {"t": "a"}]}], [{"xs": [{"t": "a"}]}])


def test_not_empty_and_semver() -> None:
    schema, _ = compile_body({"s": "x", "a": [1], "v": "1.2.3"},
                             {"$.s": [{"match": "notEmpty"}], "$.a": [{"match": "notEmpty"}],
                              "$.v": [{"match": "semver"}]})
    check(schema, [{"s": "y", "a": [2, 3], "v": "10.0.0-rc.1+b5"}],
          [{"s": "", "a": [1], "v": "1.2.3"}, {"s": "y", "a": [], "v": "1.2.3"}, {"s": "y", "a": [1], "v": "1.2"}])


def test_combine_and_or() -> None:
    and_schema, _ = compile_body({"s": "ab"}, {"$.s": [{"match": "regex", "regex": "a.*"},
                                                        {"match": "include", "value": "b"}]})
    check(and_schema, [{"s": "axb"}], [{"s": "ax"}, {"s": "xb"}])
    or_schema, _ = compile_body({"s": "ab"}, {"$.s": [{"match": "regex", "regex": "a.*"},
                                                       {"match": "include", "value": "b"}]}, combine="OR")
    check(or_schema, [{"s": "ax"}, {"s": "xb"}], [{"s": "xx"}])


def test_equality_resets_a_cascaded_subtree() -> None:
    schema, _ = compile_body({"a": {"b": "fixed", "c": 1}},
                             {"$": [{"match": "type"}], "$.a.b": [{"match": "equality"}]})
    check(schema, [{"a": {"b": "fixed", "c": 2}}], [{"a": {"b": "other", "c": 2}}])


def test_generator_without_matcher_is_not_a_constant() -> None:
    c = Compiler({}, False, "pact.json", "t", "/body", frozenset({("$", "id")}), {("$", "id"): "/generators/body/$.id"})
    schema = c.compile({"id": 5, "name": "n"})
    check(schema, [{"id": 99, "name": "n"}], [{"id": 99, "name": "m"}, {"id": "99", "name": "n"}])
    assert schema["properties"]["id"]["x-expect"] == "/generators/body/$.id"


def test_content_type_and_unknown_matchers_are_counted() -> None:
    _, notes = compile_body({"a": "x", "b": "y"}, {"$.a": [{"match": "contentType", "value": "image/png"}],
                                                   "$.b": [{"match": "fuzzy"}]})
    assert sorted(notes) == ["matcher-inexact", "matcher-unknown"]


def test_weights_pick_the_most_specific_path() -> None:
    schema, _ = compile_body({"xs": [{"id": "a"}]},
                             {"$.xs[*].id": [{"match": "regex", "regex": "[a-z]"}], "$.*": [{"match": "type"}]})
    check(schema, [{"xs": [{"id": "q"}, {"id": "r"}]}], [{"xs": [{"id": "qq"}]}])


def test_source_pointers_name_the_matcher() -> None:
    schema, _ = compile_body({"a": 1, "b": 2}, {"$.a": [{"match": "integer"}]})
    assert schema["properties"]["a"]["x-expect"] == "/rules/$.a/matchers/0"
    assert schema["properties"]["b"]["x-expect"] == "/body/b"


def test_parse_path() -> None:
    assert parse_path("$.a['b c'][*].d[0].*") == ("$", "a", "b c", "[*]", "d", 0, "*")
    with pytest.raises(ValueError):
        parse_path("a.b")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False, allow_infinity=False, width=16)
    | st.text(max_size=4),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=12)
root_matchers = st.sampled_from([None, "type", "values", "notEmpty", "equality"])


@settings(max_examples=150, deadline=None)
@given(example=json_values, matcher=root_matchers, request=st.booleans())
def test_a_compiled_schema_accepts_its_own_example(example: Any, matcher: str | None, request: bool) -> None:
    rules = {"$": [{"match": matcher}]} if matcher else None
    if matcher == "notEmpty" and example in ("", [], {}, None):
        return
    schema, notes = compile_body(example, rules, request=request)
    if "example-inconsistent" in notes:  # Pact itself would refuse such an example (items vs the first)
        return
    assert accepts(schema, example)


@settings(max_examples=150, deadline=None)
@given(example=json_values, other=json_values)
def test_equality_accepts_nothing_else(example: Any, other: Any) -> None:
    schema, notes = compile_body(example, None, request=True)
    if "array-order-ignored" in notes:  # the documented approximation: such arrays compare as sets
        return

    def same(a: Any, b: Any) -> bool:  # JSON equality (1 == 1.0, but True is not 1)
        if isinstance(a, bool) or isinstance(b, bool):
            return type(a) is type(b) and a == b
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        return (type(a) in (int, float) and type(b) in (int, float) and a == b) or (type(a) is type(b) and a == b)

    if not same(example, other):
        assert not accepts(schema, other)


def test_type_or_null_on_an_object() -> None:
    schema, _ = compile_body({"o": {"a": 1}}, {"$.o": [{"match": "type"}, {"match": "null"}]}, combine="OR")
    check(schema, [{"o": None}, {"o": {"a": 7}}], [{"o": 1}, {"o": {"b": 1}}])
