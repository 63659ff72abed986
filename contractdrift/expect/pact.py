"""Pact files (specification V1–V4) -> compiled :class:`~.model.Interaction` values.

V1/V2: ``interactions[]`` with a flat ``matchingRules`` map (``$.body.a``, ``$.header.X``,
``$.query.q``, ``$.path``); V3: the same with ``matchingRules``/``generators`` by category and
``providerStates``; V4: ``interactions[]`` typed ``Synchronous/HTTP`` (others are messages: counted,
not checked), headers and query as lists, bodies in ``{contentType, encoded, content}``.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from ..errors import InputError
from ..model import to_rfc6901
from .matchers import Compiler, RuleList, _esc, parse_path, rule_list
from .model import (
    SOURCE_KEY,
    Body,
    CompiledValue,
    ExpectedRequest,
    ExpectedResponse,
    ExpectSource,
    Interaction,
    Note,
)

SUPPORTED = ("1", "2", "3", "4")
_STATUS_CLASSES = {
    "info": range(100, 200), "success": range(200, 300), "redirect": range(300, 400),
    "clientError": range(400, 500), "serverError": range(500, 600), "nonError": range(100, 400),
    "error": range(400, 600),
}


def pact_version(doc: Mapping[str, Any], name: str) -> str:
    """The major specification version of a Pact document ("1".."4"); unknown versions fail."""
    meta = doc.get("metadata")
    raw: Any = None
    if isinstance(meta, dict):
        for key in ("pactSpecification", "pact-specification"):
            v = meta.get(key)
            if isinstance(v, dict) and "version" in v:
                raw = v["version"]
                break
        if raw is None:
            raw = meta.get("pactSpecificationVersion")
    if raw is None:
        return "2"  # V1/V2 files often carry no metadata; V2 reads V1
    major = str(raw).strip().lstrip("vV").split(".", 1)[0]
    if major not in SUPPORTED:
        raise InputError(f"unknown Pact specification version {raw!r} (supported: 1 to 4)", file=name,
                         pointer="/metadata")
    return major


def load_pact(doc: Any, name: str, text: str | None = None) -> tuple[list[Interaction], list[Note], ExpectSource]:
    if not isinstance(doc, dict):
        raise InputError("a Pact file must be a JSON object", file=name)
    version = pact_version(doc, name)
    consumer = _name(doc.get("consumer"))
    provider = _name(doc.get("provider"))
    source = ExpectSource(name=name, kind="pact", text=text, version=version, consumer=consumer, provider=provider)
    interactions: list[Interaction] = []
    notes: list[Note] = []
    for i, m in enumerate(doc.get("messages") or ()):
        desc = m.get("description") if isinstance(m, dict) else None
        notes.append(Note(code="interaction-not-checked", message="message interaction: not an HTTP exchange, "
                          "not checked against the spec", source=name, pointer=f"/messages/{i}",
                          interaction=str(desc) if desc else None))
    raw = doc.get("interactions")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise InputError("'interactions' must be a list", file=name, pointer="/interactions")
    for i, item in enumerate(raw):
        ptr = f"/interactions/{i}"
        if not isinstance(item, dict):
            raise InputError("an interaction must be an object", file=name, pointer=ptr)
        kind = item.get("type")
        desc = str(item.get("description", f"interaction {i}"))
        if version == "4" and kind is not None and kind != "Synchronous/HTTP":
            notes.append(Note(code="interaction-not-checked", message=f"{kind} interaction: not an HTTP exchange, "
                              "not checked against the spec", source=name, pointer=ptr, interaction=desc))
            continue
        if not isinstance(item.get("request"), dict) or not isinstance(item.get("response"), dict):
            raise InputError("an HTTP interaction needs a 'request' and a 'response' object", file=name, pointer=ptr)
        interactions.append(_interaction(item, ptr, version, source, notes))
    return interactions, notes, source


def _name(v: Any) -> str | None:
    if isinstance(v, dict) and isinstance(v.get("name"), str):
        return str(v["name"])
    return None


def _states(item: Mapping[str, Any], name: str, ptr: str) -> tuple[str, ...]:
    out: list[str] = []
    for key in ("providerState", "provider_state"):
        if isinstance(item.get(key), str):
            out.append(item[key])
    states = item.get("providerStates")
    if states is None:
        states = []
    if not isinstance(states, list):
        raise InputError("'providerStates' must be a list", file=name, pointer=f"{ptr}/providerStates")
    for st in states:
        if isinstance(st, dict) and isinstance(st.get("name"), str):
            params = st.get("params")
            out.append(st["name"] + (f" {json.dumps(params, sort_keys=True)}" if params else ""))
    return tuple(out)


def _categories(part: Mapping[str, Any], ptr: str, version: str, key: str = "matchingRules"
                ) -> dict[str, dict[str, RuleList]]:
    """Matching rules (or generators) of a request/response, by category, in the V3 shape."""
    raw = part.get(key)
    out: dict[str, dict[str, RuleList]] = {}
    if not isinstance(raw, dict):
        return out
    base = f"{ptr}/{key}"
    if version in ("1", "2") or any(str(k).startswith("$") for k in raw):
        for k, entry in raw.items():
            k = str(k)
            try:
                tokens = parse_path(k)
            except ValueError:
                continue
            if len(tokens) < 2 or not isinstance(tokens[1], str):
                continue
            cat = {"headers": "header"}.get(tokens[1], tokens[1])
            rl = rule_list(entry, f"{base}/{_esc(k)}")
            if rl is None:
                continue
            if cat == "body":
                rest = k.split("body", 1)[1]
                out.setdefault("body", {})["$" + rest] = rl
            elif cat in ("header", "query") and len(tokens) > 2:
                out.setdefault(cat, {})[str(tokens[2])] = rl
            elif cat in ("path", "status"):
                out.setdefault(cat, {})[""] = rl
        return out
    for cat, entries in raw.items():
        cat = {"headers": "header"}.get(str(cat), str(cat))
        cptr = f"{base}/{_esc(cat)}"
        if cat in ("path", "status") and isinstance(entries, dict) and "matchers" in entries:
            rl = rule_list(entries, cptr)
            if rl is not None:
                out.setdefault(cat, {})[""] = rl
            continue
        if isinstance(entries, dict):
            for k, entry in entries.items():
                rl = rule_list(entry, f"{cptr}/{_esc(k)}")
                if rl is not None:
                    out.setdefault(cat, {})[str(k)] = rl
    return out


def _generators(part: Mapping[str, Any], ptr: str) -> tuple[frozenset[tuple[Any, ...]], dict[tuple[Any, ...], str]]:
    raw = part.get("generators")
    paths: dict[tuple[Any, ...], str] = {}
    if isinstance(raw, dict) and isinstance(raw.get("body"), dict):
        for k in raw["body"]:
            try:
                paths[parse_path(str(k))] = f"{ptr}/generators/body/{_esc(k)}"
            except ValueError:
                continue
    return frozenset(paths), paths


def _interaction(item: Mapping[str, Any], ptr: str, version: str, source: ExpectSource,
                 notes: list[Note]) -> Interaction:
    desc = str(item.get("description", ptr))
    req, resp = item["request"], item["response"]
    rptr, sptr = f"{ptr}/request", f"{ptr}/response"
    req_rules = _categories(req, rptr, version)
    resp_rules = _categories(resp, sptr, version)
    name = source.name

    def note(code: str, message: str, pointer: str) -> None:
        notes.append(Note(code=code, message=message, source=name, pointer=pointer, interaction=desc))

    method = str(req.get("method", "GET")).upper()
    path = str(req.get("path", "/"))
    path_rules = req_rules.get("path", {}).get("")
    path_matcher = None
    if path_rules is not None:
        c = Compiler({"$": path_rules}, True, name, desc, f"{rptr}/path")
        path_matcher = c.compile(path)
        notes.extend(c.notes)
        note("path-matcher", "path matcher: the example path is routed; other paths the matcher admits are not "
             "checked", path_rules.pointer)
    req_headers = _headers(req.get("headers"))
    query = _values(_query(req.get("query"), name, f"{rptr}/query"), req_rules.get("query", {}), True, name, desc,
                    f"{rptr}/query", notes)
    headers = _values(req_headers, _ci(req_rules.get("header", {})), True, name, desc, f"{rptr}/headers", notes)
    body = _body(req, rptr, version, req_headers, req_rules.get("body", {}), True, name, desc, notes)
    status = resp.get("status", 200)
    if not isinstance(status, int):
        try:
            status = int(str(status))
        except ValueError:
            raise InputError(f"response status {status!r} is not a number", file=name,
                             pointer=f"{sptr}/status") from None
    statuses: tuple[int, ...] = (status,)
    status_class = None
    srule = resp_rules.get("status", {}).get("")
    if srule is not None:
        for m in srule.matchers:
            if m.get("match") == "statusCode":
                spec = m.get("status")
                if isinstance(spec, list):
                    statuses = tuple(int(s) for s in spec if isinstance(s, int))
                elif isinstance(spec, str) and spec in _STATUS_CLASSES:
                    status_class = spec
                    statuses = tuple(_STATUS_CLASSES[spec])
    resp_headers = _headers(resp.get("headers"))
    rheaders = _values(resp_headers, _ci(resp_rules.get("header", {})), False, name, desc, f"{sptr}/headers", notes)
    rbody = _body(resp, sptr, version, resp_headers, resp_rules.get("body", {}), False, name, desc, notes)
    for cat in ("request", "response"):
        part = req if cat == "request" else resp
        gens = part.get("generators")
        if isinstance(gens, dict) and gens:
            note("generator-ignored", f"{cat} generators replace example values at verification time; they are "
                 "not constraints (a generated value without a matcher is compared by type)",
                 f"{ptr}/{cat}/generators")
    return Interaction(description=desc, source=source, pointer=ptr,
                       request=ExpectedRequest(method=method, path=path, path_matcher=path_matcher, query=query,
                                               headers=headers, body=body),
                       response=ExpectedResponse(statuses=statuses, status_class=status_class, headers=rheaders,
                                                 body=rbody),
                       provider_states=_states(item, name, ptr))


def _ci(rules: Mapping[str, RuleList]) -> dict[str, RuleList]:
    return {k.lower(): v for k, v in rules.items()}


def _headers(raw: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(raw, dict):
        for k, v in raw.items():
            vals = v if isinstance(v, list) else [v]
            out[str(k)] = [str(x) for x in vals if x is not None]
    return out


def _query(raw: Any, name: str, ptr: str) -> dict[str, list[str]]:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, str):
        out: dict[str, list[str]] = {}
        for k, v in parse_qsl(raw, keep_blank_values=True):
            out.setdefault(k, []).append(v)
        return out
    if isinstance(raw, dict):
        return {str(k): [str(x) for x in (v if isinstance(v, list) else [v]) if x is not None] for k, v in raw.items()}
    raise InputError("'query' must be a string or an object", file=name, pointer=ptr)


def _values(values: Mapping[str, list[str]], rules: Mapping[str, RuleList], request: bool, name: str, desc: str,
            ptr: str, notes: list[Note]) -> tuple[CompiledValue, ...]:
    out = []
    for k, vals in values.items():
        rl = rules.get(k) or rules.get(k.lower())
        example = vals[0] if vals else ""
        vptr = f"{ptr}/{_esc(k)}"
        if rl is None:
            schema: dict[str, Any] = {"type": "string", "const": example, SOURCE_KEY: vptr}
        else:
            c = Compiler({"$": rl}, request, name, desc, vptr)
            schema = c.compile(example)
            notes.extend(c.notes)
            if request:
                notes.append(Note(code="matcher-inexact", message=f"matcher on {k!r}: the example value is checked "
                                  "against the spec, not every value the matcher admits", source=name,
                                  pointer=rl.pointer, interaction=desc))
        out.append(CompiledValue(name=k, schema=schema, examples=tuple(vals), pointer=vptr))
    return tuple(out)


def _content_type(headers: Mapping[str, list[str]]) -> str | None:
    for k, v in headers.items():
        if k.lower() == "content-type" and v:
            return v[0]
    return None


def is_json_type(ct: str | None) -> bool:
    if ct is None:
        return True
    base = ct.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json") or base == "text/json"


def _body(part: Mapping[str, Any], ptr: str, version: str, headers: Mapping[str, list[str]],
          rules: Mapping[str, RuleList], request: bool, name: str, desc: str, notes: list[Note]) -> Body | None:
    if "body" not in part:
        return None
    raw = part["body"]
    bptr = f"{ptr}/body"
    ct = _content_type(headers)
    if version == "4" and isinstance(raw, dict) and "content" in raw and ("contentType" in raw or "encoded" in raw):
        ct = str(raw.get("contentType") or ct or "") or None
        enc = raw.get("encoded", False)
        content = raw.get("content")
        bptr = f"{bptr}/content"
        if enc == "base64" or enc is True:
            try:
                data = base64.b64decode(str(content))
                content = data.decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                notes.append(Note(code="body-not-checked", message=f"binary {ct or 'body'}: not checked",
                                  source=name, pointer=bptr, interaction=desc))
                return Body(content_type=ct, schema=None, pointer=bptr, json=False)
            enc = "JSON" if is_json_type(ct) else False
        if enc == "JSON" or (isinstance(content, str) and is_json_type(ct) and enc not in (False, None)):
            try:
                content = json.loads(str(content))
            except ValueError:
                raise InputError("body content is not valid JSON", file=name, pointer=bptr) from None
        raw = content
    elif isinstance(raw, str) and is_json_type(ct) and ct is not None:
        with contextlib.suppress(ValueError):  # V2/V3 files sometimes carry a JSON body as a string
            raw = json.loads(raw)
    if raw is None and ct is None:
        return None
    if not is_json_type(ct):
        notes.append(Note(code="body-not-checked", message=f"{ct} body: only its media type is checked",
                          source=name, pointer=bptr, interaction=desc))
        return Body(content_type=ct, schema=None, example=raw if isinstance(raw, str) else None, pointer=bptr,
                    json=False)
    gens, gptrs = _generators(part, ptr)
    c = Compiler(rules, request, name, desc, bptr, gens, gptrs)
    schema = c.compile(raw)
    notes.extend(c.notes)
    return Body(content_type=ct or "application/json", schema=schema, example=raw, pointer=bptr)


def load_pact_text(text: str, name: str) -> tuple[list[Interaction], list[Note], ExpectSource]:
    try:
        doc = json.loads(text)
    except ValueError as e:
        line = getattr(e, "lineno", None)
        col = getattr(e, "colno", None)
        raise InputError(f"not JSON: {getattr(e, 'msg', e)}", file=name, line=line, col=col) from None
    return load_pact(doc, name, text)


def pointer_of(tokens: tuple[str | int, ...]) -> str:
    return to_rfc6901(tokens)
