"""Layering (ARCHITECTURE.md) and the public API surface, checked as data."""

from __future__ import annotations

import ast
from pathlib import Path

import contractdrift

PKG = Path(contractdrift.__file__).parent
STAGES = ("model", "capture", "store", "spec", "infer", "expect", "compare", "report")
# stage -> stages (besides itself and model) it may import
ALLOWED = {
    "model": set(),
    "capture": {"store"},  # the Recorder owns its JSON Lines writer (documented exception)
    "store": set(),
    "spec": set(),
    "infer": {"spec"},  # URL -> template matching of a spec's paths (spec/routes.py)
    "expect": set(),  # client expectations in (Pact, JSON Schema files, broker): values for the engine
    "compare": {"spec", "expect"},  # the expectations driver reads compiled expectations
    "report": set(),
}


# single files with a written reason to reach further
FILE_EXCEPTIONS: dict[str, set[str]] = {}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            parts = path.relative_to(PKG).parts
            base = list(parts[:-1])[: len(parts) - node.level] if node.level > 1 else list(parts[:-1])
            target = [*base, *(node.module or "").split(".")] if node.module else base
            if target:
                out.add(target[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("contractdrift."):
            out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("contractdrift."):
                    out.add(alias.name.split(".")[1])
    return out


def test_stages_import_only_what_the_layering_allows() -> None:
    problems = []
    for stage in STAGES:
        for path in sorted((PKG / stage).rglob("*.py")):
            bad = {m for m in _imports(path) if m in STAGES or m in ("api", "cli", "pytest_plugin")}
            bad -= {stage, "model", *ALLOWED[stage], *FILE_EXCEPTIONS.get(str(path.relative_to(PKG)), ())}
            if bad:
                problems.append(f"{path.relative_to(PKG)} imports {sorted(bad)}")
    assert not problems, "\n".join(problems)


def test_cli_goes_through_api() -> None:
    bad = _imports(PKG / "cli.py") & {"capture", "store", "spec", "infer", "compare", "expect"}
    assert not bad, f"cli.py imports stages directly: {sorted(bad)}"


def test_public_api_is_sorted_and_complete() -> None:
    names = contractdrift.__all__
    # isort-style order, as ruff's RUF022 keeps it: CONSTANTS, Classes, functions/modules
    assert list(names) == sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[:1].isupper() else 2, n))
    for name in names:
        assert hasattr(contractdrift, name), name
    public = {n for n in vars(contractdrift) if not n.startswith(("_", "@"))}
    submodules = {"api", "capture", "cli", "compare", "config", "errors", "expect", "infer", "model", "report", "spec",
                  "store", "annotations", "pytest_plugin", "requests", "parallel"}  # requests: an optional extra, imported by name
    missing = public - set(names) - submodules
    assert not missing, f"public names not in __all__: {sorted(missing)}"
