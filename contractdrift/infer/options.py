"""Tunable thresholds for inference (summaries and derived keywords)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ..errors import UsageError

__all__ = ["InferOptions"]


@dataclass(frozen=True, slots=True, kw_only=True)
class InferOptions:
    """Every threshold the inference uses. All have defaults; pass only what you want to change.

    Summary (collection) settings:

    - ``batch_size``: payloads buffered per slot before they are folded column by column.
    - ``distinct_cap``: distinct string / integer values kept per field (the smallest ones, so
      merging stays associative). Beyond it the field is marked high-cardinality.
    - ``format_sample``: string values per batch checked for formats.
    - ``max_properties``: distinct keys under one object path before it is summarized as a map.
    - ``max_depth``: nesting depth summarized; deeper values are counted by type only.

    Derived keywords:

    - ``required_ratio``: a property is required when present in at least this share of objects.
    - ``enum_max_values`` / ``enum_min_samples`` / ``enum_min_ratio``: a string field becomes an
      ``enum`` when it has at most that many distinct values, at least that many samples, and
      samples >= ratio x distinct values. ``enum_integers`` also allows integer enums.
      ``enum_exclude``: property names or RFC 6901 pointers never turned into enums.
    - ``format_ratio``: share of sampled values that must have a format for it to be claimed.
    - ``map_min_keys`` / ``map_max_presence``: an object with at least that many keys, most of
      them present in fewer than ``map_max_presence`` of the objects, is a map
      (``additionalProperties``); objects whose keys all look like ids are maps too.
    - ``discriminator_max_values``: the most variants a discriminated union may have.
    - ``bounds``: emit minimum/maximum, minLength/maxLength, minItems/maxItems.
    - ``examples``: emit (redacted) examples.

    Path templating (without a spec):

    - ``path_cardinality``: distinct literal segments under one parent above which that position
      becomes a parameter even when the segments do not look like ids.
    - ``path_literal_min_share``: a literal that carries at least this share of its parent's
      traffic stays literal when its siblings are collapsed.
    """

    batch_size: int = 1024
    distinct_cap: int = 32
    format_sample: int = 16
    max_properties: int = 256
    max_depth: int = 48
    required_ratio: float = 1.0
    enum_max_values: int = 12
    enum_min_samples: int = 20
    enum_min_ratio: float = 4.0
    enum_integers: bool = False
    enum_exclude: frozenset[str] = frozenset()
    format_ratio: float = 1.0
    map_min_keys: int = 24
    map_max_presence: float = 0.2
    discriminator_max_values: int = 8
    bounds: bool = False
    examples: bool = True
    path_cardinality: int = 20
    path_literal_min_share: float = 0.25

    def __post_init__(self) -> None:
        if not 0.0 < self.required_ratio <= 1.0:
            raise UsageError("required_ratio must be in (0, 1]")
        if not 0.0 < self.format_ratio <= 1.0:
            raise UsageError("format_ratio must be in (0, 1]")
        for name in ("batch_size", "distinct_cap", "format_sample", "max_properties", "max_depth"):
            if getattr(self, name) < 1:
                raise UsageError(f"{name} must be >= 1")
        if not isinstance(self.enum_exclude, frozenset):
            object.__setattr__(self, "enum_exclude", frozenset(self.enum_exclude))

    @classmethod
    def from_kwargs(cls, options: dict[str, Any]) -> InferOptions:
        """Build from keyword options, rejecting unknown names with a clear message."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise UsageError(f"unknown inference option(s): {', '.join(unknown)}")
        return cls(**options)
