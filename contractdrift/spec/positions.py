"""Source positions for values inside a loaded document, computed lazily.

* :class:`JsonPositions` walks the JSON text down a pointer path, skipping sibling values with the C
  JSON scanner, and caches the child offsets of every container it has opened. Nothing is indexed at
  load time, so a 4 MB spec loads at ``json.loads`` speed and a lookup costs a few container scans.
* :class:`YamlPositions` walks the composed YAML node tree (kept from loading) and reads node marks.
* :class:`TranslatedPositions` maps pointers of a converted document (Swagger 2.0 -> 3.0 shape)
  back to pointers of the original document before asking the original index.

All lookups return 1-based ``(line, col)``; for an object member that is where its key starts.
"""

from __future__ import annotations

import json
import json.scanner
import re
from bisect import bisect_right
from collections.abc import Callable
from typing import Any, Protocol

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..model import Pointer

LineCol = tuple[int, int]


class PositionIndex(Protocol):
    """Anything that can place a pointer in a source text."""

    def locate(self, pointer: Pointer) -> LineCol | None:
        """1-based line and column of the value at ``pointer`` (member key for object members)."""
        ...

    def original_pointer(self, pointer: Pointer) -> Pointer:
        """The pointer in the original document (differs only for converted documents)."""
        ...

    def locate_original(self, pointer: Pointer) -> LineCol | None:
        """Like :meth:`locate`, for a pointer into the original (unconverted) document."""
        ...


class NoPositions:
    """For documents built from data in memory: no text, no positions."""

    def locate(self, pointer: Pointer) -> LineCol | None:
        return None

    def locate_original(self, pointer: Pointer) -> LineCol | None:
        return None

    def original_pointer(self, pointer: Pointer) -> Pointer:
        return pointer


class LineIndex:
    """Offsets -> 1-based line/column, by bisecting the sorted newline offsets (built on first use)."""

    __slots__ = ("_newlines", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines: list[int] | None = None

    def line_col(self, offset: int) -> LineCol:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self._text)]
        line = bisect_right(self._newlines, offset - 1)
        start = self._newlines[line - 1] + 1 if line else 0
        return line + 1, offset - start + 1


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_scan_value: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(_DECODER)  # type: ignore[arg-type]
_scan_string: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


