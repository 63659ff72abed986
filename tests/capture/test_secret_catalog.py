"""The credential catalog is detect-secrets' (vendored verbatim), and every catalog token gets past the gate."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contractdrift.capture.detect import TOKEN_GATE, TOKENS
from contractdrift.capture.redact import Redactor
from contractdrift.capture.secret_catalog import (
    CATALOG,
    DETECT_SECRETS_VERSION,
    NOT_VENDORED,
    PRIVATE_KEY_MARKERS,
    VENDORED,
)
from contractdrift.model.masks import is_redacted


def _library_patterns() -> dict[str, re.Pattern[str]]:
    """``"Plugin[index]"`` -> compiled regex, for every regex plugin of the installed detect-secrets."""
    plugins = pytest.importorskip("detect_secrets.plugins")
    base = importlib.import_module("detect_secrets.plugins.base")
    out: dict[str, re.Pattern[str]] = {}
    for info in pkgutil.iter_modules(plugins.__path__):
        module = importlib.import_module(f"detect_secrets.plugins.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base.RegexBasedDetector) and cls is not base.RegexBasedDetector \
                    and cls.__module__ == module.__name__:
                for i, regex in enumerate(cls.denylist):
                    out[f"{name}[{i}]"] = regex
    return out


def test_vendored_patterns_are_the_librarys_verbatim() -> None:
    library = _library_patterns()
    for pat in VENDORED:
        key = pat.origin.removeprefix("detect-secrets:")
        assert key in library, f"{pat.name}: {key} is not in detect-secrets"
        assert pat.regex == library[key].pattern, f"{pat.name} differs from {key}"
        assert ("i" in pat.flags) == bool(library[key].flags & re.IGNORECASE), f"{pat.name}: flags differ"
    markers = [library[k].pattern for k in sorted(library) if k.startswith("PrivateKeyDetector[")]
    assert sorted(markers) == sorted(PRIVATE_KEY_MARKERS)


def test_every_library_pattern_is_vendored_or_excluded_with_a_reason() -> None:
    library = _library_patterns()
    vendored = {p.origin.removeprefix("detect-secrets:") for p in VENDORED}
    vendored |= {k for k in library if k.startswith("PrivateKeyDetector[")}
    unaccounted = sorted(set(library) - vendored - set(NOT_VENDORED))
    assert not unaccounted, (
        f"detect-secrets has patterns this catalog neither vendors nor excludes: {unaccounted}; "
        "review them (false alarms on ids, enums, hashes?) and add them to VENDORED or NOT_VENDORED"
    )
    assert not set(NOT_VENDORED) - set(library), "NOT_VENDORED names patterns the library no longer has"
    assert all(reason.strip() for reason in NOT_VENDORED.values())


def test_installed_detect_secrets_is_the_vendored_version() -> None:
    metadata = pytest.importorskip("importlib.metadata")
    try:
        installed = metadata.version("detect-secrets")
    except metadata.PackageNotFoundError:
        pytest.skip("detect-secrets is not installed")
    assert installed == DETECT_SECRETS_VERSION, (
        f"detect-secrets {installed} is installed, the catalog was vendored from {DETECT_SECRETS_VERSION}: "
        "the other catalog tests say what changed"
    )


def test_catalog_names_are_unique() -> None:
    names = [p.name for p in CATALOG]
    assert len(names) == len(set(names))


_TOKEN_PATTERNS = [p for p in CATALOG if p.name != "url-password"]
_SCANNER = Redactor(salt=b"gate")._scanner
assert _SCANNER is not None


@pytest.mark.parametrize("pat", _TOKEN_PATTERNS, ids=[p.name for p in _TOKEN_PATTERNS])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_catalog_match_passes_the_gate_and_is_replaced(pat: object, data: st.DataObject) -> None:
    """Strings the catalog regex matches (generated from it) always open the token gate."""
    from contractdrift.capture.secret_catalog import CatalogPattern

    assert isinstance(pat, CatalogPattern)
    regex = re.compile(pat.regex, re.ASCII)  # the scanner matches ASCII only
    text = data.draw(st.from_regex(regex, fullmatch=False).filter(lambda s: len(s) < 2000))
    m = regex.search(text)
    assert m is not None
    assert TOKEN_GATE.search(text), f"{pat.name}: the token gate misses {text!r}"
    assert _SCANNER.families(text) & TOKENS, f"{pat.name}: the combined gate misses {text!r}"


@pytest.mark.parametrize(
    "token",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab",
        "glpat-" + "xY3zA8bC1dE4fG7hJ0kL",
        "xoxb-1234567890123-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx",
        "xapp-1-A0123456789-1234567890123-" + "abcdef0123456789abcdef0123456789",
        "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
        "npm_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
        "sk_live_" + "51H8abcDEFghiJKLmnoPQRstuVWXyz0123456789abcdefGHIJKLmnopQRSTuvwxYZ",
        "rk_test_" + "4eC39HqLyjWDarjtT1zdp7dcXY",
        "sk-proj-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCd",
        "SG." + "abcdefghijklmnopqrstuv" + "." + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "123456789:" + "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",
        "0123456789abcdef0123456789abcdef-us12",
        "shpat_" + "0123456789abcdef0123456789abcdef",
        "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567",
        "key-" + "0123456789abcdef0123456789abcdef",
    ],
)
def test_known_token_formats_are_replaced_by_same_shape_stand_ins(token: str) -> None:
    r = Redactor(salt=b"catalog")
    text = f"note: {token} (rotate me)"
    out = r.redact_string(text)
    assert token not in out
    assert out.startswith("note: ") and out.endswith(" (rotate me)")
    stand_in = out[len("note: "):-len(" (rotate me)")]
    assert is_redacted(stand_in)
    assert len(stand_in) == len(token)
    assert r.redact_string(out) == out
