"""Safe YAML loading into the JSON data model, keeping the node tree for source positions.

* Only the YAML core types are accepted: any other tag (``!!python/object``, ``!custom``) is an
  :class:`~contractdrift.errors.InputError` naming the place.
* Alias bombs ("billion laughs") are refused before anything is expanded: the size of the document
  *with aliases expanded* is computed on the (shared) node graph and capped; recursive aliases are refused.
* Mapping keys are the scalar source text (``200:`` -> ``"200"``, ``on:`` -> ``"on"``), values keep
  their YAML 1.1 types, timestamps and binary stay strings (JSON model: no ``datetime`` objects).
* libyaml's C parser (``yaml.CSafeLoader``) is used when available.
"""

from __future__ import annotations

import gc
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import InputError

try:  # pragma: no branch
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - pure Python fallback
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

#: Largest number of nodes a document may have once its aliases are expanded.
MAX_EXPANDED_NODES = 5_000_000

_T = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = _T + "str", _T + "int", _T + "float", _T + "bool", _T + "null"
MAP, SEQ, MERGE, TIMESTAMP, BINARY = _T + "map", _T + "seq", _T + "merge", _T + "timestamp", _T + "binary"
_PLAIN = "?plain"  # placeholder tag for plain scalars, resolved lazily by :func:`_resolve_plain`
_SCALAR_TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, TIMESTAMP, BINARY, _PLAIN})

