"""Comparison 3 of issue 9: the three-way view per field, and the fields safe to change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import contractdrift as cd
from contractdrift import Body, Exchange, Request, Response
from contractdrift.report import render

SPEC: dict[str, Any] = {
    "openapi": "3.0.3", "info": {"title": "items", "version": "1"},
    "paths": {"/items/{id}": {"get": {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "an item", "content": {"application/json": {"schema": {
            "type": "object", "required": ["id", "state"],
            "properties": {"id": {"type": "integer"},
                           "state": {"type": "string", "enum": ["new", "done"]},
                           "note": {"type": "string", "nullable": True},
                           "legacy": {"type": "string"},
                           "meta": {"type": "object", "properties": {"rev": {"type": "integer"}}}}}}}}}}}},
}

PACT: dict[str, Any] = {
    "consumer": {"name": "ui"}, "provider": {"name": "items"},
    "metadata": {"pactSpecification": {"version": "3.0.0"}},
    "interactions": [{
        "description": "item 1", "request": {"method": "GET", "path": "/items/1"},
        "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                     "body": {"id": 1, "state": "new", "note": "x"},
                     "matchingRules": {"body": {"$": {"matchers": [{"match": "type"}]},
                                                "$.state": {"matchers": [{"match": "regex", "regex": "new|archived"}]}}}},
    }],
}


def ex(i: int, body: Any) -> Exchange:
    return Exchange(id=f"e{i}", started_at=float(i), duration_ms=1.0,
                    request=Request(method="GET", url=f"http://h/items/{i}"),
                    response=Response(status=200, headers=(("content-type", "application/json"),),
                                      body=Body(kind="json", media_type="application/json", size=10, json=body)))


TRAFFIC = [ex(1, {"id": 1, "state": "new", "note": "a"}),
           ex(2, {"id": 2, "state": "done", "note": None}),
           ex(3, {"id": 3, "state": "new"})]


def _report(tmp_path: Path) -> cd.Report:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    pact = tmp_path / "ui-items.json"
    pact.write_text(json.dumps(PACT))
    return cd.check(TRAFFIC, spec, cd.load_expectations(pact))


def test_three_way_rows(tmp_path: Path) -> None:
    report = _report(tmp_path)
    assert report.coverage is not None
    rows = report.coverage["three_way"]
    ui = {"consumer": "ui", "interaction": "item 1"}
    assert rows == [
        # the spec makes `note` optional and nullable, the client's type matcher requires a string;
        # the service sent a string in 1, null in 1 and nothing in 1 of 3 responses
        {"operation": "GET /items/{id}", "side": "response", "status": "200", "pointer": "/note",
         "spec": {"type": ["null", "string"], "required": False},
         "clients": [{**ui, "expects": {"type": ["string"], "required": True}}],
         "traffic": {"responses": 3, "sent": {"null": 1, "string": 1}, "absent": 1, "example": "a"},
         "rules": ["expect-response-body-may-break", "expect-response-property-optional",
                   "response-property-null-not-allowed", "response-property-required-missing"]},
        # the spec may send `done`, the client's regex refuses it, and the service sent it once
        {"operation": "GET /items/{id}", "side": "response", "status": "200", "pointer": "/state",
         "spec": {"type": ["string"], "enum": ["new", "done"], "required": True},
         "clients": [{**ui, "expects": {"type": ["string"], "pattern": "^(?:new|archived)$", "required": True}}],
         "traffic": {"responses": 3, "sent": {"string": 3}, "absent": 0, "example": "new"},
         "rules": ["expect-response-body-incompatible", "response-property-pattern-mismatch"]},
    ]
    # no client reads `legacy` or `meta` and no response carried them (`meta/rev` is not listed again)
    # (the only parameter, `id`, is a path parameter: never listed)
    assert report.coverage["safe_to_change"] == [
        {"operation": "GET /items/{id}", "side": "response", "status": "200", "pointer": "/legacy"},
        {"operation": "GET /items/{id}", "side": "response", "status": "200", "pointer": "/meta"},
    ]


def test_three_way_rendered(tmp_path: Path) -> None:
    report = _report(tmp_path)
    state = ("  GET /items/{id} 200 /state: spec says string (one of new, done), required; ui (item 1) expects "
             "string (pattern ^(?:new|archived)$), required; the service sent string in 3 of 3 responses")
    note = ("  GET /items/{id} 200 /note: spec says null or string, optional; ui (item 1) expects string, "
            "required; the service sent null in 1, string in 1, absent in 1 of 3 responses")
    for fmt in ("text", "markdown", "html"):
        out = render(report, fmt)
        assert "Safe to change" in out and "/legacy" in out
        if fmt == "text":
            assert state in out.splitlines() and note in out.splitlines()
        else:
            assert "the service sent string in 3 of 3 responses" in out
    data = json.loads(render(report, "json"))
    assert data["coverage"]["three_way"][1]["pointer"] == "/state"


def test_census_counts_responses_not_values() -> None:
    from contractdrift.compare.three_way import FieldCensus

    census = FieldCensus(lambda path: "/items/{id}" if path.startswith("/items/") else None)
    census.add(ex(1, [{"a": "x"}, {"a": None}, {"a": "y"}]))  # one response, `a` as string and as null
    census.add(ex(2, [{"b": 1}]))
    census.add(ex(3, [{"a": 2}]))
    census.add(Exchange(id="e4", started_at=4.0, duration_ms=1.0, request=Request(method="GET", url="http://h/x"),
                        response=Response(status=200, headers=(), body=Body(kind="json", media_type=None, size=1,
                                                                                json={"a": 1}))))  # not routed
    total, kinds, present, example = census.sent("GET /items/{id}", "2XX", "/*/a")
    assert (total, kinds, present, example) == (3, {"integer": 1, "null": 1, "string": 1}, 2, "x")
    assert census.sent("GET /items/{id}", "404", "/*/a")[0] == 0
    assert census.carried("GET /items/{id}", "default", "/*/b") and not census.carried("GET /items/{id}", "200", "/c")


def test_three_way_resolves_references_of_a_json_schema_expectations_file(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    expectations = tmp_path / "mobile.json"
    expectations.write_text(json.dumps({
        "contractdrift-expectations": 1, "consumer": "mobile",
        "definitions": {"Item": {"type": "object", "required": ["state"],
                                 "properties": {"state": {"type": "string", "enum": ["new"]}}}},
        "operations": {"GET /items/{id}": {"responses": {"200": {"body": {"$ref": "#/definitions/Item"}}}}}}))
    report = cd.check(TRAFFIC, spec, cd.load_expectations(expectations))
    assert report.coverage is not None
    rows = {row["pointer"]: row for row in report.coverage["three_way"]}
    clients = rows["/state"]["clients"]
    assert [(c["consumer"], c["expects"]) for c in clients] == [
        ("mobile", {"type": ["string"], "enum": ["new"], "required": True})]
    assert rows["/state"]["traffic"]["sent"] == {"string": 3}
    # `id` and `note` are carried by the traffic; `legacy` and `meta` by nothing, and mobile reads only `state`
    assert [f["pointer"] for f in report.coverage["safe_to_change"]] == ["/legacy", "/meta"]


POST_SPEC: dict[str, Any] = {
    "openapi": "3.0.3", "info": {"title": "items", "version": "1"},
    "paths": {"/items": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}, "qty": {"type": "integer", "maximum": 10}}}}}},
        "responses": {"201": {"description": "made"}}}}},
}
POST_PACT: dict[str, Any] = {
    "consumer": {"name": "shop"}, "provider": {"name": "items"},
    "metadata": {"pactSpecification": {"version": "3.0.0"}},
    "interactions": [{
        "description": "make an item",
        "request": {"method": "POST", "path": "/items", "headers": {"Content-Type": "application/json"},
                    "body": {"name": "pen", "qty": 50},
                    "matchingRules": {"body": {"$": {"matchers": [{"match": "type"}]}}}},
        "response": {"status": 201},
    }],
}


def _post(i: int, body: Any) -> Exchange:
    return Exchange(id=f"p{i}", started_at=float(i), duration_ms=1.0,
                    request=Request(method="POST", url="http://h/items", headers=(("content-type", "application/json"),),
                                    body=Body(kind="json", media_type="application/json", size=10, json=body)),
                    response=Response(status=201))


def test_three_way_rows_of_request_body_fields(tmp_path: Path) -> None:
    """Request bodies get rows too: the spec caps `qty` at 10, the client's Pact sends 50 (clients vs
    spec), and the recorded requests sent 50 once and 3 once (traffic vs spec)."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(POST_SPEC))
    pact = tmp_path / "shop-items.json"
    pact.write_text(json.dumps(POST_PACT))
    traffic = [_post(1, {"name": "pen", "qty": 50}), _post(2, {"name": "cup", "qty": 3}), _post(3, {"name": "ink"})]
    report = cd.check(traffic, spec, cd.load_expectations(pact))
    assert report.coverage is not None
    rows = [row for row in report.coverage["three_way"] if row["side"] == "request"]
    assert len(rows) == 1, rows
    row = rows[0]
    assert {k: row[k] for k in ("operation", "status", "pointer", "spec", "clients", "traffic")} == {
        "operation": "POST /items", "status": None, "pointer": "/qty",
        "spec": {"type": ["integer"], "required": False},
        "clients": [{"consumer": "shop", "interaction": "make an item",
                     "expects": {"type": ["number"], "required": True}}],  # Pact's type matcher: any number
        "traffic": {"requests": 3, "sent": {"integer": 2}, "absent": 1, "example": 50},
    }
    # clients vs spec (50 > 10), traffic vs spec (50 once), traffic vs the client (`qty` missing once)
    assert row["rules"] == ["expect-request-body-incompatible", "request-property-constraint-violated",
                            "request-property-required-missing"]
    text = render(report, "text").splitlines()
    assert ("  POST /items request body /qty: spec says integer, optional; shop (make an item) expects number, "
            "required; the clients sent integer in 2, absent in 1 of 3 requests") in text


