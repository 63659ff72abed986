from __future__ import annotations

import json
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractdrift import Recorder, Redactor
from contractdrift.capture.redact import is_secret_name, mask_string, mask_value
from contractdrift.capture.standins import Keyer
from contractdrift.infer.formats import string_formats
from contractdrift.model import Body, Exchange, Request, Response
from contractdrift.model.masks import is_redacted

R = Redactor(salt=b"tests")


def _exchange(
    *,
    url: str = "http://api.test/x",
    req_headers: tuple[tuple[str, str], ...] = (),
    req_body: Body | None = None,
    resp_headers: tuple[tuple[str, str], ...] = (),
    resp_body: Body | None = None,
    error: str | None = None,
) -> Exchange:
    return Exchange(
        id="e1",
        started_at=time.time(),
        duration_ms=1.0,
        request=Request(method="POST", url=url, headers=req_headers, body=req_body or Body()),
        response=Response(status=200, headers=resp_headers, body=resp_body or Body()),
        error=error,
    )


@pytest.mark.parametrize(
    "name",
    ["password", "Password", "new_password", "passwd", "client_secret", "clientSecret", "api_key", "apiKey",
     "APIKEY", "x-api-key", "access_token", "refreshToken", "accessKey", "private_key", "ssn", "card_number",
     "cardNumber", "cvv", "pan", "authorization", "session", "sessionId", "password_confirmation", "iban"],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    ["token_type", "expires_in", "max_tokens", "company", "expand", "classname", "username", "email", "id",
     "password_hint", "session_count", "key", "pin_code_length", "span", "description"],
)
def test_non_secret_names(name: str) -> None:
    assert not is_secret_name(name)


def _stand_in(value: object, original: str) -> bool:
    """A recognisable stand-in that does not contain the original."""
    return isinstance(value, str) and is_redacted(value) and original not in value


def test_headers() -> None:
    ex = _exchange(
        req_headers=(
            ("Authorization", "Bearer abc.def.ghi"),
            ("Proxy-Authorization", "Basic dXNlcjpwYXNz"),
            ("Cookie", "sid=s3cr3t; theme=dark"),
            ("X-Api-Key", "k-123"),
            ("X-Custom-Token", "tok"),
            ("X-Service-Secret", "shh"),
            ("X-Request-Id", "req-1"),
            ("Accept", "application/json"),
        ),
        resp_headers=(("Set-Cookie", "sid=s3cr3t; Path=/; HttpOnly"), ("Location", "/next?token=abc&page=2")),
    )
    out = R.redact(ex)
    assert dict(out.request.headers) == {
        "Authorization": "Bearer [REDACTED]",
        "Proxy-Authorization": "Basic [REDACTED]",
        "Cookie": "sid=[REDACTED]; theme=[REDACTED]",
        "X-Api-Key": "[REDACTED]",
        "X-Custom-Token": "[REDACTED]",
        "X-Service-Secret": "[REDACTED]",
        "X-Request-Id": "req-1",
        "Accept": "application/json",
    }
    assert out.response is not None
    headers = dict(out.response.headers)
    assert headers["Set-Cookie"] == "sid=[REDACTED]; Path=/; HttpOnly"
    m = re.fullmatch(r"/next\?token=([^&]+)&page=2", headers["Location"])
    assert m and _stand_in(m.group(1), "abc")


def test_url_query_and_userinfo() -> None:
    out = R.redact(_exchange(url="https://bob:hunter2@api.test/p?q=%20a&api_key=K3Y-99&password=p%40ss"))
    m = re.fullmatch(r"https://bob:([^@]+)@api\.test/p\?q=%20a&api_key=([^&]+)&password=(.+)", out.request.url)
    assert m, out.request.url
    assert _stand_in(m.group(1), "hunter2")
    assert _stand_in(unquote(m.group(2)), "K3Y-99") and _stand_in(unquote(m.group(3)), "p@ss")


def test_json_body_keeps_types_and_formats() -> None:
    doc = {
        "user": "bob",
        "password": "hunter22",
        "pin": 1234,
        "session": {"id": "0b7c7e7a-4f3e-4b1e-9a3e-1d2c3b4a5f6e", "issued": "2024-05-01T10:20:30Z", "ok": True},
        "tokens": [{"token": "abc-tok", "score": 0.5}],
        "secret_ratio": 0.75,
        "card_number": "4111 1111 1111 1111",
        "contact": {"email": "bob@corp.test"},
        "note": "call me with eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig please",
    }
    body = Body(kind="json", media_type="application/json", size=10, json=doc)
    out = R.redact(_exchange(req_body=body)).request.body.json
    assert isinstance(out, dict)
    assert out["user"] == "bob"
    assert _stand_in(out["password"], "hunter22")
    assert out["pin"] == 1000 and out["secret_ratio"] == 0.0
    assert out["session"] == {"id": "00000000-0000-4000-9000-000000000000", "issued": "1970-01-01T00:00:00Z",
                              "ok": False}
    assert _stand_in(out["tokens"][0]["token"], "abc-tok") and out["tokens"][0]["score"] == 0.5
    # a card under a secret name: a token stand-in; the same card under an innocent key: a card stand-in
    assert _stand_in(out["card_number"], "4111")
    email = out["contact"]["email"]
    assert _stand_in(email, "bob@corp.test") and string_formats(email) == ("email",)
    note = out["note"]
    assert note.startswith("call me with ") and note.endswith(" please") and "eyJzdWIi" not in note
    assert is_redacted(note.split()[3])


