"""Benchmark: client expectations (Pact) vs the spec, side by side with swagger-mock-validator.

Run: ``.venv/bin/python benchmarks/bench_expect.py [--max 120] [--peer-timeout 300] [--specs twilio,box,stripe]``

For each real spec of ``../shared/corpus`` (Twilio, Box, Stripe; exits cleanly when the corpus is
absent) this generates a consumer's Pact file from the spec itself -- one interaction per eligible
operation, with examples that conform to the spec and the matchers a consumer writes (a ``type``
matcher over the response body) -- then injects known mismatches into some interactions, and writes
the same interactions as Pact V2, V3 and V4 files (V4 also carries one message interaction, which
must be counted, not checked). Both tools check the same files against the same spec:

- **contractdrift** in-process: ``load_expectations`` + ``check_expectations`` (spec loading included);
- **@pactflow/swagger-mock-validator 14.5.0** (``benchmarks/smv``: ``npm install`` there; skipped
  cleanly when absent) through ``benchmarks/smv/run.mjs``: the same interactions, one Pact file per
  interaction (it aborts a whole file when one operation's schema breaks its Ajv), all in one node
  process with a time limit; its interactions/s counts the files it finished, over the time they took.

Printed per spec, version and tool: injected mismatches found, false alarms (a warning or error on an
interaction nothing was injected into), interactions/s. Goals (issue 9): every injected mismatch found,
no false alarm, and at least 50x swagger-mock-validator's interactions/s.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
SMV_DIR = REPO / "benchmarks" / "smv"
SPECS = {"twilio": "twilio-api-v2010/3", "box": "box/4", "stripe": "stripe/5"}
SKIP = object()
METHODS = ("get", "put", "post", "delete", "patch")


# -- sampling values that conform to the spec ---------------------------------------------------------------


class Sampler:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._regex_cache: dict[str, str | None] = {}

    def deref(self, schema: Any, depth: int = 0) -> Any:
        while isinstance(schema, dict) and "$ref" in schema and depth < 32:
            ref = schema["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                return {}
            node: Any = self.spec
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                node = node.get(part, {}) if isinstance(node, dict) else {}
            schema = node
            depth += 1
        return schema if isinstance(schema, dict) else {}

    def merged(self, schema: Any) -> dict[str, Any]:
        s = self.deref(schema)
        if "allOf" not in s:
            return s
        out: dict[str, Any] = {k: v for k, v in s.items() if k != "allOf"}
        for member in s["allOf"]:
            m = self.merged(member)
            for k, v in m.items():
                if k == "properties":
                    out.setdefault("properties", {}).update(v)
                elif k == "required":
                    out["required"] = list(dict.fromkeys([*out.get("required", []), *v]))
                else:
                    out.setdefault(k, v)
        return out

    def nullable(self, schema: Any) -> bool:
        s = self.merged(schema)
        if s.get("nullable") is True:
            return True
        for key in ("anyOf", "oneOf"):
            members = [self.merged(m) for m in s.get(key) or ()]
            if any(m.get("type") == "null" or m.get("enum") == [None] for m in members):
                return True
        t = s.get("type")
        return isinstance(t, list) and "null" in t

    def polymorphic(self, schema: Any) -> bool:
        s = self.merged(schema)
        for key in ("anyOf", "oneOf"):
            members = [m for m in (self.merged(x) for x in s.get(key) or ()) if m.get("type") != "null"
                       and m.get("enum") != [None]]
            if len(members) > 1:
                return True
        return False

    def sample(self, schema: Any, depth: int = 0, *, request: bool = False) -> Any:
        s = self.merged(schema)
        if depth > 6:
            return SKIP
        for key in ("anyOf", "oneOf"):
            members = [m for m in (self.merged(x) for x in s.get(key) or ()) if m.get("type") != "null"
                       and m.get("enum") != [None]]
            if len(members) > 1:
                return SKIP
            if len(members) == 1:
                s = {**{k: v for k, v in s.items() if k not in ("anyOf", "oneOf")}, **members[0]}
        if "const" in s:
            return s["const"]
        enum = [v for v in s.get("enum") or () if v is not None]
        if enum:
            return enum[0]
        t = s.get("type")
        if isinstance(t, list):
            t = next((x for x in t if x != "null"), None)
        if t is None and "properties" in s:
            t = "object"
        if t == "object":
            out: dict[str, Any] = {}
            props = s.get("properties") or {}
            for name in s.get("required") or ():
                if name not in props:
                    return SKIP if request else out
                p = self.merged(props[name])
                if (p.get("writeOnly") and not request) or (p.get("readOnly") and request):
                    continue
                if not request and self.nullable(props[name]):
                    continue  # the client does not rely on a field that may be null (all Pact versions alike)
                v = self.sample(props[name], depth + 1, request=request)
                if v is SKIP:
                    if request:
                        return SKIP
                    continue
                out[name] = v
            return out
        if t == "array":
            item = self.sample(s.get("items") or {}, depth + 1, request=request)
            if item is SKIP:
                return [] if not request and not s.get("minItems") else SKIP
            return [item] * max(1, int(s.get("minItems") or 1))
        if t == "string":
            return self.string(s)
        if t == "integer":
            return int(self.number(s, integer=True))
        if t == "number":
            return self.number(s, integer=False)
        if t == "boolean":
            return True
        return SKIP

    def number(self, s: dict[str, Any], *, integer: bool) -> float:
        lo = s.get("minimum")
        hi = s.get("maximum")
        v: float = 1 if integer else 1.5
        if isinstance(lo, (int, float)) and v < lo:
            v = lo
        if isinstance(s.get("exclusiveMinimum"), (int, float)) and v <= s["exclusiveMinimum"]:
            v = s["exclusiveMinimum"] + 1
        if isinstance(hi, (int, float)) and v > hi:
            v = hi
        return v

    def string(self, s: dict[str, Any]) -> Any:
        fmt = s.get("format")
        known = {"date-time": "2024-01-02T03:04:05Z", "date": "2024-01-02", "uuid": "0f8fad5b-d9cb-469f-a165-70867728950e",
                 "email": "someone@example.com", "uri": "https://example.com/x", "url": "https://example.com/x",
                 "ipv4": "10.0.0.1", "ipv6": "::1", "time": "03:04:05Z", "byte": "aGVsbG8=", "hostname": "example.com",
                 "uri-reference": "/x"}
        pattern = s.get("pattern")
        if isinstance(pattern, str):
            v = self.regex(pattern)
            return SKIP if v is None else v
        if fmt in known:
            return known[fmt]
        value = "text"
        lo, hi = s.get("minLength"), s.get("maxLength")
        if isinstance(lo, int) and len(value) < lo:
            value = value + "x" * (lo - len(value))
        if isinstance(hi, int) and len(value) > hi:
            value = value[:hi]
        return value

    def regex(self, pattern: str) -> str | None:
        if pattern in self._regex_cache:
            return self._regex_cache[pattern]
        from hypothesis import HealthCheck, find, settings
        from hypothesis import strategies as st

        value: str | None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                value = find(st.from_regex(pattern, fullmatch=True).filter(lambda x: "\n" not in x and x.isprintable()),
                             lambda x: True, settings=settings(database=None, max_examples=200,
                                                               suppress_health_check=list(HealthCheck)))
        except Exception:
            value = None
        self._regex_cache[pattern] = value
        return value


# -- the generated consumer -----------------------------------------------------------------------------------


@dataclass
class Interaction:
    description: str
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    req_body: Any = None
    status: int = 200
    resp_headers: dict[str, str] = field(default_factory=dict)
    resp_body: Any = None
    resp_rules: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # "$.a" -> matchers
    # what the generator knows, for injections
    op: dict[str, Any] = field(default_factory=dict)
    path_item: dict[str, Any] = field(default_factory=dict)
    template: str = ""
    resp_schema: Any = None
    req_schema: Any = None
    params: list[dict[str, Any]] = field(default_factory=list)
    secured: bool = False


def base_path(spec: dict[str, Any]) -> str:
    servers = spec.get("servers") or [{}]
    url = str(servers[0].get("url", ""))
    path = urllib.parse.urlsplit(url).path if "://" in url else url
    return path.rstrip("/")


def generate(spec: dict[str, Any], sampler: Sampler, limit: int) -> list[Interaction]:
    out: list[Interaction] = []
    prefix = base_path(spec)
    global_security = spec.get("security")
    for template, item in sorted((spec.get("paths") or {}).items()):
        item = sampler.deref(item)
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            inter = _interaction(spec, sampler, prefix, template, item, method, op, global_security, len(out))
            if inter is not None:
                out.append(inter)
    if len(out) > limit:  # spread over the whole spec, deterministic
        step = len(out) / limit
        out = [out[int(i * step)] for i in range(limit)]
    for i, inter in enumerate(out):
        inter.description = f"{i:03d} {inter.description}"
    return out


def _interaction(spec: dict[str, Any], sampler: Sampler, prefix: str, template: str, item: dict[str, Any],
                 method: str, op: dict[str, Any], global_security: Any, index: int) -> Interaction | None:
    params: dict[tuple[str, str], dict[str, Any]] = {}
    for p in [*(item.get("parameters") or ()), *(op.get("parameters") or ())]:
        p = sampler.deref(p)
        params[(p.get("in"), p.get("name"))] = p
    path = template
    query: dict[str, list[str]] = {}
    headers: dict[str, str] = {"Accept": "application/json"}
    for (loc, name), p in params.items():
        if loc == "path" or p.get("required"):
            value = sampler.sample(p.get("schema") or {"type": "string"}, request=True)
            if value is SKIP or isinstance(value, (dict, list)):
                return None
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if loc == "path":
                path = path.replace("{" + str(name) + "}", urllib.parse.quote(text, safe=""))
            elif loc == "query":
                query[str(name)] = [text]
            elif loc == "header":
                headers[str(name)] = text
            else:
                return None
    if "{" in path:
        return None
    req_body = None
    req_schema = None
    rb = sampler.deref(op.get("requestBody") or {})
    if rb:
        content = rb.get("content") or {}
        if "application/json" in content:
            req_schema = content["application/json"].get("schema")
            req_body = sampler.sample(req_schema or {}, request=True)
            if req_body is SKIP:
                return None
            headers["Content-Type"] = "application/json"
        elif rb.get("required"):
            return None
    security = op.get("security", global_security)
    secured = bool(security) and not any(alt == {} for alt in security)
    if secured:
        headers["Authorization"] = "Bearer token"
        schemes = (spec.get("components") or {}).get("securitySchemes") or {}
        first = next(iter(security[0]), None)
        scheme = sampler.deref(schemes.get(first, {}))
        if scheme.get("type") == "http" and scheme.get("scheme") == "basic":
            headers["Authorization"] = "Basic dXNlcjpwYXNz"
        elif scheme.get("type") == "apiKey":
            return None
    responses = op.get("responses") or {}
    status_key = next((k for k in sorted(responses, key=str) if str(k).startswith("2") and str(k)[1:].isdigit()), None)
    if status_key is None:
        return None
    resp = sampler.deref(responses[status_key])
    content = resp.get("content") or {}
    resp_body = None
    resp_schema = None
    resp_headers: dict[str, str] = {}
    rules: dict[str, list[dict[str, Any]]] = {}
    if content:
        if "application/json" not in content:
            return None
        resp_schema = content["application/json"].get("schema") or {}
        if sampler.polymorphic(resp_schema) or sampler.nullable(resp_schema):
            return None
        resp_body = sampler.sample(resp_schema)
        if resp_body is SKIP:
            return None
        resp_headers["Content-Type"] = "application/json"
        rules["$"] = [{"match": "type"}]
    return Interaction(description=f"{method.upper()} {template}", method=method.upper(), path=prefix + path,
                       query=query, headers=headers, req_body=req_body, status=int(status_key),
                       resp_headers=resp_headers, resp_body=resp_body, resp_rules=rules, op=op, path_item=item,
                       template=template, resp_schema=resp_schema, req_schema=req_schema,
                       params=list(params.values()), secured=secured)


# -- injected mismatches --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Injection:
    kind: str
    ours: str  # the expect rule that must report it
    smv: tuple[str, ...]  # swagger-mock-validator codes that count as finding it
    apply: Callable[[Interaction, Sampler], bool]


def _top_props(inter: Interaction, sampler: Sampler) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(inter.resp_body, dict):
        return []
    props = sampler.merged(inter.resp_schema).get("properties") or {}
    return [(k, sampler.merged(props[k])) for k in inter.resp_body if k in props]


def inj_unknown_path(inter: Interaction, sampler: Sampler) -> bool:
    inter.path = inter.path.rstrip("/") + "/injected-nonexistent"
    return True


def inj_unknown_method(inter: Interaction, sampler: Sampler) -> bool:
    if "trace" in inter.path_item:
        return False
    inter.method = "TRACE"
    return True


def inj_unknown_status(inter: Interaction, sampler: Sampler) -> bool:
    keys = {str(k).upper() for k in inter.op.get("responses") or {}}
    if "DEFAULT" in keys or "5XX" in keys or "599" in keys:
        return False
    inter.status = 599
    return True


def inj_response_type(inter: Interaction, sampler: Sampler) -> bool:
    for name, p in _top_props(inter, sampler):
        if p.get("type") == "string" and not p.get("enum") and isinstance(inter.resp_body[name], str):
            inter.resp_body[name] = 12345
            return True
    return False


def inj_response_extra(inter: Interaction, sampler: Sampler) -> bool:
    if not isinstance(inter.resp_body, dict) or sampler.merged(inter.resp_schema).get("additionalProperties") not in (
            None, False):
        return False
    inter.resp_body["injected_property"] = "x"
    return True


def inj_response_enum_value(inter: Interaction, sampler: Sampler) -> bool:
    for name, p in _top_props(inter, sampler):
        if isinstance(p.get("enum"), list) and p.get("type") == "string":
            inter.resp_body[name] = "not-in-enum"
            inter.resp_rules[f"$.{name}"] = [{"match": "regex", "regex": "not-in-enum"}]
            return True
    return False


def inj_regex_refuses_enum(inter: Interaction, sampler: Sampler) -> bool:
    """A consumer whose regex admits only the example value while the spec lists others: the example
    is valid, so a checker of examples cannot see it."""
    for name, p in _top_props(inter, sampler):
        values = [v for v in p.get("enum") or () if isinstance(v, str)]
        if len(values) > 1 and p.get("type") == "string":
            inter.resp_rules[f"$.{name}"] = [{"match": "regex", "regex": re.escape(inter.resp_body[name])}]
            return True
    return False


def inj_nullable_required(inter: Interaction, sampler: Sampler) -> bool:
    """The consumer requires a field the spec marks nullable, with a type matcher that refuses null."""
    if not isinstance(inter.resp_body, dict):
        return False
    s = sampler.merged(inter.resp_schema)
    props = s.get("properties") or {}
    for name in s.get("required") or ():
        if name in props and name not in inter.resp_body and sampler.nullable(props[name]):
            value = sampler.sample(props[name])
            if value is SKIP or value is None:
                continue
            inter.resp_body[name] = value
            return True
    return False


def inj_query_type(inter: Interaction, sampler: Sampler) -> bool:
    for p in inter.params:
        schema = sampler.merged(p.get("schema") or {})
        if p.get("in") == "query" and schema.get("type") == "integer":
            inter.query[str(p["name"])] = ["not-a-number"]
            return True
    return False


def inj_missing_auth(inter: Interaction, sampler: Sampler) -> bool:
    if not inter.secured:
        return False
    inter.headers.pop("Authorization", None)
    return True


def inj_response_content_type(inter: Interaction, sampler: Sampler) -> bool:
    if inter.resp_body is None:
        return False
    inter.resp_headers["Content-Type"] = "application/xml"
    return True


def inj_request_body_type(inter: Interaction, sampler: Sampler) -> bool:
    if not isinstance(inter.req_body, dict):
        return False
    props = sampler.merged(inter.req_schema).get("properties") or {}
    for name, value in inter.req_body.items():
        if isinstance(value, str) and sampler.merged(props.get(name, {})).get("type") == "string":
            inter.req_body[name] = 12345
            return True
    return False


INJECTIONS = (
    Injection("unknown-path", "expect-operation-unknown", ("request.path-or-method.unknown",), inj_unknown_path),
    Injection("unknown-method", "expect-operation-unknown", ("request.path-or-method.unknown",), inj_unknown_method),
    Injection("unknown-status", "expect-response-status-unknown", ("response.status.unknown",), inj_unknown_status),
    Injection("response-type", "expect-response-body-incompatible", ("response.body.incompatible",),
              inj_response_type),
    Injection("response-extra-property", "expect-response-property-missing", ("response.body.incompatible",),
              inj_response_extra),
    Injection("response-enum-value", "expect-response-body-incompatible", ("response.body.incompatible",),
              inj_response_enum_value),
    Injection("regex-refuses-enum", "expect-response-body-incompatible", ("response.body.incompatible",),
              inj_regex_refuses_enum),
    Injection("nullable-required", "expect-response-body-may-break", ("response.body.incompatible",),
              inj_nullable_required),
    Injection("query-type", "expect-request-parameter-incompatible", ("request.query.incompatible",), inj_query_type),
    Injection("missing-auth", "expect-request-authorization-missing", ("request.authorization.missing",),
              inj_missing_auth),
    Injection("response-content-type", "expect-response-content-type-incompatible",
              ("response.content-type.incompatible",), inj_response_content_type),
    Injection("request-body-type", "expect-request-body-incompatible", ("request.body.incompatible",),
              inj_request_body_type),
)


def inject(interactions: list[Interaction], sampler: Sampler) -> dict[str, Injection]:
    """Apply each injection to the first interaction it fits that is still clean: description -> injection."""
    done: dict[str, Injection] = {}
    for inj in INJECTIONS:
        for inter in interactions:
            if inter.description in done:
                continue
            trial = copy.deepcopy(inter)
            if inj.apply(trial, sampler):
                inter.__dict__.update(trial.__dict__)
                done[inter.description] = inj
                break
    return done


# -- Pact V2 / V3 / V4 ------------------------------------------------------------------------------------------


def pact_file(interactions: list[Interaction], version: int) -> dict[str, Any]:
    out = []
    for inter in interactions:
        req: dict[str, Any] = {"method": inter.method, "path": inter.path}
        resp: dict[str, Any] = {"status": inter.status}
        if version == 2:
            if inter.query:
                req["query"] = urllib.parse.urlencode([(k, v) for k, vs in inter.query.items() for v in vs])
            req["headers"] = dict(inter.headers)
            resp["headers"] = dict(inter.resp_headers)
            if inter.req_body is not None:
                req["body"] = inter.req_body
            if inter.resp_body is not None:
                resp["body"] = inter.resp_body
            if inter.resp_rules:
                resp["matchingRules"] = {"$.body" + path[1:]: ms[0] for path, ms in inter.resp_rules.items()}
        else:
            if inter.query:
                req["query"] = inter.query
            req["headers"] = ({k: [v] for k, v in inter.headers.items()} if version == 4 else dict(inter.headers))
            resp["headers"] = ({k: [v] for k, v in inter.resp_headers.items()} if version == 4
                               else dict(inter.resp_headers))
            for part, body, ct in ((req, inter.req_body, inter.headers.get("Content-Type")),
                                   (resp, inter.resp_body, inter.resp_headers.get("Content-Type"))):
                if body is not None:
                    part["body"] = ({"contentType": ct or "application/json", "encoded": False, "content": body}
                                    if version == 4 else body)
            if inter.resp_rules:
                resp["matchingRules"] = {"body": {p: {"matchers": ms} for p, ms in inter.resp_rules.items()}}
        entry: dict[str, Any] = {"description": inter.description, "request": req, "response": resp}
        if version == 2:
            entry["providerState"] = "data exists"
        else:
            entry["providerStates"] = [{"name": "data exists"}]
        if version == 4:
            entry["type"] = "Synchronous/HTTP"
        out.append(entry)
    if version == 4:
        out.append({"type": "Asynchronous/Messages", "description": "zzz an event", "contents": {"content": {"a": 1}}})
    spec_version = {2: "2.0.0", 3: "3.0.0", 4: "4.0"}[version]
    return {"consumer": {"name": "generated-client"}, "provider": {"name": "provider"}, "interactions": out,
            "metadata": {"pactSpecification": {"version": spec_version}}}


# -- running and scoring -----------------------------------------------------------------------------------------


@dataclass
class Result:
    tool: str
    found: int = 0
    injected: int = 0
    false_alarms: int = 0
    seconds: float = 0.0
    interactions: int = 0
    status: str = "ok"
    missed: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Interactions checked per second (the peer: those it finished, over the time they took)."""
        return self.interactions / self.seconds if self.seconds > 0 and self.interactions else 0.0


