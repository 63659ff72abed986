"""Record the traffic of a WSGI app (Flask, Django, ...).

>>> flask_app.wsgi_app = contractdrift.wsgi.RecordingMiddleware(flask_app.wsgi_app, recorder)

See :mod:`contractdrift.capture.wsgi` for what is recorded and how.
"""

from __future__ import annotations

from .capture.wsgi import RecordingMiddleware

__all__ = ["RecordingMiddleware"]
