"""One recorded HTTP exchange (request + response), the value every traffic stage reads.

Serialized form (one JSON object per line in a recording) is produced by :meth:`Exchange.to_dict`
and read back by :meth:`Exchange.from_dict`; the two round-trip exactly.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from .json import JSONValue

BodyKind = Literal["empty", "json", "text", "binary"]
Headers = tuple[tuple[str, str], ...]


def header_get(headers: Headers, name: str) -> str | None:
    """First value of a header, case-insensitively."""
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


def media_type_of(headers: Headers) -> str | None:
    """``application/json; charset=utf-8`` -> ``application/json`` (lower case)."""
    value = header_get(headers, "content-type")
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


@dataclass(frozen=True, slots=True, kw_only=True)
class Body:
    """A decoded (not compressed) body.

    ``kind`` says which field holds it: ``json`` -> ``json`` (parsed value, may be ``None`` for JSON
    null), ``text`` -> ``text``, ``binary`` -> ``base64``. ``size`` is the decoded size in bytes;
    ``truncated`` is true when only the first part was kept (``size`` is still the full size).
    """

    kind: BodyKind = "empty"
    media_type: str | None = None
    size: int = 0
    json: JSONValue = None
    text: str | None = None
    base64: str | None = None
    truncated: bool = False

    @classmethod
    def empty(cls, media_type: str | None = None) -> Body:
        return cls(kind="empty", media_type=media_type)

    @classmethod
    def from_bytes(cls, data: bytes, media_type: str | None, *, max_bytes: int | None = None) -> Body:
        """Classify raw bytes: JSON parsed when the media type says JSON and it parses."""
        import json as _json

        size = len(data)
        if size == 0:
            return cls.empty(media_type)
        truncated = max_bytes is not None and size > max_bytes
        kept = data[:max_bytes] if truncated and max_bytes is not None else data
        if not truncated and is_json_media_type(media_type):
            try:
                return cls(kind="json", media_type=media_type, size=size, json=_json.loads(kept))
            except (ValueError, RecursionError):
                pass
        if is_textual_media_type(media_type) or media_type is None or is_json_media_type(media_type):
            try:
                text = kept.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                return cls(kind="text", media_type=media_type, size=size, text=text, truncated=truncated)
        return cls(
            kind="binary",
            media_type=media_type,
            size=size,
            base64=base64.b64encode(kept).decode("ascii"),
            truncated=truncated,
        )

    def raw_bytes(self) -> bytes:
        """The kept bytes (JSON re-serialized compactly)."""
        import json as _json

        if self.kind == "json":
            return _json.dumps(self.json, separators=(",", ":"), ensure_ascii=False).encode()
        if self.kind == "text":
            return (self.text or "").encode()
        if self.kind == "binary":
            return base64.b64decode(self.base64 or "")
        return b""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.media_type is not None:
            out["media_type"] = self.media_type
        if self.size:
            out["size"] = self.size
        if self.kind == "json":
            out["json"] = self.json
        elif self.kind == "text":
            out["text"] = self.text
        elif self.kind == "binary":
            out["base64"] = self.base64
        if self.truncated:
            out["truncated"] = True
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Body:
        return cls(
            kind=data.get("kind", "empty"),
            media_type=data.get("media_type"),
            size=int(data.get("size", 0)),
            json=data.get("json"),
            text=data.get("text"),
            base64=data.get("base64"),
            truncated=bool(data.get("truncated", False)),
        )


def is_json_media_type(media_type: str | None) -> bool:
    if not media_type:
        return False
    mt = media_type.lower()
    return mt == "application/json" or mt.endswith("+json") or mt.endswith("/json")


def is_textual_media_type(media_type: str | None) -> bool:
    if not media_type:
        return False
    mt = media_type.lower()
    return (
        mt.startswith("text/")
        or is_json_media_type(mt)
        or mt.endswith("+xml")
        or mt in {"application/xml", "application/x-www-form-urlencoded", "application/javascript"}
    )


def _headers_from(data: Iterable[Any]) -> Headers:
    return tuple((str(k), str(v)) for k, v in data)


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    method: str
    url: str  # absolute URL as sent (scheme://host[:port]/path?query)
    headers: Headers = ()
    body: Body = field(default_factory=Body)

    @property
    def media_type(self) -> str | None:
        return self.body.media_type or media_type_of(self.headers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "headers": [list(h) for h in self.headers],
            "body": self.body.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Request:
        return cls(
            method=str(data["method"]).upper(),
            url=str(data["url"]),
            headers=_headers_from(data.get("headers", ())),
            body=Body.from_dict(data.get("body") or {}),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    status: int
    headers: Headers = ()
    body: Body = field(default_factory=Body)
    http_version: str | None = None

    @property
    def media_type(self) -> str | None:
        return self.body.media_type or media_type_of(self.headers)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "headers": [list(h) for h in self.headers],
            "body": self.body.to_dict(),
        }
        if self.http_version:
            out["http_version"] = self.http_version
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Response:
        return cls(
            status=int(data["status"]),
            headers=_headers_from(data.get("headers", ())),
            body=Body.from_dict(data.get("body") or {}),
            http_version=data.get("http_version"),
        )


Source = Literal["httpx", "asgi", "wsgi", "proxy", "har", "cassette", "other"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """A request and its response (``response`` is ``None`` when none arrived, e.g. upstream error)."""

    id: str
    started_at: float  # Unix epoch seconds
    duration_ms: float
    request: Request
    response: Response | None
    source: Source = "other"
    route: str | None = None  # matched route template when the framework knows it
    tags: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None  # transport error text when there is no response
    # Source-specific details kept for lossless round trips (e.g. HAR "timings", "status_text",
    # "server_ip"); never needed by later stages.
    extra: Mapping[str, JSONValue] = field(default_factory=dict)
    # Set on exchanges made by ``contractdrift replay``: the id of the recorded exchange whose request
    # was replayed (absent from older recordings, which still read).
    replay_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "started_at": self.started_at,
            "duration_ms": self.duration_ms,
            "source": self.source,
            "request": self.request.to_dict(),
            "response": self.response.to_dict() if self.response is not None else None,
        }
        if self.route is not None:
            out["route"] = self.route
        if self.tags:
            out["tags"] = dict(self.tags)
        if self.error is not None:
            out["error"] = self.error
        if self.extra:
            out["extra"] = dict(self.extra)
        if self.replay_of is not None:
            out["replay_of"] = self.replay_of
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Exchange:
        resp = data.get("response")
        return cls(
            id=str(data["id"]),
            started_at=float(data.get("started_at", 0.0)),
            duration_ms=float(data.get("duration_ms", 0.0)),
            request=Request.from_dict(data["request"]),
            response=Response.from_dict(resp) if resp is not None else None,
            source=data.get("source", "other"),
            route=data.get("route"),
            tags={str(k): str(v) for k, v in (data.get("tags") or {}).items()},
            error=data.get("error"),
            extra=dict(data.get("extra") or {}),
            replay_of=str(data["replay_of"]) if data.get("replay_of") is not None else None,
        )


# --- read-only views: what the traffic stages read of an exchange ----------------------------------
# The inference fold (and other readers) are written against these protocols, so that the fast read
# path of ``store.records`` can hand them light structs decoded in one C pass instead of full
# ``Exchange`` values. ``Exchange``, ``Request``, ``Response`` and ``Body`` satisfy them.


class BodyView(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def media_type(self) -> str | None: ...
    @property
    def size(self) -> int: ...
    @property
    def json(self) -> Any: ...
    @property
    def truncated(self) -> bool: ...


class RequestView(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def headers(self) -> Headers: ...
    @property
    def body(self) -> BodyView: ...
    @property
    def media_type(self) -> str | None: ...


class ResponseView(Protocol):
    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Headers: ...
    @property
    def body(self) -> BodyView: ...
    @property
    def media_type(self) -> str | None: ...


class ExchangeView(Protocol):
    """The parts of an exchange the traffic stages read (``Exchange`` is one)."""

    @property
    def request(self) -> RequestView: ...
    @property
    def response(self) -> ResponseView | None: ...
    @property
    def route(self) -> str | None: ...


class RecordedBodyView(BodyView, Protocol):
    """All of a body ``check`` reads: the view plus text, base64 and the kept bytes."""

    @property
    def text(self) -> Any: ...
    @property
    def base64(self) -> Any: ...
    def raw_bytes(self) -> bytes: ...


class RecordedRequestView(RequestView, Protocol):
    @property
    def body(self) -> RecordedBodyView: ...


class RecordedResponseView(ResponseView, Protocol):
    @property
    def body(self) -> RecordedBodyView: ...


class RecordedExchangeView(Protocol):
    """What ``check`` reads of an exchange: :class:`Exchange` is one; so are the light structs the
    fast read path of ``store.records`` decodes a recording line into (:func:`~contractdrift.store.records.decode_checked`)."""

    @property
    def id(self) -> str: ...
    @property
    def started_at(self) -> float: ...
    @property
    def request(self) -> RecordedRequestView: ...
    @property
    def response(self) -> RecordedResponseView | None: ...


def split_url(url: str) -> tuple[str, str]:
    """``https://h:1/a/b?x=1#f`` -> (``/a/b``, ``x=1``); a bare path works too."""
    hash_at = url.find("#")
    if hash_at >= 0:
        url = url[:hash_at]
    start = url.find("://")
    if start >= 0:
        slash = url.find("/", start + 3)
        qmark = url.find("?", start + 3)
        if slash >= 0 and not 0 <= qmark < slash:
            rest = url[slash:]
        elif qmark >= 0:
            rest = "/" + url[qmark:]
        else:
            rest = "/"
    else:
        rest = url
    path, _, query = rest.partition("?")
    return path or "/", query
