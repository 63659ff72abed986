"""Finding secrets and personal data inside any string, by format.

:class:`Scanner` joins the rules (credential formats of :mod:`.secret_catalog`, private-key blocks,
``Bearer``/``Basic`` credentials inside values, URL passwords, ``secret-word = value`` context, card
numbers, IBANs, phone numbers, the user's own patterns) into one compiled alternation per set of
families, and runs it only when the family's cheap gate fired (:meth:`Scanner.families`); emails
are found from their ``@``. A string no gate lets through costs a handful of cheap tests. Matches
are then checked (Luhn and the card-brand table for card numbers, the mod-97 check and the
country's length for IBANs, the digit count for phone numbers, the secret-word list for context)
and replaced by keyed stand-ins (:mod:`.standins`). Stand-ins are recognised and left alone, so scanning is idempotent.

Categories (each can be kept in clear with ``Redactor(keep=...)``, except card numbers):

* ``tokens`` - provider API keys and tokens of the catalog, JWTs, private-key blocks;
* ``auth`` - ``Bearer ...``, ``Basic ...``, ``Token ...`` credentials written inside values;
* ``url_passwords`` - ``scheme://user:password@host`` (any scheme: database URLs too);
* ``context`` - the value after a secret word in text (``password=...``, ``"api_key": "..."``);
  JSON siblings (``{"name": "DB_PASSWORD", "value": "..."}``) are handled by the redactor's walk;
* ``cards`` - payment card numbers (13-19 digits, spaces or dashes, brand prefix and Luhn): always;
* ``ibans`` - IBANs (country length and mod-97 check);
* ``emails`` and ``phones`` - personal data, on by default (keep them for synthetic data).

Catalog pattern names (``jwt``, ``stripe-key``, ...) can be kept individually too.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from ..model.masks import PHONE_PATTERN, iban_valid, luhn_valid, redacted_kind
from .secret_catalog import CATALOG, PRIVATE_KEY_MARKERS
from .standins import Keyer

__all__ = ["ALWAYS", "CATEGORIES", "IBAN_LENGTHS", "TOKEN_GATE", "Scanner", "card_brand_ok"]

#: Every category name ``Redactor(keep=...)`` accepts (catalog pattern names are accepted too).
CATEGORIES: tuple[str, ...] = (
    "tokens", "auth", "url_passwords", "context", "cards", "ibans", "emails", "phones",
)
#: Categories that cannot be kept in clear (a card number on disk is a PCI DSS incident).
ALWAYS: frozenset[str] = frozenset({"cards"})

#: IBAN length per country (ISO 13616 registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

# Card brands: (first digits range low, high, prefix length) -> allowed lengths.
_BRANDS: tuple[tuple[int, int, int, frozenset[int]], ...] = (
    (4, 4, 1, frozenset({13, 16, 19})),  # Visa
    (51, 55, 2, frozenset({16})),  # Mastercard
    (2221, 2720, 4, frozenset({16})),  # Mastercard 2-series
    (34, 34, 2, frozenset({15})),  # American Express
    (37, 37, 2, frozenset({15})),
    (6011, 6011, 4, frozenset(range(16, 20))),  # Discover
    (644, 649, 3, frozenset(range(16, 20))),
    (65, 65, 2, frozenset(range(16, 20))),
    (62, 62, 2, frozenset(range(16, 20))),  # UnionPay
    (81, 81, 2, frozenset(range(16, 20))),
    (3528, 3589, 4, frozenset(range(16, 20))),  # JCB
    (300, 305, 3, frozenset(range(14, 20))),  # Diners Club
    (3095, 3095, 4, frozenset(range(14, 20))),
    (36, 36, 2, frozenset(range(14, 20))),
    (38, 39, 2, frozenset(range(14, 20))),
    (2200, 2204, 4, frozenset(range(16, 20))),  # Mir
    (5018, 5018, 4, frozenset(range(13, 20))),  # Maestro
    (5020, 5020, 4, frozenset(range(13, 20))),
    (5038, 5038, 4, frozenset(range(13, 20))),
    (5893, 5893, 4, frozenset(range(13, 20))),
    (6304, 6304, 4, frozenset(range(13, 20))),
    (6759, 6759, 4, frozenset(range(13, 20))),
    (6761, 6763, 4, frozenset(range(13, 20))),
    (60, 60, 2, frozenset({16})),  # RuPay
    (508, 508, 3, frozenset({16})),
)


def card_brand_ok(digits: str) -> bool:
    """True when ``digits`` starts like a card of a known brand and has one of its lengths."""
    n = len(digits)
    for low, high, width, lengths in _BRANDS:
        if n in lengths and low <= int(digits[:width]) <= high:
            return True
    return False


# --- the rules -------------------------------------------------------------------------------------

_TOKEN_CHARS = "[A-Za-z0-9_-]*"
_NOT_WIDENED = frozenset({"artifactory-token"})  # its regex consumes the delimiters around it
_WIDEN = {"jwt": "[A-Za-z0-9_.+/=-]*"}
_TRIM = " \t\r\n=:\"'"

_PEM = (
    r"-----(?:" + "|".join(re.escape(m) for m in PRIVATE_KEY_MARKERS if m.startswith("BEGIN"))
    + r")-----[\s\S]*?(?:-----END[ A-Z0-9]*-----|\Z)"
    + "|" + "|".join(re.escape(m) for m in PRIVATE_KEY_MARKERS if not m.startswith("BEGIN")) + r"[\s\S]*"
)
_AUTH = (
    r"(?<![A-Za-z0-9])(?:[Bb]earer|BEARER|[Bb]asic|BASIC|[Tt]oken|TOKEN)[ \t]+"
    r"(?P<auth_cred>[A-Za-z0-9._~+/=-]{8,})"
)
_SCHEMES = r"(?:[Bb]earer|BEARER|[Bb]asic|BASIC|[Tt]oken|TOKEN|[Dd]igest)[ \t]+"
_CONTEXT = (
    r"(?<![A-Za-z0-9_.-])(?=[A-Za-z0-9_.-]{2,60}[\"']?[ \t]*[:=])"
    r"(?P<ctx_name>[A-Za-z0-9_.-]{0,30}?(?i:pass|pwd|secret|token|key|auth|credential|sig|session|cookie"
    r"|pin|otp|ssn|cvv|cvc|pan|iban|jwt)[A-Za-z0-9_.-]{0,30})"
    r"[\"']?[ \t]*[:=][ \t]*[\"']?(?P<ctx_value>(?:" + _SCHEMES + r")?[^\s\"'&,;<>{}\[\]]{3,})"
)
_CARD = r"(?<![A-Za-z0-9_.+-])[0-9](?:[ -]?[0-9]){12,60}(?![A-Za-z0-9_])"
_IBAN = r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![A-Za-z0-9])"
# Emails are found from their "@" (str.find), then the domain is matched forward and the local part
# walked backward: far cheaper than trying an email regex at every position.
_EMAIL_DOMAIN = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![A-Za-z0-9@-])(?!:[A-Za-z0-9/])(?!=>)",
    re.ASCII,
)
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_EMAIL_LOCAL_RUN = re.compile(r"[A-Za-z0-9._%+-]+\Z")
_USERINFO_END = frozenset("/?# \t\r\n")
_PHONE = r"(?<![A-Za-z0-9_.+/:-])(?:" + PHONE_PATTERN + r")(?![A-Za-z0-9_])(?![.-][0-9])"

Replacer = Callable[[re.Match[str], Keyer], "str | None"]


def _trimmed_span(m: re.Match[str], group: int) -> tuple[int, int]:
    start, end = m.span(group)
    text = m.string
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    return start, end


# Families: which cheap gate must fire before a rule's regex runs (see Scanner.families).
TOKENS, AUTH, CONTEXT, DIGITS, AT, CUSTOM, EMAILS = 1, 2, 4, 8, 16, 32, 64
_FAMILY = {"tokens": TOKENS, "auth": AUTH, "context": CONTEXT, "cards": DIGITS, "ibans": DIGITS,
           "phones": DIGITS, "emails": EMAILS, "url_passwords": AT, "custom": CUSTOM}

#: Literals every catalog token contains one of (``tests/capture/test_secret_catalog.py`` checks it on
#: strings generated from each catalog regex).
TOKEN_LITERALS: tuple[str, ...] = (
    "-----BEGIN", "PuTTY-User-Key-File-", "A3T", "ABIA", "ACCA", "AKIA", "ASIA", "AKC", "AccountKey=",
    "gh", "github_pat_", "GR1348941", "gl", "eyJ", "_live_", "_test_", "-us", "_authToken=", "T3BlbkFJ", "sk-",
    "pypi-Ag", "SG.", "xox", "XOX", "Xox", "xOx", "xoX", "XoX", "XOx", "xOX", "hooks.slack.com",
    "HOOKS.SLACK.COM", "sq0csp-", "AIza", "npm_", "xapp-", "XAPP-", "Xapp-", "shp", "hf_", "_v1_", "key-",
)
_TOKEN_SHAPES = r":[0-9A-Za-z_-]{35}|\.[a-zA-Z0-9_-]{6}\."  # Telegram bot tokens, Discord tokens
#: The secret words of the context rule (lower, Title and UPPER case are gated).
CONTEXT_WORDS: tuple[str, ...] = (
    "pass", "pwd", "secret", "token", "key", "auth", "credential", "sig", "session", "cookie", "pin", "otp",
    "ssn", "cvv", "cvc", "pan", "iban", "jwt",
)


def _trie(words: Iterable[str]) -> str:
    """A literal alternation factored by first character (far fewer branches tried per position)."""
    by_first: dict[str, set[str]] = {}
    for word in words:
        by_first.setdefault(word[0], set()).add(word[1:])
    parts = []
    for first, rests in sorted(by_first.items()):
        if "" in rests:
            parts.append(re.escape(first))
        else:
            parts.append(re.escape(first) + "(?:" + "|".join(re.escape(r) for r in sorted(rests)) + ")")
    return "|".join(parts)


#: The combined prefilter of the token family: the provider-token literals (factored by first
#: character, so the engine skips quickly over characters no literal starts with) and the shapes of
#: Telegram and Discord tokens.
TOKEN_GATE = re.compile(_trie(TOKEN_LITERALS) + "|" + _TOKEN_SHAPES)
# Catalog tokens that may contain none of the separators "_-.:=" start with one of these (all the
# others contain a separator: the gate test checks both on strings generated from every regex).
_PLAIN_TOKEN_GATE = re.compile(_trie(("A3T", "ABIA", "ACCA", "AKIA", "ASIA", "AKC", "AIza", "GR1348941")))
_SEPARATORS = re.compile(r"[_.:=-]")
_CONTEXT_GATE = re.compile(_trie(CONTEXT_WORDS))
_DIGIT_RUN = re.compile(r"[0-9](?:[ ().+/-]?[0-9]){7}")
_PHONE_START = re.compile(r"\+[0-9]|\([0-9]{3}\)")

# Whole values of these shapes are never redacted by format (fast path for ids and timestamps).
_SAFE_SHAPE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?)?"
    r"|(?=[0-9]*[a-f])[0-9a-f]{7,128}|[0-7][0-9A-HJKMNP-TV-Z]{25}"
    r"|-?[0-9]{1,12}(?:\.[0-9]+)?"
)

_SAFE_FIRST = frozenset("0123456789abcdefABCDEF-")  # every _SAFE_SHAPE starts with one of these


class _Rule:
    __slots__ = ("category", "family", "group", "kind", "name", "regex")

    def __init__(self, name: str, category: str, regex: str, kind: str, group: int = 0) -> None:
        self.name = name
        self.category = category
        self.family = _FAMILY[category]
        self.regex = regex
        self.kind = kind  # how a match is checked and replaced
        self.group = group  # secret's group, relative to the rule's own groups (0: whole match)


def _rules(keep: frozenset[str], extra: tuple[str, ...], builtin: bool) -> list[_Rule]:
    rules: list[_Rule] = []
    if not builtin:
        return [_Rule(f"custom-{i}", "custom", p, "token") for i, p in enumerate(extra)]
    if "tokens" not in keep:
        rules.append(_Rule("private-key", "tokens", _PEM, "whole"))
    for pat in CATALOG:
        category = "url_passwords" if pat.name == "url-password" else "tokens"
        if category in keep or pat.name in keep:
            continue
        regex = pat.regex
        if pat.flags == "i":
            regex = f"(?i:{regex})"
        if pat.group == 0 and pat.name not in _NOT_WIDENED:
            regex = f"(?:{regex}){_WIDEN.get(pat.name, _TOKEN_CHARS)}"
        kind = "url_password" if category == "url_passwords" else "token"
        rules.append(_Rule(pat.name, category, regex, kind, pat.group))
    for i, pattern in enumerate(extra):
        re.compile(pattern)  # a bad user regex fails here, with its own message
        rules.append(_Rule(f"custom-{i}", "custom", pattern, "token"))
    if "auth" not in keep:
        rules.append(_Rule("auth", "auth", _AUTH, "auth"))
    if "context" not in keep:
        rules.append(_Rule("context", "context", _CONTEXT, "context"))
    rules.append(_Rule("card", "cards", _CARD, "card"))
    if "ibans" not in keep:
        rules.append(_Rule("iban", "ibans", _IBAN, "iban"))
    if "emails" not in keep:
        rules.append(_Rule("email", "emails", "(?!)", "email"))  # found by Scanner._emails, not by regex
    if "phones" not in keep:
        rules.append(_Rule("phone", "phones", _PHONE, "phone"))
    return rules


_Compiled = tuple[re.Pattern[str], dict[int, tuple[_Rule, int]]]


@lru_cache(maxsize=1024)
def _compile(keep: frozenset[str], extra: tuple[str, ...], builtin: bool = True, families: int = -1) -> _Compiled:
    """One alternation of the rules (of ``families``); group index -> (rule, absolute secret group)."""
    parts: list[str] = []
    table: dict[int, tuple[_Rule, int]] = {}
    index = 1
    for rule in _rules(keep, extra, builtin):
        if not rule.family & families:
            continue
        inner = re.compile(rule.regex).groups
        parts.append(f"(?P<r{len(parts)}>{rule.regex})")
        table[index] = (rule, index + rule.group)
        index += 1 + inner
    return re.compile("|".join(parts), re.ASCII), table


class Scanner:
    """Replaces every secret and personal datum inside strings by keyed stand-ins.

    ``keep``: categories (see :data:`CATEGORIES`) or catalog pattern names to leave in clear;
    ``extra``: more regexes (the whole match is replaced); ``builtin=False``: only ``extra``. Thread-safe; the compiled alternation
    is shared by scanners of the same configuration.
    """

    __slots__ = ("_builtin", "_check", "_compiled", "_extra", "_families", "_is_secret_name", "_keep", "_keyer")

    def __init__(
        self,
        keyer: Keyer,
        *,
        keep: Iterable[str] = (),
        extra: Iterable[str] = (),
        builtin: bool = True,
        is_secret_name: Callable[[str], bool],
    ) -> None:
        self._keyer = keyer
        self._keep = frozenset(keep)
        self._extra = tuple(extra)
        self._builtin = builtin
        self._is_secret_name = is_secret_name
        _pattern, table = _compile(self._keep, self._extra, builtin)  # validates the user's patterns
        self._families = 0
        for rule, _group in table.values():
            self._families |= rule.family
        self._compiled: dict[int, _Compiled] = {}
        self._check: dict[str, Callable[[re.Match[str], _Rule, int], str | None]] = {
            "whole": self._whole,
            "token": self._token,
            "url_password": self._url_password,
            "auth": self._auth,
            "context": self._context,
            "card": self._card,
            "iban": self._iban,
            "phone": self._phone,
        }

    @property
    def pattern(self) -> re.Pattern[str]:
        """The alternation of every rule (what :meth:`scan` runs when every gate fires)."""
        return _compile(self._keep, self._extra, self._builtin)[0]

    def families(self, text: str) -> int:
        """The rule families whose cheap necessary condition ``text`` meets (a bit set; 0: nothing to do).

        These gates are C-speed string tests and literal alternations, so that the common value
        (an id, a timestamp, a name, a small number) costs well under a microsecond.
        """
        enabled = self._families
        found = CUSTOM & enabled
        n = len(text)
        if n < 6 or (n <= 40 and text[0] in _SAFE_FIRST and _SAFE_SHAPE.fullmatch(text)):
            return found
        if "@" in text:
            found |= EMAILS | (AT if "://" in text else 0)
        if n >= 8 and (_DIGIT_RUN.search(text) or (("+" in text or "(" in text) and _PHONE_START.search(text))):
            found |= DIGITS
        if (_PLAIN_TOKEN_GATE.search(text) or (_SEPARATORS.search(text) and TOKEN_GATE.search(text))):
            found |= TOKENS
        if ("=" in text or ":" in text) and _CONTEXT_GATE.search(text.lower()):
            found |= CONTEXT
        if n >= 14 and ("earer" in text or "asic" in text or "oken" in text or "EARER" in text or "ASIC" in text
                        or "OKEN" in text):
            found |= AUTH
        return found & enabled

    def scan(self, text: str) -> str:
        """``text`` with every detected value replaced (the same object when nothing was found)."""
        families = self.families(text)
        if not families:
            return text
        out = text
        regex_families = families & ~EMAILS
        if regex_families:
            compiled = self._compiled.get(regex_families)
            if compiled is None:
                compiled = _compile(self._keep, self._extra, self._builtin, regex_families)
                self._compiled[regex_families] = compiled
            pattern, table = compiled
            if table:
                out = pattern.sub(lambda m: self._replace(m, table), out)
        if families & EMAILS:
            out = self._emails(out)
        return text if out == text else out

    def _emails(self, text: str) -> str:
        """Every email address replaced (not the ``user@`` of a URL, not ``git@host:repo``)."""
        parts: list[str] = []
        pos = 0
        at = text.find("@")
        while at != -1:
            domain = _EMAIL_DOMAIN.match(text, at + 1)
            # The local part: the run of local-part characters before "@", at most 64 of them
            # (what a backward walk would find, at C speed).
            local = _EMAIL_LOCAL_RUN.search(text, max(pos, at - 64), at)
            start = local.start() if local is not None else at
            if domain is not None and start < at and not (start > pos and text[start - 1] in _EMAIL_LOCAL):
                scheme = text.rfind("://", 0, at)
                userinfo = scheme != -1 and not any(c in _USERINFO_END for c in text[scheme + 3:at])
                email = text[start:domain.end()]
                if not userinfo and not email.endswith("@redacted.invalid"):
                    parts.append(text[pos:start])
                    parts.append(self._keyer.email(email))
                    pos = domain.end()
            at = text.find("@", max(at + 1, pos))
        if not parts:
            return text
        parts.append(text[pos:])
        return "".join(parts)

    def _replace(self, m: re.Match[str], table: dict[int, tuple[_Rule, int]]) -> str:
        index = m.lastindex
        assert index is not None
        rule, group = table[index]
        try:
            new = self._check[rule.kind](m, rule, group)
        except (ValueError, IndexError):  # a match that does not check out is kept
            new = None
        return m.group(0) if new is None else new

    # --- checks and replacements (None: keep the match as it is) ------------------------------

    @staticmethod
    def _splice(m: re.Match[str], start: int, end: int, new: str) -> str:
        base = m.start(0)
        whole = m.group(0)
        return whole[: start - base] + new + whole[end - base :]

    def _whole(self, m: re.Match[str], rule: _Rule, group: int) -> str | None:
        text = m.group(0)
        if redacted_kind(text) is not None:
            return None
        head, nl, rest = text.partition("\n")
        if head.startswith("-----") and rest.strip():
            body, nl2, tail = rest.rpartition("\n")
            if not tail.startswith("-----END"):
                body, nl2, tail = rest, "", ""
            return head + nl + self._keyer.token(body, keep_prefix=False) + nl2 + tail
        return self._keyer.token(text)

    def _token(self, m: re.Match[str], rule: _Rule, group: int) -> str | None:
        start, end = _trimmed_span(m, group)
        secret = m.string[start:end]
        if not secret or redacted_kind(secret) is not None:
            return None
        return self._splice(m, start, end, self._keyer.token(secret))

    def _url_password(self, m: re.Match[str], rule: _Rule, group: int) -> str | None:
        start, end = m.span(group)
        secret = m.string[start:end]
        if redacted_kind(secret) is not None:
            return None
        return self._splice(m, start, end, self._keyer.url_password(secret))

    def _auth(self, m: re.Match[str], rule: _Rule, group: int) -> str | None:
        start, end = m.span("auth_cred")
        cred = m.string[start:end]
        if redacted_kind(cred) is not None or not _credential_like(m.group(0), cred):
            return None
        return self._splice(m, start, end, self._keyer.token(cred, keep_prefix=False))

    def _context(self, m: re.Match[str], rule: _Rule, group: int) -> str | None:
        if not self._is_secret_name(m.group("ctx_name")):
            return None
        start, end = m.span("ctx_value")
        value = m.string[start:end]
        scheme = re.match(_SCHEMES, value)
        if scheme:
            start += scheme.end()
            value = value[scheme.end():]
        if not value or redacted_kind(value) is not None:
            return None
        return self._splice(m, start, end, self._keyer.token(value))

    def _card(self, m: re.Match[str], rule: _Rule, group: int) -> str | None:
        return self._cards_in(m.group(0))

    def _cards_in(self, text: str) -> str | None:
        """Card numbers inside a run of digit groups: the leftmost, longest span of whole groups that
        is one ("4111 1111 1111 1111 12/29" ends before " 12"; "42 4111 ..." starts after "42")."""
        bounds = [0] + [i + 1 for i, ch in enumerate(text) if ch in " -"]
        ends = [i for i, ch in enumerate(text) if ch in " -"] + [len(text)]
        for a in bounds:
            for b in reversed(ends):
                if b <= a:
                    break
                candidate = text[a:b]
                digits = candidate.replace(" ", "").replace("-", "")
                if len(digits) < 13:
                    break
                if (len(digits) <= 19 and not (" " in candidate and "-" in candidate)
                        and card_brand_ok(digits) and luhn_valid(digits)):
                    rest = text[b:]
                    more = self._cards_in(rest) if len(rest) >= 13 else None
                    return text[:a] + self._keyer.card(candidate) + (rest if more is None else more)
        return None

    def _iban(self, m: re.Match[str], rule: _Rule, group: int) -> str | None:
        text = m.group(0)
        for candidate in (text, text.rpartition(" ")[0] if " " in text else ""):
            compact = candidate.replace(" ", "")
            if IBAN_LENGTHS.get(compact[:2]) == len(compact) and iban_valid(compact):
                if redacted_kind(candidate) is not None:
                    return None
                return self._keyer.iban(candidate) + text[len(candidate):]
        return None

    def _phone(self, m: re.Match[str], rule: _Rule, group: int) -> str | None:
        text = m.group(0)
        # The longest prefix ending at a digit group that has a phone number's digit count
        # ("+1 415 555 0132 2024-05-01" ends before " 2024").
        end = len(text)
        while end > 0:
            candidate = text[:end]
            digits = sum(1 for ch in candidate if "0" <= ch <= "9")
            if candidate.startswith("+"):
                ok = 8 <= digits <= 15
            elif candidate.startswith("0"):
                ok = 9 <= digits <= 12
            else:
                ok = digits == 10
            if ok:
                if redacted_kind(candidate) is not None:
                    return None
                return self._keyer.phone(candidate) + text[end:]
            end = max(candidate.rfind(" "), candidate.rfind("-"), candidate.rfind("."))
        return None


def _credential_like(whole: str, cred: str) -> bool:
    """Whether the word after ``Bearer``/``Basic``/``Token`` is a credential, not prose."""
    if whole[:1] in "Bb" and whole[1:5].lower() == "asic":
        padded = cred + "=" * (-len(cred) % 4)
        try:
            decoded = base64.b64decode(padded, validate=True)
        except (binascii.Error, ValueError):
            return False
        return b":" in decoded
    has_digit = any("0" <= c <= "9" for c in cred)
    has_upper = any("A" <= c <= "Z" for c in cred)
    has_lower = any("a" <= c <= "z" for c in cred)
    return has_digit or (has_upper and has_lower)
