"""The library: check() over Exchange iterables, assert_conforms for tests, the streaming SpecChecker,
the nullable readings, and infer --spec naming unmatched paths relative to the base path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import contractdrift
from contractdrift.model import Severity

from .helpers import ex, ok, spec

SHOP = Path(__file__).parent / "data" / "shop.yaml"
TRAFFIC = Path(__file__).parent / "data" / "shop-traffic.jsonl"


def shop_transport(item: dict[str, Any], status: int = 200) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=item))


def test_check_accepts_exchanges_and_paths_alike() -> None:
    from_path = contractdrift.check(TRAFFIC, spec=SHOP)
    from_objects = contractdrift.check(list(contractdrift.read_exchanges(TRAFFIC)), spec=SHOP)
    assert [f.fingerprint for f in from_path.findings] == [f.fingerprint for f in from_objects.findings]
    assert from_objects.meta["traffic"] == "(exchanges)"
    with pytest.raises(contractdrift.InputError, match=r"pact\.json"):  # expectations are loaded (issue 9)
        contractdrift.check(TRAFFIC, spec=SHOP, expect="pact.json")
    with pytest.raises(contractdrift.UsageError):
        contractdrift.check(TRAFFIC, spec=SHOP, nullable="sometimes")


def test_assert_conforms_passes_and_fails_pinpointed() -> None:
    good = {"id": 1, "name": "a", "price": 2.5, "status": "sold"}
    with httpx.Client(transport=shop_transport(good), base_url="https://shop.example.com/v1",
                      headers={"Authorization": "Bearer t"}) as client:
        contractdrift.assert_conforms(client.get("/items/1"), SHOP)
    bad = {"id": 1, "price": "2.5", "status": "gone"}
    with httpx.Client(transport=shop_transport(bad), base_url="https://shop.example.com/v1") as client:
        response = client.get("/items/1")
    with pytest.raises(AssertionError) as info:
        contractdrift.assert_conforms(response, SHOP)
    text = str(info.value)
    lines = text.splitlines()
    assert lines[0] == "4 finding(s) against the spec:"
    assert any("response-property-type-mismatch GET /items/{itemId} response 200 application/json at $.price"
               in line and 'sent "2.5"' in line and 'spec expects {"type":"number"}' in line
               and "shop.yaml:87:9" in line for line in lines)
    assert any("response-property-required-missing" in line and "at $.name" in line for line in lines)
    assert any("response-property-enum-mismatch" in line and 'sent "gone"' in line for line in lines)
    assert any("api-security-not-enforced" in line for line in lines)
    # info findings do not fail by default; fail_on="info" makes them
    with httpx.Client(transport=shop_transport({"data": []}), base_url="https://shop.example.com/v1") as client:
        listing = client.get("/items", params={"debug": 1})
    contractdrift.assert_conforms(listing, SHOP)
    with pytest.raises(AssertionError, match="request-parameter-undocumented"):
        contractdrift.assert_conforms([listing], SHOP, fail_on="info")


def test_streaming_checker_compiles_once() -> None:
    checker = contractdrift.spec_checker(SHOP)
    exchanges = list(contractdrift.read_exchanges(TRAFFIC))
    per_exchange = [checker.check(e) for e in exchanges]
    assert [len(f) for f in per_exchange].count(0) >= 5  # conforming ones give nothing
    assert checker.aggregate.exchanges == 0  # check() leaves the running aggregate alone
    for e in exchanges:
        checker.add(e)
    streamed = sorted((f.rule_id, f.location.payload_pointer) for f in checker.findings())
    one_by_one = sorted({(f.rule_id, f.location.payload_pointer) for fs in per_exchange for f in fs})
    assert streamed == one_by_one
    assert contractdrift.SpecChecker is type(checker)


NULLABLE = spec({"/c": {"get": {"responses": {"200": ok({"type": "object", "properties": {
    "customer": {"nullable": True, "anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/C"}]},
    "status": {"type": "string", "nullable": True, "enum": ["a", "b"]}}})}}}},
    components={"schemas": {"C": {"type": "object"}}})


def test_nullable_lenient_by_default_strict_on_request() -> None:
    exchange = ex("GET", "/c", resp={"customer": None, "status": None})
    lenient = contractdrift.check([exchange], spec=NULLABLE)
    assert lenient.findings == ()
    strict = contractdrift.check([exchange], spec=NULLABLE, nullable="strict")
    assert sorted((f.rule_id, f.location.payload_pointer) for f in strict.findings) == [
        ("response-property-null-not-allowed", "/customer"), ("response-property-null-not-allowed", "/status")]


def test_severity_overrides_and_levels() -> None:
    report = contractdrift.check(TRAFFIC, spec=SHOP, severity={"api-security-not-enforced": "info"}, level="warn")
    assert "api-security-not-enforced" not in {f.rule_id for f in report.findings}
    assert all(f.severity >= Severity.WARN for f in report.findings)
    with pytest.raises(contractdrift.UsageError):
        contractdrift.check(TRAFFIC, spec=SHOP, severity={"no-such-rule": "off"})


def test_infer_names_unmatched_paths_relative_to_the_server_base(tmp_path: Path) -> None:
    doc = spec({"/orders": {"get": {"responses": {"200": ok()}}}}, servers=[{"url": "https://h/v1"}])
    spec_path = tmp_path / "s.json"
    spec_path.write_text(json.dumps(doc), encoding="utf-8")
    exchanges = [ex("GET", "/v1/orders", resp={}), ex("GET", "/v1/invoices", resp={})]
    inferred = contractdrift.infer_api(exchanges, spec=spec_path)
    assert set(inferred.to_openapi()["paths"]) == {"/orders", "/invoices"}


def test_examples_are_redacted_like_recordings() -> None:
    doc = spec({"/u": {"get": {"responses": {"200": ok({"type": "object", "properties": {"id": {"type": "integer"}}})}}}})
    exchanges = [ex("GET", "/u?password=hunter2", resp={"id": 1, "api_token": "sk_live_51Habcdefghijklmnop"}),
                 ex("GET", "/u", resp={"id": 2, "owner": {"name": "x", "client_secret": "cs_abcdefghijklmnop"}})]
    found = {f.rule_id: f for f in contractdrift.check(exchanges, spec=doc).findings}
    examples = {rule: f.evidence.example for rule, f in found.items() if f.evidence is not None}
    by_pointer = {f.location.payload_pointer: f.evidence.example for f in found_all(exchanges, doc)}
    assert set(examples) == {"request-parameter-undocumented", "response-property-undocumented"}
    assert "hunter2" not in str(examples["request-parameter-undocumented"])
    assert "sk_live_51Habcdefghijklmnop" not in str(by_pointer["/api_token"])
    assert "cs_abcdefghijklmnop" not in str(by_pointer["/owner"]) and "'name': 'x'" in str(by_pointer["/owner"])


def found_all(exchanges: list[Any], doc: dict[str, Any]) -> list[Any]:
    return [f for f in contractdrift.check(exchanges, spec=doc).findings if f.evidence is not None]


def test_exchanges_without_response_and_very_deep_payloads() -> None:
    from dataclasses import replace

    doc = spec({"/x": {"get": {"parameters": [{"name": "n", "in": "query", "schema": {"type": "integer"}}],
                               "responses": {"200": ok({"type": "array", "items": {"type": "array"}})}}}})
    lost = replace(ex("GET", "/x?n=a", resp={}), response=None, error="ConnectError: refused")
    deep: Any = []
    for _ in range(5000):
        deep = [deep]
    shallow = ex("GET", "/x", resp=[])
    assert shallow.response is not None
    nested = replace(shallow, response=replace(shallow.response, body=contractdrift.Body(
        kind="json", media_type="application/json", json=deep, size=10_000)))
    report = contractdrift.check([lost, nested], spec=doc)
    assert [(f.rule_id, f.location.payload_pointer) for f in report.findings] == [
        ("request-parameter-type-mismatch", "/query/n")]
    assert any("1 exchange(s) had no response" in w for w in report.warnings)


def test_redacted_examples_are_the_same_run_after_run_and_with_jobs(tmp_path: Path) -> None:
    """The stand-ins of redacted examples are keyed by the recording itself: the same recording gives
    the same report bytes (also with jobs), a different recording other stand-ins, and the secret
    never shows."""
    from contractdrift.report import render

    doc = spec({"/u": {"get": {"responses": {"200": ok({"type": "object", "properties": {"id": {"type": "integer"}}})}}}})

    def recording(path: Path, token: str, n: int) -> Path:
        rows = [ex("GET", "/u", resp={"id": i, "api_token": token}) for i in range(n)]
        path.write_text("".join(json.dumps(r.to_dict()) + "\n" for r in rows), encoding="utf-8")
        return path

    def example(report: Any) -> Any:
        return [f.evidence.example for f in report.findings if f.location.payload_pointer == "/api_token"]

    a = recording(tmp_path / "a.jsonl", "sk_live_51Habcdefghijklmnop", 40)
    b = recording(tmp_path / "b.jsonl", "sk_live_51Habcdefghijklmnop", 41)
    first, again = contractdrift.check(a, spec=doc), contractdrift.check(a, spec=doc)
    assert example(first) and "sk_live_51Habcdefghijklmnop" not in str(example(first))
    assert render(first, "json") == render(again, "json")
    assert render(contractdrift.check(a, spec=doc, jobs=2, unit_size=1024), "json") == render(first, "json")
    assert example(contractdrift.check(b, spec=doc)) != example(first)


def test_redacted_examples_are_the_same_read_from_a_url(tmp_path: Path) -> None:
    """A recording read through fsspec (``file://``, ``memory://`` standing in for object storage) keys
    its stand-ins by its content as a local path does: the same report bytes either way."""
    fsspec = pytest.importorskip("fsspec")
    from contractdrift.report import render

    doc = spec({"/u": {"get": {"responses": {"200": ok({"type": "object", "properties": {"id": {"type": "integer"}}})}}}})
    rows = [ex("GET", "/u", resp={"id": i, "api_token": "sk_live_51Habcdefghijklmnop"}) for i in range(30)]
    data = "".join(json.dumps(r.to_dict()) + "\n" for r in rows).encode()
    local = tmp_path / "a.jsonl"
    local.write_bytes(data)
    memory = fsspec.filesystem("memory")
    with memory.open("/salt-test/a.jsonl", "wb") as fh:
        fh.write(data)
    def rendered(traffic: Any) -> Any:  # the report but the name of the traffic
        text = render(contractdrift.check(traffic, spec=doc), "json")
        assert "sk_live_51Habcdefghijklmnop" not in text and "api_token" in text
        doc_out = json.loads(text)
        del doc_out["meta"]["traffic"]
        return doc_out

    try:
        expected = rendered(local)
        for url in ("file://" + str(local), "memory://salt-test/a.jsonl", "memory://salt-test"):
            assert rendered(url) == expected, url
    finally:
        memory.rm("/salt-test", recursive=True)
