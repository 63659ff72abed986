"""Units of work (byte ranges at line boundaries), the fast record decoder, and the ordered runner."""

from __future__ import annotations

import gzip
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift.errors import InputError, WorkerError
from contractdrift.model import Exchange
from contractdrift.store import records
from contractdrift.store.partition import DamagedLine, UnitReader, absolute_line, partition
from contractdrift.store.runner import TreeMerger, resolve_jobs, run_in_order, tree_merge

HEADER = json.dumps({"format": "contractdrift-recording", "version": 1})


def line(i: int, pad: int = 0) -> str:
    ex = {"id": f"x{i}", "started_at": 1.0, "duration_ms": 1.0,
          "request": {"method": "get", "url": f"http://h/items/{i}", "headers": [["accept", "*/*"]],
                      "body": {"kind": "empty"}},
          "response": {"status": 200, "headers": [["content-type", "application/json"]],
                       "body": {"kind": "json", "media_type": "application/json", "size": 9,
                                "json": {"n": i, "pad": "p" * pad}}}}
    return json.dumps(ex)


def ids_by_unit(path: Path, unit_bytes: int, strict: bool = False) -> tuple[list[str], list[tuple[int | None, str]]]:
    """Exchange ids in reading order and problems with absolute line numbers, unit by unit."""
    seen: list[str] = []
    problems: list[tuple[int | None, str]] = []
    before = 0
    for unit in partition([path], unit_bytes=unit_bytes):
        reader = UnitReader(unit, strict=strict)
        for view in reader:
            seen.append(view.response.body.json["n"])  # type: ignore[union-attr,index]
        problems += [(absolute_line(p.line, before), p.message) for p in reader.problems]
        before += reader.lines
    return seen, problems


@settings(max_examples=60, deadline=None)
@given(pads=st.lists(st.integers(0, 300), min_size=0, max_size=40), unit=st.integers(1, 3000),
       blank=st.sets(st.integers(0, 40)), bad=st.sets(st.integers(0, 40)), crlf=st.booleans())
def test_every_line_is_read_exactly_once_with_its_true_line_number(
        tmp_path_factory: pytest.TempPathFactory, pads: list[int], unit: int, blank: set[int], bad: set[int],
        crlf: bool) -> None:
    path = tmp_path_factory.mktemp("p") / "rec.jsonl"
    out = [HEADER]
    expect_ids: list[int] = []
    expect_bad: list[int] = []
    for i, pad in enumerate(pads):
        if i in blank:
            out.append("")
        if i in bad:
            out.append('{"id": "broken", "request": ')
            expect_bad.append(len(out))
        out.append(line(i, pad))
        expect_ids.append(i)
    nl = "\r\n" if crlf else "\n"
    path.write_bytes((nl.join(out) + nl).encode())
    seen, problems = ids_by_unit(path, unit)
    assert seen == expect_ids
    assert [n for n, _ in problems] == expect_bad
    assert all("not valid JSON" in m for _, m in problems)


