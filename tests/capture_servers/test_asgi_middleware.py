"""ASGI middleware against a real uvicorn server on 127.0.0.1 with real httpx traffic over TCP."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

import contractdrift
from contractdrift.capture.recorder import Recorder
from contractdrift.store.reader import read_exchanges

from .apps import BIG, STREAM_CHUNKS, make_asgi_app
from .load import assert_recorded_once, comparable, fetch_all, mixed_calls
from .servers import uvicorn_server

pytestmark = pytest.mark.timeout(120)


def test_public_name() -> None:
    from contractdrift.capture.asgi import RecordingMiddleware

    assert contractdrift.asgi.RecordingMiddleware is RecordingMiddleware


@pytest.mark.slow
def test_1000_concurrent_requests_recorded_once_and_responses_identical(tmp_path: Path) -> None:
    calls = mixed_calls(1000)
    out = tmp_path / "asgi.jsonl"
    recorder = Recorder(out)
    with uvicorn_server(make_asgi_app()) as direct_base:
        direct = fetch_all(direct_base, calls)
    with uvicorn_server(contractdrift.asgi.RecordingMiddleware(make_asgi_app(), recorder)) as base:
        recorded = fetch_all(base, calls)
    recorder.close()

    assert [comparable(r) for r in recorded] == [comparable(r) for r in direct]
    assert {r.status for r in recorded} == {200}
    stats = recorder.stats
    assert stats.recorded == 1000 and stats.errors == 0 and stats.dropped == 0
    exchanges = list(read_exchanges(out))
    assert len(exchanges) == 1000
    assert_recorded_once(calls, exchanges)
    assert {e.source for e in exchanges} == {"asgi"}

    by_path = {httpx.URL(e.request.url).raw_path.decode(): e for e in exchanges}
    item = by_path["/items/3?n=3"]
    assert item.route == "/items/{item_id}"
    assert item.response is not None and item.response.body.json == {
        "id": 3, "n": "3", "name": "item 3", "tags": ["a", "b"]}
    echo = by_path["/echo?n=5"]
    assert echo.request.body.json == {"n": 5, "name": "thing 5", "values": [0, 1, 2, 3, 4]}
    assert echo.response is not None and echo.response.body.json == echo.request.body.json
    stream = by_path["/stream?n=6"]
    assert stream.response is not None and stream.response.body.text == b"".join(STREAM_CHUNKS).decode()
    big = by_path["/big?n=7"]
    assert big.response is not None and base64.b64decode(big.response.body.base64 or "") == BIG
    user = by_path["/api/users/u8?n=8"]
    assert user.route == "/api/users/{uid}"
    assert all(e.duration_ms >= 0 and e.started_at > 0 for e in exchanges)


def test_streaming_response_is_not_buffered() -> None:
    recorder = Recorder(None)
    app = contractdrift.asgi.RecordingMiddleware(make_asgi_app(), recorder)
    with uvicorn_server(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        t0 = time.perf_counter()
        with client.stream("GET", "/stream?delay=0.05") as resp:
            first = None
            chunks = []
            for chunk in resp.iter_raw():
                if first is None:
                    first = time.perf_counter() - t0
                chunks.append(chunk)
        total = time.perf_counter() - t0
        assert resp.headers["transfer-encoding"] == "chunked"
    assert first is not None and first < total / 3, (first, total)
    recorder.close()
    [ex] = recorder.exchanges
    assert ex.response is not None and ex.response.body.text == b"".join(chunks).decode()
    assert ex.duration_ms >= 0.9 * 1000 * 0.05 * (len(STREAM_CHUNKS) - 1)


def test_chunked_request_body_is_recorded_whole() -> None:
    recorder = Recorder(None)
    app = contractdrift.asgi.RecordingMiddleware(make_asgi_app(), recorder)
    parts = [b'{"part": 1, ', b'"more": "', b"x" * 5000, b'"}']

    async def upload(base: str) -> httpx.Response:
        async def gen() -> Any:
            for p in parts:
                yield p
                await asyncio.sleep(0.01)

        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            return await client.post("/echo", content=gen(), headers={"content-type": "application/json"})

    with uvicorn_server(app) as base:
        resp = asyncio.run(upload(base))
    assert resp.status_code == 200 and resp.content == b"".join(parts)
    recorder.close()
    [ex] = recorder.exchanges
    assert ("transfer-encoding", "chunked") in ex.request.headers
    assert ex.request.body.json == {"part": 1, "more": "x" * 5000}
    assert ex.request.body.size == len(b"".join(parts))


def test_app_exception_is_recorded_and_reraised_unchanged() -> None:
    recorder = Recorder(None)
    app = contractdrift.asgi.RecordingMiddleware(make_asgi_app(), recorder)
    with uvicorn_server(app) as base:
        resp = httpx.get(base + "/boom", timeout=10)
    assert resp.status_code == 500 and resp.text == "Internal Server Error"
    recorder.close()
    [ex] = recorder.exchanges
    assert ex.error == "RuntimeError: boom"
    assert ex.response is not None and ex.response.status == 500
    assert ex.route == "/boom"


def test_lifespan_and_websocket_scopes_pass_through_untouched() -> None:
    seen: list[tuple[Any, Any, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope, receive, send))

    recorder = Recorder(None)
    mw = contractdrift.asgi.RecordingMiddleware(app, recorder)

    async def receive() -> Any:
        return {}

    async def send(message: Any) -> None:
        return None

    for kind in ("lifespan", "websocket"):
        scope = {"type": kind}
        asyncio.run(mw(scope, receive, send))
        assert seen[-1] == (scope, receive, send)
    recorder.close()
    assert recorder.exchanges == [] and recorder.stats.submitted == 0
