from __future__ import annotations

import asyncio
import base64
import gzip
import importlib.util
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from flask import Flask
from flask import request as flask_request

from contractdrift import AsyncRecordingTransport, Recorder, RecordingTransport, read_exchanges
from contractdrift.capture.httpx_transport import transport_classes
from contractdrift.model import Exchange

from .conftest import PAYLOAD, PAYLOAD_BYTES, make_app


def _recorded(rec: Recorder) -> list[Exchange]:
    rec.flush(5)
    return list(rec.exchanges)


@pytest.mark.parametrize("path", ["/json", "/br", "/deflate"])
def test_compressed_responses_recorded_decoded_and_caller_unaffected(server_url: str, path: str) -> None:
    headers = {"accept-encoding": "gzip, deflate, br"}
    with httpx.Client() as plain:
        expected = plain.get(server_url + path, headers=headers)
        with plain.stream("GET", server_url + path, headers=headers) as r:
            expected_raw = b"".join(r.iter_raw())
    rec = Recorder(None)
    with httpx.Client(transport=RecordingTransport(rec)) as client:
        got = client.get(server_url + path, headers=headers)
        with client.stream("GET", server_url + path, headers=headers) as r:
            got_raw = b"".join(r.iter_raw())
    assert got.content == expected.content == PAYLOAD_BYTES
    assert got_raw == expected_raw != PAYLOAD_BYTES  # the wire bytes were compressed and passed through
    assert got.headers["content-encoding"] == expected.headers["content-encoding"]
    exchanges = _recorded(rec)
    assert len(exchanges) == 2
    for ex in exchanges:
        assert ex.source == "httpx" and ex.response is not None
        assert ex.request.url == server_url + path
        assert ex.response.status == 200 and ex.response.http_version == "HTTP/1.1"
        body = ex.response.body
        assert body.kind == "json" and body.size == len(PAYLOAD_BYTES) and not body.truncated
        assert body.json == {**PAYLOAD, "password": "xxx-xxx-xxx-xxxx"}  # decoded, then redacted
        assert dict(ex.response.headers)["content-encoding"] in ("gzip", "br", "deflate")
    rec.close()


def test_streaming_response_and_early_close(server_url: str) -> None:
    rec = Recorder(None)
    with httpx.Client(transport=RecordingTransport(rec)) as client:
        # identity: the partial body must not depend on when the server's gzip flushes
        plain = {"accept-encoding": "identity"}
        with client.stream("GET", server_url + "/stream?n=50", headers=plain) as r:
            lines = list(r.iter_lines())
        assert lines == [f"line {i}" for i in range(50)]
        with client.stream("GET", server_url + "/stream?n=500", headers=plain) as r:
            next(r.iter_raw())  # read one chunk, then leave
    full, partial = _recorded(rec)
    assert full.response is not None and full.response.body.text == "".join(f"line {i}\n" for i in range(50))
    assert not full.response.body.truncated
    assert partial.response is not None and partial.response.body.truncated
    assert partial.response.body.text and "line 0\n".startswith(partial.response.body.text[:7])
    rec.close()


def test_streamed_request_body_is_recorded_and_sent_intact(server_url: str) -> None:
    def gen() -> Iterator[bytes]:
        yield b"part-one;"
        yield b"part-two"

    rec = Recorder(None)
    with httpx.Client(transport=RecordingTransport(rec)) as client:
        r1 = client.post(server_url + "/echo", content=gen(), headers={"content-type": "text/plain"})
        r2 = client.post(server_url + "/echo", json={"user": "bob", "password": "hunter2"})
    assert r1.json() == {"received": "part-one;part-two", "length": 17}
    assert json.loads(r2.json()["received"]) == {"user": "bob", "password": "hunter2"}  # spacing is httpx's
    streamed, posted = _recorded(rec)
    assert streamed.request.body.text == "part-one;part-two" and streamed.request.body.size == 17
    assert posted.request.body.json == {"user": "bob", "password": "xxxxxx0"}
    assert posted.response is not None and posted.response.status == 201
    rec.close()


def test_body_cap_and_binary(server_url: str) -> None:
    rec = Recorder(None, max_body_bytes=100)
    with httpx.Client(transport=RecordingTransport(rec)) as client:
        assert len(client.get(server_url + "/binary").content) == 2048
        assert client.get(server_url + "/json", headers={"accept-encoding": "gzip"}).json() == PAYLOAD
    binary, js = _recorded(rec)
    assert binary.response is not None and binary.response.body.kind == "binary"
    assert binary.response.body.size == 2048 and binary.response.body.truncated
    assert base64.b64decode(binary.response.body.base64 or "") == bytes(range(100))
    assert js.response is not None and js.response.body.truncated and js.response.body.size == len(PAYLOAD_BYTES)
    assert js.response.body.kind == "text" and len(js.response.body.text or "") == 100
    rec.close()
    assert rec.stats.truncated_bodies == 2


def test_transport_error_recorded_and_reraised() -> None:
    rec = Recorder(None)
    with httpx.Client(transport=RecordingTransport(rec)) as client, pytest.raises(httpx.ConnectError):
        client.get("http://127.0.0.1:1/nothing?token=abc")
    (ex,) = _recorded(rec)
    assert ex.response is None and ex.error is not None and ex.error.startswith("ConnectError")
    assert ex.request.url == "http://127.0.0.1:1/nothing?token=xxx"
    rec.close()


