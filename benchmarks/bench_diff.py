"""Benchmark: ``contractdrift diff`` on real OpenAPI version pairs, side by side with Optic.

Run: ``.venv/bin/python benchmarks/bench_diff.py [--runs 3] [--optic-runs 1] [--optic-timeout 300]``

For each pair of ``../shared/corpus`` (GitHub, Stripe, Twilio, Box; exits cleanly when the corpus is
absent) this measures, every run in a fresh subprocess:

- the **CLI end to end** (headline): ``python -m contractdrift diff BASE REVISION --format json -o
  /dev/null`` -- interpreter start-up, import, parsing, comparing, rendering;
- the **library call** ``contractdrift.diff_specs(base, revision)`` inside one child process (the
  call alone, import excluded), plus the number of findings it returns;
- **Optic** (``optic diff BASE REVISION --check``) when it is installed (``$OPTIC``, ``PATH`` or
  ``benchmarks/optic/node_modules/.bin/optic``; see benchmarks/README.md), with a timeout, telemetry
  and update checks switched off and -- where ``unshare -rn`` works -- no network at all.

Wall time, CPU time (user + sys) and peak RSS come from ``os.wait4`` on the child (the same
``rusage`` GNU ``time -v`` reports). Best of N runs is kept per measurement. The load average is
printed because other work on the machine inflates wall time (CPU time much less so). A summary table
and PASS/MISS against the goals of issue 11 close the output: GitHub pairs < 1.5 s, Stripe pairs < 2 s,
every pair < 2 s, stripe/6 < 600 findings (groups), peak memory < 300 MB (all on the CLI figures).
``--group none`` measures the per-place report; ``--tree DIR --group omit`` an older checkout (before/after).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
LOCAL_OPTIC = REPO / "benchmarks" / "optic" / "node_modules" / ".bin" / "optic"

# (pair, goal group); the group picks the wall-time goal from GOALS.
PAIRS: tuple[tuple[str, str | None], ...] = (
    ("github/1", "GitHub"),
    ("github/5", "GitHub"),
    ("stripe/1", "Stripe"),
    ("stripe/5", "Stripe"),
    ("stripe/6", "Stripe"),
    ("twilio-api-v2010/3", None),
    ("box/4", None),
    ("oai-petstore-expanded/2", None),
)
# issue 11: github/5 < 1.5 s, stripe/6 < 2 s (and < 600 groups), every pair < 2 s, peak < 300 MB
GOALS = {"GitHub": 1.5, "Stripe": 2.0}
EVERY_PAIR_GOAL_S = 2.0
GROUP_GOALS = {"stripe/6": 600}
MEMORY_GOAL_MB = 300.0

# Optic 1.0.9 reads these (build/segment.js, build/sentry.js, update-notifier): no Segment events,
# no Sentry reports, no npm version check.
OPTIC_ENV = {"OPTIC_TELEMETRY_LEVEL": "off", "NO_UPDATE_NOTIFIER": "1"}

LIBRARY_CHILD = """
import json, sys, time
t0 = time.perf_counter()
import contractdrift
t1, c1 = time.perf_counter(), time.process_time()
group = sys.argv[3]
try:  # a checkout from before `group` existed (--group omit): its only behaviour
    report = contractdrift.diff_specs(sys.argv[1], sys.argv[2], **({} if group == "omit" else {"group": group}))
except TypeError:
    report = contractdrift.diff_specs(sys.argv[1], sys.argv[2])
t2, c2 = time.perf_counter(), time.process_time()
print(json.dumps({"import_s": t1 - t0, "call_s": t2 - t1, "call_cpu_s": c2 - c1,
                  "findings": len(report.findings), "warnings": len(report.warnings)}))
"""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One child process: what it cost and what it said."""

    wall_s: float
    cpu_s: float
    peak_mb: float
    returncode: int
    timed_out: bool
    stdout: str
    stderr: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Best:
    """Best (minimum) of several runs of one measurement; ``failure`` is set when no run succeeded."""

    wall_s: float | None = None
    cpu_s: float | None = None
    peak_mb: float | None = None
    call_s: float | None = None
    findings: int | None = None
    failure: str | None = None


