"""Resolve every ``$ref`` of a spec once, so a broken reference fails up front with its place.

The comparison engine resolves lazily and would only trip over a broken ``$ref`` in the parts it
compares. ``check_refs`` walks each loaded document iteratively (no recursion limit on deep
documents), skips data values (``example``, ``examples`` lists, Example Object ``value``s, schema
``default``s, ``enum``, ``const`` and ``x-`` extensions, where a ``$ref`` key is data and must never
be resolved or fetched), resolves each
distinct reference once per file (the resolver caches), and follows references into other files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..model import Pointer
from .load import LoadedSpec, SpecFile

_DATA_KEYS = frozenset({"example", "enum", "const"})
_SPECIAL_KEYS = _DATA_KEYS | {"default", "examples", "value"}


def _is_data(key: Any, child: Any, parent: Any, grandparent: Any) -> bool:
    """Is ``child`` (under ``key`` of an object that sits under ``parent``) data, not structure?"""
    if not isinstance(key, str):
        return False
    if key in _DATA_KEYS or key.startswith("x-"):
        return True
    if key == "default":  # a schema's default value, but a response named "default" is structure
        return bool(parent != "responses")
    if key == "examples":  # 3.1 schema `examples` is a list of values; elsewhere a map of Example Objects
        return isinstance(child, list)
    if key == "value":  # an Example Object's value
        return bool(grandparent == "examples")
    return False


def _pointer_of(root: Any, target: Any) -> Pointer:
    """The pointer of the object ``target`` (by identity) inside ``root``; () when not found.

    Depth first, last child first (the first hit wins where an object is shared, e.g. a YAML alias).
    The walk keeps (parent index, key) per container and builds the one pointer it returns, instead
    of a pointer tuple per container visited (a whole-spec walk on large specs)."""
    nodes: list[Any] = [root]
    parents: list[int] = [-1]
    keys: list[Any] = [None]
    stack = [0]
    pop, push = stack.pop, stack.append
    while stack:
        at = pop()
        value = nodes[at]
        if value is target:
            path: list[Any] = []
            while at > 0:
                path.append(keys[at])
                at = parents[at]
            return tuple(reversed(path))
        kind = type(value)
        if kind is dict or isinstance(value, dict):
            items: Any = value.items()
        elif kind is list or isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        for k, v in items:
            if isinstance(v, (dict, list)):
                push(len(nodes))
                nodes.append(v)
                parents.append(at)
                keys.append(k)
    return ()


@dataclass(frozen=True, slots=True)
class RefCheck:
    checked: int  # distinct references resolved
    broken: tuple[str, ...]  # one message per broken reference (file:line:col and target)
    warnings: tuple[str, ...]  # constructs that are not strictly valid but are compared anyway


def check_refs(spec: LoadedSpec, *, strict: bool = False) -> RefCheck:
    """Resolve all references reachable from the root, and note what is not strictly valid.

    A broken reference raises :class:`contractdrift.InputError` (file:line:col of the ``$ref``) when
    ``strict`` (``--strict-refs``); otherwise it is collected, summarized in ``warnings``, and the engine compares its
    target as an unconstrained schema (real specs ship with some: Stripe's 2017 spec refers to a
    ``#/definitions/error`` that does not exist).
    Notes (3.0 only): ``nullable`` without ``type`` — 3.0.3 says ``nullable`` only adds null to the
    types named by ``type``; contractdrift reads it as "null is allowed too", as most tools do.
    """
    pending: list[SpecFile] = [spec.root]
    done: set[str] = set()
    checked = 0
    nullable_without_type: list[tuple[SpecFile, Any]] = []
    broken: list[str] = []
    is_30 = spec.version.startswith("3.0")
    while pending:
        file = pending.pop()
        if file.uri in done:
            continue
        done.add(file.uri)
        # 3.1 schemas with an `$id` are resources of their own: a reference inside one is relative to
        # it, so the same text may mean different targets in different resources
        scoped = spec.has_schema_ids(file)
        seen_refs: set[tuple[str, int]] = set()
        # (value, key it sits under, key its parent sits under, innermost `$id` holder or None):
        # no pointers on the hot path
        stack: list[tuple[Any, Any, Any, Any]] = [(file.data, None, None, None)]
        pop, push = stack.pop, stack.append
        while stack:
            value, key_here, parent_key, resource = pop()
            if type(value) is dict:
                ref = value.get("$ref")
                if is_30 and value.get("nullable") is True and "type" not in value and ref is None:
                    nullable_without_type.append((file, value))
                if scoped and type(value.get("$id")) is str:
                    resource = value
                if ref is not None and type(ref) is str and (ref, id(resource)) not in seen_refs:
                    seen_refs.add((ref, id(resource)))
                    checked += 1
                    try:
                        # inside a 3.1 `$id` resource, resolve from where the reference is written
                        at = _pointer_of(file.data, value) if resource is not None else None
                        target_file, _, _ = spec.resolve(ref, base=file, at=at)
                    except InputError as exc:
                        if strict:
                            raise
                        broken.append(str(exc))
                    else:
                        if target_file.uri not in done:
                            pending.append(target_file)
                for key, child in value.items():
                    kind = type(child)
                    if (kind is dict or kind is list) and not (
                            (key in _SPECIAL_KEYS or key[:2] == "x-") and _is_data(key, child, key_here, parent_key)):
                        push((child, key, key_here, resource))
            elif type(value) is list:
                for child in value:
                    kind = type(child)
                    if kind is dict or kind is list:
                        push((child, key_here, parent_key, resource))
    warnings: list[str] = []
    if broken:
        more = f" (and {len(broken) - 1} more broken $ref(s))" if len(broken) > 1 else ""
        warnings.append(f"{broken[0]}{more}; compared as unconstrained schemas (use --strict-refs to fail)")
    if nullable_without_type:
        file, holder = nullable_without_type[0]
        where = spec.locate(file, _pointer_of(file.data, holder))
        place = str(where.position) if where.position else f"{file.display}#{where.pointer}"
        warnings.append(f"{place}: 'nullable' without 'type' in {len(nullable_without_type)} schema(s) is not "
                        "strictly valid OpenAPI 3.0; read as 'null is also allowed' and compared anyway")
    return RefCheck(checked, tuple(broken), tuple(warnings))
