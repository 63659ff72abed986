"""Driver: recorded traffic against the published spec (``contractdrift check``).

:class:`SpecChecker` compiles what it needs of the spec once (routes, per-operation parameters,
bodies, responses, a compiled validator per operation, side, status and media type, lazily) and
checks exchanges one by one into a :class:`~.aggregate.CheckAggregate`. Findings are built from the
aggregate only (:meth:`SpecChecker.findings`): one per rule, operation, side, status, media type and
folded payload pointer, with evidence. Nothing is passed silently: what could not be validated is
counted under a ``*-unvalidated`` rule per operation.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote

from ..errors import UsageError
from ..model import (
    Evidence,
    Finding,
    JSONValue,
    Location,
    Pointer,
    RecordedExchangeView,
    Severity,
    Side,
    SpecLocation,
    header_get,
    split_url,
    to_human,
    to_rfc6901,
    value_at,
)
from ..spec.node import Node, SpecLike
from ..spec.normalize import Operation, Parameter, operations
from ..spec.routes import RouteTable, normalize_path
from ..spec.security import Credential, operation_credentials
from ..spec.serialization import coerce_scalar, deserialize, form_object, schema_types
from ..spec.servers import server_base_paths
from ..spec.shapes import (
    header_map,
    is_json_media_type,
    match_media_type,
    match_status,
    media_map,
    parameter_serialization,
    parse_media_type,
    responses,
)
from .aggregate import CheckAggregate, ObsKey, Seen
from .check_rules import CHECK_RULES, CONCEPT_RULE, check_rule_id
from .emit import Emitter
from .methods import implied_methods, is_preflight, options_drift
from .multipart import parse_multipart, read_form
from .validate import CompiledSchema, ValidateOptions, Violation, compile_schema

__all__ = ["NOTE_SEP", "CheckOptions", "ExchangePlace", "SpecChecker", "coverage_of"]

REQ, RESP = Side.REQUEST, Side.RESPONSE
#: separates the parts of an ``aggregate.notes`` key: kind (payload | schema | unfiled), side, reason
NOTE_SEP = "\x1f"
_UNDOCUMENTED_PROPERTY = frozenset(
    check_rule_id(RESP, scope, "undocumented") for scope in ("body", "property", "header"))
_OPTIONS_RULES = frozenset({"api-preflight-method-undocumented", "api-preflight-method-denied",
                            "api-options-method-undocumented", "api-options-method-unlisted"})
_NO_PARAM_HEADERS = frozenset({"accept", "content-type", "authorization"})
_MAX_EXAMPLE_CHARS = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckOptions:
    """Options of :class:`SpecChecker` (the ``check`` CLI flags)."""

    base_paths: tuple[str, ...] | None = None  # override the servers' base paths
    trailing_slash: Literal["strict", "lenient"] = "lenient"
    undocumented: Literal["off", "info", "warn"] = "warn"  # undocumented response properties
    nullable: Literal["lenient", "strict"] = "lenient"
    formats: bool = True

    def __post_init__(self) -> None:
        for name, allowed in (("trailing_slash", ("strict", "lenient")), ("undocumented", ("off", "info", "warn")),
                              ("nullable", ("lenient", "strict"))):
            if getattr(self, name) not in allowed:
                raise UsageError(f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}")


@dataclass(slots=True)
class _Media:
    key: str
    node: Node  # the media type object
    schema: Node | None
    compiled: CompiledSchema | None = None


@dataclass(slots=True)
class _Response:
    key: str
    node: Node
    content: dict[str, _Media]
    headers: list[tuple[str, bool, Node]]  # (lower-case name, required, header object)
    header_schemas: dict[str, CompiledSchema] = field(default_factory=dict)
    media_cache: dict[str, str | None] = field(default_factory=dict)


@dataclass(slots=True)
class _Param:
    param: Parameter
    schema: Node | None
    compiled: CompiledSchema | None
    content_json: bool  # a ``content: application/json`` parameter
    by_name: bool  # its value travels under its own name (not deepObject / exploded form object)
    scalar: frozenset[str] | None  # the schema's types when it is a scalar (fast coercion), else None
    where: str = ""  # param.location, param.name, param.required, read once per operation
    name: str = ""
    required: bool = False
    index: int = -1  # a path parameter's position in the template ("#0" keys), else -1
    simple: bool = False  # a path parameter in the simple style (coerced as a scalar)


@dataclass(slots=True)
class _Op:
    op: Operation
    label: str
    params: list[_Param]
    query_names: frozenset[str]
    body_required: bool
    body_node: Node | None
    body: dict[str, _Media]
    responses: dict[str, _Response]
    security: list[list[Credential]] | None
    deprecated: bool
    media_cache: dict[str, str | None] = field(default_factory=dict)
    head: bool = False  # a HEAD exchange: checked as GET without content (RFC 9110 §9.3.2)
    status_cache: dict[int, str | None] = field(default_factory=dict)  # status -> response key
    # the parameters to look at when the URL has no query: every optional query parameter is absent
    params_without_query: list[_Param] = field(default_factory=list)
    # any credential of any alternative carried satisfies the requirement (see _carries)
    security_any: bool = False  # a credential that cannot be seen (mutualTLS, unresolvable scheme)
    security_headers: frozenset[str] = frozenset()
    security_query: frozenset[str] = frozenset()
    security_cookies: frozenset[str] = frozenset()


def _media_key(cache: dict[str, str | None], actual: str | None, content: Mapping[str, Any]) -> str | None:
    """:func:`~contractdrift.spec.shapes.match_media_type`, memoized per sent ``Content-Type`` (bounded)."""
    if not actual:
        return None
    try:
        return cache[actual]
    except KeyError:
        key = match_media_type(actual, content)
        if len(cache) < 64:
            cache[actual] = key
        return key


def _iso(ts: float) -> str | None:
    if not ts:
        return None
    try:
        return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return None


def _fold(pointer: Iterable[str | int]) -> Pointer:
    return tuple("*" if isinstance(p, int) else p for p in pointer)


def _cookies(headers: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    """The cookies of the (first) ``Cookie`` header by name, every value in order."""
    cookies: dict[str, list[str]] = {}
    cookie_header = header_get(headers, "cookie")
    if cookie_header:
        for part in cookie_header.split(";"):
            cname, sep, cvalue = part.strip().partition("=")
            if sep:
                cookies.setdefault(cname, []).append(cvalue)
    return cookies


def _carries(state: _Op, ex: RecordedExchangeView, query: str | None) -> bool:
    """Whether ``ex`` carries a credential of any of the operation's security alternatives (one is
    enough: the alternatives' credentials are sets of names per location, see :meth:`SpecChecker._state`);
    ``query``: the URL's query when already split."""
    if state.security_any:
        return True  # mutualTLS or an unresolvable scheme: cannot be seen, never flagged
    req = ex.request
    wanted = state.security_headers
    if wanted:
        for k, _ in req.headers:
            if k.lower() in wanted:
                return True
    if state.security_query:
        if query is None:
            query = split_url(req.url)[1]
        if query and any(k in state.security_query for k, _ in parse_qsl(query, keep_blank_values=True)):
            return True
    if state.security_cookies:
        cookie = header_get(req.headers, "cookie") or ""  # a name without "=" counts as carried
        return any(p.strip().partition("=")[0] in state.security_cookies for p in cookie.split(";") if p.strip())
    return False


