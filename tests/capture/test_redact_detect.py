"""Secrets and personal data are found by format, whatever key they hide under, in every place a value sits.

The stand-ins keep the format (email, Luhn-valid card number of the same length, phone, IBAN, same-shape
token), are deterministic per salt, differ between salts, and carry a recognisable mark.
"""

from __future__ import annotations

import base64
import json
import pickle
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contractdrift import Recorder, Redactor, read_exchanges
from contractdrift.capture.detect import IBAN_LENGTHS
from contractdrift.infer.formats import string_formats
from contractdrift.model import Body, Exchange, Request, Response
from contractdrift.model.masks import iban_valid, is_redacted, luhn_valid, redacted_kind

SALT = b"a fixed salt for the tests"
R = Redactor(salt=SALT)

STRIPE = "sk_live_" + "51HqLyjWDarjtT1zdp7dcAbCdEfGhIjKl"
GITHUB = "ghp_" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"
SLACK = "xoxb-2048-1024-" + "q8ZkfR2pLmN4xR7tY1wV3bC0"
GOOGLE = "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
NPM = "npm_" + "Zq8fK2pLmN4xR7tY1wV3bC0eF3hJ6kL9mN2p"
AWS = "AKIA" + "QYLPMN5HFIQR7XYZ"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
BEARER_TOKEN = "tk9Fz2Qm7Lp4Xr8Wn3Vb6Yc1"
BASIC = base64.b64encode(b"svc-user:Corr3ct-H0rse").decode()
DB_PASSWORD = "Sup3r-S3cret-Pw"
ENTROPY = "q7Gm2Rk9Tz4Wx8Lp3Nv6Bc1Hd5Jf0Ys"
SIGNATURE = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"
CARD_SPACES = "4111 1111 1111 1111"
CARD_DASHES = "5500-0000-0000-0004"
CARD_PLAIN = "378282246310005"
EMAIL = "jane.doe@corp-mail.example"
EMAIL_2 = "j.smith+orders@shop.example"
PHONE = "+1 415 555 0132"
PHONE_NANP = "(212) 555-0143"
IBAN = "DE89 3704 0044 0532 0130 00"
PEM = ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
       "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n-----END PRIVATE KEY-----")

#: The issue's exchange: twenty sensitive values, each under an innocent key, as real services send them.
TWENTY = {
    "stripe": STRIPE, "github": GITHUB, "slack": SLACK, "google": GOOGLE, "npm": NPM, "aws": AWS,
    "bearer": BEARER_TOKEN, "basic": BASIC, "db-password": DB_PASSWORD, "entropy": ENTROPY,
    "signature": SIGNATURE, "card-spaces": CARD_SPACES, "card-dashes": CARD_DASHES, "card-plain": CARD_PLAIN,
    "email": EMAIL, "email-query": EMAIL_2, "phone": PHONE, "phone-nanp": PHONE_NANP, "iban": IBAN, "jwt": JWT,
}
assert len(TWENTY) == 20


def _twenty_exchange() -> Exchange:
    request_json = {
        "note": f"charge with {STRIPE}",
        "meta": {"labels": [{"label": "ci", "text": GITHUB}], "forward": f"Bearer {BEARER_TOKEN}"},
        "dsn": f"postgres://orders:{DB_PASSWORD}@db.internal:5432/orders",
        "env": [{"name": "DB_PASSWORD", "value": ENTROPY}, {"name": "REGION", "value": "eu-west-1"}],
        "memo": f"card {CARD_SPACES} exp 12/29",
        "contact": EMAIL,
        "tel": PHONE,
        "payout": IBAN,
        "tokens": [NPM],
        "cloud": {"key_id": AWS},
    }
    return Exchange(
        id="01HZX0000000000000000TWNTY",
        started_at=time.time(),
        duration_ms=3.0,
        request=Request(
            method="POST",
            url=f"https://api.example.test/v1/orders?q={GOOGLE}&reply={quote(EMAIL_2)}&sig={SIGNATURE}&page=2",
            headers=(("Content-Type", "application/json"), ("X-Debug", f"slack {SLACK}"),
                     ("X-Upstream", f"Basic {BASIC}"), ("X-Callback", PHONE_NANP)),
            body=Body(kind="json", media_type="application/json", size=100, json=request_json),
        ),
        response=Response(
            status=201,
            headers=(("Content-Type", "text/plain"), ("X-Trace", JWT)),
            body=Body(kind="text", media_type="text/plain", size=100,
                      text=f"refund to {CARD_DASHES} or {CARD_PLAIN}; done\n"),
        ),
    )


