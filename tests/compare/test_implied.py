"""Breaks that are not breaks (issue 11): a constraint dropped or changed where the whole schema still
implies it -- producer ⊆ consumer asked of the schema, not keyword by keyword."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from contractdrift.api import diff_specs
from contractdrift.compare.walk import satisfies_bound, satisfies_format, satisfies_pattern


def _doc(schema: dict[str, Any], *, request: bool = False) -> dict[str, Any]:
    op: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
    if request:
        op["requestBody"] = {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"v": {"$ref": "#/components/schemas/V"}}}}}}
    else:
        op["responses"]["200"]["content"] = {"application/json": {"schema": {
            "type": "object", "properties": {"v": {"$ref": "#/components/schemas/V"}}}}}
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"post" if request else "get": op}}, "components": {"schemas": {"V": schema}}}


def _rules(base: dict[str, Any], rev: dict[str, Any], *, request: bool = False) -> set[str]:
    return {f.rule_id for f in diff_specs(_doc(base, request=request), _doc(rev, request=request)).findings}


# (base schema, revision schema, the keyword rule that must NOT fire, the one that fires when the
# revision's values do not satisfy the base's constraint)
CASES = [
    pytest.param({"type": "string", "maxLength": 5000}, {"type": "string", "enum": ["pending", "failed"]},
                 "response-property-max-length-unset", id="stripe-charge-status: enum vs maxLength"),
    pytest.param({"type": "string", "minLength": 2}, {"type": "string", "const": "ok"},
                 "response-property-min-length-unset", id="const vs minLength"),
    pytest.param({"type": "string", "pattern": "^[a-z]+$"}, {"type": "string", "enum": ["a", "bc"]},
                 "response-property-pattern-removed", id="enum vs pattern"),
    pytest.param({"type": "string", "format": "date"}, {"type": "string", "enum": ["2024-01-01"]},
                 "response-property-format-removed", id="enum vs format"),
    pytest.param({"type": "integer", "minimum": 0, "maximum": 10}, {"type": "integer", "enum": [1, 2, 3]},
                 "response-property-max-unset", id="enum vs range"),
]


@pytest.mark.parametrize(("base", "rev", "rule"), CASES)
def test_a_constraint_the_revision_implies_is_no_finding(base: dict[str, Any], rev: dict[str, Any], rule: str) -> None:
    assert rule not in _rules(base, rev)


@pytest.mark.parametrize(("base", "rev", "rule"), CASES)
def test_the_same_change_is_reported_when_one_value_escapes_the_constraint(base: dict[str, Any], rev: dict[str, Any],
                                                                          rule: str) -> None:
    escaping = {"maxLength": "x" * 5001, "minLength": "k", "pattern": "A1", "format": "not-a-date", "maximum": 11}
    bad = copy.deepcopy(rev)
    keyword = next(k for k in escaping if k in base)
    value = escaping[keyword]
    if "const" in bad:
        bad["const"] = value
    else:
        bad["enum"] = [*bad["enum"], value]
    assert rule in _rules(base, bad)


def test_request_side_asks_the_other_way_round() -> None:
    # requests: the base produces (what clients send), the revision consumes. A maxLength the server
    # now sets is no break when every value clients could send (the base's enum) fits it.
    base = {"type": "string", "enum": ["a", "bb"]}
    assert "request-property-max-length-set" not in _rules(base, {**base, "maxLength": 2}, request=True)
    assert "request-property-max-length-set" in _rules(base, {**base, "maxLength": 1}, request=True)


def test_allof_members_together_still_imply_what_one_dropped() -> None:
    base = {"allOf": [{"type": "string", "maxLength": 10}, {"type": "string", "maxLength": 20}]}
    rev = {"allOf": [{"type": "string", "maxLength": 10}, {"type": "string"}]}  # the 20 is implied by the 10
    assert not {r for r in _rules(base, rev) if "max-length" in r}
    looser = {"allOf": [{"type": "string"}, {"type": "string", "maxLength": 20}]}  # the 10 dropped: looser
    assert "response-property-max-length-increased" in _rules(base, looser)


def test_the_predicates() -> None:
    assert satisfies_bound("abc", "maxLength", 3) and not satisfies_bound("abcd", "maxLength", 3)
    assert satisfies_bound(5, "exclusiveMaximum", 6) and not satisfies_bound(6, "exclusiveMaximum", 6)
    assert satisfies_bound(True, "maximum", 0)  # booleans are no numbers: the keyword does not apply
    assert satisfies_bound(9, "multipleOf", 3) and not satisfies_bound(10, "multipleOf", 3)
    assert satisfies_bound([1, 2], "minItems", 2) and not satisfies_bound([1], "minItems", 2)
    assert satisfies_pattern("abc", "^a") and not satisfies_pattern("xbc", "^a")
    assert not satisfies_pattern("a", "(")  # a pattern Python cannot read decides nothing
    assert satisfies_format("2024-02-29", "date") and not satisfies_format("2023-02-29", "date")
    assert not satisfies_format("x", "no-such-format")
