"""Recording reverse proxy (served by contractdrift's own uvicorn runner) in front of a real upstream."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from contractdrift.capture.proxy import RecordingProxy, serve
from contractdrift.capture.recorder import Recorder
from contractdrift.store.reader import read_exchanges

from .apps import STREAM_CHUNKS, make_asgi_app
from .load import assert_recorded_once, comparable, fetch_all, mixed_calls
from .servers import uvicorn_server

pytestmark = pytest.mark.timeout(120)


@contextlib.contextmanager
def proxy_server(upstream: str, recorder: Recorder, **kwargs: object) -> Iterator[str]:
    """:func:`contractdrift.capture.proxy.serve` in a thread on a free port; yields its URL."""
    started = threading.Event()
    stop = threading.Event()
    address: list[str] = []
    errors: list[BaseException] = []

    def on_started(url: str) -> None:
        address.append(url)
        started.set()

    def run() -> None:
        try:
            serve(RecordingProxy(upstream, recorder, **kwargs), "127.0.0.1", 0,  # type: ignore[arg-type]
                  on_started=on_started, should_exit=stop, graceful_timeout=5)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            started.set()

    thread = threading.Thread(target=run, name="proxy-test", daemon=True)
    thread.start()
    assert started.wait(10) and not errors, errors
    try:
        yield address[0]
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive(), "proxy did not stop"


@pytest.mark.slow
def test_1000_concurrent_requests_through_the_proxy(tmp_path: Path) -> None:
    calls = mixed_calls(1000)
    out = tmp_path / "proxy.jsonl"
    recorder = Recorder(out)
    with uvicorn_server(make_asgi_app()) as upstream:
        direct = fetch_all(upstream, calls)
        with proxy_server(upstream, recorder) as proxy:
            proxied = fetch_all(proxy, calls)
    recorder.close()

    # Same status, headers (the upstream's own, minus the date) and raw body bytes.
    assert [comparable(r) for r in proxied] == [comparable(r) for r in direct]
    stats = recorder.stats
    assert stats.recorded == 1000 and stats.errors == 0
    exchanges = list(read_exchanges(out))
    assert_recorded_once(calls, exchanges)
    assert {e.source for e in exchanges} == {"proxy"}
    assert all(e.request.url.startswith(upstream) for e in exchanges)
    by_path = {httpx.URL(e.request.url).raw_path.decode(): e for e in exchanges}
    echo = by_path["/echo?n=5"]
    assert echo.request.body.json == {"n": 5, "name": "thing 5", "values": [0, 1, 2, 3, 4]}
    assert echo.response is not None and echo.response.body.json == echo.request.body.json
    assert echo.response.http_version == "1.1"


def test_headers_pass_through_without_hop_by_hop_and_nothing_added() -> None:
    recorder = Recorder(None)
    with uvicorn_server(make_asgi_app()) as upstream, proxy_server(upstream, recorder) as proxy:
        headers = {"X-Custom": "kept", "Connection": "keep-alive, X-Drop-Me", "X-Drop-Me": "1",
                   "Keep-Alive": "timeout=5", "Accept": "application/json", "User-Agent": "test-agent"}
        via_proxy = httpx.get(proxy + "/headers?a=1&b=%20x", headers=headers, timeout=10).json()
        direct = httpx.get(upstream + "/headers?a=1&b=%20x", headers={k: v for k, v in headers.items()
                                                                      if k not in ("Keep-Alive", "X-Drop-Me")},
                           timeout=10).json()
    got = {k: v for k, v in via_proxy["headers"]}
    assert got["x-custom"] == "kept" and got["user-agent"] == "test-agent" and got["accept"] == "application/json"
    assert "x-drop-me" not in got and "keep-alive" not in got and "connection" not in got
    assert got["host"] == httpx.URL(upstream).netloc.decode()
    assert via_proxy["query"] == direct["query"] == "a=1&b=%20x"
    # Nothing added: the upstream sees the client's headers minus hop-by-hop ones.
    direct_names = sorted(k for k, _ in direct["headers"] if k != "connection")
    assert sorted(got) == direct_names
    recorder.close()


def test_gzip_passes_through_compressed_and_is_recorded_decoded() -> None:
    recorder = Recorder(None)
    with uvicorn_server(make_asgi_app()) as upstream, proxy_server(upstream, recorder) as proxy:
        with httpx.stream("GET", proxy + "/gzip", timeout=10) as resp:
            raw = b"".join(resp.iter_raw())
        with httpx.stream("GET", upstream + "/gzip", timeout=10) as direct:
            direct_raw = b"".join(direct.iter_raw())
    assert resp.headers["content-encoding"] == "gzip"
    assert raw == direct_raw and resp.headers["content-length"] == str(len(raw))
    payload = json.loads(gzip.decompress(raw))
    recorder.close()
    [ex] = recorder.exchanges
    assert ex.response is not None
    assert ex.response.body.kind == "json" and ex.response.body.json == payload
    assert ex.response.body.size == len(gzip.decompress(raw))


def test_streaming_response_is_streamed_chunked_and_recorded_whole() -> None:
    recorder = Recorder(None)
    with uvicorn_server(make_asgi_app()) as upstream, proxy_server(upstream, recorder) as proxy:
        t0 = time.perf_counter()
        first = None
        chunks = []
        with httpx.stream("GET", proxy + "/stream?delay=0.05", timeout=10) as resp:
            for chunk in resp.iter_raw():
                if first is None:
                    first = time.perf_counter() - t0
                chunks.append(chunk)
        total = time.perf_counter() - t0
    assert resp.headers["transfer-encoding"] == "chunked"
    assert b"".join(chunks) == b"".join(STREAM_CHUNKS)
    assert first is not None and first < total / 3, (first, total)
    recorder.close()
    [ex] = recorder.exchanges
    assert ex.response is not None and ex.response.body.text == b"".join(STREAM_CHUNKS).decode()


def test_chunked_request_streams_upstream() -> None:
    recorder = Recorder(None)
    parts = [b"line one\n", b"line two\n" * 1000, b"end\n"]

    async def upload(proxy: str) -> httpx.Response:
        async def gen() -> AsyncIterator[bytes]:
            for p in parts:
                yield p
                await asyncio.sleep(0.01)

        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(proxy + "/headers", content=gen(), headers={"content-type": "text/plain"})

    with uvicorn_server(make_asgi_app()) as upstream, proxy_server(upstream, recorder) as proxy:
        resp = asyncio.run(upload(proxy))
    seen = resp.json()
    assert seen["body_size"] == len(b"".join(parts))
    assert ["transfer-encoding", "chunked"] in seen["headers"]
    assert not any(k == "content-length" for k, _ in seen["headers"])
    recorder.close()
    [ex] = recorder.exchanges
    assert ex.request.body.text == b"".join(parts).decode()


def test_large_body_is_truncated_in_the_recording_not_on_the_wire() -> None:
    recorder = Recorder(None, max_body_bytes=1000)
    payload = b"x" * 50_000
    with uvicorn_server(make_asgi_app()) as upstream, proxy_server(upstream, recorder) as proxy:
        resp = httpx.put(proxy + "/echo", content=payload, headers={"content-type": "text/plain"}, timeout=10)
    assert resp.content == payload
    recorder.close()
    [ex] = recorder.exchanges
    assert ex.request.body.truncated and ex.request.body.size == 50_000 and ex.request.body.text == "x" * 1000
    assert ex.response is not None and ex.response.body.truncated and ex.response.body.size == 50_000
    assert recorder.stats.truncated_bodies == 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_upstream_gives_502_and_a_recorded_error() -> None:
    recorder = Recorder(None)
    with proxy_server(f"http://127.0.0.1:{_closed_port()}", recorder, timeout=5.0) as proxy:
        resp = httpx.post(proxy + "/anything?x=1", json={"a": 1}, timeout=10)
    assert resp.status_code == 502 and resp.text.startswith("Bad Gateway")
    recorder.close()
    [ex] = recorder.exchanges
    assert ex.response is None and ex.error is not None and "ConnectError" in ex.error
    assert ex.request.method == "POST" and ex.request.body.json == {"a": 1}


def test_status_codes_and_methods_are_forwarded() -> None:
    recorder = Recorder(None)
    with uvicorn_server(make_asgi_app()) as upstream, proxy_server(upstream, recorder) as proxy:
        for method, code in [("GET", 404), ("POST", 201), ("DELETE", 204), ("HEAD", 200), ("GET", 503)]:
            via = httpx.request(method, f"{proxy}/status/{code}", timeout=10)
            direct = httpx.request(method, f"{upstream}/status/{code}", timeout=10)
            assert (via.status_code, via.content) == (direct.status_code, direct.content) == (code, via.content)
        assert httpx.get(proxy + "/no/such/route", timeout=10).status_code == 404
    recorder.close()
    assert [e.response.status for e in recorder.exchanges if e.response] == [404, 201, 204, 200, 503, 404]


def test_credential_headers_are_masked_by_the_writer_not_on_the_way(tmp_path: Path) -> None:
    """The upstream gets the client's credentials untouched; the recording has them masked."""
    out = tmp_path / "creds.jsonl"
    recorder = Recorder(out, offload="process")
    secrets = {"Authorization": "Bearer opaque-abc123XYZ", "Cookie": "sid=s3ss10nv4lue", "X-Api-Key": "k3y-0paque"}
    with uvicorn_server(make_asgi_app()) as upstream, proxy_server(upstream, recorder) as proxy:
        assert httpx.get(proxy + "/items/3", headers=secrets, timeout=10).status_code == 200
    recorder.close()
    assert recorder.stats.recorded == 1 and recorder.stats.errors == 0
    text = out.read_text()
    assert "opaque-abc123XYZ" not in text and "s3ss10nv4lue" not in text and "k3y-0paque" not in text
    (ex,) = read_exchanges(out)
    headers = dict(ex.request.headers)
    assert "REDACTED" in headers["authorization"] and "REDACTED" in headers["x-api-key"]
