"""Every rule's fixture triad, plus the mirror case: the hand-written directories under
``tests/data/rules/<rule-id>/`` and the composed rules' cases generated in memory (``rule_cases``).

For each case: ``diff(base, unchanged)`` and ``diff(base, compatible)`` do not report the rule;
``diff(base, incompatible)`` does, with the registry's severity, base and revision spec locations
that carry line numbers, and every template argument present; ``diff(incompatible, base)`` reports
the mirror rule (``MIRRORS[id]`` or ``case.yaml``'s ``mirror``) unless ``case.yaml`` waives it.
"""

from __future__ import annotations

import csv
import functools
import string
from pathlib import Path

import pytest

from contractdrift.api import diff_specs
from contractdrift.compare.rules import CONCEPT_OF, CONCEPTS, MIRRORS, REGISTRY
from contractdrift.model import Finding, Report, Severity, Side

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


# -- the severity oracle: independent of the registry ---------------------------------------------------------
# 1. where the id is shared with oasdiff, oasdiff's `default_level` (../shared/reference/oasdiff-rule-ids.tsv),
#    except the documented deliberate deviations below;
# 2. otherwise the direction table: a concept's effect on what the schema accepts, written here by hand
#    from the "producer ⊆ consumer" principle (ARCHITECTURE.md). For requests the client (base) produces
#    and the server (revision) consumes, so a *narrowing* breaks requests; for responses a *widening*
#    breaks. The same concept has the same levels at every scope, unless a scope override says why not.
OASDIFF_TSV = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "oasdiff-rule-ids.tsv"
_LEVEL = {"ERR": Severity.ERROR, "WARN": Severity.WARN, "INFO": Severity.INFO}
E, W, I = Severity.ERROR, Severity.WARN, Severity.INFO  # noqa: E741

#: effect -> (request level, response level)
EFFECTS: dict[str, tuple[Severity, Severity]] = {
    "narrow": (E, I),        # accepts fewer values: old clients' requests fail; responses stay acceptable
    "widen": (I, E),         # accepts more values: responses may carry what old clients reject
    "change": (E, E),        # neither contains the other
    "neutral": (I, I),       # annotations, or changes tolerated by design (extensible enums, anyOf growth)
    "narrow-unknown": (W, I),  # a restriction set where there was none: how much it narrows is unknown
    "narrow-soft": (W, I),   # narrows, but commonly not enforced (formats, closing additionalProperties)
    "widen-soft": (I, W),    # widens, but clients commonly tolerate it (formats, enums, extra properties)
    "change-soft": (W, W),   # format changed
    "pattern-change": (W, I),  # patterns: enforced on requests, documentation on responses (oasdiff)
    "policy": (E, E),        # lifecycle policy violations (sunset missing/invalid/too soon, stability down)
}
_BOUND_EFFECTS = {f"{stem}-{d}": ("narrow" if (d == "decreased") == stem.startswith(("max", "exclusive-max"))
                                  else "widen")
                  for stem in ("max-length", "min-length", "max", "min", "exclusive-max", "exclusive-min",
                               "max-items", "min-items", "max-properties", "min-properties", "max-contains",
                               "min-contains") for d in ("decreased", "increased")}
_BOUND_EFFECTS.update({f"{stem}-{a}": e for stem in ("max-length", "min-length", "max", "min", "exclusive-max",
                                                      "exclusive-min", "max-items", "min-items", "max-properties",
                                                      "min-properties", "max-contains", "min-contains",
                                                      "multiple-of")
                       for a, e in (("set", "narrow-unknown"), ("unset", "widen"))})
