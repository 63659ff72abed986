"""Traffic-weighted diff: how much recorded traffic each change between two specs touches.

Exchanges are matched to the *base* spec's operations by the ``check`` driver's own matching
(:meth:`.traffic.SpecChecker.locate`: servers' base paths, path templates, status and media type
keys), then folded into counts: exchanges per operation, side, status and media type; per payload
place (array indices folded to ``*``, as findings name them) how many bodies carry it; the scalar
values seen there (for "enum value removed -- sent in 3 of 412 requests"); parameter names sent.

:meth:`TrafficImpact.annotate` puts the answer in each finding's :class:`~contractdrift.model.Evidence`
(``observed`` of ``total``, ``details``: what was measured and how many exchanges the change
*affects* -- for a new requirement the exchanges that do **not** send it). :func:`affected` reads it
back: ``--fail-on-observed`` gates on it, grouped reports order by it.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..model import Evidence, Finding, RecordedExchangeView, Side
from ..model.pointer import escape_token
from .rules import REGISTRY
from .traffic import SpecChecker
from .walk import ITEMS

__all__ = ["TrafficImpact", "affected"]

#: distinct scalar values kept per payload place (more are counted as "other")
MAX_VALUES = 64
#: payload depth folded (deeper places are not measured; a warning says how many bodies were cut)
MAX_DEPTH = 64

_PlaceKey = tuple[str, str, str | None, str | None]  # operation, side, status, media type


def affected(finding: Finding) -> int:
    """How many recorded exchanges a finding's change affects (0 without traffic evidence)."""
    ev = finding.evidence
    if ev is None:
        return 0
    value = ev.details.get("affected") if ev.details else None
    return value if isinstance(value, int) else ev.observed


_encode_string: Any = json.encoder.encode_basestring_ascii  # what json.dumps writes a str with (C)
_INF = float("inf")


