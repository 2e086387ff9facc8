"""`manage.py seed_demo`: the 80 förbund of April 2015, contributions by 5 §, a user per role."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client

from deltagare.models import Deltagande, Person, Uppfoljning
from forbund.choices import Medlemstyp, Roll
from forbund.models import Folkmangd, Forbund, Medlemsbidrag, Medlemskap, Uppdrag, User
from forbund.services import bidragsar
from insatser.models import Ekonomirad, Insats

from ..conftest import _verified_client

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def snapshot() -> dict[str, list]:
    """Every row the demo touches, as plain values (ids included: nothing may be recreated)."""
    return {
        "forbund": list(Forbund.objects.order_by("pk").values()),
        "medlemskap": list(Medlemskap.objects.order_by("pk").values()),
        "bidrag": list(Medlemsbidrag.objects.order_by("pk").values()),
        "folkmangd": list(Folkmangd.objects.order_by("pk").values()),
        "users": list(User.objects.order_by("pk").values("pk", "username", "password")),
        "uppdrag": list(Uppdrag.objects.order_by("pk").values("pk", "user", "roll", "forbund")),
        "insatser": list(Insats.objects.order_by("pk").values()),
        "ekonomi": list(Ekonomirad.objects.order_by("pk").values()),
        "personer": list(Person.objects.order_by("pk").values()),
        "deltaganden": list(Deltagande.objects.order_by("pk").values()),
        "uppfoljningar": list(Uppfoljning.objects.order_by("pk").values()),
    }


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=io.StringIO())


def test_the_80_forbund_of_april_2015_with_241_kommuner(seeded):
    assert Forbund.objects.count() == 80
    kommuner = Medlemskap.objects.filter(medlemstyp=Medlemstyp.KOMMUN)
    assert kommuner.values("kommun").distinct().count() == 241
    # Every förbund has all four kinds of member.
    kinds = Forbund.objects.annotate(
        kinds=Count("medlemskap__medlemstyp", distinct=True)
    ).values_list("kinds", flat=True)
    assert set(kinds) == {4}
    skelleftea = Forbund.objects.get(namn="Samordningsförbundet Skellefteå-Norsjö")
    assert set(skelleftea.medlemskap.values_list("kommun__namn", flat=True)) - {None} == {
        "Skellefteå",
        "Norsjö",
    }
    # BÅD-ESÅ spans two län, so it has two regions.
    bad_esa = Forbund.objects.get(namn__contains="BÅD-ESÅ")
    assert set(
        bad_esa.medlemskap.filter(medlemstyp=Medlemstyp.REGION).values_list("region", flat=True)
    ) == {"14", "17"}
    assert Forbund.objects.filter(medlemskap__kommun="1480").count() == 4  # Göteborg


def test_decided_contributions_follow_5_paragraph_every_year(seeded):
    for forbund in Forbund.objects.all():
        for ar in range(2013, 2017):
            year = bidragsar(forbund, ar)
            assert year.beslutat.ok, (forbund.namn, ar, year.beslutat.problem())
            assert year.beslutat.arbetsformedlingen == 0


def test_one_late_payment_shows_the_warning(seeded):
    uppsala = Forbund.objects.get(namn="Samordningsförbundet i Uppsala län")
    assert not bidragsar(uppsala, 2016).inbetalt.ok
    assert bidragsar(uppsala, 2015).inbetalt.ok
    # The förbundsadministratör sees who has not paid in full, and how much is missing.
    client = Client()
    client.force_login(User.objects.get(username="chef"))
    page = client.get(uppsala.get_absolute_url(), {"ar": 2016}).text
    text = re.sub(r"\s+", " ", page.replace("\u00a0", " "))
    assert "Knivsta: 201 024 kr inbetalt av beslutade 221 024 kr (20 000 kr saknas)." in text


def test_a_user_for_each_role_with_the_readme_password(seeded):
    table = dict(re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", README.read_text(), re.MULTILINE))
    roles = {
        "admin": Roll.ADMINISTRATOR,
        "chef": Roll.FORBUNDSADMINISTRATOR,
        "coach": Roll.HANDLAGGARE,
        "pua": Roll.PERSONUPPGIFTSANSVARIG,
        "radet": Roll.NATIONELLA_RADET,
    }
    assert set(table) == set(roles)
    for username, password in table.items():
        user = User.objects.get(username=username)
        assert user.check_password(password), username
        assert user.roller() == {roles[username]}
    assert User.objects.get(username="chef").uppdrag.get().forbund.namn == (
        "Samordningsförbundet i Uppsala län"
    )


def test_running_twice_changes_nothing(seeded):
    before = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == before


def test_existing_users_keep_their_password(seeded):
    chef = User.objects.get(username="chef")
    chef.set_password("ett-eget-losenord-123")
    chef.save()
    call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.get(username="chef").check_password("ett-eget-losenord-123")


def test_participants_for_the_coach_with_work_to_do(seeded):
    uppsala = Forbund.objects.get(namn="Samordningsförbundet i Uppsala län")
    deltaganden = Deltagande.objects.filter(insats__forbund=uppsala)
    assert deltaganden.filter(insats__kod="UPP-UNGA", slutdatum__isnull=True).count() >= 10
    assert deltaganden.filter(insats__kod="UPP-REHAB", startdatum__year=2015).exists()
    assert Uppfoljning.objects.filter(deltagande__insats__forbund=uppsala).exists()
    # Registered through the services: encrypted, with the keyed hash, never in clear.
    assert not Person.objects.filter(pnr_krypterat__isnull=True, raderad__isnull=True).exists()
    page = _verified_client(User.objects.get(username="coach")).get("/").text
    assert "Uppföljningar att göra" in page
    assert "Avslutade utan utfall (1)" in page


def test_the_first_administrator_of_a_production_server(monkeypatch):
    """README (Docker): production has no demo accounts; createsuperuser makes the first
    administrator, who reaches the admin after the second factor."""
    from forbund import access

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Ett-langt-losenord-2026")
    call_command("createsuperuser", "--noinput", username="forste", email="a@example.se")
    user = User.objects.get(username="forste")
    assert access.is_administrator(user) and access.requires_two_factor(user)
