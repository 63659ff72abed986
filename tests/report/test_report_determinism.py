"""Same input, byte-identical output; input order does not matter once Report.build has sorted."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_samples import RULES, mixed_findings, mixed_report, reports

from contractdrift.model import Finding, Report
from contractdrift.report import FORMATS, render


def _render_all(report: Report) -> dict[str, str]:
    return {fmt: render(report, fmt, rules=RULES, tool_version="1.0") for fmt in FORMATS}


def test_render_twice_is_identical() -> None:
    assert _render_all(mixed_report()) == _render_all(mixed_report())


@settings(max_examples=25, deadline=None)
@given(st.permutations(mixed_findings()), st.permutations(list(mixed_report().meta.items())))
def test_shuffled_input_gives_identical_output(findings: list[Finding], meta: list[tuple[str, str]]) -> None:
    report = Report.build(findings, warnings=mixed_report().warnings, meta=dict(meta))
    assert _render_all(report) == _render_all(mixed_report())


def test_unsorted_report_is_rendered_in_canonical_order() -> None:
    """A Report made without build() still renders in the canonical order."""
    canonical = mixed_report()
    raw = Report(findings=tuple(reversed(canonical.findings)), warnings=canonical.warnings, meta=canonical.meta)
    assert _render_all(raw) == _render_all(canonical)


def test_args_insertion_order_does_not_matter() -> None:
    base = mixed_findings()[0]
    swapped = Finding(
        rule_id=base.rule_id,
        severity=base.severity,
        location=base.location,
        message=base.message,
        args=dict(reversed(list(base.args.items()))),
    )
    assert _render_all(Report.build([base])) == _render_all(Report.build([swapped]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports)
def test_arbitrary_reports_render_safely(report: Report) -> None:
    outputs = _render_all(report)
    for fmt, out in outputs.items():
        out.encode("utf-8")  # never a lone surrogate
        assert out.endswith("\n"), fmt
        assert render(report, fmt, rules=RULES, tool_version="1.0") == out, fmt
    # text: no raw control characters other than newline and tab
    assert not any(ord(c) < 32 and c not in "\n\t" for c in outputs["text"])
    # github: one line per command, every finding and warning annotated
    lines = outputs["github"].split("\n")[:-1]  # the runner reads lines split at \n (\r\n) only
    assert len(lines) == len(report.findings) + len(report.warnings) + 1
    assert all(line.startswith("::") for line in lines[:-1])
    # junit: well-formed and complete
    root = ET.fromstring(outputs["junit"].encode("utf-8"))
    assert len(root.findall("testsuite/testcase")) == max(1, len(report.findings))
