"""A single self-contained HTML page: inline CSS, no scripts, no external assets, all text escaped."""

from __future__ import annotations

from html import escape

from ..model import Finding, Report, Severity
from ._common import (
    NO_FINDINGS,
    NO_OPERATION,
    TOOL_NAME,
    RenderOptions,
    context_parts,
    coverage_lines,
    detail_pairs,
    group_by_operation,
    message_of,
    ordered,
    sanitize,
    severity_noun,
)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1f2328;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.25rem}
h2{font-size:1.1rem;margin:2rem 0 .5rem;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
.summary span{display:inline-block;margin-right:1rem;font-weight:600}
.warnings{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem 1rem;border-radius:6px}
table{border-collapse:collapse;width:100%;table-layout:fixed}
col.c-sev{width:5.5rem}col.c-rule{width:19rem}
td code{overflow-wrap:anywhere}
.warnings li{white-space:pre-wrap}
th,td{border:1px solid #d0d7de;padding:.4rem .6rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}
.sev{font-weight:700;text-transform:uppercase;font-size:.8em;white-space:nowrap}
.sev-error{color:#cf222e}.sev-warn{color:#9a6700}.sev-info{color:#0969da}
.msg{white-space:pre-wrap}
dl{margin:.25rem 0 0;display:grid;grid-template-columns:max-content auto;gap:0 .75rem;color:#59636e;font-size:.9em}
dt{font-weight:600}dd{margin:0;word-break:break-all}
.meta{color:#59636e;font-size:.9em}
""".strip()


def _e(text: str) -> str:
    return escape(sanitize(text), quote=True)


def _finding_row(finding: Finding, options: RenderOptions) -> str:
    loc = finding.location
    details: list[tuple[str, str]] = []
    context = context_parts(loc)
    if context:
        details.append(("where", " ".join(context)))
    details += detail_pairs(finding, finding.fingerprint)
    dl = "".join(f"<dt>{_e(k)}</dt><dd class=\"mono\">{_e(v)}</dd>" for k, v in details)
    label = finding.severity.label
    return (
        f'<tr><td class="sev sev-{label}">{label}</td>'
        f"<td><code>{_e(finding.rule_id)}</code></td>"
        f'<td><div class="msg">{_e(message_of(finding, options.rules))}</div><dl>{dl}</dl></td></tr>'
    )


def render_html(report: Report, options: RenderOptions) -> str:
    """Render ``report`` as one HTML5 document."""
    counts = report.counts()
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{TOOL_NAME} report</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{TOOL_NAME} report</h1>",
        f'<p class="meta">{TOOL_NAME} {_e(options.tool_version)}</p>',
    ]
    if report.meta:
        items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(report.meta[k])}</dd>" for k in sorted(report.meta))
        out.append(f'<dl class="meta">{items}</dl>')
    spans = "".join(
        f'<span class="sev-{s.label}">{severity_noun(s, counts[s.label])}</span>'
        for s in sorted(Severity, reverse=True)
    )
    out.append(f'<p class="summary">{spans}</p>')
    if report.warnings:
        out.append('<div class="warnings"><ul>')
        out += [f"<li>warning: {_e(w)}</li>" for w in report.warnings]
        out.append("</ul></div>")
    findings = ordered(report)
    if not findings:
        out.append(f"<p>{NO_FINDINGS}</p>")
    for operation, group in group_by_operation(findings):
        out.append(f"<h2>{_e(operation) if operation is not None else NO_OPERATION}</h2>")
        out.append("<table>")
        out.append('<colgroup><col class="c-sev"><col class="c-rule"><col></colgroup>')
        out.append("<thead><tr><th>Severity</th><th>Rule</th><th>Finding</th></tr></thead>")
        out.append("<tbody>")
        out += [_finding_row(f, options) for f in group]
        out.append("</tbody>")
        out.append("</table>")
    lines = coverage_lines(report.coverage)
    if lines:
        out.append("<h2>Coverage</h2>")
        out.append(f"<p>{_e(lines[0])}</p>")
        out.append("<ul>" + "".join(f'<li class="mono">{_e(line.strip())}</li>' for line in lines[1:]) + "</ul>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
