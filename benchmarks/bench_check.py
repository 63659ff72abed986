"""`contractdrift check` against openapi-core on the same exchanges, in one run.

    .venv/bin/python benchmarks/bench_check.py [--n 10000] [--ops 30] [--seed 1] [--specs stripe/5 petstore]
                                               [--no-openapi-core] [--json FILE]

For each spec (the Stripe spec of ../shared/corpus/stripe/5 and the petstore of
../shared/corpus/oai-petstore-expanded/2), it generates responses of GET operations (``--ops`` of
them) that conform to their schemas (nullable fields null about a third of the time, Stripe's
``nullable`` beside ``anyOf`` included), writes them as a JSON Lines recording, and a *drifted* copy
with one injected fault per payload (a type changed or a required property removed). Then, each in a
fresh process, measured with ``os.wait4`` (CPU = user + sys, peak RSS):

- **contractdrift**: ``python -m contractdrift check REC --spec SPEC --format json -o FILE`` as a whole
  process (spec loading, reading, routing, validation, report);
- **openapi-core**: reading the same recording (contractdrift's reader, so both pay for it), then
  ``OpenAPI.from_dict(spec)`` once and ``validate_response`` per exchange;
- **read + route alone**: the floor ``check`` sits on, no validation: every line decoded the way
  ``check`` decodes it (``RecordingReader.views``, its fast path), *including the response body
  JSON it would validate* (touched through ``ex.response.body.json``; the fast path decodes response
  bodies with the line, and a lazy body would be decoded there), the URL split and routed. (Before,
  this child iterated ``Exchange`` values and never touched the bodies, which undercounted the
  floor on one read path and overcounted it on the other.)
- **validation alone**: ``check`` as a whole process, its jsonschema-rs validators wrapped to sum the
  CPU spent inside them and in compiling them; added to *read + route alone* it is the **floor** of any check on this stack
  (reading, routing and validating every payload, nothing else), and its ratio to openapi-core the
  most any such check could reach;
- **fixed cost**: ``check`` as a whole process on a one-exchange recording (interpreter start,
  imports, spec loading, ``$ref`` check, compilation on first use, report), so that the
  per-exchange rate can be told apart from startup: ``per-exchange rate = (n - 1) / (CPU - fixed CPU)``.

Printed: exchanges per CPU-second for each, the ratio, false rejections on the conforming set (an
exchange with any finding at warn or above / any openapi-core error), the share of drifted exchanges
caught, and peak memory.

Bytecode: where ``PYTHONDONTWRITEBYTECODE`` is set (as on the build machine) no ``.pyc`` is ever
written, so every child would compile contractdrift's modules from source (about 0.2 s CPU). An
installed package is byte-compiled by pip, so the benchmark byte-compiles the package once before
measuring; ``--no-precompile`` measures the from-source start instead. Goals (issue 8): >= 50x openapi-core end to end, >= half the read+route rate,
no false rejection. openapi-core is the ``bench`` extra (``pip install -e '.[bench]'``), never a runtime
dependency.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SPECS = {
    "stripe/5": CORPUS / "stripe" / "5" / "revision.json",
    "petstore": CORPUS / "oai-petstore-expanded" / "2" / "revision.yaml",
}


# -- generating conforming payloads ----------------------------------------------------------------------


class Generator:
    """Instances that conform to an OpenAPI 3.0 schema (a small, deterministic, schema-directed walk)."""

    def __init__(self, doc: dict[str, Any], rng: random.Random) -> None:
        self.doc = doc
        self.rng = rng

    def deref(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 50:
            ref = schema["$ref"]
            node: Any = self.doc
            for part in ref.lstrip("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema = node
            seen += 1
        return schema

    def gen(self, schema: Any, depth: int = 0) -> Any:
        rng = self.rng
        schema = self.deref(schema)
        if not isinstance(schema, dict):
            return "x"
        if schema.get("nullable") and rng.random() < 0.33:
            return None
        if "enum" in schema:
            values = [v for v in schema["enum"] if v is not None] or [None]
            return rng.choice(values)
        if "allOf" in schema:
            out: dict[str, Any] = {}
            for member in schema["allOf"]:
                part = self.gen(member, depth)
                if isinstance(part, dict):
                    out.update(part)
            return out
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [self.deref(b) for b in schema[key]]
                branches = [b for b in branches if not (isinstance(b, dict) and b.get("enum") == [""])] or branches
                if depth > 2:  # expandable fields: the id string, not the whole object, deep down
                    simple = [b for b in branches if isinstance(b, dict) and b.get("type") == "string"]
                    branches = simple or branches
                return self.gen(rng.choice(branches) if key == "anyOf" else branches[0], depth)
        kind = schema.get("type") or ("object" if "properties" in schema else "string")
        if kind == "object":
            out = {}
            props = schema.get("properties") or {}
            required = set(schema.get("required") or ())
            for name, sub in props.items():
                sub_d = self.deref(sub)
                if isinstance(sub_d, dict) and sub_d.get("writeOnly"):
                    continue
                if name in required or (depth < 4 and rng.random() < 0.7):
                    out[name] = self.gen(sub, depth + 1)
            return out
        if kind == "array":
            lo = int(schema.get("minItems", 0))
            n = max(lo, rng.randint(0, 2 if depth < 4 else 0))
            return [self.gen(schema.get("items", {}), depth + 1) for _ in range(n)]
        if kind == "integer":
            lo = int(schema.get("minimum", 0))
            hi = int(schema.get("maximum", lo + 1000))
            return rng.randint(lo, max(lo, hi))
        if kind == "number":
            lo = float(schema.get("minimum", 0))
            return lo + rng.randint(0, 1000) / 4
        if kind == "boolean":
            return rng.random() < 0.5
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            return self.matching(pattern, schema)
        fmt = schema.get("format")
        text = {"date-time": "2024-05-01T12:00:00Z", "date": "2024-05-01", "uuid": "123e4567-e89b-42d3-a456-426614174000",
                "email": "a@example.com", "uri": "https://example.com/x", "byte": "aGVsbG8="}.get(fmt or "")
        if text is None:
            text = "s" + "".join(rng.choice("abcdefgh") for _ in range(rng.randint(0, 8)))
        lo, hi = int(schema.get("minLength", 0)), int(schema.get("maxLength", 10_000))
        if len(text) < lo:
            text = text + "x" * (lo - len(text))
        return text[:hi]


_PATTERN_CACHE: dict[str, str] = {}


def _literal_prefix(pattern: str) -> str | None:
    body = pattern[1:] if pattern.startswith("^") else None
    if body is None or any(ch in body for ch in "\\.[]()*+?{}|$"):
        return None
    return body


Generator.matching = lambda self, pattern, schema: _matching(pattern, schema)  # type: ignore[attr-defined]


def _matching(pattern: str, schema: dict[str, Any]) -> str:
    """A string matching ``pattern``: a literal ``^prefix`` extended, else one hypothesis example."""
    prefix = _literal_prefix(pattern)
    if prefix is not None:
        return prefix + "/x"
    if pattern not in _PATTERN_CACHE:
        import warnings

        from hypothesis import strategies as st
        from hypothesis.errors import NonInteractiveExampleWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NonInteractiveExampleWarning)
            _PATTERN_CACHE[pattern] = st.from_regex(pattern, fullmatch=False).example()
    return _PATTERN_CACHE[pattern]


def inject_fault(value: Any, rng: random.Random) -> tuple[Any, bool]:
    """One fault somewhere in ``value``: a scalar's type changed. Returns (copy, injected?)."""
    out = copy.deepcopy(value)
    spots: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, (str, int, float, bool)):
                    spots.append((node, k))
                walk(v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, (str, int, float, bool)):
                    spots.append((node, i))
                walk(v)

    walk(out)
    if not spots:
        return out, False
    holder, key = rng.choice(spots)
    old = holder[key]
    holder[key] = {"unexpected": True} if isinstance(old, str) else "unexpected"
    return out, True


