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
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from collections.abc import Iterator
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


def serve_child(kind: str, port: int, upstream: str | None, out: str | None, sample_rate: float) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from contractdrift.capture.proxy import RecordingProxy, serve
    from contractdrift.capture.recorder import Recorder

    recorder = Recorder(out, sample_rate=sample_rate, offload="auto") if out else None  # a long-lived server
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
        print(json.dumps({"recorded": s.recorded, "dropped": s.dropped, "errors": s.errors}), flush=True)


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
                 sample_rate: float = 1.0) -> Server:
    port = free_port()
    cmd = [sys.executable, __file__, "--serve", kind, "--port", str(port), "--sample-rate", str(sample_rate)]
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
    p50 = _wrk_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _wrk_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    if "Non-2xx" in out or "Socket errors" in out:
        print(f"  warning: wrk reported errors for {url}:\n{out}", file=sys.stderr)
    return Result(rps, p50, p99)


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
    return Result(data["count"] / data["elapsed"], 1000 * _pct(lat, 50), 1000 * _pct(lat, 99))


def _pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


# --- the comparisons ---------------------------------------------------------------------------------

def compare(targets: list[tuple[str, str]], *, load: Any, connections: int, duration: float,
            rounds: int) -> list[Result]:
    """Measure each (label, url); the first is the baseline the others are compared with."""
    results: list[list[Result]] = [[] for _ in targets]
    for _, url in targets:
        load(url, connections, 1.0)  # warm-up
    for i in range(rounds):
        # Rotate the order every round so drifting background load hits all sides alike.
        order = list(range(len(targets)))
        shift = i % len(order)
        for k in order[shift:] + order[:shift]:
            results[k].append(load(targets[k][1], connections, duration))
    medians = [_median(r) for r in results]
    base = medians[0]
    for (label, _), m in zip(targets, medians):
        print(f"  {label:<30} {connections:>5} {m.rps:>10.0f} {m.p50_ms:>9.3f} {m.p99_ms:>9.3f}", end="")
        if m is base:
            print()
        else:
            loss = 100.0 * (1 - m.rps / base.rps)
            print(f"   {loss:>+6.1f}% req/s lost, p50 {m.p50_ms - base.p50_ms:>+7.3f} ms, "
                  f"p99 {m.p99_ms - base.p99_ms:>+7.3f} ms")
    return medians


def _median(results: list[Result]) -> Result:
    return Result(statistics.median(r.rps for r in results), statistics.median(r.p50_ms for r in results),
                  statistics.median(r.p99_ms for r in results))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per measurement (default 5)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per comparison (default 3)")
    ap.add_argument("--connections", type=int, default=32, help="concurrent connections at saturation")
    ap.add_argument("--load", choices=["auto", "wrk", "httpx"], default="auto")
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--upstream", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--sample-rate", type=float, default=1.0, help=argparse.SUPPRESS)
    ap.add_argument("--load-worker", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.serve:
        serve_child(args.serve, args.port, args.upstream, args.out, args.sample_rate)
        return 0
    if args.load_worker:
        print(json.dumps(asyncio.run(_httpx_load(args.load_worker, args.connections, args.duration))))
        return 0

    use_wrk = args.load == "wrk" or (args.load == "auto" and shutil.which("wrk") is not None)
    load = load_wrk if use_wrk else load_httpx
    print(f"load generator: {'wrk' if use_wrk else 'httpx (asyncio)'}; {args.rounds} rounds x {args.duration}s; "
          f"cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    print(f"  {'server':<30} {'conns':>5} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        mw_out = str(Path(tmp) / "middleware.jsonl")
        sampled_out = str(Path(tmp) / "sampled.jsonl")
        px_out = str(Path(tmp) / "proxy.jsonl")
        with servers(("plain", {}), ("middleware", {"out": mw_out}),
                     ("middleware", {"out": sampled_out, "sample_rate": 0.1})) as (plain, mw, sampled):
            targets = [("uvicorn app", plain.url), ("+ middleware (record all)", mw.url),
                       ("+ middleware (sample 10%)", sampled.url)]
            print("ASGI middleware vs none (saturated):")
            compare(targets, load=load, connections=args.connections, duration=args.duration, rounds=args.rounds)
            print("ASGI middleware vs none (one connection):")
            compare(targets, load=load, connections=1, duration=args.duration, rounds=args.rounds)
            mw_stats = mw.stop()
            sampled_stats = sampled.stop()
        print(f"  middleware recorder: {mw_stats}; sampled: {sampled_stats}")
        with servers(("plain", {})) as (upstream,), servers(("proxy", {"upstream": upstream.url, "out": px_out})) as (
            proxy,
        ):
            targets = [("direct", upstream.url), ("via recording proxy", proxy.url)]
            print("recording proxy vs direct (saturated):")
            compare(targets, load=load, connections=args.connections, duration=args.duration, rounds=args.rounds)
            print("recording proxy vs direct (one connection):")
            compare(targets, load=load, connections=1, duration=args.duration, rounds=args.rounds)
            px_stats = proxy.stop()
        print(f"  proxy recorder: {px_stats}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
