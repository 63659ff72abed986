"""Replay and parity end to end: two builds of a real Starlette app served by uvicorn on 127.0.0.1.

The proof of issue 13: recorded traffic of v1, replayed against v2 with a second v1 as control,
finds exactly the four known differences and reports the volatile fields as noise. Safety: a POST
is not replayed without the flag, a host not given is never contacted, redacted credentials are
never sent.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contractdrift import api
from contractdrift.capture.httpx_transport import RecordingTransport
from contractdrift.capture.recorder import Recorder
from contractdrift.cli import main
from contractdrift.model import Severity
from contractdrift.store.reader import read_exchanges

from .parity_apps import make_app
from .servers import uvicorn_server

pytestmark = pytest.mark.timeout(120)

VOLATILE = {"/created_at", "/request_id", "/trace/id"}


def record(base: str, out: Path, calls: list[tuple[str, str, dict[str, str]]]) -> None:
    """Record real traffic of ``base`` through the project's own recording transport."""
    recorder = Recorder(out)
    with httpx.Client(transport=RecordingTransport(recorder), base_url=base) as client:
        for method, path, headers in calls:
            client.request(method, path, headers=headers, json={"sku": "A-1"} if method == "POST" else None)
    recorder.close()


def shop_calls() -> list[tuple[str, str, dict[str, str]]]:
    calls = [("GET", f"/orders/{i}", {}) for i in range(1, 7)]
    calls += [("GET", f"/orders/{i}/history", {}) for i in range(1, 5)]
    calls += [("GET", "/legacy", {})] * 3
    calls += [("POST", "/orders", {})]
    return calls


@contextlib.contextmanager
def shop() -> Iterator[tuple[Any, Any, Any, str, str, str]]:
    v1, control, v2 = make_app(1), make_app(1), make_app(2)
    with uvicorn_server(v1) as u1, uvicorn_server(control) as uc, uvicorn_server(v2) as u2:
        yield v1, control, v2, u1, uc, u2


def _by_rule(doc: dict[str, Any]) -> tuple[set[tuple[str, str | None, str | None]], dict[str, set[str]]]:
    changes = set()
    noise: dict[str, set[str]] = {}
    for f in doc["findings"]:
        if f["id"] == "parity-noise":
            noise.setdefault(f["operation"], set()).add(f["payload_pointer"])
        else:
            changes.add((f["id"], f["operation"], f["payload_pointer"]))
    return changes, noise