# YAML 1.1 implicit resolution, as in PyYAML's Resolver (the regexes are PyYAML's).
_BOOL_RE = re.compile(r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")
_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT_RE = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""",
    re.X,
)
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_TIMESTAMP_RE = re.compile(
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?
    :[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
    re.X,
)
_MERGE_RE = re.compile(r"^(?:<<)$")
_FIRST_CHARS_SPECIAL = frozenset("-+0123456789.~nNtTfFyYoO<")

_helper = yaml.constructor.SafeConstructor()


def _int(text: str) -> int:
    return int(_helper.construct_yaml_int(ScalarNode(INT, text)))


def _float(text: str) -> float:
    return float(_helper.construct_yaml_float(ScalarNode(FLOAT, text)))


def _resolve_plain(text: str) -> Any:
    """Value of a plain (unquoted) scalar under YAML 1.1 rules, timestamps kept as text."""
    if not text or text[0] not in _FIRST_CHARS_SPECIAL:
        return None if text == "" else text
    if _NULL_RE.match(text):
        return None
    if _BOOL_RE.match(text):
        return text.lower() in ("yes", "true", "on")
    if _INT_RE.match(text):
        return _int(text)
    if _FLOAT_RE.match(text):
        return _float(text)
    return text


class _Loader(_BaseLoader):
    """Composer only: every plain scalar gets a placeholder tag, resolved during construction."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                return MERGE if value == "<<" else _PLAIN
            return STR
        return MAP if kind is MappingNode else SEQ


def _where(name: str, node: Node) -> dict[str, Any]:
    mark = node.start_mark
    return {"file": name, "line": mark.line + 1, "col": mark.column + 1}


def compose(text: str, name: str) -> Node | None:
    """Parse ``text`` into a node graph (aliases are shared nodes). Syntax errors -> InputError."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{exc.context}: {problem}"
        if mark is not None:
            raise InputError(f"invalid YAML: {problem}", file=name, line=mark.line + 1,
                             col=mark.column + 1) from None
        raise InputError(f"invalid YAML: {problem}", file=name) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=name) from None
    finally:
        loader.dispose()


def check_expansion(root: Node, name: str, budget: int = MAX_EXPANDED_NODES) -> int:
    """Size of the document with aliases expanded; refuse recursive aliases and oversize expansions.

    Runs on the shared node graph with memoization, so a billion-laughs document is refused after
    visiting only its few dozen distinct nodes.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # iterative post-order walk
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            if isinstance(node, MappingNode):
                total = 1 + sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
            elif isinstance(node, SequenceNode):
                total = 1 + sum(sizes[id(v)] for v in node.value)
            else:
                total = 1
            if total > budget:
                raise InputError(
                    f"YAML document expands to more than {budget:,} nodes through aliases "
                    "(alias bomb?); refusing to load it",
                    **_where(name, node),
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise InputError("recursive YAML alias (a node contains itself); refusing to load it",
                             **_where(name, node))
        if isinstance(node, ScalarNode):
            sizes[key] = 1
            continue
        on_path.add(key)
        stack.append((node, True))
        if isinstance(node, MappingNode):
            for k, v in node.value:
                if id(v) in on_path:
                    raise InputError("recursive YAML alias (a node contains itself); refusing to load it",
                                     **_where(name, v))
                stack.append((k, False))
                stack.append((v, False))
        else:
            for v in node.value:
                if id(v) in on_path:
                    raise InputError("recursive YAML alias (a node contains itself); refusing to load it",
                                     **_where(name, v))
                stack.append((v, False))
    return sizes[id(root)]


class _Builder:
    """Turns a checked node graph into plain dict/list/str/int/float/bool/None values."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.done: dict[int, Any] = {}  # shared (aliased) nodes become shared values
        self.shared = 0  # how often an already built node was met again (aliases)

    def build(self, root: Node) -> Any:
        return self._value(root)

    def _scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _PLAIN:
            return _resolve_plain(node.value)
        if tag in (STR, TIMESTAMP, BINARY):
            return node.value
        if tag not in _SCALAR_TAGS:
            raise InputError(f"unsupported YAML tag {tag!r} (only plain JSON-like data is allowed)",
                             **_where(self.name, node))
        try:
            if tag == INT:
                return _int(node.value)
            if tag == FLOAT:
                return _float(node.value)
            if tag == BOOL:
                return bool(_helper.construct_yaml_bool(node))
            return None  # NULL
        except (ValueError, TypeError, yaml.YAMLError):
            raise InputError(f"invalid {tag.rsplit(':', 1)[-1]} value {node.value!r}",
                             **_where(self.name, node)) from None

    def _value(self, node: Node) -> Any:
        # Iterative construction: containers are created first and filled after their children.
        key = id(node)
        if key in self.done:
            return self.done[key]
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        result = self._container(node)
        stack: list[tuple[list[tuple[Any, Node]], Any, int]] = [(self._children(node), result, 0)]
        done = self.done
        while stack:
            children, target, index = stack[-1]
            if index >= len(children):
                stack.pop()
                continue
            stack[-1] = (children, target, index + 1)
            slot, child = children[index]
            child_id = id(child)
            if child_id in done:
                value = done[child_id]
                self.shared += 1
            elif isinstance(child, ScalarNode):
                value = self._scalar(child)
            else:
                value = self._container(child)
                stack.append((self._children(child), value, 0))
            if slot is None:
                target.append(value)
            else:
                target[slot] = value
        return result

    def _container(self, node: Node) -> Any:
        if node.tag not in (MAP, SEQ):
            raise InputError(f"unsupported YAML tag {node.tag!r} (only plain JSON-like data is allowed)",
                             **_where(self.name, node))
        value: Any = {} if isinstance(node, MappingNode) else []
        self.done[id(node)] = value
        return value

    def _children(self, node: Node) -> list[tuple[Any, Node]]:
        if isinstance(node, SequenceNode):
            return [(None, v) for v in node.value]
        assert isinstance(node, MappingNode)
        return list(self._mapping(node).items())

    def _mapping(self, node: MappingNode) -> dict[str, Node]:
        own: dict[str, Node] = {}
        merged: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise InputError("complex (non-scalar) mapping keys are not supported",
                                 **_where(self.name, key_node))
            tag = key_node.tag
            if tag == MERGE:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in reversed(sources):
                    if not isinstance(source, MappingNode):
                        raise InputError("merge key '<<' needs a mapping or a list of mappings",
                                         **_where(self.name, source))
                    merged.update(self._mapping(source))
                continue
            if tag not in _SCALAR_TAGS:
                raise InputError(f"unsupported YAML tag {tag!r} (only plain JSON-like data is allowed)",
                                 **_where(self.name, key_node))
            own[key_node.value] = value_node
        if merged:
            merged.update(own)
            return merged
        return own


def load_yaml(text: str, name: str) -> tuple[Any, Node | None]:
    """Parse YAML ``text`` safely. Returns the data and the root node (for positions)."""
    # Many small objects and no garbage: the cyclic GC would only rescan them (3x slower on big files).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        root = compose(text, name)
        if root is None:
            return None, None
        builder = _Builder(name)
        data = builder.build(root)  # aliases become shared values, so this is cheap even for a bomb
        if builder.shared:
            check_expansion(root, name)  # ...but consumers walking the data would expand them
        return data, root
    finally:
        if was_enabled:
            gc.enable()
