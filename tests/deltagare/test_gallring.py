"""Retention (gallring): off by default, a dry run that changes nothing, then erasure."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from deltagare import pnr, services
from deltagare.models import Deltagande, Person
from deltagare.tasks import gallra as gallra_task
from tests.factories import InsatsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(forbund_a, handlaggare_a):
    insats = InsatsFactory(forbund=forbund_a, startdatum=dt.date(2010, 1, 1), slutdatum=None)
    today = timezone.localdate()

    def register(nummer, start, end=None):
        d = services.register_person_deltagande(
            user=handlaggare_a,
            insats=insats,
            personnummer=pnr.parse(nummer),
            samtycke_datum=start,
            startdatum=start,
        )
        if end:
            services.end_deltagande(deltagande=d, slutdatum=end, avslutsorsak="fullfoljd")
        return d.person

    old = register("19900101-0017", dt.date(2012, 1, 1), dt.date(2013, 6, 30))
    recent = register(
        "19900101-0025", today - dt.timedelta(days=800), today - dt.timedelta(days=400)
    )
    still_open = register("19121212-1212", dt.date(2012, 1, 1))
    return old, recent, still_open


def _run(*args) -> str:
    out = io.StringIO()
    call_command("gallra", *args, stdout=out)
    return out.getvalue()


def test_off_by_default(people, settings):
    settings.FINSAM_GALLRING_AR = 0
    assert "avstängd" in _run()
    assert gallra_task() == 0
    assert Person.objects.filter(raderad__isnull=True).count() == 3


def test_dry_run_lists_without_changing(people):
    old, _, _ = people
    before = list(Person.objects.order_by("pk").values_list())
    out = _run("--ar", "5", "--dry-run")
    assert str(old.public_id) in out
    assert "1 personer skulle gallras" in out
    assert list(Person.objects.order_by("pk").values_list()) == before


def test_gallring_erases_only_persons_past_the_period(people, settings):
    old, recent, still_open = people
    settings.FINSAM_GALLRING_AR = 5
    assert gallra_task() == 1
    old.refresh_from_db()
    assert old.raderad and old.pnr_hash is None
    deltagande = Deltagande.objects.get(startdatum=dt.date(2012, 1, 1), slutdatum__isnull=False)
    assert deltagande.registreringsform == "anonym" and deltagande.kon == "man"
    for person in (recent, still_open):
        person.refresh_from_db()
        assert person.raderad is None and person.pnr_hash
    assert "0 personer gallrades" in _run("--ar", "5")  # nothing left to do
