"""Frozen value types shared by every stage. No I/O here."""

from __future__ import annotations

from .exchange import (
    Body,
    BodyView,
    Exchange,
    ExchangeView,
    Headers,
    RecordedBodyView,
    RecordedExchangeView,
    RecordedRequestView,
    RecordedResponseView,
    Request,
    RequestView,
    Response,
    ResponseView,
    header_get,
    is_json_media_type,
    media_type_of,
    split_url,
)
from .finding import Evidence, Finding
from .json import JSONObject, JSONValue
from .location import Location, Side, SourcePosition, SpecLocation
from .pointer import Pointer, from_rfc6901, to_human, to_rfc6901, value_at
from .report import Report
from .rule import RuleInfo
from .severity import Severity

__all__ = [
    "Body",
    "BodyView",
    "Evidence",
    "Exchange",
    "ExchangeView",
    "Finding",
    "Headers",
    "JSONObject",
    "JSONValue",
    "Location",
    "Pointer",
    "RecordedBodyView",
    "RecordedExchangeView",
    "RecordedRequestView",
    "RecordedResponseView",
    "Report",
    "Request",
    "RequestView",
    "Response",
    "ResponseView",
    "RuleInfo",
    "Severity",
    "Side",
    "SourcePosition",
    "SpecLocation",
    "from_rfc6901",
    "header_get",
    "is_json_media_type",
    "media_type_of",
    "split_url",
    "to_human",
    "to_rfc6901",
    "value_at",
]
