"""Record the exchanges of a ``requests.Session``: a transport adapter, mounted, never patched in.

>>> session = requests.Session()
>>> session.mount("http://", RecordingAdapter(recorder))    # doctest: +SKIP
>>> session.mount("https://", RecordingAdapter(recorder))   # doctest: +SKIP

The adapter is a ``requests.adapters.HTTPAdapter`` (it sends as the default one does, with the
same pool options) that hands each finished exchange to the recorder: the request as prepared
(method, URL, headers, body when it is bytes or text; a streamed upload is recorded without its
body, and counted as truncated), and the response with its body (a ``stream=True`` response is read
into memory by the adapter, so ``iter_content`` replays it). A transport error is recorded without a
response and re-raised. ``requests`` is an optional dependency: importing this module without it
raises :class:`~contractdrift.errors.MissingExtraError`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..errors import MissingExtraError
from ..model import Body, Exchange, Request, Response
from ._ids import new_exchange_id

try:
    from requests.adapters import HTTPAdapter
except ImportError:  # pragma: no cover - exercised in a venv without requests
    raise MissingExtraError("contractdrift.requests", "requests", "requests") from None

if TYPE_CHECKING:
    from .recorder import Recorder

__all__ = ["RecordingAdapter"]


def _media(headers: Any) -> str | None:
    value = headers.get("content-type") if headers is not None else None
    return (value.split(";", 1)[0].strip().lower() or None) if value else None


class RecordingAdapter(HTTPAdapter):
    """A ``requests`` transport adapter that records every exchange into ``recorder``."""

    def __init__(self, recorder: Recorder, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recorder = recorder

    def send(self, request: Any, stream: bool = False, timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> Any:
        started = time.time()
        t0 = time.perf_counter()
        try:
            response = super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert,
                                    proxies=proxies)
        except Exception as exc:
            self._record(request, None, started, t0, error=f"{type(exc).__name__}: {exc}")
            raise
        self._record(request, response, started, t0)
        return response

    def _record(self, prepared: Any, response: Any, started: float, t0: float, error: str | None = None) -> None:
        rec = self.recorder
        try:
            method = str(prepared.method or "GET").upper()
            url = str(prepared.url)
            if not rec.wants(method, url):
                return
            raw = prepared.body
            streamed = raw is not None and not isinstance(raw, (bytes, str))
            data = raw.encode() if isinstance(raw, str) else (raw if isinstance(raw, bytes) else b"")
            req_body = rec.make_body(data, _media(prepared.headers))
            if streamed:
                req_body = Body(truncated=True)
            req = Request(method=method, url=url, headers=tuple(rec.scrub_headers(list(prepared.headers.items()))),
                          body=req_body)
            resp = None
            if response is not None:
                content = response.content  # reads a streamed body once; iter_content replays it
                resp = Response(status=int(response.status_code),
                                headers=tuple(rec.scrub_headers(list(response.headers.items()))),
                                body=rec.make_body(content or b"", _media(response.headers)))
            rec.submit(Exchange(id=new_exchange_id(), started_at=started,
                                duration_ms=(time.perf_counter() - t0) * 1000, request=req, response=resp,
                                error=error))
        except Exception as exc:  # recording never breaks the caller
            rec.note_error(exc, "recording a requests exchange")
