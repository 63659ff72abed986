"""Benchmark: contractdrift's summary fold vs GenSON, and end-to-end ``contractdrift infer``.

Run: ``.venv/bin/python benchmarks/bench_infer.py [--n 50000] [--exchanges 100000]``

1. The same N already-parsed ~500-byte JSON payloads (ids, uuids, dates, emails, nested objects,
   arrays, a free-form ``metadata`` map) go through GenSON's ``SchemaBuilder.add_object`` and through
   contractdrift's summary fold (``Node.add`` in batches, the way ``infer`` feeds it); payloads/s for
   both and the ratio are printed, plus the property counts each produced.
2. A 100k-exchange recording (JSON Lines, contractdrift recording format) is written to a temp dir
   and ``contractdrift infer`` is timed on it end to end (reading, templating, folding, output).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

STATUSES = ["pending", "paid", "shipped", "delivered", "cancelled"]
COUNTRIES = ["DE", "FR", "US", "GB", "NL", "SE"]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]


def make_payload(rng: random.Random) -> dict[str, Any]:
    """One realistic ~500-byte order payload."""
    ts = 1_700_000_000 + rng.randrange(50_000_000)
    day = time.strftime("%Y-%m-%d", time.gmtime(ts))
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{rng.randrange(1000):03d}Z"
    payload: dict[str, Any] = {
        "id": rng.randrange(1, 10_000_000),
        "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "status": rng.choice(STATUSES),
        "created_at": stamp,
        "delivery_date": day,
        "customer": {
            "id": rng.randrange(1, 1_000_000),
            "email": f"{rng.choice(WORDS)}.{rng.randrange(10_000)}@example.com",
            "name": f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}",
            "vip": rng.random() < 0.1,
        },
        "shipping": {
            "street": f"{rng.randrange(1, 999)} {rng.choice(WORDS).title()} Street",
            "city": rng.choice(WORDS).title(),
            "country": rng.choice(COUNTRIES),
            "zip": f"{rng.randrange(10000, 99999)}",
        },
        "items": [
            {"sku": f"SKU-{rng.randrange(100_000):05d}", "qty": rng.randrange(1, 5),
             "price": round(rng.uniform(1, 500), 2)}
            for _ in range(rng.randrange(0, 4))
        ],
        "total": round(rng.uniform(1, 2000), 2),
        "tags": rng.sample(WORDS, rng.randrange(0, 3)),
        "note": None if rng.random() < 0.7 else f"leave at {rng.choice(WORDS)}",
        "metadata": {f"{rng.choice(WORDS)}_{rng.randrange(3000)}": rng.choice([rng.randrange(100), rng.choice(WORDS)])
                     for _ in range(rng.randrange(0, 4))},
    }
    if rng.random() < 0.8:
        payload["coupon"] = f"SAVE{rng.randrange(5, 50)}"
    return payload


def make_payloads(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [make_payload(rng) for _ in range(n)]


def _count_properties(schema: Any) -> int:
    if isinstance(schema, dict):
        return len(schema.get("properties", {})) + sum(_count_properties(v) for v in schema.values())
    if isinstance(schema, list):
        return sum(_count_properties(v) for v in schema)
    return 0


def bench_fold(payloads: list[dict[str, Any]]) -> None:
    from genson import SchemaBuilder

    from contractdrift.infer.derive import node_schema
    from contractdrift.infer.options import InferOptions
    from contractdrift.infer.summary import Node

    n = len(payloads)
    size = sum(len(json.dumps(p, separators=(",", ":"))) for p in payloads) / n
    print(f"payloads: {n}, mean size {size:.0f} bytes")

    # Both folds run in the same process over the same payloads, interleaved chunk by chunk and
    # timed in CPU time, so that other load on the machine hits both alike.
    opts = InferOptions()
    builder = SchemaBuilder()
    node = Node(opts)
    batch = opts.batch_size
    clock = time.process_time
    t_genson = t_fold = 0.0
    chunk = 8 * batch
    for start in range(0, n, chunk):
        part = payloads[start : start + chunk]
        t0 = clock()
        for p in part:
            builder.add_object(p)
        t_genson += clock() - t0
        t0 = clock()
        for i in range(0, len(part), batch):
            node.add(part[i : i + batch])
        t_fold += clock() - t0
    t0 = clock()
    genson_schema = builder.to_schema()
    t_genson += clock() - t0
    t0 = clock()
    ours = node_schema(node, opts)
    t_derive = clock() - t0

    g_rate, c_rate = n / t_genson, n / t_fold
    print(f"genson       : {g_rate:>12,.0f} payloads/s  ({t_genson:.2f} s CPU, {_count_properties(genson_schema)} properties)")
    print(f"contractdrift: {c_rate:>12,.0f} payloads/s  ({t_fold:.2f} s CPU fold + {t_derive * 1000:.1f} ms derive, "
          f"{_count_properties(ours)} properties)")
    print(f"ratio        : {c_rate / g_rate:.1f}x GenSON")


def write_recording(path: Path, n: int, seed: int = 11) -> None:
    """A JSON Lines recording of ``n`` exchanges over a few operations."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"format": "contractdrift-recording", "version": 1}) + "\n")
        for i in range(n):
            kind = rng.random()
            oid = rng.randrange(1, 1_000_000)
            if kind < 0.5:
                method, url, status = "GET", f"https://api.example.com/api/v1/orders/{oid}", 200
                req_body: dict[str, Any] = {"kind": "empty"}
                resp_json: Any = make_payload(rng)
            elif kind < 0.7:
                method, url, status = "GET", f"https://api.example.com/api/v1/orders?limit={rng.randrange(1, 100)}&status={rng.choice(STATUSES)}", 200
                req_body = {"kind": "empty"}
                resp_json = {"items": [make_payload(rng) for _ in range(2)], "next": None}
            elif kind < 0.9:
                method, url, status = "POST", "https://api.example.com/api/v1/orders", 201
                p = make_payload(rng)
                req_body = {"kind": "json", "media_type": "application/json", "json": {k: p[k] for k in ("customer", "items", "shipping")}}
                resp_json = p
            else:
                method, url, status = "GET", f"https://api.example.com/api/v1/users/{uuid.UUID(int=rng.getrandbits(128), version=4)}", 404
                req_body = {"kind": "empty"}
                resp_json = {"error": "not_found", "message": "no such user"}
            ex = {
                "id": f"ex{i}",
                "started_at": 1_700_000_000.0 + i,
                "duration_ms": 3.5,
                "source": "other",
                "request": {"method": method, "url": url,
                            "headers": [["accept", "application/json"], ["x-request-id", str(i)]],
                            "body": req_body},
                "response": {"status": status, "headers": [["content-type", "application/json"]],
                             "body": {"kind": "json", "media_type": "application/json", "json": resp_json}},
            }
            fh.write(json.dumps(ex, separators=(",", ":")) + "\n")


