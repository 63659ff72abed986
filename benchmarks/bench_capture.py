#!/usr/bin/env python3
"""Overhead of recording: the ASGI middleware and the recording proxy against no recording.

Runs, in one go, each server in its own process on 127.0.0.1 (uvicorn):

* ``plain``      - a small Starlette app;
* ``middleware`` - the same app wrapped in ``contractdrift.asgi.RecordingMiddleware`` writing a
  real JSON Lines file (redaction on, background writer);
* ``proxy``      - ``contractdrift record``'s proxy in front of the ``plain`` server.

The load comes from a separate process: ``wrk`` when it is installed (``apt install wrk``), else an
httpx/asyncio load generator (``--load httpx`` forces it). Each comparison alternates the two servers
for ``--rounds`` rounds and reports medians of requests/s and p50/p99 latency, at saturation
(``--connections``) and with a single connection (pure added latency).

    .venv/bin/python benchmarks/bench_capture.py [--duration 5] [--rounds 3] [--connections 32]

Goal (middleware): under 5% throughput loss and under 0.2 ms added p50.

Before the servers, it prints two stable figures, measured without a server or load:

* the **host's CPU time per exchange**: the middleware's ASGI callable driven directly (a
  receive/send that never wait) on the served response, recording everything to a file with
  redaction and a writer process: the request path (wrapping, teeing, the raw capture, queueing),
  and the hand-off to the writer process (the feeder thread). This is what a saturated server pays
  on its own core;
* the **writer's cost per exchange** (unpacking what arrives over the pipe, building the exchange,
  redaction, serialization, the write; what the writer process spends per exchange), with and
  without redaction, for the exchange the app serves and for a variant whose values are all unique
  (no cache hits). Budget: 30 us per exchange.

``--writer-only`` stops there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PATH = "/items/42?q=bench"


# --- the servers (run in child processes) ----------------------------------------------------------

def make_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def item(request: Request) -> JSONResponse:
        item_id = request.path_params["item_id"]
        return JSONResponse({"id": item_id, "name": f"item {item_id}", "price": 12.5, "tags": ["a", "b"],
                             "owner": {"id": 7, "email": "owner@example.com"}, "q": request.query_params.get("q")})

    return Starlette(routes=[Route("/items/{item_id:int}", item)])


def serve_child(kind: str, port: int, upstream: str | None, out: str | None, sample_rate: float,
                offload: str = "auto") -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from contractdrift.capture.proxy import RecordingProxy, serve
    from contractdrift.capture.recorder import Recorder

    recorder = Recorder(out, sample_rate=sample_rate, offload=offload) if out else None  # type: ignore[arg-type]
    app: Any
    if kind == "plain":
        app = make_app()
    elif kind == "middleware":
        from contractdrift.asgi import RecordingMiddleware

        assert recorder is not None
        app = RecordingMiddleware(make_app(), recorder)
    elif kind == "proxy":
        assert recorder is not None and upstream
        app = RecordingProxy(upstream, recorder)
    else:
        raise SystemExit(f"unknown server kind {kind}")
    serve(app, "127.0.0.1", port, on_started=lambda url: print("ready", url, flush=True))
    if recorder is not None:
        recorder.close()
        s = recorder.stats
        # not recorded, by reason: sampled out and filtered are the policy at work; only a full
        # queue (or a rate limit) is traffic the recorder could not keep up with
        print(json.dumps({"recorded": s.recorded, "sampled_out": s.dropped_sampling, "filtered": s.dropped_filtered,
                          "rate_limited": s.dropped_rate_limited, "queue_full": s.dropped_queue_full,
                          "errors": s.errors, "offload": s.offload,
                          "writer_restarts": s.writer_restarts,
                          "written_by_the_feeder": recorder._offload.helped}), flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    kind: str
    url: str
    proc: subprocess.Popen[str]

    def stop(self) -> dict[str, Any]:
        self.proc.send_signal(signal.SIGTERM)
        try:
            stdout, _ = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return {}
        for line in stdout.splitlines():
            if line.startswith("{"):
                return dict(json.loads(line))
        return {}


def start_server(kind: str, *, upstream: str | None = None, out: str | None = None,
                 sample_rate: float = 1.0, offload: str = "auto") -> Server:
    port = free_port()
    cmd = [sys.executable, __file__, "--serve", kind, "--port", str(port), "--sample-rate", str(sample_rate),
           "--offload", offload]
    if upstream:
        cmd += ["--upstream", upstream]
    if out:
        cmd += ["--out", out]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 20
    line = proc.stdout.readline()
    if not line.startswith("ready") or time.monotonic() > deadline:
        proc.kill()
        raise SystemExit(f"{kind} server did not start: {line!r}")
    return Server(kind, f"http://127.0.0.1:{port}", proc)


@contextlib.contextmanager
def servers(*specs: tuple[str, dict[str, Any]]) -> Iterator[list[Server]]:
    started: list[Server] = []
    try:
        for kind, kw in specs:
            started.append(start_server(kind, **kw))
        yield started
    finally:
        for s in reversed(started):
            if s.proc.poll() is None:
                s.stop()


# --- load generators (separate processes) ----------------------------------------------------------

@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int = 0
    host_us: float = float("nan")  # CPU of the server process per request (us)
    writer_us: float = float("nan")  # CPU of its children (the recorder's writer process) per request (us)


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu(pid: int) -> tuple[float, int]:
    """(CPU seconds of ``pid``, its parent pid) from /proc, or (nan, 0) when unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _TICK, int(fields[1])
    except (OSError, ValueError, IndexError):
        return float("nan"), 0


