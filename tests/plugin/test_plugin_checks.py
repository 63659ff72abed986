"""The plugin checks what each test saw: pytester runs of small suites, as a user would run them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

SPEC = """\
openapi: 3.0.3
info: {title: pets, version: "1"}
paths:
  /pets/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties:
                  id: {type: integer}
                  name: {type: string}
        "404": {description: no such pet}
  /pets:
    get:
      responses:
        "200":
          description: pets
          content:
            application/json:
              schema: {type: array, items: {type: object}}
"""

CONFTEST = '''
import httpx
import pytest

PETS = {1: {"id": 1, "name": "Rex"}, 2: {"id": 2, "name": 42}}  # pet 2 drifts: its name is a number


def handler(request):
    tail = request.url.path.rsplit("/", 1)[1]
    if tail == "pets":
        return httpx.Response(200, json=list(PETS.values()))
    pet = PETS.get(int(tail))
    return httpx.Response(200, json=pet) if pet else httpx.Response(404)


@pytest.fixture
def client(contractdrift_transport):
    transport = contractdrift_transport(httpx.MockTransport(handler))
    with httpx.Client(transport=transport, base_url="http://pets.test") as c:
        yield c
'''

TESTS = '''
def test_good(client):
    assert client.get("/pets/1").status_code == 200

def test_drift(client):
    assert client.get("/pets/2").status_code == 200

def test_missing(client):
    assert client.get("/pets/9").status_code == 404
'''


def suite(pytester: pytest.Pytester, tests: str = TESTS, **files: str) -> None:
    pytester.makefile(".yaml", spec=SPEC)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_pets=textwrap.dedent(tests))
    for name, text in files.items():
        (pytester.path / name).write_text(text, encoding="utf-8")


def test_a_suite_without_drift_passes_and_shows_coverage(pytester: pytest.Pytester) -> None:
    suite(pytester, "def test_good(client):\n    assert client.get('/pets/1').status_code == 200\n")
    result = pytester.runpytest_subprocess("--contractdrift-spec=spec.yaml", "-p", "no:randomly")
    result.assert_outcomes(passed=1)
    out = result.stdout.str()
    assert "1 test(s) recorded 1 exchange(s); 1 checked" in out
    assert "1/2 documented operations and 1/3 documented status codes exercised" in out
    result.stdout.re_match_lines([r"\s+GET /pets\s+0\s+-\s+200$", r"\s+GET /pets/\{id\}\s+1\s+200\s+404$"])


def test_a_drift_fails_exactly_that_test_pinpointed(pytester: pytest.Pytester) -> None:
    suite(pytester)
    result = pytester.runpytest_subprocess("--contractdrift-spec=spec.yaml", "-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "FAILED test_pets.py::test_drift" in out and "FAILED test_pets.py::test_good" not in out
    # rule, operation, payload path, sent vs expected, spec file:line, the request
    result.stdout.fnmatch_lines([
        "*error response-property-type-mismatch GET /pets/{id} response 200 application/json at $.name:*"
        "sent 42; spec expects {\"type\":\"string\"} [[]spec.yaml:18:19]",
        "*request: GET http://pets.test/pets/2 -> 200",
    ])
    assert "findings: 1 error, 0 warn, 0 info" in out


def test_without_a_spec_nothing_is_checked(pytester: pytest.Pytester) -> None:
    suite(pytester)
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=3)
    assert "3 exchange(s); 0 checked, 3 not checked" in result.stdout.str()


def test_the_ini_key_and_fail_on(pytester: pytest.Pytester) -> None:
    # /pets/9 -> 404 is documented; with fail_on=info the undocumented-free suite still passes, and a
    # stricter level fails on an info finding (a request with an undocumented query parameter)
    suite(pytester, "def test_q(client):\n    assert client.get('/pets/1', params={'x': 1}).status_code == 200\n",
          **{"pytest.ini": "[pytest]\ncontractdrift_spec = spec.yaml\n"})
    assert pytester.runpytest_subprocess("-p", "no:randomly").ret == 0
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--contractdrift-fail-on=info")
    result.assert_outcomes(failed=1)
    assert "at or above info" in result.stdout.str()


MARKERS = '''
import pytest

pytestmark = pytest.mark.contractdrift(spec="spec.yaml")

def test_drift(client):
    client.get("/pets/2")

@pytest.mark.contractdrift_ignore("response-property-type-mismatch", reason="name is a number until v2 ships")
def test_known(client):
    client.get("/pets/2")

@pytest.mark.contractdrift_off
def test_error_handling_on_purpose(client):
    client.get("/pets/2")

@pytest.mark.contractdrift(fail_on="warn", undocumented="warn")
def test_stricter(client):
    client.get("/pets/1")
'''


def test_markers_per_module_and_test(pytester: pytest.Pytester) -> None:
    suite(pytester, MARKERS)
    result = pytester.runpytest_subprocess("-p", "no:randomly")  # no option: the module marker names the spec
    result.assert_outcomes(passed=3, failed=1)
    out = result.stdout.str()
    assert "FAILED test_pets.py::test_drift" in out
    assert "response-property-type-mismatch: 1 observation(s) in 1 test(s) — name is a number until v2 ships" in out
    assert "4 test(s) recorded 4 exchange(s); 3 checked, 1 not checked" in out


@pytest.mark.parametrize(("marker", "message"), [
    ('contractdrift_ignore("response-property-type-mismatch")', "a reason= is required"),
    ('contractdrift_ignore("no-such-rule", reason="x")', "unknown rule id(s) no-such-rule"),
    ('contractdrift(spec="spec.yaml", fail="warn")', "unknown keyword(s) fail"),
    ('contractdrift(fail_on="loud")', "unknown severity 'loud'"),
])
def test_bad_markers_fail_the_test_in_one_line(pytester: pytest.Pytester, marker: str, message: str) -> None:
    suite(pytester, f"import pytest\n\n@pytest.mark.{marker}\ndef test_x(client):\n    client.get('/pets/1')\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--contractdrift-spec=spec.yaml")
    result.assert_outcomes(errors=1)
    assert message in result.stdout.str()
    assert "Traceback" not in result.stdout.str()


def test_a_missing_spec_fails_the_tests_with_the_file_named(pytester: pytest.Pytester) -> None:
    suite(pytester)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--contractdrift-spec=nope.yaml")
    result.assert_outcomes(failed=3)
    assert "cannot check against spec nope.yaml: nope.yaml" in result.stdout.str()


@pytest.mark.parametrize(("name", "check"), [
    ("r.json", lambda text: json.loads(text)["findings"][0]["id"] == "response-property-type-mismatch"),
    ("r.sarif", lambda text: json.loads(text)["runs"][0]["results"][0]["ruleId"] == "response-property-type-mismatch"),
    ("r.xml", lambda text: text.startswith("<?xml") and "<failure" in text),
    ("r.md", lambda text: "response-property-type-mismatch" in text),
    ("r.html", lambda text: text.lstrip().lower().startswith("<!doctype html") and "$.name" in text),
])
def test_the_session_report_by_extension(pytester: pytest.Pytester, name: str, check: object) -> None:
    suite(pytester)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--contractdrift-spec=spec.yaml",
                                           f"--contractdrift-report=out/{name}")
    result.assert_outcomes(passed=2, failed=1)
    text = (pytester.path / "out" / name).read_text(encoding="utf-8")
    assert callable(check) and check(text), text[:500]


def test_an_unknown_report_extension_is_a_usage_error(pytester: pytest.Pytester) -> None:
    suite(pytester)
    result = pytester.runpytest_subprocess("--contractdrift-spec=spec.yaml", "--contractdrift-report=r.pdf")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown extension" in result.stderr.str()


PACT = {
    "consumer": {"name": "pet-shop"}, "provider": {"name": "pets"},
    "interactions": [{
        "description": "a pet", "request": {"method": "GET", "path": "/pets/2"},
        "response": {"status": 200, "headers": {"Content-Type": "application/json"},
                     "body": {"id": 1, "name": "Rex"},
                     "matchingRules": {"body": {"$": {"matchers": [{"match": "type"}]}}}},
    }],
    "metadata": {"pactSpecification": {"version": "3.0.0"}},
}


def test_client_expectations_point_into_the_pact_file(pytester: pytest.Pytester) -> None:
    suite(pytester, **{"pet-shop.pact.json": json.dumps(PACT, indent=1)})
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--contractdrift-expect=pet-shop.pact.json")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert "FAILED test_pets.py::test_drift" in out
    assert "pet-shop.pact.json:" in out and "$.name" in out and "sent 42" in out


def _session_json(pytester: pytest.Pytester, *args: str) -> dict[str, object]:
    report = pytester.path / "out" / "session.json"
    report.unlink(missing_ok=True)
    rec = pytester.path / "out" / "rec.jsonl"
    rec.unlink(missing_ok=True)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--contractdrift-spec=spec.yaml",
                                           f"--contractdrift-report={report}", f"--contractdrift-record={rec}", *args)
    result.assert_outcomes(passed=8, failed=4)
    data: dict[str, object] = json.loads(report.read_text(encoding="utf-8"))
    lines = [json.loads(line) for line in rec.read_text(encoding="utf-8").splitlines()]
    data["recorded"] = sorted((ex["tags"]["test"], ex["request"]["url"]) for ex in lines if "request" in ex)
    data["ids"] = [ex["id"] for ex in lines if "request" in ex]
    return data


def test_xdist_workers_check_and_the_controller_merges_every_exchange_once(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    many = "\n".join(f"def test_{i}(client):\n    client.get('/pets/{i % 3}')\n    client.get('/pets')\n"
                     for i in range(12))
    suite(pytester, many)
    serial = _session_json(pytester)
    parallel = _session_json(pytester, "-n", "2")
    assert len(serial["recorded"]) == 24  # type: ignore[arg-type]
    assert parallel["recorded"] == serial["recorded"]
    assert len(set(parallel["ids"])) == len(parallel["ids"]) == 24  # type: ignore[arg-type]
    assert parallel["coverage"] == serial["coverage"]
    assert parallel["coverage"]["exchanges"] == 24  # type: ignore[index]

    def keys(data: dict[str, object]) -> list[tuple[str, int]]:
        return sorted((f["fingerprint"], f["evidence"]["observed"]) for f in data["findings"])  # type: ignore[attr-defined, index]

    assert keys(parallel) == keys(serial) and keys(serial)


NO_FRAMEWORKS = r'''
import importlib.abc, sys

BLOCKED = {"starlette", "fastapi", "flask", "werkzeug", "requests", "uvicorn", "waitress", "xdist", "tqdm",
           "httpx2", "brotli", "genson"}

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked in this test)", name=name)
        return None

sys.meta_path.insert(0, Block())
import pytest
sys.exit(pytest.main(["-p", "no:randomly", "-p", "no:xdist", "--contractdrift-spec=spec.yaml", "-q", "-rfs"]))
'''


def test_the_plugin_works_with_no_optional_framework_installed(pytester: pytest.Pytester) -> None:
    suite(pytester, TESTS + "\n\ndef test_requests_fixture_skips(contractdrift_requests_session):\n    pass\n")
    (pytester.path / "run.py").write_text(NO_FRAMEWORKS, encoding="utf-8")
    result = pytester.run(__import__("sys").executable, "run.py")
    out = result.stdout.str()
    assert result.ret == 1, out  # the drift, and nothing else
    assert "1 failed, 2 passed, 1 skipped" in out, out
    assert "FAILED test_pets.py::test_drift" in out


def test_pinpointed_lines_name_the_spec_line(tmp_path: Path) -> None:
    """The line number the failure message cites is the schema's line in the spec (an independent read)."""
    lines = SPEC.splitlines()
    assert lines[17].strip() == "name: {type: string}"  # line 18, cited as spec.yaml:18:19 above
    assert lines[17].index("name:") + 1 == 19  # column 19: where the property's schema is declared


