"""The deltagande page, its end, start profile and follow-ups: each logs the view of the
personal data it shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from deltagare import kvalitet
from deltagare.models import Atkomstlogg, Deltagande, Person, Samtycke, Uppfoljning
from insatser.models import Insats

from .handlaggare_data import anonym, assigned_insats, end, person_deltagande

pytestmark = pytest.mark.django_db


@pytest.fixture
def insats(forbund_a, handlaggare_a):
    return assigned_insats(forbund_a, handlaggare_a)


@pytest.fixture
def deltagande(insats, handlaggare_a):
    return person_deltagande(insats, handlaggare_a)


def _url(d: Deltagande, name: str = "deltagare:detail", *extra) -> str:
    return reverse(
        name, args=[d.insats.forbund.organisationsnummer, d.insats.kod, d.public_id, *extra]
    )


def _logged(user, d: Deltagande, url: str) -> Atkomstlogg:
    log = Atkomstlogg.objects.get()
    shown = log.visningar.get()
    assert (log.user, shown.person, shown.deltagande, log.sida) == (user, d.person, d, url)
    assert log.forbund == d.insats.forbund
    return log


# --- The page -------------------------------------------------------------------------


def test_detail_shows_and_logs(client_handlaggare_a, deltagande, handlaggare_a):
    url = _url(deltagande)
    response = client_handlaggare_a.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "19900101-0017" in html
    assert "25 år" in html  # age at start 2015-03-01
    assert "Gymnasium som högsta nivå" in html
    assert "Aktivitetsstöd" in html
    assert "Registrering i Finsam" in html  # the consent
    assert "Avsluta deltagandet" in html
    assert _logged(handlaggare_a, deltagande, url).anledning == "Visa deltagandet"


def test_every_view_writes_a_log_row(client_handlaggare_a, deltagande):
    for _ in range(3):
        client_handlaggare_a.get(_url(deltagande))
    assert Atkomstlogg.objects.count() == 3


def test_detail_of_an_anonymous_deltagande_logs_nothing(client_handlaggare_a, insats):
    d = anonym(insats)
    response = client_handlaggare_a.get(_url(d))
    assert response.status_code == 200
    assert "Anonym" in response.content.decode()
    assert not Atkomstlogg.objects.exists()


def test_detail_lists_problems_with_links(client_handlaggare_a, deltagande, handlaggare_a):
    ended = end(deltagande, sysselsattning_efter=[])
    Deltagande.objects.filter(pk=deltagande.pk).update(utbildningsniva="")
    html = client_handlaggare_a.get(_url(ended)).content.decode()
    assert "Startprofilen är ofullständig" in html
    assert _url(ended, "deltagare:startprofil") in html
    assert "Utfall vid avslut saknas" in html
    # Ended 2015-09-30: every follow-up is overdue.
    for m in (90, 180, 365):
        assert _url(ended, "deltagare:uppfoljning", m) in html
    assert html.count("Försenad") == 3


@pytest.mark.parametrize(("days_ago", "forsenad"), [(119, False), (120, True)])
def test_detail_marks_a_follow_up_overdue_on_the_day_the_work_list_does(
    client_handlaggare_a, deltagande, days_ago, forsenad
):
    """Ended 120 days ago, the 90-day follow-up turns overdue today on both pages."""
    today = timezone.localdate()
    ended = end(deltagande, slutdatum=today - dt.timedelta(days=days_ago))
    html = client_handlaggare_a.get(_url(ended)).content.decode()
    assert ("Försenad" in html) is forsenad
    lista = kvalitet.arbetslista(Insats.objects.values_list("pk", flat=True), today=today)
    assert [u.forsenad for u in lista.uppfoljningar] == [forsenad]


def test_detail_query_count(client_handlaggare_a, deltagande, django_assert_max_num_queries):
    end(deltagande)
    with django_assert_max_num_queries(12):
        assert client_handlaggare_a.get(_url(deltagande)).status_code == 200


# --- Ending -----------------------------------------------------------------------------


def test_end_in_one_form(client_handlaggare_a, deltagande, handlaggare_a):
    url = _url(deltagande, "deltagare:avsluta")
    response = client_handlaggare_a.get(url)
    assert response.status_code == 200
    assert "19900101-0017" in response.content.decode()
    response = client_handlaggare_a.post(
        url,
        {
            "slutdatum": "2015-12-31",
            "avslutsorsak": "annan_insats",
            "sysselsattning_efter": ["studier", "arbete"],
            "forsorjning_efter": ["studiestod"],
        },
    )
    assert response.status_code == 302 and response.url == _url(deltagande)
    deltagande.refresh_from_db()
    assert deltagande.slutdatum == dt.date(2015, 12, 31)
    assert deltagande.avslutsorsak == "annan_insats"
    assert sorted(deltagande.sysselsattning_efter) == ["arbete", "studier"]
    assert deltagande.forsorjning_efter == ["studiestod"]
    assert Atkomstlogg.objects.filter(visningar__deltagande=deltagande, sida=url).count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slutdatum": "2015-02-28"}, "kan inte ligga före startdatumet (2015-03-01)"),
        ({"slutdatum": "2999-01-01"}, "kan inte ligga i framtiden"),
        ({"slutdatum": ""}, "Ange slutdatum"),
        ({"avslutsorsak": ""}, "Ange varför deltagandet slutade"),
        ({"sysselsattning_efter": []}, "Välj minst ett alternativ"),
        ({"forsorjning_efter": ["ingen_offentlig", "a_kassa"]}, "kan inte kombineras"),
    ],
)
def test_end_errors_save_nothing(client_handlaggare_a, deltagande, changes, message):
    data = {
        "slutdatum": "2015-12-31",
        "avslutsorsak": "fullfoljd",
        "sysselsattning_efter": ["arbete"],
        "forsorjning_efter": ["ingen_offentlig"],
        **changes,
    }
    response = client_handlaggare_a.post(_url(deltagande, "deltagare:avsluta"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    deltagande.refresh_from_db()
    assert deltagande.slutdatum is None and deltagande.avslutsorsak == ""


def test_end_anonymous_takes_date_and_reason_only(client_handlaggare_a, insats):
    d = anonym(insats)
    url = _url(d, "deltagare:avsluta")
    html = client_handlaggare_a.get(url).content.decode()
    assert "sysselsattning_efter" not in html
    response = client_handlaggare_a.post(
        url, {"slutdatum": "2015-06-01", "avslutsorsak": "flytt", "sysselsattning_efter": "arbete"}
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.slutdatum, d.avslutsorsak, d.sysselsattning_efter) == (
        dt.date(2015, 6, 1),
        "flytt",
        [],
    )


def test_correct_an_ended_deltagande(client_handlaggare_a, deltagande):
    end(deltagande, sysselsattning_efter=[])
    url = _url(deltagande, "deltagare:avsluta")
    response = client_handlaggare_a.get(url)
    assert "Ändra avslutet" in response.content.decode()
    assert response.context["form"].initial["slutdatum"] == dt.date(2015, 9, 30)
    client_handlaggare_a.post(
        url,
        {
            "slutdatum": "2015-09-30",
            "avslutsorsak": "fullfoljd",
            "sysselsattning_efter": ["okand"],
            "forsorjning_efter": ["annan_offentlig"],
        },
    )
    deltagande.refresh_from_db()
    assert deltagande.sysselsattning_efter == ["okand"]


# --- Start profile ----------------------------------------------------------------------


def test_complete_the_start_profile(client_handlaggare_a, deltagande, handlaggare_a):
    url = _url(deltagande, "deltagare:startprofil")
    assert client_handlaggare_a.get(url).status_code == 200
    response = client_handlaggare_a.post(
        url,
        {
            "utbildningsniva": "eftergymnasial",
            "forsorjning_fore": ["ingen_offentlig"],
            "tid_offentlig_forsorjning": "ej_tillampligt",
            "sysselsattning_fore": ["studier"],
        },
    )
    assert response.status_code == 302
    deltagande.refresh_from_db()
    assert deltagande.utbildningsniva == "eftergymnasial"
    assert deltagande.forsorjning_fore == ["ingen_offentlig"]
    assert Atkomstlogg.objects.filter(sida=url).count() == 2


def test_start_profile_rejects_ingen_offentlig_with_others(client_handlaggare_a, deltagande):
    response = client_handlaggare_a.post(
        _url(deltagande, "deltagare:startprofil"),
        {"forsorjning_fore": ["ingen_offentlig", "sjukpenning"]},
    )
    assert response.status_code == 200
    assert "kan inte kombineras" in response.content.decode()
    deltagande.refresh_from_db()
    assert deltagande.forsorjning_fore == ["aktivitetsstod"]


def test_anonymous_has_no_start_profile(client_handlaggare_a, insats):
    d = anonym(insats)
    assert client_handlaggare_a.get(_url(d, "deltagare:startprofil")).status_code == 404


# --- Follow-ups -------------------------------------------------------------------------


def test_follow_up(client_handlaggare_a, deltagande, handlaggare_a):
    end(deltagande)
    url = _url(deltagande, "deltagare:uppfoljning", 180)
    response = client_handlaggare_a.get(url)
    assert response.status_code == 200
    assert "6 månader efter avslut: 2016-03-28–2016-09-28." in response.content.decode()
    response = client_handlaggare_a.post(
        url, {"datum": "2016-04-02", "sysselsattning": ["arbete"], "forsorjning": ["a_kassa"]}
    )
    assert response.status_code == 302
    u = Uppfoljning.objects.get()
    assert (u.matpunkt, u.datum, u.sysselsattning, u.forsorjning) == (
        180,
        dt.date(2016, 4, 2),
        ["arbete"],
        ["a_kassa"],
    )
    # Correcting it keeps one row.
    client_handlaggare_a.post(
        url, {"datum": "2016-04-03", "sysselsattning": ["studier"], "forsorjning": ["studiestod"]}
    )
    assert Uppfoljning.objects.get().sysselsattning == ["studier"]
    assert Atkomstlogg.objects.filter(sida=url).count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # The 90-day window of a deltagande ended 2015-09-30: 2015-12-29 to 2016-03-27.
        ({"datum": "2015-09-29"}, "ska göras 2015-12-29–2016-03-27; 2015-09-29 ligger utanför"),
        ({"datum": "2015-11-13"}, "ska göras 2015-12-29–2016-03-27; 2015-11-13 ligger utanför"),
        ({"datum": "2015-12-28"}, "ska göras 2015-12-29–2016-03-27; 2015-12-28 ligger utanför"),
        ({"datum": "2016-03-28"}, "ska göras 2015-12-29–2016-03-27; 2016-03-28 ligger utanför"),
        ({"datum": "2999-01-01"}, "kan inte ligga i framtiden"),
        ({"sysselsattning": []}, "Välj minst ett alternativ"),
        ({"forsorjning": ["ingen_offentlig", "a_kassa"]}, "kan inte kombineras"),
    ],
)
def test_follow_up_errors(client_handlaggare_a, deltagande, data, message):
    """Nothing is saved, and the error names the mätpunkt's window where the date is outside."""
    end(deltagande)
    values = {"datum": "2016-01-05", "sysselsattning": ["arbete"], "forsorjning": ["a_kassa"]}
    values.update(data)
    response = client_handlaggare_a.post(_url(deltagande, "deltagare:uppfoljning", 90), values)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Uppfoljning.objects.exists()


