"""Round-trip laws of the value types and the store (hypothesis)."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift.model import Body, Exchange, Request, Response, from_rfc6901, to_rfc6901
from contractdrift.store.jsonl import write_exchanges
from contractdrift.store.reader import read_exchanges

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
header_names = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12)
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
headers = st.lists(st.tuples(header_names, header_values), max_size=5).map(tuple)


@st.composite
def bodies(draw: st.DrawFn) -> Body:
    kind = draw(st.sampled_from(["empty", "json", "text", "binary"]))
    if kind == "empty":
        return Body.empty(draw(st.none() | st.just("application/json")))
    if kind == "json":
        return Body(kind="json", media_type="application/json", size=draw(st.integers(1, 10_000)),
                    json=draw(json_values))
    if kind == "text":
        text = draw(st.text(max_size=50))
        return Body(kind="text", media_type="text/plain", size=len(text.encode()), text=text,
                    truncated=draw(st.booleans()))
    raw = draw(st.binary(max_size=40))
    return Body(kind="binary", media_type="application/octet-stream", size=len(raw),
                base64=base64.b64encode(raw).decode())


@st.composite
def exchanges(draw: st.DrawFn) -> Exchange:
    path = "/".join(draw(st.lists(st.text("abcxyz0123456789", min_size=1, max_size=6), max_size=4)))
    has_response = draw(st.booleans())
    return Exchange(
        id=draw(st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=26, max_size=26)),
        started_at=draw(st.floats(0, 2e9, allow_nan=False)),
        duration_ms=draw(st.floats(0, 1e6, allow_nan=False)),
        request=Request(method=draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"])),
                        url=f"http://svc.test/{path}", headers=draw(headers), body=draw(bodies())),
        response=Response(status=draw(st.integers(100, 599)), headers=draw(headers), body=draw(bodies()))
        if has_response else None,
        source=draw(st.sampled_from(["httpx", "asgi", "wsgi", "proxy", "har"])),
        route=draw(st.none() | st.just("/things/{id}")),
        tags=draw(st.dictionaries(st.text("abc", min_size=1, max_size=3), st.text(max_size=5), max_size=2)),
        error=None if has_response else draw(st.none() | st.text(max_size=20)),
        replay_of=draw(st.none() | st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=1, max_size=26)),
    )


@given(exchanges())
def test_exchange_dict_round_trip(exchange: Exchange) -> None:
    assert Exchange.from_dict(exchange.to_dict()) == exchange


def test_replay_link_is_optional_in_the_store_format() -> None:
    old = {"id": "A", "request": {"method": "get", "url": "http://svc.test/x"}, "response": None}
    ex = Exchange.from_dict(old)  # a recording written before replay links existed
    assert ex.replay_of is None and "replay_of" not in ex.to_dict()
    linked = Exchange.from_dict({**old, "id": "B", "replay_of": "A"})
    assert linked.replay_of == "A" and linked.to_dict()["replay_of"] == "A"


@settings(max_examples=25, deadline=None)
@given(st.lists(exchanges(), max_size=8), st.booleans())
def test_recording_write_read_round_trip(items: list[Exchange], compress: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("t.jsonl.gz" if compress else "t.jsonl")
        assert write_exchanges(items, path, compress=compress) == len(items)
        assert list(read_exchanges(path)) == items


@given(st.lists(st.text(max_size=6) | st.integers(0, 99), max_size=6))
def test_pointer_round_trip(parts: list[str | int]) -> None:
    pointer = tuple(str(p) for p in parts)
    assert from_rfc6901(to_rfc6901(pointer)) == pointer
