"""Every rule's fixture triad under ``tests/data/rules/<rule-id>/``, plus the mirror case.

For each directory: ``diff(base, unchanged)`` and ``diff(base, compatible)`` do not report the rule;
``diff(base, incompatible)`` does, with the registry's severity, base and revision spec locations
that carry line numbers, and every template argument present; ``diff(incompatible, base)`` reports
the mirror rule (``MIRRORS[id]`` or ``case.yaml``'s ``mirror``) unless ``case.yaml`` waives it.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from contractdrift.api import diff_specs
from contractdrift.compare.rules import MIRRORS, REGISTRY
from contractdrift.model import Finding, Report
from contractdrift.spec.load import LoadedSpec, load_spec

RULES_DIR = Path(__file__).resolve().parents[1] / "data" / "rules"
FIXTURES = sorted(d.name for d in RULES_DIR.iterdir() if d.is_dir() and not d.name.startswith(("_", ".")))


@functools.lru_cache(maxsize=None)
def spec(rule_id: str, name: str) -> LoadedSpec:
    return load_spec(RULES_DIR / rule_id / f"{name}.yaml")


@functools.lru_cache(maxsize=None)
def case(rule_id: str) -> Mapping[str, Any]:
    path = RULES_DIR / rule_id / "case.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    assert isinstance(data, dict), f"{path}: expected a mapping"
    unknown = set(data) - {"mirror", "waiver", "options"}
    assert not unknown, f"{path}: unknown keys {sorted(unknown)}"
    return data


@functools.lru_cache(maxsize=None)
def diff(rule_id: str, base: str, revision: str) -> Report:
    return diff_specs(spec(rule_id, base), spec(rule_id, revision), **case(rule_id).get("options", {}))


def hits(report: Report, rule_id: str) -> list[Finding]:
    return [f for f in report.findings if f.rule_id == rule_id]


def describe(report: Report) -> str:
    return "\n".join(f"  {f.rule_id} [{f.severity.label}] {f.message}" for f in report.findings) or "  (nothing)"


def _known(rule_id: str) -> None:
    if rule_id not in REGISTRY:
        pytest.fail(f"tests/data/rules/{rule_id}: no rule with this id in the registry")


@pytest.mark.parametrize("rule_id", FIXTURES)
def test_unchanged_does_not_trigger(rule_id: str) -> None:
    _known(rule_id)
    report = diff(rule_id, "base", "unchanged")
    assert not hits(report, rule_id), f"{rule_id} reported for a cosmetic edit:\n{describe(report)}"


@pytest.mark.parametrize("rule_id", FIXTURES)
def test_compatible_does_not_trigger(rule_id: str) -> None:
    _known(rule_id)
    report = diff(rule_id, "base", "compatible")
    assert not hits(report, rule_id), f"{rule_id} reported for compatible.yaml:\n{describe(report)}"


@pytest.mark.parametrize("rule_id", FIXTURES)
def test_incompatible_triggers(rule_id: str) -> None:
    _known(rule_id)
    report = diff(rule_id, "base", "incompatible")
    found = hits(report, rule_id)
    assert found, f"{rule_id} not reported for incompatible.yaml; got:\n{describe(report)}"
    info = REGISTRY[rule_id]
    fields = {f for _, f, _, _ in string.Formatter().parse(info.template) if f} - {"subject"}
    for f in found:
        assert f.severity == info.severity
        for side, loc in (("base", f.location.base), ("revision", f.location.revision)):
            assert loc is not None, f"{rule_id}: no {side} location"
            assert loc.position is not None and loc.position.line >= 1, f"{rule_id}: {side} location {loc} has no line"
        missing = {name.split(".")[0].split("[")[0].split("!")[0] for name in fields} - set(f.args)
        assert not missing, f"{rule_id}: template needs {sorted(missing)}, finding args are {dict(f.args)}"
        assert "{" not in f.message, f"{rule_id}: unrendered message {f.message!r}"


@pytest.mark.parametrize("rule_id", FIXTURES)
def test_mirror(rule_id: str) -> None:
    _known(rule_id)
    data = case(rule_id)
    expected = data["mirror"] if "mirror" in data else MIRRORS.get(rule_id)
    if data.get("waiver"):
        pytest.skip(f"waived: {data['waiver']}")
    assert expected is not None, (
        f"{rule_id}: no mirror rule in the registry; give case.yaml a `mirror:` or a `waiver:` explaining why")
    assert expected in REGISTRY, f"{rule_id}: mirror {expected!r} is not a rule"
    report = diff(rule_id, "incompatible", "base")
    assert hits(report, expected), (
        f"{rule_id}: swapping base and revision should report {expected}; got:\n{describe(report)}")
