"""The edges the counting rules turn on, one day either side (spec/aterrapportering.md).

Each case sits exactly on a boundary of a rule and a day past it, so that a mutation of the
rule (`<=` for `<`, an end date read as exclusive) fails here: tid i insats at exactly 6
and 12 calendar months (with month-end arithmetic), "active in Y" on 1 January and
31 December for deltaganden, insatser, förbund and memberships (a membership ending on
1 January Y is a membership in Y, spec "Active in Y"), and complementary suppression along
a column total.
"""

from __future__ import annotations

import datetime as dt

import pytest

from deltagare import pnr
from deltagare.models import AGE_BANDS, Deltagande, Person, age_band
from deltagare.pnr import alder
from finsam.lib import period
from forbund.choices import Lan, Medlemstyp
from forbund.models import Kommun
from forbund.validators import with_check_digit
from rapporter.tabeller import Omfattning, build
from tests.factories import ForbundFactory, InsatsFactory, MedlemskapFactory

pytestmark = pytest.mark.django_db

D = dt.date
Y = 2024
# Valid test numbers (check digit computed): women (even serial) born 1 January 1980–1988.
NUMMER = [f"19{with_check_digit(f'{80 + i}0101002')}" for i in range(9)]


def _people(forbund, n, numbers=NUMMER):
    people = []
    for nummer in numbers[:n]:
        person = Person(forbund=forbund)
        person.set_personnummer(pnr.parse(nummer))
        person.save()
        people.append(person)
    return people


def _deltagande(insats, person, start, slut=None, **fields):
    return Deltagande.objects.create(
        insats=insats,
        registreringsform="person",
        person=person,
        startdatum=start,
        slutdatum=slut,
        **fields,
    )


def _table(omfattning, kod, *, undertryck=False, rapportvag=None):
    """Table `kod` of the report for Y, on the given path (the `rapportvag` fixture) or live."""
    bygg = rapportvag.build if rapportvag is not None else build
    return bygg(ar=Y, omfattning=omfattning, undertryck=undertryck).tabeller[kod]


def _totals(forbund, kod, rapportvag=None):
    t = _table(Omfattning("forbund", forbund.organisationsnummer), kod, rapportvag=rapportvag)
    return {row["kod"]: row["totalt"] for row in t.rader}


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
    assert _totals(forbund_a, "T11", rapportvag) == {
        "upp_till_6": 2,
        "upp_till_12": 3,
        "over_12": 2,
    }


def test_active_in_the_year_from_1_january_to_31_december(forbund_a, rapportvag):
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(2020, 1, 1))
    people = _people(forbund_a, 6)
    _deltagande(insats, people[0], D(2023, 5, 1), D(Y, 1, 1))  # ends 1 Jan Y: active in Y
    _deltagande(insats, people[1], D(2023, 5, 1), D(Y - 1, 12, 31))  # ends the day before: not
    _deltagande(insats, people[2], D(Y, 12, 31))  # starts 31 Dec Y: active in Y
    _deltagande(insats, people[3], D(Y + 1, 1, 1))  # starts the day after: not
    _deltagande(insats, people[4], D(Y, 1, 1), D(Y, 12, 31))  # the whole year
    _deltagande(insats, people[5], D(2020, 1, 1))  # open since long before: active
    # The report's SQL, the ORM's rule and the Python rule agree on every row.
    active = Deltagande.objects.active_in_year(Y)
    assert active.count() == 4
    assert {
        d.pk
        for d in Deltagande.objects.all()
        if period.is_active_in_year(d.startdatum, d.slutdatum, Y)
    } == set(active.values_list("pk", flat=True))
    t7 = _totals(forbund_a, "T7", rapportvag)
    assert t7["registrerade"] == 4
    assert t7["avslutade"] == 2  # ended 1 Jan Y and 31 Dec Y; not 31 Dec Y−1
    t2 = _totals(forbund_a, "T2", rapportvag)
    assert t2["person_deltaganden"] == 4
    assert t2["nyinskrivna_person"] == 2  # started 31 Dec Y and 1 Jan Y


def test_active_in_a_span_of_years_is_active_in_any_of_them(forbund_a):
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(2020, 1, 1))
    people = _people(forbund_a, 4)
    _deltagande(insats, people[0], D(2020, 5, 1), D(Y - 2, 12, 31))  # ends before the span
    _deltagande(insats, people[1], D(2020, 5, 1), D(Y - 1, 1, 1))  # ends on its first day
    _deltagande(insats, people[2], D(Y, 12, 31))  # starts on its last day
    _deltagande(insats, people[3], D(Y + 1, 1, 1))  # starts after it
    span = Deltagande.objects.filter(period.active_in_year_q(Y - 1, until=Y))
    years = Deltagande.objects.active_in_year(Y - 1) | Deltagande.objects.active_in_year(Y)
    assert set(span.values_list("pk", flat=True)) == set(years.values_list("pk", flat=True))
    assert span.count() == 2


