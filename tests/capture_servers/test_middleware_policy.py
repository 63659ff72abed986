"""Policy behaviour of the middleware (in-memory recorders, in-process transports: fast)."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contractdrift.asgi import RecordingMiddleware as AsgiMiddleware
from contractdrift.capture._tee import BodyTee, openapi_route
from contractdrift.capture.asgi import scope_url
from contractdrift.capture.recorder import CapturePolicy, Recorder
from contractdrift.capture.wsgi import environ_url
from contractdrift.model import Exchange
from contractdrift.store.reader import read_exchanges
from contractdrift.wsgi import RecordingMiddleware as WsgiMiddleware

from .apps import BIG, make_asgi_app, make_wsgi_app

PATHS = ["/items/1", "/big", "/api/users/x", "/stream"]


def _asgi(recorder: Any, paths: list[str] = PATHS, headers: dict[str, str] | None = None) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=AsgiMiddleware(make_asgi_app(), recorder))
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            return [await client.get(p, headers=headers) for p in paths]

    return asyncio.run(run())


def _wsgi(recorder: Any, paths: list[str] = PATHS[:2], headers: dict[str, str] | None = None) -> list[httpx.Response]:
    transport = httpx.WSGITransport(app=WsgiMiddleware(make_wsgi_app().wsgi_app, recorder))
    with httpx.Client(transport=transport, base_url="http://svc") as client:
        return [client.get(p, headers=headers) for p in paths]


@pytest.mark.parametrize("drive", [_asgi, _wsgi])
def test_sample_rate_zero_records_nothing_and_counts_drops(drive: Any) -> None:
    recorder = Recorder(None, sample_rate=0.0)
    responses = drive(recorder)
    assert all(r.status_code == 200 for r in responses)
    recorder.close()
    assert recorder.exchanges == []
    assert recorder.stats.dropped_sampling == len(responses) and recorder.stats.submitted == 0


@pytest.mark.parametrize("drive", [_asgi, _wsgi])
def test_body_cap_keeps_a_prefix_and_the_true_size(drive: Any) -> None:
    recorder = Recorder(None, max_body_bytes=100)
    responses = drive(recorder)
    recorder.close()
    big = next(e for e in recorder.exchanges if e.request.url.endswith("/big"))
    assert big.response is not None
    body = big.response.body
    assert body.truncated and body.size == len(BIG) and base64.b64decode(body.base64 or "") == BIG[:100]
    assert responses[1].content == BIG  # the client still gets everything
    item = next(e for e in recorder.exchanges if e.request.url.endswith("/items/1"))
    assert item.response is not None and item.response.body.kind == "json"
    over = [e for e in recorder.exchanges if e.response is not None and e.response.body.size > 100]
    assert all(e.response is not None and e.response.body.truncated for e in over)
    assert recorder.stats.truncated_bodies == len(over) >= 1


@pytest.mark.parametrize("drive", [_asgi, _wsgi])
def test_content_type_allow_list_keeps_only_listed_bodies(drive: Any) -> None:
    recorder = Recorder(None, policy=CapturePolicy(content_types=("application/json",)))
    drive(recorder)
    recorder.close()
    by_path = {httpx.URL(e.request.url).path: e for e in recorder.exchanges}
    big = by_path["/big"].response
    assert big is not None and big.body.truncated and big.body.size == len(BIG) and not big.body.base64
    item = by_path["/items/1"].response
    assert item is not None and item.body.json == {"id": 1, "n": "", "name": "item 1", "tags": ["a", "b"]}


@pytest.mark.parametrize("drive", [_asgi, _wsgi])
def test_excluded_paths_are_not_recorded(drive: Any) -> None:
    recorder = Recorder(None, policy=CapturePolicy(exclude_paths=("/big",)))
    drive(recorder)
    recorder.close()
    assert "/big" not in {httpx.URL(e.request.url).path for e in recorder.exchanges}
    assert recorder.stats.dropped_filtered == 1


class _BrokenRecorder:
    """A sink that fails everywhere: the app must not notice."""

    max_body_bytes = 1 << 20

    def __init__(self, fail_in: str) -> None:
        self.fail_in = fail_in
        self.noted: list[BaseException] = []

    def wants(self, method: str, url: str, route: str | None = None) -> bool:
        if self.fail_in == "wants":
            raise RuntimeError("wants failed")
        return True

    def body_allowed(self, media_type: str | None) -> bool:
        if self.fail_in == "body_allowed":
            raise RuntimeError("body_allowed failed")
        return True

    def submit(self, exchange: Exchange) -> bool:
        raise RuntimeError("submit failed")

    def note_error(self, exc: BaseException, doing: str = "") -> None:
        self.noted.append(exc)


@pytest.mark.parametrize("fail_in", ["wants", "body_allowed", "submit"])
def test_recording_failures_never_reach_the_app(fail_in: str) -> None:
    for drive in (_asgi, _wsgi):
        recorder = _BrokenRecorder(fail_in)
        responses = drive(recorder)
        assert [r.status_code for r in responses] == [200] * len(responses)
        assert responses[1].content == BIG
        assert recorder.noted, (drive, fail_in)


def test_route_templates_from_frameworks() -> None:
    recorder = Recorder(None)
    _asgi(recorder, ["/items/7", "/api/users/abc", "/nope"])
    _wsgi(recorder, ["/items/7", "/nope"])
    recorder.close()
    routes = [(e.source, httpx.URL(e.request.url).path, e.route) for e in recorder.exchanges]
    assert routes == [
        ("asgi", "/items/7", "/items/{item_id}"),
        ("asgi", "/api/users/abc", "/api/users/{uid}"),
        ("asgi", "/nope", None),
        ("wsgi", "/items/7", "/items/{item_id}"),
        ("wsgi", "/nope", None),
    ]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("/users/{id:int}", "/users/{id}"),
        ("/files/{path:path}", "/files/{path}"),
        ("/users/<int:user_id>/posts/<slug>", "/users/{user_id}/posts/{slug}"),
        ("/x/<string(length=2):code>", "/x/{code}"),
        ("/plain/{id}", "/plain/{id}"),
        ("/static", "/static"),
    ],
)
def test_openapi_route(template: str, expected: str) -> None:
    assert openapi_route(template) == expected


@given(st.lists(st.binary(max_size=300), max_size=20), st.integers(min_value=0, max_value=2000))
def test_body_tee_keeps_a_prefix_and_counts_everything(chunks: list[bytes], limit: int) -> None:
    tee = BodyTee(limit)
    for c in chunks:
        tee.feed(c)
    whole = b"".join(chunks)
    body = tee.body("application/octet-stream")
    assert body.size == len(whole)
    assert body.truncated == (len(whole) > limit)
    kept = base64.b64decode(body.base64 or "") if body.kind == "binary" else b""
    assert kept == whole[:limit] or (not whole and body.kind == "empty")


def test_urls_reconstructed_from_scope_and_environ() -> None:
    scope = {"type": "http", "scheme": "https", "server": ("10.0.0.1", 443), "raw_path": b"/a%20b",
             "query_string": b"q=1", "headers": []}
    assert scope_url(scope) == "https://10.0.0.1/a%20b?q=1"
    scope["headers"] = [(b"host", b"api.example.com:8443")]
    assert scope_url(scope) == "https://api.example.com:8443/a%20b?q=1"
    environ = {"wsgi.url_scheme": "http", "SERVER_NAME": "svc", "SERVER_PORT": "8000",
               "SCRIPT_NAME": "/app", "PATH_INFO": "/caf\xc3\xa9", "QUERY_STRING": "x=%20"}
    assert environ_url(environ) == "http://svc:8000/app/caf%C3%A9?x=%20"


SECRETS = {"Authorization": "Bearer opaque-abc123XYZ", "Cookie": "sid=s3ss10nv4lue; theme=dark",
           "X-Api-Key": "k3y-0paque-v4lue"}


@pytest.mark.parametrize("offload", ["process", "thread"])
@pytest.mark.parametrize("drive", [_asgi, _wsgi])
def test_credential_headers_never_reach_the_file(drive: Any, offload: str, tmp_path: Path) -> None:
    """The request path masks nothing: the writer masks credential headers by name before writing."""
    path = tmp_path / "creds.jsonl"
    recorder = Recorder(path, offload=offload)  # type: ignore[arg-type]
    assert all(r.status_code == 200 for r in drive(recorder, PATHS[:2], SECRETS))
    recorder.close()
    assert recorder.stats.recorded == 2 and recorder.stats.errors == 0
    text = path.read_text()
    for secret in ("opaque-abc123XYZ", "s3ss10nv4lue", "k3y-0paque-v4lue"):
        assert secret not in text
    for ex in read_exchanges(path):
        headers = {k.lower(): v for k, v in ex.request.headers}
        assert headers["authorization"].startswith("Bearer ") and "REDACTED" in headers["authorization"]
        assert "REDACTED" in headers["cookie"] and "REDACTED" in headers["x-api-key"]
