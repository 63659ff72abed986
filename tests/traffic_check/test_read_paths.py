"""check's fast read path (msgspec views, request bodies lazy) against the standard-library path.

The fast path (:meth:`RecordingReader.views`, :func:`~contractdrift.store.records.decode_checked`) must
give byte-identical reports: the same findings, evidence, warnings, damaged-line messages and line
numbers as reading every line with ``json.loads`` + ``Exchange.from_dict`` (the path ``check`` took
before, and still takes for iterating a reader).
"""

from __future__ import annotations

import base64
import gzip
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractdrift.cli import main
from contractdrift.model import Exchange
from contractdrift.report import render
from contractdrift.store import records
from contractdrift.store.reader import RecordingReader

from .helpers import spec

SPEC = spec({
    "/items": {
        "get": {
            "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 50}},
                           {"name": "session", "in": "cookie", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "required": ["data"],
                "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}}}}}},
        },
        "post": {
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Item"}},
                "application/x-www-form-urlencoded": {"schema": {
                    "type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string"}, "price": {"type": "number"}}}},
                "text/plain": {"schema": {"type": "string", "maxLength": 5}}}},
            "responses": {"201": {"description": "made", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Item"}}}}},
        },
    },
    "/items/{id}": {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "get": {"responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Item"}}}},
            "404": {"description": "missing"}}},
    },
}, components={
    "schemas": {"Item": {"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "price": {"type": "number", "nullable": True},
        "tags": {"type": "array", "items": {"type": "string"}}}}},
    "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"},
                        "sid": {"type": "apiKey", "in": "cookie", "name": "sid"}},
}, security=[{"key": []}, {"sid": []}], servers=[{"url": "https://shop.example.com/v1"}])

BASE = "https://shop.example.com/v1"


def _ex(i: int, method: str, path: str, status: int | None, resp: dict[str, Any] | None = None,
        req: dict[str, Any] | None = None, headers: list[list[str]] | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": f"e{i:04d}", "started_at": 1_700_000_000 + i, "duration_ms": 1.5, "source": "asgi",
        "request": {"method": method, "url": BASE + path, "headers": headers or [["x-key", "k"]],
                    "body": req or {"kind": "empty"}},
        "response": None if status is None else {
            "status": status, "headers": [["content-type", "application/json"]],
            "body": resp or {"kind": "empty"}},
    }
    out.update(extra)
    return out


def _json(value: Any, media: str = "application/json") -> dict[str, Any]:
    return {"kind": "json", "media_type": media, "size": len(json.dumps(value)), "json": value}


def _text(text: str, media: str) -> dict[str, Any]:
    return {"kind": "text", "media_type": media, "size": len(text.encode()), "text": text}


def _binary(data: bytes, media: str) -> dict[str, Any]:
    return {"kind": "binary", "media_type": media, "size": len(data), "base64": base64.b64encode(data).decode()}


GOOD = {"id": 1, "name": "pen", "price": 2.5, "tags": ["a"]}


