"""`contractdrift infer` and `contractdrift.infer_api()`: end to end over recordings."""

from __future__ import annotations

import json
import random
import tracemalloc
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

import contractdrift
from contractdrift import Body, Exchange, InferredAPI, InputError, Request, Response
from contractdrift.cli import main


def validate(doc: dict[str, Any]) -> None:
    """openapi-spec-validator's class API (the same in every version pyproject.toml allows)."""
    cls = OpenAPIV30SpecValidator if str(doc.get("openapi", "")).startswith("3.0") else OpenAPIV31SpecValidator
    cls(doc).validate()


def exchange(i: int, method: str, url: str, status: int, resp: Any = None, req: Any = None,
             resp_text: str | None = None) -> Exchange:
    if resp_text is not None:
        rbody = Body(kind="text", media_type="text/plain", size=len(resp_text), text=resp_text)
    elif resp is not None:
        rbody = Body(kind="json", media_type="application/json", size=10, json=resp)
    else:
        rbody = Body()
    qbody = Body(kind="json", media_type="application/json", size=10, json=req) if req is not None else Body()
    return Exchange(
        id=f"e{i}", started_at=1.0, duration_ms=1.0,
        request=Request(method=method, url=url, headers=(("X-Tenant", "acme"), ("Authorization", "Bearer s3cr3t")),
                        body=qbody),
        response=Response(status=status, headers=(("content-type", "application/json"), ("x-rate-limit", "10")),
                          body=rbody),
    )


def traffic(n: int = 300, seed: int = 3) -> Iterator[Exchange]:
    rng = random.Random(seed)
    for i in range(n):
        oid = rng.randrange(1, 10**6)
        r = rng.random()
        if r < 0.4:
            yield exchange(i, "GET", f"http://h/api/v1/orders/{oid}", 200,
                           {"id": oid, "state": rng.choice(["open", "closed"]), "total": rng.random() + 1,
                            "ref": str(uuid.UUID(int=rng.getrandbits(128))), "note": rng.choice([None, "x"])})
        elif r < 0.6:
            yield exchange(i, "GET", f"http://h/api/v1/orders?limit={rng.randrange(1, 50)}&tag=a&tag=b", 200,
                           {"items": [], "next": None})
        elif r < 0.8:
            yield exchange(i, "POST", "http://h/api/v1/orders", 201, {"id": oid}, req={"sku": f"s{oid}", "qty": 2})
        elif r < 0.9:
            yield exchange(i, "GET", f"http://h/v1/users/{oid}", 404, resp_text="not found")
        else:
            yield exchange(i, "GET", f"http://h/v1/files/{oid}.json", 200, {"ok": True})


def write_recording(path: Path, exchanges: Iterator[Exchange]) -> Path:
    with path.open("w") as fh:
        fh.write(json.dumps({"format": "contractdrift-recording", "version": 1}) + "\n")
        for ex in exchanges:
            fh.write(json.dumps(ex.to_dict()) + "\n")
    return path


@pytest.fixture()
def recording(tmp_path: Path) -> Path:
    return write_recording(tmp_path / "traffic.jsonl", traffic())