def _load(path: Path) -> dict[str, Any]:
    import yaml

    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def operations(doc: dict[str, Any], limit: int) -> list[tuple[str, Any, list[Any]]]:
    """(path, 200 JSON response schema, path parameters) of the first ``limit`` GET operations."""
    out = []
    for path in sorted(doc.get("paths") or {}):
        item = doc["paths"][path] or {}
        get = item.get("get")
        if not isinstance(get, dict):
            continue
        content = ((get.get("responses") or {}).get("200") or {}).get("content") or {}
        schema = (content.get("application/json") or {}).get("schema")
        if schema is not None:
            params = [*(item.get("parameters") or []), *(get.get("parameters") or [])]
            out.append((path, schema, params))
    return out[:limit]


def server_url(doc: dict[str, Any]) -> str:
    servers = doc.get("servers") or [{"url": "https://api.example.com"}]
    url = str(servers[0].get("url", ""))
    for name, var in (servers[0].get("variables") or {}).items():
        url = url.replace("{" + name + "}", str(var.get("default", "")))
    return url.rstrip("/") if "://" in url else "https://api.example.com" + url.rstrip("/")


def concrete_path(gen: Generator, path: str, params: list[Any]) -> str:
    for param in params:
        param = gen.deref(param)
        if isinstance(param, dict) and param.get("in") == "path":
            value = gen.gen(param.get("schema") or {"type": "string"})
            text = str(value).lower() if isinstance(value, bool) else str(value)
            path = path.replace("{" + str(param.get("name")) + "}", text or "x")
    return path


