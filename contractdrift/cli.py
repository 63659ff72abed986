"""Command line: parse, call :mod:`contractdrift.api`, render, exit. Nothing else.

Exit codes: 0 nothing at/above ``--fail-on``; 1 findings at/above it; 2 bad input or usage.
Each sub-command registers itself in :func:`build_parser` and has one ``_cmd_*`` handler.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

from . import __version__
from .errors import ContractDriftError

Handler = Callable[[argparse.Namespace], int]
Subparsers: TypeAlias = "argparse._SubParsersAction[Any]"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


_ORDER = ("diff", "check", "validate", "rules", "record", "import_har", "export_har", "infer")


def _command_rank(register: Callable[[Subparsers], None]) -> int:
    """Help lists the main job first, then the data flow."""
    name = register.__name__.removeprefix("_add_")
    return _ORDER.index(name) if name in _ORDER else len(_ORDER)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="contractdrift",
                     description="Find contract drift between HTTP services, their clients and their OpenAPI specs.")
    parser.add_argument("--version", action="version", version=f"contractdrift {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub: Subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for register in sorted(_REGISTRY, key=_command_rank):
        register(sub)
    return parser


# --- sub-commands: each `_add_*` registers a parser and sets `handler` -------------------------

_REGISTRY: list[Callable[[Subparsers], None]] = []


def _add_record(sub: Subparsers) -> None:
    p = sub.add_parser(
        "record",
        help="run a recording reverse proxy in front of a service",
        description="Forward every request received on --listen to --upstream unchanged (streaming "
        "both ways) and append each exchange, redacted, to a JSON Lines recording. Stop with "
        "Ctrl-C or SIGTERM: in-flight requests finish, everything is flushed, statistics are printed.",
    )
    p.add_argument("--upstream", required=True, metavar="URL", help="service to forward to, e.g. http://127.0.0.1:8000")
    p.add_argument("--listen", default="127.0.0.1:8080", metavar="HOST:PORT",
                   help="address to accept clients on (default 127.0.0.1:8080; port 0 picks a free one)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="recording to append to (.jsonl, .jsonl.gz)")
    p.add_argument("--sample-rate", type=float, default=1.0, metavar="R", help="fraction of exchanges to record (0..1)")
    p.add_argument("--max-body-bytes", type=int, default=1 << 20, metavar="N",
                   help="keep at most N bytes per body; larger bodies are recorded truncated with their size")
    p.add_argument("--no-redact", action="store_true", help="record secrets as they are (default: redact)")
    p.add_argument("--redact-keep", action="append", default=[], metavar="CATEGORY",
                   help="record this kind of value in clear, e.g. emails, phones for synthetic data (repeatable; "
                   "card numbers are always redacted)")
    p.add_argument("--tag", dest="tags", action="append", default=[], metavar="KEY=VALUE",
                   help="tag every exchange (repeatable)")
    p.add_argument("--include-path", dest="include_paths", action="append", default=[], metavar="GLOB",
                   help="record only these paths")
    p.add_argument("--exclude-path", dest="exclude_paths", action="append", default=[], metavar="GLOB",
                   help="do not record these paths")
    p.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS", help="upstream timeout (default 60)")
    p.add_argument("--preserve-host", action="store_true", help="send the client's Host header upstream")
    p.add_argument("--rotate-bytes", type=int, default=None, metavar="N",
                   help="start a new file once the recording reaches N bytes (rotated files are read back "
                        "as one recording: pass the directory or a glob to infer/check)")
    p.set_defaults(handler=_cmd_record)


def _cmd_record(args: argparse.Namespace) -> int:
    from . import api
    from .errors import UsageError

    tags: dict[str, str] = {}
    for item in args.tags:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--tag {item!r}: expected KEY=VALUE")
        tags[key] = value

    def started(address: str) -> None:
        print(f"contractdrift: recording {address} -> {args.upstream} into {args.output} "
              "(Ctrl-C or SIGTERM to stop)", file=sys.stderr, flush=True)

    stats = api.run_recording_proxy(
        args.upstream, args.listen, args.output,
        sample_rate=args.sample_rate, max_body_bytes=args.max_body_bytes, redact=not args.no_redact,
        tags=tags, include_paths=args.include_paths, exclude_paths=args.exclude_paths,
        timeout=args.timeout, preserve_host=args.preserve_host, on_started=started,
        redact_keep=args.redact_keep,
        rotate_bytes=args.rotate_bytes,
    )
    print(
        f"contractdrift: recorded {stats.recorded} exchanges into {args.output}; dropped {stats.dropped} "
        f"(sampling {stats.dropped_sampling}, filtered {stats.dropped_filtered}, "
        f"rate-limited {stats.dropped_rate_limited}, queue full {stats.dropped_queue_full}); "
        f"truncated bodies {stats.truncated_bodies}; errors {stats.errors}",
        file=sys.stderr, flush=True,
    )
    if stats.last_error:
        print(f"contractdrift: last recording error: {stats.last_error}", file=sys.stderr)
    return 0


_REGISTRY.append(_add_record)


def _add_validate(sub: Subparsers) -> None:
    p = sub.add_parser(
        "validate",
        help="validate an OpenAPI/Swagger spec with openapi-spec-validator",
        description="Validate SPEC (a file, or a git REF:path such as origin/main:openapi.yaml) with "
        "openapi-spec-validator and print one 'file:line:col: message' line per problem. Remote $refs "
        "are never fetched. Exit 0 when valid, 1 when invalid, 2 when the file cannot be read.",
    )
    p.add_argument("spec", metavar="SPEC", help="spec file or git REF:path")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
    p.set_defaults(handler=_cmd_validate)


def _cmd_validate(args: argparse.Namespace) -> int:
    import json

    from . import api

    problems = api.validate(args.spec)
    if args.format == "json":
        out = {
            "spec": args.spec,
            "valid": not problems,
            "problems": [
                {
                    "message": p.message,
                    "pointer": p.location.pointer,
                    "file": p.location.position.file if p.location.position else p.file,
                    "line": p.location.position.line if p.location.position else None,
                    "col": p.location.position.col if p.location.position else None,
                }
                for p in problems
            ],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            print(problem)
        if not problems:
            print(f"{args.spec}: valid")
    return 1 if problems else 0


_REGISTRY.append(_add_validate)


def _add_import_har(sub: Subparsers) -> None:
    p = sub.add_parser(
        "import-har",
        help="convert a HAR file (or a vcrpy cassette) into a JSON Lines recording",
        description="Read a HAR 1.2 file (browser devtools, mitmproxy, Charles, Proxyman) -- or a vcrpy "
        "YAML cassette with --cassette -- and write its exchanges, redacted, to a JSON Lines recording. "
        "The output is replaced unless --append.",
    )
    p.add_argument("source", metavar="FILE", help="HAR file (.har) or, with --cassette, a vcrpy cassette (.yaml)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="recording to write (.jsonl, .jsonl.gz)")
    p.add_argument("--no-redact", action="store_true", help="keep secrets as they are (default: redact)")
    p.add_argument("--redact-keep", action="append", default=[], metavar="CATEGORY",
                   help="keep this kind of value in clear, e.g. emails, phones (repeatable)")
    p.add_argument("--append", action="store_true", help="append to the output instead of replacing it")
    p.add_argument("--cassette", action="store_true", help="FILE is a vcrpy YAML cassette")
    p.set_defaults(handler=_cmd_import_har)


def _cmd_import_har(args: argparse.Namespace) -> int:
    from . import api

    run = api.import_cassette if args.cassette else api.import_har
    count = run(args.source, args.output, redact=not args.no_redact, append=args.append,
                redact_keep=args.redact_keep)
    print(f"contractdrift: imported {count} exchanges from {args.source} into {args.output}"
          + ("" if not args.no_redact else " (not redacted)"), file=sys.stderr)
    return 0


_REGISTRY.append(_add_import_har)


def _add_export_har(sub: Subparsers) -> None:
    p = sub.add_parser(
        "export-har",
        help="convert a recording into a HAR 1.2 file",
        description="Read a recording (JSON Lines, gzip, HAR, or a directory of rotated files) and write a "
        "HAR 1.2 file. Damaged lines are skipped and listed on stderr.",
    )
    p.add_argument("source", metavar="RECORDING", help="recording file or directory")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="HAR file to write")
    p.set_defaults(handler=_cmd_export_har)


def _cmd_export_har(args: argparse.Namespace) -> int:
    from . import api

    count, problems = api.export_har(args.source, args.output)
    for problem in problems:
        print(f"contractdrift: warning: skipped {problem}", file=sys.stderr)
    print(f"contractdrift: exported {count} exchanges from {args.source} into {args.output}", file=sys.stderr)
    return 0


_REGISTRY.append(_add_export_har)


def _add_infer(sub: Subparsers) -> None:
    p = sub.add_parser(
        "infer",
        help="infer an OpenAPI document (or JSON Schemas) from recorded traffic",
        description="Read recordings (JSON Lines, gzip, HAR, directories) and/or saved summaries, infer "
        "what each operation accepts and returns, and write an OpenAPI 3.1 document (3.0 with --openapi "
        "3.0) with evidence under x-contractdrift, or one JSON Schema per operation and side. With --spec "
        "URLs map to its path templates; --template overrides both spec and heuristics.",
    )
    p.add_argument("sources", nargs="+", metavar="RECORDING",
                   help="recording file/directory, or a summary written with --save-summary")
    p.add_argument("--spec", metavar="SPEC", help="OpenAPI spec whose path templates to use")
    p.add_argument("--template", dest="templates", action="append", default=[], metavar="T",
                   help="path template to use, e.g. '/users/{id}' (repeatable)")
    p.add_argument("--openapi", choices=("3.1", "3.0"), default="3.1", help="OpenAPI version (default 3.1)")
    p.add_argument("--format", choices=("openapi", "json-schema"), default="openapi", help="output kind")
    p.add_argument("-o", "--output", metavar="FILE", help="output file (.json for JSON, else YAML; default stdout)")
    p.add_argument("--save-summary", metavar="FILE", help="also write the mergeable summary (JSON)")
    p.add_argument("--required-ratio", type=float, default=None, metavar="R",
                   help="required when present in at least this share of objects (default 1.0)")
    p.add_argument("--enum-max-values", "--enum-max", dest="enum_max_values", type=int, default=None, metavar="N",
                   help="most distinct values for an enum")
    p.add_argument("--enum-exclude", "--no-enum", dest="enum_exclude", action="append", default=[], metavar="FIELD",
                   help="never infer an enum for this property name or pointer (repeatable)")
    p.add_argument("--bounds", action="store_true", help="emit minimum/maximum and length bounds")
    p.add_argument("--skip-damaged", action="store_true",
                   help="skip damaged recording lines with a warning instead of failing")
    _scale_options(p)
    p.set_defaults(handler=_cmd_infer)


def _scale_options(p: argparse.ArgumentParser) -> None:
    """--jobs / --dask / --unit-size: how a recording is cut into units and who folds them."""
    p.add_argument("--jobs", "-j", default="1", metavar="N",
                   help="worker processes: a number or 'auto' (every CPU); the result does not depend on it "
                        "(default 1)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' for a "
                        "LocalCluster (needs the dask extra). Recordings may be fsspec URLs (s3://..., file://...) "
                        "with or without it")
    p.add_argument("--unit-size", default=None, metavar="BYTES",
                   help="size of the units large recordings are cut into (default 32M; K, M, G suffixes): "
                        "byte ranges of JSON Lines, gzip members of contractdrift's own .gz files")


def _parse_size(text: str | None) -> int | None:
    from .errors import UsageError

    if text is None:
        return None
    t = text.strip().upper().removesuffix("B")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(t[-1:], 1)
    digits = t[:-1] if t[-1:] in ("K", "M", "G") else t
    if not digits.isdigit() or int(digits) < 1:
        raise UsageError(f"--unit-size {text!r}: expected a positive size such as 65536, 512K or 32M")
    return int(digits) * scale


class _Progress:
    """A one-line exchange counter on stderr (only when stderr is a terminal)."""

    def __init__(self) -> None:
        import time

        self.start = time.monotonic()
        self.shown = False

    def __call__(self, n: int) -> None:
        import time

        if n < 20_000 and not self.shown:
            return
        rate = n / max(time.monotonic() - self.start, 1e-6)
        sys.stderr.write(f"\rcontractdrift infer: {n:,} exchanges ({rate:,.0f}/s)")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _cmd_infer(args: argparse.Namespace) -> int:
    import json
    import warnings

    import yaml

    from . import api
    from .errors import InputError

    options: dict[str, float | int | bool | frozenset[str]] = {}
    if args.required_ratio is not None:
        options["required_ratio"] = args.required_ratio
    if args.enum_max_values is not None:
        options["enum_max_values"] = args.enum_max_values
    if args.enum_exclude:
        options["enum_exclude"] = frozenset(args.enum_exclude)
    if args.bounds:
        options["bounds"] = True
    progress = _Progress() if sys.stderr.isatty() else None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            inferred = api.infer_files(args.sources, spec=args.spec, templates=args.templates, progress=progress,
                                       skip_damaged=args.skip_damaged, jobs=args.jobs, dask=args.dask,
                                       unit_size=_parse_size(args.unit_size), options=api.infer_options(**options))
    finally:
        if progress is not None:
            progress.done()
    for w in caught:
        print(f"contractdrift: warning: {w.message}", file=sys.stderr)
    if args.save_summary:
        try:
            with open(args.save_summary, "w", encoding="utf-8") as fh:
                fh.write(inferred.to_json())
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", file=args.save_summary) from None
    doc = inferred.to_json_schemas() if args.format == "json-schema" else inferred.to_openapi(args.openapi)
    if args.output and args.output.endswith(".json"):
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", file=args.output) from None
        ops = len(doc.get("paths", doc)) if isinstance(doc, dict) else 0
        print(f"contractdrift: inferred {ops} path(s) from {inferred.exchanges} exchanges into {args.output}",
              file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


_REGISTRY.append(_add_infer)


def _add_diff(sub: Subparsers) -> None:
    p = sub.add_parser("diff", help="breaking changes between two versions of an OpenAPI description",
                       description="Compare two versions of an API description (paths or git REF:path) and "
                                   "report what breaks which clients. Exit 0: nothing at/above --fail-on; "
                                   "1: findings at/above it; 2: bad input.")
    p.add_argument("base", help="old version: a file path or git REF:path (e.g. origin/main:openapi.yaml)")
    p.add_argument("revision", help="new version: a file path or git REF:path")
    _output_options(p)
    _policy_options(p)
    p.add_argument("--match-path", metavar="REGEX", help="only compare paths matching this regex")
    p.add_argument("--exclude-extension", dest="exclude_extensions", metavar="X", action="append", default=[],
                   help="skip operations and path items carrying this extension (e.g. x-internal); repeatable")
    p.add_argument("--deprecation-days", type=int, metavar="N",
                   help="deprecations need an x-sunset at least N days away")
    p.add_argument("--validate", action="store_true",
                   help="also validate both specs (openapi-spec-validator); problems become warnings")
    p.add_argument("--allow-remote-refs", action="store_true", help="fetch http(s) $refs (off by default)")
    p.add_argument("--strict-refs", action="store_true",
                   help="a broken $ref is an error (exit 2) instead of a warning")
    p.add_argument("--group", choices=("change", "none"), default="change",
                   help="change (default): one finding per change, listing every operation, side, status, "
                        "media type and payload path it reaches, fingerprinted on the change; none: one "
                        "finding per place (per-operation fingerprints)")
    p.add_argument("--traffic", nargs="+", metavar="RECORDING", default=None,
                   help="recordings (JSON Lines, globs, HAR, cassettes): each finding says how much recorded "
                        "traffic it touches (matched to the base spec as `check` does); ordered by it")
    p.add_argument("--fail-on-observed", action="store_true",
                   help="with --traffic: only findings that recorded traffic exercises count for --fail-on")
    p.set_defaults(handler=_cmd_diff)


def _output_options(p: argparse.ArgumentParser) -> None:
    from .report import FORMATS

    p.add_argument("--format", "-f", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour text output (default: auto, on a terminal)")


def _emit(args: argparse.Namespace, chunks: Iterable[str]) -> None:
    """Write rendered chunks to ``--output`` (its directory created) or stdout as they come (large
    reports stream)."""
    if args.output:
        try:
            import os

            os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
            with open(args.output, "w", encoding="utf-8") as out:
                out.writelines(chunks)
        except OSError as exc:
            from .errors import InputError

            raise InputError(f"cannot write the report: {exc.strerror or exc}", file=args.output) from None
    else:
        sys.stdout.writelines(chunks)
        sys.stdout.flush()


def _use_color(args: argparse.Namespace) -> bool:
    import os

    if args.color == "always":
        return True
    if args.color == "never" or args.output or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _policy_options(p: argparse.ArgumentParser) -> None:
    """What every command that reports findings shares: gate, filter, ignore file, config, severities."""
    p.add_argument("--fail-on", choices=("error", "warn", "info"), default=None,
                   help="exit 1 when a finding is at or above this severity (default: error; also the "
                        "JUnit failure threshold)")
    p.add_argument("--level", choices=("error", "warn", "info"), default=None,
                   help="show findings at or above this severity (default: info)")
    p.add_argument("--ignore", metavar="FILE", help="ignore file: fingerprints to suppress (optionally 'until DATE')")
    p.add_argument("--config", metavar="FILE", help="TOML config (default: [tool.contractdrift] in ./pyproject.toml)")
    p.add_argument("--severity", action="append", default=[], metavar="RULE=LEVEL",
                   help="override a rule's severity: error, warn, info or off (repeatable; wins over the "
                        "config's [severity] table)")


def _severity(cfg: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The config's [severity] table with the --severity flags on top (unknown rule ids fail)."""
    from . import api
    from .config import parse_severity_flags

    return {**cfg.severity, **parse_severity_flags(args.severity, api.rules())}


