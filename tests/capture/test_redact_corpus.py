"""Ordinary payloads lose nothing but secrets and personal data.

Every example value of the real corpus specs (``../shared/corpus``: Stripe, GitHub, Box, Twilio,
petstore) is redacted as a JSON member under its own key. Each value that changes must be explained
by an independent, deliberately simple oracle (an email address, a phone number, a secret-like key
or query parameter, a private key); values of the shapes inference lives on (ids, uuids, hashes,
timestamps, enum-like codes, urls without credentials) must never change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contractdrift.capture.redact import Redactor

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(\+|%2B)\d{8,15}\b|\+\d[\d ]{7,16}\d|\(\d{3}\) ?\d{3}-\d{4}")
_SECRET_WORD = re.compile(r"(?i)pass|secret|token|signature|credential|sig|session|private|key|pem|auth|cookie")
_SHAPES = {
    "uuid": re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    "hex id": re.compile(r"[0-9a-f]{7,64}"),
    "timestamp": re.compile(r"\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?"),
    "number": re.compile(r"-?\d+(\.\d+)?"),
    "enum-like code": re.compile(r"[A-Za-z][A-Za-z0-9]*([_.-][A-Za-z0-9]+)*"),
    "prefixed id": re.compile(r"[a-z]{2,8}_[A-Za-z0-9]{6,40}"),
    "sid": re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}"),
    "plain url": re.compile(r"https?://[\w.-]+(:\d+)?(/[\w.~%{}-]*)*"),
}


def _examples(node: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """(key, value) of every example value, at any depth of ``example``/``examples``."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("example", "x-example"):
                yield from _leaves(v, key or k)
            elif k == "examples" and isinstance(v, dict):
                for item in v.values():
                    yield from _leaves(item.get("value") if isinstance(item, dict) and "value" in item else item, k)
            else:
                yield from _examples(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _examples(v, key)


def _leaves(value: Any, key: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v, key)
    elif isinstance(value, str):
        yield key, value


def _specs() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.glob("*/*/*.json") if p.name != "meta.json")


def _explained(key: str, original: str) -> bool:
    """The independent oracle: why a changed value may change."""
    return bool(
        _EMAIL.search(original)
        or _PHONE.search(original)
        or _SECRET_WORD.search(key)
        or "PRIVATE KEY" in original
        or re.search(r"[?&][^=&]*(?i:token|signature|sig|secret|key|session)[^=&]*=", original)
    )


@pytest.mark.skipif(not _specs(), reason="../shared/corpus is absent")
def test_corpus_examples_lose_only_secrets_and_personal_data() -> None:
    redactor = Redactor(salt=b"corpus")
    seen: set[tuple[str, str]] = set()
    unexplained: list[str] = []
    lost_shapes: list[str] = []
    changed = 0
    for spec in _specs():
        doc = json.loads(spec.read_text(encoding="utf-8"))
        for key, value in _examples(doc):
            if (key, value) in seen:
                continue
            seen.add((key, value))
            out = redactor.redact_json({key: value})
            new = out[key] if isinstance(out, dict) else out
            if new == value:
                continue
            changed += 1
            if not _explained(key, value):
                unexplained.append(f"{spec.relative_to(CORPUS)}: {key}={value[:80]!r} -> {str(new)[:80]!r}")
            if not _SECRET_WORD.search(key):
                for shape, rx in _SHAPES.items():
                    if rx.fullmatch(value):
                        lost_shapes.append(f"{key}={value!r} ({shape})")
    assert len(seen) > 3000  # the corpus really was read
    assert changed > 50  # and it does carry emails and phone numbers
    assert unexplained == []
    assert lost_shapes == []
