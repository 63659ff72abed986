"""HEAD checked as GET without content (RFC 9110 §9.3.2) and OPTIONS (CORS preflights, Allow)
compared with a path's documented methods, when the spec documents no head/options operation."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from contractdrift.compare.methods import implied_methods, options_drift
from contractdrift.compare.traffic import CheckOptions, SpecChecker
from contractdrift.model import Body, Exchange, Finding, Request, Response
from contractdrift.report._common import coverage_lines

from .helpers import ex, ok, run, spec

ITEM = {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
RATE = {"X-Rate": {"required": True, "schema": {"type": "integer"}}}


def doc(**more_ops: Any) -> dict[str, Any]:
    return spec({
        "/items": {
            "parameters": [{"name": "limit", "in": "query", "required": True, "schema": {"type": "integer"}}],
            "get": {"responses": {"200": ok(ITEM, headers=RATE), "404": {"description": "none"}}},
            "post": {"responses": {"201": ok(ITEM)}},
            **more_ops,
        },
        "/orders/{id}": {"put": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                 "schema": {"type": "string"}}],
                                 "responses": {"204": {"description": "done"}}}},
    })


def head(url: str = "/items?limit=1", status: int = 200, *, headers: dict[str, str] | None = None,
         body: bytes = b"", **kw: Any) -> Exchange:
    """A HEAD exchange; ``headers`` are the response's (default: the documented ones)."""
    rh = {"content-type": "application/json", "content-length": "9", "x-rate": "5"} if headers is None else headers
    return Exchange(id=kw.get("ident", f"h{status}{len(rh)}{len(body)}"), started_at=1_700_000_000.0, duration_ms=1.0,
                    request=Request(method="HEAD", url="http://api.test" + url),
                    response=Response(status=status, headers=tuple(rh.items()),
                                      body=Body.from_bytes(body, rh.get("content-type"))))


def keyed(found: list[Finding]) -> list[tuple[str, str, str | None, str | None, str]]:
    return sorted((f.rule_id, f.location.operation, f.location.status, f.location.payload_pointer, f.severity.label)
                  for f in found)


# -- HEAD ---------------------------------------------------------------------------------------------
def test_a_conforming_head_is_clean_and_counted_as_head_via_get() -> None:
    checker = SpecChecker(doc())
    checker.add(head(ident="h1"))
    checker.add(head(ident="h2"))
    checker.add(head(status=404, headers={}, ident="h3"))
    assert checker.findings() == []
    ops = {o["operation"]: o for o in checker.coverage()["operations"]}
    assert ops["GET /items"]["exchanges"] == 0  # the GET body was never seen: not exercised by HEAD
    assert ops["GET /items"]["head"] == {
        "operation": "HEAD /items", "via": "GET /items", "exchanges": 3,
        "statuses": [{"status": "200", "exchanges": 2}, {"status": "404", "exchanges": 1}],
        "undocumented_statuses": []}
    assert "head" not in ops["POST /items"]
    lines = coverage_lines(checker.coverage())
    assert "    HEAD /items (checked as GET /items): 3 exchanges; 200 (2), 404 (1)" in lines


def test_head_is_checked_as_get_statuses_headers_parameters_content_type() -> None:
    found = run(doc(),
                head(headers={"content-type": "application/json"}),  # required X-Rate missing
                head(headers={"content-type": "application/json", "x-rate": "many"}, ident="t"),  # wrong type
                head(headers={"content-type": "text/html", "x-rate": "1"}),  # GET documents JSON only
                head("/items"),  # required query parameter missing
                head(status=500, headers={}))  # undocumented status
    assert keyed(found) == [
        ("request-parameter-required-missing", "HEAD /items", None, "/query/limit", "error"),
        ("response-header-missing", "HEAD /items", "200", "/headers/x-rate", "error"),
        ("response-header-type-mismatch", "HEAD /items", "200", "/headers/x-rate", "error"),
        ("response-media-type-undocumented", "HEAD /items", "200", None, "warn"),
        ("response-status-undocumented", "HEAD /items", "500", None, "warn"),
    ]
    missing = next(f for f in found if f.rule_id == "response-header-missing")
    assert missing.evidence is not None and (missing.evidence.observed, missing.evidence.total) == (1, 4)