DIRECTIONS: dict[str, str] = {
    **_BOUND_EFFECTS,
    "type-changed": "change", "type-generalized": "widen", "type-specialized": "narrow",
    "list-of-types-widened": "widen", "list-of-types-narrowed": "narrow",
    "format-changed": "change-soft", "format-added": "narrow-soft", "format-removed": "widen-soft",
    "became-nullable": "widen", "became-not-nullable": "narrow",
    "became-enum": "narrow", "became-not-enum": "widen-soft",
    "enum-value-added": "widen-soft", "enum-value-removed": "narrow",
    "x-extensible-enum-value-removed": "narrow", "x-extensible-enum-value-added": "neutral",
    "const-added": "narrow", "const-removed": "widen", "const-changed": "change",
    "default-value-added": "neutral", "default-value-removed": "neutral", "default-value-changed": "neutral",
    "multiple-of-widened": "widen", "multiple-of-narrowed": "narrow", "multiple-of-changed": "change",
    "pattern-added": "narrow", "pattern-removed": "neutral", "pattern-changed": "pattern-change",
    "pattern-generalized": "neutral",  # to a pattern matching every string: accepts more (oasdiff: INFO)
    "unique-items-added": "narrow", "unique-items-removed": "widen-soft",
    "additional-properties-closed": "narrow-soft", "additional-properties-opened": "widen-soft",
    "pattern-property-added": "narrow", "pattern-property-removed": "widen",
    "property-names-added": "narrow", "property-names-removed": "widen",
    "unevaluated-properties-added": "narrow", "unevaluated-properties-removed": "widen",
    "unevaluated-items-added": "narrow", "unevaluated-items-removed": "widen",
    "dependent-required-added": "narrow", "dependent-required-removed": "widen",
    "dependent-required-changed": "change",
    "dependent-schema-added": "narrow", "dependent-schema-removed": "widen",
    "discriminator-added": "neutral", "discriminator-removed": "neutral",
    "discriminator-property-name-changed": "neutral", "discriminator-mapping-added": "neutral",
    "discriminator-mapping-deleted": "neutral", "discriminator-mapping-changed": "neutral",
    # oasdiff's levels (it files prefixItems as added structure). By JSON Schema semantics, adding them
    # to an array that had none narrows what positions accept; kept as oasdiff has it so that existing
    # oasdiff severity overrides carry over. Open question, noted in issue 7's report.
    "prefix-items-added": "widen", "prefix-items-removed": "narrow",
    "contains-added": "narrow", "contains-removed": "widen",
    "one-of-added": "widen", "one-of-removed": "narrow",
    "any-of-added": "neutral", "any-of-removed": "narrow",
    "all-of-added": "neutral", "all-of-removed": "neutral",  # merged: the semantic change has its own rule
    "wrapped-in-one-of": "change", "unwrapped-from-one-of": "change",
    "not-added": "narrow", "not-removed": "widen-soft",
    "if-added": "narrow", "if-removed": "widen", "then-added": "narrow", "then-removed": "widen",
    "else-added": "narrow", "else-removed": "widen",
    "content-encoding-changed": "change", "content-media-type-changed": "change",
    "content-schema-added": "narrow", "content-schema-removed": "widen",
    "deprecated": "neutral", "deprecated-with-sunset": "neutral", "reactivated": "neutral",
    "deprecated-sunset-missing": "policy", "deprecated-sunset-invalid": "policy", "sunset-date-too-small": "policy",
    "stability-decreased": "policy", "stability-increased": "neutral",
}
#: composed ids whose scope changes the meaning: id -> (level, why)
SCOPE_OVERRIDES: dict[str, tuple[Severity, str]] = {
    **{f"request-parameter-default-value-{a}": (E, "a parameter's default is what the server assumes when the "
                                                   "client omits it: changing it changes the request's meaning")
       for a in ("added", "removed", "changed")},
}
#: fixed rules that oasdiff does not have: id -> level (each reasoned in its template)
FIXED_LEVELS: dict[str, Severity] = {
    "api-server-added": I, "api-server-removed": W, "callback-added": I, "callback-removed": E,
    "request-header-property-became-not-enum": I, "request-header-property-became-optional": I,
    "request-header-property-removed": W, "request-parameter-explode-changed": E,
    "request-parameter-style-changed": E, "response-header-became-required": I,
}
#: shared ids where contractdrift deliberately differs from oasdiff: id -> (level, why)
OASDIFF_DEVIATIONS: dict[str, tuple[Severity, str]] = {
    **{f"request-{scope}-all-of-{a}": (I, "allOf is merged; the semantic change is reported under its own rule "
                                          "(ARCHITECTURE.md, decisions)")
       for scope in ("body", "property") for a in ("added", "removed")},
    "request-parameter-property-type-changed": (E, "a type change breaks requests at every other scope, oasdiff's "
                                                   "request-parameter-type-changed included"),
}