def _cmd_diff(args: argparse.Namespace) -> int:
    from . import api
    from .model import Severity
    from .report import DEFAULT_FAIL_ON, iter_render

    if args.fail_on_observed and args.traffic is None:
        from .errors import UsageError

        raise UsageError("--fail-on-observed needs --traffic RECORDING...")
    cfg = api.load_settings(args.config)
    severity = _severity(cfg, args)
    fail_on = Severity.parse(args.fail_on) if args.fail_on else (cfg.fail_on or DEFAULT_FAIL_ON)
    level = Severity.parse(args.level) if args.level else cfg.level
    report = api.diff_specs(
        args.base, args.revision,
        validate=args.validate, allow_remote_refs=args.allow_remote_refs,
        deprecation_days=args.deprecation_days if args.deprecation_days is not None else cfg.deprecation_days,
        match_path=args.match_path or cfg.match_path,
        exclude_extensions=tuple(args.exclude_extensions) or cfg.exclude_extensions,
        severity=severity, ignore=args.ignore or cfg.ignore_file, level=level, strict_refs=args.strict_refs,
        group=args.group, traffic=args.traffic,
    )
    _emit(args, iter_render(report, args.format, rules=api.rules(), color=_use_color(args), fail_on=fail_on))
    return api.diff_exit_code(report, fail_on, observed_only=args.fail_on_observed)


