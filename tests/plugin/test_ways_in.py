"""Every way in reaches the per-test check: the client fixture (network, ASGI, WSGI; sync and async),
the middleware fixture, and the requests adapter. Each good call passes; each drifting call fails its test."""

from __future__ import annotations

import pytest

from .test_plugin_checks import SPEC

APPS = '''
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

PETS = {1: {"id": 1, "name": "Rex"}, 2: {"id": 2, "name": 42}}  # pet 2 drifts: its name is a number


async def get_pet(request):
    return JSONResponse(PETS[int(request.path_params["id"])])

asgi_app = Starlette(routes=[Route("/pets/{id}", get_pet)])

wsgi_app = Flask("pets")

@wsgi_app.get("/pets/<int:pid>")
def flask_pet(pid):
    return PETS[pid]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(PETS[int(self.path.rsplit("/", 1)[1])]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
'''

TESTS = '''
import asyncio

import httpx
import pytest
from conftest import asgi_app, wsgi_app


@pytest.mark.parametrize("pet", [1, 2])
@pytest.mark.parametrize("way", ["network", "asgi", "wsgi"])
def test_client_sync(contractdrift_client, server_url, way, pet):
    client = contractdrift_client(app=asgi_app) if way == "asgi" else contractdrift_client(app=wsgi_app) \\
        if way == "wsgi" else contractdrift_client(base_url=server_url)
    assert client.get(f"/pets/{pet}").json()["id"] == pet


@pytest.mark.parametrize("pet", [1, 2])
@pytest.mark.parametrize("way", ["network", "asgi", "wsgi"])
def test_client_async(contractdrift_client, server_url, way, pet):
    app = {"asgi": asgi_app, "wsgi": wsgi_app}.get(way)
    client = contractdrift_client(base_url=None if app else server_url, app=app, asynchronous=True)

    async def go():
        async with client:
            return (await client.get(f"/pets/{pet}")).json()

    assert asyncio.run(go())["id"] == pet


@pytest.mark.parametrize("pet", [1, 2])
@pytest.mark.parametrize("app", [asgi_app, wsgi_app], ids=["asgi", "wsgi"])
def test_middleware(contractdrift_middleware, app, pet):
    wrapped = contractdrift_middleware(app)
    transport = httpx.WSGITransport(app=wrapped) if app is wsgi_app else None
    if transport is not None:
        with httpx.Client(transport=transport, base_url="http://pets.test") as client:
            assert client.get(f"/pets/{pet}").json()["id"] == pet
    else:
        async def go():
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wrapped), base_url="http://pets.test") as c:
                return (await c.get(f"/pets/{pet}")).json()
        assert asyncio.run(go())["id"] == pet


@pytest.mark.parametrize("pet", [1, 2])
def test_requests_session(contractdrift_requests_session, server_url, pet):
    assert contractdrift_requests_session.get(f"{server_url}/pets/{pet}").json()["id"] == pet


def test_requests_adapter_mounted_by_hand(contractdrift_recorder, server_url):
    import requests
    from contractdrift.requests import RecordingAdapter

    with requests.Session() as session:
        session.mount("http://", RecordingAdapter(contractdrift_recorder))
        session.get(f"{server_url}/pets/1", headers={"Authorization": "Bearer s3cret"})
    contractdrift_recorder.flush()
    [ex] = contractdrift_recorder.exchanges
    assert ex.response.body.json == {"id": 1, "name": "Rex"}
    assert "s3cret" not in str(ex.request.headers)  # redacted like every other way in
'''


def test_every_way_in_is_checked(pytester: pytest.Pytester) -> None:
    pytest.importorskip("flask")
    pytest.importorskip("starlette")
    pytest.importorskip("requests")
    pytester.makefile(".yaml", spec=SPEC)
    pytester.makeconftest(APPS)
    pytester.makepyfile(test_ways=TESTS)
    result = pytester.runpytest_subprocess("--contractdrift-spec=spec.yaml", "-p", "no:randomly", "-rf")
    result.assert_outcomes(passed=10, failed=9)
    out = result.stdout.str()
    failed = sorted(line.split(" - ")[0].split("::")[1] for line in out.splitlines() if line.startswith("FAILED"))
    assert failed == sorted([f"test_client_sync[{w}-2]" for w in ("network", "asgi", "wsgi")]
                            + [f"test_client_async[{w}-2]" for w in ("network", "asgi", "wsgi")]
                            + ["test_middleware[asgi-2]", "test_middleware[wsgi-2]", "test_requests_session[2]"]), out
    assert out.count("response-property-type-mismatch GET /pets/{id} response 200 application/json at $.name") >= 9