def test_cli_writes_a_valid_openapi_31_document(recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "inferred.yaml"
    assert main(["infer", str(recording), "-o", str(out)]) == 0
    doc = yaml.safe_load(out.read_text())
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {"/api/v1/orders", "/api/v1/orders/{orderId}", "/v1/users/{userId}",
                                 "/v1/files/{fileId}.json"}
    get = doc["paths"]["/api/v1/orders/{orderId}"]["get"]
    assert get["parameters"][0]["name"] == "orderId" and get["parameters"][0]["schema"]["type"] == "integer"
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["properties"]["note"]["type"] == ["string", "null"]
    assert schema["properties"]["ref"]["format"] == "uuid"
    assert schema["properties"]["state"]["enum"] == ["closed", "open"]
    assert schema["properties"]["id"]["x-contractdrift"]["presence"] == 1.0
    params = {p["name"]: p for p in doc["paths"]["/api/v1/orders"]["get"]["parameters"]}
    assert params["limit"]["schema"]["type"] == "integer"
    assert params["tag"]["schema"]["type"] == "array"
    assert params["x-tenant"]["in"] == "header"
    assert "authorization" not in params  # secrets are never summarized
    assert "s3cr3t" not in out.read_text()
    post = doc["paths"]["/api/v1/orders"]["post"]
    assert post["requestBody"]["required"] is True
    assert post["requestBody"]["content"]["application/json"]["schema"]["required"] == ["qty", "sku"]
    text_resp = doc["paths"]["/v1/users/{userId}"]["get"]["responses"]["404"]
    assert text_resp["content"]["text/plain"]["schema"]["type"] == "string"
    assert "x-rate-limit" in doc["paths"]["/api/v1/orders/{orderId}"]["get"]["responses"]["200"]["headers"]


def test_cli_openapi_30_and_json_output(recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "inferred.json"
    assert main(["infer", str(recording), "--openapi", "3.0", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    validate(doc)
    assert doc["openapi"] == "3.0.3"
    note = doc["paths"]["/api/v1/orders/{orderId}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"]["properties"]["note"]
    assert note["type"] == "string" and note["nullable"] is True


def test_cli_json_schema_format(recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "schemas.json"
    assert main(["infer", str(recording), "--format", "json-schema", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    schema = doc["POST /api/v1/orders"]["request"]["application/json"]
    jsonschema.Draft202012Validator.check_schema(schema)
    assert jsonschema.Draft202012Validator(schema).is_valid({"sku": "a", "qty": 1})
    assert not jsonschema.Draft202012Validator(schema).is_valid({"sku": "a"})
    assert "200" in doc["GET /api/v1/orders/{orderId}"]["responses"]


def test_cli_with_spec_templates_and_servers(recording: Path, tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(yaml.safe_dump({
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://h/api/v1"}, {"url": "/v1"}],
        "paths": {"/orders/{id}": {}, "/orders": {}, "/users/{uid}": {}, "/files/{name}.json": {}},
    }))
    out = tmp_path / "inferred.yaml"
    assert main(["infer", str(recording), "--spec", str(spec), "-o", str(out)]) == 0
    doc = yaml.safe_load(out.read_text())
    validate(doc)
    assert set(doc["paths"]) == {"/orders", "/orders/{id}", "/users/{uid}", "/files/{name}.json"}
    assert doc["paths"]["/orders/{id}"]["get"]["x-contractdrift"]["matched"] is True


def test_user_templates_apply_to_recordings_and_saved_summaries(tmp_path: Path) -> None:
    rec = write_recording(tmp_path / "r.jsonl", (exchange(i, "GET", f"http://h/items/{w}", 200, {"w": w})
                                                 for i, w in enumerate(["red", "green", "blue"] * 3)))
    summary = tmp_path / "summary.json"
    assert main(["infer", str(rec), "--save-summary", str(summary), "-o", str(tmp_path / "a.yaml")]) == 0
    assert set(yaml.safe_load((tmp_path / "a.yaml").read_text())["paths"]) == {"/items/red", "/items/green", "/items/blue"}
    out = tmp_path / "b.yaml"
    assert main(["infer", str(summary), "--template", "/items/{color}", "-o", str(out)]) == 0
    doc = yaml.safe_load(out.read_text())
    validate(doc)
    assert set(doc["paths"]) == {"/items/{color}"}
    op = doc["paths"]["/items/{color}"]["get"]
    assert op["x-contractdrift"]["samples"] == 9
    assert op["parameters"][0]["schema"]["x-contractdrift"]["samples"] == 9
    assert main(["infer", str(rec), "--template", "/items/{color}", "-o", str(tmp_path / "c.yaml")]) == 0
    assert set(yaml.safe_load((tmp_path / "c.yaml").read_text())["paths"]) == {"/items/{color}"}


def test_high_cardinality_paths_collapse(tmp_path: Path) -> None:
    names = [f"user{c}" for c in "abcdefghijklmnopqrstuvwxyz"]
    api = contractdrift.infer_api([exchange(i, "GET", f"http://h/people/{n}/posts", 200, {"n": i}) for i, n in enumerate(names)])
    assert [op.key for op in api.operations] == ["GET /people/{personId}/posts"]


def test_malformed_recording_is_an_input_error_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "bad.jsonl"
    good = json.dumps(exchange(0, "GET", "http://h/a", 200, {"a": 1}).to_dict())
    rec.write_text(json.dumps({"format": "contractdrift-recording", "version": 1}) + "\n" + good + "\n{not json\n" + good + "\n")
    assert main(["infer", str(rec), "-o", str(tmp_path / "o.yaml")]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:3" in err and "Traceback" not in err
    with pytest.raises(InputError):
        contractdrift.infer_api(str(rec))
    assert main(["infer", str(rec), "--skip-damaged", "-o", str(tmp_path / "o.yaml")]) == 0
    assert main(["infer", str(tmp_path / "missing.jsonl")]) == 2


def test_truncated_last_line_is_tolerated_and_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "crashed.jsonl"
    good = json.dumps(exchange(0, "GET", "http://h/a", 200, {"a": 1}).to_dict())
    rec.write_text(json.dumps({"format": "contractdrift-recording", "version": 1}) + "\n" + good + "\n" + good[:40])
    out = tmp_path / "o.yaml"
    assert main(["infer", str(rec), "-o", str(out)]) == 0  # a writer killed mid-write loses nothing complete
    err = capsys.readouterr().err
    assert "crashed.jsonl:3" in err and "truncated last line" in err
    assert "/a" in out.read_text()


def test_library_api_merge_and_json_round_trip() -> None:
    exchanges = list(traffic(200))
    whole = contractdrift.infer_api(exchanges)
    a = contractdrift.infer_api(exchanges[:120])
    b = contractdrift.infer_api(exchanges[120:])
    merged = a.merge(b)
    assert merged.exchanges == whole.exchanges == 200
    assert [op.key for op in merged.operations] == [op.key for op in whole.operations]
    assert a.merge(b).to_json() == b.merge(a).to_json()
    back = InferredAPI.from_json(merged.to_json())
    assert back.to_json() == merged.to_json()
    assert back.to_openapi() == merged.to_openapi()
    op = next(o for o in merged.operations if o.key == "GET /api/v1/orders/{orderId}")
    resp = op.response(200)
    assert resp is not None and resp.bodies[0].media_type == "application/json"
    assert resp.bodies[0].schema["type"] == "object"
    assert resp.bodies[0].count == resp.count
    with pytest.raises(InputError):
        InferredAPI.from_json("{}")
    with pytest.raises(contractdrift.UsageError):
        contractdrift.infer_api(exchanges, no_such_option=1)


def test_every_recorded_body_validates_against_its_inferred_schema() -> None:
    exchanges = list(traffic(300, seed=9))
    schemas = contractdrift.infer_api(exchanges, enum_min_samples=2).to_json_schemas()
    api = contractdrift.infer_api(exchanges)
    keys = {(op.method, op.template) for op in api.operations}
    assert keys
    for ex in exchanges:
        if ex.response is None or ex.response.body.kind != "json":
            continue
        matches = [k for k in schemas if k.split(" ")[0] == ex.request.method]
        ok = any(jsonschema.Draft202012Validator(schemas[k]["responses"][str(ex.response.status)]["application/json"])
                 .is_valid(ex.response.body.json)
                 for k in matches if str(ex.response.status) in schemas[k].get("responses", {}))
        assert ok, ex.request.url


def test_streaming_memory_does_not_grow_with_exchanges() -> None:
    def peak(n: int) -> int:
        tracemalloc.start()
        contractdrift.infer_api(traffic(n, seed=4), batch_size=64)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(500), peak(4000)
    assert large < small * 1.6, (small, large)


_bodies = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["a", "b", "2024-01-01", "x@y.io"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["type", "id", "a", "b", "c", "d"]), inner, max_size=4),
    max_leaves=8,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["GET", "POST", "PATCH"]),
                          st.sampled_from(["/a", "/a/1", "/a/2/b", "/c.json", "/v1/x/ab12cd34ef"]),
                          st.sampled_from([200, 201, 404]), _bodies), min_size=1, max_size=25))
def test_any_traffic_gives_valid_openapi_31_and_30(rows: list[tuple[str, str, int, Any]]) -> None:
    exchanges = [exchange(i, m, f"http://h{p}?q={i}", s, b, req=b if m != "GET" else None)
                 for i, (m, p, s, b) in enumerate(rows)]
    api = contractdrift.infer_api(exchanges, enum_min_samples=2, enum_min_ratio=1.0)
    validate(api.to_openapi("3.1"))
    validate(api.to_openapi("3.0"))
    schemas = api.to_json_schemas()
    for entry in schemas.values():
        for sch in entry.get("request", {}).values():
            jsonschema.Draft202012Validator.check_schema(sch)


def test_discriminated_union_in_openapi_output() -> None:
    rng = random.Random(1)
    bodies = [rng.choice([{"type": "card", "last4": "1234"}, {"type": "bank", "iban": "DE00"},
                          {"type": "bank", "iban": "DE01", "bic": "X"}]) for _ in range(60)]
    api = contractdrift.infer_api([exchange(i, "POST", "http://h/pay", 200, b) for i, b in enumerate(bodies)])
    for version in ("3.1", "3.0"):
        doc = api.to_openapi(version)
        validate(doc)
        schema = doc["paths"]["/pay"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["discriminator"] == {"propertyName": "type"}
        assert len(schema["oneOf"]) == 2


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 60), st.integers(0, 60), st.integers(0, 10_000))
def test_inferred_api_merge_laws(i: int, j: int, seed: int) -> None:
    exchanges = list(traffic(60, seed=seed))
    lo, hi = min(i, j), max(i, j)
    a, b, c = (contractdrift.infer_api(part, batch_size=4) for part in (exchanges[:lo], exchanges[lo:hi], exchanges[hi:]))
    empty = contractdrift.infer_api([], batch_size=4)
    assert a.merge(b).merge(c).to_json() == a.merge(b.merge(c)).to_json()
    assert a.merge(b).to_json() == b.merge(a).to_json()
    assert a.merge(empty).to_json() == a.to_json() == empty.merge(a).to_json()
    whole = contractdrift.infer_api(exchanges, batch_size=4)
    shards = a.merge(b).merge(c)
    assert [(op.key, op.count) for op in shards.operations] == [(op.key, op.count) for op in whole.operations]
