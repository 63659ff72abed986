"""A small Orders service (what v2.yaml describes, with a drift or two) for the demo.

Run by ``record_traffic.py`` under uvicorn with contractdrift's ASGI recording middleware.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

_rng = random.Random(7)
ORDERS: dict[str, dict[str, Any]] = {}


def _order(note: str | None = None) -> dict[str, Any]:
    oid = str(uuid.UUID(int=_rng.getrandbits(128), version=4))
    order: dict[str, Any] = {
        "id": oid,
        "status": _rng.choice(["pending", "paid", "shipped", "refunded"]),
        "total": {"amount": f"{_rng.randint(100, 99999) / 100:.2f}", "currency": "EUR"},
        "items": [{"sku": f"SKU-{_rng.randint(1, 999):03d}", "quantity": _rng.randint(1, 4)}
                  for _ in range(_rng.randint(1, 3))],
    }
    if _rng.random() < 0.8:  # the spec says optional since v2; in practice mostly present
        order["created_at"] = f"2026-11-{_rng.randint(1, 28):02d}T{_rng.randint(0, 23):02d}:15:00Z"
    if note:
        order["note"] = note
    ORDERS[oid] = order
    return order


for _ in range(20):
    _order()


async def list_orders(request: Request) -> Response:
    limit = int(request.query_params.get("limit", "10"))
    data = list(ORDERS.values())[:limit]
    return JSONResponse({"data": data, "next_cursor": None if len(data) < limit else "c_" + data[-1]["id"][:8]})


async def create_order(request: Request) -> Response:
    body = await request.json()
    order = _order(body.get("note"))
    if body.get("gift"):  # the drift the example test suite catches: a number where the spec says string
        order["total"] = {"amount": 0, "currency": "EUR"}
    return JSONResponse(order, status_code=201)


async def get_order(request: Request) -> Response:
    order = ORDERS.get(request.path_params["id"])
    if order is None:
        return JSONResponse({"error": "not_found"}, status_code=404)
    return JSONResponse(order)


async def cancel_order(request: Request) -> Response:
    ORDERS.pop(request.path_params["id"], None)
    return Response(status_code=204)


app = Starlette(routes=[
    Route("/v1/orders", list_orders, methods=["GET"]),
    Route("/v1/orders", create_order, methods=["POST"]),
    Route("/v1/orders/{id}", get_order, methods=["GET"]),
    Route("/v1/orders/{id}", cancel_order, methods=["DELETE"]),
])
