"""infer stage: recorded exchanges -> mergeable per-field summaries -> JSON Schema / OpenAPI.

Imports only :mod:`contractdrift.model` and :mod:`contractdrift.errors`. Spec templates reach it as a
router callable built by :mod:`contractdrift.api`.
"""

from __future__ import annotations

import sys
import types
from typing import Any

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


class _CallableModule(types.ModuleType):
    """``contractdrift.infer`` is both this subpackage and the :func:`contractdrift.api.infer`
    function: importing the subpackage binds it as an attribute of ``contractdrift``, so the module
    itself forwards calls to the function."""

    def __call__(self, *args: Any, **kwargs: Any) -> InferredAPI:
        from ..api import infer

        return infer(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
