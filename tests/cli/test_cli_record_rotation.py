"""`contractdrift record --rotate-bytes N` reaches the recorder (the staging recipe relies on it)."""

from __future__ import annotations

from typing import Any

import pytest

from contractdrift import api
from contractdrift.capture.recorder import RecorderStats
from contractdrift.cli import main


def test_rotate_bytes_is_passed_to_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake(upstream: str, listen: str, output: str, **kwargs: Any) -> RecorderStats:
        seen.update(kwargs, upstream=upstream, output=output)
        raise SystemExit(0)

    monkeypatch.setattr(api, "run_recording_proxy", fake)
    with pytest.raises(SystemExit):
        main(["record", "--upstream", "http://127.0.0.1:9", "-o", "t.jsonl", "--sample-rate", "0.1",
              "--rotate-bytes", "1048576"])
    assert seen["rotate_bytes"] == 1048576 and seen["sample_rate"] == 0.1


def test_the_recorder_rotates(tmp_path: Any) -> None:
    from contractdrift.capture.recorder import Recorder
    from contractdrift.model import Exchange, Request, Response

    path = tmp_path / "rec" / "traffic.jsonl"
    path.parent.mkdir()
    with Recorder(path, rotate_bytes=2000, offload="inline") as rec:
        for i in range(40):
            rec.submit(Exchange(id=f"e{i}", started_at=float(i), duration_ms=1.0,
                                request=Request(method="GET", url=f"http://h/x/{i}"), response=Response(status=200)))
    files = list(path.parent.iterdir())
    assert len(files) > 1
    import contractdrift

    assert len(list(contractdrift.read_exchanges(path.parent))) == 40  # read back as one recording
