"""What a redacted value looks like: the documented masks, and :func:`is_redacted` to recognise them.

The recorder replaces secrets and personal data by *stand-ins* that keep the value's format (see
``docs/recording.md``). Stand-ins are derived from the original with a keyed hash whose key (a
per-recording salt) is never written, so the same secret always becomes the same stand-in within a
recording and nothing about the original can be recovered. Each kind of stand-in carries a
recognisable mark, so that ``replay`` and ``check`` can tell a stand-in from a real value:

=================  ===================================================  ==============================
kind               stand-in                                              mark
=================  ===================================================  ==============================
credential header  ``Bearer [REDACTED]``, cookie ``sid=[REDACTED]``      ``[REDACTED]``
token, password    same prefix, length and character classes             ``REDACTED`` / ``redacted``
(16+ characters)   (``sk_live_REDACTEDq8Zk...``)                         followed by 8 letters/digits
email              ``u<10 letters/digits>@redacted.invalid``             the domain ``redacted.invalid``
card number        same length and separators, Luhn-valid                starts with ``0000``
                   (``0000 4821 9930 1147``)                             (no payment card does)
phone number       same layout, first digit kept, then ``000``           digits 2 to 4 are ``000``
                   (``+1 (000) 479-6952``)
IBAN               same country and length, valid check digits           the BBAN starts with four
                                                                          ``0``/``X``
=================  ===================================================  ==============================

Secrets shorter than 16 characters become a 16-character token stand-in (``redactedk3f9x0qa``), so they
carry the mark too. JSON numbers and booleans under secret names (digit count kept, ``0.0``,
``false``) and UUIDs, dates and times under secret names (fixed values of the same format) carry no
mark: :func:`is_redacted` cannot tell them from real values.

This module is in ``model`` so that every stage (infer, compare, replay) can use it.
"""

from __future__ import annotations

import re

__all__ = ["EMAIL_DOMAIN", "PHONE_PATTERN", "REDACTED", "TOKEN_MARKS", "iban_valid", "is_redacted", "luhn_valid", "redacted_kind"]

#: The mark of masked credential headers and cookies (``Bearer [REDACTED]``).
REDACTED = "[REDACTED]"
#: The mark at the start of token stand-ins (upper case unless the original had no capitals).
TOKEN_MARKS = ("REDACTED", "redacted")
#: The domain of email stand-ins (``.invalid`` is reserved by RFC 2606: never a real address).
EMAIL_DOMAIN = "redacted.invalid"

_TOKEN_MARK = re.compile(r"(?:REDACTED|redacted)[A-Za-z0-9]{8}")
_EMAIL_MARK = re.compile(r"[A-Za-z0-9._%+-]+@redacted\.invalid\Z")
_CARD_SHAPE = re.compile(r"\d(?:[ -]?\d){12,18}\Z")
#: The shapes of phone numbers the redactor detects (and of their stand-ins): international with
#: ``+``, North American ``(212) 555-0100`` / ``212-555-0100``, national with a trunk ``0`` and
#: separators (``030 1234567``, ``06 12 34 56 78``). Plain digit runs are never phone numbers (ids).
PHONE_PATTERN = (
    r"\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,4}){2,6}"
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}"
    r"|\d{3}[.-]\d{3}[.-]\d{4}"
    r"|0\d{1,4}[ /-]\d{2,8}(?:[ -]\d{2,4}){0,3}"
)
_PHONE_SHAPE = re.compile(f"(?:{PHONE_PATTERN})\\Z")
_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\Z")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a string of ASCII digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_valid(compact: str) -> bool:
    """The ISO 13616 mod-97 check of an IBAN without spaces (``DE89370400440532013000``)."""
    if len(compact) < 5:
        return False
    moved = compact[4:] + compact[:4]
    try:
        number = int("".join(str(int(ch, 36)) for ch in moved))
    except ValueError:
        return False
    return number % 97 == 1


def redacted_kind(value: object) -> str | None:
    """Which mask ``value`` carries (``"header"``, ``"token"``, ``"email"``, ``"card"``, ``"phone"``,
    ``"iban"``), or ``None`` for a value that is not a recognisable stand-in."""
    if not isinstance(value, str) or len(value) < 4:
        return None
    if REDACTED in value:
        return "header"
    if ("REDACTED" in value or "redacted" in value) and _TOKEN_MARK.search(value):
        if "@" in value and _EMAIL_MARK.match(value):
            return "email"
        return "token"
    if "@" in value and _EMAIL_MARK.match(value):
        return "email"
    c0 = value[0]
    if c0 == "0" and _CARD_SHAPE.match(value):
        digits = value.replace(" ", "").replace("-", "")
        if digits.startswith("0000") and luhn_valid(digits) and digits.strip("0"):
            return "card"
    if (c0 == "+" or c0 == "(" or c0.isdigit()) and _PHONE_SHAPE.match(value):
        digits = "".join(ch for ch in value if ch.isdigit())
        if 8 <= len(digits) <= 15 and digits[1:4] == "000" and digits[4:].strip("0"):
            return "phone"
    if c0.isupper() and _IBAN_SHAPE.match(value):
        compact = value.replace(" ", "")
        if iban_valid(compact) and set(compact[4:8]) <= {"0", "X"}:
            return "iban"
    return None


def is_redacted(value: object) -> bool:
    """True when ``value`` is a stand-in written by the redactor (see the table above).

    Use it before sending a recorded value (replay) or judging it (check): a stand-in keeps the
    format of what it replaced but is not the real value.
    """
    return redacted_kind(value) is not None
