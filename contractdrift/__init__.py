"""contractdrift: find contract drift between HTTP services, their clients and their specs."""

from __future__ import annotations

from .capture.recorder import CapturePolicy, Recorder, RecorderStats
from .capture.redact import Redactor
from .errors import ContractDriftError, InputError, UsageError
from .model import (
    Body,
    Evidence,
    Exchange,
    Finding,
    Location,
    Report,
    Request,
    Response,
    Severity,
    Side,
    SourcePosition,
    SpecLocation,
)

__version__ = "0.1.0"

__all__ = [
    "Body",
    "CapturePolicy",
    "ContractDriftError",
    "Evidence",
    "Exchange",
    "Finding",
    "InputError",
    "Location",
    "Recorder",
    "RecorderStats",
    "Redactor",
    "Report",
    "Request",
    "Response",
    "Severity",
    "Side",
    "SourcePosition",
    "SpecLocation",
    "UsageError",
    "__version__",
]
