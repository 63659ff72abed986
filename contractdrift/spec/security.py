"""Security requirements of an operation as credentials a concrete request can carry.

The requirement facts (an operation's own ``security`` else the document's, alternatives, scopes) are
:mod:`.shapes`; this adds *where* each scheme's credential travels. A request carries a scheme's
credential when the header, query parameter or cookie it names is present, whatever its value
(recordings redact values but keep names, so presence survives redaction). ``mutualTLS`` and
unresolvable schemes cannot be seen in a recording (location ``unknown``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .node import Node
from .shapes import effective_security, security_requirements

__all__ = ["Credential", "operation_credentials"]


@dataclass(frozen=True, slots=True)
class Credential:
    """Where one security scheme's credential travels: ``("header", "authorization")``, ..."""

    scheme: str
    location: str  # header | query | cookie | unknown
    name: str  # lower case for headers


def _credential(name: str, scheme: Any) -> Credential:
    if not isinstance(scheme, Mapping):
        return Credential(name, "unknown", "")
    kind = scheme.get("type")
    if kind == "apiKey":
        where = str(scheme.get("in", "header"))
        key = str(scheme.get("name", ""))
        return Credential(name, where, key.lower() if where == "header" else key)
    if kind in ("http", "oauth2", "openIdConnect"):
        return Credential(name, "header", "authorization")
    return Credential(name, "unknown", "")


def operation_credentials(operation: Node, root: Node) -> list[list[Credential]] | None:
    """The operation's alternatives as credential lists, or ``None`` when it needs none (no
    requirement, or an empty ``{}`` alternative: anonymous access allowed)."""
    alternatives = security_requirements(effective_security(operation, root))
    if not alternatives or any(not alt for alt in alternatives):
        return None
    schemes = root.child("components", "securitySchemes")
    out: list[list[Credential]] = []
    for alternative in alternatives:
        creds = []
        for name in sorted(alternative):
            node = schemes.child(name) if schemes is not None else None
            creds.append(_credential(name, node.deref().value if node is not None else None))
        out.append(creds)
    return out
