"""Engine properties that would have caught issue 7's bugs, on generated specs and on the real corpus.

* **Locality**: adding, removing or renaming an unrelated path never changes the findings of another
  operation; the order of paths and components never changes the findings.
* **Mirror**: every finding of ``diff(a, b)`` whose rule has a mirror in the registry has that
  mirror at the same operation and payload place in ``diff(b, a)``.
* **Injection**: a change injected at a reachable schema location of a real spec (the corpus specs,
  cycles included) is reported at every operation that reaches it, and at no operation that cannot.
  Reachability is computed here, independently of the engine, by following ``$ref`` over the raw
  JSON (``readOnly`` properties do not reach requests, ``writeOnly`` ones not responses, ``not``
  is compared by presence only).
* ``diff(x, deepcopy(x))`` is empty with the raw-equality shortcut switched off: the walker itself
  compares everything and finds nothing.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractdrift.api import diff_specs
from contractdrift.compare import rules as R
from contractdrift.compare.equivalence import Equivalence
from contractdrift.compare.specs import SpecDiff
from contractdrift.model import Finding, Side
from contractdrift.spec.load import LoadedSpec, load_spec_data

Json = dict[str, Any]
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])


def _key(f: Finding) -> tuple[Any, ...]:
    return (f.operation, f.rule_id, f.location.side.value, f.location.status, f.location.media_type,
            f.location.payload_pointer, json.dumps(dict(f.args), sort_keys=True, default=str))


def _by_operation(findings: Sequence[Finding]) -> dict[str | None, list[tuple[Any, ...]]]:
    out: dict[str | None, list[tuple[Any, ...]]] = {}
    for f in findings:
        out.setdefault(f.operation, []).append(_key(f))
    return {op: sorted(v) for op, v in out.items()}


# -- generated specs whose components reference each other (cycles through properties) -------------------

NAMES = ("X", "Y", "Z")


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


LEAVES = st.sampled_from([{"type": "string"}, {"type": "integer"}, {"type": "string", "enum": ["a", "b"]},
                          {"type": "boolean"}, {"type": "string", "nullable": True}])


@st.composite
def cyclic_components(draw: st.DrawFn) -> Json:
    out: Json = {}
    for name in NAMES:
        props: Json = {}
        for i in range(draw(st.integers(1, 3))):
            props[f"p{i}"] = draw(st.one_of(LEAVES, st.sampled_from(NAMES).map(_ref), st.sampled_from(NAMES).map(_ref),
                                            st.sampled_from(NAMES).map(lambda n: {"type": "array", "items": _ref(n)})))
        out[name] = {"type": "object", "properties": props}
    return out


def _document(components: Json, paths: dict[str, str]) -> Json:
    def op(target: str) -> Json:
        return {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": _ref(target)}}}}}}

    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {p: op(t) for p, t in paths.items()}, "components": {"schemas": components}}


@st.composite
def changed_pairs(draw: st.DrawFn) -> tuple[Json, Json]:
    """(base, revision): one leaf of one component changed; paths each pointing at a component."""
    components = draw(cyclic_components())
    paths = {f"/p{i}": draw(st.sampled_from(NAMES)) for i in range(draw(st.integers(1, 4)))}
    revised = copy.deepcopy(components)
    name = draw(st.sampled_from(NAMES))
    prop = draw(st.sampled_from(sorted(revised[name]["properties"])))
    revised[name]["properties"][prop] = draw(LEAVES.filter(lambda v: v != components[name]["properties"][prop]))
    return _document(components, paths), _document(revised, paths)


@settings(FAST, max_examples=200)
@given(changed_pairs())
def test_an_unrelated_path_never_changes_other_operations_findings(pair: tuple[Json, Json]) -> None:
    base, revision = pair
    before = _by_operation(diff_specs(base, revision).findings)
    # the same extra path in both versions (sorted first or last, to any component): others must not notice
    for extra in ("/0", "/zz"):
        for target in NAMES:
            with_extra = [copy.deepcopy(d) for d in pair]
            for d in with_extra:
                d["paths"][extra] = _document({}, {extra: target})["paths"][extra]
            after = _by_operation(diff_specs(*with_extra).findings)
            after.pop(f"GET {extra}", None)
            assert after == before, (extra, target)
    # removing one path, or renaming it, leaves the others alone
    first = next(iter(base["paths"]))
    for rename in (None, "/renamed"):
        pruned = [copy.deepcopy(d) for d in pair]
        for d in pruned:
            item = d["paths"].pop(first)
            if rename is not None:
                d["paths"][rename] = item
        got = _by_operation(diff_specs(*pruned).findings)
        moved = got.pop(f"GET {rename}", None) if rename else None
        expected = {op: v for op, v in before.items() if op != f"GET {first}"}
        assert got == expected
        if rename is not None:
            assert [k[1:] for k in moved or []] == [k[1:] for k in before.get(f"GET {first}", [])]


def _reordered(doc: Json) -> Json:
    out = copy.deepcopy(doc)
    out["paths"] = dict(reversed(list(out["paths"].items())))
    schemas = out.get("components", {}).get("schemas")
    if isinstance(schemas, dict):
        out["components"]["schemas"] = dict(reversed(list(schemas.items())))
    return out


@FAST
@given(changed_pairs())
def test_the_order_of_paths_and_components_never_changes_the_findings(pair: tuple[Json, Json]) -> None:
    base, revision = pair
    assert [_key(f) for f in diff_specs(_reordered(base), _reordered(revision)).findings] == [
        _key(f) for f in diff_specs(base, revision).findings]


@FAST
@given(changed_pairs())
def test_every_finding_has_its_mirror_when_the_versions_are_swapped(pair: tuple[Json, Json]) -> None:
    base, revision = pair
    backwards = {(f.operation, f.rule_id, f.location.payload_pointer) for f in diff_specs(revision, base).findings}
    for f in diff_specs(base, revision).findings:
        mirror = R.MIRRORS.get(f.rule_id)
        if mirror is not None:
            assert (f.operation, mirror, f.location.payload_pointer) in backwards, (f.rule_id, f.message)


@FAST
@given(changed_pairs())
def test_diff_with_a_deep_copy_is_empty_when_the_walker_compares_everything(pair: tuple[Json, Json]) -> None:
    doc = pair[0]
    report, walked = _without_shortcut(load_spec_data(doc), load_spec_data(copy.deepcopy(doc)))
    assert report == []
    assert walked > 0  # the walker did compare schemas (the shortcut did not answer for it)


def _without_shortcut(base: LoadedSpec, revision: LoadedSpec) -> tuple[list[Finding], int]:
    differ = SpecDiff(base, revision)
    never = _NeverEquivalent()
    differ.equivalence = never
    for walker in differ.walkers.values():
        walker.equivalence = never
    findings = differ.run()
    return findings, sum(w.pairs_compared for w in differ.walkers.values())


class _NeverEquivalent(Equivalence):
    def same(self, b: Any, r: Any) -> bool:
        return False


# -- the corpus ---------------------------------------------------------------------------------------------

SPECS = sorted(p for p in CORPUS.glob("*/*/base.*")) if CORPUS.is_dir() else []
#: one spec per API (its latest version in the corpus), to keep the suite quick
LATEST = sorted({p.parent.parent.name: p for p in SPECS}.values())
SMALL = [p for p in SPECS if p.stat().st_size < 2_000_000]
corpus = pytest.mark.skipif(not SPECS, reason="../shared/corpus is absent")


@functools.cache
def _raw(path: Path) -> Json:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@functools.cache
def _spec(path: Path) -> LoadedSpec:
    return load_spec_data(_raw(path))


_SCHEMA_ONE = ("additionalProperties", "items", "if", "then", "else", "contains", "propertyNames",
               "unevaluatedItems", "unevaluatedProperties", "contentSchema")
_SCHEMA_LIST = ("allOf", "oneOf", "anyOf", "prefixItems", "items")
_SCHEMA_MAP = ("properties", "patternProperties", "dependentSchemas")
_HIDDEN = {"request": "readOnly", "response": "writeOnly"}


class Reach:
    """Which schema locations each operation reaches, per direction, over the raw document."""

    def __init__(self, doc: Json) -> None:
        self.doc = doc
        self._walks: dict[tuple[tuple[Any, ...], str | None], tuple[frozenset[Any], frozenset[Any]]] = {}

    def target(self, ref: str) -> tuple[Any, ...] | None:
        if not ref.startswith("#/"):
            return None
        ptr = tuple(p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/"))
        value: Any = self.doc
        for p in ptr:
            if not isinstance(value, dict) or p not in value:
                return None
            value = value[p]
        return ptr

    def value(self, ptr: tuple[Any, ...]) -> Any:
        v: Any = self.doc
        for p in ptr:
            v = v[p]
        return v

    def hidden(self, value: Any, direction: str | None) -> bool:
        """A property schema that does not travel in ``direction`` (its own flag or its target's)."""
        if direction is None or not isinstance(value, dict):
            return False
        flag = _HIDDEN[direction]
        if value.get(flag) is True:
            return True
        ref = value.get("$ref")
        target = self.target(ref) if isinstance(ref, str) else None
        return target is not None and isinstance(self.value(target), dict) and self.value(target).get(flag) is True

    def walk(self, start: tuple[Any, ...], direction: str | None) -> tuple[frozenset[Any], frozenset[Any]]:
        """Schema pointers reached from ``start`` without crossing a ``$ref``, and the ``$ref``
        targets met. ``direction=None``: every structural edge (``not`` and hidden properties too)."""
        hit = self._walks.get((start, direction))
        if hit is None:
            hit = self._walks[(start, direction)] = self._walk(start, direction)
        return hit

    def _walk(self, start: tuple[Any, ...], direction: str | None) -> tuple[frozenset[Any], frozenset[Any]]:
        seen: set[tuple[Any, ...]] = set()
        refs: set[tuple[Any, ...]] = set()
        stack = [start]
        while stack:
            ptr = stack.pop()
            if ptr in seen:
                continue
            seen.add(ptr)
            v = self.value(ptr)
            if not isinstance(v, dict):
                continue
            ref = v.get("$ref")
            if isinstance(ref, str):
                t = self.target(ref)
                if t is not None:
                    refs.add(t)
            for key in _SCHEMA_ONE + (("not",) if direction is None else ()):
                if isinstance(v.get(key), dict):
                    stack.append((*ptr, key))
            for key in _SCHEMA_LIST:
                if isinstance(v.get(key), list):
                    stack.extend((*ptr, key, i) for i, m in enumerate(v[key]) if isinstance(m, dict))
            for key in _SCHEMA_MAP:
                if isinstance(v.get(key), dict):
                    stack.extend((*ptr, key, k) for k, m in v[key].items()
                                 if isinstance(m, dict) and not (key == "properties" and self.hidden(m, direction)))
        return frozenset(seen), frozenset(refs)

    def closure(self, starts: list[tuple[Any, ...]], direction: str | None) -> set[tuple[Any, ...]]:
        reached: set[tuple[Any, ...]] = set()
        pending = list(starts)
        done: set[tuple[Any, ...]] = set()
        while pending:
            start = pending.pop()
            if start in done:
                continue
            done.add(start)
            inside, refs = self.walk(start, direction)
            reached |= inside
            pending.extend(refs - done)
        return reached

    def operations(self) -> Iterator[tuple[str, dict[str, list[tuple[Any, ...]]]]]:
        """(label, direction -> schema roots) for every operation."""
        for path, item in self.doc.get("paths", {}).items():
            if not isinstance(item, dict):
                continue
            for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                base = ("paths", path, method)
                roots: dict[str, list[tuple[Any, ...]]] = {"request": [], "response": []}
                for where, params in ((("paths", path), item.get("parameters")), (base, op.get("parameters"))):
                    for i in range(len(params) if isinstance(params, list) else 0):
                        roots["request"] += self._holder_schemas((*where, "parameters", i), media=True)
                if isinstance(op.get("requestBody"), dict):
                    roots["request"] += self._holder_schemas((*base, "requestBody"), media=True)
                for status in op.get("responses") or {}:
                    rptr = self._deref((*base, "responses", status))
                    roots["response"] += self._holder_schemas(rptr, media=True)
                    headers = self.value(rptr).get("headers") if isinstance(self.value(rptr), dict) else None
                    for name in headers if isinstance(headers, dict) else {}:
                        roots["response"] += self._holder_schemas((*rptr, "headers", name), media=True)
                yield f"{method.upper()} {path}", roots

    def _deref(self, ptr: tuple[Any, ...]) -> tuple[Any, ...]:
        for _ in range(16):
            v = self.value(ptr)
            if isinstance(v, dict) and isinstance(v.get("$ref"), str) and (t := self.target(v["$ref"])) is not None:
                ptr = t
            else:
                break
        return ptr

    def _holder_schemas(self, ptr: tuple[Any, ...], *, media: bool) -> list[tuple[Any, ...]]:
        ptr = self._deref(ptr)
        v = self.value(ptr)
        if not isinstance(v, dict):
            return []
        out = [(*ptr, "schema")] if isinstance(v.get("schema"), dict) else []
        content = v.get("content")
        for mt, m in (content.items() if media and isinstance(content, dict) else []):
            if isinstance(m, dict) and isinstance(m.get("schema"), dict):
                out.append((*ptr, "content", mt, "schema"))
        return out


@functools.cache
def _reach(path: Path) -> tuple[Reach, dict[str, tuple[set[Any], set[Any]]], list[tuple[Any, ...]]]:
    """Per operation: (locations reached in its own direction(s), locations reached at all); and the
    candidate injection points (schema locations under components/schemas, at most 3 levels deep)."""
    reach = Reach(_raw(path))
    per_op: dict[str, tuple[set[Any], set[Any]]] = {}
    for label, roots in reach.operations():
        strict = reach.closure(roots["request"], "request") | reach.closure(roots["response"], "response")
        loose = reach.closure(roots["request"] + roots["response"], None)
        per_op[label] = (strict, loose)
    candidates = sorted({p for s, _ in per_op.values() for p in s
                         if p[:2] == ("components", "schemas") and len(p) <= 7}, key=str)
    return reach, per_op, candidates


INJECTED = {"type": "string", "const": "contractdrift-injected"}


def _inject(doc: Json, ptr: tuple[Any, ...]) -> Json:
    """A copy of ``doc`` with the value at ``ptr`` replaced (only the containers on the way copied)."""
    out = dict(doc)
    holder: Any = out
    for p in ptr[:-1]:
        child = holder[p]
        child = dict(child) if isinstance(child, dict) else list(child)
        holder[p] = child
        holder = child
    holder[ptr[-1]] = dict(INJECTED)
    return out


@corpus
@pytest.mark.corpus
def _pair_id(p: object) -> str:
    """``stripe/6``; pytest hands an empty parametrize (no corpus here) a placeholder: name it plainly."""
    return f"{p.parent.parent.name}/{p.parent.name}" if isinstance(p, Path) else str(p)


@pytest.mark.parametrize("path", LATEST, ids=_pair_id)
def test_an_injected_change_is_reported_at_every_operation_that_reaches_it(path: Path) -> None:
    reach, per_op, candidates = _reach(path)
    if not candidates:
        pytest.skip("no component schema reached by an operation")

    examples = 3 if path.stat().st_size > 3_000_000 else 6  # a change in a big shared component: ~1 s a diff

    @settings(SLOW, max_examples=examples)
    @given(st.sampled_from(candidates))
    def check(ptr: tuple[Any, ...]) -> None:
        if reach.value(ptr) == INJECTED:
            return
        revision = load_spec_data(_inject(reach.doc, ptr))
        findings = SpecDiff(_spec(path), revision).run()
        reported = {f.operation for f in findings}
        must = {op for op, (strict, _) in per_op.items() if ptr in strict}
        may = {op for op, (_, loose) in per_op.items() if any(ptr[:i] in loose for i in range(len(ptr), 1, -1))}
        assert must, ptr
        assert must <= reported, f"{ptr}: not reported at {sorted(must - reported)[:5]}"
        stray = {op for op in reported if op in per_op} - may
        assert not stray, f"{ptr}: reported at operations that cannot reach it: {sorted(stray)[:5]}"

    check()


@corpus
@pytest.mark.corpus
@pytest.mark.parametrize("path", SMALL, ids=_pair_id)
def test_real_pair_findings_are_local_and_order_free(path: Path) -> None:
    # the smaller pairs (< 2 MB): the large ones are covered by the injection property
    revision_path = next(path.parent.glob("revision.*"))
    base, revision = _raw(path), _raw(revision_path)
    full = diff_specs(base, revision).findings
    before = _by_operation(full)
    assert [_key(f) for f in diff_specs(_reordered(base), _reordered(revision)).findings] == [_key(f) for f in full]

    @settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(sorted(set(base["paths"]) & set(revision["paths"]))))
    def drop(path_key: str) -> None:
        pruned = [{**d, "paths": {k: v for k, v in d["paths"].items() if k != path_key}} for d in (base, revision)]
        got = _by_operation(diff_specs(*pruned).findings)
        dropped = {op for op in before if op is not None and op.split(" ", 1)[1] == path_key}
        assert got == {op: v for op, v in before.items() if op not in dropped and op is not None} | (
            {None: before[None]} if None in before else {})

    drop()


@corpus
@pytest.mark.corpus
@pytest.mark.parametrize("path", [p for p in LATEST if p in SMALL],
                         ids=_pair_id)
def test_real_spec_against_its_deep_copy_is_empty_through_the_walker(path: Path) -> None:
    findings, walked = _without_shortcut(_spec(path), load_spec_data(copy.deepcopy(_raw(path))))
    assert findings == []
    assert walked > 0


def test_side_values_used_here_exist() -> None:
    assert {s.value for s in Side} >= set(_HIDDEN)
