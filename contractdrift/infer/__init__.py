"""infer stage: recorded exchanges -> mergeable per-field summaries -> JSON Schema / OpenAPI.

Imports only :mod:`contractdrift.model` and :mod:`contractdrift.errors`. Spec templates reach it as a
router callable built by :mod:`contractdrift.api`. The pipeline function over it is
:func:`contractdrift.infer_api` (``contractdrift infer`` on the command line).
"""

from __future__ import annotations

from .inferred import InferredAPI, infer_exchanges
from .options import InferOptions
from .templating import Router
from .views import InferredBody, InferredOperation, InferredParameter, InferredResponse

__all__ = [
    "InferOptions",
    "InferredAPI",
    "InferredBody",
    "InferredOperation",
    "InferredParameter",
    "InferredResponse",
    "Router",
    "infer_exchanges",
]
