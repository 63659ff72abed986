"""Every code block in docs/*.md runs, so the docs cannot rot.

* ``python``: executed in order, one namespace per page (like a doctest session), in a scratch
  directory where ``examples/`` is the repository's bundled example data;
* ``sh``/``bash``/``console``: each ``contractdrift ...`` line is run through the CLI and each ``pytest ...``
  line as a subprocess; the exit code must be 0 or 1 (1: findings at or above ``--fail-on``, or the demo
  suite's deliberate drift) unless ``<!-- docs-test: exit N -->`` precedes the block. Any other
  command must be in a block marked ``<!-- docs-test: skip REASON -->`` (for a network or a
  long-running server): the reason is shown as the test's skip reason;
* ``yaml``/``toml``/``json``: parsed;
* ``<!-- docs-test: setup ... -->`` holds hidden Python run before the next block (like Sphinx's testsetup);
* ``text`` (synopses, output) is not run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
DOCS = sorted((REPO / "docs").glob("*.md"))
FENCE = re.compile(r"^```(\w*)\s*$")
DIRECTIVE = re.compile(r"<!--\s*docs-test:\s*(skip|exit|setup)\b(.*?)-->", re.S)
RUN_LANGS = {"python", "sh", "bash", "console", "yaml", "yml", "toml", "json"}


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    code: str
    skip: str | None = None
    exit: int | None = None
    setup: str = ""


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    out: list[Block] = []
    pending: dict[str, Any] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith("<!--") and "docs-test:" in line:
            end = i
            while "-->" not in lines[end]:
                end += 1
            m = DIRECTIVE.search("\n".join(lines[i:end + 1]))
            assert m, f"{path.name}:{i + 1}: unreadable docs-test directive"
            kind, arg = m.group(1), m.group(2)
            if kind == "skip":
                assert arg.strip(), f"{path.name}:{i + 1}: a skip needs a reason"
                pending["skip"] = arg.strip()
            elif kind == "exit":
                pending["exit"] = int(arg.strip())
            else:
                pending["setup"] = arg.strip("\n")
            i = end + 1
            continue
        m = FENCE.match(line)
        if m:
            lang = m.group(1).lower()
            start = i
            i += 1
            body = []
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if lang in RUN_LANGS:
                out.append(Block(path.name, start + 1, lang, "\n".join(body) + "\n", **pending))
            pending = {}
        i += 1
    return out


ALL = [b for page in DOCS for b in blocks(page)]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("docs")
    (d / "examples").symlink_to(REPO / "examples", target_is_directory=True)
    return d


_NAMESPACES: dict[str, dict[str, Any]] = {}


def _commands(code: str) -> list[str]:
    """Shell lines, continuation backslashes joined, comments and prompts stripped."""
    out: list[str] = []
    buf = ""
    for raw in code.splitlines():
        line = raw.strip()
        if line.startswith("$ "):
            line = line[2:]
        if buf:
            line = buf + " " + line
            buf = ""
        if line.endswith("\\"):
            buf = line[:-1].strip()
            continue
        line = re.sub(r"\s+#.*$", "", line) if not line.startswith("#") else ""
        if line:
            out.append(line)
    return out


def _run_cli(argv: list[str]) -> tuple[int, str]:
    from contractdrift.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue() + err.getvalue()


_RAN: dict[str, int] = {}  # page -> how many of its blocks this process has run (or skipped), in order


@pytest.mark.parametrize("block", ALL, ids=[f"{b.page}:{b.line}:{b.lang}" for b in ALL])
def test_docs_block(block: Block, scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = [b for b in ALL if b.page == block.page]
    at = page.index(block)
    # A page's blocks build on each other (its namespace, the files its commands write). Where they are
    # not all run here in order (pytest -n: they are spread over workers), the earlier ones run first.
    for earlier in page[_RAN.get(block.page, 0):at]:
        if earlier.skip is None:
            _run_block(earlier, scratch, monkeypatch)
    _RAN[block.page] = at + 1
    if block.skip is not None:
        pytest.skip(f"{block.page}:{block.line}: {block.skip}")
    _run_block(block, scratch, monkeypatch)


def _run_block(block: Block, scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(scratch)
    if block.lang in ("yaml", "yml"):
        list(yaml.safe_load_all(block.code))
        return
    if block.lang == "toml":
        tomllib.loads(block.code)
        return
    if block.lang == "json":
        json.loads(block.code)
        return
    if block.lang == "python":
        ns = _NAMESPACES.setdefault(block.page, {"__name__": f"docs_{block.page}"})
        monkeypatch.syspath_prepend(str(scratch))
        if block.setup:
            exec(compile(block.setup, f"{block.page}:{block.line} (setup)", "exec"), ns)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(block.code, f"{block.page}:{block.line}", "exec"), ns)
        return
    for command in _commands(block.code):
        argv = shlex.split(command)
        allowed = {block.exit} if block.exit is not None else {0, 1}
        if argv[0] == "contractdrift":
            code, output = _run_cli(argv[1:])
        elif argv[0] == "pytest":
            proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *argv[1:]],
                                  cwd=scratch, capture_output=True, text=True, timeout=240,
                                  env={**os.environ, "PYTHONPATH": str(REPO)})
            code, output = proc.returncode, proc.stdout + proc.stderr
        else:
            pytest.fail(f"{block.page}:{block.line}: `{command}` is neither a contractdrift nor a pytest command; "
                        "mark the block <!-- docs-test: skip REASON --> if it needs a network or a server")
        assert code in allowed, f"{block.page}:{block.line}: `{command}` exited {code}:\n{output[-3000:]}"


def test_the_docs_have_runnable_blocks() -> None:
    """The extractor finds what it should (it cannot silently find nothing)."""
    pages = {b.page for b in ALL}
    assert {"quickstart.md", "recipes.md"} <= pages
    assert sum(b.lang == "python" for b in ALL) >= 5
    assert any(b.skip for b in ALL) and any(b.exit is not None for b in ALL)