def test_secrets_in_traffic_never_reach_the_report(tmp_path: Path) -> None:
    """Traffic read from HAR files or given in memory was never redacted by a recorder: the examples of
    traffic-vs-client findings and of the three-way view go through the recorder's rules too."""
    secret = "sk_live_51Habcdefghijklmnop"
    spec_doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "paths": {"/u": {"get": {"responses": {"200": {"description": "x", "content": {"application/json": {
                    "schema": {"type": "object", "properties": {"api_token": {"type": "string"}}}}}}}}}}}
    pact = {"consumer": {"name": "ui"}, "provider": {"name": "p"},
            "metadata": {"pactSpecification": {"version": "3.0.0"}},
            "interactions": [{"description": "u", "request": {"method": "GET", "path": "/u"},
                              "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                                           "body": {"api_token": 5},
                                           "matchingRules": {"body": {"$.api_token": {"matchers": [{"match": "type"}]}}}}}]}
    (tmp_path / "s.json").write_text(json.dumps(spec_doc))
    (tmp_path / "ui-p.json").write_text(json.dumps(pact))
    traffic = [Exchange(id="e1", started_at=1.0, duration_ms=1.0, request=Request(method="GET", url="http://h/u"),
                        response=Response(status=200, headers=(("content-type", "application/json"),),
                                          body=Body(kind="json", media_type="application/json", size=10,
                                                    json={"api_token": secret})))]
    report = cd.check(traffic, tmp_path / "s.json", cd.load_expectations(tmp_path / "ui-p.json"))
    assert any(f.rule_id == "response-property-type-mismatch" for f in report.findings)  # traffic vs client
    assert report.coverage is not None and report.coverage["three_way"]
    for fmt in ("json", "text", "markdown", "html", "sarif"):
        assert secret not in render(report, fmt), fmt