def test_content_sent_to_head_is_a_finding_and_not_validated() -> None:
    found = run(doc(), head(body=b'{"id": "not an integer"}'), head())
    assert keyed(found) == [("response-body-sent-for-head", "HEAD /items", "200", None, "warn")]
    assert found[0].evidence is not None and found[0].evidence.example == "<json, 24 bytes>"
    assert (found[0].evidence.observed, found[0].evidence.total) == (1, 2)


def test_a_documented_head_operation_wins() -> None:
    own = {"responses": {"200": {"description": "own", "headers": {"X-Own": {"required": True,
                                                                               "schema": {"type": "string"}}}}}}
    found = run(doc(head=own), head(headers={"x-own": "a"}), head())
    assert keyed(found) == [("response-header-missing", "HEAD /items", "200", "/headers/x-own", "error")]
    checker = SpecChecker(doc(head=own))
    checker.add(head(headers={"x-own": "a"}))
    ops = {o["operation"]: o for o in checker.coverage()["operations"]}
    assert ops["HEAD /items"]["exchanges"] == 1 and "head" not in ops["GET /items"]


def test_head_without_a_get_is_an_undocumented_method() -> None:
    found = run(doc(), head("/orders/1", status=405, headers={}))
    assert keyed(found) == [("api-method-undocumented", "HEAD /orders/{id}", None, None, "warn")]


# -- OPTIONS ------------------------------------------------------------------------------------------
def options(url: str, status: int, request: dict[str, str], response: dict[str, str], ident: str) -> Exchange:
    return Exchange(id=ident, started_at=1_700_000_000.0, duration_ms=1.0,
                    request=Request(method="OPTIONS", url="http://api.test" + url, headers=tuple(request.items())),
                    response=Response(status=status, headers=tuple(response.items())))


ORIGIN = {"origin": "https://app.example"}


def preflight(url: str, method: str, status: int = 200, allow: str | None = None, ident: str = "p") -> Exchange:
    response = {"access-control-allow-origin": "https://app.example"}
    if allow is not None:
        response["access-control-allow-methods"] = allow
    return options(url, status, {**ORIGIN, "access-control-request-method": method}, response, ident)


def test_preflights_allowing_undocumented_or_denying_documented_methods() -> None:
    found = run(doc(),
                preflight("/items", "POST", allow="GET, POST, DELETE", ident="p1"),
                preflight("/items", "POST", allow="GET, POST, DELETE", ident="p2"),
                preflight("/items", "POST", ident="p3"),  # POST is CORS-safelisted: allowed without a list
                preflight("/orders/7", "PUT", status=400, allow="PUT", ident="p4"),  # refused by status
                preflight("/orders/7", "PUT", allow="OPTIONS", ident="p5"),  # PUT not in the list
                preflight("/orders/7", "DELETE", status=403, ident="p6"),  # undocumented and denied: agrees
                options("/items", 204, {}, {"allow": "GET, HEAD, POST, OPTIONS"}, "o1"))  # plain OPTIONS
    assert keyed(found) == [
        ("api-preflight-method-denied", "OPTIONS /orders/{id}", None, "/headers/access-control-allow-methods/PUT",
         "info"),
        ("api-preflight-method-undocumented", "OPTIONS /items", None,
         "/headers/access-control-allow-methods/DELETE", "info"),
    ]
    by_rule = {f.rule_id: f for f in found}
    allows = by_rule["api-preflight-method-undocumented"]
    assert allows.evidence is not None and (allows.evidence.observed, allows.evidence.total) == (2, 3)
    assert allows.message == ("CORS preflight on /items allows DELETE, which the spec does not document there "
                              "(documented: GET, HEAD, OPTIONS, POST)")
    denied = by_rule["api-preflight-method-denied"]
    assert denied.evidence is not None and (denied.evidence.observed, denied.evidence.total) == (2, 3)
    assert denied.location.revision is not None and denied.location.revision.pointer == "/paths/~1orders~1{id}"


