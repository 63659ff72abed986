"""The recorder's fast redaction paths redact exactly what the straightforward ones do.

* the writer redacts the parts of a raw capture before it builds the exchange
  (``_raw._build``): the same as building it, then ``Redactor.redact`` and the tags;
* the JSON walk inlines leaves and skips scalars: the same as a plain recursive walk (written here
  as the reference, the way ``redact_json`` read before the fast path);
* the scanner's cheap pre-checks (the first character of a safe shape, the local part of an email
  found by a regex instead of a backward loop) decide as the slow forms do.

Payloads are generated with secrets from the catalog (``secret_catalog``), the category samples
of ``test_redact_detect`` and secret names, at any depth, in every place of an exchange.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractdrift.capture import detect
from contractdrift.capture._raw import _LAYOUTS, _build, materialize
from contractdrift.capture.redact import _VALUE_KEYS, Redactor, mask_value
from contractdrift.capture.secret_catalog import CATALOG
from contractdrift.model import Exchange
from contractdrift.model.json import JSONValue

from .rawcap import asgi_capture
from .test_redact_detect import CATEGORY_SAMPLES, TWENTY

SALT = b"fast path salt"
_SETTINGS = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

_TOKENS = [p for p in CATALOG if p.name != "url-password"]


@st.composite
def catalog_secret(draw: st.DrawFn) -> str:
    pat = draw(st.sampled_from(_TOKENS))
    regex = f"(?i:{pat.regex})" if pat.flags == "i" else pat.regex
    return draw(st.from_regex(re.compile(regex, re.ASCII), fullmatch=True).filter(lambda s: 0 < len(s) < 300))


_PLAIN = st.text(alphabet="abcdefXYZ0123456789 ._-@:/=+()", min_size=0, max_size=30)
SECRETS = st.one_of(catalog_secret(), st.sampled_from(sorted(set(TWENTY.values()) | set(CATEGORY_SAMPLES.values()))))
STRINGS = st.one_of(
    _PLAIN,
    SECRETS,
    st.builds(lambda a, s, b: a + s + b, _PLAIN, SECRETS, _PLAIN),  # a secret inside text
    st.builds(lambda s: f"/next?cursor=1&token={s}", SECRETS),  # a URL inside a value
)
KEYS = st.one_of(
    st.sampled_from(["id", "name", "email", "note", "password", "apiKey", "client_secret", "token_type",
                     "page_token", "card_number", "value", "data", "label", "DB_PASSWORD", "sessionId"]),
    st.text(alphabet="abcxyz_-", min_size=1, max_size=8),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False), STRINGS)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(KEYS, children, max_size=5),
        # a label naming a secret beside its value
        st.builds(lambda k, v: {"name": k, "value": v}, st.sampled_from(["DB_PASSWORD", "API_KEY", "region"]), children),
    ),
    max_leaves=20,
)


def reference_walk(r: Redactor, value: JSONValue) -> JSONValue:
    """The JSON walk as a plain recursion: no caches, no inlining."""
    if isinstance(value, str):
        return r.redact_string(value)
    if isinstance(value, dict):
        siblings = r._secret_siblings(value)
        return {k: mask_value(v, r._keyer) if r.is_secret_field(k) or (siblings and k in _VALUE_KEYS)
                else reference_walk(r, v) for k, v in value.items()}
    if isinstance(value, list):
        return [reference_walk(r, v) for v in value]
    return value


@_SETTINGS
@given(doc=JSON)
def test_the_json_walk_redacts_what_a_plain_recursive_walk_does(doc: JSONValue) -> None:
    fast, slow = Redactor(salt=SALT), Redactor(salt=SALT)
    assert fast.redact_json(doc) == reference_walk(slow, doc)
    again = fast.redact_json(doc)  # with every cache warm
    assert again == reference_walk(slow, doc)


def _raw_asgi(query: str, header: str, req_doc: Any, resp_doc: Any, error: str | None) -> tuple[Any, ...]:
    return asgi_capture(
        method="POST", server=("127.0.0.1", 8000), raw_path=b"/items/7", query=query.encode("latin-1", "replace"),
        headers=[(b"host", b"127.0.0.1"), (b"x-note", header.encode("latin-1", "replace")),
                 (b"content-type", b"application/json"), (b"authorization", b"Bearer abcdefgh12345678")],
        body=json.dumps(req_doc).encode(), resp_headers=[(b"content-type", b"application/json"), (b"x-trace", b"t-1")],
        resp_body=json.dumps(resp_doc).encode(), route="/items/{id}", error=error)


@_SETTINGS
@given(key=KEYS, value=STRINGS, header=STRINGS, req_doc=JSON, resp_doc=JSON,
       error=st.one_of(st.none(), STRINGS))
def test_the_writer_redacts_a_raw_capture_as_redact_does_on_the_built_exchange(
        key: str, value: str, header: str, req_doc: Any, resp_doc: Any, error: str | None) -> None:
    header = header.replace("\n", " ")
    from urllib.parse import quote

    raw = _raw_asgi(f"{quote(key)}={quote(value)}&n=1", header, req_doc, resp_doc, error)
    tags = {"env": "test"}
    fast = _build(_LAYOUTS["asgi"](raw, 1 << 20), "01ID", Redactor(salt=SALT), tags)
    plain = materialize(raw, 1 << 20, "01ID")
    slow = Redactor(salt=SALT).redact(plain)
    expected = Exchange(id=slow.id, started_at=slow.started_at, duration_ms=slow.duration_ms, request=slow.request,
                        response=slow.response, source=slow.source, route=slow.route, tags=tags, error=slow.error)
    assert fast == expected
    assert "abcdefgh12345678" not in json.dumps(fast.to_dict())


def _emails_reference(scanner: detect.Scanner, text: str) -> str:
    """``Scanner._emails`` with the local part found by the backward walk it used before."""
    parts: list[str] = []
    pos = 0
    at = text.find("@")
    while at != -1:
        domain = detect._EMAIL_DOMAIN.match(text, at + 1)
        start = at
        while start > pos and at - start < 64 and text[start - 1] in detect._EMAIL_LOCAL:
            start -= 1
        if domain is not None and start < at and not (start > pos and text[start - 1] in detect._EMAIL_LOCAL):
            scheme = text.rfind("://", 0, at)
            userinfo = scheme != -1 and not any(c in detect._USERINFO_END for c in text[scheme + 3:at])
            email = text[start:domain.end()]
            if not userinfo and not email.endswith("@redacted.invalid"):
                parts.append(text[pos:start])
                parts.append(scanner._keyer.email(email))
                pos = domain.end()
        at = text.find("@", max(at + 1, pos))
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts)


_EMAILISH = st.lists(st.one_of(st.text(alphabet="ab.%+-_9@ :/x", max_size=12), st.just("@example.com"),
                               st.sampled_from(["jane-doe", "a+b", "x_y", "j.smith%1", "-", "é"]),
                               st.just("a" * 70), st.just("mysql://u:p@"), st.just(" ")), max_size=8).map("".join)


@_SETTINGS
@given(text=_EMAILISH)
def test_email_local_parts_are_found_as_by_the_backward_walk(text: str) -> None:
    scanner = Redactor(salt=SALT)._scanner
    assert scanner is not None
    assert scanner._emails(text) == _emails_reference(scanner, text)


@settings(max_examples=300, deadline=None)
@given(text=st.from_regex(detect._SAFE_SHAPE, fullmatch=True))
def test_every_safe_shape_starts_with_a_character_of_the_pre_check(text: str) -> None:
    assert text[0] in detect._SAFE_FIRST


def test_the_pre_check_is_what_lets_safe_shapes_through() -> None:
    scanner = Redactor(salt=SALT)._scanner
    assert scanner is not None
    for safe in ("0b7c6f2e-1d3a-4c5b-9e8f-7a6b5c4d3e2f", "2024-05-01T10:00:00Z", "deadbeef1234", "-12345.5",
                 "01HZY3J8Q9T7W2M4N6P8R0S2V4"):
        assert scanner.families(safe) == 0, safe
    assert scanner.families("owner5@example.com") & detect.EMAILS
