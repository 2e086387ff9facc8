"""Organisationsnummer: ten digits, Luhn check digit, third digit at least 2."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_ORGNR_RE = re.compile(r"^(\d{6})-?(\d{4})$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def normalize_organisationsnummer(value: str) -> str:
    """Return the ten digits of a valid organisationsnummer, or raise ValidationError."""
    match = _ORGNR_RE.match((value or "").strip())
    if not match:
        raise ValidationError(
            "Organisationsnumret ska ha tio siffror (NNNNNN-NNNN).", code="format"
        )
    digits = match.group(1) + match.group(2)
    if int(digits[2]) < 2:
        raise ValidationError(
            "Det här är inte ett organisationsnummer (tredje siffran ska vara minst 2).",
            code="not_orgnr",
        )
    if not luhn_ok(digits):
        raise ValidationError(
            "Kontrollsiffran i organisationsnumret stämmer inte.", code="checksum"
        )
    return digits


def validate_organisationsnummer(value: str) -> None:
    normalize_organisationsnummer(value)


def with_check_digit(nine_digits: str) -> str:
    """Complete nine digits with the Luhn check digit (used for demo data)."""
    for d in "0123456789":
        if luhn_ok(nine_digits + d):
            return nine_digits + d
    raise AssertionError("unreachable")
