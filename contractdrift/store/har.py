"""HAR 1.2 import and export (browser devtools, mitmproxy, Charles, Proxyman, ...).

Import is lenient about what exporters leave out or fill with placeholders (missing fields, ``-1``
sizes and times, ``postData.params`` without ``text``, ``content.encoding: base64``) and strict only
where an entry would be meaningless (no request URL), raising :class:`~contractdrift.errors.InputError`
with the file and the JSON pointer of the entry.

What HAR holds survives import -> export -> import: method, URL (with its query), headers, status,
HTTP version, bodies (JSON compared by value, text and binary byte for byte, declared sizes, so
truncated content stays marked truncated), start time (microseconds), total time, and in
:attr:`Exchange.extra` the per-phase ``timings``, a non-standard ``status_text``, a request
``request_http_version`` that differs from the response's, ``server_ip``, ``connection``,
``pageref``, ``comment`` and ``cache``. Values that export can derive (the standard status phrase,
timings that only restate the total time) are not stored, so a round trip is a fixed point.
Cookies and ``queryString`` are derived from the ``Cookie``/``Set-Cookie`` headers and the URL (cookie
arrays without a matching header are turned into one). Exchange fields HAR has no place for
(``id``, ``source``, ``route``, ``tags``, ``error``) travel as ``_``-prefixed custom fields, which
HAR 1.2 allows. Page-level data (``log.pages``, ``log.creator``) is not kept.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import http
import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any, get_args
from urllib.parse import parse_qsl, quote, urlsplit

from ..errors import InputError, RecordingError
from ..model import Body, Exchange, Headers, Request, Response, header_get, media_type_of
from ..model.exchange import Source, is_textual_media_type
from ..model.json import JSONValue

_SOURCES = frozenset(get_args(Source))
_ISO = re.compile(
    r"\s*(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?\s*$"
)
_EXTRA_ENTRY_FIELDS = {"serverIPAddress": "server_ip", "connection": "connection", "pageref": "pageref",
                       "comment": "comment"}


# --- time --------------------------------------------------------------------------------------


def parse_har_time(text: object) -> int | None:
    """``2024-05-01T10:20:30.123+02:00`` -> microseconds since the epoch (None when unparseable)."""
    if not isinstance(text, str):
        return None
    m = _ISO.match(text)
    if not m:
        return None
    year, month, day, hour, minute = (int(m.group(i)) for i in range(1, 6))
    second = int(m.group(6) or 0)
    frac = (m.group(7) or "")[:6].ljust(6, "0")
    try:
        seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    except (ValueError, OverflowError):
        return None
    tz = m.group(8)
    if tz and tz not in ("Z", "z"):
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) >= 4 else 0)
        seconds -= sign * offset
    return seconds * 1_000_000 + int(frac)


def format_har_time(started_at: float) -> str:
    """Epoch seconds -> ISO 8601 in UTC with milliseconds (or microseconds when they matter)."""
    micros = round(started_at * 1_000_000)
    seconds, frac = divmod(micros, 1_000_000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    if frac % 1000 == 0:
        return f"{base}.{frac // 1000:03d}Z"
    return f"{base}.{frac:06d}Z"


# --- import ------------------------------------------------------------------------------------


def _headers(items: object) -> Headers:
    out: list[tuple[str, str]] = []
    if isinstance(items, list):
        for item in items:
            if isinstance(item, Mapping) and "name" in item:
                out.append((str(item["name"]), "" if item.get("value") is None else str(item.get("value"))))
    return tuple(out)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _size(value: object) -> int | None:
    n = _number(value)
    return int(n) if n is not None and n >= 0 else None


def _decode_text(text: str, encoding: object) -> bytes:
    if isinstance(encoding, str) and encoding.lower() == "base64":
        try:
            return base64.b64decode(text.encode("ascii"), validate=False)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return text.encode("utf-8", "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


def _body(data: bytes, media_type: str | None, declared_size: int | None) -> Body:
    body = Body.from_bytes(data, media_type)
    if declared_size is not None and declared_size > len(data):
        if body.kind == "json":
            return replace(body, size=declared_size)
        if body.kind == "empty":
            if media_type is None or is_textual_media_type(media_type):
                return Body(kind="text", media_type=media_type, size=declared_size, text="", truncated=True)
            return Body(kind="binary", media_type=media_type, size=declared_size, base64="", truncated=True)
        return replace(body, size=declared_size, truncated=True)
    return body


def _cookie_header(cookies: object, *, response: bool) -> list[tuple[str, str]]:
    if not isinstance(cookies, list):
        return []
    pairs = [c for c in cookies if isinstance(c, Mapping) and "name" in c]
    if not pairs:
        return []
    if not response:
        return [("Cookie", "; ".join(f"{c['name']}={c.get('value', '')}" for c in pairs))]
    out = []
    for c in pairs:
        value = f"{c['name']}={c.get('value', '')}"
        for key, attr in (("path", "Path"), ("domain", "Domain"), ("expires", "Expires")):
            if c.get(key):
                value += f"; {attr}={c[key]}"
        if c.get("httpOnly"):
            value += "; HttpOnly"
        if c.get("secure"):
            value += "; Secure"
        out.append(("Set-Cookie", value))
    return out


def _entry_id(index: int, entry: Mapping[str, Any]) -> str:
    given = entry.get("_id")
    if isinstance(given, str) and given:
        return given
    req = entry.get("request") if isinstance(entry.get("request"), Mapping) else {}
    assert isinstance(req, Mapping)
    seed = f"{index}\0{entry.get('startedDateTime')}\0{req.get('method')}\0{req.get('url')}"
    return "har-" + hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def exchange_from_entry(entry: Mapping[str, Any], *, index: int = 0, file: str | None = None) -> Exchange:
    """One HAR entry -> :class:`Exchange` (raises :class:`InputError` when it has no request URL)."""
    where = f"/log/entries/{index}"
    req = entry.get("request")
    if not isinstance(req, Mapping):
        raise InputError("HAR entry has no request object", file=file, pointer=where)
    url = req.get("url")
    if not isinstance(url, str) or not url:
        raise InputError("HAR request has no url", file=file, pointer=f"{where}/request/url")
    method = str(req.get("method") or "GET").upper()
    req_headers = _headers(req.get("headers"))
    if header_get(req_headers, "cookie") is None:
        req_headers += tuple(_cookie_header(req.get("cookies"), response=False))
    post = req.get("postData")
    req_body = Body()
    if isinstance(post, Mapping):
        mime = post.get("mimeType") if isinstance(post.get("mimeType"), str) else None
        media_type = _media(mime) or media_type_of(req_headers)
        text = post.get("text")
        if isinstance(text, str):
            data = _decode_text(text, post.get("encoding"))
        elif isinstance(post.get("params"), list):
            data = "&".join(
                quote(str(p.get("name", "")), safe="") + "=" + quote(str(p.get("value") or ""), safe="")
                for p in post["params"]
                if isinstance(p, Mapping)
            ).encode()
        else:
            data = b""
        req_body = _body(data, media_type, _size(req.get("bodySize")))
    elif (n := _size(req.get("bodySize"))) is not None and n > 0:
        req_body = _body(b"", media_type_of(req_headers), n)

    extra: dict[str, JSONValue] = {}

    resp_obj = entry.get("response")
    response: Response | None = None
    error = entry.get("_error") if isinstance(entry.get("_error"), str) else None
    if isinstance(resp_obj, Mapping):
        status = _number(resp_obj.get("status"))
        status_int = int(status) if status is not None else 0
        resp_headers = _headers(resp_obj.get("headers"))
        if header_get(resp_headers, "set-cookie") is None:
            resp_headers += tuple(_cookie_header(resp_obj.get("cookies"), response=True))
        content = resp_obj.get("content")
        resp_body = Body()
        if isinstance(content, Mapping):
            mime = content.get("mimeType") if isinstance(content.get("mimeType"), str) else None
            media_type = _media(mime) or media_type_of(resp_headers)
            text = content.get("text")
            data = _decode_text(text, content.get("encoding")) if isinstance(text, str) else b""
            resp_body = _body(data, media_type, _size(content.get("size")))
        if status_int == 0 and not resp_headers and resp_body.kind == "empty":
            error = error or str(resp_obj.get("_error") or "no response (status 0)")
        else:
            response = Response(
                status=status_int,
                headers=resp_headers,
                body=resp_body,
                http_version=str(resp_obj["httpVersion"]) if resp_obj.get("httpVersion") else None,
            )
            status_text = resp_obj.get("statusText")
            # kept unless derivable (the standard phrase is what export writes anyway)
            if isinstance(status_text, str) and status_text and status_text != _phrase(status_int):
                extra["status_text"] = status_text
    req_version = req.get("httpVersion")
    if isinstance(req_version, str) and req_version and req_version != (response and response.http_version):
        extra["request_http_version"] = req_version
    elif error is None:
        error = "no response"

    total = _number(entry.get("time"))
    timings = entry.get("timings")
    if isinstance(timings, Mapping):
        kept: dict[str, JSONValue] = {str(k): v for k, v in timings.items() if _number(v) is not None}
        # {"send": 0, "wait": time, "receive": 0} says nothing beyond "time" (it is what export writes)
        if kept and kept != {"send": 0, "wait": total, "receive": 0}:
            extra["timings"] = kept
    if isinstance(entry.get("cache"), Mapping) and entry["cache"]:
        extra["cache"] = _json_value(entry["cache"])
    for har_name, name in _EXTRA_ENTRY_FIELDS.items():
        if entry.get(har_name) not in (None, ""):
            extra[name] = _json_value(entry[har_name])

    if total is None or total < 0:
        phases = [v for k, v in (extra.get("timings") or {}).items()  # type: ignore[union-attr]
                  if k != "ssl" and isinstance(v, (int, float)) and v > 0]
        total = float(sum(phases))
    micros = parse_har_time(entry.get("startedDateTime"))
    source: Source = entry["_source"] if entry.get("_source") in _SOURCES else "har"
    tags = entry.get("_tags")
    route = entry.get("_route")
    return Exchange(
        id=_entry_id(index, entry),
        started_at=micros / 1_000_000 if micros is not None else 0.0,
        duration_ms=total,
        request=Request(method=method, url=url, headers=req_headers, body=req_body),
        response=response,
        source=source,
        route=route if isinstance(route, str) else None,
        tags={str(k): str(v) for k, v in tags.items()} if isinstance(tags, Mapping) else {},
        error=error,
        extra=extra,
    )


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _media(mime: str | None) -> str | None:
    if not mime:
        return None
    return mime.split(";", 1)[0].strip().lower() or None


def _json_value(value: Any) -> JSONValue:
    try:
        return json.loads(json.dumps(value))  # type: ignore[no-any-return]
    except (TypeError, ValueError):
        return str(value)


def exchanges_from_har(doc: object, *, file: str | None = None) -> Iterator[Exchange]:
    """The exchanges of a parsed HAR document, in file order."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("log"), Mapping):
        raise InputError("not a HAR file: no 'log' object", file=file, pointer="")
    entries = doc["log"].get("entries")
    if entries is None:
        return
    if not isinstance(entries, list):
        raise InputError("HAR 'log.entries' is not a list", file=file, pointer="/log/entries")
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise InputError("HAR entry is not an object", file=file, pointer=f"/log/entries/{index}")
        yield exchange_from_entry(entry, index=index, file=file)