_REGISTRY.append(_add_diff)


def _add_check(sub: Subparsers) -> None:
    p = sub.add_parser(
        "check", help="check recorded traffic against the published spec",
        description="Check recorded exchanges (JSON Lines plain or gzip, rotated sets, directories, globs, HAR "
                    "files, vcrpy cassettes, or - for JSON Lines on stdin) against an OpenAPI spec (a path or git "
                    "REF:path): every parity break as one finding per rule, operation, side, status, media type "
                    "and payload location, with counts, examples and the spec's file:line, plus which documented "
                    "operations, statuses and media types the traffic exercised. Exit 0: nothing at/above "
                    "--fail-on; 1: findings at/above it; 2: bad input.")
    p.add_argument("traffic", nargs="*", metavar="TRAFFIC", help="recording(s), HAR, cassette(s), globs, or -")
    p.add_argument("--spec", metavar="SPEC", help="the published spec: a file or git REF:path (required unless "
                   "TRAFFIC is checked against --expect only)")
    _expect_options(p)
    _output_options(p)
    _policy_options(p)
    p.add_argument("--base-path", action="append", default=None, metavar="PATH",
                   help="base path the API is served under (overrides the spec's servers; repeatable)")
    p.add_argument("--trailing-slash", choices=("lenient", "strict"), default="lenient",
                   help="lenient (default): /pets/ matches /pets, with an info finding; strict: it does not")
    p.add_argument("--undocumented", choices=("off", "info", "warn"), default="warn",
                   help="report response properties the spec does not describe (default: warn)")
    p.add_argument("--nullable", choices=("lenient", "strict"), default="lenient",
                   help="lenient (default): 3.0 nullable beside anyOf/oneOf/allOf/$ref/enum admits null; "
                        "strict: the 3.0.3 reading (only beside an explicit type; an enum must list null)")
    p.add_argument("--no-formats", action="store_true", help="do not check string formats (date-time, uuid, ...)")
    p.add_argument("--skip-damaged", action="store_true",
                   help="skip damaged recording lines with a warning instead of failing")
    p.add_argument("--allow-remote-refs", action="store_true", help="fetch http(s) $refs (off by default)")
    _scale_options(p)
    p.set_defaults(handler=_cmd_check)


