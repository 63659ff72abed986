"""Comparison 3 of issue 9: the three-way view per field -- what the spec says, what each client
expects, what the service sent (or, for request bodies, what the clients sent) -- and the response
fields that are safe to change.

Built after the three pairs were checked (traffic vs spec, traffic vs clients, clients vs spec):
every response field, every JSON request body field, every request parameter (query, header, path,
cookie) and every response header some pair disagrees on becomes one row (operation, side, status
key for responses, payload pointer -- folded for bodies, ``/query/NAME``, ``/headers/NAME``...) with
the spec's schema there, each client's compiled expectation there (named by its Pact consumer name
and interaction) and how the recorded exchanges carried it (:class:`FieldCensus`). Rows are data
(the report's ``coverage["three_way"]``); text is rendered in ``report/``.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..expect.model import Expectations, Interaction
from ..model import (
    Finding,
    JSONValue,
    RecordedExchangeView,
    Side,
    from_rfc6901,
    header_get,
    split_url,
    to_rfc6901,
)
from ..spec.routes import RouteTable, normalize_path
from .traffic import example_value

__all__ = ["FieldCensus", "safe_to_change", "schema_at", "three_way_rows"]

_MAX_DEPTH = 32
_MAX_ITEMS = 50
_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"), (dict, "object"))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    for cls, name in _TYPES:
        if isinstance(value, cls):
            return name
    return type(value).__name__


#: the census key standing for an operation's request bodies (response keys are status codes)
REQUEST = "request"


class FieldCensus:
    """Per operation and response status (and per operation's requests, under :data:`REQUEST`): how
    many JSON bodies, and per folded payload pointer in how many of them each JSON type was sent
    (once per body), with the first value seen; and how many exchanges, and in how many of them each
    parameter (``/query/NAME``, ``/header/NAME``, ``/path/NAME``, ``/cookie/NAME``) and response
    header (``/headers/NAME``, names lower-cased) was sent, with its first value."""

    def __init__(self, route: Callable[[str], str | None],
                 redact: Callable[[str | None, Any], Any] | None = None) -> None:
        self.route = route
        self.redact = redact  # the first value of a field passes through it before a report shows it
        self.responses: Counter[tuple[str, str]] = Counter()
        self.fields: dict[tuple[str, str], dict[str, Counter[str]]] = {}
        self.present: dict[tuple[str, str], Counter[str]] = {}  # responses carrying the field at all
        self.examples: dict[tuple[str, str, str], JSONValue] = {}
        self.exchanges: Counter[tuple[str, str]] = Counter()  # every routed request / response per status
        self.params: dict[tuple[str, str], Counter[str]] = {}  # exchanges carrying a parameter or header
        self.param_examples: dict[tuple[str, str, str], JSONValue] = {}

    def add(self, ex: RecordedExchangeView) -> None:
        path, query = split_url(ex.request.url)
        template = self.route(path)
        if template is None:
            return
        label = f"{ex.request.method.upper()} {template}"
        resp = ex.response
        self._params((label, REQUEST), _request_params(path, query, template, ex.request.headers))
        if ex.request.body.kind == "json":
            self._body((label, REQUEST), ex.request.body.json)
        if resp is not None:
            status = str(resp.status)
            self._params((label, status), [(("headers", k.lower()), v) for k, v in resp.headers])
            if resp.body.kind == "json":
                self._body((label, status), resp.body.json)

    def _params(self, key: tuple[str, str], sent: Iterable[tuple[tuple[str, str], str]]) -> None:
        self.exchanges[key] += 1
        counts = self.params.setdefault(key, Counter())
        seen = set()
        for (where, name), value in sent:
            pointer = to_rfc6901((where, name))
            if pointer in seen:
                continue
            seen.add(pointer)
            counts[pointer] += 1
            at = (key[0], key[1], pointer)
            if at not in self.param_examples:
                shown: JSONValue = example_value(value, limit=80)
                self.param_examples[at] = self.redact(name, shown) if self.redact is not None else shown

    def _body(self, key: tuple[str, str], value: Any) -> None:
        self.responses[key] += 1
        seen: dict[tuple[str, str], Any] = {}
        _walk(value, (), seen, 0)
        fields = self.fields.setdefault(key, {})
        self.present.setdefault(key, Counter()).update({pointer for pointer, _ in seen})
        for (pointer, kind), value in seen.items():
            fields.setdefault(pointer, Counter())[kind] += 1
            where = (key[0], key[1], pointer)
            if where not in self.examples:
                shown = example_value(value, limit=80, depth=1)
                if self.redact is not None:
                    name = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
                    shown = self.redact(None if name == "*" else name, shown)
                self.examples[where] = shown

    def sent(self, operation: str, status: str, pointer: str) -> tuple[int, dict[str, int], int, JSONValue]:
        """(responses N, {json type: responses carrying the field with it}, responses carrying it at
        all, first value) for a status key. A field under ``*`` may have several types in one response."""
        total = present = 0
        kinds: Counter[str] = Counter()
        example: JSONValue = None
        for key, n in _matching(self.responses, operation, status):
            total += n
            present += self.present.get(key, Counter())[pointer]
            kinds.update(self.fields.get(key, {}).get(pointer, Counter()))
            if example is None:
                example = self.examples.get((*key, pointer))
        return total, dict(sorted(kinds.items())), present, example

    def carried(self, operation: str, status: str, pointer: str) -> bool:
        return bool(self.sent(operation, status, pointer)[2])

    def sent_param(self, operation: str, status: str, pointer: str) -> tuple[int, int, JSONValue]:
        """(exchanges N -- requests, or responses with the status key --, exchanges carrying the
        parameter or header at ``pointer``, its first value)."""
        total = present = 0
        example: JSONValue = None
        for key, n in _matching(self.exchanges, operation, status):
            total += n
            present += self.params.get(key, Counter())[pointer]
            if example is None:
                example = self.param_examples.get((*key, pointer))
        return total, present, example


def _matching(counts: Counter[tuple[str, str]], operation: str, status: str) -> Iterator[tuple[tuple[str, str], int]]:
    """The ``(operation, status key)`` counts of an operation's requests (``status``
    :data:`REQUEST`) or of its responses a status key covers, in order."""
    for key, n in sorted(counts.items()):
        if key[0] == operation and (key[1] == REQUEST) == (status == REQUEST) and _status_matches(status, key[1]):
            yield key, n


def _request_params(path: str, query: str, template: str,
                    headers: Iterable[tuple[str, str]]) -> list[tuple[tuple[str, str], str]]:
    """What a request sent per parameter place: query pairs, headers (lower-cased), cookies and the
    values of the template's path parameters (percent-decoded)."""
    out: list[tuple[tuple[str, str], str]] = [(("query", k), v) for k, v in parse_qsl(query, keep_blank_values=True)]
    out += [(("header", k.lower()), v) for k, v in headers]
    cookie = header_get(tuple(headers), "cookie")
    for part in (cookie or "").split(";"):
        name, eq, value = part.strip().partition("=")
        if name:
            out.append((("cookie", name), value if eq else ""))
    if "{" in template:  # the template names the path's last segments (the servers' base path is before them)
        depth = template.strip("/").count("/") + 1
        hit = _template_table(template).match_pair("/" + "/".join(path.strip("/").split("/")[-depth:]))
        if hit is not None:
            out += [(("path", name), unquote(value)) for name, value in hit[1].items()]
    return out


