"""Redaction: remove secrets and personal data from exchanges before anything is written or logged.

Two kinds of rules, applied to every string the recorder writes (header values, the URL, query
and form values, JSON string values at any depth, text bodies, error texts):

* **by name**: header names (``Authorization``, ``Cookie``, ``X-Api-Key``, ``*-Token``, ...), query
  parameter, form field and JSON property names made of secret words (``password``,
  ``client_secret``, ``apiKey``, ``card_number``, ``sig``, ...), JSON objects that name a secret in
  a sibling (``{"name": "DB_PASSWORD", "value": "..."}``), and user rules (header names, name
  globs, JSON pointer patterns with ``*`` and ``**``);
* **by format**, whatever the key (:mod:`.detect`): provider keys and tokens from a maintained
  catalog (:mod:`.secret_catalog`, vendored from detect-secrets), JWTs, private keys,
  ``Bearer``/``Basic`` credentials inside values, URL passwords, ``secret = value`` context in text,
  card numbers (always), IBANs, emails and phone numbers (``keep=`` leaves categories in clear).

What replaces a secret keeps its format (:mod:`.standins`): an email stays an email, a card number
a Luhn-valid number of the same length, a phone number a phone number, a token a string of the
same shape; credential headers keep their scheme (``Bearer [REDACTED]``). Stand-ins are derived
with a keyed hash whose key is a per-recording salt, never written: within a recording the same
secret always gets the same stand-in (distinct counts, enums and joins survive). Each stand-in
carries a documented mark (:func:`contractdrift.model.masks.is_redacted`). JSON numbers under
secret names keep their digit count (``123456`` -> ``100000``), floats become ``0.0``, booleans
``False``; UUIDs, dates and times under secret names become fixed values of the same format.

Every operation is idempotent: redacting a redacted value returns it unchanged.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from ..errors import UsageError
from ..model import Body, Exchange, Headers
from ..model.json import JSONValue
from ..model.masks import REDACTED, is_redacted, redacted_kind
from .detect import ALWAYS, CATEGORIES, Scanner
from .redact_multipart import is_multipart_form, redact_multipart
from .secret_catalog import CATALOG
from .standins import Keyer

__all__ = [
    "CATEGORIES",
    "DEFAULT_REDACTOR",
    "DEFAULT_SECRET_HEADERS",
    "REDACTED",
    "Redactor",
    "is_redacted",
    "is_secret_name",
    "mask_credential",
    "mask_string",
    "mask_value",
    "name_words",
]

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
        "sig",
        "hmac",
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
        "id",
        "ids",
        "sid",
        "sids",
        "list",
        "lists",
        "mapping",
        "mappings",
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

_CURSOR_WORDS = frozenset({"page", "next", "prev", "previous", "continuation", "cursor", "pagination", "sync",
                           "resume", "start", "end"})
_WORD_SPLIT = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-([0-9a-fA-F])[0-9a-fA-F]{3}-([0-9a-fA-F])[0-9a-fA-F]{3}-[0-9a-fA-F]{12}")
_EMAIL = re.compile(r"([^@\s]+)@([^@\s]+\.[^@\s]+)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}([Tt ])\d{2}:\d{2}(:\d{2})?(?:([.,])(\d+))?([Zz]|[+-]\d{2}(?::?\d{2})?)?"
)
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(?:\.(\d+))?([Zz]|[+-]\d{2}:?\d{2})?")
_AUTH_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9_.+-]*)\s+(\S.*)", re.DOTALL)
_SCHEME_WORDS = frozenset({"bearer", "basic", "token", "digest", "negotiate", "apikey", "hmac"})
# JSON objects that name a secret in a "label" member hold it in a "value" member:
# {"name": "DB_PASSWORD", "value": "..."} (environment lists, parameter stores, HAR header lists).
_LABEL_WORDS = ("name", "key", "id", "label", "field", "param", "parameter", "variable", "var", "header", "title",
                "env", "setting")
_VALUE_WORDS = ("value", "val", "data", "content", "secret", "text", "v")
_LABEL_KEYS = frozenset(v for w in _LABEL_WORDS for v in (w, w.title(), w.upper()))
_VALUE_KEYS = frozenset(v for w in _VALUE_WORDS for v in (w, w.title(), w.upper()))
# Headers whose values are protocol vocabulary, never a secret or a personal datum: not scanned.
_PLAIN_HEADERS = frozenset({
    "accept", "accept-encoding", "accept-language", "accept-ranges", "age", "cache-control", "connection",
    "content-encoding", "content-language", "content-length", "content-type", "date", "etag", "expires",
    "host", "if-modified-since", "if-none-match", "keep-alive", "last-modified", "pragma", "server",
    "transfer-encoding", "vary",
})
_MIN_SCAN = 6  # the shortest detectable value ("a@b.io")
_HAS_SPACE = re.compile(r"\s")
# How a header's value is redacted (cached per header name).
_H_SCAN, _H_PLAIN, _H_SECRET, _H_COOKIE, _H_SET_COOKIE, _H_URL, _H_TEXT = range(7)
_SCAN_CACHE_LIMIT = 16384
_SCAN_CACHE_MAX_LEN = 256
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
    # "page_token", "next_token": a pagination cursor, not a credential.
    if found > 0 and words[found - 1] in _CURSOR_WORDS and words[found] == "token":
        return False
    # "token_type", "password_hint": the last word after the secret describes it.
    return not (found < len(words) - 1 and words[-1] in _DESCRIPTIVE_SUFFIXES)


def mask_string(value: str, keyer: Keyer) -> str:
    """The stand-in of a string held under a secret name (format kept, see the module docstring)."""
    if not value or redacted_kind(value) is not None:
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
    if _EMAIL.fullmatch(value):
        return keyer.email(value)
    m = _AUTH_SCHEME.fullmatch(value)
    if m and m.group(1).lower() in _SCHEME_WORDS:
        return f"{m.group(1)} {mask_string(m.group(2), keyer)}"
    return keyer.token(value)


def mask_value(value: JSONValue, keyer: Keyer) -> JSONValue:
    """Redact a JSON value held under a secret name, keeping its type and shape."""
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
        return mask_string(value, keyer)
    if isinstance(value, list):
        return [mask_value(v, keyer) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v, keyer) for k, v in value.items()}
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
      body, error message) is replaced by a stand-in;
    * ``keep``: detection categories to leave in clear (``"emails"``, ``"phones"`` for recordings of
      synthetic data; also ``"tokens"``, ``"auth"``, ``"url_passwords"``, ``"context"``, ``"ibans"``,
      or a catalog pattern name such as ``"jwt"``). Card numbers are always redacted;
    * ``salt``: the key of the stand-ins. By default a random salt is drawn for each recording
      (:meth:`for_recording`); give the same bytes to several recorders (e.g. one per worker
      process writing one file) to get the same stand-ins in all of them. Never written anywhere;
    * ``defaults``: include the built-in header list, secret-name words and format detection.

    A ``Redactor`` is immutable and thread-safe; :meth:`redact` is idempotent.
    """

    __slots__ = (
        "_field_cache",
        "_field_patterns",
        "_header_cache",
        "_header_kinds",
        "_header_names",
        "_header_patterns",
        "_json_paths",
        "_keyer",
        "_salt_given",
        "_scan_cache",
        "_scanner",
        "defaults",
        "fields",
        "headers",
        "json_paths",
        "keep",
        "value_patterns",
    )

    def __init__(
        self,
        *,
        headers: Iterable[str] = (),
        fields: Iterable[str] = (),
        json_paths: Iterable[str] = (),
        value_patterns: Iterable[str] = (),
        keep: Iterable[str] = (),
        salt: bytes | None = None,
        defaults: bool = True,
    ) -> None:
        self.headers: tuple[str, ...] = tuple(headers)
        self.fields: tuple[str, ...] = tuple(fields)
        self.json_paths: tuple[str, ...] = tuple(json_paths)
        self.value_patterns: tuple[str, ...] = tuple(value_patterns)
        self.keep: frozenset[str] = frozenset(keep)
        self.defaults = defaults
        known = set(CATEGORIES) | {p.name for p in CATALOG}
        unknown = sorted(self.keep - known)
        if unknown:
            raise UsageError(
                f"unknown redaction category {unknown[0]!r} in keep= (known: {', '.join(CATEGORIES)}, "
                "or a catalog pattern name)"
            )
        if self.keep & ALWAYS:
            raise UsageError("card numbers are always redacted (a card number on disk is a PCI DSS incident)")
        names = {h.lower() for h in self.headers if not any(c in h for c in "*?[")}
        if defaults:
            names |= DEFAULT_SECRET_HEADERS
        self._header_names = frozenset(names)
        self._header_patterns = tuple(
            _compile_name_pattern(h) for h in self.headers if any(c in h for c in "*?[")
        )
        self._field_patterns = tuple(_compile_name_pattern(f) for f in self.fields)
        self._json_paths = tuple(_parse_path_pattern(p) for p in self.json_paths)
        self._salt_given = salt is not None
        self._keyer = Keyer(salt)
        self._scanner: Scanner | None = None
        self._setup_scanner()
        self._header_cache: dict[str, bool] = {}
        self._header_kinds: dict[str, int] = {}
        self._field_cache: dict[str, bool] = {}
        self._scan_cache: dict[str, str] = {}

    def __repr__(self) -> str:
        return (
            f"Redactor(headers={self.headers!r}, fields={self.fields!r}, json_paths={self.json_paths!r}, "
            f"value_patterns={self.value_patterns!r}, keep={sorted(self.keep)!r}, defaults={self.defaults!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        # Pickled only to hand the redactor to the recorder's own writer process (a private pipe).
        return {"headers": self.headers, "fields": self.fields, "json_paths": self.json_paths,
                "value_patterns": self.value_patterns, "keep": self.keep, "defaults": self.defaults,
                "keyer": self._keyer, "salt_given": self._salt_given}

    def __setstate__(self, state: dict[str, Any]) -> None:
        Redactor.__init__(
            self, headers=state["headers"], fields=state["fields"], json_paths=state["json_paths"],
            value_patterns=state["value_patterns"], keep=state["keep"], defaults=state["defaults"],
        )
        self._keyer = state["keyer"]
        self._salt_given = bool(state["salt_given"])
        self._setup_scanner()

    def _setup_scanner(self) -> None:
        self._scanner = None
        if self.defaults or self.value_patterns:
            self._scanner = Scanner(
                self._keyer, keep=self.keep, extra=self.value_patterns, builtin=self.defaults,
                is_secret_name=self.is_secret_field,
            )

    def for_recording(self) -> Redactor:
        """This redactor with a fresh random salt, for a new recording (itself when ``salt`` was given)."""
        if self._salt_given:
            return self
        return Redactor(
            headers=self.headers, fields=self.fields, json_paths=self.json_paths,
            value_patterns=self.value_patterns, keep=self.keep, defaults=self.defaults,
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

    def mask(self, value: JSONValue) -> JSONValue:
        """The stand-in of a value held under a secret name (type and format kept)."""
        return mask_value(value, self._keyer)

    def redact_string(self, value: str) -> str:
        """Replace every secret and personal datum found in ``value`` by format (any key, any place)."""
        scanner = self._scanner
        if scanner is None or (len(value) < _MIN_SCAN and not self.value_patterns):
            return value
        if len(value) <= _SCAN_CACHE_MAX_LEN:
            cache = self._scan_cache
            out = cache.get(value)
            if out is None:
                out = self._url_string(value) if "?" in value else scanner.scan(value)
                if out == value:
                    out = value
                if len(cache) >= _SCAN_CACHE_LIMIT:
                    cache.clear()
                cache[value] = out
            return out
        out = self._url_string(value) if "?" in value else scanner.scan(value)
        return value if out == value else out

    def _url_string(self, value: str) -> str:
        """A URL or path with a query inside a string value: its query values are decoded and checked."""
        assert self._scanner is not None
        if "=" in value and (value[:1] == "/" or "://" in value[:16]) and not _HAS_SPACE.search(value):
            return self.redact_url(value)
        return self._scanner.scan(value)

    _redact_plain = redact_string

    def redact_text(self, text: str) -> str:
        """Detected values, secret query parameters inside URLs and secret JSON pairs in free text."""
        if not text:
            return text
        if "://" in text:
            text = _URL_IN_TEXT.sub(self._url_in_text, text)
        if '"' in text and ":" in text:
            text = _JSON_PAIR_IN_TEXT.sub(self._mask_json_pair, text)
        return self.redact_string(text)

    def _url_in_text(self, m: re.Match[str]) -> str:
        url = m.group(0)
        core = url.rstrip(".,:;!?)")  # sentence punctuation after a URL is not part of it
        return self.redact_url(core) + url[len(core):]

    def _mask_json_pair(self, m: re.Match[str]) -> str:
        name = m.group(1)
        if not self.is_secret_field(name):
            return m.group(0)
        raw = m.group(2)
        head = m.group(0)[: m.start(2) - m.start(0)]
        if raw.startswith('"'):
            return head + '"' + mask_string(raw[1:-1], self._keyer) + '"'
        if raw in ("true", "false"):
            return head + "false"
        if re.fullmatch(r"-?\d+", raw):
            return head + str(mask_value(int(raw), self._keyer))
        return head + "0.0"

    def redact_query(self, query: str) -> str:
        """Redact ``a=1&password=x`` style text, leaving non-secret parts byte-for-byte unchanged."""
        if not query:
            return query
        out = []
        for part in query.split("&"):
            name, eq, value = part.partition("=")
            if eq and self.is_secret_field(unquote_plus(name)):
                decoded = unquote_plus(value)
                masked = mask_string(decoded, self._keyer)
                out.append(part if masked == decoded else name + "=" + quote(masked, safe=_QUERY_SAFE))
            elif eq and ("%" in value or "+" in value):
                decoded = unquote_plus(value)
                new = self.redact_string(decoded)
                out.append(part if new is decoded or new == decoded else name + "=" + quote(new, safe=_QUERY_SAFE))
            else:
                out.append(self.redact_string(part))
        return "&".join(out)

    def redact_url(self, url: str) -> str:
        """Redact secret query parameters, the password of ``user:password@host`` and detected values."""
        base, q, query = url.partition("?")
        if "@" in base:
            return self._redact_url_with_userinfo(url)
        fragment = ""
        if "#" in query:
            query, _, fragment = query.partition("#")
            fragment = "#" + self.redact_string(fragment)
        elif not q and "#" in base:
            base, _, fragment = base.partition("#")
            fragment = "#" + self.redact_string(fragment)
        scanner = self._scanner
        new_base = scanner.scan(base) if scanner is not None else base
        new_query = self.redact_query(query) if q else query
        return new_base + q + new_query + fragment

    def _redact_url_with_userinfo(self, url: str) -> str:
        try:
            parts = urlsplit(url)
        except ValueError:
            return self._scanner.scan(url) if self._scanner is not None else url
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hostport = netloc.rpartition("@")
            user, colon, password = userinfo.partition(":")
            if colon and password and redacted_kind(password) is None:
                netloc = f"{user}:{self._keyer.url_password(password)}@{hostport}"
        query = self.redact_query(parts.query)
        url = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
        return self._scanner.scan(url) if self._scanner is not None else url

    def _header_kind(self, name: str) -> int:
        kind = self._header_kinds.get(name)
        if kind is None:
            lname = name.lower()
            if self.is_secret_header(name):
                kind = _H_COOKIE if lname == "cookie" else _H_SET_COOKIE if lname == "set-cookie" else _H_SECRET
            elif lname in _URL_HEADERS:
                kind = _H_URL
            elif lname in _TEXT_HEADERS:
                kind = _H_TEXT
            elif lname in _PLAIN_HEADERS:
                kind = _H_PLAIN
            else:
                kind = _H_SCAN
            if len(self._header_kinds) < _CACHE_LIMIT:
                self._header_kinds[name] = kind
        return kind

    def redact_header_value(self, name: str, value: str) -> str:
        """Redact one header value according to its name."""
        kind = self._header_kind(name)
        if kind == _H_SCAN:
            return self.redact_string(value)
        if kind == _H_PLAIN:
            return value
        if kind == _H_SECRET:
            return mask_credential(value)
        if kind == _H_COOKIE:
            return _mask_cookie(value)
        if kind == _H_SET_COOKIE:
            return _mask_set_cookie(value)
        if kind == _H_URL:
            return self.redact_url(value)
        return self.redact_text(value)

    def redact_headers(self, headers: Headers) -> Headers:
        """Redact every header (names kept, order kept); the same tuple when nothing changed."""
        out = None
        kinds = self._header_kinds
        for i, (k, v) in enumerate(headers):
            if kinds.get(k) == _H_PLAIN:  # protocol vocabulary (content-type, accept, ...): nothing to do
                continue
            new = self.redact_header_value(k, v)
            if new is not v and new != v:
                if out is None:
                    out = list(headers)
                out[i] = (k, new)
        return headers if out is None else tuple(out)

    def redact_json(self, value: JSONValue) -> JSONValue:
        """Redact a parsed JSON document (secret names, JSON pointer rules, detected values).

        Returns the very same object when nothing needed redaction (containers are copied only
        along changed paths).
        """
        if self._json_paths:
            return self._walk_paths(value, ())
        return self._walk(value)

    def _secret_siblings(self, value: dict[str, JSONValue]) -> bool:
        """Whether an object names a secret in a label member (``{"name": "API_KEY", "value": ...}``)."""
        if not self.defaults or len(value) > 16 or _VALUE_KEYS.isdisjoint(value):
            return False
        for key, item in value.items():
            if key in _LABEL_KEYS and type(item) is str and item and self.is_secret_field(item):
                return True
        return False

    def _walk(self, value: JSONValue) -> JSONValue:
        kind = type(value)
        if kind is str:
            cached = self._scan_cache.get(value)  # type: ignore[arg-type]
            return cached if cached is not None else self.redact_string(value)  # type: ignore[arg-type]
        if kind in _SCALARS:
            return value
        scan_cache = self._scan_cache
        if kind is dict:
            obj: dict[str, JSONValue] = value  # type: ignore[assignment]
            out: dict[str, JSONValue] | None = None
            siblings = len(obj) <= 16 and self._secret_siblings(obj)
            field_cache = self._field_cache
            for key, item in obj.items():
                secret = field_cache.get(key)
                if secret is None:
                    secret = self.is_secret_field(key)
                if secret or (siblings and key in _VALUE_KEYS):
                    new = mask_value(item, self._keyer)
                else:
                    # Strings and scalars inline (most values): no call per leaf.
                    item_kind = type(item)
                    if item_kind is str:
                        new = scan_cache.get(item)  # type: ignore[arg-type]
                        if new is None:
                            new = self.redact_string(item)  # type: ignore[arg-type]
                    elif item_kind in _SCALARS:
                        continue
                    else:
                        new = self._walk(item)
                if new is not item:
                    if out is None:
                        out = dict(obj)
                    out[key] = new
            return value if out is None else out
        if kind is list:
            seq: list[JSONValue] = value  # type: ignore[assignment]
            items: list[JSONValue] | None = None
            for i, item in enumerate(seq):
                item_kind = type(item)
                if item_kind is str:
                    new = scan_cache.get(item)  # type: ignore[arg-type]
                    if new is None:
                        new = self.redact_string(item)  # type: ignore[arg-type]
                elif item_kind in _SCALARS:
                    continue
                else:
                    new = self._walk(item)
                if new is not item:
                    if items is None:
                        items = list(seq)
                    items[i] = new
            return value if items is None else items
        return value

    def _walk_paths(self, value: JSONValue, path: tuple[str, ...]) -> JSONValue:
        if path and any(_path_matches(p, path) for p in self._json_paths):
            return mask_value(value, self._keyer)
        if isinstance(value, dict):
            out: dict[str, JSONValue] = {}
            siblings = self._secret_siblings(value)
            for key, item in value.items():
                if self.is_secret_field(key) or (siblings and key in _VALUE_KEYS):
                    out[key] = mask_value(item, self._keyer)
                else:
                    out[key] = self._walk_paths(item, (*path, key))
            return out
        if isinstance(value, list):
            return [self._walk_paths(item, (*path, str(i))) for i, item in enumerate(value)]
        if isinstance(value, str):
            return self.redact_string(value)
        return value

    def redact_body(self, body: Body) -> Body:
        """Redact a body: JSON by structure, forms and multipart forms by field, text by patterns; other
        binary bodies are kept."""
        if body.kind == "json":
            new_json = self.redact_json(body.json)
            return body if new_json is body.json else _evolve(body, json=new_json)
        if body.kind == "text" and body.text:
            if body.media_type == "application/x-www-form-urlencoded":
                text = self.redact_query(body.text)
                text = self.redact_text(text)
            elif is_multipart_form(body.media_type):
                text = redact_multipart(body.text.encode("utf-8"), body.media_type or "", self).decode("utf-8")
            else:
                text = self.redact_text(body.text)
            return body if text == body.text else _evolve(body, text=text)
        if body.kind == "binary" and body.base64 and is_multipart_form(body.media_type):
            import base64

            raw = base64.b64decode(body.base64)
            new_raw = redact_multipart(raw, body.media_type or "", self)
            return body if new_raw == raw else _evolve(body, base64=base64.b64encode(new_raw).decode("ascii"))
        return body

    def redact(self, exchange: Exchange) -> Exchange:
        """Return a redacted copy of ``exchange`` (or the same object when nothing changed)."""
        req = exchange.request
        url = self.redact_url(req.url)
        headers = self.redact_headers(req.headers)
        body = self.redact_body(req.body)
        new_req = req
        if url != req.url or headers is not req.headers or body is not req.body:
            new_req = _evolve(req, url=url, headers=headers, body=body)
        resp = exchange.response
        new_resp = resp
        if resp is not None:
            r_headers = self.redact_headers(resp.headers)
            r_body = self.redact_body(resp.body)
            if r_headers is not resp.headers or r_body is not resp.body:
                new_resp = _evolve(resp, headers=r_headers, body=r_body)
        error = self.redact_text(exchange.error) if exchange.error else exchange.error
        if new_req is req and new_resp is resp and error == exchange.error:
            return exchange
        return _evolve(exchange, request=new_req, response=new_resp, error=error)


_T = TypeVar("_T")


def _evolve(obj: _T, **changes: Any) -> _T:
    """``dataclasses.replace`` for the model's frozen slotted dataclasses, without its introspection.

    The model's dataclasses have no ``__post_init__`` and every field is a slot, so copying the
    slots is exactly what ``replace`` would do (``test_evolve_matches_replace`` checks it).
    """
    cls = type(obj)
    new = object.__new__(cls)
    for name in cls.__slots__:  # type: ignore[attr-defined]
        object.__setattr__(new, name, changes[name] if name in changes else getattr(obj, name))
    return new


def _parse_path_pattern(pattern: str) -> tuple[str, ...]:
    text = pattern[1:] if pattern.startswith("#") else pattern
    if not text.startswith("/"):
        raise UsageError(f"JSON path pattern must start with '/': {pattern!r}")
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
