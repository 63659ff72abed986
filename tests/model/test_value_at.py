"""``value_at``: the one "value of a JSON document at a pointer" every stage uses."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift.model import value_at

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text("ab", max_size=2), inner, max_size=3),
    max_leaves=12,
)


def _places(doc: Any, at: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    out = [(at, doc)]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _places(v, (*at, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _places(v, (*at, i))
    return out


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_every_place_of_a_document_is_found(doc: Any) -> None:
    for pointer, value in _places(doc):
        assert value_at(doc, pointer) is value


def test_pointers_leading_nowhere_give_the_default() -> None:
    doc = {"a": [10, {"b": None}], "0": "key"}
    missing = object()
    assert value_at(doc, ("a", 1, "b"), missing) is None  # a null is a value, not a miss
    for pointer in [("x",), ("a", 2), ("a", -1), ("a", "0"), (0,), ("a", 0, "c")]:
        assert value_at(doc, pointer, missing) is missing, pointer
    assert value_at(doc, ("0",)) == "key" and value_at(doc, ()) is doc
