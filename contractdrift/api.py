"""Composed pipelines: the only module that chains stages (capture -> store -> infer -> compare -> report)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from ._gcpause import _frozen_heap
from .model import Finding, JSONValue, Report, Severity

if TYPE_CHECKING:
    from .capture.recorder import RecorderStats
    from .capture.redact import Redactor
    from .capture.replay import ReplayStats
    from .compare.traffic import SpecChecker
    from .config import Config
    from .expect.model import Expectations
    from .infer import InferOptions, InferredAPI
    from .model import Exchange, RecordedExchangeView, RuleInfo
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
    redact_keep: Sequence[str] = (),
    rotate_bytes: int | None = None,
) -> RecorderStats:
    """Run the recording reverse proxy (``contractdrift record``) until SIGINT/SIGTERM.

    Forwards everything received on ``listen`` to ``upstream`` and appends each exchange to the
    JSON Lines file ``output``. On a signal it finishes in-flight requests, flushes and closes the
    recording, and returns the recorder's statistics. ``on_started`` gets the listening URL.
    ``rotate_bytes`` starts a new file once the recording reaches that size (see ``Recorder``).
    Needs the ``proxy`` extra (uvicorn): without it, :class:`~contractdrift.errors.MissingExtraError`.
    ``redact_keep``: redaction categories to record in clear (``"emails"``, ``"phones"``, ...).
    """
    from .capture.proxy import RecordingProxy, require_uvicorn, serve
    from .capture.recorder import CapturePolicy, Recorder
    from .errors import InputError, RecordingError, UsageError

    require_uvicorn()  # the `proxy` extra: fail before the recording file is created
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
    redactor = _redactor(redact, redact_keep)
    try:
        # a long-lived recorder: writing moves to a writer process once traffic proves busy
        recorder = Recorder(output, redact=redactor or False, tags=dict(tags or {}), policy=policy, offload="auto",
                            rotate_bytes=rotate_bytes)
    except RecordingError:
        raise
    except OSError as exc:
        raise InputError(f"cannot write the recording: {exc.strerror or exc}", file=os.fspath(output)) from exc
    try:
        try:
            proxy = RecordingProxy(upstream, recorder, timeout=timeout, preserve_host=preserve_host)
        except UsageError as exc:
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


def _redactor(redact: bool, keep: Sequence[str]) -> Redactor | None:
    """The redactor of a recording (``None``: no redaction); a bad category is a usage error."""
    from .capture.redact import Redactor
    from .errors import UsageError

    if not redact:
        return None
    try:
        return Redactor(keep=keep)
    except ValueError as exc:
        raise UsageError(f"--redact-keep: {exc}") from exc


def _write_recording(
    exchanges: Iterable[Exchange], output: str | os.PathLike[str], *, redact: bool, append: bool,
    redact_keep: Sequence[str] = (),
) -> int:
    """Redact (unless told not to) and write exchanges to a JSON Lines recording; returns the count."""
    from .errors import InputError, RecordingError
    from .store.jsonl import write_exchanges

    out = os.fspath(output)
    redactor = _redactor(redact, redact_keep)
    items = (redactor.redact(e) for e in exchanges) if redactor is not None else iter(exchanges)
    try:
        if not append and os.path.exists(out):
            os.remove(out)
        return write_exchanges(items, out)
    except RecordingError:
        raise
    except OSError as exc:
        raise InputError(f"cannot write the recording: {exc.strerror or exc}", file=out) from exc


def import_har(
    source: str | os.PathLike[str], output: str | os.PathLike[str], *, redact: bool = True, append: bool = False,
    redact_keep: Sequence[str] = (),
) -> int:
    """Import a HAR 1.2 file into a JSON Lines recording (redacted by default); returns the count.

    ``output`` is replaced unless ``append``. Malformed input raises
    :class:`~contractdrift.errors.InputError` naming the file and the place.
    """
    from .store.har import load_har

    exchanges = list(load_har(os.fspath(source)))  # validate everything before touching the output
    return _write_recording(exchanges, output, redact=redact, append=append, redact_keep=redact_keep)


def import_cassette(
    source: str | os.PathLike[str], output: str | os.PathLike[str], *, redact: bool = True, append: bool = False,
    redact_keep: Sequence[str] = (),
) -> int:
    """Import a vcrpy YAML cassette into a JSON Lines recording (redacted by default)."""
    from .capture.cassette import load_cassette

    exchanges = list(load_cassette(source))
    return _write_recording(exchanges, output, redact=redact, append=append, redact_keep=redact_keep)


def export_har(source: str | os.PathLike[str], output: str | os.PathLike[str]) -> tuple[int, list[str]]:
    """Export a recording (JSON Lines, gzip, HAR or a directory) to a HAR 1.2 file.

    Returns the number of entries written and the problems met while reading (damaged lines that
    were skipped, as ``file:line: message``).
    """
    from . import __version__
    from .store.har import write_har
    from .store.reader import read_recording

    reader = read_recording(source, warn=False)
    count = write_har(reader, os.fspath(output), creator_version=__version__)
    return count, reader.messages


# --- infer: recorded traffic -> inferred schemas / OpenAPI ---------------------------------------


def spec_router(
    spec: str | os.PathLike[str] | LoadedSpec | None = None, templates: Sequence[str] = ()
) -> Callable[[str], tuple[str, Mapping[str, str]] | None] | None:
    """A router for :func:`infer`: user ``templates`` first, then the spec's paths (``servers``
    base paths stripped); ``None`` when there is neither."""
    tables = []
    if templates:
        from .spec.routes import RouteTable

        tables.append(RouteTable(templates))
    if spec is not None:
        tables.append(_spec_route_table(spec))
    if not tables:
        return None

    def route(path: str) -> tuple[str, Mapping[str, str]] | None:
        for table in tables:
            hit = table.match(path)
            if hit is not None:
                return hit.template, hit.params
        return None

    return route


def _spec_route_table(spec: str | os.PathLike[str] | LoadedSpec) -> Any:
    """The spec's path templates under every base path of its ``servers`` (root, path-item and
    operation level; variables over their defaults and enums)."""
    from .spec.load import LoadedSpec, load_spec
    from .spec.normalize import METHODS
    from .spec.routes import RouteTable
    from .spec.servers import server_base_paths

    loaded = spec if isinstance(spec, LoadedSpec) else load_spec(spec)
    data = loaded.data if isinstance(loaded.data, Mapping) else {}
    paths = data.get("paths") or {}
    servers = [s for s in data.get("servers") or [] if isinstance(s, Mapping)]
    for item in paths.values() if isinstance(paths, Mapping) else ():
        if isinstance(item, Mapping):
            for holder in (item, *(item.get(m) for m in METHODS)):
                if isinstance(holder, Mapping):
                    servers.extend(s for s in holder.get("servers") or [] if isinstance(s, Mapping))
    return RouteTable([str(p) for p in paths], server_base_paths(servers))


def _checked_exchanges(reader: RecordingReader, skip_damaged: bool, *, warn: bool = True) -> Iterable[Exchange]:
    """Unless ``skip_damaged``, a damaged line fails the run; a truncated *last* line (the writer
    died mid-write: every complete line before it is intact) is tolerated and reported as a warning."""
    return _policed(reader, reader, skip_damaged, warn=warn)


_Item = TypeVar("_Item")


def _policed(reader: RecordingReader, items: Iterable[_Item], skip_damaged: bool, *, warn: bool = True
             ) -> Iterator[_Item]:
    """:func:`_checked_exchanges` over ``items``: what ``reader`` yields, e.g. its
    :meth:`~contractdrift.store.reader.RecordingReader.views`."""
    import warnings

    from .errors import InputError
    from .store.reader import RecordingWarning

    def check() -> None:
        damaged = [p for p in reader.problems if not p.message.startswith("truncated last line")]
        if not skip_damaged and damaged:
            p = damaged[0]
            raise InputError(f"malformed recording: {p.message}", file=p.file, line=p.line)

    seen = 0
    for ex in items:
        if reader.skipped != seen:  # a new problem since the last exchange (problems only grow with it)
            seen = reader.skipped
            check()
        yield ex
    check()
    if not skip_damaged and warn:
        for p in reader.problems:
            warnings.warn(str(p), RecordingWarning, stacklevel=2)


def _strict_exchanges(reader: RecordingReader, strict: bool, *, warn: bool = True) -> Iterable[Exchange]:
    """``check``'s spelling of :func:`_checked_exchanges` (``strict`` = not ``skip_damaged``)."""
    return _checked_exchanges(reader, not strict, warn=warn)


