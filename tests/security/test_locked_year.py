"""The access matrix's locked-year column: every web form that writes a figure of a year,
posted by the role that may use it, for an approved (locked) year and for the year after.

Locked (2015, approved by förbund A): the page answers without a server error, names the
approval ("År 2015 är godkänt …"), and the row is unchanged. The year after (2016): the
same post goes through. Withdrawn consent is the law's exception: it goes through in the
locked year and is listed on the approval page. The services, the imports and the
commands are covered in tests/rapporter/test_godkannande.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from deltagare import pnr, services
from deltagare.models import Deltagande
from forbund.models import Arshandelse, Medlemsbidrag
from insatser.models import Ekonomirad, Insats, InsatsUppdrag, Strukturdeltagare, Volymregistrering
from rapporter import godkannande

from ..factories import InsatsFactory

pytestmark = pytest.mark.django_db

D = dt.date
LOCKED, NEXT = 2015, 2016


@dataclass
class Write:
    """One web write: who posts it, where, what, and what it changed (a snapshot)."""

    client: str
    url: Callable[[int], str]
    data: Callable[[int], dict]
    snapshot: Callable[[], object]


@pytest.fixture
def setting(forbund_a, admin_a, handlaggare_a):
    a1 = InsatsFactory(forbund=forbund_a, kod="A1", startdatum=D(2014, 1, 1))
    v1 = InsatsFactory(
        forbund=forbund_a, kod="V1", typ="forberedande", deltagarregistrering="volym"
    )
    s1 = InsatsFactory(forbund=forbund_a, kod="S1", niva="struktur", typ="dialog")
    # One insats to close per column: closing changes the period every year of it prints.
    closing = {
        ar: InsatsFactory(forbund=forbund_a, kod=f"C{ar}", startdatum=D(ar, 1, 1))
        for ar in (LOCKED, NEXT)
    }
    for insats in (a1, v1):
        InsatsUppdrag.objects.create(insats=insats, uppdrag=handlaggare_a.uppdrag.get())
    open_ones = {
        ar: services.register_person_deltagande(
            user=handlaggare_a,
            insats=a1,
            personnummer=pnr.parse(nummer),
            samtycke_datum=D(ar, 3, 1),
            startdatum=D(ar, 3, 1),
        )
        for ar, nummer in ((LOCKED, "19900101-0017"), (NEXT, "19900101-0025"))
    }
    kommun = forbund_a.medlemskap.get(kommun_id="0381")
    godkannande.approve(forbund=forbund_a, ar=LOCKED, user=admin_a)
    return {"a1": a1, "v1": v1, "s1": s1, "closing": closing, "open": open_ones, "kommun": kommun}


def _matrix(forbund, s) -> dict[str, Write]:
    o = forbund.organisationsnummer

    def deltagande_url(name: str) -> Callable[[int], str]:
        return lambda ar: reverse(name, args=[o, "A1", s["open"][ar].public_id])

    return {
        "ekonomi, en rad": Write(
            "admin",
            lambda ar: reverse("insatser:ekonomi_rad_edit", args=[o, ar, "adm_personal"]),
            lambda ar: {"adm_personal-budget": "5000", "adm_personal-utfall": "4000"},
            lambda: list(Ekonomirad.objects.values_list("ar", "budget")),
        ),
        "ekonomi, en insats": Write(
            "admin",
            lambda ar: reverse("insatser:ekonomi_insats_edit", args=[o, ar, "A1"]),
            lambda ar: {"insats-budget": "7000"},
            lambda: list(Ekonomirad.objects.values_list("ar", "budget")),
        ),
        "volym": Write(
            "admin",
            lambda ar: reverse("insatser:antal_add", args=[o, "V1"]),
            lambda ar: {"datum": f"{ar}-03-31", "kvinnor": "1", "man": "2", "okant": "0"},
            lambda: list(Volymregistrering.objects.values_list("datum", "kvinnor")),
        ),
        "strukturdeltagare": Write(
            "admin",
            lambda ar: reverse("insatser:antal_add", args=[o, "S1"]),
            lambda ar: {
                "datum": f"{ar}-03-31",
                "myndighetspersonal": "4",
                "arbetsgivare": "0",
                "ovriga": "0",
            },
            lambda: list(Strukturdeltagare.objects.values_list("datum", "myndighetspersonal")),
        ),
        "avsluta insats": Write(
            "admin",
            lambda ar: reverse("insatser:close", args=[o, f"C{ar}"]),
            lambda ar: {"datum": f"{ar}-11-30"},
            lambda: list(Insats.objects.values_list("kod", "avslutad_datum")),
        ),
        "medlemsbidrag": Write(
            "admin",
            lambda ar: reverse("forbund:bidrag_edit", args=[o, ar, s["kommun"].pk]),
            lambda ar: {"beslutat": "250000", "inbetalt": "125000"},
            lambda: list(Medlemsbidrag.objects.values_list("ar", "beslutat")),
        ),
        "registrera anonym": Write(
            "handlaggare",
            lambda ar: reverse("deltagare:create_anonym", args=[o, "A1"]),
            lambda ar: {"kon": "man", "startdatum": f"{ar}-04-01"},
            lambda: Deltagande.objects.count(),
        ),
        "startprofil": Write(
            "handlaggare",
            deltagande_url("deltagare:startprofil"),
            lambda ar: {
                "utbildningsniva": "gymnasial",
                "forsorjning_fore": ["a_kassa"],
                "tid_offentlig_forsorjning": "upp_till_3",
                "sysselsattning_fore": ["arbetssokande"],
            },
            lambda: list(Deltagande.objects.values_list("pk", "utbildningsniva")),
        ),
        "avsluta deltagande": Write(
            "handlaggare",
            deltagande_url("deltagare:avsluta"),
            lambda ar: {
                "slutdatum": f"{ar}-10-31",
                "avslutsorsak": "fullfoljd",
                "sysselsattning_efter": ["arbete"],
                "forsorjning_efter": ["ingen_offentlig"],
            },
            lambda: list(Deltagande.objects.values_list("pk", "slutdatum")),
        ),
    }


def test_every_web_write_is_refused_in_the_locked_year_and_allowed_the_year_after(
    forbund_a, setting, client_admin_a, client_handlaggare_a
):
    clients = {"admin": client_admin_a, "handlaggare": client_handlaggare_a}
    for name, write in _matrix(forbund_a, setting).items():
        client = clients[write.client]
        before = write.snapshot()
        response = client.post(write.url(LOCKED), write.data(LOCKED))
        text = response.content.decode()
        assert response.status_code in (200, 400), (name, response.status_code)
        assert f"År 2015 är godkänt för {forbund_a.namn}" in text, name
        assert write.snapshot() == before, name
        response = client.post(write.url(NEXT), write.data(NEXT))
        assert response.status_code in (200, 302), (name, response.status_code)
        assert "är godkänt för" not in response.content.decode(), name
        assert write.snapshot() != before, name


def test_the_admin_site_refuses_a_line_of_the_locked_year(forbund_a, setting, client_administrator):
    line = Ekonomirad.objects.create(forbund=forbund_a, ar=NEXT, rad="adm_personal", budget=1)
    Ekonomirad.objects.filter(pk=line.pk).update(ar=LOCKED)  # as if entered before approval
    url = reverse("admin:insatser_ekonomirad_change", args=[line.pk])
    data = {"forbund": forbund_a.pk, "ar": LOCKED, "rad": "adm_personal", "budget": 9, "utfall": ""}
    response = client_administrator.post(url, data)
    assert response.status_code == 200
    assert "År 2015 är godkänt" in response.content.decode()
    assert Ekonomirad.objects.get(pk=line.pk).budget == 1
    # Moving it out of the locked year changes that year too.
    assert client_administrator.post(url, {**data, "ar": NEXT}).status_code == 200
    nxt = Ekonomirad.objects.create(forbund=forbund_a, ar=NEXT, rad="adm_personal", budget=1)
    url = reverse("admin:insatser_ekonomirad_change", args=[nxt.pk])
    response = client_administrator.post(url, {**data, "ar": NEXT})
    assert response.status_code == 302
    assert Ekonomirad.objects.get(pk=nxt.pk).budget == 9


def test_withdrawn_consent_goes_through_in_the_locked_year_and_is_listed(
    forbund_a, setting, client_handlaggare_a, client_admin_a
):
    d = setting["open"][LOCKED]
    url = reverse("deltagare:aterkalla", args=[forbund_a.organisationsnummer, "A1", d.public_id])
    response = client_handlaggare_a.post(
        url, {"datum": "2026-01-05", "deltaganden": [str(d.public_id)]}
    )
    assert response.status_code == 302
    assert Deltagande.objects.get(pk=d.pk).registreringsform == "anonym"
    event = Arshandelse.objects.get(handelse="aterkallelse")
    page = client_admin_a.get(
        reverse("rapporter:godkannande", args=[forbund_a.organisationsnummer, LOCKED])
    ).content.decode()
    assert "Återkallat samtycke" in page and event.beskrivning in page
