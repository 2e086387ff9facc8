"""Asserts that a text shows no spelling of the tests' personnummer 19900101-0017.

A bare "0017" is no test: a UUID, a CSRF token or a time on the same page contains it now
and then, and the test fails at random. This looks for the number itself in every spelling
a person or a program writes it (with or without century, separator - + or space).
"""

import re

PNR_SPELLINGS = re.compile(r"(?<!\d)(?:19)?900101[-+ ]?0017(?!\d)")


def assert_no_pnr(text: str | bytes) -> None:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    found = PNR_SPELLINGS.search(text)
    assert found is None, f"personnumret syns: {found.group() if found else ''}"
