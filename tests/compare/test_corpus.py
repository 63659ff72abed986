"""Robustness on real-world spec pairs (../shared/corpus): every pair diffs without error."""

from __future__ import annotations

from pathlib import Path

import pytest

import contractdrift

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
PAIRS = sorted(p.parent for p in CORPUS.glob("*/*/base.*")) if CORPUS.is_dir() else []

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not PAIRS, reason="../shared/corpus is absent"),
]


def _files(pair: Path) -> tuple[Path, Path]:
    base = next(pair.glob("base.*"))
    return base, next(pair.glob(f"revision{base.suffix}"))


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{p.parent.name}/{p.name}" for p in PAIRS])
def test_pair_diffs_cleanly(pair: Path) -> None:
    base, revision = _files(pair)
    report = contractdrift.diff_specs(base, revision)
    for finding in report.findings:
        assert finding.rule_id in contractdrift.rules()
        assert finding.location.base is not None or finding.location.revision is not None
        for loc in (finding.location.base, finding.location.revision):
            if loc is not None:
                assert loc.position is not None and loc.position.line >= 1, finding
    # nothing changes between a spec and itself, even for the largest ones
    assert not contractdrift.diff_specs(base, base).findings
    if pair.parent.name == "oai-petstore-expanded":  # only adds `type: object` beside `properties`
        assert not report.at_least(contractdrift.Severity.WARN)


def test_stripe_removed_operations_are_reported() -> None:
    pair = CORPUS / "stripe" / "1"
    if not pair.is_dir():
        pytest.skip("stripe/1 absent")
    base, revision = _files(pair)
    removed = [f for f in contractdrift.diff_specs(base, revision).findings
               if f.rule_id in ("api-removed-without-deprecation", "api-path-removed-without-deprecation")]
    assert len(removed) == 9  # "9 operations removed in one release"
