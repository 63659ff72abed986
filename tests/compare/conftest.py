"""Fixtures of the compare tests."""

from __future__ import annotations

import pytest

from contractdrift.compare import fastgate


@pytest.fixture(params=["gate", "python"])
def validator_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a payload-validation test twice: through the jsonschema-rs gate (skipped when it is not
    installed) and through the Python closures alone. The validator's own tests are the oracle of
    our semantics, so both paths must pass them."""
    if request.param == "python":
        monkeypatch.setenv("CONTRACTDRIFT_FAST", "0")
    elif not fastgate.available():
        pytest.skip("jsonschema-rs is not installed (or CONTRACTDRIFT_FAST=0)")
    else:
        monkeypatch.setattr(fastgate, "REBUILD_RATIO", 0.0)  # the gate learns at once: it answers most calls
    return str(request.param)
