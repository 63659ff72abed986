"""Helpers shared by the renderers: ordering, labels, pointers, evidence and JSON-safe values.

Everything here is pure and deterministic: same report in, same strings out.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..model import (
    Evidence,
    Finding,
    JSONValue,
    Location,
    Report,
    RuleInfo,
    Severity,
    Side,
    SpecLocation,
    from_rfc6901,
    to_human,
)

TOOL_NAME = "contractdrift"
SHORT_FINGERPRINT = 8
NO_OPERATION = "(global)"
#: the heading of grouped findings whose change reaches more than one operation
SEVERAL_OPERATIONS = "(changes reaching several operations)"
#: how many places of a grouped finding human-readable formats list before "and N more"
SHOWN_PLACES = 3
NO_FINDINGS = "No drift found."

# C0/C1 control characters except tab and newline: never let them reach a terminal or a log.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def ordered(report: Report) -> tuple[Finding, ...]:
    """The report's findings in the canonical order (a no-op for reports made by ``Report.build``)."""
    return tuple(sorted(report.findings, key=lambda f: f.sort_key()))


def group_by_operation(findings: Iterable[Finding]) -> list[tuple[str | None, list[Finding]]]:
    """Group findings by operation, groups in order of first appearance (worst severity first)."""
    groups: dict[str | None, list[Finding]] = {}
    for f in findings:
        op = f.location.operation
        if op is None and len({p.operation for p in f.reaches}) > 1:
            op = SEVERAL_OPERATIONS
        groups.setdefault(op, []).append(f)
    return list(groups.items())


def place_text(place: Location) -> str:
    """``"GET /orders response 200 application/json $.data[*].note"``: one place a change reaches."""
    parts = [place.operation or NO_OPERATION, *context_parts(place)]
    path = human_pointer(place.payload_pointer)
    if path is not None:
        parts.append(path)
    return " ".join(parts)


def reaches_text(finding: Finding, *, limit: int = SHOWN_PLACES) -> str | None:
    """The places a grouped finding reaches, the first ``limit`` and "and N more"; None when it
    reaches one place or is not grouped."""
    places = finding.reaches
    if len(places) <= 1:
        return None
    shown = "; ".join(place_text(p) for p in places[:limit])
    rest = len(places) - limit
    return f"{len(places)} places: {shown}" + (f"; and {rest} more" if rest > 0 else "")


def group_by_severity(findings: Iterable[Finding]) -> list[tuple[Severity, list[Finding]]]:
    """Group findings by severity, worst first; severities without findings are left out."""
    groups: dict[Severity, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.severity, []).append(f)
    return [(s, groups[s]) for s in sorted(groups, reverse=True)]


def plural(n: int, singular: str, many: str) -> str:
    return f"{n} {singular if n == 1 else many}"


_NOUNS: dict[Severity, tuple[str, str]] = {
    Severity.ERROR: ("error", "errors"),
    Severity.WARN: ("warning", "warnings"),
    Severity.INFO: ("info", "info"),
}


def severity_noun(severity: Severity, n: int) -> str:
    """``severity_noun(Severity.WARN, 2)`` -> ``"2 warnings"``."""
    singular, many = _NOUNS[severity]
    return plural(n, singular, many)


def summary_line(report: Report) -> str:
    """``"3 errors, 1 warning, 0 info"``."""
    counts = report.counts()
    return ", ".join(severity_noun(s, counts[s.label]) for s in sorted(Severity, reverse=True))


