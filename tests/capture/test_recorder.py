from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from contractdrift import CapturePolicy, Recorder, RecorderStats, RecordingError, Redactor, read_exchanges
from contractdrift.capture.recorder import new_exchange_id
from contractdrift.errors import UsageError
from contractdrift.model import Body, Exchange, Request, Response
from contractdrift.model.masks import is_redacted


def _ex(i: int = 0, *, url: str | None = None, auth: str = "Bearer tok", tags: dict[str, str] | None = None,
        resp_body: Body | None = None) -> Exchange:
    return Exchange(
        id=new_exchange_id(),
        started_at=time.time(),
        duration_ms=2.0,
        request=Request(method="GET", url=url or f"http://127.0.0.1/items/{i}", headers=(("Authorization", auth),)),
        response=Response(status=200, body=resp_body or Body.from_bytes(b'{"n": %d}' % i, "application/json")),
        tags=tags or {},
    )


def test_in_memory_recording_redacts_and_tags() -> None:
    with Recorder(None, tags={"env": "ci", "build": "7"}) as rec:
        assert rec.submit(_ex(1, tags={"build": "8"}))
        rec.flush(5)
        assert len(rec.exchanges) == 1
    got = rec.exchanges[0]
    assert dict(got.request.headers)["Authorization"] == "Bearer [REDACTED]"
    assert got.tags == {"env": "ci", "build": "8"}
    assert rec.stats.recorded == 1 and rec.stats.submitted == 1 and rec.stats.errors == 0


def test_redaction_can_be_disabled_or_customised() -> None:
    with Recorder(None, redact=False) as plain:
        plain.submit(_ex(auth="Bearer keep"))
    assert dict(plain.exchanges[0].request.headers)["Authorization"] == "Bearer keep"
    with Recorder(None, redact=Redactor(defaults=False, fields=("n",))) as custom:
        custom.submit(_ex(5, auth="Bearer keep"))
    got = custom.exchanges[0]
    assert dict(got.request.headers)["Authorization"] == "Bearer keep"
    assert got.response is not None and got.response.body.json == {"n": 0}


def test_file_recording_synchronous_and_background(tmp_path: Path) -> None:
    for background in (True, False):
        path = tmp_path / f"t-{background}.jsonl"
        with Recorder(path, background=background) as rec:
            for i in range(50):
                rec.submit(_ex(i))
        assert rec.stats.recorded == 50
        assert [e.response.body.json["n"] for e in read_exchanges(path)] == list(range(50))  # type: ignore[union-attr,index,call-overload]


