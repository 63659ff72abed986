"""pytest plugin (entry point ``pytest11``): record the HTTP traffic of integration tests and check it
against the published spec and the clients' expectations, test by test.

Options (and ini keys without the dashes, ``contractdrift_spec`` ...):

* ``--contractdrift-spec PATH`` — the published OpenAPI spec (a file, or git ``REF:path``);
* ``--contractdrift-expect PATH`` — client expectations (Pact files, or a directory of them);
* ``--contractdrift-record PATH`` — append every recorded exchange to a JSON Lines recording;
* ``--contractdrift-fail-on LEVEL`` — a finding at or above it fails the test (default ``error``);
* ``--contractdrift-report PATH`` — the whole session's report; the format is the extension's
  (``.json``, ``.md``, ``.html``, ``.xml`` for JUnit, ``.sarif``, ``.txt``).

With a spec or expectations, every exchange the plugin's fixtures recorded during a test is
checked when the test's call phase ends (exchanges recorded by fixture finalizers: at teardown)
with the compiled streaming checker; a finding at or above the fail level fails **that** test, and
its failure message pinpoints each finding (rule, operation, payload path, what was sent and what
the spec or client expects, the spec's file:line, the request that showed it).

Markers: ``@pytest.mark.contractdrift(spec=, expect=, fail_on=, undocumented=)`` (per test, class or
module; the closest wins per keyword), ``@pytest.mark.contractdrift_ignore("rule-id", ...,
reason="...")`` (known drifts: left out of the test's check and the session report, the reason
shown in the summary), ``@pytest.mark.contractdrift_off`` (recorded, not checked).

Fixtures (ways in; nothing is patched globally):

* ``contractdrift_recorder`` — the test's :class:`contractdrift.Recorder` (redacting, tagged with
  the test id); exchanges stay in memory (``recorder.exchanges``) until the test ends;
* ``contractdrift_transport(inner=None)`` — an httpx transport recording into it;
* ``contractdrift_client(base_url=..., app=..., asynchronous=False)`` — a ready ``httpx.Client``
  (or ``AsyncClient``) over the network, an ASGI app or a WSGI app, closed at teardown;
* ``contractdrift_middleware(app)`` — the app wrapped in the ASGI or WSGI recording middleware;
* ``contractdrift_requests_session`` — a ``requests.Session`` with
  :class:`contractdrift.requests.RecordingAdapter` mounted (needs ``requests``).

At the end: a terminal summary (findings by severity and rule, ignored drifts with their
reasons, spec coverage: documented operations and status codes exercised or not). Under
pytest-xdist each worker checks its own tests and hands each test's exchanges to the controller,
which writes the recording, merges coverage and builds the session report (every exchange once).

The plugin loads in every pytest session of an environment where contractdrift is installed, so
loading it costs nothing: httpx, the transports, the recorder and the checkers are imported on
first use, and the recorder installs its exit and fork hooks only when a recorder is created.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from ._session import Contract, ContractKey, Ignore, Policy, SessionFold
    from .capture.recorder import Recorder
    from .model import Exchange, Report, Severity


class ContractDriftRecordingWarning(UserWarning):
    """A recorder could not record some exchanges during a test."""


_OPTIONS = (
    ("spec", "PATH", "the published OpenAPI spec to check every test's traffic against (a file or git REF:path)"),
    ("expect", "PATH", "client expectations to check every test's traffic against (Pact files or a directory)"),
    ("record", "PATH", "append every exchange recorded by the contractdrift fixtures to PATH (JSON Lines)"),
    ("fail-on", "LEVEL", "a finding at or above LEVEL (error, warn, info) fails the test (default: error)"),
    ("report", "PATH", "write the session's report to PATH; format by extension: .json .md .html .xml (JUnit) "
                       ".sarif .txt"),
)
_MARKER_KEYS = ("spec", "expect", "fail_on", "undocumented")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contractdrift", "contractdrift: record and check the HTTP traffic of tests")
    for name, metavar, text in _OPTIONS:
        group.addoption(f"--contractdrift-{name}", metavar=metavar, default=None, help=text)
        parser.addini(f"contractdrift_{name.replace('-', '_')}", f"default for --contractdrift-{name}", default="")
    group.addoption("--contractdrift-no-redact", action="store_true", default=False,
                    help="do not redact secrets in recordings (never do this outside throwaway data)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "contractdrift(spec=None, expect=None, fail_on=None, undocumented=None): "
                                       "what this test's traffic is checked against")
    config.addinivalue_line("markers", "contractdrift_ignore(*rule_ids, reason): known drifts this test may show")
    config.addinivalue_line("markers", "contractdrift_off: record this test's traffic but do not check it")
    config.stash[_STATE] = _State.from_config(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None:
        state.close()


# -- state -----------------------------------------------------------------------------------------------


def _setting(config: pytest.Config, name: str) -> tuple[str | None, Path]:
    """An option's value and the directory it is relative to (command line: where pytest was run;
    ini: the rootdir)."""
    value = config.getoption(f"--contractdrift-{name}")
    if value:
        return str(value), Path(config.invocation_params.dir)
    ini = config.getini(f"contractdrift_{name.replace('-', '_')}")
    return (str(ini), Path(config.rootpath)) if ini else (None, Path(config.rootpath))


def _absolute(path: str, base: Path) -> str:
    return path if os.path.isabs(path) else str(base / path)


def _fail_level(text: str, where: str) -> Severity:
    from .errors import UsageError
    from .model import Severity

    try:
        return Severity.parse(text)
    except UsageError as exc:
        raise pytest.UsageError(f"contractdrift: {where}: {exc}") from None


@dataclass
class _State:
    config: pytest.Config
    spec: str | None
    expect: str | None
    cwd: str
    fail_on: Severity | None  # None: [tool.contractdrift] fail-on, else error
    report_path: Path | None
    record_path: str | None
    worker_id: str | None  # set in a pytest-xdist worker
    share_dir: Path | None = None  # the controller's drop box of the workers' batches
    contracts: dict[ContractKey, Contract] = field(default_factory=dict)
    fold: SessionFold | None = None
    _batch_file: Any = None
    _report: Report | None = None
    _report_error: str | None = None
    _policy: Policy | None = None
    policy_error: str | None = None

    @classmethod
    def from_config(cls, config: pytest.Config) -> _State:
        spec, spec_dir = _setting(config, "spec")
        expect, expect_dir = _setting(config, "expect")
        if expect is not None:
            expect = _absolute(expect, expect_dir)
        cwd = str(spec_dir)
        fail, _ = _setting(config, "fail-on")
        fail_on = _fail_level(fail, "--contractdrift-fail-on") if fail else None
        report, report_dir = _setting(config, "report")
        report_path = (report_dir / report) if report else None
        if report_path is not None:
            from ._session import report_format
            from .errors import UsageError

            try:
                report_format(report_path)
            except UsageError as exc:
                raise pytest.UsageError(str(exc)) from None
        record, record_dir = _setting(config, "record")
        record_path = str(record_dir / record) if record else None
        workerinput = getattr(config, "workerinput", None)
        worker_id = str(workerinput["workerid"]) if workerinput is not None else None
        state = cls(config=config, spec=spec, expect=expect, cwd=cwd, fail_on=fail_on, report_path=report_path,
                    record_path=record_path, worker_id=worker_id)
        if workerinput is not None and workerinput.get("contractdrift_share"):
            state.share_dir = Path(workerinput["contractdrift_share"])
        return state

    # a contract compiled once per process, shared by the per-test checks and the session fold
    def contract(self, key: ContractKey) -> Contract:
        from ._session import Contract

        found = self.contracts.get(key)
        if found is None:
            found = self.contracts[key] = Contract(key)
        return found

    def policy(self) -> Policy:
        """``[tool.contractdrift]`` of the rootdir's pyproject.toml (severity overrides, ignore file,
        fail-on), read on first use; a bad one is reported, and the defaults apply."""
        if self._policy is None:
            from ._session import Policy
            from .errors import ContractDriftError

            try:
                self._policy = Policy.from_settings(str(self.config.rootpath))
            except (ContractDriftError, OSError) as exc:
                self.policy_error = f"[tool.contractdrift]: {exc}"
                self._policy = Policy()
        return self._policy

    def default_fail_on(self) -> Severity:
        from .model import Severity

        return self.fail_on or self.policy().fail_on or Severity.ERROR

    def session_fold(self) -> SessionFold:
        if self.fold is None:
            from ._session import SessionFold

            self.fold = SessionFold(record_path=self.record_path, contracts=self.contracts, policy=self.policy())
            if self.policy_error:
                self.fold.errors.append(self.policy_error)
        return self.fold

    def submit(self, batch: Any) -> None:
        """A finished test's batch: folded here, or (in an xdist worker) handed to the controller."""
        if self.worker_id is not None and self.share_dir is not None:
            if self._batch_file is None:
                self._batch_file = open(self.share_dir / f"{self.worker_id}.jsonl", "a", encoding="utf-8")  # noqa: SIM115
            self._batch_file.write(batch.to_line() + "\n")
            self._batch_file.flush()
            return
        self.session_fold().add(batch)

    def take_worker_batches(self, worker_id: str) -> None:
        """The controller folds a finished worker's batches (each test's exchanges exactly once)."""
        from ._session import TestBatch

        if self.share_dir is None:
            return
        path = self.share_dir / f"{worker_id}.jsonl"
        if not path.exists():
            return
        fold = self.session_fold()
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    fold.add(TestBatch.from_line(line))
        path.unlink()

    def report(self) -> Report | None:
        if self._report is None and self.fold is not None and self.fold.tests:
            self._report = self.fold.combined()
        return self._report

    def close(self) -> None:
        if self._batch_file is not None:
            self._batch_file.close()
            self._batch_file = None
        if self.fold is not None:
            self.fold.close()
        if self.share_dir is not None and self.worker_id is None:
            shutil.rmtree(self.share_dir, ignore_errors=True)


