"""Personnummer and samordningsnummer: parsing, encryption at rest and the keyed look-up hash.

The clear number exists only in memory while a request or an import row is handled.
It is stored as a Fernet token (authenticated encryption, keys from the environment,
newest first so keys can be rotated) and found again through an HMAC-SHA256 of the
canonical 12 digits with a separate key. Error messages never contain the number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.decorators.debug import sensitive_variables
from personnummer.personnummer import Personnummer as _Lib
from personnummer.personnummer import PersonnummerException

from finsam.lib.crypto import fernet


class OgiltigtPersonnummer(ValueError):
    """The value is not a valid personnummer or samordningsnummer (message is safe to show)."""


@dataclass(frozen=True, slots=True)
class Personnummer:
    nummer: str  # canonical 12 digits, YYYYMMDDNNNC; never log or render this
    samordningsnummer: bool
    fodelsedatum: dt.date
    kon: str  # "kvinna" / "man", as in spec/kodlistor.md

    def __repr__(self) -> str:  # keeps the number out of tracebacks and logs
        return "Personnummer(<dolt>)"

    __str__ = __repr__

    def alder(self, on: dt.date) -> int:
        return alder(self.fodelsedatum, on)


def alder(fodelsedatum: dt.date, on: dt.date) -> int:
    """Whole years of age on the day (a birthday on 29 February comes on 1 March)."""
    return (
        on.year - fodelsedatum.year - ((on.month, on.day) < (fodelsedatum.month, fodelsedatum.day))
    )


# Every function that holds a clear number in a local hides its locals from error reports.
@sensitive_variables()
def parse(value: str) -> Personnummer:
    """10 or 12 digits, with or without `-`/`+` (a `+` means 100 years or older), spaces
    anywhere. Digits of any script count as the digits they are (`８５０５…` is `8505…`), so
    that every spelling of a number finds the same person."""
    text = (value or "").strip()
    if not text.isascii():  # ASCII digits are their own decimal value: the common case
        text = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    cleaned = text.replace(" ", "")
    digits = cleaned.replace("-", "").replace("+", "")
    if not digits.isdigit() or len(digits) not in (10, 12):
        raise OgiltigtPersonnummer(
            "Ange personnummer eller samordningsnummer med 10 eller 12 siffror, "
            "t.ex. ÅÅÅÅMMDD-NNNN."
        )
    try:
        parsed = _Lib(cleaned)
    except PersonnummerException:
        raise OgiltigtPersonnummer(
            "Numret är inte ett giltigt personnummer eller samordningsnummer "
            "(kontrollsiffran eller datumet stämmer inte)."
        ) from None
    return Personnummer(
        nummer=parsed.format(True),
        samordningsnummer=parsed.is_coordination_number(),
        fodelsedatum=parsed.get_date(),
        kon="man" if parsed.is_male() else "kvinna",
    )


def formatted(nummer: str) -> str:
    """The canonical 12 digits as shown to people: ÅÅÅÅMMDD-NNNN."""
    return f"{nummer[:8]}-{nummer[8:]}"


@sensitive_variables()
def encrypt(nummer: str) -> str:
    return fernet().encrypt(nummer.encode()).decode()


@sensitive_variables()
def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "Ett krypterat personnummer kunde inte dekrypteras med FINSAM_PNR_KEYS."
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt with the newest key (for key rotation)."""
    return fernet().rotate(token.encode()).decode()


@sensitive_variables()
def lookup_hash(nummer: str) -> str:
    key = settings.FINSAM_PNR_HMAC_KEY
    if not key:
        raise ImproperlyConfigured("FINSAM_PNR_HMAC_KEY är inte satt.")
    return hmac.new(key.encode(), nummer.encode(), hashlib.sha256).hexdigest()
