"""Validate a loaded spec with openapi-spec-validator, without network access and without raising.

The ORIGINAL document is validated (a Swagger 2.0 file as 2.0), with the validator class picked by
version. ``$ref``s to other files are read through this package's own safe loader (git sources too);
remote ``http(s)`` refs are refused. Every problem carries a JSON pointer and, when known, file:line:col;
openapi-spec-validator's semantic checks report paths relative to the object checked (or none), so each
keyword validator is wrapped to prefix the path of the object it was checking.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import InputError
from ..model import Pointer, SpecLocation, to_rfc6901
from .load import LoadedSpec, SpecFile
from .parse import parse_document

_VIRTUAL_ROOT = "/__contractdrift__"
_MAX_MESSAGE = 400


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationProblem:
    """One validation problem: a message and where it is (pointer into the original document)."""

    message: str
    location: SpecLocation
    file: str = ""

    def __str__(self) -> str:
        where = str(self.location.position) if self.location.position else self.file or "<spec>"
        suffix = f" (#{self.location.pointer})" if self.location.pointer else ""
        return f"{where}: {self.message}{suffix}"


class _RemoteRefused(Exception):
    pass


class _Handlers:
    """URI handlers for the validator's resolver: local files through our loader, no network."""

    def __init__(self, spec: LoadedSpec) -> None:
        self.spec = spec
        self.root = spec.root

    def base_uri(self) -> str:
        source = self.root.source
        if source is not None and source.kind == "file":
            return Path(source.path).as_uri()
        if source is not None and source.kind == "git":
            return "file://" + posixpath.join(_VIRTUAL_ROOT, source.path)
        return "file://" + posixpath.join(_VIRTUAL_ROOT, "spec.json")

    def file(self, uri: str) -> Any:
        path = unquote(urlsplit(uri).path)
        source = self.root.source
        if source is None:
            raise InputError(f"cannot resolve {uri!r} for an in-memory spec")
        if path.startswith(_VIRTUAL_ROOT + "/"):
            inside = path[len(_VIRTUAL_ROOT) + 1:]
            base_dir = posixpath.dirname(source.path) if source.kind == "git" else ""
            location = source.join(posixpath.relpath(inside, base_dir or "."))
        else:
            base_dir = os.path.dirname(source.path) if source.kind == "file" else os.getcwd()
            location = source.join(os.path.relpath(path, base_dir))
        data, _ = parse_document(location.read(), location.display)
        return data

    def remote(self, uri: str) -> Any:
        raise _RemoteRefused(uri)

    def mapping(self) -> dict[str, Any]:
        return {"file": self.file, "http": self.remote, "https": self.remote, "<all_urls>": self.remote}


def _stamping(cls: type) -> type:
    """A keyword validator subclass that records the checked object's path on errors lacking one."""

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        where: tuple[Any, ...] | None = None
        for arg in reversed(args):
            parts = getattr(arg, "parts", None)
            if isinstance(parts, tuple):
                where = parts
                break
        for error in cls.__call__(self, *args, **kwargs):
            # the innermost wrapper sees an error first: make its path absolute once
            if where is not None and not getattr(error, "_contractdrift_stamped", False):
                path = getattr(error, "path", None)
                if path is not None and hasattr(path, "extendleft"):
                    path.extendleft(reversed(where))
                    error._contractdrift_stamped = True
            yield error

    return type(cls.__name__, (cls,), {"__call__": __call__})


def _validator_class(version: str) -> type:
    from openapi_spec_validator import (
        OpenAPIV2SpecValidator,
        OpenAPIV30SpecValidator,
        OpenAPIV31SpecValidator,
    )

    if version == "2.0":
        return OpenAPIV2SpecValidator
    if version.startswith("3.0"):
        return OpenAPIV30SpecValidator
    if version.startswith("3.2"):
        try:
            from openapi_spec_validator import OpenAPIV32SpecValidator
        except ImportError:  # pragma: no cover - older validator
            return OpenAPIV31SpecValidator
        return OpenAPIV32SpecValidator
    return OpenAPIV31SpecValidator


def _pointer_of(error: Any) -> Pointer:
    path = tuple(getattr(error, "absolute_path", ()) or ())
    return tuple(p if isinstance(p, int) else str(p) for p in path)


def _short(message: str) -> str:
    message = " ".join(message.split())
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…"


def _problem(file: SpecFile, pointer: Pointer, message: str) -> ValidationProblem:
    position = file.original_position(pointer, nearest=True)
    return ValidationProblem(message=_short(message), file=file.display,
                             location=SpecLocation(to_rfc6901(pointer), position))


def _exception_problem(spec: LoadedSpec, exc: BaseException) -> ValidationProblem:
    root = spec.root
    chain: BaseException | None = exc
    while chain is not None and not isinstance(chain, _RemoteRefused):
        chain = chain.__cause__ or chain.__context__
    if isinstance(chain, _RemoteRefused):
        ref = str(chain)
        return _ref_problem(root, ref, f"remote $ref {ref!r} refused (validation never fetches remote refs)")
    if isinstance(exc, InputError):
        return ValidationProblem(message=_short(f"cannot resolve $ref: {exc}"), file=root.display,
                                 location=SpecLocation(""))
    cause = exc.__cause__ or exc.__context__
    detail = str(exc) or type(exc).__name__
    pointer = getattr(exc, "ref", None) or getattr(cause, "ref", None)
    text = f"unresolvable $ref ({type(exc).__name__}): {detail}"
    if isinstance(pointer, str):
        return _ref_problem(root, pointer, f"unresolvable $ref {pointer!r}")
    return ValidationProblem(message=_short(text), file=root.display, location=SpecLocation(""))


def _ref_problem(root: SpecFile, ref: str, message: str) -> ValidationProblem:
    import re

    fragment = ref.split("#", 1)[-1] if "#" in ref else ref
    position = root.find_text(re.compile(r"""["']?\$ref["']?\s*:\s*["']?[^"'\n]*""" + re.escape(fragment)))
    return ValidationProblem(message=_short(message), file=root.display, location=SpecLocation("", position))


def validate_spec(spec: LoadedSpec) -> list[ValidationProblem]:
    """Problems openapi-spec-validator finds in ``spec``'s original document (empty list: valid).

    Never fetches remote documents and never raises for an invalid document: a ``$ref`` that cannot
    be resolved ends validation with one problem naming it.
    """
    handlers = _Handlers(spec)
    base_cls = _validator_class(spec.version)
    originals: Mapping[str, type] = getattr(base_cls, "keyword_validators", {})
    keyword_validators: Mapping[str, type] = {name: _stamping(kv) for name, kv in originals.items()}
    cls = type(base_cls.__name__, (base_cls,), {
        "resolver_handlers": handlers.mapping(),
        "keyword_validators": keyword_validators,
    })
    root = spec.root
    problems: list[ValidationProblem] = []
    seen: set[tuple[str, str]] = set()
    try:
        validator = cls(root.original_data, base_uri=handlers.base_uri())
        errors = validator.iter_errors()
        while True:
            try:
                error = next(errors)
            except StopIteration:
                break
            pointer = _pointer_of(error)
            message = str(getattr(error, "message", error))
            key = (to_rfc6901(pointer), message)
            if key in seen:
                continue
            seen.add(key)
            problems.append(_problem(root, pointer, message))
    except RecursionError:
        problems.append(ValidationProblem(message="validation gave up: references nest too deeply",
                                          file=root.display, location=SpecLocation("")))
    except Exception as exc:  # the validator raises on unresolvable refs; report, never crash
        problems.append(_exception_problem(spec, exc))
    return problems
