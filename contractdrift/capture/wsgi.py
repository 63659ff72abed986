"""WSGI middleware that records every HTTP exchange an app serves (Flask, Django, any WSGI app).

Usage::

    recorder = contractdrift.Recorder("traffic.jsonl")
    app.wsgi_app = contractdrift.wsgi.RecordingMiddleware(app.wsgi_app, recorder)   # Flask
    application = contractdrift.wsgi.RecordingMiddleware(get_wsgi_application(), recorder)  # Django

Per request:

* ``recorder.wants(method, url)`` decides first; unwanted requests reach the app unwrapped.
* ``wsgi.input`` is replaced by a tee that records what the *app reads* (at most
  ``max_body_bytes`` kept, all counted). If the app does not read the whole request body, only what
  it read is kept, and the body is recorded as truncated with the ``Content-Length`` as its size.
* The response iterable is wrapped, not buffered: each chunk is teed as the server pulls it and
  passed on at once. The wrapper's ``close()`` closes the app's iterable (PEP 3333) and then hands
  a raw capture (environ strings, headers as they are, teed chunks) to
  ``recorder.submit_raw``, which queues it; the exchange is built, redacted and written by the
  recorder's writer (by default a separate process), off the request path. When the
  app's iterable has a length (a list), so does the wrapper, so servers still compute
  ``Content-Length`` exactly as without the middleware. The legacy ``write()`` callable is teed too.
  A ``wsgi.file_wrapper`` response is iterated like any other (the server cannot use ``sendfile``
  for it while it is recorded).
* The route template comes from Flask/werkzeug: ``environ["werkzeug.request"].url_rule`` (read when
  the app calls ``start_response``, before Flask clears it), converted to an OpenAPI path
  (``/users/<int:id>`` -> ``/users/{id}``) and prefixed with ``SCRIPT_NAME``. Other frameworks
  (Django) give no route through the environ, so ``route`` is ``None`` there.

The middleware never raises into the app: recording failures are counted in
:attr:`RecordingMiddleware.errors` (and the recorder's statistics) and logged once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any
from urllib.parse import quote

from ._sink import MiddlewareBase, RecorderSink
from ._tee import RawTee, openapi_route

__all__ = ["RecordingMiddleware"]

Environ = dict[str, Any]
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
Write = Callable[[bytes], object]
StartResponse = Callable[..., Write]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]



def environ_url(environ: Environ) -> str:
    """Reconstruct the request URL (PEP 3333 recipe) with the path percent-encoded."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    if not host:
        host = environ.get("SERVER_NAME", "localhost")
        port = str(environ.get("SERVER_PORT", ""))
        if port and port != ("443" if scheme == "https" else "80"):
            host = f"{host}:{port}"
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    # WSGI strings are latin-1-decoded bytes; re-encode to percent-encode non-ASCII exactly.
    path = quote(path.encode("latin-1", "replace"), safe="/:@!$&'()*+,;=~-._%")
    qs = environ.get("QUERY_STRING")
    return f"{scheme}://{host}{path}?{qs}" if qs else f"{scheme}://{host}{path}"


def _request_headers(environ: Environ) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out.append((key[5:].replace("_", "-").lower(), value))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            out.append((key.replace("_", "-").lower(), value))
    return tuple(out)


def _media_type(value: str | None) -> str | None:
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def environ_route(environ: Environ) -> str | None:
    """Route template from werkzeug's request object in the environ (Flask), else ``None``."""
    req = environ.get("werkzeug.request")
    rule = getattr(req, "url_rule", None) if req is not None else None
    template = getattr(rule, "rule", None) if rule is not None else None
    if not isinstance(template, str):
        return None
    return openapi_route(environ.get("SCRIPT_NAME", "") + template)


class _TeeInput:
    """``wsgi.input`` wrapper recording what the app reads."""

    __slots__ = ("_inp", "_tee")

    def __init__(self, inp: Any, tee: RawTee) -> None:
        self._inp = inp
        self._tee = tee

    def read(self, size: int | None = -1) -> bytes:
        data: bytes = self._inp.read() if size is None or size < 0 else self._inp.read(size)
        self._tee.feed(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data: bytes = self._inp.readline() if size is None or size < 0 else self._inp.readline(size)
        self._tee.feed(data)
        return data

    def readlines(self, hint: int | None = -1) -> list[bytes]:
        lines: list[bytes] = self._inp.readlines() if hint is None or hint < 0 else self._inp.readlines(hint)
        for line in lines:
            self._tee.feed(line)
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def __getattr__(self, name: str) -> Any:  # close(), fileno(), ... of the server's stream
        return getattr(self._inp, name)


_URL_KEYS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "PATH_INFO",
             "QUERY_STRING", "SERVER_PROTOCOL")


