"""GitHub-flavoured Markdown for a pull-request comment: one table per severity."""

from __future__ import annotations

import re

from ..model import Finding, Report, Severity
from ._common import (
    NO_FINDINGS,
    NO_OPERATION,
    SEVERAL_OPERATIONS,
    TOOL_NAME,
    RenderOptions,
    context_parts,
    coverage_lines,
    evidence_text,
    group_by_severity,
    human_pointer,
    message_of,
    one_line,
    ordered,
    reaches_text,
    sanitize,
    short_fingerprint,
    spec_label,
    summary_line,
)

_HEADINGS: dict[Severity, str] = {Severity.ERROR: "Errors", Severity.WARN: "Warnings", Severity.INFO: "Info"}
# ASCII punctuation with a meaning somewhere in GFM (emphasis, links, HTML, tables, mentions, refs).
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!@])")
_BACKTICKS = re.compile(r"`+")


def md_text(text: str) -> str:
    """Escape free text for a Markdown table cell or paragraph; newlines become ``<br>``."""
    lines = sanitize(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(_SPECIAL.sub(r"\\\1", line).replace("\t", " ") for line in lines)


def md_code(text: str) -> str:
    """A code span that survives any content (backticks, pipes) inside a GFM table cell."""
    body = one_line(text).replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * (longest + 1)
    if body.startswith(("`", " ")) or body.endswith(("`", " ")):
        body = f" {body} "
    return f"{fence}{body}{fence}"


def _where(finding: Finding) -> str:
    loc = finding.location
    parts: list[str] = []
    context = context_parts(loc)
    if context:
        parts.append(md_text(" ".join(context)))
    path = human_pointer(loc.payload_pointer)
    if path is not None:
        parts.append(md_code(path))
    for label, spec in (("base", loc.base), (spec_label(finding), loc.revision)):
        if spec is not None:
            where = str(spec.position) if spec.position else f"#{spec.pointer}"
            parts.append(f"{label} {md_code(where)}")
    return "<br>".join(parts)


def _row(finding: Finding, options: RenderOptions) -> str:
    message = md_text(message_of(finding, options.rules))
    reach = reaches_text(finding)
    if reach is not None:
        message += "<br>reaches " + md_text(reach)
    if finding.evidence is not None:
        message += "<br>" + md_text(evidence_text(finding.evidence, example_limit=80))
    operation = md_code(finding.location.operation) if finding.location.operation else (
        SEVERAL_OPERATIONS if len({p.operation for p in finding.reaches}) > 1 else NO_OPERATION)
    cells = [operation, md_code(finding.rule_id), _where(finding), message, md_code(short_fingerprint(finding))]
    return "| " + " | ".join(cells) + " |"


def render_markdown(report: Report, options: RenderOptions) -> str:
    """Render ``report`` as Markdown: summary heading, input warnings, one table per severity."""
    findings = ordered(report)
    title = f"### {TOOL_NAME}: {summary_line(report)}" if findings else f"### {TOOL_NAME}"
    out = [title, ""]
    for warning in report.warnings:
        out.append(f"- **warning:** {md_text(warning)}")
    if report.warnings:
        out.append("")
    if not findings:
        out.append(NO_FINDINGS)
        return "\n".join(out + _coverage(report)) + "\n"
    for severity, group in group_by_severity(findings):
        out.append(f"#### {_HEADINGS[severity]} ({len(group)})")
        out.append("")
        out.append("| Operation | Rule | Where | Message | Fingerprint |")
        out.append("| --- | --- | --- | --- | --- |")
        out += [_row(f, options) for f in group]
        out.append("")
    return "\n".join(out + _coverage(report))


def _coverage(report: Report) -> list[str]:
    """A coverage section (check reports only): the headline, then one bullet per operation."""
    lines = coverage_lines(report.coverage)
    if not lines:
        return []
    out = ["", "#### Coverage", "", md_text(lines[0]), ""]
    out += [f"- {md_text(line.strip())}" for line in lines[1:]]
    return [*out, ""]