@functools.lru_cache(maxsize=256)
def _template_table(template: str) -> RouteTable:
    """A route table of one template (its values, partial segments such as ``{name}.{ext}`` too)."""
    return RouteTable([template])


def _walk(value: Any, at: tuple[str | int, ...], seen: dict[tuple[str, str], Any], depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    if at:
        seen.setdefault((to_rfc6901(at), _json_type(value)), value)
    if isinstance(value, dict):
        for k, v in value.items():
            _walk(v, (*at, str(k)), seen, depth + 1)
    elif isinstance(value, list):
        for v in value[:_MAX_ITEMS]:
            _walk(v, (*at, "*"), seen, depth + 1)


def _status_matches(key: str | None, code: str) -> bool:
    if key is None or key == "default" or key == code:
        return True
    return len(key) == 3 and key[1:].upper() == "XX" and key[0] == code[:1]


# -- schemas at a payload pointer ----------------------------------------------------------------------------


def _deref(schema: Any, root: Any, seen: frozenset[str] = frozenset()) -> Any:
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
        ref = schema["$ref"]
        if not ref.startswith("#") or ref in seen:
            return None
        seen = seen | {ref}
        target: Any = root
        for part in from_rfc6901(ref[1:]):
            target = target.get(str(part)) if isinstance(target, Mapping) else None
        schema = target
    return schema


def _branches(schema: Any, root: Any, depth: int = 0) -> list[Mapping[str, Any]]:
    schema = _deref(schema, root)
    if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
        return []
    out = [schema]
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or ():
            out += _branches(sub, root, depth + 1)
    return out


def schema_at(schema: Any, pointer: str, root: Any = None) -> tuple[list[Mapping[str, Any]], bool] | None:
    """The schemas describing the value at a folded payload pointer (``*`` = every item), with whether
    the last property is required; ``None`` when the schema says nothing about that place. ``$ref``
    is resolved against ``root`` (local references only)."""
    current = _branches(schema, root)
    required = True
    for part in from_rfc6901(pointer) if pointer else ():
        nxt: list[Mapping[str, Any]] = []
        required = False
        for s in current:
            if part == "*":
                for key in ("items", "additionalItems"):
                    if isinstance(s.get(key), Mapping):
                        nxt += _branches(s[key], root)
            else:
                props = s.get("properties")
                if isinstance(props, Mapping) and part in props:
                    nxt += _branches(props[part], root)
                    required = required or part in (s.get("required") or ())
                elif isinstance(s.get("additionalProperties"), Mapping):
                    nxt += _branches(s["additionalProperties"], root)
        if not nxt:
            return None
        # `required` may sit on a sibling branch (allOf: [{properties}, {required}])
        required = required or any(part in (s.get("required") or ()) for s in current)
        current = nxt
    return current, required


def describe(found: tuple[list[Mapping[str, Any]], bool] | None) -> dict[str, JSONValue] | None:
    """A small summary of :func:`schema_at`'s answer: types, format, pattern, enum, required."""
    if found is None:
        return None
    schemas, required = found
    types: set[str] = set()
    out: dict[str, JSONValue] = {}
    for s in schemas:
        t = s.get("type")
        types.update([t] if isinstance(t, str) else [x for x in t if isinstance(x, str)] if isinstance(t, list) else [])
        if s.get("nullable") is True:
            types.add("null")
        for key in ("format", "pattern"):
            if isinstance(s.get(key), str) and key not in out:
                out[key] = s[key]
        if "const" in s and "enum" not in out:
            out["enum"] = [s["const"]]
        if isinstance(s.get("enum"), list) and "enum" not in out:
            out["enum"] = list(s["enum"])
    kinds: list[JSONValue] = list(sorted(types))
    out = {"type": kinds if kinds else "any", **out, "required": required}
    return out


# -- the rows ------------------------------------------------------------------------------------------------


def _spec_response_schema(spec_data: Any, operation: str, status: str | None) -> tuple[Any, bool]:
    """(the spec's JSON response schema for an operation label and status key, found)."""
    method, _, path = operation.partition(" ")
    paths = spec_data.get("paths") if isinstance(spec_data, Mapping) else None
    item = _deref(paths.get(path), spec_data) if isinstance(paths, Mapping) else None
    op = item.get(method.lower()) if isinstance(item, Mapping) else None
    responses = op.get("responses") if isinstance(op, Mapping) else None
    if not isinstance(responses, Mapping) or status is None:
        return None, False
    resp = _deref(responses.get(status), spec_data)
    content = resp.get("content") if isinstance(resp, Mapping) else None
    if not isinstance(content, Mapping):
        return None, isinstance(resp, Mapping)
    for media, obj in content.items():
        if "json" in str(media).lower() and isinstance(obj, Mapping):
            return obj.get("schema"), True
    return None, True


def _spec_request_schema(spec_data: Any, operation: str) -> Any:
    """The spec's JSON request body schema of an operation label (``None``: none)."""
    method, _, path = operation.partition(" ")
    paths = spec_data.get("paths") if isinstance(spec_data, Mapping) else None
    item = _deref(paths.get(path), spec_data) if isinstance(paths, Mapping) else None
    op = item.get(method.lower()) if isinstance(item, Mapping) else None
    body = _deref(op.get("requestBody"), spec_data) if isinstance(op, Mapping) else None
    content = body.get("content") if isinstance(body, Mapping) else None
    for media, obj in content.items() if isinstance(content, Mapping) else ():
        if "json" in str(media).lower() and isinstance(obj, Mapping):
            return obj.get("schema")
    return None


def _spec_operation(spec_data: Any, operation: str) -> tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]:
    """(the spec's path item, its operation object) for an operation label."""
    method, _, path = operation.partition(" ")
    paths = spec_data.get("paths") if isinstance(spec_data, Mapping) else None
    item = _deref(paths.get(path), spec_data) if isinstance(paths, Mapping) else None
    item = item if isinstance(item, Mapping) else None
    op = item.get(method.lower()) if item is not None else None
    return item, op if isinstance(op, Mapping) else None


