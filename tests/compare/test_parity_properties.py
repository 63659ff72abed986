"""Algebraic promises of the parity comparison, checked with hypothesis."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from contractdrift.api import parity
from contractdrift.compare.parity import BodyComparator, ParityCheck, fold, pair_exchanges, parse_path

from .parity_helpers import answer, replay_of

scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=5) | \
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text("abcde", max_size=3), inner, max_size=4),
    max_leaves=20,
)


def _norm(value: Any) -> Any:
    """JSON equality: one number type (1 == 1.0), but true is not 1."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    return value


def _same_json(a: Any, b: Any) -> bool:
    return json.dumps(_norm(a), sort_keys=True) == json.dumps(_norm(b), sort_keys=True)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_a_value_never_differs_from_itself(value: Any) -> None:
    assert BodyComparator().compare(value, value) == []
    assert BodyComparator().compare(value, json.loads(json.dumps(value))) == []


@settings(max_examples=300, deadline=None)
@given(json_values, json_values)
@example(a=[[427, False, "x"], ["y"]], b=[[427, 0, "x"], ["y"]])  # deepdiff aligns arrays with False == 0
@example(a=[True, 1], b=[1, True])
@example(a=[False], b=["\x00contractdrift:false"])
def test_no_difference_exactly_when_the_same_json(a: Any, b: Any) -> None:
    assert (BodyComparator().compare(a, b) == []) == _same_json(a, b)
    assert (BodyComparator(engine="deepdiff").compare(a, b) == []) == _same_json(a, b)


def test_a_boolean_against_a_number_in_an_array_is_a_type_change() -> None:
    for engine in ("hybrid", "deepdiff"):
        diffs = BodyComparator(engine=engine).compare([[427, False, "x"]], [[427, 0, "x"]])
        assert [(d.kind, d.pointer, d.old, d.new) for d in diffs] == [("type", (0, 1), False, 0)], engine


_MIRROR = {"added": "removed", "removed": "added", "item-added": "item-removed", "item-removed": "item-added"}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text("abcd", min_size=1, max_size=2), json_values, max_size=5),
       st.dictionaries(st.text("abcd", min_size=1, max_size=2), json_values, max_size=5))
