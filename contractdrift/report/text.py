"""Plain text for terminals: grouped by operation, ANSI colour only when asked for."""

from __future__ import annotations

from ..model import Finding, Report, Severity
from ._common import (
    NO_FINDINGS,
    NO_OPERATION,
    RenderOptions,
    context_parts,
    coverage_lines,
    detail_pairs,
    group_by_operation,
    message_of,
    one_line,
    ordered,
    sanitize,
    short_fingerprint,
    summary_line,
)

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_SEVERITY_STYLE: dict[Severity, str] = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARN: "\x1b[1;33m",
    Severity.INFO: "\x1b[1;36m",
}
_SEVERITY_WIDTH = max(len(s.label) for s in Severity)


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, style: str, text: str) -> str:
        return f"{style}{text}{_RESET}" if self.enabled and text else text


def _indent_block(text: str, first: str, rest: str) -> list[str]:
    """Sanitized text split into lines: the first after ``first``, the others after ``rest``."""
    lines = sanitize(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [first + lines[0], *(rest + line for line in lines[1:])]


def _finding_lines(finding: Finding, options: RenderOptions, paint: _Painter) -> list[str]:
    loc = finding.location
    label = finding.severity.label.ljust(_SEVERITY_WIDTH)
    head = f"  {paint(_SEVERITY_STYLE[finding.severity], label)}  {paint(_BOLD, one_line(finding.rule_id))}"
    context = context_parts(loc)
    if context:
        head += "  " + one_line(" ".join(context))
    lines = [head]
    lines += _indent_block(message_of(finding, options.rules), "    ", "    ")
    detail = detail_pairs(finding, short_fingerprint(finding))
    width = max(len(key) for key, _ in detail) + 1
    for key, value in detail:
        lines.append("    " + paint(_DIM, f"{key + ':':<{width}} {one_line(value)}"))
    return lines


def render_text(report: Report, options: RenderOptions) -> str:
    """Render ``report`` as text: input warnings, findings grouped by operation, a summary line."""
    paint = _Painter(options.color)
    out: list[str] = []
    for warning in report.warnings:
        out += _indent_block(warning, paint(_SEVERITY_STYLE[Severity.WARN], "warning:") + " ", "  ")
    findings = ordered(report)
    if not findings:
        if out:
            out.append("")
        out.append(NO_FINDINGS)
        return "\n".join(out + _coverage(report) + _advice(report)) + "\n"
    for operation, group in group_by_operation(findings):
        if out:
            out.append("")
        out.append(paint(_BOLD, one_line(operation) if operation is not None else NO_OPERATION))
        for index, finding in enumerate(group):
            if index:
                out.append("")
            out += _finding_lines(finding, options, paint)
    out += _coverage(report)
    out.append("")
    out.append(summary_line(report))
    out += _advice(report)
    return "\n".join(out) + "\n"


def _advice(report: Report) -> list[str]:
    """``diff`` ends with the smallest version bump its findings require (meta ``version_advice``)."""
    advice = report.meta.get("version_advice")
    return [one_line(advice)] if advice else []


def _coverage(report: Report) -> list[str]:
    lines = coverage_lines(report.coverage)
    return ["", *(one_line(line) for line in lines)] if lines else []
