"""The fast infer fold against the straightforward one it replaced (kept here as the oracle).

The library's fold inlines the per-exchange bookkeeping (``OperationSummary.add``), memoizes the
templater's walk up to a path's last segment and pauses the cyclic GC around a unit. None of that may
change a summary: for any sequence of exchanges -- read as ``Exchange`` objects or as the msgspec
records of the fast read path, folded in batches small enough that every slot folds several times --
the summaries are those of the reference fold, byte for byte in their JSON form, and so are the
templates and parameters of any sequence of paths, through prefix collapses.
"""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractdrift.infer import InferOptions, InferredAPI, infer_exchanges
from contractdrift.infer.inferred import parse_query
from contractdrift.infer.operation import OperationSummary, SideSummary
from contractdrift.infer.templating import Templater, _segment_kind, param_name, route_template_params
from contractdrift.model import Body, Exchange, ExchangeView, Request, Response, split_url
from contractdrift.parallel import _gc_paused
from contractdrift.store.records import decode_record, dumps

# --- the reference: the fold as it was before it was made fast ----------------------------------


class ReferenceTemplater(Templater):
    """``Templater.template`` as it was: the whole walk for every path (only the plain-path cache)."""

    def template(self, path: str) -> tuple[str, dict[str, str]]:
        plain = self._plain.get(path)
        if plain is not None:
            return plain, {}
        out: list[str] = []
        params: dict[str, str] = {}
        parent: str | None = None
        cache = self._kinds
        for seg in path.split("/"):
            if not seg:
                continue
            kind = cache.get(seg)
            if kind is None:
                kind = _segment_kind(seg)
                if kind[0] != "id" and len(cache) < 10_000:
                    cache[seg] = kind
            if kind[0] == "never":
                out.append(seg)
                parent = seg
                continue
            idlike = kind[0] == "id"
            value, suffix = kind[1], kind[2]
            prefix = () if idlike else tuple(out)
            if not idlike and self._collapsed and prefix in self._collapsed:
                idlike = True
            if idlike:
                name = self._names.get(parent) if not params else None
                if name is None:
                    name = param_name(parent, params)
                    if not params and len(self._names) < 10_000:
                        self._names[parent] = name
                params[name] = value
                out.append("{" + name + "}" + suffix)
                parent = None
                continue
            kids = self._children.setdefault(prefix, set())
            if seg not in kids:
                kids.add(seg)
                if len(kids) > self.hard_cap:
                    self._collapsed.add(prefix)
                    del self._children[prefix]
                    self._plain.clear()
            out.append(seg)
            parent = seg
        template = "/" + "/".join(out)
        if not params and len(self._plain) < 4096:
            self._plain[path] = template
        return template, params


def reference_add(op: OperationSummary, ex: ExchangeView, path_params: dict[str, str], query: dict[str, Any]) -> None:
    """``OperationSummary.add`` as it was: one ``Slot.push`` / ``SideSummary.add_side`` call each."""
    op.count += 1
    op.path.push(path_params)
    op.query.push(query)
    op.request.add_side(ex.request)
    resp = ex.response
    if resp is not None:
        key = str(resp.status)
        side = op.responses.get(key)
        if side is None:
            side = op.responses[key] = SideSummary(op.opts)
        side.add_side(resp)


def reference_fold(exchanges: Sequence[ExchangeView], opts: InferOptions) -> InferredAPI:
    api = InferredAPI(opts)
    templater = ReferenceTemplater(opts)
    for ex in exchanges:
        path, query = split_url(ex.request.url)
        hit = route_template_params(ex.route, path) if ex.route else None
        if hit is None:
            template, params = templater.template(path)
        else:
            template, params = hit[0], dict(hit[1])
        reference_add(api._op(ex.request.method.upper(), template, hit is not None), ex, params, parse_query(query))
    api.exchanges = len(exchanges)
    return api


# --- exchanges of every shape the fold distinguishes --------------------------------------------

