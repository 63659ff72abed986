"""Rule metadata as data: the registry in :mod:`contractdrift.compare.rules` holds these."""

from __future__ import annotations

from dataclasses import dataclass

from .location import Side
from .severity import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleInfo:
    """One rule: a stable kebab-case id, its default severity and its taxonomy.

    ``template`` is a ``str.format`` template over the finding's ``args`` (plus ``operation``),
    e.g. ``"removed the required property {property!r}"``.
    """

    id: str
    severity: Severity
    side: Side
    kind: str  # existence, requiredness, type, values, constraints, lifecycle, composition, ...
    action: str  # add, remove, change, widen, narrow, increase, decrease, set, unset
    summary: str
    template: str
    area: str = "schema"  # paths, operations, parameters, body, properties, responses, headers, security, ...
    oasdiff: bool = False  # the same id exists in oasdiff's vocabulary
    family: str = "diff"  # which driver reports it: "diff" (spec vs spec); room for "check", "expect", "parity"

    @property
    def docs_anchor(self) -> str:
        return f"rules.md#{self.id}"
