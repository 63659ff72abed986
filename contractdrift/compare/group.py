"""One finding per change: per-place findings grouped by the change they come from.

A change to a shared component reaches every operation, side, status, media type and payload path
that uses it; the spec driver files one finding per place (``--group none``). Grouped, a change is
one finding keyed on the change itself -- rule, base and revision spec locations -- whose
:attr:`~contractdrift.model.Finding.reaches` lists every place it reaches. Members at one spec place
that differ in their arguments (three enum values added to one schema) are one change with the
varying arguments as sorted lists. The payload-relative ``property`` argument is not part of the
change (it names where an operation reaches it: the reaches carry it).

The grouping is a partition (every per-place finding is in exactly one group), has no more groups
than findings, and does not depend on the order findings arrive in (tests/compare/test_grouping.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..model import Evidence, Finding, Location, Severity, Side, SpecLocation
from ..model.finding import encode_args
from ..model.location import spec_order
from . import rules as R

#: arguments that name a payload place rather than the change (the reaches carry them)
PLACE_ARGS = frozenset({"property"})
#: how many distinct values of a varying argument a message names before "and N more"
SHOWN_VALUES = 3

GROUP_MODES = ("change", "none")


class _Many(str):
    """Several values of one argument, shown in a message as ``'a', 'b' and 3 more``."""

    __slots__ = ("values",)
    values: tuple[Any, ...]

    def __new__(cls, values: Iterable[Any]) -> _Many:
        vals = tuple(values)
        obj = super().__new__(cls, ", ".join(str(v) for v in vals))
        obj.values = vals
        return obj

    def __repr__(self) -> str:
        shown = ", ".join(repr(v) for v in self.values[:SHOWN_VALUES])
        rest = len(self.values) - SHOWN_VALUES
        return f"{shown} and {rest} more" if rest > 0 else shown


_Place = tuple[str, "str | None", Side, "str | None", "str | None", "str | None", str]  # rule, op, side, ..., args JSON


@dataclass(slots=True)
class _Group:
    rule_id: str
    base: SpecLocation | None
    rev: SpecLocation | None
    #: place -> (severity, args, message, evidence) of the per-place finding there
    members: dict[_Place, tuple[Severity, Mapping[str, Any], str, Evidence | None]] = field(default_factory=dict)


def _common(values: Iterable[Any]) -> Any:
    it = iter(values)
    first = next(it)
    return first if all(v == first for v in it) else None


class Grouper:
    """Accumulates per-place findings (or their parts) and builds one finding per change.

    A per-place finding is identified as :class:`~contractdrift.model.Report` identifies it (rule,
    operation, side, status, media type, payload pointer, args): the walker may reach one place by two
    routes (a ``oneOf`` member and the schema it was unwrapped into) with two spec locations, which a
    per-place report keeps once. Here too it is kept once, in the change with the smallest spec
    locations, so the grouping does not depend on the order findings arrive in.
    """

    def __init__(self) -> None:
        self._groups: dict[tuple[Any, ...], _Group] = {}
        self._where: dict[_Place, tuple[tuple[Any, ...], Severity]] = {}  # place -> (its change, severity)

    def add(self, rule_id: str, severity: Severity, location: Location, args: Mapping[str, Any], args_json: str,
            message: str, evidence: Evidence | None = None) -> None:
        """One per-place finding, given by its parts (no :class:`Finding` needs to exist)."""
        self.add_parts(rule_id, severity, location.operation, location.side, location.status, location.media_type,
                       location.payload_pointer, location.base, location.revision, args, args_json, message,
                       evidence)

    def add_parts(self, rule_id: str, severity: Severity, op: str | None, side: Side, status: str | None,
                  media: str | None, payload: str | None, base: SpecLocation | None, rev: SpecLocation | None,
                  args: Mapping[str, Any], args_json: str, message: str, evidence: Evidence | None = None,
                  *, spec_key: tuple[Any, ...] | None = None) -> None:
        """:meth:`add` without a :class:`Location` (the emitter's hot path; ``spec_key``:
        :meth:`spec_key` of ``base`` and ``rev`` when the caller has it already)."""
        place: _Place = (rule_id, op, side, status, media, payload, args_json)
        # spec locations in a total order: absent first, then by pointer (then file)
        spec = spec_key if spec_key is not None else self.spec_key(base, rev)
        # nothing to key a change on without spec locations: the place is the change
        key: tuple[Any, ...] = (spec, rule_id) if base is not None or rev is not None else (spec, rule_id, *place)
        old = self._where.get(place)
        if old is not None:  # one place reached twice: the smallest spec locations keep it
            old_key, old_severity = old
            if not (key < old_key or (key == old_key and severity > old_severity)):
                return
            previous = self._groups[old_key]
            del previous.members[place]
            if not previous.members:
                del self._groups[old_key]
        self._where[place] = (key, severity)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(rule_id, base, rev)
        group.members[place] = (severity, args, message, evidence)

    @staticmethod
    def spec_key(base: SpecLocation | None, rev: SpecLocation | None) -> tuple[Any, ...]:
        """Spec locations in a total order: absent first, then by pointer (then file); the order
        :meth:`~contractdrift.model.Report.build` keeps one of two per-place duplicates by."""
        return spec_order(base, rev)

    def add_finding(self, finding: Finding) -> None:
        self.add(finding.rule_id, finding.severity, finding.location, finding.args,
                 pre[1] if (pre := finding.encoded_args) is not None and pre[0] is finding.args
                 else encode_args(finding.args),
                 finding.message, finding.evidence)

    def findings(self) -> list[Finding]:
        """One finding per change, places sorted (deterministic whatever the order of arrival)."""
        return [_build(g) for g in self._groups.values()]


def _build(g: _Group) -> Finding:
    members = g.members
    severity = max(m[0] for m in members.values())
    messages = {m[2] for m in members.values()}
    seen: dict[tuple[Any, ...], Location] = {}
    for _, op, side, status, media, payload, _ in sorted(
            members, key=lambda p: (p[1] or "", p[2], p[3] or "", p[4] or "", p[5] or "", p[6])):
        k = (op, side, status, media, payload)
        if k not in seen:
            seen[k] = Location(operation=op, side=side, status=status, media_type=media, payload_pointer=payload)
    places = tuple(seen.values())
    distinct = {p[6]: m[1] for p, m in members.items()}
    names = sorted({k for a in distinct.values() for k in a})
    args: dict[str, Any] = {}
    display: dict[str, Any] = {}
    for name in names:
        values = {json.dumps(a.get(name), sort_keys=True): a.get(name) for a in distinct.values()}
        ordered = [values[k] for k in sorted(values)]
        shown: Any = ordered[0] if len(ordered) == 1 else _Many(sorted(ordered, key=lambda v: (len(str(v)), str(v))))
        display[name] = shown
        if name not in PLACE_ARGS:
            args[name] = ordered[0] if len(ordered) == 1 else ordered
    clean = MappingProxyType(args)
    if len(messages) == 1:
        message = next(iter(messages))
    else:
        spec = g.rev or g.base
        side = _common(p.side for p in places)
        where = f"{side.value} schema" if side is not None and side is not Side.NONE else "schema"
        subject = f"{where} #{spec.pointer}" if spec is not None else where
        message = R.render_message(g.rule_id, display, subject) if g.rule_id in R.REGISTRY else min(messages)
    location = Location(
        operation=_common(p.operation for p in places), side=_common(p.side for p in places) or Side.NONE,
        status=_common(p.status for p in places), media_type=_common(p.media_type for p in places),
        base=g.base, revision=g.rev, payload_pointer=_common(p.payload_pointer for p in places),
    )
    evidence = _merged_evidence([e for _, e in sorted((repr(p), m[3]) for p, m in members.items()
                                                      if m[3] is not None)])
    return Finding(rule_id=g.rule_id, severity=severity, location=location, message=message, args=clean,
                   encoded_args=(clean, encode_args(clean)), evidence=evidence, reaches=places)


def _merged_evidence(items: list[Evidence]) -> Evidence | None:
    """Evidence of members summed: observed and total over every place the change reaches."""
    if not items:
        return None
    first = min((e.first_seen for e in items if e.first_seen), default=None)
    last = max((e.last_seen for e in items if e.last_seen), default=None)
    ids = tuple(dict.fromkeys(i for e in items for i in e.exchange_ids))[:5]
    example = next((e.example for e in items if e.example is not None), None)
    details: dict[str, Any] = {}
    for e in items:
        for k, v in e.details.items():
            details.setdefault(k, v)
    hits = [e.details.get("affected") for e in items if e.details]
    if any(isinstance(h, int) for h in hits):
        details["affected"] = sum(h for h in hits if isinstance(h, int))
    texts = [str(e.details["traffic"]) for e in items if e.details and "traffic" in e.details]
    if len(texts) > 1:
        ranked = sorted(zip(hits, texts), key=lambda ht: (-(ht[0] if isinstance(ht[0], int) else 0), ht[1]))
        shown = "; ".join(t for _, t in ranked[:SHOWN_VALUES])
        details["traffic"] = shown + (f"; and {len(texts) - SHOWN_VALUES} more places" if len(texts) > SHOWN_VALUES
                                      else "")
    return Evidence(observed=sum(e.observed for e in items), total=sum(e.total for e in items), first_seen=first,
                    last_seen=last, example=example, exchange_ids=ids, details=details)


def group_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Per-place findings -> one finding per change (see the module doc). Grouped findings pass through."""
    grouper = Grouper()
    out: list[Finding] = []
    for f in findings:
        if f.reaches:
            out.append(f)
        else:
            grouper.add_finding(f)
    return out + grouper.findings()
