"""No false rejection on real specs, through the whole driver: payloads generated to conform to the
200 responses of real operations (Stripe, GitHub, Twilio, Box of ../shared/corpus; Stripe's nullable
beside anyOf and GitHub's oneOfs included), filtered by the reference validator (jsonschema), routed
as real URLs with credentials give no finding at warn or above; the same payload with one injected
fault gives exactly one, at the injected pointer, under the rule of that fault."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from check_support import conforming, inject_fault, reference_validator
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from contractdrift.compare.traffic import SpecChecker
from contractdrift.model import Body, Exchange, Request, Response, Severity, Side, to_rfc6901
from contractdrift.spec.load import load_spec
from contractdrift.spec.node import Node
from contractdrift.spec.security import operation_credentials

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
SPECS = {
    "stripe": CORPUS / "stripe" / "5" / "revision.json",
    "github": CORPUS / "github" / "1" / "revision.json",
    "twilio": CORPUS / "twilio-api-v2010" / "3" / "revision.json",
    "box": CORPUS / "box" / "4" / "revision.json",
}
pytestmark = [pytest.mark.corpus, pytest.mark.skipif(not CORPUS.exists(), reason="../shared/corpus is absent")]
OPS_PER_SPEC = 12
#: the rule a single injected fault must be reported under (fixed here, not derived from the code)
RULE = {"type-mismatch": "type-mismatch", "null-not-allowed": "null-not-allowed",
        "required-missing": "required-missing", "undocumented-property": "undocumented"}


@cache
def checker(name: str) -> SpecChecker:
    return SpecChecker(load_spec(SPECS[name]))


Op = tuple[str, str, Node, dict[str, str], dict[str, str], dict[str, Any]]


@cache
def operations(name: str) -> list[Op]:
    """(operation label, URL path template, 200 JSON schema node, headers, query, path parameter
    schemas) of GET operations without required query/header parameters, the first OPS_PER_SPEC by path."""
    c = checker(name)
    root = Node(c.spec, c.spec.root, (), c.spec.root.data)  # type: ignore[attr-defined]
    out = []
    for key in sorted(c.operations):
        op = c.operations[key]
        if op.method != "GET":
            continue
        media = op.node.child("responses", "200")
        media = media.deref().child("content", "application/json") if media is not None else None
        schema = media.deref().child("schema") if media is not None else None
        if schema is None:
            continue
        plain = True
        path_params: dict[str, Any] = {}
        for p in op.parameters.values():
            types = (p.schema().deref().value if p.schema() is not None else {}) or {}
            if p.location == "path":
                if types.get("type") not in ("string", "integer", None):
                    plain = False
                path_params[p.name] = types
            elif p.required:
                plain = False
        if not plain:
            continue
        headers: dict[str, str] = {}
        query: dict[str, str] = {}
        creds = operation_credentials(op.node, root)
        for cred in (creds[0] if creds else []):
            if cred.location == "header":
                headers[cred.name] = "[REDACTED]"
            elif cred.location == "query":
                query[cred.name] = "[REDACTED]"
            elif cred.location == "cookie":
                headers["cookie"] = f"{cred.name}=[REDACTED]"
        bases = c.base_paths
        out.append((op.label, (bases[-1] if bases else "") + op.path, schema, headers, query, path_params))
        if len(out) == OPS_PER_SPEC:
            break
    return out


def _path_value(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if schema.get("enum"):
        return st.sampled_from([str(v) for v in schema["enum"]])
    if isinstance(schema.get("pattern"), str):
        return st.from_regex(schema["pattern"], fullmatch=True).filter(
            lambda v: bool(v) and all((c.isascii() and c.isalnum()) or c in "-_.~" for c in v))
    if schema.get("type") == "integer":
        return st.integers(0, 10**6).map(str)
    return st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True)


@cache
def reference(name: str, pointer: tuple[str | int, ...]) -> Any:
    return reference_validator(checker(name).spec.root.data, pointer)  # type: ignore[attr-defined]


def exchange(url_path: str, headers: dict[str, str], query: dict[str, str], payload: Any) -> Exchange:
    from urllib.parse import urlencode

    url = "https://api.test" + url_path + (("?" + urlencode(query)) if query else "")
    return Exchange(id="g1", started_at=1.0, duration_ms=1.0,
                    request=Request(method="GET", url=url, headers=tuple(headers.items())),
                    response=Response(status=200, headers=(("content-type", "application/json"),),
                                      body=Body(kind="json", media_type="application/json", json=payload, size=1)))


def _findings(name: str, ex: Exchange) -> list[tuple[str, str | None]]:
    return [(f.rule_id, f.location.payload_pointer) for f in checker(name).check(ex)
            if f.severity >= Severity.WARN]


@pytest.mark.parametrize("name", sorted(SPECS))
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(data=st.data())
def test_conforming_payloads_pass_and_single_faults_are_pinpointed(name: str, data: st.DataObject) -> None:
    ops = operations(name)
    assert ops, f"no usable GET operation in {name}"
    label, path, schema, headers, query, path_params = data.draw(st.sampled_from(ops))
    for pname, pschema in path_params.items():
        path = path.replace("{" + pname + "}", data.draw(_path_value(pschema)))
    payload, trace = data.draw(conforming(schema, max_depth=3))
    ref = reference(name, schema.deref().pointer)
    assume(ref.is_valid(payload))
    assert _findings(name, exchange(path, headers, query, payload)) == [], (label, json.dumps(payload)[:500])
    faulty = inject_fault(data.draw, payload, trace)
    if faulty is None:
        return
    doc, fault = faulty
    if fault.concept != "undocumented-property":
        assume(not ref.is_valid(doc))
    scope = "property" if fault.pointer else "body"
    folded = tuple("*" if isinstance(t, int) else t for t in fault.pointer)
    want = [(f"{Side.RESPONSE.value}-{scope}-{RULE[fault.concept]}", to_rfc6901(folded))]
    assert _findings(name, exchange(path, headers, query, doc)) == want, (label, fault)
