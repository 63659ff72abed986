"""The same small service twice: a Starlette (ASGI) app and a Flask (WSGI) app."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import flask
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

BIG = bytes(range(256)) * 64  # 16 KiB of binary
STREAM_CHUNKS = [f"chunk-{i:03d}\n".encode() for i in range(20)]


# --- ASGI ------------------------------------------------------------------------------------------

async def item(request: Request) -> Response:
    item_id = request.path_params["item_id"]
    n = request.query_params.get("n", "")
    return JSONResponse({"id": item_id, "n": n, "name": f"item {item_id}", "tags": ["a", "b"]},
                        headers={"x-item": str(item_id)})


async def echo(request: Request) -> Response:
    body = await request.body()
    return Response(body, media_type=request.headers.get("content-type", "application/octet-stream"),
                    headers={"x-echo-size": str(len(body))})


async def stream(request: Request) -> Response:
    delay = float(request.query_params.get("delay", "0"))

    async def gen() -> AsyncIterator[bytes]:
        for chunk in STREAM_CHUNKS:
            yield chunk
            if delay:
                await asyncio.sleep(delay)

    return StreamingResponse(gen(), media_type="text/plain")


async def big(request: Request) -> Response:
    return Response(BIG, media_type="application/octet-stream")


async def gzipped(request: Request) -> Response:
    payload = json.dumps({"compressed": True, "items": list(range(200))}).encode()
    return Response(gzip.compress(payload, mtime=0), media_type="application/json",
                    headers={"content-encoding": "gzip"})


async def boom(request: Request) -> Response:
    raise RuntimeError("boom")


async def user(request: Request) -> Response:
    return JSONResponse({"uid": request.path_params["uid"]})


async def status(request: Request) -> Response:
    code = int(request.path_params["code"])
    return Response(b"" if code in (204, 304) else b"status", status_code=code, media_type="text/plain")


async def headers(request: Request) -> Response:
    body = await request.body()
    return JSONResponse({"headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.headers.raw],
                         "body_size": len(body), "method": request.method, "query": request.url.query})


def make_asgi_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/items/{item_id:int}", item),
            Route("/echo", echo, methods=["POST", "PUT"]),
            Route("/stream", stream),
            Route("/big", big),
            Route("/gzip", gzipped),
            Route("/boom", boom),
            Route("/headers", headers, methods=["GET", "POST", "PUT"]),
            Route("/status/{code}", status, methods=["GET", "HEAD", "POST", "DELETE"]),
            Mount("/api", routes=[Route("/users/{uid}", user)]),
        ]
    )


# --- WSGI ------------------------------------------------------------------------------------------

def make_wsgi_app() -> flask.Flask:
    app = flask.Flask("capture-test")

    @app.get("/items/<int:item_id>")
    def w_item(item_id: int) -> Any:
        n = flask.request.args.get("n", "")
        resp = flask.jsonify({"id": item_id, "n": n, "name": f"item {item_id}", "tags": ["a", "b"]})
        resp.headers["x-item"] = str(item_id)
        return resp

    @app.route("/echo", methods=["POST", "PUT"])
    def w_echo() -> Any:
        body = flask.request.get_data()
        return flask.Response(body, content_type=flask.request.content_type or "application/octet-stream",
                              headers={"x-echo-size": str(len(body))})

    @app.post("/noread")
    def w_noread() -> Any:
        return flask.Response(b"ignored", content_type="text/plain")

    @app.get("/stream")
    def w_stream() -> Any:
        def gen() -> Iterator[bytes]:
            yield from STREAM_CHUNKS

        return flask.Response(gen(), content_type="text/plain")

    @app.get("/big")
    def w_big() -> Any:
        return flask.Response(BIG, content_type="application/octet-stream")

    @app.get("/boom")
    def w_boom() -> Any:
        raise RuntimeError("boom")

    return app
