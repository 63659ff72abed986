"""Small builders for check tests: specs as dicts, exchanges from a few words."""

from __future__ import annotations

import itertools
import json
from typing import Any

from contractdrift.compare.traffic import CheckOptions, SpecChecker
from contractdrift.model import Body, Exchange, Finding, Request, Response

_ids = itertools.count(1)


def spec(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    doc.update(extra)
    return doc


def ok(schema: dict[str, Any] | None = None, media: str = "application/json", **more: Any) -> dict[str, Any]:
    resp: dict[str, Any] = {"description": "ok"}
    if schema is not None:
        resp["content"] = {media: {"schema": schema}}
    resp.update(more)
    return resp


def body(value: Any, media: str | None = "application/json") -> Body:
    media = media.split(";")[0].strip() if media else None  # as the recorder keeps it
    if value is None:
        return Body.empty(media)
    if isinstance(value, bytes):
        return Body.from_bytes(value, media)
    if isinstance(value, str):
        return Body.from_bytes(value.encode(), media)
    return Body.from_bytes(json.dumps(value).encode(), media)


def ex(method: str, url: str, status: int = 200, resp: Any = None, *, media: str | None = "application/json",
       req: Any = None, req_media: str | None = "application/json", headers: dict[str, str] | None = None,
       resp_headers: dict[str, str] | None = None, at: float = 1_700_000_000.0, ident: str | None = None
       ) -> Exchange:
    rh = dict(resp_headers or {})
    if resp is not None and media:
        rh.setdefault("content-type", media)
    qh = dict(headers or {})
    if req is not None and req_media:
        qh.setdefault("content-type", req_media)
    return Exchange(
        id=ident or f"ex{next(_ids):06d}", started_at=at, duration_ms=1.0,
        request=Request(method=method, url="http://api.test" + url, headers=tuple(qh.items()),
                        body=body(req, req_media)),
        response=Response(status=status, headers=tuple(rh.items()), body=body(resp, media)),
    )


def run(doc: dict[str, Any], *exchanges: Exchange, **options: Any) -> list[Finding]:
    checker = SpecChecker(doc, CheckOptions(**options))
    for e in exchanges:
        checker.add(e)
    return sorted(checker.findings(), key=lambda f: f.sort_key())


def rules(findings: list[Finding]) -> list[tuple[str, str | None]]:
    return sorted((f.rule_id, f.location.payload_pointer) for f in findings)
