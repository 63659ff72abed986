"""Golden files: every format for every sample report. Regenerate with ``UPDATE_GOLDEN=1 pytest``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from report_samples import RULES, SAMPLES

from contractdrift.report import FORMATS, render

GOLDEN = Path(__file__).parent / "golden"
EXTENSIONS = {
    "text": "txt",
    "json": "json",
    "markdown": "md",
    "junit": "xml",
    "sarif": "sarif",
    "github": "github.txt",
    "html": "html",
}
TOOL_VERSION = "0.0.0-test"


def check_golden(name: str, actual: str) -> None:
    """Compare ``actual`` with ``golden/<name>``; with ``UPDATE_GOLDEN=1`` rewrite the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, f"output differs from {path}; run with UPDATE_GOLDEN=1 if intended"


def test_every_format_has_a_golden_extension() -> None:
    assert set(EXTENSIONS) == set(FORMATS)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(fmt: str, sample: str) -> None:
    out = render(SAMPLES[sample](), fmt, rules=RULES, tool_version=TOOL_VERSION)
    check_golden(f"{sample}.{EXTENSIONS[fmt]}", out)


def test_golden_text_color() -> None:
    out = render(SAMPLES["mixed"](), "text", rules=RULES, color=True, tool_version=TOOL_VERSION)
    check_golden("mixed.color.txt", out)


def test_golden_junit_fail_on_warn() -> None:
    """The default threshold is the CLI's (``error``, the plain ``mixed.xml``); ``warn`` fails more cases."""
    from contractdrift.model import Severity

    out = render(SAMPLES["mixed"](), "junit", rules=RULES, tool_version=TOOL_VERSION, fail_on=Severity.WARN)
    check_golden("mixed.fail-on-warn.xml", out)
    assert out.count("<failure") > render(SAMPLES["mixed"](), "junit", rules=RULES,
                                          tool_version=TOOL_VERSION).count("<failure")


def test_golden_without_rules() -> None:
    out = render(SAMPLES["mixed"](), "sarif", tool_version=TOOL_VERSION)
    check_golden("mixed.no-rules.sarif", out)
