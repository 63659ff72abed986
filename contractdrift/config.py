"""Settings from ``[tool.contractdrift]`` in ``pyproject.toml`` or a ``--config`` file, and ignore files.

Config keys (all optional)::

    [tool.contractdrift]
    fail-on = "error"                 # error | warn | info
    level = "info"                    # lowest severity shown
    deprecation-days = 180            # require x-sunset this far away when deprecating
    match-path = "^/v1/"              # only paths matching this regex
    exclude-extensions = ["x-internal"]
    ignore-file = ".contractdrift-ignore"
    [tool.contractdrift.severity]     # per-rule overrides; "off" disables a rule
    response-optional-property-removed = "error"
    api-tag-removed = "off"

Unknown keys and unknown rule ids fail loudly (exit code 2).

Ignore file: one finding fingerprint per line, optionally ``until YYYY-MM-DD`` and a reason;
``#`` starts a comment. An expired entry no longer suppresses its finding and is reported.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, UsageError
from .model import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_KEYS = {"fail-on", "level", "deprecation-days", "match-path", "exclude-extensions", "ignore-file", "severity"}
OFF = "off"


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    fail_on: Severity | None = None
    level: Severity | None = None
    deprecation_days: int | None = None
    match_path: str | None = None
    exclude_extensions: tuple[str, ...] = ()
    ignore_file: str | None = None
    severity: Mapping[str, Severity | None] = field(default_factory=dict)  # None = rule off
    source: str | None = None


def _severity_or_off(value: Any, where: str) -> Severity | None:
    if isinstance(value, str) and value.strip().lower() in (OFF, "none", "disabled"):
        return None
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise UsageError(f"{where}: {exc}") from None


def parse_severity_flags(items: Sequence[str], known_rules: Mapping[str, object]) -> dict[str, Severity | None]:
    """``--severity RULE=LEVEL`` values (level ``error``, ``warn``, ``info`` or ``off``) -> overrides.

    An item without ``=``, an unknown rule id or an unknown level raises :class:`UsageError`
    naming the item; a later item for the same rule wins.
    """
    out: dict[str, Severity | None] = {}
    for item in items:
        rule_id, sep, level = item.partition("=")
        rule_id, level = rule_id.strip(), level.strip()
        if not sep or not rule_id or not level:
            raise UsageError(f"--severity {item!r}: expected RULE=LEVEL, e.g. response-property-removed=warn")
        if rule_id not in known_rules:
            raise UsageError(f"--severity {item!r}: unknown rule id {rule_id!r} (see `contractdrift rules`)")
        out[rule_id] = _severity_or_off(level, f"--severity {item!r}")
    return out


def parse_config(data: Mapping[str, Any], source: str, known_rules: Mapping[str, object]) -> Config:
    unknown = set(data) - _KEYS
    if unknown:
        raise UsageError(f"{source}: unknown setting(s) {', '.join(sorted(unknown))} "
                         f"(known: {', '.join(sorted(_KEYS))})")
    sev_table = data.get("severity", {})
    if not isinstance(sev_table, Mapping):
        raise UsageError(f"{source}: [severity] must be a table of rule-id = level")
    severity: dict[str, Severity | None] = {}
    for rule_id, level in sev_table.items():
        if rule_id not in known_rules:
            raise UsageError(f"{source}: unknown rule id {rule_id!r} in [severity] (see `contractdrift rules`)")
        severity[rule_id] = _severity_or_off(level, f"{source}: severity of {rule_id}")
    exts = data.get("exclude-extensions", ())
    if isinstance(exts, str):
        exts = (exts,)
    days = data.get("deprecation-days")
    if days is not None and (not isinstance(days, int) or days < 0):
        raise UsageError(f"{source}: deprecation-days must be a non-negative integer")
    match_path = data.get("match-path")
    if match_path is not None:
        _check_regex(str(match_path), f"{source}: match-path")

    def sev(key: str) -> Severity | None:
        v = data.get(key)
        if v is None:
            return None
        out = _severity_or_off(v, f"{source}: {key}")
        if out is None:
            raise UsageError(f"{source}: {key} cannot be 'off'")
        return out

    return Config(fail_on=sev("fail-on"), level=sev("level"), deprecation_days=days,
                  match_path=str(match_path) if match_path is not None else None,
                  exclude_extensions=tuple(str(x) for x in exts),
                  ignore_file=str(data["ignore-file"]) if data.get("ignore-file") else None,
                  severity=severity, source=source)


def _check_regex(pattern: str, where: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise UsageError(f"{where}: invalid regular expression {pattern!r}: {exc}") from None


def load_config(path: str | os.PathLike[str] | None, known_rules: Mapping[str, object], *,
                cwd: str | os.PathLike[str] | None = None) -> Config:
    """Read ``path`` (TOML; a ``pyproject.toml`` uses its ``[tool.contractdrift]`` table), or
    ``pyproject.toml`` in ``cwd`` when no path is given (absent file -> defaults)."""
    explicit = path is not None
    p = Path(path) if path is not None else Path(cwd or ".") / "pyproject.toml"
    if not p.is_file():
        if explicit:
            raise InputError("config file not found", file=str(p))
        return Config()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", file=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read config: {exc}", file=str(p)) from None
    if p.name == "pyproject.toml" or "tool" in data:
        table = data.get("tool", {}).get("contractdrift")
        if table is None:
            if explicit and p.name != "pyproject.toml":
                raise InputError("no [tool.contractdrift] table", file=str(p))
            return Config()
        data = table
    return parse_config(data, str(p), known_rules)


@dataclass(frozen=True, slots=True)
class IgnoreEntry:
    fingerprint: str
    until: _dt.date | None
    reason: str
    line: int


_IGNORE_LINE = re.compile(r"^(?P<fp>[0-9a-f]{8,64})(?:\s+until\s+(?P<until>\d{4}-\d{2}-\d{2}))?(?:\s+(?P<reason>.*))?$")


def load_ignore_file(path: str | os.PathLike[str]) -> list[IgnoreEntry]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("ignore file not found", file=str(p)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read ignore file: {exc}", file=str(p)) from None
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        m = _IGNORE_LINE.match(line)
        if m is None:
            raise InputError("expected '<fingerprint> [until YYYY-MM-DD] [reason]'", file=str(p), line=n, col=1)
        until = None
        if m.group("until"):
            try:
                until = _dt.date.fromisoformat(m.group("until"))
            except ValueError:
                raise InputError(f"invalid date {m.group('until')!r}", file=str(p), line=n) from None
        out.append(IgnoreEntry(m.group("fp"), until, (m.group("reason") or "").strip(), n))
    return out
