"""The aggregate is a commutative monoid, and checking slices then merging equals checking the whole:
what lets a later issue check a recording in parallel workers."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift.compare.aggregate import CheckAggregate
from contractdrift.compare.traffic import SpecChecker
from contractdrift.model import Exchange

from .helpers import ex, ok, spec

ITEM = {"type": "object", "required": ["id"], "properties": {
    "id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}}}
DOC = spec({"/items/{id}": {"get": {"deprecated": True, "parameters": [
    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "responses": {"200": ok(ITEM), "404": ok()}}}})
CHECKER = SpecChecker(DOC)

_payloads = st.sampled_from([
    {"id": 1}, {"id": "1"}, {}, {"id": 2, "tags": ["a", "c"]}, {"id": 3, "tags": ["z", "b", "y"]},
    {"id": 4, "extra": True},
])
_exchange = st.builds(
    lambda n, t, body, status, item, ua: ex("GET", f"/items/{item}", status, body, at=1_700_000_000.0 + t,
                                           ident=f"x{n:05d}", headers={"User-Agent": ua}),
    st.integers(0, 99_999), st.integers(0, 50), _payloads, st.sampled_from([200, 200, 404, 500]),
    st.sampled_from(["1", "x", "22"]), st.sampled_from(["a/1", "b/2"]),
)
_batch = st.lists(_exchange, max_size=12, unique_by=lambda e: e.id)


def fold(exchanges: list[Exchange]) -> CheckAggregate:
    CHECKER.aggregate = CheckAggregate()
    for e in exchanges:
        CHECKER.add(e)
    return CHECKER.aggregate


def _unique(*batches: list[Exchange]) -> bool:
    ids = [e.id for b in batches for e in b]
    return len(ids) == len(set(ids))


@settings(max_examples=60, deadline=None)
@given(_batch, _batch, _batch)
def test_merge_is_associative_and_commutative(a: list[Exchange], b: list[Exchange], c: list[Exchange]) -> None:
    x, y, z = fold(a), fold(b), fold(c)
    assert x.merge(y.merge(z)) == x.merge(y).merge(z)
    assert x.merge(y) == y.merge(x)


@settings(max_examples=40, deadline=None)
@given(_batch)
def test_empty_aggregate_is_the_identity(a: list[Exchange]) -> None:
    x = fold(a)
    assert x.merge(CheckAggregate()) == x == CheckAggregate().merge(x)


@settings(max_examples=60, deadline=None)
@given(_batch, _batch, st.randoms(use_true_random=False))
def test_slices_merged_equal_the_whole(a: list[Exchange], b: list[Exchange], rnd: Any) -> None:
    if not _unique(a, b):
        return
    whole = a + b
    rnd.shuffle(whole)
    merged = fold(a).merge(fold(b))
    assert merged == fold(whole)
    # and the findings built from either are the same, evidence included
    key = lambda f: f.sort_key()  # noqa: E731
    assert sorted(CHECKER.findings(merged), key=key) == sorted(CHECKER.findings(fold(whole)), key=key)


def test_merge_does_not_mutate_its_inputs() -> None:
    a = fold([ex("GET", "/items/1", 200, {"id": "1"}, ident="a1")])
    b = fold([ex("GET", "/items/1", 200, {"id": "2"}, ident="b1", at=1.0)])
    before = (a.state(), b.state())
    a.merge(b)
    assert (a.state(), b.state()) == before
