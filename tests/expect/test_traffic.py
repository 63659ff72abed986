"""Comparisons 2 and 3: recorded traffic against the client's expectations, and the three pairs at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import contractdrift as cd
from contractdrift import Body, Exchange, Request, Response

EXAMPLES = Path(__file__).parents[2] / "examples" / "orders"
SPEC = EXAMPLES / "v2.yaml"
PACT = EXAMPLES / "web-shop.pact.json"
OID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def ex(i: int, url: str, status: int, body: Any) -> Exchange:
    return Exchange(id=f"e{i}", started_at=1.0, duration_ms=1.0,
                    request=Request(method="GET", url=url, headers=(("Accept", "application/json"),)),
                    response=Response(status=status, headers=(("content-type", "application/json"),),
                                      body=Body(kind="json", media_type="application/json", size=10, json=body)))


def order(status: str, created: bool = True) -> dict[str, Any]:
    out = {"id": OID, "status": status, "total": {"amount": "1.00", "currency": "EUR"}, "extra": 1}
    if created:
        out["created_at"] = "2026-01-01T00:00:00Z"
    return out


def traffic() -> list[Exchange]:
    return [
        ex(1, f"https://api.example.com/v1/orders/{OID}", 200, order("paid")),
        ex(2, f"https://api.example.com/v1/orders/{OID}", 200, order("paid", created=False)),
        ex(3, f"https://api.example.com/v1/orders/{OID}", 200, order("paid")),
        ex(4, "https://api.example.com/v1/orders/refunds-report", 200, {}),
    ]


def test_traffic_against_the_clients_expectations() -> None:
    report = cd.check(traffic(), expect=cd.load_expectations(PACT))
    found = {(f.rule_id, f.location.payload_pointer) for f in report.findings}
    # the client's type matcher over the whole body requires created_at: 1 of 3 responses lacks it
    assert ("response-property-required-missing", "/created_at") in found
    f = next(f for f in report.findings if f.rule_id == "response-property-required-missing")
    assert f.evidence is not None and (f.evidence.observed, f.evidence.total) == (1, 3)
    assert f.location.revision is not None and f.location.revision.pointer == (
        "/interactions/1/response/matchingRules/body/$/matchers/0")
    assert f.location.revision.position is not None and f.location.revision.position.file == str(PACT)
    assert f.args["versus"] == "client expectations" and f.args["consumer"] == "web-shop"
    # extra response properties are fine for a Pact client; the uncovered exchange is counted, not a finding
    assert not any(r.endswith("undocumented") for r, _ in found)
    assert any("match no interaction" in w for w in report.warnings)


def test_three_way_view() -> None:
    report = cd.check(traffic(), SPEC, cd.load_expectations(PACT))
    rules = {f.rule_id for f in report.findings}
    assert "response-property-required-missing" in rules  # traffic vs client
    assert "expect-response-body-incompatible" in rules  # client vs spec
    assert "response-property-undocumented" in rules  # traffic vs spec ('extra' is not in the spec)
    assert report.coverage is not None
    clients = report.coverage["clients"]
    assert isinstance(clients, dict) and set(clients["web-shop"]) == {"GET /orders", "GET /orders/{id}", "POST /orders"}
    assert report.coverage["operations_no_client_relies_on"] == [
        "DELETE /orders/{id}", "POST /orders/{orderId}/refunds"]


def test_cli_traffic_and_expectations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from contractdrift.cli import main
    from contractdrift.store.jsonl import JsonlWriter

    path = tmp_path / "t.jsonl"
    with JsonlWriter(path) as w:
        for e in traffic():
            w.write(e)
    assert main(["check", str(path), "--expect", str(PACT), "--format", "json"]) == 1
    assert "response-property-required-missing" in capsys.readouterr().out
    assert main(["check", str(path)]) == 2
    assert "--spec" in capsys.readouterr().err