def load_har(path: str, *, encoding: str = "utf-8-sig") -> Iterator[Exchange]:
    """Read a HAR file (``InputError`` with line and column when it is not valid JSON)."""
    try:
        with open(path, encoding=encoding, errors="surrogateescape") as fh:
            text = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read HAR file: {exc.strerror or exc}", file=path) from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", file=path, line=exc.lineno, col=exc.colno) from None
    return exchanges_from_har(doc, file=path)


# --- export ------------------------------------------------------------------------------------


def _har_headers(headers: Headers) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in headers]


def _request_cookies(headers: Headers) -> list[dict[str, str]]:
    out = []
    for name, value in headers:
        if name.lower() != "cookie":
            continue
        for part in value.split(";"):
            key, eq, val = part.strip().partition("=")
            if eq and key:
                out.append({"name": key, "value": val})
    return out


def _response_cookies(headers: Headers) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name, value in headers:
        if name.lower() != "set-cookie":
            continue
        first, *attrs = value.split(";")
        key, eq, val = first.strip().partition("=")
        if not eq or not key:
            continue
        cookie: dict[str, Any] = {"name": key, "value": val}
        for attr in attrs:
            a_name, _, a_val = attr.strip().partition("=")
            lname = a_name.lower()
            if lname in ("path", "domain", "expires"):
                cookie[lname] = a_val
            elif lname == "httponly":
                cookie["httpOnly"] = True
            elif lname == "secure":
                cookie["secure"] = True
        out.append(cookie)
    return out