def recording_lines() -> list[bytes]:
    """Every kind of line check meets: clean and drifting exchanges, request bodies of every kind, odd
    numbers the fast decoder hands back to the standard library, headers, damage, a truncated end."""
    items: list[Any] = [
        {"format": "contractdrift-recording", "version": 1},
        _ex(1, "GET", "/items/1", 200, _json(GOOD)),
        _ex(2, "GET", "/items/2", 200, _json({"id": "2", "price": None, "extra": True})),
        _ex(3, "GET", "/items?limit=99&debug=1", 200, _json({"data": [GOOD, {"id": 3}]})),
        _ex(4, "post", "/items", 201, _json(GOOD), req=_json({"id": 4, "name": "x", "price": "cheap"})),
        _ex(5, "POST", "/items", 201, _json(GOOD),
            req=_text("name=pen&price=abc&other=1", "application/x-www-form-urlencoded"),
            headers=[["content-type", "application/x-www-form-urlencoded"]]),
        _ex(6, "POST", "/items", 201, _json(GOOD), req=_text("{not json", "application/json"),
            headers=[["content-type", "application/json"], ["cookie", "sid=1; lang"]]),
        _ex(7, "POST", "/items", 201, _json(GOOD), req=_text("toolongtext", "text/plain"),
            headers=[["Content-Type", "text/plain; charset=utf-8"], ["X-Key", "k"]]),
        _ex(8, "POST", "/items", 201, _json(GOOD), req=_binary(b"\x00\xff\x10", "application/octet-stream"),
            headers=[["content-type", "application/octet-stream"]]),
        _ex(9, "POST", "/items", 201, _json(GOOD),
            req={**_json({"id": 9, "name": "n"}), "truncated": True}),
        _ex(10, "GET", "/items/10", 200, {"kind": "text", "media_type": "application/json", "size": 5000,
                                          "text": '{"id": 10, "na', "truncated": True}),
        _ex(11, "GET", "/items/11", 200, _binary(b'{"id": 11, "name": "b"}', "application/json")),
        _ex(12, "GET", "/items/12", 404, _json({"error": "gone"})),
        _ex(13, "GET", "/items/13", 500, _json({"error": "boom"})),
        _ex(14, "GET", "/nowhere/14", 200, _json({})),
        _ex(15, "DELETE", "/items/15", 204),
        _ex(16, "GET", "/items/16", None, error="connection reset"),
        _ex(17, "GET", "/items/17", 200, _json({"id": 17, "name": "ünïcødé ☃", "tags": ["é", 3]})),
        _ex(18, "GET", "/items/18", 200, _json({"id": 123456789012345678901234567890, "name": "big"})),
        _ex(19, "GET", "/items/19", 200, _json({"id": 19, "name": "e", "price": -0.0})),
        _ex(20, "GET", "/items/20", 200, _json(GOOD), headers=[]),  # no credential: security finding
        _ex(21, "GET", "/items/21/", 200, _json(GOOD)),
        _ex(22, "GET", "/items?limit=5", 200, _json({"data": []}), headers=[["cookie", "session=abc"]]),
        {**_ex(23, "GET", "/items/23", 200, _json(GOOD)), "id": 23},  # an int id: the slow path's str()
        {**_ex(24, "GET", "/items/24", 200, _json(GOOD)), "tags": {"env": "prod"}, "extra": {"x": [1]}},
        {**_ex(25, "GET", "/items/25", 200, _json(GOOD)), "started_at": 1_700_000_025.75},
        {"format": "contractdrift-recording", "version": 1},  # concatenated recordings
        _ex(26, "POST", "/items", 201, _json(GOOD), req={"kind": "empty"}),  # required body missing
        {**_ex(27, "GET", "/items/27", 200, _json(GOOD)), "tags": []},  # from_dict takes [] as no tags
    ]
    lines = [json.dumps(item, ensure_ascii=False).encode() + b"\n" for item in items]
    lines += [
        # numbers msgspec refuses and json.loads reads: the line goes the slow way, same values
        json.dumps(_ex(28, "GET", "/items/28", 200, _json({"id": 28, "name": "n", "price": math.nan}))).encode()
        + b"\n",
        json.dumps(_ex(29, "POST", "/items", 201, _json(GOOD), req=_json({"id": 29, "name": "n"}))).encode()
        .replace(b'"id": 29', b'"id": 1e400') + b"\n",  # inside a lazy request body
        json.dumps(_ex(30, "GET", "/items/30", 200, _json({"id": 30, "name": "\ud800"}))).encode() + b"\n",
        b"\n",
        b"this is not json\n",
        b'{"id": "x", "request": {"url": "https://shop.example.com/v1/items"}}\n',  # no method
        b'{"id": "y", "request": {"method": "GET", "url": "' + BASE.encode() + b'/items/1"}, "tags": "x"}\n',
        json.dumps(_ex(31, "POST", "/items", 201, _json(GOOD), req=_json({"id": 31, "name": "ok"}))).encode()
        .replace(b'"ok"', b'"o\xffk"') + b"\n",  # bytes that are not UTF-8 (in a lazy request body)
        b'[1, 2]\n',
        json.dumps(_ex(32, "GET", "/items/32", 200, _json(GOOD)), separators=(",", ":")).encode() + b"\n",
        json.dumps(_ex(33, "GET", "/items/33", 200, _json(GOOD))).encode()[:60],  # truncated last line
    ]
    return lines


