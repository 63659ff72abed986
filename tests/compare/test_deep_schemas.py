"""Deeply nested (finite) schemas: found when within reach, a warning beyond it, never a crash."""

from __future__ import annotations

from typing import Any

import contractdrift


def _deep(depth: int, leaf: dict[str, Any]) -> dict[str, Any]:
    schema = leaf
    for _ in range(depth):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


def _spec(schema: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"responses": {
        "200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}}}}}


def test_change_three_hundred_levels_down_is_found() -> None:
    report = contractdrift.diff_specs(_spec(_deep(300, {"type": "string"})), _spec(_deep(300, {"type": "integer"})))
    [finding] = report.findings
    assert finding.rule_id == "response-property-type-changed"
    assert finding.location.payload_pointer == "/a" * 300
    assert not report.warnings


def test_deeper_than_the_limit_is_a_warning_not_a_crash() -> None:
    report = contractdrift.diff_specs(_spec(_deep(1500, {"type": "string"})), _spec(_deep(1500, {"type": "integer"})))
    assert any("nested deeper than" in w for w in report.warnings)
