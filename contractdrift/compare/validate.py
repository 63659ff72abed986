"""Compiled payload validation: an OpenAPI schema node becomes a tree of closures once, then validates
JSON instances fast and returns pinpointed :class:`Violation` values.

Semantics are JSON Schema 2020-12 (``jsonschema`` is the reference) read through the normalization of
:mod:`.schema_view` — one implementation of the OpenAPI positions:

- ``allOf`` members are merged (:func:`.schema_view.build_view`), so ``additionalProperties: false``
  in one member closes over the properties of all of them (the ``unevaluatedProperties`` reading):
  composition never yields a false *additional-property* or *undocumented-property*. A name only
  ``oneOf``/``anyOf`` alternatives describe is described where an alternative the payload *passes*
  describes it (annotations of a failing alternative are dropped, as for ``unevaluatedProperties``).
- 3.0 ``nullable: true``: with ``nullable="lenient"`` (default) a schema carrying it admits ``null``
  whatever stands beside it (``anyOf``/``oneOf``/``allOf``/``$ref``/``enum``); with ``"strict"`` (the
  3.0.3 clarification) it only adds ``null`` to an explicit ``type`` and an ``enum`` must list null.
- 3.0 boolean ``exclusiveMinimum``/``exclusiveMaximum`` are read as in 3.1; ``readOnly`` properties
  must not be sent in requests (and are not required there), ``writeOnly`` ones not in responses.
- Implied types (``properties`` without ``type``) describe but never reject, as in JSON Schema.
- ``oneOf``/``anyOf``: with a ``discriminator`` the selected branch is validated and its errors are
  reported at their own pointers; without one, the errors of the closest branch are reported, with a
  ``note`` saying so.

Violation pointers name the payload location; for *required-missing*, *additional-property*,
*undocumented-property*, *read-only-sent* and *write-only-sent* the last token is the property's name.
Informational concepts (:data:`INFORMATIONAL`: *unknown-format*, *unvalidated*) say what could not be
checked; each is reported once per compiled schema node, and never makes a composition branch fail.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import InputError
from ..model import Side
from ..spec.node import Node
from . import formats as _fmt
from .schema_view import NodeGroup, SchemaView, alternatives, build_view, lone_member

# public as `is_null_schema` once the engine branch lands; its private alias stays, so no edit here
from .schema_view import _is_null_schema as is_null_schema

CONCEPTS = (
    "required-missing", "type-mismatch", "null-not-allowed", "enum-mismatch", "const-mismatch",
    "format-mismatch", "pattern-mismatch", "constraint-violated", "additional-property",
    "undocumented-property", "read-only-sent", "write-only-sent", "no-alternative-matched",
    "several-alternatives-matched", "not-matched", "unknown-format", "unvalidated",
)
#: Concepts that report what could not be validated; they are not failures of the payload.
INFORMATIONAL = frozenset({"unknown-format", "unvalidated"})

#: Violations returned by one :meth:`CompiledSchema.validate` call at most (then one *unvalidated*).
MAX_VIOLATIONS = 1000


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a payload breaks its schema."""

    concept: str
    pointer: tuple[str | int, ...]
    schema: Node | None
    keyword: str
    args: Mapping[str, Any]
    note: str | None = None
    #: for a once-per-compiled-schema notice: the schema group (node keys) whose validator made it,
    #: which tells two notices about one node in two compiled contexts apart (``check --jobs``)
    origin: Any = field(default=None, compare=False, repr=False)

    def __repr__(self) -> str:
        where = "/".join(str(t) for t in self.schema.pointer) if self.schema is not None else None
        return (f"Violation({self.concept!r}, {self.pointer!r}, schema=#/{where}, keyword={self.keyword!r}, "
                f"args={dict(self.args)!r}, note={self.note!r})")


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidateOptions:
    nullable: Literal["lenient", "strict"] = "lenient"
    undocumented: bool = True
    formats: bool = True
    #: Use the jsonschema-rs gate (:mod:`.fastgate`) when it is installed: a payload it passes returns
    #: no violation without running the closures. ``False`` (or env ``CONTRACTDRIFT_FAST=0``) turns it off.
    fast: bool = True


# An error while validating: [reversed path, concept, node, keyword, args, note]. Lists, because the
# path grows as the error travels up (valid instances allocate nothing: checks return None).
_Err = list[Any]
_Result = list[_Err] | None
_Fn = Callable[[Any], _Result]
_Cell = list[_Fn]

_JSON_TYPE = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer",
              float: "number", type(None): "null"}


