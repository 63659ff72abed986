"""Behaviour of each format: structure, escaping, thresholds, summaries."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from report_samples import NASTY, RULES, empty_report, mixed_findings, mixed_report

from contractdrift.errors import UsageError
from contractdrift.model import Finding, Location, Report, Severity, Side, SourcePosition, SpecLocation
from contractdrift.report import FORMATS, render
from contractdrift.report._common import summary_line
from contractdrift.report.github import escape_data, escape_property
from contractdrift.report.markdown import md_code
from contractdrift.report.sarif import artifact_uri

V = "0.0.0-test"


def _finding(severity: Severity, rule_id: str = "x-rule", message: str = "m", **loc: object) -> Finding:
    # the message is part of args too: Report.build drops findings equal in all but their message
    return Finding(
        rule_id=rule_id,
        severity=severity,
        location=Location(**loc),  # type: ignore[arg-type]
        message=message,
        args={"message": message},
    )


# -- dispatcher ------------------------------------------------------------------------------------


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"unknown report format 'yaml'.*text, json"):
        render(Report(), "yaml")


def test_formats_tuple() -> None:
    assert FORMATS == ("text", "json", "markdown", "junit", "sarif", "github", "html")


def test_default_tool_version_is_installed_version() -> None:
    from importlib.metadata import version

    doc = json.loads(render(Report(), "json"))
    assert doc["tool"]["version"] == version("contractdrift")


# -- text ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((0, 0, 0), "0 errors, 0 warnings, 0 info"),
        ((1, 1, 1), "1 error, 1 warning, 1 info"),
        ((3, 1, 0), "3 errors, 1 warning, 0 info"),
        ((2, 5, 7), "2 errors, 5 warnings, 7 info"),
    ],
)
def test_summary_plurals(counts: tuple[int, int, int], expected: str) -> None:
    findings = [
        _finding(sev, message=f"{sev.label} {i}")
        for sev, n in zip((Severity.ERROR, Severity.WARN, Severity.INFO), counts)
        for i in range(n)
    ]
    report = Report.build(findings)
    assert summary_line(report) == expected
    if findings:
        assert render(report, "text").splitlines()[-1] == expected


def test_text_lists_warnings_first_and_groups_by_operation() -> None:
    out = render(mixed_report(), "text", rules=RULES, tool_version=V)
    lines = out.splitlines()
    assert lines[0].startswith("warning: specs/base.yaml")
    assert lines[1] == "warning: two-line warning"
    assert lines[2] == "  second line, 100%"
    headers = [line for line in lines if line and not line.startswith(" ") and not line.startswith("warning")]
    assert headers[:-1] == ["GET /users/{id}", "POST /orders", "(global)", "GET /files/{name}.json"]
    assert "$.items[0].email" in out
    assert "seen in 12/400 exchanges" in out
    assert "specs/base.yaml:41:9 (#/components/schemas/User/properties/email)" in out


def test_text_without_color_has_no_escape_sequences_even_from_input() -> None:
    out = render(mixed_report(), "text", rules=RULES, tool_version=V)
    assert "\x1b" not in out
    assert "\\x1b[31mescape" in out  # the message's raw escape is shown, not executed


def test_text_color_only_when_asked() -> None:
    plain = render(mixed_report(), "text", rules=RULES, tool_version=V)
    colored = render(mixed_report(), "text", rules=RULES, color=True, tool_version=V)
    assert "\x1b[1;31merror\x1b[0m" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain


def test_text_empty_report() -> None:
    assert render(Report(), "text") == "No drift found.\n"
    out = render(empty_report(), "text")
    assert out == "warning: no operations matched --match-path '^/internal'\n\nNo drift found.\n"


def test_message_falls_back_to_rule_template_then_rule_id() -> None:
    finding = Finding(
        rule_id="endpoint-added",
        severity=Severity.INFO,
        location=Location(operation="GET /a"),
        message="",
    )
    report = Report.build([finding])
    assert "added the endpoint GET /a" in render(report, "text", rules=RULES)
    assert "\n    endpoint-added\n" in render(report, "text")
    # a template whose args are missing falls back to the rule summary instead of crashing
    broken = Report.build([Finding(rule_id="request-parameter-became-required", severity=Severity.ERROR,
                                   location=Location(), message="")])
    assert "A request parameter became required" in render(broken, "text", rules=RULES)


# -- json ------------------------------------------------------------------------------------------


def test_json_document_shape() -> None:
    doc = json.loads(render(mixed_report(), "json", rules=RULES, tool_version=V))
    assert list(doc) == ["version", "tool", "summary", "warnings", "meta", "findings"]
    assert doc["version"] == 1
    assert doc["tool"] == {"name": "contractdrift", "version": V}
    assert doc["summary"] == {"error": 2, "warn": 2, "info": 2}
    first = doc["findings"][0]
    assert first["id"] == "response-property-type-changed"
    assert first["severity"] == "error"
    assert first["payload_pointer"] == "/items/0/email"
    assert first["payload_path"] == "$.items[0].email"
    assert first["base"] == {
        "pointer": "/components/schemas/User/properties/email",
        "file": "specs/base.yaml",
        "line": 41,
        "col": 9,
    }
    assert first["fingerprint"] == mixed_findings()[0].fingerprint
    by_message = {f["message"]: f for f in doc["findings"]}
    trace = by_message["the query parameter 'trace' became required"]
    assert trace["base"] == {"pointer": "/paths/~1orders/post/parameters/0", "file": None, "line": None, "col": None}
    assert trace["revision"] is None
    # the empty message was rendered from the template
    assert "the header parameter 'X-Tenant' became required" in by_message


def test_json_args_keys_sorted_and_non_finite_floats_survive() -> None:
    finding = Finding(
        rule_id="x-rule",
        severity=Severity.WARN,
        location=Location(),
        args={"z": 1, "a": {"y": float("nan"), "b": float("inf")}},
    )
    text = render(Report.build([finding]), "json")
    doc = json.loads(text)  # strict JSON: no NaN tokens
    assert "NaN" not in text.replace('"nan"', "")
    assert list(doc["findings"][0]["args"]) == ["a", "z"]
    assert doc["findings"][0]["args"]["a"] == {"b": "inf", "y": "nan"}


# -- markdown --------------------------------------------------------------------------------------


def _cells(row: str) -> list[str]:
    # split on pipes that are not backslash-escaped
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_markdown_tables_keep_their_columns() -> None:
    out = render(mixed_report(), "markdown", rules=RULES, tool_version=V)
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| Operation")]
    rows = [r for r in rows if not r.startswith("| ---")]
    assert len(rows) == len(mixed_findings())
    for row in rows:
        assert len(_cells(row)) == 5, row
    assert "#### Errors (2)" in out and "#### Warnings (2)" in out and "#### Info (2)" in out
    assert out.index("#### Errors") < out.index("#### Warnings") < out.index("#### Info")


def test_markdown_escapes_html_and_emphasis() -> None:
    out = render(mixed_report(), "markdown", rules=RULES, tool_version=V)
    assert "<i>" not in out and "<script>" not in out
    assert r"\<i\>\&amp;\</i\>" in out
    assert r"\*e\* \_f\_ \[g\](h) \#1 \@all" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [("GET /a", "`GET /a`"), ("a`b", "``a`b``"), ("`x`", "`` `x` ``"), ("a|b", "`a\\|b`"), ("a\nb", "`a\\nb`")],
)
def test_md_code(text: str, expected: str) -> None:
    assert md_code(text) == expected


# -- junit -----------------------------------------------------------------------------------------


def test_junit_default_threshold_is_the_clis() -> None:
    root = ET.fromstring(render(mixed_report(), "junit", rules=RULES, tool_version=V).encode("utf-8"))
    errors = sum(1 for f in mixed_report().findings if f.severity is Severity.ERROR)
    assert errors and len(root.findall("testsuite/testcase/failure")) == errors  # --fail-on's default: error


def test_junit_parses_back() -> None:
    out = render(mixed_report(), "junit", rules=RULES, tool_version=V, fail_on=Severity.WARN)
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["GET /users/{id}", "POST /orders", "(global)", "GET /files/{name}.json"]
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 6 == int(root.get("tests", "0"))
    failures = root.findall("testsuite/testcase/failure")
    assert len(failures) == 4 == int(root.get("failures", "0"))  # threshold: warn
    for suite in suites:
        assert int(suite.get("tests", "0")) == len(suite.findall("testcase"))
        assert int(suite.get("failures", "0")) == len(suite.findall("testcase/failure"))
    passed = [c for c in cases if c.find("failure") is None]
    assert len(passed) == 2
    for case in passed:
        out_el = case.find("system-out")
        assert out_el is not None and out_el.text and out_el.text.startswith("info ")
    nasty = next(f for f in failures if "observed" in (f.get("message") or ""))
    assert nasty.get("message", "").startswith(f"observed {NASTY}\\nsecond line")
    assert nasty.text is not None and f"observed {NASTY}\nsecond line" in nasty.text
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props == {"base": "specs/base.yaml", "mode": "diff", "revision": "specs/revision, v2.yaml"}
    err = root.find("testsuite/system-err")
    assert err is not None and err.text and "two-line warning\nsecond line, 100%" in err.text


@pytest.mark.parametrize(("fail_on", "failures"), [(Severity.ERROR, 2), (Severity.WARN, 4), (Severity.INFO, 6)])
def test_junit_threshold(fail_on: Severity, failures: int) -> None:
    root = ET.fromstring(render(mixed_report(), "junit", fail_on=fail_on))
    assert len(root.findall(".//failure")) == failures == int(root.get("failures", "-1"))


def test_junit_survives_characters_xml_cannot_carry() -> None:
    bad = "nul\x00 bell\x07 ff\x0c lone\ud800 noncharacter\uffff"
    report = Report.build([_finding(Severity.ERROR, message=bad, operation="GET /\x01")], warnings=[bad])
    out = render(report, "junit")
    root = ET.fromstring(out.encode("utf-8"))
    failure = root.find(".//failure")
    assert failure is not None
    assert failure.get("message") == "nul\\x00 bell\\x07 ff\\x0c lone\ufffd noncharacter\ufffd"


def test_junit_empty_report_is_one_passing_case() -> None:
    root = ET.fromstring(render(Report(), "junit"))
    assert root.get("tests") == "1" and root.get("failures") == "0"
    assert root.find(".//failure") is None


# -- github ----------------------------------------------------------------------------------------


def test_github_escape_functions() -> None:
    assert escape_data("100% a:b, c\r\nd") == "100%25 a:b, c%0D%0Ad"
    assert escape_property("100% a:b, c\r\nd") == "100%25 a%3Ab%2C c%0D%0Ad"
    assert escape_data("%0A") == "%250A"  # an already-escaped-looking input stays literal


def _unescape(text: str) -> str:
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}[m.group(1)], text)


_COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def test_github_one_command_per_finding_and_round_trip() -> None:
    f = Finding(
        rule_id="x-rule",
        severity=Severity.ERROR,
        location=Location(
            operation="GET /a",
            revision=SpecLocation(pointer="/p", position=SourcePosition("dir,x/a:b 100%.yaml", 3, 4)),
        ),
        message="line1, 100%: done\r\nline2",
    )
    out = render(Report.build([f, _finding(Severity.INFO, message="plain")]), "github")
    lines = out.splitlines()
    assert len(lines) == 3 and lines[-1] == "contractdrift: 1 error, 0 warnings, 1 info"
    m = _COMMAND.match(lines[0])
    assert m is not None and m.group(1) == "error"
    props = dict(part.split("=", 1) for part in (m.group(2) or "").split(","))
    assert {k: _unescape(v) for k, v in props.items()} == {
        "file": "dir,x/a:b 100%.yaml",
        "line": "3",
        "col": "4",
        "title": "x-rule",
    }
    message = _unescape(m.group(3))
    assert message.startswith("line1, 100%: done\nline2\nGET /a\nfingerprint: ")
    info = _COMMAND.match(lines[1])
    assert info is not None and info.group(1) == "notice" and info.group(2) == "title=x-rule"


def test_github_levels() -> None:
    report = Report.build([_finding(s, message=s.label) for s in Severity])
    commands = [line.split(" ", 1)[0] for line in render(report, "github").splitlines()[:-1]]
    assert commands == ["::error", "::warning", "::notice"]


# -- sarif -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("specs/api.yaml", "specs/api.yaml"),
        ("specs/revision, v2.yaml", "specs/revision,%20v2.yaml"),
        ("origin:openapi.yaml", "origin%3Aopenapi.yaml"),
        ("/abs/dir/ü.json", "file:///abs/dir/%C3%BC.json"),
        ("C:\\work\\api.yaml", "file:///C:/work/api.yaml"),
        ("a#b?c.yaml", "a%23b%3Fc.yaml"),
    ],
)
def test_artifact_uri(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


def test_sarif_content() -> None:
    log = json.loads(render(mixed_report(), "sarif", rules=RULES, tool_version=V))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({f.rule_id for f in mixed_findings()})
    by_id = {r["id"]: r for r in rules}
    typed = by_id["response-property-type-changed"]
    assert typed["shortDescription"]["text"] == "A response property changed its type"
    assert typed["helpUri"] == "docs/rules.md#response-property-type-changed"
    assert typed["defaultConfiguration"]["level"] == "error"
    assert by_id["api-security-removed"]["shortDescription"]["text"] == "api-security-removed"
    results = run["results"]
    assert [r["level"] for r in results] == ["error", "error", "warning", "warning", "note", "note"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    first = results[0]
    phys = first["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "specs/revision,%20v2.yaml"  # revision preferred
    assert phys["region"] == {"startLine": 44, "startColumn": 11}
    assert first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "GET /users/{id}"
    assert first["partialFingerprints"] == {"contractdrift/v1": mixed_findings()[0].fingerprint}
    trace = next(r for r in results if "'trace'" in r["message"]["text"])
    assert "physicalLocation" not in trace["locations"][0]  # base pointer only, no position
    assert trace["properties"]["base"]["pointer"] == "/paths/~1orders/post/parameters/0"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == list(mixed_report().warnings)


def test_sarif_base_location_when_no_revision() -> None:
    f = _finding(
        Severity.ERROR,
        operation="DELETE /a",
        side=Side.REQUEST,
        base=SpecLocation(pointer="/paths/~1a/delete", position=SourcePosition("base.yaml", 7, 3)),
    )
    result = json.loads(render(Report.build([f]), "sarif"))["runs"][0]["results"][0]
    phys = result["locations"][0]["physicalLocation"]
    assert phys == {"artifactLocation": {"uri": "base.yaml"}, "region": {"startLine": 7, "startColumn": 3}}


# -- html ------------------------------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_escaped() -> None:
    out = render(mixed_report(), "html", rules=RULES, tool_version=V)
    parser = _Collector()
    parser.feed(out)
    parser.close()
    assert "script" not in parser.tags and "i" not in parser.tags and "link" not in parser.tags
    assert not any(name in {"src", "href"} for name, _ in parser.attrs)
    assert "http://" not in out and "https://" not in out
    text = "".join(parser.text)
    assert f"observed {NASTY}" in text  # round-trips through escaping
    assert '<script>alert(1)</script>' in text  # shown as text in the evidence example
    assert out.startswith("<!DOCTYPE html>") and out.endswith("</html>\n")


def test_positioned_base_wins_over_revision_without_position() -> None:
    f = _finding(
        Severity.ERROR,
        operation="GET /a",
        base=SpecLocation(pointer="/paths/~1a/get", position=SourcePosition("base.yaml", 5, 2)),
        revision=SpecLocation(pointer="/paths/~1a/get"),
    )
    report = Report.build([f])
    result = json.loads(render(report, "sarif"))["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "base.yaml"
    assert render(report, "github").startswith("::error file=base.yaml,line=5,col=2,title=x-rule::")
