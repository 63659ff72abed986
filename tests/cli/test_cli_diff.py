"""`contractdrift diff` as a user runs it: golden output, exit codes, bad input, config, git refs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contractdrift.cli import main

ROOT = Path(__file__).resolve().parents[2]
V1 = "examples/orders/v1.yaml"
V2 = "examples/orders/v2.yaml"
GOLDEN = Path(__file__).parent / "golden"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github"])
def test_output_matches_golden(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, err = run(capsys, "diff", V1, V2, "--format", fmt)
    assert code == 1 and err == ""
    golden = GOLDEN / f"orders-v1-v2.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_output_is_byte_identical_across_runs(capsys: pytest.CaptureFixture[str]) -> None:
    outs = {run(capsys, "diff", V1, V2, "--format", "json")[1] for _ in range(2)}
    assert len(outs) == 1


def test_exit_codes_follow_fail_on(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "diff", V1, V1)[0] == 0
    assert run(capsys, "diff", V2, V1, "--fail-on", "error")[0] == 1
    # the reverse direction has warnings only at most for some rules; info never fails by default
    code, out, _ = run(capsys, "diff", V1, V2, "--level", "error", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["summary"]["warn"] == 0 and doc["summary"]["info"] == 0 and doc["summary"]["error"] > 0


def test_ignore_file_suppresses_and_expires(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = json.loads(run(capsys, "diff", V1, V2, "--format", "json")[1])
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    ignore = tmp_path / "ignore"
    ignore.write_text("\n".join(f["fingerprint"] + " accepted" for f in errors) + "\n")
    code, out, _ = run(capsys, "diff", V1, V2, "--format", "json", "--ignore", str(ignore))
    after = json.loads(out)
    assert code == 0 and after["summary"]["error"] == 0
    assert any("suppressed" in w for w in after["warnings"])
    ignore.write_text(f"{errors[0]['fingerprint']} until 2000-01-01 too old\n")
    code, out, _ = run(capsys, "diff", V1, V2, "--format", "json", "--ignore", str(ignore))
    assert code == 1 and any("expired" in w for w in json.loads(out)["warnings"])


def test_config_overrides_severity_and_rejects_unknown_rules(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    cfg = tmp_path / "cd.toml"
    cfg.write_text('[tool.contractdrift]\nfail-on = "warn"\n[tool.contractdrift.severity]\n'
                   'new-required-request-parameter = "off"\nresponse-optional-property-removed = "info"\n')
    code, out, _ = run(capsys, "diff", V1, V2, "--format", "json", "--config", str(cfg))
    doc = json.loads(out)
    ids = {f["id"]: f["severity"] for f in doc["findings"]}
    assert "new-required-request-parameter" not in ids
    assert ids["response-optional-property-removed"] == "info"
    assert code == 1
    cfg.write_text('[tool.contractdrift.severity]\nno-such-rule = "error"\n')
    code, _, err = run(capsys, "diff", V1, V2, "--config", str(cfg))
    assert code == 2 and "no-such-rule" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("openapi: 3.0.0\npaths: {\n  /a: [\n", "bad.yaml:4:1: invalid YAML"),  # malformed YAML: file:line
        ('{"openapi": "3.0.0", "paths": {', "bad.yaml:"),  # truncated JSON
        ("- just\n- a list\n", "bad.yaml"),
        ("openapi: 3.0.0\nx: !!python/object:os.system {}\n", "bad.yaml"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str,
                                      expected: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    code, _out, err = run(capsys, "diff", V1, str(bad))
    assert code == 2, err
    assert expected in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


BROKEN_REF = ("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
              "        '200':\n          description: ok\n          content:\n            application/json:\n"
              "              schema: {$ref: '#/components/schemas/Missing'}\n")


def test_broken_ref_is_a_warning_or_with_strict_an_error(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN_REF)
    code, out, err = run(capsys, "diff", str(bad), str(bad), "--format", "json")
    assert code == 0
    [warning] = json.loads(out)["warnings"]
    assert "bad.yaml:11:" in warning and "Missing" in warning
    code, out, err = run(capsys, "diff", str(bad), str(bad), "--strict-refs")
    assert code == 2 and "bad.yaml:11:" in err and "Missing" in err and len(err.strip().splitlines()) == 1


def test_missing_file_and_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "diff", V1, "nope.yaml")
    assert code == 2 and "nope.yaml" in err
    code, _, err = run(capsys, "diff", V1, V2, "--match-path", "(")
    assert code == 2 and "match-path" in err
    with pytest.raises(SystemExit) as exc:
        main(["diff", V1, V2, "--format", "pdf"])
    assert exc.value.code == 2


def test_match_path_and_exclude_extension(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = json.loads(run(capsys, "diff", V1, V2, "--format", "json", "--match-path", "^/orders/\\{")[1])
    assert doc["findings"] and all(f["operation"] is None or "/orders/{" in f["operation"]
                                   for f in doc["findings"])
    v2x = tmp_path / "v2x.yaml"
    v2x.write_text((ROOT / V2).read_text().replace("operationId: listOrders", "operationId: listOrders\n"
                                                                             "      x-internal: true"))
    v1x = tmp_path / "v1x.yaml"
    v1x.write_text((ROOT / V1).read_text().replace("operationId: listOrders", "operationId: listOrders\n"
                                                                             "      x-internal: true"))
    doc = json.loads(run(capsys, "diff", str(v1x), str(v2x), "--format", "json",
                         "--exclude-extension", "x-internal")[1])
    assert not any(f["operation"] == "GET /orders" for f in doc["findings"])


def test_git_ref_sources(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)

    git("init", "-q")
    (repo / "openapi.yaml").write_text((ROOT / V1).read_text())
    git("add", ".")
    git("commit", "-qm", "v1")
    (repo / "openapi.yaml").write_text((ROOT / V2).read_text())
    monkeypatch.chdir(repo)
    code, out, _ = run(capsys, "diff", "HEAD:openapi.yaml", "openapi.yaml", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert doc["meta"]["base"] == "HEAD:openapi.yaml"
    assert any(f["id"] == "new-required-request-parameter" for f in doc["findings"])


def test_rules_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    from contractdrift import api

    code, out, _ = run(capsys, "rules", "--format", "json")
    assert code == 0
    assert len(json.loads(out)["rules"]) == len(api.rules())


def test_module_entry_point_runs_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "contractdrift", "diff", V1, str(tmp_path / "x.yaml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_validate_reports_problems_as_warnings_and_still_diffs(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    spec = tmp_path / "typo.yaml"
    text = (ROOT / V2).read_text()
    typo = text.replace("type: integer\n            minimum: 1\n            maximum: 50",
                        "type: intger\n            minimum: 1\n            maximum: 50")
    assert typo != text
    spec.write_text(typo)
    code, out, _ = run(capsys, "diff", V1, str(spec), "--validate", "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["findings"]  # still compared
    [warning] = [w for w in doc["warnings"] if "not a valid OpenAPI document" in w]
    assert "typo.yaml:" in warning and "intger" in warning and "compared anyway" in warning
