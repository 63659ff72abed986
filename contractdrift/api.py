"""Composed pipelines: the only module that chains stages (capture -> store -> infer -> compare -> report)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .model import Finding, Report, Severity

if TYPE_CHECKING:
    from .capture.recorder import RecorderStats
    from .config import Config
    from .infer import InferredAPI
    from .model import Exchange, RuleInfo
    from .spec.load import LoadedSpec
    from .spec.validate import ValidationProblem
    from .store.reader import RecordingReader


# --- record: the recording reverse proxy ---------------------------------------------------------


def parse_listen(listen: str) -> tuple[str, int]:
    """``host:port``, ``[v6]:port``, ``:port`` or ``port`` -> ``(host, port)`` (default host 127.0.0.1)."""
    from .errors import UsageError

    text = listen.strip()
    host, sep, port_text = text.rpartition(":")
    if not sep:
        host, port_text = "", text
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not port_text.isdigit() or int(port_text) > 65535:
        raise UsageError(f"--listen {listen!r}: expected HOST:PORT, e.g. 127.0.0.1:8080")
    return host or "127.0.0.1", int(port_text)


def run_recording_proxy(
    upstream: str,
    listen: str,
    output: str | os.PathLike[str],
    *,
    sample_rate: float = 1.0,
    max_body_bytes: int = 1 << 20,
    redact: bool = True,
    tags: Mapping[str, str] | None = None,
    include_paths: Sequence[str] = (),
    exclude_paths: Sequence[str] = (),
    timeout: float = 60.0,
    preserve_host: bool = False,
    on_started: Callable[[str], None] | None = None,
) -> RecorderStats:
    """Run the recording reverse proxy (``contractdrift record``) until SIGINT/SIGTERM.

    Forwards everything received on ``listen`` to ``upstream`` and appends each exchange to the
    JSON Lines file ``output``. On a signal it finishes in-flight requests, flushes and closes the
    recording, and returns the recorder's statistics. ``on_started`` gets the listening URL.
    """
    from .capture.proxy import RecordingProxy, serve
    from .capture.recorder import CapturePolicy, Recorder
    from .errors import InputError, UsageError

    host, port = parse_listen(listen)
    if not 0.0 <= sample_rate <= 1.0:
        raise UsageError(f"--sample-rate must be between 0 and 1, not {sample_rate}")
    if max_body_bytes < 0:
        raise UsageError("--max-body-bytes must be >= 0")
    policy = CapturePolicy(
        sample_rate=sample_rate,
        max_body_bytes=max_body_bytes,
        include_paths=tuple(include_paths),
        exclude_paths=tuple(exclude_paths),
    )
    try:
        recorder = Recorder(output, redact=redact, tags=dict(tags or {}), policy=policy)
    except OSError as exc:
        raise InputError(f"cannot write the recording: {exc.strerror or exc}", file=os.fspath(output)) from exc
    try:
        try:
            proxy = RecordingProxy(upstream, recorder, timeout=timeout, preserve_host=preserve_host)
        except ValueError as exc:
            raise UsageError(f"--upstream: {exc}") from exc
        try:
            serve(proxy, host, port, on_started=on_started)
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    finally:
        recorder.close()
    return recorder.stats


# --- validate: openapi-spec-validator over a loaded spec -----------------------------------------


def validate(path: str | os.PathLike[str], *, cwd: str | None = None) -> list[ValidationProblem]:
    """Validate the spec at ``path`` (a file or a git ``REF:path``) with openapi-spec-validator.

    Returns the problems found (empty: valid). Never fetches remote ``$ref``s. An unreadable or
    malformed file raises :class:`~contractdrift.errors.InputError`.
    """
    from .spec.load import load_spec
    from .spec.validate import validate_spec

    return validate_spec(load_spec(path, cwd=cwd))


# --- import-har / export-har: recordings <-> files -----------------------------------------------


def _write_recording(
    exchanges: Iterable[Exchange], output: str | os.PathLike[str], *, redact: bool, append: bool
) -> int:
    """Redact (unless told not to) and write exchanges to a JSON Lines recording; returns the count."""
    from .capture.redact import Redactor
    from .errors import InputError
    from .store.jsonl import write_exchanges

    out = os.fspath(output)
    redactor = Redactor() if redact else None
    items = (redactor.redact(e) for e in exchanges) if redactor is not None else iter(exchanges)
    try:
        if not append and os.path.exists(out):
            os.remove(out)
        return write_exchanges(items, out)
    except OSError as exc:
        raise InputError(f"cannot write the recording: {exc.strerror or exc}", file=out) from exc


def import_har(
    source: str | os.PathLike[str], output: str | os.PathLike[str], *, redact: bool = True, append: bool = False
) -> int:
    """Import a HAR 1.2 file into a JSON Lines recording (redacted by default); returns the count.

    ``output`` is replaced unless ``append``. Malformed input raises
    :class:`~contractdrift.errors.InputError` naming the file and the place.
    """
    from .store.har import load_har

    exchanges = list(load_har(os.fspath(source)))  # validate everything before touching the output
    return _write_recording(exchanges, output, redact=redact, append=append)


def import_cassette(
    source: str | os.PathLike[str], output: str | os.PathLike[str], *, redact: bool = True, append: bool = False
) -> int:
    """Import a vcrpy YAML cassette into a JSON Lines recording (redacted by default)."""
    from .capture.cassette import load_cassette

    exchanges = list(load_cassette(source))
    return _write_recording(exchanges, output, redact=redact, append=append)


def export_har(source: str | os.PathLike[str], output: str | os.PathLike[str]) -> tuple[int, list[str]]:
    """Export a recording (JSON Lines, gzip, HAR or a directory) to a HAR 1.2 file.

    Returns the number of entries written and the problems met while reading (damaged lines that
    were skipped, as ``file:line: message``).
    """
    from . import __version__
    from .errors import InputError
    from .store.har import write_har
    from .store.reader import read_recording

    reader = read_recording(source, warn=False)
    out = os.fspath(output)
    try:
        count = write_har(reader, out, creator_version=__version__)
    except OSError as exc:
        raise InputError(f"cannot write the HAR file: {exc.strerror or exc}", file=out) from exc
    return count, reader.messages


# --- infer: recorded traffic -> inferred schemas / OpenAPI ---------------------------------------


def spec_router(
    spec: str | os.PathLike[str] | LoadedSpec | None = None, templates: Sequence[str] = ()
) -> Callable[[str], tuple[str, Mapping[str, str]] | None] | None:
    """A router for :func:`infer`: user ``templates`` first, then the spec's paths (``servers``
    base paths stripped); ``None`` when there is neither."""
    from .spec.load import LoadedSpec, load_spec
    from .spec.routes import RouteTable, base_paths_from_servers

    tables = []
    if templates:
        tables.append(RouteTable(templates))
    if spec is not None:
        loaded = spec if isinstance(spec, LoadedSpec) else load_spec(spec)
        data = loaded.data if isinstance(loaded.data, Mapping) else {}
        paths = data.get("paths") or {}
        servers = list(data.get("servers") or [])
        for item in paths.values() if isinstance(paths, Mapping) else ():
            if isinstance(item, Mapping):
                servers.extend(s for s in item.get("servers") or [] if isinstance(s, Mapping))
        tables.append(RouteTable([str(p) for p in paths], base_paths_from_servers(servers)))
    if not tables:
        return None

    def route(path: str) -> tuple[str, Mapping[str, str]] | None:
        for table in tables:
            hit = table.match(path)
            if hit is not None:
                return hit.template, hit.params
        return None

    return route


def _strict_exchanges(reader: RecordingReader, strict: bool) -> Iterable[Exchange]:
    """With ``strict``, a damaged line fails the run; a truncated *last* line (the writer died
    mid-write: every complete line before it is intact) is tolerated and reported as a warning."""
    import warnings

    from .errors import InputError
    from .store.reader import RecordingWarning

    def check() -> None:
        damaged = [p for p in reader.problems if not p.message.startswith("truncated last line")]
        if strict and damaged:
            p = damaged[0]
            raise InputError(f"malformed recording: {p.message}", file=p.file, line=p.line)

    for ex in reader:
        check()
        yield ex
    check()
    if strict:
        for p in reader.problems:
            warnings.warn(str(p), RecordingWarning, stacklevel=2)


def infer(
    exchanges: Iterable[Exchange] | str | os.PathLike[str],
    *,
    spec: str | os.PathLike[str] | LoadedSpec | None = None,
    templates: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    strict: bool = True,
    jobs: int | str = 1,
    **options: Any,
) -> InferredAPI:
    """Infer what each operation accepts and returns from exchanges (or a recording path).

    ``spec`` maps concrete URLs to its path templates; ``templates`` (``"/users/{id}"``) override
    both spec and heuristics. ``options`` are :class:`~contractdrift.infer.InferOptions` fields
    (``required_ratio=0.95``, ``enum_max_values=5``, ``bounds=True``...). A recording path is
    streamed through the fast reader, on ``jobs`` processes (``"auto"``: every CPU; the result does
    not depend on it); with ``strict`` a damaged line raises ``InputError`` naming file and line,
    otherwise it is skipped. Returns an :class:`~contractdrift.infer.InferredAPI`.
    """
    from .errors import UsageError
    from .infer import InferOptions, infer_exchanges

    try:
        opts = InferOptions.from_kwargs(options)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if isinstance(exchanges, (str, os.PathLike)) and (spec is None or isinstance(spec, (str, os.PathLike))):
        from .parallel import infer_sources

        return infer_sources([exchanges], jobs=jobs, spec=spec, templates=templates, skip_damaged=not strict,
                             progress=progress, options=opts)
    router = spec_router(spec, templates)
    if isinstance(exchanges, (str, os.PathLike)):
        from .store.reader import read_recording

        reader = read_recording(exchanges, warn=not strict)
        return infer_exchanges(_strict_exchanges(reader, strict), opts, router=router, progress=progress)
    return infer_exchanges(exchanges, opts, router=router, progress=progress)


def infer_files(
    sources: Sequence[str | os.PathLike[str]],
    *,
    spec: str | os.PathLike[str] | None = None,
    templates: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    strict: bool = True,
    jobs: int | str = 1,
    dask: Any = None,
    unit_bytes: int | None = None,
    **options: Any,
) -> InferredAPI:
    """:func:`infer` over several recordings and/or saved summaries (``InferredAPI.to_json`` files),
    merged. User ``templates`` also re-template saved summaries.

    Recordings are cut into units of work (byte ranges of large JSON Lines files, member ranges of
    contractdrift's own gzip files, other files whole) folded on ``jobs`` processes (``"auto"``: every CPU) or on a Dask cluster (``dask``: a scheduler
    address, ``"local"``, or a ``distributed.Client``); the result is the same either way.
    """
    from .errors import InputError
    from .infer import InferredAPI
    from .infer.inferred import FORMAT_ID
    from .parallel import infer_sources
    from .store.partition import UNIT_BYTES

    recordings = [s for s in sources if not _is_summary(os.fspath(s), FORMAT_ID)]
    result: InferredAPI | None = None
    if recordings:
        result = infer_sources(recordings, jobs=jobs, dask=dask, spec=spec, templates=templates,
                               skip_damaged=not strict, unit_bytes=unit_bytes or UNIT_BYTES, progress=progress,
                               options=options)
    for source in sources:
        path = os.fspath(source)
        if not _is_summary(path, FORMAT_ID):
            continue
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", file=path) from None
        part = InferredAPI.from_json(text, source=path)
        router = spec_router(None, templates)
        if router is not None:
            part = part.retemplate(router)
        result = part if result is None else result.merge(part)
    if result is None:
        from .infer import InferOptions

        return InferredAPI(InferOptions.from_kwargs(options))
    return result


def _is_summary(path: str, marker: str) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and marker.encode() in head


# --- diff: two versions of a published spec --------------------------------------------------------



def _as_spec(source: Any, *, allow_remote_refs: bool, cwd: str | None) -> LoadedSpec:
    from .spec.load import LoadedSpec, load_spec, load_spec_data

    if isinstance(source, LoadedSpec):
        return source
    if isinstance(source, Mapping):
        return load_spec_data(source)
    return load_spec(source, allow_remote_refs=allow_remote_refs, cwd=cwd)


def diff_specs(
    base: Any,
    revision: Any,
    *,
    validate: bool = False,
    allow_remote_refs: bool = False,
    deprecation_days: int | None = None,
    match_path: str | None = None,
    exclude_extensions: Sequence[str] = (),
    severity: Mapping[str, Any] | None = None,
    ignore: Iterable[str] | str | os.PathLike[str] | None = None,
    level: Any = None,
    today: Any = None,
    cwd: str | None = None,
    strict: bool = False,
) -> Report:
    """Compare two versions of an API description; every breaking (and changelog) change as a finding.

    ``base`` and ``revision`` are paths, git ``REF:path`` strings, loaded specs
    (:func:`contractdrift.load_spec`) or plain dicts. Options:

    - ``validate``: also validate both with openapi-spec-validator; problems become report warnings
      (the diff still runs: a spec invalid only in places is still compared).
    - ``deprecation_days``: deprecations must carry an ``x-sunset`` at least this many days away.
    - ``match_path`` (regex) / ``exclude_extensions`` (e.g. ``["x-internal"]``): limit what is compared.
    - ``severity``: rule id -> ``"error" | "warn" | "info" | "off"`` (or a :class:`Severity`).
    - ``ignore``: fingerprints to drop, or the path of an ignore file (entries may expire).
    - ``level``: drop findings below this severity.
    - ``strict``: a broken ``$ref`` is an error (:class:`InputError`) instead of a warning.
    """
    import datetime as _dt
    import re

    from .compare.rules import REGISTRY
    from .compare.specs import DiffOptions, SpecDiff
    from .compare.walk import WalkOptions
    from .errors import UsageError

    if match_path is not None:
        try:
            re.compile(match_path)
        except re.error as exc:
            raise UsageError(f"--match-path: invalid regular expression {match_path!r}: {exc}") from None
    day = today or _dt.date.today()
    overrides = _severity_overrides(severity or {}, REGISTRY)
    from .spec.refcheck import check_refs

    b = _as_spec(base, allow_remote_refs=allow_remote_refs, cwd=cwd)
    r = _as_spec(revision, allow_remote_refs=allow_remote_refs, cwd=cwd)
    warnings: list[str] = [*b.warnings, *r.warnings, *check_refs(b, strict=strict).warnings,
                           *check_refs(r, strict=strict).warnings]
    if validate:
        warnings += _validation_warnings(b) + _validation_warnings(r)
    options = DiffOptions(walk=WalkOptions(deprecation_days=deprecation_days, today=day), match_path=match_path,
                          exclude_extensions=tuple(exclude_extensions))
    differ = SpecDiff(b, r, options)
    with _deep_recursion("the specs are nested too deeply to compare"):
        findings = differ.run()
    warnings += differ.warnings
    findings, notes = _apply_policy(findings, overrides, ignore, level, day)
    meta = {"command": "diff", "base": b.root.display, "revision": r.root.display}
    return Report.build(findings, [*warnings, *notes], meta)


@contextlib.contextmanager
def _deep_recursion(message: str, limit: int = 20_000) -> Iterator[None]:
    """Room for deeply nested (but finite) documents; past it, a one-line InputError, no traceback."""
    from .errors import InputError

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    except RecursionError:
        raise InputError(message) from None
    finally:
        sys.setrecursionlimit(old)


def _validation_warnings(spec: LoadedSpec) -> list[str]:
    from .spec.validate import validate_spec

    problems = validate_spec(spec)
    if not problems:
        return []
    first = max(problems, key=lambda p: p.location.pointer.count("/"))  # the most specific one
    where = f"{first.location.position}" if first.location.position else f"{spec.root.display}#{first.location.pointer}"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return [f"{spec.root.display} is not a valid OpenAPI document: {where}: {first.message}{more}; compared anyway"]


def _severity_overrides(table: Mapping[str, Any], registry: Mapping[str, Any]) -> dict[str, Severity | None]:
    from .errors import UsageError
    from .model import Severity

    out: dict[str, Severity | None] = {}
    for rule_id, level in table.items():
        if rule_id not in registry:
            raise UsageError(f"unknown rule id {rule_id!r} in severity overrides (see `contractdrift rules`)")
        if level is None or isinstance(level, Severity):
            out[rule_id] = level
        elif str(level).lower() in ("off", "none", "disabled"):
            out[rule_id] = None
        else:
            try:
                out[rule_id] = Severity.parse(str(level))
            except ValueError as exc:
                raise UsageError(f"severity of {rule_id}: {exc}") from None
    return out


def _apply_policy(findings: Sequence[Finding], overrides: Mapping[str, Severity | None],
                  ignore: Iterable[str] | str | os.PathLike[str] | None, level: Any, today: Any
                  ) -> tuple[list[Finding], list[str]]:
    """Severity overrides, ignore list (with expiry), and the ``level`` filter, in that order."""
    import dataclasses

    from .config import load_ignore_file
    from .model import Severity

    notes: list[str] = []
    ignored: set[str] = set()
    if isinstance(ignore, (str, os.PathLike)):
        for entry in load_ignore_file(ignore):
            if entry.until is not None and entry.until < today:
                notes.append(f"{os.fspath(ignore)}:{entry.line}: ignore entry {entry.fingerprint} expired on "
                             f"{entry.until.isoformat()}; the finding is reported again")
            else:
                ignored.add(entry.fingerprint)
    elif ignore is not None:
        ignored = set(ignore)
    floor = Severity.parse(level) if isinstance(level, str) else level
    out: list[Finding] = []
    suppressed = 0
    for f in findings:
        if f.rule_id in overrides:
            sev = overrides[f.rule_id]
            if sev is None:
                continue
            f = dataclasses.replace(f, severity=sev)
        if f.fingerprint in ignored:
            suppressed += 1
            continue
        if floor is not None and f.severity < floor:
            continue
        out.append(f)
    if suppressed:
        notes.append(f"{suppressed} finding(s) suppressed by the ignore list")
    return out, notes


def rules() -> Mapping[str, RuleInfo]:
    """The rule registry: rule id -> :class:`RuleInfo` (sorted by id)."""
    from .compare.rules import REGISTRY

    return REGISTRY


def load_settings(path: str | os.PathLike[str] | None = None, *, cwd: str | None = None) -> Config:
    """Settings from ``path`` or ``[tool.contractdrift]`` in ``./pyproject.toml``; unknown rule ids fail."""
    from .config import load_config

    return load_config(path, rules(), cwd=cwd)
