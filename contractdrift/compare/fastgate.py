"""An optional jsonschema-rs *gate* in front of the compiled payload validator (:mod:`.validate`).

A schema compiled by :func:`.validate.compile_schema` is also translated, from the same normalized views
(:func:`.schema_view.build_view`, ``allOf`` merged, nullable readings, 3.0 bounds, readOnly/writeOnly by
side, the *documented* property sets), into one Draft 2020-12 schema that is **at least as strict** as
our validator, and handed to jsonschema-rs (Rust; ``pip install contractdrift[fast]``). When the gate
passes a payload, :meth:`.validate.CompiledSchema.validate` returns ``[]`` without running the Python
closures; when it does not, the closures run and pinpoint every violation, so locations and messages
are always ours. Gate-stricter-than-us costs speed only; gate-passes-what-we-reject is a bug.

How it stays sound:

- Anything not translated exactly becomes the ``false`` schema at that spot (``patternProperties``,
  ``contains``, discriminators, composition cycles that would never end): the payload goes to Python.
  ``not``, ``if``, ``oneOf`` and ``anyOf`` need their subschemas *exact* (an inexact member could flip
  the verdict), so a composition over an inexact member is ``false`` as a whole.
- Formats and patterns never use jsonschema-rs semantics: each is a custom format whose callback is
  our own check (:mod:`.formats`, Python ``re``); ``multipleOf`` is a custom keyword running our own
  arithmetic; ``int32``/``int64`` are exact bounds on integral values.
- Once-notices (*unknown-format*, *unvalidated* ``$dynamicRef``...) are emitted by our validator the first
  time a schema node is visited. Each such site is a custom keyword that, while its notice is still to
  come, marks the call (per thread) as needing Python: the notice is never swallowed. Sites whose
  notice has fired are dropped from later rebuilds of the gate.
- Payloads jsonschema-rs would read otherwise than Python does go to Python without asking it: anything
  but exact ``dict``/``list``/``str``/``int``/``float``/``bool``/``None`` (tuples, ``Decimal``,
  subclasses), NaN and infinities, and nesting deeper than :data:`MAX_DEPTH` (our recursion limit, and
  jsonschema-rs would overflow its stack). Any exception from jsonschema-rs also means Python decides.

Turned off by ``ValidateOptions(fast=False)`` or the environment variable ``CONTRACTDRIFT_FAST=0``.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..model import Side
from . import formats as _fmt
from .schema_view import NodeGroup, alternatives

if TYPE_CHECKING:
    from .validate import _Compiler

#: Payloads nested deeper than this (containers in containers) are validated by Python only.
MAX_DEPTH = 64
#: A hub that lags behind our validator is rebuilt once the time Python spent on payloads it declined
#: since its last build reaches this multiple of what that build cost (0: at once; tests use it).
REBUILD_RATIO = 1.0
#: Before a hub's first compilation, what it will cost is guessed per cell our validator has built
#: (seconds; about what jsonschema-rs took per translated cell on the corpus specs).
COMPILE_PER_CELL = 15e-6
#: Cells a hub translates before a payload made our validator build them (beyond it, a cell not built
#: yet is left to Python until a payload reaches it): the whole reachable graph of most specs.
CELL_BUDGET = 20_000

_ONCE_KW = "x-contractdrift-once"
_UNKNOWN_KW = "x-contractdrift-unbuilt"
_CALL_KW = "x-contractdrift-call"
_FMT_PREFIX = "contractdrift-format:"
_FALSE: dict[str, Any] = {"not": {}}
_NON_NULL = ("object", "array", "string", "boolean", "number")


def available() -> bool:
    """Whether jsonschema-rs can be imported and the gate is not turned off by the environment."""
    if os.environ.get("CONTRACTDRIFT_FAST", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    global _AVAILABLE
    if _AVAILABLE is None:
        try:
            import jsonschema_rs  # noqa: F401
        except ImportError:
            _AVAILABLE = False
        else:
            _AVAILABLE = True
    return _AVAILABLE


_AVAILABLE: bool | None = None


def build_gate(compiler: _Compiler, group: NodeGroup, undoc: bool) -> Gate:
    """The gate of the cell ``(group, undoc)`` of ``compiler`` (call :func:`available` first). All gates
    of one compiler (one spec, side and options) share one jsonschema-rs validator, a :class:`Hub`:
    the components they reach are translated and compiled once."""
    hub: Hub | None = getattr(compiler, "_fastgate_hub", None)
    if hub is None:
        hub = Hub(compiler)
        compiler._fastgate_hub = hub  # type: ignore[attr-defined]
    return hub.gate(group, undoc)


def plain_json(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is made of exact JSON types only (no NaN or infinity, nesting at most
    :data:`MAX_DEPTH`): what jsonschema-rs reads exactly as our validator does."""
    cls = value.__class__
    if cls is dict:
        items: Any = value.values()
    elif cls is list:
        items = value
    elif cls is float:
        return bool(value - value == 0.0)
    else:
        return cls is str or cls is int or cls is bool or value is None
    if depth >= MAX_DEPTH:
        return False
    for v in items:
        c = v.__class__
        if c is str or c is int or c is bool or v is None:
            continue
        if c is dict or c is list:
            if not plain_json(v, depth + 1):
                return False
        elif c is float:
            if v - v != 0.0:
                return False
        else:
            return False
    return True


