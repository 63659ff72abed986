"""Small builders for parity tests: recorded exchanges and their replays."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from contractdrift.model import Body, Exchange, Request, Response


def answer(ex_id: str, path: str, body: Any = None, *, status: int = 200, method: str = "GET",
           media: str | None = "application/json", headers: Sequence[tuple[str, str]] = (),
           replay_of: str | None = None, text: str | None = None, no_response: bool = False) -> Exchange:
    if text is not None:
        b = Body(kind="text", media_type=media, size=len(text.encode()), text=text)
    elif body is None:
        b = Body.empty(media)
    else:
        b = Body(kind="json", media_type=media, size=len(json.dumps(body)), json=body)
    hdrs = ((("content-type", media),) if media else ()) + tuple(headers)
    return Exchange(id=ex_id, started_at=0.0, duration_ms=1.0,
                    request=Request(method=method, url=f"http://svc.test{path}"),
                    response=None if no_response else Response(status=status, headers=hdrs, body=b),
                    error="ConnectError: refused" if no_response else None, replay_of=replay_of)


def replay_of(recorded: Sequence[Exchange], prefix: str) -> list[Exchange]:
    """The same answers again, as a replay would record them (new ids, linked)."""
    import dataclasses

    return [dataclasses.replace(e, id=f"{prefix}{i}", replay_of=e.id) for i, e in enumerate(recorded)]