@functools.cache
def _oasdiff_levels() -> dict[str, Severity]:
    if not OASDIFF_TSV.exists():
        return {}
    with OASDIFF_TSV.open(encoding="utf-8", newline="") as fh:
        return {row["id"]: _LEVEL[row["default_level"]] for row in csv.DictReader(fh, delimiter="\t")}


def expected_severity(rule_id: str) -> Severity | None:
    """The oracle's level for ``rule_id`` (None: the oracle has no say, e.g. the reference is absent)."""
    if rule_id in OASDIFF_DEVIATIONS:
        return OASDIFF_DEVIATIONS[rule_id][0]
    shared = _oasdiff_levels().get(rule_id)
    if shared is not None:
        return shared
    if rule_id in SCOPE_OVERRIDES:
        return SCOPE_OVERRIDES[rule_id][0]
    if rule_id in CONCEPT_OF:
        effect = EFFECTS[DIRECTIONS[CONCEPT_OF[rule_id][1]]]
        return effect[0] if REGISTRY[rule_id].side is Side.REQUEST else effect[1]
    return FIXED_LEVELS.get(rule_id)


def test_the_direction_table_agrees_with_oasdiff_where_ids_are_shared() -> None:
    """The hand-written table is itself checked against the independent reference where it can be."""
    levels = _oasdiff_levels()
    if not levels:
        pytest.skip(f"{OASDIFF_TSV} not present")
    assert set(DIRECTIONS) == {c.name for c in CONCEPTS}, "every concept needs a row in the direction table"
    disagree = []
    for rid, (_, concept) in CONCEPT_OF.items():
        if rid in levels and rid not in OASDIFF_DEVIATIONS and rid not in SCOPE_OVERRIDES:
            req, resp = EFFECTS[DIRECTIONS[concept]]
            mine = req if REGISTRY[rid].side is Side.REQUEST else resp
            if mine != levels[rid]:
                disagree.append(f"{rid}: table {mine.label}, oasdiff {levels[rid].label}")
    assert not disagree, "\n".join(disagree)
    stale = [rid for rid in OASDIFF_DEVIATIONS if rid not in levels or levels[rid] == OASDIFF_DEVIATIONS[rid][0]]
    assert not stale, f"deviations that are not (or no longer) deviations: {stale}"


def test_every_rule_has_an_oracle_level() -> None:
    if not _oasdiff_levels():
        pytest.skip(f"{OASDIFF_TSV} not present")
    assert [rid for rid in REGISTRY if REGISTRY[rid].family == "diff" and expected_severity(rid) is None] == []


def check_incompatible(rule_id: str) -> list[str]:
    report = diff(rule_id, "base", "incompatible")
    found = hits(report, rule_id)
    if not found:
        return [f"not reported for incompatible.yaml; got:\n{describe(report)}"]
    info = REGISTRY[rule_id]
    fields = {name for _, name, _, _ in string.Formatter().parse(info.template) if name} - {"subject"}
    out = []
    for f in found:
        expected = expected_severity(rule_id)
        if expected is not None and f.severity != expected:
            out.append(f"severity {f.severity.label}, the oracle (oasdiff level or direction table) says "
                       f"{expected.label}")
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
