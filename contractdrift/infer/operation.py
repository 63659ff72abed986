"""Per-operation summaries: path/query parameters, headers and bodies per side, status and media type.

Everything here is a fold over exchanges and merges like :class:`~contractdrift.infer.summary.Node`
(associative, commutative, empty = identity). Roots buffer values and fold them in batches of
``batch_size`` so memory stays constant over the number of exchanges.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..model import BodyView, ExchangeView
from .options import InferOptions
from .summary import Node, is_sensitive_name

__all__ = ["BodySummary", "OperationSummary", "SideSummary", "SideView", "Slot"]

# Headers that say nothing about the contract (transport, caching, tracing noise).
_SKIP_HEADERS = frozenset({
    "host", "content-length", "connection", "keep-alive", "transfer-encoding", "te", "upgrade",
    "accept-encoding", "content-encoding", "user-agent", "date", "server", "vary", "via", "age",
    "expires", "last-modified", "etag", "if-none-match", "if-modified-since", "cache-control", "pragma",
    "alt-svc", "strict-transport-security", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
    "x-real-ip", "traceparent", "tracestate", "accept-language", "origin", "referer", "sec-fetch-mode",
    "sec-fetch-site", "sec-fetch-dest", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "dnt",
    "access-control-allow-origin", "access-control-allow-credentials", "access-control-expose-headers",
    "x-content-type-options", "x-frame-options", "x-xss-protection", "content-security-policy",
    "referrer-policy", "permissions-policy", "report-to", "nel",
})


_header_keep: dict[str, str | None] = {}  # raw name -> lower-cased name to keep, or None


def _keep_header(name: str) -> str | None:
    lk = name.lower()
    if lk in _SKIP_HEADERS or lk.startswith(":") or is_sensitive_name(lk) or lk == "set-cookie":
        return None
    return lk


def selected_headers(headers: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Lower-cased headers worth summarizing (repeated ones joined with ``, ``; secrets dropped)."""
    out: dict[str, str] = {}
    cache = _header_keep
    for k, v in headers:
        if k in cache:
            lk = cache[k]
        else:
            lk = _keep_header(k)
            if len(cache) < 4096:
                cache[k] = lk
        if lk is None:
            continue
        out[lk] = f"{out[lk]}, {v}" if lk in out else v
    return out


class Slot:
    """A root :class:`Node` with a buffer: :meth:`push` one value, folded every ``batch_size``."""

    __slots__ = ("buf", "limit", "node")

    def __init__(self, opts: InferOptions, node: Node | None = None) -> None:
        self.node = node if node is not None else Node(opts)
        self.buf: list[Any] = []
        self.limit = opts.batch_size

    def push(self, value: Any) -> None:
        buf = self.buf
        buf.append(value)
        if len(buf) >= self.limit:
            self.fold()

    def fold(self) -> None:
        """Fold the buffered values now (callers that append to ``buf`` themselves call this)."""
        self.node.add(self.buf)
        self.buf = []

    def flush(self) -> Node:
        if self.buf:
            self.node.add(self.buf)
            self.buf = []
        return self.node

    def merge_from(self, other: Slot) -> None:
        self.flush()
        self.node.merge_from(other.flush())

    def to_dict(self) -> dict[str, Any]:
        return self.flush().to_dict()

    @classmethod
    def from_dict(cls, d: dict[str, Any], opts: InferOptions) -> Slot:
        return cls(opts, Node.from_dict(d, opts))


def _minmax(cur: list[int] | None, lo: int, hi: int) -> list[int]:
    if cur is None:
        return [lo, hi]
    return [min(cur[0], lo), max(cur[1], hi)]


class BodySummary:
    """Bodies of one media type: kinds (json/text/binary/empty), sizes, and the JSON summary."""

    __slots__ = ("json", "kinds", "size", "truncated")

    def __init__(self, opts: InferOptions) -> None:
        self.kinds: dict[str, int] = {}
        self.size: list[int] | None = None
        self.truncated = 0
        self.json = Slot(opts)

    @property
    def count(self) -> int:
        return sum(self.kinds.values())

    def add(self, body: BodyView) -> None:
        kind = body.kind
        kinds = self.kinds
        kinds[kind] = kinds.get(kind, 0) + 1
        size = body.size
        cur = self.size
        if cur is None:
            self.size = [size, size]
        elif size < cur[0]:
            cur[0] = size
        elif size > cur[1]:
            cur[1] = size
        if body.truncated:
            self.truncated += 1
        if kind == "json":
            slot = self.json
            buf = slot.buf
            buf.append(body.json)
            if len(buf) >= slot.limit:
                slot.fold()

    def merge_from(self, o: BodySummary) -> None:
        for k, v in o.kinds.items():
            self.kinds[k] = self.kinds.get(k, 0) + v
        if o.size is not None:
            self.size = _minmax(self.size, o.size[0], o.size[1])
        self.truncated += o.truncated
        self.json.merge_from(o.json)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kinds": dict(sorted(self.kinds.items())), "size": self.size}
        if self.truncated:
            out["truncated"] = self.truncated
        if self.kinds.get("json"):
            out["json"] = self.json.to_dict()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any], opts: InferOptions) -> BodySummary:
        b = cls(opts)
        b.kinds = {str(k): int(v) for k, v in d.get("kinds", {}).items()}
        b.size = list(d["size"]) if d.get("size") is not None else None
        b.truncated = int(d.get("truncated", 0))
        if "json" in d:
            b.json = Slot.from_dict(d["json"], opts)
        return b


