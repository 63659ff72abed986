"""What a recorder keeps: the :class:`CapturePolicy` and its compiled form, :class:`PolicyGate`.

The gate answers the questions a capture front-end asks on the request path (record this
exchange? keep this body? mask which headers?) and counts every "no" by reason. It never raises: a
failure is handed to the recorder's failure log and answered with "no".
"""

from __future__ import annotations

import fnmatch
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import UsageError
from ..model import Body
from .body import BodyBuffer, body_from_bytes, make_body
from .redact import Redactor

__all__ = ["CapturePolicy", "HeaderScrubber", "PolicyGate"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CapturePolicy:
    """What a recorder keeps.

    * ``sample_rate``: probability of recording an exchange (0..1);
    * ``max_body_bytes``: bodies larger than this are kept truncated (``size`` tells the full size);
    * ``content_types``: allow-list of media types or globs (``"application/json"``, ``"text/*"``)
      whose bodies are kept; empty means all. Other bodies are recorded empty-but-sized, truncated;
    * ``include_paths`` / ``exclude_paths``: URL path globs (``/api/*``) or regexes (``re:^/v\\d+/``,
      searched); empty include means all; exclude wins;
    * ``include_hosts`` / ``exclude_hosts``: host globs, matched against ``host`` and ``host:port``;
    * ``per_route_rate``: at most this many recorded exchanges per second per (method, route or path)
      (token bucket, bursts up to one second's worth).

    Out-of-range values raise :class:`~contractdrift.errors.UsageError` (a ``ValueError``).
    """

    sample_rate: float = 1.0
    max_body_bytes: int = 1 << 20
    content_types: tuple[str, ...] = ()
    include_paths: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()
    include_hosts: tuple[str, ...] = ()
    exclude_hosts: tuple[str, ...] = ()
    per_route_rate: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.sample_rate <= 1.0:
            raise UsageError(f"sample_rate must be between 0 and 1, not {self.sample_rate}")
        if self.max_body_bytes < 0:
            raise UsageError("max_body_bytes must be >= 0")
        if self.per_route_rate is not None and self.per_route_rate <= 0:
            raise UsageError("per_route_rate must be positive")


def _compile_patterns(patterns: tuple[str, ...], *, case_insensitive: bool = False) -> list[re.Pattern[str]]:
    flags = re.IGNORECASE if case_insensitive else 0
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p[3:] if p.startswith("re:") else "^" + fnmatch.translate(p), flags))
        except re.error as exc:
            raise UsageError(f"capture policy: invalid pattern {p!r}: {exc}") from None
    return out


def _any_match(patterns: list[re.Pattern[str]], *values: str) -> bool:
    return any(p.search(v) for p in patterns for v in values)


class _Bucket:
    __slots__ = ("stamp", "tokens")

    def __init__(self, tokens: float, stamp: float) -> None:
        self.tokens = tokens
        self.stamp = stamp


OnError = Callable[[BaseException, str], None]


