"""report stage: render a :class:`~contractdrift.model.Report` in every output format.

Renderers are pure functions of the report (plus options): identical input gives byte-identical
output, with no timestamps other than those the report's ``meta`` carries.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping

from ..errors import UsageError
from ..model import Report, RuleInfo, Severity
from ._common import RenderOptions, default_tool_version
from .github import render_github
from .html import render_html
from .json_format import iter_json, render_json
from .junit import render_junit
from .markdown import render_markdown
from .sarif import render_sarif
from .text import render_text

FORMATS: tuple[str, ...] = ("text", "json", "markdown", "junit", "sarif", "github", "html")

#: The default threshold of ``--fail-on`` (exit code 1) and of :func:`render` (JUnit failures).
DEFAULT_FAIL_ON = Severity.ERROR

_RENDERERS: dict[str, Callable[[Report, RenderOptions], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "junit": render_junit,
    "sarif": render_sarif,
    "github": render_github,
    "html": render_html,
}

# Lone surrogates (from JSON "\ud800" escapes in payloads) cannot be written as UTF-8.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def render(
    report: Report,
    fmt: str,
    *,
    rules: Mapping[str, RuleInfo] | None = None,
    color: bool = False,
    tool_version: str | None = None,
    fail_on: Severity = DEFAULT_FAIL_ON,
) -> str:
    """Render ``report`` in format ``fmt`` (one of :data:`FORMATS`) and return the text.

    ``rules`` (rule id -> :class:`RuleInfo`) supplies SARIF rule descriptions and a message for
    findings whose ``message`` is empty. ``color`` turns on ANSI colour (text only).
    ``tool_version`` defaults to the installed version. ``fail_on`` is the JUnit threshold: findings
    at or above it are ``<failure>``s, the others passed test cases (default ``error``, as the
    CLI's ``--fail-on``).
    Raises :class:`~contractdrift.errors.UsageError` for an unknown format.
    """
    return "".join(iter_render(report, fmt, rules=rules, color=color, tool_version=tool_version, fail_on=fail_on))


def iter_render(
    report: Report,
    fmt: str,
    *,
    rules: Mapping[str, RuleInfo] | None = None,
    color: bool = False,
    tool_version: str | None = None,
    fail_on: Severity = DEFAULT_FAIL_ON,
) -> Iterator[str]:
    """:func:`render` in chunks (the JSON format streams one finding per chunk, so a report of
    100k findings is written without building the whole document in memory)."""
    renderer = _RENDERERS.get(fmt)
    if renderer is None:
        raise UsageError(f"unknown report format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    options = RenderOptions(
        rules=rules or {},
        color=color,
        tool_version=tool_version if tool_version is not None else default_tool_version(),
        fail_on=fail_on,
    )
    chunks = iter_json(report, options) if fmt == "json" else iter((renderer(report, options),))
    for chunk in chunks:
        yield chunk if chunk.isascii() else _LONE_SURROGATE.sub("\ufffd", chunk)


__all__ = ["DEFAULT_FAIL_ON", "FORMATS", "iter_render", "render"]
