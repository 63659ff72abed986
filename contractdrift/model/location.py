"""Where a finding is: operation, side, status, spec positions and payload pointer."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Side(str, Enum):
    REQUEST = "request"
    RESPONSE = "response"
    NONE = "none"


@dataclass(frozen=True, slots=True, order=True)
class SourcePosition:
    """A 1-based line and column inside a file."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class SpecLocation:
    """A JSON pointer (RFC 6901) into a spec document and, when known, its file:line:col."""

    pointer: str
    position: SourcePosition | None = None

    def __str__(self) -> str:
        where = f"#{self.pointer}"
        return f"{self.position} ({where})" if self.position else where


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    operation: str | None = None  # "GET /users/{id}"
    side: Side = Side.NONE
    status: str | None = None  # "200", "4XX", "default"
    media_type: str | None = None
    base: SpecLocation | None = None
    revision: SpecLocation | None = None
    payload_pointer: str | None = None  # RFC 6901 pointer into a payload / schema instance
    exchange_ids: tuple[str, ...] = field(default_factory=tuple)


def spec_order(base: SpecLocation | None, revision: SpecLocation | None) -> tuple[Any, ...]:
    """Spec locations in a total order: absent first, then by pointer (then file). Where one place
    is reached by two routes (a ``oneOf`` member and the schema it was unwrapped into), the finding
    with the smallest spec locations is the one kept, in a per-place report and in a grouped one."""
    return (base is not None, base.pointer if base is not None else "", revision is not None,
            revision.pointer if revision is not None else "",
            base.position.file if base is not None and base.position is not None else "",
            revision.position.file if revision is not None and revision.position is not None else "")