def _json(out: Exchange) -> Any:
    return out.request.body.json


def _absent(text: str, secret: str) -> bool:
    forms = {secret, quote(secret), quote_plus(secret), json.dumps(secret)[1:-1]}
    if re.fullmatch(r"[\d -]+", secret):
        forms.add(re.sub(r"\D", "", secret))
    return not any(f in text for f in forms)


def test_the_twenty_values_are_all_in_the_exchange() -> None:
    """The exchange of the tests below really carries the twenty values (else they prove nothing)."""
    text = json.dumps(_twenty_exchange().to_dict())
    assert [name for name, secret in TWENTY.items() if _absent(text, secret)] == []


def test_the_twenty_value_exchange_never_reaches_the_file_in_clear(tmp_path: Path) -> None:
    path = tmp_path / "twenty.jsonl"
    with Recorder(path) as rec:
        assert rec.submit(_twenty_exchange())
    text = path.read_text()
    leaked = [name for name, secret in TWENTY.items() if not _absent(text, secret)]
    assert leaked == []
    (ex,) = read_exchanges(path)
    doc = _json(ex)
    # innocent values survive byte for byte
    assert doc["env"][1] == {"name": "REGION", "value": "eu-west-1"} and doc["meta"]["labels"][0]["label"] == "ci"
    assert ex.request.url.startswith("https://api.example.test/v1/orders?q=") and ex.request.url.endswith("&page=2")
    # stand-ins keep their format
    assert string_formats(doc["contact"]) == ("email",) and is_redacted(doc["contact"])
    assert re.fullmatch(r"\+1 \d{3} \d{3} \d{4}", doc["tel"]) and is_redacted(doc["tel"])
    assert iban_valid(doc["payout"].replace(" ", "")) and len(doc["payout"]) == len(IBAN)
    card = re.search(r"card (\S+ \S+ \S+ \S+) exp", doc["memo"])
    assert card and luhn_valid(card.group(1).replace(" ", "")) and len(card.group(1)) == len(CARD_SPACES)
    assert doc["dsn"].startswith("postgres://orders:") and doc["dsn"].endswith("@db.internal:5432/orders")
    assert doc["meta"]["forward"].startswith("Bearer ") and is_redacted(doc["meta"]["forward"][7:])
    assert doc["note"].startswith("charge with sk_live_") and is_redacted(doc["note"][len("charge with "):])


def _raw_capture(ex: Exchange) -> tuple[object, ...]:
    """The same exchange as the ASGI middleware hands it to the writer (redacted in the writer)."""
    from .rawcap import asgi_capture

    path, _, query = ex.request.url.partition("://")[2].partition("/")[2].partition("?")
    assert ex.response is not None
    return asgi_capture(method="POST", scheme="https", server=("api.example.test", 443),
                        raw_path=("/" + path).encode(), query=query.encode(),
                        headers=[(k.lower().encode(), v.encode()) for k, v in ex.request.headers],
                        body=json.dumps(ex.request.body.json).encode(), status=201,
                        resp_headers=[(k.lower().encode(), v.encode()) for k, v in ex.response.headers],
                        resp_body=(ex.response.body.text or "").encode())


@pytest.mark.parametrize("offload", ["process", "thread"])
def test_the_twenty_values_are_redacted_in_the_writer_too(tmp_path: Path, offload: str) -> None:
    path = tmp_path / f"{offload}.jsonl"
    rec = Recorder(path, offload=offload)  # type: ignore[arg-type]
    raw = _raw_capture(_twenty_exchange())
    assert rec.submit_raw(raw) and rec.submit_raw(raw)
    rec.close()
    assert rec.stats.recorded == 2 and rec.stats.errors == 0
    text = path.read_text()
    assert [name for name, secret in TWENTY.items() if not _absent(text, secret)] == []
    first, second = read_exchanges(path)
    assert first.request.body.json == second.request.body.json  # one salt per recording, even across a pipe


