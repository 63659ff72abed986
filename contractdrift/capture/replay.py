"""Replay recorded requests against a candidate build (and a control), safe by default.

``Replayer`` sends each recorded request to every *target* (``candidate``, optionally ``control``)
and records the answers as exchanges linked to the original (:attr:`Exchange.replay_of`), in the
same store format. Safety:

* only ``GET``, ``HEAD`` and ``OPTIONS`` unless more methods are allowed;
* only the hosts given: the recorded scheme, host and port are replaced by the target's, redirects
  are never followed, and a guard transport refuses any other host (defence in depth);
* ``rate`` (requests per second, per target) and ``concurrency`` limits;
* credentials the recorder redacted are never sent masked: the user supplies them (``headers``
  replace recorded headers of the same name); a request that still carries a redacted value is
  *not replayable* and is counted, not sent;
* answers are redacted before they are written (unless told not to), like any recording;
* stopping (``KeyboardInterrupt``/cancel) keeps what was replayed: every answer is appended to the
  output as soon as it arrives.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

import httpx

from ..errors import UsageError
from ..model import Body, Exchange, Headers, Request, Response
from ..model.masks import is_redacted
from ._ids import new_exchange_id
from .redact import Redactor

SAFE_METHODS: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS"})

# Never replayed as recorded: the connection's own headers (httpx sets them for the target), and the
# encodings: recorded bodies are stored decoded, and answers must come in an encoding httpx decodes.
_HOP_BY_HOP = frozenset({"host", "content-length", "connection", "keep-alive", "transfer-encoding", "te",
                         "upgrade", "proxy-connection", "proxy-authenticate", "trailer", "content-encoding",
                         "accept-encoding"})


def looks_redacted(value: str) -> bool:
    """Does ``value`` carry a stand-in the recorder put in place of a secret or a personal datum?

    The masks are documented in :mod:`contractdrift.model.masks`: ``[REDACTED]`` in credential
    headers, token stand-ins marked ``REDACTED``/``redacted``, emails at ``redacted.invalid`` (found
    anywhere inside a URL or a body), and card, phone and IBAN stand-ins (recognised as whole values:
    a URL's path segments and query values are checked one by one by :func:`why_not_replayable`).
    """
    return is_redacted(value) or _MARK_INSIDE.search(value) is not None


_MARK_INSIDE = re.compile(r"\[REDACTED\]|(?:REDACTED|redacted)[A-Za-z0-9]{8}|@redacted\.invalid")


def _url_parts(url: str) -> Iterator[str]:
    parts = urlsplit(url)
    yield from (unquote(seg) for seg in parts.path.split("/") if seg)
    for _, value in parse_qsl(parts.query, keep_blank_values=True):
        yield value


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayOptions:
    """How to replay. ``headers`` (name, value) replace recorded headers of the same name (any case)."""

    methods: frozenset[str] = SAFE_METHODS
    rate: float | None = None
    concurrency: int = 4
    timeout: float = 30.0
    headers: tuple[tuple[str, str], ...] = ()
    redact: bool = True
    max_body_bytes: int = 1 << 20

    def __post_init__(self) -> None:
        if self.rate is not None and self.rate <= 0:
            raise UsageError(f"rate must be > 0 requests per second, not {self.rate}")
        if self.concurrency < 1:
            raise UsageError(f"concurrency must be >= 1, not {self.concurrency}")
        if self.timeout <= 0:
            raise UsageError(f"timeout must be > 0, not {self.timeout}")
        object.__setattr__(self, "methods", frozenset(m.upper() for m in self.methods))


@dataclass(slots=True)
class ReplayStats:
    """What happened to each recorded exchange (per request, whatever the number of targets)."""

    read: int = 0
    replayed: int = 0
    skipped_method: int = 0
    not_replayable: int = 0
    sent: int = 0  # requests sent (one per target)
    errors: int = 0  # requests that got no response (transport error or timeout)
    written: int = 0
    interrupted: bool = False
    reasons: dict[str, int] = field(default_factory=dict)  # not replayable: why -> count
    examples: dict[str, str] = field(default_factory=dict)  # why -> first exchange id
    warnings: list[str] = field(default_factory=list)  # problems met reading the recordings


def _origin(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{url!r} is not an http(s) URL with a host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, f"{parts.hostname.lower()}:{port}", parts.path.rstrip("/")


def target_url(target: str, recorded: str) -> str:
    """The recorded URL's path and query on the target's scheme, host, port (and base path)."""
    scheme, _, base = _origin(target)
    t = urlsplit(target)
    r = urlsplit(recorded)
    path = r.path or "/"
    return urlunsplit((scheme, t.netloc.rpartition("@")[2], base + path, r.query, ""))


def why_not_replayable(request: Request, headers: Headers) -> str | None:
    """Why ``request`` (with the headers that would be sent) cannot be replayed, or ``None``."""
    for name, value in headers:
        if looks_redacted(value):
            return f"redacted header {name.lower()!r} (supply it with --header)"
    if looks_redacted(request.url) or any(is_redacted(p) for p in _url_parts(request.url)):
        return "redacted value in the URL"  # a password in the authority, a masked query value or segment
    try:
        urlsplit(request.url)
    except ValueError:
        return "unparsable URL"
    body = request.body
    if body.truncated:
        return "request body truncated by the recorder"
    if body.kind in ("json", "text") and (looks_redacted(body.raw_bytes().decode("utf-8", "replace"))
                                          or any(is_redacted(v) for v in _json_strings(body.json))):
        return "redacted value in the request body"
    return None


def replay_headers(recorded: Headers, supplied: Sequence[tuple[str, str]]) -> Headers:
    """Recorded headers minus hop-by-hop ones, with the supplied ones replacing same-named headers."""
    names = {k.lower() for k, _ in supplied}
    kept = tuple((k, v) for k, v in recorded if k.lower() not in _HOP_BY_HOP and k.lower() not in names)
    return kept + tuple(supplied)


class _GuardTransport(httpx.AsyncBaseTransport):
    """Wraps the real transport and refuses any host that was not given (no redirect, no surprise)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, allowed: frozenset[str]) -> None:
        self.inner = inner
        self.allowed = allowed
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = f"{(url.host or '').lower()}:{url.port or (443 if url.scheme == 'https' else 80)}"
        if origin not in self.allowed:
            self.refused += 1
            raise httpx.ConnectError(f"refused: {origin} is not a replay target", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class _Pacer:
    """At most ``rate`` starts per second (evenly spaced); ``None`` means no limit."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self.next = 0.0
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            self.next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


Sink = Callable[[Exchange], Any]


class Replayer:
    """Replays exchanges against named targets (``{"candidate": url, "control": url}``).

    ``sinks`` maps each target name to a callable that stores an exchange (a writer's ``write``).
    ``progress(done, total_or_None)`` is called after each recorded exchange is handled.
    """

    def __init__(self, targets: Mapping[str, str], sinks: Mapping[str, Sink], options: ReplayOptions | None = None,
                 *, progress: Callable[[int], None] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not targets:
            raise UsageError("no target to replay against")
        missing = set(targets) - set(sinks)
        if missing:
            raise UsageError(f"no output for target(s) {sorted(missing)}")
        for name, url in targets.items():
            try:
                _origin(url)
            except ValueError as exc:
                raise UsageError(f"{name}: {exc}") from None
        self.targets = dict(targets)
        self.sinks = dict(sinks)
        self.options = options or ReplayOptions()
        self.progress = progress
        self.stats = ReplayStats()
        self._transport = transport
        self.allowed = frozenset(_origin(u)[1] for u in self.targets.values())
        self.redactor = Redactor() if self.options.redact else None

    def run(self, exchanges: Iterable[Exchange]) -> ReplayStats:
        """Replay everything (blocking). ``KeyboardInterrupt`` stops it: what was answered is already
        stored, requests in flight are abandoned, and the statistics come back with ``interrupted``."""
        try:
            asyncio.run(self.arun(exchanges))
        except KeyboardInterrupt:
            self.stats.interrupted = True
        return self.stats

    async def arun(self, exchanges: Iterable[Exchange]) -> ReplayStats:
        opts = self.options
        inner = self._transport or httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=opts.concurrency * len(self.targets)))
        guard = _GuardTransport(inner, self.allowed)
        pacers = {name: _Pacer(opts.rate) for name in self.targets}
        semaphore = asyncio.Semaphore(opts.concurrency)
        pending: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient(transport=guard, follow_redirects=False,
                                     timeout=opts.timeout, trust_env=False) as client:
            try:
                for ex in exchanges:
                    self.stats.read += 1
                    request = self._prepare(ex)
                    if request is None:
                        self._tick()
                        continue
                    await semaphore.acquire()
                    task = asyncio.create_task(self._replay(client, pacers, ex, request))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
                    task.add_done_callback(lambda _t: semaphore.release())
                if pending:
                    await asyncio.gather(*pending)
            except asyncio.CancelledError:
                self.stats.interrupted = True
                for t in pending:
                    t.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                raise
        return self.stats

    def _tick(self) -> None:
        if self.progress is not None:
            self.progress(self.stats.read)

    def _skip(self, reason: str, ex: Exchange) -> None:
        self.stats.not_replayable += 1
        self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1
        self.stats.examples.setdefault(reason, ex.id)

    def _prepare(self, ex: Exchange) -> Headers | None:
        method = ex.request.method.upper()
        if method not in self.options.methods:
            self.stats.skipped_method += 1
            return None
        headers = replay_headers(ex.request.headers, self.options.headers)
        reason = why_not_replayable(ex.request, headers)
        if reason is not None:
            self._skip(reason, ex)
            return None
        return headers

    async def _replay(self, client: httpx.AsyncClient, pacers: Mapping[str, _Pacer], ex: Exchange,
                      headers: Headers) -> None:
        await asyncio.gather(*(self._send(client, pacers[name], name, url, ex, headers)
                               for name, url in self.targets.items()))
        self.stats.replayed += 1
        self._tick()

    async def _send(self, client: httpx.AsyncClient, pacer: _Pacer, name: str, base: str, ex: Exchange,
                    headers: Headers) -> None:
        await pacer.wait()
        req = ex.request
        url = target_url(base, req.url)
        content = req.body.raw_bytes() if req.body.kind != "empty" else None
        started = time.time()
        t0 = time.perf_counter()
        response: Response | None = None
        error: str | None = None
        self.stats.sent += 1
        try:
            r = await client.request(req.method.upper(), url, headers=list(headers), content=content)
            data = r.content
            resp_headers = tuple((k, v) for k, v in r.headers.multi_items())
            media = r.headers.get("content-type")
            media_type = media.split(";", 1)[0].strip().lower() if media else None
            response = Response(status=r.status_code, headers=resp_headers, http_version=r.http_version,
                                body=Body.from_bytes(data, media_type, max_bytes=self.options.max_body_bytes))
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            self.stats.errors += 1
        out = Exchange(
            id=new_exchange_id(), started_at=started, duration_ms=(time.perf_counter() - t0) * 1000.0,
            request=replace(req, url=url, headers=headers), response=response, source="other",
            route=ex.route, tags={**ex.tags, "replay": name}, error=error, replay_of=ex.id,
        )
        if self.redactor is not None:
            out = self.redactor.redact(out)
        self.sinks[name](out)
        self.stats.written += 1


def default_control_output(output: str | os.PathLike[str]) -> str:
    """``replay.jsonl`` -> ``replay.control.jsonl`` (gzip and other suffixes kept)."""
    from pathlib import Path

    from ..store.jsonl import split_name

    path = Path(output)
    base, suffix = split_name(path)
    return str(path.with_name(f"{base}.control{suffix}"))