def run_measured(argv: list[str], *, env: dict[str, str], cwd: str, timeout: float | None) -> Sample:
    """Run ``argv`` in a fresh process (own session), killing its group after ``timeout`` seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env, cwd=cwd,
                                start_new_session=True)
        fired = threading.Event()

        def kill() -> None:
            fired.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: keep Popen from waiting
        out.seek(0)
        err.seek(0)
        # ru_maxrss: kilobytes on Linux, bytes on macOS.
        peak = usage.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else usage.ru_maxrss / 1024
        return Sample(wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime, peak_mb=peak,
                      returncode=proc.returncode, timed_out=fired.is_set(),
                      stdout=out.read().decode("utf-8", "replace"), stderr=err.read().decode("utf-8", "replace"))


def first_line(text: str, limit: int = 140) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def best_of(samples: list[Sample], failures: list[str], *, call_s: list[float], findings: int | None) -> Best:
    if not samples:
        return Best(failure=failures[0] if failures else "no run")
    return Best(wall_s=min(s.wall_s for s in samples), cpu_s=min(s.cpu_s for s in samples),
                peak_mb=min(s.peak_mb for s in samples), call_s=min(call_s) if call_s else None,
                findings=findings)


def spec_files(pair_dir: Path) -> tuple[Path, Path] | None:
    base = sorted(pair_dir.glob("base.*"))
    revision = sorted(pair_dir.glob("revision.*"))
    base = [p for p in base if p.suffix in (".json", ".yaml", ".yml")]
    revision = [p for p in revision if p.suffix in (".json", ".yaml", ".yml")]
    return (base[0], revision[0]) if base and revision else None


#: the package tree measured (``--tree``: another checkout, e.g. ``git archive main | tar -x -C /tmp/before``)
TREE = [REPO]
#: ``--group``: passed to ``diff`` (``omit`` leaves the flag out, for checkouts from before it existed)
GROUP = ["change"]


def python_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TREE[0]), env.get("PYTHONPATH")]))
    env.pop("PYTHONSTARTUP", None)
    return env


def bench_contractdrift(base: Path, revision: Path, runs: int, cwd: str) -> tuple[Best, Best]:
    """(CLI end to end, library call): best of ``runs`` each, interleaved."""
    env = python_env()
    cli_argv = [sys.executable, "-m", "contractdrift", "diff", str(base), str(revision),
                "--format", "json", "-o", os.devnull, *(["--group", GROUP[0]] if GROUP[0] != "omit" else [])]
    lib_argv = [sys.executable, "-c", LIBRARY_CHILD, str(base), str(revision), GROUP[0]]
    cli: list[Sample] = []
    lib: list[Sample] = []
    calls: list[float] = []
    findings: int | None = None
    cli_fail: list[str] = []
    lib_fail: list[str] = []
    for _ in range(runs):
        s = run_measured(lib_argv, env=env, cwd=cwd, timeout=None)
        if s.returncode == 0:
            info = json.loads(s.stdout.strip().splitlines()[-1])
            lib.append(s)
            calls.append(float(info["call_s"]))
            findings = int(info["findings"])
        else:
            lib_fail.append(f"exit {s.returncode}: {first_line(s.stderr.splitlines()[-1] if s.stderr else '')}")
        s = run_measured(cli_argv, env=env, cwd=cwd, timeout=None)
        if s.returncode in (0, 1):  # 1 = findings at/above --fail-on, a normal outcome
            cli.append(s)
        else:
            cli_fail.append(f"exit {s.returncode}: {first_line(s.stderr)}")
    return (best_of(cli, cli_fail, call_s=[], findings=findings),
            best_of(lib, lib_fail, call_s=calls, findings=findings))


# "x  Checks: 7/12 passed" (ANSI colours stripped first).
_CHECKS = re.compile(r"Checks:\s*(\d+)\s*/\s*(\d+)\s*passed")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DOWNLOAD = re.compile(r"Error downloading (\S+)\s*(.*)", re.IGNORECASE)


def find_optic(explicit: str | None) -> str | None:
    for candidate in (explicit, os.environ.get("OPTIC"), shutil.which("optic"), str(LOCAL_OPTIC)):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def offline_prefix() -> list[str]:
    """``unshare -rn`` (new user + network namespace: loopback only) when the kernel allows it."""
    unshare = shutil.which("unshare")
    if not unshare:
        return []
    try:
        ok = subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return [unshare, "-rn"] if ok else []


def bench_optic(optic: str, base: Path, revision: Path, *, runs: int, timeout: float, prefix: list[str],
                cwd: str) -> Best:
    env = {**os.environ, **OPTIC_ENV}
    argv = [*prefix, optic, "diff", str(base), str(revision), "--check"]
    ok: list[Sample] = []
    failures: list[str] = []
    failed_checks: int | None = None
    for _ in range(runs):
        s = run_measured(argv, env=env, cwd=cwd, timeout=timeout)
        text = _ANSI.sub("", s.stdout + "\n" + s.stderr)
        m = _CHECKS.search(text)
        if s.timed_out:
            failures.append(f"timeout after {timeout:.0f} s (peak {s.peak_mb:.0f} MB)")
            break  # another run would time out too
        if s.returncode in (0, 1) and m:  # 1 = a check failed, a normal outcome
            ok.append(s)
            failed_checks = int(m.group(2)) - int(m.group(1))
            continue
        err = _ANSI.sub("", s.stderr) or _ANSI.sub("", s.stdout)
        if "invalid openapi" in err.lower():
            failures.append(f"refused as invalid: {first_line(err, 110)}")
        elif dl := _DOWNLOAD.search(err):  # a "$ref" it wanted to fetch from the network
            failures.append(f"failed: tried to download {dl.group(1)} ({first_line(dl.group(2), 40)})")
        else:
            failures.append(f"exit {s.returncode}: {first_line(err)}")
        break  # deterministic failure: no point repeating it
    return best_of(ok, failures, call_s=[], findings=failed_checks)


def fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b <= 0 else f"{a / b:.1f}x"


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="contractdrift runs per pair; best kept (default 3)")
    ap.add_argument("--optic-runs", type=int, default=1,
                    help="Optic runs per pair (default 1: a Stripe pair takes Optic minutes)")
    ap.add_argument("--optic-timeout", type=float, default=300.0, help="seconds per Optic run (default 300)")
    ap.add_argument("--optic", metavar="PATH", help="Optic executable (default: $OPTIC, PATH, benchmarks/optic)")
    ap.add_argument("--no-optic", action="store_true", help="measure contractdrift only")
    ap.add_argument("--optic-network", action="store_true",
                    help="let Optic use the network (default: run it under `unshare -rn` when possible)")
    ap.add_argument("--pairs", nargs="+", metavar="PAIR", help="subset of pairs, e.g. github/1 stripe/5")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--group", choices=("change", "none", "omit"), default="change",
                    help="diff --group (default change; omit: no flag, for checkouts from before issue 11)")
    ap.add_argument("--tree", metavar="DIR", help="measure the package in DIR instead of this checkout "
                    "(before/after figures: `git archive REV | tar -x -C DIR`)")
    args = ap.parse_args(argv)
    GROUP[0] = args.group
    if args.tree:
        TREE[0] = Path(args.tree).resolve()
    if args.runs < 1 or args.optic_runs < 1:
        ap.error("--runs and --optic-runs must be at least 1")

    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}: nothing to benchmark (see issue 2 / ../shared/corpus).")
        return 0
    wanted = [(p, g) for p, g in PAIRS if not args.pairs or p in args.pairs]
    if args.pairs and (unknown := sorted(set(args.pairs) - {p for p, _ in PAIRS})):
        ap.error(f"unknown pairs: {', '.join(unknown)} (known: {', '.join(p for p, _ in PAIRS)})")

    optic = None if args.no_optic else find_optic(args.optic)
    prefix = [] if optic is None or args.optic_network else offline_prefix()
    print(f"contractdrift diff benchmark -- python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {loadavg()}")
    print(f"corpus: {CORPUS}; contractdrift best of {args.runs} runs, fresh process each")
    if optic:
        version = run_measured([optic, "--version"], env={**os.environ, **OPTIC_ENV}, cwd=str(REPO), timeout=120)
        print(f"optic: {optic} ({first_line(version.stdout) or '?'}), best of {args.optic_runs}, "
              f"timeout {args.optic_timeout:.0f} s, "
              f"{'offline via unshare -rn' if prefix else 'network NOT isolated'}, env {OPTIC_ENV}")
    else:
        print("optic: not measured" + ("" if args.no_optic else
                                       " (not found: see benchmarks/README.md to install it)"))
    print()

    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-diff-") as cwd:  # no pyproject/optic.dev.yml config
        for pair, group in wanted:
            files = spec_files(CORPUS / pair)
            if files is None:
                print(f"{pair}: absent, skipped")
                continue
            base, revision = files
            size_mb = (base.stat().st_size + revision.stat().st_size) / 1e6
            load = loadavg()
            cli, lib = bench_contractdrift(base, revision, args.runs, cwd)
            line = (f"{pair:<20} {size_mb:5.1f} MB  contractdrift CLI {fmt(cli.wall_s)} s wall "
                    f"({fmt(cli.cpu_s)} s CPU), peak {fmt(cli.peak_mb, '.0f')} MB; library call "
                    f"{fmt(lib.call_s)} s, process peak {fmt(lib.peak_mb, '.0f')} MB; "
                    f"{lib.findings if lib.findings is not None else '-'} findings")
            if cli.failure or lib.failure:
                line += f"  FAILED: {cli.failure or lib.failure}"
            print(line, flush=True)
            op: Best | None = None
            if optic:
                op = bench_optic(optic, base, revision, runs=args.optic_runs, timeout=args.optic_timeout,
                                 prefix=prefix, cwd=cwd)
                if op.failure:
                    print(f"{'':<20} optic: {op.failure}", flush=True)
                else:
                    print(f"{'':<20} optic {fmt(op.wall_s)} s wall ({fmt(op.cpu_s)} s CPU), peak "
                          f"{fmt(op.peak_mb, '.0f')} MB, {op.findings} failed checks; optic/contractdrift: "
                          f"time {ratio(op.wall_s, cli.wall_s)}, memory {ratio(op.peak_mb, cli.peak_mb)}",
                          flush=True)
            rows.append({"pair": pair, "group": group, "size_mb": size_mb, "load": load,
                         "cli": dataclasses.asdict(cli), "library": dataclasses.asdict(lib),
                         "optic": dataclasses.asdict(op) if op else None})

    print_summary(rows, optic is not None)
    if args.json:
        Path(args.json).write_text(json.dumps({"load_end": loadavg(), "runs": args.runs, "rows": rows},
                                              indent=2), encoding="utf-8")
    return 0


def print_summary(rows: list[dict[str, object]], with_optic: bool) -> None:
    print()
    print(f"Summary (best of runs; load average now {loadavg()} on {os.cpu_count()} CPUs)")
    head = ["pair", "findings", "lib call s", "CLI wall s", "CLI CPU s", "CLI peak MB"]
    if with_optic:
        head += ["optic wall s", "optic peak MB", "time ratio", "mem ratio", "optic result"]
    table = [head]
    for r in rows:
        cli, lib, op = r["cli"], r["library"], r["optic"]
        assert isinstance(cli, dict) and isinstance(lib, dict)
        cells = [str(r["pair"]), str(lib["findings"] if lib["findings"] is not None else "-"),
                 fmt(lib["call_s"]), fmt(cli["wall_s"]), fmt(cli["cpu_s"]), fmt(cli["peak_mb"], ".0f")]
        if with_optic:
            assert isinstance(op, dict)
            result = str(op["failure"] or f"ok, {op['findings']} failed checks")
            result = result if len(result) <= 72 else result[:71] + "…"
            cells += [fmt(op["wall_s"]), fmt(op["peak_mb"], ".0f"), ratio(op["wall_s"], cli["wall_s"]),
                      ratio(op["peak_mb"], cli["peak_mb"]), str(result)]
        table.append(cells)
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for n, row in enumerate(table):
        print("  ".join(c.ljust(w) if i == 0 or head[i] == "optic result" else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))

    print()
    print("Goals (issue 11, CLI end to end, wall time as measured under the load above):")
    for r in rows:
        cli = r["cli"]
        assert isinstance(cli, dict)
        group = r["group"]
        if isinstance(group, str) and group in GOALS:
            goal = GOALS[group]
            wall = cli["wall_s"]
            verdict = "PASS" if wall is not None and wall < goal else "MISS"
            detail = (f"{fmt(wall)} s wall, {fmt(cli['cpu_s'])} s CPU" if wall is not None
                      else f"contractdrift failed: {cli['failure']}")
            print(f"  {group} pair {r['pair']:<8} < {goal} s: {verdict}  ({detail})")
    for r in rows:
        cli, lib = r["cli"], r["library"]
        assert isinstance(cli, dict) and isinstance(lib, dict)
        wall = cli["wall_s"]
        if wall is not None:
            verdict = "PASS" if wall < EVERY_PAIR_GOAL_S else "MISS"
            print(f"  every pair < {EVERY_PAIR_GOAL_S} s: {r['pair']:<24} {verdict}  ({fmt(wall)} s wall, "
                  f"{fmt(cli['cpu_s'])} s CPU)")
        goal_n = GROUP_GOALS.get(str(r["pair"]))
        if goal_n is not None and lib["findings"] is not None:
            verdict = "PASS" if int(lib["findings"]) < goal_n else "MISS"
            print(f"  {r['pair']} < {goal_n} findings: {verdict}  ({lib['findings']})")
    peaks = [(float(c["peak_mb"]), str(r["pair"])) for r in rows
             if isinstance(c := r["cli"], dict) and c["peak_mb"] is not None]
    libpeaks = [(float(c["peak_mb"]), str(r["pair"])) for r in rows
                if isinstance(c := r["library"], dict) and c["peak_mb"] is not None]
    if peaks:
        worst, where = max(peaks)
        lworst, lwhere = max(libpeaks) if libpeaks else (0.0, "-")
        verdict = "PASS" if max(worst, lworst) < MEMORY_GOAL_MB else "MISS"
        print(f"  peak memory < {MEMORY_GOAL_MB:.0f} MB on every pair: {verdict}  (CLI max {worst:.0f} MB on "
              f"{where}; library process max {lworst:.0f} MB on {lwhere})")
    failed = [str(r["pair"]) for r in rows
              if any(isinstance(c := r[k], dict) and c["failure"] for k in ("cli", "library"))]
    if failed:
        print(f"  contractdrift FAILED on: {', '.join(failed)}")


if __name__ == "__main__":
    sys.exit(main())
