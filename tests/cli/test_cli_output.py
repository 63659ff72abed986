"""``-o FILE``: the report's directory is created; an unwritable place is a one-line error (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contractdrift.cli import main

ORDERS = Path(__file__).resolve().parents[2] / "examples" / "orders"


def test_output_directory_is_created(tmp_path: Path) -> None:
    out = tmp_path / "reports" / "ci" / "drift.json"
    assert main(["diff", str(ORDERS / "v1.yaml"), str(ORDERS / "v2.yaml"), "--format", "json", "-o", str(out)]) == 1
    assert json.loads(out.read_text(encoding="utf-8"))["findings"]


def test_unwritable_output_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    code = main(["diff", str(ORDERS / "v1.yaml"), str(ORDERS / "v2.yaml"), "-o", str(blocker / "drift.txt")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "cannot write the report" in err[0] and str(blocker) in err[0]
