"""The Orders service's own test suite, checked against its published spec by contractdrift's plugin.

Run it (from the repository root) with the spec given once:

    pytest examples/orders/tests --contractdrift-spec examples/orders/v2.yaml

Nothing else in the tests mentions contractdrift except the ``contractdrift_client`` fixture, a
recording httpx client over the app (in process, no server).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # examples/orders: the app module

from app import app


@pytest.fixture
def api(contractdrift_client: Callable[..., Any]) -> Iterator[httpx.Client]:
    yield contractdrift_client(app=app, base_url="http://orders.test/v1")