def _scalar_key(value: Any) -> str:
    """``json.dumps(value, sort_keys=True)``, without its call overhead for the JSON scalars (the
    same text: what json.dumps writes for a str, an int, a finite float, a bool and None)."""
    kind = type(value)
    if kind is str:
        return _encode_string(value)  # type: ignore[no-any-return]
    if kind is int:
        return int.__repr__(value)
    if kind is float and -_INF < value < _INF:
        return float.__repr__(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    return json.dumps(value, sort_keys=True)


class TrafficImpact:
    """Counts of recorded traffic by spec place, for annotating diff findings."""

    def __init__(self, checker: SpecChecker) -> None:
        self.checker = checker
        self.exchanges = 0
        self.unmatched = 0
        self.options = 0  # OPTIONS (CORS preflights) on documented paths without an options operation
        self.cut = 0
        self.requests: Counter[str] = Counter()
        self.places: Counter[_PlaceKey] = Counter()
        self.paths: dict[_PlaceKey, Counter[str]] = {}
        self.values: dict[tuple[_PlaceKey, str], Counter[str]] = {}
        self.params: dict[str, Counter[tuple[str, str]]] = {}

    # -- folding traffic -------------------------------------------------------------------------------
    def add(self, ex: RecordedExchangeView) -> None:
        self.exchanges += 1
        place = self.checker.locate(ex)
        if place is None:
            if ex.request.method.upper() == "OPTIONS" and self.checker.documents_path(ex.request.url):
                self.options += 1  # the path is documented: the exchange is not an unknown one
            else:
                self.unmatched += 1
            return
        op = place.operation
        self.requests[op] += 1
        self.params.setdefault(op, Counter()).update(place.parameters)
        if place.request_media is not None:
            self._body((op, "request", None, place.request_media), place.request_body)
        if place.responded and place.status is not None:
            self._body((op, "response", place.status, place.response_media), place.response_body)

    def add_all(self, exchanges: Iterable[RecordedExchangeView]) -> None:
        for ex in exchanges:
            self.add(ex)

    def _body(self, key: _PlaceKey, body: Any) -> None:
        self.places[key] += 1
        if body is None:
            return
        seen: dict[str, set[str]] = {}
        if not self._walk(body, "", seen, 0):
            self.cut += 1
        paths = self.paths.setdefault(key, Counter())
        paths.update(seen.keys())
        values = self.values
        for pointer, vals in seen.items():
            if vals:
                counter = values.get((key, pointer))
                if counter is None:
                    counter = values[(key, pointer)] = Counter()
                for v in vals:
                    if v in counter or len(counter) < MAX_VALUES:
                        counter[v] += 1

    def _walk(self, value: Any, pointer: str, seen: dict[str, set[str]], depth: int) -> bool:
        """Every folded place under ``value`` (at the RFC 6901 ``pointer``) with the scalar values
        there; False when cut at MAX_DEPTH."""
        vals = seen.get(pointer)
        if vals is None:
            vals = seen[pointer] = set()
        if depth >= MAX_DEPTH:
            return False
        whole = True
        if isinstance(value, dict):
            for k, v in value.items():
                whole &= self._walk(v, pointer + "/" + escape_token(k), seen, depth + 1)
        elif isinstance(value, list):
            items = pointer + "/" + ITEMS
            for v in value:
                whole &= self._walk(v, items, seen, depth + 1)
        else:
            vals.add(_scalar_key(value))
        return whole

    # -- annotating findings --------------------------------------------------------------------------
    def _total(self, op: str, side: str, status: str | None, media: str | None) -> tuple[int, list[_PlaceKey]]:
        keys = [k for k in self.places if k[0] == op and k[1] == side and (status is None or k[2] == status)
                and (media is None or k[3] == media)]
        return sum(self.places[k] for k in keys), keys

    def annotate(self, findings: Iterable[Finding]) -> list[Finding]:
        """Each finding with traffic evidence (findings of operations no exchange reached: 0 of 0)."""
        return [self._annotate(f) for f in findings]

    def _annotate(self, f: Finding) -> Finding:
        loc = f.location
        op = loc.operation
        if op is None:
            return dataclasses.replace(f, evidence=self._evidence(0, self.exchanges, 0, "exchanges", "reach", None))
        rule = f.rule_id
        new_requirement = "required" in rule and ("added" in rule or "became-required" in rule
                                                  or rule.startswith("new-required"))
        if loc.side is Side.NONE:
            n = self.requests[op]
            return dataclasses.replace(f, evidence=self._evidence(n, n, n, "requests", "call", op))
        if "parameter" in rule and isinstance(f.args.get("name"), str) and loc.side is Side.REQUEST:
            where, name = f.args.get("in"), str(f.args["name"])
            where_s = str(where) if isinstance(where, str) else None
            name_key = name.lower() if where_s == "header" else name
            sent = sum(n for (w, nm), n in self.params.get(op, Counter()).items()
                       if nm == name_key and (where_s is None or w == where_s))
            total = self.requests[op]
            hit = total - sent if new_requirement else sent
            return dataclasses.replace(f, evidence=self._evidence(sent, total, hit, "requests", "send it", op))
        side = loc.side.value
        total, keys = self._total(op, side, loc.status, loc.media_type)
        noun = "requests" if loc.side is Side.REQUEST else "responses"
        pointer = loc.payload_pointer
        present = total if not pointer else sum(self.paths.get(k, Counter())[pointer] for k in keys)
        value = f.args.get("value")
        info = REGISTRY.get(rule)
        if pointer is not None and "value" in f.args and info is not None and info.kind == "values":
            vkey = _scalar_key(value)
            sent = sum(self.values.get((k, pointer), Counter())[vkey] for k in keys)
            verb = "sent in" if loc.side is Side.REQUEST else "returned in"
            return dataclasses.replace(f, evidence=self._evidence(sent, total, sent, noun, verb, op))
        hit = total - present if new_requirement else present
        verb = "carry it" if new_requirement else "present in"
        return dataclasses.replace(f, evidence=self._evidence(present, total, hit, noun, verb, op))

    @staticmethod
    def _evidence(observed: int, total: int, hit: int, noun: str, verb: str, op: str | None) -> Evidence:
        where = f" of {op}" if op else ""
        if total == 0:
            text = f"no recorded {noun}{where}"
        elif verb in ("send it", "carry it", "call"):
            text = f"{observed:,} of {total:,} recorded {noun}{where} {verb if verb != 'call' else 'call it'}"
        else:
            text = f"{verb} {observed:,} of {total:,} recorded {noun}{where}"
        return Evidence(observed=observed, total=total,
                        details={"traffic": text, "affected": hit, "measure": verb, "of": noun})

    def warnings(self) -> list[str]:
        out = []
        if self.unmatched:
            out.append(f"{self.unmatched} of {self.exchanges} recorded exchange(s) match no operation of the base "
                       "spec and weigh nothing")
        if self.options:
            out.append(f"{self.options} of {self.exchanges} recorded exchange(s) are OPTIONS requests (CORS "
                       "preflights) on documented paths without an options operation, and weigh nothing")
        if self.cut:
            out.append(f"{self.cut} body(ies) nested deeper than {MAX_DEPTH} levels were measured down to that depth")
        return out
