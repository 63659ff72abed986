"""Integration tests of the Orders service (examples/orders/app.py)."""

from __future__ import annotations

import httpx


def test_list_orders(api: httpx.Client) -> None:
    r = api.get("/orders", params={"region": "eu", "limit": 3})
    assert r.status_code == 200
    assert len(r.json()["data"]) == 3


def test_create_order(api: httpx.Client) -> None:
    r = api.post("/orders", json={"customer_id": "c_42", "items": [{"sku": "SKU-001", "quantity": 2}]})
    assert r.status_code == 201
    assert r.json()["status"] in ("pending", "paid", "shipped", "refunded")


def test_get_order(api: httpx.Client) -> None:
    first = api.get("/orders", params={"region": "eu", "limit": 1}).json()["data"][0]
    r = api.get(f"/orders/{first['id']}")
    assert r.status_code == 200
    assert r.json()["id"] == first["id"]


def test_missing_order_is_404(api: httpx.Client) -> None:
    assert api.get("/orders/00000000-0000-4000-8000-000000000000").status_code == 404


def test_cancel_order(api: httpx.Client) -> None:
    created = api.post("/orders", json={"customer_id": "c_7", "items": [{"sku": "SKU-002", "quantity": 1}]}).json()
    assert api.delete(f"/orders/{created['id']}").status_code == 204


def test_gift_order_is_free(api: httpx.Client) -> None:
    """Passes as a test (the amount is zero) but fails the contract: the service sends the amount as a
    number, where the published spec promises a decimal string ("0.00")."""
    r = api.post("/orders", json={"customer_id": "c_9", "gift": True, "items": [{"sku": "SKU-003", "quantity": 1}]})
    assert r.status_code == 201
    assert float(r.json()["total"]["amount"]) == 0