class _ProgressBar:
    """tqdm on stderr when it is a terminal and tqdm is installed (the ``progress`` extra); else nothing."""

    def __init__(self) -> None:
        self.bar: Any = None
        if not sys.stderr.isatty():
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self.bar = tqdm(unit=" exchanges", desc="contractdrift check", file=sys.stderr, leave=False,
                        mininterval=0.5, unit_scale=True)
        self.done = 0

    def __call__(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n - self.done)
            self.done = n

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _expect_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--expect", metavar="PATH", action="append", default=[],
                   help="client expectations: a Pact file (V1-V4), a JSON Schema expectations file, a client's "
                        "copy of the spec, or a directory of them; repeatable. Without TRAFFIC: checked against "
                        "--spec (requests the client sends vs what the spec accepts, responses the spec allows "
                        "vs what the client accepts)")
    p.add_argument("--pact-broker", metavar="URL", help="fetch the provider's pacts from this Pact Broker "
                   "(credentials: PACT_BROKER_TOKEN, or PACT_BROKER_USERNAME and PACT_BROKER_PASSWORD)")
    p.add_argument("--provider", metavar="NAME", help="the provider's name on the Pact Broker")
    p.add_argument("--consumer-version-tag", metavar="TAG", action="append", default=[],
                   help="broker: the latest pact of each consumer version with this tag; repeatable")
    p.add_argument("--branch", metavar="NAME", help="broker: the pacts of consumer versions on this branch")
    p.add_argument("--latest", action="store_true", help="broker: only the latest pact of each consumer")


