"""The economy page of a förbund's year, and its lines edited in place."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from deltagare.models import Deltagande
from insatser.models import Ekonomirad
from rapporter.tabeller import Omfattning, build

from ..factories import EkonomiradFactory, InsatsFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def ekonomi_url(forbund, ar=2015):
    return reverse("insatser:ekonomi", args=[forbund.organisationsnummer, ar])


def insats_edit_url(insats, ar=2015):
    return reverse(
        "insatser:ekonomi_insats_edit", args=[insats.forbund.organisationsnummer, ar, insats.kod]
    )


def rad_edit_url(forbund, rad, ar=2015):
    return reverse("insatser:ekonomi_rad_edit", args=[forbund.organisationsnummer, ar, rad])


class TestEkonomiPage:
    def test_participants_are_the_deltaganden_the_report_counts(self, client_admin_a, insats_a):
        """Real deltaganden on the year's edges: the page, the deltagare app's rule and the
        report's insats catalogue give the same number."""
        forbund = insats_a.forbund
        for start, slut in (
            (dt.date(2015, 1, 1), None),
            (dt.date(2014, 5, 1), dt.date(2015, 1, 1)),
            (dt.date(2015, 12, 31), None),
            (dt.date(2014, 5, 1), dt.date(2014, 12, 31)),  # not in 2015
            (dt.date(2016, 1, 1), None),  # not in 2015
        ):
            Deltagande.objects.create(
                insats=insats_a,
                registreringsform="anonym",
                kon="man",
                startdatum=start,
                slutdatum=slut,
            )
        EkonomiradFactory(forbund=forbund, rad="insats", insats=insats_a, budget=900, utfall=600)
        response = client_admin_a.get(ekonomi_url(forbund))
        (rad,) = response.context["year"].individ.rader
        assert rad.antal_deltagare == 3
        assert rad.kostnad_per_deltagare == 200
        assert Deltagande.objects.filter(insats=insats_a).active_in_year(2015).count() == 3
        rapport = build(
            ar=2015, omfattning=Omfattning("forbund", forbund.organisationsnummer), undertryck=False
        )
        assert rapport.insatskatalog.varde(insats_a.kod, "deltagare") == 3

    def test_shows_levels_administration_share_and_warnings(self, client_admin_a, insats_a):
        forbund = insats_a.forbund
        struktur = InsatsFactory(forbund=forbund, kod="S-1", niva="struktur", typ="dialog")
        EkonomiradFactory(forbund=forbund, rad="insats", insats=insats_a, budget=500, utfall=500)
        EkonomiradFactory(forbund=forbund, rad="insats", insats=struktur, budget=200, utfall=None)
        EkonomiradFactory(forbund=forbund, rad="adm_personal", budget=300, utfall=250)
        response = client_admin_a.get(ekonomi_url(forbund))
        assert response.status_code == 200
        year = response.context["year"]
        assert [r.insats for r in year.individ.rader] == [insats_a]
        assert [r.insats for r in year.struktur.rader] == [struktur]
        # 300 of 1 000 budgeted is administration; a closed year with a line lacking utfall.
        assert "Administrationen är 30,0 % av de budgeterade kostnaderna 2015." in response.text
        assert "Utfall saknas för 1 rad trots att 2015 är avslutat." in response.text
        assert "30,0 %" in response.text

    def test_shows_eget_kapital_in_and_out_and_edits_it(self, client_admin_a, forbund_a):
        EkonomiradFactory(
            forbund=forbund_a, ar=2014, rad="eget_kapital_ub", budget=0, utfall=123_456
        )
        EkonomiradFactory(forbund=forbund_a, rad="eget_kapital_ub", budget=100_000, utfall=98_765)
        page = client_admin_a.get(ekonomi_url(forbund_a)).text
        assert "Eget kapital vid årets början" in page and "Eget kapital vid årets slut" in page
        assert "123" in page and "98" in page
        assert rad_edit_url(forbund_a, "eget_kapital_ub") in page
        response = client_admin_a.post(
            rad_edit_url(forbund_a, "eget_kapital_ub"),
            {"eget_kapital_ub-budget": "200000", "eget_kapital_ub-utfall": "210000"},
        )
        assert response.status_code in (200, 302)
        line = Ekonomirad.objects.get(forbund=forbund_a, ar=2015, rad="eget_kapital_ub")
        assert (line.budget, line.utfall) == (200_000, 210_000)

    def test_default_year_is_the_current_one_without_lines(self, client_admin_a, forbund_a):
        response = client_admin_a.get(
            reverse("insatser:ekonomi_current", args=[forbund_a.organisationsnummer])
        )
        assert response["Location"] == ekonomi_url(forbund_a, timezone.localdate().year)

    def test_default_year_is_the_latest_with_lines(self, client_admin_a, forbund_a):
        EkonomiradFactory(forbund=forbund_a, ar=2016)
        EkonomiradFactory(forbund=forbund_a, ar=2090)  # far ahead: not a default
        response = client_admin_a.get(
            reverse("insatser:ekonomi_current", args=[forbund_a.organisationsnummer])
        )
        assert response["Location"] == ekonomi_url(forbund_a, 2016)

    def test_entry_page_goes_to_the_only_forbund(self, client_admin_a, forbund_a):
        response = client_admin_a.get(reverse("insatser:ekonomi_start"))
        assert response["Location"] == reverse(
            "insatser:ekonomi_current", args=[forbund_a.organisationsnummer]
        )

    def test_entry_page_is_404_for_handlaggare(self, client_handlaggare_a, forbund_a):
        assert client_handlaggare_a.get(reverse("insatser:ekonomi_start")).status_code == 404

    def test_entry_page_wrong_method(self, client_admin_a):
        assert client_admin_a.post(reverse("insatser:ekonomi_start")).status_code == 405

    def test_year_out_of_range_is_404(self, client_admin_a, forbund_a):
        assert client_admin_a.get(ekonomi_url(forbund_a, 1999)).status_code == 404

    def test_htmx_gets_the_section(self, client_admin_a, forbund_a):
        response = client_admin_a.get(
            ekonomi_url(forbund_a), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ekonomi"
        )
        assert 'id="ekonomi"' in response.text and "<html" not in response.text

    def test_query_count_is_fixed(self, client_admin_a, forbund_a, django_assert_max_num_queries):
        for n in range(30):
            insats = InsatsFactory(
                forbund=forbund_a, niva="struktur" if n % 2 else "individ", typ="kartlaggning"
            )
            EkonomiradFactory(forbund=forbund_a, rad="insats", insats=insats)
            EkonomiradFactory(forbund=forbund_a, rad="insats_esf", insats=insats)
        with django_assert_max_num_queries(8):
            response = client_admin_a.get(ekonomi_url(forbund_a))
        assert len(response.context["year"].individ.rader) == 15


