pytest_plugins = ["pytester"]

# A change the rule registry cannot file where it happened raises in the test suite (counted and
# reported as a warning in production): see contractdrift/compare/emit.py. Subprocesses inherit it.
import os  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

os.environ.setdefault("CONTRACTDRIFT_STRICT_RULES", "1")


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A real dask.distributed LocalCluster: two worker processes on loopback TCP, shared by the
    Dask tests of infer and check (they start in about a second)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster, distributed.Client(cluster) as client:
        yield client
