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
    other = person_deltagande(insats, handlaggare_a, nummer=NUMMER_2)
    anonym(insats)
    response = client_handlaggare_a.get(_url(insats))
    assert response.status_code == 200
    html = response.content.decode()
    assert "19900101-0017" in html
    assert "Anonym" in html
    # One entry for the page view, listing both persons shown (not the anonymous one).
    log = Atkomstlogg.objects.get()
    assert log.user == handlaggare_a and log.sida == _url(insats)
    shown = {(a.person, a.deltagande) for a in log.visningar.all()}
    assert shown == {(person.person, person), (other.person, other)}
    assert "19900101" not in log.anledning


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


# --- Search (issue 16, item 6) ----------------------------------------------------------


def _sok(client, insats, value, **headers):
    url = reverse("deltagare:sok", args=[insats.forbund.organisationsnummer, insats.kod])
    return client.post(url, {"sok": value}, headers=headers)


@pytest.mark.parametrize(
    "spelling", ["19900101-0017", "199001010017", "900101-0017", "900101 0017"]
)
def test_search_by_personnummer_finds_and_logs(
    client_handlaggare_a, insats, handlaggare_a, spelling
):
    found = person_deltagande(insats, handlaggare_a)
    person_deltagande(insats, handlaggare_a, nummer=NUMMER_2)
    anonym(insats)
    response = _sok(client_handlaggare_a, insats, spelling)
    assert response.status_code == 200
    assert response.context["traffar"] == [found]
    assert "19900101-0017" in response.text and "1 deltagande hittade" in response.text
    assert "19850615" not in response.text  # the other person is not shown
    log = Atkomstlogg.objects.get()
    assert (log.user, log.visningar.get().deltagande) == (handlaggare_a, found)
    assert log.anledning == f"Sökning på personnummer i deltagarlistan i {insats.kod}"
    assert "900101" not in log.sida and "900101" not in log.anledning


def test_search_by_id_whole_or_its_start(client_handlaggare_a, insats, handlaggare_a):
    found = person_deltagande(insats, handlaggare_a)
    anonymt = anonym(insats)
    for value in (str(found.public_id), str(found.public_id)[:8], str(found.public_id).upper()):
        assert _sok(client_handlaggare_a, insats, value).context["traffar"] == [found]
    assert _sok(client_handlaggare_a, insats, str(anonymt.public_id)).context["traffar"] == [
        anonymt
    ]
    assert Atkomstlogg.objects.filter(anledning__startswith="Sökning på id").count() == 3


def test_search_finds_nothing_outside_the_insats(
    client_handlaggare_a, insats, handlaggare_a, forbund_a
):
    other = assigned_insats(forbund_a, kod="IND-X")  # not handlaggare_a's
    elsewhere = person_deltagande(other, handlaggare_a)
    for value in ("19900101-0017", str(elsewhere.public_id)):
        response = _sok(client_handlaggare_a, insats, value)
        assert response.context["traffar"] == []
        assert "0 deltaganden hittade i insatsen" in response.text
        assert f"{elsewhere.public_id}/" not in response.text  # no link to it
    assert not Atkomstlogg.objects.exists()


def test_search_with_htmx_answers_the_search_block_only(
    client_handlaggare_a, insats, handlaggare_a
):
    person_deltagande(insats, handlaggare_a)
    response = _sok(client_handlaggare_a, insats, "19900101-0017", HX_Request="true")
    assert response.text.lstrip().startswith('<div id="deltagare-sok"')
    assert "19900101-0017" in response.text and "<html" not in response.text


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Ange ett personnummer eller ett id."),
        ("19900101-0018", "inte ett giltigt personnummer"),
        ("Kalle", "deltagandets id"),
        ("1234", "deltagandets id"),
    ],
)
def test_search_errors_in_swedish_without_echo(client_handlaggare_a, insats, value, message):
    response = _sok(client_handlaggare_a, insats, value)
    assert response.status_code == 200
    errors = " ".join(response.context["sok_form"].errors["sok"])
    assert message in errors
    assert not value or value not in errors


def test_search_is_post_only_and_keeps_the_number_out_of_the_url(client_handlaggare_a, insats):
    url = reverse("deltagare:sok", args=[insats.forbund.organisationsnummer, insats.kod])
    assert client_handlaggare_a.get(url).status_code == 405
    page = client_handlaggare_a.get(_url(insats)).text
    assert f'method="post" action="{url}"' in page and f'hx-post="{url}"' in page


@pytest.mark.parametrize("n", [10, 200])
def test_search_runs_a_fixed_number_of_queries(
    client_handlaggare_a, insats, handlaggare_a, django_assert_max_num_queries, n
):
    _many(insats, handlaggare_a, n)
    # Session, user, assignments, insats, person by hash, rows, access log.
    with django_assert_max_num_queries(9):
        response = _sok(client_handlaggare_a, insats, make_nummer(3))
    assert len(response.context["traffar"]) == 1