# --- each category under an innocent key, in each place ---------------------------------------------

CATEGORY_SAMPLES = {
    "stripe-key": STRIPE, "jwt": JWT, "aws-key": AWS, "github-token": GITHUB, "bearer": f"Bearer {BEARER_TOKEN}",
    "basic": f"Basic {BASIC}", "url-password": f"mysql://root:{DB_PASSWORD}@10.0.0.5/app",
    "card": CARD_SPACES, "card-plain": "4242424242424242", "email": EMAIL, "phone": PHONE, "phone-nanp": PHONE_NANP,
    "iban": IBAN, "iban-compact": "GB82WEST12345698765432", "private-key": PEM,
    "context": f"api_secret={ENTROPY}",
}


def _secret_part(sample: str) -> str:
    for prefix in ("Bearer ", "Basic ", "api_secret="):
        if sample.startswith(prefix):
            return sample[len(prefix):]
    if sample.startswith("mysql://"):
        return DB_PASSWORD
    if sample.startswith("-----BEGIN"):
        return sample.splitlines()[1]
    return sample


def _in_place(place: str, value: str) -> Exchange:
    url, headers, body = "https://h.test/p?page=1", (("Accept", "*/*"),), Body()
    if place == "header":
        headers = (("X-Note", value),)
    elif place == "query":
        url = f"https://h.test/p?note={quote(value)}&page=1"
    elif place == "form":
        body = Body(kind="text", media_type="application/x-www-form-urlencoded", size=1,
                    text=f"a=1&note={quote_plus(value)}")
    elif place == "json":
        body = Body(kind="json", media_type="application/json", size=1,
                    json={"data": {"items": [{"kind": "memo", "note": value}]}})
    elif place == "text":
        body = Body(kind="text", media_type="text/plain", size=1, text=f"hello\n{value}\nbye")
    else:
        raise AssertionError(place)
    return Exchange(id="x", started_at=0.0, duration_ms=1.0,
                    request=Request(method="POST", url=url, headers=headers, body=body), response=None)


@pytest.mark.parametrize("place", ["header", "query", "form", "json", "text"])
@pytest.mark.parametrize("category", sorted(CATEGORY_SAMPLES))
def test_each_category_in_each_place(category: str, place: str) -> None:
    sample = CATEGORY_SAMPLES[category]
    if place == "header" and "\n" in sample:
        pytest.skip("header values have no line breaks")
    out = R.redact(_in_place(place, sample))
    text = json.dumps(out.to_dict())
    secret = _secret_part(sample)
    assert _absent(text, secret), f"{category} in {place}: {text}"
    if place == "json":
        note = out.request.body.json["data"]["items"][0]["note"]  # type: ignore[index,call-overload]
        assert R.redact_string(note) == note  # idempotent
        assert out.request.body.json["data"]["items"][0]["kind"] == "memo"  # type: ignore[index,call-overload]


# --- formats of the stand-ins ------------------------------------------------------------------------

@pytest.mark.parametrize("card", ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "378282246310005",
                                  "6011 0009 9013 9424", "3530111333300000", "5555555555554444"])
def test_card_stand_in_is_a_luhn_valid_number_of_the_same_layout(card: str) -> None:
    out = R.redact_string(card)
    assert out != card and len(out) == len(card)
    assert [c.isdigit() for c in out] == [c.isdigit() for c in card]  # separators where they were
    digits = re.sub(r"\D", "", out)
    assert luhn_valid(digits) and digits.startswith("0000") and redacted_kind(out) == "card"


@pytest.mark.parametrize("phone", ["+1 415 555 0132", "(212) 555-0143", "212-555-0143", "+442079460958",
                                   "+49 30 12345678", "030 1234567", "06 12 34 56 78"])
