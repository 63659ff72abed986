"""Composed pipelines: the only module that chains stages (capture -> store -> infer -> compare -> report)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .spec.validate import ValidationProblem


# --- validate: openapi-spec-validator over a loaded spec -----------------------------------------


def validate(path: str | os.PathLike[str], *, cwd: str | None = None) -> list[ValidationProblem]:
    """Validate the spec at ``path`` (a file or a git ``REF:path``) with openapi-spec-validator.

    Returns the problems found (empty: valid). Never fetches remote ``$ref``s. An unreadable or
    malformed file raises :class:`~contractdrift.errors.InputError`.
    """
    from .spec.load import load_spec
    from .spec.validate import validate_spec

    return validate_spec(load_spec(path, cwd=cwd))