_keys = st.sampled_from(["id", "name", "type", "token", "items", "a", "b", "c", "d", "e", "f"])
_scalars = (st.none() | st.booleans() | st.integers(-(2**40), 2**40)
            | st.floats(allow_nan=False, allow_infinity=False, width=32)
            | st.sampled_from(["", "x", "2026-01-02", "550e8400-e29b-41d4-a716-446655440000", "u@ex.io", "12"])
            | st.text(max_size=4))
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=6),
                     max_leaves=10)
_segments = st.sampled_from(["api", "v1", "orders", "users", "items", "42", "7", "a8Fk2LmQ", "me",
                             "550e8400-e29b-41d4-a716-446655440000", "report.json", "17.json", ""])
_paths = st.lists(_segments, max_size=4).map(lambda segs: "/" + "/".join(segs))
_queries = st.sampled_from(["", "?limit=3", "?limit=3&limit=4", "?q=a%20b", "?flag", "?a=1&b=", "?x=1#frag"])
_headers = st.lists(st.tuples(st.sampled_from(["Accept", "accept", "X-Request-Id", "Authorization", "Date",
                                               "Content-Type", "X-Trace", "x-trace"]),
                              st.sampled_from(["application/json", "1", "2", "text/plain; charset=utf-8"])),
                    max_size=4).map(tuple)


@st.composite
def _bodies(draw: st.DrawFn) -> Body:
    kind = draw(st.sampled_from(["empty", "json", "json", "text", "binary"]))
    media = draw(st.sampled_from([None, "application/json", "application/problem+json", "text/plain"]))
    size = draw(st.integers(0, 5000))
    truncated = draw(st.booleans())
    if kind == "empty":
        return Body(kind="empty", media_type=media)
    if kind == "json":
        return Body(kind="json", media_type=media, size=size, json=draw(_json), truncated=truncated)
    if kind == "text":
        return Body(kind="text", media_type=media, size=size, text="hello", truncated=truncated)
    return Body(kind="binary", media_type=media, size=size, base64="AAEC", truncated=truncated)


@st.composite
def _exchanges(draw: st.DrawFn) -> Exchange:
    method = draw(st.sampled_from(["GET", "POST", "delete"]))
    url = draw(st.sampled_from(["http://h", "https://h:8443", ""])) + draw(_paths) + draw(_queries)
    request = Request(method=method.upper(), url=url or "/", headers=draw(_headers), body=draw(_bodies()))
    response = None
    if draw(st.integers(0, 9)):
        response = Response(status=draw(st.sampled_from([200, 201, 404, 500])), headers=draw(_headers),
                            body=draw(_bodies()))
    route = draw(st.sampled_from([None, None, None, "/api/{x}/orders/<int:oid>"]))
    return Exchange(id="e", started_at=0.0, duration_ms=0.0, request=request, response=response, route=route)


_OPTS = [InferOptions(batch_size=1, format_sample=1, distinct_cap=2, max_properties=3),
         InferOptions(batch_size=3, format_sample=2, distinct_cap=4, max_properties=5),
         InferOptions(batch_size=7)]
_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _as_records(exchanges: list[Exchange]) -> list[ExchangeView]:
    out: list[ExchangeView] = []
    for ex in exchanges:
        rec = decode_record(dumps(ex.to_dict()))
        assert not isinstance(rec, dict)
        out.append(rec)
    return out


def _summary(api: InferredAPI) -> str:
    return api.to_json()


@_settings
@given(st.lists(_exchanges(), max_size=40), st.sampled_from(_OPTS), st.booleans())
def test_the_fold_equals_the_reference_fold(exchanges: list[Exchange], opts: InferOptions, as_records: bool) -> None:
    views: list[ExchangeView] = _as_records(exchanges) if as_records else list(exchanges)
    want = reference_fold(views, opts)
    got = infer_exchanges(views, opts)
    assert _summary(got) == _summary(want)
    assert json.dumps(got.to_openapi(), sort_keys=True) == json.dumps(want.to_openapi(), sort_keys=True)