def test_phone_stand_in_keeps_the_layout(phone: str) -> None:
    out = R.redact_string(phone)
    assert out != phone and len(out) == len(phone)
    assert [c.isdigit() for c in out] == [c.isdigit() for c in phone]
    assert [c for c in out if not c.isdigit()] == [c for c in phone if not c.isdigit()]
    assert redacted_kind(out) == "phone"


@pytest.mark.parametrize("iban", ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR1420041010050500013M02606",
                                  "NL91ABNA0417164300", "NO9386011117947"])
def test_iban_stand_in_is_a_valid_iban_of_the_same_country_and_length(iban: str) -> None:
    out = R.redact_string(iban)
    compact = out.replace(" ", "")
    assert out != iban and len(out) == len(iban) and out[:2] == iban[:2]
    assert iban_valid(compact) and IBAN_LENGTHS[compact[:2]] == len(compact)
    assert redacted_kind(out) == "iban"


def test_token_stand_ins_keep_prefix_length_and_classes() -> None:
    out = R.redact_string(STRIPE)
    assert out.startswith("sk_live_REDACTED") and len(out) == len(STRIPE)
    assert re.fullmatch(r"[A-Za-z0-9_]+", out)
    out = R.redact_string(f"Bearer {BEARER_TOKEN}")
    assert out.startswith("Bearer ") and len(out) == len(BEARER_TOKEN) + 7 and is_redacted(out[7:])


# --- no false alarms ------------------------------------------------------------------------------

KEPT = [
    "0b7c7e7a-4f3e-4b1e-9a3e-1d2c3b4a5f6e", "01890a5d-ac96-774b-bcce-b302099a8057", "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 'W/"33a64df551425fcc55e4d42a148795d9f25f89d4"',
    '"686897696a7c876b7e"', "2024-05-01T10:20:30Z", "2024-05-01T10:20:30.123456+02:00", "2024-05-01", "10:20:30",
    "Tue, 15 Nov 1994 08:12:31 GMT", "1714558830", "1714558830123", "1714558830123456", "1790000000000000000",
    "cus_NffrFeUfNV2Hib", "ch_3MmlLrLkdIwHu7ix0snN0B15", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "PN2a0747eba6abf96b7e3c3ff0b4530f6e", "SHIPPED", "IN_PROGRESS", "APAC_REGION_2024", "APDEVELOPMENT", "eu-west-1",
    "v2.1.0", "1.2.3", "192.168.100.200", "2001:db8::ff00:42:8329", "https://api.example.com/v1/items/42?page=2",
    "application/json; charset=utf-8", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0",
    "item 42", "ORD-2024-000123", "INV-000000123456", "git@github.com:octocat/Hello-World.git", "12.50", "-3.75",
    "The token expired, please log in again.", "Basic plan", "Bearer tokens are described in RFC 6750",
    "password reset requested", "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "10.0.0.1:8080",
    "page_token=CAESBggDEAEYAQ", "2024-05-01 10:20", "+02:00", "1,234,567.89", "(1) item", "978-3-16-148410-0",
]


@pytest.mark.parametrize("value", KEPT)
def test_ordinary_values_are_kept(value: str) -> None:
    assert R.redact_string(value) == value
    doc = {"id": value, "nested": [{"v": value}]}
    assert R.redact_json(doc) is doc  # type: ignore[arg-type]
    assert not is_redacted(value)


@pytest.mark.parametrize("value", ["hunter22", "4111 1111 1111 1111", "jane@corp.example", "+1 415 555 0132",
                                   "DE89370400440532013000", STRIPE, "REDACTED", "redacted", "[redacted]",
                                   "0000000000000000", "00000000-0000-0000-0000-000000000001"])
def test_real_values_are_not_mistaken_for_stand_ins(value: str) -> None:
    assert not is_redacted(value)


# --- salt, determinism, policy ------------------------------------------------------------------