class Gate:
    """The gate of one compiled schema: :meth:`passes` is True only when our own validator would return
    no violation at all for the payload."""

    __slots__ = ("declined", "hub", "passed", "root")

    def __init__(self, hub: Hub, root: str) -> None:
        self.hub = hub
        self.root = root
        #: Calls answered by the gate, and calls it left to Python (statistics for benchmarks and tests).
        self.passed = 0
        self.declined = 0

    def passes(self, instance: Any, plain: bool = False) -> bool:
        if self.hub.passes(self.root, instance, plain):
            self.passed += 1
            return True
        self.declined += 1
        return False

    def after_fallback(self) -> None:
        self.hub.after_fallback()

    @property
    def broken(self) -> str | None:
        return self.hub.broken


class Hub:
    """One jsonschema-rs validator for every gate of a compiler. Its schema holds every cell reachable
    from the roots registered so far, up to :data:`CELL_BUDGET` cells our validator has not built yet
    (beyond it, such a cell is a keyword that sends the payload to Python, which builds it). One
    translator lives as long as the hub, so a rebuild translates only what is new: cells of new roots,
    cells Python built since, cells whose once-notices fired (their sites go). The hub is rebuilt when
    new roots came, Python built cells it lacks or fired once-notices it waits for — once the time
    Python spent on payloads the hub declined since its last build exceeds what that build cost, so
    rebuilding never costs more than the fallbacks it saves."""

    def __init__(self, compiler: _Compiler) -> None:
        self._compiler = compiler
        self._roots: dict[tuple[Any, ...], str] = {}
        self._groups: dict[str, tuple[NodeGroup, bool]] = {}
        self._current: tuple[Any, frozenset[str]] = (None, frozenset())
        self._local = threading.local()
        self._pending: list[list[int]] = []
        self._translator: _Translator | None = None
        # Once notice epochs began, once-notice sites are never translated away (each epoch wants its
        # notices again), so a second validator without them serves the payloads of an epoch whose
        # notices have all fired: no Python callback per visit of such a site.
        self._quiet: Any = None
        self._quiet_epoch = -1  # the epoch whose notices all fired (the quiet validator serves it)
        self._fallback_seconds = 0.0  # time our validator spent on payloads this build declined
        self._build_seconds = 0.0  # time the last build spent compiling (what every rebuild costs again)
        self._stale = False
        self._lock = threading.Lock()
        self.builds = 0
        #: Time spent translating and compiling, all builds together (seconds of wall clock).
        self.build_time = 0.0
        #: Why jsonschema-rs refused the translated schema (Python then validates everything), or None.
        self.broken: str | None = None
        self.schema: Any = None  # the translated schema of the last build (for inspection)

    def gate(self, group: NodeGroup, undoc: bool) -> Gate:
        key = (tuple(n.key for n in group), undoc)
        with self._lock:
            root = self._roots.get(key)
            if root is None:
                root = self._roots[key] = f"r{len(self._roots)}"
                self._groups[root] = (group, undoc)
        return Gate(self, root)

    def passes(self, root: str, instance: Any, plain: bool = False) -> bool:
        if self._stale and self.broken is None:
            self._build()
        validator, included = self._current
        if validator is None or root not in included or not (plain or plain_json(instance)):
            self._declined()
            return False
        if self._quiet_epoch == self._compiler.epoch and self._quiet is not None:
            validator = self._quiet
        local = self._local
        local.tripped = False
        try:
            ok = bool(validator.is_valid({root: instance}))
        except Exception:  # a value jsonschema-rs cannot take (lone surrogates...): Python decides
            ok = False
        if ok and not local.tripped:
            return True
        self._declined()
        return False

    def _declined(self) -> None:
        local = self._local
        local.declined_at = time.perf_counter()
        local.built_before = self._compiler.build_seconds

    def after_fallback(self) -> None:
        local = self._local
        started = getattr(local, "declined_at", None)
        if started is not None:
            local.declined_at = None
            # what Python spent on the payload, less building cells (paid once, gate or not)
            building = self._compiler.build_seconds - getattr(local, "built_before", 0.0)
            self._fallback_seconds += max(0.0, time.perf_counter() - started - building)
        epoch = self._compiler.epoch
        if self._quiet is not None and self._quiet_epoch != epoch and all(f[0] == epoch for f in self._pending):
            self._quiet_epoch = epoch  # our validator just fired the last notice due in this epoch
        expected = self._build_seconds if self.builds else COMPILE_PER_CELL * len(self._compiler.built)
        if self._stale or self.broken is not None or self._fallback_seconds < REBUILD_RATIO * expected:
            return
        _, included = self._current
        grown = len(included) < len(self._roots)
        if not grown and self._translator is not None:
            built = self._compiler.built
            grown = any(k in built for k in self._translator.stubs)
        if not grown:
            pending = self._pending
            fired = self._compiler.once_fired
            grown = bool(pending) and 2 * sum(1 for f in pending if fired(f)) >= len(pending)
        if grown:
            self._stale = True

    def rearm(self) -> None:
        """Notice epochs began (``check --jobs``): a build that left fired once-notice sites out would
        let their next payloads pass without the notice, so it is rebuilt with them."""
        if self._translator is not None and self._translator.cell_omitted:
            self._stale = True

    def refresh(self) -> None:
        """Rebuild now from what our validator has built so far (no amortization): for callers that
        warm up on sample traffic before a long run, and for tests."""
        self._stale = True
        self.broken = None
        self._build()

    def _build(self) -> None:
        with self._lock:
            if not self._stale:
                return
            import jsonschema_rs

            local = self._local
            started = time.perf_counter()
            roots = dict(self._groups)
            translator = self._translator
            if translator is None:
                translator = self._translator = _Translator(self._compiler)
            try:
                schema = translator.translate(roots)
                once = translator.once
                calls = translator.calls
                fired = self._compiler.once_fired

                class Once:
                    __slots__ = ("flag", "kind")

                    def __init__(self, parent: Any, value: Any, path: Any) -> None:
                        self.flag, self.kind = once[value]

                    def validate(self, instance: Any) -> None:
                        if not fired(self.flag) and instance is not None and (
                                self.kind is None or isinstance(instance, self.kind)):
                            local.tripped = True

                class Unbuilt:
                    __slots__ = ()

                    def __init__(self, parent: Any, value: Any, path: Any) -> None:
                        pass

                    def validate(self, instance: Any) -> None:
                        local.tripped = True

                class Call:
                    __slots__ = ("check",)

                    def __init__(self, parent: Any, value: Any, path: Any) -> None:
                        self.check = calls[value]

                    def validate(self, instance: Any) -> None:
                        if not self.check(instance):
                            raise _NotAdmitted  # jsonschema-rs reads it as this keyword failing

                compiling = time.perf_counter()
                validator = jsonschema_rs.Draft202012Validator(
                    schema, formats=translator.formats, validate_formats=True,
                    keywords={_ONCE_KW: Once, _CALL_KW: Call, _UNKNOWN_KW: Unbuilt})
            except Exception as exc:  # a schema jsonschema-rs refuses: Python validates everything
                self.broken = f"{type(exc).__name__}: {exc}".splitlines()[0]
                self._translator = None  # a translation cut short is not extended
                self._current = (None, frozenset())
                self._stale = False
                return
            self.schema = schema
            self._pending = [flag for flags in translator.cell_once.values() for flag in flags]
            self._quiet, self._quiet_epoch = None, -1
            if self._pending and self._compiler.rearmable:
                try:
                    self._quiet = jsonschema_rs.Draft202012Validator(
                        translator.without_once(schema), formats=translator.formats, validate_formats=True,
                        keywords={_CALL_KW: Call, _UNKNOWN_KW: Unbuilt})
                except Exception:  # never expected (a subset of a schema it took): slower, never wrong
                    self._quiet = None
            self._current = (validator, frozenset(roots))
            self._fallback_seconds = 0.0
            # What the next build costs again is the compilation: a cell is translated once (again only
            # when its once-notices fired), so translating is paid once over the run, like our
            # validator's own builds, and is left out of the amortization.
            done = time.perf_counter()
            self._build_seconds = done - compiling
            self.build_time += done - started
            self.builds += 1
            self._stale = False