PARAM_SPEC: dict[str, Any] = {
    "openapi": "3.0.3", "info": {"title": "tasks", "version": "1"},
    "paths": {"/tasks": {
        "parameters": [{"name": "X-Tenant", "in": "header", "required": True, "schema": {"type": "integer"}}],
        "get": {
            "parameters": [{"name": "status", "in": "query", "schema": {"type": "string", "enum": ["open", "closed"]}},
                           {"name": "X-Api-Key", "in": "header", "schema": {"type": "string", "pattern": "^k_[a-z]+$"}}],
            "responses": {"200": {"description": "tasks",
                                  "headers": {"ETag": {"required": True, "schema": {"type": "string"}}},
                                  "content": {"application/json": {"schema": {"type": "array"}}}}}}}},
}

PARAM_PACT: dict[str, Any] = {
    "consumer": {"name": "board"}, "provider": {"name": "tasks"},
    "metadata": {"pactSpecification": {"version": "3.0.0"}},
    "interactions": [{
        "description": "archived tasks",
        "request": {"method": "GET", "path": "/tasks", "query": {"status": ["archived"]}, "headers": {"X-Tenant": "7"}},
        "response": {"status": 200, "headers": {"Content-Type": "application/json", "ETag": "\"a1\""}, "body": []},
    }],
}