def test_gzip_and_rotation_through_recorder(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl.gz"
    with Recorder(path, background=False, rotate_bytes=400) as rec:
        for i in range(10):
            rec.submit(_ex(i))
    assert len(list(tmp_path.iterdir())) > 1
    assert [e.response.body.json["n"] for e in read_exchanges(tmp_path)] == list(range(10))  # type: ignore[union-attr,index,call-overload]


def test_sampling() -> None:
    rec = Recorder(None, sample_rate=0.0)
    assert not any(rec.wants("GET", "http://h/x") for _ in range(20))
    assert rec.stats.dropped_sampling == 20
    half = Recorder(None, sample_rate=0.5)
    kept = sum(half.wants("GET", "http://h/x") for _ in range(2000))
    assert 800 < kept < 1200
    assert half.stats.dropped_sampling == 2000 - kept
    rec.close()
    half.close()


def test_path_and_host_filters() -> None:
    pol = CapturePolicy(
        include_paths=("/api/*", r"re:^/v\d+/"),
        exclude_paths=("/api/health",),
        include_hosts=("*.example.com", "127.0.0.1:8000"),
        exclude_hosts=("admin.example.com",),
    )
    rec = Recorder(None, policy=pol)
    assert rec.wants("GET", "https://svc.example.com/api/users")
    assert rec.wants("GET", "http://127.0.0.1:8000/v2/items")
    assert not rec.wants("GET", "https://svc.example.com/api/health")
    assert not rec.wants("GET", "https://svc.example.com/static/x.js")
    assert not rec.wants("GET", "https://admin.example.com/api/users")
    assert not rec.wants("GET", "http://127.0.0.1:9000/api/users")
    assert rec.stats.dropped_filtered == 4
    rec.close()


def test_per_route_rate_limit() -> None:
    rec = Recorder(None, policy=CapturePolicy(per_route_rate=5))
    first = [rec.wants("GET", "http://h/items/1", route="/items/{id}") for _ in range(10)]
    assert first == [True] * 5 + [False] * 5
    # another route and another method have their own buckets
    assert rec.wants("POST", "http://h/items/1", route="/items/{id}")
    assert rec.wants("GET", "http://h/other")
    time.sleep(0.25)
    assert rec.wants("GET", "http://h/items/2", route="/items/{id}")  # refilled ~1.25 tokens
    assert rec.stats.dropped_rate_limited == 5
    rec.close()


def test_body_policy() -> None:
    rec = Recorder(None, max_body_bytes=10, policy=CapturePolicy(content_types=("application/json", "text/*")))
    assert rec.max_body_bytes == 10
    assert rec.body_allowed("application/json") and rec.body_allowed("text/html; charset=utf-8")
    assert not rec.body_allowed("image/png") and not rec.body_allowed(None)
    big = rec.make_body(b'{"a": "0123456789"}', "application/json")
    assert big.truncated and big.size == 19 and big.kind == "text" and big.text == '{"a": "012'
    hidden = rec.make_body(b"\x89PNG....", "image/png")
    assert hidden.truncated and hidden.size == 8 and hidden.base64 == ""
    assert rec.make_body(b"{}", "application/json").kind == "json"
    rec.submit(_ex(resp_body=big))
    rec.close()
    assert rec.stats.truncated_bodies == 1


def test_queue_full_is_counted_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder(None, queue_size=2)
    gate = threading.Event()
    original = rec._offload._write

    def slow_write(batch: list[Exchange]) -> None:
        gate.wait(5)
        original(batch)

    monkeypatch.setattr(rec._offload, "_write", slow_write)
    results = [rec.submit(_ex(i)) for i in range(10)]
    gate.set()
    rec.close()
    stats = rec.stats
    assert results.count(False) == stats.dropped_queue_full >= 5
    assert stats.recorded + stats.dropped_queue_full == 10
    assert len(rec.exchanges) == stats.recorded


def test_write_failures_are_counted_and_logged_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    target = tmp_path / "t.jsonl"
    caplog.set_level(logging.WARNING, logger="contractdrift.capture")
    rec = Recorder(target)
    target.unlink()
    target.mkdir()  # the writer notices the path changed, reopens it, and that fails
    for i in range(5):
        assert rec.submit(_ex(i)) is True  # queued; the failure happens off the request path
    rec.close()
    stats = rec.stats
    assert stats.errors == 5 and stats.recorded == 0
    assert stats.last_error is not None and "RecordingError" in stats.last_error and "Is a directory" in stats.last_error
    records = [r for r in caplog.records if r.name == "contractdrift.capture"]
    assert len(records) == 1


def test_logged_errors_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="contractdrift.capture")
    rec = Recorder(None)
    rec.note_error(RuntimeError("upstream https://h/p?api_key=Sup3rS3cret failed, Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"))
    rec.close()
    assert rec.stats.errors == 1
    text = caplog.text + (rec.stats.last_error or "")
    assert "Sup3rS3cret" not in text and "eyJhbGci" not in text
    assert "api_key=" in text


def test_unusable_path_fails_at_construction(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="Is a directory") as info:
        Recorder(tmp_path)
    assert isinstance(info.value, OSError) and info.value.file == str(tmp_path)
    assert isinstance(info.value.__cause__, IsADirectoryError)
    path = tmp_path / "sub" / "dir" / "t.jsonl"
    Recorder(path).close()
    assert path.exists() and path.read_bytes() == b""
    assert list(read_exchanges(path)) == []


def test_close_is_idempotent_and_submit_after_close_is_refused() -> None:
    rec = Recorder(None)
    rec.submit(_ex())
    rec.close()
    rec.close()
    assert rec.closed
    assert rec.submit(_ex()) is False
    assert rec.stats.errors == 1 and rec.stats.recorded == 1


def test_submit_never_raises_on_bad_exchange() -> None:
    rec = Recorder(None, tags={"a": "b"})
    assert rec.submit("not an exchange") is False  # type: ignore[arg-type]
    rec.close()
    assert rec.stats.errors == 1


