"""multipart/form-data bodies are redacted part by part before they reach disk: secret-named parts,
secrets inside JSON and text parts; file bytes and the multipart structure are kept."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
from capture_servers.servers import uvicorn_server
from hypothesis import given, settings
from hypothesis import strategies as st

import contractdrift
from contractdrift.asgi import RecordingMiddleware
from contractdrift.capture.redact import Redactor
from contractdrift.capture.redact_multipart import redact_multipart
from contractdrift.compare.multipart import parse_multipart
from contractdrift.model import Body

R = Redactor(salt=b"multipart-tests")
PASSWORD = "correct-horse-battery-staple-9"
TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def _encoded(data: dict[str, str], files: dict[str, tuple[str | None, bytes | str, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body as httpx sends it (httpx itself when there is a file; without one
    it would send a urlencoded form, so the same layout is written here)."""
    if files:
        request = httpx.Request("POST", "http://127.0.0.1/upload", data=data, files=files)
        return request.read(), request.headers["content-type"]
    boundary = "1f0e9d8c7b6a5f4e3d2c1b0a"
    raw = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
        for name, value in data.items()
    ) + f"--{boundary}--\r\n".encode()
    return raw, f"multipart/form-data; boundary={boundary}"


def _parts(raw: bytes, content_type: str) -> dict[str, bytes | None]:
    parts, problem = parse_multipart(raw, content_type)
    assert problem is None, problem
    return {p.name: p.data for p in parts}


def test_secret_named_parts_json_and_text_parts_are_redacted_files_kept() -> None:
    raw, ctype = _encoded(
        {"username": "ann", "password": PASSWORD, "note": f"my token is {TOKEN} ok"},
        {"meta": (None, json.dumps({"title": "q3", "api_key": "k-1234567890abcdef"}), "application/json"),
         "avatar": ("a.png", PNG, "image/png")},
    )
    out = redact_multipart(raw, ctype, R)
    assert PASSWORD.encode() not in out and TOKEN.encode() not in out and b"k-1234567890abcdef" not in out
    parts = _parts(out, ctype)
    assert set(parts) == {"username", "password", "note", "meta", "avatar"}
    assert parts["username"] == b"ann" and parts["avatar"] == PNG
    note = parts["note"]
    assert note is not None and note.startswith(b"my token is ") and note.endswith(b" ok")
    meta = json.loads(parts["meta"] or b"")
    assert meta["title"] == "q3" and meta["api_key"] != "k-1234567890abcdef"


def test_a_body_without_a_secret_is_returned_byte_for_byte() -> None:
    raw, ctype = _encoded({"a": "1", "b": "two words"}, {"f": ("x.bin", PNG, "application/octet-stream")})
    assert redact_multipart(raw, ctype, R) == raw


def test_a_body_cut_inside_a_part_still_redacts_that_part() -> None:
    raw, ctype = _encoded({"password": PASSWORD}, {})
    cut = raw[: raw.index(PASSWORD.encode()) + len(PASSWORD) - 3]  # the recorder's cap fell in the value
    assert PASSWORD[:-3].encode() not in redact_multipart(cut, ctype, R)


def test_a_body_whose_boundary_is_wrong_is_scanned_as_text() -> None:
    raw, _ = _encoded({"note": f"Authorization: Bearer {JWT}"}, {})
    out = redact_multipart(raw, "multipart/form-data; boundary=not-the-one", R)
    assert JWT.encode() not in out


def test_the_redactor_redacts_recorded_multipart_bodies() -> None:
    raw, ctype = _encoded({"client_secret": PASSWORD}, {})
    body = Body.from_bytes(raw, ctype)
    assert body.kind == "binary"
    out = R.redact_body(body)
    assert out.base64 is not None and PASSWORD.encode() not in base64.b64decode(out.base64)


_names = st.sampled_from(["password", "api_key", "secret", "token", "client_secret", "title", "count", "comment"])
_values = st.text(max_size=40)  # no surrogates by default: always UTF-8 encodable


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_names, _values, min_size=1, max_size=6), st.booleans())
def test_structure_is_kept_and_no_secret_named_value_survives(fields: dict[str, str], with_file: bool) -> None:
    files: dict[str, tuple[str | None, bytes | str, str]] = {"upload": ("f.bin", PNG, "image/png")} if with_file else {}
    raw, ctype = _encoded(fields, files)
    out = redact_multipart(raw, ctype, R)
    parts = _parts(out, ctype)
    assert set(parts) == set(fields) | set(files)
    for name, value in fields.items():
        if R.is_secret_field(name) and len(value) >= 4:
            got = parts[name]
            assert got is not None and value.encode() not in got
    if with_file:
        assert parts["upload"] == PNG


def test_recorded_through_a_real_server_the_secret_never_reaches_disk(tmp_path: Path) -> None:
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    out = tmp_path / "uploads.jsonl"
    recorder = contractdrift.Recorder(out)
    with uvicorn_server(RecordingMiddleware(app, recorder), lifespan="off") as base, \
            httpx.Client(base_url=base, timeout=10) as client:
        answer = client.post("/login", data={"user": "ann", "password": PASSWORD},
                             files={"doc": ("d.txt", f"token={TOKEN}", "text/plain")})
        assert answer.status_code == 204
    recorder.close()
    assert recorder.stats.recorded == 1
    text = out.read_text()
    line = next(r for r in map(json.loads, text.splitlines()) if "request" in r)
    body = line["request"]["body"]
    stored = base64.b64decode(body["base64"]) if "base64" in body else text.encode()
    for secret in (PASSWORD, TOKEN):
        assert secret not in text and secret.encode() not in stored
    assert b'name="user"\r\n\r\nann\r\n' in stored
