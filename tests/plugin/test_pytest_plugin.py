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


LAZY_TEST_FILE = '''
import sys

HEAVY = ("httpx", "contractdrift.capture", "contractdrift.capture.recorder", "contractdrift.capture.httpx_transport",
         "contractdrift.capture.offload", "uvicorn")


def test_a_plugin_loaded_but_nothing_heavy(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("contractdrift")
    assert "contractdrift.pytest_plugin" in sys.modules
    loaded = [name for name in HEAVY if name in sys.modules]
    assert loaded == [], loaded


def test_b_the_fixture_loads_what_it_needs(contractdrift_recorder):
    from contractdrift.capture import recorder

    assert recorder.hooks_installed()
    assert contractdrift_recorder.stats.offload == "thread"  # a test suite never starts a writer process
'''


def test_plugin_imports_nothing_heavy_until_a_fixture_is_used(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(LAZY_TEST_FILE)
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_recorder_module_registers_no_hooks_until_a_recorder_exists() -> None:
    import subprocess
    import sys

    code = (
        "import atexit, os\n"
        "calls = []\n"
        "real_atexit, real_fork = atexit.register, os.register_at_fork\n"
        "def ours(fn): return (getattr(fn, '__module__', None) or '').startswith('contractdrift')\n"
        "atexit.register = lambda fn, *a, **k: (ours(fn) and calls.append('atexit')) or real_atexit(fn, *a, **k)\n"
        "os.register_at_fork = lambda **k: (any(map(ours, k.values())) and calls.append('fork')) or real_fork(**k)\n"
        "import contractdrift\n"
        "from contractdrift.capture import recorder\n"
        "import contractdrift.pytest_plugin\n"
        "assert calls == [] and not recorder.hooks_installed(), calls\n"
        "r = recorder.Recorder(None)\n"
        "r2 = recorder.Recorder(None)\n"
        "assert sorted(calls) == ['atexit', 'fork'] and recorder.hooks_installed(), calls\n"
        "r.close(); r2.close()\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
