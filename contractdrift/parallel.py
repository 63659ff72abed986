"""Inference over archives: units of work folded on one core, in a process pool, or on a Dask cluster.

An API-level module (it chains ``store`` and ``infer``, like :mod:`contractdrift.api`). The recipe:

1. :func:`~contractdrift.store.partition.partition` cuts the inputs into units (byte ranges of large
   JSON Lines files at line boundaries, whole gzip/HAR files), fixed by the inputs alone;
2. :class:`InferTask` folds one unit into an :class:`~contractdrift.infer.InferredAPI` summary plus
   small statistics (:class:`UnitOutcome`) -- in this process, in a pool worker, or on a Dask worker;
3. the summaries are merged in one fixed tree shape (:mod:`contractdrift.store.runner`), and damaged
   lines are reported with the file's true line numbers, computed from the line counts of the units
   before them.

Because the units and the tree do not depend on the number of workers, ``--jobs 1``, ``--jobs N``
and a cluster give the same summaries, hence byte-identical documents.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._gcpause import _gc_paused
from .errors import InputError, UsageError, WorkerError
from .infer import InferOptions, InferredAPI, infer_exchanges
from .store.partition import (
    UNIT_BYTES,
    DamagedLine,
    Unit,
    UnitLineError,
    UnitReader,
    absolute_line,
    partition,
)
from .store.reader import RecordingProblem, RecordingWarning
from .store.runner import TreeMerger, resolve_jobs, run_in_order, tree_merge

if TYPE_CHECKING:
    from .compare.aggregate import CheckAggregate

__all__ = [
    "CheckNotice",
    "CheckPart",
    "CheckTask",
    "InferTask",
    "UnitOutcome",
    "check_traffic",
    "fold_units",
    "infer_dask",
    "infer_units",
]


@dataclass(frozen=True, slots=True)
class UnitOutcome:
    """What folding one unit produced: the summary (``None`` after a strict failure) and statistics.

    Problem line numbers are relative to the unit. ``summary`` is an
    :class:`~contractdrift.infer.InferredAPI` for ``infer``; :func:`fold_units` accepts any mergeable
    value (e.g. another command's aggregate of findings).
    """

    unit: Unit
    lines: int
    exchanges: int
    skipped: int
    problems: tuple[RecordingProblem, ...]
    failure: RecordingProblem | None
    summary: Any

    def stats(self) -> UnitOutcome:
        """The same outcome without the summary (what travels apart from the reduction tree)."""
        return dataclasses.replace(self, summary=None)


_ROUTERS: dict[tuple[str | None, tuple[str, ...]], tuple[Any, Any]] = {}


def _routing(spec: str | None, templates: tuple[str, ...]) -> tuple[Any, Any]:
    """``(router, strip_base)`` as :func:`~contractdrift.api.infer_api` builds them, once per process."""
    if spec is None and not templates:
        return None, None  # (and the spec loader is never imported)
    key = (spec, templates)
    if key not in _ROUTERS:
        from .api import _spec_route_table, spec_router
        from .spec.load import load_spec

        loaded = load_spec(spec) if spec is not None else None
        strip = _spec_route_table(loaded).strip_base if loaded is not None else None
        _ROUTERS[key] = (spec_router(loaded, templates), strip)
    return _ROUTERS[key]


@dataclass(frozen=True, slots=True)
class InferTask:
    """Fold one unit into a summary (picklable: the spec travels as a path, the router is rebuilt)."""

    options: InferOptions = dataclasses.field(default_factory=InferOptions)
    spec: str | None = None
    templates: tuple[str, ...] = ()
    strict: bool = True

    def __call__(self, unit: Unit, lines: Iterable[bytes | str] | None = None) -> UnitOutcome:
        reader = UnitReader(unit, strict=self.strict, lines=lines)
        failure: RecordingProblem | None = None
        summary: InferredAPI | None
        from .api import _deep_recursion

        try:
            router, strip_base = _routing(self.spec, self.templates)
            with _deep_recursion("an exchange is nested too deeply to infer"), _gc_paused():
                summary = infer_exchanges(reader, self.options, router=router, strip_base=strip_base)
        except DamagedLine as exc:
            summary, failure = None, exc.problem
        return UnitOutcome(unit=unit, lines=reader.lines, exchanges=reader.count, skipped=reader.skipped,
                           problems=tuple(reader.problems), failure=failure, summary=summary)


def _merge(a: InferredAPI | None, b: InferredAPI | None) -> InferredAPI | None:
    if a is None or b is None:  # a failed unit: the run fails, the value no longer matters
        return None
    return a.merge(b)


class _Collector:
    """Consumes outcomes in unit order: true line numbers, strict failures, warnings, merged summary."""

    def __init__(self, strict: bool, progress: Callable[[int], None] | None) -> None:
        self.strict = strict
        self.progress = progress
        self.lines_before: dict[str, int] = {}
        self.problems: dict[str, list[RecordingProblem]] = {}
        self.skipped: dict[str, int] = {}
        self.exchanges = 0

    def add(self, o: UnitOutcome) -> None:
        before = self.lines_before.get(o.unit.file, 0)
        if o.failure is not None:
            raise InputError(f"malformed recording: {o.failure.message}", file=o.failure.file,
                             line=absolute_line(o.failure.line, before))
        if o.problems or o.skipped:
            kept = self.problems.setdefault(o.unit.file, [])
            kept.extend(dataclasses.replace(p, line=absolute_line(p.line, before)) for p in o.problems)
            self.skipped[o.unit.file] = self.skipped.get(o.unit.file, 0) + o.skipped
        self.lines_before[o.unit.file] = before + o.lines
        self.exchanges += o.exchanges
        if self.progress is not None:
            self.progress(self.exchanges)

    def warn(self) -> None:
        for file, problems in self.problems.items():
            if self.strict:  # only tolerated problems (truncated last lines) get here
                for p in problems:
                    warnings.warn(str(p), RecordingWarning, stacklevel=3)
                continue
            n = self.skipped[file]
            shown = "; ".join(str(p) for p in problems[:3])
            more = f" (and {n - 3} more)" if n > 3 else ""
            warnings.warn(f"{file}: skipped {n} damaged part(s): {shown}{more}", RecordingWarning, stacklevel=3)


def fold_units(
    units: Sequence[Unit],
    task: Callable[[Unit], UnitOutcome],
    merge: Callable[[Any, Any], Any],
    *,
    strict: bool = True,
    jobs: int | str = 1,
    progress: Callable[[int], None] | None = None,
    mp_context: str | None = None,
) -> Any:
    """The generic driver: ``task`` folds each unit (on ``jobs`` processes), the summaries are merged
    with ``merge`` in the fixed tree shape, damaged lines get their true line numbers (with
    ``strict`` the first one in file order raises :class:`InputError`; otherwise they are warned
    about), and a dead worker raises :class:`~contractdrift.errors.WorkerError`. Returns the merged
    summary, or ``None`` when there were no units.
    """
    collector = _Collector(strict, progress)

    def merge_present(a: Any, b: Any) -> Any:
        return None if a is None or b is None else merge(a, b)

    total = _fold_in_order(units, task, merge_present, collector.add, jobs=jobs, mp_context=mp_context)
    collector.warn()
    return total


def _fold_in_order(units: Sequence[Unit], task: Callable[[Unit], UnitOutcome], merge: Callable[[Any, Any], Any],
                   collect: Callable[[UnitOutcome], None], *, jobs: int | str, mp_context: str | None) -> Any:
    """Each unit's outcome, in unit order (on ``jobs`` processes), to ``collect``; their summaries
    merged with ``merge`` in the fixed tree shape (``None``: no units)."""
    merger: TreeMerger[Any] = TreeMerger(merge)
    outcomes = run_in_order(units, task, jobs=resolve_jobs(jobs), mp_context=mp_context)
    with contextlib.closing(outcomes):
        for outcome in outcomes:
            collect(outcome)
            merger.add(outcome.summary)
    return merger.result()


def infer_units(
    units: Sequence[Unit],
    task: InferTask,
    *,
    jobs: int | str = 1,
    progress: Callable[[int], None] | None = None,
    mp_context: str | None = None,
) -> InferredAPI:
    """Fold ``units`` with ``task`` on ``jobs`` processes and merge them in the fixed tree shape.

    A damaged line (with ``task.strict``) raises :class:`InputError` naming the file and its true line
    number; a dead worker raises :class:`~contractdrift.errors.WorkerError`. Problems that were
    skipped are emitted as :class:`RecordingWarning`.
    """
    result = fold_units(units, task, InferredAPI.merge, strict=task.strict, jobs=jobs, progress=progress,
                        mp_context=mp_context)
    return result if isinstance(result, InferredAPI) else InferredAPI(task.options)


# --- Dask ----------------------------------------------------------------------------------------


def _summary_of(o: UnitOutcome) -> Any:
    return o.summary


def _stats_of(o: UnitOutcome) -> UnitOutcome:
    return o.stats()


def _fold_partition(lines: Iterable[bytes | str], index: int, task: InferTask) -> UnitOutcome:
    return task(Unit(index, f"<bag partition {index}>", "stream"), lines)


def _dask() -> tuple[Any, Any]:
    import importlib

    try:
        dask: Any = importlib.import_module("dask")
    except ImportError:
        raise UsageError("Dask support needs the dask extra: pip install 'contractdrift[dask]'") from None
    return dask, dask.delayed


def infer_dask(
    source: Any,
    *,
    client: Any = None,
    spec: str | os.PathLike[str] | None = None,
    templates: Sequence[str] = (),
    skip_damaged: bool = False,
    unit_bytes: int = UNIT_BYTES,
    options: InferOptions | None = None,
    **overrides: Any,
) -> InferredAPI:
    """:func:`contractdrift.infer` on Dask: each partition folds to a summary on a worker, only the
    summaries travel, and they are reduced in a tree (the shape ``--jobs`` uses).

    ``source`` is a ``dask.bag.Bag`` of recording lines (``str`` or ``bytes``, e.g.
    ``dask.bag.read_text("s3://bucket/traffic/*.jsonl")``) or a list of paths/URLs (fsspec: ``s3://``,
    ``gs://`` with s3fs/gcsfs installed; the workers must be able to read them). Paths are cut into
    the same units as ``--jobs``, so the result is identical to :func:`contractdrift.infer`; a bag's
    partitions are its own units. ``client`` is a ``distributed.Client`` (default: Dask's current
    scheduler). A damaged line raises :class:`InputError` naming file and line, unless
    ``skip_damaged``. ``options`` (an :class:`InferOptions`) and ``overrides`` (some of its fields
    by keyword) are those of :func:`contractdrift.infer`.
    """
    dask, delayed = _dask()
    opts = _options(options, overrides)
    strict = not skip_damaged
    task = InferTask(opts, None if spec is None else os.fspath(spec), tuple(templates), strict)
    if isinstance(source, (str, os.PathLike)):
        source = [source]
    if hasattr(source, "to_delayed") and hasattr(source, "npartitions"):
        parts = source.to_delayed()
        fold = delayed(_fold_partition, pure=True)
        outcomes = [fold(part, i, task) for i, part in enumerate(parts)]
    else:
        units = partition([os.fspath(s) for s in source], unit_bytes=unit_bytes)
        run = delayed(task, pure=True)
        outcomes = [run(u) for u in units]
    summaries = [delayed(_summary_of, pure=True)(o) for o in outcomes]
    stats = [delayed(_stats_of, pure=True)(o) for o in outcomes]
    merge = delayed(_merge, pure=True)
    total = tree_merge(summaries, merge) if summaries else None
    values = [total, *stats] if total is not None else []
    if client is not None:
        computed = client.gather(client.compute(values)) if values else []
    else:
        computed = list(dask.compute(*values)) if values else []
    collector = _Collector(strict, None)
    for o in computed[1:]:
        collector.add(o)
    collector.warn()
    result = computed[0] if computed else None
    return result if isinstance(result, InferredAPI) else InferredAPI(opts)


def infer_sources(
    sources: Sequence[str | os.PathLike[str]],
    *,
    jobs: int | str = 1,
    dask: Any = None,
    spec: str | os.PathLike[str] | None = None,
    templates: Sequence[str] = (),
    skip_damaged: bool = False,
    unit_bytes: int = UNIT_BYTES,
    progress: Callable[[int], None] | None = None,
    options: InferOptions | Mapping[str, Any] | None = None,
) -> InferredAPI:
    """Recordings (files, directories, URLs) -> one summary, with ``jobs`` processes or on ``dask``
    (a scheduler address, ``"local"`` for a LocalCluster, or a ``distributed.Client``).
    ``options``: an :class:`InferOptions` or its fields by name."""
    opts = options if isinstance(options, InferOptions) else _options(None, dict(options or {}))
    spec_path = None if spec is None else os.fspath(spec)
    if dask is None:
        task = InferTask(opts, spec_path, tuple(templates), not skip_damaged)
        if spec_path is not None:
            _routing(spec_path, task.templates)  # a bad spec fails here, once, not in every worker
        units = partition(sources, unit_bytes=unit_bytes)
        return infer_units(units, task, jobs=jobs, progress=progress)
    with _dask_client(dask, jobs) as client:
        return infer_dask(list(sources), client=client, spec=spec_path, templates=templates,
                          skip_damaged=skip_damaged, unit_bytes=unit_bytes, options=opts)


def _options(options: InferOptions | None, overrides: Mapping[str, Any]) -> InferOptions:
    """``options`` with ``overrides`` (field names) applied; bad names or values are usage errors."""
    try:
        if options is None:
            return InferOptions.from_kwargs(dict(overrides))
        return dataclasses.replace(options, **overrides) if overrides else options
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None


@contextlib.contextmanager
def _dask_client(target: Any, jobs: int | str) -> Any:
    import importlib

    _dask()
    try:
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise UsageError("--dask needs dask.distributed: pip install 'contractdrift[dask]'") from None
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    if not isinstance(target, str):
        yield target
        return
    if target == "local":
        workers = resolve_jobs("auto" if jobs in (1, "1") else jobs)
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            yield client
        return
    try:
        client = Client(target, timeout=10)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"--dask {target}: cannot reach the scheduler ({exc})") from None
    with client:
        yield client


# --- check ---------------------------------------------------------------------------------------
#
# ``check`` folds each unit into a :class:`~contractdrift.compare.aggregate.CheckAggregate` (a
# commutative monoid), but two things a serial check does depend on what it checked *before*, so
# they travel beside the aggregate as ordered events and are replayed by the parent in unit order:
#
# - undocumented paths are named by ``infer``'s online templater, whose naming changes once a prefix
#   has seen many distinct literal segments: workers keep the request (method, URL, seen) of every
#   exchange on an undocumented path, and the parent checks those again, in order, with its templater;
# - notices reported once per compiled schema (an unknown ``format``, a keyword not validated) fire
#   at the first payload that reaches them: every unit starts a fresh notice epoch, and of the
#   notices of one schema place only those of the first unit (in file order) that met it are kept.


_PLACEHOLDER = "\x00"  # the label of an undocumented path inside a worker (replaced by the parent)
_DEEP_NOTE = "exchanges nested too deeply to check"
_CASSETTE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class CheckNotice:
    """A once-per-compiled-schema notice met by one exchange: what it adds to the notes and the
    observations (``(key, pending)`` as :class:`~contractdrift.compare.traffic.SpecChecker` holds them)."""

    identity: tuple[Any, ...]
    seen: tuple[float, str]
    notes: tuple[tuple[str, int], ...]
    observations: tuple[tuple[Any, Any], ...]


@dataclass(frozen=True, slots=True)
class CheckPart:
    """What checking one unit (or consecutive units, merged) gives: the aggregate, the requests on
    undocumented paths in file order, and the once-per-schema notices. :meth:`merge` (left = the
    earlier units) is associative with ``CheckPart()`` as identity."""

    aggregate: CheckAggregate = dataclasses.field(default_factory=lambda: _aggregate())
    undocumented: tuple[tuple[str, str, float, str], ...] = ()  # (method, url, started_at, id)
    notices: tuple[CheckNotice, ...] = ()

    def merge(self, other: CheckPart) -> CheckPart:
        have = {n.identity for n in self.notices}
        return CheckPart(self.aggregate.merge(other.aggregate), self.undocumented + other.undocumented,
                         self.notices + tuple(n for n in other.notices if n.identity not in have))


def _aggregate() -> CheckAggregate:
    from .compare.aggregate import CheckAggregate

    return CheckAggregate()


def _merge_parts(a: CheckPart | None, b: CheckPart | None) -> CheckPart | None:
    if a is None or b is None:
        return None
    return a.merge(b)


def _unit_checker_class() -> Any:
    """The worker's :class:`SpecChecker`: undocumented paths get a placeholder label (and are
    remembered), once-per-schema notices are kept apart (built lazily: importing ``compare`` is not
    free)."""
    global _UNIT_CHECKER
    if _UNIT_CHECKER is not None:
        return _UNIT_CHECKER
    from .compare.aggregate import CheckAggregate
    from .compare.traffic import SpecChecker
    from .compare.validate import is_once_notice

    class UnitChecker(SpecChecker):
        def __init__(self, spec: Any, options: Any) -> None:
            super().__init__(spec, options, templater=self._placeholder)
            self.undocumented_hit = False
            self.pending: list[tuple[tuple[Any, ...], dict[str, int], dict[Any, Any]]] = []

        def _placeholder(self, path: str) -> str:
            self.undocumented_hit = True
            return _PLACEHOLDER

        def _violations(self, violations: Sequence[Any], *, label: str, side: Any, status: str | None,
                        media: str | None, prefix: Any, root_scope: str, inner_scope: str, instance: Any,
                        what: str) -> None:
            if not violations:  # the clean payload: nothing to file (and no keywords packed: the hot path)
                return
            kw = {"label": label, "side": side, "status": status, "media": media, "prefix": prefix,
                  "root_scope": root_scope, "inner_scope": inner_scope, "instance": instance, "what": what}
            plain = [v for v in violations if not is_once_notice(v)]
            if len(plain) == len(violations):
                super()._violations(violations, **kw)
                return
            for v in violations:
                if not is_once_notice(v):
                    super()._violations([v], **kw)
                    continue
                agg, current = self.aggregate, self._current
                self.aggregate, self._current = CheckAggregate(), {}
                try:
                    super()._violations([v], **kw)
                    notes, observed = dict(self.aggregate.notes), dict(self._current)
                finally:
                    self.aggregate, self._current = agg, current
                identity = (kw["side"].value, v.concept, v.keyword, self._loc(v.schema), repr(v.args), repr(v.origin))
                self.pending.append((identity, notes, observed))

    _UNIT_CHECKER = UnitChecker
    return UnitChecker


_UNIT_CHECKER: Any = None
_CHECKERS = threading.local()  # per worker thread: (task key) -> UnitChecker (a checker serves one thread)


def _exchange_line(line: bytes) -> Any:
    """One JSON Lines line -> an :class:`Exchange` (or a header ``dict``), as ``check``'s reader reads it."""
    from .model import Exchange
    from .store.fastjson import loads
    from .store.jsonl import FORMAT_NAME

    try:
        obj = loads(line)
    except RecursionError:
        raise UnitLineError("JSON nested too deeply to read") from None
    if isinstance(obj, dict) and obj.get("format") == FORMAT_NAME:
        return obj
    try:
        return Exchange.from_dict(obj)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        what = (f"missing {exc.args[0]!r}" if exc.args else "missing field") if isinstance(exc, KeyError) \
            else f"{type(exc).__name__}: {str(exc)[:200]}"
        raise UnitLineError(f"not an exchange ({what})") from None


def _fast_line_decoder() -> Callable[[bytes | str], Any]:
    """``check``'s fast decoding (:func:`~contractdrift.store.records.decode_checked`: light views,
    request bodies parsed when read) with :func:`_exchange_line` deciding every line it declines;
    the nesting allowance is that of the calling frame, as the serial reader computes it."""
    import sys

    from .store.records import decode_checked

    frame, depth = sys._getframe(), 0
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    allowance = max(sys.getrecursionlimit() - depth - 250, 0)

    def decode(line: bytes | str) -> Any:
        if isinstance(line, bytes):
            view = decode_checked(line, allowance)
            if view is not None:
                return view
        return _exchange_line(line)
    return decode


@dataclass(frozen=True, slots=True)
class CheckTask:
    """Check one unit into a :class:`CheckPart` (picklable: the spec travels as a path or a dict; each
    worker thread loads and compiles it once, on its first unit)."""

    spec: str | Mapping[str, Any]
    options: tuple[tuple[str, Any], ...] = ()
    allow_remote_refs: bool = False
    cwd: str | None = None
    strict: bool = True

    def checker(self) -> Any:
        import json

        spec_key = self.spec if isinstance(self.spec, str) else json.dumps(self.spec, sort_keys=True, default=repr)
        key = (spec_key, self.options, self.allow_remote_refs, self.cwd)
        cache: dict[Any, Any] | None = getattr(_CHECKERS, "by_task", None)
        if cache is None:
            cache = _CHECKERS.by_task = {}
        checker = cache.get(key)
        if checker is None:
            from .api import _as_spec, _check_options

            if len(cache) >= 4:  # a long-lived Dask worker serving many specs keeps the last few
                cache.clear()

            loaded = _as_spec(self.spec, allow_remote_refs=self.allow_remote_refs, cwd=self.cwd)
            checker = cache[key] = _unit_checker_class()(loaded, _check_options(dict(self.options)))
        return checker

    def __call__(self, unit: Unit, lines: Iterable[bytes | str] | None = None) -> UnitOutcome:
        from .api import _deep_recursion
        from .compare.validate import new_notice_epoch

        checker = self.checker()
        new_notice_epoch(checker.spec)
        agg = checker.aggregate = _aggregate()
        checker._current.clear()  # (a unit that failed before left its state behind)
        checker.pending.clear()
        reader = UnitReader(unit, strict=self.strict, lines=lines, decode=_fast_line_decoder())
        cassette = lines is None and unit.kind == "stream" and unit.file.endswith(_CASSETTE_SUFFIXES)
        undocumented: list[tuple[str, str, float, str]] = []
        notices: list[CheckNotice] = []
        failure: RecordingProblem | None = None
        count = 0
        exchanges: Iterable[Any] = _cassette(unit.file) if cassette else reader
        try:
            with _deep_recursion("an exchange or the spec is nested too deeply to check"), _gc_paused():
                for ex in exchanges:
                    checker.undocumented_hit = False
                    deep = agg.notes.get(_DEEP_NOTE, 0)
                    checker.add(ex)
                    count += 1
                    if checker.undocumented_hit:
                        undocumented.append((ex.request.method, ex.request.url, ex.started_at, ex.id))
                    if checker.pending:
                        dropped = agg.notes.get(_DEEP_NOTE, 0) != deep  # the exchange's observations were dropped
                        seen = (ex.started_at, ex.id)
                        notices += [CheckNotice(identity, seen, tuple(notes.items()),
                                                () if dropped else tuple(observed.items()))
                                    for identity, notes, observed in checker.pending]
                        checker.pending.clear()
        except DamagedLine as exc:
            failure = exc.problem
        part: CheckPart | None = None
        if failure is None:
            agg.exchanges -= len(undocumented)  # checked again by the parent, with the true label
            for label in [k for k in agg.operations if k.endswith(_PLACEHOLDER)]:
                del agg.operations[label]
            for key in [k for k in agg.observations if k[1].endswith(_PLACEHOLDER)]:
                del agg.observations[key]
            part = CheckPart(agg, tuple(undocumented), tuple(notices))
        checker.aggregate = _aggregate()  # do not keep the unit's aggregate alive in the cache
        return UnitOutcome(unit=unit, lines=reader.lines, exchanges=count if cassette else reader.count,
                           skipped=reader.skipped, problems=tuple(reader.problems), failure=failure, summary=part)


def _cassette(path: str) -> Iterable[Any]:
    from .capture.cassette import load_cassette

    return load_cassette(path)


class _CheckCollector:
    """Outcomes in unit order: true line numbers, the first strict failure, and the damaged parts of
    each traffic source (the first five listed, the rest counted, as a serial ``check`` reports them)."""

    def __init__(self, origin: Mapping[int, str], progress: Callable[[int], None] | None) -> None:
        self.origin = origin  # unit index -> the traffic source it came from
        self.progress = progress
        self.lines_before: dict[tuple[str, str], int] = {}
        self.shown: dict[str, list[str]] = {}
        self.skipped: dict[str, int] = {}
        self.exchanges = 0

    def add(self, o: UnitOutcome) -> None:
        source = self.origin.get(o.unit.index, o.unit.file)
        place = (source, o.unit.file)
        before = self.lines_before.get(place, 0)
        if o.failure is not None:
            raise InputError(f"malformed recording: {o.failure.message}", file=o.failure.file,
                             line=absolute_line(o.failure.line, before))
        if o.skipped:
            shown = self.shown.setdefault(source, [])
            shown += [str(dataclasses.replace(p, line=absolute_line(p.line, before)))
                      for p in o.problems[:5 - len(shown)]]
            self.skipped[source] = self.skipped.get(source, 0) + o.skipped
        self.lines_before[place] = before + o.lines
        self.exchanges += o.exchanges
        if self.progress is not None:
            self.progress(self.exchanges)

    def warnings(self) -> list[str]:
        out: list[str] = []
        for source, shown in self.shown.items():
            out += shown
            n = self.skipped[source]
            if n > len(shown):
                out.append(f"{Path(source)}: {n - len(shown)} more damaged part(s) skipped")
        return out


def _replay(checker: Any, part: CheckPart) -> None:
    """Put ``part`` into ``checker``: its aggregate, then the notices and the undocumented paths in order."""
    import itertools

    from .model import Exchange, Request

    agg = checker.aggregate = part.aggregate
    for seen, group in itertools.groupby(part.notices, key=lambda n: n.seen):
        for notice in group:
            for key, n in notice.notes:
                agg.notes[key] += n
            for key, pending in notice.observations:
                checker._current.setdefault(key, pending)  # the first one of the exchange, as when serial
        checker._flush(seen)
    for method, url, started_at, ident in part.undocumented:
        checker.add(Exchange(id=ident, started_at=started_at, duration_ms=0.0,
                             request=Request(method=method, url=url), response=None))


def _traffic_paths(traffic: Any) -> list[str]:
    """The paths of ``check``'s traffic argument (globs expanded, as a serial check expands them)."""
    from .api import _expand_traffic

    items = [traffic] if isinstance(traffic, (str, os.PathLike)) else list(traffic)
    out: list[str] = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise UsageError("check with jobs > 1 or dask needs recording paths (not Exchange objects); "
                             "use jobs=1 for exchanges in memory")
        path = os.fspath(item)
        if path == "-":
            raise UsageError("check --jobs/--dask cannot read standard input (-): give recording files")
        out += _expand_traffic(path)
    return out


def _check_task(spec: Any, options: Mapping[str, Any], *, allow_remote_refs: bool, cwd: str | None,
                strict: bool) -> CheckTask:
    if isinstance(spec, os.PathLike):
        spec = os.fspath(spec)
    if not isinstance(spec, (str, Mapping)):
        raise UsageError("check with jobs > 1 or dask needs the spec as a path or a dict")
    opts = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))
    return CheckTask(spec if isinstance(spec, str) else dict(spec), opts, allow_remote_refs, cwd, strict)


