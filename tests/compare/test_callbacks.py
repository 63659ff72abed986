"""Callbacks: the API sends the callback request and the client's handler answers it, so the roles
of producer and consumer swap compared with the operation itself."""

from __future__ import annotations

import copy
from typing import Any

import contractdrift


def _spec(event: dict[str, Any], ack: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "hooks", "version": "1"},
        "paths": {"/subscriptions": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"url": {"type": "string"}}}}}},
            "responses": {"201": {"description": "subscribed"}},
            "callbacks": {"onEvent": {"{$request.body#/url}": {"post": {
                "requestBody": {"content": {"application/json": {"schema": event}}},
                "responses": {"200": {"description": "ack", "content": {"application/json": {"schema": ack}}}},
            }}}},
        }}},
    }


EVENT = {"type": "object", "required": ["id"],
         "properties": {"id": {"type": "string"}, "kind": {"type": "string", "enum": ["a", "b"]}}}
ACK = {"type": "object", "properties": {"ack": {"type": "boolean"}}}


def _ids(base: dict[str, Any], revision: dict[str, Any]) -> dict[str, contractdrift.Finding]:
    return {f.rule_id: f for f in contractdrift.diff_specs(base, revision).findings}


def test_unchanged_callback_is_no_change() -> None:
    assert not contractdrift.diff_specs(_spec(EVENT, ACK), _spec(copy.deepcopy(EVENT), ACK)).findings


def test_callback_request_is_checked_like_a_response() -> None:
    event = copy.deepcopy(EVENT)
    del event["properties"]["id"]
    event["required"] = []
    event["properties"]["kind"]["enum"].append("c")
    found = _ids(_spec(EVENT, ACK), _spec(event, ACK))
    removed = found["response-required-property-removed"]
    assert removed.severity is contractdrift.Severity.ERROR
    assert removed.operation == "POST /subscriptions callback onEvent POST {$request.body#/url}"
    assert removed.location.payload_pointer == "/id"
    assert found["response-property-enum-value-added"].severity is contractdrift.Severity.WARN


def test_callback_response_is_checked_like_a_request() -> None:
    ack = copy.deepcopy(ACK)
    ack["required"] = ["ack"]
    found = _ids(_spec(EVENT, ACK), _spec(EVENT, ack))
    assert found["request-property-became-required"].severity is contractdrift.Severity.ERROR


def test_callback_expression_removed() -> None:
    revision = _spec(EVENT, ACK)
    revision["paths"]["/subscriptions"]["post"]["callbacks"]["onEvent"] = {"{$request.body#/other}": {}}
    found = _ids(_spec(EVENT, ACK), revision)
    assert found["callback-removed"].args["name"] == "onEvent POST {$request.body#/url}"


def test_webhook_request_is_checked_like_a_response() -> None:
    def spec(event: dict[str, Any]) -> dict[str, Any]:
        return {"openapi": "3.1.0", "info": {"title": "hooks", "version": "1"}, "paths": {},
                "webhooks": {"orderPaid": {"post": {
                    "requestBody": {"content": {"application/json": {"schema": event}}},
                    "responses": {"200": {"description": "ok"}}}}}}

    event = copy.deepcopy(EVENT)
    event["properties"]["id"] = {"type": "integer"}
    found = _ids(spec(EVENT), spec(event))
    changed = found["response-property-type-changed"]
    assert changed.operation == "webhook POST orderPaid" and changed.location.payload_pointer == "/id"
    assert not contractdrift.diff_specs(spec(EVENT), spec(copy.deepcopy(EVENT))).findings
