"""JSON value type aliases shared by every stage."""

from __future__ import annotations

from typing import Union

JSONScalar = str | int | float | bool | None
JSONValue = Union[JSONScalar, "list[JSONValue]", "dict[str, JSONValue]"]
JSONObject = dict[str, JSONValue]
