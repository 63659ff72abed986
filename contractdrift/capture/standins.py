"""Keyed, format-preserving stand-ins for redacted values.

A :class:`Keyer` holds a recording's secret salt (random, kept in memory only: never written,
logged or shown in a ``repr``) and derives every stand-in from the original value with keyed
BLAKE2b, so that within one recording the same secret always becomes the same stand-in (distinct
counts, enums and joins survive) while nothing about the original can be recovered from the file.

The stand-ins and their marks are documented in :mod:`contractdrift.model.masks`, which
recognises them (:func:`~contractdrift.model.masks.is_redacted`). Every function here returns a
stand-in that is itself recognised, so redaction is idempotent.
"""

from __future__ import annotations

import hashlib
import os
import re

from ..errors import UsageError
from ..model.masks import EMAIL_DOMAIN, iban_valid, luhn_valid

__all__ = ["Keyer"]

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_UPPER = _LOWER.upper()
_DIGITS = "0123456789"
_ALNUM_LOWER = _LOWER + _DIGITS
_ALNUM = _UPPER + _LOWER + _DIGITS
_EMAIL_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
# byte -> character tables for bytes.translate (C speed instead of a loop per character)
_EMAIL_TABLE = bytes(ord(_EMAIL_ALPHABET[b % 32]) for b in range(256))
_DIGIT_TABLE = bytes(ord(_DIGITS[b % 10]) for b in range(256))
_LOWER_TABLE = bytes(ord(_LOWER[b % 26]) for b in range(256))
_UPPER_TABLE = bytes(ord(_UPPER[b % 26]) for b in range(256))
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
_PREFIX = re.compile(r"(?:[A-Za-z]{2,10}[_-]){1,2}")
_MARK_LEN = 8
_TAG_LEN = 8  # 36^8 keyed tags: distinct secrets keep distinct stand-ins (4 collided ~0.6% at 138 values)
_SHORT = _MARK_LEN + _TAG_LEN  # shorter secrets become a 16-character stand-in