class TestEkonomiEdit:
    def test_htmx_get_opens_the_insats_lines_in_place(self, client_admin_a, insats_a):
        EkonomiradFactory(
            forbund=insats_a.forbund, rad="insats", insats=insats_a, budget=123_456, utfall=None
        )
        response = client_admin_a.get(insats_edit_url(insats_a), **HTMX)
        assert response.status_code == 200
        assert "<html" not in response.text
        assert 'name="insats-budget"' in response.text and 'value="123456"' in response.text
        assert 'name="insats_esf-budget"' in response.text

    def test_htmx_post_saves_both_lines_and_returns_the_section(self, client_admin_a, insats_a):
        response = client_admin_a.post(
            insats_edit_url(insats_a),
            {
                "insats-budget": "400000",
                "insats-utfall": "",
                "insats_esf-budget": "100000",
                "insats_esf-utfall": "90000",
            },
            **HTMX,
        )
        assert response.status_code == 200
        assert "A-1 Arbetslivsinriktad rehabilitering 2015 har sparats." in response.text
        rows = {r.rad: (r.budget, r.utfall) for r in Ekonomirad.objects.all()}
        assert rows == {"insats": (400_000, None), "insats_esf": (100_000, 90_000)}

    def test_plain_post_redirects_back(self, client_admin_a, forbund_a):
        response = client_admin_a.post(
            rad_edit_url(forbund_a, "adm_lokaler"), {"adm_lokaler-budget": "50000"}
        )
        assert response.status_code == 302
        assert response["Location"] == ekonomi_url(forbund_a) + "#ekonomi"
        assert Ekonomirad.objects.get().budget == 50_000

    def test_income_line(self, client_admin_a, forbund_a):
        client_admin_a.post(
            rad_edit_url(forbund_a, "esf"), {"esf-budget": "70000", "esf-utfall": "65000"}
        )
        row = Ekonomirad.objects.get()
        assert (row.rad, row.insats, row.utfall) == ("esf", None, 65_000)

    def test_empty_amounts_remove_the_line(self, client_admin_a, forbund_a):
        EkonomiradFactory(forbund=forbund_a, rad="adm_revision")
        client_admin_a.post(rad_edit_url(forbund_a, "adm_revision"), {"adm_revision-budget": ""})
        assert not Ekonomirad.objects.exists()

    def test_invalid_amounts_are_explained_and_nothing_saved(self, client_admin_a, insats_a):
        response = client_admin_a.post(
            insats_edit_url(insats_a),
            {"insats-budget": "-5", "insats_esf-budget": "", "insats_esf-utfall": "10"},
            **HTMX,
        )
        assert response.status_code == 200
        assert "Formuläret innehåller fel" in response.text
        assert "Ange budget (0 om inget budgeterades) när utfall finns." in response.text
        assert not Ekonomirad.objects.exists()

    @pytest.mark.parametrize("rad", ["insats", "insats_esf", "okand", "kommun"])
    def test_only_administration_and_income_lines_by_code(self, client_admin_a, forbund_a, rad):
        assert client_admin_a.get(rad_edit_url(forbund_a, rad)).status_code == 404

    def test_assigned_handlaggare_cannot_edit_money(self, client_handlaggare_a, tilldelad_insats_a):
        response = client_handlaggare_a.post(
            insats_edit_url(tilldelad_insats_a), {"insats-budget": "1"}
        )
        assert response.status_code == 404
        assert not Ekonomirad.objects.exists()

    def test_other_forbund_cannot_edit(self, client_admin_b, insats_a):
        response = client_admin_b.post(insats_edit_url(insats_a), {"insats-budget": "1"})
        assert response.status_code == 404
        assert not Ekonomirad.objects.exists()
