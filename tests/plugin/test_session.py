"""The session fold (contractdrift._session): batches from any worker, in any order, give one session."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift._session import ContractKey, Ignore, SessionFold, TestBatch, report_format
from contractdrift.errors import UsageError
from contractdrift.model import Body, Exchange, Request, Response

from .test_plugin_checks import SPEC


def pet_exchange(n: int, pet: int, name: object) -> Exchange:
    return Exchange(id=f"x{n}", started_at=1_700_000_000.0 + n, duration_ms=1.0,
                    request=Request(method="GET", url=f"http://pets.test/pets/{pet}"),
                    response=Response(status=200, headers=(("content-type", "application/json"),),
                                      body=Body.from_bytes(f'{{"id": {pet}, "name": {name}}}'.encode(), "application/json")),
                    tags={"test": f"t{n}"})


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> ContractKey:
    d = tmp_path_factory.mktemp("spec")
    (d / "spec.yaml").write_text(SPEC, encoding="utf-8")
    return ContractKey(spec="spec.yaml", cwd=str(d))


def batches(key: ContractKey) -> list[TestBatch]:
    names = ['"Rex"', "42", "null", '"Tom"', "[1]", "true"]
    out = []
    for i, name in enumerate(names):
        ignores = (Ignore(frozenset({"response-property-type-mismatch"}), "known"),) if i == 4 else ()
        out.append(TestBatch(test=f"t{i}", exchanges=[pet_exchange(i, i % 2 + 1, name)], contract=key,
                             ignores=ignores))
    out.append(TestBatch(test="off", exchanges=[pet_exchange(9, 1, "7")], contract=None))
    return out


def summary(fold: SessionFold) -> tuple[object, ...]:
    report = fold.combined()
    return (sorted((f.fingerprint, f.evidence.observed if f.evidence else 0) for f in report.findings),
            report.coverage, fold.exchanges, fold.unchecked, sorted(fold.ignored.items()))


@settings(max_examples=15, deadline=None)
@given(order=st.permutations(range(7)))
def test_the_fold_does_not_depend_on_the_order_of_batches(key: ContractKey, order: list[int]) -> None:
    items = batches(key)
    in_order, shuffled = SessionFold(), SessionFold()
    shuffled.contracts = in_order.contracts  # compile once
    for b in items:
        in_order.add(b)
    for i in order:
        shuffled.add(TestBatch.from_line(items[i].to_line()))  # through the workers' wire format
    assert summary(shuffled) == summary(in_order)


def test_the_fold_counts_each_exchange_once_and_honours_ignores(key: ContractKey, tmp_path: Path) -> None:
    fold = SessionFold(record_path=str(tmp_path / "rec.jsonl"))
    for b in batches(key):
        fold.add(b)
    fold.close()
    report = fold.combined()
    assert report.coverage is not None and report.coverage["exchanges"] == 6
    [finding] = [f for f in report.findings if f.rule_id == "response-property-type-mismatch"]
    # 42 (x1) and true (x5) are not strings; null (x2) is a null-ness finding of its own; [1] (x4) is ignored
    assert finding.evidence is not None and finding.evidence.observed == 2
    assert finding.evidence.exchange_ids == ("x1", "x5")
    assert fold.ignored == {("response-property-type-mismatch", "known"): [1, 1]}
    assert fold.unchecked == 1
    lines = (tmp_path / "rec.jsonl").read_text(encoding="utf-8").splitlines()
    assert sum('"request"' in line for line in lines) == 7


def test_batches_round_trip() -> None:
    b = TestBatch(test="t", exchanges=[pet_exchange(1, 1, '"Rex"')],
                  contract=ContractKey(spec="HEAD:api.yaml", expect="pacts/", undocumented="warn", cwd="/r"),
                  ignores=(Ignore(frozenset({"a", "b"}), "why"),), failed=2)
    again = TestBatch.from_line(b.to_line())
    assert again == b


@pytest.mark.parametrize(("name", "fmt"), [("r.json", "json"), ("r.sarif", "sarif"), ("r.sarif.json", "sarif"),
                                           ("R.HTML", "html"), ("r.md", "markdown"), ("r.xml", "junit"),
                                           ("r.txt", "text")])
def test_report_format_by_extension(name: str, fmt: str) -> None:
    assert report_format(name) == fmt


def test_unknown_report_extension() -> None:
    with pytest.raises(UsageError, match=r"r\.pdf: unknown extension"):
        report_format("r.pdf")