def write_recordings(doc: dict[str, Any], n: int, ops: int, seed: int, out_dir: Path) -> tuple[Path, Path, int]:
    rng = random.Random(seed)
    gen = Generator(doc, rng)
    chosen = operations(doc, ops)
    base = server_url(doc)
    good, bad = out_dir / "conforming.jsonl", out_dir / "drifted.jsonl"
    injected = 0
    with good.open("w", encoding="utf-8") as g, bad.open("w", encoding="utf-8") as b:
        for i in range(n):
            path, schema, params = chosen[i % len(chosen)]
            url = base + concrete_path(gen, path, params)
            payload = gen.gen(schema)
            drifted, hit = inject_fault(payload, rng)
            injected += hit
            for fh, body in ((g, payload), (b, drifted)):
                fh.write(json.dumps({
                    "id": f"b{i:07d}", "started_at": 1_700_000_000 + i, "duration_ms": 1.0,
                    "request": {"method": "GET", "url": url, "headers": [["authorization", "[REDACTED]"]],
                                "body": {"kind": "empty"}},
                    "response": {"status": 200, "headers": [["content-type", "application/json"]],
                                 "body": {"kind": "json", "media_type": "application/json", "json": body}},
                }, separators=(",", ":")) + "\n")
    return good, bad, injected


# -- measuring --------------------------------------------------------------------------------------------


def measured(argv: list[str]) -> dict[str, Any]:
    """Run a child; wall, CPU (user+sys) and peak RSS from its own rusage (``os.wait4``); its last
    stdout line as JSON when it prints one."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
    result: dict[str, Any] = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                              "rss_mb": usage.ru_maxrss / 1024, "code": code}
    lines = text.strip().splitlines()
    if lines and lines[-1].startswith("{"):
        with contextlib.suppress(ValueError):
            result["out"] = json.loads(lines[-1])
    if code not in (0, 1):
        result["error"] = errors[-2000:]
    return result


def run_child(code: str, *args: str) -> dict[str, Any]:
    return measured([sys.executable, "-c", code, *args])


OPENAPI_CORE = r"""
import json, sys, time
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from contractdrift.store.reader import RecordingReader
from contractdrift.spec.load import load_spec
spec = load_spec(sys.argv[1]).data
api = OpenAPI.from_dict(spec)
rejected = 0
n = 0
for ex in RecordingReader(sys.argv[2], warn=False):
    n += 1
    scheme, _, path = ex.request.url.partition("://")
    host, _, rest = path.partition("/")
    req = MockRequest(scheme + "://" + host, ex.request.method.lower(), "/" + rest)
    body = json.dumps(ex.response.body.json).encode()
    resp = MockResponse(body, status_code=ex.response.status, content_type="application/json")
    try:
        api.validate_response(req, resp)
    except Exception:
        rejected += 1
print(json.dumps({"n": n, "rejected": rejected}))
"""

READ_ROUTE = r"""
import json, sys
from contractdrift.compare.traffic import SpecChecker
from contractdrift.model import split_url
from contractdrift.store.reader import RecordingReader
checker = SpecChecker(sys.argv[1])
routes = checker.routes
n = hits = bodies = 0
for ex in RecordingReader(sys.argv[2], warn=False).views():  # check's read path
    n += 1
    hits += routes.match(split_url(ex.request.url)[0]) is not None
    bodies += ex.response is not None and ex.response.body.json is not None  # the JSON check validates
