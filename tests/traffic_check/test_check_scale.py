"""`check --jobs N` and `check --dask`: the report `--jobs 1` gives, byte for byte, in every format.

The archive is cut into ~30 units (byte ranges, gzip members of a recorder-written file, whole gzip
files) and carries what a serial check accumulates in order: examples and first/last seen from
exchanges whose timestamps are not in file order, undocumented paths numerous enough to make the
online templater collapse a prefix part-way, a format the validator does not know (a notice reported
once per compiled schema), truncated bodies, exchanges without a response, damaged lines.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
from pathlib import Path
from typing import Any

import pytest

import contractdrift
import contractdrift.parallel as parallel_mod
from contractdrift.cli import main
from contractdrift.model import Exchange
from contractdrift.parallel import CheckTask, UnitOutcome
from contractdrift.store.jsonl import JsonlWriter
from contractdrift.store.partition import Unit, partition

HEADER = json.dumps({"format": "contractdrift-recording", "version": 1})
UNIT = "48K"
ORDER = {"type": "object", "required": ["id", "state"], "properties": {
    "id": {"type": "integer"}, "state": {"type": "string", "enum": ["open", "closed"]},
    "total": {"type": "number", "format": "money"},  # not a known format: a once-per-schema notice
    "ref": {"type": "string", "format": "uuid"}, "tags": {"type": "array", "items": {"type": "string"}}}}
SPEC = {
    "openapi": "3.0.3", "info": {"title": "shop", "version": "1"}, "servers": [{"url": "http://api.test/v1"}],
    "paths": {
        "/orders/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"responses": {"200": {"description": "o", "content": {"application/json": {"schema": ORDER}}},
                                  "404": {"description": "none"}}},
            "delete": {"deprecated": True, "responses": {"204": {"description": "gone"}}},
        },
        "/orders": {
            "get": {"parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}],
                    "responses": {"200": {"description": "l", "content": {"application/json": {
                        "schema": {"type": "array", "items": ORDER}}}}}},
            "post": {"requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["state"], "additionalProperties": False,
                "properties": {"state": {"type": "string"}, "total": {"type": "number"}}}}}},
                "responses": {"201": {"description": "made", "content": {"application/json": {"schema": ORDER}}}}},
        },
    },
}
WORDS = [f"{a}-{b}" for a in ("alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta", "zeta")
         for b in ("red", "green", "blue", "white", "black", "brown", "pink", "grey", "cyan", "teal")]


def _order(rng: random.Random) -> dict[str, Any]:
    o: dict[str, Any] = {"id": rng.randrange(1, 10**6), "state": rng.choice(["open", "closed", "held"]),
                         "total": round(rng.random() * 90, 2), "ref": rng.choice(["not-a-uuid", "9b2c6f1e-1b8e-4c8e-9f1a-2d3c4b5a6e7f"])}
    r = rng.random()
    if r < 0.1:
        o["id"] = str(o["id"])
    elif r < 0.2:
        del o["state"]
    elif r < 0.3:
        o["gift_note"] = rng.choice(["x", "y", "leave at door"])
    elif r < 0.35:
        o["tags"] = ["a", 3]
    return o


def _exchange(i: int, rng: random.Random) -> dict[str, Any]:
    oid = rng.randrange(1, 10**6)
    r = rng.random()
    req_body: dict[str, Any] = {"kind": "empty"}
    req_headers = [["accept", "application/json"], ["user-agent", rng.choice(["app/1", "app/2", "cli/0.1"])]]
    status = 200
    body: Any = None
    if r < 0.4:
        method, url = "GET", f"http://api.test/v1/orders/{oid}"
        body = _order(rng)
        if rng.random() < 0.1:
            status, body = 404, None
    elif r < 0.55:
        method, url = "GET", f"http://api.test/v1/orders?limit={rng.choice([5, 50, 500, 'x'])}"
        body = [_order(rng) for _ in range(rng.randrange(3))]
    elif r < 0.65:
        method, url, status = "POST", "http://api.test/v1/orders", 201
        sent = rng.choice([{"state": "open"}, {"state": 1}, {"total": 3}, {"state": "open", "coupon": "Z"}])
        req_body = {"kind": "json", "media_type": "application/json", "size": 20, "json": sent}
        req_headers.append(["content-type", "application/json"])
        body = _order(rng)
    elif r < 0.72:
        method, url, status = "DELETE", f"http://api.test/v1/orders/{oid}", rng.choice([204, 204, 500])
    elif r < 0.85:  # undocumented paths: more distinct words than the templater keeps apart
        method, url = "GET", f"http://api.test/v1/files/{rng.choice(WORDS)}"
        body = {"n": 1}
    elif r < 0.9:
        method, url = "PUT", f"http://api.test/v1/orders/{oid}"
        body = {"ok": True}
    else:
        method, url = "GET", f"http://api.test/v1/orders/{oid}"
        body = None
    response: dict[str, Any] | None = {"status": status, "headers": [["content-type", "application/json"]],
                                       "body": {"kind": "empty"}}
    assert response is not None
    if body is not None:
        response["body"] = {"kind": "json", "media_type": "application/json", "size": 10, "json": body}
    if r >= 0.9:  # a body cut by the recorder, or no response at all
        if rng.random() < 0.5:
            response["body"] = {"kind": "text", "media_type": "application/json", "size": 9000,
                                "text": '{"id": 1, "sta', "truncated": True}
        else:
            response = None
    # timestamps not in file order: first/last seen and the first five examples are by time, not position
    return {"id": f"e{i:06d}", "started_at": 1_760_000_000.0 + rng.randrange(0, 86_400 * 7), "duration_ms": 1.0,
            "request": {"method": method, "url": url, "headers": req_headers, "body": req_body},
            "response": response, **({"error": "reset"} if response is None else {})}


def write_recording(path: Path, n: int, seed: int, damaged: tuple[int, ...] = ()) -> None:
    rng = random.Random(seed)
    rows = [HEADER] + [json.dumps(_exchange(seed * 100_000 + i, rng)) for i in range(n)]
    for at in damaged:
        rows.insert(at - 1, '{"id": "cut", "request": {"method": "GE')
    data = ("\n".join(rows) + "\n").encode()
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "shop.json"
    path.write_text(json.dumps(SPEC))
    return path


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    write_recording(root / "traffic.1.jsonl", 2400, seed=1)  # ~1.1 MB: about 20 byte ranges
    write_recording(root / "traffic.jsonl", 300, seed=2)
    write_recording(root / "older.jsonl.gz", 300, seed=3)  # gzip(1)-like: one member, read whole
    rng = random.Random(4)  # the recorder's way: one gzip member per batch of 50
    with JsonlWriter(root / "recorded.jsonl.gz") as writer:
        for start in range(0, 2000, 50):
            writer.write_many([Exchange.from_dict(_exchange(400_000 + i, rng)) for i in range(start, start + 50)])
    return root


def check_cli(tmp_path: Path, *args: str, fmt: str = "json", name: str = "out") -> tuple[int, bytes]:
    out = tmp_path / f"{name}.{fmt}"
    code = main(["check", *args, "--unit-size", UNIT, "--format", fmt, "-o", str(out), "--fail-on", "error"])
    return code, out.read_bytes() if out.exists() else b""


def test_the_archive_is_cut_into_ranges_and_gzip_members(archive: Path) -> None:
    units = partition([archive], unit_bytes=48 << 10)
    kinds = [u.kind for u in units]
    assert len(units) > 20 and kinds.count("gzip") >= 2 and "range" in kinds and "stream" in kinds


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_jobs_give_the_same_report_bytes(archive: Path, spec_file: Path, tmp_path: Path, fmt: str) -> None:
    code1, one = check_cli(tmp_path, str(archive), "--spec", str(spec_file), "--jobs", "1", fmt=fmt, name="one")
    code2, two = check_cli(tmp_path, str(archive), "--spec", str(spec_file), "--jobs", "2", fmt=fmt, name="two")
    assert code1 == code2 == 1  # there is drift in there
    assert one == two
    if fmt == "json":
        report = json.loads(one)
        rules = {f["id"] for f in report["findings"]}
        assert {"api-path-undocumented", "api-method-undocumented", "response-property-enum-mismatch",
                "api-operation-deprecated-called", "request-property-additional-not-allowed"} <= rules
        labels = {f["operation"] for f in report["findings"] if f["id"] == "api-path-undocumented"}
        # the templater collapsed /files/* part-way: concrete names first, then a template
        assert any("{" in label for label in labels) and any("{" not in label for label in labels)
        assert "response schemas, 3 place(s): format 'money' is not known" in " ".join(report["warnings"])
        assert any("had no response" in w for w in report["warnings"])
        assert report["coverage"]["exchanges"] == 5000


def test_evidence_is_the_serial_evidence(archive: Path, spec_file: Path) -> None:
    """Counts, first/last seen and the five earliest example ids equal those of a serial check."""
    paths = [str(archive / "traffic.1.jsonl"), str(archive / "recorded.jsonl.gz")]
    serial = contractdrift.check(paths, str(spec_file))
    parallel = contractdrift.check(paths, str(spec_file), jobs=2, unit_size=48 << 10)
    assert serial.meta == parallel.meta and serial.warnings == parallel.warnings
    assert serial.coverage == parallel.coverage
    assert len(serial.findings) == len(parallel.findings) > 20
    for a, b in zip(serial.findings, parallel.findings):
        assert a == b
        ev = b.evidence
        assert ev is not None
        if b.args.get("scope") != "schema":  # (a schema-level note names the one payload that met it)
            assert len(ev.exchange_ids) == min(5, ev.observed)
    many = [f for f in parallel.findings
            if f.evidence is not None and f.evidence.observed > 5 and f.args.get("scope") != "schema"]
    assert many and all(f.evidence is not None and f.evidence.first_seen != f.evidence.last_seen for f in many)


def test_library_jobs_auto_and_one_file(archive: Path) -> None:
    rec = archive / "traffic.1.jsonl"
    one = contractdrift.check(str(rec), SPEC)
    auto = contractdrift.check(str(rec), SPEC, jobs="auto", unit_size=48 << 10)  # a dict spec travels too
    assert auto.findings == one.findings and auto.coverage == one.coverage


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_damaged_lines_in_the_middle(tmp_path: Path, spec_file: Path, jobs: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "big.jsonl"
    write_recording(rec, 2400, seed=7, damaged=(1234, 1500, 1501, 1502, 1503, 1504, 2000))
    code, out = check_cli(tmp_path, str(rec), "--spec", str(spec_file), "--jobs", jobs)
    err = capsys.readouterr().err
    assert code == 2 and not out
    assert f"{rec}:1234: malformed recording: not valid JSON" in err and "Traceback" not in err
    code, out = check_cli(tmp_path, str(rec), "--spec", str(spec_file), "--jobs", jobs, "--skip-damaged")
    assert code == 1
    warnings = json.loads(out)["warnings"]
    assert [w.split(": ")[0] for w in warnings[:5]] == [f"{rec}:{n}" for n in (1234, 1500, 1501, 1502, 1503)]
    assert f"{rec}: 2 more damaged part(s) skipped" in warnings
    assert json.loads(out)["coverage"]["exchanges"] == 2400


def test_skip_damaged_report_is_the_same_for_any_jobs(tmp_path: Path, spec_file: Path) -> None:
    rec = tmp_path / "big.jsonl"
    write_recording(rec, 2400, seed=8, damaged=(700, 1800))
    with rec.open("ab") as fh:  # and a writer killed mid-line at the end
        fh.write(b'{"id": "half", "requ')
    one = check_cli(tmp_path, str(rec), "--spec", str(spec_file), "--skip-damaged", name="a")
    two = check_cli(tmp_path, str(rec), "--spec", str(spec_file), "--skip-damaged", "-j", "2", name="b")
    assert one == two and b"truncated last line" in one[1]
    strict_one = check_cli(tmp_path, str(tmp_path / "big.jsonl"), "--spec", str(spec_file), name="c")
    assert strict_one[0] == 2


def test_expect_and_stdin_refuse_jobs(archive: Path, spec_file: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    pact = tmp_path / "pact.json"
    pact.write_text(json.dumps({"consumer": {"name": "c"}, "provider": {"name": "p"}, "interactions": [],
                                "metadata": {"pactSpecification": {"version": "3.0.0"}}}))
    rec = str(archive / "traffic.jsonl")
    assert main(["check", rec, "--spec", str(spec_file), "--expect", str(pact), "--jobs", "2"]) == 2
    assert "not supported with --expect" in capsys.readouterr().err
    assert main(["check", "-", "--spec", str(spec_file), "--jobs", "2"]) == 2
    assert "standard input" in capsys.readouterr().err
    with pytest.raises(contractdrift.errors.UsageError, match="recording paths"):
        contractdrift.check([Exchange.from_dict(_exchange(1, random.Random(1)))], SPEC, jobs=2)
    with pytest.raises(contractdrift.errors.UsageError, match="spec as a path or a dict"):
        contractdrift.check(rec, contractdrift.load_spec(str(spec_file)), jobs=2)
    assert main(["check", rec, "--spec", str(spec_file), "--jobs", "many"]) == 2
    assert "--jobs 'many'" in capsys.readouterr().err


def test_urls_are_read_on_one_process_too(archive: Path, spec_file: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """``check file://...`` without --jobs reads through fsspec as --jobs does: the same report as the
    local path (but the traffic's name); with --expect, a clear refusal instead of "no such file"."""
    pytest.importorskip("fsspec")
    rec = archive / "traffic.1.jsonl"
    code, local = check_cli(tmp_path, str(rec), "--spec", str(spec_file), name="local")
    code_url, url = check_cli(tmp_path, "file://" + str(rec), "--spec", str(spec_file), name="url")
    assert code == code_url == 1
    assert url == local.replace(str(rec).encode(), b"file://" + str(rec).encode())
    pact = tmp_path / "pact.json"
    pact.write_text(json.dumps({"consumer": {"name": "c"}, "provider": {"name": "p"}, "interactions": [],
                                "metadata": {"pactSpecification": {"version": "3.0.0"}}}))
    assert main(["check", "file://" + str(rec), "--spec", str(spec_file), "--expect", str(pact)]) == 2
    assert "from a URL (file://" in capsys.readouterr().err
    # what --jobs would refuse, refused in the URL's own words (not "jobs > 1 or dask")
    with pytest.raises(contractdrift.errors.UsageError, match="from a URL needs the spec as a path or a dict"):
        contractdrift.check("file://" + str(rec), contractdrift.load_spec(str(spec_file)))
    with pytest.raises(contractdrift.errors.UsageError, match="cannot be mixed with standard input"):
        contractdrift.check(["file://" + str(rec), Exchange.from_dict(_exchange(1, random.Random(1)))], SPEC)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_unreadable_urls_are_one_line_errors(spec_file: Path, tmp_path: Path, jobs: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A protocol fsspec does not know, its filesystem package missing (s3fs), a file that is not
    there: exit 2 and one line naming the URL, from check and infer alike -- never a traceback."""
    import importlib.util

    pytest.importorskip("fsspec")
    cases = [("foo://bucket/traffic.jsonl", "foo://bucket/traffic.jsonl: cannot read recording: Protocol not known"),
             ("memory://no-such/traffic.jsonl", "memory://no-such/traffic.jsonl: no such file or directory")]
    if importlib.util.find_spec("s3fs") is None:
        cases.append(("s3://bucket/traffic.jsonl", "reading s3:// URLs: Install s3fs"))
    for url, message in cases:
        for argv in (["check", url, "--spec", str(spec_file)], ["infer", url, "-o", str(tmp_path / "out.yaml")]):
            assert main([*argv, "--jobs", jobs]) == 2, argv
            err = capsys.readouterr().err
            assert message in err and len(err.strip().splitlines()) == 1, (argv, err)


class KillingCheckTask(CheckTask):
    def __call__(self, unit: Unit, lines: Any = None) -> UnitOutcome:
        if unit.index == 6:
            os.kill(os.getpid(), signal.SIGKILL)
        return CheckTask.__call__(self, unit, lines)


def test_a_killed_worker_fails_the_run(archive: Path, spec_file: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(parallel_mod, "CheckTask", KillingCheckTask)
    code, out = check_cli(tmp_path, str(archive), "--spec", str(spec_file), "--jobs", "2")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and out == b"" and not (tmp_path / "out.json").exists()
    assert len(err) == 1 and err[0].startswith("contractdrift: error: a worker process died")
    assert "no result is reported" in err[0]


# --- Dask -------------------------------------------------------------------------------------

distributed = pytest.importorskip("distributed")


# dask_client: tests/conftest.py (one LocalCluster of two worker processes per session)


def test_dask_gives_the_jobs_1_report(archive: Path, spec_file: Path, tmp_path: Path, dask_client: Any) -> None:
    for fmt in ("json", "text"):
        _, one = check_cli(tmp_path, str(archive), "--spec", str(spec_file), fmt=fmt, name="one")
        code, on_dask = check_cli(tmp_path, str(archive), "--spec", str(spec_file), "--dask",
                                  dask_client.scheduler.address, fmt=fmt, name="dask")
        assert code == 1 and on_dask == one


def test_dask_damaged_line(tmp_path: Path, spec_file: Path, dask_client: Any) -> None:
    rec = tmp_path / "big.jsonl"
    write_recording(rec, 2400, seed=9, damaged=(1500,))
    with pytest.raises(contractdrift.errors.InputError, match=rf"{rec}:1500: malformed recording"):
        contractdrift.check_dask(str(rec), str(spec_file), client=dask_client, unit_size=48 << 10)
    report = contractdrift.check_dask(str(rec), str(spec_file), client=dask_client, unit_size=48 << 10,
                                      strict=False)
    assert report.warnings[0].startswith(f"{rec}:1500: not valid JSON")
    assert report == contractdrift.check(str(rec), str(spec_file), strict=False)


def test_dask_bag_and_urls(archive: Path, spec_file: Path, dask_client: Any) -> None:
    db = pytest.importorskip("dask.bag")
    paths = [str(archive / "traffic.1.jsonl"), str(archive / "traffic.jsonl")]
    serial = contractdrift.check(paths, str(spec_file))
    bag = contractdrift.check_dask(db.read_text(paths), str(spec_file), client=dask_client)
    assert bag.findings == serial.findings and bag.coverage == serial.coverage
    url = contractdrift.check_dask(["file://" + p for p in paths], str(spec_file), client=dask_client,
                                   unit_size=48 << 10)
    assert url.findings == serial.findings


def test_dask_local_cluster_threads(archive: Path, spec_file: Path) -> None:
    """Two worker threads in one process: each thread keeps its own checker and notice epoch."""
    rec = str(archive / "traffic.1.jsonl")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,  # (HTTP on loopback only)
                                  dashboard_address="127.0.0.1:0", worker_dashboard_address="127.0.0.1:0") as cluster, distributed.Client(cluster) as client:
        got = contractdrift.check(rec, str(spec_file), dask=client, unit_size=48 << 10)
    assert got == contractdrift.check(rec, str(spec_file))
