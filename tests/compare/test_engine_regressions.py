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
