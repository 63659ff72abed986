"""Run one function over many units of work, on one core or a process pool, and merge in a fixed shape.

The pieces every scaled-out command shares (``infer --jobs`` today, ``check --jobs`` next):

- :func:`resolve_jobs`: ``1``, ``N`` or ``"auto"`` (the CPUs this process may run on).
- :func:`run_in_order`: ``work(unit)`` for every unit, in a pool of ``jobs`` processes, results
  yielded **in unit order** (a bounded window of units is in flight). A worker that dies (killed,
  out of memory) raises :class:`~contractdrift.errors.WorkerError`: no partial result is returned.
  Closing the iterator early (e.g. after a failure found in unit 3) cancels what has not started.
- :class:`TreeMerger` / :func:`tree_merge`: combine per-unit results with a binary ``merge`` in one
  fixed tree shape that depends only on the number of units (pairs, then pairs of pairs, a lone
  last item carried up). :class:`TreeMerger` builds it streaming with O(log n) partial results;
  :func:`tree_merge` builds it level by level over any values, e.g. ``dask.delayed`` ones, so a
  cluster reduces in exactly the same shape. Results are then identical whatever the number of
  workers, even for a merge that is only associative up to rounding.

The work function and its units must be picklable (module-level functions, frozen dataclasses).
Processes are forked on Linux when the calling process has a single thread (instant, and a script
without an ``if __name__ == "__main__"`` guard works); otherwise they start with ``forkserver``
(safe in threaded host programs) or ``spawn``, which re-import the caller's ``__main__`` module.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # the process pool is imported when a pool is made (a serial run never needs it)
    import multiprocessing.context
    from concurrent.futures import Future

from ..errors import UsageError, WorkerError

__all__ = ["TreeMerger", "resolve_jobs", "run_in_order", "tree_merge"]

U = TypeVar("U")
R = TypeVar("R")
T = TypeVar("T")


def resolve_jobs(jobs: int | str | None) -> int:
    """``None``/``1`` -> 1; ``"auto"``/``0`` -> CPUs available to this process; ``N`` -> N."""
    if jobs is None:
        return 1
    if isinstance(jobs, str):
        text = jobs.strip().lower()
        if text == "auto":
            jobs = 0
        elif text.isdigit():
            jobs = int(text)
        else:
            raise UsageError(f"--jobs {jobs!r}: expected a number or 'auto'")
    if jobs < 0:
        raise UsageError(f"--jobs must be >= 1 or 'auto', not {jobs}")
    if jobs == 0:
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - macOS, Windows
            return max(1, os.cpu_count() or 1)
    return jobs


def _context(name: str | None) -> multiprocessing.context.BaseContext:
    import multiprocessing

    if name is None:
        methods = multiprocessing.get_all_start_methods()
        if sys.platform.startswith("linux") and threading.active_count() == 1 and "fork" in methods:
            name = "fork"  # safe without other threads; instant, and no re-import of ``__main__``
        else:
            name = "forkserver" if "forkserver" in methods else "spawn"
    return multiprocessing.get_context(name)


def run_in_order(
    units: Sequence[U],
    work: Callable[[U], R],
    *,
    jobs: int = 1,
    mp_context: str | None = None,
    window: int | None = None,
) -> Generator[R, None, None]:
    """``work(unit)`` for each unit, yielded in unit order; ``jobs > 1`` runs them in a process pool."""
    if jobs <= 1 or len(units) <= 1:
        for unit in units:
            yield work(unit)
        return
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    workers = min(jobs, len(units))
    ahead = window if window is not None else 4 * workers  # in flight: a slow unit does not idle the rest
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(mp_context))
    pending: dict[int, Future[R]] = {}
    submitted = 0
    try:
        for i in range(len(units)):
            try:
                while submitted < len(units) and submitted <= i + ahead:
                    pending[submitted] = pool.submit(work, units[submitted])
                    submitted += 1
                result = pending.pop(i).result()
            except BrokenProcessPool:
                raise WorkerError(
                    f"a worker process died (killed, or out of memory?) while {workers} processes were working "
                    f"on {len(units)} units; the run was abandoned and no result is reported"
                ) from None
            yield result
    finally:
        for future in pending.values():
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


class TreeMerger(Generic[T]):
    """Streaming :func:`tree_merge`: :meth:`add` items in order, then :meth:`result`."""

    def __init__(self, merge: Callable[[T, T], T]) -> None:
        self._merge = merge
        self._stack: list[tuple[int, T]] = []
        self.count = 0

    def add(self, item: T) -> None:
        self.count += 1
        level = 0
        while self._stack and self._stack[-1][0] == level:
            _, left = self._stack.pop()
            item = self._merge(left, item)
            level += 1
        self._stack.append((level, item))

    def result(self) -> T | None:
        """The merged value (``None`` when nothing was added)."""
        if not self._stack:
            return None
        _, acc = self._stack[-1]
        for _, left in reversed(self._stack[:-1]):
            acc = self._merge(left, acc)
        return acc


def tree_merge(items: Sequence[T], merge: Callable[[T, T], T]) -> T | None:
    """Merge pairwise, level by level, a lone last item carried up: the shape of :class:`TreeMerger`."""
    level = list(items)
    if not level:
        return None
    while len(level) > 1:
        nxt = [merge(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]
