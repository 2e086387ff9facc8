"""The approval page, its forms and files, and Nationella rådet's overview."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.urls import reverse

from forbund.choices import Lan
from forbund.models import Arsgodkannande, Arshandelse
from insatser.models import Volymregistrering
from rapporter import godkannande
from rapporter.models import Rapportversion
from tests.factories import InsatsFactory, full_forbund

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def volym(forbund_a):
    v1 = InsatsFactory(
        forbund=forbund_a, kod="V1", typ="forberedande", deltagarregistrering="volym"
    )
    return Volymregistrering.objects.create(
        insats=v1, datum=D(2015, 6, 30), kvinnor=10, man=7, okant=2
    )


def _page(forbund, ar=2015) -> str:
    return reverse("rapporter:godkannande", args=[forbund.organisationsnummer, ar])


def _action(forbund, name: str, ar=2015) -> str:
    return reverse(f"rapporter:godkannande_{name}", args=[forbund.organisationsnummer, ar])


def test_forbundsadministrator_sees_quality_and_key_figures_then_approves(
    client_admin_a, admin_a, forbund_a, volym
):
    page = client_admin_a.get(_page(forbund_a))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Året är inte godkänt." in text and "T16 Datakvalitet" in text
    assert "Deltagare i volyminsatser" in text and ">19<" in text
    assert "Pågår efter insatsens slut: 0" in text
    response = client_admin_a.post(_action(forbund_a, "godkann"), {"diarienummer": "FK 1"})
    assert response.status_code == 302 and response["Location"] == _page(forbund_a)
    version = Rapportversion.objects.get()
    assert version.godkand_av == admin_a
    text = client_admin_a.get(_page(forbund_a)).content.decode()
    assert "Året är godkänt och låst" in text and "år 2015 är godkänt (version 1)" in text.lower()
    for f in ("pdf", "xlsx", "json"):
        assert version.sha256(f) in text
        download = client_admin_a.get(
            reverse(
                "rapporter:godkannande_fil",
                args=[forbund_a.organisationsnummer, 2015, 1, f],
            )
        )
        assert hashlib.sha256(download.content).hexdigest() == version.sha256(f)
        assert "godkand-v1" in download["Content-Disposition"]
    assert 'action="' + _action(forbund_a, "godkann") not in text


def test_approval_with_open_deltaganden_needs_a_reason_on_the_page(
    client_admin_a, forbund_a, handlaggare_a
):
    from deltagare import services
    from insatser.models import Insats

    insats = InsatsFactory(forbund=forbund_a, kod="A1", startdatum=D(2014, 1, 1))
    services.register_anonymous_deltagande(insats=insats, kon="man", startdatum=D(2015, 2, 1))
    Insats.objects.filter(pk=insats.pk).update(slutdatum=D(2015, 6, 30))
    response = client_admin_a.post(_action(forbund_a, "godkann"), {"anledning": " "})
    text = response.content.decode()
    assert response.status_code == 400
    assert "1 deltaganden pågår fortfarande fast insatsen har slutat" in text
    assert not Arsgodkannande.objects.exists()
    response = client_admin_a.post(
        _action(forbund_a, "godkann"), {"anledning": "Avslutas i samband med bokslutet."}
    )
    assert response.status_code == 302
    assert Arshandelse.objects.get().anledning == "Avslutas i samband med bokslutet."


def test_reopen_needs_a_reason_and_a_new_approval_shows_the_differences(
    client_admin_a, admin_a, forbund_a, volym
):
    client_admin_a.post(_action(forbund_a, "godkann"), {})
    response = client_admin_a.post(_action(forbund_a, "oppna"), {"anledning": ""})
    assert response.status_code == 400
    assert "Ange varför året öppnas igen." in response.content.decode()
    response = client_admin_a.post(_action(forbund_a, "oppna"), {"anledning": "Fel volym."})
    assert response.status_code == 302
    volym.kvinnor = 12
    volym.save()
    client_admin_a.post(_action(forbund_a, "godkann"), {})
    text = client_admin_a.get(_page(forbund_a)).content.decode()
    assert "Skillnader mellan version 1 och 2" in text
    assert "Deltagare i volyminsatser</th><td>Kvinnor</td>" in text.replace("\n", "")
    assert "Fel volym." in text and "Återöppnat" in text


def test_administrator_may_reopen_but_not_approve(client_administrator, admin_a, forbund_a):
    godkannande.approve(forbund=forbund_a, ar=2015, user=admin_a)
    text = client_administrator.get(_page(forbund_a)).content.decode()
    assert "Öppna år 2015 igen" in text
    assert (
        client_administrator.post(_action(forbund_a, "oppna"), {"anledning": "x"}).status_code
        == 302
    )
    assert client_administrator.post(_action(forbund_a, "godkann"), {}).status_code == 404
    assert Rapportversion.objects.count() == 1


def test_pages_refuse_other_forbund_handlaggare_and_radet(
    client_admin_b, client_handlaggare_a, client_radet, admin_a, forbund_a
):
    godkannande.approve(forbund=forbund_a, ar=2014, user=admin_a)
    urls = [
        _page(forbund_a),
        reverse("rapporter:godkannande_fil", args=[forbund_a.organisationsnummer, 2014, 1, "pdf"]),
    ]
    for client in (client_admin_b, client_handlaggare_a, client_radet):
        for url in urls:
            assert client.get(url).status_code == 404
        for name in ("godkann", "oppna"):
            assert (
                client.post(_action(forbund_a, name, 2014), {"anledning": "x"}).status_code == 404
            )
    assert Arsgodkannande.objects.get().status == "godkant"


def test_wrong_methods(client_admin_a, forbund_a):
    assert client_admin_a.post(_page(forbund_a)).status_code == 405
    assert client_admin_a.get(_action(forbund_a, "godkann")).status_code == 405
    assert client_admin_a.get(_action(forbund_a, "oppna")).status_code == 405
    assert client_admin_a.post(reverse("rapporter:godkannanden")).status_code == 405


def test_radet_overview_filters_by_lan_and_shows_the_reporting_rate(
    client_radet, admin_a, forbund_a, forbund_b
):
    c = full_forbund(namn="Samordningsförbundet C", lan=Lan.UPPSALA, kommuner=["0382"])
    godkannande.approve(forbund=forbund_a, ar=2015, user=admin_a)
    godkannande.approve(forbund=c, ar=2015)
    godkannande.reopen(forbund=c, ar=2015, anledning="Rättelse")
    url = reverse("rapporter:godkannanden")
    text = client_radet.get(url, {"ar": 2015}).content.decode()
    assert "Rapporteringsgrad 33 %: 1 av 3 aktiva förbund har godkänt 2015." in text
    assert "Inte påbörjat" in text and "Återöppnat" in text
    assert f"Godkänt {Arsgodkannande.objects.get(forbund=forbund_a).godkand:%Y-%m-%d}" in text
    assert _page(forbund_a) not in text  # Nationella rådet has no approval pages
    text = client_radet.get(url, {"ar": 2015, "lan": Lan.UPPSALA}).content.decode()
    assert "1 av 2 aktiva förbund" in text and forbund_b.namn not in text


def test_forbundsadministrator_overview_shows_the_own_forbund(
    client_admin_a, forbund_a, forbund_b, client_handlaggare_a
):
    text = client_admin_a.get(reverse("rapporter:godkannanden"), {"ar": 2015}).content.decode()
    assert forbund_a.namn in text and forbund_b.namn not in text
    assert _page(forbund_a) in text
    assert client_handlaggare_a.get(reverse("rapporter:godkannanden")).status_code == 404


def test_overview_runs_a_fixed_number_of_queries(
    client_radet, forbund_a, forbund_b, django_assert_max_num_queries
):
    for i in range(5):
        full_forbund(namn=f"Förbund {i}", lan=Lan.SKANE, kommuner=[f"128{i + 1}"])
    with django_assert_max_num_queries(8):
        client_radet.get(reverse("rapporter:godkannanden"), {"ar": 2015})