def example_value(value: Any, *, limit: int = _MAX_EXAMPLE_CHARS, depth: int = 3, items: int = 20) -> JSONValue:
    """A small JSON copy for evidence: strings cut at ``limit``, containers cut after ``items``
    entries and summarized below ``depth`` levels (``"{…}"``, ``"[…]"``)."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[: limit - 1] + "…"
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, dict):
        if depth <= 0:
            return "{…}"
        out: dict[str, JSONValue] = {}
        for k in list(value)[:items]:
            out[str(k)] = example_value(value[k], limit=min(limit, 80), depth=depth - 1, items=items)
        if len(value) > items:
            out["…"] = f"{len(value) - items} more"
        return out
    if isinstance(value, (list, tuple)):
        if depth <= 0:
            return "[…]"
        head: list[JSONValue] = [example_value(v, limit=min(limit, 80), depth=depth - 1, items=items)
                                 for v in value[:items]]
        if len(value) > items:
            head.append(f"… {len(value) - items} more")
        return head
    return str(value)[:limit]


@dataclass(frozen=True, slots=True)
class ExchangePlace:
    """Where one exchange lands in a spec (see :meth:`SpecChecker.locate`)."""

    operation: str  # "GET /orders/{id}"
    request_media: str | None  # the spec's media type key the request body matched
    request_body: Any  # its parsed value (None when absent or not parsed)
    parameters: frozenset[tuple[str, str]]  # (in, name) sent: query, header (lower case), cookie, path
    status: str | None  # the spec's response key ("200", "4XX", "default")
    response_media: str | None
    response_body: Any
    responded: bool


class SpecChecker:
    """Check exchanges against one loaded spec; compile once, check one by one.

    >>> checker = SpecChecker(spec)             # doctest: +SKIP
    >>> for ex in exchanges: checker.add(ex)    # doctest: +SKIP
    >>> findings = checker.findings()           # doctest: +SKIP

    ``templater`` names undocumented paths (``/orders/42/notes`` -> ``/orders/{orderId}/notes``)
    so that one finding stands for many concrete URLs; without it the concrete path is used.
    ``redact`` masks example values before they reach a finding (recordings are redacted when written;
    exchanges checked straight from a client are not). One checker serves one thread.
    """

    def __init__(self, spec: Any, options: CheckOptions | None = None, *,
                 templater: Callable[[str], str] | None = None,
                 redact: Callable[[str | None, JSONValue], JSONValue] | None = None) -> None:
        if isinstance(spec, Mapping):
            from ..spec.load import load_spec_data

            spec = load_spec_data(spec)
        elif not hasattr(spec, "root"):
            from ..spec.load import load_spec

            spec = load_spec(spec)
        self.spec: SpecLike = spec
        self.options = options or CheckOptions()
        self.templater = templater
        self.redact = redact  # (name the value is under, example value) -> what a report may show
        self.aggregate = CheckAggregate()
        root_file = spec.root
        self._root_file = root_file
        data = root_file.data if isinstance(root_file.data, Mapping) else {}
        self._data = data
        self.operations: dict[str, Operation] = operations(spec, root_file)
        by_template: dict[str, dict[str, Operation]] = {}
        servers: list[Any] = list(data.get("servers") or [])
        for op in self.operations.values():
            by_template.setdefault(normalize_path(op.path), {})[op.method] = op
            for holder in (op.path_item, op.node):
                extra = holder.get("servers")
                if isinstance(extra, list):
                    servers.extend(extra)
        self._by_template = by_template
        bases = self.options.base_paths
        if bases is None:
            bases = tuple(server_base_paths(servers))
        self.base_paths: tuple[str, ...] = tuple(bases)
        self.routes = RouteTable(list(by_template), self.base_paths)
        self._raw_templates = {normalize_path(op.path): op.path for op in self.operations.values()}
        self._ops: dict[str, _Op] = {}
        self._emitter = Emitter()  # the engine's memo of spec locations (file:line:col)
        self._vopts = {
            REQ: ValidateOptions(nullable=self.options.nullable, undocumented=True, formats=self.options.formats),
            RESP: ValidateOptions(nullable=self.options.nullable, undocumented=self.options.undocumented != "off",
                                  formats=self.options.formats),
        }
        self._current: dict[ObsKey, tuple[dict[str, Any], str | None]] = {}
        # per-path and per-(template, method) memos of the routing (bounded: cleared when full)
        self._route_cache: dict[str, tuple[str, Mapping[str, str], bool] | None] = {}
        self._op_cache: dict[tuple[str, str], _Op | None] = {}

    # -- compilation ----------------------------------------------------------------------------------
    def _loc(self, node: Node | None) -> SpecLocation | None:
        return self._emitter.location(node)

    def _compile(self, node: Node | None, side: Side) -> CompiledSchema | None:
        if node is None:
            return None
        return compile_schema(node, side=side, options=self._vopts[side])

    def _content(self, node: Node | None) -> dict[str, _Media]:
        if node is None:
            return {}
        out: dict[str, _Media] = {}
        for key, media in media_map(node).items():
            media = media.deref()
            out[key] = _Media(key, media, media.child("schema"))
        return out

    def _state(self, op: Operation) -> _Op:
        state = self._ops.get(op.key)
        if state is not None:
            return state
        params: list[_Param] = []
        query_names: set[str] = set()
        for p in op.parameters.values():
            if p.location == "header" and p.name.lower() in _NO_PARAM_HEADERS:
                continue
            schema = p.schema()
            content_json = p.node.child("schema") is None and schema is not None
            types = frozenset(schema_types(schema))
            serialization = parameter_serialization(p.location, p.node)
            by_name = not (serialization.style == "deepObject" or (
                p.location in ("query", "cookie") and "object" in types and serialization.style == "form"
                and serialization.explode))
            scalar = types if types and not types & {"array", "object"} else None
            index = int(p.key[1][1:]) if p.location == "path" and p.key[1].startswith("#") else -1
            simple = p.location == "path" and p.node.get("style") in (None, "simple")
            params.append(_Param(p, schema, self._compile(schema, REQ), content_json, by_name, scalar,
                                 p.location, p.name, p.required, index, simple))
            if p.location == "query":
                query_names.add(p.name)
        body_node = op.node.child("requestBody")
        body_node = body_node.deref() if body_node is not None else None
        declared: dict[str, _Response] = {}
        for key, resp in responses(op.node).items():
            headers = [(name, h.get("required") is True, h) for name, (_, h) in header_map(resp).items()
                       if name != "content-type"]
            declared[key] = _Response(key, resp, self._content(resp), headers)
        root = Node(self.spec, self._root_file, (), self._root_file.data)
        state = _Op(
            op=op, label=op.label, params=params, query_names=frozenset(query_names),
            body_required=bool(body_node is not None and body_node.get("required") is True),
            body_node=body_node, body=self._content(body_node), responses=declared,
            security=operation_credentials(op.node, root), deprecated=op.deprecated, head=op.method == "HEAD",
        )
        state.params_without_query = [p for p in params if p.where != "query" or p.required]
        creds = [c for alt in state.security or () for c in alt]
        state.security_any = any(c.location == "unknown" for c in creds)
        state.security_headers = frozenset(c.name for c in creds if c.location == "header")
        state.security_query = frozenset(c.name for c in creds if c.location == "query")
        state.security_cookies = frozenset(c.name for c in creds if c.location == "cookie")
        self._ops[op.key] = state
        return state

    def _shape(self, op: Operation) -> tuple[str, dict[str, list[str]], list[str]]:
        """(label, response keys -> their media type keys, request body media type keys): what the
        coverage lists, read from the compiled state when the traffic reached the operation, else
        straight from the spec (no parameter schemas compiled for operations nobody called)."""
        state = self._ops.get(op.key)
        if state is not None:
            return state.label, {k: list(r.content) for k, r in state.responses.items()}, list(state.body)
        body_node = op.node.child("requestBody")
        body_node = body_node.deref() if body_node is not None else None
        return (op.label, {key: list(media_map(resp)) for key, resp in responses(op.node).items()},
                list(media_map(body_node)) if body_node is not None else [])

    # -- recording observations -----------------------------------------------------------------------
    def _obs(self, rule: str, label: str, side: Side, status: str | None, media: str | None,
             pointer: Pointer | None, *, example: Any = None, expected: Any = None,
             args: Mapping[str, Any] | None = None, spec: Node | None = None, detail: str | None = None) -> None:
        key: ObsKey = (rule, label, side.value, status, media, to_rfc6901(pointer) if pointer is not None else None)
        if key in self._current:
            return  # counted once per exchange
        payload = {"example": example_value(example), "expected": example_value(expected, limit=400),
                   "args": {k: example_value(v, limit=400) for k, v in (args or {}).items()},
                   "spec": self._loc(spec)}
        self._current[key] = (payload, detail)

    def _flush(self, seen: Seen) -> None:
        agg = self.aggregate
        for key, (payload, detail) in self._current.items():
            agg.observe(key, seen, example=payload["example"], expected=payload["expected"], args=payload["args"],
                        spec=payload["spec"], detail=detail)
        self._current.clear()

    def _violations(self, violations: Sequence[Violation], *, label: str, side: Side, status: str | None,
                    media: str | None, prefix: Pointer, root_scope: str, inner_scope: str, instance: Any,
                    what: str) -> None:
        for v in violations:
            suffix = CONCEPT_RULE.get(v.concept)
            if suffix is None:
                # a schema-level fact (reported once per compiled schema): it holds for every payload
                # validated against this media type; the evidence says so when findings are built
                if v.concept == "unknown-format":
                    reason = f"format {v.args.get('format')!r} is not known, so not checked"
                else:
                    reason = str(v.args.get("reason") or v.note or f"{v.keyword} is not validated")
                self.aggregate.notes[f"schema{NOTE_SEP}{side.value}{NOTE_SEP}{reason}"] += 1
                self._obs(f"{side.value}-body-unvalidated", label, side, status, media, None,
                          args={"reason": reason, "scope": "schema"}, spec=v.schema)
                continue
            folded = _fold(v.pointer)  # property concepts end at the property's name
            scope = root_scope if not folded else inner_scope
            rule = check_rule_id(side, scope, suffix)
            if rule not in CHECK_RULES:
                # no id at this scope: counted and reported (run warnings), never filed elsewhere
                self.aggregate.notes[f"unfiled{NOTE_SEP}{side.value}{NOTE_SEP}{scope}-{suffix}"] += 1
                continue
            value = value_at(instance, v.pointer if v.concept != "required-missing" else v.pointer[:-1])
            args = _violation_args(v)
            expected = _expected(v)
            self._obs(rule, label, side, status, media, (*prefix, *folded), example=value, expected=expected,
                      args=args, spec=v.schema)

    # -- checking -------------------------------------------------------------------------------------
    def add(self, exchange: RecordedExchangeView) -> None:
        """Check one exchange into :attr:`aggregate`."""
        self.aggregate.exchanges += 1
        try:
            self._check(exchange)
        except RecursionError:  # a payload nested deeper than the interpreter can walk: counted, not fatal
            self._current.clear()
            self.aggregate.notes["exchanges nested too deeply to check"] += 1
        finally:
            if self._current:  # the clean path observes nothing and allocates nothing here
                self._flush((exchange.started_at, exchange.id))

    def add_all(self, exchanges: Iterable[RecordedExchangeView], progress: Callable[[int], None] | None = None) -> None:
        n = 0
        for ex in exchanges:
            self.add(ex)
            n += 1
            if progress is not None and n % 1000 == 0:
                progress(n)
        if progress is not None:
            progress(n)

    def check(self, exchange: RecordedExchangeView) -> list[Finding]:
        """Findings of one exchange alone (the aggregate is not touched): for streaming callers."""
        saved = self.aggregate
        self.aggregate = CheckAggregate()
        try:
            self.add(exchange)
            return self.findings()
        finally:
            self.aggregate = saved

    def check_exchanges(self, exchanges: Iterable[RecordedExchangeView]) -> list[Finding]:
        """Findings of these exchanges alone (the checker's own aggregate is not touched)."""
        saved = self.aggregate
        self.aggregate = CheckAggregate()
        try:
            for ex in exchanges:
                self.add(ex)
            return self.findings()
        finally:
            self.aggregate = saved

    def locate(self, ex: RecordedExchangeView) -> ExchangePlace | None:
        """Where an exchange lands in the spec, by the same matching :meth:`add` uses (servers' base
        paths, templates, trailing slash, status ``404`` -> ``4XX`` -> ``default``, media types), with
        its parsed bodies and the parameter names it sends; ``None`` when no documented operation
        matches. Nothing is validated or aggregated (the traffic-weighted diff uses this)."""
        req = ex.request
        method = req.method.upper()
        path, query = split_url(req.url)
        hit = self._route(path)
        ops = self._by_template.get(hit[0]) if hit is not None else None
        if hit is None or ops is None or (hit[2] and self.options.trailing_slash == "strict"):
            return None
        op = ops.get(method) or (ops.get("GET") if method == "HEAD" else None)  # HEAD: its GET
        if op is None:
            return None
        state = self._state(op)
        sent = {("query", k) for k, _ in parse_qsl(query, keep_blank_values=True)}
        sent |= {("header", k.lower()) for k, _ in req.headers}
        cookie_header = header_get(req.headers, "cookie")
        for part in (cookie_header or "").split(";"):
            name, sep, _ = part.strip().partition("=")
            if sep:
                sent.add(("cookie", name))
        sent |= {("path", k) for k in hit[1]}
        req_media = req_value = None
        body = req.body
        if state.body_node is not None and not (body.kind == "empty" and not body.size):
            actual = header_get(req.headers, "content-type") or body.media_type
            req_media = _media_key(state.media_cache, actual, state.body)
            if req_media is not None:
                ok, value, _ = self._parse_body(body, req_media, actual, state.body[req_media])
                req_value = value if ok else None
        status = resp_media = resp_value = None
        resp = ex.response
        if resp is not None:
            status = match_status(resp.status, state.responses)
            response = state.responses.get(status) if status is not None else None
            rbody = resp.body
            if response is not None and response.content and not (rbody.kind == "empty" and not rbody.size):
                actual = header_get(resp.headers, "content-type") or rbody.media_type
                resp_media = _media_key(response.media_cache, actual, response.content)
                if resp_media is not None:
                    ok, value, _ = self._parse_body(rbody, resp_media, actual, response.content[resp_media])
                    resp_value = value if ok else None
        return ExchangePlace(operation=state.label, request_media=req_media, request_body=req_value,
                             parameters=frozenset(sent), status=status, response_media=resp_media,
                             response_body=resp_value, responded=resp is not None)

    def documents_path(self, url: str) -> bool:
        """Whether the path of ``url`` matches a documented path (by :meth:`add`'s matching: servers'
        base paths, templates, the trailing-slash policy), whatever the method."""
        hit = self._route(split_url(url)[0])
        if hit is None or hit[0] not in self._by_template:
            return False
        return not (hit[2] and self.options.trailing_slash == "strict")

    def _route(self, path: str) -> tuple[str, Mapping[str, str], bool] | None:
        """(template key, path parameters, trailing slash differs), memoized per concrete path (the
        parameters mapping is shared between calls: read it, never change it)."""
        cache = self._route_cache
        try:
            return cache[path]
        except KeyError:
            pass
        found = self._route_uncached(path)
        if len(cache) >= 4096:
            cache.clear()
        cache[path] = found
        return found

    def _route_uncached(self, path: str) -> tuple[str, Mapping[str, str], bool] | None:
        hit = self.routes.match_pair(path)
        if hit is None and "%" in path:
            hit = self.routes.match_pair(unquote(path.replace("%2F", "%252F").replace("%2f", "%252f")))
        if hit is None:
            return None
        slash = len(path) > 1 and path.endswith("/")
        template = self._raw_templates.get(hit[0], hit[0])
        differs = slash != (len(template) > 1 and template.endswith("/"))
        return hit[0], hit[1], differs

    def _check(self, ex: RecordedExchangeView) -> None:
        req = ex.request
        method = req.method.upper()
        path, query = split_url(req.url)
        hit = self._route(path)
        ops = self._by_template.get(hit[0]) if hit is not None else None
        if hit is not None and hit[2] and self.options.trailing_slash == "strict":
            ops, hit = None, None
        if hit is None or ops is None:
            stripped = self.routes.strip_base(path)
            template = self.templater(stripped) if self.templater is not None else stripped
            label = f"{method} {template}"
            self.aggregate.operations[label] += 1
            self._obs("api-path-undocumented", label, REQ, None, None, None, example=path,
                      args={"method": method, "path": template})
            return
        template_key, path_params, slash_differs = hit
        try:
            state = self._op_cache[(template_key, method)]
        except KeyError:
            op = ops.get(method)
            state = self._state(op) if op is not None else None
            if len(self._op_cache) >= 4096:
                self._op_cache.clear()
            self._op_cache[(template_key, method)] = state
        if state is None:  # a method the path does not document: HEAD as GET, OPTIONS, or undocumented
            raw_template = self._raw_templates.get(template_key, template_key)
            state = self._implicit_method(method, ops, raw_template, path, ex)
            if state is None:
                return
        label = state.label
        self.aggregate.operations[label] += 1
        if slash_differs:
            raw_template = self._raw_templates.get(template_key, template_key)
            self._obs("api-path-trailing-slash", label, REQ, None, None, None, example=path,
                      args={"path": "with a trailing slash" if path.endswith("/") else "without a trailing slash",
                            "template": raw_template})
        if state.deprecated:
            ua = header_get(req.headers, "user-agent")
            self._obs("api-operation-deprecated-called", label, REQ, None, None, None, spec=state.op.node,
                      detail=ua or "(no User-Agent)")
        if query or state.params_without_query:
            self._check_params(state, req.headers, path_params, query)
        if state.body_node is not None:
            self._check_request_body(state, ex)
        if ex.response is not None:
            self._check_response(state, ex, query)
        else:
            self.aggregate.notes["exchanges without a response"] += 1

    def _check_params(self, state: _Op, headers: tuple[tuple[str, str], ...], path_params: Mapping[str, str],
                      query: str) -> None:
        label = state.label
        qpairs: dict[str, list[str]] = {}
        if query:
            for k, v in parse_qsl(query, keep_blank_values=True):
                qpairs.setdefault(k, []).append(v)
        cookies: dict[str, list[str]] | None = None  # parsed when a cookie parameter asks
        hdrs: dict[str, list[str]] | None = None
        used: set[str] = set()
        template_names: list[str] | None = None
        for p in state.params if qpairs else state.params_without_query:
            where = p.where
            name = p.name
            if where == "query" and (name not in qpairs if p.by_name else not qpairs):  # the common case: not sent
                if p.required:
                    self._obs("request-parameter-required-missing", label, REQ, None, None, (where, name),
                              args={"property": name}, spec=p.param.node)
                continue
            param = p.param
            if where == "path":
                index = p.index
                raw = path_params.get(name)
                if raw is None:
                    if template_names is None:
                        template_names = list(path_params)
                    if 0 <= index < len(template_names):
                        raw = path_params[template_names[index]]
                values = [raw] if raw is not None else []
                source: Mapping[str, list[str]] | None = None
            elif where == "query":
                values, source = qpairs.get(name, []), qpairs
            elif where == "header":
                if hdrs is None:
                    hdrs = {}
                    for k, v in headers:
                        hdrs.setdefault(k.lower(), []).append(v)
                got = hdrs.get(name.lower())
                values, source = ([", ".join(got)] if got else []), None
            elif where == "cookie":
                if cookies is None:
                    cookies = _cookies(headers)
                values, source = cookies.get(name, []), cookies
            else:
                continue
            pointer: Pointer = (where, name)
            value: Any
            consumed: set[str]
            if p.content_json:
                if not values:
                    value, consumed = None, set()
                else:
                    try:
                        value, consumed = json.loads(values[-1]), {name}
                    except ValueError:
                        value, consumed = values[-1], {name}
            elif p.scalar is not None and ((p.by_name and where != "path") or p.simple):
                value, consumed = (coerce_scalar(values[-1], p.scalar), {name}) if values else (None, set())
            else:
                value, consumed = deserialize(param.node.value, values, p.schema, source)
            if where == "query":
                used |= consumed
            if not consumed and value is None:
                if p.required:
                    self._obs("request-parameter-required-missing", label, REQ, None, None, pointer,
                              args={"property": name}, spec=param.node)
                continue
            if p.compiled is not None:
                self._violations(p.compiled.validate(value), label=label, side=REQ, status=None, media=None,
                                 prefix=pointer, root_scope="parameter", inner_scope="parameter-property",
                                 instance=value, what=f"{where} parameter {name!r}")
        for name in qpairs:
            if name not in used and name not in state.query_names:
                self._obs("request-parameter-undocumented", label, REQ, None, None, ("query", name),
                          example=qpairs[name][-1], args={"in": "query", "name": name})

    def _parse_body(self, body: Any, media_key: str | None, actual_media: str | None, media: _Media | None,
                    ) -> tuple[bool, Any, str | None]:
        """(ok, value, problem): the body's JSON value, or why it could not be had."""
        kind = body.kind
        if body.truncated:
            return False, None, "body truncated by the recorder"
        if kind == "json":
            return True, body.json, None
        if (actual_media and is_json_media_type(actual_media)) or (media_key and is_json_media_type(media_key)):
            if kind in ("text", "binary"):  # recorded under a media type the recorder did not take for JSON
                try:
                    return True, json.loads(body.text if kind == "text" else body.raw_bytes()), None
                except (ValueError, RecursionError):
                    pass
            return False, None, "unparsable"
        essence = parse_media_type(actual_media).essence if actual_media else ""
        if essence == "application/x-www-form-urlencoded" and kind == "text":
            fields: dict[str, list[str]] = {}
            for k, v in parse_qsl(body.text or "", keep_blank_values=True):
                fields.setdefault(k, []).append(v)
            raw_enc = media.node.get("encoding") if media is not None else None
            return True, form_object(fields, media.schema if media is not None else None,
                                     raw_enc if isinstance(raw_enc, dict) else None), None
        if essence.startswith("text/") and kind == "text":
            types = schema_types(media.schema if media is not None else None)
            if not types or "string" in types:
                return True, body.text, None
        return False, None, f"media type {essence or '(none)'} is not validated"

    def _check_request_body(self, state: _Op, ex: RecordedExchangeView) -> None:
        if state.body_node is None:
            return
        label = state.label
        body = ex.request.body
        if body.kind == "empty" and not body.size:
            if state.body_required:
                self._obs("request-body-missing", label, REQ, None, None, None, spec=state.body_node)
            return
        actual = header_get(ex.request.headers, "content-type") or body.media_type
        key = _media_key(state.media_cache, actual, state.body)
        if key is None:
            self._obs("request-media-type-undocumented", label, REQ, None, actual or "(none)", None,
                      args={"media_type": actual or "(none)", "documented": ", ".join(sorted(state.body)) or "none"},
                      spec=state.body_node)
            return
        self.aggregate.media[(label, "request", "", key)] += 1
        media = state.body[key]
        if key.startswith("multipart/") or (key == "*/*" and actual is not None
                                             and actual[:10].lower() == "multipart/"):
            self._check_multipart(state, media, key, body, actual)
            return
        if media.schema is None:
            self._unvalidated(label, REQ, None, key, "no schema for this media type", media.node)
            return
        ok, value, problem = self._parse_body(body, key, actual, media)
        if not ok:
            if problem == "unparsable":
                self._obs("request-body-unparsable", label, REQ, None, key, None, example=body.text,
                          args={"media_type": actual or key}, spec=media.node)
            else:
                self._unvalidated(label, REQ, None, key, problem or "not validated", media.node)
            return
        if media.compiled is None:
            media.compiled = self._compile(media.schema, REQ)
        assert media.compiled is not None
        self._violations(media.compiled.validate(value), label=label, side=REQ, status=None, media=key, prefix=(),
                         root_scope="body", inner_scope="property", instance=value, what="request body")

    def _check_multipart(self, state: _Op, media: _Media, key: str, body: Any, actual: str | None) -> None:
        """A ``multipart/*`` request body: its parts against the schema's properties by ``encoding``
        (:mod:`.multipart`); findings at the part's pointer (``/name``)."""
        label = state.label
        if media.schema is None:
            self._unvalidated(label, REQ, None, key, "no schema for this media type", media.node)
            return
        if body.truncated:
            self._unvalidated(label, REQ, None, key, "body truncated by the recorder", media.node)
            return
        essence = parse_media_type(actual).essence if actual else "(none)"
        if essence != "multipart/form-data":
            self._unvalidated(label, REQ, None, key, f"media type {essence} is not validated", media.node)
            return
        assert actual is not None
        parts, problem = parse_multipart(body.raw_bytes(), actual)
        if problem is not None:
            self._obs("request-body-malformed", label, REQ, None, key, None, args={"reason": problem},
                      spec=media.node)
            return
        raw_encoding = media.node.get("encoding")
        encoding = raw_encoding if isinstance(raw_encoding, dict) else None
        form = read_form(parts, media.schema, encoding)
        for name, (sent, allowed) in form.media_mismatch.items():
            self._obs("request-part-media-type-undocumented", label, REQ, None, key, (name,), example=sent,
                      args={"part": name, "documented": allowed},
                      spec=media.node.child("encoding", name) or media.node)
        for name, declared in form.unparsable.items():
            self._obs("request-body-unparsable", label, REQ, None, key, (name,), args={"media_type": declared},
                      spec=media.node)
        for name, reason in form.opaque.items():
            self._unvalidated(label, REQ, None, key, reason, media.node, (name,))
        if encoding:  # the Encoding Object's per-part headers are not checked: say so where a part sent them
            for name, entry in encoding.items():
                if name in form.value and isinstance(entry, dict) and entry.get("headers"):
                    self._unvalidated(label, REQ, None, key, "headers of a multipart part (encoding headers)",
                                      media.node.child("encoding", name, "headers"), (name, "headers"))
        if media.compiled is None:
            media.compiled = self._compile(media.schema, REQ)
        assert media.compiled is not None
        violations = media.compiled.validate(form.value)
        if form.placeholders:  # parts standing in by name only: their presence counts, not their value
            violations = [v for v in violations if not v.pointer or v.pointer[0] not in form.placeholders or (
                len(v.pointer) == 1 and (v.concept in ("additional-property", "undocumented-property")
                                         or v.keyword in ("minItems", "maxItems")))]
        self._violations(violations, label=label, side=REQ, status=None, media=key, prefix=(), root_scope="body",
                         inner_scope="property", instance=form.value, what="request body")

    def _unvalidated(self, label: str, side: Side, status: str | None, media: str | None, reason: str,
                     spec: Node | None, pointer: Pointer | None = None) -> None:
        self.aggregate.notes[f"payload{NOTE_SEP}{side.value}{NOTE_SEP}{reason}"] += 1
        self._obs(f"{side.value}-body-unvalidated", label, side, status, media, pointer, args={"reason": reason},
                  spec=spec)

    def _check_response(self, state: _Op, ex: RecordedExchangeView, query: str | None = None) -> None:
        resp = ex.response
        assert resp is not None
        label = state.label
        code = resp.status
        cache = state.status_cache
        if code in cache:
            status_key = cache[code]
        else:
            status_key = match_status(code, state.responses)
            if len(cache) < 64:
                cache[code] = status_key
        if status_key is None:
            status = str(resp.status)
            self.aggregate.statuses[(label, status)] += 1
            self._obs("response-status-undocumented", label, RESP, status, None, None,
                      args={"status": resp.status, "documented": ", ".join(state.responses) or "none"},
                      spec=state.op.node.child("responses") or state.op.node)
            return
        self.aggregate.statuses[(label, status_key)] += 1
        if state.security is not None and 200 <= resp.status < 300 and not _carries(state, ex, query):
            schemes = sorted({c.scheme for alt in state.security for c in alt})
            self._obs("api-security-not-enforced", label, RESP, status_key, None, None,
                      args={"status": resp.status, "schemes": ", ".join(schemes)},
                      spec=state.op.node.child("security") or Node(self.spec, self._root_file, ("security",),
                                                                    self._data.get("security")))
        response = state.responses[status_key]
        self._check_response_headers(state, response, resp.headers, status_key)
        if state.head:
            self._check_head_content(state, response, resp, status_key)
            return
        body = resp.body
        empty = body.kind == "empty" and not body.size
        actual = header_get(resp.headers, "content-type") or body.media_type
        if not response.content:
            if not empty:
                self._obs("response-media-type-undocumented", label, RESP, status_key, actual or "(none)", None,
                          args={"media_type": actual or "(none)", "documented": "no content"}, spec=response.node)
            return
        if empty:
            if resp.status not in (204, 304) and ex.request.method.upper() != "HEAD":
                self._obs("response-body-empty", label, RESP, status_key, None, None,
                          args={"documented": ", ".join(sorted(response.content))}, spec=response.node)
            return
        key = _media_key(response.media_cache, actual, response.content)
        if key is None:
            self._obs("response-media-type-undocumented", label, RESP, status_key, actual or "(none)", None,
                      args={"media_type": actual or "(none)", "documented": ", ".join(sorted(response.content))},
                      spec=response.node)
            return
        self.aggregate.media[(label, "response", status_key, key)] += 1
        media = response.content[key]
        if media.schema is None:
            self._unvalidated(label, RESP, status_key, key, "no schema for this media type", media.node)
            return
        ok, value, problem = self._parse_body(body, key, actual, media)
        if not ok:
            if problem == "unparsable":
                self._obs("response-body-unparsable", label, RESP, status_key, key, None,
                          example=body.text if body.kind == "text" else f"<{body.kind}, {body.size} bytes>",
                          args={"media_type": actual or key}, spec=media.node)
            else:
                self._unvalidated(label, RESP, status_key, key, problem or "not validated", media.node)
            return
        if media.compiled is None:
            media.compiled = self._compile(media.schema, RESP)
        assert media.compiled is not None
        plain = value is body.json and getattr(body, "plain", False)  # decoded by msgspec, shallow
        self._violations(media.compiled.validate(value, plain=plain), label=label, side=RESP, status=status_key,
                         media=key,
                         prefix=(), root_scope="body", inner_scope="property", instance=value, what="response body")

    def _check_response_headers(self, state: _Op, response: _Response, headers: Sequence[tuple[str, str]],
                                status: str) -> None:
        if not response.headers:
            return
        present: dict[str, str] = {}
        for k, v in headers:
            present.setdefault(k.lower(), v)
        for name, required, node in response.headers:
            value = present.get(name)
            if value is None:
                if required:
                    self._obs("response-header-missing", state.label, RESP, status, None, ("headers", name),
                              args={"name": name}, spec=node)
                continue
            schema = node.child("schema")
            if schema is None:
                continue
            compiled = response.header_schemas.get(name)
            if compiled is None:
                compiled = response.header_schemas[name] = compile_schema(schema, side=RESP, options=self._vopts[RESP])
            param = {"name": name, "in": "header", "style": "simple", "explode": bool(node.get("explode"))}
            parsed, _ = deserialize(param, [value], schema)
            self._violations(compiled.validate(parsed), label=state.label, side=RESP, status=status, media=None,
                             prefix=("headers", name), root_scope="header", inner_scope="header", instance=parsed,
                             what=f"header {name!r}")

    # -- methods the spec leaves implicit: HEAD (as GET) and OPTIONS ----------------------------------
    def _implicit_method(self, method: str, ops: Mapping[str, Operation], raw_template: str, path: str,
                         ex: RecordedExchangeView) -> _Op | None:
        """An exchange whose method the path does not document: ``HEAD`` is checked as the path's
        ``GET`` (the state to check it with is returned), ``OPTIONS`` is compared with the documented
        methods (:mod:`.methods`), anything else is ``api-method-undocumented``."""
        if method == "HEAD" and "GET" in ops:
            return self._head_state(ops["GET"])
        label = f"{method} {raw_template}"
        self.aggregate.operations[label] += 1
        if method == "OPTIONS":
            self._check_options(label, ops, raw_template, ex)
            return None
        self._obs("api-method-undocumented", label, REQ, None, None, None, example=path,
                  args={"method": method, "path": raw_template, "documented": sorted(ops)})
        return None

    def _head_state(self, get: Operation) -> _Op:
        """The GET operation's compiled state, labelled ``HEAD <path>`` and checked without content."""
        key = "HEAD " + get.key
        state = self._ops.get(key)
        if state is None:
            state = self._ops[key] = replace(self._state(get), label=f"HEAD {get.path}", head=True)
        return state

    def _check_options(self, label: str, ops: Mapping[str, Operation], raw_template: str, ex: RecordedExchangeView) -> None:
        req = ex.request
        if is_preflight(req.headers):
            self.aggregate.preflights[label] += 1
        resp = ex.response
        if resp is None:
            self.aggregate.notes["exchanges without a response"] += 1
            return
        self.aggregate.statuses[(label, str(resp.status))] += 1
        drifts = options_drift(req.headers, resp.status, resp.headers, ops)
        if not drifts:
            return
        documented = ", ".join(sorted(implied_methods(ops)))
        where = next(iter(ops.values())).path_item
        for d in drifts:
            self._obs(d.rule, label, RESP, None, None, ("headers", d.header, d.method),
                      example=header_get(resp.headers, d.header),
                      args={"method": d.method, "path": raw_template, "documented": documented}, spec=where)

    def _check_head_content(self, state: _Op, response: _Response, resp: Any, status: str) -> None:
        """A response to HEAD: no content expected (content sent is a finding); its ``Content-Type``,
        when sent and the status documents content, must be one of those (what GET would send)."""
        label = state.label
        body = resp.body
        if not (body.kind == "empty" and not body.size):
            self._obs("response-body-sent-for-head", label, RESP, status, None, None,
                      example=f"<{body.kind}, {body.size} bytes>", spec=response.node)
        actual = header_get(resp.headers, "content-type")
        if not actual or not response.content:  # a documented HEAD rarely documents content: no claim
            return
        key = _media_key(response.media_cache, actual, response.content)
        if key is None:
            self._obs("response-media-type-undocumented", label, RESP, status, actual, None,
                      args={"media_type": actual, "documented": ", ".join(sorted(response.content))},
                      spec=response.node)
            return
        self.aggregate.media[(label, "response", status, key)] += 1

    # -- findings ---------------------------------------------------------------------------------------
    def findings(self, aggregate: CheckAggregate | None = None) -> list[Finding]:
        """Build the findings of ``aggregate`` (default: this checker's)."""
        agg = aggregate if aggregate is not None else self.aggregate
        out: list[Finding] = []
        for key, obs in agg.observations.items():
            rule, label, side_value, status, media, pointer = key
            info = CHECK_RULES[rule]
            severity = info.severity
            if rule in _UNDOCUMENTED_PROPERTY:
                if self.options.undocumented == "off":
                    continue
                severity = Severity.INFO if self.options.undocumented == "info" else Severity.WARN
            side = Side(side_value)
            if side is RESP and status is not None:
                total = agg.statuses.get((label, status), obs.count)
            else:
                total = agg.operations.get(label, obs.count)
            if rule in _OPTIONS_RULES:  # out of the preflights, or of the plain OPTIONS exchanges
                preflights = agg.preflights.get(label, 0)
                total = preflights if rule.startswith("api-preflight-") else total - preflights
            if obs.args.get("scope") == "schema" and media is not None:  # every payload of this media type
                count = agg.media.get((label, side_value, status or "", media), obs.count)
            else:
                count = obs.count
            ids = tuple(i for _, i in obs.examples)
            details: dict[str, JSONValue] = {}
            if obs.details:
                top = sorted(obs.details.items(), key=lambda kv: (-kv[1], kv[0]))
                details["user_agents"] = {k: v for k, v in top[:5]}
                if len(top) > 5:
                    details["other_user_agents"] = len(top) - 5
            example = obs.example
            if self.redact is not None and example is not None:
                parts = _from(pointer) if pointer else ()
                example = self.redact(str(parts[-1]) if parts else None, example)
            evidence = Evidence(observed=count, total=max(total, count), first_seen=_iso(obs.first[0]),
                                last_seen=_iso(obs.last[0]), example=example, expected=obs.expected,
                                exchange_ids=ids, details=details)
            location = Location(operation=label, side=side, status=status, media_type=media,
                                revision=obs.spec, payload_pointer=pointer, exchange_ids=ids)
            out.append(self._emitter.build(rule, location, args=obs.args, subject=_subject(side, rule, pointer),
                                           severity=severity, evidence=evidence))
        return out

    def coverage(self, aggregate: CheckAggregate | None = None) -> dict[str, Any]:
        return coverage_of(self, aggregate if aggregate is not None else self.aggregate)


def _subject(side: Side, rule: str, pointer: str | None) -> str:
    where = to_human(_from(pointer)) if pointer else "$"
    if "-parameter-" in rule and pointer:
        parts = _from(pointer)
        if rule == "request-parameter-required-missing":
            return f"{parts[0]} parameters"
        inner = to_human(parts[2:]) if len(parts) > 2 else ""
        return f"{parts[0]} parameter {parts[1]!r}" + (f" at {inner}" if inner else "")
    if "-header-" in rule and pointer:
        parts = _from(pointer)
        return f"response header {parts[1]!r}" if len(parts) > 1 else "response header"
    return f"{side.value} body {where}" if where != "$" else f"{side.value} body"


def _from(pointer: str) -> Pointer:
    from ..model import from_rfc6901

    return from_rfc6901(pointer)


def _violation_args(v: Violation) -> dict[str, JSONValue]:
    """Args that depend on the finding's key only (the keyword, the property, what the schema
    demands), never on the offending value, so fingerprints are stable whatever the traffic volume;
    the value itself is evidence."""
    out: dict[str, JSONValue] = {"keyword": v.keyword}
    if "property" in v.args:
        out["property"] = str(v.args["property"])
    for k in ("expected", "allowed", "limit", "format", "pattern"):
        if k in v.args:
            out["expected"] = example_value(_plain(v.args[k]), limit=300)
            break
    return out


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _expected(v: Violation) -> JSONValue:
    if v.schema is not None and isinstance(v.schema.value, dict) and v.keyword in v.schema.value:
        demand = v.schema.value[v.keyword]
        if isinstance(demand, dict):  # properties, patternProperties, discriminator: name the keys
            keys: list[JSONValue] = [str(k) for k in sorted(map(str, demand))]
            return {v.keyword: keys[:20] + ([f"… {len(keys) - 20} more"] if len(keys) > 20 else [])}
        return {v.keyword: example_value(demand, limit=400)}
    return {v.keyword: example_value(_plain(v.args.get("expected")), limit=400)} if "expected" in v.args else None


def coverage_of(checker: SpecChecker, agg: CheckAggregate) -> dict[str, Any]:
    """Which documented operations, statuses and media types the traffic exercised (JSON-able)."""
    ops_out: list[dict[str, Any]] = []
    counts = {"operations": [0, 0], "statuses": [0, 0], "media_types": [0, 0]}
    for op in sorted(checker.operations.values(), key=lambda o: (o.path, o.method)):
        label, documented, body = checker._shape(op)
        n = agg.operations.get(label, 0)
        counts["operations"][0] += 1
        counts["operations"][1] += bool(n)
        statuses = []
        for key, content in documented.items():
            sn = agg.statuses.get((label, key), 0)
            counts["statuses"][0] += 1
            counts["statuses"][1] += bool(sn)
            medias = []
            for mkey in content:
                mn = agg.media.get((label, "response", key, mkey), 0)
                counts["media_types"][0] += 1
                counts["media_types"][1] += bool(mn)
                medias.append({"media_type": mkey, "exchanges": mn})
            statuses.append({"status": key, "exchanges": sn, "media_types": medias})
        request_media = []
        for mkey in body:
            mn = agg.media.get((label, "request", "", mkey), 0)
            counts["media_types"][0] += 1
            counts["media_types"][1] += bool(mn)
            request_media.append({"media_type": mkey, "exchanges": mn})
        undocumented = sorted((status, count) for (where, status), count in agg.statuses.items()
                              if where == label and status not in documented and count)
        ops_out.append({"operation": label, "exchanges": n, "request_media_types": request_media,
                        "statuses": statuses,
                        "undocumented_statuses": [{"status": s, "exchanges": c} for s, c in undocumented]})
        if op.method == "GET":
            head = _head_coverage(checker, agg, op, label, documented)
            if head is not None:
                ops_out[-1]["head"] = head
    out: dict[str, Any] = {
        "exchanges": agg.exchanges,
        "summary": {k: {"documented": v[0], "exercised": v[1]} for k, v in counts.items()},
        "operations": ops_out,
    }
    options = _options_coverage(checker, agg)
    if options:
        out["options"] = options
    return out


def _head_coverage(checker: SpecChecker, agg: CheckAggregate, get: Operation, via: str,
                   documented: Mapping[str, Any]) -> dict[str, Any] | None:
    """HEAD exchanges checked as the GET operation ``get`` (labelled ``via``; none documents HEAD for
    its path), or ``None``; ``documented``: the GET's response keys."""
    label = "HEAD " + get.path
    n = agg.operations.get(label, 0)
    if not n or "HEAD" in checker._by_template.get(normalize_path(get.path), {}):
        return None
    statuses = [{"status": key, "exchanges": agg.statuses.get((label, key), 0)} for key in documented]
    undocumented = sorted((status, count) for (lab, status), count in agg.statuses.items()
                          if lab == label and status not in documented and count)
    return {"operation": label, "via": via, "exchanges": n, "statuses": statuses,
            "undocumented_statuses": [{"status": s, "exchanges": c} for s, c in undocumented]}


def _options_coverage(checker: SpecChecker, agg: CheckAggregate) -> list[dict[str, Any]]:
    """OPTIONS exchanges on documented paths without an options operation: how many, how many were
    CORS preflights, their statuses, and the methods the path documents (what they were compared with)."""
    out = []
    for template, ops in sorted(checker._by_template.items()):
        if "OPTIONS" in ops:
            continue
        raw = checker._raw_templates.get(template, template)
        label = "OPTIONS " + raw
        n = agg.operations.get(label, 0)
        if not n:
            continue
        statuses = sorted((status, count) for (lab, status), count in agg.statuses.items() if lab == label and count)
        out.append({"operation": label, "path": raw, "exchanges": n, "preflights": agg.preflights.get(label, 0),
                    "documented_methods": sorted(implied_methods(ops)),
                    "statuses": [{"status": s, "exchanges": c} for s, c in statuses]})
    return out
