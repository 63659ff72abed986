"""contractdrift: find contract drift between HTTP services, their clients and their specs."""

from __future__ import annotations

from . import api as _api
from . import asgi, wsgi
from .capture.httpx_transport import AsyncRecordingTransport, RecordingTransport
from .capture.recorder import CapturePolicy, Recorder, RecorderStats
from .capture.redact import Redactor
from .errors import ContractDriftError, InputError, UsageError
from .infer import InferOptions, InferredAPI
from .model import (
    Body,
    Evidence,
    Exchange,
    Finding,
    Location,
    Report,
    Request,
    Response,
    RuleInfo,
    Severity,
    Side,
    SourcePosition,
    SpecLocation,
)
from .report import FORMATS, render
from .spec.load import LoadedSpec, SpecFile, load_spec
from .spec.validate import ValidationProblem, validate_spec
from .store.reader import RecordingReader, read_exchanges, read_recording

__version__ = "0.1.0"

# ``contractdrift.infer`` is the function; bound after the ``infer`` subpackage has been imported
# above, so importing the subpackage cannot overwrite it.
infer = _api.infer
diff_specs = _api.diff_specs
rules = _api.rules
load_settings = _api.load_settings

__all__ = [
    "FORMATS",
    "AsyncRecordingTransport",
    "Body",
    "CapturePolicy",
    "ContractDriftError",
    "Evidence",
    "Exchange",
    "Finding",
    "InferOptions",
    "InferredAPI",
    "InputError",
    "LoadedSpec",
    "Location",
    "Recorder",
    "RecorderStats",
    "RecordingReader",
    "RecordingTransport",
    "Redactor",
    "Report",
    "Request",
    "Response",
    "RuleInfo",
    "Severity",
    "Side",
    "SourcePosition",
    "SpecFile",
    "SpecLocation",
    "UsageError",
    "ValidationProblem",
    "__version__",
    "asgi",
    "diff_specs",
    "infer",
    "load_settings",
    "load_spec",
    "read_exchanges",
    "read_recording",
    "render",
    "rules",
    "validate_spec",
    "wsgi",
]
