"""End to end: a real Starlette app under uvicorn on 127.0.0.1 drifts from its spec in known ways;
real httpx traffic is recorded through the ASGI middleware; `check` reports exactly those drifts,
with the right counts, payload pointers and spec file:line, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from capture_servers.servers import uvicorn_server

import contractdrift
from contractdrift import api
from contractdrift.asgi import RecordingMiddleware
from contractdrift.cli import main
from contractdrift.model import Report, from_rfc6901

from .shop_app import app

SPEC = Path(__file__).parent / "data" / "shop.yaml"


def yaml_line(path: Path, pointer: str) -> int:
    """1-based line of the key a JSON pointer ends at, read with PyYAML's composer (independent of
    contractdrift's own position index)."""
    node: Any = yaml.compose(path.read_text(encoding="utf-8"))
    line = node.start_mark.line + 1
    for part in from_rfc6901(pointer):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                raise KeyError(pointer)
        else:
            node = node.value[int(part)]
            line = node.start_mark.line + 1
    return line


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "shop.jsonl"
    recorder = contractdrift.Recorder(out)
    with uvicorn_server(RecordingMiddleware(app, recorder), lifespan="off") as base:
        auth = {"Authorization": "Bearer secret-token"}
        with httpx.Client(base_url=base + "/v1", timeout=10) as client:
            for _ in range(10):
                assert client.get("/items", params={"limit": 3}).status_code == 200
            for _ in range(2):
                client.get("/items", params={"limit": 3, "debug": 1})
            for item_id in range(1, 21):
                assert client.get(f"/items/{item_id}", headers=auth).status_code == 200
            for item_id in range(1, 5):
                client.get(f"/items/{item_id}")  # no credentials, answered 200 anyway
            for _ in range(2):
                assert client.get("/items/5000", headers=auth).status_code == 404
            for name in ("a", "b", "c", "d", "dup"):
                client.post("/items", json={"name": name, "price": 1.5, "status": "available"}, headers=auth)
    recorder.close()
    assert recorder.stats.recorded == 43
    return out


def test_exactly_the_known_drifts(recording: Path) -> None:
    report = api.check(recording, SPEC)
    got = {(f.rule_id, f.location.operation, f.location.status, f.location.payload_pointer):
           (f.evidence.observed, f.evidence.total) for f in report.findings if f.evidence is not None}
    assert len(got) == len(report.findings)
    assert got == {
        ("response-property-type-mismatch", "GET /items/{itemId}", "200", "/price"): (6, 24),
        ("response-property-required-missing", "GET /items/{itemId}", "200", "/name"): (4, 24),
        ("response-property-enum-mismatch", "GET /items/{itemId}", "200", "/status"): (2, 24),
        ("response-property-null-not-allowed", "GET /items/{itemId}", "200", "/description"): (3, 24),
        ("api-security-not-enforced", "GET /items/{itemId}", "200", None): (4, 24),
        ("response-property-undocumented", "GET /items", "200", "/data/*/internal_sku"): (12, 12),
        ("request-parameter-undocumented", "GET /items", None, "/query/debug"): (2, 12),
        ("response-status-undocumented", "POST /items", "409", None): (1, 1),
    }
    assert report.exit_code(contractdrift.Severity.ERROR) == 1


def _by_rule(report: Report) -> dict[str, Any]:
    return {f.rule_id: f for f in report.findings}


def test_spec_locations_are_file_line(recording: Path) -> None:
    found = _by_rule(api.check(recording, SPEC))
    expected_pointers = {
        "response-property-type-mismatch": "/components/schemas/Item/properties/price",
        "response-property-enum-mismatch": "/components/schemas/Item/properties/status",
        "response-property-null-not-allowed": "/components/schemas/Item/properties/description",
        "response-property-required-missing": "/components/schemas/Item",
    }
    for rule, pointer in expected_pointers.items():
        loc = found[rule].location.revision
        assert loc is not None and loc.pointer == pointer, rule
        assert loc.position is not None and loc.position.file.endswith("shop.yaml")
        assert loc.position.line == yaml_line(SPEC, pointer), rule


def test_evidence_examples_point_at_the_drifting_exchanges(recording: Path) -> None:
    exchanges = {ex.id: ex for ex in contractdrift.read_exchanges(recording)}
    found = _by_rule(api.check(recording, SPEC))

    def item_id(ex_id: str) -> int:
        return int(exchanges[ex_id].request.url.rsplit("/", 1)[1])

    price = found["response-property-type-mismatch"]
    assert price.evidence is not None and price.evidence.example == "9.50"
    assert price.evidence.exchange_ids and all(item_id(i) % 4 == 0 for i in price.evidence.exchange_ids)
    assert len(price.evidence.exchange_ids) == 5  # at most five examples
    status = found["response-property-enum-mismatch"]
    assert status.evidence is not None and status.evidence.example == "reserved"
    assert status.evidence.expected == {"enum": ["available", "sold"]}
    assert sorted(item_id(i) for i in status.evidence.exchange_ids) == [7, 14]
    unauth = found["api-security-not-enforced"]
    assert unauth.evidence is not None
    assert all(not exchanges[i].request.headers or all(k.lower() != "authorization"
               for k, _ in exchanges[i].request.headers) for i in unauth.evidence.exchange_ids)
    first, last = unauth.evidence.first_seen, unauth.evidence.last_seen
    assert first is not None and last is not None and first <= last


def test_coverage_names_what_was_exercised(recording: Path) -> None:
    report = api.check(recording, SPEC)
    cov = report.coverage
    assert cov is not None and cov["exchanges"] == 43
    ops = {o["operation"]: o for o in cov["operations"]}  # type: ignore[index, union-attr]
    assert ops["GET /items/{itemId}"]["exchanges"] == 26
    statuses = {s["status"]: s["exchanges"] for s in ops["GET /items/{itemId}"]["statuses"]}
    assert statuses == {"200": 24, "404": 2}
    assert {s["status"]: s["exchanges"] for s in ops["POST /items"]["statuses"]} == {"201": 4}
    assert ops["POST /items"]["undocumented_statuses"] == [{"status": "409", "exchanges": 1}]
    assert cov["summary"] == {"operations": {"documented": 3, "exercised": 3},  # type: ignore[index]
                              "statuses": {"documented": 4, "exercised": 4},
                              "media_types": {"documented": 5, "exercised": 5}}


def test_cli_text_and_json(recording: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(recording), "--spec", str(SPEC), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    doc = json.loads(out)
    assert doc["summary"] == {"error": 5, "warn": 2, "info": 1}
    assert doc["coverage"]["exchanges"] == 43
    code = main(["check", str(recording), "--spec", str(SPEC), "--undocumented", "off", "--level", "warn"])
    out, _ = capsys.readouterr()
    assert "internal_sku" not in out and "request-parameter-undocumented" not in out
    assert "Coverage: 3/3 operations" in out


def test_fingerprints_stable_across_volumes(recording: Path, tmp_path: Path) -> None:
    lines = recording.read_text(encoding="utf-8").splitlines(keepends=True)
    head = tmp_path / "first-half.jsonl"
    head.write_text("".join(lines[: len(lines) // 2 + 5]), encoding="utf-8")
    full = {f.rule_id: f.fingerprint for f in api.check(recording, SPEC).findings}
    part = {f.rule_id: f.fingerprint for f in api.check(head, SPEC).findings}
    assert part and all(full[r] == fp for r, fp in part.items())
