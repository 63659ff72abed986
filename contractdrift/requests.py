"""Record the traffic of a ``requests.Session`` (an optional dependency).

>>> session.mount("http://", contractdrift.requests.RecordingAdapter(recorder))   # doctest: +SKIP

See :mod:`contractdrift.capture.requests_adapter` for what is recorded and how.
"""

from __future__ import annotations

from .capture.requests_adapter import RecordingAdapter

__all__ = ["RecordingAdapter"]
