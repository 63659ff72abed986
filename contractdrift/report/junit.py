"""JUnit XML: a ``<testsuite>`` per operation, a ``<testcase>`` per finding.

Findings at or above the threshold (``fail_on``, default ``error``) are ``<failure>``s; the others
pass and carry their details in ``<system-out>``. Meta goes into the first suite's ``<properties>``,
input warnings into its ``<system-err>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..model import Finding, Report
from ._common import (
    NO_FINDINGS,
    NO_OPERATION,
    TOOL_NAME,
    RenderOptions,
    context_parts,
    evidence_text,
    exchange_ids_of,
    group_by_operation,
    human_pointer,
    ids_text,
    message_of,
    one_line,
    ordered,
    sanitize,
    short_fingerprint,
)

# Characters XML 1.0 cannot carry at all (control characters are handled by ``sanitize``).
_NOT_XML = re.compile(r"[\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", sanitize(text).replace("\r\n", "\n").replace("\r", "\n"))


def _xml_attr(text: str) -> str:
    return _NOT_XML.sub("\ufffd", one_line(text))


def _details(finding: Finding, options: RenderOptions) -> str:
    loc = finding.location
    lines = [f"{finding.severity.label} {finding.rule_id}", message_of(finding, options.rules)]
    if loc.operation:
        lines.append(f"operation: {loc.operation}")
    context = context_parts(loc)
    if context:
        lines.append("where: " + " ".join(context))
    path = human_pointer(loc.payload_pointer)
    if path is not None:
        lines.append(f"at: {path}")
    if loc.base is not None:
        lines.append(f"base: {loc.base}")
    if loc.revision is not None:
        lines.append(f"revision: {loc.revision}")
    if finding.evidence is not None:
        lines.append(f"evidence: {evidence_text(finding.evidence)}")
    ids = exchange_ids_of(finding)
    if ids:
        lines.append(f"exchanges: {ids_text(ids)}")
    lines.append(f"fingerprint: {finding.fingerprint}")
    return "\n".join(lines)


def _case_name(finding: Finding) -> str:
    loc = finding.location
    where = human_pointer(loc.payload_pointer)
    if where is None:
        spec = loc.revision or loc.base
        where = f"#{spec.pointer}" if spec is not None else None
    context = " ".join(context_parts(loc))
    parts = [finding.rule_id, context, where or "", f"[{short_fingerprint(finding)}]"]
    return " ".join(p for p in parts if p)


def _set_counts(element: ET.Element, tests: int, failures: int) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", "0")
    element.set("skipped", "0")
    element.set("time", "0")


def render_junit(report: Report, options: RenderOptions) -> str:
    """Render ``report`` as JUnit XML (UTF-8 declaration, two-space indent)."""
    findings = ordered(report)
    root = ET.Element("testsuites", {"name": TOOL_NAME})
    groups = group_by_operation(findings)
    suites: list[ET.Element] = []
    total_failures = 0
    if not groups:
        suite = ET.SubElement(root, "testsuite", {"name": TOOL_NAME})
        ET.SubElement(suite, "testcase", {"name": NO_FINDINGS, "classname": TOOL_NAME, "time": "0"})
        _set_counts(suite, 1, 0)
        suites.append(suite)
    for operation, group in groups:
        name = _xml_attr(operation) if operation is not None else NO_OPERATION
        suite = ET.SubElement(root, "testsuite", {"name": name})
        failures = 0
        for finding in group:
            case = ET.SubElement(
                suite, "testcase", {"name": _xml_attr(_case_name(finding)), "classname": name, "time": "0"}
            )
            details = _xml_text(_details(finding, options))
            if finding.severity >= options.fail_on:
                failures += 1
                failure = ET.SubElement(
                    case,
                    "failure",
                    {
                        "message": _xml_attr(message_of(finding, options.rules)),
                        "type": _xml_attr(f"{finding.severity.label}:{finding.rule_id}"),
                    },
                )
                failure.text = details
            else:
                ET.SubElement(case, "system-out").text = details
        _set_counts(suite, len(group), failures)
        total_failures += failures
        suites.append(suite)
    first = suites[0]
    if report.meta:
        props = ET.Element("properties")
        for key in sorted(report.meta):
            ET.SubElement(props, "property", {"name": _xml_attr(key), "value": _xml_attr(report.meta[key])})
        first.insert(0, props)
    if report.warnings:
        ET.SubElement(first, "system-err").text = _xml_text(
            "\n".join(f"warning: {w}" for w in report.warnings)
        )
    _set_counts(root, max(len(findings), 1), total_failures)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