@pytest.mark.parametrize("datum", ["2015-12-29", "2016-03-27"])
def test_follow_up_on_the_first_and_last_day_of_its_window(client_handlaggare_a, deltagande, datum):
    end(deltagande)
    values = {"datum": datum, "sysselsattning": ["arbete"], "forsorjning": ["a_kassa"]}
    response = client_handlaggare_a.post(_url(deltagande, "deltagare:uppfoljning", 90), values)
    assert response.status_code == 302
    assert Uppfoljning.objects.get().datum.isoformat() == datum


def test_follow_up_only_after_the_end_and_with_personal_data(
    client_handlaggare_a, deltagande, insats
):
    url = _url(deltagande, "deltagare:uppfoljning", 90)
    response = client_handlaggare_a.get(url)
    assert response.status_code == 200
    assert "när deltagandet har avslutats" in response.content.decode()
    values = {"datum": "2016-01-05", "sysselsattning": ["arbete"], "forsorjning": ["a_kassa"]}
    assert client_handlaggare_a.post(url, values).status_code == 200
    assert not Uppfoljning.objects.exists()
    end(deltagande)
    assert (
        client_handlaggare_a.get(_url(deltagande, "deltagare:uppfoljning", 91)).status_code == 404
    )
    d = anonym(insats, slutdatum=dt.date(2015, 4, 1))
    assert client_handlaggare_a.get(_url(d, "deltagare:uppfoljning", 90)).status_code == 404


