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


def _freeze(args: Mapping[str, JSONValue]) -> Mapping[str, JSONValue]:
    return MappingProxyType(dict(args))


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    rule_id: str
    severity: Severity
    location: Location
    message: str = ""
    args: Mapping[str, JSONValue] = field(default_factory=dict)
    evidence: Evidence | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.args, MappingProxyType):
            object.__setattr__(self, "args", _freeze(self.args))

    @property
    def operation(self) -> str | None:
        return self.location.operation

    @property
    def fingerprint(self) -> str:
        """Stable hash of rule, operation, side, status, media type, pointers and args (not of text)."""
        loc = self.location
        key: dict[str, Any] = {
            "rule": self.rule_id,
            "op": loc.operation,
            "side": loc.side.value,
            "status": loc.status,
            "media": loc.media_type,
            "payload": loc.payload_pointer,
            "args": dict(self.args),
        }
        blob = json.dumps(key, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (
            -int(self.severity),
            loc.operation or "",
            loc.side.value,
            loc.status or "",
            loc.media_type or "",
            loc.payload_pointer or "",
            self.rule_id,
            json.dumps(dict(self.args), sort_keys=True, default=str),
        )
