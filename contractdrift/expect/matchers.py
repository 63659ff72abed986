"""Pact matching rules -> JSON Schema, following the Pact reference implementation's semantics.

Rules are given per category in the V3 shape (V2's flat map is converted by :mod:`.pact`)::

    {"$.items": RuleList(matchers=({"match": "type", "min": 1},), combine="AND", pointer="/…")}

Selection (pact_models ``max_by_path``): among rule paths that match a value's path as a prefix
(root 2, same name 2, same index 2, ``*`` 1, otherwise 0 — the weight is the product), take the
highest weight x length; the rule is *cascaded* when its path is shorter than the value's path.
``min``/``max`` apply only where declared; an array under any matcher has every item compared with
the first example item; no matcher means equality; ``equality`` resets a subtree. Objects in
requests are closed (unexpected keys are errors), in responses open. Generators never constrain,
but an example with a generator and no matcher is not a constant: it compiles as ``type``.

Every compiled node carries ``x-expect``: the pointer of the matcher (or example) that made it.
What JSON Schema cannot express exactly becomes a :class:`~.model.Note`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import to_rfc6901
from .model import SOURCE_KEY, Note

ITEM = object()  # path token of "every item" of an array under a matcher (matches `*` / `[*]` only)
KEY = object()  # path token of "every value" of a map under values/eachValue (matches `*` only)
PathToken = str | int | object

#: the official SemVer 2.0 regex (semver.org)
SEMVER = (r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
          r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
NUMBER_STRING = r"^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$"
KNOWN = frozenset({"equality", "type", "regex", "include", "integer", "decimal", "real", "number", "null",
                   "boolean", "date", "time", "datetime", "timestamp", "contentType", "values", "eachKey",
                   "eachValue", "arrayContains", "notEmpty", "semver", "statusCode", "min", "max", "minmax"})
_ISO = {
    "date": {"yyyy-MM-dd": "date"},
    "time": {"HH:mm:ss": "time", "HH:mm:ss.SSS": "time", "HH:mm:ssXXX": "time", "HH:mm:ss.SSSXXX": "time"},
}
_ISO_DATETIME = {"yyyy-MM-dd'T'HH:mm:ssXXX", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "yyyy-MM-dd'T'HH:mm:ssZ",
                 "yyyy-MM-dd'T'HH:mm:ss.SSSZ", "yyyy-MM-dd'T'HH:mm:ssX", "yyyy-MM-dd'T'HH:mm:ss.SSSX",
                 "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"}
_CONTAINER_MATCHERS = frozenset({"values", "eachKey", "eachValue", "arrayContains", "notEmpty"})
_DEFAULT_FORMAT = {"date": "yyyy-MM-dd", "time": "HH:mm:ss", "datetime": "yyyy-MM-dd'T'HH:mm:ssXXX",
                   "timestamp": "yyyy-MM-dd'T'HH:mm:ssXXX"}


@dataclass(frozen=True, slots=True)
class RuleList:
    """The matchers declared at one path, how they combine, and where they sit in the file."""

    matchers: tuple[Mapping[str, Any], ...]
    combine: str = "AND"
    pointer: str = ""
    indexed: bool = True  # V3/V4 `{"matchers": [...]}` (pointer + /matchers/j); False: a bare V2 matcher


def parse_path(expr: str) -> tuple[PathToken, ...]:
    """``$.a['b c'][*].d[0]`` -> ``("$", "a", "b c", "*", "d", 0)``. Raises ``ValueError``."""
    s = expr.strip()
    if not s.startswith("$"):
        raise ValueError(f"a matching-rule path must start with '$': {expr!r}")
    out: list[PathToken] = ["$"]
    i = 1
    while i < len(s):
        c = s[i]
        if c == ".":
            j = i + 1
            while j < len(s) and s[j] not in ".[":
                j += 1
            name = s[i + 1 : j]
            if not name:
                raise ValueError(f"empty name in matching-rule path {expr!r}")
            out.append("*" if name == "*" else name)
            i = j
        elif c == "[":
            end = s.find("]", i)
            if end < 0:
                raise ValueError(f"unclosed '[' in matching-rule path {expr!r}")
            inner = s[i + 1 : end].strip()
            if inner == "*":
                out.append("[*]")
            elif inner.isdigit():
                out.append(int(inner))
            elif len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
                out.append(inner[1:-1])
            else:
                raise ValueError(f"cannot read {inner!r} in matching-rule path {expr!r}")
            i = end + 1
        else:
            raise ValueError(f"unexpected {c!r} in matching-rule path {expr!r}")
    return tuple(out)


def _token_weight(rule: PathToken, actual: PathToken) -> int:
    if rule == "$":
        return 2 if actual == "$" else 0
    if rule == "*":
        return 1
    if rule == "[*]":
        return 1 if (isinstance(actual, int) or actual is ITEM) else 0
    if actual is ITEM or actual is KEY:
        return 0
    if isinstance(rule, int):
        return 2 if isinstance(actual, int) and actual == rule else 0
    return 2 if isinstance(actual, str) and actual == rule else 0


@dataclass(slots=True)
class Compiler:
    """Compiles one body (or one value) with the rules of its category."""

    rules: Mapping[str, RuleList]
    request: bool
    file: str
    interaction: str
    example_pointer: str
    generators: frozenset[tuple[PathToken, ...]] = frozenset()
    generator_pointers: Mapping[tuple[PathToken, ...], str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    _parsed: list[tuple[tuple[PathToken, ...], RuleList]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for key, rl in self.rules.items():
            try:
                self._parsed.append((parse_path(key), rl))
            except ValueError as e:
                self._note("matcher-path-invalid", f"{e}; the rule is not applied", rl.pointer)

    def _note(self, code: str, message: str, pointer: str) -> None:
        self.notes.append(Note(code=code, message=message, source=self.file, pointer=pointer,
                               interaction=self.interaction))

    # -- selection ---------------------------------------------------------------------------------
    def best(self, path: Sequence[PathToken]) -> tuple[RuleList | None, bool]:
        best: tuple[int, int, RuleList] | None = None
        for i, (tokens, rl) in enumerate(self._parsed):
            if len(tokens) > len(path):
                continue
            w = 1
            for rt, at in zip(tokens, path):
                w *= _token_weight(rt, at)
                if not w:
                    break
            if not w:
                continue
            score = w * len(tokens)
            if best is None or score >= best[0]:
                best = (score, i, rl)
                cascaded = len(tokens) != len(path)
        if best is None:
            return None, False
        return best[2], cascaded

    # -- compilation -------------------------------------------------------------------------------
    def compile(self, value: Any, path: tuple[PathToken, ...] = ("$",), ex_ptr: tuple[str | int, ...] = ()
                ) -> dict[str, Any]:
        rl, cascaded = self.best(path)
        matchers = [m for m in (rl.matchers if rl else ()) if m.get("match") != "equality"]
        if rl is not None and not matchers:
            return self._equality(value, path, ex_ptr, rl.pointer)
        if rl is None:
            if path in self.generators:
                gptr = self.generator_pointers.get(path, self._ex(ex_ptr))
                return {**_type_of(value), SOURCE_KEY: gptr}
            return self._equality(value, path, ex_ptr, None)
        assert rl is not None
        frags: list[dict[str, Any]] = []
        structure: dict[str, Any] = {}
        for j, m in enumerate(matchers):
            ptr = f"{rl.pointer}/matchers/{j}" if rl.indexed else rl.pointer
            frag, struct = self._matcher(m, value, path, ex_ptr, cascaded, ptr)
            if frag is not None:
                frags.append(frag)
            for k, v in struct.items():
                structure.setdefault(k, v)
        if not frags:
            out: dict[str, Any] = {**_type_of(value), SOURCE_KEY: rl.pointer}
        elif len(frags) == 1:
            out = frags[0]
        elif rl.combine.upper() == "OR":
            out = {"anyOf": frags, SOURCE_KEY: rl.pointer}
        else:
            out = _merge_all(frags, rl.pointer)
        out.update({k: v for k, v in structure.items() if k not in out and k != "type"})  # types: from matchers
        return out

    def _ex(self, ex_ptr: tuple[str | int, ...]) -> str:
        return self.example_pointer + to_rfc6901(ex_ptr)

    def _equality(self, value: Any, path: tuple[PathToken, ...], ex_ptr: tuple[str | int, ...],
                  rule_ptr: str | None) -> dict[str, Any]:
        src = rule_ptr or self._ex(ex_ptr)
        if isinstance(value, dict):
            return self._object(value, path, ex_ptr, src)
        if isinstance(value, list):
            items = [self.compile(v, (*path, i), (*ex_ptr, i)) for i, v in enumerate(value)]
            out: dict[str, Any] = {"type": "array", "minItems": len(value), "maxItems": len(value), SOURCE_KEY: src}
            distinct: list[dict[str, Any]] = []
            for s in items:
                if s not in distinct:
                    distinct.append(s)
            if len(distinct) == 1:
                out["items"] = distinct[0]
            elif distinct:
                out["items"] = {"anyOf": distinct}
                self._note("array-order-ignored", "an array matched by equality is compared as the set of its "
                           "example items (item positions are not compared)", self._ex(ex_ptr))
            return out
        return {**_type_of(value), "const": value, SOURCE_KEY: src}

    def _object(self, value: Mapping[str, Any], path: tuple[PathToken, ...], ex_ptr: tuple[str | int, ...],
                src: str) -> dict[str, Any]:
        props = {k: self.compile(v, (*path, k), (*ex_ptr, k)) for k, v in value.items()}
        out: dict[str, Any] = {"type": "object", "properties": props, SOURCE_KEY: src}
        if value:
            out["required"] = list(value)
        if self.request:
            out["additionalProperties"] = False
        return out

    def _matcher(self, m: Mapping[str, Any], value: Any, path: tuple[PathToken, ...], ex_ptr: tuple[str | int, ...],
                 cascaded: bool, ptr: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """(a fragment for this node, structure for its children) of one matcher."""
        kind = str(m.get("match", "type"))
        jt = _type_of(value)
        if kind not in KNOWN:
            self._note("matcher-unknown", f"unknown matcher {kind!r}: compared as a type matcher", ptr)
            kind = "type"
        if kind in ("min", "max", "minmax") or (cascaded and kind in _CONTAINER_MATCHERS):
            kind = "type"  # a container matcher reaching a descendant by cascade is a type match there
        if kind == "null":  # whatever the example: only null matches (an OR with `type` admits the example)
            return {"type": "null", SOURCE_KEY: ptr}, {}
        # containers: the children's structure, whatever the matcher
        if isinstance(value, dict):
            return self._map_matcher(kind, m, value, path, ex_ptr, cascaded, ptr)
        if isinstance(value, list):
            return self._array_matcher(kind, m, value, path, ex_ptr, cascaded, ptr)
        frag: dict[str, Any] = {SOURCE_KEY: ptr}
        if kind in ("type", "values", "eachKey", "eachValue", "arrayContains"):
            frag.update(jt)
        elif kind == "regex":
            rx = str(m.get("regex", ""))
            if isinstance(value, str):
                frag.update({"type": "string", "pattern": f"^(?:{rx})$"})
            else:
                frag.update(jt)
                self._note("matcher-inexact", f"regex {rx!r} on a {_kind(value)}: Pact matches the string form; "
                           "only the type is compared", ptr)
        elif kind == "include":
            needle = str(m.get("value", ""))
            if isinstance(value, str):
                frag.update({"type": "string", "pattern": re.escape(needle)})
            else:
                frag.update(jt)
                self._note("matcher-inexact", f"include {needle!r} on a {_kind(value)}: only the type is compared",
                           ptr)
        elif kind == "integer":
            frag.update({"type": "string", "pattern": r"^-?[0-9]+$"} if isinstance(value, str) else {"type": "integer"})
        elif kind in ("decimal", "real"):
            if isinstance(value, str):
                frag.update({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]+$"})
            else:
                frag.update({"type": "number"})
                self._note("matcher-inexact", "decimal: Pact also requires the number to be written with a "
                           "fraction (1.0, not 1); compared as any number", ptr)
        elif kind == "number":
            frag.update({"type": "string", "pattern": NUMBER_STRING} if isinstance(value, str) else {"type": "number"})
        elif kind == "null":
            frag.update({"type": "null"})
        elif kind == "boolean":
            frag.update({"enum": ["true", "false"]} if isinstance(value, str) else {"type": "boolean"})
        elif kind in ("date", "time", "datetime", "timestamp"):
            frag.update(self._date(kind, m, ptr))
        elif kind == "notEmpty":
            frag.update(jt)
            frag["not"] = {"type": "null"}
            if isinstance(value, str):
                frag["minLength"] = 1
        elif kind == "semver":
            frag.update({"type": "string", "pattern": SEMVER})
        elif kind == "contentType":
            frag.update(jt)
            self._note("matcher-inexact", f"contentType {m.get('value')!r}: the content is not sniffed; only the "
                       "type is compared", ptr)
        elif kind == "statusCode":
            frag.update(jt)
            self._note("matcher-inexact", "statusCode matcher outside the status: only the type is compared", ptr)
        return frag, {}

    def _date(self, kind: str, m: Mapping[str, Any], ptr: str) -> dict[str, Any]:
        fmt = m.get("format") or m.get(kind) or m.get("timestamp") or m.get("date") or m.get("time")
        fmt = str(fmt) if fmt else _DEFAULT_FORMAT[kind]
        if kind in ("datetime", "timestamp"):
            if fmt in _ISO_DATETIME:
                return {"type": "string", "format": "date-time"}
        elif fmt in _ISO.get(kind, {}):
            return {"type": "string", "format": _ISO[kind][fmt]}
        pattern, exact = java_date_pattern(fmt)
        if not exact:
            self._note("matcher-inexact", f"{kind} format {fmt!r}: text fields are matched loosely and calendar "
                       "validity is not checked", ptr)
        return {"type": "string", "pattern": pattern}

    def _map_matcher(self, kind: str, m: Mapping[str, Any], value: Mapping[str, Any], path: tuple[PathToken, ...],
                     ex_ptr: tuple[str | int, ...], cascaded: bool, ptr: str
                     ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        frag: dict[str, Any] = {"type": "object", SOURCE_KEY: ptr}
        first = next(iter(value.values()), None)
        first_key = next(iter(value), None)
        if kind in ("values", "eachValue", "eachKey") and not cascaded:
            struct: dict[str, Any] = {}
            if kind == "values":
                struct["properties"] = {k: self.compile(v, (*path, k), (*ex_ptr, k)) for k, v in value.items()}
                if value:
                    struct["additionalProperties"] = self.compile(first, (*path, KEY), (*ex_ptr, str(first_key)))
            elif kind == "eachValue":
                inner = self._sub_rules(m, ptr)
                if value:
                    struct["additionalProperties"] = inner.compile(first, ("$",), (*ex_ptr, str(first_key)))
                self.notes.extend(inner.notes)
            else:  # eachKey: rules on every key; values compared as a map under `values`
                inner = self._sub_rules(m, ptr)
                if inner.rules:
                    struct["propertyNames"] = inner.compile(first_key or "", ("$",), ex_ptr)
                self.notes.extend(inner.notes)
                if value:
                    struct["additionalProperties"] = self.compile(first, (*path, KEY), (*ex_ptr, str(first_key)))
            return frag, struct
        if kind == "notEmpty" and not cascaded:
            frag["minProperties"] = 1
        return frag, self._object(value, path, ex_ptr, ptr)

    def _array_matcher(self, kind: str, m: Mapping[str, Any], value: Sequence[Any], path: tuple[PathToken, ...],
                       ex_ptr: tuple[str | int, ...], cascaded: bool, ptr: str
                       ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        frag: dict[str, Any] = {"type": "array", SOURCE_KEY: ptr}
        struct: dict[str, Any] = {}
        if not cascaded:
            if kind == "type" or "min" in m or "max" in m:
                if isinstance(m.get("min"), int):
                    frag["minItems"] = m["min"]
                if isinstance(m.get("max"), int):
                    frag["maxItems"] = m["max"]
            if kind == "notEmpty":
                frag["minItems"] = 1
            if kind == "arrayContains":
                contains = []
                for vi, variant in enumerate(m.get("variants") or ()):
                    if not isinstance(variant, dict):
                        continue
                    idx = variant.get("index", vi)
                    if not isinstance(idx, int) or not 0 <= idx < len(value):
                        self._note("matcher-invalid", f"arrayContains variant {vi}: no example item {idx!r}",
                                   f"{ptr}/variants/{vi}")
                        continue
                    sub = Compiler(_rule_lists(variant.get("rules"), f"{ptr}/variants/{vi}/rules"), self.request,
                                   self.file, self.interaction, self._ex((*ex_ptr, idx)))
                    contains.append({"contains": sub.compile(value[idx])})
                    self.notes.extend(sub.notes)
                if contains:
                    frag["allOf"] = contains
                return frag, struct
            if kind == "eachValue":
                inner = self._sub_rules(m, ptr)
                if value:
                    struct["items"] = inner.compile(value[0], ("$",), (*ex_ptr, 0))
                self.notes.extend(inner.notes)
                return frag, struct
        if value:
            struct["items"] = self.compile(value[0], (*path, ITEM), (*ex_ptr, 0))
            if not _uniform(value):
                self._note("example-inconsistent", "example items after the first differ in shape from the "
                           "first; Pact compares every item with the first", self._ex(ex_ptr))
        return frag, struct

    def _sub_rules(self, m: Mapping[str, Any], ptr: str) -> Compiler:
        """eachKey/eachValue carry their own rules, applied at the key/value as a root ``$``."""
        rules = m.get("rules")
        lists: dict[str, RuleList] = {}
        if isinstance(rules, list):
            lists["$"] = RuleList(tuple(normalize_matcher(r) for r in rules if isinstance(r, dict)), "AND",
                                  f"{ptr}/rules", indexed=False)
        return Compiler(lists, self.request, self.file, self.interaction, self.example_pointer)


def _rule_lists(raw: Any, pointer: str) -> dict[str, RuleList]:
    """A V3/V4 body category ``{path: {matchers, combine}}`` as rule lists."""
    out: dict[str, RuleList] = {}
    if isinstance(raw, dict):
        for key, entry in raw.items():
            rl = rule_list(entry, f"{pointer}/{_esc(key)}")
            if rl is not None:
                out[str(key)] = rl
    return out


def rule_list(entry: Any, pointer: str) -> RuleList | None:
    """One V3 entry (``{"matchers": [...], "combine": "OR"}``) or a bare V2 matcher object."""
    if not isinstance(entry, dict):
        return None
    if isinstance(entry.get("matchers"), list):
        ms = tuple(normalize_matcher(m) for m in entry["matchers"] if isinstance(m, dict))
        return RuleList(ms, str(entry.get("combine", "AND")), pointer)
    return RuleList((normalize_matcher(entry),), "AND", pointer, indexed=False)


def normalize_matcher(m: Mapping[str, Any]) -> dict[str, Any]:
    """V2 shorthands: ``{"regex": …}`` is a regex, ``{"min": n}`` a type match with min, dates by key."""
    out = dict(m)
    if "match" not in out:
        if "regex" in out:
            out["match"] = "regex"
        elif "timestamp" in out:
            out["match"] = "timestamp"
        elif "date" in out:
            out["match"] = "date"
        elif "time" in out:
            out["match"] = "time"
        else:
            out["match"] = "type"
    if out["match"] in ("min", "max", "minmax"):
        out["match"] = "type"
    return out


def _esc(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _shape(value: Any) -> Any:
    """The JSON kinds of a value, recursively (what a `type` match compares)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return _kind(value)


