"""Serve the example Orders app with uvicorn on 127.0.0.1, record real traffic through the ASGI
middleware, and write it to a JSON Lines recording (redacted by default).

    python examples/record_traffic.py out/traffic.jsonl [N]
"""

from __future__ import annotations

import random
import socket
import sys
import threading
import time
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).parent / "orders"))

from app import ORDERS, app

import contractdrift
from contractdrift.asgi import RecordingMiddleware


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(out: str, n: int) -> None:
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).unlink(missing_ok=True)
    recorder = contractdrift.Recorder(out, tags={"env": "demo"})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(RecordingMiddleware(app, recorder), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    rng = random.Random(1)
    base = f"http://127.0.0.1:{port}/v1"
    with httpx.Client(base_url=base, timeout=10, headers={"Authorization": "Bearer demo-secret-token"}) as client:
        for i in range(n):
            roll = rng.random()
            if roll < 0.4:
                client.get("/orders", params={"limit": rng.randint(1, 10)})
            elif roll < 0.7:
                client.get(f"/orders/{rng.choice(list(ORDERS))}")
            elif roll < 0.9:
                client.post("/orders", json={"items": [{"sku": "SKU-001", "quantity": 1}],
                                             "customer_id": f"cus_{i}", "note": "leave at door"})
            else:
                client.get(f"/orders/{rng.getrandbits(64):x}")
    server.should_exit = True
    thread.join(timeout=10)
    recorder.close()
    print(f"recorded {recorder.stats.recorded} exchanges into {out} "
          f"(dropped {recorder.stats.dropped}, errors {recorder.stats.errors})")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200)
