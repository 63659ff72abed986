"""Concurrent httpx traffic over TCP and the comparisons the capture tests need."""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from contractdrift.model import Exchange

TIMEOUT = httpx.Timeout(20.0)


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # with query; unique per call so recordings can be matched one-to-one
    body: bytes | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...]
    raw: bytes  # body bytes exactly as sent on the wire (not decoded)


def mixed_calls(n: int, *, with_mount: bool = True) -> list[Call]:
    """``n`` distinct requests: JSON GETs, JSON POSTs, streaming, binary, mounted routes."""
    calls: list[Call] = []
    for i in range(n):
        kind = i % 10
        if kind in (0, 1, 2, 3):
            calls.append(Call("GET", f"/items/{i}?n={i}"))
        elif kind in (4, 5):
            payload = json.dumps({"n": i, "name": f"thing {i}", "values": list(range(i % 7))}).encode()
            calls.append(Call("POST", f"/echo?n={i}", payload, "application/json"))
        elif kind == 6:
            calls.append(Call("GET", f"/stream?n={i}"))
        elif kind == 7:
            calls.append(Call("GET", f"/big?n={i}"))
        elif kind == 8 and with_mount:
            calls.append(Call("GET", f"/api/users/u{i}?n={i}"))
        else:
            calls.append(Call("PUT", f"/echo?n={i}", f"plain text {i}".encode(), "text/plain"))
    return calls


async def _run(base: str, calls: list[Call], concurrency: int) -> list[Reply]:
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, limits=limits, trust_env=False) as client:

        async def one(call: Call) -> Reply:
            headers = {"content-type": call.content_type} if call.content_type else {}
            async with sem:
                req = client.build_request(call.method, call.path, content=call.body, headers=headers)
                resp = await client.send(req, stream=True)
                try:
                    raw = b"".join([chunk async for chunk in resp.aiter_raw()])
                finally:
                    await resp.aclose()
                return Reply(resp.status_code, tuple(resp.headers.multi_items()), raw)

        return await asyncio.gather(*(one(c) for c in calls))


def fetch_all(base: str, calls: list[Call], *, concurrency: int = 50, in_process: bool = False) -> list[Reply]:
    """Send all ``calls`` to ``base`` with at most ``concurrency`` in flight; replies in call order.

    The client runs in a child process by default, so it does not share the GIL with the servers
    under test (which run in threads of the test process).
    """
    if in_process:
        return asyncio.run(asyncio.wait_for(_run(base, calls, concurrency), timeout=120))
    # Plain tuples cross the process boundary (the child imports this file by path).
    payload = (base, [(c.method, c.path, c.body, c.content_type) for c in calls], concurrency)
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child"],
        input=pickle.dumps(payload), capture_output=True, timeout=180,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed: {proc.stderr.decode(errors='replace')[-2000:]}")
    return [Reply(status, tuple(headers), raw) for status, headers, raw in pickle.loads(proc.stdout)]


def _child() -> None:
    base, raw_calls, concurrency = pickle.loads(sys.stdin.buffer.read())
    calls = [Call(*c) for c in raw_calls]
    replies = asyncio.run(asyncio.wait_for(_run(base, calls, concurrency), timeout=120))
    sys.stdout.buffer.write(pickle.dumps([(r.status, r.headers, r.raw) for r in replies]))


if __name__ == "__main__" and sys.argv[1:] == ["--child"]:
    _child()


IGNORED = frozenset({"date"})


def comparable(reply: Reply, ignore: frozenset[str] = IGNORED) -> tuple[Any, ...]:
    headers = sorted((k.lower(), v) for k, v in reply.headers if k.lower() not in ignore)
    return (reply.status, headers, reply.raw)


def assert_recorded_once(calls: list[Call], exchanges: list[Exchange]) -> None:
    """Every call is recorded exactly once (matched by method + path + query) and nothing else."""
    ids = Counter(e.id for e in exchanges)
    assert len(ids) == len(exchanges), "duplicate exchange ids"
    seen = Counter((e.request.method, _path_query(e.request.url)) for e in exchanges)
    wanted = Counter((c.method, c.path) for c in calls)
    assert seen == wanted, f"missing {wanted - seen}, unexpected {seen - wanted}"


def _path_query(url: str) -> str:
    u = httpx.URL(url)
    return u.raw_path.decode("ascii")