print(json.dumps({"n": n, "routed": hits, "bodies": bodies}))
"""

# ``check`` as a whole process, with jsonschema-rs's validators wrapped so that the time spent inside
# them (the payloads it validates, with the callbacks its schema makes into Python) is summed: that
# validation alone, added to the read+route floor, bounds what any check on this stack could reach.
VALIDATION_TIME = r"""
import json, sys, time
import jsonschema_rs
from contractdrift.cli import main

spent = [0.0, 0, 0.0]
real = jsonschema_rs.Draft202012Validator


class Timed:
    def __init__(self, *args, **kwargs):
        start = time.process_time()
        self.inner = real(*args, **kwargs)
        spent[2] += time.process_time() - start

    def is_valid(self, instance):
        start = time.process_time()
        try:
            return self.inner.is_valid(instance)
        finally:
            spent[0] += time.process_time() - start
            spent[1] += 1


jsonschema_rs.Draft202012Validator = Timed
code = main(["check", sys.argv[2], "--spec", sys.argv[1], "--format", "json", "-o", sys.argv[3]])
print(json.dumps({"code": code, "seconds": spent[0], "calls": spent[1], "compile": spent[2]}))
"""

FLAGGED = r"""
import json, sys
from contractdrift.compare.traffic import SpecChecker
from contractdrift.model import Severity
from contractdrift.store.reader import RecordingReader
checker = SpecChecker(sys.argv[1])
flagged = 0
rules = {}
for ex in RecordingReader(sys.argv[2], warn=False):
    found = [f for f in checker.check(ex) if f.severity >= Severity.WARN]
    flagged += bool(found)
    for f in found:
        rules[f.rule_id] = rules.get(f.rule_id, 0) + 1
