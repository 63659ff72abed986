"""A check report in every format: JSON against docs/report.schema.json, SARIF against the official
schema, JUnit as XML with one failure per finding at/above the threshold."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contractdrift import api
from contractdrift.model import Severity
from contractdrift.report import FORMATS, render

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from test_report_schemas import _errors, report_validator, sarif_validator

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def report() -> object:
    return api.check(DATA / "shop-traffic.jsonl", DATA / "shop.yaml")


def test_json_and_sarif_validate(report: object) -> None:
    doc = json.loads(render(report, "json", rules=api.rules(), tool_version="1.0"))  # type: ignore[arg-type]
    assert _errors(report_validator(), doc) == []
    sarif = json.loads(render(report, "sarif", rules=api.rules(), tool_version="1.0"))  # type: ignore[arg-type]
    assert _errors(sarif_validator(), sarif) == []
    results = sarif["runs"][0]["results"]
    assert len(results) == 9
    located = [r for r in results if r.get("locations") and "physicalLocation" in r["locations"][0]]
    assert located and all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("shop.yaml")
                           for r in located)


def test_junit_lists_failures_at_the_threshold(report: object) -> None:
    text = render(report, "junit", rules=api.rules(), tool_version="1.0", fail_on=Severity.ERROR)  # type: ignore[arg-type]
    root = ET.fromstring(text)
    failures = root.findall(".//failure")
    assert len(failures) == 5  # the five errors of the shop traffic


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders(report: object, fmt: str) -> None:
    assert render(report, fmt, rules=api.rules(), tool_version="1.0")  # type: ignore[arg-type]
