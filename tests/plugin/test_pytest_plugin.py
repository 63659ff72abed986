"""The pytest plugin, exercised in a separate pytest run (pytester) as a user would."""

from __future__ import annotations

import json

import pytest

TEST_FILE = '''
import httpx

def app(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"id": 7, "password": "hunter2"})

def test_records(request, contractdrift_recorder, contractdrift_transport):
    with httpx.Client(transport=contractdrift_transport(httpx.MockTransport(app))) as client:
        r = client.get("http://svc.test/users/7", headers={"Authorization": "Bearer s3cret"})
    assert r.json()["password"] == "hunter2"  # the caller sees the real body
    contractdrift_recorder.flush()
    if not request.config.getoption("--contractdrift-record"):
        [ex] = contractdrift_recorder.exchanges
        assert ex.response.body.json["password"] != "hunter2"
        assert ex.tags["test"].endswith("test_records")
'''


def test_fixtures_record_in_memory(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TEST_FILE)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)


def test_record_option_appends_redacted_exchanges(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TEST_FILE)
    out = pytester.path / "traffic.jsonl"
    result = pytester.runpytest_subprocess(f"--contractdrift-record={out}")
    result.assert_outcomes(passed=1)
    text = out.read_text()
    assert "hunter2" not in text and "s3cret" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    exchanges = [line for line in lines if "request" in line]
    assert len(exchanges) == 1
    assert exchanges[0]["request"]["url"] == "http://svc.test/users/7"
    assert exchanges[0]["tags"]["test"].endswith("test_records")
