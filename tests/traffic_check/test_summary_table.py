"""The plugin's coverage table (``_summary.coverage_table``) from a real check's coverage: every GET
operation's HEAD exchanges and the OPTIONS exchanges on paths without an options operation get rows,
as in the text report."""

from __future__ import annotations

import contractdrift
from contractdrift._summary import coverage_table

from .helpers import ex, ok, spec


def test_head_and_options_rows_in_the_coverage_table() -> None:
    doc = spec({"/items": {"get": {"responses": {"200": ok({"type": "array"}), "404": ok()}}}})
    traffic = [ex("GET", "/items", resp=[]), ex("GET", "/items", resp=[]),
               ex("HEAD", "/items", resp=None), ex("HEAD", "/items", 500, resp=None),
               ex("OPTIONS", "/items", 204, resp=None,
                  headers={"origin": "https://a.test", "access-control-request-method": "GET"})]
    lines = coverage_table(contractdrift.check(traffic, spec=doc).coverage)
    rows = [" ".join(line.split()) for line in lines]
    assert "GET /items 2 200 404" in rows
    assert "HEAD /items (as GET /items) 2 200, 500 (undocumented)" in rows
    assert "OPTIONS /items (undocumented; 1 CORS preflight(s)) 1 204" in rows