def _load_expectations(args: argparse.Namespace) -> Any:
    from . import api

    loaded = None
    if args.expect:
        loaded = api.load_expectations(args.expect)
    if args.pact_broker:
        broker = api.load_expectations(args.pact_broker, provider=args.provider,
                                       consumer_version_tags=args.consumer_version_tag, branch=args.branch,
                                       latest=args.latest)
        loaded = broker if loaded is None else loaded + broker
    return loaded


def _check_expectations(args: argparse.Namespace) -> int:
    """``check --spec SPEC --expect PACT`` (no traffic): the expectations against the spec."""
    from . import api
    from .model import Severity
    from .report import iter_render

    cfg = api.load_settings(args.config)
    fail_on = Severity.parse(args.fail_on) if args.fail_on else (cfg.fail_on or Severity.ERROR)
    level = Severity.parse(args.level) if args.level else cfg.level
    report = api.check_expectations(args.spec, _load_expectations(args), severity=_severity(cfg, args),
                                    ignore=args.ignore or cfg.ignore_file, level=level,
                                    allow_remote_refs=args.allow_remote_refs)
    _emit(args, iter_render(report, args.format, rules=api.rules(), color=_use_color(args), fail_on=fail_on))
    return report.exit_code(fail_on)


def _cmd_check(args: argparse.Namespace) -> int:
    from . import api
    from ._gcpause import _frozen_heap
    from .errors import UsageError
    from .model import Severity
    from .report import iter_render

    expect = None
    if args.expect or args.pact_broker:
        if not args.traffic:
            if not args.spec:
                raise UsageError("check --expect without TRAFFIC needs --spec SPEC")
            return _check_expectations(args)
        expect = _load_expectations(args)
    elif not args.traffic:
        raise UsageError("check needs TRAFFIC (recordings) or --expect PATH / --pact-broker URL")
    elif not args.spec:
        raise UsageError("check TRAFFIC needs --spec SPEC (or --expect PATH to check against client expectations)")
    cfg = api.load_settings(args.config)
    fail_on = Severity.parse(args.fail_on) if args.fail_on else (cfg.fail_on or Severity.ERROR)
    level = Severity.parse(args.level) if args.level else cfg.level
    bar = _ProgressBar()
    try:
        report = api.check(
            args.traffic, args.spec, expect, severity=_severity(cfg, args), ignore=args.ignore or cfg.ignore_file, level=level,
            strict=not args.skip_damaged, progress=bar if bar.bar is not None else None,
            allow_remote_refs=args.allow_remote_refs, base_path=args.base_path, trailing_slash=args.trailing_slash,
            undocumented=args.undocumented, nullable=args.nullable, formats=not args.no_formats,
            jobs=args.jobs, dask=args.dask, unit_size=_parse_size(args.unit_size),
        )
    finally:
        bar.close()
    with _frozen_heap():  # rendering allocates; no collection need walk the spec and the checker
        _emit(args, iter_render(report, args.format, rules=api.rules(), color=_use_color(args), fail_on=fail_on))
    return report.exit_code(fail_on)