#: An inference threshold passed by keyword (see :class:`~contractdrift.infer.InferOptions`).
InferOptionValue: TypeAlias = "int | float | bool | frozenset[str] | Iterable[str]"
PathLike: TypeAlias = "str | os.PathLike[str]"


def _infer_options(options: InferOptions | None, overrides: Mapping[str, InferOptionValue]) -> InferOptions:
    """``options`` (or the defaults) with the keyword ``overrides`` applied; bad names or values raise
    :class:`~contractdrift.errors.UsageError`."""
    import dataclasses

    from .errors import UsageError
    from .infer import InferOptions

    base = options if options is not None else InferOptions()
    if not overrides:
        return base
    InferOptions.from_kwargs(dict(overrides))  # rejects unknown names with the list of known ones
    try:
        return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]
    except TypeError as exc:
        raise UsageError(f"inference options: {exc}") from None


def infer_options(**overrides: InferOptionValue) -> InferOptions:
    """An :class:`~contractdrift.infer.InferOptions` from keyword fields (the CLI's flags); unknown
    names or bad values raise :class:`~contractdrift.errors.UsageError`."""
    return _infer_options(None, overrides)


def infer_api(
    exchanges: Iterable[Exchange] | PathLike,
    *,
    spec: PathLike | LoadedSpec | None = None,
    templates: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    skip_damaged: bool = False,
    jobs: int | str = 1,
    options: InferOptions | None = None,
    **overrides: InferOptionValue,
) -> InferredAPI:
    """Infer what each operation accepts and returns from exchanges (or a recording path).

    ``spec`` maps concrete URLs to its path templates; ``templates`` (``"/users/{id}"``) override
    both spec and heuristics. ``options`` is an :class:`~contractdrift.infer.InferOptions`;
    ``overrides`` are some of its fields by keyword (``required_ratio=0.95``,
    ``enum_max_values=5``, ``bounds=True``...), applied on top. A recording path is streamed through
    the fast reader on ``jobs`` processes (``"auto"``: every CPU; the result does not depend on it);
    a damaged line raises :class:`~contractdrift.errors.InputError` naming file and line, unless
    ``skip_damaged`` (CLI ``--skip-damaged``): then it is skipped with a warning. Returns an
    :class:`~contractdrift.infer.InferredAPI`. The CLI: ``contractdrift infer``.
    """
    from .infer import infer_exchanges

    opts = _infer_options(options, overrides)
    if isinstance(exchanges, (str, os.PathLike)) and (spec is None or isinstance(spec, (str, os.PathLike))):
        from .parallel import infer_sources

        return infer_sources([exchanges], jobs=jobs, spec=spec, templates=templates, skip_damaged=skip_damaged,
                             progress=progress, options=opts)
    if spec is not None and isinstance(spec, (str, os.PathLike)):
        from .spec.load import load_spec

        spec = load_spec(spec)  # once, for the router and the base paths
    router = spec_router(spec, templates)
    strip_base = _spec_route_table(spec).strip_base if spec is not None else None
    if isinstance(exchanges, (str, os.PathLike)):
        from .store.reader import read_recording

        reader = read_recording(exchanges, warn=skip_damaged)
        with _deep_recursion("an exchange is nested too deeply to infer"):
            return infer_exchanges(_checked_exchanges(reader, skip_damaged), opts, router=router, progress=progress,
                                   strip_base=strip_base)
    with _deep_recursion("an exchange is nested too deeply to infer"):
        return infer_exchanges(exchanges, opts, router=router, progress=progress, strip_base=strip_base)


def infer_files(
    sources: Sequence[PathLike],
    *,
    spec: PathLike | None = None,
    templates: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    skip_damaged: bool = False,
    jobs: int | str = 1,
    dask: Any = None,
    unit_size: int | None = None,
    options: InferOptions | None = None,
    **overrides: InferOptionValue,
) -> InferredAPI:
    """:func:`infer_api` over several recordings and/or saved summaries (``InferredAPI.to_json``
    files), merged. User ``templates`` also re-template saved summaries.

    Recordings are cut into units of work (byte ranges of large JSON Lines files, member ranges of
    contractdrift's own gzip files, other files whole; ``unit_size`` bytes, CLI ``--unit-size``) folded
    on ``jobs`` processes (``"auto"``: every CPU) or on a Dask cluster (``dask``: a scheduler address, ``"local"``, or a
    ``distributed.Client``); the result is the same either way.
    """
    from .errors import InputError
    from .infer import InferredAPI
    from .infer.inferred import FORMAT_ID
    from .parallel import infer_sources
    from .store.partition import UNIT_BYTES

    opts = _infer_options(options, overrides)
    recordings = [s for s in sources if not _is_summary(os.fspath(s), FORMAT_ID)]
    result: InferredAPI | None = None
    if recordings:
        result = infer_sources(recordings, jobs=jobs, dask=dask, spec=spec, templates=templates,
                               skip_damaged=skip_damaged, unit_bytes=unit_size or UNIT_BYTES, progress=progress,
                               options=opts)
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
        return InferredAPI(opts)
    return result


def _is_summary(path: str, marker: str) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") and marker.encode() in head


# --- diff: two versions of a published spec --------------------------------------------------------



#: What :func:`diff_specs` compares: a path or git ``REF:path``, a loaded spec, or a parsed document.
SpecSource: TypeAlias = "str | os.PathLike[str] | LoadedSpec | Mapping[str, Any]"
#: A severity override: a :class:`Severity`, its name (``"error"``, ``"warn"``, ``"info"``), or
#: ``"off"`` / ``None`` to drop the rule's findings.
SeverityLevel: TypeAlias = "Severity | str | None"


def _as_spec(source: SpecSource, *, allow_remote_refs: bool, cwd: str | None) -> LoadedSpec:
    from .spec.load import LoadedSpec, load_spec, load_spec_data

    if isinstance(source, LoadedSpec):
        return source
    if isinstance(source, Mapping):
        return load_spec_data(source)
    return load_spec(source, allow_remote_refs=allow_remote_refs, cwd=cwd)