def _uniform(value: Any) -> bool:
    """Every array (at any depth) has items shaped like its first: what Pact's "each item against the
    first example item" accepts of the example itself."""
    if isinstance(value, dict):
        return all(_uniform(v) for v in value.values())
    if isinstance(value, list):
        return all(_shape(v) == _shape(value[0]) for v in value[1:]) and all(_uniform(v) for v in value)
    return True


def _type_of(value: Any) -> dict[str, Any]:
    return {"type": _kind(value)}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _merge_all(frags: list[dict[str, Any]], pointer: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in frags:
        for k, v in f.items():
            if k == SOURCE_KEY:
                continue
            if k in out and out[k] != v:
                return {"allOf": frags, SOURCE_KEY: pointer}
            out[k] = v
    out[SOURCE_KEY] = frags[0].get(SOURCE_KEY, pointer)
    return out


_JAVA_FIELDS = [
    ("yyyy", r"\d{4}"), ("uuuu", r"\d{4}"), ("yy", r"\d{2}"), ("MMMM", r"[A-Za-z]+"), ("MMM", r"[A-Za-z]{3}"),
    ("MM", r"(?:0[1-9]|1[0-2])"), ("M", r"(?:1[0-2]|[1-9])"), ("dd", r"(?:0[1-9]|[12]\d|3[01])"),
    ("d", r"(?:3[01]|[12]\d|[1-9])"), ("HH", r"(?:[01]\d|2[0-3])"), ("H", r"(?:2[0-3]|1\d|\d)"),
    ("hh", r"(?:0[1-9]|1[0-2])"), ("h", r"(?:1[0-2]|[1-9])"), ("mm", r"[0-5]\d"), ("ss", r"[0-5]\d"),
    ("SSSSSS", r"\d{6}"), ("SSS", r"\d{3}"), ("S", r"\d"), ("XXX", r"(?:Z|[+-]\d{2}:\d{2})"),
    ("XX", r"(?:Z|[+-]\d{4})"), ("X", r"(?:Z|[+-]\d{2}(?:\d{2})?)"), ("ZZZ", r"[+-]\d{4}"), ("Z", r"[+-]\d{4}"),
    ("EEEE", r"[A-Za-z]+"), ("EEE", r"[A-Za-z]{3}"), ("a", r"(?:AM|PM|am|pm)"), ("z", r"[A-Za-z]{1,5}"),
]
_TEXT_FIELDS = ("MMMM", "MMM", "EEEE", "EEE", "a", "z")


def java_date_pattern(fmt: str) -> tuple[str, bool]:
    """A Java DateTimeFormatter pattern as an anchored regex, and whether the translation is exact
    (text fields such as month names are matched loosely)."""
    out = ["^"]
    exact = True
    i = 0
    while i < len(fmt):
        if fmt[i] == "'":
            end = fmt.find("'", i + 1)
            end = len(fmt) if end < 0 else end
            literal = fmt[i + 1 : end] or "'"
            out.append(re.escape(literal))
            i = end + 1
            continue
        for field_, rx in _JAVA_FIELDS:
            if fmt.startswith(field_, i):
                out.append(rx)
                if field_ in _TEXT_FIELDS:
                    exact = False
                i += len(field_)
                break
        else:
            if fmt[i].isalpha():
                out.append(r"[A-Za-z0-9]+")
                exact = False
            else:
                out.append(re.escape(fmt[i]))
            i += 1
    out.append("$")
    return "".join(out), exact


def dumps(schema: Mapping[str, Any]) -> str:
    """A compiled schema as stable JSON (tests and ``--explain`` output)."""
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))
