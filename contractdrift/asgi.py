"""Record the traffic of an ASGI app (Starlette, FastAPI, ...).

>>> app = contractdrift.asgi.RecordingMiddleware(app, contractdrift.Recorder("traffic.jsonl"))

See :mod:`contractdrift.capture.asgi` for what is recorded and how.
"""

from __future__ import annotations

from .capture.asgi import RecordingMiddleware

__all__ = ["RecordingMiddleware"]
