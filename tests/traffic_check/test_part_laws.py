"""The parts `check --jobs` merges (aggregate + undocumented requests + once-per-schema notices) form a
monoid, and any cut of a recording into consecutive units, folded and merged in the fixed tree, then
replayed, leaves the checker exactly as a serial check leaves it: findings with their evidence
(counts, first/last seen, the five earliest example ids), coverage and run notes."""

from __future__ import annotations

import itertools
import json
import os
import random
import tempfile
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift.api import _check_warnings, spec_checker
from contractdrift.parallel import CheckPart, CheckTask, _exchange_line, _replay
from contractdrift.store.partition import Unit
from contractdrift.store.reader import RecordingReader
from contractdrift.store.runner import tree_merge

from .test_check_scale import SPEC, WORDS, _exchange

TASK = CheckTask(SPEC, strict=False)


def _lines(seed: int, n: int, undocumented: float) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        row = _exchange(i, rng)
        if rng.random() < undocumented:  # many distinct literal segments: the templater collapses part-way
            row["request"]["url"] = f"http://api.test/v1/files/{WORDS[rng.randrange(len(WORDS))]}"
            row["request"]["method"] = "GET"
        out.append(json.dumps(row) + "\n")
    if n and rng.random() < 0.3:
        out.insert(rng.randrange(1, len(out) + 1), '{"id": "cut", "req\n')  # a damaged line, skipped
    return out


def _parts(lines: list[str], cuts: list[int]) -> list[CheckPart]:
    bounds = [0, *sorted(set(c % (len(lines) + 1) for c in cuts)), len(lines)]
    parts = []
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        outcome = TASK(Unit(i, f"<unit {i}>", "stream"), lines[a:b])
        assert outcome.summary is not None
        parts.append(outcome.summary)
    return parts


def _state(checker: Any) -> tuple[Any, ...]:
    findings = sorted(checker.findings(), key=lambda f: f.sort_key())
    return (findings, checker.coverage(), _check_warnings(checker), checker.aggregate.state())


_recording = st.tuples(st.integers(0, 10**6), st.integers(0, 160), st.sampled_from([0.0, 0.3, 0.6]))
_cuts = st.lists(st.integers(0, 400), max_size=6)


@settings(max_examples=25, deadline=None)
@given(_recording, _cuts)
def test_any_cut_merged_in_the_tree_equals_the_serial_check(recording: tuple[int, int, float], cuts: list[int]) -> None:
    lines = _lines(*recording)
    serial = spec_checker(SPEC)
    with tempfile.TemporaryDirectory() as tmp:  # the serial check's own reader
        path = os.path.join(tmp, "t.jsonl")
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(lines)
        serial.add_all(RecordingReader(path, warn=False))
    merged = tree_merge(_parts(lines, cuts), lambda a, b: a.merge(b))
    replayed = spec_checker(SPEC)
    _replay(replayed, merged if merged is not None else CheckPart())
    assert _state(replayed) == _state(serial)


@settings(max_examples=20, deadline=None)
@given(_recording, _cuts, _cuts)
def test_merge_is_associative_with_the_empty_part_as_identity(recording: tuple[int, int, float], cuts: list[int],
                                                             more: list[int]) -> None:
    lines = _lines(*recording)
    parts = _parts(lines, cuts + more)
    while len(parts) < 3:
        parts.append(CheckPart())
    a, b, c = parts[0], tree_merge(parts[1:-1], lambda x, y: x.merge(y)), parts[-1]
    assert b is not None
    left, right = a.merge(b).merge(c), a.merge(b.merge(c))
    assert (left.aggregate, left.undocumented, left.notices) == (right.aggregate, right.undocumented, right.notices)
    for p in (a, b, c):
        for merged in (p.merge(CheckPart()), CheckPart().merge(p)):
            assert (merged.aggregate, merged.undocumented, merged.notices) == (p.aggregate, p.undocumented, p.notices)


AMOUNT = {"type": "number", "format": "money"}
TWO_CONTEXTS = {
    "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
    "components": {"schemas": {"Amount": AMOUNT}},
    "paths": {
        "/alone": {"get": {"responses": {"200": {"description": "x", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"amount": {"$ref": "#/components/schemas/Amount"}}}}}}}}},
        "/merged": {"get": {"responses": {"200": {"description": "x", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"amount": {"allOf": [
                {"$ref": "#/components/schemas/Amount"}, {"minimum": 0}]}}}}}}}}},
    },
}


