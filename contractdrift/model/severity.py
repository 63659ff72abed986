"""Finding severities, ordered so that thresholds compare (``--fail-on``)."""

from __future__ import annotations

from enum import IntEnum

from ..errors import UsageError


class Severity(IntEnum):
    INFO = 1
    WARN = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse ``error``/``err``/``warn``/``warning``/``info`` (any case); else :class:`UsageError`."""
        key = text.strip().lower()
        aliases = {"err": "error", "warning": "warn"}
        key = aliases.get(key, key)
        try:
            return cls[key.upper()]
        except KeyError:
            raise UsageError(f"unknown severity {text!r} (expected error, warn or info)") from None
