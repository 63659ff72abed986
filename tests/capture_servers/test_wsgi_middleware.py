"""WSGI middleware against a real waitress server (8 threads) with real httpx traffic over TCP."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import contractdrift
from contractdrift.capture.recorder import Recorder
from contractdrift.capture.wsgi import RecordingMiddleware
from contractdrift.store.reader import read_exchanges

from .apps import BIG, STREAM_CHUNKS, make_wsgi_app
from .load import assert_recorded_once, comparable, fetch_all, mixed_calls
from .servers import waitress_server

pytestmark = pytest.mark.timeout(120)


def test_public_name() -> None:
    assert contractdrift.wsgi.RecordingMiddleware is RecordingMiddleware


@pytest.mark.slow
def test_1000_concurrent_requests_recorded_once_and_responses_identical(tmp_path: Path) -> None:
    calls = mixed_calls(1000, with_mount=False)
    out = tmp_path / "wsgi.jsonl"
    recorder = Recorder(out)
    with waitress_server(make_wsgi_app().wsgi_app) as direct_base:
        direct = fetch_all(direct_base, calls)
    app = make_wsgi_app()
    app.wsgi_app = RecordingMiddleware(app.wsgi_app, recorder)  # type: ignore[method-assign]
    with waitress_server(app) as base:
        recorded = fetch_all(base, calls)
    recorder.close()

    assert [comparable(r) for r in recorded] == [comparable(r) for r in direct]
    assert {r.status for r in recorded} == {200}
    stats = recorder.stats
    assert stats.recorded == 1000 and stats.errors == 0 and stats.dropped == 0
    exchanges = list(read_exchanges(out))
    assert_recorded_once(calls, exchanges)
    assert {e.source for e in exchanges} == {"wsgi"}

    by_path = {httpx.URL(e.request.url).raw_path.decode(): e for e in exchanges}
    item = by_path["/items/3?n=3"]
    assert item.route == "/items/{item_id}"
    assert item.response is not None and item.response.body.json == {
        "id": 3, "n": "3", "name": "item 3", "tags": ["a", "b"]}
    echo = by_path["/echo?n=5"]
    assert echo.route == "/echo"
    assert echo.request.body.json == {"n": 5, "name": "thing 5", "values": [0, 1, 2, 3, 4]}
    assert echo.response is not None and echo.response.body.json == echo.request.body.json
    put = by_path["/echo?n=9"]
    assert put.request.method == "PUT" and put.request.body.text == "plain text 9"
    stream = by_path["/stream?n=6"]
    assert stream.response is not None and stream.response.body.text == b"".join(STREAM_CHUNKS).decode()
    big = by_path["/big?n=7"]
    assert big.response is not None and base64.b64decode(big.response.body.base64 or "") == BIG


class _ClosingBody:
    """A response iterable that remembers whether the server (through the middleware) closed it."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


def test_original_iterable_is_closed_and_write_callable_is_teed() -> None:
    bodies: list[_ClosingBody] = []

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/write":
            write = start_response("201 Created", [("Content-Type", "text/plain")])
            write(b"written, ")
            return [b"then returned"]
        start_response("200 OK", [("Content-Type", "text/plain")])
        body = _ClosingBody([b"a", b"b", b"c"])
        bodies.append(body)
        return body

    recorder = Recorder(None)
    with waitress_server(RecordingMiddleware(app, recorder)) as base, httpx.Client(base_url=base, timeout=10) as c:
        assert c.get("/closing").text == "abc"
        resp = c.get("/write")
        assert resp.status_code == 201 and resp.text == "written, then returned"
    recorder.close()
    assert bodies and bodies[0].closed
    by_path = {httpx.URL(e.request.url).path: e for e in recorder.exchanges}
    assert by_path["/closing"].response is not None and by_path["/closing"].response.body.text == "abc"
    written = by_path["/write"].response
    assert written is not None and written.status == 201 and written.body.text == "written, then returned"
    assert by_path["/write"].route is None  # not a werkzeug app: no route template


def test_list_responses_keep_their_length_so_the_server_sets_content_length() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])  # no Content-Length from the app
        return [b"exactly one chunk"]

    recorder = Recorder(None)
    with waitress_server(app) as direct_base, waitress_server(RecordingMiddleware(app, recorder)) as base:
        direct = httpx.get(direct_base + "/", timeout=10)
        recorded = httpx.get(base + "/", timeout=10)
    recorder.close()
    assert direct.headers.get("content-length") == "17"
    assert recorded.headers.get("content-length") == "17"
    assert "transfer-encoding" not in recorded.headers
    assert len(recorder.exchanges) == 1


def test_body_the_app_does_not_read_is_recorded_truncated_with_its_length() -> None:
    recorder = Recorder(None)
    app = make_wsgi_app()
    app.wsgi_app = RecordingMiddleware(app.wsgi_app, recorder)  # type: ignore[method-assign]
    with waitress_server(app) as base:
        resp = httpx.post(base + "/noread", json={"secretless": "x" * 100}, timeout=10)
    assert resp.text == "ignored"
    recorder.close()
    [ex] = recorder.exchanges
    assert ex.request.body.truncated and ex.request.body.size == len(resp.request.content)
    assert ex.route == "/noread"


def test_app_exception_propagates_and_is_recorded() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        raise ValueError("broken app")

    recorder = Recorder(None)
    mw = RecordingMiddleware(app, recorder)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/x", "SERVER_NAME": "h", "SERVER_PORT": "80",
               "wsgi.url_scheme": "http"}
    with pytest.raises(ValueError, match="broken app"):
        mw(environ, lambda *a: None)
    recorder.close()
    [ex] = recorder.exchanges
    assert ex.response is None and ex.error == "ValueError: broken app"
    assert ex.request.url == "http://h/x"


def test_streaming_generator_error_is_recorded() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])

        def gen() -> Iterator[bytes]:
            yield b"first"
            raise OSError("disk gone")

        return gen()

    recorder = Recorder(None)
    result = RecordingMiddleware(app, recorder)(
        {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_HOST": "h", "wsgi.url_scheme": "http"},
        lambda *a: (lambda data: None),
    )
    got = []
    with pytest.raises(OSError):
        for chunk in result:
            got.append(chunk)
    result.close()  # type: ignore[attr-defined]
    recorder.close()
    assert got == [b"first"]
    [ex] = recorder.exchanges
    assert ex.error == "OSError: disk gone"
    assert ex.response is not None and ex.response.body.text == "first" and ex.response.body.truncated
