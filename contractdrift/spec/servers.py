"""Server base paths: which ``servers`` prefixes a concrete URL may sit under.

Every variable value a server lists counts (its ``default`` and each ``enum`` member), absolute
(``https://h/v1``), scheme-relative (``//h/v1``) and relative (``/v1``) URLs alike. Swagger 2.0
``basePath`` arrives here as ``servers`` (see :mod:`.swagger2`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from .routes import normalize_path

__all__ = ["server_base_paths"]

_VAR = re.compile(r"\{([^{}/]+)\}")
_MAX_SERVER_EXPANSIONS = 64


def _expand(url: str, variables: Mapping[str, Any]) -> list[str]:
    """Every URL a templated server URL stands for: each variable over its ``enum`` (default first)."""
    names = list(dict.fromkeys(_VAR.findall(url)))
    choices: list[list[str]] = []
    for name in names:
        var = variables.get(name)
        values: list[str] = []
        if isinstance(var, Mapping):
            if "default" in var:
                values.append(str(var["default"]))
            values += [str(v) for v in var.get("enum") or () if str(v) not in values]
        choices.append(values or [""])
    out: list[str] = []
    for combo in itertools.islice(itertools.product(*choices), _MAX_SERVER_EXPANSIONS):
        table = dict(zip(names, combo))
        out.append(_VAR.sub(lambda m, table=table: table.get(m.group(1), ""), url))  # type: ignore[misc]
    return out


def server_base_paths(servers: Iterable[Mapping[str, Any]] | None) -> list[str]:
    """Base paths of ``servers`` entries: absolute (``https://h/v1``) or relative (``/v1``, ``v1``)
    URLs, variables expanded over their default and ``enum`` values; ``/`` (no base) left out.
    Longest first, so ``/api/v2`` is tried before ``/api``."""
    out: list[str] = []
    for server in servers or ():
        if not isinstance(server, Mapping):
            continue
        variables = server.get("variables") or {}
        for url in _expand(str(server.get("url", "")), variables if isinstance(variables, Mapping) else {}):
            if "://" in url:
                path = urlsplit(url).path
            elif url.startswith("//"):
                path = urlsplit("http:" + url).path
            else:
                path = url.split("?", 1)[0].split("#", 1)[0]
            base = normalize_path(path)
            if base != "/" and base not in out:
                out.append(base)
    return sorted(out, key=lambda b: (-len(b), b))