class JsonPositions:
    """Lazy positions for a JSON text that is already known to parse.

    For each container opened during a lookup we remember where its children start: for an object
    ``{key: (key_offset, value_offset)}``, for an array ``[value_offset, ...]``. Siblings are skipped by
    the C scanner (``json.scanner``), so even the first lookup in a multi-megabyte file is cheap.
    """

    __slots__ = ("_cache", "_lines", "_memo", "_root", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines = LineIndex(text)
        self._root = _WS.match(text, 0).end()  # type: ignore[union-attr]
        self._cache: dict[int, dict[str, tuple[int, int]] | list[int]] = {}
        self._memo: dict[Pointer, LineCol | None] = {}

    def original_pointer(self, pointer: Pointer) -> Pointer:
        return pointer

    def locate_original(self, pointer: Pointer) -> LineCol | None:
        return self.locate(pointer)

    def locate(self, pointer: Pointer) -> LineCol | None:
        if pointer in self._memo:
            return self._memo[pointer]
        offset = self._offset(pointer)
        found = None if offset is None else self._lines.line_col(offset)
        self._memo[pointer] = found
        return found

    def _offset(self, pointer: Pointer) -> int | None:
        value_at = self._root
        where = value_at
        for token in pointer:
            children = self._children(value_at)
            if isinstance(children, dict):
                hit = children.get(str(token))
                if hit is None:
                    return None
                where, value_at = hit
            elif isinstance(children, list):
                index = _as_index(token)
                if index is None or index >= len(children):
                    return None
                where = value_at = children[index]
            else:
                return None
        return where

    def _children(self, at: int) -> dict[str, tuple[int, int]] | list[int] | None:
        cached = self._cache.get(at)
        if cached is not None:
            return cached
        text = self._text
        opener = text[at : at + 1]
        ws = _WS.match
        if opener == "{":
            members: dict[str, tuple[int, int]] = {}
            i = ws(text, at + 1).end()  # type: ignore[union-attr]
            if text[i : i + 1] != "}":
                while True:
                    key_at = i
                    key, i = _scan_string(text, i + 1)
                    i = ws(text, i).end()  # type: ignore[union-attr]
                    i = ws(text, i + 1).end()  # type: ignore[union-attr]  # past ':'
                    members[key] = (key_at, i)
                    _, i = _scan_value(text, i)
                    i = ws(text, i).end()  # type: ignore[union-attr]
                    if text[i : i + 1] != ",":
                        break
                    i = ws(text, i + 1).end()  # type: ignore[union-attr]
            self._cache[at] = members
            return members
        if opener == "[":
            items: list[int] = []
            i = ws(text, at + 1).end()  # type: ignore[union-attr]
            if text[i : i + 1] != "]":
                while True:
                    items.append(i)
                    _, i = _scan_value(text, i)
                    i = ws(text, i).end()  # type: ignore[union-attr]
                    if text[i : i + 1] != ",":
                        break
                    i = ws(text, i + 1).end()  # type: ignore[union-attr]
            self._cache[at] = items
            return items
        return None


def _as_index(token: str | int) -> int | None:
    if isinstance(token, int):
        return token if token >= 0 else None
    if token.isdigit() and (token == "0" or not token.startswith("0")):
        return int(token)
    return None


MergedMembers = dict[str, tuple[Node, Node]]


def mapping_members(node: MappingNode, cache: dict[int, MergedMembers] | None = None) -> MergedMembers:
    """Members of a YAML mapping node by string key, with ``<<`` merge keys applied (explicit keys win).

    Keys are the scalar source text (so ``200`` and ``on`` stay ``"200"`` and ``"on"``).
    Non-scalar keys are skipped here; the loader rejects them before this is used for positions.
    """
    if cache is not None:
        hit = cache.get(id(node))
        if hit is not None:
            return hit
    merged: MergedMembers = {}
    own: MergedMembers = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            continue
        if key_node.tag == "tag:yaml.org,2002:merge":
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            # earlier sources in a merge list take precedence over later ones
            for source in reversed(sources):
                if isinstance(source, MappingNode):
                    merged.update(mapping_members(source, cache))
            continue
        own[key_node.value] = (key_node, value_node)
    if merged:
        merged.update(own)
        own = merged
    if cache is not None:
        cache[id(node)] = own
    return own


class YamlPositions:
    """Positions from the marks of a composed YAML node tree (aliases are followed as shared nodes)."""

    __slots__ = ("_members", "_root")

    def __init__(self, root: Node) -> None:
        self._root = root
        self._members: dict[int, MergedMembers] = {}

    def original_pointer(self, pointer: Pointer) -> Pointer:
        return pointer

    def locate_original(self, pointer: Pointer) -> LineCol | None:
        return self.locate(pointer)

    def locate(self, pointer: Pointer) -> LineCol | None:
        node = self._root
        mark = node.start_mark
        for token in pointer:
            if isinstance(node, MappingNode):
                hit = mapping_members(node, self._members).get(str(token))
                if hit is None:
                    return None
                mark = hit[0].start_mark
                node = hit[1]
            elif isinstance(node, SequenceNode):
                index = _as_index(token)
                if index is None or index >= len(node.value):
                    return None
                node = node.value[index]
                mark = node.start_mark
            else:
                return None
        return mark.line + 1, mark.column + 1


class TranslatedPositions:
    """Positions for a converted document: longest matching prefix of a translation table, then the rest.

    ``table`` maps pointer prefixes of the converted document to pointers of the original one;
    the empty prefix maps to itself unless the table says otherwise.
    """

    __slots__ = ("_inner", "_table")

    def __init__(self, inner: PositionIndex, table: dict[Pointer, Pointer]) -> None:
        self._inner = inner
        self._table = table

    def original_pointer(self, pointer: Pointer) -> Pointer:
        normalized = tuple(str(part) for part in pointer)
        for cut in range(len(normalized), -1, -1):
            hit = self._table.get(normalized[:cut])
            if hit is not None:
                return hit + normalized[cut:]
        return normalized

    def locate_original(self, pointer: Pointer) -> LineCol | None:
        return self._inner.locate(pointer)

    def locate(self, pointer: Pointer) -> LineCol | None:
        original = self.original_pointer(pointer)
        found = self._inner.locate(original)
        # a converted node without its own source (e.g. a synthesized wrapper) -> nearest ancestor
        while found is None and original:
            original = original[:-1]
            found = self._inner.locate(original)
        return found
