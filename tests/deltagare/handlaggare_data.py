"""Data for the handläggare's pages (tests/deltagare/test_views_*.py and test_kvalitet.py)."""

from __future__ import annotations

import datetime as dt

from deltagare import pnr, services
from deltagare.models import Deltagande
from insatser.models import Insats, InsatsUppdrag
from tests.factories import InsatsFactory

# Valid numbers (check digit right); none of them belongs to a real person.
NUMMER = "19900101-0017"  # man, born 1990-01-01
NUMMER_2 = "19850615-1227"  # kvinna
NUMMER_3 = "19700101-0011"  # man


def assigned_insats(forbund, user=None, **kwargs) -> Insats:
    """An individinriktad insats with individual registration, the user its handläggare."""
    values = {
        "forbund": forbund,
        "kod": "IND-1",
        "namn": "Vägen till arbete",
        "startdatum": dt.date(2015, 1, 1),
        "slutdatum": dt.date(2030, 12, 31),
    }
    values.update(kwargs)
    insats = InsatsFactory(**values)
    if user is not None:
        InsatsUppdrag.objects.create(
            insats=insats, uppdrag=user.uppdrag.get(forbund=forbund, roll="handlaggare")
        )
    return insats


def person_deltagande(insats, user, nummer: str = NUMMER, **kwargs) -> Deltagande:
    values = {
        "user": user,
        "insats": insats,
        "personnummer": pnr.parse(nummer),
        "samtycke_datum": dt.date(2015, 3, 1),
        "startdatum": dt.date(2015, 3, 1),
        "profil": services.Startprofil(
            utbildningsniva="gymnasial",
            forsorjning_fore=["aktivitetsstod"],
            tid_offentlig_forsorjning="upp_till_1",
            sysselsattning_fore=["arbetssokande"],
        ),
    }
    values.update(kwargs)
    return services.register_person_deltagande(**values)


def registration_post(nummer: str = NUMMER, datum: str = "2016-01-04") -> dict[str, str]:
    """The registration form's smallest valid POST: the number, consent and start on `datum`."""
    return {
        "personnummer": nummer,
        "samtycke_registrering": "on",
        "samtycke_datum": datum,
        "sprak": "svenska",
        "startdatum": datum,
    }


def anonym(insats, **kwargs) -> Deltagande:
    values = {"insats": insats, "kon": "kvinna", "startdatum": dt.date(2015, 3, 1)}
    values.update(kwargs)
    return services.register_anonymous_deltagande(**values)


def end(deltagande, slutdatum=dt.date(2015, 9, 30), **kwargs) -> Deltagande:
    values = {
        "deltagande": deltagande,
        "slutdatum": slutdatum,
        "avslutsorsak": "fullfoljd",
        "sysselsattning_efter": ["arbete"],
        "forsorjning_efter": ["ingen_offentlig"],
    }
    values.update(kwargs)
    return services.end_deltagande(**values)


def make_nummer(i: int) -> str:
    """The i-th of a series of valid numbers (born 1970, check digit by Luhn)."""
    digits = f"70{1 + i // 28 % 12:02d}{1 + i % 28:02d}{1 + i % 999:03d}"
    total = 0
    for pos, c in enumerate(digits):
        d = int(c) * (2 if pos % 2 == 0 else 1)
        total += d // 10 + d % 10
    return f"19{digits[:6]}-{digits[6:]}{(10 - total % 10) % 10}"
