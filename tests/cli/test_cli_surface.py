"""One meaning per option name: library keywords are the CLI flags; ``--severity RULE=LEVEL``."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import types
from pathlib import Path

import pytest

import contractdrift
from contractdrift import api
from contractdrift.cli import build_parser, main
from contractdrift.infer import InferOptions

ROOT = Path(__file__).resolve().parents[2]
V1 = "examples/orders/v1.yaml"
V2 = "examples/orders/v2.yaml"


@pytest.fixture(autouse=True)
def _in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def findings(out: str) -> dict[str, set[str]]:
    by_rule: dict[str, set[str]] = {}
    for f in json.loads(out)["findings"]:
        by_rule.setdefault(f["id"], set()).add(f["severity"])
    return by_rule


def _flags(command: str) -> dict[str, str]:
    """dest -> first long option string of a sub-command's optional arguments."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    out = {}
    for action in sub.choices[command]._actions:
        longs = [s for s in action.option_strings if s.startswith("--")]
        if longs and action.dest != "help":
            out[action.dest] = longs[0]
    return out


# --- names -------------------------------------------------------------------------------------------


def test_infer_is_a_subpackage_and_infer_api_the_function() -> None:
    import contractdrift.infer as infer_pkg

    assert isinstance(infer_pkg, types.ModuleType) and type(infer_pkg) is types.ModuleType
    assert not callable(infer_pkg)
    assert inspect.isfunction(contractdrift.infer_api)
    assert "infer_api" in contractdrift.__all__ and "infer" not in contractdrift.__all__


def test_diff_keywords_are_the_diff_flags() -> None:
    flags = _flags("diff")
    params = inspect.signature(api.diff_specs).parameters
    library_only = {"base", "revision", "today", "cwd"}  # positional, or no flag on purpose
    # rendering, settings file, and the exit gates (library: api.diff_exit_code(report, fail_on, observed_only=))
    cli_only = {"format", "output", "color", "fail_on", "fail_on_observed", "config", "debug"}
    for name in set(params) - library_only:
        flag = "--" + name.replace("_", "-")
        # a repeatable flag names one item: --exclude-extension X (keyword exclude_extensions)
        assert flags.get(name) in (flag, flag.removesuffix("s")), (name, flags.get(name))
    assert set(flags) - set(params) <= cli_only, sorted(set(flags) - set(params) - cli_only)
    assert "strict" not in params and "strict" not in flags  # the old, ambiguous name is gone


def test_infer_keywords_are_the_infer_flags() -> None:
    flags = _flags("infer")
    # the command calls infer_files (several sources, --jobs/--dask): its keywords are infer_api's and more
    params = set(inspect.signature(api.infer_files).parameters) - {"sources", "progress", "options", "overrides"}
    assert set(inspect.signature(api.infer_api).parameters) - {"exchanges"} <= params | {"options", "overrides", "progress"}
    fields = {f.name for f in dataclasses.fields(InferOptions)}
    cli_only = {"openapi", "format", "output", "save_summary", "debug"}
    for dest, flag in flags.items():
        if dest in cli_only:
            continue
        # templates is the repeatable --template
        assert dest in params | fields, f"{flag} (dest {dest}) is neither an infer_files keyword nor an InferOptions field"
        assert flag.removeprefix("--").replace("-", "_") in (dest, dest.removesuffix("s")), (dest, flag)
    assert "skip_damaged" in params and "strict" not in params


@pytest.mark.parametrize(("command", "function", "cli_only"), [
    ("record", "run_recording_proxy", {"output", "debug"}),
    ("import-har", "import_har", {"output", "cassette", "debug"}),
])
def test_pipeline_keywords_are_the_flags(command: str, function: str, cli_only: set[str]) -> None:
    """Each flag is the keyword of the same name; a ``--no-X`` flag is the keyword ``X`` negated and a
    repeatable singular flag (``--tag``) the plural keyword (``tags``)."""
    flags = _flags(command)
    params = set(inspect.signature(getattr(api, function)).parameters)
    for dest, flag in flags.items():
        if dest in cli_only:
            continue
        name = flag.removeprefix("--").replace("-", "_")
        keyword = name.removeprefix("no_")
        assert keyword in params or keyword + "s" in params, f"{command} {flag}: no keyword {keyword!r} in {function}"
        assert dest in (keyword, keyword + "s", name), (flag, dest)


