"""The participant register in the Django admin (deltagare/admin.py): the administratör
reads it pseudonymised and changes nothing; the access log cannot be edited at all.

It lives here, not in tests/deltagare, because one test deliberately puts personnummer in
admin search URLs (to show they find nothing); tests/security/test_pnr_leaks.py re-runs
tests/deltagare and flags any personnummer in a URL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deltagare import pnr, services
from deltagare.models import Atkomstlogg, Deltagande, Person, Samtycke, Uppfoljning

from ..deltagare.handlaggare_data import (
    NUMMER,
    assigned_insats,
    end,
    make_nummer,
    person_deltagande,
)

pytestmark = pytest.mark.django_db

MODELS = [Person, Samtycke, Deltagande, Uppfoljning, Atkomstlogg]


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def number_forms(nummer: str) -> list[str]:
    """Every way the number could be written: 12 and 10 digits, with and without hyphen."""
    twelve = nummer.replace("-", "")
    return [twelve, f"{twelve[:8]}-{twelve[8:]}", twelve[2:], f"{twelve[2:8]}-{twelve[8:]}"]


@pytest.fixture
def register(forbund_a, handlaggare_a):
    insats = assigned_insats(forbund_a, handlaggare_a)
    deltagande = end(person_deltagande(insats, handlaggare_a))
    services.record_uppfoljning(
        deltagande=deltagande,
        matpunkt=90,
        datum=dt.date(2016, 1, 15),
        sysselsattning=["arbete"],
        forsorjning=["ingen_offentlig"],
    )
    services.log_access(
        user=handlaggare_a,
        person=deltagande.person,
        deltagande=deltagande,
        sida="/test/",
        anledning="Deltagandet",
    )
    return deltagande


def secrets(deltagande: Deltagande) -> list[str]:
    person = deltagande.person
    return [
        *number_forms(NUMMER),
        person.pnr_krypterat,
        person.pnr_hash,
        "1990-01-01",
        "1 januari 1990",
        "1990-01-01".replace("-", ""),
    ]


class TestAdministrator:
    def test_reads_every_model_and_changes_none(self, client_administrator, register):
        objects = {
            Person: register.person,
            Samtycke: register.person.samtycken.first(),
            Deltagande: register,
            Uppfoljning: register.uppfoljningar.get(),
            Atkomstlogg: Atkomstlogg.objects.get(),
        }
        for model, obj in objects.items():
            name = model._meta.label
            assert client_administrator.get(admin_url(model, "changelist")).status_code == 200
            assert client_administrator.get(admin_url(model, "add")).status_code == 403, name
            change = client_administrator.get(admin_url(model, "change", obj.pk))
            assert change.status_code == 200, name
            assert 'type="submit" value="Spara"' not in change.text, name
            assert client_administrator.get(admin_url(model, "delete", obj.pk)).status_code == 403
            posted = client_administrator.post(admin_url(model, "change", obj.pk), {})
            assert posted.status_code == 403, name

    def test_access_log_cannot_be_edited_or_deleted(self, client_administrator, register):
        row = Atkomstlogg.objects.get()
        before = (row.tid, row.sida, row.anledning, row.user_id)
        client_administrator.post(
            admin_url(Atkomstlogg, "change", row.pk), {"sida": "/annat/", "anledning": "x"}
        )
        client_administrator.post(admin_url(Atkomstlogg, "delete", row.pk), {"post": "yes"})
        client_administrator.post(
            admin_url(Atkomstlogg, "changelist"),
            {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
        )
        row.refresh_from_db()
        assert (row.tid, row.sida, row.anledning, row.user_id) == before
        changelist = client_administrator.get(admin_url(Atkomstlogg, "changelist"))
        assert "delete_selected" not in changelist.text

    def test_no_personal_data_on_any_page(self, client_administrator, register):
        pages = [admin_url(model, "changelist") for model in MODELS]
        pages += [
            admin_url(Person, "change", register.person.pk),
            admin_url(Deltagande, "change", register.pk),
            admin_url(Samtycke, "change", register.person.samtycken.first().pk),
            admin_url(Atkomstlogg, "change", Atkomstlogg.objects.get().pk),
        ]
        for url in pages:
            text = client_administrator.get(url).text
            for secret in secrets(register):
                assert secret not in text, (url, secret)

    def test_search_by_personnummer_finds_nothing(self, client_administrator, register):
        for form in number_forms(NUMMER):
            response = client_administrator.get(admin_url(Person, "changelist") + "?q=" + form)
            assert str(register.person.public_id) not in response.text
            assert register.person.pnr_hash not in response.text

    def test_person_found_by_public_id(self, client_administrator, register):
        url = admin_url(Person, "changelist") + f"?q={register.person.public_id}"
        assert f"Person {register.person.public_id}" in client_administrator.get(url).text

    @pytest.mark.parametrize("model", MODELS)
    def test_changelist_queries_do_not_grow(
        self, client_administrator, forbund_a, handlaggare_a, model
    ):
        insats = assigned_insats(forbund_a, handlaggare_a, kod="Q-1")

        def grow(start: int, count: int) -> None:
            for i in range(start, start + count):
                d = end(person_deltagande(insats, handlaggare_a, nummer=make_nummer(i)))
                services.record_uppfoljning(
                    deltagande=d,
                    matpunkt=90,
                    datum=dt.date(2016, 1, 15),
                    sysselsattning=["arbete"],
                    forsorjning=["ingen_offentlig"],
                )
                services.log_access(
                    user=handlaggare_a,
                    person=d.person,
                    deltagande=d,
                    sida="/",
                    anledning="Test",
                )

        def count() -> int:
            url = admin_url(model, "changelist")
            client_administrator.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client_administrator.get(url).status_code == 200
            return len(queries)

        grow(0, 2)
        few = count()
        grow(2, 6)
        assert count() == few


class TestOthers:
    @pytest.mark.parametrize(
        "who", ["client_admin_a", "client_handlaggare_a", "client_radet", "client_admin_b"]
    )
    def test_get_404(self, request, who, register):
        client = request.getfixturevalue(who)
        for model in MODELS:
            assert client.get(admin_url(model, "changelist")).status_code == 404
        assert client.get(admin_url(Person, "change", register.person.pk)).status_code == 404


def test_parse_of_test_number_is_valid():
    # The number the tests search for must be one the register really stores.
    assert pnr.parse(NUMMER).nummer == NUMMER.replace("-", "")
