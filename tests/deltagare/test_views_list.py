"""The participant list of an insats: filters, pages, the access log, a fixed number of
queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from deltagare.models import Atkomstlogg, Deltagande

from .handlaggare_data import (
    NUMMER_2,
    anonym,
    assigned_insats,
    end,
    make_nummer,
    person_deltagande,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def insats(forbund_a, handlaggare_a):
    return assigned_insats(forbund_a, handlaggare_a)


def _url(insats, **query) -> str:
    url = reverse("deltagare:list", args=[insats.forbund.organisationsnummer, insats.kod])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def test_list_shows_numbers_and_logs_each_person_shown(client_handlaggare_a, insats, handlaggare_a):
    person = person_deltagande(insats, handlaggare_a)
    anonym(insats)
    response = client_handlaggare_a.get(_url(insats))
    assert response.status_code == 200
    html = response.content.decode()
    assert "19900101-0017" in html
    assert "Anonym" in html
    logs = list(Atkomstlogg.objects.all())
    assert [(log.user, log.deltagande) for log in logs] == [(handlaggare_a, person)]
    assert logs[0].sida == _url(insats)
    assert "19900101" not in logs[0].anledning


def test_filters(client_handlaggare_a, insats, handlaggare_a):
    open_one = person_deltagande(insats, handlaggare_a)
    ended = end(person_deltagande(insats, handlaggare_a, nummer=NUMMER_2))
    incomplete = anonym(insats, slutdatum=dt.date(2015, 4, 1))  # no avslutsorsak

    def shown(**query):
        response = client_handlaggare_a.get(_url(insats, **query))
        assert response.status_code == 200
        return {d.pk for d in response.context["rows"]}

    assert shown() == {open_one.pk, ended.pk, incomplete.pk}
    assert shown(status="aktiva") == {open_one.pk}
    assert shown(status="avslutade") == {ended.pk, incomplete.pk}
    # `ended` ended 2015-09-30: its follow-ups are long overdue.
    assert shown(status="ofullstandiga") == {ended.pk, incomplete.pk}
    # An unknown filter shows all.
    assert shown(status="okand") == {open_one.pk, ended.pk, incomplete.pk}


def test_problems_are_named_in_the_row(client_handlaggare_a, insats):
    anonym(insats, slutdatum=dt.date(2015, 4, 1))
    html = client_handlaggare_a.get(_url(insats, status="ofullstandiga")).content.decode()
    assert "Utfall vid avslut saknas" in html
    assert 'Ofullständiga <span class="tab-count">(1)</span>' in html


def test_pages_of_25(client_handlaggare_a, insats):
    Deltagande.objects.bulk_create(
        Deltagande(
            insats=insats, registreringsform="anonym", kon="man", startdatum=dt.date(2016, 1, 1)
        )
        for _ in range(30)
    )
    first = client_handlaggare_a.get(_url(insats))
    assert len(first.context["rows"]) == 25
    second = client_handlaggare_a.get(_url(insats, sida=2))
    assert len(second.context["rows"]) == 5
    assert client_handlaggare_a.get(_url(insats, sida="x")).status_code == 200


def _many(insats, user, n: int) -> None:
    """n deltaganden, half with personal data (each a new person), half anonymous."""
    from deltagare import pnr
    from deltagare.models import Person

    persons = []
    for i in range(n // 2):
        person = Person(forbund=insats.forbund)
        person.set_personnummer(pnr.parse(make_nummer(i)))
        persons.append(person)
    persons = Person.objects.bulk_create(persons)
    Deltagande.objects.bulk_create(
        [
            Deltagande(
                insats=insats,
                registreringsform="person",
                person=p,
                kon=p.kon,
                startdatum=dt.date(2016, 1, 1),
                slutdatum=dt.date(2016, 2, 1),
            )
            for p in persons
        ]
        + [
            Deltagande(
                insats=insats, registreringsform="anonym", kon="man", startdatum=dt.date(2016, 1, 1)
            )
            for _ in range(n - len(persons))
        ]
    )


@pytest.mark.parametrize("n", [10, 200])
@pytest.mark.parametrize("status", ["", "ofullstandiga"])
def test_fixed_number_of_queries(
    client_handlaggare_a, insats, handlaggare_a, django_assert_max_num_queries, n, status
):
    _many(insats, handlaggare_a, n)
    # Session, user, assignments, insats, counts, page count, page rows, access log.
    with django_assert_max_num_queries(10):
        response = client_handlaggare_a.get(_url(insats, status=status) if status else _url(insats))
    assert response.status_code == 200
    # Only the ended half (with personal data, without outcome) is incomplete.
    expected = n // 2 if status else n
    assert len(response.context["rows"]) == min(expected, 25)
