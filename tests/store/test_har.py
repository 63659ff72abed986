from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from contractdrift import InputError, read_exchanges
from contractdrift.api import export_har, import_har
from contractdrift.cli import main
from contractdrift.store.har import exchanges_from_har, format_har_time, har_document, parse_har_time

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))


def chrome_like() -> dict[str, Any]:
    """Shaped like a Chrome devtools export: pseudo headers, -1 sizes, base64 content, cookies."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [{"id": "page_1", "title": "app", "startedDateTime": "2024-05-01T10:20:30.123Z"}],
            "entries": [
                {
                    "pageref": "page_1",
                    "startedDateTime": "2024-05-01T10:20:30.123Z",
                    "time": 85.25,
                    "request": {
                        "method": "POST",
                        "url": "https://api.example.com/v1/users?expand=team&limit=10",
                        "httpVersion": "http/2.0",
                        "headers": [
                            {"name": ":authority", "value": "api.example.com"},
                            {"name": "content-type", "value": "application/json"},
                            {"name": "authorization", "value": "Bearer abc.def"},
                            {"name": "cookie", "value": "sid=s3cret; theme=dark"},
                        ],
                        "queryString": [{"name": "expand", "value": "team"}, {"name": "limit", "value": "10"}],
                        "cookies": [{"name": "sid", "value": "s3cret"}, {"name": "theme", "value": "dark"}],
                        "headersSize": -1,
                        "bodySize": 41,
                        "postData": {"mimeType": "application/json", "text": '{"name": "ann", "password": "pw1"}'},
                    },
                    "response": {
                        "status": 201,
                        "statusText": "",
                        "httpVersion": "http/2.0",
                        "headers": [
                            {"name": "content-type", "value": "application/json; charset=utf-8"},
                            {"name": "set-cookie", "value": "sid=n3w; Path=/; HttpOnly"},
                        ],
                        "cookies": [{"name": "sid", "value": "n3w", "path": "/", "httpOnly": True}],
                        "content": {
                            "size": 64,
                            "mimeType": "application/json; charset=utf-8",
                            "text": base64.b64encode(b'{"id": "u1", "name": "ann", "tags": [], "age": 31}').decode(),
                            "encoding": "base64",
                        },
                        "redirectURL": "",
                        "headersSize": -1,
                        "bodySize": -1,
                        "_transferSize": 412,
                    },
                    "cache": {},
                    "timings": {"blocked": 1.5, "dns": -1, "ssl": -1, "connect": -1, "send": 0.2,
                                "wait": 80.1, "receive": 3.45},
                    "serverIPAddress": "93.184.216.34",
                    "connection": "443",
                    "_initiator": {"type": "script"},
                },
                {
                    "startedDateTime": "2024-05-01T12:20:31.5+02:00",
                    "time": -1,
                    "request": {"method": "get", "url": "https://cdn.example.com/logo.png", "headers": []},
                    "response": {
                        "status": 200,
                        "headers": [{"name": "Content-Type", "value": "image/png"}],
                        "content": {"mimeType": "image/png", "size": len(PNG),
                                    "text": base64.b64encode(PNG).decode(), "encoding": "base64"},
                    },
                    "timings": {"send": 1, "wait": 2, "receive": 3},
                },
            ],
        }
    }


def charles_like() -> dict[str, Any]:
    """Form posts as params without text, missing optional fields, a failed request, big content."""
    return {
        "log": {
            "entries": [
                {
                    "startedDateTime": "2024-05-02T08:00:00Z",
                    "request": {
                        "method": "POST",
                        "url": "http://legacy.local/login",
                        "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}],
                        "postData": {"mimeType": "application/x-www-form-urlencoded",
                                     "params": [{"name": "user", "value": "bob"},
                                                {"name": "password", "value": "hunter 2"}]},
                    },
                    "response": {"status": 302, "statusText": "Found",
                                 "headers": [{"name": "Location", "value": "/home?session=abc"}],
                                 "content": {"size": -1, "mimeType": ""}},
                },
                {
                    "startedDateTime": "2024-05-02T08:00:01Z",
                    "time": 12,
                    "request": {"method": "GET", "url": "http://legacy.local/down"},
                    "response": {"status": 0, "statusText": "", "headers": [], "content": {"size": 0}},
                    "_error": "net::ERR_CONNECTION_REFUSED",
                },
                {
                    "startedDateTime": "2024-05-02T08:00:02Z",
                    "time": 40,
                    "request": {"method": "GET", "url": "http://legacy.local/report.txt"},
                    "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "text/plain"}],
                                 "content": {"size": 100000, "mimeType": "text/plain", "text": "first part only"}},
                },
            ]
        }
    }


def _write(tmp_path: Path, name: str, doc: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def test_import_keeps_what_har_holds() -> None:
    first, png = list(exchanges_from_har(chrome_like(), file="x.har"))
    assert first.source == "har"
    assert first.request.method == "POST"
    assert first.request.url == "https://api.example.com/v1/users?expand=team&limit=10"
    assert ("authorization", "Bearer abc.def") in first.request.headers  # no redaction at this layer
    assert first.request.body.json == {"name": "ann", "password": "pw1"}
    assert first.request.body.size == 41 and not first.request.body.truncated
    assert first.response is not None and first.response.status == 201
    assert first.response.http_version == "http/2.0"
    assert first.response.body.kind == "json" and first.response.body.json["age"] == 31  # type: ignore[index,call-overload]
    assert first.response.body.media_type == "application/json"
    assert first.started_at == pytest.approx(1714558830.123)
    assert first.duration_ms == 85.25
    assert first.extra["timings"] == {"blocked": 1.5, "dns": -1, "ssl": -1, "connect": -1, "send": 0.2,
                                      "wait": 80.1, "receive": 3.45}
    assert first.extra["server_ip"] == "93.184.216.34" and first.extra["pageref"] == "page_1"
    assert png.request.method == "GET"
    assert png.started_at == pytest.approx(1714558831.5)  # +02:00 offset applied
    assert png.duration_ms == 6  # no total time: sum of the phases
    assert png.response is not None and png.response.body.kind == "binary"
    assert base64.b64decode(png.response.body.base64 or "") == PNG


def test_import_lenient_shapes() -> None:
    form, failed, partial = list(exchanges_from_har(charles_like()))
    assert form.request.body.text == "user=bob&password=hunter%202"
    assert form.response is not None and form.response.status == 302 and "status_text" not in form.extra  # standard
    assert form.duration_ms == 0.0
    assert failed.response is None and failed.error == "net::ERR_CONNECTION_REFUSED"
    assert partial.response is not None and partial.response.body.truncated
    assert partial.response.body.size == 100000 and partial.response.body.text == "first part only"


@pytest.mark.parametrize("factory", [chrome_like, charles_like])
def test_round_trip_har_import_export_import(tmp_path: Path, factory: Any) -> None:
    src = _write(tmp_path, "in.har", factory())
    once = list(read_exchanges(src))
    exported = _write(tmp_path, "out.har", har_document(once))
    twice = list(read_exchanges(exported))
    assert twice == once
    # and through the CLI with the JSON Lines store in between
    jsonl = tmp_path / "traffic.jsonl"
    assert main(["import-har", str(src), "-o", str(jsonl), "--no-redact"]) == 0
    assert main(["export-har", str(jsonl), "-o", str(tmp_path / "again.har")]) == 0
    assert list(read_exchanges(tmp_path / "again.har")) == once


def test_exported_har_is_complete_har_1_2(tmp_path: Path) -> None:
    exchanges = list(exchanges_from_har(chrome_like()))
    entry = har_document(exchanges)["log"]["entries"][0]
    assert entry["startedDateTime"] == "2024-05-01T10:20:30.123Z"
    assert entry["time"] == 85.25
    assert entry["timings"]["wait"] == 80.1
    assert entry["request"]["queryString"] == [{"name": "expand", "value": "team"}, {"name": "limit", "value": "10"}]
    assert entry["request"]["cookies"] == [{"name": "sid", "value": "s3cret"}, {"name": "theme", "value": "dark"}]
    assert entry["request"]["postData"]["mimeType"] == "application/json"
    assert json.loads(entry["request"]["postData"]["text"]) == {"name": "ann", "password": "pw1"}
    assert entry["response"]["cookies"] == [{"name": "sid", "value": "n3w", "path": "/", "httpOnly": True}]
    assert entry["response"]["content"]["mimeType"] == "application/json; charset=utf-8"
    assert entry["response"]["statusText"] == "Created"
    assert entry["serverIPAddress"] == "93.184.216.34"
    for key in ("startedDateTime", "time", "request", "response", "cache", "timings"):
        assert key in entry


def test_import_redacts_by_default(tmp_path: Path) -> None:
    src = _write(tmp_path, "in.har", chrome_like())
    out = tmp_path / "t.jsonl"
    assert import_har(src, out) == 2
    text = out.read_text()
    assert "s3cret" not in text and "abc.def" not in text and '"pw1"' not in text and "n3w" not in text
    assert "Bearer [REDACTED]" in text
    assert import_har(src, out, append=True) == 2
    assert len(list(read_exchanges(out))) == 4
    assert import_har(src, out) == 2  # replaced
    assert len(list(read_exchanges(out))) == 2


def test_time_formatting_round_trips() -> None:
    for text in ("2024-05-01T10:20:30.123Z", "2024-05-01T10:20:30.123456Z", "1999-12-31T23:59:59.000Z"):
        micros = parse_har_time(text)
        assert micros is not None
        assert format_har_time(micros / 1_000_000) == text
    assert parse_har_time("not a date") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"log": {"entries": [', r"bad\.har:1:\d+: malformed JSON"),
        ('{"log": {"entries": [{"request": {"method": "GET"}}]}}', r"bad\.har \(#/log/entries/0/request/url\): HAR request has no url"),
        ('{"log": {"entries": {}}}', r"bad\.har \(#/log/entries\): HAR 'log.entries' is not a list"),
        ('{"entries": []}', r"bad\.har \(#\): not a HAR file"),
        ("", r"bad\.har:1:1: malformed JSON"),
    ],
)
def test_bad_har_input_is_an_input_error(tmp_path: Path, content: str, message: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.har"
    bad.write_text(content)
    with pytest.raises(InputError, match=message):
        import_har(bad, tmp_path / "o.jsonl")
    assert main(["import-har", str(bad), "-o", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("contractdrift: error: ") and "bad.har" in err
    assert not (tmp_path / "o.jsonl").exists()


def test_export_reports_damaged_lines_and_missing_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _write(tmp_path, "in.har", chrome_like())
    jsonl = tmp_path / "t.jsonl"
    import_har(src, jsonl)
    with open(jsonl, "a") as fh:
        fh.write('{"id": "cut", "request": {"meth')
    count, problems = export_har(jsonl, tmp_path / "o.har")
    assert count == 2 and len(problems) == 1 and "truncated last line" in problems[0]
    assert main(["export-har", str(jsonl), "-o", str(tmp_path / "o2.har")]) == 0
    assert "truncated last line" in capsys.readouterr().err
    assert main(["export-har", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o3.har")]) == 2
    assert "missing.jsonl: no such file" in capsys.readouterr().err


def test_replay_link_survives_har_export_and_import(tmp_path: Path) -> None:
    from contractdrift.model import Exchange, Request, Response

    ex = Exchange(id="R1", started_at=1.5, duration_ms=2.0, replay_of="B7",
                  request=Request(method="GET", url="http://svc.test/a"), response=Response(status=204))
    path = _write(tmp_path, "linked.har", har_document([ex]))
    (back,) = list(read_exchanges(path))
    assert back.replay_of == "B7" and back.id == "R1"
