"""What ``check`` observed, folded before any finding is built: a mergeable aggregate.

One :class:`Observation` per key ``(rule, operation, side, status, media type, payload pointer with
array indices folded to "*")`` carries how often it was seen, first and last seen, up to
``EXAMPLES`` example exchange ids (the earliest ones) and the example value, expectation and args of
the earliest one. Counters say how many exchanges matched each operation, status and media type (the
denominators of the evidence and the coverage). Everything merges by sums, minima, maxima and
bounded sorted unions, so :meth:`CheckAggregate.merge` is associative and commutative with the empty
aggregate as identity: workers may check slices of a recording in any order and merge the results.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import JSONValue, SpecLocation

__all__ = ["EXAMPLES", "CheckAggregate", "ObsKey", "Observation", "Seen"]

EXAMPLES = 5

#: (rule id, operation label, side, status key, media type, RFC 6901 payload pointer, folded)
ObsKey = tuple[str, str, str, "str | None", "str | None", "str | None"]
#: (started_at, exchange id): orders exchanges the same way in every run and every worker
Seen = tuple[float, str]


@dataclass(slots=True, eq=False)
class Observation:
    count: int
    first: Seen
    last: Seen
    examples: list[Seen]
    example: JSONValue
    expected: JSONValue
    args: Mapping[str, JSONValue]
    spec: SpecLocation | None
    details: Counter[str] = field(default_factory=Counter)

    def add(self, seen: Seen, example: JSONValue, expected: JSONValue, args: Mapping[str, JSONValue],
            spec: SpecLocation | None, detail: str | None) -> None:
        self.count += 1
        if seen < self.first:
            self.first = seen
            self.example, self.expected, self.args, self.spec = example, expected, args, spec
        if seen > self.last:
            self.last = seen
        ex = self.examples
        if seen not in ex and (len(ex) < EXAMPLES or seen < ex[-1]):
            ex.append(seen)
            ex.sort()
            del ex[EXAMPLES:]
        if detail is not None:
            self.details[detail] += 1

    def merged(self, other: Observation) -> Observation:
        head = self if self.first <= other.first else other
        examples = sorted(set(self.examples) | set(other.examples))[:EXAMPLES]
        return Observation(
            count=self.count + other.count, first=head.first, last=max(self.last, other.last),
            examples=examples, example=head.example, expected=head.expected, args=head.args, spec=head.spec,
            details=self.details + other.details,
        )

    def state(self) -> tuple[Any, ...]:
        return (self.count, self.first, self.last, tuple(self.examples), repr(self.example), repr(self.expected),
                sorted(self.args.items(), key=lambda kv: kv[0]).__repr__(), self.spec,
                tuple(sorted(self.details.items())))


def _merge_counters(a: Counter[Any], b: Counter[Any]) -> Counter[Any]:
    out: Counter[Any] = Counter(a)
    out.update(b)
    return out


@dataclass(slots=True, eq=False)
class CheckAggregate:
    """The fold of many exchanges (see the module docstring for the merge laws)."""

    exchanges: int = 0
    observations: dict[ObsKey, Observation] = field(default_factory=dict)
    #: exchanges per operation label (documented or not)
    operations: Counter[str] = field(default_factory=Counter)
    #: exchanges per (operation label, response status key)
    statuses: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: exchanges per (operation label, side, status key or "", media type key)
    media: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    #: things that could not be checked or were odd, by reason
    notes: Counter[str] = field(default_factory=Counter)
    #: CORS preflights per ``OPTIONS`` label of a path without a documented options operation
    preflights: Counter[str] = field(default_factory=Counter)

    def observe(self, key: ObsKey, seen: Seen, *, example: JSONValue = None, expected: JSONValue = None,
                args: Mapping[str, JSONValue] | None = None, spec: SpecLocation | None = None,
                detail: str | None = None) -> None:
        obs = self.observations.get(key)
        if obs is None:
            self.observations[key] = Observation(
                count=1, first=seen, last=seen, examples=[seen], example=example, expected=expected,
                args=dict(args or {}), spec=spec, details=Counter({detail: 1}) if detail is not None else Counter())
        else:
            obs.add(seen, example, expected, dict(args or {}), spec, detail)

    def merge(self, other: CheckAggregate) -> CheckAggregate:
        """A new aggregate holding both (neither input changes)."""
        observations = {k: _copy(v) for k, v in self.observations.items()}
        for key, obs in other.observations.items():
            mine = observations.get(key)
            observations[key] = obs.merged(mine) if mine is not None else _copy(obs)
        return CheckAggregate(
            exchanges=self.exchanges + other.exchanges,
            observations=observations,
            operations=_merge_counters(self.operations, other.operations),
            statuses=_merge_counters(self.statuses, other.statuses),
            media=_merge_counters(self.media, other.media),
            notes=_merge_counters(self.notes, other.notes),
            preflights=_merge_counters(self.preflights, other.preflights),
        )

    def state(self) -> tuple[Any, ...]:
        """A canonical, order-independent value (what equality compares)."""
        return (
            self.exchanges,
            tuple(sorted(((repr(k), v.state()) for k, v in self.observations.items()), key=lambda kv: kv[0])),
            tuple(sorted((+self.operations).items())),
            tuple(sorted((+self.statuses).items())),
            tuple(sorted((+self.media).items())),
            tuple(sorted((+self.notes).items())),
            tuple(sorted((+self.preflights).items())),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CheckAggregate) and self.state() == other.state()

    __hash__ = None  # type: ignore[assignment]


def _copy(obs: Observation) -> Observation:
    return Observation(count=obs.count, first=obs.first, last=obs.last, examples=list(obs.examples),
                       example=obs.example, expected=obs.expected, args=dict(obs.args), spec=obs.spec,
                       details=Counter(obs.details))