def test_masked_formats_stay_valid() -> None:
    keyer = Keyer(b"fixed salt")
    uuid_v7 = "01890a5d-ac96-774b-bcce-b302099a8057"
    masked = mask_string(uuid_v7, keyer)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-b[0-9a-f]{3}-[0-9a-f]{12}", masked)
    email = mask_string("alice.smith@example.org", keyer)
    assert email.endswith("@redacted.invalid") and string_formats(email) == ("email",) and is_redacted(email)
    assert mask_string("1999-12-31", keyer) == "1970-01-01"
    assert mask_string("2024-05-01T10:20:30.123456+02:00", keyer) == "1970-01-01T00:00:00.000000+02:00"
    assert mask_value(-98765, keyer) == -10000
    assert mask_value(7, keyer) == 0
    assert mask_value(3.14, keyer) == 0.0
    assert mask_value(True, keyer) is False
    long_secret = "Zq8fK2pLmN4xR7tY1wV3"
    masked = mask_string(long_secret, keyer)
    assert len(masked) == len(long_secret) and masked.startswith("REDACTED") and is_redacted(masked)
    assert mask_string("Bearer Zq8fK2pLmN4xR7tY1wV3", keyer) == "Bearer " + masked


def test_form_body_and_text_bodies() -> None:
    form = Body(kind="text", media_type="application/x-www-form-urlencoded", size=40,
                text="user=bob&password=hunter2&client_secret=abc%2Bdef")
    out = R.redact(_exchange(req_body=form)).request.body
    assert out.text is not None
    m = re.fullmatch(r"user=bob&password=([^&]+)&client_secret=(.+)", out.text)
    assert m and _stand_in(m.group(1), "hunter2") and _stand_in(unquote(m.group(2)), "abc+def")
    # a truncated JSON body is text: secret pairs are still found
    cut = Body(kind="text", media_type="application/json", size=5000, truncated=True,
               text='{"items": [1, 2], "api_key": "AbC-123", "n": 1, "nested": {"password": 42, "ok": tr')
    out2 = R.redact(_exchange(resp_body=cut)).response.body  # type: ignore[union-attr]
    assert out2.text is not None
    m = re.fullmatch(r'\{"items": \[1, 2\], "api_key": "([^"]+)", "n": 1, "nested": \{"password": 10, "ok": tr',
                     out2.text)
    assert m and _stand_in(m.group(1), "AbC-123")
    assert out2.size == 5000 and out2.truncated


def test_user_rules() -> None:
    r = Redactor(
        headers=("X-Internal-*", "X-Tenant"),
        fields=("*_pinhash", "re:^acct"),
        json_paths=("/profile/phone", "/items/*/serial", "/**/dob"),
        value_patterns=(r"\bSK-[0-9]{6}\b",),
    )
    doc = {
        "profile": {"phone": "+1 555 0100", "name": "x", "meta": {"dob": "1990-02-03"}},
        "items": [{"serial": 12345, "k": 1}, {"serial": 99, "k": 2}],
        "acctNo": "DE00-1",
        "x_pinhash": "pin-ab",
        "free": "key SK-123456 here",
    }
    ex = _exchange(
        req_headers=(("X-Internal-Route", "a"), ("x-tenant", "t1"), ("X-Other", "SK-654321")),
        req_body=Body(kind="json", media_type="application/json", size=1, json=doc),
    )
    out = r.redact(ex)
    headers = dict(out.request.headers)
    assert headers["X-Internal-Route"] == "[REDACTED]" and headers["x-tenant"] == "[REDACTED]"
    assert _stand_in(headers["X-Other"], "654321")
    got = out.request.body.json
    assert isinstance(got, dict)
    assert _stand_in(got["profile"]["phone"], "555 0100") and got["profile"]["name"] == "x"
    assert got["profile"]["meta"] == {"dob": "1970-01-01"}
    assert got["items"] == [{"serial": 10000, "k": 1}, {"serial": 10, "k": 2}]
    assert _stand_in(got["acctNo"], "DE00-1") and _stand_in(got["x_pinhash"], "pin-ab")
    free = got["free"]
    assert free.startswith("key ") and free.endswith(" here") and _stand_in(free[4:-5], "123456")
    # without defaults only the user's rules apply
    plain = Redactor(defaults=False, headers=("X-Only",))
    out2 = plain.redact(_exchange(req_headers=(("Authorization", "Bearer a"), ("X-Only", "b"))))
    assert dict(out2.request.headers) == {"Authorization": "Bearer a", "X-Only": "[REDACTED]"}


