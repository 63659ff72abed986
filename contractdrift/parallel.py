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
import gc
import os
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InputError, UsageError
from .infer import InferOptions, InferredAPI, infer_exchanges
from .store.partition import UNIT_BYTES, DamagedLine, Unit, UnitReader, absolute_line, partition
from .store.reader import RecordingProblem, RecordingWarning
from .store.runner import TreeMerger, resolve_jobs, run_in_order, tree_merge

__all__ = ["InferTask", "UnitOutcome", "fold_units", "infer_dask", "infer_units"]


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


_GC_LOCK = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextlib.contextmanager
def _gc_paused() -> Any:
    """The cyclic garbage collector off while folding (nested and thread-safe: on again, if it was
    on, when the last pause ends). The fold builds only trees -- decoded JSON values, summaries --
    so the collector finds nothing to free (0 objects over a 100k-exchange recording) yet costs
    10-15% of the fold walking the buffered values again and again; everything is still freed by
    reference counting, and cycles made meanwhile by other code are collected when it ends."""
    global _gc_pauses, _gc_was_enabled
    with _GC_LOCK:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


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
        try:
            router, strip_base = _routing(self.spec, self.templates)
            with _gc_paused():
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

    merger: TreeMerger[Any] = TreeMerger(merge_present)
    outcomes = run_in_order(units, task, jobs=resolve_jobs(jobs), mp_context=mp_context)
    with contextlib.closing(outcomes):
        for outcome in outcomes:
            collector.add(outcome)
            merger.add(outcome.summary)
    collector.warn()
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