def test_units_depend_on_the_input_only_and_gzip_files_stay_whole(tmp_path: Path) -> None:
    plain = tmp_path / "a.jsonl"
    plain.write_text(HEADER + "\n" + "\n".join(line(i) for i in range(200)) + "\n")
    packed = tmp_path / "b.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    units = partition([tmp_path], unit_bytes=4096)
    assert [u.index for u in units] == list(range(len(units)))
    by_file = {u.file for u in units}
    assert by_file == {str(plain), str(packed)}
    assert [u.kind for u in units if u.file == str(packed)] == ["stream"]
    ranges = [u for u in units if u.file == str(plain)]
    assert len(ranges) == -(-plain.stat().st_size // 4096)
    assert ranges[-1].end is None and all(u.end == u.start + 4096 for u in ranges[:-1])
    assert partition([tmp_path], unit_bytes=4096) == units
    gz_unit = next(u for u in units if u.file == str(packed))
    gz_ids = [v.response.body.json["n"] for v in UnitReader(gz_unit)]  # type: ignore[union-attr,index]
    assert gz_ids == list(range(200))


def test_damaged_line_in_strict_mode_names_its_true_line(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    rows = [HEADER] + [line(i, 50) for i in range(100)]
    rows.insert(61, "{not json")
    path.write_text("\n".join(rows) + "\n")
    before = 0
    for unit in partition([path], unit_bytes=2048):
        reader = UnitReader(unit, strict=True)
        try:
            for _ in reader:
                pass
        except DamagedLine as exc:
            assert unit.start > 0  # found by a unit that does not start the file
            assert absolute_line(exc.problem.line, before) == 62
            break
        before += reader.lines
    else:
        pytest.fail("the damaged line was not reported")


def test_truncated_last_line_is_tolerated_even_in_strict_mode(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    path.write_text(HEADER + "\n" + line(0) + "\n" + line(1)[:30])
    reader = UnitReader(partition([path])[0], strict=True)
    assert len(list(reader)) == 1
    assert reader.problems[0].line == 3 and "truncated last line" in reader.problems[0].message


def test_a_file_that_is_no_recording_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text("hello\n")
    with pytest.raises(InputError, match=r"notes\.jsonl:1: not a recording"):
        list(UnitReader(partition([path])[0]))


# --- the fast decoder gives what the standard path gives ---------------------------------------

CASES: list[Any] = [
    json.loads(line(3)),
    {"id": 1, "request": {"method": "post", "url": "http://h/a?b=1", "body": None}, "response": None},
    {"id": "n", "request": {"method": "GET", "url": "http://h/"}, "response": {"status": "201"}},  # string status
    {"id": "h", "request": {"method": "GET", "url": "http://h/", "headers": [["x-n", 5]]},
     "response": {"status": 200, "body": {"kind": "json", "json": [1e308, -0.0, 12345678901234567890123]}}},
    {"id": "t", "request": {"method": "GET", "url": "http://h/"}, "tags": [], "response": {"status": 200}},
    {"id": "s", "request": {"method": "GET", "url": "http://h/", "body": {"kind": "json", "size": 2.0, "json": {}}},
     "response": {"status": 204, "body": {"kind": "empty"}}, "route": "/x/{id}"},
    {"request": {"method": "GET", "url": "http://h/"}},  # no id: not an exchange
    {"id": "q", "request": {"method": "GET", "url": "http://h/"}, "response": {"status": 200},
     "tags": "oops"},  # tags not a mapping: not an exchange
    [1, 2],
]


def view_of(x: Any) -> Any:
    req, resp = x.request, x.response
    out = (req.method, req.url, req.headers, req.media_type, x.route,
           (req.body.kind, req.body.media_type, req.body.size, req.body.json, req.body.truncated))
    if resp is not None:
        out += (resp.status, resp.headers, resp.media_type,
                (resp.body.kind, resp.body.media_type, resp.body.size, resp.body.json, resp.body.truncated))
    return out


@pytest.mark.parametrize("case", CASES, ids=range(len(CASES)))
@pytest.mark.parametrize("fast", [True, False])
def test_fast_decoder_matches_exchange_from_dict(case: Any, fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not fast:
        monkeypatch.setattr(records, "_typed_decoder", None)  # as without msgspec
    data = json.dumps(case).encode()
    try:
        expected: Any = view_of(Exchange.from_dict(json.loads(data)))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        expected = type(exc)
    try:
        got: Any = view_of(records.decode_record(data))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        got = type(exc)
    assert got == expected


def test_non_standard_json_takes_the_standard_path() -> None:
    data = b'{"id":"x","request":{"method":"GET","url":"http://h/"},"response":{"status":200,' \
           b'"body":{"kind":"json","json":[NaN, 1e400]}}}'
    got = records.decode_record(data)
    assert isinstance(got, Exchange)
    assert got.response is not None and got.response.body.json[1] == float("inf")  # type: ignore[index]
    with pytest.raises(ValueError):
        records.decode_record(b'{"id": ')
    assert records.loads(b"[NaN]")[0] != records.loads(b"[NaN]")[0]
    assert records.dumps({"a": "é", "b": [1, 2.5]}) == b'{"a":"\xc3\xa9","b":[1,2.5]}'


# --- the runner and the merge tree --------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 300))
def test_streaming_and_level_by_level_trees_have_the_same_shape(n: int) -> None:
    def paren(a: str, b: str) -> str:  # not associative: any difference in shape shows
        return f"({a} {b})"

    items = [str(i) for i in range(n)]
    merger = TreeMerger(paren)
    for item in items:
        merger.add(item)
    assert merger.result() == tree_merge(items, paren)
    if n:
        assert (merger.result() or "").replace("(", "").replace(")", "").split() == items


def square(x: int) -> int:
    return x * x


def die_on_three(x: int) -> int:
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


@pytest.mark.parametrize("context", [None, "forkserver"])
def test_pool_yields_in_unit_order(context: str | None) -> None:
    assert list(run_in_order(list(range(12)), square, jobs=2, mp_context=context)) == [x * x for x in range(12)]
    assert list(run_in_order(list(range(5)), square, jobs=1)) == [0, 1, 4, 9, 16]


def test_a_killed_worker_is_a_clear_error_not_a_partial_result() -> None:
    got: list[int] = []
    with pytest.raises(WorkerError, match=r"worker process died.*no result is reported"):
        for r in run_in_order(list(range(8)), die_on_three, jobs=2, mp_context="fork"):
            got.append(r)
    assert 3 not in got


def test_resolve_jobs() -> None:
    assert resolve_jobs(1) == 1 and resolve_jobs("3") == 3 and resolve_jobs(None) == 1
    assert resolve_jobs("auto") == len(os.sched_getaffinity(0))
    from contractdrift.errors import UsageError

    with pytest.raises(UsageError):
        resolve_jobs("many")


def write_gz_recording(path: Path, n: int, batch: int = 20) -> None:
    """A gzip recording the way contractdrift's writer makes it: one gzip member per batch."""
    from contractdrift.store.jsonl import JsonlWriter

    with JsonlWriter(path) as writer:
        for start in range(0, n, batch):
            writer.write_many([Exchange.from_dict(json.loads(line(i, 30))) for i in range(start, min(n, start + batch))])


def test_gzip_files_of_the_writer_are_cut_at_member_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl.gz"
    write_gz_recording(path, 600)
    units = partition([path], unit_bytes=2048)
    assert len(units) > 3 and {u.kind for u in units} == {"gzip"}
    assert units[0].start == 0 and units[-1].end is None and all(u.end for u in units[:-1])
    seen, problems = ids_by_unit(path, 2048)
    assert seen == list(range(600)) and problems == []
    other = tmp_path / "cli.jsonl.gz"  # gzip(1) output: a single member with a name and an mtime
    other.write_bytes(gzip.compress((HEADER + "\n" + line(1) + "\n").encode() * 200, mtime=12345))
    assert [u.kind for u in partition([other], unit_bytes=2048)] == ["stream"]


def test_a_gzip_member_cut_short_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl.gz"
    write_gz_recording(path, 600)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # the writer died in the middle of its last batch
    seen, problems = ids_by_unit(path, 2048)
    whole, whole_problems = ids_by_unit(path, 1 << 30)  # read as one stream, as before units existed
    assert seen == whole and 580 <= len(seen) < 600  # what decompressed is kept
    assert len(problems) == 1 and "compressed stream ends early" in problems[0][1]
    assert problems == whole_problems
    assert problems[0][0] is not None and problems[0][0] > len(seen) + 1
    with pytest.raises(DamagedLine):
        for unit in partition([path], unit_bytes=2048):
            list(UnitReader(unit, strict=True))
