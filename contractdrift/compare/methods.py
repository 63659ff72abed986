"""Methods a spec leaves implicit: ``HEAD`` (GET without content, RFC 9110 §9.3.2) and ``OPTIONS``.

When a path documents no ``options`` operation, an ``OPTIONS`` exchange is not an undocumented
call but a question about the path's methods, and its answer can be compared with the spec:

* a CORS preflight (``Origin`` and ``Access-Control-Request-Method``, Fetch standard §4.8) that
  *allows* (``Access-Control-Allow-Methods``) a method the path does not document, or *denies* the
  requested method although the path documents it (a non-2xx status, or the method neither listed,
  nor ``*``, nor CORS-safelisted: GET, HEAD, POST);
* a plain ``OPTIONS`` whose ``Allow`` header (RFC 9110 §10.2.1) lists a method the path does not
  document, or leaves out one it does.

A path's documented methods implicitly include ``OPTIONS`` and, when it documents ``GET``,
``HEAD``. Method names compare case-insensitively (the spec's are upper case).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..model import Headers, header_get

__all__ = ["CORS_SAFELISTED", "MethodDrift", "implied_methods", "is_preflight", "options_drift"]

#: methods a CORS preflight never needs to list (Fetch: CORS-safelisted methods)
CORS_SAFELISTED = frozenset({"GET", "HEAD", "POST"})


@dataclass(frozen=True, slots=True)
class MethodDrift:
    rule: str
    method: str
    header: str  # the response header the evidence is in (lower case)


def implied_methods(documented: Iterable[str]) -> frozenset[str]:
    """The documented methods with what HTTP implies: ``OPTIONS``, and ``HEAD`` beside ``GET``."""
    out = {m.upper() for m in documented} | {"OPTIONS"}
    if "GET" in out:
        out.add("HEAD")
    return frozenset(out)


def is_preflight(headers: Headers) -> bool:
    """A CORS preflight request: ``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``."""
    return header_get(headers, "origin") is not None and header_get(headers, "access-control-request-method") is not None


def _tokens(value: str | None) -> list[str]:
    return [t.strip().upper() for t in (value or "").split(",") if t.strip()]


def options_drift(request_headers: Headers, status: int,
                  response_headers: Headers, documented: Iterable[str]) -> list[MethodDrift]:
    """How one ``OPTIONS`` answer disagrees with a path's ``documented`` methods (see the module
    docstring), sorted by rule and method."""
    explicit = frozenset(m.upper() for m in documented)
    known = implied_methods(explicit)
    out: set[MethodDrift] = set()
    if is_preflight(request_headers):
        header = "access-control-allow-methods"
        requested = (header_get(request_headers, "access-control-request-method") or "").strip().upper()
        allowed = _tokens(header_get(response_headers, header))
        ok = 200 <= status < 300
        if requested in known and not (ok and (requested in allowed or requested in CORS_SAFELISTED
                                               or "*" in allowed)):
            out.add(MethodDrift("api-preflight-method-denied", requested, header))
        if ok:
            out |= {MethodDrift("api-preflight-method-undocumented", m, header)
                    for m in allowed if m != "*" and m not in known}
        return sorted(out, key=lambda d: (d.rule, d.method))
    allow = header_get(response_headers, "allow")
    if allow is None:
        return []
    listed = set(_tokens(allow))
    out |= {MethodDrift("api-options-method-undocumented", m, "allow") for m in listed if m not in known}
    out |= {MethodDrift("api-options-method-unlisted", m, "allow") for m in explicit if m not in listed}
    return sorted(out, key=lambda d: (d.rule, d.method))
