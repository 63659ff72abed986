"""Two builds of one small Starlette shop, for replay and parity tests.

``v1`` is the build clients use today; ``v2`` the candidate, with four known differences:

1. ``GET /orders/{id}``: the ``note`` field is gone;
2. ``GET /orders/{id}``: ``total.amount`` is a string (``"12.50"``) instead of a number;
3. ``GET /legacy``: answers 410 instead of 200;
4. ``GET /orders/{id}/history``: the events, whose order matters, come newest first.

Both builds send volatile values on every answer: a ``created_at`` timestamp, a ``request_id``
UUID and a ``trace.id``. Every app counts what it receives (``app.state.seen``) so tests can prove
what was (not) sent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route


def _volatile() -> dict[str, Any]:
    return {"created_at": dt.datetime.now(dt.timezone.utc).isoformat(), "request_id": str(uuid.uuid4()),
            "trace": {"id": uuid.uuid4().hex, "sampled": True}}


def make_app(version: int, *, delay: float = 0.0) -> Starlette:
    async def order(request: Request) -> Response:
        await _note(request)
        oid = int(request.path_params["id"])
        amount = 12.5 + oid
        body: dict[str, Any] = {
            "id": oid,
            "status": "open",
            "total": {"amount": amount if version == 1 else f"{amount:.2f}", "currency": "EUR"},
            "items": [{"sku": "A-1", "qty": 1}, {"sku": "B-2", "qty": 2}],
            **_volatile(),
        }
        if version == 1:
            body["note"] = "leave at the door"
        return JSONResponse(body, headers={"cache-control": "no-store", "x-request-id": str(uuid.uuid4())})

    async def history(request: Request) -> Response:
        await _note(request)
        events = [{"seq": 1, "event": "created"}, {"seq": 2, "event": "paid"}, {"seq": 3, "event": "shipped"}]
        if version == 2:
            events.reverse()
        return JSONResponse({"order": int(request.path_params["id"]), "events": events, **_volatile()})

    async def legacy(request: Request) -> Response:
        await _note(request)
        if version == 2:
            return JSONResponse({"error": "gone"}, status_code=410)
        return JSONResponse({"legacy": True, **_volatile()})

    async def create(request: Request) -> Response:
        await _note(request)
        return JSONResponse({"created": True, **_volatile()}, status_code=201)

    async def away(request: Request) -> Response:
        await _note(request)
        return RedirectResponse(request.query_params.get("to", "/"), status_code=302)

    async def _note(request: Request) -> None:
        state = request.app.state
        state.seen.append((request.method, request.url.path, request.headers.get("authorization")))
        state.in_flight += 1
        state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            if delay:
                await asyncio.sleep(delay)
        finally:
            state.in_flight -= 1

    app = Starlette(routes=[
        Route("/orders/{id:int}", order),
        Route("/orders/{id:int}/history", history),
        Route("/legacy", legacy),
        Route("/orders", create, methods=["POST"]),
        Route("/away", away),
    ])
    app.state.seen = []
    app.state.in_flight = 0
    app.state.max_in_flight = 0
    return app