def test_the_spec_from_git(pytester: pytest.Pytester) -> None:
    """``--contractdrift-spec REF:path`` reads the spec of a git revision (here the committed one,
    while the working copy's spec says something else)."""
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    suite(pytester)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=pytester.path, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=t@t", "-c", "user.name=t", "add", "spec.yaml")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "spec")
    (pytester.path / "spec.yaml").write_text(SPEC.replace("name: {type: string}", "name: {}"), encoding="utf-8")
    assert pytester.runpytest_subprocess("-p", "no:randomly", "--contractdrift-spec=spec.yaml").ret == 0
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--contractdrift-spec=HEAD:spec.yaml")
    result.assert_outcomes(passed=2, failed=1)
    assert "[HEAD:spec.yaml:18:19]" in result.stdout.str()


@pytest.mark.parametrize(("config", "outcome", "shown"), [
    ('[tool.contractdrift.severity]\n"response-property-type-mismatch" = "warn"\n', {"passed": 3},
     "findings: 0 error, 1 warn, 0 info"),
    ('[tool.contractdrift]\nfail-on = "warn"\n[tool.contractdrift.severity]\n'
     '"response-property-type-mismatch" = "warn"\n', {"passed": 2, "failed": 1}, "at or above warn"),
    ('[tool.contractdrift.severity]\n"response-property-type-mismatch" = "off"\n', {"passed": 3},
     "findings: 0 error, 0 warn, 0 info"),
    ('[tool.contractdrift.severity]\n"no-such-rule" = "off"\n', {"failed": 3},  # bad input fails every check
     "contractdrift: [tool.contractdrift]: "),
])
def test_the_project_settings_apply_as_in_the_cli(pytester: pytest.Pytester, config: str,
                                                  outcome: dict[str, int], shown: str) -> None:
    suite(pytester, **{"pyproject.toml": config})
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--contractdrift-spec=spec.yaml")
    result.assert_outcomes(**outcome)
    assert shown in result.stdout.str()


def test_an_unwritable_recording_is_reported_not_an_internal_error(pytester: pytest.Pytester) -> None:
    suite(pytester)
    (pytester.path / "ro").mkdir()
    (pytester.path / "ro" / "traffic.jsonl").mkdir()  # a directory where the file should be
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--contractdrift-spec=spec.yaml",
                                           "--contractdrift-record=ro/traffic.jsonl")
    result.assert_outcomes(passed=2, failed=1)  # the drift only
    out = result.stdout.str()
    assert "INTERNALERROR" not in out
    assert "problem: 3 exchange(s) could not be recorded to" in out and "Is a directory" in out