def test_wildcard_preflight_and_options_without_allow_are_counted_not_reported() -> None:
    checker = SpecChecker(doc())
    checker.add(preflight("/items", "PATCH", allow="*", ident="w"))
    checker.add(options("/items", 200, {}, {}, "plain"))
    checker.add(options("/items", 200, {"origin": "https://app.example"}, {}, "origin-only"))  # not a preflight
    assert checker.findings() == []
    assert checker.coverage()["options"] == [{
        "operation": "OPTIONS /items", "path": "/items", "exchanges": 3, "preflights": 1,
        "documented_methods": ["GET", "HEAD", "OPTIONS", "POST"], "statuses": [{"status": "200", "exchanges": 3}]}]
    assert "  OPTIONS /items (no options operation documented): 3 exchanges, 1 CORS preflight(s); 200 (3)" in \
        coverage_lines(checker.coverage())


def test_plain_options_allow_header_against_the_documented_methods() -> None:
    found = run(doc(),
                options("/items", 200, {}, {"allow": "GET, PATCH"}, "a1"),
                options("/items", 405, {}, {"allow": "get,post"}, "a2"),  # 405 carries Allow too; case-insensitive
                preflight("/items", "GET", allow="GET", ident="a3"))
    assert keyed(found) == [
        ("api-options-method-undocumented", "OPTIONS /items", None, "/headers/allow/PATCH", "info"),
        ("api-options-method-unlisted", "OPTIONS /items", None, "/headers/allow/POST", "info"),
    ]
    for f in found:  # out of the two plain OPTIONS exchanges (the preflight is not one of them)
        assert f.evidence is not None and (f.evidence.observed, f.evidence.total) == (1, 2)


def test_a_documented_options_operation_wins() -> None:
    found = run(doc(options={"responses": {"204": {"description": "allowed"}}}),
                preflight("/items?limit=1", "DELETE", allow="DELETE", ident="d1"))
    assert keyed(found) == [("response-status-undocumented", "OPTIONS /items", "200", None, "warn")]


def test_options_on_an_undocumented_path_is_still_an_undocumented_path() -> None:
    found = run(doc(), preflight("/nowhere", "GET", allow="GET", ident="n"))
    assert [f.rule_id for f in found] == ["api-path-undocumented"]


def test_options_without_a_response_is_counted() -> None:
    checker = SpecChecker(doc(), CheckOptions())
    e = ex("OPTIONS", "/items", resp=None)
    checker.add(Exchange(id="x", started_at=1.0, duration_ms=1.0, request=e.request, response=None))
    assert checker.findings() == [] and checker.aggregate.notes["exchanges without a response"] == 1


METHODS = st.sets(st.sampled_from(["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"]))


@given(documented=METHODS.filter(bool), listed=METHODS)
def test_allow_drift_is_the_set_difference_both_ways(documented: set[str], listed: set[str]) -> None:
    """Plain OPTIONS: undocumented = listed - (documented + implied), unlisted = documented - listed."""
    drift = options_drift((), 200, (("allow", ", ".join(sorted(listed))),), documented)
    known = documented | {"OPTIONS"} | ({"HEAD"} if "GET" in documented else set())
    assert {d.method for d in drift if d.rule == "api-options-method-undocumented"} == listed - known
    assert {d.method for d in drift if d.rule == "api-options-method-unlisted"} == documented - listed
    assert implied_methods(documented) == known


@given(documented=METHODS.filter(bool), listed=METHODS, requested=st.sampled_from(["GET", "PUT", "DELETE", "POST"]),
       status=st.sampled_from([200, 204, 400, 403]))
def test_preflight_drift_follows_the_fetch_rules(documented: set[str], listed: set[str], requested: str,
                                                 status: int) -> None:
    request = (("origin", "https://a.example"), ("access-control-request-method", requested))
    drift = options_drift(request, status, (("access-control-allow-methods", ",".join(sorted(listed))),), documented)
    known = documented | {"OPTIONS"} | ({"HEAD"} if "GET" in documented else set())
    ok_status = status < 300
    allowed = ok_status and (requested in listed or requested in {"GET", "HEAD", "POST"})
    assert {d.method for d in drift if d.rule == "api-preflight-method-denied"} == (
        {requested} if requested in known and not allowed else set())
    assert {d.method for d in drift if d.rule == "api-preflight-method-undocumented"} == (
        listed - known if ok_status else set())
    assert all(d.header == "access-control-allow-methods" for d in drift)