def _value_schema(obj: Mapping[str, Any]) -> Any:
    """The schema of a parameter or header object: ``schema``, the first ``content`` entry's, or the
    object itself (Swagger 2.0 writes ``type`` inline)."""
    if isinstance(obj.get("schema"), Mapping):
        return obj["schema"]
    content = obj.get("content")
    for media in content.values() if isinstance(content, Mapping) else ():
        if isinstance(media, Mapping) and isinstance(media.get("schema"), Mapping):
            return media["schema"]
    return obj


def _spec_parameter(spec_data: Any, operation: str, where: str, name: str) -> Mapping[str, Any] | None:
    """The spec's parameter object (the operation's over its path item's; headers by any case)."""
    item, op = _spec_operation(spec_data, operation)
    found: Mapping[str, Any] | None = None
    for holder in (item, op):
        for param in holder.get("parameters") or () if holder is not None else ():
            param = _deref(param, spec_data)
            if not isinstance(param, Mapping) or param.get("in") != where:
                continue
            pname = str(param.get("name"))
            if pname == name or (where == "header" and pname.lower() == name.lower()):
                found = param
    return found


def _spec_response_header(spec_data: Any, operation: str, status: str, name: str) -> Mapping[str, Any] | None:
    _, op = _spec_operation(spec_data, operation)
    responses = op.get("responses") if op is not None else None
    resp = _deref(responses.get(status), spec_data) if isinstance(responses, Mapping) else None
    headers = resp.get("headers") if isinstance(resp, Mapping) else None
    for hname, header in headers.items() if isinstance(headers, Mapping) else ():
        if str(hname).lower() == name.lower():
            header = _deref(header, spec_data)
            return header if isinstance(header, Mapping) else None
    return None