def test_same_secret_same_stand_in_within_a_recording_and_not_across(tmp_path: Path) -> None:
    def record(name: str) -> list[Any]:
        path = tmp_path / name
        with Recorder(path) as rec:
            for i in range(3):
                rec.submit(Exchange(id=f"e{i}", started_at=0.0, duration_ms=1.0, request=Request(
                    method="POST", url="https://h.test/u",
                    body=Body(kind="json", media_type="application/json", size=1,
                              json={"i": i, "email": EMAIL, "other": f"user{i}@corp.example"})), response=None))
        return [e.request.body.json for e in read_exchanges(path)]

    first = record("a.jsonl")
    second = record("b.jsonl")
    assert len({d["email"] for d in first}) == 1  # joins and distinct counts survive
    assert len({d["other"] for d in first}) == 3
    assert first[0]["email"] != second[0]["email"]  # a new recording, a new salt


def test_the_salt_is_never_written_or_shown(tmp_path: Path) -> None:
    salt = b"\x01salt-that-must-stay-secret\xff"
    redactor = Redactor(salt=salt)
    path = tmp_path / "s.jsonl"
    with Recorder(path, redact=redactor) as rec:
        rec.submit(_twenty_exchange())
    data = path.read_bytes()
    for form in (salt, salt.hex().encode(), base64.b64encode(salt), b"salt-that-must-stay-secret"):
        assert form not in data
    assert "salt-that" not in repr(redactor) and "salt-that" not in repr(rec)
    # an explicit salt is kept by the recorder (several processes can share one)
    assert Recorder(None, redact=redactor).redactor is redactor


def test_pickled_redactor_gives_the_same_stand_ins() -> None:
    clone = pickle.loads(pickle.dumps(R))
    doc = {"contact": EMAIL, "memo": CARD_SPACES, "token": "hunter22"}
    assert clone.redact_json(doc) == R.redact_json(doc)  # type: ignore[arg-type]


def test_policy_switch_keeps_emails_and_phones_but_never_cards() -> None:
    synthetic = Redactor(keep=("emails", "phones"), salt=SALT)
    doc = {"contact": EMAIL, "tel": PHONE, "memo": CARD_SPACES, "payout": IBAN}
    out = synthetic.redact_json(doc)  # type: ignore[arg-type]
    assert isinstance(out, dict)
    assert out["contact"] == EMAIL and out["tel"] == PHONE
    assert out["memo"] != CARD_SPACES and out["payout"] != IBAN
    assert Redactor(keep=("jwt",)).redact_string(JWT) == JWT
    with pytest.raises(ValueError, match="card numbers are always redacted"):
        Redactor(keep=("cards",))
    with pytest.raises(ValueError, match="unknown redaction category 'emial'"):
        Redactor(keep=("emial",))


def test_user_value_patterns_extend_detection() -> None:
    r = Redactor(value_patterns=(r"\bEMP-\d{6}\b",), salt=SALT)
    out = r.redact_string("employee EMP-123456 joined")
    assert "123456" not in out and out.startswith("employee ") and out.endswith(" joined")


def test_json_siblings_naming_a_secret() -> None:
    doc = [{"name": "STRIPE_SECRET_KEY", "value": "whatever-it-is"}, {"Name": "Authorization", "Value": "Bearer x"},
           {"name": "LOG_LEVEL", "value": "debug"}, {"key": "token_type", "value": "bearer"}]
    out = R.redact_json(doc)  # type: ignore[arg-type]
    assert isinstance(out, list)
    assert is_redacted(out[0]["value"]) and out[0]["name"] == "STRIPE_SECRET_KEY"
    assert out[1]["Value"].startswith("Bearer ") and out[1]["Value"] != "Bearer x"
    assert out[2:] == doc[2:]


# --- properties ---------------------------------------------------------------------------------

# values found without a key: by format alone, or with their context in the same string
_SENSITIVE = st.sampled_from(sorted(CATEGORY_SAMPLES.values()))
_WORDS = st.sampled_from(["", "see", "note:", "(", "-", "value =", "id 42", "2024-05-01", "12/29", "x@"])
_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30),
    st.sampled_from(KEPT), _SENSITIVE,
    st.tuples(_WORDS, _SENSITIVE, _WORDS).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
)
_KEY = st.one_of(st.sampled_from(["note", "value", "name", "password", "data", "id"]), st.text(max_size=6))
_DOC = st.recursive(_LEAF, lambda c: st.lists(c, max_size=4) | st.dictionaries(_KEY, c, max_size=4), max_leaves=20)


