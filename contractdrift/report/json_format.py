"""A stable JSON document (version 1) described by ``docs/report.schema.json``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ..model import Evidence, Finding, Location, Report, SpecLocation
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
    out = {
        "observed": evidence.observed,
        "total": evidence.total,
        "first_seen": evidence.first_seen,
        "example": jsonable(evidence.example),
        "exchange_ids": list(evidence.exchange_ids),
    }
    # fields of traffic evidence (check), present only when set
    if evidence.last_seen is not None:
        out["last_seen"] = evidence.last_seen
    if evidence.expected is not None:
        out["expected"] = jsonable(evidence.expected)
    if evidence.details:
        out["details"] = jsonable(evidence.details)
    return out


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
        **({"reaches": [place_dict(p) for p in finding.reaches]} if finding.reaches else {}),
    }


def place_dict(place: Location) -> dict[str, Any]:
    """One place a grouped finding's change reaches."""
    return {"operation": place.operation, "side": place.side.value, "status": place.status,
            "media_type": place.media_type, "payload_pointer": place.payload_pointer,
            "payload_path": human_pointer(place.payload_pointer)}


def _head(report: Report, options: RenderOptions) -> dict[str, Any]:
    head = {
        "version": FORMAT_VERSION,
        "tool": {"name": TOOL_NAME, "version": options.tool_version},
        "summary": report.counts(),
        "warnings": list(report.warnings),
        "meta": {key: report.meta[key] for key in sorted(report.meta)},
    }
    if report.coverage is not None:
        head["coverage"] = jsonable(report.coverage)
    return head


def report_dict(report: Report, options: RenderOptions) -> dict[str, Any]:
    """The whole document as plain data, keys in a fixed order."""
    return {**_head(report, options), "findings": [finding_dict(f, options) for f in ordered(report)]}


def iter_json(report: Report, options: RenderOptions) -> Iterator[str]:
    """The document in chunks, one finding per chunk: constant memory over the number of findings.

    ``"".join(iter_json(...))`` is exactly :func:`render_json`'s output.
    """
    findings = ordered(report)
    head = _head(report, options)
    if not findings:
        yield dumps_document({**head, "findings": []})
        return
    yield dumps_document(head)[:-3] + ',\n  "findings": [\n'
    last = len(findings) - 1
    for i, finding in enumerate(findings):
        row = json.dumps(finding_dict(finding, options), ensure_ascii=False, allow_nan=False, separators=(", ", ": "))
        yield f"    {row}{',' if i < last else ''}\n"
    yield "  ]\n}\n"


def render_json(report: Report, options: RenderOptions) -> str:
    """Render ``report`` as the version-1 JSON document (UTF-8 text, two-space indent)."""
    return "".join(iter_json(report, options))