def _interactions(exp: Expectations, route: Callable[[str], str | None], operation: str,
                  status: str | None) -> list[Interaction]:
    """The interactions of an operation (for :data:`REQUEST`: every one; for a response status key:
    those whose response the status may be)."""
    from .expect_traffic import _admits

    method, _, path = operation.partition(" ")
    out = []
    for inter in exp.interactions:
        if inter.request.method.upper() != method:
            continue
        template = inter.operation.split(" ", 1)[1] if inter.operation else route(inter.request.path)
        if template is None or normalize_path(template) != normalize_path(path):
            continue
        if status != REQUEST and status is not None and status != "default" and not any(
                _status_matches(status, str(code)) for code in inter.response.statuses) and not (
                status.isdigit() and _admits(inter, int(status))):
            continue
        out.append(inter)
    return out


def _client_schemas(exp: Expectations, route: Callable[[str], str | None], operation: str,
                    status: str | None) -> list[tuple[Interaction, Any]]:
    out = []
    for inter in _interactions(exp, route, operation, status):
        body = inter.request.body if status == REQUEST else inter.response.body  # what it sends / reads
        out.append((inter, body.schema if body is not None else None))
    return out


class _Roots:
    """The parsed expectation file an interaction's compiled schemas resolve ``$ref`` against (JSON
    Schema expectations files may reference their own definitions), parsed once per file."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    def __call__(self, inter: Interaction) -> Any:
        name = inter.source.name
        if name not in self._data:
            from .expect import ExpectDoc

            try:
                self._data[name] = ExpectDoc(inter.source).data() if inter.source.kind == "json-schema" else None
            except ValueError:
                self._data[name] = None
        return self._data[name]


_PARAM_PLACES = frozenset({"query", "header", "path", "cookie"})


def _place(f: Finding) -> tuple[bool, bool, str, str, str] | None:
    """(request side, a parameter's or header's place, operation, status key, pointer) of a finding's
    three-way row, or ``None``. Parameters and response headers carry no media type; body fields do."""
    loc = f.location
    pointer = loc.payload_pointer
    if not pointer or loc.operation is None:
        return None
    parts = from_rfc6901(pointer)
    if loc.side is Side.RESPONSE:
        header = loc.media_type is None and len(parts) >= 2 and parts[0] == "headers"
        return False, header, loc.operation, loc.status or "default", _param_pointer(parts) if header else pointer
    if loc.side is not Side.REQUEST:
        return None
    if loc.media_type is not None:
        return (True, False, loc.operation, REQUEST, pointer) if "json" in loc.media_type.lower() else None
    if len(parts) >= 2 and parts[0] in _PARAM_PLACES:
        return True, True, loc.operation, REQUEST, _param_pointer(parts)
    return None


def _param_pointer(parts: tuple[str | int, ...]) -> str:
    """``/query/NAME``, ``/header/name``, ``/headers/name``: header names in lower case (as counted)."""
    where, name = str(parts[0]), str(parts[1])
    return to_rfc6901((where, name.lower() if where in ("header", "headers") else name))


def _param_row(operation: str, status: str, pointer: str, spec_data: Any, exp: Expectations,
               census: FieldCensus, route: Callable[[str], str | None]) -> dict[str, JSONValue]:
    """The row of a request parameter (``/query/NAME``...) or a response header (``/headers/NAME``)."""
    where, name = (str(x) for x in from_rfc6901(pointer)[:2])
    request = status == REQUEST
    if request:
        obj = _spec_parameter(spec_data, operation, where, name)
    else:
        obj = _spec_response_header(spec_data, operation, status, name)
    spec = None
    if obj is not None:
        spec = describe(schema_at(_value_schema(obj), "", spec_data))
        if spec is not None:
            spec["required"] = where == "path" or obj.get("required") is True
    clients: list[JSONValue] = []
    for inter in _interactions(exp, route, operation, status):
        values = {"query": inter.request.query, "header": inter.request.headers,
                  "headers": inter.response.headers}.get(where, ())
        declared = [v for v in values if v.name == name or (where != "query" and v.name.lower() == name.lower())]
        clients.append({"consumer": inter.consumer or "client", "interaction": inter.description,
                        "expects": describe((list(d.schema for d in declared), True)) if declared else None})
    total, present, example = census.sent_param(operation, status, pointer)
    return {"operation": operation, "side": "request" if request else "response",
            "status": None if request else status, "in": "header" if where == "headers" else where,
            "name": name, "pointer": pointer, "spec": spec, "clients": clients,
            "traffic": {"requests" if request else "responses": total, "carried": present,
                        "absent": total - present, "example": example}}


def three_way_rows(findings: Iterable[Finding], spec_data: Any, exp: Expectations, census: FieldCensus,
                   route: Callable[[str], str | None]) -> list[dict[str, JSONValue]]:
    """One row per place some pair disagrees on (see the module docstring): response rows first (body
    fields, then headers), then request rows (body fields, then parameters), each sorted by
    operation, status and pointer."""
    roots = _Roots()
    places: dict[tuple[bool, bool, str, str, str], set[str]] = {}
    for f in findings:
        place = _place(f)
        if place is not None:
            places.setdefault(place, set()).add(f.rule_id)
    rows: list[dict[str, JSONValue]] = []
    for (request, param, operation, status, pointer), rules in sorted(places.items()):
        if param:
            rows.append({**_param_row(operation, status, pointer, spec_data, exp, census, route),
                         "rules": list[JSONValue](sorted(rules))})
            continue
        schema = _spec_request_schema(spec_data, operation) if request else \
            _spec_response_schema(spec_data, operation, status)[0]
        spec = describe(schema_at(schema, pointer, spec_data)) if schema is not None else None
        clients: list[JSONValue] = []
        for inter, body in _client_schemas(exp, route, operation, status):
            clients.append({"consumer": inter.consumer or "client", "interaction": inter.description,
                            "expects": describe(schema_at(body, pointer, roots(inter))) if body is not None else None})
        total, kinds, present, example = census.sent(operation, status, pointer)
        rows.append({"operation": operation, "side": "request" if request else "response",
                     "status": None if request else status, "pointer": pointer, "spec": spec,
                     "clients": clients,
                     "traffic": {"requests" if request else "responses": total, "sent": dict(kinds),
                                 "absent": total - present, "example": example},
                     "rules": list[JSONValue](sorted(rules))})
    return rows


def _properties(schema: Any, root: Any, at: tuple[str, ...], out: list[str], depth: int, refs: frozenset[str]) -> None:
    if depth > 8:
        return
    for s in _branches(schema, root):
        ref = s.get("$ref")
        if isinstance(ref, str) and ref in refs:
            continue
        props = s.get("properties")
        if isinstance(props, Mapping):
            for name, sub in props.items():
                pointer = (*at, str(name))
                out.append(to_rfc6901(pointer))
                _properties(sub, root, pointer, out, depth + 1, refs)
        if isinstance(s.get("items"), Mapping):
            _properties(s["items"], root, (*at, "*"), out, depth + 1, refs)


def safe_to_change(spec_data: Any, exp: Expectations, census: FieldCensus,
                   route: Callable[[str], str | None]) -> list[dict[str, JSONValue]]:
    """What the spec documents that no client relies on and no recorded exchange carries, per
    operation: response fields (JSON bodies, per documented status) no interaction's compiled
    response describes and no recorded response carries; JSON request body fields no interaction's
    request body describes and no recorded request sent; optional parameters (query, header, cookie)
    no interaction sends and no recorded request sent. A field's children are not listed again under it."""
    out: list[dict[str, JSONValue]] = []
    roots = _Roots()
    paths = spec_data.get("paths") if isinstance(spec_data, Mapping) else None
    for path, item in sorted(paths.items()) if isinstance(paths, Mapping) else ():
        item = _deref(item, spec_data)
        if not isinstance(item, Mapping):
            continue
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            op = item.get(method)
            if not isinstance(op, Mapping):
                continue
            label = f"{method.upper()} {path}"
            statuses = sorted(op["responses"]) if isinstance(op.get("responses"), Mapping) else []
            for status in statuses:
                schema, _ = _spec_response_schema(spec_data, label, str(status))
                out += [{"operation": label, "side": "response", "status": str(status), "pointer": pointer}
                        for pointer in _unused_fields(schema, spec_data, exp, census, route, label, str(status), roots)]
            schema = _spec_request_schema(spec_data, label)
            out += [{"operation": label, "side": "request", "status": None, "pointer": pointer}
                    for pointer in _unused_fields(schema, spec_data, exp, census, route, label, REQUEST, roots)]
            out += [{"operation": label, "side": "request", "status": None, "in": where, "name": name,
                     "pointer": to_rfc6901((where, name))}
                    for where, name in _unused_parameters(item, op, spec_data, exp, census, route, label)]
    return out


