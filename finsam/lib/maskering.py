"""Masking personnummer in text that is stored or shown: import errors, file names, logs.

The parser (deltagare.pnr.parse, on the `personnummer` library) accepts a number in many
spellings: 10 or 12 digits, spaces anywhere (`850515 1236`, `8505 15-1236`), a `-` or `+`
before the last four, and any Unicode decimal digits (`８５０５１５１２３６`). People also write
a dot (`19850515.1236`), which the parser refuses but which is no less a personnummer in
an error message. Masked is every digit sequence that, read across such separators (white
space, `.`, `-`, `+`, Unicode hyphens), has 10 or 12 digits shaped like a personnummer or
samordningsnummer: the month's first digit 0 or 1, and for 12 digits a century of 18, 19 or
20. An organisationsnummer (its third digit at least 2) is left as it is. When in doubt the
text is masked: a date followed by digits may lose a few, never a number its digits.
"""

from __future__ import annotations

import re
import unicodedata

DOLT = "[personnummer dolt]"

# Separators inside a number, as people type them (never a line break).
_SEP = r"(?:[^\S\r\n]|[.\-+\u2010\u2011\u2212\uff0b\uff0d\uff0e])+"
# A run of digit groups joined by separators; not part of a longer word of digits.
_RUN = re.compile(rf"\d+(?:{_SEP}\d+)*")
_GROUP = re.compile(r"\d+")
_CENTURIES = {"18", "19", "20"}


def maskera(text: str) -> str:
    """The text with every personnummer-like number replaced by "[personnummer dolt]"."""
    if sum(map(str.isdecimal, text)) < 10:  # too few digits for any number: the common case
        return text
    return _RUN.sub(_mask_run, text)


def _mask_run(match: re.Match[str]) -> str:
    run = match.group()
    if sum(map(str.isdecimal, run)) < 10:  # too few digits for a number (a date, a code)
        return run
    groups = list(_GROUP.finditer(run))
    parts: list[str] = []
    pos = 0
    i = 0
    while i < len(groups):
        last = _number_ending(groups, i)
        if last is None:
            i += 1
            continue
        parts += [run[pos : groups[i].start()], DOLT]
        pos = groups[last].end()
        i = last + 1
    parts.append(run[pos:])
    return "".join(parts)


def _number_ending(groups: list[re.Match[str]], first: int) -> int | None:
    """The last group of the longest personnummer-shaped number starting at `first`."""
    digits = ""
    found = None
    for j in range(first, len(groups)):
        digits += "".join(str(unicodedata.decimal(c)) for c in groups[j].group())
        if len(digits) > 12:
            break
        if _shaped(digits):
            found = j
    return found


def _shaped(digits: str) -> bool:
    if len(digits) == 10:
        return digits[2] in "01"
    if len(digits) == 12:
        return digits[:2] in _CENTURIES and digits[4] in "01"
    return False
