"""Fast "nothing can differ here" check: equal raw values whose ``$ref``s lead to equivalent targets.

Most of a large spec does not change between two versions. Comparing raw values is C-speed
(``==`` on dicts), so before building normalized views the engine asks whether a pair of nodes is
*equivalent*: raw-equal, and every ``$ref`` inside resolves, in each spec, to targets that are
equivalent again (coinductively: a pair met again while being checked is assumed equivalent, which
is sound for the cycle it closes). Equivalent pairs cannot produce findings and are skipped whole.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..spec.node import Node

_Key = tuple[tuple[str, Any], tuple[str, Any]]


class Equivalence:
    def __init__(self) -> None:
        self._memo: dict[_Key, bool] = {}
        self._refs: dict[int, tuple[tuple[str, tuple[Any, ...]], ...]] = {}

    def same(self, b: Node, r: Node) -> bool:
        key = (b.key, r.key)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if b.value != r.value:
            self._memo[key] = False
            return False
        self._memo[key] = True  # provisional: cycles close on this assumption
        result = True
        for ref, at in self._refs_in(b.value):
            try:
                bf, bp, bv = b.spec.resolve(ref, base=b.file, at=b.pointer + at)
                rf, rp, rv = r.spec.resolve(ref, base=r.file, at=r.pointer + at)
            except InputError:
                result = False
                break
            if not self.same(Node(b.spec, bf, bp, bv), Node(r.spec, rf, rp, rv)):
                result = False
                break
        self._memo[key] = result
        return result

    def _refs_in(self, value: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
        """Distinct ``$ref`` strings inside ``value`` with the relative pointer of their first holder."""
        cached = self._refs.get(id(value))
        if cached is not None:
            return cached
        found: dict[str, tuple[Any, ...]] = {}
        stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
        while stack:
            v, at = stack.pop()
            if isinstance(v, dict):
                ref = v.get("$ref")
                if isinstance(ref, str):
                    found.setdefault(ref, at)
                for k, child in v.items():
                    if isinstance(child, (dict, list)) and k not in ("example", "examples"):
                        stack.append((child, (*at, k)))
            elif isinstance(v, list):
                for i, child in enumerate(v):
                    if isinstance(child, (dict, list)):
                        stack.append((child, (*at, i)))
        out = tuple(found.items())
        self._refs[id(value)] = out
        return out
