"""The recorder's request path and hand-off: what the ASGI middleware keeps, how raw captures are
packed and framed for the writer process, the lock-free queue and the batching feeder."""

from __future__ import annotations

import gzip
import itertools
import json
import pickle
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractdrift.asgi import RecordingMiddleware
from contractdrift.capture import _wire
from contractdrift.capture._raw import materialize
from contractdrift.capture._tee import BodyTee
from contractdrift.capture.body import BodyBuffer
from contractdrift.capture.offload import _FILL
from contractdrift.capture.recorder import Recorder
from contractdrift.model import Body

from .rawcap import asgi_capture

needs_msgspec = pytest.mark.skipif(_wire.pack is None, reason="msgspec is not installed")

MEDIA = ["application/json", "text/plain", "application/octet-stream"]


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)] or [b""]


def _oracle(chunks: list[bytes], limit: int, encoding: str | None, store: bool, media: str,
            complete: bool) -> Body:
    """What the plain tees (the httpx transports' path) record for these chunks."""
    tee: BodyTee | BodyBuffer = BodyBuffer(limit, encoding, store=store) if encoding else BodyTee(limit, store)
    for chunk in chunks:
        tee.feed(chunk)
    return tee.body(media, complete=complete)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    payload=st.one_of(st.binary(max_size=300),
                      st.builds(lambda d: json.dumps(d).encode(),
                                st.dictionaries(st.text(max_size=5), st.integers(), max_size=8))),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
    req=st.binary(max_size=120),
    req_cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=4),
    limit=st.integers(min_value=0, max_value=160),
    encoding=st.sampled_from([None, "gzip", "identity"]),
    media=st.sampled_from(MEDIA),
    allow_list=st.sampled_from([None, ("application/json",)]),
    finish=st.booleans(),
)
def test_recorded_bodies_are_what_the_plain_tees_record(
        payload: bytes, cuts: list[int], req: bytes, req_cuts: list[int], limit: int, encoding: str | None,
        media: str, allow_list: tuple[str, ...] | None, finish: bool) -> None:
    """Whatever the chunking, size limit, encoding, allow-list and ending: the middleware's fast
    path (chunks kept whole, decoded by the writer) and its tees give the bodies the plain tees
    give, and so does the capture packed for the writer process."""
    sent = gzip.compress(payload, mtime=0) if encoding == "gzip" else payload
    chunks = _chunks(sent, cuts)
    req_chunks = _chunks(req, req_cuts)
    resp_headers = [(b"content-type", media.encode())]
    if encoding:
        resp_headers.append((b"content-encoding", encoding.encode()))
    raw = asgi_capture(method="POST", headers=[(b"content-type", media.encode())], body=req_chunks,
                       resp_headers=resp_headers, resp_body=chunks, finish=finish, max_body_bytes=limit,
                       allowed=allow_list)
    store = allow_list is None or media in allow_list
    decode = encoding if encoding != "identity" else None
    expected_resp = _oracle(chunks, limit, decode, store, media, finish)
    expected_req = _oracle(req_chunks, limit, None, store, media, True)
    candidates = [raw]
    if _wire.pack is not None:
        candidates.append(_wire.unpack(_wire.pack(raw)))  # as the writer process receives it
    for capture in candidates:
        ex = materialize(capture, limit, "01ID")
        assert ex.response is not None
        assert ex.response.body == expected_resp
        assert ex.request.body == expected_req


def test_a_body_not_sent_as_bytes_is_copied_and_recorded() -> None:
    raw = asgi_capture(resp_headers=[(b"content-type", b"text/plain")],
                       resp_body=[bytearray(b"abc"), memoryview(b"def")])  # type: ignore[list-item]
    ex = materialize(raw, 1 << 20, "01ID")
    assert ex.response is not None and ex.response.body.text == "abcdef"


def test_a_failure_while_teeing_is_counted_and_the_message_still_goes_out() -> None:
    sent: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": 12345})  # not bytes: len() fails

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:  # pragma: no cover - the app does not read
        return {}

    recorder = Recorder(None)
    mw = RecordingMiddleware(app, recorder)
    coro = mw({"type": "http", "method": "GET", "path": "/", "headers": []}, receive, send)
    with pytest.raises(StopIteration):
        coro.send(None)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert mw.errors == 1
    recorder.close()
    assert recorder.stats.errors == 1


# --- packing and framing --------------------------------------------------------------------------

@needs_msgspec
@pytest.mark.parametrize("n", [0, 1, 15, 16, 300, 65536])
def test_a_frame_of_packed_captures_decodes_to_the_batch(n: int) -> None:
    raw = asgi_capture(raw_path=b"/x", resp_headers=[(b"content-type", b"application/json")], resp_body=b"{}")
    packed = _wire.pack(raw)  # type: ignore[misc]
    frame = _wire.encode_batch([packed] * n, ("01HEAD", 7))
    assert frame is not None and frame[:1] != b"\x80"
    kind, items, ids, resume = _wire.decode_message(frame)
    assert (kind, len(items), list(ids), resume) == ("batch", n, ["01HEAD", 7], None)
    assert all(item == _wire.unpack(packed) for item in items[:3])