def cpu_split(pid: int) -> tuple[float, float]:
    """(CPU seconds of a server process, CPU seconds of its live children): the host's own cost and
    its writer process's (Linux /proc; nan elsewhere)."""
    own, _ = _proc_cpu(pid)
    children = 0.0
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                cpu, ppid = _proc_cpu(int(entry))
                if ppid == pid and cpu == cpu:
                    children += cpu
    return own, children


def _wrk_ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not m:
        raise ValueError(value)
    n, unit = float(m.group(1)), m.group(2)
    return {"us": n / 1000, "ms": n, "s": n * 1000, "m": n * 60000}[unit]


def load_wrk(url: str, connections: int, duration: float) -> Result:
    threads = max(1, min(2, connections))
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s", "--latency", url + PATH],
        capture_output=True, text=True, timeout=duration + 60, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    count = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50 = _wrk_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _wrk_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    if "Non-2xx" in out or "Socket errors" in out:
        print(f"  warning: wrk reported errors for {url}:\n{out}", file=sys.stderr)
    return Result(rps, p50, p99, count)


async def _httpx_load(url: str, connections: int, duration: float) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30, trust_env=False) as client:
        stop = time.perf_counter() + duration

        async def worker() -> None:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                resp = await client.get(PATH)
                latencies.append(time.perf_counter() - t0)
                if resp.status_code != 200:
                    raise RuntimeError(f"status {resp.status_code}")

        t_start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - t_start
    latencies.sort()
    return {"count": len(latencies), "elapsed": elapsed, "latencies": latencies}


def load_httpx(url: str, connections: int, duration: float) -> Result:
    proc = subprocess.run(
        [sys.executable, __file__, "--load-worker", url, "--connections", str(connections),
         "--duration", str(duration)],
        capture_output=True, text=True, timeout=duration + 60, check=True,
    )
    data = json.loads(proc.stdout)
    lat = data["latencies"]
    return Result(data["count"] / data["elapsed"], 1000 * _pct(lat, 50), 1000 * _pct(lat, 99), data["count"])


def _pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


# --- the host's and the writer's cost per exchange, the middleware driven directly ---------------------

_UVICORN_HEADERS = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"python-httpx/0.27.0"), (b"accept", b"*/*"),
                    (b"accept-encoding", b"gzip, deflate"), (b"connection", b"keep-alive")]


def _scope(i: int, unique: bool) -> dict[str, Any]:
    """An http scope as uvicorn makes it for GET /items/{i}?q=bench (new header objects each time,
    as a server parses them per request)."""
    headers = [(bytes(bytearray(k)), bytes(bytearray(v))) for k, v in _UVICORN_HEADERS]
    if unique:
        headers[1] = (headers[1][0], b"python-httpx/0.27.%d" % i)
    path = b"/items/%d" % i
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 40000 + i % 20000), "scheme": "http",
            "method": "GET", "root_path": "", "path": path.decode(), "raw_path": path,
            "query_string": b"q=bench", "headers": headers, "state": {}}