def run_ours(spec_path: Path, pact_path: Path, injected: dict[str, Injection], n: int) -> Result:
    import contractdrift as cd

    start = time.perf_counter()
    report = cd.check_expectations(spec_path, cd.load_expectations(pact_path))
    seconds = time.perf_counter() - start
    r = Result("contractdrift", injected=len(injected), seconds=seconds, interactions=n)
    hits: dict[str, set[str]] = {}
    for f in report.findings:
        if f.severity.label == "info":
            continue
        who = str(f.args.get("interaction", ""))
        hits.setdefault(who, set()).add(f.rule_id)
        if who not in injected:
            r.false_alarms += 1
            r.alarms.append(f"{who}: {f.rule_id} {f.location.payload_pointer or ''}")
    for desc, inj in injected.items():
        if inj.ours in hits.get(desc, set()):
            r.found += 1
        else:
            r.missed.append(f"{inj.kind} ({desc})")
    counted = sum(1 for f in report.findings if f.args.get("code") == "interaction-not-checked")
    if pact_path.name.endswith("v4.json") and counted != 1:
        r.status = f"message interaction counted {counted} times"
    return r


def smv_available() -> bool:
    return shutil.which("node") is not None and (SMV_DIR / "node_modules" / "@pactflow" / "swagger-mock-validator").is_dir()