def test_replay_with_control_finds_exactly_the_known_differences(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    baseline, cand = tmp_path / "baseline.jsonl", tmp_path / "candidate.jsonl"
    with shop() as (_v1, control_app, v2_app, u1, uc, u2):
        record(u1, baseline, shop_calls())
        code = main(["replay", str(baseline), "--target", u2, "--control", uc, "-o", str(cand)])
        err = capsys.readouterr().err
        assert code == 0, err
        assert "replayed 13 of 14 exchanges" in err and "skipped 1 (method not allowed)" in err
        assert not [s for s in v2_app.state.seen if s[0] == "POST"]
        assert len(v2_app.state.seen) == len(control_app.state.seen) == 13
    control_file = tmp_path / "candidate.control.jsonl"
    replayed = list(read_exchanges(cand))
    recorded = {e.id: e for e in read_exchanges(baseline)}
    assert len(replayed) == 13 and all(e.replay_of in recorded for e in replayed)
    assert {e.tags["replay"] for e in replayed} == {"candidate"}
    assert {e.tags["replay"] for e in read_exchanges(control_file)} == {"control"}

    code = main(["parity", str(baseline), str(cand), "--control", str(control_file), "--format", "json"])
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert code == 1
    changes, noise = _by_rule(doc)
    orders, history = "GET /orders/{orderId}", "GET /orders/{orderId}/history"
    assert changes == {
        ("parity-property-removed", orders, "/note"),
        ("parity-type-changed", orders, "/total/amount"),
        ("parity-status-changed", "GET /legacy", None),
        ("parity-order-changed", history, "/events"),
        ("parity-not-compared", None, None),  # the POST, never replayed, is counted
    }
    assert noise == {orders: VOLATILE, history: VOLATILE, "GET /legacy": VOLATILE}
    by_id = {(f["id"], f["payload_pointer"]): f for f in doc["findings"]}
    typed = by_id[("parity-type-changed", "/total/amount")]
    assert typed["args"] == {"property": "$.total.amount", "old": "number", "new": "string"}
    assert typed["evidence"]["observed"] == typed["evidence"]["total"] == 6
    assert typed["message"].endswith("in 6 of 6 responses")
    example = typed["evidence"]["example"]
    assert isinstance(example["baseline"]["value"], float) and isinstance(example["candidate"]["value"], str)
    assert example["baseline"]["exchange"] in recorded
    assert example["candidate"]["exchange"] in {e.id for e in replayed}
    status = by_id[("parity-status-changed", None)]
    assert status["args"] == {"old": 200, "new": 410} and status["evidence"]["observed"] == 3
    assert doc["meta"]["pairs"] == "13" and doc["meta"]["control_pairs"] == "13"

    # every report format renders it; --fail-on and an ignore file steer the exit code
    for fmt in ("text", "markdown", "junit", "sarif", "github", "html"):
        assert main(["parity", str(baseline), str(cand), "--control", str(control_file), "-f", fmt]) == 1
        assert "total" in capsys.readouterr().out
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    ignore = tmp_path / "accepted"
    ignore.write_text("".join(f"{f['fingerprint']} accepted for v2\n" for f in errors))
    assert main(["parity", str(baseline), str(cand), "--control", str(control_file), "--ignore", str(ignore)]) == 0
    capsys.readouterr()
    assert main(["parity", str(baseline), str(cand), "--control", str(control_file), "--ignore", str(ignore),
                 "--fail-on", "warn"]) == 1
    capsys.readouterr()


def test_without_control_the_volatile_fields_are_learned_from_repeats(tmp_path: Path) -> None:
    baseline, cand = tmp_path / "baseline.jsonl", tmp_path / "candidate.jsonl"
    calls = [("GET", f"/orders/{i % 3 + 1}", {}) for i in range(9)]  # each request three times
    with shop() as (_v1, _c, _v2, u1, _uc, u2):
        record(u1, baseline, calls)
        api.replay([baseline], u2, cand)
    report = api.parity(baseline, cand)
    noise = {f.location.payload_pointer for f in report.findings if f.rule_id == "parity-noise"}
    changes = {(f.rule_id, f.location.payload_pointer) for f in report.findings if f.rule_id != "parity-noise"}
    assert noise == VOLATILE
    assert changes == {("parity-property-removed", "/note"), ("parity-type-changed", "/total/amount")}


def test_same_build_has_no_differences_only_noise(tmp_path: Path) -> None:
    baseline, again = tmp_path / "baseline.jsonl", tmp_path / "again.jsonl"
    with shop() as (_v1, _c, _v2, u1, uc, _u2):
        record(u1, baseline, shop_calls())
        api.replay([baseline], uc, again, control=uc)
    report = api.parity(baseline, again, control=again.with_name("again.control.jsonl"))
    assert {f.rule_id for f in report.findings} == {"parity-noise", "parity-not-compared"}
    assert report.exit_code(Severity.WARN) == 0 and report.exit_code(Severity.INFO) == 1


# --- safety ------------------------------------------------------------------------------------------


class CountingListener:
    """A TCP listener on 127.0.0.1 that only counts the connections it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def test_a_post_is_replayed_only_when_allowed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = tmp_path / "b.jsonl"
    with shop() as (_v1, _c, v2_app, u1, _uc, u2):
        record(u1, baseline, [("POST", "/orders", {}), ("GET", "/orders/1", {})])
        assert main(["replay", str(baseline), "--target", u2, "-o", str(tmp_path / "c.jsonl")]) == 0
        assert [s[0] for s in v2_app.state.seen] == ["GET"]
        assert main(["replay", str(baseline), "--target", u2, "-o", str(tmp_path / "c.jsonl"),
                     "--allow-methods", "post"]) == 0
        assert sorted(s[0] for s in v2_app.state.seen) == ["GET", "GET", "POST"]
    capsys.readouterr()


def test_a_host_not_given_is_never_contacted(tmp_path: Path) -> None:
    listener = CountingListener()
    try:
        prod = f"http://127.0.0.1:{listener.port}"
        baseline = tmp_path / "b.jsonl"
        with shop() as (_v1, _c, v2_app, u1, _uc, u2):
            record(u1, baseline, [("GET", "/orders/1", {}), ("GET", f"/away?to={prod}/orders/1", {}),
                                  ("GET", "/legacy", {})])
            # the recording names the production host: replay must rewrite it, never call it
            lines = baseline.read_text().replace(u1, prod)
            baseline.write_text(lines)
            out = tmp_path / "c.jsonl"
            stats = api.replay([baseline], u2, out)
            assert stats.replayed == 3 and stats.errors == 0
            assert [s[1] for s in v2_app.state.seen] == ["/orders/1", "/away", "/legacy"] or \
                sorted(s[1] for s in v2_app.state.seen) == ["/away", "/legacy", "/orders/1"]
        redirect = [e for e in read_exchanges(out) if e.request.url.startswith(u2 + "/away")]
        assert redirect and redirect[0].response is not None and redirect[0].response.status == 302
        time.sleep(0.3)
        assert listener.connections == 0
    finally:
        listener.close()


def test_the_guard_refuses_other_hosts_even_if_asked() -> None:
    import asyncio

    from contractdrift.capture.replay import _GuardTransport

    listener = CountingListener()
    try:
        guard = _GuardTransport(httpx.AsyncHTTPTransport(), frozenset({"127.0.0.1:1"}))

        async def go() -> None:
            async with httpx.AsyncClient(transport=guard) as client:  # type: ignore[arg-type]
                with pytest.raises(httpx.ConnectError, match="not a replay target"):
                    await client.get(f"http://127.0.0.1:{listener.port}/")

        asyncio.run(go())
        time.sleep(0.2)
        assert listener.connections == 0 and guard.refused == 1
    finally:
        listener.close()


def test_redacted_credentials_are_never_sent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    baseline = tmp_path / "b.jsonl"
    with shop() as (_v1, _c, v2_app, u1, _uc, u2):
        record(u1, baseline, [("GET", "/orders/1", {"Authorization": "Bearer s3cret-token"}),
                              ("GET", "/orders/2", {})])
        assert "s3cret-token" not in baseline.read_text()  # the recorder redacted it
        out = tmp_path / "c.jsonl"
        assert main(["replay", str(baseline), "--target", u2, "-o", str(out)]) == 0
        err = capsys.readouterr().err
        assert "1 not replayable" in err and "redacted header 'authorization'" in err
        assert v2_app.state.seen == [("GET", "/orders/2", None)]  # the masked value never left
        v2_app.state.seen.clear()
        os.environ["PARITY_TEST_TOKEN"] = "fresh-token"
        try:
            assert main(["replay", str(baseline), "--target", u2, "-o", str(out),
                         "--header", f"Authorization: Bearer {os.environ['PARITY_TEST_TOKEN']}"]) == 0
        finally:
            del os.environ["PARITY_TEST_TOKEN"]
        capsys.readouterr()
        assert sorted(v2_app.state.seen) == [("GET", "/orders/1", "Bearer fresh-token"),
                                             ("GET", "/orders/2", "Bearer fresh-token")]
    assert "fresh-token" not in out.read_text()  # written redacted, like any recording
    assert all(not any("REDACTED" in v and k.lower() != "authorization" for k, v in e.request.headers)
               for e in read_exchanges(out))


def test_rate_and_concurrency_limits(tmp_path: Path) -> None:
    baseline = tmp_path / "b.jsonl"
    slow = make_app(2, delay=0.05)
    with shop() as (_v1, _c, _v2, u1, _uc, _u2), uvicorn_server(slow) as us:
        record(u1, baseline, [("GET", f"/orders/{i}", {}) for i in range(1, 13)])
        seen: list[tuple[int, int]] = []
        api.replay([baseline], us, tmp_path / "c.jsonl", concurrency=2, progress=lambda d, t: seen.append((d, t)))
        assert slow.state.max_in_flight == 2  # the limit, and reached
        assert seen[-1] == (12, 12) and len(seen) == 12
        assert len(slow.state.seen) == 12
        slow.state.seen.clear()
        t0 = time.monotonic()
        api.replay([baseline], us, tmp_path / "c.jsonl", concurrency=8, rate=40)
        assert time.monotonic() - t0 >= 11 / 40 - 0.02  # 12 starts spaced by 1/40 s


def test_ctrl_c_stops_and_keeps_what_was_replayed(tmp_path: Path) -> None:
    baseline = tmp_path / "b.jsonl"
    with shop() as (_v1, _c, _v2, u1, _uc, u2):
        record(u1, baseline, [("GET", f"/orders/{i}", {}) for i in range(1, 41)])
        out = tmp_path / "c.jsonl"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen([sys.executable, "-m", "contractdrift.cli", "replay", str(baseline), "--target", u2,
                                 "-o", str(out), "--rate", "10", "--concurrency", "1"],
                                stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not out.exists() or out.read_text().count("\n") < 4):
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    kept = list(read_exchanges(out))
    assert 3 <= len(kept) < 40 and all(e.response is not None and e.replay_of for e in kept)


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "r.jsonl"
    rec.write_text('{"format": "contractdrift-recording", "version": 1}\n{"id": \n{"id": "x"}\n')
    assert main(["parity", str(rec), str(rec)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "r.jsonl:2:" in err
    assert main(["replay", str(tmp_path / "r.jsonl"), "--target", "ftp://x", "-o", str(tmp_path / "o.jsonl"),
                 "--skip-damaged"]) == 2
    assert "--target" in capsys.readouterr().err
    assert main(["replay", str(rec), "--target", "http://127.0.0.1:9", "-o", str(tmp_path / "o.jsonl"),
                 "--header", "no-colon"]) == 2
    assert main(["parity", str(rec), str(rec), "--noise-ratio", "1.5", "--skip-damaged"]) == 2
    assert main(["parity", str(tmp_path / "missing.jsonl"), str(rec)]) == 2
    capsys.readouterr()
    assert main(["parity", str(rec), str(rec), "--skip-damaged", "-f", "json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any("r.jsonl:2" in w and w.startswith("skipped") for w in warnings), warnings
