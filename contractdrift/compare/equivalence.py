"""Fast "nothing can differ here" check: equal raw values whose ``$ref``s lead to equivalent targets.

Most of a large spec does not change between two versions. Comparing raw values is C-speed
(``==`` on dicts), so before building normalized views the engine asks whether a pair of nodes is
*equivalent*: raw-equal, and every ``$ref`` inside resolves, in each spec, to targets that are
equivalent again. Equivalent pairs cannot produce findings and are skipped whole.

Cycles are answered coinductively, Tarjan style: a pair met again while it is still being checked
is *assumed* equivalent. An answer "equivalent" that leaned on such an assumption is only
provisional: it is kept (and reused by the pairs of the same strongly connected component) until
the oldest pair it leaned on is decided. If that pair turns out equivalent, every provisional answer
of its component becomes final (the greatest fixpoint); if not, they are all forgotten and
recomputed when asked again. "Different" is final at once (assumptions only ever say "equivalent",
so a difference found under them is real). The answer for a pair therefore never depends on which
unrelated pairs were asked before it.

Memo keys carry document identity (:func:`~contractdrift.spec.node.node_identity`), so one ``Equivalence`` can serve comparisons
of many in-memory documents that share a name.
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..spec.node import Node

_Key = tuple[Any, Any]
_FINAL = 1 << 60  # "leaned on no assumption"


class Equivalence:
    def __init__(self) -> None:
        self._memo: dict[_Key, bool] = {}
        # pairs being checked -> their depth on the stack; provisional "equal" answers -> the lowest
        # stack depth they leaned on; the provisional keys of each stack frame's component
        self._on_stack: dict[_Key, int] = {}
        self._provisional: dict[_Key, int] = {}
        self._pending: list[list[_Key]] = []
        self._refs: dict[int, tuple[tuple[str, tuple[Any, ...]], ...]] = {}
        self._pinned: dict[int, Any] = {}  # keep keyed files alive so their ids are never reused

    def same(self, b: Node, r: Node) -> bool:
        """Can nothing differ between ``b`` and ``r`` (in their own documents)?"""
        return self._same(b, r)[0]

    def _same(self, b: Node, r: Node) -> tuple[bool, int]:
        """(equivalent?, lowest stack depth of an assumption the answer leaned on; a big number if none)."""
        bfile, rfile = b.file, r.file
        key = ((id(bfile), b.pointer), (id(rfile), r.pointer))  # spec.node.node_identity, inlined (hot)
        hit = self._memo.get(key)
        if hit is not None:
            return hit, _FINAL
        depth = self._on_stack.get(key)
        if depth is not None:
            return True, depth  # a cycle closes on the assumption that this pair is equivalent
        low = self._provisional.get(key)
        if low is not None:
            return True, low
        if b.value != r.value:
            self._memo[key] = False
            return False, _FINAL
        pinned = self._pinned
        if id(bfile) not in pinned:
            pinned[id(bfile)] = bfile
        if id(rfile) not in pinned:
            pinned[id(rfile)] = rfile
        refs = self._refs_in(b.value)
        if not refs:  # nothing to follow: decided at once
            self._memo[key] = True
            return True, _FINAL
        depth = len(self._pending)
        self._on_stack[key] = depth
        self._pending.append([])
        result, low = True, _FINAL
        try:
            for ref, at in refs:
                try:
                    bf, bp, bv = b.spec.resolve(ref, base=bfile, at=b.pointer + at)
                    rf, rp, rv = r.spec.resolve(ref, base=rfile, at=r.pointer + at)
                except InputError:
                    result = False
                    break
                ok, child_low = self._same(Node(b.spec, bf, bp, bv), Node(r.spec, rf, rp, rv))
                if not ok:
                    result = False
                    break
                if child_low < low:
                    low = child_low
        finally:
            del self._on_stack[key]
            component = self._pending.pop()
        if not result:
            self._memo[key] = False
            for k in component:  # they leaned on this pair being equivalent: recompute when asked
                self._provisional.pop(k, None)
            return False, _FINAL
        if low >= depth:  # nothing below leaned on an older pair: this component is decided
            self._memo[key] = True
            for k in component:
                self._provisional.pop(k, None)
                self._memo[k] = True
            return True, _FINAL
        self._provisional[key] = low
        self._pending[-1].extend(component)
        self._pending[-1].append(key)
        return True, low

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
