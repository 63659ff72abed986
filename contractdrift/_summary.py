"""The pytest plugin's terminal summary: findings by severity and rule, drifts ignored on purpose
(with their reasons), and spec coverage as a short table. Plain text, no dependency."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .model import Report, Severity

if TYPE_CHECKING:
    from ._session import SessionFold

__all__ = ["coverage_table", "summary_lines"]

#: operations listed in the coverage table at most (the rest are counted)
MAX_ROWS = 40


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def coverage_table(coverage: Mapping[str, Any]) -> list[str]:
    """Documented operations and status codes: exercised by the suite or not."""
    summary = coverage.get("summary") or {}
    ops = summary.get("operations") or {}
    sts = summary.get("statuses") or {}
    lines = [f"{ops.get('exercised', 0)}/{ops.get('documented', 0)} documented operations and "
             f"{sts.get('exercised', 0)}/{sts.get('documented', 0)} documented status codes exercised"]
    rows: list[list[str]] = [["operation", "exchanges", "statuses exercised", "statuses not exercised"]]
    operations = list(coverage.get("operations") or [])
    for op in operations[:MAX_ROWS]:
        statuses = op.get("statuses") or []
        done = [str(s["status"]) for s in statuses if s.get("exchanges")]
        todo = [str(s["status"]) for s in statuses if not s.get("exchanges")]
        rows.append([str(op.get("operation")), str(op.get("exchanges", 0)), ", ".join(done) or "-",
                     ", ".join(todo) or "-"])
        head = op.get("head")
        if isinstance(head, Mapping):  # HEAD exchanges checked as this GET operation
            seen = [str(s["status"]) for s in head.get("statuses") or [] if s.get("exchanges")]
            seen += [f"{s['status']} (undocumented)" for s in head.get("undocumented_statuses") or []
                     if s.get("exchanges")]
            rows.append([f"  {head.get('operation')} (as {head.get('via')})", str(head.get("exchanges", 0)),
                         ", ".join(seen) or "-", ""])
    for row in list(coverage.get("options") or [])[:MAX_ROWS]:  # OPTIONS where no options operation is
        seen = [str(s["status"]) for s in row.get("statuses") or [] if s.get("exchanges")]
        rows.append([f"{row.get('operation')} (undocumented; {row.get('preflights', 0)} CORS preflight(s))",
                     str(row.get("exchanges", 0)), ", ".join(seen) or "-", ""])
    if len(rows) > 1:
        lines += _table(rows)
    if len(operations) > MAX_ROWS:
        lines.append(f"  ... and {len(operations) - MAX_ROWS} more operation(s) (see the report)")
    return lines


def summary_lines(fold: SessionFold, report: Report | None, *, fail_on: Severity, record_path: str | None = None,
                  report_path: str | None = None) -> list[str]:
    checked = fold.exchanges - fold.unchecked
    lines = [f"{fold.tests} test(s) recorded {fold.exchanges} exchange(s); {checked} checked"
             + (f", {fold.unchecked} not checked" if fold.unchecked else "")]
    for key, _ in fold.reports():
        lines.append(f"  against {key.label()}")
    if fold.failed_tests:
        lines.append(f"{len(fold.failed_tests)} test(s) failed on findings at or above their fail level "
                     f"(default {fail_on.label}): " + ", ".join(fold.failed_tests[:10])
                     + (" ..." if len(fold.failed_tests) > 10 else ""))
    for err in fold.problems():
        lines.append(f"problem: {err}")
    if report is not None:
        sev = Counter(f.severity for f in report.findings)
        lines.append("findings: " + ", ".join(f"{sev.get(s, 0)} {s.label}" for s in
                                              (Severity.ERROR, Severity.WARN, Severity.INFO)))
        by_rule = Counter((f.severity, f.rule_id) for f in report.findings)
        rows = [["severity", "rule", "findings"]] + [
            [s.label, rule, str(n)] for (s, rule), n in sorted(by_rule.items(), key=lambda kv: (-kv[0][0], kv[0][1]))]
        if len(rows) > 1:
            lines += _table(rows)
    if fold.ignored:
        lines.append("ignored on purpose (contractdrift_ignore):")
        for (rule, reason), (n, tests) in sorted(fold.ignored.items()):
            lines.append(f"  {rule}: {n} observation(s) in {tests} test(s) — {reason}")
    for key, part in fold.reports():
        if part.coverage:
            lines.append(f"spec coverage ({key.spec}):")
            lines += ["  " + line for line in coverage_table(part.coverage)]
    if record_path:
        lines.append(f"recording: {record_path} ({fold.recorded} exchange(s) appended)")
    if report_path:
        lines.append(f"report: {report_path}")
    return lines