def diff_specs(
    base: SpecSource,
    revision: SpecSource,
    *,
    validate: bool = False,
    allow_remote_refs: bool = False,
    deprecation_days: int | None = None,
    match_path: str | None = None,
    exclude_extensions: Sequence[str] = (),
    severity: Mapping[str, SeverityLevel] | None = None,
    ignore: Iterable[str] | str | os.PathLike[str] | None = None,
    level: Severity | str | None = None,
    today: _dt.date | None = None,
    cwd: str | None = None,
    strict_refs: bool = False,
    group: str = "none",
    traffic: Any = None,
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
    - ``today``: the date deprecation deadlines and ignore-entry expiry are measured from.
    - ``strict_refs``: a broken ``$ref`` is an error (:class:`InputError`) instead of a warning.
    - ``group``: ``"change"`` (the CLI's default, ``--group change``): one finding per change, keyed on
      the change (rule, spec locations, args), listing every place it reaches in ``Finding.reaches``;
      ``"none"`` (the library's default, so drivers built on it keep per-place findings): one finding
      per operation, side, status, media type and payload path (the per-operation fingerprints).
    - ``traffic``: recordings (paths, globs, HAR, cassettes) or exchanges; each finding's evidence says
      how much of it touches the change (matched to the base spec's operations exactly as ``check``
      does), and grouped findings are ordered by that impact within a severity.

    The report's ``meta`` carries the version advice (``version_bump``: ``major`` when anything
    breaks, ``minor`` for additions, ``patch`` otherwise; ``breaking``: ``yes``/``no``; and
    ``version_advice``, the sentence the text report ends with).

    Each keyword has the name of its CLI flag (``--strict-refs``, ``--severity RULE=LEVEL``...).
    """
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
    warnings: list[str] = [*b.warnings, *r.warnings, *check_refs(b, strict=strict_refs).warnings,
                           *check_refs(r, strict=strict_refs).warnings]
    if validate:
        warnings += _validation_warnings(b) + _validation_warnings(r)
    from .compare.group import GROUP_MODES, group_findings

    if group not in GROUP_MODES:
        raise UsageError(f"--group: expected one of {', '.join(GROUP_MODES)}, not {group!r}")
    grouped = group == "change"
    options = DiffOptions(walk=WalkOptions(deprecation_days=deprecation_days, today=day), match_path=match_path,
                          exclude_extensions=tuple(exclude_extensions), group=grouped and traffic is None)
    differ = SpecDiff(b, r, options)
    with _deep_recursion("the specs are nested too deeply to compare"), _frozen_heap():
        findings = differ.run()
    warnings += differ.warnings
    meta = {"command": "diff", "base": b.root.display, "revision": r.root.display}
    if traffic is not None:
        from .compare.impact import TrafficImpact

        impact = TrafficImpact(spec_checker(b))
        sources = _TrafficSources(traffic, strict=True)
        from ._gcpause import _gc_paused

        with _deep_recursion("an exchange is nested too deeply to measure"), _frozen_heap(), _gc_paused():
            impact.add_all(sources.views())  # check's read path; as check, no cycles and long-lived specs
        findings = impact.annotate(findings)
        warnings += sources.warnings() + impact.warnings()
        meta["traffic"] = ", ".join(sources.names) or "(exchanges)"
        meta["exchanges"] = str(impact.exchanges)
        if grouped:
            findings = group_findings(findings)
    findings, notes = _apply_policy(findings, overrides, ignore, level, day)
    meta["group"] = group
    meta.update(version_advice(findings, _info_version(b), _info_version(r)))
    return Report.build(findings, [*warnings, *notes], meta)


def _info_version(spec: LoadedSpec) -> str | None:
    data = spec.root.data
    info = data.get("info") if isinstance(data, Mapping) else None
    version = info.get("version") if isinstance(info, Mapping) else None
    return str(version) if version is not None else None


_DATED = re.compile(r"\d{4}-\d{2}-\d{2}")


def version_advice(findings: Iterable[Finding], base_version: str | None = None,
                   revision_version: str | None = None) -> dict[str, str]:
    """The smallest version bump the findings require: ``major`` when anything breaks (an error),
    ``minor`` when something was added, ``patch`` otherwise. For dated versions (``2022-08-01``) the
    advice is whether the new date is a breaking release. Keys: ``version_bump``, ``breaking``
    (``yes``/``no``) and ``version_advice`` (one sentence)."""
    from .compare.rules import REGISTRY
    from .model import Severity

    breaking = added = False
    for f in findings:
        if f.severity >= Severity.ERROR:
            breaking = True
        info = REGISTRY.get(f.rule_id)
        if (info is not None and info.action in ("add", "widen", "increase") and info.kind in (
                "existence", "values", "type")) or f.rule_id.startswith(("endpoint-added", "new-")):
            added = True
    bump = "major" if breaking else "minor" if added else "patch"
    dated = any(v is not None and _DATED.match(v) for v in (base_version, revision_version))
    if dated:
        sentence = ("Version advice: a breaking release (the new dated version must be announced as breaking)"
                    if breaking else "Version advice: not breaking (a new dated version is not required)")
    else:
        what = {"major": "something breaks", "minor": "additions, nothing breaks",
                "patch": "no breaking change, nothing added"}[bump]
        sentence = f"Version advice: {bump} ({what})"
        if base_version and revision_version:
            sentence += f"; {base_version} -> {revision_version}"
    return {"version_bump": bump, "breaking": "yes" if breaking else "no", "version_advice": sentence}


def diff_exit_code(report: Report, fail_on: Severity, *, observed_only: bool = False) -> int:
    """1 when a finding is at or above ``fail_on`` -- with ``observed_only`` (``--fail-on-observed``),
    only findings recorded traffic exercises count (their evidence says at least one exchange is
    affected) -- else 0."""
    from .compare.impact import affected

    hits = report.at_least(fail_on)
    if observed_only:
        hits = tuple(f for f in hits if affected(f) > 0)
    return 1 if hits else 0


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


def _severity_overrides(table: Mapping[str, SeverityLevel], registry: Mapping[str, RuleInfo]
                        ) -> dict[str, Severity | None]:
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
            except UsageError as exc:
                raise UsageError(f"severity of {rule_id}: {exc}") from None
    return out


def _apply_policy(findings: Sequence[Finding], overrides: Mapping[str, Severity | None],
                  ignore: Iterable[str] | str | os.PathLike[str] | None, level: Severity | str | None,
                  today: _dt.date) -> tuple[list[Finding], list[str]]:
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


def rules(family: str | None = None) -> Mapping[str, RuleInfo]:
    """The rule registry: rule id -> :class:`RuleInfo` (sorted by id), of every family or of one
    (``"diff"``; other drivers register ``"check"``, ``"expect"``, ... families)."""
    from .compare.rules import FAMILIES, REGISTRY, load_families, rules_of
    from .errors import UsageError

    load_families()
    if family is None:
        return REGISTRY
    if family not in FAMILIES:
        raise UsageError(f"unknown rule family {family!r} (known: {', '.join(FAMILIES)})")
    return rules_of(family)


def load_settings(path: str | os.PathLike[str] | None = None, *, cwd: str | None = None) -> Config:
    """Settings from ``path`` or ``[tool.contractdrift]`` in ``./pyproject.toml``; unknown rule ids fail."""
    from .config import load_config

    return load_config(path, rules(), cwd=cwd)


# --- replay / parity: a candidate build answering recorded requests --------------------------------


def _load_exchanges(source: Iterable[Exchange] | str | os.PathLike[str], skip_damaged: bool,
                    notes: list[str] | None = None) -> list[Exchange]:
    """All exchanges of a recording; damaged lines fail unless ``skip_damaged``, then are listed in ``notes``."""
    import warnings

    from .store.reader import read_recording

    if not isinstance(source, (str, os.PathLike)):
        return list(source)
    reader = read_recording(source, warn=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = list(_checked_exchanges(reader, skip_damaged))
    if notes is not None:
        notes += [f"skipped {m}" for m in reader.messages] if skip_damaged else [str(w.message) for w in caught]
    return out


def _parity_router(exchanges: Sequence[Exchange], spec: str | os.PathLike[str] | None,
                   templates: Sequence[str]) -> Callable[[Exchange], str]:
    """``exchange -> "GET /orders/{orderId}"``: user templates, then the spec, then the templates
    inferred from the traffic itself (the same for every side, so operations line up)."""
    from .infer import InferOptions, infer_exchanges
    from .model import split_url

    given = spec_router(spec, templates)
    inferred = infer_exchanges(exchanges, InferOptions(), router=given)
    learned = spec_router(None, sorted({op.template for op in inferred.operations}))

    def operation_of(ex: Exchange) -> str:
        method = ex.request.method.upper()
        if ex.route:
            return f"{method} {ex.route}"
        path = split_url(ex.request.url)[0]
        for router in (given, learned):
            hit = router(path) if router is not None else None
            if hit is not None:
                return f"{method} {hit[0]}"
        return f"{method} {path}"

    return operation_of


def _schema_level(baseline: Sequence[Exchange], candidate: Sequence[Exchange],
                  operation_of: Callable[[Exchange], str], explained: Iterable[Finding]) -> list[Finding]:
    """Differences between the schemas inferred from each side (response bodies), compared by the
    engine; those already explained by a value-level change at the same place (or above it) are left
    out. Noise explains nothing here: values may vary, their schema (type, format) should not."""
    import dataclasses

    from .infer import InferOptions, infer_exchanges
    from .model import Side

    def route(ex: Exchange) -> Exchange:
        return dataclasses.replace(ex, route=operation_of(ex).split(" ", 1)[1])

    opts = InferOptions()
    docs = [infer_exchanges([route(e) for e in side if e.response is not None], opts).to_openapi()
            for side in (baseline, candidate)]
    with _deep_recursion("the inferred schemas are nested too deeply to compare"):
        report = diff_specs(docs[0], docs[1])
    covered: dict[str, set[tuple[str, ...]]] = {}
    for f in explained:
        if f.rule_id != "parity-noise" and f.location.payload_pointer is not None and f.location.operation:
            covered.setdefault(f.location.operation, set()).add(_pointer_parts(f.location.payload_pointer))
    counts = {"baseline": len(baseline), "candidate": len(candidate)}
    out: list[Finding] = []
    for f in report.findings:
        loc = f.location
        if loc.side is not Side.RESPONSE or loc.payload_pointer is None or not loc.operation:
            continue  # statuses, media types and headers are compared exactly, pair by pair
        parts = _pointer_parts(loc.payload_pointer)
        if any(parts[: len(p)] == p for p in covered.get(loc.operation, ())):
            continue
        note = (f" (schemas inferred from {counts['baseline']} baseline and {counts['candidate']} "
                "candidate exchanges)")
        out.append(dataclasses.replace(f, location=dataclasses.replace(loc, base=None, revision=None),
                                       message=f.message + note))
    return out


def _pointer_parts(pointer: str) -> tuple[str, ...]:
    from .model import from_rfc6901

    return tuple(str(p) for p in from_rfc6901(pointer))


def parity(
    baseline: Iterable[Exchange] | str | os.PathLike[str],
    candidate: Iterable[Exchange] | str | os.PathLike[str],
    *,
    control: Iterable[Exchange] | str | os.PathLike[str] | None = None,
    headers: Sequence[str] | None = None,
    compare_headers: Sequence[str] = (),
    unordered: Sequence[str] = (),
    ignore_paths: Sequence[str] = (),
    float_tolerance: float = 0.0,
    noise_ratio: float = 0.5,
    schema: bool = True,
    spec: str | os.PathLike[str] | None = None,
    templates: Sequence[str] = (),
    severity: Mapping[str, Any] | None = None,
    ignore: Iterable[str] | str | os.PathLike[str] | None = None,
    level: Any = None,
    today: Any = None,
    skip_damaged: bool = False,
) -> Report:
    """Compare the answers of a candidate build with the recorded ones (``contractdrift parity``).

    ``baseline``, ``candidate`` and ``control`` are recordings (paths) or exchanges. Candidate
    exchanges are paired with baseline ones by their replay link, else by request identity. Each pair
    is compared value by value (status, content type, ``headers`` -- default
    :data:`~contractdrift.compare.parity.DEFAULT_HEADERS` -- plus ``compare_headers``, body); differences also seen
    between ``baseline`` and ``control`` (two runs of the same build) are noise, reported as
    ``parity-noise`` findings and not as changes; without a control, places differing on more than
    ``noise_ratio`` of pairs of identical requests inside the baseline are noise. With ``schema``,
    the response schemas inferred from both sides are compared by the engine as well, and the
    differences no value-level finding explains are added. ``unordered``: payload paths whose arrays
    are compared as multisets; ``ignore_paths``: payload paths never compared; ``float_tolerance``:
    numbers closer than this are equal. ``severity``/``ignore``/``level`` as for :func:`diff_specs`.
    Operations are named by ``templates``, the ``spec``'s paths, else templates inferred from the
    traffic. Damaged recording lines fail unless ``skip_damaged`` (CLI ``--skip-damaged``).
    """
    import datetime as _dt

    from .compare.parity import DEFAULT_HEADERS, ParityCheck, ParityOptions, pair_exchanges
    from .compare.rules import REGISTRY
    from .errors import UsageError

    try:
        chosen = DEFAULT_HEADERS if headers is None else headers
        options = ParityOptions(headers=tuple(dict.fromkeys(h.lower() for h in (*chosen, *compare_headers))),
                                unordered=tuple(unordered), ignore=tuple(ignore_paths),
                                float_tolerance=float_tolerance, noise_ratio=noise_ratio)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    overrides = _severity_overrides(severity or {}, REGISTRY)
    notes: list[str] = []
    base = _load_exchanges(baseline, skip_damaged, notes)
    cand = _load_exchanges(candidate, skip_damaged, notes)
    ctrl = _load_exchanges(control, skip_damaged, notes) if control is not None else None
    operation_of = _parity_router([*base, *cand], spec, templates)
    with _deep_recursion("a payload is nested too deeply to compare"):
        result = ParityCheck(options, operation_of).run(base, cand, ctrl)
    findings = list(result.findings)
    if schema:
        pairs, _ = pair_exchanges(base, cand)  # only what both sides answered: unpaired traffic is reported
        findings += _schema_level([b for b, _ in pairs], [c for _, c in pairs], operation_of, findings)
    paths = [x for x in (baseline, candidate, control) if isinstance(x, (str, os.PathLike))]
    findings = _redacted_examples(findings, _example_redactor(_recording_salt(paths) if len(paths) == 2 + (
        control is not None) else None))
    day = today or _dt.date.today()
    kept, policy_notes = _apply_policy(findings, overrides, ignore, level, day)
    s = result.stats
    meta = {"command": "parity", "baseline": _display(baseline), "candidate": _display(candidate),
            "pairs": str(s.pairs), "noise_places": str(s.noise_places),
            "suppressed_as_noise": str(s.suppressed_as_noise)}
    if control is not None:
        meta["control"] = _display(control)
        meta["control_pairs"] = str(s.control_pairs)
    return Report.build(kept, [*notes, *result.warnings, *policy_notes], meta)


def _redacted_examples(findings: list[Finding], redact: Callable[[str | None, JSONValue], JSONValue]
                       ) -> list[Finding]:
    """Findings whose example values went through ``redact`` (by the name of the field they sit at):
    recordings given as HAR files or exchanges in memory may hold secrets the recorder never saw."""
    import dataclasses

    from .model import from_rfc6901

    out = []
    for f in findings:
        ev = f.evidence
        if ev is None or ev.example is None:
            out.append(f)
            continue
        parts = from_rfc6901(f.location.payload_pointer) if f.location.payload_pointer else ()
        name = str(parts[-1]) if parts and parts[-1] != "*" else None
        example: JSONValue = ev.example
        if isinstance(example, dict) and example and all(isinstance(v, dict) for v in example.values()):
            # paired values: {"baseline": {"exchange": id, "value": v}, "candidate": {...}}
            example = {side: {k: (redact(name, v) if k == "value" else v) for k, v in pair.items()}  # type: ignore[union-attr]
                       for side, pair in example.items()}
        else:
            example = redact(name, example)
        out.append(dataclasses.replace(f, evidence=dataclasses.replace(ev, example=example)))
    return out


def _display(source: object) -> str:
    return os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<exchanges>"


def replay(
    sources: Sequence[str | os.PathLike[str]] | Iterable[Exchange],
    target: str,
    output: str | os.PathLike[str],
    *,
    control: str | None = None,
    control_output: str | os.PathLike[str] | None = None,
    methods: Iterable[str] = ("GET", "HEAD", "OPTIONS"),
    rate: float | None = None,
    concurrency: int = 4,
    timeout: float = 30.0,
    headers: Sequence[tuple[str, str]] = (),
    redact: bool = True,
    max_body_bytes: int = 1 << 20,
    append: bool = False,
    skip_damaged: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ReplayStats:
    """Replay recorded requests against ``target`` (and ``control``); ``contractdrift replay``.

    Each answer is appended, redacted unless ``redact`` is false, to ``output`` (the control's to
    ``control_output``, default ``<output>.control.jsonl``) as an exchange linked to the recorded
    one. Only ``methods`` are replayed (GET, HEAD, OPTIONS by default), only to the hosts of
    ``target`` and ``control`` (no redirects followed), at most ``rate`` requests per second per
    target with ``concurrency`` in flight. ``headers`` replace recorded headers of the same name:
    recorded credentials that were redacted are never sent masked; such requests are counted as not
    replayable. ``progress(done, total)`` follows along. Ctrl-C (``KeyboardInterrupt``) stops the
    replay: what was answered is already written, and the statistics come back with ``interrupted``.
    """
    from .capture.replay import Replayer, ReplayOptions, default_control_output
    from .errors import InputError, UsageError
    from .store.jsonl import JsonlWriter

    try:
        options = ReplayOptions(methods=frozenset(methods), rate=rate, concurrency=concurrency, timeout=timeout,
                                headers=tuple(headers), redact=redact, max_body_bytes=max_body_bytes)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    exchanges: list[Exchange] = []
    notes: list[str] = []
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    for source in sources:
        if isinstance(source, (str, os.PathLike)):
            exchanges += _load_exchanges(source, skip_damaged, notes)
        else:
            exchanges.append(source)
    outputs = {"candidate": os.fspath(output)}
    targets = {"candidate": target}
    if control is not None:
        targets["control"] = control
        outputs["control"] = os.fspath(control_output or default_control_output(output))
    if len(set(outputs.values())) < len(outputs):
        raise UsageError("the candidate and the control need different outputs")
    writers: dict[str, JsonlWriter] = {}
    try:
        for name, path in outputs.items():
            try:
                if not append and os.path.exists(path):
                    os.remove(path)
                writers[name] = JsonlWriter(path)
                writers[name].open()
            except OSError as exc:
                raise InputError(f"cannot write the replay: {exc.strerror or exc}", file=path) from exc
        total = len(exchanges)
        try:
            replayer = Replayer(targets, {n: w.write for n, w in writers.items()}, options,
                                progress=(lambda done: progress(done, total)) if progress is not None else None)
        except ValueError as exc:
            raise UsageError(f"--target/--control: {exc}") from None
        try:
            stats = replayer.run(exchanges)
        except OSError as exc:  # the disk filled up, the output vanished...
            raise InputError(f"cannot write the replay: {exc.strerror or exc}", file=outputs["candidate"]) from exc
        stats.warnings += notes
        return stats
    finally:
        for w in writers.values():
            w.close()


# --- check: recorded traffic against the published spec ------------------------------------------

_GLOB_CHARS = frozenset("*?[")
_CASSETTE_SUFFIXES = (".yaml", ".yml")


def _expand_traffic(source: str) -> list[str]:
    """A path, or a glob (``traffic/*.jsonl.gz``) expanded in sorted order (``InputError`` if empty)."""
    import glob

    from .errors import InputError

    if source == "-" or os.path.exists(source) or not (_GLOB_CHARS & set(source)):
        return [source]
    hits = sorted(glob.glob(source, recursive=True))
    if not hits:
        raise InputError("no file matches this pattern", file=source)
    return hits


def _traffic_urls(traffic: Any) -> list[str]:
    """The fsspec URLs (``s3://...``, ``file://...``) among ``traffic``'s paths."""
    items = [traffic] if isinstance(traffic, (str, os.PathLike)) else traffic
    if not isinstance(items, (list, tuple)):
        return []
    return [os.fspath(i) for i in items if isinstance(i, (str, os.PathLike)) and "://" in os.fspath(i)]


def _recording_salt(traffic: Any) -> bytes | None:
    """The key of the stand-ins for redacted examples in a report, from the recording files themselves
    (their sizes, first and last 64 KB): the same recording gives the same report bytes, run after run,
    with any ``jobs`` and on Dask, read from a path or from a URL (fsspec), while a reader of the
    report without the recording cannot test guesses of a redacted value. ``None`` (a random key) for
    standard input, a Dask bag and exchanges in memory."""
    import hashlib

    from .errors import InputError, UsageError
    from .store.partition import _open, _size, is_url, source_files

    items = [traffic] if isinstance(traffic, (str, os.PathLike)) else traffic
    if not isinstance(items, (list, tuple)):
        return None  # an iterator: it cannot be looked at twice
    key = hashlib.blake2b(person=b"cd-report-salt")
    sample = 1 << 16
    try:
        for item in items:
            if not isinstance(item, (str, os.PathLike)):
                return None
            path = os.fspath(item)
            if path == "-":
                return None
            sources = source_files(path) if is_url(path) else [
                str(f) for p in _expand_traffic(path) for f in source_files(p)]
            for source in sources:
                size = _size(source)
                with _open(source) as fh:
                    head = fh.read(sample)
                    fh.seek(max(size - sample, len(head)))
                    tail = fh.read(sample)
                key.update(b"%d:%d:%d:" % (size, len(head), len(tail)) + head + tail)
    except (OSError, ValueError, InputError, UsageError):  # unreadable, no fsspec: the reader says so, with its place
        return None
    return key.digest()


class _TrafficSources:
    """Exchanges of every traffic source in turn, with the damaged-line policy of ``infer``, and the
    readers' problems collected for the report."""

    def __init__(self, traffic: Any, *, strict: bool, stdin: Any = None) -> None:
        self.traffic = traffic
        self.strict = strict
        self.stdin = stdin
        self.names: list[str] = []
        self.readers: list[RecordingReader] = []

    def _items(self) -> Iterator[Any]:
        traffic = self.traffic
        if isinstance(traffic, (str, os.PathLike)):
            yield traffic
        else:
            yield from traffic

    def __iter__(self) -> Iterator[Exchange]:
        return self._iterate(False)

    def views(self) -> Iterator[RecordedExchangeView]:
        """The same exchanges, recording lines through ``check``'s fast decoder (light views)."""
        return self._iterate(True)

    def _iterate(self, views: bool) -> Iterator[Any]:
        from .model import Exchange
        from .store.reader import RecordingReader, StreamReader

        for item in self._items():
            if isinstance(item, Exchange):
                yield item
                continue
            if not isinstance(item, (str, os.PathLike)):
                from .errors import UsageError

                raise UsageError(f"traffic: expected paths or Exchange objects, got {type(item).__name__}")
            for source in _expand_traffic(os.fspath(item)):
                self.names.append(source)
                if source.endswith(_CASSETTE_SUFFIXES):
                    from .capture.cassette import load_cassette

                    yield from load_cassette(source)
                    continue
                reader: RecordingReader
                if source == "-":
                    stream = self.stdin if self.stdin is not None else sys.stdin.buffer
                    reader = StreamReader(stream, "<stdin>", warn=False)
                else:
                    reader = RecordingReader(source, warn=False)
                self.readers.append(reader)
                # problems go in the report
                yield from _policed(reader, reader.views() if views else reader, not self.strict, warn=False)

    def warnings(self) -> list[str]:
        out: list[str] = []
        for reader in self.readers:
            shown = [str(p) for p in reader.problems[:5]]
            out += shown
            if reader.skipped > len(shown):
                out.append(f"{reader.path}: {reader.skipped - len(shown)} more damaged part(s) skipped")
        return out


def _check_options(options: Mapping[str, Any]) -> Any:
    from .compare.traffic import CheckOptions
    from .errors import UsageError

    opts = dict(options)
    base = opts.pop("base_path", None)
    if base is not None:
        opts["base_paths"] = (base,) if isinstance(base, str) else tuple(base)
    try:
        return CheckOptions(**opts)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"check: {exc}") from None


def spec_checker(spec: Any, *, allow_remote_refs: bool = False, cwd: str | None = None,
                 redaction_salt: bytes | None = None, **options: Any) -> SpecChecker:
    """A :class:`~contractdrift.compare.traffic.SpecChecker` for ``spec`` (a path, git ``REF:path``,
    loaded spec or dict) that names undocumented paths with ``infer``'s templating. ``options`` are
    :func:`check`'s (``base_path``, ``trailing_slash``, ``undocumented``, ``nullable``, ``formats``).
    Examples in findings are redacted as recordings are, with stand-ins keyed by ``redaction_salt``
    (``None``: random, so they differ from run to run; :func:`check` derives one from the recording
    files, so a report is the same bytes run after run)."""
    from .compare.traffic import SpecChecker

    loaded = _as_spec(spec, allow_remote_refs=allow_remote_refs, cwd=cwd)
    made: dict[str, Any] = {}  # the templater and redactor, imported and built on first use (most runs
    # of a conforming service need neither: startup is part of every check)

    def template(path: str) -> str:
        templater = made.get("templater")
        if templater is None:
            from .infer import InferOptions
            from .infer.templating import Templater

            templater = made["templater"] = Templater(InferOptions())
        return str(templater.template(path)[0])

    return SpecChecker(loaded, _check_options(options), templater=template, redact=_example_redactor(redaction_salt))


def _example_redactor(salt: bytes | None = None) -> Callable[[str | None, JSONValue], JSONValue]:
    """What a checker passes an example through before a finding shows it: the recorder's redaction
    rules (a secret field or header name masks the value; value patterns are redacted in text and JSON), with
    stand-ins keyed by ``salt`` (``None``: random). The redactor is built on first use (a run of a
    conforming service needs none: startup is part of every check)."""
    made: list[Any] = []

    def redact(name: str | None, value: JSONValue) -> JSONValue:
        if not made:
            from .capture.redact import Redactor

            made.append(Redactor(salt=salt))
        redactor = made[0]
        if name is not None and (redactor.is_secret_field(name) or redactor.is_secret_header(name)):
            return redactor.mask(value)  # type: ignore[no-any-return]
        if isinstance(value, str):
            return redactor.redact_text(value)  # type: ignore[no-any-return]
        return redactor.redact_json(value)  # type: ignore[no-any-return]
    return redact


#: The warning of a check that read no exchange: "no drift" would say nothing of the service then.
_NOTHING_CHECKED = ("no exchanges were checked: the traffic held none (an empty recording, or every line "
                    "damaged), so this report says nothing about the service")


def _check_warnings(checker: Any) -> list[str]:
    """Run notes that are not findings: exchanges that could not be checked, rules without an id
    (``checker``: a SpecChecker or anything with its ``aggregate``)."""
    notes = checker.aggregate.notes
    out = []
    deep = notes.get("exchanges nested too deeply to check", 0)
    if deep:
        out.append(f"{deep} exchange(s) nested too deeply to check were skipped")
    missing = notes.get("exchanges without a response", 0)
    if missing:
        out.append(f"{missing} exchange(s) had no response (transport errors) and only their requests were checked")
    from .compare.traffic import NOTE_SEP

    unfiled = 0
    for key, n in sorted(notes.items()):
        parts = key.split(NOTE_SEP)
        if parts[0] == "unfiled":
            unfiled += n
        elif parts[0] == "payload":
            out.append(f"{n} {parts[1]} bodies not validated: {parts[2]} (see the {parts[1]}-body-unvalidated "
                       "findings per operation)")
        elif parts[0] == "schema":
            out.append(f"{parts[1]} schemas, {n} place(s): {parts[2]} (see the {parts[1]}-body-unvalidated "
                       "findings per operation)")
    if unfiled:
        out.append(f"{unfiled} violation(s) have no rule id where they occur and are not reported; please report this")
    return out


def check(
    traffic: Any = None,
    spec: Any = None,
    expect: Any = None,
    *,
    severity: Mapping[str, Any] | None = None,
    ignore: Iterable[str] | str | os.PathLike[str] | None = None,
    level: Any = None,
    strict: bool = True,
    progress: Callable[[int], None] | None = None,
    allow_remote_refs: bool = False,
    cwd: str | None = None,
    today: Any = None,
    stdin: Any = None,
    jobs: int | str = 1,
    dask: Any = None,
    unit_size: int | None = None,
    **options: Any,
) -> Report:
    """Check recorded traffic against the published spec: every parity break, pinpointed and counted.

    ``traffic``: a recording path (JSON Lines plain or gzip, a directory of rotated files, a glob, a
    HAR file, a vcrpy cassette ``.yaml``, ``"-"`` for standard input), several of them, or an iterable
    of :class:`~contractdrift.model.Exchange`. ``spec``: a path, git ``REF:path``, loaded spec or dict.
    ``options``: ``base_path`` (overrides the servers' base paths), ``trailing_slash``
    (``"lenient"``: matched, with an info finding; ``"strict"``: undocumented), ``undocumented``
    (``"off" | "info" | "warn"`` for undocumented response properties), ``nullable`` (``"lenient"``:
    3.0 ``nullable`` beside ``anyOf``/``oneOf``/``allOf``/``$ref``/``enum`` admits null; ``"strict"``:
    the 3.0.3 reading), ``formats``. ``severity``, ``ignore`` and ``level`` work as in
    :func:`diff_specs`. With ``strict`` (default) a damaged recording line other than a truncated last
    one raises :class:`~contractdrift.errors.InputError` naming file:line; otherwise it is skipped
    and reported. ``expect`` (client expectations) with ``spec`` and no ``traffic``: :func:`check_expectations`.

    The report carries the findings (one per rule, operation, side, status, media type and payload
    location, with evidence), warnings, and ``coverage``: which documented operations, statuses and
    media types the traffic exercised.

    ``jobs`` (a number or ``"auto"``) checks recording files on that many processes, ``dask`` (a
    scheduler address, ``"local"`` or a ``distributed.Client``) on a Dask cluster, where ``traffic``
    may also be fsspec URLs or a ``dask.bag.Bag`` of recording lines: recordings are cut into units
    of ``unit_size`` bytes (as for :func:`infer_files`) and the report is the one ``jobs=1`` gives.
    Not with ``expect``.
    """
    import datetime as _dt

    from .compare.rules import REGISTRY, load_families
    from .errors import UsageError
    from .store.runner import resolve_jobs

    urls = _traffic_urls(traffic)
    if urls and expect is not None:
        raise UsageError(f"check: reading traffic from a URL ({urls[0]}) is not supported with --expect yet; "
                         "copy the recording to a local file")
    # URLs are read the way --jobs reads (fsspec, in units), here on one process when jobs is 1
    if urls and dask is None and resolve_jobs(jobs) <= 1:
        items = [traffic] if isinstance(traffic, (str, os.PathLike)) else list(traffic)
        if any(not isinstance(i, (str, os.PathLike)) or os.fspath(i) == "-" for i in items):
            raise UsageError("check: traffic from a URL cannot be mixed with standard input (-) or exchanges in "
                             "memory")
        if not isinstance(spec, (str, os.PathLike, Mapping)):
            raise UsageError("check: traffic from a URL needs the spec as a path or a dict (URLs are read in "
                             "units, as --jobs reads)")
    scaled = dask is not None or resolve_jobs(jobs) > 1 or bool(urls)
    if scaled and expect is not None:
        raise UsageError("check: --jobs/--dask are not supported with --expect yet (the three-way check runs "
                         "on one core); drop --jobs/--dask")
    if expect is not None:
        if traffic is None and spec is not None:  # comparison 1 of issue 9: expectations vs the spec
            return check_expectations(spec, expect, severity=severity, ignore=ignore, level=level,
                                      allow_remote_refs=allow_remote_refs, cwd=cwd)
        if traffic is None:
            raise UsageError("check: expect= needs spec= (expectations vs the spec) or traffic= (traffic vs "
                             "the expectations), or both")
        return _check_traffic_expectations(
            traffic, spec, expect, severity=severity, ignore=ignore, level=level, strict=strict, progress=progress,
            allow_remote_refs=allow_remote_refs, cwd=cwd, today=today, stdin=stdin, **options)
    if traffic is None or spec is None:
        raise UsageError("check: both traffic and spec are required")
    load_families()
    overrides = _severity_overrides(severity or {}, REGISTRY)
    day = today or _dt.date.today()
    checker = spec_checker(spec, allow_remote_refs=allow_remote_refs, cwd=cwd,
                           redaction_salt=_recording_salt(traffic), **options)
    with _frozen_heap():  # the spec and the compiled checker live as long as the run: no collection walks them
        return _check_recordings(checker, traffic, spec, overrides, ignore, level, day, strict=strict,
                                 stdin=stdin, scaled=scaled, jobs=jobs, dask=dask, unit_size=unit_size,
                                 progress=progress, allow_remote_refs=allow_remote_refs, cwd=cwd, options=options)


def _check_recordings(checker: SpecChecker, traffic: Any, spec: Any, overrides: Mapping[str, Severity | None],
                      ignore: Iterable[str] | str | os.PathLike[str] | None, level: Any, day: Any, *,
                      strict: bool, stdin: Any, scaled: bool, jobs: int | str, dask: Any,
                      unit_size: int | None, progress: Callable[[int], None] | None, allow_remote_refs: bool,
                      cwd: str | None, options: dict[str, Any]) -> Report:
    """:func:`check` once its checker is compiled: read (or fan out), check, report."""
    from ._gcpause import _gc_paused
    from .spec.refcheck import check_refs

    loaded = checker.spec
    warnings: list[str] = [*getattr(loaded, "warnings", []), *check_refs(loaded).warnings]  # type: ignore[arg-type]
    sources = _TrafficSources(traffic, strict=strict, stdin=stdin)
    with _deep_recursion("an exchange or the spec is nested too deeply to check"):
        if scaled:  # check --jobs / --dask: the same report, from units folded elsewhere
            from .parallel import check_traffic
            from .store.partition import UNIT_BYTES

            sources.names, read_warnings = check_traffic(
                checker, traffic, spec, options=options, jobs=jobs, dask=dask, strict=strict,
                unit_bytes=unit_size or UNIT_BYTES, progress=progress, allow_remote_refs=allow_remote_refs, cwd=cwd)
        else:
            with _gc_paused():  # the checker builds no cycles: the collector would only walk the payloads
                checker.add_all(sources.views(), progress=progress)
        with _gc_paused():  # nor do findings and coverage (values and dicts)
            findings = checker.findings()
            coverage = checker.coverage()
    warnings += (read_warnings if scaled else sources.warnings()) + _check_warnings(checker)
    if not checker.aggregate.exchanges:
        warnings.insert(0, _NOTHING_CHECKED)
    findings, notes = _apply_policy(findings, overrides, ignore, level, day)
    meta = {"command": "check", "spec": loaded.root.display,  # type: ignore[attr-defined]
            "traffic": ", ".join(sources.names) or "(exchanges)", "exchanges": str(checker.aggregate.exchanges)}
    return Report.build(findings, [*warnings, *notes], meta, coverage=coverage)


def check_dask(traffic: Any, spec: Any, *, client: Any = None, **kwargs: Any) -> Report:
    """:func:`check` on a Dask cluster: ``traffic`` is a ``dask.bag.Bag`` of recording lines (its
    partitions are the units) or paths/fsspec URLs (cut into the units ``jobs`` uses, so the report is
    the ``jobs=1`` one); each unit is checked on a worker, only the aggregates travel, reduced in a
    tree. ``client``: a ``distributed.Client`` (default: the current one). ``kwargs``: :func:`check`'s."""
    if client is None:
        import importlib

        from .errors import UsageError

        try:
            client = importlib.import_module("distributed").get_client()
        except ImportError:
            raise UsageError("check_dask needs the dask extra: pip install 'contractdrift[dask]'") from None
        except ValueError as exc:
            raise UsageError(f"check_dask: no Dask client ({exc}); pass client=") from None
    return check(traffic, spec, dask=client, **kwargs)


def _as_exchanges(obj: Any) -> list[Exchange]:
    from .model import Exchange

    items = obj if isinstance(obj, (list, tuple)) else [obj]
    out: list[Exchange] = []
    for item in items:
        if isinstance(item, Exchange):
            out.append(item)
        elif hasattr(item, "status_code") and hasattr(item, "request"):
            from .capture.convert import exchange_from_httpx

            out.append(exchange_from_httpx(item))
        else:
            from .errors import UsageError

            raise UsageError(f"assert_conforms: expected an httpx.Response or an Exchange, got {type(item).__name__}")
    return out


_CHECKERS: dict[tuple[Any, ...], SpecChecker] = {}


def assert_conforms(obj: Any, spec: Any, *, fail_on: Severity | str = "warn", **options: Any) -> None:
    """Raise ``AssertionError`` when an exchange does not conform to ``spec``.

    ``obj``: an ``httpx.Response`` (its request is checked too), an :class:`~contractdrift.model.Exchange`,
    or a list of them. ``spec``: a path (compiled once per process and options), a loaded spec, a
    dict or a :class:`~contractdrift.compare.traffic.SpecChecker`. Findings at or above ``fail_on``
    (default ``warn``) fail; the message lists each one pinpointed: rule, operation, payload path,
    what was sent and what the spec expects, and the spec's file:line.
    """
    from .compare.traffic import SpecChecker
    from .model import Severity

    floor = Severity.parse(fail_on) if isinstance(fail_on, str) else fail_on
    if isinstance(spec, SpecChecker):
        checker = spec
    else:
        key: tuple[Any, ...] | None = None
        if isinstance(spec, (str, os.PathLike)):
            path = os.fspath(spec)
            mtime = os.stat(path).st_mtime_ns if os.path.exists(path) else 0
            key = (path, mtime, tuple(sorted((k, repr(v)) for k, v in options.items())))
        checker = _CHECKERS.get(key) if key is not None else None  # type: ignore[assignment]
        if checker is None:
            checker = spec_checker(spec, **options)
            if key is not None:
                if len(_CHECKERS) >= 8:
                    _CHECKERS.pop(next(iter(_CHECKERS)))
                _CHECKERS[key] = checker
    findings = [f for f in checker.check_exchanges(_as_exchanges(obj)) if f.severity >= floor]
    if findings:
        from .report._common import finding_line

        ordered = sorted(findings, key=lambda f: f.sort_key())
        lines = [f"{len(ordered)} finding(s) against the spec:"] + ["  " + finding_line(f) for f in ordered]
        raise AssertionError("\n".join(lines))


# --- expectations: what clients send and accept (Pact, JSON Schema, a spec copy) ---------------------------


def load_expectations(
    path_or_url: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    provider: str | None = None,
    consumer_version_tags: Sequence[str] = (),
    branch: str | None = None,
    latest: bool = False,
    env: Mapping[str, str] | None = None,
    allow_remote_refs: bool = False,
    cwd: str | None = None,
) -> Expectations:
    """Load client expectations: Pact files (V1–V4, matchers compiled to JSON Schema), JSON Schema
    expectations files, a client's copy of an OpenAPI spec, whole directories of them, or — when
    ``path_or_url`` is an ``http(s)://`` URL and ``provider`` is given — the pacts a Pact Broker holds
    for that provider (selected by ``consumer_version_tags``, ``branch``, ``latest``; credentials from
    ``PACT_BROKER_TOKEN`` or ``PACT_BROKER_USERNAME``/``PACT_BROKER_PASSWORD`` in ``env``, default
    the process environment). The result is a frozen :class:`Expectations` value: its interactions
    carry the compiled schemas, its notes what could not be compiled exactly."""
    from .errors import UsageError
    from .expect.broker import BrokerSelection
    from .expect.load import load_broker, load_paths
    from .expect.model import Expectations as _Expectations

    if isinstance(path_or_url, (str, os.PathLike)) and str(path_or_url).startswith(("http://", "https://")):
        if not provider:
            raise UsageError("a Pact Broker URL needs the provider name (--provider NAME)")
        selection = BrokerSelection(provider=provider, tags=tuple(consumer_version_tags), branch=branch,
                                    latest=latest)
        return load_broker(str(path_or_url), selection, env=dict(env) if env is not None else None)
    paths = [path_or_url] if isinstance(path_or_url, (str, os.PathLike)) else list(path_or_url)
    if cwd is not None:
        paths = [p if os.path.isabs(p) else os.path.join(cwd, p) for p in paths]
    expectations, spec_paths = load_paths(paths)
    specs = tuple(_as_spec(p, allow_remote_refs=allow_remote_refs, cwd=cwd) for p in spec_paths)
    return expectations + _Expectations(client_specs=specs)


def check_expectations(
    spec: Any,
    expect: Any,
    *,
    severity: Mapping[str, Any] | None = None,
    ignore: Iterable[str] | str | os.PathLike[str] | None = None,
    level: Any = None,
    allow_remote_refs: bool = False,
    cwd: str | None = None,
    strict_refs: bool = False,
) -> Report:
    """Comparison 1 of issue 9: client expectations against a spec, no traffic.

    ``spec`` is a path, a loaded spec or a dict; ``expect`` an :class:`Expectations` value (see
    :func:`load_expectations`) or what that function accepts. For each interaction the client's
    compiled request is compared with the spec's request (client = producer) and the spec's response
    with the client's compiled expectation (spec = producer), with the same walker as ``diff``. A
    client's copy of a spec is compared as a ``diff`` whose base is that copy."""
    import datetime as _dt

    from .compare.expect import ExpectCheck
    from .compare.rules import REGISTRY, load_families
    from .expect.model import Expectations as _Expectations
    from .spec.refcheck import check_refs

    load_families()
    exp = expect if isinstance(expect, _Expectations) else load_expectations(expect, cwd=cwd)
    s = _as_spec(spec, allow_remote_refs=allow_remote_refs, cwd=cwd)
    warnings: list[str] = [*s.warnings, *check_refs(s, strict=strict_refs).warnings]
    driver = ExpectCheck(s, exp)
    with _deep_recursion("the spec or the expectations are nested too deeply to compare"):
        findings = list(driver.run())
        for copy in exp.client_specs:
            findings += diff_specs(copy, s, cwd=cwd, strict_refs=strict_refs).findings
    warnings += driver.warnings
    day = _dt.date.today()
    findings, notes = _apply_policy(findings, _severity_overrides(severity or {}, REGISTRY), ignore, level, day)
    meta = {"command": "check", "spec": s.root.display, "interactions": str(len(exp.interactions)),
            "checked": str(driver.checked),
            "expectations": ", ".join(src.name for src in exp.sources)}
    return Report.build(findings, [*warnings, *notes], meta)


def _check_traffic_expectations(
    traffic: Any, spec: Any, expect: Any, *, severity: Mapping[str, Any] | None, ignore: Any, level: Any,
    strict: bool, progress: Callable[[int], None] | None, allow_remote_refs: bool, cwd: str | None, today: Any,
    stdin: Any, **options: Any,
) -> Report:
    """Comparisons 2 and 3 of issue 9: recorded traffic against what the clients expect (their
    compiled Pact/JSON Schema expectations, as one client contract checked by the traffic checker)
    and, with a spec, the three pairs at once: traffic vs spec, traffic vs clients, clients vs spec.
    One pass over the traffic feeds both checkers."""
    import datetime as _dt

    from .compare.expect import ExpectCheck, ExpectDoc
    from .compare.expect_traffic import ClientTrafficChecker, spec_router
    from .compare.rules import REGISTRY, load_families
    from .compare.three_way import FieldCensus, safe_to_change, three_way_rows
    from .expect.model import Expectations as _Expectations
    from .spec.refcheck import check_refs

    load_families()
    exp = expect if isinstance(expect, _Expectations) else load_expectations(expect, cwd=cwd)
    loaded = _as_spec(spec, allow_remote_refs=allow_remote_refs, cwd=cwd) if spec is not None else None
    servers = loaded.root.data.get("servers") if loaded is not None and isinstance(loaded.root.data, Mapping) else None
    consumers = ", ".join(sorted({i.consumer for i in exp.interactions if i.consumer})) or "client"
    docs = {src.name: ExpectDoc(src) for src in exp.sources}
    # each exchange against the ONE interaction that describes it; a client ignores response properties
    # it does not read (Pact allows unexpected keys in responses)
    route = spec_router(loaded) if loaded is not None else None
    salt = _recording_salt(traffic)
    client_checker = ClientTrafficChecker(exp, docs, route=route, servers=servers,
                                          options=_check_options({**options, "undocumented": "off"}),
                                          redact=_example_redactor(salt))
    census = FieldCensus(route, redact=_example_redactor(salt)) if route is not None else None  # comparison 3
    spec_checker_ = spec_checker(loaded, redaction_salt=salt, **options) if loaded is not None else None
    warnings: list[str] = []
    findings: list[Finding] = []
    coverage: dict[str, Any] | None = None
    sources = _TrafficSources(traffic, strict=strict, stdin=stdin)
    from ._gcpause import _gc_paused

    n = 0
    with _deep_recursion("an exchange, the spec or the expectations are nested too deeply to check"), \
            _frozen_heap(), _gc_paused():  # as check: the specs live all run, the checkers build no cycles
        for n, ex in enumerate(sources.views(), 1):  # check's read path
            client_checker.add(ex)
            if spec_checker_ is not None:
                spec_checker_.add(ex)
            if census is not None:
                census.add(ex)
            if progress is not None and n % 1000 == 0:
                progress(n)
        findings += client_checker.findings()
        if spec_checker_ is not None and loaded is not None:
            warnings += [*loaded.warnings, *check_refs(loaded).warnings]
            findings += spec_checker_.findings()
            coverage = dict(spec_checker_.coverage())
            driver = ExpectCheck(loaded, exp)
            findings += driver.run()
            warnings += driver.warnings
            coverage["clients"] = {name: sorted(ops) for name, ops in sorted(driver.relied.items())}
            relied = set().union(*driver.relied.values()) if driver.relied else set()
            coverage["operations_no_client_relies_on"] = sorted(
                op.label for op in driver.ops.values() if op.label not in relied)
    uncovered = client_checker.uncovered
    if uncovered:
        per_op = ", ".join(f"{op} ({n})" for op, n in sorted(uncovered.items()))
        warnings.append(f"{sum(uncovered.values())} exchange(s) match no interaction of the client expectations "
                        f"(not findings: other clients may make them): {per_op}")
    warnings += sources.warnings()
    warnings += _check_warnings(client_checker)
    if not n:
        warnings.insert(0, _NOTHING_CHECKED)
    day = today or _dt.date.today()
    findings, notes = _apply_policy(findings, _severity_overrides(severity or {}, REGISTRY), ignore, level, day)
    if coverage is not None and census is not None and route is not None and loaded is not None:
        # the three-way view per disagreeing field, and the fields safe to change
        coverage["three_way"] = three_way_rows(findings, loaded.root.data, exp, census, route)
        coverage["safe_to_change"] = safe_to_change(loaded.root.data, exp, census, route)
    meta = {"command": "check", "traffic": ", ".join(sources.names) or "(exchanges)",
            "exchanges": str(client_checker.exchanges),
            "expectations": ", ".join(src.name for src in exp.sources), "consumers": consumers}
    if loaded is not None:
        meta["spec"] = loaded.root.display
    return Report.build(findings, [*warnings, *notes], meta, coverage=coverage)