_REGISTRY.append(_add_check)


def _add_rules(sub: Subparsers) -> None:
    p = sub.add_parser("rules", help="print the rule catalogue",
                       description="Print every rule: id, default severity, side and message template.")
    p.add_argument("--format", "-f", choices=("text", "json", "markdown"), default="text")
    p.add_argument("--family", metavar="NAME", default=None,
                   help="only the rules of one family (diff; check, expect, parity once their drivers exist)")
    p.set_defaults(handler=_cmd_rules)


def _cmd_rules(args: argparse.Namespace) -> int:
    from . import api
    from .report.catalogue import catalogue_json, catalogue_markdown, catalogue_text

    render = {"text": catalogue_text, "json": catalogue_json, "markdown": catalogue_markdown}[args.format]
    sys.stdout.write(render(api.rules(getattr(args, "family", None))))
    return 0


_REGISTRY.append(_add_rules)


def _add_replay(sub: Subparsers) -> None:
    p = sub.add_parser(
        "replay",
        help="replay recorded requests against a candidate build (and a control), safe by default",
        description="Send each recorded request to --target (and to --control, a second instance of the "
        "build that produced the recording) and write the answers, redacted, as exchanges linked to the "
        "recorded ones. Safe by default: only GET, HEAD and OPTIONS unless --allow-methods; only the "
        "hosts given (redirects are not followed); --rate and --concurrency limits; credentials the "
        "recorder redacted are never sent masked: supply them with --header, or such requests are "
        "reported as not replayable. Ctrl-C stops and keeps what was replayed. Compare with "
        "`contractdrift parity`.",
    )
    p.add_argument("sources", nargs="+", metavar="RECORDING", help="recording file or directory")
    p.add_argument("--target", required=True, metavar="URL", help="the candidate build, e.g. http://127.0.0.1:8001")
    p.add_argument("--control", metavar="URL", help="a second instance of the recorded build (learns the noise)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="where the candidate's answers go (.jsonl)")
    p.add_argument("--control-output", metavar="FILE",
                   help="where the control's answers go (default: OUTPUT with .control before the suffix)")
    p.add_argument("--allow-methods", action="append", default=[], metavar="M,...",
                   help="also replay these methods (e.g. POST,PUT); GET, HEAD and OPTIONS always are")
    p.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                   help="send this header instead of the recorded one of that name (repeatable), "
                        "e.g. --header \"Authorization: Bearer $TOKEN\"")
    p.add_argument("--rate", type=float, metavar="N", help="at most N requests per second per target")
    p.add_argument("--concurrency", type=int, default=4, metavar="N", help="requests in flight (default 4)")
    p.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS", help="per request (default 30)")
    p.add_argument("--max-body-bytes", type=int, default=1 << 20, metavar="N",
                   help="keep at most N bytes per answer body (default 1 MiB)")
    p.add_argument("--no-redact", action="store_true", help="write answers as they are (default: redact)")
    p.add_argument("--append", action="store_true", help="append to the outputs instead of replacing them")
    p.add_argument("--skip-damaged", action="store_true",
                   help="skip damaged recording lines with a warning instead of failing")
    p.set_defaults(handler=_cmd_replay)


