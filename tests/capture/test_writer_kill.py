"""SIGKILL of the recorder's writer *process* (``offload="process"``) loses nothing and writes nothing
twice: the recorder keeps each batch until the writer acknowledges it, and a replacement writes the
batch a dead writer held, skipping what that one had already written."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest

from contractdrift import Recorder
from contractdrift.capture._wire import pack
from contractdrift.store.reader import read_recording

from .rawcap import asgi_capture

N = 4000


def _raw(i: int) -> tuple[object, ...]:
    """A raw capture as the ASGI middleware hands it over, with a body big enough that a batch
    takes a while to build and write (so that kills land in the middle of batches)."""
    return asgi_capture(raw_path=b"/items/%d" % i, query=b"n=%d" % i, headers=[(b"host", b"h")],
                        route="/items/{id}", resp_headers=[(b"content-type", b"application/json")],
                        resp_body=b'{"n": %d, "password": "hunter2", "blob": "%s"}' % (i, b"x" * 3000))


def _kill_writers(rec: Recorder, done: threading.Event, kills: list[int]) -> None:
    rnd = random.Random(12)
    while not done.is_set() and len(kills) < 6:
        time.sleep(rnd.uniform(0.02, 0.12))
        pid = rec.writer_pid
        if pid is not None and rec.stats.pending:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover - it was being replaced already
                continue
            kills.append(pid)
            recorded = rec.stats.recorded
            # Let the replacement acknowledge a batch first (three deaths in a row, with no batch
            # acknowledged between them, would send the recorder back to its thread).
            while ((rec.writer_pid == pid or rec.stats.recorded == recorded or rec._offload._deaths_in_row)
                   and not done.is_set()):
                time.sleep(0.005)


def test_killing_the_writer_process_several_times_loses_nothing_and_writes_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "killed.jsonl"
    rec = Recorder(path, offload="process", queue_size=4 * N)  # the feeder never has to help (test below)
    host_pid = os.getpid()
    done = threading.Event()
    kills: list[int] = []
    killer = threading.Thread(target=_kill_writers, args=(rec, done, kills), daemon=True)
    killer.start()
    for i in range(N):
        assert rec.submit_raw(_raw(i))
        if i % 100 == 99:
            time.sleep(0.01)  # traffic keeps flowing while writers die
    while killer.is_alive() and len(kills) < 3 and rec.stats.pending:
        time.sleep(0.01)
    done.set()
    killer.join(10)
    rec.close()

    assert os.getpid() == host_pid and host_pid not in kills  # the writer died, not the host
    assert len(kills) >= 3, f"only {len(kills)} kills landed during the recording"
    stats = rec.stats
    assert stats.writer_restarts == len(kills)
    assert stats.offload == "process"
    assert (stats.submitted, stats.recorded, stats.errors, stats.dropped, stats.pending) == (N, N, 0, 0, 0)
    reader = read_recording(path)
    exchanges = list(reader)
    assert reader.skipped == 0  # torn writes were cut off by the replacement
    ids = [e.id for e in exchanges]
    assert len(ids) == N and len(set(ids)) == N
    numbers = sorted(e.response.body.json["n"] for e in exchanges)  # type: ignore[union-attr,index,call-overload]
    assert numbers == list(range(N))
    assert b"hunter2" not in path.read_bytes()


@pytest.mark.parametrize("how", ["written", "torn"])
def test_a_writer_killed_after_or_inside_its_write_is_replaced_without_loss_or_duplicates(
        tmp_path: Path, how: str) -> None:
    """Deterministic worst moments (fault injection in the writer process): each writer SIGKILLs
    itself at its third batch, after writing all of it but before the ack (``written``), or after
    writing half of it and a torn half line (``torn``)."""
    path = tmp_path / f"{how}.jsonl"
    rec = Recorder(path, offload="process", queue_size=N)
    rec._offload.child_config["fault"] = (3, how)  # type: ignore[index]
    n = 256 * 12
    for i in range(n):
        assert rec.submit_raw(_raw(i))
        if i % 256 == 255:
            rec.flush(30)  # one batch at a time, so that batches are full and deaths predictable
    rec.close()
    stats = rec.stats
    # Each writer dies at its third fresh batch (a re-sent batch is not counted): 4 deaths for 12 full
    # batches; more when a busy machine splits batches.
    assert stats.writer_restarts >= 4
    assert (stats.submitted, stats.recorded, stats.errors, stats.pending, stats.offload) == (n, n, 0, 0, "process")
    reader = read_recording(path)
    exchanges = list(reader)
    assert reader.skipped == 0
    ids = [e.id for e in exchanges]
    assert len(ids) == n and len(set(ids)) == n
    assert sorted(e.response.body.json["n"] for e in exchanges) == list(range(n))  # type: ignore[union-attr,index,call-overload]


def test_when_the_writer_process_falls_behind_the_feeder_writes_too(tmp_path: Path) -> None:
    """The queue half full while the writer process works: the feeder writes a batch itself (the
    host slows down a little instead of dropping exchanges); nothing is written twice."""
    path = tmp_path / "helped.jsonl"
    rec = Recorder(path, offload="process", queue_size=1000)
    out = rec._offload
    for i in range(900):  # queued (packed, as submit() does) without waking the feeder (it has not started yet)
        out._pending.append(pack(_raw(i)) if pack is not None and i % 2 else _raw(i))
    out._help_writer()
    assert out.helped == 256 and len(out._pending) == 900 - 256 and out.recorded == 256
    out._help_writer()
    assert out.helped == 512 and len(out._pending) == 900 - 512
    out._help_writer()  # 388 left: below half the queue, the writer process can cope
    assert out.helped == 512
    for i in range(900, 3000):
        rec.submit_raw(_raw(i))
    rec.close()
    stats = rec.stats
    assert stats.recorded + stats.dropped_queue_full == stats.submitted == 3000 and stats.errors == 0
    ids = [e.id for e in read_recording(path)]
    assert len(ids) == len(set(ids)) == stats.recorded
