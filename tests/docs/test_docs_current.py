"""Generated docs pages must match what the code generates (run `python docs/_generate.py`)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "_generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("page", ["rules.md", "cli.md"])
def test_generated_page_is_current(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    expected = _generator().PAGES[page]()
    actual = (ROOT / "docs" / page).read_text(encoding="utf-8")
    assert actual == expected, f"docs/{page} is stale: run `python docs/_generate.py`"


def test_every_rule_has_a_docs_anchor() -> None:
    from contractdrift import api

    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', text))
    assert set(api.rules()) == anchors


def test_readme_starts_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_code = text.split("```", 2)[1]
    assert "make demo" in first_code and "make test" in first_code
