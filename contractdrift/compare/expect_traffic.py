"""Traffic against client expectations (comparison 2 of issue 9), on the traffic checker.

:class:`InteractionSelector` matches every recorded exchange to the ONE interaction that describes
it (method, path, query, headers, the request body and the recorded status where needed to
disambiguate; most specific first). :class:`ClientTrafficChecker` then checks it against that
interaction's *contract*: :func:`client_contract` makes an OpenAPI document of it (per method and
path -- the spec's template when a spec routes the interaction, else the interaction's own path --
the request the client said it sends, the response it accepts, as compiled schemas with ``x-expect``
kept), checked by the same :class:`~.traffic.SpecChecker` and compiled validator as traffic against a
spec, so findings keep the ``check`` vocabulary and aggregation; :func:`relocate` points them back
into the Pact file (the matcher that made the constraint) and names the client.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..expect.model import SOURCE_KEY, Expectations, Interaction
from ..model import (
    Exchange,
    Finding,
    RecordedExchangeView,
    Side,
    SourcePosition,
    SpecLocation,
    from_rfc6901,
    split_url,
)
from ..spec.normalize import operations
from ..spec.routes import RouteTable, base_paths_from_servers, normalize_path
from .aggregate import CheckAggregate
from .expect import ExpectDoc
from .traffic import CheckOptions, SpecChecker
from .validate import CompiledSchema, ValidateOptions, compile_schema

FILE_KEY = "x-expect-file"
#: exchanges no interaction describes: counted, not findings (another client may call them)
UNCOVERED = frozenset({"api-path-undocumented", "api-method-undocumented"})


def spec_router(spec: Any) -> Callable[[str], str | None]:
    """A concrete path -> the spec's template (``None`` when no operation matches)."""
    ops = operations(spec, spec.root)
    data = spec.root.data if isinstance(spec.root.data, Mapping) else {}
    servers = data.get("servers")
    table = RouteTable([op.path for op in ops.values()],
                       base_paths_from_servers(servers if isinstance(servers, list) else None))

    def route(path: str) -> str | None:
        hit = table.match(path.split("?", 1)[0])
        return hit.template if hit is not None else None

    return route


def _tag(schema: Mapping[str, Any], source: str) -> dict[str, Any]:
    return {**schema, FILE_KEY: source}


