"""Write OUT/index.html: the demo's whole run on one page (each step's HTML report, linked and embedded)."""

from __future__ import annotations

import html
import sys
from pathlib import Path

PARTS = [
    ("diff.html", "1. diff v1 -> v2: what breaks between the two versions of the spec"),
    ("check.html", "5. check: the recorded traffic against the published spec (v2)"),
    ("three-way.html", "7. the three-way view: traffic, spec and the web-shop client's Pact file"),
    ("tests.html", "8. the service's test suite with the pytest plugin (one test fails on a drift, on purpose)"),
]


def main(out: Path) -> int:
    sections = []
    missing = []
    for name, title in PARTS:
        if not (out / name).is_file():
            missing.append(name)
            continue
        sections.append(f'<section><h2><a href="{name}">{html.escape(title)}</a></h2>'
                        f'<iframe src="{name}" title="{html.escape(title)}" loading="lazy"></iframe></section>')
    page = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>contractdrift demo</title><style>"
            "body{font-family:system-ui,sans-serif;margin:2rem}iframe{width:100%;height:32rem;border:1px solid #ccc}"
            "</style></head><body><h1>contractdrift: the whole demo run</h1>"
            + "".join(sections)
            + (f"<p>missing: {html.escape(', '.join(missing))}</p>" if missing else "")
            + "</body></html>\n")
    (out / "index.html").write_text(page, encoding="utf-8")
    print(f"wrote {out / 'index.html'} ({len(sections)} reports)")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "out")))