def _content(body: Body, headers: Headers) -> dict[str, Any]:
    content: dict[str, Any] = {
        "size": body.size,
        "mimeType": header_get(headers, "content-type") or body.media_type or "",
    }
    if body.kind == "json":
        content["text"] = json.dumps(body.json, ensure_ascii=False)
    elif body.kind == "text":
        content["text"] = body.text or ""
    elif body.kind == "binary":
        content["text"] = body.base64 or ""
        content["encoding"] = "base64"
    return content


def entry_from_exchange(exchange: Exchange) -> dict[str, Any]:
    """One :class:`Exchange` -> a HAR 1.2 entry (with ``_``-prefixed custom fields)."""
    extra = exchange.extra
    req = exchange.request
    query = urlsplit(req.url).query
    request: dict[str, Any] = {
        "method": req.method,
        "url": req.url,
        "httpVersion": str(
            extra.get("request_http_version") or (exchange.response and exchange.response.http_version) or ""
        ),
        "cookies": _request_cookies(req.headers),
        "headers": _har_headers(req.headers),
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(query, keep_blank_values=True)],
        "headersSize": -1,
        "bodySize": req.body.size,
    }
    if req.body.kind != "empty" or req.body.size:
        content = _content(req.body, req.headers)
        post: dict[str, Any] = {"mimeType": content["mimeType"], "text": content.get("text", "")}
        if "encoding" in content:
            post["encoding"] = content["encoding"]
        if req.body.media_type == "application/x-www-form-urlencoded" and req.body.kind == "text":
            post["params"] = [
                {"name": k, "value": v} for k, v in parse_qsl(req.body.text or "", keep_blank_values=True)
            ]
        request["postData"] = post
    resp = exchange.response
    if resp is not None:
        status_text = extra.get("status_text")
        if not isinstance(status_text, str):
            status_text = _phrase(resp.status)
        response: dict[str, Any] = {
            "status": resp.status,
            "statusText": status_text,
            "httpVersion": resp.http_version or "",
            "cookies": _response_cookies(resp.headers),
            "headers": _har_headers(resp.headers),
            "content": _content(resp.body, resp.headers),
            "redirectURL": header_get(resp.headers, "location") or "",
            "headersSize": -1,
            "bodySize": -1,
        }
    else:
        response = {
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        }
    timings = extra.get("timings")
    entry: dict[str, Any] = {
        "startedDateTime": format_har_time(exchange.started_at),
        "time": exchange.duration_ms,
        "request": request,
        "response": response,
        "cache": extra.get("cache") if isinstance(extra.get("cache"), dict) else {},
        "timings": timings
        if isinstance(timings, dict)
        else {"send": 0, "wait": exchange.duration_ms, "receive": 0},
    }
    for har_name, name in _EXTRA_ENTRY_FIELDS.items():
        if name in extra:
            entry[har_name] = extra[name]
    entry["_id"] = exchange.id
    entry["_source"] = exchange.source
    if exchange.route is not None:
        entry["_route"] = exchange.route
    if exchange.tags:
        entry["_tags"] = dict(exchange.tags)
    if exchange.error is not None:
        entry["_error"] = exchange.error
    return entry


def har_document(exchanges: Iterable[Exchange], *, creator_version: str = "") -> dict[str, Any]:
    """A complete HAR 1.2 document."""
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "contractdrift", "version": creator_version},
            "pages": [],
            "entries": [entry_from_exchange(e) for e in exchanges],
        }
    }


def write_har(exchanges: Iterable[Exchange], path: str, *, creator_version: str = "") -> int:
    """Write a HAR file; returns the number of entries. A file that cannot be written raises
    :class:`~contractdrift.errors.RecordingError` (an ``OSError``) naming it."""
    doc = har_document(exchanges, creator_version=creator_version)
    try:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
    except OSError as exc:
        raise RecordingError(f"cannot write the HAR file: {exc.strerror or exc}", file=path) from exc
    return len(doc["log"]["entries"])