class _NotAdmitted(Exception):
    """Raised by the gate's custom keyword into jsonschema-rs, which reads it as a failure (never
    seen outside)."""


def _schema_value(value: Any) -> bool:
    """Whether a value from the spec can stand in the gate schema as it is (JSON, finite numbers)."""
    try:
        return plain_json(value)
    except RecursionError:
        return False


def _searcher(search: Callable[[str], Any]) -> Callable[[str], bool]:
    def matches(value: str) -> bool:
        return search(value) is not None
    return matches


def _integral_range(lo: int, hi: int) -> Callable[[Any], bool]:
    def in_range(inst: Any) -> bool:
        c = inst.__class__
        if c is not int and c is not float:
            return True
        return _fmt.number_in_format(inst, (lo, hi))
    return in_range


def _multiple_of(m: float) -> Callable[[Any], bool]:
    def multiple(inst: Any) -> bool:  # the arithmetic of validate._Compiler._number, to the letter
        c = inst.__class__
        if c is not int and c is not float:
            return True
        if isinstance(m, float):
            quotient = inst / m
            try:
                return bool(int(quotient) == quotient)
            except (OverflowError, ValueError):
                return False
        return not bool(inst % m)
    return multiple


class _Translator:
    """One gate schema: every cell reachable from the root becomes a ``$defs`` entry (cycles are
    ``$ref`` cycles), then inexact spots under compositions and endless composition cycles are
    patched to ``false``."""

    def __init__(self, compiler: _Compiler) -> None:
        self.c = compiler
        self.defs: dict[str, Any] = {}
        self.names: dict[tuple[Any, ...], str] = {}
        self.queue: list[tuple[str, NodeGroup, bool]] = []
        self.inexact: set[str] = set()
        self.refs: dict[str, set[str]] = {}
        self.same: list[tuple[str, str, dict[str, Any]]] = []  # (owner, target, part): same instance
        self.needs_exact: list[tuple[str, list[str], dict[str, Any]]] = []  # (owner, targets, part)
        self.once: list[tuple[list[int], Any]] = []  # indexed by the once keyword's value (append only)
        self.calls: list[Callable[[Any], bool]] = []  # indexed by the call keyword's value (append only)
        self.formats: dict[str, Callable[[str], bool]] = {}
        self.stubs: dict[tuple[Any, ...], str] = {}  # cells left to our validator (not built, over budget)
        self.budget = CELL_BUDGET  # cells not built yet that may still be translated
        self.groups: dict[str, tuple[NodeGroup, bool]] = {}  # name -> its cell, to translate it again
        self.cell_once: dict[str, list[list[int]]] = {}  # name -> the flags of its once-notice sites
        self.cell_omitted: set[str] = set()  # cells that left a fired once-notice site out (Hub.rearm)
        self._owner = ""
        # (keyword, branches, discriminator property, part) of the compositions of the cell being
        # translated, for _object (see _close_branches)
        self._alternatives: list[tuple[str, list[Any], str | None, dict[str, int], dict[str, Any]]] = []

    # --- plumbing -----------------------------------------------------------------------------------
    def translate(self, roots: dict[str, tuple[NodeGroup, bool]]) -> dict[str, Any]:
        """The schema of a hub: payload ``p`` of root ``r`` is validated as ``{r: p}``. Called again
        with more roots (or after our validator built more, or fired once-notices), it extends what it
        translated before: cells already translated are kept as they are."""
        self._owner = ""
        props = {r: self.ref(g, u) for r, (g, u) in roots.items()}
        built = self.c.built
        for key in [k for k in self.stubs if k in built]:  # Python built them since: translate them
            name = self.stubs.pop(key)
            self.queue.append((name, *self.groups[name]))
        rearmable = self.c.rearmable
        for name in list(self.cell_once if not rearmable else self.cell_omitted):
            if not rearmable and not any(flag[0] >= 0 for flag in self.cell_once[name]):
                continue
            # fired notices: their sites go (no epoch can make them due again); or, once epochs began,
            # the sites left out come back
            self.same = [r for r in self.same if r[0] != name]
            self.needs_exact = [r for r in self.needs_exact if r[0] != name]
            self.refs.pop(name, None)
            self.cell_once.pop(name, None)
            self.cell_omitted.discard(name)
            self.queue.append((name, *self.groups[name]))
        while self.queue:
            name, g, u = self.queue.pop()
            self._owner = name
            self.refs.setdefault(name, set())
            self.defs[name] = self.cell(g, u)
        self._owner = ""
        self._patch()
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": self.defs, "properties": props}

    def without_once(self, schema: dict[str, Any]) -> dict[str, Any]:
        """``schema`` (of :meth:`translate`) without its once-notice sites: the cells holding one are
        copied without it, the others shared."""
        defs = dict(schema["$defs"])
        for name in self.cell_once:
            if name in defs:
                defs[name] = _drop_once(defs[name])
        return {**schema, "$defs": defs}

    def ref(self, group: NodeGroup, undoc: bool) -> dict[str, Any]:
        key = (tuple(n.key for n in group), undoc)
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = f"c{len(self.names)}"
            self.groups[name] = (group, undoc)
            if key in self.c.built:
                self.queue.append((name, group, undoc))
            elif self.budget > 0:  # not visited by a payload yet, but within the budget: translated
                self.budget -= 1
                self.queue.append((name, group, undoc))
            else:  # whoever reaches it asks Python (which builds it; the next build translates it)
                self.defs[name] = {_UNKNOWN_KW: 0}
                self.stubs[key] = name
        if self._owner:
            self.refs.setdefault(self._owner, set()).add(name)
        return {"$ref": "#/$defs/" + name}

    @staticmethod
    def target(ref: dict[str, Any]) -> str:
        return str(ref["$ref"]).rsplit("/", 1)[-1]

    def false(self) -> dict[str, Any]:
        """``false`` at a spot not translated exactly (its cell is no longer exact)."""
        self.inexact.add(self._owner)
        return dict(_FALSE)

    def call(self, check: Callable[[Any], bool]) -> dict[str, Any]:
        self.calls.append(check)
        return {_CALL_KW: len(self.calls) - 1}

    def string_format(self, name: str, check: Callable[[str], bool]) -> dict[str, Any]:
        self.formats[name] = check
        return {"format": name}

    def once_site(self, site: tuple[Any, ...], kind: Any) -> dict[str, Any] | None:
        flag = self.c.once_flag(site)
        if flag[0] >= 0 and not self.c.rearmable:
            self.cell_omitted.add(self._owner)
            return None  # fired already, and no notice epoch (check --jobs) can make it due again
        self.once.append((flag, kind))
        self.cell_once.setdefault(self._owner, []).append(flag)
        return {_ONCE_KW: len(self.once) - 1}

    def _patch(self) -> None:
        # 1. endless composition: a cycle of same-instance references (Python would recurse until it
        #    gives up; jsonschema-rs would answer something) -> false where the cycle is entered
        graph: dict[str, set[str]] = {}
        for owner, target, _ in self.same:
            graph.setdefault(owner, set()).add(target)
        component = _components(graph)
        for owner, target, part in self.same:
            if component.get(owner) is not None and component.get(owner) == component.get(target):
                part.clear()
                part.update(_FALSE)
                self.inexact.add(owner)
        # 2. compositions over inexact members -> false, until nothing changes
        while True:
            inexact = self._closure()
            changed = False
            for owner, targets, part in self.needs_exact:
                if part != _FALSE and any(t in inexact for t in targets):
                    part.clear()
                    part.update(_FALSE)
                    self.inexact.add(owner)
                    changed = True
            if not changed:
                return

    def _closure(self) -> set[str]:
        """Cells that are not exact: inexact themselves, or referring to one that is not."""
        users: dict[str, set[str]] = {}
        for owner, targets in self.refs.items():
            for t in targets:
                users.setdefault(t, set()).add(owner)
        out = set(self.inexact)
        stack = list(out)
        while stack:
            t = stack.pop()
            for u in users.get(t, ()):
                if u not in out:
                    out.add(u)
                    stack.append(u)
        return out

    # --- one cell, mirroring validate._Compiler._build ------------------------------------------------
    def cell(self, group: NodeGroup, undoc: bool) -> Any:
        c = self.c
        site = (tuple(n.key for n in group), undoc)
        view = c.view(group)
        nodes = view.nodes
        if view.boolean is False:
            return dict(_FALSE)
        dict_nodes = [n for n in nodes if isinstance(n.value, dict)]
        if not dict_nodes:
            return {}
        explicit = any("type" in n.value for n in dict_nodes)
        types = view.types if explicit else None

        def allowed(name: str) -> bool:
            return types is None or name in types or (name == "integer" and "number" in types)

        json_types: list[str] = []
        for name in ("object", "array", "string", "boolean"):
            if allowed(name):
                json_types.append(name)
        if allowed("number"):
            json_types.append("number")
        elif allowed("integer") or "integer" in (types or ()):
            json_types.append("integer")  # integral floats too, as validate._integral_float
        null_ok = all(c.null_failure(n) is None for n in group)

        s: dict[str, Any] = {}
        parts: list[dict[str, Any]] = []  # applying to every non-null type (allOf members)
        common = False
        # enum, const
        if any(isinstance(n.value.get("enum"), list) for n in dict_nodes):
            common = True
            allowed_values = list(view.enum or ())
            if not allowed_values:
                parts.append(dict(_FALSE))
            elif all(_schema_value(v) for v in allowed_values):
                s["enum"] = allowed_values
            else:  # a value jsonschema-rs cannot hold (a YAML date...)
                parts.append(self.false())
        for n in dict_nodes:
            if "const" in n.value:
                common = True
                const = n.value["const"]
                parts.append({"const": const} if _schema_value(const) else self.false())
        # composition
        for part in self._composition(dict_nodes):
            common = True
            parts.append(part)
        # once notices of every non-null type
        for n in dict_nodes:
            if c.options.formats:
                fmt = n.value.get("format")
                if isinstance(fmt, str) and not _fmt.is_known(fmt):
                    o = self.once_site((*site, "unknown-format", "format", n.key, None), None)
                    if o is not None:
                        parts.append(o)
            for kw in ("$dynamicRef", "$recursiveRef"):
                if kw in n.value:
                    o = self.once_site((*site, "unvalidated", kw, n.key, None), None)
                    if o is not None:
                        parts.append(o)
        # per type
        if "object" in json_types:
            self._object(view, dict_nodes, undoc, site, s, parts)
        if "array" in json_types:
            self._array(view, dict_nodes, site, s, parts)
        if "string" in json_types:
            self._string(view, dict_nodes, site, s, parts)
        if "number" in json_types or "integer" in json_types:
            self._number(view, dict_nodes, json_types, s, parts)
        # discriminator on a base schema (subtypes validate instead): not translated
        root = dict_nodes[0]
        disc = root.value.get("discriminator")
        if isinstance(disc, dict) and root is nodes[0] and isinstance(disc.get("propertyName"), str) and not any(
                isinstance(root.value.get(kw), list) for kw in ("oneOf", "anyOf")):
            parts.append({"if": {"type": "object"}, "then": self.false()})

        if parts:
            s["allOf"] = parts
        if not json_types:  # no non-null type admitted
            return {"type": "null"} if null_ok else dict(_FALSE)
        full = len(json_types) == len(_NON_NULL)
        if not null_ok:
            s["type"] = json_types
            return s
        if not common:
            if not full:
                s["type"] = [*json_types, "null"]
            return s
        if not full:
            s["type"] = json_types
        return {"anyOf": [{"type": "null"}, s]}

    def _composition(self, nodes: list[Any]) -> list[dict[str, Any]]:
        c = self.c
        out: list[dict[str, Any]] = []
        owner = self._owner
        self._alternatives = []
        for n in nodes:
            value = n.value
            disc = value.get("discriminator")
            for kw, branches in alternatives(n):
                prop = disc.get("propertyName") if isinstance(disc, dict) else None
                mapping = c._mapping(n, disc, branches) if isinstance(prop, str) and isinstance(disc, dict) else {}
                refs = [self.ref((b,), False) for b in branches]
                part: dict[str, Any] = {kw: refs}
                if mapping:
                    # validate._Compiler._alternatives.discriminated: an object whose `prop` is a string
                    # the mapping knows is validated by that branch (and, for oneOf, by it alone);
                    # anything else as without a discriminator
                    selected = []
                    for tag, i in sorted(mapping.items()):
                        chosen: dict[str, Any] = dict(refs[i])
                        if kw == "oneOf":
                            chosen = {"allOf": [dict(refs[i]), {"oneOf": [dict(r) for r in refs]}]}
                        selected.append({"if": {"properties": {prop: {"const": tag}}}, "then": chosen})
                    part = {"if": {"type": "object", "required": [prop],
                                   "properties": {prop: {"enum": sorted(mapping)}}},
                            "then": {"allOf": selected}, "else": {kw: refs}}
                targets = [self.target(r) for r in refs]
                for t in targets:
                    self.same.append((owner, t, part))
                self.needs_exact.append((owner, targets, part))
                self._alternatives.append((kw, branches, prop if mapping else None, mapping, part))
                out.append(part)
            neg = n.child("not")
            if neg is not None:
                r = self.ref((neg,), False)
                part = {"not": r}
                self.same.append((owner, self.target(r), part))
                self.needs_exact.append((owner, [self.target(r)], part))
                out.append(part)
            cond = n.child("if")
            if cond is not None:
                r = self.ref((cond,), False)
                part = {"if": r}
                then, else_ = n.child("then"), n.child("else")
                targets = [self.target(r)]
                if then is not None:
                    part["then"] = self.ref((then,), c.options.undocumented)
                    targets.append(self.target(part["then"]))
                if else_ is not None:
                    part["else"] = self.ref((else_,), c.options.undocumented)
                    targets.append(self.target(part["else"]))
                for t in targets:
                    self.same.append((owner, t, part))
                self.needs_exact.append((owner, [self.target(r)], part))
                out.append(part)
        return out

    def _object(self, view: Any, nodes: list[Any], undoc: bool, site: tuple[Any, ...], s: dict[str, Any],
                parts: list[dict[str, Any]]) -> None:
        c = self.c
        request = c.side is Side.REQUEST
        response = c.side is Side.RESPONSE
        props: dict[str, Any] = {}
        hidden: set[str] = set()
        for name, group in view.properties.items():
            pv = c.view(group)
            if (request and pv.read_only) or (response and pv.write_only):
                props[name] = dict(_FALSE)
                hidden.add(name)
            else:
                props[name] = self.ref(group, c.options.undocumented)
        required = [r for r in sorted(view.required) if r not in hidden]
        if view.pattern_properties:
            parts.append({"if": {"type": "object"}, "then": self.false()})
            return
        closed = False
        extra_names: frozenset[str] = frozenset()
        additional: Any = None
        if view.additional is False:
            closed = True
        elif isinstance(view.additional, tuple):
            additional = self.ref(view.additional, c.options.undocumented)
        elif view.unevaluated_properties is False:
            closed = True
            extra_names = c.documented(view.nodes) or frozenset()
        elif isinstance(view.unevaluated_properties, tuple):
            additional = self.ref(view.unevaluated_properties, c.options.undocumented)
        if undoc and c.options.undocumented and not closed and additional is None:
            documented = c.documented(view.nodes)
            if documented:
                closed = True
                extra_names = documented
        # names oneOf/anyOf branches describe count only where a branch that passes evaluates them
        # (validate._Compiler._branch_evaluator): jsonschema-rs's unevaluatedProperties reads them so
        closing = "additionalProperties"
        if closed and view.additional is not False and self._alternatives:
            if not _annotations_exact(c, view):
                parts.append({"if": {"type": "object"}, "then": self.false()})
                return
            if not self._close_branches(view):
                closing = "unevaluatedProperties"  # exact, but jsonschema-rs runs every branch per name
                extra_names = view.required
        for name in sorted(extra_names):
            props.setdefault(name, {})
        if props:
            s["properties"] = props
        if required:
            s["required"] = required
        if closed:
            s[closing] = False
        elif additional is not None:
            s["additionalProperties"] = additional
        self._sizes(view.numbers, ("minProperties", "maxProperties"), "object", s, parts)
        if view.property_names is not None:
            s["propertyNames"] = self.ref(view.property_names, False)
        if view.dependent_required:
            s["dependentRequired"] = {k: sorted(set(v)) for k, v in view.dependent_required.items()}
        if view.dependent_schemas:
            refs = {k: self.ref(g, False) for k, g in view.dependent_schemas.items()}
            part = {"dependentSchemas": refs}
            for r in refs.values():
                self.same.append((self._owner, self.target(r), part))
            parts.append(part)

    def _close_branches(self, view: Any) -> bool:
        """The object of ``view`` (closed over the names its own properties and its branches describe)
        may keep a name a branch describes only where a branch that passes describes it
        (``validate._Compiler._branch_evaluator``). With one ``oneOf``/``anyOf`` whose branches name
        their properties plainly (no pattern, map or composition of their own), each branch of the
        composition part becomes "the branch, closed over its names and the object's": one pass per
        branch, where ``unevaluatedProperties`` makes jsonschema-rs run every branch again for each
        name. Sound: an object the rewritten part passes is one our validator finds every name of
        evaluated (for ``anyOf`` it may decline an object whose names only several passing branches
        cover together: our validator decides those). False where it does not apply."""
        if len(self._alternatives) != 1:
            return False
        kw, branches, prop, mapping, part = self._alternatives[0]
        own = set(view.properties) | set(view.required)
        allowed: list[list[str]] = []
        for b in branches:
            bv = self.c.view((b,))
            if bv.pattern_properties or isinstance(bv.additional, tuple) or \
                    isinstance(bv.unevaluated_properties, tuple) or any(
                        True for n in bv.nodes if isinstance(n.value, dict) for _ in alternatives(n)):
                return False
            allowed.append(sorted(own | set(bv.properties)))

        def closed(schema: dict[str, Any], i: int, *tag: str) -> dict[str, Any]:
            # a tag the mapping knows selects branch i and describes the discriminator's property
            return {"allOf": [schema], "properties": {name: {} for name in [*allowed[i], *tag]},
                    "additionalProperties": False}

        def rewrite(plain: dict[str, Any]) -> None:
            # anyOf: its branches, each closed; oneOf: kept, and one of its branches closed must pass
            # too (valid, exactly one passes: it is that one)
            plain["anyOf"] = [closed(dict(r), i) for i, r in enumerate(plain[kw])]

        if prop is None:
            rewrite(part)
            return True
        assert prop is not None
        for (_, i), entry in zip(sorted(mapping.items()), part["then"]["allOf"]):
            entry["then"] = closed(entry["then"], i, prop)
        rewrite(part["else"])  # no tag the mapping knows: the branches alone
        return True

    @staticmethod
    def _sizes(nums: dict[str, float], keywords: tuple[str, str], json_type: str, s: dict[str, Any],
               parts: list[dict[str, Any]]) -> None:
        """``min*``/``max*`` as validate.py reads them (``int()`` of the bound; a negative maximum
        admits nothing of the type, a negative minimum is no bound)."""
        lo, hi = keywords
        if lo in nums and int(nums[lo]) > 0:
            s[lo] = int(nums[lo])
        if hi in nums:
            if int(nums[hi]) < 0:
                parts.append({"if": {"type": json_type}, "then": dict(_FALSE)})
            else:
                s[hi] = int(nums[hi])

    def _array(self, view: Any, nodes: list[Any], site: tuple[Any, ...], s: dict[str, Any],
               parts: list[dict[str, Any]]) -> None:
        c = self.c
        if view.prefix_items:
            s["prefixItems"] = [self.ref(g, c.options.undocumented) for g in view.prefix_items]
        if view.items is not None:
            if c.view(view.items).boolean is False:
                s["items"] = False
            else:
                s["items"] = self.ref(view.items, c.options.undocumented)
        self._sizes(view.numbers, ("minItems", "maxItems"), "array", s, parts)
        if view.unique_items:
            s["uniqueItems"] = True
        if view.contains is not None:
            parts.append({"if": {"type": "array"}, "then": self.false()})
        for n in nodes:
            if "unevaluatedItems" in n.value:
                o = self.once_site((*site, "unvalidated", "unevaluatedItems", n.key, None), list)
                if o is not None:
                    parts.append(o)

    def _string(self, view: Any, nodes: list[Any], site: tuple[Any, ...], s: dict[str, Any],
                parts: list[dict[str, Any]]) -> None:
        c = self.c
        nums = view.numbers
        lo = nums.get("minLength")
        hi = nums.get("maxLength")
        if not all(_schema_value(x) for x in (lo, hi)):  # an infinite length (YAML .inf)
            parts.append({"if": {"type": "string"}, "then": self.false()})
            lo = hi = None
        if lo is not None:
            s["minLength"] = max(0, math.ceil(lo))
        if hi is not None:
            if hi < 0:
                parts.append({"if": {"type": "string"}, "then": dict(_FALSE)})
            else:
                s["maxLength"] = math.floor(hi)
        for n in nodes:
            pat = n.value.get("pattern")
            if not isinstance(pat, str):
                continue
            try:
                search = re.compile(pat).search
            except re.error:
                o = self.once_site((*site, "unvalidated", "pattern", n.key, None), str)
                if o is not None:
                    parts.append(o)
                continue
            name = f"{_FMT_PREFIX}pattern:{len(self.formats)}"
            parts.append(self.string_format(name, _searcher(search)))
        if c.options.formats:
            for n in nodes:
                fmt = n.value.get("format")
                check = _fmt.STRING_FORMATS.get(fmt) if isinstance(fmt, str) else None
                if check is not None:
                    parts.append(self.string_format(_FMT_PREFIX + str(fmt), check))

    def _number(self, view: Any, nodes: list[Any], json_types: list[str], s: dict[str, Any],
                parts: list[dict[str, Any]]) -> None:
        c = self.c
        nums = view.numbers
        for kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if kw in nums:
                if _schema_value(nums[kw]):
                    s[kw] = nums[kw]
                else:  # an infinite bound (YAML .inf)
                    parts.append({"if": {"type": "number"}, "then": self.false()})
        for n in nodes:
            m = n.value.get("multipleOf")
            if isinstance(m, bool) or not isinstance(m, (int, float)) or m <= 0:
                continue
            parts.append(self.call(_multiple_of(m)))
        if c.options.formats:
            for n in nodes:
                fmt = n.value.get("format")
                rng = _fmt.NUMBER_FORMATS.get(fmt) if isinstance(fmt, str) else None
                if rng is None:
                    continue
                lo, hi = rng
                if "number" not in json_types:  # integral values only: exact bounds
                    bound: dict[str, Any] = {"minimum": lo}
                    if hi == 2**63 - 1:
                        bound["exclusiveMaximum"] = 2**63  # exact against floats as well
                    else:
                        bound["maximum"] = hi
                    parts.append(bound)
                else:
                    parts.append(self.call(_integral_range(lo, hi)))