class _ReplayProgress:
    """A progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        import time

        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\rcontractdrift replay: [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        sys.stderr.flush()


def _cmd_replay(args: argparse.Namespace) -> int:
    from . import api
    from .errors import UsageError

    headers: list[tuple[str, str]] = []
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header {item!r}: expected 'NAME: VALUE'")
        headers.append((name.strip(), value.strip()))
    methods = {"GET", "HEAD", "OPTIONS"}
    for item in args.allow_methods:
        methods |= {m.strip().upper() for m in item.split(",") if m.strip()}
    progress = _ReplayProgress() if sys.stderr.isatty() else None
    try:
        stats = api.replay(
            args.sources, args.target, args.output, control=args.control, control_output=args.control_output,
            methods=methods, rate=args.rate, concurrency=args.concurrency, timeout=args.timeout, headers=headers,
            redact=not args.no_redact, max_body_bytes=args.max_body_bytes, append=args.append,
            skip_damaged=args.skip_damaged, progress=progress,
        )
    finally:
        if progress is not None:
            sys.stderr.write("\n")
    for warning in stats.warnings:
        print(f"contractdrift: warning: {warning}", file=sys.stderr)
    where = args.output + (f" (control: {args.control_output or 'next to it'})" if args.control else "")
    print(f"contractdrift: replayed {stats.replayed} of {stats.read} exchanges into {where}; "
          f"skipped {stats.skipped_method} (method not allowed), {stats.not_replayable} not replayable; "
          f"{stats.errors} requests without a response", file=sys.stderr)
    for reason, n in sorted(stats.reasons.items()):
        print(f"contractdrift: not replayable: {n} x {reason} (e.g. exchange {stats.examples[reason]})",
              file=sys.stderr)
    if stats.interrupted:
        print("contractdrift: interrupted; what was replayed so far is written", file=sys.stderr)
        return 130
    return 0


_REGISTRY.append(_add_replay)


def _add_parity(sub: Subparsers) -> None:
    p = sub.add_parser(
        "parity",
        help="compare a candidate build's answers with the recorded ones, value by value",
        description="Pair the exchanges of CANDIDATE (e.g. written by `contractdrift replay`) with those of "
        "BASELINE (by replay link, else method, path, query and body) and compare status, content type, "
        "selected headers and bodies value by value. Differences also seen between BASELINE and --control "
        "(two runs of the same build) are noise: reported as such, not as changes. Without a control, "
        "places that differ on most pairs of identical requests in BASELINE are noise. Findings are "
        "aggregated per rule, operation and payload path, with counts and example exchange ids. Exit 0: "
        "nothing at/above --fail-on; 1: findings at/above it; 2: bad input.",
    )
    p.add_argument("baseline", metavar="BASELINE", help="the recorded answers (recording file or directory)")
    p.add_argument("candidate", metavar="CANDIDATE", help="the candidate build's answers")
    p.add_argument("--control", metavar="CONTROL", help="a second run of the recorded build (learns the noise)")
    _output_options(p)
    _policy_options(p)
    p.add_argument("--compare-header", action="append", default=[], metavar="NAME",
                   help="also compare this response header's value (repeatable; location, cache-control, "
                        "allow, content-language and content-encoding always are)")
    p.add_argument("--unordered", action="append", default=[], metavar="PATH",
                   help="compare the arrays at this payload path as multisets, e.g. '$.tags' (repeatable)")
    p.add_argument("--ignore-path", action="append", default=[], metavar="PATH",
                   help="never compare this payload path, e.g. '$.meta.served_by' (repeatable)")
    p.add_argument("--float-tolerance", type=float, default=0.0, metavar="X", help="numbers closer than X are equal")
    p.add_argument("--noise-ratio", type=float, default=0.5, metavar="R",
                   help="without --control: noise when differing on more than this share of identical requests")
    p.add_argument("--no-schema", action="store_true",
                   help="skip comparing the schemas inferred from each side")
    p.add_argument("--spec", metavar="SPEC", help="OpenAPI spec whose path templates name the operations")
    p.add_argument("--template", action="append", default=[], metavar="T",
                   help="path template naming an operation, e.g. '/users/{id}' (repeatable)")
    p.add_argument("--skip-damaged", action="store_true",
                   help="skip damaged recording lines with a warning instead of failing")
    p.set_defaults(handler=_cmd_parity)


def _cmd_parity(args: argparse.Namespace) -> int:
    from . import api
    from .model import Severity
    from .report import iter_render

    cfg = api.load_settings(args.config)
    fail_on = Severity.parse(args.fail_on) if args.fail_on else (cfg.fail_on or Severity.ERROR)
    level = Severity.parse(args.level) if args.level else cfg.level
    report = api.parity(
        args.baseline, args.candidate, control=args.control, compare_headers=args.compare_header, unordered=args.unordered,
        ignore_paths=args.ignore_path, float_tolerance=args.float_tolerance, noise_ratio=args.noise_ratio,
        schema=not args.no_schema, spec=args.spec, templates=args.template, severity=_severity(cfg, args),
        ignore=args.ignore or cfg.ignore_file, level=level, skip_damaged=args.skip_damaged,
    )
    _emit(args, iter_render(report, args.format, rules=api.rules(), color=_use_color(args), fail_on=fail_on))
    return report.exit_code(fail_on)


_REGISTRY.append(_add_parity)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return handler(args)
    except ContractDriftError as exc:
        if args.debug:
            raise
        print(f"contractdrift: error: {exc}", file=sys.stderr)
        return 2
    except RecursionError:  # a document nested deeper than any limit we could make room for
        if args.debug:
            raise
        print("contractdrift: error: input nested too deeply to process", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
