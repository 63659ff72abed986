"""``InferredAPI``: the mergeable result of inference, and the fold that builds it from exchanges."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Any
from urllib.parse import parse_qsl

from ..errors import InputError
from ..model import ExchangeView, split_url
from .derive import X, node_schema, string_format
from .openapi import build_json_schemas, build_openapi
from .operation import BodySummary, OperationSummary, SideSummary
from .options import InferOptions
from .summary import Node
from .templating import (
    Router,
    Templater,
    collapse_high_cardinality,
    rebind_path_params,
    route_template_params,
    template_param_names,
)
from .views import InferredBody, InferredOperation, InferredParameter, InferredResponse

__all__ = ["FORMAT_ID", "InferredAPI", "infer_exchanges", "parse_query", "split_url"]

FORMAT_ID = "contractdrift-inferred"
_OpKey = tuple[str, str]


def parse_query(query: str) -> dict[str, Any]:
    """``a=1&a=2&b=`` -> ``{"a": ["1", "2"], "b": ""}``."""
    out: dict[str, Any] = {}
    if not query:
        return out
    pairs: Any
    if "%" in query or "+" in query:
        pairs = parse_qsl(query, keep_blank_values=True)
    else:  # nothing to unquote: what parse_qsl does, without its per-pair unquoting
        pairs = [(p.split("=", 1) if "=" in p else (p, "")) for p in query.split("&") if p]
    for k, v in pairs:
        cur = out.get(k)
        if cur is None:
            out[k] = v
        elif isinstance(cur, list):
            cur.append(v)
        else:
            out[k] = [cur, v]
    return out


def _options_to_dict(opts: InferOptions) -> dict[str, Any]:
    d = asdict(opts)
    d["enum_exclude"] = sorted(opts.enum_exclude)
    return d


class InferredAPI:
    """Summaries of every observed operation. Merge shards with :meth:`merge`; derive schemas with
    :attr:`operations`, :meth:`to_openapi` or :meth:`to_json_schemas`; persist with :meth:`to_json`.

    Templates found by heuristics are kept provisional in the summaries; high-cardinality collapsing
    happens when views are derived, so merged shards collapse on their combined evidence.
    """

    def __init__(self, options: InferOptions | None = None) -> None:
        self.options = options or InferOptions()
        self.exchanges = 0
        self._ops: dict[_OpKey, OperationSummary] = {}

    # -- building -----------------------------------------------------------------------------
    def _op(self, method: str, template: str, matched: bool) -> OperationSummary:
        key = (method, template)
        op = self._ops.get(key)
        if op is None:
            op = self._ops[key] = OperationSummary(self.options, method, template, matched)
        return op

    def _absorb(self, op: OperationSummary) -> None:
        key = (op.method, op.template)
        mine = self._ops.get(key)
        if mine is None:
            self._ops[key] = op
        else:
            mine.merge_from(op)

    def merge(self, other: InferredAPI) -> InferredAPI:
        """A new summary of both inputs (neither is modified). Associative and commutative."""
        out = InferredAPI(self.options)
        out.exchanges = self.exchanges + other.exchanges
        for src in (self, other):
            for op in src._ops.values():
                out._absorb(op.copy_as(op.template))
        return out

    def retemplate(self, router: Router) -> InferredAPI:
        """Apply user templates to already-summarized operations (e.g. from a stored summary)."""
        out = InferredAPI(self.options)
        out.exchanges = self.exchanges
        for op in self._ops.values():
            hit = router(op.template)
            if hit is None or hit[0] == op.template:
                out._absorb(op.copy_as(op.template, matched=op.matched or hit is not None))
                continue
            template, bindings = hit
            new = op.copy_as(template, matched=True)
            new.path.node = rebind_path_params(op.path.flush(), op.count, template, bindings, self.options)
            out._absorb(new)
        return out

    def _final(self) -> list[OperationSummary]:
        """Operations after high-cardinality collapsing, sorted by template and method."""
        counts: dict[str, int] = {}
        for op in self._ops.values():
            if not op.matched:
                counts[op.template] = counts.get(op.template, 0) + op.count
        mapping = collapse_high_cardinality(counts, self.options)
        if not mapping:
            ops = list(self._ops.values())
        else:
            merged: dict[_OpKey, OperationSummary] = {}
            for op in self._ops.values():
                target = mapping.get(op.template) if not op.matched else None
                if target is None:
                    cur = op
                else:
                    cur = op.copy_as(target[0])
                    cur.path.node = rebind_path_params(op.path.flush(), op.count, target[0], target[1], self.options)
                key = (cur.method, cur.template)
                if key in merged:
                    if merged[key] is op:
                        merged[key] = op.copy_as(op.template)
                    merged[key].merge_from(cur)
                else:
                    merged[key] = cur
            ops = list(merged.values())
        return sorted(ops, key=lambda o: (o.template, o.method))

    # -- views --------------------------------------------------------------------------------
    @property
    def operations(self) -> tuple[InferredOperation, ...]:
        """Derived per-operation schemas with evidence (see :class:`InferredOperation`)."""
        return tuple(_view(op, self.options) for op in self._final())

    def to_openapi(self, version: str = "3.1", *, title: str = "Inferred API") -> dict[str, Any]:
        """An OpenAPI document (``"3.1"`` or ``"3.0"``) with evidence as ``x-contractdrift``."""
        return build_openapi(self.operations, version=version, title=title, total=self.exchanges)

    def to_json_schemas(self) -> dict[str, Any]:
        """One standalone JSON Schema per operation, side, status and media type."""
        return build_json_schemas(self.operations)

    # -- persistence --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The summaries as a JSON-ready dict (options included, operations sorted)."""
        return {
            "format": FORMAT_ID,
            "version": 1,
            "options": _options_to_dict(self.options),
            "exchanges": self.exchanges,
            "operations": [self._ops[k].to_dict() for k in sorted(self._ops)],
        }

    def to_json(self) -> str:
        """The summaries as JSON text (equal summaries give equal text)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str | bytes | Mapping[str, Any], *, source: str = "<summary>") -> InferredAPI:
        """Read :meth:`to_json` output (text or parsed); bad input raises ``InputError``."""
        try:
            d = json.loads(data) if isinstance(data, (str, bytes)) else data
            if not isinstance(d, Mapping) or d.get("format") != FORMAT_ID:
                raise InputError(f"not a {FORMAT_ID} document", file=source)
            raw = dict(d.get("options") or {})
            if "enum_exclude" in raw:
                raw["enum_exclude"] = frozenset(raw["enum_exclude"])
            opts = InferOptions.from_kwargs(raw)
            api = cls(opts)
            api.exchanges = int(d.get("exchanges", 0))
            for od in d.get("operations") or ():
                api._absorb(OperationSummary.from_dict(od, opts))
            return api
        except InputError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise InputError(f"malformed inferred summary: {exc}", file=source) from None


# -- derivation of views ----------------------------------------------------------------------
_BOOL_STRINGS = frozenset({"true", "false"})


def _param_schema(node: Node, opts: InferOptions, name: str) -> dict[str, Any]:
    """Schema for parameter values (strings on the wire, typed when every value parses)."""
    if node.arrs is not None and node.arrs.n:
        items = Node(opts, 1)
        if node.arrs.items is not None:
            items.merge_from(node.arrs.items)
        if node.strs is not None:
            flat = Node(opts, 1)
            flat.strs = node.strs
            items.merge_from(flat)
        return {"type": "array", "items": _param_schema(items, opts, name), X: {"samples": node.total}}
    s = node.strs
    if s is None or not s.n:
        return {"type": "string", X: {"samples": node.total}}
    fmt = string_format(s, opts)
    ev = {"samples": s.n, "distinct": f">{len(s.distinct)}" if s.over else len(s.distinct)}
    if fmt == "integer":
        return {"type": "integer", X: ev}
    if fmt == "decimal":
        return {"type": "number", X: ev}
    if not s.over and s.distinct and s.distinct <= _BOOL_STRINGS:
        return {"type": "boolean", X: ev}
    return node_schema(node, opts, (), name)


def _params(node: Node, count: int, location: Any, opts: InferOptions) -> list[InferredParameter]:
    o = node.objs
    if o is None:
        return []
    children = o.children
    if children is None:  # too many distinct names: summarized as a map, no per-name parameters
        return []
    out = []
    for name in sorted(children):
        ch = children[name]
        presence = ch.total / count if count else 0.0
        out.append(InferredParameter(
            name=name, location=location, schema=_param_schema(ch, opts, name), count=ch.total,
            presence=round(presence, 6), required=location == "path" or presence >= opts.required_ratio,
        ))
    return out


def _bodies(side: SideSummary, opts: InferOptions) -> tuple[InferredBody, ...]:
    out = []
    for mt in sorted(side.bodies):
        b: BodySummary = side.bodies[mt]
        node = b.json.flush()
        if b.kinds.get("json"):
            schema = node_schema(node, opts)
        elif b.kinds.get("binary"):
            schema = {"type": "string", "format": "binary"}
        else:
            schema = {"type": "string"}
        schema.setdefault(X, {})["kinds"] = dict(sorted(b.kinds.items()))
        out.append(InferredBody(media_type=mt, schema=schema, count=b.count, kinds=dict(b.kinds)))
    return tuple(out)


def _view(op: OperationSummary, opts: InferOptions) -> InferredOperation:
    params = []
    declared = {p.name: p for p in _params(op.path.flush(), op.count, "path", opts)}
    for name in template_param_names(op.template):
        p = declared.get(name)
        if p is None:
            p = InferredParameter(name=name, location="path", schema={"type": "string"}, count=0,
                                  presence=0.0, required=True)
        params.append(p)
    params.extend(_params(op.query.flush(), op.count, "query", opts))
    params.extend(_params(op.request.headers.flush(), op.request.count, "header", opts))
    responses = []
    for status in sorted(op.responses):
        side = op.responses[status]
        responses.append(InferredResponse(
            status=status, count=side.count, empty=side.empty, bodies=_bodies(side, opts),
            headers=tuple(_params(side.headers.flush(), side.count, "header", opts)),
        ))
    req_bodies = _bodies(op.request, opts)
    return InferredOperation(
        method=op.method, template=op.template, count=op.count, matched=op.matched,
        parameters=tuple(params), request_bodies=req_bodies,
        request_body_required=bool(req_bodies) and op.request.empty == 0,
        responses=tuple(responses),
    )


# -- the fold ---------------------------------------------------------------------------------
def infer_exchanges(
    exchanges: Iterable[ExchangeView],
    options: InferOptions | None = None,
    *,
    router: Router | None = None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 2000,
    strip_base: Callable[[str], str] | None = None,
) -> InferredAPI:
    """Fold exchanges into an :class:`InferredAPI` (streaming: memory does not grow with their number).

    ``router`` maps a concrete path to a spec or user template; otherwise the framework route
    recorded with the exchange is used, and otherwise heuristics (:class:`Templater`). ``strip_base``
    removes the spec's server base path from paths the router does not match, so undocumented paths
    are named relative to the same base as documented ones (``/v1/x`` -> ``/x`` beside ``/orders``).
    """
    opts = options or InferOptions()
    api = InferredAPI(opts)
    templater = Templater(opts)
    ops = api._ops
    n = 0
    for ex in exchanges:
        n += 1
        path, query = split_url(ex.request.url)
        hit = router(path) if router is not None else None
        matched = hit is not None
        if hit is None and ex.route:
            hit = route_template_params(ex.route, path)
            matched = hit is not None
        if hit is None:
            template, params = templater.template(strip_base(path) if strip_base is not None else path)  # a fresh dict
        else:
            template, params = hit[0], dict(hit[1])
        method = ex.request.method.upper()
        op = ops.get((method, template))
        if op is None:
            op = ops[(method, template)] = OperationSummary(opts, method, template, matched)
        op.add(ex, params, parse_query(query))
        if progress is not None and n % progress_every == 0:
            progress(n)
    api.exchanges = n
    if progress is not None:
        progress(n)
    return api
