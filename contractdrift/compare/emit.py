"""The emitter: the one place where changes become findings, shared by every driver.

A driver (spec vs spec today; traffic ``check`` and client expectations next) finds *what* differs;
the emitter turns it into a :class:`~contractdrift.model.Finding`:

* it resolves the rule id: a fixed rule id passes through, a *concept* (``enum-value-removed``) is
  composed with the side and scope (``request-parameter-enum-value-removed``) through
  :func:`.rules.concept_rule` -- never by trying another scope's id;
* it names spec locations (file:line:col), memoized per node (a shared component is named by many
  findings), keyed by document identity so many in-memory documents can share one emitter;
* it builds the finding (args made JSON-safe, message rendered from the rule's template).

A change that has no rule id where it happened is **unfiled**: with ``strict=True`` (the test suite
sets ``CONTRACTDRIFT_STRICT_RULES=1``) it raises :class:`UnfiledChange`; otherwise it is counted and
:attr:`Emitter.warnings` reports it. It is never filed under another rule nor dropped silently.

How another driver uses it::

    from contractdrift.compare.emit import Emitter
    from contractdrift.model import Side

    emitter = Emitter()
    # a fixed rule (of any registered family, see rules.register_rules):
    emitter.emit("response-status-undeclared", Side.RESPONSE, op="GET /pets", base=node, status="418",
                 args={"status": "418"})
    # a concept, at a scope (nested = below the schema's root):
    emitter.emit("type-changed", Side.RESPONSE, "body", nested=True, op="GET /pets", base=b, rev=r,
                 payload=("items", "*", "id"), args={"old": "string", "new": "integer"},
                 subject="response 200 (application/json), property 'id'")
    # or everything the schema walker found under one schema:
    emitter.emit_changes(walker.compare((b,), (r,)), side=Side.RESPONSE, scope="body", op="GET /pets",
                         status="200", media="application/json", subject_root="response 200")
    # traffic drivers aggregate: one finding per rule and place (indices folded), counts as evidence
    emitter.observe("type-changed", Side.RESPONSE, "body", nested=True, op="GET /pets", status="200",
                    payload=("items", 3, "id"), exchange_id="ex-17", args={"old": "string", "new": "integer"})
    emitter.flush(total=250)
    findings, warnings = emitter.findings, emitter.warnings
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..errors import ContractDriftError
from ..model import Evidence, Finding, Location, Pointer, Severity, Side, SpecLocation, to_human, to_rfc6901
from ..model.finding import encode_args
from ..spec.node import Node, node_identity
from . import rules as R
from .group import Grouper
from .walk import ITEMS, Change

STRICT_ENV = "CONTRACTDRIFT_STRICT_RULES"


MAX_EXCHANGE_IDS = 5  # example exchange ids kept per aggregated finding


@dataclass(slots=True)
class _Aggregate:
    rule_id: str
    op: str | None
    side: Side
    status: str | None
    media: str | None
    payload: Pointer
    base: Node | None
    rev: Node | None
    args: Mapping[str, Any]
    args_json: str
    message: str
    example: Any
    first_seen: str | None
    count: int = 0
    exchange_ids: list[str] = field(default_factory=list)


class UnfiledChange(ContractDriftError):
    """A change the registry has no rule id for at the scope where it happened (a registry gap)."""


def rule_for(concept_or_rule: str, side: Side, scope: str | None = None, *, nested: bool = False) -> str | None:
    """The rule id to file a change under, or ``None`` if there is none (see module doc).

    With ``scope=None`` the name must be a registered rule id. With a scope, a known concept name is
    composed for that scope; a name that is not a concept must be a registered (fixed) id.
    """
    if scope is not None and concept_or_rule in R.CONCEPTS_BY_NAME:
        return R.concept_rule(concept_or_rule, side, scope, nested=nested)
    return concept_or_rule if concept_or_rule in R.REGISTRY else None


def jsonable(v: Any) -> Any:
    """A finding argument as JSON data (tuples -> lists, unknown objects -> str)."""
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    return str(v)


def relative_name(rel: Pointer) -> str:
    """A payload pointer relative to a schema as users read it: ``("a", "*")`` -> ``"a[*]"``."""
    if not rel:
        return ""
    human = to_human(rel)[1:]  # "$.a[*]" -> ".a[*]", "$[*].b" -> "[*].b"
    return human[1:] if human.startswith(".") else human


class Emitter:
    """Resolves rule ids, names locations and builds findings for one run of a driver."""

    def __init__(self, *, strict: bool | None = None, group: bool = False) -> None:
        self.strict = os.environ.get(STRICT_ENV) == "1" if strict is None else strict
        self.findings: list[Finding] = []
        #: with ``group``, walker changes go straight to a :class:`~.group.Grouper` (no per-place
        #: :class:`Finding` is built); :meth:`grouped` returns one finding per change
        self.grouper: Grouper | None = Grouper() if group else None
        self._grouped_spec: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        #: unfiled changes: (side, scope, concept) -> how many
        self.unfiled: Counter[tuple[str, str, str]] = Counter()
        self._locations: dict[Any, SpecLocation] = {}
        self._pinned: dict[int, Any] = {}
        self._pointers: dict[Pointer, str] = {}
        # id(change), ... -> (the change, kept alive so its id stays its own; rule; args; args JSON; message)
        self._filed: dict[tuple[Any, ...], tuple[Change, str | None, Mapping[str, Any], str, str]] = {}
        self._observed: dict[tuple[Any, ...], _Aggregate] = {}

    # -- locations ------------------------------------------------------------------------------------------
    def location(self, node: Node | None) -> SpecLocation | None:
        """Spec location of a node (pointer + file:line:col), memoized per document and pointer."""
        if node is None:
            return None
        key = node_identity(node)
        loc = self._locations.get(key)
        if loc is None:
            self._pinned.setdefault(key[0], node.file)
            loc = self._locations[key] = node.location()
        return loc

    # -- findings -----------------------------------------------------------------------------------------------
    def emit(self, concept_or_rule: str, side: Side, scope: str | None = None, *, nested: bool = False,
             op: str | None = None, base: Node | None = None, rev: Node | None = None,
             args: Mapping[str, Any] | None = None, status: str | None = None, media: str | None = None,
             payload: Pointer | None = None, subject: str = "") -> Finding | None:
        """File one change; returns the finding, or ``None`` when it is unfiled (counted, or raised)."""
        rule_id = rule_for(concept_or_rule, side, scope, nested=nested)
        if rule_id is None:
            self._unfiled(concept_or_rule, side, scope)
            return None
        return self.add(rule_id, op=op, side=side, base=base, rev=rev, args=args, status=status, media=media,
                        payload=payload, subject=subject)

    def add(self, rule_id: str, *, op: str | None, side: Side, base: Node | None, rev: Node | None,
            args: Mapping[str, Any] | None = None, status: str | None = None, media: str | None = None,
            payload: Pointer | None = None, subject: str = "") -> Finding:
        """Build and keep the finding of a *registered* rule id (``KeyError`` otherwise)."""
        clean = MappingProxyType({k: jsonable(v) for k, v in args.items()} if args else {})
        return self._finding(rule_id, op=op, side=side, base=base, rev=rev, status=status, media=media,
                             payload=payload, args=clean, args_json=encode_args(clean),
                             message=R.render_message(rule_id, clean, subject))

    # -- aggregation (drivers over traffic: one finding per place, with evidence) ----------------------------
    def observe(self, concept_or_rule: str, side: Side, scope: str | None = None, *, nested: bool = False,
                op: str | None = None, base: Node | None = None, rev: Node | None = None,
                args: Mapping[str, Any] | None = None, status: str | None = None, media: str | None = None,
                payload: Pointer = (), subject: str = "", exchange_id: str | None = None,
                example: Any = None, seen_at: str | None = None) -> None:
        """Record one occurrence without building a finding yet. Occurrences of the same rule at the same
        operation, side, status, media type, arguments and payload place -- array indices folded to
        ``*`` -- become one finding at :meth:`flush`, with their count and the first few exchange ids
        as :class:`~contractdrift.model.Evidence`. Unfileable occurrences are counted like :meth:`emit`'s."""
        rule_id = rule_for(concept_or_rule, side, scope, nested=nested)
        if rule_id is None:
            self._unfiled(concept_or_rule, side, scope)
            return
        folded = tuple(ITEMS if isinstance(p, int) else p for p in payload)
        clean = MappingProxyType({k: jsonable(v) for k, v in args.items()} if args else {})
        args_json = encode_args(clean)
        key = (rule_id, op, side, status, media, folded, args_json)
        agg = self._observed.get(key)
        if agg is None:
            agg = self._observed[key] = _Aggregate(rule_id, op, side, status, media, folded, base, rev, clean,
                                                   args_json, R.render_message(rule_id, clean, subject),
                                                   jsonable(example), seen_at)
        agg.count += 1
        if exchange_id is not None and len(agg.exchange_ids) < MAX_EXCHANGE_IDS:
            agg.exchange_ids.append(exchange_id)
        if seen_at is not None and (agg.first_seen is None or seen_at < agg.first_seen):
            agg.first_seen = seen_at

    def flush(self, total: int) -> list[Finding]:
        """Build the findings of everything observed (``total``: how many exchanges were
        checked, the denominator of the evidence), keep them in :attr:`findings` and return them."""
        out = []
        for agg in self._observed.values():
            out.append(self._finding(agg.rule_id, op=agg.op, side=agg.side, base=agg.base, rev=agg.rev,
                                     status=agg.status, media=agg.media, payload=agg.payload, args=agg.args,
                                     args_json=agg.args_json, message=agg.message,
                                     evidence=Evidence(observed=agg.count, total=total, first_seen=agg.first_seen,
                                                       example=agg.example, exchange_ids=tuple(agg.exchange_ids))))
        self._observed.clear()
        return out

    def _finding(self, rule_id: str, *, op: str | None, side: Side, base: Node | None, rev: Node | None,
                 status: str | None, media: str | None, payload: Pointer | None, args: Mapping[str, Any],
                 args_json: str, message: str, evidence: Evidence | None = None) -> Finding:
        location = Location(
            operation=op, side=side, status=status, media_type=media,
            base=self.location(base), revision=self.location(rev),
            payload_pointer=self._pointer(payload) if payload is not None else None,
        )
        finding = Finding(rule_id=rule_id, severity=R.REGISTRY[rule_id].severity, location=location,
                          message=message, args=args, encoded_args=(args, args_json), evidence=evidence)
        self.findings.append(finding)
        return finding

    def build(self, rule_id: str, location: Location, *, args: Mapping[str, Any] | None = None, subject: str = "",
              severity: Severity | None = None, evidence: Evidence | None = None) -> Finding:
        """The finding factory for drivers that fold observations first (``check``): a *registered*
        rule id, a ready location, args, the rule's default severity unless ``severity`` overrides it,
        and evidence. Not kept in :attr:`findings` (the driver builds from its aggregate)."""
        info = R.REGISTRY[rule_id]
        clean = {k: jsonable(v) for k, v in (args or {}).items()} if args else {}
        return Finding(rule_id=rule_id, severity=severity if severity is not None else info.severity,
                       location=location, message=R.render_message(rule_id, clean, subject), args=clean,
                       evidence=evidence)

    def _pointer(self, payload: Pointer) -> str:
        text = self._pointers.get(payload)
        if text is None:
            text = self._pointers[payload] = to_rfc6901(payload)
        return text

    def emit_changes(self, changes: Iterable[Change], *, side: Side, scope: str, op: str, status: str | None,
                     media: str | None, subject_root: str, prefix: Pointer = (),
                     extra_args: Mapping[str, Any] | None = None) -> None:
        """File what :meth:`.walk.SchemaWalker.compare` returned for a schema at ``scope``.

        The walker hands the same :class:`~.walk.Change` objects to every operation that reaches a
        shared schema, so the rule id, the JSON arguments and the message are worked out once per
        change (and subject) and only the location is built per finding.
        """
        extra_key = tuple(sorted(extra_args.items())) if extra_args else ()
        for c in changes:
            key = (id(c), side, scope, subject_root, extra_key)
            filed = self._filed.get(key)
            if filed is None:
                filed = self._filed[key] = self._file(c, side, scope, subject_root, extra_args)
            _, rid, args, args_json, message = filed
            if rid is None:
                self._unfiled(c.name, side, scope)
                continue
            payload = prefix + c.rel if prefix else c.rel
            if self.grouper is not None:
                spec = self._grouped_spec.get(key)
                if spec is None:  # once per change: its spec locations, their order key, the severity
                    b, r = self.location(c.base), self.location(c.rev)
                    spec = self._grouped_spec[key] = (b, r, self.grouper.spec_key(b, r), R.REGISTRY[rid].severity)
                self.grouper.add_parts(rid, spec[3], op, side, status, media, self._pointer(payload), spec[0],
                                       spec[1], args, args_json, message, spec_key=spec[2])
                continue
            self._finding(rid, op=op, side=side, base=c.base, rev=c.rev, status=status, media=media,
                          payload=payload, args=args, args_json=args_json, message=message)

    def grouped(self) -> list[Finding]:
        """One finding per change: every finding built so far and every change filed in group mode
        (see :mod:`.group`)."""
        grouper = self.grouper if self.grouper is not None else Grouper()
        for f in self.findings:
            grouper.add_finding(f)
        self.findings = []
        out = grouper.findings()
        self.grouper = Grouper() if self.grouper is not None else None
        return out

    def _file(self, c: Change, side: Side, scope: str, subject_root: str, extra_args: Mapping[str, Any] | None
              ) -> tuple[Change, str | None, Mapping[str, Any], str, str]:
        rid = rule_for(c.name, side, None if c.fixed else scope, nested=bool(c.rel))
        if rid is None:
            return c, None, {}, "", ""
        args = {**extra_args, **c.args} if extra_args else dict(c.args)
        human = relative_name(c.rel)
        if "{property" in R.REGISTRY[rid].template:
            args["property"] = human
        subject = subject_root if not c.rel else f"{subject_root}, property {human!r}"
        clean = MappingProxyType({k: jsonable(v) for k, v in args.items()})
        return c, rid, clean, encode_args(clean), R.render_message(rid, clean, subject)

    def _unfiled(self, name: str, side: Side, scope: str | None) -> None:
        where = scope or "-"
        if self.strict:
            raise UnfiledChange(f"no rule id for {name!r} on side {side.value} at scope {where!r} "
                                "(add the scope to the concept in compare/rules.py)")
        self.unfiled[(side.value, where, name)] += 1

    @property
    def warnings(self) -> list[str]:
        """One line when some changes could not be filed under a rule (never silently)."""
        if not self.unfiled:
            return []
        total = sum(self.unfiled.values())
        (side, scope, name), _ = self.unfiled.most_common(1)[0]
        more = f" (and {len(self.unfiled) - 1} other kind(s))" if len(self.unfiled) > 1 else ""
        return [f"{total} change(s) have no rule id where they occur and are not reported as findings: "
                f"e.g. {name!r} on the {side} side at scope {scope!r}{more}; please report this"]
