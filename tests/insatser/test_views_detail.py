"""The insats page, and entering volume counts and strukturdeltagare on it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from insatser.models import Ekonomirad, InsatsMal, Strukturdeltagare, Volymregistrering

from ..factories import (
    EkonomiradFactory,
    InsatsFactory,
    StrukturdeltagareFactory,
    VolymregistreringFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def antal_url(insats):
    return reverse("insatser:antal_add", args=[insats.forbund.organisationsnummer, insats.kod])


class TestInsatsDetail:
    def test_shows_details_money_and_goals(self, client_admin_a, insats_a):
        insats_a.behovsgrupper.set(["unga_funktionsnedsattning"])
        insats_a.malgrupper.create(forbund=insats_a.forbund, namn="Unga 16–29 år")
        insats_a.parter.set(insats_a.forbund.medlemskap.filter(kommun_id="0380"))
        InsatsMal.objects.create(
            insats=insats_a, matt="arbete_studier", malvarde_procent=30, matpunkt_dagar=90
        )
        EkonomiradFactory(
            forbund=insats_a.forbund, rad="insats", insats=insats_a, budget=400_000, utfall=None
        )
        EkonomiradFactory(
            forbund=insats_a.forbund, rad="insats_esf", insats=insats_a, budget=100_000, utfall=0
        )
        response = client_admin_a.get(insats_a.get_absolute_url())
        assert response.status_code == 200
        text = response.text
        for expected in [
            "Arbetslivsinriktad rehabilitering",
            "Rehabilitering till arbete eller utbildning",
            "Unga med funktionsnedsättning",
            "Unga 16–29 år",
            "Uppsala",
            "Andel till arbete eller studier 30 % (3 månader efter avslut)",
            "500\xa0000",  # 2015: own cost and ESF together
        ]:
            assert expected in text, expected
        assert response.context["can_edit"] is True
        assert [r.ar for r in response.context["ekonomi"]][-1] == 2015

    def test_budget_table_shows_every_year_of_the_period_with_past_years_editable(
        self, client_admin_a, forbund_a
    ):
        """An insats 2025–2027 (as UPP-IPS): 2027, 2026 and 2025, not only this year and next."""
        this_year = timezone.localdate().year
        insats = InsatsFactory(
            forbund=forbund_a,
            kod="IPS",
            startdatum=dt.date(this_year - 1, 1, 1),
            slutdatum=dt.date(this_year + 1, 12, 31),
        )
        response = client_admin_a.get(insats.get_absolute_url())
        years = [this_year + 1, this_year, this_year - 1]
        assert [r.ar for r in response.context["ekonomi"]] == years
        past = reverse(
            "insatser:ekonomi_insats_edit",
            args=[forbund_a.organisationsnummer, this_year - 1, insats.kod],
        )
        assert past in response.text
        # The past year's utfall is entered through that link.
        saved = client_admin_a.post(
            past,
            {
                "insats-budget": "1000",
                "insats-utfall": "900",
                "insats_esf-budget": "",
                "insats_esf-utfall": "",
            },
        )
        assert saved.status_code == 302
        assert Ekonomirad.objects.get(insats=insats, ar=this_year - 1).utfall == 900

    def test_assigned_handlaggare_reads_without_edit_links(
        self, client_handlaggare_a, tilldelad_insats_a
    ):
        response = client_handlaggare_a.get(tilldelad_insats_a.get_absolute_url())
        assert response.status_code == 200
        assert response.context["can_edit"] is False
        assert reverse("insatser:edit", args=["x", "y"])[:-4] not in response.text
        assert "Ändra" not in response.text
        # …but enters the counts of the volyminsats.
        assert 'name="kvinnor"' in response.text

    def test_individuell_insats_has_no_count_form(self, client_admin_a, insats_a):
        response = client_admin_a.get(insats_a.get_absolute_url())
        assert 'name="kvinnor"' not in response.text
        assert 'name="arbetsgivare"' not in response.text

    def test_query_count_is_fixed(
        self, client_admin_a, tilldelad_insats_a, django_assert_max_num_queries
    ):
        for month in range(1, 13):
            VolymregistreringFactory(insats=tilldelad_insats_a, datum=dt.date(2015, month, 28))
            EkonomiradFactory(
                forbund=tilldelad_insats_a.forbund,
                rad="insats",
                insats=tilldelad_insats_a,
                ar=2010 + month,
            )
        with django_assert_max_num_queries(14):
            response = client_admin_a.get(tilldelad_insats_a.get_absolute_url())
        assert response.status_code == 200


class TestAntalAdd:
    def test_handlaggare_enters_volume_counts_with_htmx(
        self, client_handlaggare_a, tilldelad_insats_a
    ):
        response = client_handlaggare_a.post(
            antal_url(tilldelad_insats_a),
            {"datum": "2015-03-31", "kvinnor": "4", "man": "3", "okant": "1"},
            **HTMX,
        )
        assert response.status_code == 200
        assert "<html" not in response.text
        assert "Antalet för 2015-03-31 har sparats." in response.text
        assert Volymregistrering.objects.get().total == 8

    def test_same_date_again_replaces_the_count(self, client_admin_a, tilldelad_insats_a):
        VolymregistreringFactory(insats=tilldelad_insats_a, datum=dt.date(2015, 3, 31), man=50)
        response = client_admin_a.post(
            antal_url(tilldelad_insats_a),
            {"datum": "2015-03-31", "kvinnor": "1", "man": "2", "okant": "0"},
        )
        assert response.status_code == 302
        assert response["Location"].endswith("#antal")
        assert Volymregistrering.objects.get().total == 3

    def test_strukturdeltagare_for_strukturinriktad_insats(self, client_admin_a, forbund_a):
        insats = InsatsFactory(forbund=forbund_a, niva="struktur", typ="utbildning")
        StrukturdeltagareFactory(insats=insats, datum=dt.date(2015, 1, 31), ovriga=2)
        response = client_admin_a.post(
            antal_url(insats),
            {"datum": "2015-02-28", "myndighetspersonal": "12", "arbetsgivare": "3", "ovriga": "0"},
            **HTMX,
        )
        assert response.status_code == 200
        assert "2015: 17" in response.text
        assert Strukturdeltagare.objects.count() == 2

    def test_invalid_counts_are_explained_and_nothing_saved(
        self, client_handlaggare_a, tilldelad_insats_a
    ):
        response = client_handlaggare_a.post(
            antal_url(tilldelad_insats_a),
            {"datum": "2014-12-31", "kvinnor": "-1", "man": "x", "okant": ""},
            **HTMX,
        )
        assert response.status_code == 200
        assert "Formuläret innehåller fel" in response.text
        assert "startade 2015-01-01" in response.text
        assert not Volymregistrering.objects.exists()

    def test_without_htmx_errors_show_on_the_whole_page(self, client_admin_a, tilldelad_insats_a):
        response = client_admin_a.post(antal_url(tilldelad_insats_a), {"datum": ""})
        assert response.status_code == 200
        assert "<html" in response.text and "Formuläret innehåller fel" in response.text

    def test_individuell_insats_takes_no_counts(self, client_admin_a, insats_a):
        response = client_admin_a.post(
            antal_url(insats_a), {"datum": "2015-03-31", "kvinnor": "1", "man": "0", "okant": "0"}
        )
        assert response.status_code == 404
        assert not Volymregistrering.objects.exists()

    def test_handlaggare_outside_the_insats_cannot_count(self, client_handlaggare_a, forbund_a):
        insats = InsatsFactory(forbund=forbund_a, deltagarregistrering="volym")
        response = client_handlaggare_a.post(
            antal_url(insats), {"datum": "2015-03-31", "kvinnor": "1", "man": "0", "okant": "0"}
        )
        assert response.status_code == 404
        assert not Volymregistrering.objects.exists()