def _get(i: int, query: str, headers: tuple[tuple[str, str], ...], etag: bool) -> Exchange:
    resp_headers = (("content-type", "application/json"),) + ((("etag", f'"e{i}"'),) if etag else ())
    return Exchange(id=f"g{i}", started_at=float(i), duration_ms=1.0,
                    request=Request(method="GET", url=f"http://h/tasks{query}", headers=headers),
                    response=Response(status=200, headers=resp_headers,
                                      body=Body(kind="json", media_type="application/json", size=2, json=[])))


def test_three_way_rows_of_parameters_and_response_headers(tmp_path: Path) -> None:
    """Parameters and response headers get rows too (they used to get none, and a response header's
    finding came out as a body field `/headers/...`): the query value the client's Pact sends and one
    recorded request sent is not in the spec's enum; one request left out the required tenant header;
    one response came without the required ETag; a key that breaks the spec's pattern is shown redacted."""
    secret = "sk_live_51Habcdefghijklmnop"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(PARAM_SPEC))
    pact = tmp_path / "board-tasks.json"
    pact.write_text(json.dumps(PARAM_PACT))
    traffic = [_get(1, "?status=archived", (("x-tenant", "7"),), True),
               _get(2, "?status=open", (("x-tenant", "7"), ("x-api-key", secret)), True),
               _get(3, "", (), False)]
    report = cd.check(traffic, spec, cd.load_expectations(pact))
    assert report.coverage is not None
    rows = {(r["side"], r["pointer"]): r for r in report.coverage["three_way"]}
    assert all(not p.startswith("/headers/") for side, p in rows if "in" not in rows[side, p])  # no body rows
    board = {"consumer": "board", "interaction": "archived tasks"}

    status = rows["request", "/query/status"]
    assert {k: status[k] for k in ("operation", "status", "in", "name", "spec", "clients", "traffic")} == {
        "operation": "GET /tasks", "status": None, "in": "query", "name": "status",
        "spec": {"type": ["string"], "enum": ["open", "closed"], "required": False},
        "clients": [{**board, "expects": {"type": ["string"], "enum": ["archived"], "required": True}}],
        "traffic": {"requests": 3, "carried": 2, "absent": 1, "example": "archived"}}

    tenant = rows["request", "/header/x-tenant"]  # the path item's parameter, matched by any case
    assert tenant["spec"] == {"type": ["integer"], "required": True}
    assert tenant["traffic"] == {"requests": 3, "carried": 2, "absent": 1, "example": "7"}
    # the Pact sends the header's text "7" (no matcher: that value exactly)
    assert tenant["clients"] == [{**board, "expects": {"type": ["string"], "enum": ["7"], "required": True}}]

    key = rows["request", "/header/x-api-key"]  # no client sends it: "expects" nothing there
    assert key["clients"] == [{**board, "expects": None}]
    assert key["traffic"]["carried"] == 1 and key["traffic"]["example"] != secret

    etag = rows["response", "/headers/etag"]
    assert {k: etag[k] for k in ("status", "in", "name", "spec", "traffic")} == {
        "status": "200", "in": "header", "name": "etag", "spec": {"type": ["string"], "required": True},
        "traffic": {"responses": 3, "carried": 2, "absent": 1, "example": '"e1"'}}
    assert "response-header-missing" in etag["rules"]

    text = render(report, "text").splitlines()
    assert ("  GET /tasks query 'status': spec says string (one of open, closed), optional; board (archived "
            "tasks) expects string (one of archived), required; the clients sent it in 2 of 3 requests") in text
    assert "  GET /tasks 200 header 'etag': spec says string, required; board (archived tasks) expects string " \
           "(one of \"a1\"), required; the service sent it in 2 of 3 responses" in text
    for fmt in ("json", "text", "markdown", "html", "sarif"):
        assert secret not in render(report, fmt), fmt


