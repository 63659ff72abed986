"""A real uvicorn server on 127.0.0.1 (free port) serving a tiny Starlette app, for transport tests."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import zlib
from collections.abc import AsyncIterator, Iterator

import brotli
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

PAYLOAD = {"hello": "world", "items": list(range(300)), "password": "not-for-the-file"}
PAYLOAD_BYTES = json.dumps(PAYLOAD).encode()


async def json_endpoint(request: Request) -> Response:
    return Response(PAYLOAD_BYTES, media_type="application/json")


async def br_endpoint(request: Request) -> Response:
    return Response(brotli.compress(PAYLOAD_BYTES), media_type="application/json",
                    headers={"content-encoding": "br"})


async def deflate_endpoint(request: Request) -> Response:
    return Response(zlib.compress(PAYLOAD_BYTES), media_type="application/json",
                    headers={"content-encoding": "deflate"})


async def stream_endpoint(request: Request) -> Response:
    count = int(request.query_params.get("n", "20"))

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(count):
            yield f"line {i}\n".encode()
            await asyncio.sleep(0)

    return StreamingResponse(chunks(), media_type="text/plain")


async def echo_endpoint(request: Request) -> Response:
    data = await request.body()
    return JSONResponse({"received": data.decode(), "length": len(data)}, status_code=201)


async def binary_endpoint(request: Request) -> Response:
    return Response(bytes(range(256)) * 8, media_type="application/octet-stream")


def make_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/json", json_endpoint),
            Route("/br", br_endpoint),
            Route("/deflate", deflate_endpoint),
            Route("/stream", stream_endpoint),
            Route("/echo", echo_endpoint, methods=["POST"]),
            Route("/binary", binary_endpoint),
        ],
        middleware=[Middleware(GZipMiddleware, minimum_size=200)],
    )


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # running in a thread
        pass


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    config = uvicorn.Config(make_app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = _Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
