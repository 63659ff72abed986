"""Expectation files in: Pact files, JSON Schema expectations files, directories, a Pact Broker.

A client's copy of an OpenAPI spec is recognized here but loaded by the api (the spec loader is
another stage): :func:`load_paths` returns such paths in ``spec_paths``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from .broker import BrokerSelection, fetch_pacts
from .model import Expectations, Note
from .pact import load_pact
from .schemafile import MARKER, load_schema_file


def _parse(text: str, name: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError as e:
            raise InputError(f"not JSON: {getattr(e, 'msg', e)}", file=name, line=getattr(e, "lineno", None),
                             col=getattr(e, "colno", None)) from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise InputError("neither JSON nor YAML", file=name, line=mark.line + 1 if mark else None) from None


def kind_of(doc: Any) -> str:
    """"pact", "json-schema" or "openapi" (else an error names what was expected)."""
    if isinstance(doc, dict):
        if MARKER in doc:
            return "json-schema"
        if "openapi" in doc or "swagger" in doc:
            return "openapi"
        if "interactions" in doc or "messages" in doc or "consumer" in doc:
            return "pact"
    return ""


def load_text(text: str, name: str) -> tuple[Expectations, bool]:
    """One document. Returns (expectations, is_openapi): an OpenAPI document yields nothing here."""
    doc = _parse(text, name)
    kind = kind_of(doc)
    if kind == "pact":
        interactions, notes, source = load_pact(doc, name, text)
        return Expectations(interactions=tuple(interactions), notes=tuple(notes), sources=(source,)), False
    if kind == "json-schema":
        interactions2, source = load_schema_file(doc, name, text)
        return Expectations(interactions=tuple(interactions2), sources=(source,)), False
    if kind == "openapi":
        return Expectations(), True
    raise InputError(f"not an expectations file: expected a Pact file (interactions), a {MARKER} file or an "
                     "OpenAPI document", file=name)


def expand(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files as given, directories as their ``*.json``/``*.yaml``/``*.yml`` files (sorted, recursive)."""
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in (".json", ".yaml", ".yml"))
            if not found:
                raise InputError("no .json/.yaml expectation files in this directory", file=str(p))
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            raise InputError("no such file or directory", file=str(p))
    return out


def load_paths(paths: Sequence[str | os.PathLike[str]]) -> tuple[Expectations, list[str]]:
    """Load every file; returns the expectations and the paths that are OpenAPI documents."""
    total = Expectations()
    specs: list[str] = []
    for path in expand(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"cannot read: {e}", file=str(path)) from None
        exp, is_spec = load_text(text, str(path))
        if is_spec:
            specs.append(str(path))
        total = total + exp
    return total, specs


def load_broker(url: str, selection: BrokerSelection, *, env: dict[str, str] | None = None) -> Expectations:
    total = Expectations()
    pacts = fetch_pacts(url, selection, env=env)
    if not pacts:
        return Expectations(notes=(Note(code="no-pacts-found", message=f"the broker returned no pacts for provider "
                                        f"{selection.provider!r}", source=url, pointer=""),))
    for p in pacts:
        exp, is_spec = load_text(p.text, p.url)
        if is_spec:
            raise InputError("the broker returned an OpenAPI document, not a pact", file=p.url)
        total = total + exp
    return total