def test_other_insats_in_the_url_is_404(client_handlaggare_a, deltagande, forbund_a, handlaggare_a):
    other = assigned_insats(forbund_a, handlaggare_a, kod="IND-2")
    url = reverse(
        "deltagare:detail", args=[forbund_a.organisationsnummer, other.kod, deltagande.public_id]
    )
    assert client_handlaggare_a.get(url).status_code == 404


# --- Withdrawn consent ------------------------------------------------------------------


def test_withdraw_consent_erases_the_personal_data(client_handlaggare_a, deltagande):
    end(deltagande)
    Uppfoljning.objects.create(
        deltagande=deltagande, matpunkt=90, datum=dt.date(2016, 1, 2), sysselsattning=["arbete"]
    )
    url = _url(deltagande, "deltagare:aterkalla")
    response = client_handlaggare_a.get(url)
    assert response.status_code == 200
    assert response.context["form"]["deltaganden"].initial == [str(deltagande.public_id)]
    response = client_handlaggare_a.post(
        url, {"datum": "2016-02-01", "deltaganden": [str(deltagande.public_id)]}
    )
    assert response.status_code == 302 and response.url == _url(deltagande)
    deltagande.refresh_from_db()
    assert (deltagande.registreringsform, deltagande.person_id) == ("anonym", None)
    assert deltagande.kon == "man" and deltagande.slutdatum == dt.date(2015, 9, 30)
    assert deltagande.sysselsattning_efter == [] and not Uppfoljning.objects.exists()
    person = Person.objects.get()
    assert person.pnr_krypterat is None and person.raderad is not None
    assert list(Samtycke.objects.values_list("aterkallat", flat=True)) == [dt.date(2016, 2, 1)]
    html = client_handlaggare_a.get(_url(deltagande)).content.decode()
    assert "Anonym" in html and "19900101" not in html
    # Back, then the button again: the page says what happened instead of 404.
    for again in (
        client_handlaggare_a.get(url),
        client_handlaggare_a.post(
            url, {"datum": "2016-02-03", "deltaganden": [str(deltagande.public_id)]}
        ),
    ):
        page = again.content.decode()
        assert again.status_code == 200
        assert "Samtycket är redan återkallat" in page
        assert "återkallades 2016-02-01" in page and "registrerades av" in page
        assert _url(deltagande) in page and "19900101" not in page
    assert list(Samtycke.objects.values_list("aterkallat", flat=True)) == [dt.date(2016, 2, 1)]


def test_withdrawal_page_of_a_deltagande_registered_anonymous_is_404(
    client_handlaggare_a, deltagande
):
    from deltagare import services

    anonym = services.register_anonymous_deltagande(
        insats=deltagande.insats, kon="kvinna", startdatum=deltagande.startdatum
    )
    assert client_handlaggare_a.get(_url(anonym, "deltagare:aterkalla")).status_code == 404


@pytest.mark.parametrize(
    ("datum", "message"),
    [
        ("2015-02-28", "före det senaste samtycket (2015-03-01)"),
        ("2999-01-01", "kan inte ligga i framtiden"),
        ("", "Ange datum"),
    ],
)
def test_withdraw_consent_errors(client_handlaggare_a, deltagande, datum, message):
    response = client_handlaggare_a.post(
        _url(deltagande, "deltagare:aterkalla"),
        {"datum": datum, "deltaganden": [str(deltagande.public_id)]},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    deltagande.refresh_from_db()
    assert deltagande.person is not None
