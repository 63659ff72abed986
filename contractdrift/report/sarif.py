"""SARIF 2.1.0: one run, the rules that fired in ``tool.driver.rules``, one result per finding.

A result's physical location is the revision spec position, else the base one; the operation is a
logical location; the fingerprint goes into ``partialFingerprints``. Input warnings become
tool execution notifications.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..model import Finding, Report, RuleInfo, Severity, SpecLocation
from ._common import (
    TOOL_NAME,
    RenderOptions,
    dumps_document,
    human_pointer,
    jsonable,
    message_of,
    ordered,
    primary_spec_location,
)
from .json_format import place_dict, spec_location_dict

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = f"{TOOL_NAME}/v1"
DOCS_RULES = "docs/rules.md"

# RFC 3986 path characters kept as they are; ":" is encoded so "ref:file" never reads as a scheme.
_PATH_SAFE = "/!$&'()*+,;=@~"

LEVELS: dict[Severity, str] = {Severity.ERROR: "error", Severity.WARN: "warning", Severity.INFO: "note"}


def artifact_uri(path: str) -> str:
    """A file path as a URI reference: relative paths percent-encoded, absolute ones as ``file://``."""
    normalized = path.replace("\\", "/")
    if normalized.startswith("/"):
        return "file://" + quote(normalized, safe=_PATH_SAFE)
    if len(normalized) > 2 and normalized[1] == ":" and normalized[2] == "/":  # C:/dir/file
        return "file:///" + normalized[:2] + quote(normalized[2:], safe=_PATH_SAFE)
    return quote(normalized, safe=_PATH_SAFE)


def _rule_descriptor(rule_id: str, info: RuleInfo | None, fallback: Severity) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule_id,
        "shortDescription": {"text": info.summary if info is not None and info.summary else rule_id},
        "helpUri": f"{DOCS_RULES}#{rule_id}",
        "defaultConfiguration": {"level": LEVELS[info.severity if info is not None else fallback]},
    }
    if info is not None:
        descriptor["properties"] = {
            "side": info.side.value,
            "kind": info.kind,
            "action": info.action,
            "area": info.area,
        }
    return descriptor


def _rules(findings: tuple[Finding, ...], rules: Mapping[str, RuleInfo]) -> list[dict[str, Any]]:
    worst: dict[str, Severity] = {}
    for f in findings:
        worst[f.rule_id] = max(worst.get(f.rule_id, f.severity), f.severity)
    return [_rule_descriptor(rule_id, rules.get(rule_id), worst[rule_id]) for rule_id in sorted(worst)]


def _physical(spec: SpecLocation) -> dict[str, Any] | None:
    if spec.position is None:
        return None
    pos = spec.position
    region: dict[str, Any] = {}
    if pos.line >= 1:
        region["startLine"] = pos.line
        if pos.col >= 1:
            region["startColumn"] = pos.col
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(pos.file)}}
    if region:
        physical["region"] = region
    return physical


def _result(finding: Finding, rule_index: int, options: RenderOptions) -> dict[str, Any]:
    loc = finding.location
    location: dict[str, Any] = {}
    spec = primary_spec_location(loc)
    physical = _physical(spec) if spec is not None else None
    if physical is not None:
        location["physicalLocation"] = physical
    operations = [loc.operation] if loc.operation else []
    if finding.reaches:  # a grouped finding: one result per change, every operation it reaches
        operations = list(dict.fromkeys(p.operation for p in finding.reaches if p.operation))
    if operations:
        location["logicalLocations"] = [
            {"name": op, "fullyQualifiedName": op, "kind": "function"} for op in operations
        ]
    properties: dict[str, Any] = {
        "severity": finding.severity.label,
        "side": loc.side.value,
        "status": loc.status,
        "mediaType": loc.media_type,
        "payloadPointer": loc.payload_pointer,
        "payloadPath": human_pointer(loc.payload_pointer),
        "base": spec_location_dict(loc.base),
        "revision": spec_location_dict(loc.revision),
        "args": jsonable(finding.args),
    }
    if finding.reaches:
        properties["reaches"] = [place_dict(p) for p in finding.reaches]
    if finding.evidence is not None:
        ev = finding.evidence
        properties["evidence"] = {
            "observed": ev.observed,
            "total": ev.total,
            "firstSeen": ev.first_seen,
            "example": jsonable(ev.example),
            "exchangeIds": list(ev.exchange_ids),
        }
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": message_of(finding, options.rules)},
    }
    if location:
        result["locations"] = [location]
    result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    result["properties"] = properties
    return result


def sarif_log(report: Report, options: RenderOptions) -> dict[str, Any]:
    """The SARIF log as plain data."""
    findings = ordered(report)
    rules = _rules(findings, options.rules)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": options.tool_version,
                "rules": rules,
            }
        },
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": w}} for w in report.warnings
                ],
            }
        ],
        "results": [_result(f, index[f.rule_id], options) for f in findings],
    }
    if report.meta:
        run["properties"] = {"meta": {key: report.meta[key] for key in sorted(report.meta)}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: Report, options: RenderOptions) -> str:
    """Render ``report`` as a SARIF 2.1.0 log (JSON, two-space indent)."""
    return dumps_document(sarif_log(report, options), one_per_line=("results", "rules"))
