"""`contractdrift check` as a user runs it: golden output, exit codes, every input form, bad input."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contractdrift import api
from contractdrift.cli import main
from contractdrift.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"
TRAFFIC = "tests/traffic_check/data/shop-traffic.jsonl"
SPEC = "tests/traffic_check/data/shop.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github", "html"])
def test_output_matches_golden(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = run(capsys, "check", TRAFFIC, "--spec", SPEC, "--format", fmt)
    assert code == 1 and err == ""
    golden = GOLDEN / f"shop.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_exit_codes_level_and_fail_on(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", TRAFFIC, "--spec", SPEC, "--level", "error", "--format", "json")[0] == 1
    code, out, _ = run(capsys, "check", TRAFFIC, "--spec", SPEC, "--fail-on", "error", "--undocumented", "off",
                       "--format", "json")
    assert code == 1 and "internal_sku" not in out
    clean = DATA / "shop.yaml"
    code, out, _ = run(capsys, "check", TRAFFIC, "--spec", str(clean), "--fail-on", "info", "--level", "info")
    assert code == 1


def test_ignore_file_and_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = json.loads(run(capsys, "check", TRAFFIC, "--spec", SPEC, "--format", "json")[1])
    errors = [f["fingerprint"] for f in doc["findings"] if f["severity"] == "error"]
    ignore = tmp_path / "ignore"
    ignore.write_text("\n".join(errors) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", TRAFFIC, "--spec", SPEC, "--ignore", str(ignore), "--format", "json")
    after = json.loads(out)
    assert code == 0 and after["summary"]["error"] == 0
    assert f"{len(errors)} finding(s) suppressed by the ignore list" in after["warnings"]
    config = tmp_path / "cfg.toml"
    config.write_text('[tool.contractdrift]\nfail-on = "warn"\n[tool.contractdrift.severity]\n'
                      '"response-property-type-mismatch" = "off"\n"api-path-undocumented" = "error"\n', encoding="utf-8")
    code, out, _ = run(capsys, "check", TRAFFIC, "--spec", SPEC, "--config", str(config), "--format", "json")
    ids = {(f["id"], f["severity"]) for f in json.loads(out)["findings"]}
    assert ("api-path-undocumented", "error") in ids and not any(i == "response-property-type-mismatch" for i, _ in ids)


def _ids(report_text: str) -> list[str]:
    return sorted(f["id"] for f in json.loads(report_text)["findings"])


def test_every_input_form_gives_the_same_findings(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    reference = _ids(run(capsys, "check", TRAFFIC, "--spec", SPEC, "--format", "json")[1])
    raw = Path(TRAFFIC).read_bytes()
    gz = tmp_path / "t.jsonl.gz"
    gz.write_bytes(gzip.compress(raw))
    rotated = tmp_path / "rot"
    rotated.mkdir()
    lines = raw.splitlines(keepends=True)
    (rotated / "t.1.jsonl").write_bytes(b"".join(lines[:6]))
    (rotated / "t.jsonl").write_bytes(lines[0] + b"".join(lines[6:]))
    har = tmp_path / "t.har"
    assert api.export_har(TRAFFIC, har)[0] == 16
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "a.jsonl").write_bytes(b"".join(lines[:9]))
    (parts / "b.jsonl").write_bytes(b"".join(lines[9:]))
    for source in ([str(gz)], [str(rotated)], [str(parts / "a.jsonl"), str(parts / "b.jsonl")],
                   [str(parts / "*.jsonl")]):
        assert _ids(run(capsys, "check", *source, "--spec", SPEC, "--format", "json")[1]) == reference, source
    # HAR keeps what a HAR can hold (no request body media type quirks here): same findings
    assert _ids(run(capsys, "check", str(har), "--spec", SPEC, "--format", "json")[1]) == reference
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(raw))))
    assert _ids(run(capsys, "check", "-", "--spec", SPEC, "--format", "json")[1]) == reference


def test_vcrpy_cassette(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cassette = tmp_path / "c.yaml"
    cassette.write_text(
        "interactions:\n"
        "- request: {method: GET, uri: 'https://shop.example.com/v1/items/8', body: null, headers: {}}\n"
        "  response:\n"
        "    status: {code: 200, message: OK}\n"
        "    headers: {Content-Type: [application/json]}\n"
        "    body: {string: '{\"id\": 8, \"name\": \"x\", \"price\": \"1\", \"status\": \"sold\"}'}\n"
        "version: 1\n", encoding="utf-8")
    code, out, err = run(capsys, "check", str(cassette), "--spec", SPEC, "--format", "json")
    assert code == 1 and err == "" and _ids(out) == ["api-security-not-enforced", "response-property-type-mismatch"]


def test_git_ref_spec(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(DATA / "shop.yaml", repo / "openapi.yaml")
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "spec"], cwd=repo, check=True)
    report = api.check(ROOT / TRAFFIC, "HEAD:openapi.yaml", cwd=str(repo))
    assert report.meta["spec"].endswith("openapi.yaml") and len(report.findings) == 9


DAMAGED_MIDDLE = b'{"id":"a","started_at":1,"duration_ms":1,"request":{"method":"GET","url":"http://h/v1/items"},' \
                 b'"response":{"status":200}}\n{not json\n'


def test_damaged_lines(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = Path(TRAFFIC).read_bytes()
    middle = tmp_path / "middle.jsonl"
    middle.write_bytes(src + b"{broken\n" + src.splitlines(keepends=True)[3])
    code, out, err = run(capsys, "check", str(middle), "--spec", SPEC)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"{middle}:18: malformed recording" in err
    code, out, err = run(capsys, "check", str(middle), "--spec", SPEC, "--skip-damaged", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and any(w.startswith(f"{middle}:18: not valid JSON") for w in doc["warnings"])
    last = tmp_path / "last.jsonl"
    last.write_bytes(src + b'{"id": "cut", "requ')
    code, out, err = run(capsys, "check", str(last), "--spec", SPEC, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and any("truncated last line" in w for w in doc["warnings"]) and err == ""


def test_bad_spec_and_missing_traffic(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    notapi = tmp_path / "not.yaml"
    notapi.write_text("hello: world\n", encoding="utf-8")
    code, out, err = run(capsys, "check", TRAFFIC, "--spec", str(notapi))
    assert code == 2 and out == "" and err.startswith("contractdrift: error: ") and "not an OpenAPI document" in err
    assert err.count("\n") == 1
    code, _, err = run(capsys, "check", str(tmp_path / "nope-*.jsonl"), "--spec", SPEC)
    assert code == 2 and "no file matches" in err
    code, _, err = run(capsys, "check", str(tmp_path / "nope.jsonl"), "--spec", SPEC)
    assert code == 2 and "no such file" in err
    with pytest.raises(InputError):
        api.check(tmp_path / "nope.jsonl", SPEC)


def test_deep_json_and_huge_bodies_are_counted_not_fatal(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    header = Path(TRAFFIC).read_bytes().splitlines(keepends=True)[0]
    deep = "[" * 100_000 + "]" * 100_000
    line = ('{"id":"deep","started_at":1,"duration_ms":1,"request":{"method":"GET","url":"http://h/v1/items"},'
            '"response":{"status":200,"headers":[["content-type","application/json"]],'
            '"body":{"kind":"json","json":' + deep + '}}}\n')
    path = tmp_path / "deep.jsonl"
    path.write_bytes(header + line.encode())
    code, out, err = run(capsys, "check", str(path), "--spec", SPEC, "--skip-damaged", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and err == "" and any("nested too deeply" in w for w in doc["warnings"])


@pytest.mark.slow
def test_a_100_mb_body(tmp_path: Path) -> None:
    header = Path(TRAFFIC).read_bytes().splitlines(keepends=True)[0]
    blob = "x" * (100 << 20)
    line = ('{"id":"big","started_at":1,"duration_ms":1,"request":{"method":"GET","url":"http://h/v1/items/2",'
            '"headers":[["authorization","[REDACTED]"]]},'
            '"response":{"status":200,"headers":[["content-type","application/json"]],"body":{"kind":"json","json":'
            '{"id":2,"name":"' + blob + '","price":1,"status":"sold"}}}}\n')
    path = tmp_path / "big.jsonl"
    path.write_bytes(header + line.encode())
    del blob, line
    report = api.check(path, ROOT / SPEC)
    assert report.findings == () and report.meta["exchanges"] == "1"


def test_progress_bar_only_on_a_terminal(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    assert run(capsys, "check", TRAFFIC, "--spec", SPEC, "--format", "json")[2] == ""  # not a terminal: silent
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run(capsys, "check", TRAFFIC, "--spec", SPEC, "--format", "json")
    assert code == 1 and json.loads(out)["meta"]["exchanges"] == "16"
    assert "contractdrift check" in err and "exchanges" in err  # tqdm drew (and cleared) its bar on stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_traffic_with_no_exchanges_says_nothing_was_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                             jobs: str) -> None:
    """An empty recording (a capture step that failed upstream, say) must not read as a clean
    service: the report leads with a warning, in every mode; a recording with exchanges has none."""
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    header_only = tmp_path / "header.jsonl"
    header_only.write_text('{"format": "contractdrift-recording", "version": 1}\n')
    for rec in (empty, header_only):
        code, out, err = run(capsys, "check", str(rec), "--spec", SPEC, "--jobs", jobs, "--format", "json")
        doc = json.loads(out)
        assert code == 0 and err == ""
        assert doc["warnings"][0].startswith("no exchanges were checked: the traffic held none")
    code, out, _ = run(capsys, "check", TRAFFIC, "--spec", SPEC, "--jobs", jobs, "--format", "json")
    assert not any("no exchanges were checked" in w for w in json.loads(out)["warnings"])
    report = api.check(Path(empty), SPEC, expect=None)
    assert report.warnings[0].startswith("no exchanges were checked") and not report.findings
