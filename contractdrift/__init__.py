"""contractdrift: find contract drift between HTTP services, their clients and their specs.

The public API is imported lazily (PEP 562), so ``contractdrift diff`` does not pay for httpx or the
inference stage, and ``import contractdrift`` stays cheap in a host application.
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from .errors import ContractDriftError, InputError, MissingExtraError, RecordingError, UsageError
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
from .model.masks import is_redacted

__version__ = "0.1.0"

if _TYPE_CHECKING:
    from . import asgi, wsgi
    from .api import (
        assert_conforms,
        check,
        check_dask,
        check_expectations,
        diff_exit_code,
        diff_specs,
        infer_api,
        infer_files,
        load_expectations,
        load_settings,
        parity,
        replay,
        rules,
        spec_checker,
        version_advice,
    )
    from .capture.httpx_transport import AsyncRecordingTransport, RecordingTransport
    from .capture.recorder import CapturePolicy, Recorder, RecorderStats
    from .capture.redact import Redactor
    from .capture.replay import Replayer, ReplayOptions, ReplayStats
    from .compare.parity import ParityCheck, ParityOptions
    from .compare.traffic import CheckOptions, SpecChecker
    from .expect.model import Expectations
    from .infer import InferOptions, InferredAPI
    from .parallel import infer_dask
    from .report import FORMATS, render
    from .spec.load import LoadedSpec, SpecFile, load_spec
    from .spec.validate import ValidationProblem, validate_spec
    from .store.reader import RecordingReader, read_exchanges, read_recording

_LAZY: dict[str, tuple[str, str | None]] = {
    "asgi": ("contractdrift.asgi", None),
    "wsgi": ("contractdrift.wsgi", None),
    "diff_specs": ("contractdrift.api", "diff_specs"),
    "check_expectations": ("contractdrift.api", "check_expectations"),
    "load_expectations": ("contractdrift.api", "load_expectations"),
    "Expectations": ("contractdrift.expect.model", "Expectations"),
    "diff_exit_code": ("contractdrift.api", "diff_exit_code"),
    "version_advice": ("contractdrift.api", "version_advice"),
    "infer_api": ("contractdrift.api", "infer_api"),
    "infer_dask": ("contractdrift.parallel", "infer_dask"),
    "infer_files": ("contractdrift.api", "infer_files"),
    "load_settings": ("contractdrift.api", "load_settings"),
    "rules": ("contractdrift.api", "rules"),
    "check": ("contractdrift.api", "check"),
    "check_dask": ("contractdrift.api", "check_dask"),
    "assert_conforms": ("contractdrift.api", "assert_conforms"),
    "spec_checker": ("contractdrift.api", "spec_checker"),
    "CheckOptions": ("contractdrift.compare.traffic", "CheckOptions"),
    "SpecChecker": ("contractdrift.compare.traffic", "SpecChecker"),
    "AsyncRecordingTransport": ("contractdrift.capture.httpx_transport", "AsyncRecordingTransport"),
    "RecordingTransport": ("contractdrift.capture.httpx_transport", "RecordingTransport"),
    "CapturePolicy": ("contractdrift.capture.recorder", "CapturePolicy"),
    "Recorder": ("contractdrift.capture.recorder", "Recorder"),
    "RecorderStats": ("contractdrift.capture.recorder", "RecorderStats"),
    "Redactor": ("contractdrift.capture.redact", "Redactor"),
    "parity": ("contractdrift.api", "parity"),
    "replay": ("contractdrift.api", "replay"),
    "ReplayOptions": ("contractdrift.capture.replay", "ReplayOptions"),
    "ReplayStats": ("contractdrift.capture.replay", "ReplayStats"),
    "Replayer": ("contractdrift.capture.replay", "Replayer"),
    "ParityCheck": ("contractdrift.compare.parity", "ParityCheck"),
    "ParityOptions": ("contractdrift.compare.parity", "ParityOptions"),
    "InferOptions": ("contractdrift.infer", "InferOptions"),
    "InferredAPI": ("contractdrift.infer", "InferredAPI"),
    "FORMATS": ("contractdrift.report", "FORMATS"),
    "render": ("contractdrift.report", "render"),
    "LoadedSpec": ("contractdrift.spec.load", "LoadedSpec"),
    "SpecFile": ("contractdrift.spec.load", "SpecFile"),
    "load_spec": ("contractdrift.spec.load", "load_spec"),
    "ValidationProblem": ("contractdrift.spec.validate", "ValidationProblem"),
    "validate_spec": ("contractdrift.spec.validate", "validate_spec"),
    "RecordingReader": ("contractdrift.store.reader", "RecordingReader"),
    "read_exchanges": ("contractdrift.store.reader", "read_exchanges"),
    "read_recording": ("contractdrift.store.reader", "read_recording"),
}


def __getattr__(name: str) -> _Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'contractdrift' has no attribute {name!r}")
    module = _importlib.import_module(target[0])
    value = module if target[1] is None else getattr(module, target[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "FORMATS",
    "AsyncRecordingTransport",
    "Body",
    "CapturePolicy",
    "CheckOptions",
    "ContractDriftError",
    "Evidence",
    "Exchange",
    "Expectations",
    "Finding",
    "InferOptions",
    "InferredAPI",
    "InputError",
    "LoadedSpec",
    "Location",
    "MissingExtraError",
    "ParityCheck",
    "ParityOptions",
    "Recorder",
    "RecorderStats",
    "RecordingError",
    "RecordingReader",
    "RecordingTransport",
    "Redactor",
    "ReplayOptions",
    "ReplayStats",
    "Replayer",
    "Report",
    "Request",
    "Response",
    "RuleInfo",
    "Severity",
    "Side",
    "SourcePosition",
    "SpecChecker",
    "SpecFile",
    "SpecLocation",
    "UsageError",
    "ValidationProblem",
    "__version__",
    "asgi",
    "assert_conforms",
    "check",
    "check_dask",
    "check_expectations",
    "diff_exit_code",
    "diff_specs",
    "infer_api",
    "infer_dask",
    "infer_files",
    "is_redacted",
    "load_expectations",
    "load_settings",
    "load_spec",
    "parity",
    "read_exchanges",
    "read_recording",
    "render",
    "replay",
    "rules",
    "spec_checker",
    "validate_spec",
    "version_advice",
    "wsgi",
]