def test_error_text_is_redacted() -> None:
    out = R.redact(_exchange(error="ConnectError for https://h/p?token=abcdef: refused"))
    assert out.error is not None
    m = re.fullmatch(r"ConnectError for https://h/p\?token=(\S+): refused", out.error)
    assert m and _stand_in(m.group(1), "abcdef")


def test_unchanged_exchange_is_returned_as_is() -> None:
    ex = _exchange(req_headers=(("Accept", "*/*"),))
    assert R.redact(ex) is ex


# --- properties -------------------------------------------------------------------------------

_SECRET_KEYS = st.sampled_from(["password", "token", "apiKey", "client_secret", "ssn", "cardNumber", "session"])
_KEYS = st.one_of(_SECRET_KEYS, st.text(max_size=8))
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=25,
)


def _same_shape(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same_shape(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same_shape(x, y) for x, y in zip(a, b))
    return type(a) is type(b)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_json_redaction_is_idempotent_and_keeps_types(doc: object) -> None:
    once = R.redact_json(doc)  # type: ignore[arg-type]
    assert R.redact_json(once) == once
    assert _same_shape(doc, once)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_string_mask_is_idempotent(s: str) -> None:
    keyer = Keyer(b"salt")
    masked = mask_string(s, keyer)
    assert mask_string(masked, keyer) == masked
    assert R.redact_text(R.redact_text(s)) == R.redact_text(s)


_SECRET = st.text(alphabet="abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=6, max_size=24).map(
    lambda s: "Zq" + s + "9"
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(secret=_SECRET, key=_SECRET_KEYS, as_number=st.booleans())
def test_secret_never_reaches_the_file(secret: str, key: str, as_number: bool) -> None:
    body_json: dict[str, object] = {"data": {key: secret, "list": [{key: secret}]}, "ok": 1}
    ex = _exchange(
        url=f"http://api.test/login?{key}={quote(secret)}&page=1",
        req_headers=(("Authorization", f"Bearer {secret}"), ("Cookie", f"a={secret}"), ("X-Api-Key", secret)),
        req_body=Body(kind="text", media_type="application/x-www-form-urlencoded", size=10,
                      text=f"user=bob&{key}={quote_plus(secret)}"),
        resp_headers=(("Set-Cookie", f"sid={secret}; Path=/"),),
        resp_body=Body(kind="json", media_type="application/json", size=10, json=body_json),  # type: ignore[arg-type]
        error=f"failed https://x/?{key}={secret}",
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.jsonl"
        with Recorder(path) as rec:
            rec.submit(ex)
        data = path.read_text()
    assert json.loads(data.splitlines()[1])["id"] == "e1"
    assert secret not in data
    assert quote(secret) not in data


_PATHS = Redactor(json_paths=("/**/k*", "/a/*/b"), fields=("re:^x",))


@settings(max_examples=200, deadline=None)
@given(_JSON)
def test_path_rules_are_idempotent_and_keep_types(doc: object) -> None:
    once = _PATHS.redact_json(doc)  # type: ignore[arg-type]
    assert _PATHS.redact_json(once) == once
    assert _same_shape(doc, once)


def test_redaction_never_mutates_its_input() -> None:
    doc = {"a": [{"password": "p", "b": 1}], "token": {"x": "y"}}
    snapshot = json.loads(json.dumps(doc))
    out = R.redact_json(doc)  # type: ignore[arg-type]
    assert doc == snapshot and out != doc
    unchanged = {"a": [1, 2, {"b": "c"}]}
    assert R.redact_json(unchanged) is unchanged  # type: ignore[arg-type]


def test_evolve_matches_replace() -> None:
    """The redactor's fast copy of model values is exactly ``dataclasses.replace``."""
    from dataclasses import replace

    from contractdrift.capture.redact import _evolve

    ex = _exchange(req_headers=(("A", "b"),), resp_body=Body.from_bytes(b'{"a": 1}', "application/json"),
                   error="boom")
    body = ex.request.body
    assert ex.response is not None
    cases = [
        (ex, {"error": None, "tags": {"k": "v"}}),
        (ex.request, {"url": "http://other/", "headers": ()}),
        (ex.response, {"headers": (("x", "y"),), "status": 500}),
        (body, {"text": "t"}),
        (ex.response.body, {"json": {"b": 2}}),
    ]
    for obj, changes in cases:
        got = _evolve(obj, **changes)
        assert got == replace(obj, **changes) and type(got) is type(obj)  # type: ignore[type-var]
        assert got is not obj and obj == replace(obj)  # the original is untouched