def _direct_app(unique: bool) -> Any:
    """The served app's response (the same bytes and headers as its JSONResponse) without
    Starlette's routing, so that what the middleware adds stands out of the measurement."""
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    route = Route("/items/{item_id:int}", lambda request: None)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        i = int(scope["path"].rsplit("/", 1)[1])
        owner = f"owner{i}@example.com" if unique else "owner@example.com"
        response = JSONResponse({"id": i, "name": f"item {i}", "price": 12.5, "tags": ["a", "b"],
                                 "owner": {"id": 7, "email": owner}, "q": f"bench{i}" if unique else "bench"})
        scope["route"] = route
        await send({"type": "http.response.start", "status": 200, "headers": response.raw_headers})
        await send({"type": "http.response.body", "body": response.body})

    return app


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: Any) -> None:
    return None


def _drive(app: Any, scopes: Sequence[dict[str, Any]]) -> None:
    """Run ``app`` on each scope with a receive/send that never wait (no event loop needed)."""
    for scope in scopes:
        coro = app(scope, _receive, _send)
        try:
            coro.send(None)
        except StopIteration:
            continue
        raise RuntimeError("the app waited")


class _ListSink:
    """Keeps what the middleware hands over (the raw captures the writer gets)."""

    max_body_bytes = 1 << 20
    checks_url = False
    checks_content_types = False

    def __init__(self) -> None:
        self.raw: list[tuple[Any, ...]] = []

    def wants(self, method: str, url: str, route: str | None = None) -> bool:
        return True

    def body_allowed(self, media_type: str | None) -> bool:
        return True

    def submit(self, exchange: Any) -> bool:
        raise AssertionError("the middleware hands raw captures over")

    def submit_raw(self, capture: tuple[Any, ...]) -> bool:
        self.raw.append(capture)
        return True


def captures(n: int, unique: bool) -> list[tuple[Any, ...]]:
    """``n`` raw captures as the ASGI middleware hands them over, for GET /items/{i}?q=bench."""
    from contractdrift.asgi import RecordingMiddleware

    sink = _ListSink()
    _drive(RecordingMiddleware(_direct_app(unique), sink), [_scope(i, unique) for i in range(n)])
    return sink.raw


