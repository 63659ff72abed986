"""One finding per change (issue 11): grouping is a partition, never grows, ignores path order; the
emitter's direct grouping equals grouping the per-place findings; per-place fingerprints unchanged."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from contractdrift.api import diff_specs
from contractdrift.compare.group import PLACE_ARGS, group_findings
from contractdrift.model import Finding, Location, Severity, Side, SpecLocation

from .test_diff_properties import SETTINGS, documents

ROOT = Path(__file__).resolve().parents[2]
V1, V2 = ROOT / "examples/orders/v1.yaml", ROOT / "examples/orders/v2.yaml"
CORPUS = ROOT.parent / "shared" / "corpus"


def _place(f: Finding) -> tuple[Any, ...]:
    loc = f.location
    return (loc.operation, loc.side, loc.status, loc.media_type, loc.payload_pointer)


def _contains(g: Finding, f: Finding) -> bool:
    """Whether group ``g`` stands for per-place finding ``f``: same rule, ``f``'s place among its
    reaches, and each of ``f``'s arguments the group's value or among its values."""
    if _pointers(g) != _pointers(f):
        return False
    if g.rule_id != f.rule_id or _place(f) not in {(p.operation, p.side, p.status, p.media_type, p.payload_pointer)
                                                  for p in g.reaches}:
        return False
    for k in (set(g.args) | set(f.args)) - PLACE_ARGS:  # an argument a member lacks counts as null
        v, gv = f.args.get(k), g.args.get(k)
        if gv != v and not (isinstance(gv, (list, tuple)) and v in gv):
            return False
    return True


def _pointers(f: Finding) -> tuple[bool, str, bool, str]:
    """Spec locations in the documented order: absent first, then by base pointer, revision pointer."""
    b, r = f.location.base, f.location.revision
    return (b is not None, b.pointer if b else "", r is not None, r.pointer if r else "")


def _assert_partition(per_place: list[Finding], groups: list[Finding]) -> None:
    assert len(groups) <= len(per_place)
    # one place reached by two routes (same rule, place and args, other spec locations) is one
    # finding, kept with its smallest spec locations (see compare.group.Grouper)
    rep: dict[tuple[Any, ...], Finding] = {}
    for f in per_place:
        identity = (f.rule_id, _place(f), json.dumps(dict(f.args), sort_keys=True))
        if identity not in rep or _pointers(f) < _pointers(rep[identity]):
            rep[identity] = f
    for f in per_place:  # every per-place finding is in exactly one group
        r = rep[(f.rule_id, _place(f), json.dumps(dict(f.args), sort_keys=True))]
        owners = [g for g in groups if _contains(g, r)]
        assert len(owners) == 1, (f, owners)
    for g in groups:  # every group stands for some findings; its severity is their highest
        members = [f for f in per_place if _contains(g, f)]
        assert members and g.severity == max(f.severity for f in members)
        assert len(set(g.reaches)) == len(g.reaches)


def _reordered(doc: dict[str, Any], seed: int) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    items = list(out["paths"].items())
    rng = __import__("random").Random(seed)
    rng.shuffle(items)
    out["paths"] = dict(items)
    return out


# hypothesis found it: a oneOf with a $ref (base) replaced by the referenced schema's shape (revision)
# reaches one place by two routes (the oneOf member, #/components/schemas/Owner, and the unwrapped
# schema); the per-place report kept whichever came first, the grouped diff the smallest spec locations
_TWO_ROUTES_BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "generated", "version": "1"},
    "paths": {
        "/pets": {"post": {"responses": {"200": {"description": "200"}}}},
        "/owners/{ownerId}/pets": {
            "get": {
                "responses": {"200": {"description": "200"}},
                "parameters": [
                    {"name": "ownerId", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
            },
            "post": {
                "responses": {"200": {"description": "200"}},
                "parameters": [
                    {"name": "ownerId", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/Owner"}]}
                        }
                    },
                },
            },
        },
    },
    "components": {
        "schemas": {
            "Pet": {"type": "integer"},
            "Owner": {"type": "array", "items": {"type": "string", "maxLength": 1, "default": "a"}},
            "Tree": {
                "type": "object",
                "required": ["value"],
                "properties": {
                    "value": {
                        "type": "string",
                        "maxLength": 1,
                        "deprecated": True,
                        "minLength": 0,
                        "pattern": "^[a-z]+$",
                        "default": "a",
                        "nullable": False,
                        "format": "date",
                        "enum": ["a"],
                    },
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
                },
            },
        }
    },
}
_TWO_ROUTES_REV: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "generated", "version": "1"},
    "paths": {
        "/pets": {
            "post": {
                "responses": {
                    "200": {"description": "200", "headers": {"X-Rate": {"schema": {"type": "string"}}}},
                    "201": {"description": "201", "headers": {"X-Rate": {"schema": {"type": "string"}}}},
                },
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": {"type": "string"}}},
                },
            },
            "put": {
                "responses": {"200": {"description": "200"}, "201": {"description": "201"}},
                "parameters": [
                    {"name": "limit", "in": "query", "required": False, "schema": {"type": "string"}},
                    {
                        "name": "X-Trace",
                        "in": "header",
                        "required": True,
                        "schema": {
                            "pattern": "^[a-z]+$",
                            "type": "string",
                            "deprecated": False,
                            "default": "a",
                            "minLength": 0,
                            "maxLength": 1,
                            "enum": ["a"],
                        },
                    },
                ],
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": {"type": "string"}}},
                },
            },
        },
        "/owners/{ownerId}/pets": {
            "post": {
                "responses": {
                    "200": {"description": "200", "headers": {"X-Rate": {"schema": {"type": "string"}}}}
                },
                "parameters": [
                    {"name": "ownerId", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "items": {"type": "string"}, "maxItems": 1}
                        }
                    },
                },
            }
        },
        "/pets/{id}": {
            "get": {
                "responses": {"200": {"description": "200"}},
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            }
        },
    },
    "components": {
        "schemas": {
            "Pet": {"type": "string"},
            "Owner": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Tree": {
                "type": "object",
                "required": ["value"],
                "properties": {
                    "value": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}},
                },
            },
        }
    },
}


@settings(SETTINGS, max_examples=10)
@given(documents(), documents(), st.integers(0, 1000))
@example(base=_TWO_ROUTES_BASE, rev=_TWO_ROUTES_REV, seed=0)
def test_grouping_is_a_partition_and_ignores_path_order(base: dict[str, Any], rev: dict[str, Any], seed: int) -> None:
    per_place = list(diff_specs(base, rev, group="none").findings)
    groups = group_findings(per_place)
    _assert_partition(per_place, groups)
    # the emitter's direct grouping (no per-place findings built) gives the same groups
    direct = diff_specs(base, rev, group="change").findings
    assert sorted(f.fingerprint for f in direct) == sorted(f.fingerprint for f in groups)
    assert {f.fingerprint: f.reaches for f in direct} == {f.fingerprint: f.reaches for f in groups}
    # path order changes nothing (the same paths, listed in another order in both documents)
    shuffled = diff_specs(_reordered(base, seed), _reordered(rev, seed + 1), group="change").findings
    assert [(f.fingerprint, f.reaches, f.severity, f.message) for f in shuffled] == \
        [(f.fingerprint, f.reaches, f.severity, f.message) for f in direct]


@given(st.lists(st.tuples(st.sampled_from(["response-property-type-changed", "endpoint-added"]),
                          st.sampled_from(["/a", "/b", None]), st.sampled_from(["GET /x", "GET /y", None]),
                          st.sampled_from(["/p", "/q", None]), st.sampled_from([{}, {"old": 1}, {"old": 2}])),
                max_size=12), st.randoms())
def test_group_findings_partition_on_arbitrary_findings(rows: list[Any], rnd: Any) -> None:
    findings = [Finding(rule_id=r, severity=Severity.ERROR if r.startswith("response") else Severity.INFO,
                        location=Location(operation=op, side=Side.RESPONSE, payload_pointer=pp,
                                          base=SpecLocation(ptr) if ptr else None,
                                          revision=SpecLocation(ptr) if ptr else None), args=args)
                for r, ptr, op, pp, args in rows]
    groups = group_findings(findings)
    _assert_partition(findings, groups)
    shuffled = list(findings)
    rnd.shuffle(shuffled)
    def summary(gs: list[Finding]) -> list[tuple[str, list[tuple[Any, ...]]]]:
        return sorted((g.fingerprint, [(p.operation or "", p.payload_pointer or "") for p in g.reaches]) for g in gs)

    assert summary(group_findings(shuffled)) == summary(groups)


def test_varying_arguments_at_one_place_are_one_change_listing_them() -> None:
    loc = SpecLocation("/components/schemas/S")
    findings = [Finding(rule_id="response-property-enum-value-added", severity=Severity.WARN,
                        location=Location(operation=op, side=Side.RESPONSE, payload_pointer="/s", base=loc,
                                          revision=loc), args={"value": v}, message=f"enum value {v!r} added")
                for op in ("GET /a", "GET /b") for v in ("x", "y")]
    (group,) = group_findings(findings)
    assert dict(group.args) == {"value": ["x", "y"]}
    assert [p.operation for p in group.reaches] == ["GET /a", "GET /b"]
    assert "'x', 'y'" in group.message


def test_a_new_operation_reaching_an_accepted_change_keeps_its_fingerprint() -> None:
    loc = SpecLocation("/components/schemas/S/properties/a")

    def at(op: str) -> Finding:
        return Finding(rule_id="response-property-type-changed", severity=Severity.ERROR,
                       location=Location(operation=op, side=Side.RESPONSE, payload_pointer="/a", base=loc,
                                         revision=loc), args={"old": "integer", "new": "string"})

    (one,) = group_findings([at("GET /a")])
    (two,) = group_findings([at("GET /a"), at("GET /b")])
    assert one.fingerprint == two.fingerprint and len(two.reaches) == 2
    assert at("GET /a").fingerprint != at("GET /b").fingerprint  # per place: one each


def test_per_place_fingerprints_are_unchanged_against_the_golden() -> None:
    """`--group none` keeps the fingerprints of the per-operation report: the golden list was taken
    from tests/cli/golden/orders-v1-v2.json as committed before grouping existed."""
    golden = (Path(__file__).parent / "data" / "orders-v1-v2.per-place-fingerprints.txt").read_text().split()
    report = diff_specs(V1, V2, group="none")
    assert [f.fingerprint for f in report.findings] == golden
    grouped = diff_specs(V1, V2, group="change")
    assert len(grouped.findings) < len(report.findings)
    assert not {f.fingerprint for f in grouped.findings} & set(golden)  # keyed on the change, not the place


def test_cli_group_none_keeps_the_per_place_fingerprints(capsys: pytest.CaptureFixture[str]) -> None:
    from contractdrift.cli import main

    golden = (Path(__file__).parent / "data" / "orders-v1-v2.per-place-fingerprints.txt").read_text().split()
    assert main(["diff", str(V1), str(V2), "--group", "none", "--format", "json"]) == 1
    doc = __import__("json").loads(capsys.readouterr().out)
    assert [f["fingerprint"] for f in doc["findings"]] == golden and doc["meta"]["group"] == "none"
    assert all("reaches" not in f for f in doc["findings"])


def test_grouped_orders_pair_reaches_every_operation_of_a_shared_component() -> None:
    report = diff_specs(V1, V2, group="change")
    amount = [f for f in report.findings if f.rule_id == "response-property-type-changed"]
    assert len(amount) == 1
    assert [p.operation for p in amount[0].reaches] == ["GET /orders", "GET /orders/{id}", "POST /orders"]
    assert amount[0].location.operation is None and amount[0].location.revision is not None


@pytest.mark.parametrize("pair", ["stripe/6", "github/5"])
def test_corpus_pairs_group_into_few_changes(pair: str) -> None:
    d = CORPUS / pair
    if not d.is_dir():
        pytest.skip("corpus absent")
    grouped = diff_specs(d / "base.json" if (d / "base.json").exists() else d / "base.yaml",
                         d / "revision.json" if (d / "revision.json").exists() else d / "revision.yaml",
                         group="change")
    if pair == "stripe/6":
        assert len(grouped.findings) < 600
        # charge.status / refund.reason: maxLength 5000 -> an enum of short values is no break
        assert not [f for f in grouped.findings if f.rule_id == "response-property-max-length-unset"]


def test_a_report_keeps_the_smallest_spec_locations_of_one_place_reached_twice() -> None:
    from contractdrift.model import Report

    def at(base: str) -> Finding:
        return Finding(rule_id="request-body-max-items-set", severity=Severity.WARN,
                       location=Location(operation="POST /o", side=Side.REQUEST, payload_pointer="",
                                         base=SpecLocation(base), revision=SpecLocation("/paths/x")),
                       args={"new": 1})

    member, unwrapped = at("/components/schemas/Owner"), at("/paths/x")
    for order in ([member, unwrapped], [unwrapped, member]):
        kept = Report.build(order).findings
        assert [f.location.base for f in kept] == [SpecLocation("/components/schemas/Owner")]
