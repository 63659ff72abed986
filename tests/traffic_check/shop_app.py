"""A small Starlette shop whose behaviour drifts from tests/check/data/shop.yaml in known ways.

GET /v1/items/{id} (the drifts are a function of the id, so a test knows the exact counts):
  id % 4 == 0: price sent as a string            -> response-property-type-mismatch   /price
  id % 5 == 0: name missing                      -> response-property-required-missing /name
  id % 7 == 0: status "reserved" (not in enum)   -> response-property-enum-mismatch    /status
  id % 6 == 0: description null (not nullable)   -> response-property-null-not-allowed /description
  answers 200 without checking credentials       -> api-security-not-enforced
  id > 1000: 404 with a conforming Error body
GET /v1/items: every item carries an undocumented "internal_sku" -> response-property-undocumented
POST /v1/items: 201 with the item; a name of "dup" gets an undocumented 409
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def item(item_id: int, *, drift: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item_id, "name": f"item {item_id}", "price": 9.5, "status": "available",
                           "description": "a thing"}
    if drift:
        if item_id % 4 == 0:
            out["price"] = "9.50"
        if item_id % 5 == 0:
            del out["name"]
        if item_id % 7 == 0:
            out["status"] = "reserved"
        if item_id % 6 == 0:
            out["description"] = None
    return out


async def list_items(request: Request) -> Response:
    limit = int(request.query_params.get("limit", "3"))
    data = [{**item(i, drift=False), "internal_sku": f"SKU-{i}"} for i in range(1, limit + 1)]
    return JSONResponse({"data": data})


async def get_item(request: Request) -> Response:
    item_id = int(request.path_params["item_id"])
    if item_id > 1000:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse(item(item_id, drift=True))


async def create_item(request: Request) -> Response:
    body = await request.json()
    if body.get("name") == "dup":
        return JSONResponse({"error": "duplicate"}, status_code=409)
    return JSONResponse({**body, "id": 77}, status_code=201)


app = Starlette(routes=[
    Route("/v1/items", list_items, methods=["GET"]),
    Route("/v1/items", create_item, methods=["POST"]),
    Route("/v1/items/{item_id}", get_item, methods=["GET"]),
])
