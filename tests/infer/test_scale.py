"""`infer --jobs N` and on Dask: the same document as `--jobs 1`, damaged lines named by their true line."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest

import contractdrift
from contractdrift.cli import main
from contractdrift.errors import InputError, WorkerError
from contractdrift.model import Exchange
from contractdrift.parallel import InferTask, UnitOutcome, infer_units
from contractdrift.store.jsonl import JsonlWriter
from contractdrift.store.partition import Unit, partition

HEADER = json.dumps({"format": "contractdrift-recording", "version": 1})
UNIT = "48K"


def _exchange(i: int, rng: random.Random) -> dict[str, Any]:
    oid = rng.randrange(1, 10**6)
    r = rng.random()
    if r < 0.5:
        method, url, status = "GET", f"http://h/api/v1/orders/{oid}", 200
        body: Any = {"id": oid, "state": rng.choice(["open", "closed", "held"]), "total": round(rng.random() * 90, 2),
                     "ref": str(uuid.UUID(int=rng.getrandbits(128))), "day": f"2026-0{rng.randrange(1, 9)}-1{rng.randrange(9)}",
                     "note": rng.choice([None, "x", "leave at door"]), "tags": rng.sample(["a", "b", "c", "d"], 2),
                     "email": f"u{rng.randrange(10**4)}@example.com", "code": f"C{rng.randrange(10**5)}"}
    elif r < 0.75:
        method, url, status = "GET", f"http://h/api/v1/orders?limit={rng.randrange(1, 50)}", 200
        body = {"items": [{"id": rng.randrange(10**6), "state": "open"} for _ in range(rng.randrange(3))], "next": None}
    elif r < 0.9:
        method, url, status = "GET", f"http://h/api/v1/people/user{rng.randrange(60)}/posts", 200
        body = {"n": rng.randrange(100)}
    else:
        method, url, status = "DELETE", f"http://h/api/v1/orders/{oid}", 404
        body = {"error": "not_found"}
    return {"id": f"e{i}", "started_at": 1.0, "duration_ms": 1.0,
            "request": {"method": method, "url": url, "headers": [["accept", "application/json"]], "body": {"kind": "empty"}},
            "response": {"status": status, "headers": [["content-type", "application/json"]],
                         "body": {"kind": "json", "media_type": "application/json", "size": 10, "json": body}}}


def write_recording(path: Path, n: int, seed: int = 5, damaged_at: int | None = None) -> list[str]:
    """A recording of ``n`` exchanges; with ``damaged_at`` that line (1-based) is a damaged one."""
    rng = random.Random(seed)
    rows = [HEADER] + [json.dumps(_exchange(i, rng)) for i in range(n)]
    if damaged_at is not None:
        rows.insert(damaged_at - 1, '{"id": "cut", "request": {"method": "GE')
    data = ("\n".join(rows) + "\n").encode()
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return rows


def infer_cli(tmp_path: Path, *args: str, name: str = "out.json") -> tuple[int, bytes]:
    out = tmp_path / name
    code = main(["infer", *args, "--unit-size", UNIT, "-o", str(out)])
    return code, out.read_bytes() if out.exists() else b""


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("archive")
    write_recording(root / "traffic.1.jsonl", 2500, seed=1)  # ~1 MB: about 25 units
    write_recording(root / "traffic.jsonl", 600, seed=2)
    write_recording(root / "older.jsonl.gz", 400, seed=3)
    rng = random.Random(4)  # and one the way the recorder writes gzip: a member per batch of 50
    with JsonlWriter(root / "recorded.jsonl.gz") as writer:
        for start in range(0, 3000, 50):
            writer.write_many([Exchange.from_dict(_exchange(i, rng)) for i in range(start, start + 50)])
    return root


def test_jobs_give_the_same_document_bytes(archive: Path, tmp_path: Path) -> None:
    code1, one = infer_cli(tmp_path, str(archive), "--jobs", "1", name="one.json")
    code2, two = infer_cli(tmp_path, str(archive), "--jobs", "2", name="two.json")
    code3, auto = infer_cli(tmp_path, str(archive), "-j", "auto", name="auto.json")
    assert code1 == code2 == code3 == 0
    assert one == two == auto
    assert "/api/v1/orders/{orderId}" in json.loads(one)["paths"]
    assert contractdrift.infer_files([archive], unit_size=48 << 10, jobs=2).exchanges == 6500
    units = partition([archive], unit_bytes=48 << 10)
    assert len(units) > 10 and sum(u.kind == "gzip" for u in units) >= 3


def test_one_unit_per_file_equals_the_whole_file_fold(archive: Path) -> None:
    """With units as large as the files, the fast path folds exactly what the old reader folded."""
    from contractdrift.infer import infer_exchanges
    from contractdrift.store.reader import read_exchanges

    path = archive / "traffic.1.jsonl"
    fast = contractdrift.infer_files([path], unit_size=1 << 30)
    slow = infer_exchanges(read_exchanges(path))
    assert fast.to_json() == slow.to_json()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_damaged_line_in_the_middle(tmp_path: Path, jobs: str, capsys: pytest.CaptureFixture[str]) -> None:
    rec = tmp_path / "big.jsonl"
    write_recording(rec, 2000, damaged_at=1234)
    code, _ = infer_cli(tmp_path, str(rec), "--jobs", jobs)
    err = capsys.readouterr().err
    assert code == 2
    assert f"{rec}:1234: malformed recording: not valid JSON" in err and "Traceback" not in err
    code, doc = infer_cli(tmp_path, str(rec), "--jobs", jobs, "--skip-damaged", name=f"skip{jobs}.json")
    err = capsys.readouterr().err
    assert code == 0 and f"skipped 1 damaged part(s): {rec}:1234: not valid JSON" in err
    assert json.loads(doc)["paths"]


def test_skip_damaged_gives_the_same_document_for_any_jobs(tmp_path: Path) -> None:
    rec = tmp_path / "big.jsonl"
    write_recording(rec, 2000, damaged_at=777)
    assert infer_cli(tmp_path, str(rec), "--skip-damaged", name="a.json") == \
        infer_cli(tmp_path, str(rec), "--skip-damaged", "--jobs", "2", name="b.json")


def test_library_api_with_jobs(archive: Path) -> None:
    one = contractdrift.infer_api(str(archive / "traffic.1.jsonl"))
    two = contractdrift.infer_api(str(archive / "traffic.1.jsonl"), jobs=2)
    assert one.to_json() == two.to_json() and one.exchanges == 2500


class KillingTask(InferTask):
    def __call__(self, unit: Unit, lines: Any = None) -> UnitOutcome:
        if unit.index == 4:
            os.kill(os.getpid(), signal.SIGKILL)
        return InferTask.__call__(self, unit, lines)


def test_a_killed_worker_fails_the_run(archive: Path) -> None:
    units = partition([archive], unit_bytes=48 << 10)
    seen: list[int] = []
    with pytest.raises(WorkerError, match="no result is reported"):
        infer_units(units, KillingTask(), jobs=2, progress=seen.append, mp_context="fork")
    assert seen and max(seen) < 6500  # it stopped: nothing was presented as the whole


def test_bad_jobs_and_unit_size_are_usage_errors(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["infer", str(archive), "--jobs", "many"]) == 2
    assert main(["infer", str(archive), "--unit-size", "0"]) == 2
    err = capsys.readouterr().err
    assert "--jobs 'many'" in err and "--unit-size '0'" in err


# --- Dask -------------------------------------------------------------------------------------

distributed = pytest.importorskip("distributed")


# dask_client: tests/conftest.py (one LocalCluster of two worker processes per session)


def test_dask_paths_give_the_jobs_1_document(archive: Path, tmp_path: Path, dask_client: Any) -> None:
    _, one = infer_cli(tmp_path, str(archive), name="one.json")
    code, on_dask = infer_cli(tmp_path, str(archive), "--dask", dask_client.scheduler.address, name="dask.json")
    assert code == 0 and on_dask == one
    api = contractdrift.infer_dask([archive], client=dask_client, unit_bytes=48 << 10)
    assert api.to_json() == contractdrift.infer_files([archive], unit_size=48 << 10).to_json()


def test_dask_reads_fsspec_urls(archive: Path, dask_client: Any) -> None:
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    data = (archive / "traffic.1.jsonl").read_bytes()
    with fs.open("/scale-test/traffic.jsonl", "wb") as fh:
        fh.write(data)
    try:
        url = "memory://scale-test/traffic.jsonl"
        local = contractdrift.infer_files([archive / "traffic.1.jsonl"], unit_size=48 << 10).to_json()
        # the memory filesystem lives in this process (worker processes cannot see it): units read here
        assert contractdrift.infer_files([url], unit_size=48 << 10).to_json() == local
        with fs.open("/scale-test/traffic.1.jsonl", "wb") as fh:  # a directory URL: rotated files in order
            fh.write((archive / "traffic.jsonl").read_bytes())
        both = contractdrift.infer_files([archive / "traffic.jsonl", archive / "traffic.1.jsonl"], unit_size=48 << 10)
        assert contractdrift.infer_files(["memory://scale-test"], unit_size=48 << 10).to_json() == both.to_json()
        assert contractdrift.infer_dask(["file://" + str(archive / "traffic.1.jsonl")], client=dask_client,
                                        unit_bytes=48 << 10).to_json() == local
    finally:
        fs.rm("/scale-test", recursive=True)


def test_dask_bag_of_lines(archive: Path, dask_client: Any) -> None:
    db = pytest.importorskip("dask.bag")
    paths = [str(archive / "traffic.1.jsonl"), str(archive / "traffic.jsonl")]
    bag = db.read_text(paths)  # one partition per file: the same units as a whole-file fold
    got = contractdrift.infer_dask(bag, client=dask_client)
    assert got.to_json() == contractdrift.infer_files(paths, unit_size=1 << 30).to_json()
    assert got.exchanges == 3100


def test_dask_damaged_line(tmp_path: Path, dask_client: Any) -> None:
    rec = tmp_path / "big.jsonl"
    write_recording(rec, 2000, damaged_at=1500)
    with pytest.raises(InputError, match=rf"{rec}:1500: malformed recording"):
        contractdrift.infer_dask([rec], client=dask_client, unit_bytes=48 << 10)
    with pytest.warns(contractdrift.store.reader.RecordingWarning, match=rf"skipped 1 damaged part\(s\): {rec}:1500"):
        api = contractdrift.infer_dask([rec], client=dask_client, unit_bytes=48 << 10, skip_damaged=True)
    assert api.exchanges == 2000


def test_dask_local_cluster_from_the_cli(archive: Path, tmp_path: Path) -> None:
    _, one = infer_cli(tmp_path, str(archive / "traffic.jsonl"), name="one.json")
    code, local = infer_cli(tmp_path, str(archive / "traffic.jsonl"), "--dask", "local", "--jobs", "2",
                            name="local.json")
    assert code == 0 and local == one


@pytest.mark.parametrize("size", [300, 3000])  # 3000 exchanges: a HAR file of several read blocks
@pytest.mark.parametrize("packed", [False, True])
def test_har_and_gzip_documents_are_read_whole(tmp_path: Path, size: int, packed: bool) -> None:
    from contractdrift.infer import infer_exchanges
    from contractdrift.store.har import write_har
    from contractdrift.store.reader import read_exchanges

    rec = tmp_path / "t.jsonl"
    write_recording(rec, size)
    har = tmp_path / "t.har"
    write_har(read_exchanges(rec), str(har))
    assert har.stat().st_size > (1 << 20) or size == 300
    if packed:
        packed_path = tmp_path / "t.har.gz"
        packed_path.write_bytes(gzip.compress(har.read_bytes()))
        har = packed_path
    got = contractdrift.infer_files([har], jobs=1, unit_size=48 << 10)
    assert got.exchanges == size
    assert got.to_json() == infer_exchanges(read_exchanges(har)).to_json()
