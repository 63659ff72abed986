"""Every error the library raises belongs to contractdrift.errors; usage errors are ValueErrors too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import contractdrift
from contractdrift import api
from contractdrift.capture.proxy import RecordingProxy
from contractdrift.errors import ContractDriftError, InputError, MissingExtraError, RecordingError, UsageError
from contractdrift.infer import InferOptions
from contractdrift.model import Severity
from contractdrift.store.har import write_har
from contractdrift.store.jsonl import JsonlWriter, write_exchanges

PKG = Path(contractdrift.__file__).parent


def test_the_hierarchy() -> None:
    assert issubclass(UsageError, ContractDriftError) and issubclass(UsageError, ValueError)
    assert issubclass(MissingExtraError, UsageError)
    assert issubclass(RecordingError, InputError) and issubclass(RecordingError, OSError)
    err = RecordingError("cannot write", file="out.jsonl")
    assert str(err) == "out.jsonl: cannot write" and err.file == "out.jsonl"
    extra = MissingExtraError("contractdrift record", "proxy", "uvicorn")
    assert "contractdrift[proxy]" in str(extra) and "\n" not in str(extra)


@pytest.mark.parametrize("make", [
    lambda: contractdrift.CapturePolicy(sample_rate=2.0),
    lambda: contractdrift.CapturePolicy(max_body_bytes=-1),
    lambda: contractdrift.CapturePolicy(per_route_rate=0),
    lambda: contractdrift.Recorder(None, policy=contractdrift.CapturePolicy(include_paths=("re:(",))),
    lambda: contractdrift.Recorder(None, offload="process"),
    lambda: Severity.parse("loud"),
    lambda: InferOptions(required_ratio=0),
    lambda: InferOptions.from_kwargs({"no_such_option": 1}),
    lambda: contractdrift.infer_api([], no_such_option=1),
    lambda: contractdrift.infer_api([]).to_openapi("2.0"),
    lambda: JsonlWriter("x.jsonl", rotate_bytes=0),
    lambda: RecordingProxy("ftp://nowhere", contractdrift.Recorder(None)),
    lambda: api.parse_listen("nowhere"),
    lambda: contractdrift.render(contractdrift.Report.build([], [], {}), "pdf"),
], ids=["sample-rate", "max-body", "rate", "bad-regex", "process-without-file", "severity", "infer-ratio",
        "infer-unknown", "infer-api-unknown", "openapi-version", "rotate", "upstream", "listen", "format"])
def test_usage_errors_are_value_errors(make: object) -> None:
    with pytest.raises(UsageError) as info:
        make()  # type: ignore[operator]
    assert isinstance(info.value, ValueError) and "\n" not in str(info.value)


def test_recording_files_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    target = blocker / "sub" / "r.jsonl"  # a directory that cannot exist: its parent is a file
    for make in (lambda: contractdrift.Recorder(target), lambda: write_exchanges([], target)):
        with pytest.raises(RecordingError) as info:
            make()
        assert isinstance(info.value, OSError) and info.value.file is not None and "r.jsonl" in str(info.value)
    with pytest.raises(RecordingError, match="cannot write the HAR file"):
        write_har([], str(tmp_path))  # a directory
    writer = JsonlWriter(tmp_path / "closed.jsonl")
    writer.close()
    with pytest.raises(UsageError, match="closed"):
        writer.write_many([_exchange()])


def test_api_keeps_the_recording_error(tmp_path: Path) -> None:
    har = tmp_path / "in.har"
    har.write_text('{"log": {"version": "1.2", "entries": []}}')
    (tmp_path / "a-file").write_text("")
    with pytest.raises(RecordingError) as info:
        api.import_har(har, tmp_path / "a-file" / "out.jsonl")
    assert str(info.value).count("out.jsonl") == 1  # not wrapped twice


def _exchange() -> contractdrift.Exchange:
    from contractdrift.capture.recorder import new_exchange_id

    return contractdrift.Exchange(id=new_exchange_id(), started_at=0.0, duration_ms=1.0,
                                  request=contractdrift.Request(method="GET", url="http://h/"), response=None)


# --- a static audit: nothing in the package raises outside the hierarchy (recorder and store included) ---

BUILTIN_ERRORS = {"ValueError", "OSError", "IOError", "TypeError", "RuntimeError", "KeyError", "FileNotFoundError",
                  "PermissionError", "IsADirectoryError", "TimeoutError", "Exception"}
#: (file, exception) raised on purpose and never reaching a caller: -> why.
CAUGHT_INSIDE = {
    ("capture/offload.py", "TimeoutError"): "a writer process that does not answer: caught, falls back to a thread",
    ("capture/offload.py", "RuntimeError"): "a writer process that answers wrongly: caught, falls back to a thread",
    ("spec/refs.py", "ValueError"): "split_ref: caught by spec/load.py, which raises InputError with file:line",
    ("compare/rules.py", "RuntimeError"): "the registry checks itself at import (a duplicate id is a bug, not input)",
    ("compare/check_rules.py", "RuntimeError"): "the check-rule registry checks itself at import (a duplicate id is a bug)",
    ("expect/matchers.py", "ValueError"): "parse_path: caught by MatchingRules, which notes matcher-path-invalid",
}
NOT_MINE: set[str] = set()


def _raised_names(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name):
                out.add(target.id)
    return out


def test_the_library_raises_only_project_errors() -> None:
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        if rel in NOT_MINE:
            continue
        for name in sorted(_raised_names(path) & BUILTIN_ERRORS):
            if (rel, name) not in CAUGHT_INSIDE:
                bad.append(f"{rel} raises {name}")
    assert not bad, "\n".join(bad)


def test_the_audit_sees_a_bare_raise(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("def f(x):\n    if x:\n        raise ValueError('no')\n    raise OSError\n")
    assert _raised_names(sample) == {"ValueError", "OSError"}


def _deep_line(depth: int, ident: str = "deep") -> str:
    nested = "[" * depth + "]" * depth
    return ('{"id":"' + ident + '","started_at":1,"duration_ms":1,"request":{"method":"GET","url":"http://h/v1/orders/1"},'
            '"response":{"status":200,"headers":[["content-type","application/json"]],'
            '"body":{"kind":"json","json":' + nested + '}}}\n')


_OK_LINE = ('{"id":"ok","started_at":2,"duration_ms":1,"request":{"method":"GET","url":"http://h/v1/orders/2"},'
            '"response":{"status":200,"headers":[["content-type","application/json"]],'
            '"body":{"kind":"json","json":{"id":"2"}}}}\n')
_EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "orders"


@pytest.mark.parametrize("command", ["check", "check-jobs", "infer", "infer-jobs", "diff-traffic"])
@pytest.mark.parametrize("first", [True, False], ids=["first-line", "after-a-header"])
def test_a_line_nested_past_any_limit_names_its_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              command: str, first: bool) -> None:
    """Nested deeper than the interpreter can read (30,000 levels): exit 2 naming file:line in every
    command and mode -- also as a recording's first line, where the format is detected (that used to
    end in 'nested too deeply' with no place) -- and with --skip-damaged, skipped and counted."""
    from contractdrift.cli import main

    header = '{"format": "contractdrift-recording", "version": 1}\n'
    rec = tmp_path / "deep.jsonl"
    rec.write_text(("" if first else header) + _deep_line(30_000) + _OK_LINE, encoding="utf-8")
    line = 1 if first else 2
    argv = {"check": ["check", str(rec), "--spec", str(_EXAMPLES / "v2.yaml"), "--format", "json"],
            "infer": ["infer", str(rec), "-o", str(tmp_path / "out.yaml")],
            "diff-traffic": ["diff", str(_EXAMPLES / "v1.yaml"), str(_EXAMPLES / "v2.yaml"), "--traffic", str(rec)]}[
        command.removesuffix("-jobs")] + (["--jobs", "2"] if command.endswith("-jobs") else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"contractdrift: error: {rec}:{line}: malformed recording: JSON nested too deeply to read\n"
    if command != "diff-traffic":  # (diff --traffic has no --skip-damaged: a damaged recording fails it)
        assert main([*argv, "--skip-damaged"]) in (0, 1)
        out, err = capsys.readouterr()  # check: among the report's warnings; infer: on stderr
        assert f"{rec}:{line}: JSON nested too deeply to read" in out + err


def test_infer_folds_payloads_nested_a_thousand_deep_as_check_does(tmp_path: Path) -> None:
    """1,000 levels is past the interpreter's default limit but within contractdrift's room: infer
    reads and folds it (it used to fail the whole run), on one process and on two alike."""
    rec = tmp_path / "deep.jsonl"
    rec.write_text(_deep_line(1_000) + _OK_LINE, encoding="utf-8")
    one = contractdrift.infer_files([rec])
    assert one.exchanges == 2
    assert contractdrift.infer_files([rec], jobs=2).to_json() == one.to_json()
