from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from deltagare import pnr


@pytest.mark.parametrize(
    ("value", "nummer", "kon", "fodd", "samordning"),
    [
        ("19121212-1212", "191212121212", "man", dt.date(1912, 12, 12), False),
        ("191212121212", "191212121212", "man", dt.date(1912, 12, 12), False),
        ("121212+1212", "191212121212", "man", dt.date(1912, 12, 12), False),  # + = 100 years
        ("121212-1212", "201212121212", "man", dt.date(2012, 12, 12), False),
        (" 19900101-0017 ", "199001010017", "man", dt.date(1990, 1, 1), False),
        ("19900101-0025", "199001010025", "kvinna", dt.date(1990, 1, 1), False),
        ("701063-2391", "197010632391", "man", dt.date(1970, 10, 3), True),  # day + 60
    ],
)
def test_parse_accepts_the_forms_of_spec_import(value, nummer, kon, fodd, samordning):
    parsed = pnr.parse(value)
    assert parsed.nummer == nummer
    assert parsed.kon == kon
    assert parsed.fodelsedatum == fodd
    assert parsed.samordningsnummer is samordning


@pytest.mark.parametrize(
    "value",
    ["", "abc", "1212121212121", "121212-1213", "19901301-0017", "19900132-0010", "12-12"],
)
def test_parse_rejects_with_a_message_that_never_holds_the_number(value):
    with pytest.raises(pnr.OgiltigtPersonnummer) as caught:
        pnr.parse(value)
    digits = value.replace("-", "")
    assert not digits or digits not in str(caught.value)


def test_repr_hides_the_number():
    parsed = pnr.parse("19121212-1212")
    assert "1212" not in repr(parsed)
    assert "1212" not in str(parsed)
    assert "1212" not in f"{parsed}"


def test_age_counts_birthdays():
    parsed = pnr.parse("19900615-0016")
    assert parsed.alder(dt.date(2020, 6, 14)) == 29
    assert parsed.alder(dt.date(2020, 6, 15)) == 30


def test_encryption_round_trip_and_rotation(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FINSAM_PNR_KEYS = [old]
    token = pnr.encrypt("191212121212")
    assert "191212121212" not in token
    assert pnr.encrypt("191212121212") != token  # random IV: equal numbers do not look equal
    settings.FINSAM_PNR_KEYS = [new, old]
    assert pnr.decrypt(token) == "191212121212"
    rotated = pnr.rotate(token)
    settings.FINSAM_PNR_KEYS = [new]
    assert pnr.decrypt(rotated) == "191212121212"


def test_lookup_hash_is_keyed_and_stable(settings):
    settings.FINSAM_PNR_HMAC_KEY = "a"
    first = pnr.lookup_hash("191212121212")
    assert first == pnr.lookup_hash("191212121212")
    assert "191212121212" not in first
    settings.FINSAM_PNR_HMAC_KEY = "b"
    assert pnr.lookup_hash("191212121212") != first


def test_missing_keys_are_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.FINSAM_PNR_HMAC_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        pnr.lookup_hash("191212121212")


@given(st.text(max_size=20))
def test_parse_never_raises_anything_else(value):
    try:
        parsed = pnr.parse(value)
    except pnr.OgiltigtPersonnummer:
        return
    assert len(parsed.nummer) == 12 and parsed.nummer.isdigit()
