"""A stable JSON document (version 1) described by ``docs/report.schema.json``."""

from __future__ import annotations

from typing import Any

from ..model import Evidence, Finding, Report, SpecLocation
from ._common import (
    TOOL_NAME,
    RenderOptions,
    dumps_document,
    human_pointer,
    jsonable,
    message_of,
    ordered,
)

FORMAT_VERSION = 1


def spec_location_dict(loc: SpecLocation | None) -> dict[str, Any] | None:
    """``{"pointer", "file", "line", "col"}`` (file, line and col are null when unknown)."""
    if loc is None:
        return None
    pos = loc.position
    return {
        "pointer": loc.pointer,
        "file": pos.file if pos else None,
        "line": pos.line if pos else None,
        "col": pos.col if pos else None,
    }


def evidence_dict(evidence: Evidence | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    return {
        "observed": evidence.observed,
        "total": evidence.total,
        "first_seen": evidence.first_seen,
        "example": jsonable(evidence.example),
        "exchange_ids": list(evidence.exchange_ids),
    }


def finding_dict(finding: Finding, options: RenderOptions) -> dict[str, Any]:
    """One finding as a JSON object (the ``findings[]`` items of the document)."""
    loc = finding.location
    return {
        "id": finding.rule_id,
        "severity": finding.severity.label,
        "operation": loc.operation,
        "side": loc.side.value,
        "status": loc.status,
        "media_type": loc.media_type,
        "message": message_of(finding, options.rules),
        "args": jsonable(finding.args),
        "payload_pointer": loc.payload_pointer,
        "payload_path": human_pointer(loc.payload_pointer),
        "base": spec_location_dict(loc.base),
        "revision": spec_location_dict(loc.revision),
        "evidence": evidence_dict(finding.evidence),
        "exchange_ids": list(loc.exchange_ids),
        "fingerprint": finding.fingerprint,
    }


def report_dict(report: Report, options: RenderOptions) -> dict[str, Any]:
    """The whole document as plain data, keys in a fixed order."""
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": TOOL_NAME, "version": options.tool_version},
        "summary": report.counts(),
        "warnings": list(report.warnings),
        "meta": {key: report.meta[key] for key in sorted(report.meta)},
        "findings": [finding_dict(f, options) for f in ordered(report)],
    }


def render_json(report: Report, options: RenderOptions) -> str:
    """Render ``report`` as the version-1 JSON document (UTF-8 text, two-space indent)."""
    return dumps_document(report_dict(report, options), one_per_line=("findings",))
