"""Every parity rule has a case (the registry audit's fixture triad, for answers instead of specs).

For each rule: comparing the baseline with an unchanged replay reports nothing; the changed replay
reports the rule with the registry's severity, every template argument and evidence naming both
sides; swapping baseline and candidate reports the mirror rule where the registry has one.
"""

from __future__ import annotations

import string
from collections.abc import Callable

import pytest

from contractdrift.api import parity
from contractdrift.compare import rules as R
from contractdrift.compare.parity_rules import PARITY_RULE_IDS
from contractdrift.model import Exchange

from .parity_helpers import answer, replay_of

Case = tuple[list[Exchange], list[Exchange], list[Exchange] | None]


def _pair(old: dict[str, object], new: dict[str, object], **kw: object) -> Case:
    base = [answer(f"b{i}", f"/orders/{i}", old, **kw) for i in range(3)]  # type: ignore[arg-type]
    cand = [answer(f"c{i}", f"/orders/{i}", new, replay_of=f"b{i}", **kw) for i in range(3)]  # type: ignore[arg-type]
    return base, cand, None


def _status() -> Case:
    base = [answer(f"b{i}", f"/o/{i}", {"a": 1}) for i in range(2)]
    return base, [answer("c0", "/o/0", {"a": 1}, replay_of="b0"),
                  answer("c1", "/o/1", {"error": "x"}, status=500, replay_of="b1")], None


def _media() -> Case:
    base = [answer("b0", "/o/0", {"a": 1})]
    return base, [answer("c0", "/o/0", text="a=1", media="text/plain", replay_of="b0")], None


def _header(old: str | None, new: str | None) -> Callable[[], Case]:
    def make() -> Case:
        def h(v: str | None) -> tuple[tuple[str, str], ...]:
            return (("cache-control", v),) if v else ()

        return ([answer("b0", "/o/0", {"a": 1}, headers=h(old))],
                [answer("c0", "/o/0", {"a": 1}, headers=h(new), replay_of="b0")], None)
    return make


def _body() -> Case:
    return ([answer("b0", "/t", text="hello", media="text/plain")],
            [answer("c0", "/t", text="hullo", media="text/plain", replay_of="b0")], None)


def _no_response() -> Case:
    return [answer("b0", "/o/0", {"a": 1})], [answer("c0", "/o/0", no_response=True, replay_of="b0")], None


def _noise() -> Case:
    base = [answer(f"b{i}", f"/o/{i}", {"a": 1, "at": f"t{i}"}) for i in range(3)]
    control = [answer(f"k{i}", f"/o/{i}", {"a": 1, "at": f"u{i}"}, replay_of=f"b{i}") for i in range(3)]
    cand = [answer(f"c{i}", f"/o/{i}", {"a": 1, "at": f"v{i}"}, replay_of=f"b{i}") for i in range(3)]
    return base, cand, control


def _not_compared() -> Case:
    base = [answer("b0", "/o/0", {"a": 1}), answer("b1", "/o/1", {"a": 2})]
    return base, [answer("c0", "/o/0", {"a": 1}, replay_of="b0")], None


CASES: dict[str, Callable[[], Case]] = {
    "parity-status-changed": _status,
    "parity-media-type-changed": _media,
    "parity-header-added": _header(None, "no-store"),
    "parity-header-removed": _header("no-store", None),
    "parity-header-changed": _header("no-store", "max-age=60"),
    "parity-property-added": lambda: _pair({"a": 1}, {"a": 1, "b": 2}),
    "parity-property-removed": lambda: _pair({"a": 1, "b": 2}, {"a": 1}),
    "parity-type-changed": lambda: _pair({"total": {"amount": 1.5}}, {"total": {"amount": "1.5"}}),
    "parity-value-changed": lambda: _pair({"state": "open"}, {"state": "closed"}),
    "parity-item-added": lambda: _pair({"tags": ["a"]}, {"tags": ["a", "b"]}),
    "parity-item-removed": lambda: _pair({"tags": ["a", "b"]}, {"tags": ["a"]}),
    "parity-order-changed": lambda: _pair({"lines": [{"n": 1}, {"n": 2}]}, {"lines": [{"n": 2}, {"n": 1}]}),
    "parity-body-changed": _body,
    "parity-no-response": _no_response,
    "parity-noise": _noise,
    "parity-not-compared": _not_compared,
}


def test_every_parity_rule_has_a_case() -> None:
    assert set(CASES) == set(PARITY_RULE_IDS)


def _fields(template: str) -> set[str]:
    # counts are evidence, rendered into the message but kept out of args (and so of fingerprints)
    return {name for _, name, _, _ in string.Formatter().parse(template) if name} - {"observed", "total",
                                                                                    "suppressed"}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_parity_rule_case(rule_id: str) -> None:
    base, cand, control = CASES[rule_id]()
    unchanged = parity(base, replay_of(base, "u"), control=control, schema=False)
    assert [f.rule_id for f in unchanged.findings if f.rule_id not in ("parity-noise", "parity-not-compared")] == []
    report = parity(base, cand, control=control, schema=False)
    hits = [f for f in report.findings if f.rule_id == rule_id]
    assert len(hits) == 1, [f"{f.rule_id}: {f.message}" for f in report.findings]
    (f,) = hits
    info = R.REGISTRY[rule_id]
    assert f.severity == info.severity
    assert _fields(info.template) <= set(f.args), (info.template, dict(f.args))
    assert f.evidence is not None and 0 < f.evidence.observed <= f.evidence.total
    assert f"in {f.evidence.observed} of {f.evidence.total}" in f.message or rule_id == "parity-not-compared"
    if rule_id not in ("parity-not-compared",):
        example = f.evidence.example
        assert isinstance(example, dict)
        assert set(example) == ({"baseline", "control"} if rule_id == "parity-noise" else {"baseline", "candidate"})
        assert example["baseline"]["exchange"] in {e.id for e in base}  # type: ignore[index]
    if rule_id == "parity-noise":
        assert f.message.endswith("; 3 such differences of the candidate treated as noise"), f.message
    mirror = R.MIRRORS.get(rule_id)
    if mirror is not None:
        swapped = parity(cand, [e for e in base], control=None, schema=False)
        assert mirror in {g.rule_id for g in swapped.findings}, [g.rule_id for g in swapped.findings]


def test_examples_of_secret_fields_are_redacted_and_still_tell_the_two_sides_apart() -> None:
    """Recordings given as HAR files or exchanges in memory may hold secrets the recorder never saw:
    a parity report shows them as stand-ins, different where the values differ."""
    from contractdrift.report import render

    old, new = "sk_live_51Habcdefghijklmnop", "sk_live_51Hzyxwvutsrqponmlk"
    base, cand, _ = _pair({"api_token": old, "n": 1}, {"api_token": new, "n": 1})
    report = parity(base, cand, schema=False)
    text = render(report, "json")
    assert old not in text and new not in text
    token = [f for f in report.findings if f.location.payload_pointer == "/api_token"]
    assert token and token[0].evidence is not None
    example = token[0].evidence.example
    assert isinstance(example, dict)
    assert example["baseline"]["value"] != example["candidate"]["value"]  # type: ignore[index]