def _line(i: int, path: str) -> str:
    return json.dumps({"id": f"t{i:03d}", "started_at": 1_760_000_000.0 + i, "duration_ms": 1.0,
                       "request": {"method": "GET", "url": f"http://h{path}", "headers": []},
                       "response": {"status": 200, "headers": [["content-type", "application/json"]],
                                    "body": {"kind": "json", "media_type": "application/json",
                                             "json": {"amount": 1.5, "n": 1}}}}) + "\n"


def test_one_schema_node_compiled_in_two_contexts() -> None:
    """A notice about one node from two compiled validators (alone, and merged into an allOf), first
    met in different units: a serial check reports both, and so does the merged part."""
    lines = [_line(i, "/alone") for i in range(5)] + [_line(i, "/merged") for i in range(5, 10)]
    serial = spec_checker(TWO_CONTEXTS)
    for line in lines:
        serial.add(_exchange_line(line.encode()))
    assert "response schemas, 2 place(s): format 'money'" in " ".join(_check_warnings(serial))
    task = CheckTask(TWO_CONTEXTS)
    parts = [task(Unit(i, f"<u{i}>", "stream"), chunk).summary for i, chunk in enumerate((lines[:5], lines[5:]))]
    assert parts[0] is not None and parts[1] is not None
    replayed = spec_checker(TWO_CONTEXTS)
    _replay(replayed, parts[0].merge(parts[1]))
    assert _state(replayed) == _state(serial)


def test_a_worker_checker_reused_for_later_units_reports_their_notices_again() -> None:
    """A worker's cached checker serves many units; a once-per-schema notice (here an unknown format)
    that fired in its first unit must fire again, at the same exchange, in the next one -- also when
    the jsonschema-rs gate was built during the first unit, before notice epochs began (it left the
    fired notice's site out then; found by the property above, seed 32071)."""
    task = CheckTask(SPEC, strict=False)
    lines = _lines(32071, 48, 0.0)

    def replayed_state() -> tuple[Any, ...]:
        parts = [task(Unit(0, "<unit 0>", "stream"), lines).summary]
        assert parts[0] is not None
        checker = spec_checker(SPEC)
        _replay(checker, parts[0])
        return _state(checker)

    serial = spec_checker(SPEC)
    serial.add_all(_exchange_line(line.encode()) for line in lines if line.endswith("}\n"))
    first, second = replayed_state(), replayed_state()
    assert first[0] == second[0] == sorted(serial.findings(), key=lambda f: f.sort_key())


IN_A_BRANCH = {
    "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
    "paths": {"/x": {"get": {"responses": {"200": {"description": "x", "content": {"application/json": {
        "schema": {"anyOf": [
            {"type": "object", "required": ["z"], "properties": {"t": {"type": "integer", "format": "x-tick"}}},
            {"type": "object"}]}}}}}}}},
}


def _branch_line(i: int, body: Any) -> str:
    return json.dumps({"id": f"b{i:03d}", "started_at": 1_760_000_000.0 + i, "duration_ms": 1.0,
                       "request": {"method": "GET", "url": "http://h/x", "headers": []},
                       "response": {"status": 200, "headers": [["content-type", "application/json"]],
                                    "body": {"kind": "json", "media_type": "application/json", "json": body}}}) + "\n"


def test_a_notice_met_inside_a_failing_branch_is_reported_serially_and_in_every_cut() -> None:
    """The first payloads meet the unknown format only inside an anyOf branch that fails (the other
    branch passes); later ones pass that branch. Before, the serial check spent the notice on the
    first payload and never reported it, while a unit starting later reported it: a cut gave another
    report than the serial check (found on Stripe's drifted responses). Now a failing branch gives
    the notice back, and every cut reports it where the serial check does."""
    lines = [_branch_line(i, {"t": i, "n": 1} if i < 3 else {"t": i, "z": 0}) for i in range(6)]
    serial = spec_checker(IN_A_BRANCH)
    for line in lines:
        serial.add(_exchange_line(line.encode()))
    assert "response schemas, 1 place(s): format 'x-tick'" in " ".join(_check_warnings(serial))
    task = CheckTask(IN_A_BRANCH)
    for cut in range(1, len(lines)):
        parts = [task(Unit(i, f"<u{i}>", "stream"), chunk).summary
                 for i, chunk in enumerate((lines[:cut], lines[cut:]))]
        assert parts[0] is not None and parts[1] is not None
        replayed = spec_checker(IN_A_BRANCH)
        _replay(replayed, parts[0].merge(parts[1]))
        assert _state(replayed) == _state(serial), cut