def test_wrapping_mock_transport_and_filters() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/gz":
            return httpx.Response(200, content=gzip.compress(b'{"a": 1}'),
                                  headers={"content-encoding": "gzip", "content-type": "application/json"})
        return httpx.Response(200, json={"path": request.url.path, "body": request.read().decode()})

    from contractdrift import CapturePolicy

    rec = Recorder(None, policy=CapturePolicy(exclude_paths=("/skip*",)))
    transport = RecordingTransport(rec, httpx.MockTransport(handler))
    with httpx.Client(transport=transport, base_url="http://mock.test") as client:
        assert client.get("/gz").json() == {"a": 1}
        assert client.post("/x", content=b"abc").json() == {"path": "/x", "body": "abc"}
        assert client.get("/skip/me").status_code == 200
    gz, posted = _recorded(rec)
    assert gz.response is not None and gz.response.body.json == {"a": 1}
    assert posted.request.body.text == "abc"
    assert posted.response is not None and posted.response.body.json == {"path": "/x", "body": "abc"}
    assert rec.stats.dropped_filtered == 1
    rec.close()


def test_wrapping_wsgi_transport() -> None:
    app = Flask(__name__)

    @app.post("/users")
    def create() -> tuple[dict[str, object], int]:
        return {"id": 7, "name": (flask_request.get_json() or {}).get("name")}, 201

    rec = Recorder(None)
    with httpx.Client(transport=RecordingTransport(rec, httpx.WSGITransport(app=app)),
                      base_url="http://wsgi.test") as client:
        assert client.post("/users", json={"name": "ann"}).status_code == 201
    (ex,) = _recorded(rec)
    assert ex.response is not None and ex.response.body.json == {"id": 7, "name": "ann"}
    assert ex.request.url == "http://wsgi.test/users"
    rec.close()


def test_async_transport_over_tcp_and_asgi(server_url: str) -> None:
    rec = Recorder(None)

    async def main() -> tuple[bytes, bytes, list[str]]:
        async with httpx.AsyncClient(transport=AsyncRecordingTransport(rec)) as client:
            r = await client.get(server_url + "/br", headers={"accept-encoding": "br"})
            lines: list[str] = []
            async with client.stream("GET", server_url + "/stream?n=10") as s:
                async for line in s.aiter_lines():
                    lines.append(line)

            async def gen() -> AsyncIterator[bytes]:
                yield b"a"
                yield b"b"

            await client.post(server_url + "/echo", content=gen())
        asgi = AsyncRecordingTransport(rec, httpx.ASGITransport(app=make_app()))
        async with httpx.AsyncClient(transport=asgi, base_url="http://asgi.test") as client:
            r2 = await client.get("/json", headers={"accept-encoding": "gzip"})
        return r.content, r2.content, lines

    br_content, asgi_content, lines = asyncio.run(main())
    assert br_content == asgi_content == PAYLOAD_BYTES
    assert lines == [f"line {i}" for i in range(10)]
    br, stream, echo, asgi = _recorded(rec)
    assert br.response is not None and br.response.body.kind == "json"
    assert stream.response is not None and stream.response.body.text == "".join(f"line {i}\n" for i in range(10))
    assert echo.request.body.text == "ab"
    assert asgi.request.url == "http://asgi.test/json"
    assert asgi.response is not None and asgi.response.body.json["hello"] == "world"  # type: ignore[call-overload,index]
    assert all(e.source == "httpx" for e in (br, stream, echo, asgi))
    rec.close()


def test_records_to_file_through_real_server(server_url: str, tmp_path: Path) -> None:
    path = tmp_path / "traffic.jsonl"
    with Recorder(path, tags={"suite": "httpx"}) as rec, httpx.Client(transport=RecordingTransport(rec)) as client:
        for _ in range(20):
            client.get(server_url + "/json", headers={"authorization": "Bearer top-secret-value"})
    text = path.read_text()
    assert "top-secret-value" not in text and "not-for-the-file" not in text
    got = list(read_exchanges(path))
    assert len(got) == 20 and all(e.tags == {"suite": "httpx"} for e in got)
    assert json.loads(text.splitlines()[1])["source"] == "httpx"


def test_transport_classes_factory_reuses_module_classes() -> None:
    assert transport_classes("httpx") == (RecordingTransport, AsyncRecordingTransport)
    assert isinstance(RecordingTransport(Recorder(None), httpx.MockTransport(lambda r: httpx.Response(204))),
                      RecordingTransport)


@pytest.mark.skipif(importlib.util.find_spec("httpx2") is None, reason="httpx2 not installed")
def test_httpx2_support() -> None:  # pragma: no cover - depends on the optional package
    httpx2 = importlib.import_module("httpx2")
    rec = Recorder(None)
    transport = RecordingTransport(rec, httpx2.MockTransport(lambda r: httpx2.Response(200, json={"ok": True})))
    assert isinstance(transport, httpx2.BaseTransport)
    with httpx2.Client(transport=transport, base_url="http://h2.test") as client:
        assert client.get("/x").json() == {"ok": True}
    (ex,) = _recorded(rec)
    assert ex.response is not None and ex.response.body.json == {"ok": True}
