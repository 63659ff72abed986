"""The rules of the ``parity`` family (``contractdrift parity``, :mod:`.parity`), as data.

The candidate build is the producer, the answers clients get today the consumer (DESIGN.md table):
what a client can no longer rely on is an error, what it gains is information. Args hold only what
identifies a difference (payload path, JSON types, statuses, header name) so fingerprints survive new
traffic; counts and example values are evidence, rendered into the message (``observed``, ``total``
and, for noise, ``suppressed`` are filled in by the driver and are not args).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ..model import RuleInfo, Severity, Side
from .rules import register_rules

_IN = " in {observed} of {total} responses"


def _rule(rule_id: str, severity: Severity, kind: str, action: str, template: str,
          side: Side = Side.RESPONSE) -> RuleInfo:
    return RuleInfo(id=rule_id, severity=severity, side=side, kind=kind, action=action,
                    summary=template.split("{")[0].strip() or rule_id.removeprefix("parity-").replace("-", " "),
                    template=template, area="parity")


E, W, I = Severity.ERROR, Severity.WARN, Severity.INFO  # noqa: E741

PARITY_RULES: tuple[RuleInfo, ...] = (
    _rule("parity-status-changed", E, "values", "change", "status changed from {old} to {new}" + _IN),
    _rule("parity-media-type-changed", E, "type", "change", "content type changed from {old!r} to {new!r}" + _IN),
    _rule("parity-header-added", I, "existence", "add", "header {name!r} now sent" + _IN),
    _rule("parity-header-removed", W, "existence", "remove", "header {name!r} no longer sent" + _IN),
    _rule("parity-header-changed", W, "values", "change", "header {name!r} changed value" + _IN),
    _rule("parity-property-added", I, "existence", "add", "{property} now sent" + _IN),
    _rule("parity-property-removed", E, "existence", "remove", "{property} no longer sent" + _IN),
    _rule("parity-type-changed", E, "type", "change", "{property} changed type {old} \u2192 {new}" + _IN),
    _rule("parity-value-changed", W, "values", "change", "{property} changed value" + _IN),
    _rule("parity-item-added", W, "existence", "add", "{property} has more items" + _IN),
    _rule("parity-item-removed", E, "existence", "remove", "{property} has fewer items" + _IN),
    _rule("parity-order-changed", W, "values", "change", "{property} has the same items in another order" + _IN),
    _rule("parity-body-changed", W, "values", "change", "{kind} body changed" + _IN),
    _rule("parity-no-response", E, "existence", "remove", "the candidate gave no response" + _IN),
    _rule("parity-noise", I, "values", "change",
          "{property}: {change} between two answers of the same build{source}" + _IN
          + "; {suppressed} such differences of the candidate treated as noise"),
    _rule("parity-not-compared", I, "existence", "remove", "{reason}: {observed} of {total} exchanges not compared",
          side=Side.NONE),
)

#: The rule reported when baseline and candidate are swapped.
PARITY_MIRRORS: Mapping[str, str] = MappingProxyType({
    "parity-status-changed": "parity-status-changed",
    "parity-media-type-changed": "parity-media-type-changed",
    "parity-header-added": "parity-header-removed",
    "parity-header-removed": "parity-header-added",
    "parity-header-changed": "parity-header-changed",
    "parity-property-added": "parity-property-removed",
    "parity-property-removed": "parity-property-added",
    "parity-type-changed": "parity-type-changed",
    "parity-value-changed": "parity-value-changed",
    "parity-item-added": "parity-item-removed",
    "parity-item-removed": "parity-item-added",
    "parity-order-changed": "parity-order-changed",
    "parity-body-changed": "parity-body-changed",
})

PARITY_RULE_IDS: frozenset[str] = frozenset(r.id for r in PARITY_RULES)

register_rules("parity", PARITY_RULES, mirrors=PARITY_MIRRORS)