class PolicyGate:
    """A compiled :class:`CapturePolicy`: the per-request decisions and their drop counters."""

    def __init__(self, policy: CapturePolicy, on_error: OnError) -> None:
        self.policy = policy
        self._on_error = on_error
        self._include_paths = _compile_patterns(policy.include_paths)
        self._exclude_paths = _compile_patterns(policy.exclude_paths)
        self._include_hosts = _compile_patterns(policy.include_hosts, case_insensitive=True)
        self._exclude_hosts = _compile_patterns(policy.exclude_hosts, case_insensitive=True)
        self._filters = bool(self._include_paths or self._exclude_paths or self._include_hosts or self._exclude_hosts)
        self._content_types = _compile_patterns(tuple(c.lower() for c in policy.content_types), case_insensitive=True)
        #: Whether :meth:`wants` looks at the URL (front-ends skip building it otherwise).
        self.checks_url = self._filters or policy.per_route_rate is not None
        #: Whether :meth:`body_allowed` depends on the media type (a content-type allow-list).
        self.checks_content_types = bool(self._content_types)
        self.wants_all = not self.checks_url and policy.sample_rate >= 1.0
        self.reset()

    def reset(self) -> None:
        """Counters, lock and token buckets anew (also in a forked child)."""
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self.dropped_filtered = self.dropped_sampling = self.dropped_rate_limited = 0

    def wants(self, method: str, url: str, route: str | None = None) -> bool:
        """Filters, then sampling, then the per-route rate limit; a "no" is counted by reason."""
        if self.wants_all:
            return True
        try:
            pol = self.policy
            if self._filters:
                parts = urlsplit(url)
                path = parts.path or "/"
                host = (parts.hostname or "").lower()
                hostport = parts.netloc.rpartition("@")[2].lower()
                if (
                    (self._include_paths and not _any_match(self._include_paths, path))
                    or (self._exclude_paths and _any_match(self._exclude_paths, path))
                    or (self._include_hosts and not _any_match(self._include_hosts, host, hostport))
                    or (self._exclude_hosts and _any_match(self._exclude_hosts, host, hostport))
                ):
                    with self._lock:
                        self.dropped_filtered += 1
                    return False
            if pol.sample_rate < 1.0 and random.random() >= pol.sample_rate:
                with self._lock:
                    self.dropped_sampling += 1
                return False
            if pol.per_route_rate is not None:
                return self._take_token(method, url, route, pol.per_route_rate)
            return True
        except Exception as exc:
            self._on_error(exc, "deciding whether to record")
            return False

    def _take_token(self, method: str, url: str, route: str | None, rate: float) -> bool:
        key = (method.upper(), route if route is not None else urlsplit(url).path or "/")
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(max(1.0, rate), now)
            else:
                bucket.tokens = min(max(1.0, rate), bucket.tokens + (now - bucket.stamp) * rate)
                bucket.stamp = now
            if bucket.tokens < 1.0:
                self.dropped_rate_limited += 1
                return False
            bucket.tokens -= 1.0
            return True

    def body_allowed(self, media_type: str | None) -> bool:
        """Whether bodies of this media type are kept (the content-type allow-list)."""
        if not self._content_types:
            return True
        if not media_type:
            return False
        mt = media_type.split(";", 1)[0].strip().lower()
        return _any_match(self._content_types, mt)

    def body_buffer(self, media_type: str | None, content_encoding: str | None = None) -> BodyBuffer:
        return BodyBuffer(self.policy.max_body_bytes, content_encoding, store=self.body_allowed(media_type))

    def make_body(self, data: bytes, media_type: str | None) -> Body:
        if not data:
            return Body.empty(media_type)
        if not self.body_allowed(media_type):
            return make_body(b"", media_type, total_size=len(data))
        limit = self.policy.max_body_bytes
        if len(data) > limit:
            return make_body(data[:limit], media_type, total_size=len(data))
        return body_from_bytes(data, media_type)


class HeaderScrubber:
    """Credential headers masked by name on the hot path, with small caches of names and values."""

    def __init__(self, redactor: Redactor | None) -> None:
        self.redactor = redactor
        self._secret: dict[Any, bool] = {}
        self._masked: dict[tuple[Any, Any], Any] = {}

    def scrub(self, raw: Sequence[tuple[Any, Any]]) -> Sequence[tuple[Any, Any]]:
        redactor = self.redactor
        if redactor is None or not raw:
            return raw
        secret = self._secret
        out: list[tuple[Any, Any]] | None = None
        for i, (name, value) in enumerate(raw):
            hit = secret.get(name)
            if hit is None:
                hit = redactor.is_secret_header(name.decode("latin-1") if isinstance(name, bytes) else str(name))
                if len(secret) < 4096:
                    secret[name] = hit
            if hit:
                if out is None:
                    out = list(raw)
                masked = self._masked.get((name, value))
                if masked is not None:
                    out[i] = (name, masked)
                    continue
                if isinstance(name, bytes):
                    text = redactor.redact_header_value(name.decode("latin-1"), value.decode("latin-1"))
                    out[i] = (name, text.encode("latin-1", "replace"))
                else:
                    out[i] = (name, redactor.redact_header_value(str(name), str(value)))
                if len(self._masked) < 1024:  # repeated credentials (one API key, one session) are common
                    self._masked[(name, value)] = out[i][1]
        return raw if out is None else out
