"""Every rule's fixture triad, plus the mirror case: the hand-written directories under
``tests/data/rules/<rule-id>/`` and the composed rules' cases generated in memory (``rule_cases``).

For each case: ``diff(base, unchanged)`` and ``diff(base, compatible)`` do not report the rule;
``diff(base, incompatible)`` does, with the registry's severity, base and revision spec locations
that carry line numbers, and every template argument present; ``diff(incompatible, base)`` reports
the mirror rule (``MIRRORS[id]`` or ``case.yaml``'s ``mirror``) unless ``case.yaml`` waives it.
"""

from __future__ import annotations

import string

import pytest

from contractdrift.api import diff_specs
from contractdrift.compare.rules import MIRRORS, REGISTRY
from contractdrift.model import Finding, Report

from .rule_cases import all_cases, case, spec

FIXTURES = all_cases()


def diff(rule_id: str, base: str, revision: str) -> Report:
    return diff_specs(spec(rule_id, base), spec(rule_id, revision), **case(rule_id).get("options", {}))


def hits(report: Report, rule_id: str) -> list[Finding]:
    return [f for f in report.findings if f.rule_id == rule_id]


def describe(report: Report) -> str:
    return "\n".join(f"  {f.rule_id} [{f.severity.label}] {f.message}" for f in report.findings) or "  (nothing)"


def check_unchanged(rule_id: str) -> list[str]:
    report = diff(rule_id, "base", "unchanged")
    return [f"reported for unchanged.yaml (a cosmetic edit):\n{describe(report)}"] if hits(report, rule_id) else []


def check_compatible(rule_id: str) -> list[str]:
    report = diff(rule_id, "base", "compatible")
    return [f"reported for compatible.yaml:\n{describe(report)}"] if hits(report, rule_id) else []


def check_incompatible(rule_id: str) -> list[str]:
    report = diff(rule_id, "base", "incompatible")
    found = hits(report, rule_id)
    if not found:
        return [f"not reported for incompatible.yaml; got:\n{describe(report)}"]
    info = REGISTRY[rule_id]
    fields = {name for _, name, _, _ in string.Formatter().parse(info.template) if name} - {"subject"}
    out = []
    for f in found:
        if f.severity != info.severity:
            out.append(f"severity {f.severity.label}, registry says {info.severity.label}")
        for side, loc in (("base", f.location.base), ("revision", f.location.revision)):
            if loc is None or loc.position is None or loc.position.line < 1:
                out.append(f"{side} location {loc} has no line number")
        missing = fields - set(f.args)
        if missing:
            out.append(f"template needs {sorted(missing)}, finding args are {dict(f.args)}")
        if "{" in f.message:
            out.append(f"unrendered message {f.message!r}")
    return out


def check_mirror(rule_id: str) -> list[str]:
    data = case(rule_id)
    if data.get("waiver"):
        return []
    expected = data["mirror"] if "mirror" in data else MIRRORS.get(rule_id)
    if expected is None:
        return ["no mirror rule in the registry: give case.yaml a `mirror:` or a `waiver:` explaining why"]
    if expected not in REGISTRY:
        return [f"mirror {expected!r} is not a rule"]
    report = diff(rule_id, "incompatible", "base")
    if not hits(report, expected):
        return [f"swapping base and revision should report {expected}; got:\n{describe(report)}"]
    return []


@pytest.mark.parametrize("rule_id", FIXTURES)
def test_rule_fixture(rule_id: str) -> None:
    if rule_id not in REGISTRY:
        pytest.fail(f"fixture case {rule_id}: no rule with this id in the registry")
    problems = [f"{check.__name__[6:]}: {p}" for check in (check_unchanged, check_compatible, check_incompatible,
                                                           check_mirror) for p in check(rule_id)]
    assert not problems, f"{rule_id}\n" + "\n".join(problems)
