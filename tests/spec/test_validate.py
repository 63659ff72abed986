"""validate_spec and `contractdrift validate`: problems with file:line:col, exit codes, no network."""

from __future__ import annotations

import json

import pytest

from contractdrift.cli import main
from contractdrift.spec.load import load_spec, load_spec_text
from contractdrift.spec.validate import validate_spec

INVALID = """\
openapi: 3.0.0
info: {title: x, version: "1"}
paths:
  /a/{id}:
    get:
      parameters:
        - name: q
          in: query
          schema: {type: integer, default: x}
      responses:
        "200":
          description: ok
  /b:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: 'https://example.com/x.json'}
components:
  schemas:
    A: {type: strin}
"""
VALID = """\
openapi: 3.0.3
info: {title: x, version: "1"}
paths:
  /a/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: 'schemas.yaml#/Thing'}
"""


def test_problems_have_pointers_and_positions(write, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from contractdrift.spec import source

    monkeypatch.setattr(source, "fetch", lambda url: (_ for _ in ()).throw(AssertionError(url)))
    path = write("bad.yaml", INVALID)
    problems = validate_spec(load_spec(path))
    by_pointer = {p.location.pointer: p for p in problems}
    schema = by_pointer["/components/schemas/A"]
    assert schema.location.position is not None and schema.location.position.line == 23
    default = by_pointer["/paths/~1a~1{id}/get/parameters/0/schema"]
    assert "'x' is not of type 'integer'" in default.message
    assert str(default).startswith(f"{path}:9:11: ")
    path_param = by_pointer["/paths/~1a~1{id}/get"]
    assert "Path parameter 'id'" in path_param.message and path_param.location.position is not None
    remote = [p for p in problems if "remote $ref" in p.message]
    assert len(remote) == 1 and remote[0].location.position is not None
    assert remote[0].location.position.line == 20


def test_valid_multi_file_spec(write) -> None:  # type: ignore[no-untyped-def]
    write("schemas.yaml", "Thing: {type: object, properties: {a: {type: string}}}\n")
    assert validate_spec(load_spec(write("ok.yaml", VALID))) == []


def test_broken_ref_is_a_problem_not_a_crash(write) -> None:  # type: ignore[no-untyped-def]
    problems = validate_spec(load_spec(write("ok.yaml", VALID)))  # schemas.yaml missing
    assert problems and all(p.message for p in problems)


def test_swagger_20_is_validated_as_20(write) -> None:  # type: ignore[no-untyped-def]
    good = "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        200: {description: ok}\n"
    assert validate_spec(load_spec(write("s.yaml", good))) == []
    bad = good.replace("200: {description: ok}", "200: {schema: {type: string}}")
    problems = validate_spec(load_spec(write("s2.yaml", bad)))
    assert problems
    assert all(p.location.pointer.startswith("/paths/~1a/get/responses") for p in problems)
    assert problems[0].location.position is not None and problems[0].location.position.line == 7


def test_31_document() -> None:
    spec = load_spec_text('{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, '
                          '"paths": {}, "webhooks": {}, "components": {"schemas": {"N": {"type": ["string", "null"]}}}}')
    assert validate_spec(spec) == []


def test_cli_exit_codes_and_formats(write, capsys) -> None:  # type: ignore[no-untyped-def]
    write("schemas.yaml", "Thing: {type: object}\n")
    ok = write("ok.yaml", VALID)
    bad = write("bad.yaml", INVALID)
    assert main(["validate", str(ok)]) == 0
    assert capsys.readouterr().out == f"{ok}: valid\n"
    assert main(["validate", str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.startswith(f"{bad}:") for line in lines)
    assert any(line.startswith(f"{bad}:9:11: 'x' is not of type 'integer'") for line in lines)
    assert main(["validate", "--format", "json", str(bad)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    assert {"message", "pointer", "file", "line", "col"} <= set(report["problems"][0])
    assert main(["validate", str(bad.parent / "missing.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["validate", str(write("broken.json", '{"openapi": '))]) == 2
    assert ":1:13: invalid JSON" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_valid_json_output(write, capsys, fmt: str) -> None:  # type: ignore[no-untyped-def]
    write("schemas.yaml", "Thing: {type: object}\n")
    ok = write("ok.yaml", VALID)
    assert main(["validate", "--format", fmt, str(ok)]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        assert json.loads(out) == {"spec": str(ok), "valid": True, "problems": []}
