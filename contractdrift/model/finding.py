"""Findings are data: rule id, severity, location, args, evidence. Text is rendered late."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .json import JSONValue
from .location import Location
from .severity import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """How often a finding was observed, with a redacted example."""

    observed: int
    total: int
    first_seen: str | None = None
    example: JSONValue = None
    exchange_ids: tuple[str, ...] = ()
    last_seen: str | None = None
    expected: JSONValue = None  # what the spec expects where the example was seen
    details: Mapping[str, JSONValue] = field(default_factory=dict)  # e.g. {"user_agents": {...}}


def _freeze(args: Mapping[str, JSONValue]) -> Mapping[str, JSONValue]:
    return MappingProxyType(dict(args))


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def encode_args(args: Mapping[str, Any]) -> str:
    """The canonical JSON of a finding's ``args`` (what :attr:`Finding.encoded_args` carries)."""
    return _dumps(dict(args))


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    rule_id: str
    severity: Severity
    location: Location
    message: str = ""
    args: Mapping[str, JSONValue] = field(default_factory=dict)
    evidence: Evidence | None = None
    #: ``(args, their canonical JSON)`` when the producer already has the encoding: drivers that file
    #: one change at many operations encode its arguments once (see compare.emit). Used only while
    #: ``args`` is that very object, so ``dataclasses.replace(f, args=...)`` never keeps a stale one.
    encoded_args: tuple[Mapping[str, Any], str] | None = field(default=None, repr=False, compare=False)
    #: a *grouped* finding (one per change, ``diff --group change``): every place the change reaches
    #: (operation, side, status, media type, payload pointer). Empty for a per-place finding.
    reaches: tuple[Location, ...] = ()
    _fingerprint: str = field(default="", init=False, repr=False, compare=False)
    _sort_key: tuple[Any, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.args, MappingProxyType):
            object.__setattr__(self, "args", _freeze(self.args))
        loc = self.location
        pre = self.encoded_args
        args_json = pre[1] if pre is not None and pre[0] is self.args else encode_args(self.args)
        if self.reaches:
            # a change is keyed on itself: rule, spec locations and args -- not on the operations it
            # reaches, so a new operation reaching an accepted change does not resurface it
            head = _dumps(["change", self.rule_id, loc.base.pointer if loc.base else None,
                           loc.revision.pointer if loc.revision else None])
            key = f"{head[:-1]},{args_json}]"
            impact = self.evidence.observed if self.evidence is not None else 0
            object.__setattr__(self, "_fingerprint", hashlib.sha256(key.encode()).hexdigest()[:16])
            object.__setattr__(self, "_sort_key", (-int(self.severity), -impact, loc.operation or "",
                                                   self.rule_id, key))
            return
        # one encoding serves both the fingerprint and the sort tie-breaker; it is the JSON array
        # [rule, operation, side, status, media type, pointer, args], assembled from encoded parts
        # (byte-identical to encoding the list at once, so fingerprints stay stable)
        head = _dumps([self.rule_id, loc.operation, loc.side.value, loc.status, loc.media_type,
                       loc.payload_pointer])
        key = f"{head[:-1]},{args_json}]"
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        object.__setattr__(self, "_fingerprint", digest)
        object.__setattr__(self, "_sort_key", (
            -int(self.severity), loc.operation or "", loc.side.value, loc.status or "", loc.media_type or "",
            loc.payload_pointer or "", self.rule_id, key))

    @property
    def operation(self) -> str | None:
        return self.location.operation

    @property
    def fingerprint(self) -> str:
        """Stable hash of rule, operation, side, status, media type, payload pointer and args (not of
        text or spec positions, so it survives rewording and unrelated edits of the spec file). For a
        grouped finding (:attr:`reaches` set): of rule, base and revision spec pointers and args."""
        return self._fingerprint

    def sort_key(self) -> tuple[Any, ...]:
        """Deterministic order: severity, then where, then rule, then everything else."""
        return self._sort_key
