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


def _is_data(key: Any, child: Any, pointer: Pointer) -> bool:
    """Is ``child`` (under ``key`` of the object at ``pointer``) data rather than spec structure?"""
    if not isinstance(key, str):
        return False
    if key in _DATA_KEYS or key.startswith("x-"):
        return True
    parent = pointer[-1] if pointer else None
    if key == "default":  # a schema's default value, but a response named "default" is structure
        return parent != "responses"
    if key == "examples":  # 3.1 schema `examples` is a list of values; elsewhere a map of Example Objects
        return isinstance(child, list)
    if key == "value":  # an Example Object's value
        return len(pointer) >= 2 and pointer[-2] == "examples"
    return False


@dataclass(frozen=True, slots=True)
class RefCheck:
    checked: int  # distinct references resolved
    broken: tuple[str, ...]  # one message per broken reference (file:line:col and target)
    warnings: tuple[str, ...]  # constructs that are not strictly valid but are compared anyway


def check_refs(spec: LoadedSpec, *, strict: bool = False) -> RefCheck:
    """Resolve all references reachable from the root, and note what is not strictly valid.

    A broken reference raises :class:`contractdrift.InputError` (file:line:col of the ``$ref``) when
    ``strict``; otherwise it is collected, summarized in ``warnings``, and the engine compares its
    target as an unconstrained schema (real specs ship with some: Stripe's 2017 spec refers to a
    ``#/definitions/error`` that does not exist).
    Notes (3.0 only): ``nullable`` without ``type`` — 3.0.3 says ``nullable`` only adds null to the
    types named by ``type``; contractdrift reads it as "null is allowed too", as most tools do.
    """
    pending: list[SpecFile] = [spec.root]
    done: set[str] = set()
    checked = 0
    nullable_without_type: list[tuple[SpecFile, Pointer]] = []
    broken: list[str] = []
    is_30 = spec.version.startswith("3.0")
    while pending:
        file = pending.pop()
        if file.uri in done:
            continue
        done.add(file.uri)
        seen_refs: set[str] = set()
        stack: list[tuple[Any, Pointer]] = [(file.data, ())]
        while stack:
            value, pointer = stack.pop()
            if isinstance(value, dict):
                ref = value.get("$ref")
                if is_30 and value.get("nullable") is True and "type" not in value and "$ref" not in value:
                    nullable_without_type.append((file, pointer))
                if isinstance(ref, str) and ref not in seen_refs:
                    seen_refs.add(ref)
                    checked += 1
                    try:
                        target_file, _, _ = spec.resolve(ref, base=file, at=pointer)
                    except InputError as exc:
                        if strict:
                            raise
                        broken.append(str(exc))
                    else:
                        if target_file.uri not in done:
                            pending.append(target_file)
                for key, child in value.items():
                    if isinstance(child, (dict, list)) and not _is_data(key, child, pointer):
                        stack.append((child, (*pointer, key)))
            elif isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, (dict, list)):
                        stack.append((child, (*pointer, i)))
    warnings: list[str] = []
    if broken:
        more = f" (and {len(broken) - 1} more broken $ref(s))" if len(broken) > 1 else ""
        warnings.append(f"{broken[0]}{more}; compared as unconstrained schemas (use --strict to fail)")
    if nullable_without_type:
        file, pointer = min(nullable_without_type, key=lambda fp: (fp[0].uri, [str(p) for p in fp[1]]))
        where = spec.locate(file, pointer)
        place = str(where.position) if where.position else f"{file.display}#{where.pointer}"
        warnings.append(f"{place}: 'nullable' without 'type' in {len(nullable_without_type)} schema(s) is not "
                        "strictly valid OpenAPI 3.0; read as 'null is also allowed' and compared anyway")
    return RefCheck(checked, tuple(broken), tuple(warnings))
