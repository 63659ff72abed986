"""Frozen, derived views of inferred operations: what the comparison engine consumes.

Schemas are JSON Schema 2020-12 (the OpenAPI 3.1 dialect) with evidence under ``x-contractdrift``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["InferredBody", "InferredOperation", "InferredParameter", "InferredResponse"]


@dataclass(frozen=True, slots=True, kw_only=True)
class InferredBody:
    """Bodies of one media type on one side: schema and how many bodies of which kind were seen."""

    media_type: str
    schema: Mapping[str, Any]
    count: int
    kinds: Mapping[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class InferredParameter:
    """A path, query or header parameter: schema, how often it was present, and whether required."""

    name: str
    location: Literal["path", "query", "header"]
    schema: Mapping[str, Any]
    count: int
    presence: float
    required: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class InferredResponse:
    """Responses with one status code."""

    status: str
    count: int
    empty: int
    bodies: tuple[InferredBody, ...]
    headers: tuple[InferredParameter, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class InferredOperation:
    """One observed ``METHOD template`` with request and per-status response schemas and evidence.

    ``matched`` is true when the template came from a spec or a user override rather than from
    heuristics. ``request_body_required`` is true when every request carried a body.
    """

    method: str
    template: str
    count: int
    matched: bool
    parameters: tuple[InferredParameter, ...]
    request_bodies: tuple[InferredBody, ...]
    request_body_required: bool
    responses: tuple[InferredResponse, ...]

    @property
    def key(self) -> str:
        """``"GET /users/{id}"``."""
        return f"{self.method} {self.template}"

    def response(self, status: str | int) -> InferredResponse | None:
        for r in self.responses:
            if r.status == str(status):
                return r
        return None
