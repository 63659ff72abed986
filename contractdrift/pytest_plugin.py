"""pytest plugin (entry point ``pytest11``): record the HTTP traffic of integration tests.

Fixtures:

* ``contractdrift_recorder`` — a :class:`contractdrift.Recorder` for the test, redacting by default,
  tagged with the test id. With ``--contractdrift-record=PATH`` (or ini ``contractdrift_record``)
  every test appends to that JSON Lines recording (safe under pytest-xdist: the store is
  append-only with one locked write per batch); without it exchanges stay in memory
  (``recorder.exchanges``).
* ``contractdrift_transport`` — a factory: ``contractdrift_transport(inner=None)`` returns an
  :class:`httpx.BaseTransport` that records into the test's recorder, e.g.
  ``httpx.Client(transport=contractdrift_transport(httpx.ASGITransport(app)))`` (async-only
  transports are wrapped in :class:`contractdrift.AsyncRecordingTransport`).

At teardown a recorder that failed to record anything (``stats.errors``) raises a warning naming
the count: recording never fails a test, but nothing is lost silently.

The plugin loads in every pytest session of an environment where contractdrift is installed, so
loading it costs nothing: httpx, the transports and the recorder are imported by the fixtures, on
first use, and the recorder installs its exit and fork hooks only when a recorder is created. The
fixtures' recorders write from a thread (``offload="thread"``): a test suite is short-lived and
does not pay for starting a writer process.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from .capture.recorder import Recorder


class ContractDriftRecordingWarning(UserWarning):
    """A recorder could not record some exchanges during a test."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contractdrift", "contractdrift: record HTTP traffic of tests")
    group.addoption("--contractdrift-record", metavar="PATH", default=None,
                    help="append every exchange recorded by the contractdrift fixtures to PATH (JSON Lines)")
    group.addoption("--contractdrift-no-redact", action="store_true", default=False,
                    help="do not redact secrets in recordings (never do this outside throwaway data)")
    parser.addini("contractdrift_record", "default path for --contractdrift-record", default="")


def _record_path(config: pytest.Config) -> str | None:
    path = config.getoption("--contractdrift-record") or config.getini("contractdrift_record")
    return str(path) if path else None


@pytest.fixture
def contractdrift_recorder(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    from .capture.recorder import Recorder

    config = request.config
    recorder = Recorder(
        _record_path(config),
        redact=not config.getoption("--contractdrift-no-redact"),
        tags={"test": request.node.nodeid},
        offload="thread",
    )
    try:
        yield recorder
    finally:
        recorder.close()
        errors = recorder.stats.errors
        if errors:
            warnings.warn(ContractDriftRecordingWarning(
                f"contractdrift: {errors} exchange(s) could not be recorded in {request.node.nodeid}: "
                f"{recorder.stats.last_error}"), stacklevel=1)


@pytest.fixture
def contractdrift_transport(contractdrift_recorder: Recorder) -> Callable[..., Any]:
    def make(inner: Any = None) -> httpx.BaseTransport | httpx.AsyncBaseTransport:
        import httpx

        from .capture.httpx_transport import AsyncRecordingTransport, RecordingTransport

        if isinstance(inner, httpx.AsyncBaseTransport) and not isinstance(inner, httpx.BaseTransport):
            return AsyncRecordingTransport(contractdrift_recorder, inner)
        return RecordingTransport(contractdrift_recorder, inner)

    return make
