"""Client expectations as frozen values: what a client sends and what it accepts, compiled.

A Pact interaction, an operation of a JSON Schema expectations file or a client's copy of a spec
all become :class:`Interaction` values whose bodies and parameters are *compiled* JSON Schema
(2020-12) dicts. Every compiled node that a matcher or an example produced carries an
``x-expect`` annotation: the RFC 6901 pointer, inside the expectation file, of what made the
constraint (the matcher, else the example value). The engine walks these schemas like any spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import JSONValue

#: annotation key on compiled schema nodes: pointer (RFC 6901) into the expectation file
SOURCE_KEY = "x-expect"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectSource:
    """One expectation document: where it came from (path or broker URL) and its text (positions)."""

    name: str  # path as given, or URL
    kind: str  # "pact", "json-schema", "openapi"
    text: str | None = None
    version: str | None = None  # Pact specification version ("2.0.0", "3.0.0", "4.0")
    consumer: str | None = None
    provider: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Note:
    """Something that could not be checked exactly: counted and reported, never passed silently."""

    code: str  # "interaction-not-checked", "matcher-inexact", "matcher-unknown", "generator-ignored", ...
    message: str
    source: str  # file name
    pointer: str  # RFC 6901 pointer into the file
    interaction: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CompiledValue:
    """A parameter or header value: compiled schema (over the string form) and the example values."""

    name: str
    schema: Mapping[str, Any]
    examples: tuple[str, ...] = ()
    pointer: str = ""  # where in the file the example sits


@dataclass(frozen=True, slots=True, kw_only=True)
class Body:
    content_type: str | None
    schema: Mapping[str, Any] | None  # None: not JSON (kept as an opaque body)
    example: JSONValue = None
    pointer: str = ""
    json: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectedRequest:
    method: str
    path: str  # the example path ("/orders/42")
    path_matcher: Mapping[str, Any] | None = None  # a compiled schema over the path string, if a matcher exists
    query: tuple[CompiledValue, ...] = ()
    headers: tuple[CompiledValue, ...] = ()
    body: Body | None = None
    described: bool = True  # False: a JSON Schema expectations file that says nothing about the request


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectedResponse:
    statuses: tuple[int, ...]  # the example status, or the codes a statusCode matcher admits
    status_class: str | None = None  # statusCode matcher class ("success", ...)
    headers: tuple[CompiledValue, ...] = ()
    body: Body | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Interaction:
    """One HTTP interaction of a client: its request (what it sends) and the response it accepts."""

    description: str
    source: ExpectSource
    pointer: str  # RFC 6901 pointer to the interaction in its file
    request: ExpectedRequest
    response: ExpectedResponse
    provider_states: tuple[str, ...] = ()
    operation: str | None = None  # JSON Schema expectations / spec copy: the operation it names ("GET /a")

    @property
    def consumer(self) -> str | None:
        return self.source.consumer

    @property
    def label(self) -> str:
        return f"{self.request.method} {self.request.path}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Expectations:
    """Everything loaded: interactions, notes about what cannot be checked, and the sources.

    ``client_specs`` holds loaded client copies of an OpenAPI spec (``LoadedSpec`` values, loaded
    by the api): they are compared as a spec diff, the client's copy being the base.
    """

    interactions: tuple[Interaction, ...] = ()
    notes: tuple[Note, ...] = ()
    sources: tuple[ExpectSource, ...] = ()
    client_specs: tuple[Any, ...] = field(default=())

    def __add__(self, other: Expectations) -> Expectations:
        return Expectations(interactions=self.interactions + other.interactions, notes=self.notes + other.notes,
                            sources=self.sources + other.sources, client_specs=self.client_specs + other.client_specs)