def _unused_fields(schema: Any, spec_data: Any, exp: Expectations, census: FieldCensus,
                   route: Callable[[str], str | None], label: str, status: str, roots: _Roots) -> list[str]:
    """Pointers of ``schema``'s properties no client's body schema for ``status`` (:data:`REQUEST`:
    the request's) describes and no recorded body carried; children of one listed are left out."""
    if schema is None:
        return []
    pointers: list[str] = []
    _properties(schema, spec_data, (), pointers, 0, frozenset())
    clients = [(body, roots(inter)) for inter, body in _client_schemas(exp, route, label, status) if body is not None]
    listed: list[str] = []
    for pointer in sorted(set(pointers)):
        if any(pointer.startswith(p + "/") for p in listed):
            continue
        if census.carried(label, status, pointer):
            continue
        if any(schema_at(body, pointer, root) is not None for body, root in clients):
            continue
        listed.append(pointer)
    return listed


def _unused_parameters(item: Mapping[str, Any], op: Mapping[str, Any], spec_data: Any, exp: Expectations,
                       census: FieldCensus, route: Callable[[str], str | None], label: str) -> list[tuple[str, str]]:
    """``(in, name)`` of the operation's optional parameters (not path ones; header names in lower
    case) that no interaction sends and no recorded request carried."""
    declared: dict[tuple[str, str], bool] = {}
    for holder in (item, op):
        for param in holder.get("parameters") or ():
            param = _deref(param, spec_data)
            where = param.get("in") if isinstance(param, Mapping) else None
            if where in ("query", "header", "cookie") and isinstance(param.get("name"), str):
                name = param["name"].lower() if where == "header" else param["name"]
                declared[(where, name)] = param.get("required") is True
    if not declared:
        return []
    sent: set[tuple[str, str]] = set()
    cookies = False  # a client sending a Cookie header may send any cookie: none is listed then
    for inter in _interactions(exp, route, label, REQUEST):
        sent |= {("query", v.name) for v in inter.request.query}
        sent |= {("header", v.name.lower()) for v in inter.request.headers}
        cookies = cookies or ("header", "cookie") in sent
    out = []
    for (where, name), required in sorted(declared.items()):
        pointer = to_rfc6901((where, name))
        if required or (where, name) in sent or (where == "cookie" and cookies) or \
                census.sent_param(label, REQUEST, pointer)[1]:
            continue
        out.append((where, name))
    return out
