"""JSON output validates against docs/report.schema.json; SARIF output against the official SARIF 2.1.0 schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from report_samples import RULES, SAMPLES, reports

from contractdrift.model import Report
from contractdrift.report import render

ROOT = Path(__file__).resolve().parents[2]
REPORT_SCHEMA = ROOT / "docs" / "report.schema.json"
SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


@cache
def report_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@cache
def sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def _errors(validator: Any, doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_vendored_sarif_schema_is_the_official_one() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["$id"].endswith("/sarif-spec/master/Schemata/sarif-schema-2.1.0.json")
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    assert "result" in schema["definitions"] and "reportingDescriptor" in schema["definitions"]


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_json_validates(sample: str) -> None:
    doc = json.loads(render(SAMPLES[sample](), "json", rules=RULES, tool_version="1.0"))
    assert _errors(report_validator(), doc) == []


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_sarif_validates(sample: str) -> None:
    doc = json.loads(render(SAMPLES[sample](), "sarif", rules=RULES, tool_version="1.0"))
    assert _errors(sarif_validator(), doc) == []


def test_schemas_reject_broken_documents() -> None:
    """The validation tests can fail: a damaged document is rejected by each schema."""
    doc = json.loads(render(SAMPLES["mixed"](), "json", rules=RULES, tool_version="1.0"))
    doc["findings"][0]["severity"] = "fatal"
    del doc["findings"][1]["fingerprint"]
    assert len(_errors(report_validator(), doc)) == 2
    log = json.loads(render(SAMPLES["mixed"](), "sarif", rules=RULES, tool_version="1.0"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(_errors(sarif_validator(), log)) == 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports)
def test_any_report_validates_in_both_schemas(report: Report) -> None:
    doc = json.loads(render(report, "json", tool_version="1.0"))
    assert _errors(report_validator(), doc) == []
    log = json.loads(render(report, "sarif", tool_version="1.0"))
    assert _errors(sarif_validator(), log) == []
    assert len(log["runs"][0]["results"]) == len(report.findings)
