"""Properties of ``diff_specs`` over generated OpenAPI documents.

* ``diff(x, x)`` reports nothing (and neither does ``x`` against a copy with its non-recursive
  component ``$ref``s inlined: inline == ``$ref`` to an identical component);
* the result is deterministic (same findings, same order, same fingerprints on a second run);
* ``diff(x, y)`` terminates for arbitrary pairs, including recursive components.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractdrift.api import diff_specs
from contractdrift.model import Report

Json = dict[str, Any]
NAMES = ("id", "name", "tags", "owner", "kind")
COMPONENTS = ("Pet", "Owner")  # plain components; "Tree" is recursive

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _leaf() -> st.SearchStrategy[Json]:
    string = st.fixed_dictionaries({"type": st.just("string")}, optional={
        "maxLength": st.integers(1, 5), "minLength": st.integers(0, 2), "format": st.sampled_from(["date", "uuid"]),
        "enum": st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True),
        "pattern": st.just("^[a-z]+$"), "nullable": st.booleans(), "deprecated": st.booleans(),
        "default": st.just("a"),
    })
    number = st.fixed_dictionaries({"type": st.sampled_from(["integer", "number"])}, optional={
        "minimum": st.integers(0, 3), "maximum": st.integers(4, 9), "multipleOf": st.sampled_from([1, 2]),
        "exclusiveMaximum": st.booleans(), "nullable": st.booleans(),
    })
    refs = st.sampled_from([*COMPONENTS, "Tree"]).map(lambda n: {"$ref": f"#/components/schemas/{n}"})
    return st.one_of(string, number, st.just({"type": "boolean"}), refs)


def _extend(children: st.SearchStrategy[Json]) -> st.SearchStrategy[Json]:
    props = st.dictionaries(st.sampled_from(NAMES), children, min_size=1, max_size=3)

    @st.composite
    def objects(draw: st.DrawFn) -> Json:
        properties = draw(props)
        out: Json = {"type": "object", "properties": properties}
        required = draw(st.lists(st.sampled_from(sorted(properties)), unique=True, max_size=len(properties)))
        if required:
            out["required"] = required
        if draw(st.booleans()):
            out["additionalProperties"] = draw(st.sampled_from([False, {"type": "string"}]))
        if draw(st.booleans()):
            out["nullable"] = True
        return out

    arrays = st.fixed_dictionaries({"type": st.just("array"), "items": children},
                                   optional={"maxItems": st.integers(1, 4), "uniqueItems": st.booleans()})
    one_of = st.lists(children, min_size=2, max_size=3).map(lambda ms: {"oneOf": ms})
    any_of = st.lists(children, min_size=1, max_size=2).map(lambda ms: {"anyOf": [*ms, {"type": "string"}]})
    all_of = st.lists(objects(), min_size=1, max_size=2).map(lambda ms: {"allOf": ms})
    return st.one_of(objects(), arrays, one_of, any_of, all_of)


SCHEMAS = st.recursive(_leaf(), _extend, max_leaves=6)


@st.composite
def documents(draw: st.DrawFn) -> Json:
    # a component that is only a ``$ref`` could close a circular chain (bad input, an InputError by design)
    components: Json = {name: draw(SCHEMAS.filter(lambda x: "$ref" not in x)) for name in COMPONENTS}
    components["Tree"] = {  # recursive: a tree of trees, and a value that may point back at other components
        "type": "object", "required": ["value"],
        "properties": {"value": draw(_leaf()), "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}},
    }
    paths: Json = {}
    for path in draw(st.lists(st.sampled_from(["/pets", "/pets/{id}", "/owners/{ownerId}/pets"]), min_size=1,
                              max_size=3, unique=True)):
        item: Json = {}
        for method in draw(st.lists(st.sampled_from(["get", "post", "put"]), min_size=1, max_size=2, unique=True)):
            op: Json = {"responses": {}}
            params = [{"name": p.strip("{}"), "in": "path", "required": True, "schema": {"type": "string"}}
                      for p in path.split("/") if p.startswith("{")]
            for name in draw(st.lists(st.sampled_from(["limit", "X-Trace"]), unique=True, max_size=2)):
                params.append({"name": name, "in": "header" if name.startswith("X-") else "query",
                               "required": draw(st.booleans()), "schema": draw(SCHEMAS)})
            if params:
                op["parameters"] = params
            if method != "get" and draw(st.booleans()):
                op["requestBody"] = {"required": draw(st.booleans()),
                                     "content": {"application/json": {"schema": draw(SCHEMAS)}}}
            for status in draw(st.lists(st.sampled_from(["200", "201", "404"]), min_size=1, max_size=2, unique=True)):
                response: Json = {"description": status}
                if draw(st.booleans()):
                    response["content"] = {"application/json": {"schema": draw(SCHEMAS)}}
                if draw(st.booleans()):
                    response["headers"] = {"X-Rate": {"schema": draw(_leaf())}}
                op["responses"][status] = response
            item[method] = op
        paths[path] = item
    return {"openapi": "3.0.3", "info": {"title": "generated", "version": "1"}, "paths": paths,
            "components": {"schemas": components}}


def _inline(value: Any, components: Json, depth: int = 0) -> Any:
    """Replace ``$ref``s to the non-recursive components by copies of their targets."""
    if isinstance(value, list):
        return [_inline(v, components, depth) for v in value]
    if not isinstance(value, dict):
        return value
    ref = value.get("$ref")
    if isinstance(ref, str) and len(value) == 1:
        name = ref.rsplit("/", 1)[-1]
        if name in COMPONENTS and depth < 8:
            return _inline(copy.deepcopy(components[name]), components, depth + 1)
        return value
    return {k: _inline(v, components, depth) for k, v in value.items()}


def _summary(report: Report) -> list[tuple[str, str, str]]:
    return [(f.rule_id, f.fingerprint, f.message) for f in report.findings]


@SETTINGS
@given(documents())
def test_diff_with_itself_is_empty(doc: Json) -> None:
    report = diff_specs(doc, copy.deepcopy(doc))
    assert not report.findings, [f.message for f in report.findings]


@SETTINGS
@given(documents())
def test_inlined_components_are_no_change(doc: Json) -> None:
    inlined = copy.deepcopy(doc)
    inlined["paths"] = _inline(inlined["paths"], doc["components"]["schemas"])
    report = diff_specs(doc, inlined)
    assert not report.findings, [f"{f.rule_id}: {f.message}" for f in report.findings]


@SETTINGS
@given(documents(), documents())
def test_diff_of_pairs_terminates_and_is_deterministic(a: Json, b: Json) -> None:
    first = diff_specs(a, b)
    again = diff_specs(copy.deepcopy(a), copy.deepcopy(b))
    assert _summary(first) == _summary(again)
    diff_specs(b, a)  # the other direction terminates too
