"""The rule-fixture cases: hand-written directories under ``tests/data/rules/<rule-id>/`` plus the
cases of the composed rules, generated in memory (at collection) by ``tests/data/rules/_generate.py``.

A case is four OpenAPI documents (``base``, ``unchanged``, ``compatible``, ``incompatible``) and
an optional ``case.yaml`` (``mirror``, ``waiver``, ``options``). Generated documents are YAML text
loaded with :func:`~contractdrift.spec.load.load_spec_text`, so findings carry real line numbers
exactly as they would from files.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from contractdrift.spec.load import LoadedSpec, load_spec, load_spec_text

RULES_DIR = Path(__file__).resolve().parents[1] / "data" / "rules"
FIXTURE_FILES = ("base.yaml", "unchanged.yaml", "compatible.yaml", "incompatible.yaml")


@functools.cache
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_rules_fixture_generator", RULES_DIR / "_generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@functools.cache
def generated() -> Mapping[str, Mapping[str, str]]:
    """Rule id -> file name -> text, for every composed rule the generator can embed."""
    cases: Mapping[str, Mapping[str, str]] = generator().render_all()
    return cases


@functools.cache
def uncovered() -> Mapping[str, str]:
    """Composed rule ids the generator cannot build a case for -> why (a new concept without a table
    row, or a new scope without an embedding)."""
    reasons: Mapping[str, str] = generator().uncovered()
    return reasons


@functools.cache
def hand_written() -> tuple[str, ...]:
    """Directories written by hand (generated ones are never on disk)."""
    return tuple(sorted(d.name for d in RULES_DIR.iterdir() if d.is_dir() and not d.name.startswith(("_", "."))))


def all_cases() -> list[str]:
    """Every case id: the hand-written directories and the generated cases."""
    return sorted({*hand_written(), *generated()})


def complete_cases() -> set[str]:
    """Case ids with all four documents (generated cases always have them)."""
    return set(generated()) | {rid for rid in hand_written()
                               if all((RULES_DIR / rid / name).is_file() for name in FIXTURE_FILES)}


@functools.cache
def spec(rule_id: str, name: str) -> LoadedSpec:
    files = generated().get(rule_id)
    if files is not None and rule_id not in hand_written():
        return load_spec_text(files[f"{name}.yaml"], f"<generated>/{rule_id}/{name}.yaml")
    return load_spec(RULES_DIR / rule_id / f"{name}.yaml")


@functools.cache
def case(rule_id: str) -> Mapping[str, Any]:
    files = generated().get(rule_id)
    if files is not None and rule_id not in hand_written():
        text = files.get("case.yaml")
        where = f"<generated>/{rule_id}/case.yaml"
    else:
        path = RULES_DIR / rule_id / "case.yaml"
        text = path.read_text(encoding="utf-8") if path.exists() else None
        where = str(path)
    if text is None:
        return {}
    data = yaml.safe_load(text) or {}
    assert isinstance(data, dict), f"{where}: expected a mapping"
    unknown = set(data) - {"mirror", "waiver", "options"}
    assert not unknown, f"{where}: unknown keys {sorted(unknown)}"
    return data


def missing_cases(registry: Mapping[str, object], cases: set[str]) -> list[str]:
    """Registered rule ids without a fixture case (the audit; takes its inputs so it can be tested)."""
    return sorted(rid for rid in registry if rid not in cases)
