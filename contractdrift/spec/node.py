"""A located value inside a loaded spec: the unit the engine walks.

``Node`` knows its document (``file``) and pointer, so findings can say where they are, and it
follows ``$ref`` lazily through the spec's resolver (cycles are the walker's business).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import InputError
from ..model import Pointer, SpecLocation, value_at

_NOWHERE = object()


class SpecFileLike(Protocol):
    @property
    def uri(self) -> str: ...
    @property
    def display(self) -> str: ...


class SpecLike(Protocol):
    """What the engine needs of a loaded spec (``contractdrift.spec.load.LoadedSpec``)."""

    def resolve(self, ref: str, *, base: Any, at: Pointer | None = None) -> tuple[Any, Pointer, Any]: ...
    def locate(self, file: Any, pointer: Pointer) -> SpecLocation: ...


MAX_REF_CHAIN = 64


def node_identity(node: Node) -> tuple[int, Pointer]:
    """A memo key for ``node`` that tells documents apart even when they share a uri (two in-memory
    documents are both ``<memory>``): the identity of its loaded file and its pointer. Holders of such
    keys keep the file alive, so that its ``id`` is never reused while the key is remembered."""
    return (id(node.file), node.pointer)


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    spec: SpecLike
    file: Any  # SpecFile
    pointer: Pointer
    value: Any

    @property
    def key(self) -> tuple[str, Pointer]:
        return (self.file.uri, self.pointer)

    def get(self, name: str, default: Any = None) -> Any:
        v = self.value
        return v.get(name, default) if isinstance(v, dict) else default

    def child(self, *path: str | int) -> Node | None:
        value = value_at(self.value, path, _NOWHERE)
        if value is _NOWHERE:
            return None
        return Node(self.spec, self.file, self.pointer + tuple(path), value)

    def items(self) -> Iterator[tuple[str, Node]]:
        """Children of a mapping value, as nodes (keys as strings)."""
        if isinstance(self.value, dict):
            for k, v in self.value.items():
                yield str(k), Node(self.spec, self.file, (*self.pointer, str(k)), v)

    def elements(self) -> Iterator[Node]:
        if isinstance(self.value, list):
            for i, v in enumerate(self.value):
                yield Node(self.spec, self.file, (*self.pointer, i), v)

    def deref(self) -> Node:
        """Follow ``$ref`` (a chain of them) to the target node."""
        node = self
        for _ in range(MAX_REF_CHAIN):
            value = node.value
            if not (isinstance(value, dict) and isinstance(value.get("$ref"), str)):
                return node
            try:
                file, pointer, target = node.spec.resolve(value["$ref"], base=node.file, at=node.pointer)
            except InputError:
                # a broken $ref (reported up front by spec.refcheck): compare its target as unconstrained
                return Node(node.spec, node.file, node.pointer, {})
            node = Node(node.spec, file, pointer, target)
        raise InputError("$ref chain too long or circular", file=self.file.display, pointer=_rfc(self.pointer))

    @property
    def ref_siblings(self) -> dict[str, Any] | None:
        """Keywords beside a ``$ref`` (OpenAPI 3.1 / JSON Schema 2020-12 allows them)."""
        v = self.value
        if isinstance(v, dict) and "$ref" in v and len(v) > 1:
            return {k: x for k, x in v.items() if k != "$ref"}
        return None

    def location(self) -> SpecLocation:
        return self.spec.locate(self.file, self.pointer)


def _rfc(pointer: Pointer) -> str:
    from ..model import to_rfc6901

    return to_rfc6901(pointer)