def test_insatser_active_in_the_year_from_1_january_to_31_december(forbund_a):
    for start, slut, avslutad in [
        (D(2020, 1, 1), D(Y, 1, 1), None),  # planned end 1 Jan Y: active in Y
        (D(2020, 1, 1), None, D(Y, 1, 1)),  # closed early on 1 Jan Y: active in Y
        (D(Y, 12, 31), None, None),  # starts 31 Dec Y: active, and new in Y
        (D(2020, 1, 1), D(Y - 1, 12, 31), None),  # planned end the day before: not
        (D(2020, 1, 1), D(Y + 3, 1, 1), D(Y - 1, 12, 31)),  # closed the day before: not
        (D(Y + 1, 1, 1), None, None),  # starts the day after: not
    ]:
        InsatsFactory(forbund=forbund_a, startdatum=start, slutdatum=slut, avslutad_datum=avslutad)
    t1 = _table(Omfattning("forbund", forbund_a.organisationsnummer), "T1")
    assert (t1.varde("totalt", "antal"), t1.varde("totalt", "nya")) == (3, 1)


def test_forbund_and_memberships_active_in_the_year_from_1_january_to_31_december(forbund_a):
    # forbund_a (Uppsala län) has the kommuner 0380 and 0381 as members since 2010.
    for kod, intrade, uttrade in [
        ("0382", D(2015, 1, 1), D(Y, 1, 1)),  # membership ends 1 Jan Y: a member in Y
        ("0360", D(Y, 12, 31), None),  # joins 31 Dec Y: a member in Y
        ("0331", D(2015, 1, 1), D(Y - 1, 12, 31)),  # ends the day before: not
        ("0330", D(Y + 1, 1, 1), None),  # joins the day after: not
    ]:
        MedlemskapFactory(
            forbund=forbund_a,
            medlemstyp=Medlemstyp.KOMMUN,
            kommun=Kommun.objects.get(kod=kod),
            intrade=intrade,
            uttrade=uttrade,
        )
    for bildad, upphord in [
        (D(2010, 1, 1), D(Y, 1, 1)),  # ceases 1 Jan Y: active in Y
        (D(Y, 12, 31), None),  # formed 31 Dec Y: active in Y
        (D(2010, 1, 1), D(Y - 1, 12, 31)),  # ceased the day before: not
        (D(Y + 1, 1, 1), None),  # formed the day after: not
    ]:
        ForbundFactory(lan=Lan.UPPSALA, bildad=bildad, upphord=upphord)
    t0 = _table(Omfattning("lan", Lan.UPPSALA), "T0")
    assert (t0.varde("totalt", "forbund"), t0.varde("totalt", "kommuner")) == (3, 4)
    # The contributions page's "member in Y" is the same rule, in SQL and for one row.
    members = forbund_a.medlemskap.active_in_year(Y).filter(kommun__isnull=False)
    assert sorted(members.values_list("kommun__kod", flat=True)) == ["0360", "0380", "0381", "0382"]
    kommuner = forbund_a.medlemskap.filter(kommun__isnull=False).select_related("kommun")
    assert sorted(m.kommun.kod for m in kommuner if m.is_active_in_year(Y)) == [
        "0360",
        "0380",
        "0381",
        "0382",
    ]


def test_complementary_suppression_along_a_column_total(forbund_a):
    """T7's avslutsorsak rows sum to `avslutade`: with one cause suppressed (1), the other
    (6) must go too, or the total (7) gives the suppressed one away."""
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(2020, 1, 1))
    people = _people(forbund_a, 7)
    for i, person in enumerate(people):
        orsak = "flytt" if i == 0 else "fullfoljd"
        _deltagande(insats, person, D(Y, 2, 1), D(Y, 6, 1), avslutsorsak=orsak)
    t7 = _table(Omfattning("forbund", forbund_a.organisationsnummer), "T7", undertryck=True)
    rows = {row["kod"]: row for row in t7.rader}
    assert (rows["flytt"]["totalt"], rows["fullfoljd"]["totalt"]) == (None, None)
    assert rows["avslutade"]["totalt"] == 7
    assert t7.undertryckta == ["fullfoljd.totalt", "flytt.totalt"]


def test_age_at_start_on_the_birthday_and_the_day_before(forbund_a):
    """The report's age in SQL (T3) and the pages' `alder` agree on birthdays, 29 February
    included."""
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(2020, 1, 1))
    cases = [
        ("080615", D(Y, 6, 15)),  # 16 on the start day → 16_29
        ("080616", D(Y, 6, 15)),  # 16 the day after → under_16
        ("940615", D(Y, 6, 15)),  # 30 on the start day → 30_44
        ("940616", D(Y, 6, 15)),  # 30 the day after → 16_29
        ("960229", D(Y - 1, 2, 28)),  # born 29 Feb, 27 only on 1 Mar 2023 → 16_29 (26)
        ("640301", D(Y, 3, 1)),  # 60 on the start day → 60_
        ("640302", D(Y, 3, 1)),  # 60 the day after → 45_59
    ]
    nummer = [
        f"{'20' if born < '30' else '19'}{with_check_digit(f'{born}002')}" for born, _ in cases
    ]
    people = _people(forbund_a, len(cases), nummer)
    expected: dict[str, int] = dict.fromkeys(AGE_BANDS, 0)
    for person, (_, start) in zip(people, cases, strict=True):
        _deltagande(insats, person, start)
        expected[age_band(alder(person.fodelsedatum, start))] += 1
    assert expected == {"under_16": 1, "16_29": 3, "30_44": 1, "45_59": 1, "60_": 1}
    assert {k: v for k, v in _totals(forbund_a, "T3").items() if k in AGE_BANDS} == expected