def _shape(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_shape(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_shape(x, y) for x, y in zip(a, b))
    return type(a) is type(b)


def _strings(doc: object) -> list[str]:
    if isinstance(doc, str):
        return [doc]
    if isinstance(doc, dict):
        return [s for v in doc.values() for s in _strings(v)] + [k for k in doc]
    if isinstance(doc, list):
        return [s for v in doc for s in _strings(v)]
    return []


def _secrets_in(doc: object) -> set[str]:
    found = set()
    for s in _strings(doc):
        for sample in CATEGORY_SAMPLES.values():
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(sample)}(?![A-Za-z0-9])", s):
                found.add(_secret_part(sample))
    return found


@settings(max_examples=200, deadline=None)
@given(_DOC, st.binary(min_size=1, max_size=16), st.binary(min_size=1, max_size=16))
def test_redaction_properties(doc: Any, salt_a: bytes, salt_b: bytes) -> None:
    a = Redactor(salt=salt_a)
    once = a.redact_json(doc)
    assert _shape(doc, once)  # never changes a JSON value's type
    assert a.redact_json(once) == once  # idempotent
    assert Redactor(salt=salt_a).redact_json(doc) == once  # deterministic per salt
    out_text = json.dumps(once)
    for secret in _secrets_in(doc):
        assert secret not in out_text
    if salt_a != salt_b and _secrets_in(doc):
        assert Redactor(salt=salt_b).redact_json(doc) != once  # another salt, other stand-ins


@settings(max_examples=200, deadline=None)
@given(_WORDS, _SENSITIVE, _WORDS)
def test_text_redaction_is_idempotent_and_removes_the_secret(before: str, secret: str, after: str) -> None:
    text = f"{before} {secret} {after}"
    once = R.redact_text(text)
    assert R.redact_text(once) == once
    assert _secret_part(secret) not in once or _secret_part(secret) in before + after


def test_unquote_keeps_query_stand_ins_valid() -> None:
    out = R.redact_url(f"https://h.test/p?reply={quote(EMAIL)}&x=1")
    reply = unquote(out.split("reply=")[1].split("&")[0])
    assert string_formats(reply) == ("email",) and is_redacted(reply)


# --- the policy switch on the command line ------------------------------------------------------------

def _har(tmp_path: Path) -> Path:
    entry = {
        "startedDateTime": "2024-05-01T10:20:30.123Z", "time": 5,
        "request": {"method": "POST", "url": "https://api.test/users", "httpVersion": "HTTP/1.1", "headers": [],
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": -1,
                    "postData": {"mimeType": "application/json",
                                 "text": json.dumps({"contact": EMAIL, "tel": PHONE, "memo": CARD_SPACES})}},
        "response": {"status": 201, "statusText": "Created", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                     "content": {"size": 0, "mimeType": "application/json", "text": ""}, "redirectURL": "",
                     "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0},
    }
    path = tmp_path / "in.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [entry]}}))
    return path


def test_cli_redact_keep_records_synthetic_personal_data_in_clear(tmp_path: Path, capsys: Any) -> None:
    from contractdrift.cli import main

    src = _har(tmp_path)
    out = tmp_path / "kept.jsonl"
    assert main(["import-har", str(src), "-o", str(out), "--redact-keep", "emails", "--redact-keep", "phones"]) == 0
    text = out.read_text()
    assert EMAIL in text and PHONE in text and CARD_SPACES not in text
    default = tmp_path / "default.jsonl"
    assert main(["import-har", str(src), "-o", str(default)]) == 0
    text = default.read_text()
    assert EMAIL not in text and PHONE not in text and CARD_SPACES not in text
    capsys.readouterr()
    assert main(["import-har", str(src), "-o", str(tmp_path / "x.jsonl"), "--redact-keep", "cards"]) == 2
    err = capsys.readouterr().err.strip()
    assert "card numbers are always redacted" in err and len(err.splitlines()) == 1
