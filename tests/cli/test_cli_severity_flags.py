"""--severity RULE=LEVEL works on every command that reports findings (diff, check, parity), for every
rule family, and an unknown rule id is a one-line usage error (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contractdrift.cli import main

ROOT = Path(__file__).resolve().parents[2]
PARITY = Path(__file__).parent / "data" / "parity"
ORDERS = ROOT / "examples" / "orders"


def _rules(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, list[str]]:
    code = main([*argv, "--format", "json"])
    out = capsys.readouterr().out
    return code, [f["id"] for f in json.loads(out)["findings"]]


def test_parity_severity_flag_switches_a_rule_off(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["parity", str(PARITY / "baseline.jsonl"), str(PARITY / "candidate.jsonl"),
            "--control", str(PARITY / "control.jsonl")]
    _, before = _rules(capsys, argv)
    assert "parity-noise" in before
    _, after = _rules(capsys, [*argv, "--severity", "parity-noise=off"])
    assert "parity-noise" not in after and set(after) == set(before) - {"parity-noise"}


def test_check_severity_flag_changes_the_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["check", str(ORDERS / "traffic.jsonl"), "--spec", str(ORDERS / "v2.yaml")]
    code, rules = _rules(capsys, argv)
    assert code == 1 and rules
    off = [arg for r in dict.fromkeys(rules) for arg in ("--severity", f"{r}=off")]
    code, rules = _rules(capsys, [*argv, *off])
    assert code == 0 and rules == []


@pytest.mark.parametrize("command", [
    ["check", str(ORDERS / "traffic.jsonl"), "--spec", str(ORDERS / "v2.yaml")],
    ["parity", str(PARITY / "baseline.jsonl"), str(PARITY / "candidate.jsonl")],
])
def test_unknown_rule_id_is_a_usage_error(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "--severity", "no-such-rule=off"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no-such-rule" in err[0]
