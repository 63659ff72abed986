"""Inference gives the same results on recordings written with redaction on.

The samples of ``test_accuracy`` go through a real recorder (redaction on, the default), are read
back from the file and inferred: types, required, nullable, formats (email, uuid, date-time, uri,
ipv4), enums and discriminated unions must come back exactly as without redaction.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from contractdrift import Recorder, read_exchanges
from contractdrift.infer.options import InferOptions
from contractdrift.model import Body, Exchange, Request, Response
from contractdrift.model.masks import is_redacted

from .test_accuracy import ORDER, PAYMENT, compare, gen, infer


def _record(samples: list[Any], path: Path) -> list[Any]:
    with Recorder(path) as rec:
        for i, doc in enumerate(samples):
            rec.submit(Exchange(
                id=f"e{i}", started_at=float(i), duration_ms=1.0,
                request=Request(method="GET", url=f"https://api.test/orders/{i}"),
                response=Response(status=200, body=Body(kind="json", media_type="application/json", size=1, json=doc)),
            ))
    return [e.response.body.json for e in read_exchanges(path) if e.response is not None]


def _strings(doc: Any, key: str) -> list[str]:
    if isinstance(doc, dict):
        return [s for k, v in doc.items() for s in ([v] if k == key and isinstance(v, str) else _strings(v, key))]
    if isinstance(doc, list):
        return [s for v in doc for s in _strings(v, key)]
    return []


@pytest.mark.parametrize("seed", [1, 2])
def test_order_schema_is_recovered_from_a_redacted_recording(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    samples = [gen(ORDER, rng) for _ in range(600)]
    recorded = _record(samples, tmp_path / "orders.jsonl")
    assert len(recorded) == len(samples)
    emails = _strings(recorded, "email")
    assert emails and all(is_redacted(e) for e in emails)  # redaction did happen
    assert len(set(emails)) == len(set(_strings(samples, "email")))  # distinct counts survive
    # everything that is not personal data is recorded as it was
    assert [{k: v for k, v in d.items() if k != "email"} for d in recorded] == \
        [{k: v for k, v in d.items() if k != "email"} for d in samples]
    for batch in (7, 1024):
        compare(ORDER, infer(recorded, InferOptions(batch_size=batch)))


def test_discriminated_union_is_recovered_from_a_redacted_recording(tmp_path: Path) -> None:
    rng = random.Random(1)
    samples = [gen(PAYMENT, rng) for _ in range(400)]
    recorded = _record(samples, tmp_path / "payments.jsonl")
    ibans = _strings(recorded, "iban")  # a secret name: masked, yet distinct and still strings
    assert ibans and all(is_redacted(v) for v in ibans)
    assert len(set(ibans)) == len(set(_strings(samples, "iban")))
    compare(PAYMENT, infer(recorded, InferOptions(batch_size=64)))
