"""Contract checks of a test session: what each test saw, checked per test and folded per session.

The pytest plugin (:mod:`contractdrift.pytest_plugin`) keeps its pytest glue there and its logic
here, so that it is plain code tested like the rest:

* :class:`ContractKey` names what a test is checked against (spec, client expectations, options);
  :class:`Contract` compiles it once (a streaming :class:`~contractdrift.compare.traffic.SpecChecker`
  for the spec, one for the clients' compiled expectations) and checks a batch of exchanges.
* :class:`TestBatch` is what one test contributes: its exchanges, its contract (or none when the
  test is not checked), the rules it ignores and why. It serializes to one JSON line, which is how
  pytest-xdist workers hand their batches to the controller.
* :class:`SessionFold` folds batches: appends their exchanges to the session recording, merges the
  check aggregates per contract (so coverage and findings are those of the whole session, each
  exchange counted once), and counts what was ignored and why. :meth:`SessionFold.reports` builds one
  :class:`~contractdrift.model.Report` per contract at the end.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import Exchange, Finding, Report, Severity

if TYPE_CHECKING:
    from .compare.aggregate import CheckAggregate
    from .compare.traffic import SpecChecker

__all__ = ["Contract", "ContractKey", "Ignore", "Policy", "SessionFold", "TestBatch", "failure_message"]


@dataclass(frozen=True)
class Policy:
    """``[tool.contractdrift]`` as the CLI applies it: severity overrides and the ignore file (with
    expiry). Applied to each test's findings and to the session's."""

    overrides: Mapping[str, Severity | None] = field(default_factory=dict)
    ignore_file: str | None = None
    fail_on: Severity | None = None

    @classmethod
    def from_settings(cls, cwd: str) -> Policy:
        from . import api

        cfg = api.load_settings(cwd=cwd)
        ignore = cfg.ignore_file
        if ignore is not None and not os.path.isabs(ignore):
            ignore = os.path.join(cwd, ignore)
        return cls(dict(cfg.severity), ignore, cfg.fail_on)

    def apply(self, findings: Sequence[Finding]) -> tuple[list[Finding], list[str]]:
        if not self.overrides and self.ignore_file is None:
            return list(findings), []
        import datetime as _dt

        from . import api

        return api._apply_policy(findings, self.overrides, self.ignore_file, None, _dt.date.today())


@dataclass(frozen=True)
class ContractKey:
    """What a test is checked against. ``spec`` and ``expect`` are as the user wrote them (a path,
    git ``REF:path`` for the spec, a Pact file or directory for ``expect``), resolved from ``cwd``."""

    spec: str | None = None
    expect: str | None = None
    undocumented: str | None = None
    cwd: str = "."

    @property
    def active(self) -> bool:
        return self.spec is not None or self.expect is not None

    def label(self) -> str:
        parts = [f"spec {self.spec}" if self.spec else "", f"expectations {self.expect}" if self.expect else ""]
        return " + ".join(p for p in parts if p) or "(nothing)"

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.spec, "expect": self.expect, "undocumented": self.undocumented, "cwd": self.cwd}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ContractKey:
        return cls(spec=data.get("spec"), expect=data.get("expect"), undocumented=data.get("undocumented"),
                   cwd=str(data.get("cwd") or "."))


def _run(checker: SpecChecker, exchanges: Iterable[Exchange]) -> CheckAggregate:
    """The aggregate of ``exchanges`` alone (the checker's own aggregate is left as it was)."""
    from .compare.aggregate import CheckAggregate

    saved = checker.aggregate
    agg = CheckAggregate()
    checker.aggregate = agg
    try:
        for ex in exchanges:
            checker.add(ex)
    finally:
        checker.aggregate = saved
    return agg


def _without(agg: CheckAggregate, rules: frozenset[str]) -> tuple[CheckAggregate, Counter[str]]:
    """``agg`` without the observations of ``rules``, and how many observations each rule lost."""
    if not rules:
        return agg, Counter()
    dropped: Counter[str] = Counter()
    kept = {}
    for key, obs in agg.observations.items():
        if key[0] in rules:
            dropped[key[0]] += obs.count
        else:
            kept[key] = obs
    agg.observations = kept
    return agg, dropped


class Contract:
    """A :class:`ContractKey` compiled: checks batches of exchanges against the spec and/or the
    clients' expectations (findings pointed back into the Pact files)."""

    def __init__(self, key: ContractKey) -> None:
        from . import api
        from .compare.traffic import SpecChecker

        self.key = key
        options: dict[str, Any] = {}
        if key.undocumented is not None:
            options["undocumented"] = key.undocumented
        self.spec: SpecChecker | None = None
        if key.spec is not None:
            self.spec = api.spec_checker(key.spec, cwd=key.cwd, **options)
        self.client: SpecChecker | None = None
        self._relocate: Any = None
        if key.expect is not None:
            from .compare.expect import ExpectDoc
            from .compare.expect_traffic import client_contract, relocate, spec_router
            from .spec.load import load_spec_data

            exp = api.load_expectations(key.expect, cwd=key.cwd)
            loaded = self.spec.spec if self.spec is not None else None
            contract = client_contract(exp, spec_router(loaded) if loaded is not None else None)
            data = loaded.root.data if loaded is not None else None  # type: ignore[attr-defined]
            if isinstance(data, Mapping) and data.get("servers"):
                contract["servers"] = data["servers"]
            consumers = ", ".join(sorted({i.consumer for i in exp.interactions if i.consumer})) or "client"
            # a client ignores response properties it does not read (Pact allows unexpected keys)
            self.client = SpecChecker(load_spec_data(contract, name="client expectations"),
                                      api._check_options({"undocumented": "off"}), redact=api._example_redactor())
            docs = {src.name: ExpectDoc(src) for src in exp.sources}

            def relocated(findings: list[Finding]) -> tuple[list[Finding], int]:
                return relocate(findings, contract, docs, consumers)

            self._relocate = relocated

    def aggregates(self, exchanges: Sequence[Exchange]) -> tuple[CheckAggregate | None, CheckAggregate | None]:
        """(spec aggregate, client aggregate) of ``exchanges``."""
        return (_run(self.spec, exchanges) if self.spec is not None else None,
                _run(self.client, exchanges) if self.client is not None else None)

    def findings(self, spec_agg: CheckAggregate | None, client_agg: CheckAggregate | None) -> list[Finding]:
        out: list[Finding] = []
        if self.spec is not None and spec_agg is not None:
            out += self.spec.findings(spec_agg)
        if self.client is not None and client_agg is not None:
            found, _uncovered = self._relocate(self.client.findings(client_agg))
            out += found
        return sorted(out, key=lambda f: f.sort_key())

    def check(self, exchanges: Sequence[Exchange], ignore: frozenset[str] = frozenset(),
              policy: Policy | None = None) -> list[Finding]:
        """Findings of these exchanges alone, the ``ignore``\\ d rules left out, ``policy`` applied."""
        spec_agg, client_agg = self.aggregates(exchanges)
        if spec_agg is not None:
            spec_agg = _without(spec_agg, ignore)[0]
        if client_agg is not None:
            client_agg = _without(client_agg, ignore)[0]
        found = self.findings(spec_agg, client_agg)
        return policy.apply(found)[0] if policy is not None else found


@dataclass(frozen=True)
class Ignore:
    """Rules a test ignores on purpose (``@pytest.mark.contractdrift_ignore``), with the reason."""

    rules: frozenset[str]
    reason: str


@dataclass
class TestBatch:
    """What one test contributes to the session."""

    __test__ = False  # not a pytest test class

    test: str
    exchanges: list[Exchange]
    contract: ContractKey | None  # None: not checked (no spec configured, or contractdrift_off)
    ignores: tuple[Ignore, ...] = ()
    failed: int = 0  # findings at or above the test's fail level (the test failed on them)

    @property
    def ignored_rules(self) -> frozenset[str]:
        return frozenset().union(*(i.rules for i in self.ignores)) if self.ignores else frozenset()

    def to_line(self) -> str:
        return json.dumps({
            "test": self.test, "exchanges": [ex.to_dict() for ex in self.exchanges],
            "contract": self.contract.to_json() if self.contract is not None else None,
            "ignores": [{"rules": sorted(i.rules), "reason": i.reason} for i in self.ignores],
            "failed": self.failed,
        }, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_line(cls, line: str) -> TestBatch:
        data = json.loads(line)
        return cls(test=data["test"], exchanges=[Exchange.from_dict(e) for e in data["exchanges"]],
                   contract=ContractKey.from_json(data["contract"]) if data["contract"] else None,
                   ignores=tuple(Ignore(frozenset(i["rules"]), i["reason"]) for i in data["ignores"]),
                   failed=int(data.get("failed", 0)))


@dataclass
class _Totals:
    spec: CheckAggregate | None = None
    client: CheckAggregate | None = None
    tests: int = 0
    exchanges: int = 0


@dataclass
class SessionFold:
    """The session's merge of :class:`TestBatch`\\ es (see the module docstring)."""

    record_path: str | None = None
    contracts: dict[ContractKey, Contract] = field(default_factory=dict)
    policy: Policy = field(default_factory=Policy)
    totals: dict[ContractKey, _Totals] = field(default_factory=dict)
    #: (rule, reason) -> [observations left out, tests]
    ignored: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    exchanges: int = 0
    unchecked: int = 0  # exchanges of tests that were not checked
    recorded: int = 0  # exchanges written to record_path
    not_recorded: int = 0
    _record_error: str | None = None
    tests: int = 0
    failed_tests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _writer: Any = None

    def contract(self, key: ContractKey) -> Contract:
        found = self.contracts.get(key)
        if found is None:
            found = self.contracts[key] = Contract(key)
        return found

    def add(self, batch: TestBatch) -> None:
        self.tests += 1
        self.exchanges += len(batch.exchanges)
        if batch.failed:
            self.failed_tests.append(batch.test)
        self._record(batch.exchanges)
        if batch.contract is None or not batch.contract.active:
            self.unchecked += len(batch.exchanges)
            return
        try:
            contract = self.contract(batch.contract)
        except Exception as exc:  # a bad spec already failed the tests that use it; say it once
            msg = f"could not check against {batch.contract.label()}: {exc}"
            if msg not in self.errors:
                self.errors.append(msg)
            self.unchecked += len(batch.exchanges)
            return
        spec_agg, client_agg = contract.aggregates(batch.exchanges)
        dropped: Counter[str] = Counter()
        for agg in (spec_agg, client_agg):
            if agg is not None:
                dropped.update(_without(agg, batch.ignored_rules)[1])
        for ig in batch.ignores:
            for rule in ig.rules:
                entry = self.ignored.setdefault((rule, ig.reason), [0, 0])
                entry[0] += dropped.get(rule, 0)
                entry[1] += 1
        tot = self.totals.setdefault(batch.contract, _Totals())
        tot.tests += 1
        tot.exchanges += len(batch.exchanges)
        if spec_agg is not None:
            tot.spec = spec_agg if tot.spec is None else tot.spec.merge(spec_agg)
        if client_agg is not None:
            tot.client = client_agg if tot.client is None else tot.client.merge(client_agg)

    def _record(self, exchanges: Sequence[Exchange]) -> None:
        if self.record_path is None or not exchanges:
            return
        if self._record_error is not None:
            self.not_recorded += len(exchanges)
            return
        from .errors import ContractDriftError

        try:
            if self._writer is None:
                from .store.jsonl import JsonlWriter

                self._writer = JsonlWriter(self.record_path)
                self._writer.open()
            written = self._writer.write_many(exchanges)
        except (OSError, ContractDriftError) as exc:
            self._record_error = str(exc)
            self._writer = None
            self.not_recorded += len(exchanges)
            return
        self.recorded += written
        self.not_recorded += len(exchanges) - written

    def problems(self) -> list[str]:
        """What went wrong in the session's bookkeeping (shown in the summary and the report)."""
        out = list(self.errors)
        if self.not_recorded:
            why = f": {self._record_error}" if self._record_error else ""
            out.append(f"{self.not_recorded} exchange(s) could not be recorded to {self.record_path}{why}")
        return out

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def reports(self) -> list[tuple[ContractKey, Report]]:
        """One report per contract the session checked (findings, warnings, coverage)."""
        from . import api

        out = []
        for key, tot in self.totals.items():
            contract = self.contracts[key]
            findings, warnings = self.policy.apply(contract.findings(tot.spec, tot.client))
            coverage = None
            if contract.spec is not None and tot.spec is not None:
                coverage = dict(contract.spec.coverage(tot.spec))
                saved = contract.spec.aggregate
                contract.spec.aggregate = tot.spec
                try:
                    warnings += api._check_warnings(contract.spec)
                finally:
                    contract.spec.aggregate = saved
            warnings += [f"ignored on purpose: {rule} in {tests} test(s), {n} observation(s): {reason}"
                         for (rule, reason), (n, tests) in sorted(self.ignored.items())]
            meta = {"command": "pytest", "contract": key.label(), "tests": str(tot.tests),
                    "exchanges": str(tot.exchanges)}
            if key.spec:
                meta["spec"] = key.spec
            out.append((key, Report.build(findings, warnings, meta, coverage=coverage)))
        return out

    def combined(self) -> Report:
        """All contracts' findings in one report (the session report); coverage of the first spec."""
        parts = self.reports()
        findings = [f for _, r in parts for f in r.findings]
        warnings = [w for _, r in parts for w in r.warnings] + self.problems()
        if self.unchecked:
            warnings.append(f"{self.unchecked} exchange(s) of tests without a contract (or contractdrift_off) "
                            "were recorded but not checked")
        coverage = next((r.coverage for _, r in parts if r.coverage), None)
        meta = {"command": "pytest", "tests": str(self.tests), "exchanges": str(self.exchanges),
                "contracts": "; ".join(k.label() for k, _ in parts)}
        return Report.build(sorted(findings, key=lambda f: f.sort_key()), warnings, meta, coverage=coverage)


def failure_message(test: str, findings: Sequence[Finding], exchanges: Sequence[Exchange], fail_on: Severity,
                    label: str) -> str:
    """The failure text of a test that drifted: each finding pinpointed, with the request that showed it."""
    from .report._common import finding_line

    by_id = {ex.id: ex for ex in exchanges}
    lines = [f"contractdrift: {len(findings)} finding(s) at or above {fail_on.label} against {label} "
             f"in {test}:"]
    for f in findings:
        lines.append("  " + finding_line(f))
        ids = f.evidence.exchange_ids if f.evidence is not None else ()
        for ex_id in ids[:1]:
            ex = by_id.get(ex_id)
            if ex is not None:
                status = ex.response.status if ex.response is not None else "no response"
                lines.append(f"      request: {ex.request.method} {ex.request.url} -> {status}")
    return "\n".join(lines)


def report_format(path: str | os.PathLike[str]) -> str:
    """The report format of a path, by its extension (``UsageError`` for an unknown one)."""
    from .errors import UsageError

    name = os.fspath(path).lower()
    for ext, fmt in ((".json", "json"), (".md", "markdown"), (".markdown", "markdown"), (".html", "html"),
                     (".htm", "html"), (".xml", "junit"), (".sarif", "sarif"), (".sarif.json", "sarif"),
                     (".txt", "text")):
        if name.endswith(ext) and not (ext == ".json" and name.endswith(".sarif.json")):
            return fmt
    raise UsageError(f"--contractdrift-report {os.fspath(path)}: unknown extension "
                     "(expected .json, .md, .html, .xml for JUnit, .sarif, .txt)")