def test_swapping_sides_mirrors_object_level_differences(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Keys added one way are removed the other way; type changes stay type changes, at the same place."""
    forward = BodyComparator().compare(a, b)
    backward = BodyComparator().compare(b, a)
    top = lambda diffs, kinds: Counter((d.kind, d.pointer) for d in diffs if len(d.pointer) == 1 and d.kind in kinds)  # noqa: E731
    kinds = ("added", "removed", "type")
    assert top(backward, kinds) == Counter({(_MIRROR.get(k, k), p): n for (k, p), n in top(forward, kinds).items()})


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), json_values, json_values), min_size=1, max_size=12), st.randoms())
def test_findings_do_not_depend_on_the_order_of_the_candidate(rows: list[tuple[int, Any, Any]],
                                                              rnd: random.Random) -> None:
    base = [answer(f"b{i}", f"/o/{k}", {"v": old}) for i, (k, old, _) in enumerate(rows)]
    cand = [answer(f"c{i}", f"/o/{k}", {"v": new}, replay_of=f"b{i}") for i, (k, _, new) in enumerate(rows)]
    shuffled = cand[:]
    rnd.shuffle(shuffled)

    def summary(report: Any) -> set[tuple[str, int, int]]:
        return {(f.fingerprint, f.evidence.observed, f.evidence.total) for f in report.findings}

    assert summary(parity(base, cand, schema=False)) == summary(parity(base, shuffled, schema=False))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), json_values, json_values, st.sampled_from([200, 404])),
                min_size=1, max_size=10))
def test_a_control_answering_like_the_candidate_explains_everything(rows: list[tuple[int, Any, Any, int]]) -> None:
    """Noise is learned from baseline vs control: a control identical to the candidate leaves no change."""
    base = [answer(f"b{i}", f"/o/{k}", {"v": old}) for i, (k, old, _, _) in enumerate(rows)]
    cand = [answer(f"c{i}", f"/o/{k}", {"v": new}, status=s, replay_of=f"b{i}")
            for i, (k, _, new, s) in enumerate(rows)]
    report = parity(base, cand, control=replay_of(cand, "k"), schema=False)
    assert {f.rule_id for f in report.findings} <= {"parity-noise"}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["GET", "POST"]), st.integers(0, 3)), max_size=12), st.randoms())
def test_pairing_by_request_identity_is_a_matching(requests: list[tuple[str, int]], rnd: random.Random) -> None:
    """Without links every candidate exchange pairs with at most one baseline exchange of the same request."""
    base = [answer(f"b{i}", f"/o/{k}", {"i": i}, method=m) for i, (m, k) in enumerate(requests)]
    cand = [answer(f"c{i}", f"/o/{k}", {"i": i}, method=m) for i, (m, k) in enumerate(requests)]
    rnd.shuffle(cand)
    pairs, unpaired = pair_exchanges(base, cand)
    assert not unpaired and len(pairs) == len(base)
    assert len({b.id for b, _ in pairs}) == len(pairs) == len({c.id for _, c in pairs})
    assert all(b.request.method == c.request.method and b.request.url == c.request.url for b, c in pairs)


@given(st.lists(st.text("abc", min_size=1, max_size=3) | st.integers(0, 9), max_size=5))
def test_paths_parse_in_both_spellings(parts: list[str | int]) -> None:
    from contractdrift.model import to_human, to_rfc6901

    folded = fold(tuple(parts))
    assert parse_path(to_human(folded)) == folded
    assert parse_path(to_rfc6901(folded)) == folded


def test_unordered_paths_and_float_tolerance() -> None:
    from contractdrift.compare.parity import ParityOptions

    loose = BodyComparator(ParityOptions(unordered=("$.tags",), float_tolerance=0.01))
    assert loose.compare({"tags": [1, 2], "x": 1.0}, {"tags": [2, 1], "x": 1.001}) == []
    strict = BodyComparator()
    assert {d.kind for d in strict.compare({"tags": [1, 2], "x": 1.0}, {"tags": [2, 1], "x": 1.001})} == \
        {"order", "value"}
    # a true that became 1 is a type change in JSON, and so is 1 that became "1"
    assert [d.kind for d in strict.compare({"a": True}, {"a": 1})] == ["type"]
    assert [d.kind for d in strict.compare({"a": 1}, {"a": 1.0})] == []


def test_noise_without_control_needs_most_pairs() -> None:
    """Identical requests inside one recording: a place differing on most pairs is noise, one that
    differs once is not."""
    base = [answer(f"b{i}", "/clock", {"now": i, "tz": "UTC" if i != 3 else "CET"}) for i in range(6)]
    cand = [answer("c0", "/clock", {"now": 99, "tz": "PST"}, replay_of="b0")]
    report = parity(base, cand, schema=False)
    noise = {f.location.payload_pointer for f in report.findings if f.rule_id == "parity-noise"}
    changed = {f.location.payload_pointer for f in report.findings if f.rule_id == "parity-value-changed"}
    assert noise == {"/now"} and changed == {"/tz"}
    check = ParityCheck()
    assert check.differences(base[0], base[1])[0].pointer == ("now",)


def test_schema_level_complements_value_level() -> None:
    """A volatile timestamp is noise value by value, but the candidate sending it in another format is a
    schema change; a vanished field is one finding, not one per response nor one per level."""
    def body(i: int, at: str, extra: bool) -> dict[str, Any]:
        return {"id": i, "at": at, **({"gone": "x"} if extra else {})}

    base = [answer(f"b{i}", f"/o/{i}", body(i, f"2024-05-0{i}T10:00:00Z", True)) for i in range(1, 8)]
    ctrl = [answer(f"k{i}", f"/o/{i}", body(i, f"2024-06-0{i}T10:00:00Z", True), replay_of=f"b{i}")
            for i in range(1, 8)]
    cand = [answer(f"c{i}", f"/o/{i}", body(i, f"{1717236000 + i}", False), replay_of=f"b{i}") for i in range(1, 8)]
    report = parity(base, cand, control=ctrl)
    rows = {(f.rule_id, f.location.payload_pointer) for f in report.findings}
    assert ("parity-noise", "/at") in rows
    assert ("parity-property-removed", "/gone") in rows
    schema_level = {r for r in rows if not r[0].startswith("parity-")}
    assert schema_level == {("response-property-format-changed", "/at")}, rows  # date-time -> epoch digits
    assert not [f for f in report.findings if f.location.payload_pointer == "/gone" and f.rule_id != "parity-property-removed"]
    without = parity(base, cand, control=ctrl, schema=False)
    assert {f.rule_id for f in without.findings} == {"parity-noise", "parity-property-removed"}


def _as_set(diffs: list[Any]) -> Counter[tuple[str, tuple[Any, ...], str, str]]:
    return Counter((d.kind, d.pointer, json.dumps(d.old, sort_keys=True, default=repr),
                    json.dumps(d.new, sort_keys=True, default=repr)) for d in diffs)


# documents that look like API answers: objects with lists of objects, so both engines' paths are exercised
records = st.dictionaries(st.sampled_from(["id", "a", "b", "tags", "items"]), json_values, max_size=4)
documents = st.dictionaries(st.sampled_from(["id", "items", "meta", "tags", "total"]),
                            json_values | st.lists(records, max_size=4), max_size=5)


@settings(max_examples=300, deadline=None)
@given(documents, documents, st.sampled_from([(), ("$.items",), ("$.tags", "$.items[*].tags")]),
       st.sampled_from([0.0, 0.5]))
# deepdiff scores the pairs of $.items with nested diffs of two items, whose paths are relative to the
# item: there ``items`` (the item's own key) is "$.items" too, which pairs items[1] with b's items[1]
@example(a={"items": [{}, {"items": [None]}, {"id": None}]}, b={"items": [{}, {"items": [[]]}]},
         unordered=("$.items",), tolerance=0.0)
def test_the_hybrid_engine_reports_what_deepdiff_reports(a: Any, b: Any, unordered: tuple[str, ...],
                                                          tolerance: float) -> None:
    """The fast engine is deepdiff where deepdiff is needed and a plain walk elsewhere: same output."""
    from contractdrift.compare.parity import ParityOptions

    options = ParityOptions(unordered=unordered, float_tolerance=tolerance)
    hybrid = BodyComparator(options).compare(a, b)
    reference = BodyComparator(options, engine="deepdiff").compare(a, b)
    assert _as_set(hybrid) == _as_set(reference)


def test_truncated_bodies_are_counted_not_compared() -> None:
    import dataclasses

    from contractdrift.model import Body

    base = [answer("b0", "/o/0", {"a": 1})]
    cut = answer("c0", "/o/0", {"a": 2}, replay_of="b0")
    assert cut.response is not None
    cut = dataclasses.replace(cut, response=dataclasses.replace(
        cut.response, body=Body(kind="text", media_type="application/json", size=10_000, text='{"a": 2, "b', truncated=True)))
    report = parity(base, [cut], schema=False)
    assert [(f.rule_id, f.args.get("reason")) for f in report.findings] == [
        ("parity-not-compared", "bodies truncated by the recorder")]


def test_a_candidate_turned_nondeterministic_is_not_excused_as_noise() -> None:
    base = [answer(f"b{i}", "/state", {"state": "open"}) for i in range(4)]
    cand = [answer(f"c{i}", "/state", {"state": f"s{i}"}, replay_of=f"b{i}") for i in range(4)]
    report = parity(base, cand, schema=False)
    assert [(f.rule_id, f.evidence.observed if f.evidence else 0) for f in report.findings] == \
        [("parity-value-changed", 4)]