def _report(tmp: Path, rec: Path, fmt: str, *extra: str) -> bytes:
    out = tmp / f"report-{fmt}-{rec.name}.out"
    code = main(["check", str(rec), "--spec", str(tmp / "spec.json"), "--format", fmt, "-o", str(out), *extra])
    assert code in (0, 1)
    return out.read_bytes()


def _slow_views(self: RecordingReader) -> Iterator[Any]:
    return iter(self)  # json.loads + Exchange.from_dict for every line, as check read before


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    (tmp_path / "spec.json").write_text(json.dumps(SPEC), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("fmt", ["json", "text", "sarif"])
@pytest.mark.parametrize("packing", ["plain", "gzip", "rotated"])
def test_fast_and_slow_read_paths_give_identical_reports(shop: Path, fmt: str, packing: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    lines = recording_lines()
    if packing == "plain":
        rec = shop / "traffic.jsonl"
        rec.write_bytes(b"".join(lines))
    elif packing == "gzip":
        rec = shop / "traffic.jsonl.gz"
        rec.write_bytes(gzip.compress(b"".join(lines)))
    else:
        rec = shop / "rotated"
        rec.mkdir()
        (rec / "traffic.1.jsonl").write_bytes(b"".join(lines[:12]))
        (rec / "traffic.jsonl").write_bytes(b"".join(lines[12:]))
    taken: list[bool] = []
    real = records.decode_checked

    def spy(line: bytes, max_depth: int) -> Any:
        view = real(line, max_depth)
        taken.append(view is not None)
        return view

    monkeypatch.setattr("contractdrift.store.reader.decode_checked", spy)
    fast = _report(shop, rec, fmt, "--skip-damaged")
    assert sum(taken) >= 25  # the fast decoder did take the ordinary lines
    assert taken.count(False) >= 8  # and handed the odd ones to the standard library
    monkeypatch.setattr(RecordingReader, "views", _slow_views)
    slow = _report(shop, rec, fmt, "--skip-damaged")
    assert fast == slow
    if fmt == "json":
        doc = json.loads(fast)
        rules = {f["id"] for f in doc["findings"]}
        # the recording does drift: request bodies of every kind were read and checked
        assert {"request-property-type-mismatch", "request-body-unparsable", "request-body-missing",
                "response-property-type-mismatch", "api-security-not-enforced"} <= rules, rules
        assert any("not valid JSON" in w for w in doc["warnings"])
        assert any("1 more damaged part(s) skipped" in w for w in doc["warnings"])  # the truncated end


def test_damaged_line_fails_the_run_the_same_way(shop: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rec = shop / "traffic.jsonl"
    rec.write_bytes(b"".join(recording_lines()))
    code = main(["check", str(rec), "--spec", str(shop / "spec.json"), "--format", "json",
                 "-o", str(shop / "r.json")])
    fast_err = capsys.readouterr().err
    monkeypatch.setattr(RecordingReader, "views", _slow_views)
    code_slow = main(["check", str(rec), "--spec", str(shop / "spec.json"), "--format", "json",
                      "-o", str(shop / "r.json")])
    slow_err = capsys.readouterr().err
    assert code == code_slow == 2
    assert fast_err == slow_err
    assert f"{rec}:34" in fast_err  # "this is not json", the first damaged line (the header was line 1)


def test_stdin_takes_the_fast_path_too(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    import contractdrift

    data = b"".join(recording_lines())
    fast = contractdrift.check("-", spec=shop / "spec.json", strict=False, stdin=io.BytesIO(data))
    monkeypatch.setattr(RecordingReader, "views", _slow_views)
    slow = contractdrift.check("-", spec=shop / "spec.json", strict=False, stdin=io.BytesIO(data))
    assert render(fast, "json") == render(slow, "json")
    assert len(fast.findings) > 10


# -- the decoder alone: a view only where from_dict would give the same values --------------------------


def _body(b: Any) -> tuple[Any, ...]:
    try:
        raw: Any = b.raw_bytes()
    except Exception as exc:  # the same failure on both paths is what matters
        raw = type(exc).__name__
    return (b.kind, b.media_type, b.size, b.json, b.text, b.base64, b.truncated, raw)


def _projection(ex: Any) -> str:
    req, resp = ex.request, ex.response
    return repr((ex.id, ex.started_at, req.method, req.url, req.headers, _body(req.body),
                 None if resp is None else (resp.status, resp.headers, _body(resp.body))))


_clean_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), _clean_text,
                     st.floats(allow_nan=False, allow_infinity=False))
# rarely: what json.loads reads and msgspec refuses (NaN, infinities, lone surrogates)
_rare = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3))
_json_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)), max_leaves=8)