def check_traffic(
    checker: Any,
    traffic: Any,
    spec: Any,
    *,
    options: Mapping[str, Any] | None = None,
    jobs: int | str = 1,
    dask: Any = None,
    strict: bool = True,
    unit_bytes: int = UNIT_BYTES,
    progress: Callable[[int], None] | None = None,
    allow_remote_refs: bool = False,
    cwd: str | None = None,
    mp_context: str | None = None,
) -> tuple[list[str], list[str]]:
    """Check ``traffic`` into ``checker`` (a :class:`~contractdrift.compare.traffic.SpecChecker` for
    ``spec``, which builds the findings) on ``jobs`` processes or on ``dask`` (a scheduler address,
    ``"local"`` or a ``distributed.Client``), so that ``checker`` ends as a serial check leaves it.
    ``traffic``: recording paths/URLs/globs, or (with ``dask``) a ``dask.bag.Bag`` of recording lines.
    Returns the traffic names and the warnings about damaged parts."""
    task = _check_task(spec, options or {}, allow_remote_refs=allow_remote_refs, cwd=cwd, strict=strict)
    bag = _is_bag(traffic)
    if bag and dask is None:
        raise UsageError("check: a dask.bag.Bag of recording lines needs dask= (a client, an address or 'local')")
    names = [] if bag else _traffic_paths(traffic)
    origin: dict[int, str] = {}
    units: list[Unit] = []
    if not bag:
        for name in names:
            for u in partition([name], unit_bytes=unit_bytes):
                origin[len(units)] = name
                units.append(dataclasses.replace(u, index=len(units)))
    collector = _CheckCollector(origin, progress)
    if dask is None:
        total = _fold_in_order(units, task, _merge_parts, collector.add, jobs=jobs, mp_context=mp_context)
    else:
        with _dask_client(dask, jobs) as client:
            total = _check_on_dask(client, traffic if bag else units, task, collector)
    if total is not None:
        _replay(checker, total)
    return (names or ["(dask bag)"]), collector.warnings()


