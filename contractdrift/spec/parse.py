"""Text -> data plus a lazy position index. JSON or YAML is chosen by content, not by file name."""

from __future__ import annotations

import gc
import json
from typing import Any

from ..errors import InputError
from .positions import JsonPositions, PositionIndex, YamlPositions
from .yaml_safe import load_yaml

_YAML_SUFFIXES = (".yaml", ".yml")


def parse_document(text: str, display: str) -> tuple[Any, PositionIndex]:
    """Parse a document. JSON when it starts with ``{`` or ``[`` (YAML flow style is tried too for a
    ``.yaml`` file that is not JSON); YAML otherwise. Malformed -> InputError with file:line:col."""
    if text.startswith("\ufeff"):
        text = text[1:]
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        raise InputError("empty file", file=display)
    if stripped[0] in "{[":
        # json.loads makes many objects and no garbage: pausing the cyclic GC halves its time
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if display.lower().endswith(_YAML_SUFFIXES):
                return _yaml(text, display)
            raise InputError(f"invalid JSON: {exc.msg}", file=display, line=exc.lineno, col=exc.colno) from None
        except RecursionError:
            raise InputError("invalid JSON: nesting too deep", file=display) from None
        finally:
            if was_enabled:
                gc.enable()
        return data, JsonPositions(text)
    return _yaml(text, display)


def _yaml(text: str, display: str) -> tuple[Any, PositionIndex]:
    data, root = load_yaml(text, display)
    if root is None:
        raise InputError("empty document", file=display)
    return data, YamlPositions(root)
