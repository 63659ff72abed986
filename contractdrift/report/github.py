"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` annotation per finding.

Escaping follows the runner's rules (``@actions/core``): in the message ``%``, ``\\r`` and ``\\n``;
in property values additionally ``:`` and ``,``.
"""

from __future__ import annotations

from ..model import Finding, Report, Severity
from ._common import (
    TOOL_NAME,
    RenderOptions,
    context_parts,
    evidence_text,
    human_pointer,
    message_of,
    ordered,
    primary_spec_location,
    reaches_text,
    sanitize,
    short_fingerprint,
    summary_line,
)

COMMANDS: dict[Severity, str] = {Severity.ERROR: "error", Severity.WARN: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (the part after ``::``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property value (``file=``, ``title=``...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: list[tuple[str, str]] | None = None) -> str:
    """``::name key=value,...::message`` with both parts escaped."""
    props = ",".join(f"{key}={escape_property(_clean(value))}" for key, value in properties or [])
    return f"::{name}{' ' + props if props else ''}::{escape_data(_clean(message))}"


def _clean(text: str) -> str:
    """Line breaks as ``\\n`` (escaped as ``%0A`` later); other control characters made visible."""
    return sanitize(text.replace("\r\n", "\n").replace("\r", "\n"))


def _message(finding: Finding, options: RenderOptions) -> str:
    loc = finding.location
    lines = [message_of(finding, options.rules)]
    where = [loc.operation] if loc.operation else []
    where += context_parts(loc)
    path = human_pointer(loc.payload_pointer)
    if path is not None:
        where.append(path)
    if where:
        lines.append(" ".join(where))
    reach = reaches_text(finding)
    if reach is not None:
        lines.append(f"reaches {reach}")
    if finding.evidence is not None:
        lines.append(evidence_text(finding.evidence, example_limit=120))
    lines.append(f"fingerprint: {short_fingerprint(finding)}")
    return "\n".join(lines)


def _annotation(finding: Finding, options: RenderOptions) -> str:
    properties: list[tuple[str, str]] = []
    spec = primary_spec_location(finding.location)
    if spec is not None and spec.position is not None:
        pos = spec.position
        properties.append(("file", pos.file))
        if pos.line >= 1:
            properties.append(("line", str(pos.line)))
            if pos.col >= 1:
                properties.append(("col", str(pos.col)))
    properties.append(("title", finding.rule_id))
    return command(COMMANDS[finding.severity], _message(finding, options), properties)


def render_github(report: Report, options: RenderOptions) -> str:
    """Render ``report`` as workflow commands, input warnings first, then a plain summary line."""
    out = [command("warning", w, [("title", TOOL_NAME)]) for w in report.warnings]
    out += [_annotation(f, options) for f in ordered(report)]
    out.append(f"{TOOL_NAME}: {summary_line(report)}")
    return "\n".join(out) + "\n"
