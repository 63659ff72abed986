"""Replay's pure parts: where a request goes, which headers are sent, what is not replayable."""

from __future__ import annotations

import pytest

from contractdrift.capture.redact import Redactor
from contractdrift.capture.replay import (
    ReplayOptions,
    default_control_output,
    looks_redacted,
    replay_headers,
    target_url,
    why_not_replayable,
)
from contractdrift.model import Body, Request


def test_target_url_keeps_path_and_query_and_takes_everything_else_from_the_target() -> None:
    assert target_url("http://127.0.0.1:8001", "https://api.example.com/v1/orders/7?x=1&y=2#frag") == \
        "http://127.0.0.1:8001/v1/orders/7?x=1&y=2"
    assert target_url("http://cand.local:9000/prefix/", "http://prod/orders") == "http://cand.local:9000/prefix/orders"
    assert target_url("https://u:p@cand", "http://prod") == "https://cand/"
    with pytest.raises(ValueError):
        target_url("ftp://x", "http://prod/a")


def test_supplied_headers_replace_recorded_ones_and_hop_by_hop_headers_are_dropped() -> None:
    recorded = (("Host", "prod"), ("Authorization", "Bearer [REDACTED]"), ("Accept", "application/json"),
                ("Content-Length", "3"), ("Connection", "keep-alive"), ("Accept-Encoding", "zstd"),
                ("Content-Encoding", "gzip"))
    sent = replay_headers(recorded, [("authorization", "Bearer fresh")])
    assert sent == (("Accept", "application/json"), ("authorization", "Bearer fresh"))


def test_what_the_recorder_redacts_is_recognized_as_not_replayable() -> None:
    redactor = Redactor()
    raw = Request(method="GET", url="http://admin:hunter2@prod/a?page=2",
                  headers=(("Authorization", "Bearer abc"), ("Cookie", "session=xyz; theme=dark"),
                           ("X-Api-Key", "k-123")))
    masked = redactor.redact_headers(raw.headers)
    assert all(looks_redacted(v) for _, v in masked)
    assert why_not_replayable(raw, masked) == "redacted header 'authorization' (supply it with --header)"
    fixed = replay_headers(masked, [("Authorization", "Bearer t"), ("Cookie", "session=s"), ("X-Api-Key", "k")])
    assert why_not_replayable(raw, fixed) is None
    url = Request(method="GET", url=redactor.redact_url(raw.url))
    assert why_not_replayable(url, ()) == "redacted value in the URL"
    body = Request(method="POST", url="http://prod/a",
                   body=Body(kind="json", media_type="application/json", size=9, json={"token": "[REDACTED]"}))
    assert why_not_replayable(body, ()) == "redacted value in the request body"
    cut = Request(method="POST", url="http://prod/a", body=Body(kind="text", size=99, text="abc", truncated=True))
    assert why_not_replayable(cut, ()) == "request body truncated by the recorder"
    assert not looks_redacted("Bearer real-token")


def test_options_are_validated() -> None:
    assert ReplayOptions(methods=frozenset({"post"})).methods == frozenset({"POST"})
    for bad in ({"rate": 0}, {"concurrency": 0}, {"timeout": -1}):
        with pytest.raises(ValueError):
            ReplayOptions(**bad)  # type: ignore[arg-type]


def test_default_control_output() -> None:
    assert default_control_output("out/replay.jsonl") == "out/replay.control.jsonl"
    assert default_control_output("replay.jsonl.gz") == "replay.control.jsonl.gz"
