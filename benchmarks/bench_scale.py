"""Benchmark: ``contractdrift infer`` at archive scale -- one core against the code before issue 12,
peak memory against the number of exchanges, and ``--jobs`` on a 1 GB recording.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--exchanges 100000] [--runs 3] [--gb 1.0]
[--baseline REF] [--skip-jobs] [--json FILE]``

1. **One core, side by side in one run.** The baseline is the code at ``--baseline`` (default: the
   last commit before the scale work, ``ebef0d7``), checked out with ``git worktree add`` into a temp
   dir and imported from there by the same interpreter; the current code is this checkout. Both run
   ``contractdrift infer RECORDING -o out.yaml`` on the same 100k-exchange, ~101 MB recording
   (``bench_infer.write_recording``), alternating, each run in a fresh process; best of ``--runs``.
   Wall time, CPU time (user + sys of the child) and peak RSS come from ``os.wait4``.
   The **floor** beside them: the current code reading, routing and templating every exchange and
   parsing its query, with no fold (``_FLOOR``); it bounds what any fold could reach, and the JSON
   values of the recording turn the rest of the 5x budget into nanoseconds per value.
2. **Memory flat.** The current code on 1/4, 1x and 3x the exchanges: peak RSS should not grow.
3. **Every core.** The 100k recording is repeated to ``--gb`` GB (in the temp dir, deleted after)
   and ``infer --jobs 1`` and ``--jobs 2`` are timed on it; the two documents must be identical.
4. **check on every core.** A spec is inferred from the recording, the recording is repeated to
   ``--check-mb`` MB, and ``check --format json`` runs with ``--jobs 1``, ``2``, ``2``, ``1``
   (alternating, so a change of load hits both); the reports must be byte-identical
   (``--skip-check-jobs`` leaves it out).

The load average is printed around every measurement: this machine is shared, and wall times on
a loaded machine say more about the neighbours than about the code (CPU time much less so).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_infer import write_recording  # noqa: E402

BASELINE = "ebef0d7"  # the last commit before issue 12's scale work


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# The child reports its own peak RSS (VmHWM, this process only, since its exec): ``ru_maxrss`` from
# wait4 would also count what this (large) benchmark process held when it forked the child.
_PROG = """
import sys
sys.path.insert(0, {root!r})
from contractdrift.cli import main
try:
    code = main()
finally:
    with open("/proc/self/status") as fh:
        hwm = [line.split()[1] for line in fh if line.startswith("VmHWM:")]
    with open({report!r}, "w") as out:
        out.write(hwm[0] if hwm else "0")