def test_render_default_fail_on_is_the_clis() -> None:
    from contractdrift.report import DEFAULT_FAIL_ON

    default = inspect.signature(contractdrift.render).parameters["fail_on"].default
    assert default is DEFAULT_FAIL_ON is contractdrift.Severity.ERROR
    # the CLI without --fail-on: warnings alone do not fail (see test_severity_flag_can_clear_every_error)
    assert build_parser().parse_args(["diff", V1, V2]).fail_on is None


# --- --severity --------------------------------------------------------------------------------------


def test_severity_flag_overrides_and_switches_off(capsys: pytest.CaptureFixture[str]) -> None:
    base = findings(run(capsys, "diff", V1, V2, "--format", "json")[1])
    assert base["request-property-removed"] == {"warn"} and base["request-property-type-changed"] == {"error"}
    code, out, err = run(capsys, "diff", V1, V2, "--format", "json",
                         "--severity", "request-property-removed=error",
                         "--severity", "request-property-type-changed=off",
                         "--severity", "endpoint-added=WARNING")
    got = findings(out)
    assert code == 1 and err == ""
    assert got["request-property-removed"] == {"error"}
    assert "request-property-type-changed" not in got
    assert got["endpoint-added"] == {"warn"}
    untouched = {k: v for k, v in got.items() if k not in ("request-property-removed", "endpoint-added")}
    assert untouched == {k: v for k, v in base.items()
                         if k not in ("request-property-removed", "endpoint-added", "request-property-type-changed")}


def test_severity_flag_can_clear_every_error(capsys: pytest.CaptureFixture[str]) -> None:
    errors = sorted(rid for rid, sev in findings(run(capsys, "diff", V1, V2, "--format", "json")[1]).items()
                    if "error" in sev)
    argv = ["diff", V1, V2, "--format", "json"]
    for rid in errors:
        argv += ["--severity", f"{rid}=info"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and all("error" not in s for s in findings(out).values())


def test_severity_flag_wins_over_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "cd.toml"
    cfg.write_text('[severity]\nrequest-property-removed = "off"\nendpoint-added = "error"\n')
    got = findings(run(capsys, "diff", V1, V2, "--format", "json", "--config", str(cfg))[1])
    assert "request-property-removed" not in got and got["endpoint-added"] == {"error"}
    got = findings(run(capsys, "diff", V1, V2, "--format", "json", "--config", str(cfg),
                       "--severity", "request-property-removed=info")[1])
    assert got["request-property-removed"] == {"info"} and got["endpoint-added"] == {"error"}


@pytest.mark.parametrize(("item", "needle"), [
    ("no-such-rule=warn", "unknown rule id 'no-such-rule'"),
    ("endpoint-added=loud", "unknown severity 'loud'"),
    ("endpoint-added", "expected RULE=LEVEL"),
    ("=warn", "expected RULE=LEVEL"),
])
def test_bad_severity_flag_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str], item: str,
                                                      needle: str) -> None:
    code, out, err = run(capsys, "diff", V1, V2, "--severity", item)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err and "--severity" in err


def test_unknown_rule_in_config_severity_fails_loudly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.contractdrift.severity]\nno-such-rule = "warn"\n')
    code, _, err = run(capsys, "diff", str(ROOT / V1), str(ROOT / V2), "--config", str(tmp_path / "pyproject.toml"))
    assert code == 2 and "no-such-rule" in err and len(err.strip().splitlines()) == 1


def test_library_severity_keyword_matches_the_flag() -> None:
    report = contractdrift.diff_specs(V1, V2, severity={"request-property-removed": "off",
                                                       "endpoint-added": contractdrift.Severity.ERROR})
    ids = {f.rule_id: f.severity for f in report.findings}
    assert "request-property-removed" not in ids and ids["endpoint-added"] is contractdrift.Severity.ERROR
    with pytest.raises(contractdrift.UsageError, match="no-such-rule"):
        contractdrift.diff_specs(V1, V2, severity={"no-such-rule": "warn"})
