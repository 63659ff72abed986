"""The JSON Schema expectations file: what a client sends and accepts, per operation.

Format (JSON or YAML; documented in ``docs/expectations.md``)::

    contractdrift-expectations: 1
    consumer: web-shop            # optional: who expects this
    operations:
      GET /orders/{id}:           # METHOD and the spec's path template
        request:                  # what the client sends (optional)
          query: {expand: {type: string, enum: [lines]}}     # name -> schema of the value
          headers: {Accept: {const: application/json}}
          contentType: application/json
          body: {type: object, ...}                          # JSON Schema 2020-12
        responses:                # what the client accepts, per status (200, 2XX, default)
          "200":
            contentType: application/json
            headers: {ETag: {type: string}}
            body: {type: object, required: [id], properties: {id: {type: integer}}}

Request bodies are what the client may send (producer); response bodies are what it accepts
(consumer). Properties a schema does not list are allowed unless it says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from .matchers import _esc
from .model import (
    SOURCE_KEY,
    Body,
    CompiledValue,
    ExpectedRequest,
    ExpectedResponse,
    ExpectSource,
    Interaction,
)

MARKER = "contractdrift-expectations"
_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE")


def _annotated(schema: Any, pointer: str) -> dict[str, Any]:
    if isinstance(schema, bool):
        return {SOURCE_KEY: pointer} if schema else {"not": {}, SOURCE_KEY: pointer}
    if not isinstance(schema, dict):
        raise InputError("a schema must be an object or a boolean", pointer=pointer)
    return {**schema, SOURCE_KEY: pointer}


def _statuses(key: str, name: str, ptr: str) -> tuple[tuple[int, ...], str | None]:
    k = key.strip().upper()
    if k.isdigit() and len(k) == 3:
        return (int(k),), None
    if len(k) == 3 and k[0] in "12345" and k[1:] == "XX":
        lo = int(k[0]) * 100
        return tuple(range(lo, lo + 100)), k
    if k == "DEFAULT":
        return tuple(range(100, 600)), "default"
    raise InputError(f"response key {key!r}: expected a status (200), a range (2XX) or default", file=name,
                     pointer=ptr)


def load_schema_file(doc: Mapping[str, Any], name: str, text: str | None) -> tuple[list[Interaction], ExpectSource]:
    version = doc.get(MARKER)
    if version != 1:
        raise InputError(f"unknown {MARKER} version {version!r} (supported: 1)", file=name, pointer=f"/{MARKER}")
    consumer = doc.get("consumer")
    source = ExpectSource(name=name, kind="json-schema", text=text, version="1",
                          consumer=str(consumer) if consumer is not None else None)
    ops = doc.get("operations")
    if not isinstance(ops, dict):
        raise InputError("'operations' must be an object of 'METHOD /path' keys", file=name, pointer="/operations")
    out: list[Interaction] = []
    for key, op in ops.items():
        optr = f"/operations/{_esc(key)}"
        method, _, path = str(key).strip().partition(" ")
        method = method.upper()
        if method not in _METHODS or not path.strip().startswith("/"):
            raise InputError(f"operation key {key!r}: expected 'METHOD /path'", file=name, pointer=optr)
        path = path.strip()
        if not isinstance(op, dict):
            raise InputError("an operation must be an object", file=name, pointer=optr)
        try:
            req = op.get("request") or {}
            rptr = f"{optr}/request"
            query = tuple(CompiledValue(name=str(k), schema=_annotated(v, f"{rptr}/query/{_esc(k)}"),
                                        pointer=f"{rptr}/query/{_esc(k)}")
                          for k, v in (req.get("query") or {}).items())
            headers = tuple(CompiledValue(name=str(k), schema=_annotated(v, f"{rptr}/headers/{_esc(k)}"),
                                          pointer=f"{rptr}/headers/{_esc(k)}")
                            for k, v in (req.get("headers") or {}).items())
            body = None
            if "body" in req:
                body = Body(content_type=req.get("contentType", "application/json"),
                            schema=_annotated(req["body"], f"{rptr}/body"), pointer=f"{rptr}/body")
            request = ExpectedRequest(method=method, path=path, query=query, headers=headers, body=body,
                                      described="request" in op)
            responses = op.get("responses") or {}
            if not isinstance(responses, dict) or not responses:
                raise InputError("'responses' must name at least one status", file=name, pointer=f"{optr}/responses")
            for status, resp in responses.items():
                sptr = f"{optr}/responses/{_esc(status)}"
                statuses, cls = _statuses(str(status), name, sptr)
                resp = resp or {}
                rbody = None
                if "body" in resp:
                    rbody = Body(content_type=resp.get("contentType", "application/json"),
                                 schema=_annotated(resp["body"], f"{sptr}/body"), pointer=f"{sptr}/body")
                rheaders = tuple(CompiledValue(name=str(k), schema=_annotated(v, f"{sptr}/headers/{_esc(k)}"),
                                               pointer=f"{sptr}/headers/{_esc(k)}")
                                 for k, v in (resp.get("headers") or {}).items())
                out.append(Interaction(description=f"{method} {path} -> {status}", source=source, pointer=optr,
                                       request=request, operation=f"{method} {path}",
                                       response=ExpectedResponse(statuses=statuses, status_class=cls,
                                                                 headers=rheaders, body=rbody)))
        except InputError as e:
            if e.file is None:
                raise InputError(str(e).split(": ", 1)[-1], file=name, pointer=e.pointer) from None
            raise
        except (AttributeError, TypeError):
            raise InputError("malformed operation (request/responses must be objects)", file=name,
                             pointer=optr) from None
    return out, source