def test_stats_snapshot_is_frozen() -> None:
    stats = RecorderStats(recorded=1, dropped_sampling=2, dropped_queue_full=3)
    assert stats.dropped == 5
    with pytest.raises(AttributeError):
        stats.recorded = 3  # type: ignore[misc]


def test_exchange_ids_are_unique_and_time_ordered() -> None:
    ids = [new_exchange_id() for _ in range(5000)]
    assert len(set(ids)) == 5000
    assert ids == sorted(ids)
    assert all(len(i) == 26 for i in ids)


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        CapturePolicy(sample_rate=1.5)
    with pytest.raises(ValueError):
        CapturePolicy(per_route_rate=0)


def _child_submits(rec: Recorder, worker: int) -> None:
    for i in range(100):
        rec.submit(_ex(worker * 1000 + i))
    rec.close()  # multiprocessing children leave through os._exit: close explicitly


def test_recorder_created_before_fork_works_in_children(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "forked.jsonl"
    rec = Recorder(path)
    rec.submit(_ex(0))
    rec.flush(5)
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_child_submits, args=(rec, w)) for w in (1, 2, 3)]
    for p in procs:
        p.start()
    rec.submit(_ex(1))
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    rec.close()
    numbers = sorted(e.response.body.json["n"] for e in read_exchanges(path))  # type: ignore[union-attr,index,call-overload]
    assert numbers == sorted([0, 1] + [w * 1000 + i for w in (1, 2, 3) for i in range(100)])
    assert rec.stats.recorded == 2


# --- offload modes ---------------------------------------------------------------------------------

def _raw(i: int, auth: bytes = b"Bearer tok") -> tuple[object, ...]:
    """A raw capture as the ASGI middleware hands it over."""
    from .rawcap import asgi_capture

    return asgi_capture(raw_path=b"/items/%d" % i, query=b"token=s3cr3t&n=%d" % i,
                        headers=[(b"host", b"h"), (b"authorization", auth)], route="/items/{id}",
                        resp_headers=[(b"content-type", b"application/json")],
                        resp_body=b'{"n": %d, "password": "hunter2"}' % i)


@pytest.mark.parametrize("offload", ["process", "thread", "inline"])
def test_raw_captures_recorded_exactly_once_redacted_with_exact_stats(tmp_path: Path, offload: str) -> None:
    path = tmp_path / f"{offload}.jsonl"
    rec = Recorder(path, offload=offload, tags={"env": "t"})  # type: ignore[arg-type]
    for i in range(300):
        assert rec.submit_raw(_raw(i))
    rec.submit(_ex(1000))
    rec.flush(30)
    stats = rec.stats
    assert stats.recorded == 301 and stats.submitted == 301 and stats.errors == 0 and stats.pending == 0
    assert stats.offload == offload
    rec.close()
    exchanges = list(read_exchanges(path))
    assert len(exchanges) == 301 and len({e.id for e in exchanges}) == 301
    text = path.read_text()
    assert "s3cr3t" not in text and "hunter2" not in text and "Bearer tok" not in text
    first = next(e for e in exchanges if e.request.url.endswith("n=0"))
    assert first.route == "/items/{id}" and first.tags == {"env": "t"} and first.source == "asgi"
    assert first.response is not None and isinstance(first.response.body.json, dict)
    assert first.response.body.json["n"] == 0 and is_redacted(first.response.body.json["password"])


def test_scrub_headers_masks_credentials_before_queueing() -> None:
    rec = Recorder(None)
    raw = [(b"host", b"h"), (b"authorization", b"Bearer abc"), (b"cookie", b"sid=1; theme=dark")]
    scrubbed = rec.scrub_headers(raw)
    assert scrubbed == [(b"host", b"h"), (b"authorization", b"Bearer [REDACTED]"),
                        (b"cookie", b"sid=[REDACTED]; theme=[REDACTED]")]
    assert rec.scrub_headers(scrubbed) == scrubbed  # cached path gives the same
    plain = [(b"host", b"h")]
    assert rec.scrub_headers(plain) is plain
    assert rec.scrub_headers([("X-Api-Key", "k")]) == [("X-Api-Key", "[REDACTED]")]
    rec.close()
    assert Recorder(None, redact=False).scrub_headers(raw) is raw