#: Keywords whose subschemas lend property annotations that our validator's reading of
#: ``unevaluatedProperties`` (and of undocumented properties) does not follow: an object whose
#: composition holds one is left to our validator.
_UNFOLLOWED_ANNOTATIONS = ("if", "dependentSchemas", "not")


def _annotations_exact(c: _Compiler, view: Any) -> bool:
    """Whether jsonschema-rs's ``unevaluatedProperties`` would evaluate the names of an object of
    ``view`` exactly as ``validate._Compiler._branch_evaluator`` does: no keyword of
    :data:`_UNFOLLOWED_ANNOTATIONS` in the view or in any ``oneOf``/``anyOf`` branch below it."""
    seen: set[Any] = set()
    stack = [view]
    while stack:
        v = stack.pop()
        for n in v.nodes:
            value = n.value
            if not isinstance(value, dict):
                continue
            if any(kw in value for kw in _UNFOLLOWED_ANNOTATIONS):
                return False
            for _, branches in alternatives(n):
                for b in branches:
                    key = b.deref().key
                    if key not in seen:
                        seen.add(key)
                        stack.append(c.view((b,)))
    return True


def _drop_once(value: Any) -> Any:
    """A copy of one translated cell without its once-notice keywords (they sit in ``allOf`` lists)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "allOf" and isinstance(v, list):
                kept = [_drop_once(x) for x in v if not (isinstance(x, dict) and _ONCE_KW in x)]
                if kept:
                    out[k] = kept
            else:
                out[k] = _drop_once(v)
        return out
    if isinstance(value, list):
        return [_drop_once(x) for x in value]
    return value


def _components(graph: dict[str, set[str]]) -> dict[str, int]:
    """Strongly connected components with a cycle (Tarjan, iterative): node -> component id."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: dict[str, int] = {}
    counter = 0
    comp_id = 0
    for start in list(graph):
        if start in index:
            continue
        work: list[tuple[str, Any]] = [(start, iter(graph.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(graph.get(w, ()))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                members = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    members.append(w)
                    if w == v:
                        break
                cyclic = len(members) > 1 or v in graph.get(v, ())
                if cyclic:
                    for w in members:
                        out[w] = comp_id
                    comp_id += 1
    return out
