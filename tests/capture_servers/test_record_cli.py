"""`contractdrift record` as a real subprocess: traffic in, SIGTERM, everything flushed to the file."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from contractdrift.store.reader import read_exchanges

from .apps import STREAM_CHUNKS, make_asgi_app
from .load import Call, assert_recorded_once, fetch_all
from .servers import uvicorn_server

pytestmark = pytest.mark.timeout(120)


def _start(args: list[str]) -> tuple[subprocess.Popen[str], str, list[str]]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "contractdrift", "record", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "recording http://" in line:
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(20) or proc.poll() is not None:
        proc.kill()
        pytest.fail(f"record did not start: {''.join(lines)}")
    match = re.search(r"recording (http://\S+)", "".join(lines))
    assert match, lines
    return proc, match.group(1), lines


def _stop(proc: subprocess.Popen[str], sig: int) -> int:
    proc.send_signal(sig)
    try:
        return proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_flushes_everything_including_in_flight_requests(tmp_path: Path, sig: int) -> None:
    out = tmp_path / "traffic.jsonl"
    calls = [Call("GET", f"/items/{i}?n={i}") for i in range(200)] + [
        Call("POST", f"/echo?n=p{i}", b'{"password": "hunter2", "i": %d}' % i, "application/json")
        for i in range(100)
    ]
    with uvicorn_server(make_asgi_app()) as upstream:
        proc, proxy, lines = _start(["--upstream", upstream, "--listen", "127.0.0.1:0", "-o", str(out),
                                     "--tag", "env=test", "--tag", "run=1"])
        try:
            replies = fetch_all(proxy, calls, concurrency=20)
            assert all(r.status == 200 for r in replies)

            # Requests still streaming when the signal arrives finish and are recorded too.
            async def slow() -> list[bytes]:
                async with httpx.AsyncClient(timeout=20) as client:
                    started = [asyncio.Event() for _ in range(3)]

                    async def one(i: int) -> bytes:
                        parts = []
                        async with client.stream("GET", f"{proxy}/stream?delay=0.05&slow={i}") as r:
                            async for chunk in r.aiter_raw():
                                parts.append(chunk)
                                started[i].set()
                        return b"".join(parts)

                    tasks = [asyncio.create_task(one(i)) for i in range(3)]
                    for event in started:  # all three are mid-response when the signal arrives
                        await event.wait()
                    proc.send_signal(sig)
                    return await asyncio.gather(*tasks)

            bodies = asyncio.run(asyncio.wait_for(slow(), 30))
            assert bodies == [b"".join(STREAM_CHUNKS)] * 3
            rc = proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert rc == 0, "".join(lines)
    time.sleep(0.1)  # let the stderr pump read the last lines
    summary = "".join(lines)
    assert "recorded 303 exchanges" in summary and "errors 0" in summary, summary

    exchanges = list(read_exchanges(out))
    slow_calls = [Call("GET", f"/stream?delay=0.05&slow={i}") for i in range(3)]
    assert_recorded_once(calls + slow_calls, exchanges)
    assert all(e.tags == {"env": "test", "run": "1"} for e in exchanges)
    posted = [e for e in exchanges if e.request.method == "POST"]
    assert posted and all(isinstance(e.request.body.json, dict) for e in posted)
    assert all(e.request.body.json["password"] != "hunter2" for e in posted)  # type: ignore[index]
    assert "hunter2" not in out.read_text()
    if os.name == "posix":
        assert (out.stat().st_mode & 0o777) == 0o600


def test_bad_arguments_exit_2_with_one_line(tmp_path: Path) -> None:
    for args, needle in [
        (["--upstream", "ftp://x", "--listen", "127.0.0.1:0"], "--upstream"),
        (["--upstream", "http://127.0.0.1:1", "--listen", "nonsense"], "--listen"),
        (["--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--sample-rate", "2"], "--sample-rate"),
        (["--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--tag", "novalue"], "--tag"),
    ]:
        proc = subprocess.run(
            [sys.executable, "-m", "contractdrift", "record", *args, "-o", str(tmp_path / "x.jsonl")],
            capture_output=True, text=True, timeout=30,
        )
        assert proc.returncode == 2, (args, proc.stderr)
        assert needle in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_record_without_the_proxy_extra_is_a_one_line_error(tmp_path: Path) -> None:
    out = tmp_path / "never.jsonl"
    code = (
        "import sys\n"
        "sys.modules['uvicorn'] = None  # as if the proxy extra were not installed\n"
        "from contractdrift.cli import main\n"
        f"sys.exit(main(['record', '--upstream', 'http://127.0.0.1:9', '--listen', '127.0.0.1:0', '-o', {str(out)!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "contractdrift[proxy]" in lines[0] and "uvicorn" in lines[0]
    assert not out.exists()  # it stopped before creating the recording


def test_the_library_imports_without_uvicorn() -> None:
    code = (
        "import sys\n"
        "sys.modules['uvicorn'] = None\n"
        "import contractdrift, contractdrift.asgi, contractdrift.wsgi, contractdrift.pytest_plugin\n"
        "from contractdrift.capture.proxy import RecordingProxy\n"
        "from contractdrift import api\n"
        "rec = contractdrift.Recorder(None)\n"
        "RecordingProxy('http://127.0.0.1:9', rec)\n"
        "rec.close()\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