_ODD: dict[str, list[Any]] = {  # values from_dict converts or refuses, and the typed decoder refuses
    "id": [7], "started_at": ["1", None, True], "method": [5, "ß", "get"], "headers": [[["a", 1]], [["a", "b", "c"]]],
    "request_body": [None, {}, []], "status": [200.0, "200"], "kind": [3], "size": ["4"], "truncated": [1],
    "tags": [[], "x", {"k": 1}], "extra": [[["k", "v"]], 0, {"x": [1]}], "route": [5, "/a"],
}


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    """An exchange line: mostly well typed, sometimes one odd field, sometimes damaged bytes."""
    odd = draw(st.sampled_from([None, None, None, *sorted(_ODD)]))

    def pick(name: str, usual: Any) -> Any:
        return draw(st.sampled_from(_ODD[name])) if odd == name else usual

    body = {"kind": pick("kind", draw(st.sampled_from(["json", "text", "binary", "empty"]))),
            "json": draw(_json_values if draw(st.integers(0, 5)) else _rare),
            "size": pick("size", draw(st.integers(0, 9))),
            "text": draw(st.one_of(st.none(), _clean_text)), "base64": draw(st.sampled_from([None, "AAE=", "!"])),
            "truncated": pick("truncated", draw(st.booleans()))}
    obj: dict[str, Any] = {
        "id": pick("id", draw(_clean_text)),
        "started_at": pick("started_at", draw(st.one_of(st.floats(0, 2e9), st.integers(0, 2**40)))),
        "request": {"method": pick("method", draw(st.sampled_from(["GET", "POST"]))), "url": "https://h/a?x=1",
                    "headers": pick("headers", [["a", draw(_clean_text)]]),
                    "body": pick("request_body", body)},
        "response": draw(st.one_of(st.none(), st.just({"status": pick("status", 200), "body": body}))),
    }
    for key in ("tags", "extra", "route"):
        if odd == key:
            obj[key] = pick(key, None)
    line = json.dumps(obj, ensure_ascii=draw(st.booleans())).encode()
    if draw(st.integers(0, 5)) == 0:
        line = line[:draw(st.integers(0, len(line)))]
    if draw(st.integers(0, 5)) == 0:
        at = draw(st.integers(0, max(len(line) - 1, 0)))
        line = line[:at] + draw(st.sampled_from([b"\xff", b"[", b"\\", b'"', b"\xc3\xa9"])) + line[at + 1:]
    return line


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines())
def test_a_view_only_where_from_dict_agrees(line: bytes) -> None:
    try:
        slow: Any = Exchange.from_dict(json.loads(line))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, OverflowError):
        slow = None
    view = records.decode_checked(line, 500)
    if view is None:
        return  # the standard library decides (what the reader does next)
    assert slow is not None, line
    assert _projection(view) == _projection(slow)


def test_deep_lines_go_the_slow_way() -> None:
    deep = json.dumps(_ex(1, "GET", "/items/1", 200, _json(None))).encode().replace(
        b'"json": null', b'"json": ' + b"[" * 600 + b"]" * 600)
    assert records.decode_checked(deep, 500) is None  # json.loads might not have the room
    assert records.decode_checked(deep, 5000) is not None


# -- what the per-exchange shortcuts of SpecChecker must keep ---------------------------------------------


