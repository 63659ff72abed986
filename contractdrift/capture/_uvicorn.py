"""The uvicorn server of ``contractdrift record``; imported only by :func:`.proxy.serve`, after
:func:`.proxy.require_uvicorn` checked that the ``proxy`` extra is installed."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Generator

import uvicorn

__all__ = ["GracefulServer"]


class GracefulServer(uvicorn.Server):
    """A uvicorn.Server whose signal handling stops gracefully without re-raising the signal."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)