def json_type(value: Any) -> str:
    """The JSON type name of a Python value (``"integer"`` for integral floats too is *not* done here)."""
    t = _JSON_TYPE.get(value.__class__)
    if t is not None:
        return t
    for cls, name in _JSON_TYPE.items():
        if isinstance(value, cls):
            return "boolean" if isinstance(value, bool) else name
    return type(value).__name__


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema defines it: ``1 == 1.0``, ``true != 1``, deep for arrays and objects."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict):
        return isinstance(b, dict) and len(a) == len(b) and all(k in b and json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _freeze(value: Any) -> Any:
    """A hashable form honouring :func:`json_equal` (for ``uniqueItems``)."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)
    if isinstance(value, dict):
        return ("o", frozenset((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("a", tuple(_freeze(v) for v in value))
    return ("s", value) if isinstance(value, str) else ("x", repr(value))


class CompiledSchema:
    """A schema compiled for one side; :meth:`validate` is reentrant and never raises on a JSON value."""

    __slots__ = ("_cell", "_compiler", "_gate", "node", "options", "side")

    def __init__(self, node: Node, side: Side, options: ValidateOptions, cell: _Cell,
                 compiler: _Compiler | None = None) -> None:
        self.node = node
        self.side = side
        self.options = options
        self._cell = cell
        self._compiler = compiler
        self._gate: Any = None  # a fastgate.Gate, False when there is none; built on first use

    def validate(self, instance: Any, *, plain: bool = False) -> list[Violation]:
        """The violations of ``instance`` (``[]``: valid). ``plain``: the caller vouches that it is
        made of exact JSON types with finite numbers, nested at most ``fastgate.MAX_DEPTH`` deep (as a
        JSON decoder makes it), so the jsonschema-rs gate need not walk it to make sure."""
        gate = self._gate
        if gate is None:
            gate = self._gate = self._make_gate()
        cls = instance.__class__
        if gate is not False and (cls is dict or cls is list):  # scalars: the closures are as quick
            if gate.passes(instance, plain):
                return []
            try:
                errs = self._cell[0](instance)
            except RecursionError:
                return [Violation("unvalidated", (), self.node, "depth",
                                  {"reason": "payload nested too deeply to validate"})]
            finally:
                _clear_verdicts()
                gate.after_fallback()
        else:
            try:
                errs = self._cell[0](instance)
            except RecursionError:
                return [Violation("unvalidated", (), self.node, "depth",
                                  {"reason": "payload nested too deeply to validate"})]
            finally:
                _clear_verdicts()
        if not errs:
            return []
        out = [Violation(e[1], tuple(reversed(e[0])), e[2], e[3], e[4], e[5], e[6] if len(e) > 6 else None)
               for e in errs[:MAX_VIOLATIONS]]
        if len(errs) > MAX_VIOLATIONS:
            out.append(Violation("unvalidated", (), self.node, "limit",
                                 {"reason": f"more than {MAX_VIOLATIONS} violations; the rest not listed"}))
        return out

    def is_valid(self, instance: Any) -> bool:
        """Whether the payload shows no violation (informational ones count as none). A question, not a
        check: once-notices met on the way stay due for the next :meth:`validate`."""
        local = _ASKING
        before = getattr(local, "on", False)
        local.on = True
        try:
            return all(v.concept in INFORMATIONAL for v in self.validate(instance))
        finally:
            local.on = before

    @property
    def gate(self) -> Any:
        """The jsonschema-rs gate in use (a :class:`.fastgate.Gate`), or None (off, not installed)."""
        gate = self._gate
        if gate is None:
            gate = self._gate = self._make_gate()
        return gate or None

    def _make_gate(self) -> Any:
        if not self.options.fast or self._compiler is None:
            return False
        from . import fastgate  # lazily: jsonschema-rs is optional

        if not fastgate.available():
            return False
        return self._compiler.gate((self.node,), self.options.undocumented, fastgate) or False


#: Keywords of the informational violations raised on every payload (not once per compiled schema).
_PER_PAYLOAD_NOTICES = frozenset({"depth", "limit"})


def new_notice_epoch(spec: Any) -> None:
    """Let every once-per-compiled-schema notice (unknown formats, keywords not validated) of the
    schemas compiled for ``spec`` fire again: ``check --jobs`` starts one epoch per unit of work, so
    what a unit reports does not depend on the units the same worker checked before."""
    per_spec: dict[Any, _Compiler] = getattr(spec, _CACHE_ATTRIBUTE, None) or {}
    for compiler in per_spec.values():
        compiler.epoch += 1
        if not compiler.rearmable:
            compiler.rearmable = True
            hub = getattr(compiler, "_fastgate_hub", None)
            if hub is not None:
                hub.rearm()  # a gate built before left fired notices out: they can be due again now


def is_once_notice(v: Violation) -> bool:
    """Whether ``v`` is a notice reported once per compiled schema (per epoch), not per payload."""
    return v.concept in INFORMATIONAL and v.keyword not in _PER_PAYLOAD_NOTICES


def compile_schema(node: Node, *, side: Side, options: ValidateOptions | None = None) -> CompiledSchema:
    """Compile the schema at ``node`` for payloads on ``side``. Compiled subschemas are cached per
    (spec, side, options) and shared: a component used by 400 operations is compiled once."""
    options = options or ValidateOptions()
    compiler = _compiler_for(node.spec, side, options)
    return CompiledSchema(node, side, options, compiler.cell((node,), options.undocumented), compiler)


_CACHE_ATTRIBUTE = "_contractdrift_compiled"


def _compiler_for(spec: Any, side: Side, options: ValidateOptions) -> _Compiler:
    # The cache lives on the spec object: compiled closures hold nodes, nodes hold the spec, so the
    # whole goes away with the spec (a global weak-keyed map would keep every spec alive).
    per_spec: dict[tuple[Side, ValidateOptions], _Compiler] | None = getattr(spec, _CACHE_ATTRIBUTE, None)
    if per_spec is None:
        per_spec = {}
        try:
            setattr(spec, _CACHE_ATTRIBUTE, per_spec)
        except (AttributeError, TypeError):  # a spec without attributes: no sharing
            return _Compiler(side, options)
    compiler = per_spec.get((side, options))
    if compiler is None:
        compiler = per_spec[(side, options)] = _Compiler(side, options)
    return compiler


def _err(concept: str, node: Node | None, keyword: str, args: Mapping[str, Any], note: str | None = None) -> _Err:
    return [[], concept, node, keyword, args, note]


def _prefix(errs: list[_Err], token: str | int) -> list[_Err]:
    for e in errs:
        e[0].append(token)
    return errs


_ASKING = threading.local()  # .on: CompiledSchema.is_valid is asking (once-notices are not spent)


def _real(errs: _Result) -> bool:
    """Whether a result holds a failure (informational entries do not count)."""
    return bool(errs) and any(e[1] not in INFORMATIONAL for e in errs)  # type: ignore[union-attr]


def _notices(errs: _Result) -> list[_Err]:
    """The informational entries of a result: a subschema that passed, whose verdict alone a
    composition keeps (``not``, ``if``, ``contains``, alternatives), passes them on."""
    return [e for e in errs if e[1] in INFORMATIONAL] if errs else []


def _failed(errs: _Result) -> _Result:
    """The result of a subschema that *failed* where only its verdict counts (a ``not``, an ``if``
    condition, a ``contains`` item, an alternative not reported): its once-notices are given back,
    due again, and left out. Our validator walks a failing subschema to the end, jsonschema-rs stops
    at its first failure; a notice met only there would be spent and lost (or, reported, depend on
    which walker looked), so it waits for a payload that meets its place where it counts."""
    if not errs:
        return errs
    kept = []
    for e in errs:
        if e[1] in INFORMATIONAL and len(e) > 8:
            e[7][0] = e[8]  # the flag as it was before this notice fired
        else:
            kept.append(e)
    return kept or None


#: .memo: ``{(id(cell), id(inst)): [inst, passed, result]}``, the branches run to find what they
#: evaluate, for one payload (cleared when :meth:`CompiledSchema.validate` returns): a branch is run
#: once per object however many of its names are asked about, nested compositions do not multiply
#: the runs, and the composition takes a passing branch's result (its once-notices) from here
_VERDICTS = threading.local()


def _branch_passes(cell: _Cell, inst: dict[str, Any]) -> bool:
    """Whether the branch ``cell`` passes on ``inst``, run at most once per payload: a passing branch
    leaves its result (its once-notices) in the memo for the composition to report instead of running
    it again (:func:`_memo_result`); a failing one gives its notices back (:func:`_failed`)."""
    memo = getattr(_VERDICTS, "memo", None)
    if memo is None:
        memo = _VERDICTS.memo = {}
    key = (id(cell), id(inst))
    hit = memo.get(key)
    if hit is not None and hit[0] is inst:
        return bool(hit[1])
    r = cell[0](inst)
    if r and _real(r):
        _failed(r)
        memo[key] = [inst, False, None]  # the payload is referenced until the memo is cleared: no id reuse
        return False
    memo[key] = [inst, True, r or None]
    return True


def _memo_result(cell: _Cell, inst: Any) -> tuple[bool, _Result]:
    """(found, result): the result of a branch :func:`_branch_passes` found passing on ``inst`` (its
    notices handed over once), or (False, None) when it must be run."""
    memo = getattr(_VERDICTS, "memo", None)
    if memo is None:
        return False, None
    hit = memo.get((id(cell), id(inst)))
    if hit is None or hit[0] is not inst or not hit[1]:
        return False, None
    r = hit[2]
    hit[2] = None
    return True, r


def _run_branch(cell: _Cell, inst: Any) -> _Result:
    """The result of an alternative on ``inst``: taken from the memo when :func:`_branch_passes` ran
    it already for this payload (and it passed), else run."""
    if inst.__class__ is dict and getattr(_VERDICTS, "memo", None) is not None:
        found, r = _memo_result(cell, inst)
        if found:
            return r
    return cell[0](inst)


def _clear_verdicts() -> None:
    """End of a payload: notices of passing branches no composition took are given back (due again)."""
    memo = getattr(_VERDICTS, "memo", None)
    if memo is None:
        return
    _VERDICTS.memo = None
    for hit in memo.values():
        if hit[2]:
            _failed(hit[2])


def _evaluates_every_name(inst: dict[str, Any], k: str) -> bool:
    return True


#: How deep branches within branches are followed to find what a passing branch evaluates.
_MAX_EVALUATION_DEPTH = 32


def _seq(checks: list[_Fn]) -> _Fn:
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        a, b = checks

        def two(inst: Any) -> _Result:
            r = a(inst)
            s = b(inst)
            if r:
                if s:
                    r.extend(s)
                return r
            return s
        return two
    tup = tuple(checks)

    def many(inst: Any) -> _Result:
        out: _Result = None
        for c in tup:
            r = c(inst)
            if r:
                if out is None:
                    out = r
                else:
                    out.extend(r)
        return out
    return many


def _ok(inst: Any) -> _Result:
    return None


def _branch_name(node: Node) -> str:
    v = node.value
    if isinstance(v, dict):
        ref = v.get("$ref")
        if isinstance(ref, str):
            return ref.rsplit("/", 1)[-1]
        title = v.get("title")
        if isinstance(title, str):
            return title
    return ""


def _where(nodes: list[Node], keyword: str, default: Node) -> Node:
    """The first node that spells ``keyword`` (where a merged constraint came from), for locations."""
    for n in nodes:
        if isinstance(n.value, dict) and keyword in n.value:
            return n
    return default


def _types_text(types: frozenset[str] | set[str]) -> str:
    return " or ".join(sorted(types))


class _Compiler:
    """Compiles groups of schema nodes (merged like ``allOf``) into closures, lazily and memoized."""

    def __init__(self, side: Side, options: ValidateOptions) -> None:
        self.side = side
        self.options = options
        self.lenient = options.nullable == "lenient"
        self._cells: dict[tuple[Any, ...], _Cell] = {}
        self._views: dict[tuple[Any, ...], SchemaView] = {}
        self._documented: dict[tuple[Any, ...], frozenset[str] | None] = {}
        self.epoch = 0  # notices "once per compiled schema" fire once per epoch (see new_notice_epoch)
        self.rearmable = False  # True once new_notice_epoch ran: a fired notice can be due again
        # once-notice flags by site (see _once), shared with the jsonschema-rs gate, which must know
        # whether a notice is still to come; the cell being built names the sites of its notices
        # (a flag holds the notice epoch it last fired in, -1 before: see new_notice_epoch)
        self.once_flags: dict[tuple[Any, ...], list[int]] = {}
        self.built: set[tuple[Any, ...]] = set()  # keys of the cells built (visited by a payload)
        self.build_seconds = 0.0  # time spent building cells, all together (the gate's amortization)
        self._building = threading.local()  # .site: the cell being built in this thread
        self._gates: dict[tuple[Any, ...], Any] = {}

    def gate(self, group: NodeGroup, undoc: bool, fastgate: Any) -> Any:
        """The jsonschema-rs gate of ``cell(group, undoc)`` (None when unavailable), built once."""
        key = (tuple(n.key for n in group), undoc)
        if key not in self._gates:
            self._gates[key] = fastgate.build_gate(self, group, undoc)
        return self._gates[key]

    def once_flag(self, site: tuple[Any, ...]) -> list[int]:
        """The flag of one once-notice site: ``[epoch]`` of the notice epoch it last fired in (-1:
        never); it is due again while that differs from :attr:`epoch`."""
        flag = self.once_flags.get(site)
        if flag is None:
            flag = self.once_flags[site] = [-1]
        return flag

    def once_fired(self, flag: list[int]) -> bool:
        """Whether the once-notice of ``flag`` fired in the current notice epoch."""
        return flag[0] == self.epoch

    # --- plumbing -----------------------------------------------------------------------------------
    def view(self, group: NodeGroup) -> SchemaView:
        key = tuple(n.key for n in group)
        v = self._views.get(key)
        if v is None:
            v = self._views[key] = build_view(group)
        return v

    def cell(self, group: NodeGroup, undoc: bool) -> _Cell:
        """A one-element list holding the validator of ``group``; built on first call (cycles link back)."""
        key = (tuple(n.key for n in group), undoc)
        cell = self._cells.get(key)
        if cell is not None:
            return cell
        cell = []

        def stub(inst: Any) -> _Result:
            local = self._building  # _build names the site of its notices; a nested build restores it
            outer = getattr(local, "site", None)
            started = time.perf_counter()
            try:
                fn = self._build(group, undoc)
            finally:
                local.site = outer
                self.build_seconds += time.perf_counter() - started
            cell[0] = fn
            self.built.add(key)
            return fn(inst)
        cell.append(stub)
        self._cells[key] = cell
        return cell

    # --- null, decided once per schema ------------------------------------------------------------
    def null_failure(self, node: Node, seen: frozenset[tuple[str, Any]] = frozenset()) -> tuple[str, Node] | None:
        """(keyword, node) where ``null`` is rejected by the raw schema at ``node``, or None if admitted."""
        v = node.value
        if v is False:
            return ("false", node)
        if not isinstance(v, dict):
            return None
        if self.lenient and v.get("nullable") is True:
            return None
        if node.key in seen or len(seen) > 64:
            return None  # a cycle through composition only: admit (nothing else is known)
        seen = seen | {node.key}
        if isinstance(v.get("$ref"), str):
            target = node.deref()
            if target.key != node.key:
                failed = self.null_failure(target, seen)
                if failed is not None:
                    return failed
        t = v.get("type")
        if t is not None:
            names = [t] if isinstance(t, str) else t if isinstance(t, list) else []
            if "null" not in names and not (not self.lenient and v.get("nullable") is True):
                return ("type", node)
        enum = v.get("enum")
        if isinstance(enum, list) and None not in enum:
            return ("enum", node)
        if "const" in v and v["const"] is not None:
            return ("const", node)
        for key in ("allOf", "anyOf", "oneOf"):
            members = node.child(key)
            if members is None or not isinstance(members.value, list):
                continue
            results = [self.null_failure(m, seen) for m in members.elements()]
            if key == "allOf":
                for r in results:
                    if r is not None:
                        return r
            elif key == "anyOf" and results and all(r is not None for r in results):
                return results[0] if len(results) == 1 else ("anyOf", node)
            elif key == "oneOf" and results and sum(r is None for r in results) != 1:
                return results[0] if len(results) == 1 else ("oneOf", node)
        neg = node.child("not")
        if neg is not None and self.null_failure(neg, seen) is None:
            return ("not", node)
        cond = node.child("if")
        if cond is not None:
            branch = node.child("then" if self.null_failure(cond, seen) is None else "else")
            if branch is not None:
                return self.null_failure(branch, seen)
        return None

    def _null_fn(self, group: NodeGroup, view: SchemaView) -> _Fn:
        failure = None
        for n in group:
            failure = self.null_failure(n)
            if failure is not None:
                break
        if failure is None:
            return _ok
        keyword, node = failure
        concept = "null-not-allowed"
        expected = _types_text(view.types) if view.types else None
        args: dict[str, Any] = {"actual": "null"}
        if expected:
            args["expected"] = expected
        if keyword == "enum":
            args["allowed"] = tuple(v for v in (view.enum or ()))
        frozen_args = dict(args)

        def null_rejected(inst: Any) -> _Result:
            return [[[], concept, node, keyword, frozen_args, None]]
        return null_rejected

    # --- the builder ------------------------------------------------------------------------------
    def _build(self, group: NodeGroup, undoc: bool) -> _Fn:
        self._building.site = (tuple(n.key for n in group), undoc)
        view = self.view(group)
        nodes = view.nodes
        anchor = view.anchor
        if view.boolean is False:
            def never(inst: Any) -> _Result:
                return [_err("not-matched", anchor, "false", {"reason": "the schema admits nothing"})]
            return never
        dict_nodes = [n for n in nodes if isinstance(n.value, dict)]
        if not dict_nodes:
            return _ok

        explicit = any("type" in n.value for n in dict_nodes)
        types = view.types if explicit else None
        common: list[_Fn] = []  # checks for every non-null type
        common.extend(self._values(view, dict_nodes))
        common.extend(self._composition(view, dict_nodes))
        common.extend(self._once_notices(dict_nodes))

        per: dict[type, list[_Fn]] = {t: [] for t in (dict, list, str, bool, int, float)}
        obj = self._object(view, dict_nodes, undoc)
        if obj is not None:
            per[dict].append(obj)
        arr = self._array(view, dict_nodes)
        if arr is not None:
            per[list].append(arr)
        per[str].extend(self._string(view, dict_nodes))
        num = self._number(view, dict_nodes)
        per[int].extend(num)
        per[float].extend(num)

        table: dict[type, _Fn] = {}
        type_node = _where(dict_nodes, "type", anchor)
        mismatch_args = _types_text(types) if types else ""
        for py, checks in per.items():
            name = _JSON_TYPE[py]
            allowed = types is None or name in types or (name == "integer" and "number" in types)
            fns = checks + common
            if not allowed and py is float and "integer" in (types or ()):
                table[py] = self._integral_float(_seq(fns) if fns else _ok, type_node, mismatch_args)
            elif not allowed:
                table[py] = self._mismatch(type_node, mismatch_args, name)
            else:
                table[py] = _seq(fns) if fns else _ok
        table[type(None)] = self._null_fn(group, view)
        get = table.get
        root = dict_nodes[0]
        disc = root.value.get("discriminator")
        dispatch = None
        if isinstance(disc, dict) and root is nodes[0] and not any(
                isinstance(root.value.get(kw), list) for kw in ("oneOf", "anyOf")):
            dispatch = self._dispatch(root, disc)
        if dispatch is not None:
            plain_dict = table[dict]
            subtype = dispatch

            def dict_or_subtype(inst: dict[str, Any]) -> _Result:
                c = subtype(inst)
                return plain_dict(inst) if c is None else c[0](inst)
            table[dict] = dict_or_subtype

        def fallback(inst: Any) -> _Result:
            name = json_type(inst)
            for py, jname in _JSON_TYPE.items():
                if jname == name and isinstance(inst, py):
                    return table[py](inst)
            return [_err("type-mismatch", type_node, "type",
                         {"expected": mismatch_args or "a JSON value", "actual": name})]

        # fast path: the common type of a leaf with nothing to check costs one class comparison
        trivial = tuple(py for py in (str, int, dict, list, bool, float) if table[py] is _ok)
        if len(trivial) == 1:
            only = trivial[0]

            def validate_trivial(inst: Any) -> _Result:
                if inst.__class__ is only:
                    return None
                fn = get(inst.__class__)
                return fallback(inst) if fn is None else fn(inst)
            return validate_trivial

        def validate(inst: Any) -> _Result:
            fn = get(inst.__class__)
            if fn is None:
                return fallback(inst)
            return fn(inst)
        return validate

    @staticmethod
    def _mismatch(anchor: Node, expected: str, actual: str) -> _Fn:
        args = {"expected": expected, "actual": actual}

        def mismatch(inst: Any) -> _Result:
            return [[[], "type-mismatch", anchor, "type", args, None]]
        return mismatch

    @staticmethod
    def _integral_float(fn: _Fn, anchor: Node, expected: str) -> _Fn:
        args = {"expected": expected, "actual": "number"}

        def integral(inst: float) -> _Result:
            if inst.is_integer():
                return fn(inst)
            return [[[], "type-mismatch", anchor, "type", args, None]]
        return integral

    # --- enum, const ------------------------------------------------------------------------------
    def _values(self, view: SchemaView, nodes: list[Node]) -> list[_Fn]:
        out: list[_Fn] = []
        enum_nodes = [n for n in nodes if isinstance(n.value.get("enum"), list)]
        if enum_nodes:
            enum_node = enum_nodes[-1]
            allowed = tuple(view.enum or ())
            strings = frozenset(v for v in allowed if isinstance(v, str))
            others = tuple(v for v in allowed if not isinstance(v, str))

            def enum(inst: Any) -> _Result:
                if inst.__class__ is str:
                    if inst in strings:
                        return None
                else:
                    for v in others:
                        if json_equal(inst, v):
                            return None
                return [_err("enum-mismatch", enum_node, "enum", {"value": inst, "allowed": allowed})]
            out.append(enum)
        for n in nodes:
            if "const" in n.value:
                expected = n.value["const"]
                const_node = n

                def const(inst: Any, expected: Any = expected, const_node: Node = const_node) -> _Result:
                    if json_equal(inst, expected):
                        return None
                    return [_err("const-mismatch", const_node, "const", {"value": inst, "expected": expected})]
                out.append(const)
        return out

    # --- objects ----------------------------------------------------------------------------------
    def documented(self, group: NodeGroup, seen: frozenset[Any] = frozenset()) -> frozenset[str] | None:
        """Property names a schema describes (through its ``oneOf``/``anyOf`` branches too), or None
        when it describes every name (a map: ``additionalProperties``/``patternProperties`` schemas)."""
        key = tuple(n.key for n in group)
        if key in self._documented:
            return self._documented[key]
        if key in seen or len(seen) > 64:
            return frozenset()
        view = self.view(group)
        if isinstance(view.additional, tuple) or view.pattern_properties or \
                (view.unevaluated_properties is not None and view.unevaluated_properties is not False):
            result: frozenset[str] | None = None
        else:
            names = set(view.properties) | view.required  # a required name is described, if loosely
            result = frozenset(names)
            for branch in self._branches(view):
                sub = self.documented(branch, seen | {key})
                if sub is None:
                    result = None
                    break
                names.update(sub)
            if result is not None:
                result = frozenset(names)
        self._documented[key] = result
        return result

    def _branch_evaluator(self, view: SchemaView, depth: int = 0) -> Callable[[dict[str, Any], str], bool] | None:
        """``(inst, name) ->`` whether a ``oneOf``/``anyOf`` branch of ``view`` that passes on object
        ``inst`` evaluates property ``name`` (with a discriminator whose property maps to a branch:
        that branch, and the discriminator's property itself), or a composition fails (its own
        violations are reported then); None when ``view`` has no branches.
        What a branch evaluates is read as ``unevaluatedProperties`` reads it: its ``properties``
        (``allOf`` merged), the names its ``patternProperties`` match, every name where it has an
        ``additionalProperties`` or ``unevaluatedProperties`` schema, and, again, what its own passing
        branches evaluate. ``required`` alone evaluates nothing. The jsonschema-rs gate closes each
        branch over its names and the object's, or uses ``unevaluatedProperties`` (which reads them
        the same way); see ``fastgate._Translator._close_branches``."""
        comps: list[tuple[str | None, dict[str, int], list[tuple[_Cell, NodeGroup]]]] = []
        for n in view.nodes:
            value = n.value
            if not isinstance(value, dict):
                continue
            disc = value.get("discriminator")
            for _kw, branches in alternatives(n):
                prop = disc.get("propertyName") if isinstance(disc, dict) else None
                mapping = self._mapping(n, disc, branches) if isinstance(prop, str) and isinstance(disc, dict) else {}
                comps.append((prop if mapping else None, mapping,
                              [(self.cell((b,), False), (b,)) for b in branches]))
        if not comps:
            return None
        evaluators: dict[int, Callable[[dict[str, Any], str], bool]] = {}

        def branch_evaluates(group: NodeGroup, inst: dict[str, Any], k: str) -> bool:
            key = id(group)
            fn = evaluators.get(key)
            if fn is None:
                fn = evaluators[key] = self._evaluator(group, depth + 1)
            return fn(inst, k)

        def evaluates(inst: dict[str, Any], k: str) -> bool:
            failed = False
            for prop, mapping, branches in comps:
                candidates = branches
                if prop is not None:
                    tag = inst.get(prop)
                    i = mapping.get(tag) if isinstance(tag, str) else None
                    if i is not None:
                        if k == prop:
                            return True
                        candidates = [branches[i]]
                passed = False
                for cell, group in candidates:
                    if not _branch_passes(cell, inst):
                        continue
                    passed = True
                    documented = self.documented(group)
                    if (documented is None or k in documented) and branch_evaluates(group, inst, k):
                        return True
                failed = failed or not passed
            # a composition no branch passes is reported as such (the closest branch's errors, which
            # name k where it is wrong): k is not also called undocumented there
            return failed
        return evaluates

    def _evaluator(self, group: NodeGroup, depth: int) -> Callable[[dict[str, Any], str], bool]:
        """``(inst, name) ->`` whether the schema ``group`` evaluates property ``name`` of ``inst`` (see
        :meth:`_branch_evaluator`), for a payload that passes it."""
        view = self.view(group)
        if isinstance(view.additional, tuple) or isinstance(view.unevaluated_properties, tuple):
            return _evaluates_every_name
        names = frozenset(view.properties)
        searches = [re.compile(p).search for p in view.pattern_properties]
        inner = self._branch_evaluator(view, depth) if depth < _MAX_EVALUATION_DEPTH else None

        def evaluates(inst: dict[str, Any], k: str) -> bool:
            return k in names or any(search(k) for search in searches) or (inner is not None and inner(inst, k))
        return evaluates

    def _branches(self, view: SchemaView) -> list[NodeGroup]:
        out: list[NodeGroup] = []
        for n in view.nodes:
            if not isinstance(n.value, dict):
                continue
            for kw in ("oneOf", "anyOf"):
                if lone_member(n.value, kw) is not None:
                    continue
                members = n.child(kw)
                if members is not None:
                    out.extend((m,) for m in members.elements() if not is_null_schema(m.value))
        return out

    def _object(self, view: SchemaView, nodes: list[Node], undoc: bool) -> _Fn | None:
        anchor = view.anchor
        request = self.side is Side.REQUEST
        response = self.side is Side.RESPONSE
        props: dict[str, Any] = {}
        hidden: set[str] = set()
        for name, group in view.properties.items():
            pv = self.view(group)
            if request and pv.read_only:
                props[name] = ("read-only-sent", pv.anchor)
                hidden.add(name)
            elif response and pv.write_only:
                props[name] = ("write-only-sent", pv.anchor)
                hidden.add(name)
            else:
                props[name] = self.cell(group, self.options.undocumented)
        required = tuple(r for r in sorted(view.required) if r not in hidden)
        required_at = {r: next((n for n in nodes if isinstance(n.value.get("required"), list)
                                and r in n.value["required"]), anchor) for r in required}
        patterns: list[tuple[Callable[[str], Any], _Cell]] = []
        notices: list[_Fn] = []
        for pat, group in view.pattern_properties.items():
            try:
                patterns.append((re.compile(pat).search, self.cell(group, self.options.undocumented)))
            except re.error as exc:
                notices.append(self._once("unvalidated", anchor, "patternProperties",
                                          {"pattern": pat, "reason": f"regex not supported: {exc}"}, pat))
        closed_kw: str | None = None
        closed_at = anchor
        additional_cell: _Cell | None = None
        if view.additional is False:
            closed_kw = "additionalProperties"
            closed_at = next((n for n in nodes if n.value.get("additionalProperties") is False), anchor)
        elif isinstance(view.additional, tuple):
            additional_cell = self.cell(view.additional, self.options.undocumented)
        elif view.unevaluated_properties is False:
            closed_kw = "unevaluatedProperties"
            closed_at = _where(nodes, "unevaluatedProperties", anchor)
        elif isinstance(view.unevaluated_properties, tuple):
            additional_cell = self.cell(view.unevaluated_properties, self.options.undocumented)
        documented: frozenset[str] | None = None
        report_undoc = False
        if undoc and self.options.undocumented and closed_kw is None and additional_cell is None:
            documented = self.documented(view.nodes)
            report_undoc = documented is not None and len(documented) > 0
        # a name no property of the view itself describes counts as described (or, under
        # ``unevaluatedProperties: false``, as evaluated) only where a oneOf/anyOf branch that *passes*
        # on the payload evaluates it, as in JSON Schema 2020-12: a branch the payload fails lends it
        # nothing (Stripe's `bancontact: anyOf [options, client]` with an object as `preferred_language`)
        own_names = frozenset(view.properties) | view.required
        evaluates = self._branch_evaluator(view) if report_undoc or closed_kw == "unevaluatedProperties" else None

        extra: list[_Fn] = []
        nums = view.numbers
        for kw in ("minProperties", "maxProperties"):
            if kw in nums:
                limit = int(nums[kw])
                extra.append(self._size_check(_where(nodes, kw, anchor), kw, limit, kw.startswith("min")))
        names_group = view.property_names
        if names_group is not None:
            names_cell = self.cell(names_group, False)

            def property_names(inst: dict[str, Any]) -> _Result:
                out: _Result = None
                for k in inst:
                    r = names_cell[0](k)
                    if r:
                        out = (out or []) + r
                return out
            extra.append(property_names)
        if view.dependent_required:
            dep_req = dict(view.dependent_required)

            def dependent_required(inst: dict[str, Any]) -> _Result:
                out: _Result = None
                for k, needed in dep_req.items():
                    if k in inst:
                        for name in needed:
                            if name not in inst:
                                out = out or []
                                out.append([[name], "required-missing", anchor, "dependentRequired",
                                            {"property": name, "because": k}, None])
                return out
            extra.append(dependent_required)
        if view.dependent_schemas:
            dep_cells = {k: self.cell(g, False) for k, g in view.dependent_schemas.items()}

            def dependent_schemas(inst: dict[str, Any]) -> _Result:
                out: _Result = None
                for k, c in dep_cells.items():
                    if k in inst:
                        r = c[0](inst)
                        if r:
                            out = (out or []) + r
                return out
            extra.append(dependent_schemas)
        extra.extend(notices)

        if not props and not required and not patterns and closed_kw is None and additional_cell is None \
                and not report_undoc and not extra:
            return None
        props_get = props.get
        tail = _seq(extra) if extra else None

        def unknown(k: str, v: Any, inst: dict[str, Any]) -> _Result:
            """A property neither ``properties`` nor ``patternProperties`` describe."""
            if closed_kw is not None:
                if closed_kw == "unevaluatedProperties" and (
                        k in own_names or (evaluates is not None and evaluates(inst, k))):
                    return None
                return [[[k], "additional-property", closed_at, closed_kw, {"property": k}, None]]
            if additional_cell is not None:
                r = additional_cell[0](v)
                return _prefix(r, k) if r else None
            if report_undoc and (k not in documented or (  # type: ignore[operator]
                    k not in own_names and (evaluates is None or not evaluates(inst, k)))):
                return [[[k], "undocumented-property", anchor, "properties", {"property": k}, None]]
            return None

        def missing(inst: dict[str, Any]) -> _Result:
            out: _Result = None
            for name in required:
                if name not in inst:
                    if out is None:
                        out = []
                    out.append([[name], "required-missing", required_at[name], "required", {"property": name}, None])
            return out

        if not patterns and not hidden and tail is None:
            # the common shape: one dict lookup and one call per property, nothing allocated when valid
            def obj_plain(inst: dict[str, Any]) -> _Result:
                out: _Result = None
                for name in required:
                    if name not in inst:
                        out = missing(inst)
                        break
                for k, v in inst.items():
                    c = props_get(k)
                    r = c[0](v) if c is not None else unknown(k, v, inst)
                    if r:
                        if c is not None:
                            for e in r:
                                e[0].append(k)
                        if out is None:
                            out = r
                        else:
                            out.extend(r)
                return out
            return obj_plain

        def obj(inst: dict[str, Any]) -> _Result:
            out = missing(inst) if required else None
            for k, v in inst.items():
                c = props_get(k)
                if c is not None:
                    if c.__class__ is tuple:
                        if out is None:
                            out = []
                        out.append([[k], c[0], c[1], "readOnly" if c[0] == "read-only-sent" else "writeOnly",
                                    {"property": k}, None])
                        continue
                    r = c[0](v)
                    if r:
                        for e in r:
                            e[0].append(k)
                        out = r if out is None else out + r
                matched = c is not None
                for search, pc in patterns:
                    if search(k):
                        matched = True
                        r = pc[0](v)
                        if r:
                            _prefix(r, k)
                            out = r if out is None else out + r
                if not matched:
                    r = unknown(k, v, inst)
                    if r:
                        out = r if out is None else out + r
            if tail is not None:
                r = tail(inst)
                if r:
                    out = r if out is None else out + r
            return out
        return obj

    @staticmethod
    def _size_check(anchor: Node, kw: str, limit: int, is_min: bool) -> _Fn:
        def size(inst: Any) -> _Result:
            n = len(inst)
            if (n < limit) if is_min else (n > limit):
                return [_err("constraint-violated", anchor, kw, {"limit": limit, "actual": n})]
            return None
        return size

    # --- arrays -----------------------------------------------------------------------------------
    def _array(self, view: SchemaView, nodes: list[Node]) -> _Fn | None:
        anchor = view.anchor
        checks: list[_Fn] = []
        prefix = [self.cell(g, self.options.undocumented) for g in view.prefix_items]
        items = self.cell(view.items, self.options.undocumented) if view.items is not None else None
        if items is not None and view.items is not None and self.view(view.items).boolean is False:
            items = None  # `items: false`: no element past the prefix (reported on the array, as JSON Schema)
            n_max = len(prefix)
            items_at = _where(nodes, "items", anchor)

            def no_more(inst: list[Any]) -> _Result:
                if len(inst) > n_max:
                    return [_err("constraint-violated", items_at, "items", {"limit": n_max, "actual": len(inst)})]
                return None
            checks.append(no_more)
        if prefix or items is not None:
            n_prefix = len(prefix)

            def elements(inst: list[Any]) -> _Result:
                out: _Result = None
                for i, v in enumerate(inst):
                    c = prefix[i] if i < n_prefix else items
                    if c is None:
                        break
                    r = c[0](v)
                    if r:
                        for e in r:
                            e[0].append(i)
                        if out is None:
                            out = r
                        else:
                            out.extend(r)
                            if len(out) > MAX_VIOLATIONS:
                                break  # a huge array of bad items: enough to say so (validate() notes it)
                return out
            checks.append(elements)
        nums = view.numbers
        for kw in ("minItems", "maxItems"):
            if kw in nums:
                checks.append(self._size_check(_where(nodes, kw, anchor), kw, int(nums[kw]), kw == "minItems"))
        if view.unique_items:
            unique_at = _where(nodes, "uniqueItems", anchor)
            def unique(inst: list[Any]) -> _Result:
                seen: dict[Any, int] = {}
                for i, v in enumerate(inst):
                    f = _freeze(v)
                    if f in seen:
                        return [_err("constraint-violated", unique_at, "uniqueItems",
                                     {"first": seen[f], "duplicate": i})]
                    seen[f] = i
                return None
            checks.append(unique)
        if view.contains is not None:
            contains_cell = self.cell(view.contains, False)
            contains_at = _where(nodes, "contains", anchor)
            lo = int(nums.get("minContains", 1))
            hi = nums.get("maxContains")

            def contains(inst: list[Any]) -> _Result:
                count = 0
                info: list[_Err] = []
                for i, v in enumerate(inst):
                    r = contains_cell[0](v)
                    if _real(r):
                        _failed(r)
                    else:
                        count += 1
                        if r:
                            info += _prefix(_notices(r), i)
                if count < lo or (hi is not None and count > hi):
                    return [_err("constraint-violated", contains_at, "contains",
                                 {"matching": count, "min": lo, "max": hi}), *info]
                return info or None
            checks.append(contains)
        for n in nodes:
            if "unevaluatedItems" in n.value:
                checks.append(self._once("unvalidated", n, "unevaluatedItems",
                                         {"reason": "unevaluatedItems is not validated"}))
        return _seq(checks) if checks else None

    # --- strings ----------------------------------------------------------------------------------
    def _string(self, view: SchemaView, nodes: list[Node]) -> list[_Fn]:
        anchor = view.anchor
        out: list[_Fn] = []
        nums = view.numbers
        lo = nums.get("minLength")
        hi = nums.get("maxLength")
        if lo is not None or hi is not None:
            lo_at, hi_at = _where(nodes, "minLength", anchor), _where(nodes, "maxLength", anchor)

            def length(inst: str) -> _Result:
                n = len(inst)
                if lo is not None and n < lo:
                    return [_err("constraint-violated", lo_at, "minLength", {"limit": int(lo), "actual": n})]
                if hi is not None and n > hi:
                    return [_err("constraint-violated", hi_at, "maxLength", {"limit": int(hi), "actual": n})]
                return None
            out.append(length)
        for n in nodes:
            pat = n.value.get("pattern")
            if not isinstance(pat, str):
                continue
            try:
                search = re.compile(pat).search
            except re.error as exc:
                out.append(self._once("unvalidated", n, "pattern",
                                      {"pattern": pat, "reason": f"regex not supported: {exc}"}))
                continue

            def pattern(inst: str, search: Callable[[str], Any] = search, pat: str = pat, n: Node = n) -> _Result:
                if search(inst) is None:
                    return [_err("pattern-mismatch", n, "pattern", {"pattern": pat, "value": inst})]
                return None
            out.append(pattern)
        if self.options.formats:
            for n in nodes:
                fmt = n.value.get("format")
                check = _fmt.STRING_FORMATS.get(fmt) if isinstance(fmt, str) else None
                if check is None:
                    continue

                def string_format(inst: str, check: Callable[[str], bool] = check, fmt: str = fmt,
                                  n: Node = n) -> _Result:
                    if check(inst):
                        return None
                    return [_err("format-mismatch", n, "format", {"format": fmt, "value": inst})]
                out.append(string_format)
        return out

    # --- numbers ----------------------------------------------------------------------------------
    def _number(self, view: SchemaView, nodes: list[Node]) -> list[_Fn]:
        anchor = view.anchor
        out: list[_Fn] = []
        nums = view.numbers
        bounds = [(kw, nums[kw]) for kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
                  if kw in nums]
        if bounds:
            lo = nums.get("minimum")
            hi = nums.get("maximum")
            xlo = nums.get("exclusiveMinimum")
            xhi = nums.get("exclusiveMaximum")
            low_at = _where(nodes, "exclusiveMinimum" if xlo is not None and lo is None else "minimum", anchor)
            high_at = _where(nodes, "exclusiveMaximum" if xhi is not None and hi is None else "maximum", anchor)

            def bound(inst: float) -> _Result:
                if lo is not None and inst < lo:
                    return [_err("constraint-violated", low_at, "minimum", {"limit": lo, "actual": inst})]
                if hi is not None and inst > hi:
                    return [_err("constraint-violated", high_at, "maximum", {"limit": hi, "actual": inst})]
                if xlo is not None and inst <= xlo:
                    return [_err("constraint-violated", low_at, "exclusiveMinimum", {"limit": xlo, "actual": inst})]
                if xhi is not None and inst >= xhi:
                    return [_err("constraint-violated", high_at, "exclusiveMaximum", {"limit": xhi, "actual": inst})]
                return None
            out.append(bound)
        for n in nodes:
            m = n.value.get("multipleOf")
            if isinstance(m, bool) or not isinstance(m, (int, float)) or m <= 0:
                continue

            def multiple(inst: float, m: float = m, n: Node = n) -> _Result:
                if isinstance(m, float):
                    quotient = inst / m
                    try:
                        failed = int(quotient) != quotient
                    except OverflowError:
                        failed = True
                else:
                    failed = bool(inst % m)
                if failed:
                    return [_err("constraint-violated", n, "multipleOf", {"limit": m, "actual": inst})]
                return None
            out.append(multiple)
        if self.options.formats:
            for n in nodes:
                fmt = n.value.get("format")
                rng = _fmt.NUMBER_FORMATS.get(fmt) if isinstance(fmt, str) else None
                if rng is None:
                    continue

                def number_format(inst: float, rng: tuple[int, int] = rng, fmt: str = fmt, n: Node = n) -> _Result:
                    if _fmt.number_in_format(inst, rng):
                        return None
                    return [_err("format-mismatch", n, "format", {"format": fmt, "value": inst})]
                out.append(number_format)
        return out

    # --- things not validated ---------------------------------------------------------------------
    def _once(self, concept: str, node: Node, keyword: str, args: Mapping[str, Any], extra: Any = None) -> _Fn:
        # the site: the cell being built, the notice, its node (and pattern); fastgate names it alike
        site = self._building.site
        done = self.once_flag((*site, concept, keyword, node.key, extra))
        compiler = self
        origin = site  # the compiled schema the notice belongs to (check --jobs keeps one per schema)

        def once(inst: Any) -> _Result:
            before = done[0]
            if before == compiler.epoch:
                return None
            if not getattr(_ASKING, "on", False):  # CompiledSchema.is_valid leaves the notice due
                done[0] = compiler.epoch
            # (the flag and its value before: a failing subschema gives the notice back, see _failed)
            return [[[], concept, node, keyword, args, None, origin, done, before]]
        return once

    def _once_notices(self, nodes: list[Node]) -> list[_Fn]:
        out: list[_Fn] = []
        if self.options.formats:
            for n in nodes:
                fmt = n.value.get("format")
                if isinstance(fmt, str) and not _fmt.is_known(fmt):
                    out.append(self._once("unknown-format", n, "format", {"format": fmt}))
        for n in nodes:
            for kw in ("$dynamicRef", "$recursiveRef"):
                if kw in n.value:
                    out.append(self._once("unvalidated", n, kw, {"reason": f"{kw} is not followed"}))
        return out

    # --- composition ------------------------------------------------------------------------------
    def _composition(self, view: SchemaView, nodes: list[Node]) -> list[_Fn]:
        out: list[_Fn] = []
        for n in nodes:
            value = n.value
            disc = value.get("discriminator")
            for kw, branches in alternatives(n):
                out.append(self._alternatives(n, kw, branches, disc if isinstance(disc, dict) else None))
            neg = n.child("not")
            if neg is not None:
                out.append(self._not(n, neg))
            cond = n.child("if")
            if cond is not None:
                out.append(self._if(n, cond, n.child("then"), n.child("else")))
        return out

    def _not(self, n: Node, neg: Node) -> _Fn:
        neg_cell = self.cell((neg,), False)

        def not_(inst: Any) -> _Result:
            r = neg_cell[0](inst)
            if _real(r):
                _failed(r)
                return None
            return [_err("not-matched", n, "not", {"value": inst}), *_notices(r)]
        return not_

    def _if(self, n: Node, cond: Node, then: Node | None, else_: Node | None) -> _Fn:
        cond_cell = self.cell((cond,), False)
        then_cell = self.cell((then,), self.options.undocumented) if then is not None else None
        else_cell = self.cell((else_,), self.options.undocumented) if else_ is not None else None

        def if_(inst: Any) -> _Result:
            r = cond_cell[0](inst)
            if _real(r):
                _failed(r)
                return else_cell[0](inst) if else_cell is not None else None
            out = then_cell[0](inst) if then_cell is not None else None
            info = _notices(r)
            return (out or []) + info if info else out
        return if_

    def _target_key(self, n: Node, ref: str) -> tuple[str, Any] | None:
        if "/" not in ref and "#" not in ref:
            ref = "#/components/schemas/" + ref
        try:
            file, pointer, _ = n.spec.resolve(ref, base=n.file, at=n.pointer)
        except InputError:
            return None
        return (file.uri, pointer)

    def _mapping(self, n: Node, disc: dict[str, Any], branches: list[Node]) -> dict[str, int]:
        """Discriminator value -> branch index (explicit ``mapping`` first, then implicit names)."""
        keyed = {b.deref().key: i for i, b in enumerate(branches)}
        out: dict[str, int] = {}
        mapping = disc.get("mapping")
        if isinstance(mapping, dict):
            for value, ref in mapping.items():
                if isinstance(ref, str):
                    key = self._target_key(n, ref)
                    if key is not None and key in keyed:
                        out[str(value)] = keyed[key]
        for key, i in keyed.items():
            name = key[1][-1] if key[1] else None
            if isinstance(name, str) and name not in out:
                out[name] = i
        return out

    def _alternatives(self, n: Node, kw: str, branches: list[Node], disc: dict[str, Any] | None) -> _Fn:
        cells = [self.cell((b,), False) for b in branches]
        names = [_branch_name(b) for b in branches]
        count = len(cells)
        one = kw == "oneOf"
        prop = disc.get("propertyName") if disc is not None else None
        mapping = self._mapping(n, disc, branches) if isinstance(prop, str) and disc is not None else {}
        branch_types: list[frozenset[str] | None] = []
        for b in branches:
            bv = self.view((b,))
            explicit = any(isinstance(x.value, dict) and "type" in x.value for x in bv.nodes)
            branch_types.append(bv.types if explicit else None)

        described: dict[int, frozenset[str] | None] = {}

        def label(i: int) -> str:
            return f"branch {i}" + (f", {names[i]}" if names[i] else "")

        def closest(inst: Any, results: list[_Result]) -> list[_Err]:
            actual = json_type(inst)
            if actual == "number" and isinstance(inst, float) and inst.is_integer():
                actual = "integer"
            fits = [i for i, t in enumerate(branch_types)
                    if t is None or actual in t or (actual == "integer" and "number" in t)]
            if not fits:
                expected: set[str] = set()
                for t in branch_types:
                    expected.update(t or ())
                return [_err("type-mismatch", n, kw, {"expected": _types_text(expected), "actual": actual},
                             f"none of the {count} {kw} alternatives admits {actual}")]

            def score(i: int) -> tuple[int, int, int, int]:
                errs = [e for e in results[i] or () if e[1] not in INFORMATIONAL]
                # a wrong value of a top-level enum/const (a type tag) rules a branch out first; then
                # the branch that describes more of the payload's properties; then fewer errors
                values = sum(1 for e in errs if e[1] in ("enum-mismatch", "const-mismatch") and len(e[0]) == 1)
                unknown = 0
                if isinstance(inst, dict):
                    if i not in described:
                        described[i] = self.documented((branches[i],))
                    names = described[i]
                    unknown = 0 if names is None else sum(1 for k in inst if k not in names)
                return (values, unknown, len(errs), i)
            best = min(fits, key=score)
            note = f"closest of {count} {kw} alternatives ({label(best)})"
            out = results[best] or []
            for e in out:
                if e[5] is None:
                    e[5] = note
            if not out:
                out = [_err("no-alternative-matched", n, kw, {"alternatives": count})]
            return out

        def plain(inst: Any) -> _Result:
            results: list[_Result] = []
            passed: list[int] = []
            info: list[_Err] = []
            for i, c in enumerate(cells):
                r = _run_branch(c, inst)
                if r:
                    if _real(r):
                        r = _failed(r)  # its notices given back: only its errors may be reported
                    else:
                        info.extend(r)
                        r = None
                if r is None:
                    if not one:
                        return info or None
                    passed.append(i)
                results.append(r)
            if len(passed) == 1:
                return info or None
            if passed:
                return [_err("several-alternatives-matched", n, "oneOf",
                             {"matched": [names[i] or i for i in passed]},
                             f"{len(passed)} of {count} oneOf alternatives match; exactly one must"), *info]
            return closest(inst, results) + info

        if not mapping:
            return plain
        allowed = tuple(sorted(mapping))

        def discriminated(inst: Any) -> _Result:
            if inst.__class__ is not dict:
                return plain(inst)
            v = inst.get(prop)
            i = mapping.get(v) if isinstance(v, str) else None
            if i is None:
                r = plain(inst)
                if r and _real(r) and prop in inst:
                    return [[[prop], "enum-mismatch", n, "discriminator", {"value": v, "allowed": allowed},
                             f"the discriminator {prop} selects none of the {count} {kw} alternatives"],
                            *_notices(r)]
                return r
            r = _run_branch(cells[i], inst)
            if _real(r):
                note = f"discriminator {prop}={v!r} selects {label(i)}"
                for e in r or ():
                    if e[5] is None:
                        e[5] = note
                return r
            if one:
                others: list[int] = []
                info: list[_Err] = []
                for j in range(count):
                    if j != i:
                        rj = _run_branch(cells[j], inst)
                        if _real(rj):
                            _failed(rj)
                        else:
                            others.append(j)
                            info += _notices(rj)
                if others:
                    return [_err("several-alternatives-matched", n, "oneOf",
                                 {"matched": [names[j] or j for j in (i, *others)]},
                                 f"{len(others) + 1} of {count} oneOf alternatives match; exactly one must"),
                            *_notices(r), *info]
                if info:
                    return (r or []) + info
            return r
        return discriminated

    def _dispatch(self, n: Node, disc: dict[str, Any]) -> Callable[[Any], _Cell | None] | None:
        """A discriminator on a base schema without ``oneOf``/``anyOf`` (the ``allOf`` inheritance style):
        the subtype the payload names, when it is another schema, validates the payload instead."""
        prop = disc.get("propertyName")
        if not isinstance(prop, str):
            return None
        mapping = disc.get("mapping")
        explicit = {str(k): v for k, v in mapping.items() if isinstance(v, str)} if isinstance(mapping, dict) else {}
        targets: dict[str, _Cell | None] = {}

        def target(value: str) -> _Cell | None:
            found = _node_at(n, explicit.get(value, value))
            cell: _Cell | None = None
            if found is not None and found.key != n.key:
                sub = self.view((found,))
                if any(x.key == n.key for x in sub.nodes):  # a subtype of this base: validate as it
                    cell = self.cell((found,), self.options.undocumented)
            targets[value] = cell
            return cell

        def dispatch(inst: Any) -> _Cell | None:
            v = inst.get(prop)
            if v.__class__ is not str:
                return None
            if v in targets:
                return targets[v]
            return target(v)
        return dispatch


def _node_at(n: Node, ref: str) -> Node | None:
    if "/" not in ref and "#" not in ref:
        ref = "#/components/schemas/" + ref
    try:
        file, pointer, value = n.spec.resolve(ref, base=n.file, at=n.pointer)
    except InputError:
        return None
    return Node(n.spec, file, pointer, value)
