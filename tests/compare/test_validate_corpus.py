"""Real specs (../shared/corpus): generated conforming payloads give no violation, one injected fault gives
exactly one at its pointer, and verdicts agree with jsonschema (Stripe's nullable-beside-anyOf fields,
GitHub's oneOfs, Twilio, Box)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from check_support import (
    conforming,
    inject_fault,
    json_responses,
    mutate,
    reference_paths,
    reference_validator,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from contractdrift.compare.validate import INFORMATIONAL, ValidateOptions, compile_schema
from contractdrift.model import Side
from contractdrift.spec.load import LoadedSpec, load_spec
from contractdrift.spec.node import Node

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
SPECS = {"stripe": "stripe/5/revision.json", "github": "github/5/revision.json",
         "twilio": "twilio-api-v2010/3/revision.json", "box": "box/4/revision.json"}
PER_SPEC = 8
OURS_ONLY = INFORMATIONAL | {"undocumented-property"}
NAMES_PROPERTY = {"required-missing", "additional-property", "read-only-sent", "write-only-sent"}

pytestmark = [pytest.mark.corpus, pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is absent"),
              pytest.mark.usefixtures("validator_path")]  # through the jsonschema-rs gate and without it

_LOADED: dict[str, tuple[LoadedSpec, Any, list[tuple[str, Node]]]] = {}


def _load(name: str) -> tuple[LoadedSpec, Any, list[tuple[str, Node]]]:
    if name not in _LOADED:
        path = CORPUS / SPECS[name]
        if not path.exists():
            pytest.skip(f"{path} is absent")
        spec = load_spec(path)
        responses = json_responses(spec)
        step = max(1, len(responses) // PER_SPEC)
        _LOADED[name] = (spec, {}, responses[::step][:PER_SPEC])
    return _LOADED[name]


CASES = [(name, i) for name in SPECS for i in range(PER_SPEC)]


@pytest.mark.parametrize(("name", "index"), CASES, ids=[f"{n}-{i}" for n, i in CASES])
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(data=st.data())
def test_conforming_payloads_and_single_faults(name: str, index: int, data: st.DataObject) -> None:
    spec, refs, responses = _load(name)
    if index >= len(responses):
        pytest.skip("fewer operations")
    label, node = responses[index]
    if node.key not in refs:
        refs[node.key] = reference_validator(spec.root.data, node.pointer)
    reference = refs[node.key]
    ours = compile_schema(node, side=Side.RESPONSE, options=ValidateOptions())
    payload, trace = data.draw(conforming(node, max_depth=3))
    assume(reference.is_valid(payload))
    got = [v for v in ours.validate(payload) if v.concept not in INFORMATIONAL]
    assert got == [], (label, payload)
    faulty = inject_fault(data.draw, payload, trace)
    if faulty is None:
        return
    doc, fault = faulty
    ref_ok = reference.is_valid(doc)
    got = [v for v in ours.validate(doc) if v.concept not in INFORMATIONAL]
    if fault.concept == "undocumented-property":
        assert ref_ok
    else:
        assume(not ref_ok)  # a wrong type may still be admitted (an anyOf elsewhere): no fault then
    assert [(v.concept, v.pointer) for v in got] == [(fault.concept, fault.pointer)], (label, doc, got)
    if fault.concept != "undocumented-property":
        paths = reference_paths(reference, doc)
        v = got[0]
        assert (v.pointer[:-1] if v.concept in NAMES_PROPERTY else v.pointer) in paths


@pytest.mark.parametrize("nullable", ["lenient", "strict"])
@pytest.mark.parametrize(("name", "index"), CASES, ids=[f"{n}-{i}" for n, i in CASES])
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(data=st.data())
def test_mutated_payloads_agree_with_jsonschema(name: str, index: int, nullable: str, data: st.DataObject) -> None:
    """Verdicts equal jsonschema's and every pointer is one of its error paths (formats off on both sides:
    jsonschema checks formats only with optional packages)."""
    spec, refs, responses = _load(name)
    if index >= len(responses):
        pytest.skip("fewer operations")
    label, node = responses[index]
    key = (node.key, nullable)
    if key not in refs:
        refs[key] = reference_validator(spec.root.data, node.pointer, nullable=nullable)
    reference = refs[key]
    ours = compile_schema(node, side=Side.RESPONSE, options=ValidateOptions(formats=False, nullable=nullable))
    payload, _ = data.draw(conforming(node, max_depth=3))
    doc = mutate(data.draw, payload)
    got = [v for v in ours.validate(doc) if v.concept not in OURS_ONLY]
    ref_ok = reference.is_valid(doc)
    assert (not got) == ref_ok, (label, doc, got, [e.message for e in reference.iter_errors(doc)][:5])
    if got:
        paths = reference_paths(reference, doc)
        for v in got:
            assert (v.pointer[:-1] if v.concept in NAMES_PROPERTY else v.pointer) in paths, (label, doc, v, paths)
