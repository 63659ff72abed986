"""Objects of HTTP client libraries -> :class:`~contractdrift.model.Exchange` (for assertions in tests).

``exchange_from_httpx(response)`` reads an ``httpx.Response`` (or an httpx2 one) and the request it
answered. The response must have been read (``client.get(...)`` reads it; a streamed response needs
``response.read()`` first). Bodies are decoded as the recorder keeps them; nothing is redacted here:
the exchange never leaves the process.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from ..errors import UsageError
from ..model import Body, Exchange, Request, Response

__all__ = ["exchange_from_httpx"]


def _headers(raw: Any) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1") if isinstance(k, bytes) else str(k),
                  v.decode("latin-1") if isinstance(v, bytes) else str(v)) for k, v in raw)


def _media(headers: Any) -> str | None:
    value = headers.get("content-type")
    return value.split(";", 1)[0].strip().lower() or None if value else None


def exchange_from_httpx(response: Any) -> Exchange:
    """An ``httpx.Response`` and its request as an :class:`Exchange` (``UsageError`` when the
    response has no request or was not read)."""
    try:
        request = response.request
    except RuntimeError:
        raise UsageError("the httpx.Response has no request attached (build it with request=...)") from None
    try:
        content = response.content
    except Exception as exc:  # httpx.ResponseNotRead
        raise UsageError(f"the httpx.Response was not read ({type(exc).__name__}); call response.read()") from None
    try:
        sent = request.content
    except Exception:  # httpx.RequestNotRead: a streamed request body
        sent = b""
    req_headers = _headers(request.headers.raw)
    resp_headers = _headers(response.headers.raw)
    req = Request(method=str(request.method).upper(), url=str(request.url), headers=req_headers,
                  body=Body.from_bytes(sent, _media(request.headers)))
    resp = Response(status=int(response.status_code), headers=resp_headers,
                    body=Body.from_bytes(content, _media(response.headers)))
    digest = hashlib.sha256(f"{req.method} {req.url} {resp.status} {id(response)}".encode()).hexdigest()[:16]
    return Exchange(id=f"httpx-{digest}", started_at=time.time(), duration_ms=0.0, request=req, response=resp,
                    source="httpx")
