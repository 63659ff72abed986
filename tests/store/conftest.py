from __future__ import annotations

import time

import pytest

from contractdrift.capture.recorder import new_exchange_id
from contractdrift.model import Body, Exchange, Request, Response


def make_exchange(i: int = 0, *, payload: object = None, tags: dict[str, str] | None = None) -> Exchange:
    """A small, valid exchange whose response body identifies it by ``i``."""
    body = {"n": i, "name": f"item-{i}"} if payload is None else payload
    return Exchange(
        id=new_exchange_id(),
        started_at=time.time(),
        duration_ms=1.25,
        request=Request(method="GET", url=f"http://127.0.0.1:8000/items/{i}?x=1", headers=(("accept", "*/*"),)),
        response=Response(
            status=200,
            headers=(("content-type", "application/json"),),
            body=Body(kind="json", media_type="application/json", size=20, json=body),  # type: ignore[arg-type]
        ),
        source="other",
        tags=tags or {},
    )


@pytest.fixture
def exchange_factory():
    return make_exchange
