"""The edges the counting rules turn on, one day either side (spec/aterrapportering.md).

Each case sits exactly on a boundary of a rule and a day past it, so that a mutation of the
rule (`<=` for `<`, an end date read as exclusive) fails here: tid i insats at exactly 6
and 12 calendar months (with month-end arithmetic), and "active in Y" on 1 January and
31 December.
"""

from __future__ import annotations

import datetime as dt

import pytest

from deltagare import pnr
from deltagare.models import Deltagande, Person
from forbund.validators import with_check_digit
from rapporter.tabeller import Omfattning
from tests.factories import InsatsFactory

pytestmark = pytest.mark.django_db

D = dt.date
Y = 2024
# Valid test numbers (check digit computed): women (even serial) born 1 January 1980–1988.
NUMMER = [f"19{with_check_digit(f'{80 + i}0101002')}" for i in range(9)]


def _people(forbund, n):
    people = []
    for nummer in NUMMER[:n]:
        person = Person(forbund=forbund)
        person.set_personnummer(pnr.parse(nummer))
        person.save()
        people.append(person)
    return people


def _deltagande(insats, person, start, slut=None):
    return Deltagande.objects.create(
        insats=insats, registreringsform="person", person=person, startdatum=start, slutdatum=slut
    )


def _totals(forbund, kod, rapportvag):
    rapport = rapportvag.build(
        ar=Y, omfattning=Omfattning("forbund", forbund.organisationsnummer), undertryck=False
    )
    return {row["kod"]: row["totalt"] for row in rapport.tabeller[kod].rader}


def test_tid_i_insats_at_exactly_6_and_12_calendar_months(forbund_a, rapportvag):
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(2020, 1, 1))
    people = _people(forbund_a, 7)
    cases = [
        (D(2024, 1, 15), D(2024, 7, 15)),  # exactly 6 months → upp_till_6
        (D(2024, 1, 15), D(2024, 7, 16)),  # a day more → upp_till_12
        (D(2023, 8, 31), D(2024, 2, 29)),  # 31 Aug + 6 months = 29 Feb (leap year) → upp_till_6
        (D(2023, 8, 31), D(2024, 3, 1)),  # a day more → upp_till_12
        (D(2023, 3, 10), D(2024, 3, 10)),  # exactly 12 months → upp_till_12
        (D(2023, 3, 10), D(2024, 3, 11)),  # a day more → over_12
        (D(2023, 2, 28), D(2024, 2, 29)),  # 28 Feb + 12 months = 28 Feb → over_12
    ]
    for person, (start, slut) in zip(people, cases, strict=True):
        _deltagande(insats, person, start, slut)
    assert _totals(forbund_a, "T11", rapportvag) == {"upp_till_6": 2, "upp_till_12": 3, "over_12": 2}


def test_active_in_the_year_from_1_january_to_31_december(forbund_a, rapportvag):
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(2020, 1, 1))
    people = _people(forbund_a, 6)
    _deltagande(insats, people[0], D(2023, 5, 1), D(Y, 1, 1))  # ends 1 Jan Y: active in Y
    _deltagande(insats, people[1], D(2023, 5, 1), D(Y - 1, 12, 31))  # ends the day before: not
    _deltagande(insats, people[2], D(Y, 12, 31))  # starts 31 Dec Y: active in Y
    _deltagande(insats, people[3], D(Y + 1, 1, 1))  # starts the day after: not
    _deltagande(insats, people[4], D(Y, 1, 1), D(Y, 12, 31))  # the whole year
    _deltagande(insats, people[5], D(2020, 1, 1))  # open since long before: active
    t7 = _totals(forbund_a, "T7", rapportvag)
    assert t7["registrerade"] == 4
    assert t7["avslutade"] == 2  # ended 1 Jan Y and 31 Dec Y; not 31 Dec Y−1
    t2 = _totals(forbund_a, "T2", rapportvag)
    assert t2["person_deltaganden"] == 4
    assert t2["nyinskrivna_person"] == 2  # started 31 Dec Y and 1 Jan Y