def test_safe_to_change_lists_request_fields_and_parameters_nobody_sends(tmp_path: Path) -> None:
    """On the request side, what the spec accepts that no client's Pact sends and no recorded request
    carried: the optional `X-Api-Key` header (the tenant header is required, `status` is sent by the
    client and by traffic); on POST, the body's `note` (the Pact sends `name` and `qty`, traffic `name`)."""
    spec_doc = json.loads(json.dumps(PARAM_SPEC))
    spec_doc["paths"]["/items"] = json.loads(json.dumps(POST_SPEC["paths"]["/items"]))
    spec_doc["paths"]["/items"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["note"] = {
        "type": "string"}
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(spec_doc))
    pact = {**PARAM_PACT, "interactions": PARAM_PACT["interactions"] + POST_PACT["interactions"]}
    (tmp_path / "board-tasks.json").write_text(json.dumps(pact))
    traffic = [_get(1, "?status=open", (("x-tenant", "7"),), True), _post(2, {"name": "pen"})]
    report = cd.check(traffic, spec, cd.load_expectations(tmp_path / "board-tasks.json"))
    assert report.coverage is not None
    request_rows = [r for r in report.coverage["safe_to_change"] if r["side"] == "request"]
    assert request_rows == [  # by path: /items before /tasks
        {"operation": "POST /items", "side": "request", "status": None, "pointer": "/note"},
        {"operation": "GET /tasks", "side": "request", "status": None, "in": "header", "name": "x-api-key",
         "pointer": "/header/x-api-key"},
    ]
    text = render(report, "text").splitlines()
    assert "  GET /tasks header 'x-api-key'" in text and "  POST /items request body /note" in text


def test_path_parameter_rows_show_the_values_sent_behind_a_base_path(tmp_path: Path) -> None:
    """Path parameters' recorded values come from the template's place in the path, behind the
    servers' base path (`/v1`) and inside a segment (`{name}.{ext}`), percent-decoded."""
    spec_doc = {"openapi": "3.0.3", "info": {"title": "files", "version": "1"}, "servers": [{"url": "http://h/v1"}],
                "paths": {"/files/{name}.{ext}": {"get": {
                    "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
                                   {"name": "ext", "in": "path", "required": True,
                                    "schema": {"type": "string", "enum": ["json", "csv"]}}],
                    "responses": {"200": {"description": "a file"}}}}}}
    pact = {"consumer": {"name": "viewer"}, "provider": {"name": "files"},
            "metadata": {"pactSpecification": {"version": "3.0.0"}},
            "interactions": [{"description": "a report", "request": {"method": "GET", "path": "/files/report.xml"},
                              "response": {"status": 200}}]}
    (tmp_path / "spec.json").write_text(json.dumps(spec_doc))
    (tmp_path / "viewer-files.json").write_text(json.dumps(pact))
    traffic = [Exchange(id=f"f{i}", started_at=float(i), duration_ms=1.0,
                        request=Request(method="GET", url=f"http://h/v1/files/{name}"), response=Response(status=200))
               for i, name in enumerate(["my%20notes.xml", "data.csv"])]
    report = cd.check(traffic, tmp_path / "spec.json", cd.load_expectations(tmp_path / "viewer-files.json"))
    assert report.coverage is not None
    rows = {r["pointer"]: r for r in report.coverage["three_way"]}
    ext = rows["/path/ext"]
    assert ext["spec"] == {"type": ["string"], "enum": ["json", "csv"], "required": True}
    assert ext["traffic"] == {"requests": 2, "carried": 2, "absent": 0, "example": "xml"}
    assert "request-parameter-enum-mismatch" in ext["rules"]