def _is_bag(obj: Any) -> bool:
    return hasattr(obj, "to_delayed") and hasattr(obj, "npartitions")


def _check_partition(lines: Iterable[bytes | str], index: int, task: CheckTask) -> UnitOutcome:
    return task(Unit(index, f"<bag partition {index}>", "stream"), lines)


def _check_on_dask(client: Any, source: Any, task: CheckTask, collector: _CheckCollector) -> CheckPart | None:
    """Parts folded on the workers, reduced there in the fixed tree; statistics gathered apart."""
    _, delayed = _dask()
    if _is_bag(source):
        fold = delayed(_check_partition, pure=True)
        outcomes = [fold(part, i, task) for i, part in enumerate(source.to_delayed())]
    else:
        run = delayed(task, pure=True)
        outcomes = [run(u) for u in source]
    summaries = [delayed(_summary_of, pure=True)(o) for o in outcomes]
    stats = [delayed(_stats_of, pure=True)(o) for o in outcomes]
    total = tree_merge(summaries, delayed(_merge_parts, pure=True)) if summaries else None
    if total is None:
        return None
    try:
        computed = client.gather(client.compute([total, *stats]))
    except _killed_worker_errors() as exc:
        raise WorkerError(f"a Dask worker died while checking ({exc}); the run was abandoned and no result "
                          "is reported") from None
    for o in computed[1:]:
        collector.add(o)
    part = computed[0]
    return part if isinstance(part, CheckPart) else None


def _killed_worker_errors() -> tuple[type[BaseException], ...]:
    try:
        from distributed.scheduler import KilledWorker
    except ImportError:  # pragma: no cover
        return ()
    return (KilledWorker,)
