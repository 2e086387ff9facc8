"""Creating and editing an insats: the classification rules, target groups, goals, htmx typ."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from insatser.models import Insats, InsatsMal

from ..factories import InsatsFactory, VolymregistreringFactory

pytestmark = pytest.mark.django_db

HTMX_TYP = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "typ-falt"}
NO_GOALS = {"mal-TOTAL_FORMS": "0", "mal-INITIAL_FORMS": "0"}


def create_url(forbund):
    return reverse("insatser:create", args=[forbund.organisationsnummer])


def edit_url(insats):
    return reverse("insatser:edit", args=[insats.forbund.organisationsnummer, insats.kod])


def valid_data(**overrides):
    data = {
        "kod": "IND-1",
        "namn": "Vägen till arbete",
        "niva": "individ",
        "typ": "rehabilitering",
        "deltagarregistrering": "individuell",
        "form": "projekt",
        "startdatum": "2024-01-01",
        "slutdatum": "2026-12-31",
        **NO_GOALS,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class TestCreate:
    def test_creates_with_target_groups_parties_and_a_goal(self, client_admin_a, forbund_a):
        uppsala = forbund_a.medlemskap.get(kommun_id="0380")
        data = valid_data(
            behovsgrupper=["langtidssjukskrivna", "unga_aktivitetsersattning"],
            nya_malgrupper="Unga 16–29 år\nNyanlända",
            parter=[uppsala.pk],
            alder_fran="16",
            alder_till="29",
            planerat_antal_per_ar="30",
            max_tid_manader="12",
            **{
                "mal-TOTAL_FORMS": "1",
                "mal-0-matt": "arbete_studier",
                "mal-0-malvarde_procent": "30",
                "mal-0-matpunkt_dagar": "90",
            },
        )
        response = client_admin_a.post(create_url(forbund_a), data)
        insats = Insats.objects.get()
        assert response.status_code == 302
        assert response["Location"] == insats.get_absolute_url()
        assert insats.forbund == forbund_a
        assert {b.kod for b in insats.behovsgrupper.all()} == {
            "langtidssjukskrivna",
            "unga_aktivitetsersattning",
        }
        assert sorted(m.namn for m in insats.malgrupper.all()) == ["Nyanlända", "Unga 16–29 år"]
        assert list(insats.parter.all()) == [uppsala]
        assert InsatsMal.objects.get(insats=insats).malvarde_procent == 30

    def test_struktur_insats_needs_no_deltagarregistrering(self, client_admin_a, forbund_a):
        data = valid_data(niva="struktur", typ="dialog", deltagarregistrering=None)
        assert client_admin_a.post(create_url(forbund_a), data).status_code == 302
        assert Insats.objects.get().deltagarregistrering == ""

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            (
                {"niva": "struktur", "typ": "rehabilitering", "deltagarregistrering": None},
                "Rehabilitering till arbete eller utbildning är ingen typ för strukturinriktad insats.",
            ),
            (
                {"niva": "struktur", "typ": "dialog", "deltagarregistrering": "volym"},
                "Deltagarregistrering anges bara för individinriktade insatser.",
            ),
            (
                {"deltagarregistrering": ""},
                "Ange hur deltagarna registreras i en individinriktad insats.",
            ),
            ({"slutdatum": "2023-12-31"}, "Slutdatum kan inte ligga före startdatum."),
            ({"kod": "a b"}, "Koden får bara innehålla"),
            ({"kod": "ny"}, "Koden ny är reserverad"),
            ({"alder_fran": "30", "alder_till": "16"}, "Åldern till kan inte vara lägre"),
            ({"typ": "okand"}, "Välj ett av alternativen i listan"),
        ],
    )
    def test_rules_are_explained_in_swedish(self, client_admin_a, forbund_a, overrides, message):
        response = client_admin_a.post(create_url(forbund_a), valid_data(**overrides))
        assert response.status_code == 200
        assert "Formuläret innehåller fel" in response.text
        assert message in response.text
        assert not Insats.objects.exists()

    def test_kod_must_be_unique_in_the_forbund(self, client_admin_a, insats_a):
        response = client_admin_a.post(create_url(insats_a.forbund), valid_data(kod="A-1"))
        assert "Förbundet har redan en insats med koden A-1." in response.text
        assert Insats.objects.count() == 1

    def test_same_kod_in_another_forbund_is_fine(self, client_admin_a, forbund_a, insats_b):
        response = client_admin_a.post(create_url(forbund_a), valid_data(kod=insats_b.kod))
        assert response.status_code == 302

    def test_party_of_another_forbund_is_not_a_choice(self, client_admin_a, forbund_a, forbund_b):
        other = forbund_b.medlemskap.first()
        response = client_admin_a.post(create_url(forbund_a), valid_data(parter=[other.pk]))
        assert response.status_code == 200
        assert not Insats.objects.exists()

    def test_goal_with_other_measure_needs_a_description(self, client_admin_a, forbund_a):
        data = valid_data(
            **{
                "mal-TOTAL_FORMS": "1",
                "mal-0-matt": "annat",
                "mal-0-malvarde_procent": "50",
                "mal-0-matpunkt_dagar": "0",
            }
        )
        response = client_admin_a.post(create_url(forbund_a), data)
        assert "Beskriv måttet." in response.text
        assert not Insats.objects.exists()

    def test_form_without_js_offers_both_levels_types_in_groups(self, client_admin_a, forbund_a):
        response = client_admin_a.get(create_url(forbund_a))
        assert response.status_code == 200
        assert '<optgroup label="Individinriktad insats">' in response.text
        assert '<optgroup label="Strukturinriktad insats">' in response.text
        assert 'hx-get="' in response.text  # nivå re-renders the typ select

    def test_htmx_nivå_change_returns_the_levels_types(self, client_admin_a, forbund_a):
        response = client_admin_a.get(create_url(forbund_a), {"niva": "struktur"}, **HTMX_TYP)
        assert response.status_code == 200
        assert "<html" not in response.text
        assert 'id="typ-falt"' in response.text
        assert 'value="dialog"' in response.text
        assert 'value="rehabilitering"' not in response.text
        assert 'name="deltagarregistrering"' not in response.text
        assert "Formuläret innehåller fel" not in response.text

    def test_htmx_individ_keeps_the_chosen_type(self, client_admin_a, forbund_a):
        response = client_admin_a.get(
            create_url(forbund_a), {"niva": "individ", "typ": "kartlaggning"}, **HTMX_TYP
        )
        assert '<option value="kartlaggning" selected>' in response.text
        assert 'value="dialog"' not in response.text
        assert 'name="deltagarregistrering"' in response.text


class TestEdit:
    def test_edits_and_redirects_to_the_new_kod(self, client_admin_a, insats_a):
        data = valid_data(kod="A-1-NY", namn="Nytt namn")
        response = client_admin_a.post(edit_url(insats_a), data)
        insats_a.refresh_from_db()
        assert (insats_a.kod, insats_a.namn) == ("A-1-NY", "Nytt namn")
        assert response["Location"] == insats_a.get_absolute_url()

    def test_form_shows_current_values(self, client_admin_a, insats_a):
        response = client_admin_a.get(edit_url(insats_a))
        assert 'value="A-1"' in response.text
        assert '<option value="rehabilitering" selected>' in response.text
        assert "<optgroup" not in response.text.split('id="typ-falt"')[1].split("</select>")[0]

    def test_goals_can_be_removed(self, client_admin_a, insats_a):
        goal = InsatsMal.objects.create(
            insats=insats_a, matt="arbete_studier", malvarde_procent=30, matpunkt_dagar=90
        )
        data = valid_data(
            kod="A-1",
            **{
                "mal-TOTAL_FORMS": "1",
                "mal-INITIAL_FORMS": "1",
                "mal-0-id": str(goal.pk),
                "mal-0-insats": str(insats_a.pk),
                "mal-0-matt": "arbete_studier",
                "mal-0-malvarde_procent": "30",
                "mal-0-matpunkt_dagar": "90",
                "mal-0-DELETE": "on",
            },
        )
        assert client_admin_a.post(edit_url(insats_a), data).status_code == 302
        assert not InsatsMal.objects.exists()

    def test_volyminsats_with_counts_stays_a_volyminsats(self, client_admin_a, tilldelad_insats_a):
        VolymregistreringFactory(insats=tilldelad_insats_a, datum=dt.date(2015, 3, 31))
        data = valid_data(kod="A-2", deltagarregistrering="individuell")
        response = client_admin_a.post(edit_url(tilldelad_insats_a), data)
        assert response.status_code == 200
        assert "den förblir en volyminsats" in response.text
        tilldelad_insats_a.refresh_from_db()
        assert tilldelad_insats_a.deltagarregistrering == "volym"

    def test_closed_insats_cannot_get_an_end_before_its_closing(self, client_admin_a, forbund_a):
        insats = InsatsFactory(
            forbund=forbund_a,
            kod="C",
            startdatum=dt.date(2015, 1, 1),
            avslutad_datum=dt.date(2016, 6, 30),
        )
        response = client_admin_a.post(
            edit_url(insats), valid_data(kod="C", startdatum="2015-01-01", slutdatum="2016-01-31")
        )
        assert "Insatsen avslutades 2016-06-30; slutdatum kan inte ligga före det." in response.text

    def test_handlaggare_cannot_edit_even_an_assigned_insats(
        self, client_handlaggare_a, tilldelad_insats_a
    ):
        assert client_handlaggare_a.get(edit_url(tilldelad_insats_a)).status_code == 404
        response = client_handlaggare_a.post(edit_url(tilldelad_insats_a), valid_data(kod="A-2"))
        assert response.status_code == 404
        tilldelad_insats_a.refresh_from_db()
        assert tilldelad_insats_a.namn == "Samtalsstöd"

    def test_other_forbund_cannot_edit(self, client_admin_b, insats_a):
        assert client_admin_b.post(edit_url(insats_a), valid_data(kod="A-1")).status_code == 404
