"""Composed pipelines: the only module that chains stages (capture -> store -> infer -> compare -> report)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .capture.recorder import RecorderStats
    from .infer import InferredAPI
    from .model import Exchange
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
    from .errors import InputError

    for ex in reader:
        if strict and reader.problems:
            p = reader.problems[0]
            raise InputError(f"malformed recording: {p.message}", file=p.file, line=p.line)
        yield ex
    if strict and reader.problems:
        p = reader.problems[0]
        raise InputError(f"malformed recording: {p.message}", file=p.file, line=p.line)


def infer(
    exchanges: Iterable[Exchange] | str | os.PathLike[str],
    *,
    spec: str | os.PathLike[str] | LoadedSpec | None = None,
    templates: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    strict: bool = True,
    **options: Any,
) -> InferredAPI:
    """Infer what each operation accepts and returns from exchanges (or a recording path).

    ``spec`` maps concrete URLs to its path templates; ``templates`` (``"/users/{id}"``) override
    both spec and heuristics. ``options`` are :class:`~contractdrift.infer.InferOptions` fields
    (``required_ratio=0.95``, ``enum_max_values=5``, ``bounds=True``...). A recording path is
    streamed; with ``strict`` a damaged line raises ``InputError`` naming file and line, otherwise
    it is skipped. Returns an :class:`~contractdrift.infer.InferredAPI`.
    """
    from .errors import UsageError
    from .infer import InferOptions, infer_exchanges
    from .store.reader import read_recording

    try:
        opts = InferOptions.from_kwargs(options)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    router = spec_router(spec, templates)
    if isinstance(exchanges, (str, os.PathLike)):
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
    **options: Any,
) -> InferredAPI:
    """:func:`infer` over several recordings and/or saved summaries (``InferredAPI.to_json`` files),
    merged. User ``templates`` also re-template saved summaries."""
    from .errors import InputError
    from .infer import InferredAPI
    from .infer.inferred import FORMAT_ID

    result: InferredAPI | None = None
    done = 0
    for source in sources:
        path = os.fspath(source)
        part: InferredAPI
        if _is_summary(path, FORMAT_ID):
            try:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror or exc}", file=path) from None
            part = InferredAPI.from_json(text, source=path)
            router = spec_router(None, templates)
            if router is not None:
                part = part.retemplate(router)
        else:
            offset = done

            def shifted(n: int, offset: int = offset) -> None:
                if progress is not None:
                    progress(offset + n)

            part = infer(path, spec=spec, templates=templates, progress=shifted, strict=strict, **options)
            done += part.exchanges
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
