"""Traffic-weighted diff (issue 11): each change says how much recorded traffic it touches, matched to
the base spec's operations exactly as ``check`` matches them; --fail-on-observed; version advice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contractdrift.api import diff_exit_code, diff_specs, version_advice
from contractdrift.cli import main
from contractdrift.compare.impact import affected
from contractdrift.model import Body, Exchange, Finding, Location, Request, Response, Severity, Side

ROOT = Path(__file__).resolve().parents[2]
V1, V2 = ROOT / "examples/orders/v1.yaml", ROOT / "examples/orders/v2.yaml"


def _ex(n: int, method: str, url: str, status: int, resp: Any, req: Any = None) -> Exchange:
    def body(v: Any) -> Body:
        return Body.empty("application/json") if v is None else Body.from_bytes(json.dumps(v).encode(),
                                                                                 "application/json")
    return Exchange(id=f"e{n}", started_at=1_700_000_000.0 + n, duration_ms=1.0,
                    request=Request(method=method, url="https://api.example.com" + url,
                                    headers=(("content-type", "application/json"),) if req is not None else (),
                                    body=body(req)),
                    response=Response(status=status, headers=(("content-type", "application/json"),), body=body(resp)))


def _order(i: int, note: bool) -> dict[str, Any]:
    o: dict[str, Any] = {"id": f"o{i}", "status": "paid", "created_at": "2024-01-01T00:00:00Z",
                         "total": {"amount": 100, "currency": "EUR"}}
    if note:
        o["note"] = "leave at the door"
    return o


def _traffic() -> list[Exchange]:
    out = [_ex(i, "GET", "/v1/orders?limit=10", 200, {"data": [_order(i, note=i < 3)]}) for i in range(4)]
    out.append(_ex(9, "GET", "/v1/nowhere", 404, None))  # matches no operation of the base
    return out


def test_evidence_says_how_much_traffic_each_change_touches() -> None:
    report = diff_specs(V1, V2, group="none", traffic=_traffic())
    by = {(f.rule_id, f.location.operation, f.location.payload_pointer): f for f in report.findings}
    note = by[("response-optional-property-removed", "GET /orders", "/data/*/note")]
    assert note.evidence is not None and (note.evidence.observed, note.evidence.total) == (3, 4)
    assert note.evidence.details["traffic"] == "present in 3 of 4 recorded responses of GET /orders"
    region = by[("new-required-request-parameter", "GET /orders", None)]
    assert region.evidence is not None and (region.evidence.observed, region.evidence.total) == (0, 4)
    assert affected(region) == 4  # none of the 4 requests sends it: all of them break
    assert region.evidence.details["traffic"] == "0 of 4 recorded requests of GET /orders send it"
    limit = by[("request-parameter-max-decreased", "GET /orders", "")]
    assert affected(limit) == 4  # every request sends 'limit'
    created = by[("response-property-became-optional", "POST /orders", "/created_at")]
    assert created.evidence is not None and created.evidence.total == 0 and affected(created) == 0
    assert created.evidence.details["traffic"] == "no recorded responses of POST /orders"  # not "0 of 0"
    assert "1 of 5 recorded exchange(s) match no operation" in " ".join(report.warnings)
    assert report.meta["exchanges"] == "5"


def test_grouped_findings_sum_their_places_and_are_ordered_by_impact() -> None:
    report = diff_specs(V1, V2, group="change", traffic=_traffic())
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    impacts = [affected(f) for f in errors]
    assert impacts == sorted(impacts, reverse=True) and impacts[0] > 0
    amount = next(f for f in report.findings if f.rule_id == "response-property-type-changed")
    assert amount.evidence is not None and (amount.evidence.observed, amount.evidence.total) == (4, 4)
    assert len(amount.reaches) == 3


def test_fail_on_observed_counts_only_exercised_breaks() -> None:
    loc = Location(operation="GET /x", side=Side.RESPONSE)
    from contractdrift.model import Evidence, Report

    unused = Finding(rule_id="response-property-type-changed", severity=Severity.ERROR, location=loc,
                     args={"a": 1}, evidence=Evidence(observed=0, total=7, details={"affected": 0}))
    used = Finding(rule_id="response-property-type-changed", severity=Severity.ERROR, location=loc,
                   args={"a": 2}, evidence=Evidence(observed=0, total=7, details={"affected": 7}))
    assert diff_exit_code(Report.build([unused]), Severity.ERROR) == 1
    assert diff_exit_code(Report.build([unused]), Severity.ERROR, observed_only=True) == 0
    assert diff_exit_code(Report.build([unused, used]), Severity.ERROR, observed_only=True) == 1


def test_cli_traffic_and_fail_on_observed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "traffic.jsonl"
    # only POST /orders traffic, whose breaks none of it exercises except what POST responses carry
    rec.write_text("".join(json.dumps(e.to_dict()) + "\n" for e in _traffic()), encoding="utf-8")
    code = main(["diff", str(V1), str(V2), "--traffic", str(rec), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["meta"]["exchanges"] == "5"
    assert any(f["evidence"] and f["evidence"]["details"]["traffic"].startswith("present in") for f in doc["findings"])
    assert main(["diff", str(V1), str(V2), "--fail-on-observed"]) == 2  # needs --traffic
    assert "--fail-on-observed needs --traffic" in capsys.readouterr().err


def test_version_advice() -> None:
    def f(rule: str, sev: Severity) -> Finding:
        return Finding(rule_id=rule, severity=sev, location=Location())

    assert version_advice([f("response-property-type-changed", Severity.ERROR)], "1.0.0", "1.1.0")["version_bump"] == "major"
    assert version_advice([f("endpoint-added", Severity.INFO)])["version_bump"] == "minor"
    assert version_advice([f("api-deprecated-sunset-missing", Severity.INFO)])["version_bump"] == "patch"
    assert version_advice([])["version_bump"] == "patch"
    dated = version_advice([f("response-property-type-changed", Severity.ERROR)], "2022-08-01", "2022-11-15")
    assert dated["breaking"] == "yes" and "breaking release" in dated["version_advice"]
    assert "not breaking" in version_advice([], "2022-08-01", "2022-11-15")["version_advice"]
    report = diff_specs(V1, V2)
    assert report.meta["version_bump"] == "major" and report.meta["version_advice"].endswith("1.4.0 -> 2.0.0")


def test_head_requests_count_as_their_get() -> None:
    """A HEAD client depends on the GET's parameters and statuses (check matches HEAD to GET too);
    its empty bodies show no property."""
    traffic = [*_traffic()[:4], _ex(5, "HEAD", "/v1/orders?limit=10", 200, None)]
    report = diff_specs(V1, V2, group="none", traffic=traffic)
    by = {(f.rule_id, f.location.operation, f.location.payload_pointer): f for f in report.findings}
    region = by[("new-required-request-parameter", "GET /orders", None)]
    assert region.evidence is not None and (region.evidence.observed, region.evidence.total) == (0, 5)
    note = by[("response-optional-property-removed", "GET /orders", "/data/*/note")]
    assert note.evidence is not None and (note.evidence.observed, note.evidence.total) == (3, 4)  # JSON bodies only
    assert "match no operation" not in " ".join(report.warnings)


def test_preflights_on_documented_paths_are_told_apart_from_unknown_traffic() -> None:
    """An OPTIONS request (a CORS preflight) on a documented path has no operation to weigh, but it is
    not traffic the spec does not know: it is counted on its own, not among the unmatched."""
    traffic = [*_traffic(), _ex(10, "OPTIONS", "/v1/orders", 204, None), _ex(11, "OPTIONS", "/v1/elsewhere", 204, None)]
    warnings = " ".join(diff_specs(V1, V2, group="none", traffic=traffic).warnings)
    assert "2 of 7 recorded exchange(s) match no operation" in warnings  # /v1/nowhere, /v1/elsewhere
    assert "1 of 7 recorded exchange(s) are OPTIONS requests (CORS preflights) on documented paths" in warnings
