"""Registry audit, issue 7: every concept the walker can emit has a rule id wherever the drivers walk."""

from __future__ import annotations

import re
from pathlib import Path

from contractdrift.compare import rules as R

REPO = Path(__file__).resolve().parents[2]


def test_every_concept_the_walker_emits_has_an_id_at_every_scope_the_drivers_walk() -> None:
    """Issue 7: a concept without an id at its scope was filed under a body/property id or dropped.
    The audit: (1) the scopes the spec driver hands to the walker are the ones declared in
    ``WALKED_SCOPES``; (2) every name the walker emits literally is a concept or a registered fixed
    id; (3) every concept composes to a registered id at every walked scope, root and nested."""
    src = (REPO / "contractdrift" / "compare" / "specs.py").read_text(encoding="utf-8")
    used = set(re.findall(r'emit_changes\([^)]*?scope="([a-z-]+)"', src, flags=re.S))
    declared = {scope for scopes in R.WALKED_SCOPES.values() for scope in scopes}
    assert used and used <= declared, f"scopes walked but not audited: {sorted(used - declared)}"
    walker = (REPO / "contractdrift" / "compare" / "walk.py").read_text(encoding="utf-8")
    literal = set(re.findall(r'emit\("([a-z-]+)"', walker)) | set(re.findall(r'rid = "([a-z-]+)"', walker))
    unknown = sorted(n for n in literal if n not in R.CONCEPTS_BY_NAME and n not in R.REGISTRY)
    assert literal and not unknown, f"walker names that are neither concepts nor rules: {unknown}"
    gaps = [(side.value, scope, nested, c.name) for side, scopes in R.WALKED_SCOPES.items() for scope in scopes
            for nested in (False, True) for c in R.CONCEPTS if R.concept_rule(c.name, side, scope, nested=nested) is None]
    assert not gaps, f"concepts without an id where the walker can emit them: {gaps[:10]} ({len(gaps)} in all)"
