"""refcheck._pointer_of (where the first ``nullable`` without ``type`` sits, for the run warning) finds
what a plain depth-first walk building a pointer per container finds, shared objects included."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift.spec.refcheck import _pointer_of


def reference(root: Any, target: Any) -> tuple[Any, ...]:
    stack: list[tuple[Any, tuple[Any, ...]]] = [(root, ())]
    while stack:
        value, pointer = stack.pop()
        if value is target:
            return pointer
        if isinstance(value, dict):
            stack.extend((v, (*pointer, k)) for k, v in value.items() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, (*pointer, i)) for i, v in enumerate(value) if isinstance(v, (dict, list)))
    return ()


_docs = st.recursive(st.one_of(st.none(), st.integers(), st.text(max_size=3)), lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=3), inner, max_size=4)), max_leaves=30)


def containers(value: Any) -> list[Any]:
    out = [value] if isinstance(value, (dict, list)) else []
    for child in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
        out += containers(child)
    return out


@settings(max_examples=300, deadline=None)
@given(_docs, st.data())
def test_pointer_of_agrees_with_the_plain_walk(doc: Any, data: st.DataObject) -> None:
    root = {"a": doc, "b": [doc, {"c": doc}]}  # the same objects under several pointers, like YAML aliases
    for target in containers(root)[:12]:
        assert _pointer_of(root, target) == reference(root, target)
    assert _pointer_of(root, object()) == () == reference(root, object())
    picked = data.draw(st.sampled_from(containers(root)))
    found = _pointer_of(root, picked)
    node: Any = root
    for key in found:
        node = node[key]
    assert node is picked