def _alternatives(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    unique: list[dict[str, Any]] = []
    for s in schemas:
        if s not in unique:
            unique.append(s)
    return unique[0] if len(unique) == 1 else {"anyOf": unique}


def client_contract(exp: Expectations, route: Callable[[str], str | None] | None = None) -> dict[str, Any]:
    """The client's contract as an OpenAPI 3.1 document (compiled schemas, ``x-expect`` kept)."""
    ops: dict[tuple[str, str], list[Interaction]] = {}
    for inter in exp.interactions:
        path = inter.request.path.split("?", 1)[0]
        template = inter.operation.split(" ", 1)[1] if inter.operation else (route(path) if route else None)
        ops.setdefault((template or path, inter.request.method.lower()), []).append(inter)
    paths: dict[str, dict[str, Any]] = {}
    for (template, method), inters in sorted(ops.items()):
        op: dict[str, Any] = {"responses": {}}
        params: dict[str, dict[str, Any]] = {}
        for inter in inters:
            for q in inter.request.query:
                params.setdefault(q.name, {"name": q.name, "in": "query",
                                           "schema": _tag({"type": "string"}, inter.source.name)})
        for name in _names(template):
            params.setdefault("{" + name + "}", {"name": name, "in": "path", "required": True,
                                                 "schema": {"type": "string"}})
        if params:
            op["parameters"] = list(params.values())
        bodies: dict[str, list[dict[str, Any]]] = {}
        for inter in inters:
            b = inter.request.body
            if b is not None and b.schema is not None:
                bodies.setdefault(_media(b.content_type), []).append(_tag(b.schema, inter.source.name))
        if bodies:
            op["requestBody"] = {"content": {ct: {"schema": _alternatives(s)} for ct, s in bodies.items()}}
        by_status: dict[str, list[Interaction]] = {}
        for inter in inters:
            r = inter.response
            key = r.status_class.upper() if r.status_class and len(r.status_class) == 3 else (
                "default" if r.status_class == "default" else str(r.statuses[0]) if r.statuses else "default")
            by_status.setdefault(key, []).append(inter)
        for status, group in sorted(by_status.items()):
            resp: dict[str, Any] = {"description": "; ".join(sorted({i.description for i in group}))[:200]}
            content: dict[str, list[dict[str, Any]]] = {}
            headers: dict[str, Any] = {}
            for inter in group:
                b = inter.response.body
                if b is not None:
                    schema = b.schema if b.schema is not None else {}
                    content.setdefault(_media(b.content_type), []).append(_tag(schema, inter.source.name))
                for h in inter.response.headers:
                    if h.name.lower() != "content-type":
                        headers.setdefault(h.name, {"schema": _tag(h.schema, inter.source.name)})
            if content:
                resp["content"] = {ct: {"schema": _alternatives(s)} for ct, s in content.items()}
            if headers:
                resp["headers"] = headers
            op["responses"][status] = resp
        paths.setdefault(template, {})[method] = op
    consumers = sorted({i.consumer for i in exp.interactions if i.consumer})
    return {"openapi": "3.1.0", "info": {"title": "client expectations: " + (", ".join(consumers) or "client"),
                                        "version": "1"}, "paths": paths}


def _names(template: str) -> list[str]:
    import re

    return re.findall(r"\{([^{}/]+)\}", template)


def _media(ct: str | None) -> str:
    return (ct or "application/json").split(";", 1)[0].strip().lower()


def relocate(findings: Iterable[Finding], contract: Mapping[str, Any], docs: Mapping[str, ExpectDoc],
             consumers: str) -> tuple[list[Finding], int]:
    """Point findings into the expectation files and name the client; drop (and count) exchanges
    that no interaction describes."""
    out: list[Finding] = []
    uncovered = 0
    for f in findings:
        if f.rule_id in UNCOVERED:
            uncovered += f.evidence.observed if f.evidence is not None else 1
            continue
        loc = f.location
        revision = loc.revision
        if revision is not None:
            revision = _expect_location(contract, revision.pointer, docs) or revision
        args = {**f.args, "versus": "client expectations", "consumer": consumers}
        out.append(dataclasses.replace(f, args=args, location=dataclasses.replace(loc, revision=revision)))
    return out, uncovered


def _expect_location(contract: Mapping[str, Any], pointer: str, docs: Mapping[str, ExpectDoc]) -> SpecLocation | None:
    value: Any = contract
    best: str | None = None
    source: str | None = None
    for part in from_rfc6901(pointer):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and str(part).isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            break
        if isinstance(value, dict):
            if isinstance(value.get(FILE_KEY), str):
                source = value[FILE_KEY]
            if isinstance(value.get(SOURCE_KEY), str):
                best = value[SOURCE_KEY]
    if best is None or source is None or source not in docs:
        return None
    found = docs[source].locate(docs[source].root, from_rfc6901(best))
    return SpecLocation(found.pointer, found.position if isinstance(found.position, SourcePosition) else None)


# -- comparison 2: each exchange checked against ONE interaction -------------------------------------------


def _strip(path: str, bases: Iterable[str]) -> str:
    path = normalize_path(path.split("?", 1)[0])
    for base in sorted(bases, key=len, reverse=True):
        if path == base or path.startswith(base + "/"):
            return normalize_path(path[len(base):])
    return path


@dataclass(slots=True)
class _Candidate:
    index: int
    inter: Interaction
    path: str  # the interaction's path, base paths stripped
    template: str | None  # the spec's template for it (None without a spec)
    path_matcher: CompiledSchema | None
    query: list[tuple[str, CompiledSchema]]
    headers: list[tuple[str, CompiledSchema]]
    body: CompiledSchema | None


_MEMO = 100_000


class InteractionSelector:
    """Selects, for a recorded exchange, the ONE interaction that describes it.

    Candidates share the exchange's method and path (the interaction's literal path, its path
    matcher, or -- with a spec -- the same spec operation, servers' base paths stripped). Among
    them the most specific wins: fewest query parameters the interaction declares that the exchange
    does not send as declared, then most such parameters matched, then a literal path over a matcher
    over a template, then most request headers matched, then a request body the interaction's
    compiled schema accepts, then a response status the interaction accepts, then file order.
    ``None``: no interaction has the exchange's method and path.
    """

    def __init__(self, exp: Expectations, docs: Mapping[str, ExpectDoc],
                 route: Callable[[str], str | None] | None = None, base_paths: Iterable[str] = ()) -> None:
        self.route = route
        self.base_paths = tuple(normalize_path(b) for b in base_paths if normalize_path(b) != "/")
        self.interactions = exp.interactions
        self._memo: dict[tuple[int, str], bool] = {}
        self._by_method: dict[str, list[_Candidate]] = {}
        for i, inter in enumerate(exp.interactions):
            doc = docs.get(inter.source.name)
            if doc is None:
                doc = ExpectDoc(inter.source)

            def comp(schema: Mapping[str, Any] | None, pointer: str, doc: ExpectDoc = doc) -> CompiledSchema | None:
                if schema is None:
                    return None
                return compile_schema(doc.compiled(dict(schema), pointer), side=Side.REQUEST,
                                      options=ValidateOptions(undocumented=False))

            req = inter.request
            path = _strip(req.path, self.base_paths)
            template = inter.operation.split(" ", 1)[1] if inter.operation else (route(req.path) if route else None)
            body = req.body
            self._by_method.setdefault(req.method.upper(), []).append(_Candidate(
                index=i, inter=inter, path=path, template=template,
                path_matcher=comp(req.path_matcher, inter.pointer + "/request/path"),
                query=[(q.name, c) for q in req.query if (c := comp(q.schema, q.pointer)) is not None],
                headers=[(h.name.lower(), c) for h in req.headers if (c := comp(h.schema, h.pointer)) is not None],
                body=comp(body.schema, body.pointer) if body is not None and body.json else None))

    def select(self, ex: Exchange) -> Interaction | None:
        """The interaction that describes ``ex`` (see the class docstring), or ``None``."""
        hit = self.select_index(ex)
        return None if hit is None else self.interactions[hit]

    def _valid(self, schema: CompiledSchema, value: str) -> bool:
        """``schema.is_valid(value)`` for a string (query, header, path), memoized per schema and value:
        recorded traffic repeats the same values, and every candidate would validate them again."""
        key = (id(schema), value)
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) >= _MEMO:
                self._memo.clear()
            hit = self._memo[key] = schema.is_valid(value)
        return hit

    def select_index(self, ex: RecordedExchangeView) -> int | None:
        """The index in ``exp.interactions`` of :meth:`select`'s answer."""
        req = ex.request
        cands = self._by_method.get(req.method.upper())
        if not cands:
            return None
        raw_path, query = split_url(req.url)
        raw_path = unquote(raw_path) if "%" in raw_path else raw_path
        path = _strip(raw_path, self.base_paths)
        template: str | None = None
        templated = False
        ranked: list[tuple[tuple[int, ...], _Candidate]] = []
        for c in cands:
            if c.path == path or normalize_path(c.inter.request.path) == normalize_path(raw_path):
                path_rank = 2
            elif c.path_matcher is not None and (self._valid(c.path_matcher, raw_path)
                                                 or self._valid(c.path_matcher, path)):
                path_rank = 1
            else:
                if c.template is None or self.route is None:
                    continue
                if not templated:
                    template, templated = self.route(raw_path), True
                if template is None or normalize_path(template) != normalize_path(c.template):
                    continue
                path_rank = 0
            ranked.append(((path_rank,), c))
        if not ranked:
            return None
        if len(ranked) == 1:
            return ranked[0][1].index
        sent_query: dict[str, list[str]] = {}
        for k, v in parse_qsl(query, keep_blank_values=True):
            sent_query.setdefault(k, []).append(v)
        sent_headers: dict[str, list[str]] = {}
        for k, v in req.headers:
            sent_headers.setdefault(k.lower(), []).append(v)
        body_value: Any = None
        has_body = req.body.kind == "json"
        if has_body:
            body_value = req.body.json
        status = ex.response.status if ex.response is not None else None
        best: tuple[tuple[int, ...], int] | None = None
        for (path_rank,), c in ranked:
            q_ok = q_fail = 0
            for name, schema in c.query:
                values = sent_query.get(name)
                if values and all(self._valid(schema, v) for v in values):
                    q_ok += 1
                else:
                    q_fail += 1
            h_ok = sum(1 for name, schema in c.headers
                       if any(self._valid(schema, v) for v in sent_headers.get(name, ())))
            b_ok = int(has_body and c.body is not None and c.body.is_valid(body_value))
            s_ok = int(status is not None and _admits(c.inter, status))
            key = (-q_fail, q_ok, path_rank, h_ok, b_ok, s_ok, -c.index)
            if best is None or key > best[0]:
                best = (key, c.index)
        return best[1] if best is not None else None


