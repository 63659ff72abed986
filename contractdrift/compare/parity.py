"""Driver: replay parity (``contractdrift parity``). The candidate build's answers against today's.

Exchanges are *paired*: a candidate exchange made by ``contractdrift replay`` names the recorded one
it replays (:attr:`Exchange.replay_of`); any other is paired with the first unpaired baseline
exchange of the same request identity (method, path, query, body digest), in recording order.

Each pair is compared value by value: status, content type, selected headers, and the body. JSON
bodies go through deepdiff (values and types changed, keys and items added and removed, arrays that
hold the same items in another order; order-insensitive arrays where configured; a float tolerance);
other bodies are compared as bytes.

**Noise.** A difference seen between the baseline and a *control* (a second run of the build that
produced the baseline) is noise for that operation: the same kind of difference at that place (or
below it) in the candidate is not reported as a change. Without a control, a place whose value
differs on most pairs of identical requests inside the baseline recording is noise (never learned
from the candidate: a build that became nondeterministic has changed). Noise is reported
(``parity-noise``: where, what kind, how often), never hidden.

Differences are aggregated like ``check``: one finding per rule, operation, status, media type and
payload path with array indices folded (``$.items[*].price``), with counts as evidence ("in 212 of
212 responses"), example exchange ids from both sides and the two values.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..model import (
    Evidence,
    Exchange,
    Finding,
    JSONValue,
    Location,
    Pointer,
    Side,
    header_get,
    to_human,
    to_rfc6901,
    value_at,
)
from . import parity_rules  # noqa: F401  (registers the family)
from . import rules as R

#: Response headers compared by value unless told otherwise (content type is a rule of its own).
DEFAULT_HEADERS: tuple[str, ...] = ("location", "cache-control", "allow", "content-language", "content-encoding")

#: Difference kinds, with the rule each becomes and how noise findings describe it.
KINDS: Mapping[str, tuple[str, str]] = {
    "status": ("parity-status-changed", "status differs"),
    "media": ("parity-media-type-changed", "content type differs"),
    "header-added": ("parity-header-added", "header sent by one answer only"),
    "header-removed": ("parity-header-removed", "header sent by one answer only"),
    "header": ("parity-header-changed", "header value differs"),
    "added": ("parity-property-added", "present in one answer only"),
    "removed": ("parity-property-removed", "present in one answer only"),
    "type": ("parity-type-changed", "type differs"),
    "value": ("parity-value-changed", "value differs"),
    "item-added": ("parity-item-added", "number of items differs"),
    "item-removed": ("parity-item-removed", "number of items differs"),
    "order": ("parity-order-changed", "order of items differs"),
    "body": ("parity-body-changed", "body differs"),
}
#: Kinds of differences inside a JSON body (placed by a payload pointer).
BODY_KINDS = frozenset({"added", "removed", "type", "value", "item-added", "item-removed", "order"})

OperationOf = Callable[[Exchange], str]

# identical requests compared pairwise when learning noise without a control (at most n*(n-1)/2 pairs)
_NOISE_GROUP = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class ParityOptions:
    """How two answers are compared.

    - ``headers``: response headers compared by value (lower case; content type always is).
    - ``unordered``: payload paths whose arrays are compared as multisets (``$.tags``,
      ``/items/*/labels``: RFC 6901 or ``$.`` style, ``*`` or ``[*]`` for any index).
    - ``ignore``: payload paths never compared (differences below them are dropped and counted).
    - ``float_tolerance``: numbers closer than this are equal.
    - ``noise_ratio``: without a control, a place is noise when it differs on more than this share
      of pairs of identical requests (default 0.5: "most").
    - ``examples``: example pairs kept per finding.
    """

    headers: tuple[str, ...] = DEFAULT_HEADERS
    unordered: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    float_tolerance: float = 0.0
    noise_ratio: float = 0.5
    examples: int = 3

    def __post_init__(self) -> None:
        if not 0.0 <= self.noise_ratio < 1.0:
            raise UsageError(f"noise ratio must be in [0, 1), not {self.noise_ratio}")
        if self.float_tolerance < 0:
            raise UsageError(f"float tolerance must be >= 0, not {self.float_tolerance}")
        if self.examples < 1:
            raise UsageError("examples must be >= 1")


@dataclass(frozen=True, slots=True)
class Difference:
    """One difference between two answers: its kind, where (indices as ints), and the two values."""

    kind: str
    pointer: Pointer
    old: Any = None
    new: Any = None


def parse_path(text: str) -> Pointer:
    """``$.items[*].id``, ``items[*].id`` or ``/items/*/id`` -> ``("items", "*", "id")``."""
    import re

    text = text.strip()
    if text.startswith("/") or text == "":
        return tuple(p.replace("~1", "/").replace("~0", "~") for p in text[1:].split("/")) if text else ()
    if text.startswith("$"):
        text = text[1:]
    out: list[str] = []
    for m in re.finditer(r"\.([^.\[\]]+)|\[(\*|\d+|\"(?:[^\"\\]|\\.)*\")\]|^([^.\[\]]+)", text):
        name, index, first = m.group(1), m.group(2), m.group(3)
        if name or first:
            out.append(name or first)
        elif index is not None:
            out.append("*" if index == "*" or index.isdigit() else json.loads(index))
    return tuple(out)


def fold(pointer: Pointer) -> tuple[str, ...]:
    """Array indices folded to ``*`` (keys stay as they are, even when made of digits)."""
    return tuple("*" if isinstance(p, int) else p for p in pointer)


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


_CONTAINERS = (dict, list)
_NUMBERS = (int, float)
_JSON_TYPE = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null",
              list: "array", dict: "object"}


def json_type(value: Any) -> str:
    return _JSON_TYPE.get(type(value), type(value).__name__)


class _MarkedBool(str):
    """A JSON boolean as deepdiff sees it (see :meth:`BodyComparator._deepdiff`): equal only to the
    same boolean, never to a number nor to a real string, whatever that string holds."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is _MarkedBool and str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((_MarkedBool, str.__str__(self)))


_MARKED = {True: _MarkedBool("\x00contractdrift:true"), False: _MarkedBool("\x00contractdrift:false")}


def _mark_bools(value: Any) -> Any:
    if value is True or value is False:
        return _MARKED[value]
    if type(value) is dict:
        return {k: _mark_bools(v) for k, v in value.items()}
    if type(value) is list:
        return [_mark_bools(v) for v in value]
    return value


def _unmark_bools(value: Any) -> Any:
    if isinstance(value, _MarkedBool):
        return str.__eq__(value, _MARKED[True])
    if type(value) is dict:
        return {k: _unmark_bools(v) for k, v in value.items()}
    if type(value) is list:
        return [_unmark_bools(v) for v in value]
    return value


class BodyComparator:
    """JSON bodies compared value by value with deepdiff, post-processed into :class:`Difference`\\ s."""

    def __init__(self, options: ParityOptions | None = None, *, engine: str = "hybrid") -> None:
        if engine not in ("hybrid", "deepdiff"):
            raise UsageError(f"unknown comparison engine {engine!r} (hybrid or deepdiff)")
        self.engine = engine
        self.options = options or ParityOptions()
        self._unordered = frozenset(fold(parse_path(p)) for p in self.options.unordered)
        self._ignored = tuple(fold(parse_path(p)) for p in self.options.ignore)

    def compare(self, old: JSONValue, new: JSONValue) -> list[Difference]:
        """Every difference between two JSON values (empty when they are the same JSON)."""
        if old == new and _canon(old) == _canon(new):  # equal, and no true/1 or 1/1.0 confusion
            return []
        out: list[Difference] = []
        if self.engine == "deepdiff":
            self._deepdiff(old, new, (), out)
        else:
            self._walk(old, new, (), out)
        return self._orders(old, new, out)

    def _deepdiff(self, old: Any, new: Any, prefix: Pointer, out: list[Difference]) -> None:
        from deepdiff import DeepDiff

        kwargs: dict[str, Any] = {"view": "tree", "threshold_to_diff_deeper": 0, "verbose_level": 2}
        if self._unordered:
            def ignore_order(level: Any) -> bool:
                # deepdiff scores candidate pairs of an order-insensitive array with nested diffs of
                # two items, calling this with paths relative to the item; only levels of the diff of
                # ``old`` itself are under ``prefix``. So a part handed over by the hybrid walk sees
                # the same paths as deepdiff on the whole document.
                root = level
                while root.up is not None:
                    root = root.up
                at = tuple(level.path(output_format="list"))
                return fold(prefix + at if root.t1 is old else at) in self._unordered

            kwargs["ignore_order_func"] = ignore_order
        if self.options.float_tolerance:
            kwargs["math_epsilon"] = self.options.float_tolerance
        # deepdiff aligns arrays with Python equality, where False == 0 and True == 1: booleans travel
        # as marked strings (never equal to a number or to a real string) and come back as booleans
        marked_old = _mark_bools(old)
        if self._unordered:
            old = marked_old  # the identity ignore_order() recognises as the root of this diff
        tree = DeepDiff(marked_old, _mark_bools(new), **kwargs)
        for category, levels in tree.items():
            for level in levels:
                pointer = prefix + tuple(level.path(output_format="list"))
                diff = self._difference(category, pointer, _unmark_bools(level.t1), _unmark_bools(level.t2))
                if diff is not None:
                    out.append(diff)

    def _walk(self, a: Any, b: Any, path: Pointer, out: list[Difference]) -> None:
        """The hybrid engine: objects, and arrays of containers of the same length, are walked here
        (deepdiff pairs those index by index too); any other array that differs is handed to deepdiff
        (insertions and removals aligned, order-insensitive arrays matched), and scalars are compared
        with deepdiff's rules. Same differences as deepdiff on the whole document (a property test
        holds them equal), without building deepdiff's tree over the parts that are equal."""
        ta, tb = type(a), type(b)
        if ta is dict and tb is dict:
            for key in a:
                if key in b:
                    self._walk(a[key], b[key], (*path, key), out)
                else:
                    out.append(Difference("removed", (*path, key), a[key], ABSENT))
            for key in b:
                if key not in a:
                    out.append(Difference("added", (*path, key), ABSENT, b[key]))
            return
        if ta is list and tb is list:
            if not a and not b:
                return
            if (len(a) == len(b) and fold(path) not in self._unordered
                    and all(type(x) in _CONTAINERS and type(x) is type(y) for x, y in zip(a, b))):
                for i, (x, y) in enumerate(zip(a, b)):
                    self._walk(x, y, (*path, i), out)
            elif not (a == b and _canon(a) == _canon(b)):
                self._deepdiff(a, b, path, out)
            return
        if ta is tb or (ta in _NUMBERS and tb in _NUMBERS):
            if a == b and ta is tb:
                return
            if ta is float and tb is float and self.options.float_tolerance and \
                    math.isclose(a, b, abs_tol=self.options.float_tolerance):
                return
            diff = self._difference("values_changed" if ta is tb else "type_changes", path, a, b)
        else:
            diff = self._difference("type_changes", path, a, b)
        if diff is not None:
            out.append(diff)

    def _difference(self, category: str, pointer: Pointer, t1: Any, t2: Any) -> Difference | None:
        if category == "values_changed":
            if json_type(t1) != json_type(t2):  # a boolean against a string (see _mark_bools)
                return Difference("type", pointer, t1, t2)
            return Difference("value", pointer, t1, t2)
        if category == "type_changes":
            numbers = (int, float)
            if (type(t1) in numbers and type(t2) in numbers):  # JSON has one number type: 1 == 1.0
                if abs(t1 - t2) <= self.options.float_tolerance:
                    return None
                return Difference("value", pointer, t1, t2)
            return Difference("type", pointer, t1, t2)
        if category == "dictionary_item_added":
            return Difference("added", pointer, ABSENT, t2)
        if category == "dictionary_item_removed":
            return Difference("removed", pointer, t1, ABSENT)
        if category == "iterable_item_added":
            return Difference("item-added", pointer, ABSENT, t2)
        if category == "iterable_item_removed":
            return Difference("item-removed", pointer, t1, ABSENT)
        if category == "repetition_change":  # pragma: no cover - only with report_repetition
            return None
        return Difference("value", pointer, t1, t2)

    def _orders(self, old: Any, new: Any, diffs: list[Difference]) -> list[Difference]:
        """Differences inside an array that holds the same items in another order become one
        ``order`` difference at the array."""
        if not diffs:
            return diffs
        verdict: dict[Pointer, bool] = {}

        def reordered(at: Pointer) -> bool:
            if at not in verdict:
                a, b = _at(old, at), _at(new, at)
                verdict[at] = (isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and a != b
                               and Counter(map(_canon, a)) == Counter(map(_canon, b)))
            return verdict[at]

        out: list[Difference] = []
        seen: set[Pointer] = set()
        for d in diffs:
            hit = next((d.pointer[:i] for i in range(len(d.pointer)) if reordered(d.pointer[:i])), None)
            if hit is None:
                out.append(d)
            elif hit not in seen:
                seen.add(hit)
                out.append(Difference("order", hit, _at(old, hit), _at(new, hit)))
        return out

    def ignored(self, pointer: Pointer) -> bool:
        folded = fold(pointer)
        return any(folded[: len(p)] == p for p in self._ignored)


_MISSING = object()


def _at(doc: Any, pointer: Pointer) -> Any:
    return value_at(doc, pointer, _MISSING)


class _Absent:
    """The value on the side where a key, item or header does not exist (shown as ``"absent": true``)."""

    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()


# --- pairing -------------------------------------------------------------------------------------


def request_key(exchange: Exchange) -> tuple[str, str, str, str]:
    """Request identity: method, path, query (parameters sorted), body digest."""
    from urllib.parse import parse_qsl, urlsplit

    req = exchange.request
    try:
        parts = urlsplit(req.url)
        path, query = parts.path or "/", parts.query
    except ValueError:
        path, query = req.url, ""
    q = "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(query, keep_blank_values=True)))
    body = hashlib.sha256(req.body.raw_bytes()).hexdigest()[:16] if req.body.kind != "empty" else ""
    return req.method.upper(), path, q, body


def pair_exchanges(baseline: Sequence[Exchange], other: Iterable[Exchange]
                   ) -> tuple[list[tuple[Exchange, Exchange]], list[Exchange]]:
    """Pair ``other`` with ``baseline``: by replay link first, else by request identity in order.

    Returns the pairs (baseline first) and the exchanges of ``other`` that found no partner.
    """
    by_id = {b.id: b for b in baseline}
    taken: set[str] = set()
    pairs: list[tuple[Exchange, Exchange]] = []
    unlinked: list[Exchange] = []
    for ex in other:
        b = by_id.get(ex.replay_of) if ex.replay_of is not None else None
        if b is not None and b.id not in taken:
            taken.add(b.id)
            pairs.append((b, ex))
        else:
            unlinked.append(ex)
    queues: dict[tuple[str, str, str, str], deque[Exchange]] = defaultdict(deque)
    for b in baseline:
        if b.id not in taken:
            queues[request_key(b)].append(b)
    unpaired: list[Exchange] = []
    for ex in unlinked:
        queue = queues.get(request_key(ex))
        if queue:
            pairs.append((queue.popleft(), ex))
        else:
            unpaired.append(ex)
    return pairs, unpaired


# --- comparing answers -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Bucket:
    """Pairs showing one difference (counted once per pair, however many indices it folds)."""

    observed: int = 0
    examples: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    last: tuple[str, str] | None = None

    def add(self, xid: str, yid: str, old: Any, new: Any, limit: int) -> None:
        if self.last == (xid, yid):
            return
        self.last = (xid, yid)
        self.observed += 1
        if len(self.examples) < limit:
            self.examples.append((xid, yid, old, new))


@dataclass(frozen=True, slots=True, kw_only=True)
class ParityStats:
    """What was compared: pairs per operation, and what could not be compared (never silently)."""

    pairs: int
    baseline_unpaired: int
    candidate_unpaired: int
    control_pairs: int
    noise_places: int
    suppressed_as_noise: int
    ignored: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ParityResult:
    findings: tuple[Finding, ...]
    stats: ParityStats
    warnings: tuple[str, ...] = ()


_Key = tuple[str, str, str | None, str | None, tuple[str, ...], Any, Any]  # op, kind, status, media, place, a, b


class ParityCheck:
    """One parity comparison. Feed it lists of exchanges; :meth:`run` returns the findings."""

    def __init__(self, options: ParityOptions | None = None, operation_of: OperationOf | None = None) -> None:
        self.options = options or ParityOptions()
        self.bodies = BodyComparator(self.options)
        self.operation_of = operation_of or _default_operation
        self._headers = tuple(h.lower() for h in self.options.headers if h.lower() != "content-type")

    # -- one pair -------------------------------------------------------------------------------------
    def differences(self, old: Exchange, new: Exchange) -> list[Difference]:
        """Every difference between two answers to one request (status first, then headers, body).

        Bodies are compared only when the statuses agree (another status has another schema), and
        not when either was truncated by the recorder.
        Places are payload pointers; a header is ``("header", name)``; status/media/body ``()``.
        """
        a, b = old.response, new.response
        if a is None or b is None:
            return []
        out: list[Difference] = []
        if a.status != b.status:
            return [Difference("status", (), a.status, b.status)]
        ma, mb = a.media_type, b.media_type
        if ma != mb:
            return [Difference("media", (), ma, mb)]
        for name in self._headers:
            va, vb = header_get(a.headers, name), header_get(b.headers, name)
            if va == vb:
                continue
            kind = "header-added" if va is None else "header-removed" if vb is None else "header"
            out.append(Difference(kind, ("header", name), ABSENT if va is None else va, ABSENT if vb is None else vb))
        ba, bb = a.body, b.body
        if ba.truncated or bb.truncated:  # a prefix says nothing about the rest: counted by run()
            return out
        if ba.kind == "json" and bb.kind == "json":
            out += [d for d in self.bodies.compare(ba.json, bb.json)]
        elif ba.raw_bytes() != bb.raw_bytes() or ba.kind != bb.kind:
            out.append(Difference("body", (), ba.kind, bb.kind))
        return out

    # -- the whole comparison -------------------------------------------------------------------------
    def run(self, baseline: Sequence[Exchange], candidate: Sequence[Exchange],
            control: Sequence[Exchange] | None = None) -> ParityResult:
        pairs, cand_unpaired = pair_exchanges(baseline, candidate)
        paired_ids = {b.id for b, _ in pairs}
        base_unpaired = [b for b in baseline if b.id not in paired_ids]
        noise = _Noise()
        control_pairs = 0
        if control is not None:
            cpairs, _ = pair_exchanges(baseline, control)
            control_pairs = len(cpairs)
            for b, k in cpairs:
                if b.response is None or k.response is None:
                    continue
                op = self.operation_of(b)
                noise.pairs[op] += 1
                for d in self.differences(b, k):
                    noise.observe(op, d, "control", b.id, k.id)
            noise.keep_all()
        else:
            # only from the build clients use today: a candidate that became nondeterministic where
            # the baseline was not has changed, and must not excuse itself
            self._learn_from_repeats(baseline, "baseline", noise)

        findings: list[Finding] = []
        buckets: dict[_Key, _Bucket] = {}
        totals: Counter[tuple[str, str | None]] = Counter()  # (op, status) -> pairs compared
        op_totals: Counter[str] = Counter()
        no_response: dict[str, _Bucket] = {}
        not_compared: Counter[str] = Counter()
        suppressed = ignored = 0
        for b, c in pairs:
            op = self.operation_of(b)
            if b.response is None:
                not_compared["the baseline has no response"] += 1
                continue
            op_totals[op] += 1
            if c.response is None:
                no_response.setdefault(op, _Bucket()).add(b.id, c.id, b.response.status, c.error,
                                                          self.options.examples)
                continue
            if b.response.body.truncated or c.response.body.truncated:
                not_compared["bodies truncated by the recorder"] += 1
            if b.response.status == c.response.status:  # answers whose contents were compared
                totals[(op, str(b.response.status))] += 1
            for d in self.differences(b, c):
                if d.kind in BODY_KINDS and self.bodies.ignored(d.pointer):
                    ignored += 1
                    continue
                noisy = noise.explains(op, d)
                if noisy is not None:
                    noise.suppressed[noisy] += 1
                    suppressed += 1
                    continue
                buckets.setdefault(self._key(op, b, d), _Bucket()).add(b.id, c.id, d.old, d.new,
                                                                       self.options.examples)

        for key, bucket in buckets.items():
            op, kind, at_status = key[0], key[1], key[2]
            total = op_totals[op] if kind == "status" else totals[(op, at_status)]
            findings.append(self._finding(key, bucket, total))
        for op, bucket in no_response.items():
            findings.append(_make("parity-no-response", op, None, None, None, {}, bucket.observed, op_totals[op],
                                  bucket.examples))
        findings += noise.findings(self.options.examples)
        total_pairs = len(pairs)
        if base_unpaired:
            not_compared["baseline exchanges without a counterpart in the candidate"] = len(base_unpaired)
        if cand_unpaired:
            not_compared["candidate exchanges without a counterpart in the baseline"] = len(cand_unpaired)
        for reason, n in sorted(not_compared.items()):
            whole = len(baseline) if reason.startswith("baseline ex") else len(candidate) \
                if reason.startswith("candidate") else total_pairs
            findings.append(_make("parity-not-compared", None, None, None, None, {"reason": reason}, n,
                                  max(whole, n), [], side=Side.NONE))
        stats = ParityStats(pairs=total_pairs, baseline_unpaired=len(base_unpaired),
                            candidate_unpaired=len(cand_unpaired), control_pairs=control_pairs,
                            noise_places=len(noise.kept), suppressed_as_noise=suppressed, ignored=ignored)
        warnings: list[str] = []
        if not pairs and (baseline or candidate):
            warnings.append("no exchange of the candidate could be paired with the baseline: nothing was compared")
        if control is not None and control_pairs == 0:
            warnings.append("no exchange of the control could be paired with the baseline: no noise was learned")
        return ParityResult(findings=tuple(findings), stats=stats, warnings=tuple(warnings))

    def _learn_from_repeats(self, recording: Sequence[Exchange], name: str, noise: _Noise) -> None:
        """Pairs of identical requests in one recording; places differing on most pairs are noise."""
        groups: dict[tuple[str, str, str, str], list[Exchange]] = defaultdict(list)
        for ex in recording:
            if ex.response is not None:
                groups[request_key(ex)].append(ex)
        local = _Noise()
        for group in groups.values():
            # every pair among (at most) the first members by id: independent of the recording's order
            members = sorted(group, key=lambda e: e.id)[:_NOISE_GROUP]
            for x, y in itertools.combinations(members, 2):
                op = self.operation_of(x)
                local.pairs[op] += 1
                for d in self.differences(x, y):
                    local.observe(op, d, name, x.id, y.id)
        local.keep_most(self.options.noise_ratio)
        noise.absorb(local)

    def _key(self, op: str, b: Exchange, d: Difference) -> _Key:
        resp = b.response
        status = str(resp.status) if resp is not None else None
        media = resp.media_type if resp is not None else None
        if d.kind == "status":
            return op, "status", None, None, (), d.old, d.new
        if d.kind == "media":
            return op, "media", status, None, (), d.old, d.new
        if d.kind.startswith("header"):
            return op, d.kind, status, media, (str(d.pointer[1]),), None, None
        if d.kind == "type":
            return op, "type", status, media, fold(d.pointer), json_type(d.old), json_type(d.new)
        if d.kind == "body":
            return op, "body", status, media, (), d.old, None
        return op, d.kind, status, media, fold(d.pointer), None, None

    def _finding(self, key: _Key, bucket: _Bucket, total: int) -> Finding:
        op, kind, status, media, place, a, b = key
        rule_id = KINDS[kind][0]
        args: dict[str, JSONValue] = {}
        pointer: tuple[str, ...] | None = None
        if kind in ("status", "media"):
            args = {"old": a, "new": b}
        elif kind.startswith("header"):
            args = {"name": place[0]}
        elif kind == "body":
            args = {"kind": "JSON" if a == "json" else str(a)}
        else:
            pointer = place
            args = {"property": to_human(place)}
            if kind == "type":
                args.update(old=a, new=b)
        return _make(rule_id, op, status, media, pointer, args, bucket.observed, total, bucket.examples)


def _default_operation(exchange: Exchange) -> str:
    if exchange.route:
        return f"{exchange.request.method.upper()} {exchange.route}"
    return f"{request_key(exchange)[0]} {request_key(exchange)[1]}"


def _make(rule_id: str, op: str | None, status: str | None, media: str | None, pointer: tuple[str, ...] | None,
          args: Mapping[str, JSONValue], observed: int, total: int,
          examples: Sequence[tuple[str, str, Any, Any]], side: Side = Side.RESPONSE,
          sides: tuple[str, str] = ("baseline", "candidate"), extra: Mapping[str, Any] | None = None) -> Finding:
    """A finding with counts as evidence (never in ``args``: fingerprints must survive new traffic)."""
    info = R.REGISTRY[rule_id]
    ids: list[str] = []
    for bid, cid, _, _ in examples:
        ids += [bid, cid]
    example: JSONValue = None
    if examples:
        bid, cid, old, new = examples[0]
        example = {sides[0]: _side(bid, old), sides[1]: _side(cid, new)}
    message = R.render_message(rule_id, {**args, **(extra or {}), "observed": observed, "total": total})
    location = Location(operation=op, side=side, status=status, media_type=media,
                        payload_pointer=to_rfc6901(pointer) if pointer is not None else None,
                        exchange_ids=tuple(dict.fromkeys(ids)))
    return Finding(rule_id=rule_id, severity=info.severity, location=location, message=message, args=args,
                   evidence=Evidence(observed=observed, total=total, example=example,
                                     exchange_ids=tuple(dict.fromkeys(ids))))


def _side(exchange_id: str, value: Any) -> JSONValue:
    if value is ABSENT:
        return {"exchange": exchange_id, "absent": True}
    return {"exchange": exchange_id, "value": _jsonable(value)}


def _jsonable(value: Any) -> JSONValue:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


# --- noise -----------------------------------------------------------------------------------------


class _Noise:
    """Places that differ between two answers of the same build, per operation."""

    def __init__(self) -> None:
        self.pairs: Counter[str] = Counter()
        # (op, place, kind) -> observed pairs, example, source
        self.seen: dict[tuple[str, tuple[str, ...], str], _Bucket] = {}
        self.source: dict[tuple[str, tuple[str, ...], str], str] = {}
        self.totals: dict[tuple[str, tuple[str, ...], str], int] = {}
        self.kept: dict[tuple[str, tuple[str, ...], str], str] = {}
        self.suppressed: Counter[tuple[str, tuple[str, ...], str]] = Counter()
        self._by_op: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)

    @staticmethod
    def place_key(d: Difference) -> tuple[tuple[str, ...], str]:
        kind = {"removed": "added", "item-removed": "item-added", "header-removed": "header-added"}.get(d.kind, d.kind)
        if kind in ("status", "media", "body"):
            return (kind,), kind
        return fold(d.pointer), kind

    def observe(self, op: str, d: Difference, source: str, xid: str, yid: str) -> None:
        place, kind = self.place_key(d)
        key = (op, place, kind)
        self.seen.setdefault(key, _Bucket()).add(xid, yid, d.old, d.new, 3)
        self.source[key] = source

    def keep_all(self) -> None:
        for key in self.seen:
            self._keep(key)

    def keep_most(self, ratio: float) -> None:
        for key, bucket in self.seen.items():
            if self.pairs[key[0]] >= 2 and bucket.observed > ratio * self.pairs[key[0]]:
                self._keep(key)

    def _keep(self, key: tuple[str, tuple[str, ...], str]) -> None:
        if key not in self.kept:
            self.kept[key] = self.source[key]
            self._by_op[key[0]].append((key[1], key[2]))
            self.totals[key] = self.pairs[key[0]]

    def absorb(self, other: _Noise) -> None:
        for key in other.kept:
            if key not in self.kept:
                self.seen[key] = other.seen[key]
                self.source[key] = other.source[key]
                self.pairs[key[0]] = max(self.pairs[key[0]], other.pairs[key[0]])
                self.kept[key] = other.kept[key]
                self.totals[key] = other.totals[key]
                self._by_op[key[0]].append((key[1], key[2]))

    def explains(self, op: str, d: Difference) -> tuple[str, tuple[str, ...], str] | None:
        """The noisy place that explains ``d`` (same kind, at or above it), or ``None``."""
        place, kind = self.place_key(d)
        for noisy_place, noisy_kind in self._by_op.get(op, ()):
            if noisy_kind == kind and place[: len(noisy_place)] == noisy_place:
                return op, noisy_place, noisy_kind
            # a whole value that varies (a volatile sub-document) covers every change below it
            if kind in BODY_KINDS and noisy_kind in ("value", "type") and len(place) > len(noisy_place) and \
                    place[: len(noisy_place)] == noisy_place:
                return op, noisy_place, noisy_kind
        return None

    def findings(self, examples: int) -> list[Finding]:
        out = []
        for key, source in self.kept.items():
            op, place, kind = key
            bucket = self.seen[key]
            where = " (baseline vs control)" if source == "control" else f" (identical requests in the {source})"
            if kind in ("status", "media", "body"):
                prop, pointer = {"status": "status", "media": "content type", "body": "body"}[kind], None
            elif kind.startswith("header"):
                prop, pointer = f"header {place[1]!r}", None
            else:
                prop, pointer = to_human(place), place
            args: dict[str, JSONValue] = {"property": prop, "change": KINDS[kind][1], "source": where}
            other = "control" if source == "control" else "repeat"
            out.append(_make("parity-noise", op, None, None, pointer, args, bucket.observed,
                             max(self.totals[key], bucket.observed), bucket.examples[:examples],
                             sides=("baseline" if source == "control" else "first", other),
                             extra={"suppressed": self.suppressed[key]}))
        return out
