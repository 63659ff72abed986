"""The rule registry audited as data: ids, templates, docs, fixtures, symmetry, oasdiff vocabulary."""

from __future__ import annotations

import csv
import re
import string
from pathlib import Path

import pytest

from contractdrift.compare import rules as R
from contractdrift.model import Side

from . import rule_cases

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "rules.md"
OASDIFF_TSV = Path(__file__).parents[2].parent / "shared" / "reference" / "oasdiff-rule-ids.tsv"

#: Composed concepts deliberately present on one side only: concept -> why.
WAIVERS: dict[str, str] = {}

#: ERR/WARN ids of oasdiff that contractdrift does not have: id -> why (or where the concept lives instead).
OASDIFF_NOT_COVERED: dict[str, str] = {
    # every ERR/WARN concept of oasdiff's vocabulary is covered under the same id; keep this empty
    # unless a written reason says why one cannot be
}


def _fields(template: str) -> set[str]:
    out = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name:
            out.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return out - {"subject"}


def test_ids_unique_and_kebab_case() -> None:
    fixed_ids = [f.id for f in R.FIXED]
    assert len(fixed_ids) == len(set(fixed_ids)), "duplicate fixed rule ids"
    assert not set(fixed_ids) & set(R.CONCEPT_OF), "a fixed rule id collides with a composed one"
    assert len(R.rules_of("diff")) == len(fixed_ids) + len(R.CONCEPT_OF)  # other families: their own audits
    pattern = re.compile(R.ID_PATTERN)
    bad = [rid for rid in R.REGISTRY if not pattern.match(rid)]
    assert not bad, f"ids not kebab-case: {bad}"


def _problems(rule_id: str) -> list[str]:
    info = R.REGISTRY[rule_id]
    out = []
    if info.id != rule_id:
        out.append(f"registered under another id {info.id!r}")
    if not info.summary.strip():
        out.append("empty summary")
    if not (info.kind and info.action):
        out.append("kind and action are part of the taxonomy")
    args = {name: f"<{name}>" for name in _fields(info.template)}
    text = R.render_message(rule_id, args, subject="request body")
    if "{" in text or "}" in text:
        out.append(f"template leaves braces: {text!r}")
    out += [f"{name} not rendered in {text!r}" for name in args if f"<{name}>" not in text]
    if rule_id in R.CONCEPT_OF:
        scope, concept = R.CONCEPT_OF[rule_id]
        if rule_id != R.compose(info.side, scope, concept) or info.side not in (Side.REQUEST, Side.RESPONSE):
            out.append(f"composed id does not match its side {info.side} / scope {scope} / concept {concept}")
    return out


def test_templates_summaries_and_metadata() -> None:
    problems = {rid: p for rid in sorted(R.REGISTRY) if (p := _problems(rid))}
    assert not problems, problems


def test_every_rule_has_a_fixture_case() -> None:
    missing = rule_cases.missing_cases(R.rules_of("diff"), rule_cases.complete_cases())  # spec-pair fixtures are diff's
    why = rule_cases.uncovered()
    assert not missing, "rules without a fixture case (a hand-written tests/data/rules/<id>/ with " + \
        ", ".join(rule_cases.FIXTURE_FILES) + ", or a generated one):\n" + \
        "\n".join(f"  {rid}: {why.get(rid, 'no directory and not a composed rule')}" for rid in missing)


def test_the_fixture_audit_can_fail() -> None:
    registry = {**R.rules_of("diff"), "request-body-made-up-concept": R.REGISTRY["request-body-type-changed"]}
    assert rule_cases.missing_cases(registry, rule_cases.complete_cases()) == ["request-body-made-up-concept"]
    some = sorted(rule_cases.generated())[0]
    assert rule_cases.missing_cases(R.rules_of("diff"), rule_cases.complete_cases() - {some}) == [some]


def test_no_fixture_without_rule() -> None:
    orphans = sorted(rid for rid in rule_cases.all_cases() if rid not in R.REGISTRY)
    assert not orphans, f"fixture cases for unknown rules: {orphans}"


@pytest.mark.skipif(not DOCS.exists(), reason="docs/rules.md not generated yet")
def test_docs_entry() -> None:
    anchors = set(re.findall(r'id="([^"]+)"', DOCS.read_text(encoding="utf-8")))
    missing = [rid for rid in R.REGISTRY if rid not in anchors]
    assert not missing, f"docs/rules.md has no entry for {missing[:10]} ({len(missing)} in all)"


def test_severity_overrides_name_composed_rules() -> None:
    dead = sorted(rid for rid in R._COMPOSED_OVERRIDES if rid not in R.CONCEPT_OF)
    assert not dead, f"severity overrides for ids that are not composed: {dead}"


def test_mirrors_are_rules_on_the_same_side() -> None:
    for rid, mirror in R.MIRRORS.items():
        assert mirror in R.REGISTRY, f"{rid}: mirror {mirror!r} is not a rule"
        side, mside = R.REGISTRY[rid].side, R.REGISTRY[mirror].side
        assert side == mside or Side.NONE in (side, mside), f"{rid} ({side}) mirrors {mirror} ({mside})"