print(json.dumps({"flagged": flagged, "rules": rules}))
"""


def bench(name: str, spec: Path, args: argparse.Namespace, report: Callable[[str], None]) -> dict[str, Any]:
    doc = _load(spec)
    with tempfile.TemporaryDirectory() as tmp:
        good, bad, injected = write_recordings(doc, args.n, args.ops, args.seed, Path(tmp))
        n = args.n
        out: dict[str, Any] = {"spec": name, "exchanges": n, "operations": len(operations(doc, args.ops))}
        cd = measured([sys.executable, "-m", "contractdrift", "check", str(good), "--spec", str(spec),
                       "--format", "json", "-o", str(Path(tmp) / "report.json")])
        out["contractdrift"] = cd
        cd_drift = measured([sys.executable, "-m", "contractdrift", "check", str(bad), "--spec", str(spec),
                             "--format", "json", "-o", str(Path(tmp) / "report-drift.json")])
        out["contractdrift_drifted"] = cd_drift
        one = Path(tmp) / "one.jsonl"
        with good.open("rb") as fh:
            one.write_bytes(fh.readline())
        out["fixed"] = measured([sys.executable, "-m", "contractdrift", "check", str(one), "--spec", str(spec),
                                 "--format", "json", "-o", str(Path(tmp) / "report-one.json")])
        rr = run_child(READ_ROUTE, str(spec), str(good))
        out["read_route"] = rr
        out["validation"] = run_child(VALIDATION_TIME, str(spec), str(good), str(Path(tmp) / "report-timed.json"))
        out["false_rejections"] = run_child(FLAGGED, str(spec), str(good)).get("out")
        out["caught"] = run_child(FLAGGED, str(spec), str(bad)).get("out")
        out["injected"] = injected
        if not args.no_openapi_core:
            oc = run_child(OPENAPI_CORE, str(spec), str(good))
            out["openapi_core"] = oc
            out["openapi_core_drifted"] = run_child(OPENAPI_CORE, str(spec), str(bad))
    rate = lambda r: n / r["cpu"] if r.get("cpu") else float("nan")  # noqa: E731
    report(f"\n== {name}: {n} GET responses over {out['operations']} operations ==")
    for label, key in (("contractdrift check (whole process)", "contractdrift"),
                       ("read + route alone", "read_route"), ("openapi-core", "openapi_core")):
        r = out.get(key)
        if r is None:
            continue
        if "error" in r:
            report(f"  {label:<38} FAILED: {r['error'].strip().splitlines()[-1] if r['error'].strip() else r}")
            continue
        report(f"  {label:<38} {rate(r):>10,.0f} exchanges/CPU-s  ({r['cpu']:.2f} s CPU, {r['wall']:.2f} s wall, "
               f"peak {r['rss_mb']:.0f} MB)")
    fixed = out["fixed"]
    if "error" not in fixed and "error" not in out["contractdrift"]:
        per = out["contractdrift"]["cpu"] - fixed["cpu"]
        out["per_exchange_rate"] = (n - 1) / per if per > 0 else float("nan")
        report(f"  {'fixed cost (1-exchange recording)':<38} {fixed['cpu']:>10.2f} s CPU  (peak {fixed['rss_mb']:.0f} MB)")
        report(f"  {'check per exchange, fixed cost apart':<38} {out['per_exchange_rate']:>10,.0f} exchanges/CPU-s")
    fr = out["false_rejections"] or {}
    caught = out["caught"] or {}
    report(f"  contractdrift false rejections (conforming set): {fr.get('flagged')} of {n} {fr.get('rules') or ''}")
    report(f"  contractdrift drifted exchanges caught: {caught.get('flagged')} of {out['injected']} injected faults")
    if "openapi_core" in out and "out" in out["openapi_core"]:
        oc_rej = out["openapi_core"]["out"]["rejected"]
        report(f"  openapi-core false rejections (conforming set): {oc_rej} of {n} ({100 * oc_rej / n:.1f}%)")
        drift = out["openapi_core_drifted"].get("out", {})
        report(f"  openapi-core drifted exchanges rejected: {drift.get('rejected')} of {out['injected']}")
        ratio = rate(out["contractdrift"]) / rate(out["openapi_core"])
        out["ratio"] = ratio
        report(f"  ratio contractdrift / openapi-core: {ratio:.1f}x (goal >= 50x)")
    floor = rate(out["contractdrift"]) / rate(out["read_route"])
    out["share_of_read_route"] = floor
    report(f"  contractdrift rate / read+route rate: {floor:.2f} (goal >= 0.5)")
    timed = out["validation"].get("out") or {}
    if "seconds" in timed and "error" not in out["read_route"]:
        # Any check on this stack reads and routes every exchange and validates its payload: with
        # nothing else (no spec translation, no compile, no bookkeeping, no report) its CPU is the sum.
        bound = out["read_route"]["cpu"] + timed["seconds"] + timed["compile"]
        out["floor_cpu"] = bound
        report(f"  {'jsonschema-rs validation inside check':<38} {timed['seconds']:>10.2f} s CPU  "
               f"({timed['calls']:,} payloads, {1e6 * timed['seconds'] / max(1, timed['calls']):.1f} µs each; "
               f"compiling its schema {timed['compile']:.2f} s)")
        report(f"  {'floor: read+route + that validation':<38} {n / bound:>10,.0f} exchanges/CPU-s")
        if "openapi_core" in out and "error" not in out["openapi_core"]:
            out["floor_ratio"] = rate(out["openapi_core"]) and (n / bound) / rate(out["openapi_core"])
            report(f"  ratio the floor / openapi-core: {out['floor_ratio']:.1f}x (the most any check on this "
                   f"stack reaches here)")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="exchanges per spec (default 10000)")
    parser.add_argument("--ops", type=int, default=30, help="GET operations to use (default 30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--specs", nargs="+", default=list(SPECS), choices=list(SPECS))
    parser.add_argument("--no-openapi-core", action="store_true", help="skip openapi-core")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--no-precompile", action="store_true",
                        help="do not byte-compile contractdrift first (children compile it from source)")
    args = parser.parse_args()
    missing = [name for name in args.specs if not SPECS[name].exists()]
    if missing:
        print(f"corpus not found for {missing} (expected under {CORPUS})", file=sys.stderr)
        return 2
    if not args.no_openapi_core:
        try:
            import openapi_core  # noqa: F401
        except ImportError:
            print("openapi-core is not installed: pip install -e '.[bench]' (or pass --no-openapi-core)",
                  file=sys.stderr)
            return 2
    if not args.no_precompile:
        import compileall

        compileall.compile_dir(str(ROOT / "contractdrift"), quiet=1)
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores shared: CPU-seconds are the fairer figure)")
    results = [bench(name, SPECS[name], args, print) for name in args.specs]
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