class Keyer:
    """Derives stand-ins with a per-recording secret salt (``salt=None``: 32 random bytes)."""

    __slots__ = ("_salt",)

    def __init__(self, salt: bytes | None = None) -> None:
        if salt is None:
            salt = os.urandom(32)
        if not isinstance(salt, bytes) or not salt:
            raise UsageError("salt must be non-empty bytes")
        # BLAKE2b keys are at most 64 bytes: longer salts are hashed down first.
        self._salt = salt if len(salt) <= 64 else hashlib.blake2b(salt).digest()

    def __repr__(self) -> str:
        return "Keyer(<secret salt>)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Keyer) and other._salt == self._salt

    def __hash__(self) -> int:
        return hash(self._salt)

    # --- the keyed byte stream -------------------------------------------------------------------

    def stream(self, kind: str, value: str, n: int) -> bytes:
        """``n`` pseudo-random bytes determined by the salt, ``kind`` and ``value``."""
        data = value.encode("utf-8", "surrogatepass")
        person = kind.encode()[:16]
        out = hashlib.blake2b(data, key=self._salt, person=person, digest_size=64).digest()
        counter = 0
        while len(out) < n:
            counter += 1
            out += hashlib.blake2b(
                data + counter.to_bytes(4, "big"), key=self._salt, person=person, digest_size=64
            ).digest()
        return out[:n]

    # --- stand-ins -------------------------------------------------------------------------------

    def url_password(self, secret: str) -> str:
        """The password of a URL: always the short token form (its length is nobody's business), keyed
        apart from the same text met as a token elsewhere."""
        return self.token("\0" + secret, keep_prefix=False)[:_SHORT]

    def token(self, value: str, *, keep_prefix: bool = True) -> str:
        """A token, password or other secret string: ``[prefix]`` + ``REDACTED`` + keyed characters.

        A known-looking prefix (``sk_live_``, ``ghp_``, ``xoxb-``) is kept so a reader sees what
        kind of secret it was. Secrets of 16+ characters keep their length and, after the mark,
        the class of each character (upper, lower, digit; other characters kept); shorter ones
        become 16 characters (mark + 8), which also hides their length.
        """
        head = ""
        if keep_prefix:
            m = _PREFIX.match(value)
            if m and len(value) - m.end() >= _SHORT:
                head = m.group(0)
        body = value[len(head):]
        has_upper = any(c.isupper() for c in body)
        has_lower = any(c.islower() for c in body)
        mark = "redacted" if has_lower and not has_upper else "REDACTED"
        tag_alphabet = _ALNUM_LOWER if mark == "redacted" else _ALNUM
        h = self.stream("token", value, max(len(body), _SHORT))
        tag = "".join(tag_alphabet[b % len(tag_alphabet)] for b in h[:_TAG_LEN])
        if len(body) < _SHORT:
            return head + mark + tag
        tail = body[_SHORT:]
        if tail.isascii() and "%" not in tail:
            digits = h[_SHORT:].translate(_DIGIT_TABLE).decode("ascii")
            lower = h[_SHORT:].translate(_LOWER_TABLE).decode("ascii")
            upper = h[_SHORT:].translate(_UPPER_TABLE).decode("ascii")
            rest = [digits[i] if "0" <= ch <= "9" else lower[i] if "a" <= ch <= "z" else upper[i]
                    if "A" <= ch <= "Z" else ch for i, ch in enumerate(tail)]
            return head + mark + tag + "".join(rest)
        rest = []
        escape = 0
        for i, (ch, b) in enumerate(zip(tail, h[_SHORT:])):
            if escape:  # the two hex digits of a percent-escape are kept (the escape stays valid)
                escape -= 1
                rest.append(ch)
            elif ch == "%" and _HEX2.match(tail, i + 1):
                escape = 2
                rest.append(ch)
            elif "0" <= ch <= "9":
                rest.append(_DIGITS[b % 10])
            elif "a" <= ch <= "z":
                rest.append(_LOWER[b % 26])
            elif "A" <= ch <= "Z":
                rest.append(_UPPER[b % 26])
            elif ch.isalnum():  # non-ASCII letters and digits
                rest.append(_ALNUM[b % len(_ALNUM)])
            else:
                rest.append(ch)
        return head + mark + tag + "".join(rest)

    def email(self, value: str) -> str:
        """``u<10 characters>@redacted.invalid`` (the same address always gives the same stand-in)."""
        h = self.stream("email", value.lower(), 10)
        return "u" + h.translate(_EMAIL_TABLE).decode("ascii") + "@" + EMAIL_DOMAIN

    def card(self, value: str) -> str:
        """A Luhn-valid number of the same length and layout, starting with ``0000`` (no real card does)."""
        digits = [c for c in value if "0" <= c <= "9"]
        n = len(digits)
        h = self.stream("card", "".join(digits), n)
        new = ["0"] * 4 + [_DIGITS[b % 10] for b in h[4 : n - 1]]
        if not any(d != "0" for d in new[4:]):
            new[-1] = "1"
        for check in _DIGITS:
            if luhn_valid("".join(new) + check):
                new.append(check)
                break
        return _relayout(value, new)

    def phone(self, value: str) -> str:
        """The same layout; the first digit kept, the next three ``000``, the rest keyed."""
        digits = [c for c in value if "0" <= c <= "9"]
        h = self.stream("phone", "".join(digits), len(digits))
        new = [digits[0], "0", "0", "0"] + [_DIGITS[b % 10] for b in h[4:]]
        new = new[: len(digits)]
        if not any(d != "0" for d in new[4:]) and len(new) > 4:
            new[-1] = "1"
        return _relayout(value, new)

    def iban(self, value: str) -> str:
        """Same country, length and layout, valid check digits; the BBAN starts with ``0``/``X`` x4."""
        compact = value.replace(" ", "")
        country, bban = compact[:2], compact[4:]
        h = self.stream("iban", compact, len(bban))
        new_bban = []
        for i, (ch, b) in enumerate(zip(bban, h)):
            if "0" <= ch <= "9":
                new_bban.append("0" if i < 4 else _DIGITS[b % 10])
            else:
                new_bban.append("X" if i < 4 else _UPPER[b % 26])
        body = "".join(new_bban)
        check = 98 - int("".join(str(int(c, 36)) for c in body + country + "00")) % 97
        out = f"{country}{check:02d}{body}"
        assert iban_valid(out)
        chars = iter(out)
        return "".join(ch if ch == " " else next(chars) for ch in value)


def _relayout(template: str, digits: list[str]) -> str:
    """``digits`` put back into the digit positions of ``template`` (separators kept)."""
    it = iter(digits)
    return "".join(next(it) if "0" <= ch <= "9" else ch for ch in template)