def host_cost(n: int = 20000, rounds: int = 5) -> dict[str, float]:
    """Print (and return) the serving process's CPU time per exchange with full recording, the
    middleware driven directly (no server, no load: the stable figure), median of ``rounds``:

    * the app alone (the same response, no Starlette routing);
    * + the middleware's request path (wrapping, teeing, the raw capture, queueing it: CPU time of
      the thread that runs the app);
    * + the hand-off to the writer process (the recorder's feeder thread: framing batches, the
      pipe, the acknowledgements): CPU time of the whole process until everything was written.

    The recorder is the benchmark's (a file, redaction on, ``offload="process"``)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from contractdrift.asgi import RecordingMiddleware
    from contractdrift.capture.recorder import Recorder

    app = _direct_app(False)
    spent: dict[str, list[float]] = {"app": [], "middleware": [], "hand-off": [], "writer": []}
    for _ in range(rounds):
        scopes = [_scope(i, False) for i in range(n)]
        t0 = time.thread_time()
        _drive(app, scopes)
        spent["app"].append((time.thread_time() - t0) / n * 1e6)
        with tempfile.TemporaryDirectory() as tmp:
            recorder = Recorder(str(Path(tmp) / "host.jsonl"), offload="process", queue_size=2 * n)
            middleware = RecordingMiddleware(app, recorder)
            _drive(middleware, [_scope(i, False) for i in range(300)])  # the writer process starts
            recorder.flush()
            scopes = [_scope(i, False) for i in range(n)]
            writer_pid = recorder.writer_pid
            w0 = _proc_cpu(writer_pid)[0] if writer_pid else float("nan")
            t0, p0 = time.thread_time(), time.process_time()
            _drive(middleware, scopes)
            t1 = time.thread_time()
            recorder.flush()
            p1 = time.process_time()
            w1 = _proc_cpu(writer_pid)[0] if writer_pid and recorder.writer_pid == writer_pid else float("nan")
            recorder.close()
            stats = recorder.stats
            if stats.recorded != n + 300 or stats.errors or stats.offload != "process":
                raise SystemExit(f"host cost: the recorder did not write everything: {stats}")
        spent["middleware"].append((t1 - t0) / n * 1e6)
        spent["hand-off"].append((p1 - p0) / n * 1e6)
        spent["writer"].append((w1 - w0) / n * 1e6)
    app_us = statistics.median(spent["app"])
    mw_us = statistics.median(spent["middleware"]) - app_us
    total_us = statistics.median(spent["hand-off"]) - app_us
    print(f"host CPU time per exchange, the middleware driven directly (median of {rounds} x {n}; recording "
          "everything, redaction on, writer process):")
    print(f"  app alone {app_us:.2f} us; middleware (request path, queueing included) +{mw_us:.2f} us; "
          f"hand-off to the writer process +{total_us - mw_us:.2f} us; host total +{total_us:.2f} us")
    writer_us = statistics.median(spent["writer"])
    print(f"  the writer process meanwhile: {writer_us:.1f} us per exchange (its CPU time from /proc, "
          f"{1e6 / os.sysconf('SC_CLK_TCK') / n:.1f} us resolution)")
    return {"app": app_us, "middleware": mw_us, "host": total_us, "writer": writer_us}


def writer_cost(n: int = 5000, rounds: int = 5) -> None:
    """Print the writer's cost per exchange (median of ``rounds``), with and without redaction, and
    per stage: unpacking the batch the writer process receives, build (raw capture -> exchange),
    redaction, serialization, the write; and the host's share of the hand-off (packing each
    capture on submit, framing the batch)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from contractdrift.capture._wire import pack

    assert pack is not None
    print("writer CPU time per exchange (unpack + build + redact + serialize + write; budget 30 us):")
    # Timed as the writer process runs: with the cyclic garbage collector off (see _writer_proc).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _writer_cost(n, rounds)
    finally:
        if gc_was_enabled:
            gc.enable()