def test_composed_concepts_exist_on_both_sides() -> None:
    sides: dict[str, set[Side]] = {}
    for rid, (_, concept) in R.CONCEPT_OF.items():
        sides.setdefault(concept, set()).add(R.REGISTRY[rid].side)
    one_sided = {c for c, s in sides.items() if s != {Side.REQUEST, Side.RESPONSE}}
    assert one_sided <= WAIVERS.keys(), f"concepts on one side only, without a waiver: {sorted(one_sided - WAIVERS.keys())}"
    stale = WAIVERS.keys() - one_sided
    assert not stale, f"waivers no longer needed: {sorted(stale)}"
    # body and property scopes exist on both sides for every concept (headers answer, parameters ask)
    for c in R.CONCEPTS:
        for scope in ("body", "property"):
            if scope in c.scopes and c.name not in WAIVERS:
                for side in (Side.REQUEST, Side.RESPONSE):
                    assert R.compose(side, scope, c.name) in R.REGISTRY, (c.name, scope, side)


def _oasdiff_rows() -> list[dict[str, str]]:
    if not OASDIFF_TSV.exists():
        pytest.skip(f"{OASDIFF_TSV} not present")
    with OASDIFF_TSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_oasdiff_flag_matches_vocabulary() -> None:
    ids = {row["id"] for row in _oasdiff_rows()}
    wrong = sorted(rid for rid, info in R.REGISTRY.items() if info.oasdiff != (rid in ids))
    assert not wrong, f"RuleInfo.oasdiff disagrees with oasdiff-rule-ids.tsv for {wrong}"


def test_oasdiff_err_warn_ids_not_covered() -> None:
    rows = _oasdiff_rows()
    missing = sorted(row["id"] for row in rows if row["default_level"] in ("ERR", "WARN") and row["id"] not in R.REGISTRY)
    print("\noasdiff ERR/WARN ids contractdrift does not have:")
    for rid in missing:
        print(f"  {rid}: {OASDIFF_NOT_COVERED.get(rid, 'NOT EXPLAINED')}")
    assert set(missing) == set(OASDIFF_NOT_COVERED), (
        f"unexplained: {sorted(set(missing) - OASDIFF_NOT_COVERED.keys())}; "
        f"now covered, drop from the allow-list: {sorted(OASDIFF_NOT_COVERED.keys() - set(missing))}")
    assert all(reason.strip() for reason in OASDIFF_NOT_COVERED.values())


def test_generated_cases_cover_the_composed_rules() -> None:
    generated = set(rule_cases.generated())
    assert generated <= set(R.CONCEPT_OF), "the generator makes cases for composed rules only"
    assert generated | set(rule_cases.uncovered()) == set(R.CONCEPT_OF), "every composed rule is generated or explained"
    for files in rule_cases.generated().values():
        assert set(rule_cases.FIXTURE_FILES) <= set(files)


def test_generated_cases_are_not_on_disk() -> None:
    """They are made in memory at collection; a directory of them is a stale build artefact."""
    left = [d.name for d in rule_cases.generator().leftovers()]
    assert not left, f"generated fixture directories on disk: {left[:5]} ({len(left)}); " \
        "run `python tests/data/rules/_generate.py --clean`"
    hand = set(rule_cases.hand_written()) & set(rule_cases.generated())
    assert not hand, f"hand-written directories shadow generated cases: {sorted(hand)}"


def test_every_concept_the_walker_emits_has_an_id_at_every_scope_the_drivers_walk() -> None:
    """Issue 7: a concept without an id at its scope was filed under a body/property id or dropped.
    The audit: (1) the scopes the spec driver hands to the walker are the ones declared in
    ``WALKED_SCOPES``; (2) every name the walker emits literally is a concept or a registered fixed
    id; (3) every concept composes to a registered id at every walked scope, root and nested."""
    src = (REPO / "contractdrift" / "compare" / "specs.py").read_text(encoding="utf-8")
    used = set(re.findall(r'emit_changes\([^)]*?scope="([a-z-]+)"', src, flags=re.S))
    declared = {scope for scopes in R.WALKED_SCOPES.values() for scope in scopes}
    assert used and used <= declared, f"scopes walked but not audited: {sorted(used - declared)}"
    walker = (REPO / "contractdrift" / "compare" / "walk.py").read_text(encoding="utf-8")
    literal = set(re.findall(r'emit\("([a-z-]+)"', walker)) | set(re.findall(r'rid = "([a-z-]+)"', walker))
    unknown = sorted(n for n in literal if n not in R.CONCEPTS_BY_NAME and n not in R.REGISTRY)
    assert literal and not unknown, f"walker names that are neither concepts nor rules: {unknown}"
    gaps = [(side.value, scope, nested, c.name) for side, scopes in R.WALKED_SCOPES.items() for scope in scopes
            for nested in (False, True) for c in R.CONCEPTS if R.concept_rule(c.name, side, scope, nested=nested) is None]
    assert not gaps, f"concepts without an id where the walker can emit them: {gaps[:10]} ({len(gaps)} in all)"
