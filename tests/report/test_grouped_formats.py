"""Every format shows grouped findings (diff --group change) sensibly: one entry per change, with the
places it reaches; SARIF one result per change with every reached operation; GitHub one annotation per
change, on the revision file; JSON valid against docs/report.schema.json."""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree

import jsonschema

from contractdrift.api import diff_specs, rules
from contractdrift.model import Report, Severity
from contractdrift.report import render

ROOT = Path(__file__).resolve().parents[2]
V1, V2 = "examples/orders/v1.yaml", "examples/orders/v2.yaml"


def _report() -> Report:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return diff_specs(V1, V2, group="change")
    finally:
        os.chdir(cwd)


def _render(fmt: str) -> str:
    return render(_report(), fmt, rules=rules(), color=False, fail_on=Severity.ERROR)


def test_sarif_has_one_result_per_change_with_every_operation_it_reaches() -> None:
    report = _report()
    log = json.loads(_render("sarif"))
    results = log["runs"][0]["results"]
    assert len(results) == len(report.findings)
    amount = next(r for r in results if r["ruleId"] == "response-property-type-changed")
    names = [loc["name"] for loc in amount["locations"][0]["logicalLocations"]]
    assert names == ["GET /orders", "GET /orders/{id}", "POST /orders"]
    assert amount["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("v2.yaml")
    assert len(amount["properties"]["reaches"]) == 3


def test_github_has_one_annotation_per_change_on_the_revision_file() -> None:
    report = _report()
    lines = [line for line in _render("github").splitlines() if line.startswith(("::error", "::warning", "::notice"))]
    assert len(lines) == len(report.findings)
    shared = [line for line in lines if "title=response-property-type-changed" in line]
    assert len(shared) == 1 and "file=examples/orders/v2.yaml" in shared[0] and "reaches 3 places" in shared[0]


def test_json_lists_every_place_and_validates() -> None:
    doc = json.loads(_render("json"))
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    amount = next(f for f in doc["findings"] if f["id"] == "response-property-type-changed")
    assert [p["payload_path"] for p in amount["reaches"]] == ["$.data[*].total.amount", "$.total.amount",
                                                               "$.total.amount"]
    assert doc["meta"]["version_bump"] == "major"


def test_text_markdown_html_junit_name_the_places() -> None:
    text = _render("text")
    assert "(changes reaching several operations)" in text and "reaches:" in text
    assert text.rstrip().endswith("Version advice: major (something breaks); 1.4.0 -> 2.0.0")
    assert "reaches 3 places" in _render("markdown")
    assert "3 places" in _render("html")
    ElementTree.fromstring(_render("junit"))  # well-formed, one testcase per change
    assert _render("junit").count("<testcase") == len(_report().findings)
