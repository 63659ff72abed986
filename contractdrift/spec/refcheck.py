"""Resolve every ``$ref`` of a spec once, so a broken reference fails up front with its place.

The comparison engine resolves lazily and would only trip over a broken ``$ref`` in the parts it
compares. ``check_refs`` walks each loaded document iteratively (no recursion limit on deep
documents), skips data values (``example``, ``examples``, ``default``, ``enum``, ``const`` and
``x-`` extensions, where a ``$ref`` key is data and must never be resolved or fetched), resolves each
distinct reference once per file (the resolver caches), and follows references into other files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import Pointer
from .load import LoadedSpec, SpecFile

_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})


@dataclass(frozen=True, slots=True)
class RefCheck:
    checked: int  # distinct references resolved
    warnings: tuple[str, ...]  # constructs that are not strictly valid but are compared anyway


def check_refs(spec: LoadedSpec) -> RefCheck:
    """Resolve all references reachable from the root, and note what is not strictly valid.

    Raises :class:`contractdrift.InputError` (file:line:col of the ``$ref``) on the first broken one.
    Notes (3.0 only): ``nullable`` without ``type`` — 3.0.3 says ``nullable`` only adds null to the
    types named by ``type``; contractdrift reads it as "null is allowed too", as most tools do.
    """
    pending: list[SpecFile] = [spec.root]
    done: set[str] = set()
    checked = 0
    nullable_without_type: list[tuple[SpecFile, Pointer]] = []
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
                    target_file, _, _ = spec.resolve(ref, base=file, at=pointer)
                    checked += 1
                    if target_file.uri not in done:
                        pending.append(target_file)
                for key, child in value.items():
                    if isinstance(child, (dict, list)) and key not in _DATA_KEYS and not (
                            isinstance(key, str) and key.startswith("x-")):
                        stack.append((child, (*pointer, key)))
            elif isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, (dict, list)):
                        stack.append((child, (*pointer, i)))
    warnings: list[str] = []
    if nullable_without_type:
        file, pointer = min(nullable_without_type, key=lambda fp: (fp[0].uri, [str(p) for p in fp[1]]))
        where = spec.locate(file, pointer)
        place = str(where.position) if where.position else f"{file.display}#{where.pointer}"
        warnings.append(f"{place}: 'nullable' without 'type' in {len(nullable_without_type)} schema(s) is not "
                        "strictly valid OpenAPI 3.0; read as 'null is also allowed' and compared anyway")
    return RefCheck(checked, tuple(warnings))