def test_auto_offload_moves_to_a_process_when_busy(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "auto.jsonl", offload="auto")
    rec.submit_raw(_raw(0))
    rec.flush(30)
    assert rec.stats.offload == "thread" and rec.writer_pid is None
    for i in range(1, 600):
        rec.submit_raw(_raw(i))
    rec.flush(60)
    assert rec.stats.offload == "process" and rec.writer_pid is not None
    rec.close()
    assert rec.stats.recorded == 600 and rec.stats.errors == 0
    assert len(list(read_exchanges(tmp_path / "auto.jsonl"))) == 600


def test_writer_process_death_between_batches_is_replaced_and_never_raised(tmp_path: Path) -> None:
    import os
    import signal

    path = tmp_path / "killed.jsonl"
    rec = Recorder(path, offload="process")
    for i in range(50):
        rec.submit_raw(_raw(i))
    rec.flush(30)
    pid = rec.writer_pid
    assert pid is not None and rec.stats.recorded == 50
    os.kill(pid, signal.SIGKILL)
    assert rec._offload._child is not None
    rec._offload._child.proc.wait(10)  # dead (and reaped) before the next batch goes out
    for i in range(50, 120):
        assert rec.submit_raw(_raw(i)) is True  # accepted; the writer is replaced off the request path
    rec.close()
    stats = rec.stats
    assert (stats.submitted, stats.recorded, stats.errors, stats.writer_restarts) == (120, 120, 0, 1)
    numbers = [e.response.body.json["n"] for e in read_exchanges(path)]  # type: ignore[union-attr,index,call-overload]
    assert sorted(numbers) == list(range(120))  # nothing lost (see test_writer_kill.py for kills mid-batch)


def test_writer_process_that_cannot_start_falls_back_to_a_thread(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    rec = Recorder(tmp_path / "fallback.jsonl", offload="process")
    for i in range(10):
        rec.submit_raw(_raw(i))
    rec.close()
    assert rec.stats.offload == "thread" and rec.stats.recorded == 10 and rec.stats.errors == 0
    assert len(list(read_exchanges(tmp_path / "fallback.jsonl"))) == 10


def test_offload_validation(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="needs a file path"):
        Recorder(None, offload="process")
    with pytest.raises(UsageError, match="'elsewhere'"):
        Recorder(tmp_path / "x.jsonl", offload="elsewhere")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="background=False"):
        Recorder(tmp_path / "x.jsonl", offload="process", background=False)
    assert Recorder(tmp_path / "y.jsonl", background=False).stats.offload == "inline"
    with pytest.raises(ValueError):  # usage errors are ValueErrors too
        Recorder(None, sample_rate=1.5)


def test_process_offload_is_opt_in(tmp_path: Path) -> None:
    """A short-lived recorder (the default, the pytest plugin's) never starts a writer process,
    however busy; ``offload="auto"`` (``contractdrift record``) does once busy."""
    path = tmp_path / "default.jsonl"
    rec = Recorder(path)
    for i in range(1000):
        rec.submit_raw(_raw(i))
    rec.flush(60)
    assert rec.stats.offload == "thread" and rec.writer_pid is None
    rec.close()
    assert rec.stats.recorded == 1000 and rec.stats.errors == 0


def test_the_writer_process_is_this_package_even_beside_another_checkout(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A host whose working directory holds another `contractdrift` (a checkout, a vendored copy) still
    gets this package's writer: `python -m` would have put the working directory first."""
    fake = tmp_path / "contractdrift" / "capture"
    fake.mkdir(parents=True)
    (tmp_path / "contractdrift" / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    marker = tmp_path / "shadow-writer-ran"
    (fake / "_writer_proc.py").write_text(
        f"import pathlib, sys\npathlib.Path({str(marker)!r}).write_text('x')\n"
        "def main():\n    return 3\nif __name__ == '__main__':\n    sys.exit(main())\n")
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "real.jsonl"
    rec = Recorder(path, offload="process")
    for i in range(20):
        rec.submit_raw(_raw(i))
    rec.close()
    assert not marker.exists()
    assert rec.stats.recorded == 20 and rec.stats.writer_restarts == 0
    assert len(list(read_exchanges(path))) == 20