@needs_msgspec
def test_captures_queued_before_packing_began_go_as_msgpack_too() -> None:
    raw = asgi_capture(raw_path=b"/y")
    frame = _wire.encode_batch([raw, _wire.pack(raw)], ("H", 0))  # type: ignore[misc]
    assert frame is not None and frame[:1] != b"\x80"
    _, items, _, _ = _wire.decode_message(frame)
    assert items[0] == items[1] == _wire.unpack(_wire.pack(raw))  # type: ignore[misc]


def test_other_items_are_pickled_and_unpicklable_ones_refused() -> None:
    raw = asgi_capture(raw_path=b"/z")
    items: list[Any] = [("x", "an exchange"), raw]
    if _wire.pack is not None:
        items.append(_wire.pack(raw))
    frame = _wire.encode_batch(items, ("H", 0))
    assert frame is not None and frame[:1] == b"\x80"
    assert _wire.decode_message(frame) == pickle.loads(frame) == ("batch", items, ("H", 0), None)
    assert _wire.encode_batch([("x", threading.Lock())], ("H", 0)) is None


# --- the queue ------------------------------------------------------------------------------------

def test_threads_submitting_at_once_are_counted_exactly(tmp_path: Path) -> None:
    """No lock on the request path, yet every capture is recorded or counted as dropped."""
    rec = Recorder(None, queue_size=500)
    raw = asgi_capture(raw_path=b"/t", resp_body=b"ok")
    accepted = [0] * 8

    def submit(k: int) -> None:
        for _ in range(2000):
            accepted[k] += rec.submit_raw(raw)

    threads = [threading.Thread(target=submit, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rec.close()
    stats = rec.stats
    assert stats.submitted == 16000 and stats.pending == 0 and stats.errors == 0
    assert stats.recorded == sum(accepted) == len(rec.exchanges)
    assert stats.recorded + stats.dropped_queue_full == 16000


def test_the_feeder_lets_batches_fill_up_but_flush_does_not_wait() -> None:
    rec = Recorder(None)
    raw = asgi_capture(raw_path=b"/b", resp_body=b"ok")
    started = time.monotonic()
    for _ in range(200):  # a trickle: about one exchange a millisecond
        rec.submit_raw(raw)
        time.sleep(0.001)
    elapsed = time.monotonic() - started
    t0 = time.monotonic()
    rec.flush(10)
    assert time.monotonic() - t0 < _FILL * 0.8  # flush takes what is queued at once
    assert rec.stats.recorded == 200
    # One batch per _FILL seconds at most (plus the first, taken as soon as the feeder started).
    assert rec._offload.batches <= elapsed / _FILL + 3
    rec.close()


def test_after_a_flush_batches_fill_up_again_under_steady_traffic(monkeypatch: pytest.MonkeyPatch) -> None:
    """A flush makes the feeder send at once while it waits, and only then: with a queue that never
    runs empty (a slow writer, steady traffic), batches fill up again afterwards."""
    rec = Recorder(None)
    out = rec._offload
    original = out._write

    def slow_write(batch: list[Any], *args: Any) -> None:
        time.sleep(0.005)
        original(batch, *args)

    monkeypatch.setattr(out, "_write", slow_write)
    raw = asgi_capture(raw_path=b"/f", resp_body=b"ok")
    done = threading.Event()

    def traffic() -> None:
        for _ in range(600):
            rec.submit_raw(raw)
            time.sleep(0.001)
        done.set()

    threading.Thread(target=traffic).start()
    time.sleep(0.1)
    rec.flush(10)  # in the middle of the traffic: the queue is not empty when it returns
    assert out._flushing == 0
    before, started = out.batches, time.monotonic()
    assert done.wait(30)
    elapsed = time.monotonic() - started
    after = out.batches
    rec.flush(10)
    assert rec.stats.recorded == 600
    assert after - before <= elapsed / _FILL + 3
    rec.close()


@pytest.mark.skipif(not hasattr(__import__("fcntl"), "F_GETPIPE_SZ"), reason="Linux pipes only")
def test_the_pipe_to_the_writer_holds_a_whole_batch(tmp_path: Path) -> None:
    import fcntl

    rec = Recorder(tmp_path / "p.jsonl", offload="process")
    rec.submit_raw(asgi_capture(raw_path=b"/p"))
    rec.flush(30)
    child = rec._offload._child
    assert child is not None
    assert fcntl.fcntl(child.send.fileno(), fcntl.F_GETPIPE_SZ) >= 1 << 20
    rec.close()
    assert rec.stats.recorded == 1