def _writer_cost(n: int, rounds: int) -> None:
    from contractdrift.capture._ids import reserve_ids
    from contractdrift.capture._raw import _LAYOUTS, Backend, _build
    from contractdrift.capture._wire import decode_message, encode_batch, pack
    from contractdrift.capture.redact import Redactor
    from contractdrift.store.jsonl import JsonlWriter, encode_exchange

    assert pack is not None
    for unique in (False, True):
        items = captures(n, unique)
        batches = [items[k:k + 256] for k in range(0, n, 256)]
        results: dict[str, list[float]] = {"without redaction": [], "with redaction": []}
        stages: dict[str, list[float]] = {k: [] for k in ("unpack", "build", "redact", "serialize", "write",
                                                           "pack", "frame")}
        for _ in range(rounds):
            frames = [encode_batch([pack(item) for item in batch], reserve_ids(len(batch))) for batch in batches]
            for label in results:
                redactor = Redactor() if label == "with redaction" else None
                with tempfile.TemporaryDirectory() as tmp:
                    backend = Backend(str(Path(tmp) / "w.jsonl"), redactor=redactor, tags={}, max_body_bytes=1 << 20)
                    t0 = time.process_time()  # CPU time: what the writer spends, whatever else runs
                    for frame in frames:  # what the writer process does with each frame it receives
                        _, batch_items, ids, resume = decode_message(frame)  # type: ignore[arg-type]
                        backend.process(batch_items, ids, resume)
                    results[label].append((time.process_time() - t0) / n * 1e6)
                    backend.close()
            # The same work, stage by stage, batch by batch (as the writer does it).
            redactor = Redactor()
            spent = dict.fromkeys(stages, 0.0)
            with tempfile.TemporaryDirectory() as tmp:
                writer = JsonlWriter(Path(tmp) / "s.jsonl")
                for batch in batches:
                    t0 = time.process_time()
                    packed = [pack(item) for item in batch]
                    tp = time.process_time()
                    frame = encode_batch(packed, reserve_ids(len(batch)))
                    tf = time.process_time()
                    received = decode_message(frame)[1]  # type: ignore[arg-type]
                    tu = time.process_time()
                    parts = [_LAYOUTS["asgi"](item, 1 << 20) for item in received]
                    ta = time.process_time()
                    built = [_build(p, "01HZY3J8Q9T7W2M4N6P8R0S2V4", None, {}) for p in parts]
                    t1 = time.process_time()
                    redacted = [_build(p, "01HZY3J8Q9T7W2M4N6P8R0S2V4", redactor, {}) for p in parts]
                    t2 = time.process_time()
                    lines = [encode_exchange(e) for e in redacted]
                    t3 = time.process_time()
                    writer._append_locked(lines, [], None)
                    t4 = time.process_time()
                    del built
                    spent["pack"] += tp - t0
                    spent["frame"] += tf - tp
                    spent["unpack"] += tu - tf
                    spent["build"] += t1 - tu
                    spent["redact"] += (t2 - t1) - (t1 - ta)
                    spent["serialize"] += t3 - t2
                    spent["write"] += t4 - t3
                writer.close()
            for key, seconds in spent.items():
                stages[key].append(seconds / n * 1e6)
        base = statistics.median(results["without redaction"])
        red = statistics.median(results["with redaction"])
        kind = "all values unique" if unique else "the app's exchange"
        med = {k: statistics.median(v) for k, v in stages.items()}
        print(f"  {kind:<20} without redaction {base:6.1f} us   with redaction {red:6.1f} us   "
              f"(redaction {red - base:+.1f} us)")
        print("  " + " " * 20 + " stages: " + ", ".join(f"{k} {med[k]:.1f}" for k in
                                                        ("unpack", "build", "redact", "serialize", "write"))
              + f" us; host side: packing on submit {med['pack']:.2f} us, framing {med['frame']:.2f} us")


# --- the comparisons ---------------------------------------------------------------------------------

def measure(load: Any, url: str, pid: int | None, connections: int, duration: float) -> Result:
    """One load run; with ``pid``, the server's (and its writer process's) CPU per request too."""
    before = cpu_split(pid) if pid else (float("nan"), float("nan"))
    result: Result = load(url, connections, duration)
    if pid and result.requests:
        after = cpu_split(pid)
        result.host_us = (after[0] - before[0]) / result.requests * 1e6
        # A writer process started during the run had no "before": count it from zero.
        result.writer_us = (after[1] - (before[1] if before[1] <= after[1] else 0.0)) / result.requests * 1e6
    return result


def compare(targets: Sequence[tuple[str, str, int | None]], *, load: Any, connections: int, duration: float,
            rounds: int) -> list[Result]:
    """Measure each (label, url, server pid); the first is the baseline the others are compared with.

    Besides requests/s (what a saturated server loses, which on a shared machine moves with the
    other load), prints the CPU time per request of the server process ("host") and of its writer
    process: the overhead in CPU, which the machine's other load does not move much.
    """
    results: list[list[Result]] = [[] for _ in targets]
    for _, url, _pid in targets:
        load(url, connections, 1.0)  # warm-up
    for i in range(rounds):
        # Rotate the order every round so drifting background load hits all sides alike.
        order = list(range(len(targets)))
        shift = i % len(order)
        for k in order[shift:] + order[:shift]:
            results[k].append(measure(load, targets[k][1], targets[k][2], connections, duration))
    medians = [_median(r) for r in results]
    base = medians[0]
    base_cpu = base.host_us + (base.writer_us if base.writer_us == base.writer_us else 0.0)
    for (label, _, _pid), m in zip(targets, medians):
        print(f"  {label:<30} {connections:>5} {m.rps:>10.0f} {m.p50_ms:>9.3f} {m.p99_ms:>9.3f}"
              f" {m.host_us:>8.1f} {m.writer_us:>8.1f}", end="")
        if m is base:
            print()
        else:
            loss = 100.0 * (1 - m.rps / base.rps)
            host = 100.0 * (m.host_us / base.host_us - 1)
            total = 100.0 * ((m.host_us + m.writer_us) / base_cpu - 1)
            print(f"   {loss:>+6.1f}% req/s lost, p50 {m.p50_ms - base.p50_ms:>+7.3f} ms; CPU/request: host "
                  f"{host:>+6.1f}%, host+writer {total:>+6.1f}%")
    return medians