def sanitize(text: str) -> str:
    """Replace control characters (except tab and newline) with visible ``\\xNN`` escapes."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def one_line(text: str) -> str:
    """Sanitized text on a single line (newlines and tabs shown as ``\\n`` and ``\\t``)."""
    return sanitize(text).replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def message_of(finding: Finding, rules: Mapping[str, RuleInfo] | None = None) -> str:
    """The finding's rendered message; when the engine left it empty, render the rule's template."""
    if finding.message:
        return finding.message
    info = rules.get(finding.rule_id) if rules else None
    if info is not None:
        values: dict[str, object] = {"operation": finding.location.operation, **dict(finding.args)}
        try:
            return info.template.format(**values)
        except (KeyError, IndexError, ValueError, AttributeError):
            return info.summary
    return finding.rule_id


@functools.lru_cache(maxsize=1 << 16)
def human_pointer(pointer: str | None) -> str | None:
    """RFC 6901 payload pointer -> ``$.items[0].email``; an invalid pointer is shown as given."""
    if pointer is None:
        return None
    try:
        return to_human(from_rfc6901(pointer))
    except ValueError:
        return pointer


def short_fingerprint(finding: Finding) -> str:
    return finding.fingerprint[:SHORT_FINGERPRINT]


def context_parts(location: Location) -> list[str]:
    """``["response", "200", "application/json"]``: side, status and media type where present."""
    parts: list[str] = []
    if location.side is not Side.NONE:
        parts.append(location.side.value)
    if location.status:
        parts.append(location.status)
    if location.media_type:
        parts.append(location.media_type)
    return parts


def primary_spec_location(location: Location) -> SpecLocation | None:
    """Where to point a reader: the revision location, else the base one, preferring one with a position."""
    candidates = [loc for loc in (location.revision, location.base) if loc is not None]
    positioned = [loc for loc in candidates if loc.position is not None]
    chosen = positioned or candidates
    return chosen[0] if chosen else None


def evidence_text(evidence: Evidence, *, example_limit: int = 200) -> str:
    """``"seen in 12/400 exchanges, first seen 2024-05-01, example: {...}"`` (a traffic-weighted diff's
    evidence says what it measured: ``"present in 1,874 of 2,000 recorded responses of GET /orders"``)."""
    traffic = evidence.details.get("traffic") if evidence.details else None
    if isinstance(traffic, str):
        return traffic
    parts = [f"seen in {evidence.observed}/{plural(evidence.total, 'exchange', 'exchanges')}"]
    if evidence.first_seen:
        parts.append(f"first seen {evidence.first_seen}")
    if evidence.last_seen and evidence.last_seen != evidence.first_seen:
        parts.append(f"last seen {evidence.last_seen}")
    if evidence.example is not None:
        parts.append(f"example: {example_text(evidence.example, limit=example_limit)}")
    if evidence.expected is not None:
        parts.append(f"spec expects: {example_text(evidence.expected, limit=example_limit)}")
    agents = evidence.details.get("user_agents") if evidence.details else None
    if isinstance(agents, Mapping) and agents:
        parts.append("by " + ", ".join(f"{name} ({n})" for name, n in agents.items()))
    return ", ".join(parts)


def coverage_lines(coverage: Mapping[str, JSONValue] | None) -> list[str]:
    """The coverage of a ``check`` report as readable lines (empty without coverage)."""
    if not coverage:
        return []
    summary = coverage.get("summary")
    lines = []
    if isinstance(summary, Mapping):
        parts = []
        for key, label in (("operations", "operations"), ("statuses", "response statuses"),
                           ("media_types", "media types")):
            row = summary.get(key)
            if isinstance(row, Mapping):
                parts.append(f"{row.get('exercised')}/{row.get('documented')} {label}")
        lines.append(f"Coverage: {', '.join(parts)} exercised by {coverage.get('exchanges')} exchanges")
    operations = coverage.get("operations")
    for op in operations if isinstance(operations, list) else ():
        if not isinstance(op, Mapping):
            continue
        statuses = op.get("statuses") if isinstance(op.get("statuses"), list) else []
        seen: list[str] = []
        unseen: list[str] = []
        for st in statuses:  # type: ignore[union-attr]
            if isinstance(st, Mapping):
                (seen if st.get("exchanges") else unseen).append(
                    f"{st.get('status')} ({st.get('exchanges')})" if st.get("exchanges") else str(st.get("status")))
        if not op.get("exchanges"):
            lines.append(f"  {op.get('operation')}: not exercised")
            lines += _head_lines(op.get("head"))
            continue
        text = f"  {op.get('operation')}: {op.get('exchanges')} exchanges"
        if seen:
            text += "; " + ", ".join(seen)
        if unseen:
            text += "; not exercised: " + ", ".join(unseen)
        extra = op.get("undocumented_statuses")
        if isinstance(extra, list) and extra:
            text += "; undocumented: " + ", ".join(
                f"{st.get('status')} ({st.get('exchanges')})" for st in extra if isinstance(st, Mapping))
        lines.append(text)
        lines += _head_lines(op.get("head"))
    options = coverage.get("options")
    for row in options if isinstance(options, list) else ():
        if isinstance(row, Mapping):
            statuses = row.get("statuses")
            counted = ", ".join(f"{st.get('status')} ({st.get('exchanges')})" for st in
                                (statuses if isinstance(statuses, list) else ()) if isinstance(st, Mapping))
            lines.append(f"  {row.get('operation')} (no options operation documented): {row.get('exchanges')} "
                         f"exchanges, {row.get('preflights')} CORS preflight(s)" + (f"; {counted}" if counted else ""))
    return lines + three_way_lines(coverage)


def _head_lines(head: JSONValue) -> list[str]:
    """HEAD exchanges checked as a GET operation (a coverage row's ``head``)."""
    if not isinstance(head, Mapping):
        return []
    parts = []
    for key in ("statuses", "undocumented_statuses"):
        rows = head.get(key)
        shown = ", ".join(f"{st.get('status')} ({st.get('exchanges')})" for st in (rows if isinstance(rows, list) else ())
                          if isinstance(st, Mapping) and st.get("exchanges"))
        if shown:
            parts.append(shown if key == "statuses" else f"undocumented: {shown}")
    return [f"    {head.get('operation')} (checked as {head.get('via')}): {head.get('exchanges')} exchanges"
            + "".join(f"; {p}" for p in parts)]


def describe_text(d: Mapping[str, JSONValue] | None) -> str:
    """``string (date-time), required``; ``not described``."""
    if d is None:
        return "not described"
    t = d.get("type")
    text = " or ".join(str(x) for x in t) if isinstance(t, list) else str(t)
    extra = [str(d["format"])] if d.get("format") else []
    if d.get("pattern"):
        extra.append(f"pattern {d['pattern']}")
    enum = d.get("enum")
    if isinstance(enum, list):
        extra.append("one of " + ", ".join(str(v) for v in enum[:8]))
    if extra:
        text += f" ({'; '.join(extra)})"
    return text + (", required" if d.get("required") else ", optional")


def three_way_lines(coverage: Mapping[str, JSONValue]) -> list[str]:
    """Comparison 3 of issue 9 (``check TRAFFIC --spec --expect``): per disagreeing response field,
    response header, JSON request body field or request parameter, what the spec says, what each
    client expects and what the service (the clients) sent; then the fields safe to change."""
    lines: list[str] = []
    rows = coverage.get("three_way")
    if isinstance(rows, list) and rows:
        lines.append("Three-way view (spec / clients / traffic), per disagreeing field:")
    for row in rows if isinstance(rows, list) else ():
        if not isinstance(row, Mapping):
            continue
        spec = row.get("spec")
        parts = [f"spec says {describe_text(spec if isinstance(spec, Mapping) else None)}"]
        clients = row.get("clients")
        for c in clients if isinstance(clients, list) else ():
            if isinstance(c, Mapping):
                expects = c.get("expects")
                parts.append(f"{c.get('consumer')} ({c.get('interaction')}) expects "
                             f"{describe_text(expects) if isinstance(expects, Mapping) else 'nothing there'}")
        request = row.get("side") == "request"
        traffic = row.get("traffic")
        param = row.get("in")
        if isinstance(traffic, Mapping) and param is not None:
            noun = "requests" if request else "responses"
            total, carried = traffic.get(noun), traffic.get("carried")
            who = "the clients" if request else "the service"
            if not total:
                parts.append(f"no recorded {noun[:-1]}")
            else:
                parts.append(f"{who} sent it in {carried or 'none'} of {total} {noun}")
            place = f"{row.get('status')} header" if not request else str(param)
            lines.append(f"  {row.get('operation')} {place} {row.get('name')!r}: " + "; ".join(parts))
            continue
        if isinstance(traffic, Mapping):
            noun = "requests" if request else "responses"
            total = traffic.get(noun)
            sent = traffic.get("sent")
            kinds = [f"{k} in {n}" for k, n in sent.items()] if isinstance(sent, Mapping) else []
            if traffic.get("absent"):
                kinds.append(f"absent in {traffic.get('absent')}")
            who = "the clients" if request else "the service"
            if not total:
                parts.append(f"no recorded {noun[:-1]} body" if request else "no recorded response")
            elif not sent:
                parts.append(f"{who} sent it in none of {total} {noun}")
            else:
                parts.append(f"{who} sent {', '.join(kinds)} of {total} {noun}")
        where = "request body" if request else row.get("status")
        lines.append(f"  {row.get('operation')} {where} {row.get('pointer')}: " + "; ".join(parts))
    safe = coverage.get("safe_to_change")
    if isinstance(safe, list) and safe:
        lines.append("Safe to change (no client relies on them, no recorded exchange carries them):")
        lines += [_safe_line(f) for f in safe if isinstance(f, Mapping)]
    return lines


def _safe_line(row: Mapping[str, JSONValue]) -> str:
    """``GET /a 200 /legacy``, ``POST /a request body /note``, ``GET /a query 'expand'``."""
    if row.get("in") is not None:
        return f"  {row.get('operation')} {row.get('in')} {row.get('name')!r}"
    if row.get("side") == "request":
        return f"  {row.get('operation')} request body {row.get('pointer')}"
    return f"  {row.get('operation')} {row.get('status')} {row.get('pointer')}"


def example_text(value: JSONValue, *, limit: int = 200) -> str:
    """Compact JSON for an example, cut at ``limit`` characters."""
    text = dumps_compact(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def exchange_ids_of(finding: Finding) -> tuple[str, ...]:
    if finding.evidence is not None and finding.evidence.exchange_ids:
        return finding.evidence.exchange_ids
    return finding.location.exchange_ids


def ids_text(ids: tuple[str, ...], *, limit: int = 3) -> str:
    shown = ", ".join(ids[:limit])
    rest = len(ids) - limit
    return f"{shown} (+{rest} more)" if rest > 0 else shown


def jsonable(value: object) -> JSONValue:
    """A JSON-safe copy of ``value``: keys sorted, tuples as lists, NaN/inf and unknown objects as text."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value  # type: ignore[return-value]
    if kind is dict:
        assert isinstance(value, dict)
        return {str(k): jsonable(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return str(value)


def dumps_compact(value: object) -> str:
    return json.dumps(jsonable(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps_document(value: object, *, one_per_line: tuple[str, ...] = ()) -> str:
    """A JSON document with two-space indent and a final newline (input order of keys kept).

    Lists under the keys in ``one_per_line`` (``findings``, SARIF ``results``) are written one
    compact element per line: grep- and diff-friendly, and encoded by the C encoder, which keeps a
    report of thousands of findings fast (``indent`` forces json's pure-Python encoder).
    """
    if not one_per_line:
        return json.dumps(value, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    return _dumps_indented(value, 0, one_per_line) + "\n"


def _dumps_indented(value: object, depth: int, one_per_line: tuple[str, ...]) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict) and value:
        parts = []
        for key, item in value.items():
            name = json.dumps(key, ensure_ascii=False)
            if key in one_per_line and isinstance(item, list) and item:
                rows = ",\n".join(inner + "  " + json.dumps(x, ensure_ascii=False, allow_nan=False,
                                                              separators=(", ", ": ")) for x in item)
                parts.append(f"{inner}{name}: [\n{rows}\n{inner}]")
            else:
                parts.append(f"{inner}{name}: {_dumps_indented(item, depth + 1, one_per_line)}")
        return "{\n" + ",\n".join(parts) + "\n" + pad + "}"
    if isinstance(value, list) and value:
        rows = ",\n".join(inner + _dumps_indented(x, depth + 1, one_per_line) for x in value)
        return "[\n" + rows + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def default_tool_version() -> str:
    """The installed contractdrift version (``"0+unknown"`` when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(TOOL_NAME)
    except PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderOptions:
    """Options every renderer receives; each uses what applies to its format."""

    rules: Mapping[str, RuleInfo]
    color: bool
    tool_version: str
    fail_on: Severity


def spec_label(finding: Finding) -> str:
    """``"spec"`` for a traffic finding (it points into the one spec checked), else ``"revision"``."""
    return "spec" if finding.evidence is not None and finding.location.base is None else "revision"


def detail_pairs(finding: Finding, fingerprint: str) -> list[tuple[str, str]]:
    """The labelled details every human-readable format shows under a finding's message."""
    loc = finding.location
    details: list[tuple[str, str]] = []
    path = human_pointer(loc.payload_pointer)
    if path is not None:
        details.append(("at", path))
    if loc.base is not None:
        details.append(("base", str(loc.base)))
    if loc.revision is not None:
        details.append((spec_label(finding), str(loc.revision)))
    reach = reaches_text(finding)
    if reach is not None:
        details.append(("reaches", reach))
    if finding.evidence is not None:
        details.append(("evidence", evidence_text(finding.evidence)))
    ids = exchange_ids_of(finding)
    if ids:
        details.append(("exchanges", ids_text(ids)))
    details.append(("fingerprint", fingerprint))
    return details


def finding_line(finding: Finding, rules: Mapping[str, RuleInfo] | None = None) -> str:
    """One finding on one line, pinpointed (for assertion messages and logs): severity, rule,
    operation and context, payload path, message, what was sent, what the spec expects, spec place."""
    loc = finding.location
    head = " ".join([finding.severity.label, finding.rule_id, loc.operation or NO_OPERATION, *context_parts(loc)])
    parts = [head]
    path = human_pointer(loc.payload_pointer)
    if path is not None:
        parts.append(f"at {path}")
    text = f"{' '.join(parts)}: {message_of(finding, rules)}"
    ev = finding.evidence
    if ev is not None:
        if ev.example is not None:
            text += f"; sent {example_text(ev.example, limit=120)}"
        if ev.expected is not None:
            text += f"; spec expects {example_text(ev.expected, limit=120)}"
    spec = primary_spec_location(loc)
    if spec is not None:
        text += f" [{spec.position or '#' + spec.pointer}]"
    return one_line(text)
