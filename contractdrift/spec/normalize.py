"""Published contract -> one operation model, whatever the OpenAPI version.

Operations are keyed by method and *normalized* path (``/pets/{id}`` == ``/pets/{petId}``);
path-level parameters are merged into each operation (operation-level wins); parameters are keyed by
location and name, header names case-insensitively, path parameters by their position in the
template (so renaming ``{id}`` to ``{petId}`` is no change).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .node import Node, SpecLike

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PARAM = re.compile(r"\{[^}/]*\}")


def normalize_path(path: str) -> str:
    """``/pets/{petId}/`` -> ``/pets/{}``: parameter names do not matter for matching."""
    p = _PARAM.sub("{}", path)
    if len(p) > 1 and p.endswith("/"):
        p = p[:-1]
    return p


def path_param_names(path: str) -> list[str]:
    return [m.group(0)[1:-1] for m in _PARAM.finditer(path)]


@dataclass(frozen=True, slots=True)
class Parameter:
    key: tuple[str, str]  # ("query", "limit"), ("header", "x-request-id"), ("path", "#0")
    name: str
    location: str  # in
    node: Node  # dereferenced parameter object
    level: str  # "path" (path item) or "operation"

    @property
    def required(self) -> bool:
        return self.location == "path" or self.node.get("required") is True

    @property
    def deprecated(self) -> bool:
        return self.node.get("deprecated") is True

    def schema(self) -> Node | None:
        """The parameter's schema, or the schema of its single ``content`` entry."""
        s = self.node.child("schema")
        if s is not None:
            return s
        content = self.node.child("content")
        if content is not None:
            for _, media in content.items():
                return media.child("schema")
        return None


@dataclass(frozen=True, slots=True)
class Operation:
    method: str  # upper case
    path: str  # template as written
    node: Node  # the operation object
    path_item: Node
    parameters: Mapping[tuple[str, str], Parameter] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.method} {normalize_path(self.path)}"

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def deprecated(self) -> bool:
        return self.node.get("deprecated") is True


def _param_key(location: str, name: str, path: str) -> tuple[str, str]:
    if location == "path":
        names = path_param_names(path)
        return ("path", f"#{names.index(name)}" if name in names else name)
    if location == "header":
        return ("header", name.lower())
    return (location, name)


def _parameters(node: Node | None, path: str, level: str) -> Iterator[Parameter]:
    if node is None:
        return
    for p in node.elements():
        target = p.deref()
        if not isinstance(target.value, dict):
            continue
        name, location = target.get("name"), target.get("in")
        if not isinstance(name, str) or not isinstance(location, str):
            continue
        yield Parameter(_param_key(location, name, path), name, location, target, level)


def path_items(root: Node, section: str = "paths") -> Iterator[tuple[str, Node]]:
    paths = root.child(section)
    if paths is None or not isinstance(paths.value, dict):
        return
    for path, item in paths.items():
        yield path, item.deref()


def operations(spec: SpecLike, root_file: Any, *, section: str = "paths",
               exclude_extensions: tuple[str, ...] = ()) -> dict[str, Operation]:
    """All operations of a spec (or of its ``webhooks`` section), keyed by ``Operation.key``."""
    root = Node(spec, root_file, (), root_file.data)
    out: dict[str, Operation] = {}
    for path, item in path_items(root, section):
        if not isinstance(item.value, dict) or _excluded(item, exclude_extensions):
            continue
        shared = {p.key: p for p in _parameters(item.child("parameters"), path, "path")}
        for method in METHODS:
            op = item.child(method)
            if op is None or not isinstance(op.value, dict) or _excluded(op, exclude_extensions):
                continue
            params = dict(shared)
            params.update({p.key: p for p in _parameters(op.child("parameters"), path, "operation")})
            operation = Operation(method.upper(), path, op, item, params)
            out.setdefault(operation.key, operation)
    return out


def _excluded(node: Node, extensions: tuple[str, ...]) -> bool:
    return any(node.get(ext) not in (None, False) for ext in extensions)
