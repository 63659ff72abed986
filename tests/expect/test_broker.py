"""The Pact Broker client against a small broker stub on 127.0.0.1 speaking the broker's HAL JSON."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

import contractdrift as cd
from contractdrift.cli import main

SPEC = Path(__file__).parents[2] / "examples" / "orders" / "v2.yaml"


def _pact(consumer: str, description: str) -> dict[str, Any]:
    return {"consumer": {"name": consumer}, "provider": {"name": "orders"},
            "interactions": [{"description": description,
                              "request": {"method": "GET", "path": "/v1/orders/0f8fad5b-d9cb-469f-a165-70867728950e"},
                              "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                                           "body": {"id": "0f8fad5b-d9cb-469f-a165-70867728950e", "extra": 1},
                                           "matchingRules": {"body": {"$": {"matchers": [{"match": "type"}]}}}}}],
            "metadata": {"pactSpecification": {"version": "3.0.0"}}}


PACTS = {"/pacts/web/1": _pact("web", "latest web"), "/pacts/web/prod": _pact("web", "prod web"),
         "/pacts/app/main": _pact("app", "main app")}


class Broker(BaseHTTPRequestHandler):
    auth = "Bearer secret"
    seen: ClassVar[list[tuple[str, str, Any]]] = []

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/hal+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") != self.auth:
            self._send(401, {"error": "unauthorized"})
            return False
        return True

    def do_GET(self) -> None:
        if not self._authorized():
            return
        base = f"http://{self.headers['Host']}"
        self.seen.append(("GET", self.path, None))
        if self.path == "/":
            self._send(200, {"_links": {
                "pb:latest-provider-pacts": {"href": base + "/pacts/provider/{provider}/latest", "templated": True},
                "pb:latest-provider-pacts-with-tag": {"href": base + "/pacts/provider/{provider}/latest/{tag}",
                                                      "templated": True},
                "pb:provider-pacts-for-verification": {"href": base + "/pacts/provider/{provider}/for-verification",
                                                       "templated": True}}})
        elif self.path == "/pacts/provider/orders/latest":
            self._send(200, {"_links": {"pb:pacts": [{"href": base + "/pacts/web/1", "name": "web"}]}})
        elif self.path == "/pacts/provider/orders/latest/prod":
            self._send(200, {"_links": {"pb:pacts": [{"href": base + "/pacts/web/prod", "name": "web"}]}})
        elif self.path.startswith("/pacts/provider/nobody/latest"):
            self._send(200, {"_links": {"pb:pacts": []}})
        elif self.path in PACTS:
            self._send(200, PACTS[self.path])
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        if not self._authorized():
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        self.seen.append(("POST", self.path, body))
        if self.path != "/pacts/provider/orders/for-verification":
            self._send(404, {})
            return
        hrefs = []
        for sel in body.get("consumerVersionSelectors", []):
            if sel.get("branch") == "main":
                hrefs.append("/pacts/app/main")
            if sel.get("tag") == "prod":
                hrefs.append("/pacts/web/prod")
        base = f"http://{self.headers['Host']}"
        self._send(200, {"_embedded": {"pacts": [{"_links": {"self": {"href": base + h}}} for h in hrefs]}})


@pytest.fixture()
def broker() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Broker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Broker.seen = []
    Broker.auth = "Bearer secret"
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


TOKEN = {"PACT_BROKER_TOKEN": "secret"}


def test_latest_pacts_of_a_provider(broker: str) -> None:
    exp = cd.load_expectations(broker, provider="orders", env=TOKEN)
    assert [i.description for i in exp.interactions] == ["latest web"]
    assert exp.sources[0].name == broker + "/pacts/web/1" and exp.sources[0].consumer == "web"
    report = cd.check_expectations(SPEC, exp)
    f = next(f for f in report.findings if f.rule_id == "expect-response-property-missing")
    assert f.location.base is not None and f.location.base.pointer.startswith("/interactions/0")


def test_tags_and_branch_selectors(broker: str) -> None:
    exp = cd.load_expectations(broker, provider="orders", consumer_version_tags=["prod"], branch="main", env=TOKEN)
    assert sorted(i.description for i in exp.interactions) == ["main app", "prod web"]
    post = [s for s in Broker.seen if s[0] == "POST"]
    assert post[0][2] == {"consumerVersionSelectors": [{"tag": "prod", "latest": True}, {"branch": "main"}]}


def test_basic_auth(broker: str) -> None:
    Broker.auth = "Basic " + base64.b64encode(b"u:p").decode()
    exp = cd.load_expectations(broker, provider="orders", env={"PACT_BROKER_USERNAME": "u", "PACT_BROKER_PASSWORD": "p"})
    assert len(exp.interactions) == 1


def test_refused_credentials(broker: str) -> None:
    with pytest.raises(cd.InputError, match="refused the credentials"):
        cd.load_expectations(broker, provider="orders", env={"PACT_BROKER_TOKEN": "wrong"})


def test_no_pacts_is_reported(broker: str) -> None:
    exp = cd.load_expectations(broker, provider="nobody", env=TOKEN)
    report = cd.check_expectations(SPEC, exp)
    assert [f.rule_id for f in report.findings] == ["expect-broker-no-pacts"]


def test_unreachable_broker() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(cd.InputError, match="cannot reach the Pact Broker"):
        cd.load_expectations(f"http://127.0.0.1:{port}", provider="orders", env={})


def test_cli(broker: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PACT_BROKER_TOKEN", "secret")
    code = main(["check", "--spec", str(SPEC), "--pact-broker", broker, "--provider", "orders",
                 "--consumer-version-tag", "prod", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 1 and "expect-response-property-missing" in out
    assert main(["check", "--spec", str(SPEC), "--pact-broker", broker]) == 2
    assert "--provider" in capsys.readouterr().err