def run_smv(spec_path: Path, interactions: list[Interaction], version: int, injected: dict[str, Injection],
            workdir: Path, timeout: float) -> Result:
    """One Pact file per interaction (a crash on one operation's schema then costs only that
    interaction), all validated in one node process; the time per file is measured inside it."""
    r = Result("swagger-mock-validator", injected=len(injected))
    paths = []
    by_path: dict[str, Interaction] = {}
    for i, inter in enumerate(interactions):
        path = workdir / f"smv-v{version}-{i:03d}.json"
        path.write_text(json.dumps(pact_file([inter], version)), encoding="utf-8")
        paths.append(str(path))
        by_path[str(path)] = inter
    try:
        proc = subprocess.run(["node", str(SMV_DIR / "run.mjs"), str(spec_path), *paths], cwd=SMV_DIR,
                              capture_output=True, text=True, timeout=timeout)
        stdout = proc.stdout
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or ""
        stdout = out.decode() if isinstance(out, bytes) else out
        r.status = f"timeout after {timeout:.0f} s"
    done: set[str] = set()
    hits: dict[str, set[str]] = {}
    crashed = 0
    for line in stdout.splitlines():
        try:
            result = json.loads(line)
        except ValueError:
            continue
        inter = by_path.get(result.get("pact", ""))
        if inter is None:
            continue
        done.add(inter.description)
        r.seconds += float(result.get("seconds", 0.0))
        if result.get("crash"):
            crashed += 1
            r.crashes.append(f"{inter.description}: {result['crash'][:80]}")
            continue
        r.interactions += 1
        for item in [*result.get("errors", []), *result.get("warnings", [])]:
            hits.setdefault(inter.description, set()).add(item["code"])
            if inter.description not in injected:
                r.false_alarms += 1
                r.alarms.append(f"{inter.description}: {item['code']}")
    for desc, inj in injected.items():
        if hits.get(desc, set()) & set(inj.smv):
            r.found += 1
        else:
            r.missed.append(f"{inj.kind} ({desc}){'' if desc in done else ' (not reached)'}")
    notes = []
    if crashed:
        notes.append(f"crashed on {crashed} of {len(done)} interactions")
    if len(done) < len(interactions):
        notes.append(f"{len(interactions) - len(done)} not reached")
    if notes:
        r.status = "; ".join([*([r.status] if r.status != "ok" else []), *notes])
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--max", type=int, default=120, help="interactions per spec (default 120)")
    ap.add_argument("--peer-timeout", type=float, default=300.0, help="seconds per swagger-mock-validator run")
    ap.add_argument("--specs", default="twilio,box,stripe")
    ap.add_argument("--no-peer", action="store_true", help="skip swagger-mock-validator")
    ap.add_argument("--verbose", "-v", action="store_true", help="list misses and false alarms")
    args = ap.parse_args()
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}: nothing to benchmark")
        return 0
    peer = smv_available() and not args.no_peer
    if not peer and not args.no_peer:
        print("swagger-mock-validator not installed (cd benchmarks/smv && npm install): running contractdrift only")
    rows: list[tuple[str, int, Result]] = []
    with tempfile.TemporaryDirectory(prefix="bench-expect-") as tmp:
        for name in args.specs.split(","):
            pair = SPECS[name]
            spec_path = CORPUS / pair / "revision.json"
            if not spec_path.is_file():
                print(f"{pair}: missing, skipped")
                continue
            spec = json.loads(spec_path.read_text(encoding="utf-8"))
            sampler = Sampler(spec)
            interactions = generate(spec, sampler, args.max)
            injected = inject(interactions, sampler)
            print(f"\n== {name} ({pair}): {len(interactions)} interactions, {len(injected)} injected mismatches: "
                  + ", ".join(sorted(i.kind for i in injected.values())))
            for version in (2, 3, 4):
                path = Path(tmp) / f"{name}-v{version}.json"
                path.write_text(json.dumps(pact_file(interactions, version), indent=1), encoding="utf-8")
                results = [run_ours(spec_path, path, injected, len(interactions))]
                if peer:
                    results.append(run_smv(spec_path, interactions, version, injected, Path(tmp),
                                           args.peer_timeout))
                for r in results:
                    rows.append((name, version, r))
                    print(f"  V{version} {r.tool:<24} found {r.found:>2}/{r.injected:<2} false alarms {r.false_alarms:>4}"
                          f"  {r.rate:>9.1f} interactions/s  ({r.interactions} in {r.seconds:.2f} s)"
                          f"  {'' if r.status == 'ok' else r.status}")
                    if args.verbose:
                        for m in r.missed:
                            print(f"      missed: {m}")
                        for a in r.alarms[:8]:
                            print(f"      false alarm: {a}")
                        if len(r.alarms) > 8:
                            print(f"      ... {len(r.alarms) - 8} more")
                        for c in r.crashes[:3]:
                            print(f"      crash: {c}")
    ours = [r for _, _, r in rows if r.tool == "contractdrift"]
    all_found = all(r.found == r.injected for r in ours)
    no_alarms = all(r.false_alarms == 0 for r in ours)
    print("\n== goals (issue 9)")
    print(f"  every injected mismatch found: {'PASS' if all_found else 'MISS'}")
    print(f"  no false alarm:                {'PASS' if no_alarms else 'MISS'}")
    ratios = []
    for name, version, r in rows:
        if r.tool != "contractdrift":
            continue
        other = next((p for n, v, p in rows if n == name and v == version and p.tool != "contractdrift"), None)
        if other is not None and other.rate > 0:
            ratios.append((name, version, r.rate / other.rate))
    if ratios:
        low = min(x[2] for x in ratios)
        print(f"  >= 50x the peer's interactions/s where it finishes: {'PASS' if low >= 50 else 'MISS'} "
              f"(lowest {low:.0f}x; " + ", ".join(f"{n} V{v} {x:.0f}x" for n, v, x in ratios) + ")")
    elif peer:
        print("  >= 50x the peer's interactions/s: the peer finished no run (timeouts/crashes above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
