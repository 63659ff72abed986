"""Redaction: remove secrets from exchanges before anything is queued, written or logged.

Redacted values keep their JSON type and shape so that schema inference still works on them:

* strings keep their *format*: a UUID stays a valid UUID (same version and variant nibbles), an email
  stays an email (``xxxx@example.com``), a date or date-time stays one (``1970-01-01T00:00:00Z``),
  anything else is masked character by character (letters -> ``x``/``X``, digits -> ``0``, common
  separators kept), so its length and layout survive;
* integers keep their digit count (``123456`` -> ``100000``), floats become ``0.0``, booleans
  ``False``; arrays and objects under a secret name are redacted leaf by leaf;
* credential headers keep their scheme (``Bearer [REDACTED]``), cookies keep their names.

Every operation is idempotent: redacting a redacted value returns it unchanged.

What is secret: header names (``Authorization``, ``Cookie``, ``X-Api-Key``, ``*-Token``, ...), query
parameter, form field and JSON property names made of secret words (``password``, ``client_secret``,
``apiKey``, ``card_number``, ``ssn``, ...), user rules (header names, name globs, JSON pointer
patterns with ``*`` and ``**``) and value regexes (JWTs, AWS access key ids and PEM private keys by
default) applied to every string.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from ..model import Body, Exchange, Headers, Request, Response
from ..model.json import JSONValue

REDACTED = "[REDACTED]"

#: Header names always treated as credentials (lower case).
DEFAULT_SECRET_HEADERS: frozenset[str] = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-auth-token",
        "x-csrf-token",
        "x-xsrf-token",
        "x-access-token",
        "x-refresh-token",
        "x-amz-security-token",
        "x-goog-api-key",
        "x-session-id",
        "api-key",
        "apikey",
    }
)

# Single words that make a name secret (after splitting camelCase / snake_case / kebab-case).
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "accesskey",
        "privatekey",
        "secretkey",
        "clientsecret",
        "ssn",
        "cvv",
        "cvv2",
        "cvc",
        "pan",
        "cardnumber",
        "creditcard",
        "authorization",
        "session",
        "sessionid",
        "cookie",
        "credential",
        "credentials",
        "signature",
        "jwt",
        "otp",
        "pin",
        "iban",
    }
)
# Adjacent word pairs that together are secret ("api key", "card number", ...).
_SECRET_PAIRS = frozenset(
    {
        ("api", "key"),
        ("access", "key"),
        ("private", "key"),
        ("secret", "key"),
        ("signing", "key"),
        ("encryption", "key"),
        ("client", "secret"),
        ("card", "number"),
        ("credit", "card"),
        ("card", "no"),
        ("session", "id"),
        ("social", "security"),
        ("security", "code"),
        ("account", "number"),
        ("routing", "number"),
    }
)
# A secret word followed by one of these describes the secret rather than holding it
# (``token_type``, ``password_hint``, ``session_count``): not redacted.
_DESCRIPTIVE_SUFFIXES = frozenset(
    {
        "type",
        "types",
        "count",
        "length",
        "len",
        "expires",
        "expiry",
        "expiration",
        "expired",
        "ttl",
        "url",
        "uri",
        "endpoint",
        "hint",
        "format",
        "kind",
        "enabled",
        "required",
        "policy",
        "limit",
        "name",
        "at",
        "in",
        "set",
        "changed",
        "updated",
        "created",
        "reset",
        "strength",
        "rules",
        "timeout",
        "scope",
        "scopes",
        "status",
        "version",
        "header",
        "field",
        "param",
        "location",
    }
)

#: Default value regexes: JWTs, AWS access key ids, PEM private key blocks.
DEFAULT_VALUE_PATTERNS: tuple[str, ...] = (
    r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
)

_WORD_SPLIT = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-([0-9a-fA-F])[0-9a-fA-F]{3}-([0-9a-fA-F])[0-9a-fA-F]{3}-[0-9a-fA-F]{12}")
_EMAIL = re.compile(r"([^@\s]+)@([^@\s]+\.[^@\s]+)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}([Tt ])\d{2}:\d{2}(:\d{2})?(?:([.,])(\d+))?([Zz]|[+-]\d{2}(?::?\d{2})?)?"
)
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(?:\.(\d+))?([Zz]|[+-]\d{2}:?\d{2})?")
_AUTH_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9_.+-]*)\s+(\S.*)", re.DOTALL)
_KEEP_CHARS = frozenset("-_.:/@ +=,;()[]{}#\t\r\n")
_URL_IN_TEXT = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>]+")
_URL_HEADERS = frozenset({"location", "content-location", "referer", "refresh"})
_TEXT_HEADERS = frozenset({"link", "origin", "warning"})
_QUERY_SAFE = ":/@,;()[]*!'"
_JSON_PAIR_IN_TEXT = re.compile(
    r'"((?:[^"\\]|\\.){1,200})"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false)'
)


def name_words(name: str) -> tuple[str, ...]:
    """Split a field or header name into lower-case words: ``X-ClientSecret_v2`` -> x, client, secret, 2."""
    return tuple(w.lower() for w in _WORD_SPLIT.findall(name))


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """True when a query/form/JSON/header name names a secret by the built-in word lists."""
    words = name_words(name)
    if not words:
        return False
    joined = "".join(words)
    if joined in _SECRET_WORDS:
        return True
    found = -1
    for i, word in enumerate(words):
        if word in _SECRET_WORDS:
            found = i
        elif i + 1 < len(words) and (word, words[i + 1]) in _SECRET_PAIRS:
            found = i + 1
    if found < 0:
        return False
    # "token_type", "password_hint": the last word after the secret describes it.
    return not (found < len(words) - 1 and words[-1] in _DESCRIPTIVE_SUFFIXES)


def mask_string(value: str) -> str:
    """Mask a string keeping its format (UUID, email, date, date-time, else character classes)."""
    if value == REDACTED or not value:
        return value
    m = _UUID.fullmatch(value)
    if m:
        return f"00000000-0000-{m.group(1)}000-{m.group(2)}000-000000000000"
    m = _DATETIME.fullmatch(value)
    if m:
        sep, seconds, dot, frac, tz = m.groups()
        out = "1970-01-01" + sep + "00:00" + (":00" if seconds else "")
        if frac is not None:
            out += dot + "0" * len(frac)
        return out + (tz or "")
    if _DATE.fullmatch(value):
        return "1970-01-01"
    m = _TIME.fullmatch(value)
    if m:
        frac, tz = m.group(1), m.group(2)
        return "00:00:00" + ("." + "0" * len(frac) if frac is not None else "") + (tz or "")
    m = _EMAIL.fullmatch(value)
    if m:
        return _mask_chars(m.group(1)) + "@example.com"
    return _mask_chars(value)


def _mask_chars(value: str) -> str:
    out = []
    for ch in value:
        if ch.isdecimal():
            out.append("0")
        elif ch.isspace():
            out.append(ch)
        elif ch.isalpha():
            out.append("X" if ch.isupper() else "x")
        elif ch in _KEEP_CHARS:
            out.append(ch)
        else:
            out.append("*")
    return "".join(out)


def mask_value(value: JSONValue) -> JSONValue:
    """Redact a JSON value keeping its type and shape."""
    if value is None:
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        digits = len(str(abs(value)))
        masked = 0 if digits <= 1 else 10 ** (digits - 1)
        return -masked if value < 0 else masked
    if isinstance(value, float):
        return 0.0
    if isinstance(value, str):
        return mask_string(value)
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    return value


def mask_credential(value: str) -> str:
    """``Bearer abc`` -> ``Bearer [REDACTED]``; a value without a scheme -> ``[REDACTED]``."""
    m = _AUTH_SCHEME.fullmatch(value.strip())
    if m and m.group(2) != REDACTED:
        return f"{m.group(1)} {REDACTED}"
    if m:
        return value
    return REDACTED if value else value


def _mask_cookie(value: str) -> str:
    parts = []
    for part in value.split(";"):
        name, eq, _val = part.partition("=")
        parts.append(f"{name}={REDACTED}" if eq and name.strip() else part)
    return ";".join(parts)


def _mask_set_cookie(value: str) -> str:
    first, sep, attrs = value.partition(";")
    name, eq, _val = first.partition("=")
    masked = f"{name}={REDACTED}" if eq else REDACTED
    return masked + sep + attrs


_CACHE_LIMIT = 4096
_SCALARS = frozenset({int, float, bool, type(None)})
_DEFAULT_MARKERS = ("eyJ", "AKIA", "ASIA", "-----BEGIN")


def _mask_match(m: re.Match[str]) -> str:
    return _mask_chars(m.group(0))


def _compile_name_pattern(pattern: str) -> re.Pattern[str]:
    if pattern.startswith("re:"):
        return re.compile(pattern[3:], re.IGNORECASE)
    return re.compile(fnmatch.translate(pattern.lower()), re.IGNORECASE)


class Redactor:
    """Configurable redaction of an :class:`~contractdrift.model.Exchange`.

    Parameters (all optional, added to the built-in defaults unless ``defaults=False``):

    * ``headers``: extra header names (case-insensitive; globs such as ``x-internal-*`` allowed);
    * ``fields``: name patterns for query parameters, form fields and JSON properties (glob, or a
      regex with the ``re:`` prefix), e.g. ``"*_pin"`` or ``"re:^acct"``;
    * ``json_paths``: JSON pointer patterns into JSON bodies; each segment may be a glob, ``**``
      matches any number of segments: ``"/user/ssn"``, ``"/items/*/card"``, ``"/**/iban"``;
    * ``value_patterns``: regexes; any match inside any string (header, query, JSON string, text
      body, error message) is masked;
    * ``defaults``: include the built-in header list, secret-name words and value patterns.

    A ``Redactor`` is immutable and thread-safe; :meth:`redact` is idempotent.
    """

    __slots__ = (
        "_default_value_re",
        "_field_cache",
        "_field_patterns",
        "_header_cache",
        "_header_names",
        "_header_patterns",
        "_json_paths",
        "_user_value_re",
        "_value_re",
        "defaults",
        "fields",
        "headers",
        "json_paths",
        "value_patterns",
    )

    def __init__(
        self,
        *,
        headers: Iterable[str] = (),
        fields: Iterable[str] = (),
        json_paths: Iterable[str] = (),
        value_patterns: Iterable[str] = (),
        defaults: bool = True,
    ) -> None:
        self.headers: tuple[str, ...] = tuple(headers)
        self.fields: tuple[str, ...] = tuple(fields)
        self.json_paths: tuple[str, ...] = tuple(json_paths)
        self.value_patterns: tuple[str, ...] = tuple(value_patterns)
        self.defaults = defaults
        names = {h.lower() for h in self.headers if not any(c in h for c in "*?[")}
        if defaults:
            names |= DEFAULT_SECRET_HEADERS
        self._header_names = frozenset(names)
        self._header_patterns = tuple(
            _compile_name_pattern(h) for h in self.headers if any(c in h for c in "*?[")
        )
        self._field_patterns = tuple(_compile_name_pattern(f) for f in self.fields)
        self._json_paths = tuple(_parse_path_pattern(p) for p in self.json_paths)
        patterns = list(self.value_patterns) + (list(DEFAULT_VALUE_PATTERNS) if defaults else [])
        self._value_re = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
        # Fast path for plain values: the default patterns only run when one of their markers occurs.
        self._user_value_re = (
            re.compile("|".join(f"(?:{p})" for p in self.value_patterns)) if self.value_patterns else None
        )
        self._default_value_re = (
            re.compile("|".join(f"(?:{p})" for p in DEFAULT_VALUE_PATTERNS)) if defaults else None
        )
        self._header_cache: dict[str, bool] = {}
        self._field_cache: dict[str, bool] = {}

    def __repr__(self) -> str:
        return (
            f"Redactor(headers={self.headers!r}, fields={self.fields!r}, json_paths={self.json_paths!r}, "
            f"value_patterns={self.value_patterns!r}, defaults={self.defaults!r})"
        )

    # --- names -----------------------------------------------------------------------------------

    def is_secret_header(self, name: str) -> bool:
        """True when the header's value must be redacted."""
        cached = self._header_cache.get(name)
        if cached is not None:
            return cached
        lname = name.lower()
        result = (
            lname in self._header_names
            or any(p.match(lname) for p in self._header_patterns)
            or bool(self.defaults and is_secret_name(lname))
        )
        if len(self._header_cache) < _CACHE_LIMIT:
            self._header_cache[name] = result
        return result

    def is_secret_field(self, name: str) -> bool:
        """True when a query parameter, form field or JSON property of this name holds a secret."""
        cached = self._field_cache.get(name)
        if cached is not None:
            return cached
        result = bool(self.defaults and is_secret_name(name)) or any(p.match(name) for p in self._field_patterns)
        if len(self._field_cache) < _CACHE_LIMIT:
            self._field_cache[name] = result
        return result

    # --- values ----------------------------------------------------------------------------------

    def redact_text(self, text: str) -> str:
        """Mask value-pattern matches, secret query parameters inside URLs and secret JSON pairs."""
        if not text:
            return text
        if self._value_re is not None:
            text = self._value_re.sub(lambda m: _mask_chars(m.group(0)), text)
        if "://" in text:
            text = _URL_IN_TEXT.sub(lambda m: self.redact_url(m.group(0)), text)
        if '"' in text and ":" in text:
            text = _JSON_PAIR_IN_TEXT.sub(self._mask_json_pair, text)
        return text

    def _mask_json_pair(self, m: re.Match[str]) -> str:
        name = m.group(1)
        if not self.is_secret_field(name):
            return m.group(0)
        raw = m.group(2)
        head = m.group(0)[: m.start(2) - m.start(0)]
        if raw.startswith('"'):
            return head + '"' + mask_string(raw[1:-1]) + '"'
        if raw in ("true", "false"):
            return head + "false"
        if re.fullmatch(r"-?\d+", raw):
            return head + str(mask_value(int(raw)))
        return head + "0.0"

    def _redact_plain(self, value: str) -> str:
        """Apply the value patterns to a string (fast when no pattern can match)."""
        if len(value) < 20 and self._user_value_re is None:
            return value
        if self._user_value_re is not None:
            value = self._user_value_re.sub(_mask_match, value)
        if self._default_value_re is not None and len(value) >= 20 and any(m in value for m in _DEFAULT_MARKERS):
            value = self._default_value_re.sub(_mask_match, value)
        return value

    def redact_query(self, query: str) -> str:
        """Redact ``a=1&password=x`` style text, leaving non-secret parts byte-for-byte unchanged."""
        if not query:
            return query
        out = []
        for part in query.split("&"):
            name, eq, value = part.partition("=")
            if eq and self.is_secret_field(unquote_plus(name)):
                out.append(name + "=" + quote(mask_string(unquote_plus(value)), safe=_QUERY_SAFE))
            else:
                out.append(self._redact_plain(part))
        return "&".join(out)

    def redact_url(self, url: str) -> str:
        """Redact secret query parameters and the password of ``user:password@host``."""
        if "?" not in url and "@" not in url:
            return self._redact_plain(url)
        try:
            parts = urlsplit(url)
        except ValueError:
            return self._redact_plain(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostport = netloc.rpartition("@")
            user, colon, password = userinfo.partition(":")
            if colon and password != REDACTED:
                netloc = f"{user}:{REDACTED}@{hostport}"
        query = self.redact_query(parts.query)
        if netloc == parts.netloc and query == parts.query:
            return self._redact_plain(url)
        return self._redact_plain(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))

    def redact_header_value(self, name: str, value: str) -> str:
        """Redact one header value according to its name."""
        lname = name.lower()
        if self.is_secret_header(name):
            if lname == "cookie":
                return _mask_cookie(value)
            if lname == "set-cookie":
                return _mask_set_cookie(value)
            return mask_credential(value)
        if lname in _URL_HEADERS:
            return self.redact_url(value)
        if lname in _TEXT_HEADERS:
            return self.redact_text(value)
        return self._redact_plain(value)

    def redact_headers(self, headers: Headers) -> Headers:
        """Redact every header (names kept, order kept); the same tuple when nothing changed."""
        out = None
        for i, (k, v) in enumerate(headers):
            new = self.redact_header_value(k, v)
            if new is not v and new != v:
                if out is None:
                    out = list(headers)
                out[i] = (k, new)
        return headers if out is None else tuple(out)

    def redact_json(self, value: JSONValue) -> JSONValue:
        """Redact a parsed JSON document (secret names, JSON pointer rules, value patterns).

        Returns the very same object when nothing needed redaction (containers are copied only
        along changed paths).
        """
        if self._json_paths:
            return self._walk_paths(value, ())
        return self._walk(value)

    def _walk(self, value: JSONValue) -> JSONValue:
        kind = type(value)
        if kind is str:
            return self._redact_plain(value)  # type: ignore[arg-type]
        if kind in _SCALARS:
            return value
        if isinstance(value, dict):
            out: dict[str, JSONValue] | None = None
            for key, item in value.items():
                new = mask_value(item) if self.is_secret_field(key) else self._walk(item)
                if new is not item:
                    if out is None:
                        out = dict(value)
                    out[key] = new
            return value if out is None else out
        if isinstance(value, list):
            items: list[JSONValue] | None = None
            for i, item in enumerate(value):
                new = self._walk(item)
                if new is not item:
                    if items is None:
                        items = list(value)
                    items[i] = new
            return value if items is None else items
        return value

    def _walk_paths(self, value: JSONValue, path: tuple[str, ...]) -> JSONValue:
        if path and any(_path_matches(p, path) for p in self._json_paths):
            return mask_value(value)
        if isinstance(value, dict):
            out: dict[str, JSONValue] = {}
            for key, item in value.items():
                if self.is_secret_field(key):
                    out[key] = mask_value(item)
                else:
                    out[key] = self._walk_paths(item, (*path, key))
            return out
        if isinstance(value, list):
            return [self._walk_paths(item, (*path, str(i))) for i, item in enumerate(value)]
        if isinstance(value, str):
            return self._redact_plain(value)
        return value

    def redact_body(self, body: Body) -> Body:
        """Redact a body: JSON by structure, forms by field, text by patterns; binary is kept."""
        if body.kind == "json":
            new_json = self.redact_json(body.json)
            return body if new_json is body.json or new_json == body.json else replace(body, json=new_json)
        if body.kind == "text" and body.text:
            if body.media_type == "application/x-www-form-urlencoded":
                text = self.redact_query(body.text)
                text = self.redact_text(text)
            else:
                text = self.redact_text(body.text)
            return body if text == body.text else replace(body, text=text)
        return body

    def redact(self, exchange: Exchange) -> Exchange:
        """Return a redacted copy of ``exchange`` (or the same object when nothing changed)."""
        req = exchange.request
        url = self.redact_url(req.url)
        headers = self.redact_headers(req.headers)
        body = self.redact_body(req.body)
        new_req = req
        if url != req.url or headers is not req.headers or body is not req.body:
            new_req = Request(method=req.method, url=url, headers=headers, body=body)
        resp = exchange.response
        new_resp = resp
        if resp is not None:
            r_headers = self.redact_headers(resp.headers)
            r_body = self.redact_body(resp.body)
            if r_headers is not resp.headers or r_body is not resp.body:
                new_resp = Response(
                    status=resp.status, headers=r_headers, body=r_body, http_version=resp.http_version
                )
        error = self.redact_text(exchange.error) if exchange.error else exchange.error
        if new_req is req and new_resp is resp and error == exchange.error:
            return exchange
        return replace(exchange, request=new_req, response=new_resp, error=error)


def _parse_path_pattern(pattern: str) -> tuple[str, ...]:
    text = pattern[1:] if pattern.startswith("#") else pattern
    if not text.startswith("/"):
        raise ValueError(f"JSON path pattern must start with '/': {pattern!r}")
    return tuple(part.replace("~1", "/").replace("~0", "~") for part in text[1:].split("/"))


def _path_matches(pattern: Sequence[str], path: Sequence[str]) -> bool:
    if not pattern:
        return not path
    head = pattern[0]
    if head == "**":
        return any(_path_matches(pattern[1:], path[i:]) for i in range(len(path) + 1))
    if not path:
        return False
    if head == path[0] or fnmatch.fnmatchcase(path[0], head):
        return _path_matches(pattern[1:], path[1:])
    return False


#: The default redactor (built-in rules only).
DEFAULT_REDACTOR = Redactor()