sys.exit(code)
"""


def run_child(code_root: Path, args: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """``contractdrift <args>`` with the package imported from ``code_root``; wall, CPU (with the
    child's workers), and the peak RSS of the child process itself (not its workers)."""
    report = cwd / "hwm.txt"
    prog = _PROG.format(root=str(code_root), report=str(report))
    env = dict(os.environ, PYTHONPATH=str(code_root))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", prog, *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise SystemExit(f"{args[0]} failed ({proc.returncode}) with code from {code_root}: {err[-2000:]}")
    rss_kb = int(report.read_text() or 0) if report.exists() else usage.ru_maxrss
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": rss_kb / 1024}


# The floor under any fold: the current code reads every exchange the way ``infer`` reads it (the
# unit reader, response and request bodies decoded), splits its URL, names its operation (the
# templater) and parses its query -- everything ``infer`` does before it folds, and nothing after.
_FLOOR = """
import sys
from contractdrift._gcpause import _gc_paused
from contractdrift.infer import InferOptions
from contractdrift.infer.inferred import parse_query
from contractdrift.infer.templating import Templater
from contractdrift.model import split_url
from contractdrift.store.partition import UnitReader, partition

templater = Templater(InferOptions())
ops = {}
with _gc_paused():
    for unit in partition([sys.argv[1]]):
        for ex in UnitReader(unit):
            path, query = split_url(ex.request.url)
            template, _ = templater.template(path)
            key = (ex.request.method.upper(), template)
            ops[key] = ops.get(key, 0) + 1
            parse_query(query)
            ex.request.headers, ex.request.body.json
            if ex.response is not None:
                ex.response.headers, ex.response.body.json
print(sum(ops.values()))
"""


def run_floor(rec: Path, cwd: Path) -> dict[str, Any]:
    """:data:`_FLOOR` as a child process, with the current code: wall, CPU (user + sys), peak RSS."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", _FLOOR, str(rec)], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"the read+route floor failed: {err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def json_values(rec: Path) -> int:
    """JSON values ``infer`` folds: every value of every body, header list, path and query parameter
    (a container counts once, as do its members), counted once in this process (not timed)."""
    from urllib.parse import parse_qsl, urlsplit

    def count(v: Any) -> int:
        if isinstance(v, dict):
            return 1 + sum(count(x) for x in v.values())
        if isinstance(v, list):
            return 1 + sum(count(x) for x in v)
        return 1

    total = 0
    with rec.open("rb") as fh:
        for line in fh:
            ex = json.loads(line)
            if "request" not in ex:
                continue
            for side in (ex["request"], ex.get("response") or {}):
                total += len(side.get("headers") or ()) + count((side.get("body") or {}).get("json"))
            url = urlsplit(ex["request"]["url"])
            total += len(parse_qsl(url.query)) + url.path.count("/")
    return total


def best(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {"wall": min(r["wall"] for r in results), "cpu": min(r["cpu"] for r in results),
            "rss_mb": max(r["rss_mb"] for r in results)}


def one_core(tmp: Path, rec: Path, n: int, runs: int, baseline: Path) -> dict[str, Any]:
    print(f"\n== one core: {n} exchanges, {rec.stat().st_size / 1e6:.0f} MB, best of {runs} (load {load()})")
    out: dict[str, list[dict[str, Any]]] = {"baseline": [], "current": []}
    for i in range(runs):
        for name, root in (("baseline", baseline), ("current", REPO)):
            r = run_child(root, ["infer", str(rec), "-o", str(tmp / f"{name}.yaml")], tmp)
            r["load"] = load()
            out[name].append(r)
            print(f"  run {i + 1} {name:8}: {r['wall']:6.2f} s wall, {r['cpu']:6.2f} s CPU, "
                  f"{r['rss_mb']:5.0f} MB peak, {n / r['wall']:8,.0f} exchanges/s (load {r['load']})")
    floors = [run_floor(rec, tmp) for _ in range(runs)]
    b, c, f = best(out["baseline"]), best(out["current"]), best(floors)
    ratio_wall, ratio_cpu = b["wall"] / c["wall"], b["cpu"] / c["cpu"]
    print(f"  baseline {b['wall']:.2f} s wall / {b['cpu']:.2f} s CPU ({n / b['wall']:,.0f} ex/s); "
          f"current {c['wall']:.2f} s / {c['cpu']:.2f} s ({n / c['wall']:,.0f} ex/s): "
          f"{ratio_wall:.2f}x wall, {ratio_cpu:.2f}x CPU")
    # What is left for folding if infer is to be 5x the baseline: the baseline's CPU / 5, less the floor.
    values = json_values(rec)
    budget = b["cpu"] / 5 - f["cpu"]
    print(f"  floor (read + route + template + query, no fold), best of {runs}: {f['cpu']:.2f} s CPU = "
          f"{b['cpu'] / f['cpu']:.2f}x the baseline at most, with a fold that costs nothing")
    print(f"  for 5x, the fold of {values:,} JSON values would have {budget:.3f} s: "
          f"{1e9 * budget / values:.1f} ns per value (the current fold: "
          f"{1e9 * (c['cpu'] - f['cpu']) / values:.0f} ns per value)")
    return {"baseline": b, "current": c, "floor": f, "speedup_wall": ratio_wall, "speedup_cpu": ratio_cpu,
            "floor_speedup": b["cpu"] / f["cpu"], "values": values, "fold_budget_ns": 1e9 * budget / values,
            "fold_ns": 1e9 * (c["cpu"] - f["cpu"]) / values, "runs": out}


def memory(tmp: Path, n: int) -> dict[str, Any]:
    print(f"\n== peak memory against the number of exchanges (load {load()})")
    rows = {}
    for k in (n // 4, n, 3 * n):
        rec = tmp / f"mem{k}.jsonl"
        write_recording(rec, k, seed=3)
        r = run_child(REPO, ["infer", str(rec), "-o", str(tmp / "mem.yaml")], tmp)
        rows[k] = r
        print(f"  {k:>8,} exchanges ({rec.stat().st_size / 1e6:5.0f} MB): {r['rss_mb']:5.0f} MB peak, {r['cpu']:.2f} s CPU")
        rec.unlink()
    return {str(k): v for k, v in rows.items()}


def grow(rec: Path, target: Path, gb: float) -> int:
    """Repeat ``rec``'s exchange lines until ``target`` holds ``gb`` GB; returns the exchange count."""
    lines = rec.read_bytes().split(b"\n", 1)
    header, body = lines[0] + b"\n", lines[1]
    per = body.count(b"\n")
    copies = max(1, round(gb * 1e9 / len(body)))
    with target.open("wb") as fh:
        fh.write(header)
        for _ in range(copies):
            fh.write(body)
    return per * copies


def jobs(tmp: Path, rec: Path, gb: float) -> dict[str, Any]:
    big = tmp / "big.jsonl"
    n = grow(rec, big, gb)
    print(f"\n== every core: {n:,} exchanges, {big.stat().st_size / 1e9:.2f} GB, cpus {os.cpu_count()} (load {load()})")
    res = {}
    for j in ("1", "2"):
        r = run_child(REPO, ["infer", str(big), "--jobs", j, "-o", str(tmp / f"jobs{j}.yaml")], tmp)
        r["load"] = load()
        res[j] = r
        # CPU includes the pool workers (forked children of the child, joined before it exits)
        print(f"  --jobs {j}: {r['wall']:6.2f} s wall, {r['cpu']:6.2f} s CPU, {n / r['wall']:9,.0f} exchanges/s, "
              f"{r['rss_mb']:5.0f} MB peak (parent process), load {r['load']}")
    same = (tmp / "jobs1.yaml").read_bytes() == (tmp / "jobs2.yaml").read_bytes()
    speedup = res["1"]["wall"] / res["2"]["wall"]
    extra_cpu = res["2"]["cpu"] / res["1"]["cpu"] - 1
    print(f"  speedup {speedup:.2f}x wall; --jobs 2 spends {extra_cpu:+.1%} CPU; documents identical: {same}")
    big.unlink()
    return {"exchanges": n, "bytes": int(gb * 1e9), "runs": res, "speedup": speedup, "identical": same}


def check_jobs(tmp: Path, rec: Path, mb: float) -> dict[str, Any]:
    """``check --jobs 1`` against ``--jobs 2`` on ``mb`` MB, against a spec inferred from the traffic."""
    spec = tmp / "spec.yaml"
    run_child(REPO, ["infer", str(rec), "-o", str(spec)], tmp)
    big = tmp / "check.jsonl"
    n = grow(rec, big, mb / 1000)
    print(f"\n== check on every core: {n:,} exchanges, {big.stat().st_size / 1e6:.0f} MB, cpus {os.cpu_count()} "
          f"(load {load()})")
    res: dict[str, list[dict[str, Any]]] = {"1": [], "2": []}
    for i, j in enumerate(("1", "2", "2", "1")):
        r = run_child(REPO, ["check", str(big), "--spec", str(spec), "--jobs", j, "--format", "json",
                             "-o", str(tmp / f"check{j}-{i}.json")], tmp, ok=(0, 1))
        r["load"] = load()
        res[j].append(r)
        print(f"  --jobs {j}: {r['wall']:6.2f} s wall, {r['cpu']:6.2f} s CPU, {n / r['wall']:9,.0f} exchanges/s, "
              f"{r['rss_mb']:5.0f} MB peak (parent process), load {r['load']}")
    reports = {p.read_bytes() for p in tmp.glob("check*-*.json")}
    b1, b2 = best(res["1"]), best(res["2"])
    speedup = b1["wall"] / b2["wall"]
    extra_cpu = b2["cpu"] / b1["cpu"] - 1
    print(f"  best of 2: --jobs 1 {b1['wall']:.2f} s wall / {b1['cpu']:.2f} s CPU, --jobs 2 {b2['wall']:.2f} s / "
          f"{b2['cpu']:.2f} s: speedup {speedup:.2f}x wall; --jobs 2 spends {extra_cpu:+.1%} CPU; "
          f"reports identical: {len(reports) == 1}")
    big.unlink()
    return {"exchanges": n, "bytes": int(mb * 1e6), "runs": res, "speedup": speedup, "extra_cpu": extra_cpu,
            "identical": len(reports) == 1}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--exchanges", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--gb", type=float, default=1.0, help="size of the --jobs recording (default 1 GB)")
    ap.add_argument("--baseline", default=BASELINE, help=f"git ref of the code to compare with (default {BASELINE})")
    ap.add_argument("--skip-jobs", action="store_true")
    ap.add_argument("--skip-one-core", action="store_true", help="leave out the comparison with the baseline")
    ap.add_argument("--skip-check-jobs", action="store_true")
    ap.add_argument("--check-mb", type=float, default=200.0, help="size of the check --jobs recording (default 200 MB)")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    args = ap.parse_args()
    print(f"contractdrift bench_scale: load average {load()}, {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    figures: dict[str, Any] = {"load_start": load()}
    with tempfile.TemporaryDirectory(prefix="cd-scale-") as tmpdir:
        tmp = Path(tmpdir)
        base = tmp / "baseline"
        if not args.skip_one_core:
            subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(base), args.baseline],
                           check=True)
        try:
            rec = tmp / "traffic.jsonl"
            write_recording(rec, args.exchanges)
            if not args.skip_one_core:
                figures["one_core"] = one_core(tmp, rec, args.exchanges, args.runs, base)
            if not args.skip_memory:
                figures["memory"] = memory(tmp, args.exchanges)
            if not args.skip_jobs:
                figures["jobs"] = jobs(tmp, rec, args.gb)
            if not args.skip_check_jobs:
                figures["check_jobs"] = check_jobs(tmp, rec, args.check_mb)
        finally:
            if not args.skip_one_core:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(base)], check=False)
    figures["load_end"] = load()
    print(f"\nsummary (load at start {figures['load_start']}, at end {figures['load_end']}):")
    if "one_core" in figures:
        one = figures["one_core"]
        print(f"  one core: {one['speedup_wall']:.2f}x wall, {one['speedup_cpu']:.2f}x CPU vs {args.baseline} "
              f"-- goal 5x: {'PASS' if one['speedup_cpu'] >= 5 else 'MISS'}")
        print(f"  one core, the floor without any fold: {one['floor_speedup']:.2f}x CPU; 5x leaves the fold "
              f"{one['fold_budget_ns']:.1f} ns per JSON value (it spends {one['fold_ns']:.0f})")
    if "memory" in figures:
        rss = [v["rss_mb"] for v in figures["memory"].values()]
        print(f"  peak memory {min(rss):.0f}-{max(rss):.0f} MB from {args.exchanges // 4:,} to {3 * args.exchanges:,} "
              f"exchanges -- flat: {'PASS' if max(rss) < 1.25 * min(rss) else 'MISS'}")
    if "jobs" in figures:
        j = figures["jobs"]
        print(f"  --jobs 2 on {args.gb:g} GB: {j['speedup']:.2f}x, identical {j['identical']} -- goal 1.8x: "
              f"{'PASS' if j['speedup'] >= 1.8 and j['identical'] else 'MISS'}")
    if "check_jobs" in figures:
        c = figures["check_jobs"]
        print(f"  check --jobs 2 on {args.check_mb:g} MB: {c['speedup']:.2f}x wall, {c['extra_cpu']:+.1%} CPU, "
              f"identical {c['identical']}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
