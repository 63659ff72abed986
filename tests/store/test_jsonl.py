from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
import tracemalloc
import warnings
from pathlib import Path

import pytest

from contractdrift import InputError
from contractdrift.store.jsonl import FORMAT_NAME, JsonlWriter, rotated_files, write_exchanges
from contractdrift.store.reader import RecordingWarning, read_exchanges, read_recording

from .conftest import make_exchange

REPO = Path(__file__).resolve().parents[2]


def test_header_line_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "traffic.jsonl"
    exchanges = [make_exchange(i) for i in range(5)]
    assert write_exchanges(exchanges, path) == 5
    lines = path.read_bytes().splitlines()
    header = json.loads(lines[0])
    assert header["format"] == FORMAT_NAME and header["version"] == 1
    assert len(lines) == 6
    assert list(read_exchanges(path)) == exchanges


def test_file_mode_is_0600(tmp_path: Path) -> None:
    path = tmp_path / "traffic.jsonl"
    old = os.umask(0)
    try:
        write_exchanges([make_exchange()], path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_append_keeps_single_header(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    write_exchanges([make_exchange(1)], path)
    write_exchanges([make_exchange(2)], path)
    lines = path.read_bytes().splitlines()
    assert sum(1 for line in lines if b'"format"' in line) == 1
    assert [e.response.body.json["n"] for e in read_exchanges(path)] == [1, 2]  # type: ignore[union-attr,index,call-overload]


def test_gzip_members_and_detection_by_content(tmp_path: Path) -> None:
    path = tmp_path / "traffic.jsonl.gz"
    with JsonlWriter(path) as writer:
        writer.write_many([make_exchange(i) for i in range(3)])
        writer.write_many([make_exchange(i) for i in range(3, 6)])
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    text = gzip.decompress(path.read_bytes()).decode()
    assert text.count("\n") == 7
    # the name does not matter: detection is by content
    renamed = tmp_path / "whatever.log"
    path.rename(renamed)
    assert [e.response.body.json["n"] for e in read_exchanges(renamed)] == list(range(6))  # type: ignore[union-attr,index,call-overload]


def test_truncated_gzip_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl.gz"
    with JsonlWriter(path) as writer:
        writer.write_many([make_exchange(i) for i in range(3)])
        writer.write_many([make_exchange(i) for i in range(3, 6)])
    data = path.read_bytes()
    path.write_bytes(data[:-25])  # cut into the second member
    reader = read_recording(path, warn=False)
    got = list(reader)
    assert [e.response.body.json["n"] for e in got][:3] == [0, 1, 2]  # type: ignore[union-attr,index,call-overload]
    assert reader.skipped == 1
    assert "compressed stream ends early" in reader.messages[0]


def test_rotation_by_size(tmp_path: Path) -> None:
    path = tmp_path / "traffic.jsonl"
    with JsonlWriter(path, rotate_bytes=600) as writer:
        for i in range(12):
            writer.write(make_exchange(i))
    files = rotated_files(path)
    assert len(files) >= 3
    assert files[-1] == path
    assert files[0].name == "traffic.1.jsonl"
    for f in files:
        assert f.read_bytes().startswith(b'{"format":"contractdrift-recording"')
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    # a directory reads rotated files oldest first, the active file last
    assert [e.response.body.json["n"] for e in read_exchanges(tmp_path)] == list(range(12))  # type: ignore[union-attr,index,call-overload]


def test_truncated_last_line_is_skipped_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    write_exchanges([make_exchange(i) for i in range(3)], path)
    with open(path, "ab") as fh:
        fh.write(json.dumps(make_exchange(3).to_dict()).encode()[:40])
    reader = read_recording(path)
    with pytest.warns(RecordingWarning, match="truncated last line"):
        got = list(reader)
    assert len(got) == 3
    assert reader.skipped == 1
    assert reader.messages[0].startswith(f"{path}:5: truncated last line")


def test_corrupt_middle_line_is_counted_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    write_exchanges([make_exchange(i) for i in range(2)], path)
    with open(path, "ab") as fh:
        fh.write(b'{"id": "x", "request": {"method"\n')  # broken JSON
        fh.write(b'{"id": "y"}\n')  # JSON but not an exchange
    write_exchanges([make_exchange(9)], path)
    reader = read_recording(path, warn=False)
    got = list(reader)
    assert [e.response.body.json["n"] for e in got] == [0, 1, 9]  # type: ignore[union-attr,index,call-overload]
    assert reader.skipped == 2
    assert reader.messages[0].startswith(f"{path}:4: not valid JSON")
    assert reader.messages[1] == f"{path}:5: not an exchange (missing 'request')"


def test_missing_and_foreign_files_raise_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_exchanges(tmp_path / "nope.jsonl")
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\nworld\n")
    with pytest.raises(InputError, match=r"notes\.txt:1: not a recording"):
        list(read_exchanges(bad))
    broken = tmp_path / "broken.har"
    broken.write_text('{\n  "log": {\n    "entries": [\n')
    with pytest.raises(InputError, match=r"broken\.har:4:1: malformed JSON"):
        list(read_exchanges(broken))


def test_empty_file_has_no_exchanges(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"")
    assert list(read_exchanges(path)) == []


def _append_worker(path: str, worker: int, count: int) -> None:
    with JsonlWriter(path) as writer:
        for i in range(count):
            # alternate batch sizes so writes of different lengths race each other
            batch = [make_exchange(worker * 10_000 + i, tags={"w": str(worker)})]
            writer.write_many(batch)


def test_many_processes_append_to_one_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append_worker, args=(str(path), w, 500)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    records = [json.loads(line) for line in lines[:-1]]  # every line is intact JSON
    headers = [r for r in records if "format" in r]
    assert len(headers) == 1 and records[0] is headers[0]
    numbers = sorted(r["response"]["body"]["json"]["n"] for r in records[1:])
    assert numbers == sorted(w * 10_000 + i for w in range(4) for i in range(500))
    assert len({r["id"] for r in records[1:]}) == 2000


_KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from contractdrift import Recorder
    from contractdrift.model import Body, Exchange, Request, Response
    from contractdrift.capture.recorder import new_exchange_id
    rec = Recorder({path!r}, queue_size=100_000)
    i = 0
    while True:
        rec.submit(Exchange(id=new_exchange_id(), started_at=time.time(), duration_ms=1.0,
            request=Request(method="POST", url="http://127.0.0.1/x/%d" % i),
            response=Response(status=200, body=Body(kind="text", media_type="text/plain", size=2000,
                                                    text="y" * 2000))))
        i += 1
        if i % 200 == 0:
            time.sleep(0.001)
    """
)


def test_host_process_killed_mid_recording_leaves_readable_file(tmp_path: Path) -> None:
    """SIGKILL of the *host* process (a Recorder writing from its thread): complete lines survive, a
    torn last line is reported once, and a new writer appending later starts on a fresh line.
    (Killing the recorder's writer *process* is tested in tests/capture/test_writer_kill.py.)"""
    path = tmp_path / "killed.jsonl"
    script = _KILL_SCRIPT.format(repo=str(REPO), path=str(path))
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if path.exists() and path.stat().st_size > 2_000_000:
                break
            time.sleep(0.02)
        else:
            pytest.fail("writer subprocess did not write")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    data = path.read_bytes()
    complete = data.count(b"\n") - 1  # minus the header
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordingWarning)
        reader = read_recording(path)
        got = list(reader)
    assert len(got) == complete > 500
    assert reader.skipped == (0 if data.endswith(b"\n") else 1)
    assert len({e.id for e in got}) == len(got)
    assert all(e.response is not None and e.response.body.text == "y" * 2000 for e in got)

    with JsonlWriter(path) as writer:  # a new recording session appends to the same file
        assert writer.write_many([make_exchange(i) for i in range(3)]) == 3
        assert writer.torn_lines == (0 if data.endswith(b"\n") else 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordingWarning)
        reader = read_recording(path)
        again = list(reader)
    assert len(again) == complete + 3  # nothing glued to the torn line
    assert reader.skipped == (0 if data.endswith(b"\n") else 1)


def _torn(path: Path, exchanges: list[object], keep: int, compress: bool) -> tuple[int, int]:
    """Write ``keep`` complete exchanges of a batch and a torn part of the next (as a writer killed
    in its write() leaves them); return the position before the batch."""
    from contractdrift.store.jsonl import encode_exchange

    with JsonlWriter(path, compress=compress) as writer:
        writer.write_many([make_exchange(1000)])
        position = writer.position
    assert position is not None
    lines = b"".join(encode_exchange(e) for e in exchanges[: keep + 1])  # type: ignore[arg-type]
    cut = len(lines) - 7
    data = gzip.compress(lines, mtime=0)[: len(gzip.compress(lines, mtime=0)) - 5] if compress else lines[:cut]
    if compress and keep:
        data = gzip.compress(b"".join(encode_exchange(e) for e in exchanges[:keep]), mtime=0) + data  # type: ignore[arg-type]
    with open(path, "ab") as fh:
        fh.write(data)
    return position


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("keep", [0, 1, 4])
def test_resumed_batch_cuts_the_torn_tail_and_writes_no_id_twice(tmp_path: Path, compress: bool, keep: int) -> None:
    path = tmp_path / ("resume.jsonl.gz" if compress else "resume.jsonl")
    batch = [make_exchange(i) for i in range(6)]
    position = _torn(path, batch, keep, compress)
    with JsonlWriter(path, compress=compress) as writer:
        written = writer.write_many(batch, resume=position)
        assert (written, writer.last_present, writer.already_written) == (6 - keep, keep, keep)
        assert writer.torn_lines == 1
    reader = read_recording(path)
    got = list(reader)
    assert reader.skipped == 0  # the torn tail was cut off, not left as a damaged line
    assert [e.id for e in got] == [got[0].id] + [e.id for e in batch]
    assert got[1:] == batch


def test_resume_finds_a_batch_written_whole_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "whole.jsonl"
    batch = [make_exchange(i) for i in range(5)]
    with JsonlWriter(path) as writer:
        writer.write_many([make_exchange(99)])
        position = writer.position
        writer.write_many(batch)  # the dead writer wrote it all, then died before its ack
    assert position is not None
    with JsonlWriter(path) as writer:
        assert writer.write_many(batch, resume=position) == 0 and writer.last_present == 5
        assert writer.torn_lines == 0
    assert len(list(read_exchanges(path))) == 6


def test_resume_after_a_rotation_looks_in_the_rotated_file_too(tmp_path: Path) -> None:
    path = tmp_path / "rot.jsonl"
    batch = [make_exchange(i) for i in range(4)]
    with JsonlWriter(path) as writer:
        writer.write_many([make_exchange(99)])
        position = writer.position
        writer.write_many(batch[:2])
    os.rename(path, tmp_path / "rot.1.jsonl")  # rotated by another writer since the last ack
    with JsonlWriter(path) as writer:
        writer.write_many([make_exchange(100)])
        assert writer.write_many(batch, resume=position) == 2 and writer.last_present == 2
    ids = [e.id for f in rotated_files(path) for e in read_exchanges(f)]
    assert len(ids) == len(set(ids)) == 6


def test_streaming_read_uses_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    write_exchanges([make_exchange(0)], path)  # header + one line
    line = json.dumps(make_exchange(1, payload={"blob": "z" * 5000, "items": list(range(50))}).to_dict())
    with open(path, "a") as fh:
        for i in range(3000):
            fh.write(line.replace('"n": 1', f'"n": {i}', 1) + "\n")
    size = path.stat().st_size
    assert size > 15_000_000

    tracemalloc.start()
    try:
        count = 0
        for _ in read_exchanges(path):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 3001
    # one line is ~5 KB: the peak stays near one exchange, far below the file size
    assert peak < 500_000, f"peak {peak} bytes while streaming a {size} byte file"


def test_the_recording_descriptor_is_close_on_exec_and_readable_for_tail_checks(tmp_path: Path) -> None:
    import fcntl

    with JsonlWriter(tmp_path / "fd.jsonl") as writer:
        writer.open()
        assert writer._fd is not None
        assert fcntl.fcntl(writer._fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        assert os.pread(writer._fd, 1, 0) == b""


def test_a_write_only_recording_is_still_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "wo.jsonl"
    write_exchanges([make_exchange(0)], path)
    with open(path, "ab") as fh:
        fh.write(b'{"id":"torn')
    path.chmod(0o200)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: permission bits do not stop reading")
        with JsonlWriter(path) as writer:
            assert writer.write_many([make_exchange(1)]) == 1
            assert writer.torn_lines == 0  # could not look: appended as before
    finally:
        path.chmod(0o600)


def test_the_tail_check_gives_up_quietly_on_a_descriptor_it_cannot_read(tmp_path: Path) -> None:
    from contractdrift.store.jsonl import _last_byte

    path = tmp_path / "x.jsonl"
    path.write_bytes(b"abc")
    fd = os.open(path, os.O_WRONLY)
    try:
        assert _last_byte(fd, 3) is None
    finally:
        os.close(fd)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert _last_byte(fd, 3) == b"c"
    finally:
        os.close(fd)
