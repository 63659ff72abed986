"""Benchmark: parity comparisons of paired ~5 KB JSON bodies, and what deepdiff costs.

Run: ``.venv/bin/python benchmarks/bench_parity.py [--pairs 2000]``

The same pairs of ~5 KB order documents (29 line items, nested customer and shipping objects) go
through:

1. contractdrift's ``BodyComparator`` with its default *hybrid* engine (objects and arrays of
   objects walked directly, deepdiff only for the arrays that need alignment or order-insensitive
   matching; a property test holds its output equal to deepdiff's on the whole document);
2. the same comparator with ``engine="deepdiff"`` (deepdiff in tree view on the whole document, plus
   the post-processing that turns it into typed differences);
3. ``DeepDiff`` alone with the same options (what the post-processing costs on top);
4. a plain recursive structural comparison (dicts by key, lists by index, scalars by type and
   value), the cheapest thing that could work, written here as the yardstick;
5. ``ParityCheck.run`` end to end on as many exchange pairs (pairing, comparison against a control
   for noise, aggregation into findings).

Three mixes: identical pairs (the fast path: canonical equality, no deepdiff), pairs that differ only
in volatile fields (timestamps, uuids: what every real replay pair looks like), and pairs with real
changes as well (a field removed, a type changed, items reordered). For each, pairs/s and the
comparator's cost relative to the plain walk are printed; the plain walk's findings are checked
against the comparator's on the changed mix (where they agree, and where only one of them can see
something, e.g. the reordered array).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contractdrift.compare.parity import BodyComparator, ParityCheck, fold
from contractdrift.model import Body, Exchange, Request, Response

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]


def make_doc(rng: random.Random, oid: int) -> dict[str, Any]:
    return {
        "id": oid,
        "status": rng.choice(["open", "paid", "shipped"]),
        "created_at": f"2024-05-{rng.randrange(1, 29):02d}T10:{rng.randrange(60):02d}:00Z",
        "request_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "customer": {"id": rng.randrange(10**6), "name": f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}",
                     "email": f"{rng.choice(WORDS)}@example.com", "vip": rng.random() < 0.1,
                     "tags": [rng.choice(WORDS) for _ in range(3)]},
        "shipping": {"street": f"{rng.randrange(999)} {rng.choice(WORDS).title()} Street", "city": "Berlin",
                     "country": "DE", "zip": f"{rng.randrange(10000, 99999)}", "eta_days": rng.randrange(1, 9)},
        "items": [{"sku": f"SKU-{rng.randrange(10**5):05d}", "name": f"{rng.choice(WORDS)} {rng.choice(WORDS)}",
                   "qty": rng.randrange(1, 5), "price": round(rng.uniform(1, 500), 2),
                   "discount": {"kind": rng.choice(["none", "percent"]), "value": rng.randrange(30)},
                   "attributes": {"color": rng.choice(WORDS), "size": rng.choice(["S", "M", "L"])}}
                  for _ in range(29)],
        "total": {"amount": round(rng.uniform(1, 5000), 2), "currency": "EUR"},
        "note": rng.choice(WORDS) * 3,
    }


def volatile(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["created_at"] = f"2024-06-{rng.randrange(1, 29):02d}T11:{rng.randrange(60):02d}:00Z"
    out["request_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    return out


def changed(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = volatile(doc, rng)
    del out["note"]
    out["total"]["amount"] = f"{out['total']['amount']:.2f}"
    out["customer"]["tags"].reverse()
    out["items"][3]["qty"] += 1
    return out


def plain_compare(a: Any, b: Any, path: tuple[Any, ...] = ()) -> list[tuple[str, tuple[Any, ...]]]:
    """The yardstick: dicts by key, lists by index, scalars by JSON type and value."""
    ta, tb = type(a), type(b)
    if ta is dict and tb is dict:
        out: list[tuple[str, tuple[Any, ...]]] = []
        for k in a.keys() - b.keys():
            out.append(("removed", (*path, k)))
        for k in b.keys() - a.keys():
            out.append(("added", (*path, k)))
        for k in a.keys() & b.keys():
            out += plain_compare(a[k], b[k], (*path, k))
        return out
    if ta is list and tb is list:
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += plain_compare(x, y, (*path, i))
        if len(a) > len(b):
            out += [("item-removed", (*path, i)) for i in range(len(b), len(a))]
        elif len(b) > len(a):
            out += [("item-added", (*path, i)) for i in range(len(a), len(b))]
        return out
    numbers = (int, float)
    if ta in numbers and tb in numbers and ta is not bool and tb is not bool:
        return [] if a == b else [("value", path)]
    if ta is not tb:
        return [("type", path)]
    return [] if a == b else [("value", path)]


def rate(fn: Callable[[Any, Any], Any], pairs: list[tuple[Any, Any]], budget: float = 3.0) -> float:
    """Pairs per second over at most ``budget`` seconds (at least 20 pairs, cycling through them)."""
    n, start = 0, time.perf_counter()
    while True:
        a, b = pairs[n % len(pairs)]
        fn(a, b)
        n += 1
        if n >= 20 and (n % 10 == 0) and time.perf_counter() - start >= budget:
            return n / (time.perf_counter() - start)


def exchanges(docs: list[dict[str, Any]], prefix: str, link: bool) -> list[Exchange]:
    out = []
    for i, d in enumerate(docs):
        out.append(Exchange(id=f"{prefix}{i}", started_at=0.0, duration_ms=1.0,
                            request=Request(method="GET", url=f"http://shop/orders/{i}"),
                            response=Response(status=200, headers=(("content-type", "application/json"),),
                                              body=Body(kind="json", media_type="application/json", size=5000,
                                                        json=d)),
                            replay_of=f"B{i}" if link else None))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=2000)
    args = ap.parse_args()
    rng = random.Random(13)
    base = [make_doc(rng, i) for i in range(args.pairs)]
    size = sum(len(json.dumps(d)) for d in base) / len(base)
    print(f"{args.pairs} pairs of ~{size / 1024:.1f} KB JSON bodies")
    mixes = {
        "identical": [(d, copy.deepcopy(d)) for d in base],
        "volatile only": [(d, volatile(d, rng)) for d in base],
        "real changes": [(d, changed(d, rng)) for d in base],
    }
    comparator = BodyComparator()
    reference = BodyComparator(engine="deepdiff")
    from deepdiff import DeepDiff

    def deepdiff_alone(a: Any, b: Any) -> Any:
        return DeepDiff(a, b, view="tree", threshold_to_diff_deeper=0, verbose_level=2)

    print(f"{'mix':<15} {'hybrid/s':>10} {'deepdiff engine/s':>18} {'DeepDiff alone/s':>17} "
          f"{'plain walk/s':>13} {'hybrid vs plain':>16} {'deepdiff vs plain':>18}")
    for name, pairs in mixes.items():
        ours = rate(comparator.compare, pairs)
        full = rate(reference.compare, pairs, budget=2.0)
        dd = rate(deepdiff_alone, pairs, budget=2.0)
        plain = rate(plain_compare, pairs)
        print(f"{name:<15} {ours:>10,.0f} {full:>18,.0f} {dd:>17,.0f} {plain:>13,.0f} {plain / ours:>15.1f}x "
              f"{plain / full:>17.1f}x")

    # what each sees on the changed mix (folded places)
    agree = only_ours = only_plain = 0
    for a, b in mixes["real changes"][:200]:
        ours_set = {(d.kind, fold(d.pointer)) for d in comparator.compare(a, b)}
        plain_set = {(k, fold(p)) for k, p in plain_compare(a, b)}
        agree += len(ours_set & plain_set)
        only_ours += len(ours_set - plain_set)
        only_plain += len(plain_set - ours_set)
    print(f"changed mix, 200 pairs: places both report {agree}, only the comparator {only_ours} "
          f"(the reordered array as one 'order' change), only the plain walk {only_plain} "
          "(the reordered array's items as value changes)")

    # end to end: pairing, control for noise, aggregation
    cand_docs = [b for _, b in mixes["real changes"]]
    ctrl_docs = [b for _, b in mixes["volatile only"]]
    b_ex, c_ex, k_ex = exchanges(base, "B", False), exchanges(cand_docs, "C", True), exchanges(ctrl_docs, "K", True)
    start = time.perf_counter()
    result = ParityCheck(operation_of=lambda e: "GET /orders/{id}").run(b_ex, c_ex, k_ex)
    elapsed = time.perf_counter() - start
    print(f"ParityCheck.run: {args.pairs} candidate pairs + {args.pairs} control pairs in {elapsed:.2f} s "
          f"({2 * args.pairs / elapsed:,.0f} comparisons/s), {len(result.findings)} findings, "
          f"{result.stats.suppressed_as_noise} differences explained as noise")
    return 0


if __name__ == "__main__":
    sys.exit(main())