def test_coverage_of_operations_nobody_called_reads_the_spec_alone() -> None:
    from contractdrift.compare.traffic import SpecChecker

    from .helpers import ex

    lazy = SpecChecker(SPEC)
    lazy.add(ex("GET", "/items/1", 200, GOOD, headers={"x-key": "k"}))
    compiled = SpecChecker(SPEC)
    compiled.add(ex("GET", "/items/1", 200, GOOD, headers={"x-key": "k"}))
    for op in compiled.operations.values():
        compiled._state(op)  # every operation compiled: the shape comes from its state
    assert len(lazy._ops) == 1 < len(compiled._ops)
    assert lazy.coverage() == compiled.coverage()
    cov = lazy.coverage()
    post = next(o for o in cov["operations"] if o["operation"] == "POST /items")
    assert [m["media_type"] for m in post["request_media_types"]] == [
        "application/json", "application/x-www-form-urlencoded", "text/plain"]
    assert cov["summary"]["operations"] == {"documented": 3, "exercised": 1}


@pytest.mark.parametrize(("headers", "flagged"), [
    ({"x-key": "k"}, False), ({"X-KEY": "k"}, False), ({"cookie": "sid=abc"}, False),
    ({"cookie": "lang=en; sid"}, False),  # a cookie name without a value still carries the credential
    ({"cookie": "lang=en"}, True), ({"authorization": "Bearer t"}, True), ({}, True),
])
def test_security_credentials_by_header_or_cookie(headers: dict[str, str], flagged: bool) -> None:
    from .helpers import ex, run

    found = run(SPEC, ex("GET", "/v1/items/1", 200, GOOD, headers=headers), base_paths=("/v1",))
    assert ("api-security-not-enforced" in {f.rule_id for f in found}) is flagged


def test_query_credential_is_seen_and_memos_do_not_leak_between_paths() -> None:
    from .helpers import ex, run

    doc = {**SPEC, "components": {**SPEC["components"], "securitySchemes": {
        "key": {"type": "apiKey", "in": "query", "name": "api_key"}}}, "security": [{"key": []}]}
    carrying = ex("GET", "/items/1?api_key=x", 200, GOOD)
    found = run(doc, carrying, ex("GET", "/items/2", 200, GOOD), ex("GET", "/items/1", 200, GOOD),
                ex("GET", "/items/x", 200, GOOD), base_paths=("/",))
    sec = [f for f in found if f.rule_id == "api-security-not-enforced"]
    assert len(sec) == 1 and (sec[0].evidence.observed, sec[0].evidence.total) == (3, 4)
    assert carrying.id not in sec[0].evidence.exchange_ids  # the same path, once with the key
    bad_id = [f for f in found if f.rule_id == "request-parameter-type-mismatch"]
    assert len(bad_id) == 1 and bad_id[0].evidence.observed == 1  # only /items/x, memo or not


def test_shallow_msgspec_bodies_are_vouched_plain_and_nothing_else() -> None:
    """The gate skips its own walk only for bodies the fast decoder made and that cannot nest deeper
    than fastgate.MAX_DEPTH; a line cannot mark itself."""
    from contractdrift.compare.fastgate import MAX_DEPTH
    from contractdrift.store.records import PLAIN_DEPTH, decode_checked

    assert PLAIN_DEPTH <= MAX_DEPTH

    def line(body: object, extra: str = "") -> bytes:
        return json.dumps({"id": "x1", "request": {"method": "GET", "url": "http://h/a"},
                           "response": {"status": 200, "body": {"kind": "json", "media_type": "application/json",
                                                                "json": body}}}).encode().replace(
            b'"kind": "json"', b'"kind": "json"' + extra.encode())

    shallow = decode_checked(line({"a": [1, {"b": 2}]}), 900)
    assert shallow is not None and shallow.response is not None
    assert shallow.response.body.plain is True  # type: ignore[union-attr]
    deep: object = 1
    for _ in range(PLAIN_DEPTH + 1):
        deep = [deep]
    view = decode_checked(line(deep), 900)
    assert view is not None and view.response is not None and view.response.body.plain is False  # type: ignore[union-attr]
    forged = decode_checked(line(deep, ', "contractdrift:plain": true'), 900)
    assert forged is not None and forged.response is not None
    assert forged.response.body.plain is False  # type: ignore[union-attr]