@_settings
@given(st.lists(_exchanges(), max_size=30), st.lists(_exchanges(), max_size=30), st.sampled_from(_OPTS))
def test_folding_two_slices_and_merging_equals_the_reference_over_both(
    xs: list[Exchange], ys: list[Exchange], opts: InferOptions
) -> None:
    merged = infer_exchanges(xs, opts).merge(infer_exchanges(ys, opts))
    want = reference_fold(xs, opts).merge(reference_fold(ys, opts))
    assert _summary(merged) == _summary(want)


# --- templating: the memoized walk gives every answer of the whole walk, through collapses -------

_words = [f"w{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(70)]  # literals, never id-like


@st.composite
def _path_runs(draw: st.DrawFn) -> list[str]:
    paths: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        head = draw(st.sampled_from(["", "/api/v1", "/shop", "/api/v1/orders/42"]))
        many = draw(st.integers(0, 70))  # > 50 distinct literals under one prefix collapses it
        for i in range(many):
            tail = draw(st.sampled_from(["", "/17", "/report.json", "/" + _words[(i * 7) % 70]]))
            paths.append(f"{head}/{_words[i]}{tail}")
        paths.extend(draw(st.lists(_paths, max_size=5)))
    return paths


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_path_runs())
def test_templating_equals_the_whole_walk_for_every_path(paths: list[str]) -> None:
    opts = InferOptions()
    fast, slow = Templater(opts), ReferenceTemplater(opts)
    for path in paths:
        assert fast.template(path) == slow.template(path), path
    assert fast._collapsed == slow._collapsed


def test_a_collapse_is_seen_by_paths_memoized_before_it() -> None:
    opts = InferOptions()
    fast, slow = Templater(opts), ReferenceTemplater(opts)
    paths = ["/shop/wa/17", "/shop/wa/18"] + [f"/shop/{w}" for w in _words] + ["/shop/wa/19", "/shop/zz/20"]
    got = [fast.template(p) for p in paths]
    assert got == [slow.template(p) for p in paths]
    assert fast.hard_cap == 60 and fast._collapsed == {("shop",)}  # 72 literals under /shop
    assert got[0] == ("/shop/wa/{waId}", {"waId": "17"})
    # /shop/wa was memoized before the collapse; after it, "wa" is a value too
    assert got[-2] == ("/shop/{shopId}/{id}", {"shopId": "wa", "id": "19"})


# --- the collector pause -------------------------------------------------------------------------


def test_gc_pause_nests_and_restores_the_callers_setting() -> None:
    assert gc.isenabled()
    with _gc_paused():
        assert not gc.isenabled()
        with _gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with _gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the caller turned it off: it stays off
    finally:
        gc.enable()


def test_gc_pause_overlapping_threads_leave_the_collector_on() -> None:
    inside = threading.Barrier(2, timeout=10)
    first_out = threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with _gc_paused():
            inside.wait()
        first_out.set()

    def second() -> None:
        with _gc_paused():
            inside.wait()
            first_out.wait(10)
            seen.append(gc.isenabled())  # the other fold ended first: this one still runs paused

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert seen == [False]
    assert gc.isenabled()


# digits (Nd, ASCII and not), other numbers (No), upper and lower case letters (Lu, Ll), spelled out:
# `st.characters(categories=...)` is newer than the lowest hypothesis this project supports
_SEGMENT_CHARS = "0123456789" "٠١٢٣٩" "०१९" "²³¼½" "ABCXYZÀÉ" "abcxyzàéß"


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(_SEGMENT_CHARS), min_size=1, max_size=8)
       | st.from_regex(r"[0-9]{1,12}", fullmatch=True))
def test_digit_segments_take_the_shortcut_to_the_same_kind(seg: str) -> None:
    from contractdrift.infer.formats import is_id_like, is_version_like
    from contractdrift.infer.templating import _NEVER

    if seg.lower() in _NEVER or is_version_like(seg):
        want = ("never", seg, "")
    elif is_id_like(seg):
        want = ("id", seg, "")
    else:
        want = _segment_kind(seg)  # literal or id with a suffix: not the shortcut's business
        assert not seg.isdigit()
    assert _segment_kind(seg) == want
