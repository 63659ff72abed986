"""vcrpy cassette import: YAML files with ``interactions: [{request: ..., response: ...}]``.

Handles the shapes vcrpy has written over the years: request and response ``body`` as a plain string,
``null``, ``!!binary`` bytes, or a mapping ``{string: ...}`` (``!!binary`` inside too); headers as
``{Name: [values]}`` or ``{Name: value}``; ``status`` as ``{code, message}`` or a bare integer; and the
pre-1.0 layout where the file is the list of interactions itself. Compressed response bodies (stored
as recorded, with ``Content-Encoding``) are decoded. YAML is read with ``yaml.safe_load`` only.

Cassettes carry no timing: ``started_at`` and ``duration_ms`` are 0; ids are derived from the
file's content and the position of the interaction, so importing twice gives the same ids.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from ..errors import InputError
from ..model import Body, Exchange, Headers, Request, Response, header_get, media_type_of
from .body import BodyBuffer


def _loader() -> type[yaml.SafeLoader]:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _headers(value: object) -> Headers:
    out: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        for name, values in value.items():
            if isinstance(values, list):
                out.extend((str(name), _text(v)) for v in values)
            elif values is not None:
                out.append((str(name), _text(values)))
    elif isinstance(value, list):  # [[name, value], ...]
        for item in value:
            if isinstance(item, (list, tuple)) and len(item) == 2:
                out.append((str(item[0]), _text(item[1])))
    return tuple(out)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def _raw_body(value: object) -> bytes:
    if isinstance(value, Mapping):
        value = value.get("string", value.get("base64_string"))
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")


def _body(value: object, headers: Headers) -> Body:
    data = _raw_body(value)
    media_type = media_type_of(headers)
    encoding = header_get(headers, "content-encoding")
    if data and encoding:
        buf = BodyBuffer(64 << 20, encoding)  # bounded: a bomb is kept truncated
        buf.feed(data)
        body = buf.body(media_type)
        if buf.decode_error is None:
            return body
    return Body.from_bytes(data, media_type)


def exchange_from_interaction(
    interaction: Mapping[str, Any], *, index: int, file: str | None = None, seed: str = ""
) -> Exchange:
    """One vcrpy interaction -> :class:`Exchange`."""
    where = f"/interactions/{index}"
    req = interaction.get("request")
    if not isinstance(req, Mapping):
        raise InputError("cassette interaction has no request mapping", file=file, pointer=where)
    uri = req.get("uri", req.get("url"))
    if not isinstance(uri, str) or not uri:
        raise InputError("cassette request has no uri", file=file, pointer=f"{where}/request/uri")
    req_headers = _headers(req.get("headers"))
    request = Request(
        method=str(req.get("method") or "GET").upper(),
        url=uri,
        headers=req_headers,
        body=_body(req.get("body"), req_headers),
    )
    resp = interaction.get("response")
    response: Response | None = None
    error: str | None = None
    if isinstance(resp, Mapping):
        status = resp.get("status")
        code = status.get("code") if isinstance(status, Mapping) else status
        try:
            code_int = int(code)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError(
                f"cassette response status is not a number: {code!r}", file=file, pointer=f"{where}/response/status"
            ) from None
        resp_headers = _headers(resp.get("headers"))
        response = Response(status=code_int, headers=resp_headers, body=_body(resp.get("body"), resp_headers))
    else:
        error = "no response recorded"
    digest = hashlib.sha256(f"{seed}\0{index}\0{request.method}\0{uri}".encode("utf-8", "surrogatepass"))
    return Exchange(
        id="cassette-" + digest.hexdigest()[:24],
        started_at=0.0,
        duration_ms=0.0,
        request=request,
        response=response,
        source="cassette",
        error=error,
    )


def exchanges_from_cassette(doc: object, *, file: str | None = None, seed: str = "") -> Iterator[Exchange]:
    """The exchanges of a parsed cassette document."""
    if isinstance(doc, Mapping) and "interactions" in doc:
        interactions = doc["interactions"]
    elif isinstance(doc, list):
        interactions = doc
    else:
        raise InputError("not a vcrpy cassette: no 'interactions' list", file=file)
    if interactions is None:
        return
    if not isinstance(interactions, list):
        raise InputError("cassette 'interactions' is not a list", file=file, pointer="/interactions")
    for index, interaction in enumerate(interactions):
        if not isinstance(interaction, Mapping):
            raise InputError("cassette interaction is not a mapping", file=file, pointer=f"/interactions/{index}")
        yield exchange_from_interaction(interaction, index=index, file=file, seed=seed)


def load_cassette(path: str | os.PathLike[str]) -> Iterator[Exchange]:
    """Read a vcrpy cassette file (``InputError`` with line and column on malformed YAML)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read cassette: {exc.strerror or exc}", file=name) from exc
    try:
        doc = yaml.load(data, Loader=_loader())  # a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        raise InputError(f"malformed YAML: {exc.problem or exc}", file=name, line=line, col=col) from None
    except yaml.YAMLError as exc:
        raise InputError(f"malformed YAML: {exc}", file=name) from None
    seed = hashlib.sha256(data).hexdigest()[:16]
    return exchanges_from_cassette(doc, file=name, seed=seed)