class SideView(Protocol):
    """What :meth:`SideSummary.add_side` reads of a request or a response."""

    @property
    def headers(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def body(self) -> BodyView: ...
    @property
    def media_type(self) -> str | None: ...


class _Side:
    """A request or response view made of loose parts (for :meth:`SideSummary.add`)."""

    __slots__ = ("body", "headers", "media_type")

    def __init__(self, headers: tuple[tuple[str, str], ...], body: BodyView, media_type: str | None) -> None:
        self.headers = headers
        self.body = body
        self.media_type = media_type


class SideSummary:
    """One side of an operation (the request, or the responses with one status): headers and bodies."""

    __slots__ = ("bodies", "count", "empty", "headers", "opts")

    def __init__(self, opts: InferOptions) -> None:
        self.opts = opts
        self.count = 0
        self.empty = 0  # exchanges with no body at all
        self.headers = Slot(opts)
        self.bodies: dict[str, BodySummary] = {}

    def add(self, headers: tuple[tuple[str, str], ...], body: BodyView, media_type: str | None) -> None:
        self.add_side(_Side(headers, body, media_type))

    def add_side(self, side: SideView) -> None:
        """:meth:`add` for a request or response view (its media type is looked up only for a body)."""
        headers, body = side.headers, side.body
        self.count += 1
        slot = self.headers
        buf = slot.buf
        buf.append(selected_headers(headers))
        if len(buf) >= slot.limit:
            slot.fold()
        if body.kind == "empty":
            self.empty += 1
            return
        mt = side.media_type or "application/octet-stream"
        b = self.bodies.get(mt)
        if b is None:
            b = self.bodies[mt] = BodySummary(self.opts)
        b.add(body)

    def merge_from(self, o: SideSummary) -> None:
        self.count += o.count
        self.empty += o.empty
        self.headers.merge_from(o.headers)
        for mt, b in o.bodies.items():
            mine = self.bodies.get(mt)
            if mine is None:
                mine = self.bodies[mt] = BodySummary(self.opts)
            mine.merge_from(b)

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "empty": self.empty,
            "headers": self.headers.to_dict(),
            "bodies": {mt: self.bodies[mt].to_dict() for mt in sorted(self.bodies)},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], opts: InferOptions) -> SideSummary:
        s = cls(opts)
        s.count, s.empty = int(d.get("count", 0)), int(d.get("empty", 0))
        s.headers = Slot.from_dict(d.get("headers") or {}, opts)
        s.bodies = {str(mt): BodySummary.from_dict(b, opts) for mt, b in (d.get("bodies") or {}).items()}
        return s


class OperationSummary:
    """Everything observed for one ``METHOD template``: parameters, request, responses per status."""

    __slots__ = ("count", "matched", "method", "opts", "path", "query", "request", "responses", "template")

    def __init__(self, opts: InferOptions, method: str, template: str, matched: bool = False) -> None:
        self.opts = opts
        self.method = method
        self.template = template
        self.matched = matched  # template came from a spec or a user override
        self.count = 0
        self.path = Slot(opts)
        self.query = Slot(opts)
        self.request = SideSummary(opts)
        self.responses: dict[str, SideSummary] = {}

    def add(self, ex: ExchangeView, path_params: dict[str, str], query: dict[str, Any]) -> None:
        """Fold one exchange: :meth:`Slot.push` and :meth:`SideSummary.add_side` written out flat (one
        call instead of about ten per exchange; the same summaries, value for value)."""
        self.count += 1
        slot = self.path
        buf = slot.buf
        buf.append(path_params)
        if len(buf) >= slot.limit:
            slot.fold()
        slot = self.query
        buf = slot.buf
        buf.append(query)
        if len(buf) >= slot.limit:
            slot.fold()
        self.request.add_side(ex.request)
        resp = ex.response
        if resp is not None:
            key = str(resp.status)
            side = self.responses.get(key)
            if side is None:
                side = self.responses[key] = SideSummary(self.opts)
            side.add_side(resp)

    def merge_from(self, o: OperationSummary) -> None:
        self.count += o.count
        self.matched = self.matched or o.matched
        self.path.merge_from(o.path)
        self.query.merge_from(o.query)
        self.request.merge_from(o.request)
        for status, side in o.responses.items():
            mine = self.responses.get(status)
            if mine is None:
                mine = self.responses[status] = SideSummary(self.opts)
            mine.merge_from(side)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "template": self.template,
            "matched": self.matched,
            "count": self.count,
            "path": self.path.to_dict(),
            "query": self.query.to_dict(),
            "request": self.request.to_dict(),
            "responses": {s: self.responses[s].to_dict() for s in sorted(self.responses)},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], opts: InferOptions) -> OperationSummary:
        op = cls(opts, str(d["method"]), str(d["template"]), bool(d.get("matched", False)))
        op.count = int(d.get("count", 0))
        op.path = Slot.from_dict(d.get("path") or {}, opts)
        op.query = Slot.from_dict(d.get("query") or {}, opts)
        op.request = SideSummary.from_dict(d.get("request") or {}, opts)
        op.responses = {str(s): SideSummary.from_dict(v, opts) for s, v in (d.get("responses") or {}).items()}
        return op

    def copy_as(self, template: str, matched: bool | None = None) -> OperationSummary:
        """A deep copy under another template (path parameters are re-keyed by the caller)."""
        op = OperationSummary(self.opts, self.method, template, self.matched if matched is None else matched)
        op.merge_from(self)
        op.template = template
        if matched is not None:
            op.matched = matched
        return op