def _median(results: list[Result]) -> Result:
    return Result(statistics.median(r.rps for r in results), statistics.median(r.p50_ms for r in results),
                  statistics.median(r.p99_ms for r in results), int(statistics.median(r.requests for r in results)),
                  statistics.median(r.host_us for r in results), statistics.median(r.writer_us for r in results))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per measurement (default 5)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per comparison (default 3)")
    ap.add_argument("--connections", type=int, default=32, help="concurrent connections at saturation")
    ap.add_argument("--load", choices=["auto", "wrk", "httpx"], default="auto")
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    ap.add_argument("--offload", default="auto", help=argparse.SUPPRESS)
    ap.add_argument("--offloads", default="thread,process,auto",
                    help="where the recording middleware's writer runs, compared side by side (default: all three)")
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--upstream", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--sample-rate", type=float, default=1.0, help=argparse.SUPPRESS)
    ap.add_argument("--load-worker", help=argparse.SUPPRESS)
    ap.add_argument("--writer-only", action="store_true",
                    help="only the CPU figures per exchange (host and writer, no servers)")
    ap.add_argument("--no-proxy", action="store_true", help="skip the recording proxy comparison")
    args = ap.parse_args()

    if args.serve:
        serve_child(args.serve, args.port, args.upstream, args.out, args.sample_rate, args.offload)
        return 0
    if args.load_worker:
        print(json.dumps(asyncio.run(_httpx_load(args.load_worker, args.connections, args.duration))))
        return 0

    host_cost()
    writer_cost()
    if args.writer_only:
        return 0
    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk") is not None)
    load = load_wrk if use_wrk else load_httpx
    print(f"load generator: {'wrk' if use_wrk else 'httpx (asyncio)'}; {args.rounds} rounds x {args.duration}s; "
          f"cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    print(f"  {'server':<30} {'conns':>5} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'host us':>8} {'writer':>8}"
          "   (CPU per request of the server process and of its writer process)")
    with tempfile.TemporaryDirectory() as tmp:
        offloads = [o for o in args.offloads.split(",") if o]
        specs: list[tuple[str, dict[str, Any]]] = [("plain", {})]
        labels = ["uvicorn app"]
        for o in offloads:
            specs.append(("middleware", {"out": str(Path(tmp) / f"mw-{o}.jsonl"), "offload": o}))
            labels.append(f"+ middleware, all, {o}")
        specs.append(("middleware", {"out": str(Path(tmp) / "sampled.jsonl"), "sample_rate": 0.1}))
        labels.append("+ middleware, 10%, auto")
        px_out = str(Path(tmp) / "proxy.jsonl")
        with servers(*specs) as started:
            targets = [(label, srv.url, srv.proc.pid) for label, srv in zip(labels, started)]
            print("ASGI middleware vs none (saturated):")
            compare(targets, load=load, connections=args.connections, duration=args.duration, rounds=args.rounds)
            print("ASGI middleware vs none (one connection):")
            compare(targets, load=load, connections=1, duration=args.duration, rounds=args.rounds)
            stats = [srv.stop() for srv in started[1:]]
        for label, st in zip(labels[1:], stats):
            print(f"  {label}: {st}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        if args.no_proxy:
            return 0
        with servers(("plain", {})) as (upstream,), servers(("proxy", {"upstream": upstream.url, "out": px_out})) as (
            proxy,
        ):
            targets = [("direct", upstream.url, upstream.proc.pid), ("via recording proxy", proxy.url, proxy.proc.pid)]
            print("recording proxy vs direct (saturated):")
            compare(targets, load=load, connections=args.connections, duration=args.duration, rounds=args.rounds)
            print("recording proxy vs direct (one connection):")
            compare(targets, load=load, connections=1, duration=args.duration, rounds=args.rounds)
            px_stats = proxy.stop()
        print(f"  proxy recorder: {px_stats}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