class _Capture:
    """Per-request state shared by ``start_response``, ``write`` and the response iterator."""

    __slots__ = (
        "content_length",
        "done",
        "environ",
        "error",
        "method",
        "mw",
        "req",
        "resp",
        "resp_done",
        "resp_headers",
        "route",
        "started",
        "status",
        "t0",
    )

    def __init__(self, mw: RecordingMiddleware, environ: Environ, method: str) -> None:
        recorder = mw.recorder
        self.mw = mw
        self.environ = environ
        self.method = method
        store = recorder.body_allowed(_media_type(environ.get("CONTENT_TYPE"))) if mw._checks_types else True
        self.req = RawTee(recorder.max_body_bytes, store)
        cl = environ.get("CONTENT_LENGTH")
        self.content_length = int(cl) if cl and cl.isdigit() else None
        self.resp: RawTee | None = None
        self.resp_headers: list[tuple[str, str]] = []
        self.status: int | None = None
        self.route: str | None = None
        self.error: BaseException | None = None
        self.resp_done = False
        self.done = False
        self.started = time.time()
        self.t0 = time.perf_counter()


class _Recorded:
    """The app's response iterable, teed chunk by chunk; ``close()`` finishes the recording."""

    __slots__ = ("_cap", "_result")

    def __init__(self, result: Iterable[bytes], cap: _Capture) -> None:
        self._result = result
        self._cap = cap

    def __iter__(self) -> Iterator[bytes]:
        cap = self._cap
        tee = cap.resp
        try:
            for chunk in self._result:
                if tee is None:
                    tee = cap.resp
                if tee is not None and chunk:
                    try:
                        tee.feed(chunk)
                    except Exception as exc:
                        cap.mw._failed(exc)
                yield chunk
            cap.resp_done = True
        except BaseException as exc:
            if not isinstance(exc, GeneratorExit):
                cap.error = exc
            raise

    def close(self) -> None:
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()
        finally:
            self._cap.mw._finish(self._cap, self._cap.error)


class _RecordedSized(_Recorded):
    """Same, for iterables with a length (lists): servers use ``len()`` to set Content-Length."""

    __slots__ = ()

    def __len__(self) -> int:
        return len(self._result)  # type: ignore[arg-type]


class RecordingMiddleware(MiddlewareBase):
    """WSGI middleware recording each exchange to ``recorder`` (``source="wsgi"``)."""

    def __init__(self, app: WSGIApp, recorder: RecorderSink) -> None:
        super().__init__(recorder)
        self.app = app

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        try:
            method: str = environ.get("REQUEST_METHOD", "GET")
            cap: _Capture | None = None
            if self.recorder.wants(method, environ_url(environ) if self._checks_url else ""):
                cap = _Capture(self, environ, method)
                inp = environ.get("wsgi.input")
                if inp is not None:
                    environ["wsgi.input"] = _TeeInput(inp, cap.req)
        except Exception as exc:
            self._failed(exc)
            cap = None
        if cap is None:
            return self.app(environ, start_response)

        captured = cap

        def recording_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
        ) -> Write:
            write = start_response(status, headers, exc_info) if exc_info else start_response(status, headers)
            try:
                captured.status = int(status[:3])
                captured.resp_headers = list(headers)
                mt = encoding = None
                for name, value in headers:
                    low = name.lower()
                    if low == "content-type":
                        mt = _media_type(value)
                    elif low == "content-encoding" and value.strip().lower() not in ("", "identity"):
                        encoding = value
                allowed = self.recorder.body_allowed(mt) if self._checks_types else True
                captured.resp = RawTee(self.recorder.max_body_bytes, allowed, encoding)
                captured.route = environ_route(environ)
            except Exception as exc:
                self._failed(exc)
                return write
            tee = captured.resp

            def recording_write(data: bytes) -> object:
                result = write(data)
                try:
                    tee.feed(data)
                except Exception as exc:
                    self._failed(exc)
                return result

            return recording_write

        try:
            result = self.app(environ, recording_start_response)
        except BaseException as exc:
            self._finish(captured, exc)
            raise
        try:
            return _RecordedSized(result, captured) if hasattr(result, "__len__") else _Recorded(result, captured)
        except Exception as exc:  # pragma: no cover - constructing the wrapper cannot realistically fail
            self._failed(exc)
            return result

    def _finish(self, cap: _Capture, error: BaseException | None) -> None:
        if cap.done:
            return
        cap.done = True
        try:
            end = time.perf_counter()
            environ = cap.environ
            if cap.route is None:
                cap.route = environ_route(environ)
            err_text: str | None = None
            if error is not None:
                err_text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            resp = cap.resp
            self._submit((
                "wsgi", cap.started, (end - cap.t0) * 1000.0, cap.method,
                {key: environ[key] for key in _URL_KEYS if key in environ},
                _request_headers(environ), cap.req.handover(), cap.content_length,
                cap.status if resp is not None else None, cap.resp_headers,
                resp.handover(cap.resp_done) if resp is not None else None, cap.resp_done, cap.route, err_text,
            ))
        except Exception as exc:
            self._failed(exc)


