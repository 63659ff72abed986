"""Accuracy: generate samples from known schemas, infer, compare with the truth.

Types, required and nullable must come back exactly; formats and enums must be recovered; maps,
discriminated unions and empty arrays must be recognised.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from contractdrift.infer.derive import node_schema
from contractdrift.infer.options import InferOptions
from contractdrift.infer.summary import Node

ORDER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "ref": {"type": "string", "format": "uuid"},
        "status": {"type": "string", "enum": ["new", "paid", "shipped"]},
        "created": {"type": "string", "format": "date-time"},
        "due": {"type": "string", "format": "date", "nullable": True},
        "email": {"type": "string", "format": "email"},
        "site": {"type": "string", "format": "uri"},
        "ip": {"type": "string", "format": "ipv4"},
        "amount": {"type": "number"},
        "paid": {"type": "boolean"},
        "note": {"type": "string", "nullable": True},
        "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c", "d"]}},
        "lines": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "sku": {"type": "string"},
                    "qty": {"type": "integer"},
                    "discount": {"type": "number", "nullable": True},
                },
                "required": ["sku", "qty"],
            },
        },
        "customer": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "vip": {"type": "boolean"}, "since": {"type": "integer", "format": "unix-time"}},
            "required": ["name"],
        },
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["id", "ref", "status", "created", "amount", "paid", "tags", "lines", "metadata"],
}

PAYMENT: dict[str, Any] = {
    "oneOf": [
        {"type": "object", "properties": {"type": {"const": "card"}, "last4": {"type": "string"}, "brand": {"type": "string", "enum": ["visa", "amex"]}},
         "required": ["type", "last4", "brand"]},
        {"type": "object", "properties": {"type": {"const": "bank"}, "iban": {"type": "string"}, "bic": {"type": "string"}},
         "required": ["type", "iban"]},
        {"type": "object", "properties": {"type": {"const": "wallet"}, "wallet_id": {"type": "string", "format": "uuid"}},
         "required": ["type", "wallet_id"]},
    ],
}

_WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "fox", "golf", "hotel", "india", "juliet", "kilo"]


def gen(schema: dict[str, Any], rng: random.Random) -> Any:
    if "oneOf" in schema:
        return gen(rng.choice(schema["oneOf"]), rng)
    if "const" in schema:
        return schema["const"]
    if schema.get("nullable") and rng.random() < 0.25:
        return None
    if "enum" in schema:
        return rng.choice(schema["enum"])
    t = schema["type"]
    if t == "object":
        if "additionalProperties" in schema:
            return {f"{rng.choice(_WORDS)}-{rng.randrange(10_000)}": gen(schema["additionalProperties"], rng)
                    for _ in range(rng.randrange(0, 4))}
        req = set(schema.get("required", ()))
        return {k: gen(s, rng) for k, s in schema["properties"].items() if k in req or rng.random() < 0.6}
    if t == "array":
        return [gen(schema["items"], rng) for _ in range(rng.randrange(0, 4))]
    if t == "integer":
        if schema.get("format") == "unix-time":
            return rng.randrange(1_500_000_000, 1_800_000_000)
        return rng.randrange(-1000, 100_000)
    if t == "number":
        return round(rng.uniform(-100, 1000), 3) + 0.001
    if t == "boolean":
        return rng.random() < 0.5
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if fmt == "date-time":
        return f"20{rng.randrange(10, 30)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}T0{rng.randrange(10)}:1{rng.randrange(10)}:2{rng.randrange(10)}Z"
    if fmt == "date":
        return f"20{rng.randrange(10, 30)}-0{rng.randrange(1, 10)}-2{rng.randrange(0, 9)}"
    if fmt == "email":
        return f"{rng.choice(_WORDS)}{rng.randrange(1000)}@example.org"
    if fmt == "uri":
        return f"https://{rng.choice(_WORDS)}.example.com/{rng.randrange(1000)}"
    if fmt == "ipv4":
        return ".".join(str(rng.randrange(256)) for _ in range(4))
    return f"{rng.choice(_WORDS)} {rng.randrange(100_000)}"


def infer(samples: list[Any], opts: InferOptions) -> dict[str, Any]:
    node = Node(opts)
    for i in range(0, len(samples), opts.batch_size):
        node.add(samples[i : i + opts.batch_size])
    return node_schema(node, opts)


def _types(s: dict[str, Any]) -> set[str]:
    t = s.get("type")
    return {t} if isinstance(t, str) else set(t or ())


def compare(truth: dict[str, Any], got: dict[str, Any], where: str = "$") -> None:
    if "oneOf" in truth:
        assert "oneOf" in got, f"{where}: expected a discriminated union"
        assert got["discriminator"] == {"propertyName": "type"}
        want = {v["properties"]["type"]["const"]: v for v in truth["oneOf"]}
        have = {tuple(v["properties"]["type"]["enum"]): v for v in got["oneOf"]}
        assert set(have) == {(k,) for k in want}
        for tag, variant in want.items():
            sub = {**variant, "properties": {k: s for k, s in variant["properties"].items() if k != "type"}}
            g = have[(tag,)]
            g = {**g, "properties": {k: s for k, s in g["properties"].items() if k != "type"}}
            g["required"] = [r for r in g["required"] if r != "type"]
            sub["required"] = [r for r in sub["required"] if r != "type"]
            compare(sub, g, f"{where}<{tag}>")
        return
    want_types = {truth["type"]} | ({"null"} if truth.get("nullable") else set())
    assert _types(got) == want_types, f"{where}: types {_types(got)} != {want_types}"
    if "format" in truth:
        assert got.get("format") == truth["format"], f"{where}: format {got.get('format')}"
    else:
        assert "format" not in got, f"{where}: unexpected format {got.get('format')}"
    if "enum" in truth:
        values = set(truth["enum"]) | ({None} if truth.get("nullable") else set())
        assert set(got.get("enum", ())) == values, f"{where}: enum {got.get('enum')}"
    else:
        assert "enum" not in got, f"{where}: unexpected enum {got.get('enum')}"
    if truth["type"] == "object":
        if "additionalProperties" in truth:
            assert "properties" not in got, f"{where}: a map became an object"
            compare(truth["additionalProperties"], got["additionalProperties"], f"{where}.*")
            return
        assert set(got["properties"]) == set(truth["properties"]), where
        assert set(got.get("required", ())) == set(truth.get("required", ())), f"{where}: required"
        for k, sub in truth["properties"].items():
            compare(sub, got["properties"][k], f"{where}.{k}")
    if truth["type"] == "array":
        compare(truth["items"], got["items"], f"{where}[]")


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("batch", [7, 1024])
def test_order_schema_is_recovered(seed: int, batch: int) -> None:
    rng = random.Random(seed)
    samples = [gen(ORDER, rng) for _ in range(600)]
    compare(ORDER, infer(samples, InferOptions(batch_size=batch)))


@pytest.mark.parametrize("seed", [1, 2])
def test_discriminated_union_is_recovered(seed: int) -> None:
    rng = random.Random(seed)
    samples = [gen(PAYMENT, rng) for _ in range(400)]
    got = infer(samples, InferOptions(batch_size=64))
    compare(PAYMENT, got)


def test_random_optional_fields_are_not_a_union() -> None:
    rng = random.Random(5)
    schema = {"type": "object", "properties": {"status": {"type": "string", "enum": ["a", "b", "c"]},
                                               "x": {"type": "integer"}, "y": {"type": "integer"}},
              "required": ["status"]}
    got = infer([gen(schema, rng) for _ in range(500)], InferOptions())
    assert "oneOf" not in got
    compare(schema, got)


def test_empty_arrays_make_no_items_claim() -> None:
    got = infer([{"xs": []} for _ in range(30)], InferOptions())
    xs = got["properties"]["xs"]
    assert xs["type"] == "array" and "items" not in xs
    assert xs["x-contractdrift"]["itemsUnknown"] is True


def test_enum_thresholds_are_tunable_and_can_be_switched_off() -> None:
    samples = [{"color": c, "size": s} for c, s in zip(["red", "green", "blue"] * 20, ["s", "m"] * 30)]
    got = infer(samples, InferOptions())
    assert got["properties"]["color"]["enum"] == ["blue", "green", "red"]
    got = infer(samples, InferOptions(enum_exclude=frozenset({"color"})))
    assert "enum" not in got["properties"]["color"] and got["properties"]["size"]["enum"] == ["m", "s"]
    got = infer(samples, InferOptions(enum_max_values=2))
    assert "enum" not in got["properties"]["color"]
    assert "enum" not in infer(samples[:5], InferOptions())["properties"]["color"]  # too few samples


def test_required_ratio_and_bounds() -> None:
    samples = [{"a": i, **({"b": "x"} if i % 20 else {})} for i in range(100)]
    assert infer(samples, InferOptions())["required"] == ["a"]
    got = infer(samples, InferOptions(required_ratio=0.9, bounds=True))
    assert got["required"] == ["a", "b"]
    assert (got["properties"]["a"]["minimum"], got["properties"]["a"]["maximum"]) == (0, 99)
    assert "minimum" not in infer(samples, InferOptions())["properties"]["a"]


def test_integer_is_kept_apart_from_number() -> None:
    got = infer([{"n": 1}, {"n": 2.5}, {"i": 3}], InferOptions())
    assert got["properties"]["n"]["type"] == "number"
    assert got["properties"]["n"]["x-contractdrift"]["types"] == {"integer": 1, "number": 1}
    assert got["properties"]["i"]["type"] == "integer"
