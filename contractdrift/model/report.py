"""A report: sorted findings plus non-fatal warnings about the inputs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .finding import Finding
from .json import JSONValue
from .location import spec_order
from .severity import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    findings: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = ()
    meta: Mapping[str, str] = field(default_factory=dict)
    #: what the traffic exercised of the spec (``check`` only): JSON-able, see docs/report.schema.json
    coverage: Mapping[str, JSONValue] | None = None

    @classmethod
    def build(
        cls, findings: Iterable[Finding], warnings: Iterable[str] = (), meta: Mapping[str, str] | None = None,
        *, coverage: Mapping[str, JSONValue] | None = None,
    ) -> Report:
        """Sort deterministically and drop exact duplicates. Duplicates that differ only in their spec
        locations (one place reached by two routes) keep the smallest (:func:`.location.spec_order`),
        whatever the order they arrive in -- the one :func:`contractdrift.compare.group.group_findings`
        keeps too."""
        unique: dict[tuple[object, ...], Finding] = {}
        for f in findings:
            key = (f.fingerprint, *f.sort_key())
            kept = unique.get(key)
            if kept is None or (spec_order(f.location.base, f.location.revision)
                                < spec_order(kept.location.base, kept.location.revision)):
                unique[key] = f
        ordered = tuple(sorted(unique.values(), key=lambda f: f.sort_key()))
        return cls(findings=ordered, warnings=tuple(dict.fromkeys(warnings)), meta=dict(meta or {}),
                   coverage=coverage)

    def at_least(self, severity: Severity) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity >= severity)

    def counts(self) -> dict[str, int]:
        out = {s.label: 0 for s in sorted(Severity, reverse=True)}
        for f in self.findings:
            out[f.severity.label] += 1
        return out

    def exit_code(self, fail_on: Severity) -> int:
        return 1 if self.at_least(fail_on) else 0
