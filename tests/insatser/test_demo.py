"""The demo insatser: where they go, that a second run changes nothing, that the money adds up."""

from __future__ import annotations

import io

import pytest

from dev.demo import insatser as demo
from forbund.choices import Lan, Medlemstyp, Roll
from insatser import services
from insatser.models import Ekonomirad, Insats, Strukturdeltagare, Volymregistrering

from ..factories import MedlemsbidragFactory, UppdragFactory, full_forbund

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_forbund():
    uppsala = full_forbund(
        namn="Samordningsförbundet i Uppsala län", lan=Lan.UPPSALA, kommuner=["0380"]
    )
    other = full_forbund(namn="Samordningsförbundet Skåne", lan=Lan.SKANE, kommuner=["1280"])
    UppdragFactory(roll=Roll.FORBUNDSADMINISTRATOR, forbund=uppsala, user__username="chef")
    UppdragFactory(roll=Roll.HANDLAGGARE, forbund=uppsala, user__username="coach")
    share = {
        "forsakringskassan": 4_000_000,
        "arbetsformedlingen": 0,
        "region": 2_000_000,
        "kommun": 2_000_000,
    }
    for m in uppsala.medlemskap.all():
        MedlemsbidragFactory(medlemskap=m, ar=2015, beslutat=share[m.medlemstyp])
    return uppsala, other


def snapshot() -> tuple:
    ids = [
        sorted(model.objects.values_list("pk", flat=True))
        for model in (Insats, Ekonomirad, Volymregistrering, Strukturdeltagare)
    ]
    return (*ids, list(Ekonomirad.objects.order_by("pk").values_list("budget", "utfall")))


def test_seed_is_idempotent_and_deterministic(demo_forbund):
    out = io.StringIO()
    demo.seed(stdout=out)
    first = snapshot()
    demo.seed()
    assert snapshot() == first
    assert "Insatser: 9 i Samordningsförbundet i Uppsala län" in out.getvalue()


def test_uppsala_gets_the_portfolio_and_coach_two_insatser(demo_forbund):
    uppsala, other = demo_forbund
    demo.seed()
    assert uppsala.insatser.count() == 9
    assert other.insatser.count() == 3
    coach = Insats.objects.assigned_to(uppsala.uppdrag.get(roll=Roll.HANDLAGGARE).user)
    assert sorted(coach.values_list("kod", flat=True)) == ["UPP-UNGA", "UPP-VAGLED"]
    statuses = {i.kod: i.status for i in uppsala.insatser.with_status()}
    assert statuses["UPP-NYA"] == "planerad"
    assert statuses["UPP-UNGA"] == "pagaende"
    assert statuses["UPP-KART"] == "avslutad"
    assert Volymregistrering.objects.filter(insats__forbund=uppsala).exists()
    assert Strukturdeltagare.objects.filter(insats__forbund=uppsala).exists()


def test_budget_follows_the_contributions(demo_forbund):
    uppsala, _ = demo_forbund
    demo.seed()
    year = services.ekonomiar(uppsala, 2015)
    # Everything the 8 000 000 of contributions pay for, within rounding to whole thousands.
    esf = year.individ.esf.budget + year.struktur.esf.budget
    assert abs(year.kostnader.budget - esf - 8_000_000) <= 20_000
    assert abs(year.resultat_budget) <= 20_000
    # Administration is 13–19 % of the contributions (lines rounded to whole thousands).
    assert 0.13 * 8_000_000 - 3_000 <= year.administration_summa.budget <= 0.19 * 8_000_000 + 3_000
    assert year.individ.antal_deltagare > 0 and year.struktur.antal_deltagare > 0
    assert services.ekonomiar(uppsala, 2016).saknar_utfall == 1
    # Eget kapital at the year's end, 6–14 % of the contributions; 2016 starts from it.
    eget = year.eget_kapital_utgaende
    assert 0.06 * 8_000_000 - 1_000 <= eget.budget <= 0.14 * 8_000_000 + 1_000 and eget.utfall
    assert services.ekonomiar(uppsala, 2016).eget_kapital_ingaende == eget.utfall


def test_without_demo_users_nothing_happens():
    out = io.StringIO()
    demo.seed(stdout=out)
    assert not Insats.objects.exists()
    assert "ingen demoanvändare chef" in out.getvalue()


def test_kinds_of_the_compact_set_match_their_counts(demo_forbund):
    demo.seed()
    for insats in Insats.objects.filter(volymregistreringar__isnull=False).distinct():
        assert insats.is_volyminsats
    for insats in Insats.objects.filter(strukturdeltagare__isnull=False).distinct():
        assert insats.is_strukturinsats
    assert Medlemstyp.KOMMUN in {
        p.medlemstyp for p in Insats.objects.get(kod="UPP-UNGA").parter.all()
    }
