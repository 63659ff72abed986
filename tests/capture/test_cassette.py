from __future__ import annotations

import base64
import gzip
from pathlib import Path

import pytest

from contractdrift import InputError, read_exchanges
from contractdrift.api import import_cassette
from contractdrift.capture.cassette import load_cassette
from contractdrift.cli import main

GZ_BODY = base64.encodebytes(gzip.compress(b'{"id": 5, "token": "tok-123"}')).decode()

MODERN = f"""\
interactions:
- request:
    body: '{{"name": "ann", "password": "pw-1"}}'
    headers:
      Accept: ['*/*']
      Authorization: [Bearer live-secret]
      Content-Type: [application/json]
    method: POST
    uri: https://api.example.com/users?api_key=k-999
  response:
    body:
      string: !!binary |
{"".join("        " + line + chr(10) for line in GZ_BODY.splitlines())}    headers:
      Content-Encoding: [gzip]
      Content-Type: [application/json]
      Set-Cookie: [sid=abc; Path=/]
    status:
      code: 201
      message: Created
- request:
    body: null
    headers: {{}}
    method: GET
    uri: https://api.example.com/health
  response:
    body: {{string: ok}}
    headers:
      Content-Type: text/plain
    status: {{code: 200, message: OK}}
version: 1
"""

OLD_LIST = """\
- request:
    body: !!binary |
      aGVsbG8=
    headers: {Content-Type: [text/plain]}
    method: PUT
    uri: http://old.local/x
  response:
    body: {string: '[1, 2]'}
    headers: {Content-Type: [application/json]}
    status: 200
"""


def test_modern_cassette(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(MODERN)
    post, health = list(load_cassette(path))
    assert post.source == "cassette"
    assert post.request.method == "POST" and post.request.url == "https://api.example.com/users?api_key=k-999"
    assert post.request.body.json == {"name": "ann", "password": "pw-1"}
    assert ("Authorization", "Bearer live-secret") in post.request.headers
    assert post.response is not None and post.response.status == 201
    assert post.response.body.json == {"id": 5, "token": "tok-123"}  # gzip decoded
    assert health.request.body.kind == "empty"
    assert health.response is not None and health.response.body.text == "ok"
    # ids are stable across imports
    assert [e.id for e in load_cassette(path)] == [post.id, health.id]


def test_old_list_format(tmp_path: Path) -> None:
    path = tmp_path / "old.yml"
    path.write_text(OLD_LIST)
    (ex,) = list(load_cassette(path))
    assert ex.request.body.text == "hello"
    assert ex.response is not None and ex.response.status == 200 and ex.response.body.json == [1, 2]


def test_import_redacts(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(MODERN)
    out = tmp_path / "t.jsonl"
    assert import_cassette(path, out) == 2
    text = out.read_text()
    for secret in ("live-secret", "pw-1", "k-999", "tok-123", "sid=abc"):
        assert secret not in text
    assert main(["import-har", "--cassette", str(path), "-o", str(out)]) == 0
    assert len(list(read_exchanges(out))) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("interactions:\n- request: [unclosed\n", r"bad\.yaml:3:1: malformed YAML"),
        ("interactions:\n- request:\n    method: GET\n", r"bad\.yaml \(#/interactions/0/request/uri\): cassette request has no uri"),
        ("hello: world\n", r"bad\.yaml: not a vcrpy cassette"),
        ("interactions:\n- request: {uri: 'http://x'}\n  response: {status: {code: abc}}\n", r"status is not a number"),
        ("!!python/object:os.system ls\n", r"bad\.yaml:1:1: malformed YAML"),
    ],
)
def test_bad_cassettes(tmp_path: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    with pytest.raises(InputError, match=message):
        list(load_cassette(bad))
    assert main(["import-har", "--cassette", str(bad), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "Traceback" not in capsys.readouterr().err