def bench_end_to_end(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rec = Path(tmp) / "traffic.jsonl"
        t0 = time.perf_counter()
        write_recording(rec, n)
        print(f"\nrecording: {n} exchanges, {rec.stat().st_size / 1e6:.1f} MB (written in {time.perf_counter() - t0:.1f} s)")
        out = Path(tmp) / "inferred.yaml"
        t0 = time.perf_counter()
        c0 = os.times()
        proc = subprocess.run(
            [sys.executable, "-m", "contractdrift", "infer", str(rec), "-o", str(out)],
            capture_output=True, text=True, check=False,
        )
        elapsed = time.perf_counter() - t0
        c1 = os.times()
        cpu = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr)
            raise SystemExit(f"contractdrift infer failed with exit code {proc.returncode}")
        print(f"contractdrift infer end-to-end: {elapsed:.2f} s wall, {cpu:.2f} s CPU "
              f"({n / elapsed:,.0f} exchanges/s wall), output {out.stat().st_size / 1e3:.1f} kB")
        print("operations:", ", ".join(
            line.strip().rstrip(":") for line in out.read_text().splitlines() if line.startswith("  /")
        ))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--n", type=int, default=50_000, help="payloads for the fold benchmark")
    ap.add_argument("--exchanges", type=int, default=100_000, help="exchanges in the end-to-end recording")
    args = ap.parse_args()
    bench_fold(make_payloads(args.n))
    if args.exchanges:
        bench_end_to_end(args.exchanges)


if __name__ == "__main__":
    main()