_STATE = pytest.StashKey[_State]()


# -- per test ----------------------------------------------------------------------------------------------


@dataclass
class _Item:
    recorders: list[Recorder] = field(default_factory=list)
    seen: dict[int, int] = field(default_factory=dict)
    exchanges: list[Exchange] = field(default_factory=list)
    key: ContractKey | None = None
    fail_on: Severity | None = None
    ignores: tuple[Ignore, ...] = ()
    off: bool = False
    failed: int = 0


_ITEM = pytest.StashKey[_Item]()


def _item_settings(item: pytest.Item, state: _State) -> _Item:
    """The test's contract from the options and its markers (a bad marker fails the test's set-up)."""
    from ._session import ContractKey, Ignore

    values: dict[str, Any] = {}
    for mark in item.iter_markers("contractdrift"):  # closest first
        if mark.args:
            pytest.fail(f"contractdrift marker: keyword arguments only ({', '.join(_MARKER_KEYS)}), "
                        f"got {mark.args!r}", pytrace=False)
        unknown = sorted(set(mark.kwargs) - set(_MARKER_KEYS))
        if unknown:
            pytest.fail(f"contractdrift marker: unknown keyword(s) {', '.join(unknown)} "
                        f"(expected {', '.join(_MARKER_KEYS)})", pytrace=False)
        for k, v in mark.kwargs.items():
            values.setdefault(k, v)
    rootdir = Path(item.config.rootpath)  # marker paths are relative to the rootdir, as ini paths
    spec, cwd = (values["spec"], str(rootdir)) if "spec" in values else (state.spec, state.cwd)
    expect = _absolute(str(values["expect"]), rootdir) if values.get("expect") else values.get("expect", state.expect)
    undocumented = values.get("undocumented")
    if undocumented is not None and undocumented not in ("off", "info", "warn"):
        pytest.fail(f"contractdrift marker: undocumented={undocumented!r} (expected 'off', 'info' or 'warn')",
                    pytrace=False)
    fail_on = None
    if values.get("fail_on") is not None:
        from .errors import UsageError
        from .model import Severity

        try:
            fail_on = Severity.parse(str(values["fail_on"]))
        except UsageError as exc:
            pytest.fail(f"contractdrift marker: fail_on: {exc}", pytrace=False)
    ignores = []
    for mark in item.iter_markers("contractdrift_ignore"):
        reason = mark.kwargs.get("reason")
        if not mark.args or not all(isinstance(a, str) for a in mark.args):
            pytest.fail("contractdrift_ignore: name the rule ids to ignore, e.g. "
                        "contractdrift_ignore('response-body-type-mismatch', reason='...')", pytrace=False)
        if not reason or not isinstance(reason, str):
            pytest.fail(f"contractdrift_ignore{mark.args!r}: a reason= is required (it is shown in the summary)",
                        pytrace=False)
        from .api import rules

        unknown = sorted(a for a in mark.args if a not in rules())
        if unknown:
            pytest.fail(f"contractdrift_ignore: unknown rule id(s) {', '.join(unknown)} "
                        "(see `contractdrift rules`)", pytrace=False)
        ignores.append(Ignore(frozenset(mark.args), reason))
    key = ContractKey(spec=str(spec) if spec else None, expect=str(expect) if expect else None,
                      undocumented=undocumented, cwd=cwd)
    return _Item(key=key if key.active else None, fail_on=fail_on, ignores=tuple(ignores),
                 off=item.get_closest_marker("contractdrift_off") is not None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = item.config.stash.get(_STATE, None)
    if state is not None and _ITEM not in item.stash:
        item.stash[_ITEM] = _Item()  # a bad marker below still leaves a place for the recorders
        item.stash[_ITEM] = _item_settings(item, state)


def _new_exchanges(st: _Item) -> list[Exchange]:
    new: list[Exchange] = []
    for rec in st.recorders:
        if not rec.closed:
            rec.flush()
        start = st.seen.get(id(rec), 0)
        got = rec.exchanges[start:]
        st.seen[id(rec)] = start + len(got)
        new += got
    st.exchanges += new
    return new


def _check_phase(item: pytest.Item, report: pytest.TestReport, state: _State, st: _Item) -> None:
    from .errors import ContractDriftError

    new = _new_exchanges(st)
    if not new or st.key is None or st.off:
        return
    policy = state.policy()
    if state.policy_error:
        _fail(report, f"contractdrift: {state.policy_error}")
        return
    try:
        contract = state.contract(st.key)
        findings = contract.check(new, frozenset().union(*(i.rules for i in st.ignores)), policy)
    except (ContractDriftError, OSError) as exc:
        _fail(report, f"contractdrift: cannot check against {st.key.label()}: {exc}")
        return
    fail_on = st.fail_on or state.default_fail_on()
    failing = [f for f in findings if f.severity >= fail_on]
    if not failing:
        return
    from ._session import failure_message

    st.failed += len(failing)
    _fail(report, failure_message(item.nodeid, failing, new, fail_on, st.key.label()))


def _fail(report: pytest.TestReport, message: str) -> None:
    if report.passed:
        report.outcome = "failed"
        report.longrepr = message
    else:
        report.sections.append(("contractdrift", message))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    if call.when == "setup":
        return
    state = item.config.stash.get(_STATE, None)
    st = item.stash.get(_ITEM, None)
    if state is None or st is None or not st.recorders:
        return
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    _check_phase(item, report, state, st)
    if call.when == "teardown":
        from ._session import TestBatch

        batch = TestBatch(test=item.nodeid, exchanges=st.exchanges, contract=None if st.off else st.key,
                          ignores=st.ignores, failed=st.failed)
        try:
            state.submit(batch)
        except Exception as exc:  # the session's bookkeeping never breaks the run: said, counted
            message = (f"contractdrift: {len(batch.exchanges)} exchange(s) of {item.nodeid} could not be added "
                       f"to the session: {type(exc).__name__}: {exc}")
            warnings.warn(ContractDriftRecordingWarning(message), stacklevel=1)
            if state.fold is not None:
                state.fold.errors.append(message)


# -- fixtures ----------------------------------------------------------------------------------------------


@pytest.fixture
def contractdrift_recorder(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    """The test's recorder: exchanges stay in memory until the test ends, then they are checked and
    appended to ``--contractdrift-record``."""
    from .capture.recorder import Recorder

    config = request.config
    recorder = Recorder(
        None,
        redact=not config.getoption("--contractdrift-no-redact"),
        tags={"test": request.node.nodeid},
        offload="thread",
    )
    st = request.node.stash.get(_ITEM, None)
    if st is None:
        st = request.node.stash[_ITEM] = _Item()
    st.recorders.append(recorder)
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


@pytest.fixture
def contractdrift_client(contractdrift_recorder: Recorder) -> Iterator[Callable[..., Any]]:
    """A factory of recording httpx clients: ``contractdrift_client(base_url=..., app=...,
    asynchronous=False, kind=None, **httpx_options)``; the clients are closed at teardown."""
    made: list[Any] = []

    def make(base_url: str | None = None, app: Any = None, *, asynchronous: bool = False, kind: Any = None,
             **options: Any) -> httpx.Client | httpx.AsyncClient:
        from .capture.testclient import recording_client

        client = recording_client(contractdrift_recorder, base_url=base_url, app=app, asynchronous=asynchronous,
                                  kind=kind, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        if hasattr(client, "aclose"):
            if not client.is_closed:
                import anyio

                try:
                    anyio.run(client.aclose)
                except RuntimeError as exc:  # its connections belong to an event loop that has ended
                    warnings.warn(ContractDriftRecordingWarning(
                        f"contractdrift_client: an async client was left open and could not be closed: {exc}"),
                        stacklevel=1)
        else:
            client.close()


@pytest.fixture
def contractdrift_middleware(contractdrift_recorder: Recorder) -> Callable[[Any], Any]:
    """``contractdrift_middleware(app)``: the app (ASGI or WSGI) wrapped in the recording middleware."""

    def wrap(app: Any, *, kind: Any = None) -> Any:
        from .capture.testclient import app_kind

        if (kind or app_kind(app)) == "asgi":
            from .capture.asgi import RecordingMiddleware as ASGIMiddleware

            return ASGIMiddleware(app, contractdrift_recorder)
        from .capture.wsgi import RecordingMiddleware as WSGIMiddleware

        return WSGIMiddleware(app, contractdrift_recorder)

    return wrap


@pytest.fixture
def contractdrift_requests_session(contractdrift_recorder: Recorder) -> Iterator[Any]:
    """A ``requests.Session`` recording through :class:`contractdrift.requests.RecordingAdapter`."""
    pytest.importorskip("requests", reason="contractdrift_requests_session needs the requests package")
    import requests

    from .capture.requests_adapter import RecordingAdapter

    session = requests.Session()
    adapter = RecordingAdapter(contractdrift_recorder)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    try:
        yield session
    finally:
        session.close()


# -- pytest-xdist: workers check, the controller merges ----------------------------------------------------


class _XdistHooks:
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        state = node.config.stash.get(_STATE, None)
        if state is None:
            return
        if state.share_dir is None:
            state.share_dir = Path(tempfile.mkdtemp(prefix="contractdrift-xdist-"))
        node.workerinput["contractdrift_share"] = str(state.share_dir)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        state = node.config.stash.get(_STATE, None)
        if state is not None:
            state.take_worker_batches(str(node.workerinput["workerid"]))


@pytest.hookimpl(trylast=True)
def pytest_plugin_registered(plugin: Any, manager: pytest.PytestPluginManager) -> None:
    if getattr(plugin, "__name__", None) == "xdist.plugin" and not manager.has_plugin("contractdrift-xdist"):
        manager.register(_XdistHooks(), "contractdrift-xdist")


# -- end of session: report file and terminal summary ------------------------------------------------------


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None or state.worker_id is not None:
        if state is not None and state._batch_file is not None:
            state._batch_file.close()
            state._batch_file = None
        return
    if state.fold is not None:
        state.fold.close()
    report = state.report()
    if report is None or state.report_path is None:
        return
    from ._session import report_format
    from .api import rules
    from .report import render

    try:
        state.report_path.parent.mkdir(parents=True, exist_ok=True)
        state.report_path.write_text(render(report, report_format(state.report_path), rules=rules(),
                                            fail_on=state.default_fail_on()), encoding="utf-8")
    except OSError as exc:
        state._report_error = f"cannot write {state.report_path}: {exc}"


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None or state.worker_id is not None or state.fold is None or not state.fold.tests:
        return
    from ._summary import summary_lines

    fold = state.fold
    report = state.report()
    tr = terminalreporter
    tr.write_sep("=", "contractdrift")
    for line in summary_lines(fold, report, fail_on=state.default_fail_on(), record_path=state.record_path,
                              report_path=str(state.report_path) if state.report_path else None):
        tr.write_line(line)
    if state._report_error:
        tr.write_line(f"contractdrift: {state._report_error}", red=True)

