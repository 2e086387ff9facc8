"""The handläggare's work list on the start page: what is missing in their insatser, each
item linking to the form that fixes it, without personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from deltagare.models import Atkomstlogg, Deltagande

from ..pnr import assert_no_pnr
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


def _url(d: Deltagande, name: str, *extra) -> str:
    return reverse(
        name, args=[d.insats.forbund.organisationsnummer, d.insats.kod, d.public_id, *extra]
    )


def _start(client) -> str:
    response = client.get(reverse("start"))
    assert response.status_code == 200
    return response.content.decode()


def test_items_link_to_the_forms_that_fix_them(
    client_handlaggare_a, insats, handlaggare_a, forbund_a
):
    ended_insats = assigned_insats(
        forbund_a, handlaggare_a, kod="IND-2", slutdatum=dt.date(2015, 12, 31)
    )
    open_past_end = person_deltagande(ended_insats, handlaggare_a)
    no_outcome = anonym(insats, slutdatum=dt.date(2015, 4, 1))
    followed = end(person_deltagande(insats, handlaggare_a, nummer=NUMMER_2))
    html = _start(client_handlaggare_a)
    assert "Att göra i dina insatser" in html
    assert _url(open_past_end, "deltagare:avsluta") in html
    assert "Pågår efter insatsens slut (1)" in html
    assert _url(no_outcome, "deltagare:avsluta") in html
    assert "Avslutade utan utfall (1)" in html
    for m in (90, 180, 365):
        assert _url(followed, "deltagare:uppfoljning", m) in html
    assert "Uppföljningar att göra (3, varav 3 försenade)" in html
    # The share with personal data, this year: IND-2 has its one open deltagande.
    assert reverse("deltagare:list", args=[forbund_a.organisationsnummer, "IND-2"]) in html
    # No personal data on the start page, so nothing to log.
    assert "19900101" not in html
    assert_no_pnr(html)
    assert not Atkomstlogg.objects.exists()


def test_ending_through_the_form_clears_the_item(client_handlaggare_a, insats, handlaggare_a):
    ended_insats = assigned_insats(
        insats.forbund, handlaggare_a, kod="IND-2", slutdatum=dt.date(2015, 12, 31)
    )
    d = person_deltagande(ended_insats, handlaggare_a)
    assert "Pågår efter insatsens slut (1)" in _start(client_handlaggare_a)
    response = client_handlaggare_a.post(
        _url(d, "deltagare:avsluta"),
        {
            "slutdatum": "2015-12-31",
            "avslutsorsak": "fullfoljd",
            "sysselsattning_efter": ["arbete"],
            "forsorjning_efter": ["ingen_offentlig"],
        },
    )
    assert response.status_code == 302
    html = _start(client_handlaggare_a)
    assert "Pågår efter insatsens slut" not in html
    assert _url(d, "deltagare:avsluta") not in html


def test_nothing_to_do(client_handlaggare_a, insats, handlaggare_a):
    today = dt.date.today()
    person_deltagande(
        insats, handlaggare_a, startdatum=today, samtycke_datum=today
    )  # open, complete
    assert "Inget saknas" in _start(client_handlaggare_a)


def test_only_the_handlaggare_own_insatser(client_handlaggare_a, insats, forbund_a, handlaggare_a):
    other = assigned_insats(forbund_a, kod="IND-X")  # not handlaggare_a's
    hidden = anonym(other, slutdatum=dt.date(2015, 4, 1))
    html = _start(client_handlaggare_a)
    assert str(hidden.public_id) not in html
    assert "IND-X" not in html


def test_a_forbundsadministrator_gets_no_handlaggare_list(client_admin_a, insats):
    anonym(insats, slutdatum=dt.date(2015, 4, 1))
    assert "Att göra i dina insatser" not in _start(client_admin_a)


@pytest.mark.parametrize("n", [10, 200])
def test_start_page_fixed_number_of_queries(
    client_handlaggare_a, insats, handlaggare_a, django_assert_max_num_queries, n
):
    for i in range(n // 10):
        end(person_deltagande(insats, handlaggare_a, nummer=make_nummer(i)))
    Deltagande.objects.bulk_create(
        Deltagande(
            insats=insats,
            registreringsform="anonym",
            kon="man",
            startdatum=dt.date(2016, 1, 1),
            slutdatum=dt.date(2016, 2, 1),
        )
        for _ in range(n - n // 10)
    )
    with django_assert_max_num_queries(14):
        html = _start(client_handlaggare_a)
    assert "Avslutade utan utfall" in html
