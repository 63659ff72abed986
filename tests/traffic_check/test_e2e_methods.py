"""End to end: HEAD, OPTIONS (CORS preflights and plain) and multipart uploads sent with httpx to a
real Starlette app (tests/traffic_check/files_app.py) under uvicorn on 127.0.0.1, recorded through
the ASGI middleware; `check` reports exactly the known drifts, counted, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import pytest
from capture_servers.servers import uvicorn_server

import contractdrift
from contractdrift import api
from contractdrift.asgi import RecordingMiddleware
from contractdrift.cli import main

from .files_app import app

SPEC = Path(__file__).parent / "data" / "files.yaml"
ORIGIN = "https://app.example"
PDF = b"%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n1 0 obj <<>> endobj\r\n"


def _upload(client: httpx.Client, meta: dict[str, object], owner: str | None) -> int:
    data = {"owner": owner} if owner is not None else {}
    files = {"meta": (None, json.dumps(meta), "application/json"), "file": ("a.pdf", PDF, "application/pdf")}
    return client.post("/files", data=data, files=files).status_code


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e2e-methods") / "files.jsonl"
    recorder = contractdrift.Recorder(out)
    with uvicorn_server(RecordingMiddleware(app, recorder), lifespan="off") as base, \
            httpx.Client(base_url=base + "/v1", timeout=10) as client:
        for file_id in (1, 2):
            assert client.get(f"/files/{file_id}").status_code == 200
        for file_id in (1, 2, 3, 13):  # 13: the app leaves X-Checksum out of its HEAD answer
            answer = client.head(f"/files/{file_id}")
            assert answer.status_code == 200 and answer.content == b""
            assert ("x-checksum" in answer.headers) is (file_id != 13)
        preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
        for _ in range(2):
            answer = client.options("/files", headers=preflight)
            assert answer.status_code == 200
            assert answer.headers["access-control-allow-methods"] == "GET, POST, DELETE"
        assert client.options("/files/7", headers={**preflight, "Access-Control-Request-Method": "PUT"}
                              ).status_code == 400
        plain = client.options("/files")
        assert plain.status_code == 405 and {m.strip() for m in plain.headers["allow"].split(",")} == {
            "GET", "HEAD", "POST"}
        for n in range(3):
            assert _upload(client, {"title": f"doc {n}", "pages": n + 1}, "ann") == 201
        assert _upload(client, {"title": "drift", "pages": "ten"}, "bob") == 201  # JSON part drifts
        assert _upload(client, {"title": "anonymous"}, None) == 201  # required part missing
        body = b'--right\r\nContent-Disposition: form-data; name="owner"\r\n\r\nann\r\n--right--\r\n'
        assert client.post("/files", content=body,
                           headers={"Content-Type": "multipart/form-data; boundary=wrong"}).status_code == 201
    recorder.close()
    assert recorder.stats.recorded == 16
    return out


def test_exactly_the_known_drifts(recording: Path) -> None:
    report = api.check(recording, SPEC)
    got = {(f.rule_id, f.location.operation, f.location.payload_pointer, f.severity.label):
           (f.evidence.observed, f.evidence.total) for f in report.findings if f.evidence is not None}
    assert len(got) == len(report.findings)
    assert got == {
        ("response-header-missing", "HEAD /files/{fileId}", "/headers/x-checksum", "error"): (1, 4),
        ("api-preflight-method-undocumented", "OPTIONS /files", "/headers/access-control-allow-methods/DELETE",
         "info"): (2, 2),
        ("api-preflight-method-denied", "OPTIONS /files/{fileId}", "/headers/access-control-allow-methods/PUT",
         "info"): (1, 1),
        ("request-property-type-mismatch", "POST /files", "/meta/pages", "error"): (1, 6),
        ("request-property-required-missing", "POST /files", "/owner", "error"): (1, 6),
        ("request-body-unvalidated", "POST /files", "/file", "info"): (5, 6),
        ("request-body-malformed", "POST /files", None, "info"): (1, 6),
    }
    malformed = next(f for f in report.findings if f.rule_id == "request-body-malformed")
    assert malformed.args["reason"] == "the boundary never occurs in the body"


def test_head_bodies_are_recorded_as_the_client_received_them(recording: Path) -> None:
    heads = [ex for ex in contractdrift.read_exchanges(recording) if ex.request.method == "HEAD"]
    assert len(heads) == 4
    for ex in heads:  # Starlette's app sent the JSON body; uvicorn dropped it, and so does the recording
        assert ex.response is not None and ex.response.body.kind == "empty" and ex.response.body.size == 0
        assert dict(ex.response.headers)["content-type"] == "application/json"


def test_coverage_counts_head_via_get_and_options(recording: Path) -> None:
    cov = api.check(recording, SPEC).coverage
    assert cov is not None
    ops = {o["operation"]: o for o in cov["operations"]}  # type: ignore[index, union-attr]
    assert ops["GET /files/{fileId}"]["exchanges"] == 2
    assert ops["GET /files/{fileId}"]["head"] == {
        "operation": "HEAD /files/{fileId}", "via": "GET /files/{fileId}", "exchanges": 4,
        "statuses": [{"status": "200", "exchanges": 4}], "undocumented_statuses": []}
    assert ops["POST /files"]["exchanges"] == 6
    assert ops["POST /files"]["request_media_types"] == [{"media_type": "multipart/form-data", "exchanges": 6}]
    assert cov["options"] == [  # type: ignore[index]
        {"operation": "OPTIONS /files", "path": "/files", "exchanges": 3, "preflights": 2,
         "documented_methods": ["GET", "HEAD", "OPTIONS", "POST"],
         "statuses": [{"status": "200", "exchanges": 2}, {"status": "405", "exchanges": 1}]},
        {"operation": "OPTIONS /files/{fileId}", "path": "/files/{fileId}", "exchanges": 1, "preflights": 1,
         "documented_methods": ["GET", "HEAD", "OPTIONS", "PUT"], "statuses": [{"status": "400", "exchanges": 1}]},
    ]


def test_cli_text_report(recording: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(recording), "--spec", str(SPEC), "--level", "info"])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    assert "    HEAD /files/{fileId} (checked as GET /files/{fileId}): 4 exchanges; 200 (4)" in out
    assert "  OPTIONS /files (no options operation documented): 3 exchanges, 2 CORS preflight(s); 200 (2), 405 (1)" \
        in out
    assert "CORS preflight on /files allows DELETE, which the spec does not document there" in out
    assert "method not documented" not in out
    code = main(["check", str(recording), "--spec", str(SPEC), "--format", "json"])
    doc = json.loads(capsys.readouterr()[0])
    schema = json.loads((Path(__file__).parents[2] / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    assert doc["coverage"]["options"][0]["preflights"] == 2
