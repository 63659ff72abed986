"""Write the parity golden inputs (deterministic): ``python tests/cli/data/parity/_generate.py``.

baseline.jsonl  recorded answers of the build in production (v1)
control.jsonl   v1 again (replayed): volatile fields differ
candidate.jsonl v2 (replayed): ``note`` removed, ``total.amount`` a string, ``/legacy`` 410, history
                events newest first, and ``cache-control`` changed
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def answer(version: int, rnd: random.Random, path: str) -> tuple[int, dict[str, Any], list[list[str]]]:
    volatile = {"created_at": f"2024-05-01T10:{rnd.randrange(60):02d}:{rnd.randrange(60):02d}Z",
                "request_id": f"{rnd.getrandbits(32):08x}-0000-4000-8000-{rnd.getrandbits(48):012x}"}
    headers = [["content-type", "application/json"]]
    if path == "/legacy":
        return (200, {"legacy": True, **volatile}, headers) if version == 1 else (410, {"error": "gone"}, headers)
    oid = int(path.split("/")[2])
    if path.endswith("/history"):
        events = [{"seq": 1, "event": "created"}, {"seq": 2, "event": "paid"}]
        return 200, {"order": oid, "events": events if version == 1 else events[::-1], **volatile}, headers
    amount = 10.5 + oid
    body: dict[str, Any] = {"id": oid, "total": {"amount": amount if version == 1 else f"{amount:.2f}"}, **volatile}
    if version == 1:
        body["note"] = "leave at the door"
    headers.append(["cache-control", "no-store" if version == 1 else "max-age=60"])
    return 200, body, headers


def exchange(ex_id: str, path: str, version: int, rnd: random.Random, replay_of: str | None) -> dict[str, Any]:
    status, body, headers = answer(version, rnd, path)
    out: dict[str, Any] = {
        "id": ex_id, "started_at": 1714557600.0, "duration_ms": 1.0, "source": "other",
        "request": {"method": "GET", "url": f"http://shop.internal{path}", "headers": [], "body": {"kind": "empty"}},
        "response": {"status": status, "headers": headers,
                     "body": {"kind": "json", "media_type": "application/json", "size": 1, "json": body}},
    }
    if replay_of:
        out["replay_of"] = replay_of
    return out


def main() -> None:
    paths = [f"/orders/{i}" for i in range(1, 5)] + [f"/orders/{i}/history" for i in range(1, 3)] + ["/legacy"] * 2
    header = json.dumps({"format": "contractdrift-recording", "version": 1}) + "\n"
    for name, version, prefix, seed in (("baseline", 1, "B", 1), ("control", 1, "K", 2), ("candidate", 2, "C", 3)):
        rnd = random.Random(seed)
        lines = [exchange(f"{prefix}{i:03d}", p, version, rnd, None if prefix == "B" else f"B{i:03d}")
                 for i, p in enumerate(paths)]
        (HERE / f"{name}.jsonl").write_text(header + "".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")


if __name__ == "__main__":
    main()