_CLASSES = {"information": 1, "success": 2, "redirect": 3, "clienterror": 4, "servererror": 5, "error": 0}


def _admits(inter: Interaction, status: int) -> bool:
    r = inter.response
    if status in r.statuses:
        return True
    cls = (r.status_class or "").lower()
    if len(cls) == 3 and cls.endswith("xx") and cls[0].isdigit():
        return status // 100 == int(cls[0])
    if cls == "error":
        return status >= 400
    if cls in _CLASSES:
        return status // 100 == _CLASSES[cls]
    return cls == "default"


class ClientTrafficChecker:
    """Comparison 2 of issue 9: every recorded exchange checked against the ONE interaction that
    describes it (:class:`InteractionSelector`), by the traffic checker on that interaction's
    compiled contract (one lazily built :class:`~.traffic.SpecChecker` per selected interaction, so
    evidence counts are per interaction: n of the N exchanges it was selected for). Exchanges no
    interaction describes are counted per operation (:attr:`uncovered`), not findings."""

    def __init__(self, exp: Expectations, docs: Mapping[str, ExpectDoc], *,
                 route: Callable[[str], str | None] | None = None, servers: Any = None,
                 options: CheckOptions | None = None,
                 redact: Callable[[str | None, Any], Any] | None = None) -> None:
        self.exp = exp
        self.redact = redact  # examples in findings pass through it (the api gives the recorder's rules)
        self.docs = docs
        self.route = route
        self.servers = servers if isinstance(servers, list) else None
        self.options = options
        self.selector = InteractionSelector(exp, docs, route, base_paths_from_servers(self.servers))
        self.checkers: dict[int, tuple[SpecChecker, dict[str, Any]]] = {}
        self.unmatched: Counter[str] = Counter()  # per operation: exchanges no interaction describes
        self._unrouted: Counter[str] = Counter()  # selected by a path matcher, not routed by the contract
        self.selected: Counter[int] = Counter()
        self.exchanges = 0

    def _checker(self, index: int) -> tuple[SpecChecker, dict[str, Any]]:
        got = self.checkers.get(index)
        if got is None:
            from ..spec.load import load_spec_data

            inter = self.exp.interactions[index]
            contract = client_contract(Expectations(interactions=(inter,)), self.route)
            if self.servers:
                contract["servers"] = self.servers
            got = (SpecChecker(load_spec_data(contract, name="client expectations"), self.options,
                               redact=self.redact), contract)
            self.checkers[index] = got
        return got

    def add(self, ex: RecordedExchangeView) -> None:
        self.exchanges += 1
        index = self.selector.select_index(ex)
        if index is None:
            path, _ = split_url(ex.request.url)
            template = self.route(path) if self.route is not None else None
            self.unmatched[f"{ex.request.method.upper()} {template or normalize_path(path)}"] += 1
            return
        self.selected[index] += 1
        self._checker(index)[0].add(ex)

    def findings(self) -> list[Finding]:
        """Findings per selected interaction, pointed into the expectation files, naming the client
        (``consumer``) and the interaction (``interaction``, its description)."""
        out: list[Finding] = []
        self._unrouted = Counter()
        for index, (checker, contract) in sorted(self.checkers.items()):
            inter = self.exp.interactions[index]
            found, uncovered = relocate(checker.findings(), contract, self.docs, inter.consumer or "client")
            if uncovered:  # a path matcher selected it but the contract's literal path does not route it
                self._unrouted[f"{inter.request.method.upper()} {normalize_path(inter.request.path)}"] += uncovered
            for f in found:
                args = {**f.args, "interaction": inter.description}
                if inter.provider_states:
                    args["provider_states"] = list(inter.provider_states)
                out.append(dataclasses.replace(f, args=args))
        return out

    @property
    def uncovered(self) -> Counter[str]:
        """Exchanges counted, not checked, per operation: no interaction describes them (or, without a
        spec, one selected by its path matcher has a literal path that does not route them); complete
        after :meth:`findings`."""
        return self.unmatched + self._unrouted

    @property
    def aggregate(self) -> CheckAggregate:
        """All interactions' aggregates merged (run notes: what could not be checked)."""
        out = CheckAggregate()
        for checker, _ in self.checkers.values():
            out = out.merge(checker.aggregate)
        return out
