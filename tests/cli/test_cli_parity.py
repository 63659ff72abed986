"""`contractdrift parity` as a user runs it: golden output, exit codes, ignore files, config, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from contractdrift.cli import main

ROOT = Path(__file__).resolve().parents[2]
DATA = "tests/cli/data/parity"
BASE, CAND, CTRL = f"{DATA}/baseline.jsonl", f"{DATA}/candidate.jsonl", f"{DATA}/control.jsonl"
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
    code, out, err = run(capsys, "parity", BASE, CAND, "--control", CTRL, "--format", fmt)
    assert code == 1 and err == ""
    golden = GOLDEN / f"parity-shop.{fmt}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_inputs_are_current() -> None:
    """The golden inputs are what their generator writes (edit the generator, not the files)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("parity_inputs", ROOT / DATA / "_generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = {n: (ROOT / DATA / f"{n}.jsonl").read_text() for n in ("baseline", "candidate", "control")}
    module.main()
    assert before == {n: (ROOT / DATA / f"{n}.jsonl").read_text() for n in ("baseline", "candidate", "control")}


def test_exact_findings_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(run(capsys, "parity", BASE, CAND, "--control", CTRL, "-f", "json")[1])
    rows = {(f["id"], f["operation"], f["payload_pointer"] or f["args"].get("name")): f["evidence"]["observed"]
            for f in doc["findings"]}
    orders, history = "GET /orders/{orderId}", "GET /orders/{orderId}/history"
    assert rows == {
        ("parity-property-removed", orders, "/note"): 4,
        ("parity-type-changed", orders, "/total/amount"): 4,
        ("parity-header-changed", orders, "cache-control"): 4,
        ("parity-status-changed", "GET /legacy", None): 2,
        ("parity-order-changed", history, "/events"): 2,
        **{("parity-noise", op, p): n for op, n in ((orders, 4), (history, 2), ("GET /legacy", 2))
           for p in ("/created_at", "/request_id")},
    }
    removed = next(f for f in doc["findings"] if f["id"] == "parity-property-removed")
    assert removed["evidence"]["example"] == {"baseline": {"exchange": "B000", "value": "leave at the door"},
                                              "candidate": {"exchange": "C000", "absent": True}}


def test_without_control_the_same_changes_are_found_and_noise_is_not_learned(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Each request was recorded once: no identical requests to learn noise from, so the volatile
    fields are reported as changes -- visible, and the reason to replay with a control."""
    doc = json.loads(run(capsys, "parity", BASE, CAND, "-f", "json")[1])
    ids = {(f["id"], f["payload_pointer"]) for f in doc["findings"]}
    assert ("parity-value-changed", "/created_at") in ids and ("parity-type-changed", "/total/amount") in ids
    assert not [f for f in doc["findings"] if f["id"] == "parity-noise"]


def test_fail_on_level_ignore_and_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = ("parity", BASE, CAND, "--control", CTRL)
    doc = json.loads(run(capsys, *base, "-f", "json")[1])
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert run(capsys, *base, "--level", "error", "-f", "json")[0] == 1
    ignore = tmp_path / "ignore"
    ignore.write_text("".join(f"{f['fingerprint']} accepted\n" for f in errors))
    code, out, _ = run(capsys, *base, "--ignore", str(ignore), "-f", "json")
    after = json.loads(out)
    assert code == 0 and after["summary"]["error"] == 0 and any("suppressed" in w for w in after["warnings"])
    assert run(capsys, *base, "--ignore", str(ignore), "--fail-on", "warn")[0] == 1
    cfg = tmp_path / "cd.toml"
    cfg.write_text('[tool.contractdrift]\nfail-on = "info"\n[tool.contractdrift.severity]\n'
                   'parity-type-changed = "off"\nparity-property-removed = "info"\n')
    code, out, _ = run(capsys, *base, "--config", str(cfg), "-f", "json")
    sev = {f["id"]: f["severity"] for f in json.loads(out)["findings"]}
    assert code == 1 and "parity-type-changed" not in sev and sev["parity-property-removed"] == "info"
    cfg.write_text('[tool.contractdrift.severity]\nparity-no-such-rule = "off"\n')
    code, _, err = run(capsys, *base, "--config", str(cfg))
    assert code == 2 and "parity-no-such-rule" in err


def test_options_change_what_is_compared(capsys: pytest.CaptureFixture[str]) -> None:
    base = ("parity", BASE, CAND, "--control", CTRL, "-f", "json")
    doc = json.loads(run(capsys, *base, "--unordered", "$.events", "--ignore-path", "/total",
                         "--compare-header", "x-none")[1])
    ids = {f["id"] for f in doc["findings"]}
    assert "parity-order-changed" not in ids and "parity-type-changed" not in ids
    assert "parity-property-removed" in ids


def test_output_file_and_determinism(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outs = {run(capsys, "parity", BASE, CAND, "--control", CTRL, "-f", "json")[1] for _ in range(2)}
    assert len(outs) == 1
    target = tmp_path / "report.sarif"
    assert run(capsys, "parity", BASE, CAND, "--control", CTRL, "-f", "sarif", "-o", str(target))[0] == 1
    assert json.loads(target.read_text())["runs"][0]["results"]


def test_replay_progress_bar_draws_on_a_terminal_only(capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from contractdrift import cli

    bar = cli._ReplayProgress()
    bar(5, 10)
    bar(10, 10)
    err = capsys.readouterr().err
    assert "[" + "#" * 15 + "." * 15 + "] 5/10" in err and err.endswith("] 10/10")
    # not a terminal (as under capsys): the replay prints its summary line and no bar
    empty = tmp_path / "none.jsonl"
    empty.write_text("")
    assert main(["replay", str(empty), "--target", "http://127.0.0.1:9", "-o", str(tmp_path / "o.jsonl")]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "replayed 0 of 0 exchanges" in err
